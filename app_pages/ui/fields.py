"""One setting's widget: its label, its help, its range (capped for a browser session), bound to the URL
(?name=value), and whether the configuration the widgets hold makes it matter. The sidebar that draws
them all is app_pages/ui/controls.py."""

from __future__ import annotations

import logging
import math

import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from app_pages.i18n import tr
from rnnplay import hosted, texts
from rnnplay.config import (
    DEFAULT_TASK,
    FIELDS,
    MAX_TEXT_CHARS,
    ConfigError,
    RunConfig,
    allowed_text,
    field_help,
    make_config,
)
from rnnplay.i18n import N_
from rnnplay.tasks import TASK_CLASSES
from rnnplay.texts import URL_TEXT_MAX
from rnnplay.untrusted import shorten

# Changing the task sets the other widgets to that task's defaults through session_state; Streamlit
# logs a warning for each such widget that also has a default. That is intended here.
logging.getLogger("streamlit.elements.lib.policies").setLevel(logging.ERROR)

LABELS = {
    "task": N_("Task"),
    "arch": N_("Architecture"),
    "impl": N_("Implementation"),
    "hidden_size": N_("Hidden size"),
    "num_layers": N_("Layers"),
    "bidirectional": N_("Bidirectional"),
    "nonlinearity": N_("Activation"),
    "dropout": N_("Dropout between layers"),
    "lr": N_("Learning rate"),
    "optimizer": N_("Optimizer"),
    "momentum": N_("Momentum"),
    "clip_mode": N_("Gradient clipping"),
    "clip": N_("Clip threshold"),
    "batch_size": N_("Batch size"),
    "steps": N_("Training steps"),
    "seq_len": N_("Sequence length T"),
    "init": N_("Initialisation"),
    "init_gain": N_("Init gain"),
    "forget_bias": N_("Forget-gate bias"),
    "weight_decay": N_("Weight decay"),
    "seed": N_("Seed"),
    "device": N_("Device"),
    "text": N_("Text to learn"),
    "noise": N_("Noise"),
    "embed_dim": N_("Embedding size"),
    "lr_schedule": N_("LR schedule"),
    "lr_step": N_("Decay every (steps)"),
    "lr_step_unit": N_("Decay counted in"),
    "lr_gamma": N_("Decay factor"),
    "corpus": N_("Text"),
    "temperature": N_("Sampling temperature"),
    "carry_state": N_("Carry the hidden state across batches"),
    "sentences": N_("Sentences"),
    "dataset_size": N_("Sequences to memorise"),
    "input_size": N_("Numbers per time step"),
    "readout": N_("Classifier reads"),
    "teacher_forcing": N_("Teacher forcing ratio"),
    "delay": N_("Delay (blank steps)"),
}
# display names of choice codes (the URL keeps the codes)
CHOICE_LABELS = {
    "corpus": {
        "text": N_("my own text"),
        "sonnets": N_("Shakespeare's sonnets (English)"),
        "tang": N_("Tang poems (中文)"),
    },
    "sentences": {"en": N_("English"), "zh": N_("中文 Chinese")},
    "readout": {
        "last_valid": N_("each sentence's last word (correct)"),
        "last_padded": N_("out[:, -1]: the padding (the trap)"),
    },
}
# The UI caps what one browser session may ask for; the CLI allows the full RunConfig range.
# On a shared server (hosted) the caps come from RNNPLAY_MAX_STEPS and RNNPLAY_MAX_SEQ_LEN.
UI_MAX = {"steps": hosted.caps().max_steps, "seq_len": hosted.caps().max_seq_len}
SECTIONS = {
    N_("Task"): (
        "task",
        "corpus",
        "text",
        "temperature",
        "carry_state",
        "sentences",
        "readout",
        "dataset_size",
        "input_size",
        "seq_len",
        "delay",
        "noise",
    ),
    N_("Model"): ("arch", "embed_dim", "hidden_size", "num_layers", "bidirectional", "nonlinearity", "dropout"),
    N_("Training"): (
        "optimizer",
        "lr",
        "lr_schedule",
        "lr_step",
        "lr_step_unit",
        "lr_gamma",
        "momentum",
        "clip_mode",
        "clip",
        "batch_size",
        "steps",
        "teacher_forcing",
    ),
    N_("More"): ("impl", "init", "init_gain", "forget_bias", "weight_decay", "seed", "device"),
}


def drop_url_param(name: str) -> None:
    """Take ?name= out of the URL and out of the copy of the URL that Streamlit seeds bound widgets from
    when they are first drawn (deleting through st.query_params leaves that copy, and refuses a
    parameter already bound to a widget)."""
    with get_session_state().query_params() as qp:
        qp._initial_query_params.pop(name, None)
        if name in qp._query_params:
            del qp._query_params[name]
            qp._send_query_param_msg()


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"  # 2147483647, not 2.14748e+09


def _usable_number(kind: type, raw: str) -> bool:
    """Whether a bound number input can read raw: a finite float, or for an integer field an integer."""
    try:
        value = float(raw)
        if kind is int:
            int(raw)
    except (TypeError, ValueError, OverflowError):
        return False
    return math.isfinite(value)


def task_defaults(task: str | None) -> RunConfig:
    """make_config(task), or the first task's defaults for a task the link misspells (named elsewhere)."""
    try:
        return make_config(task or DEFAULT_TASK)
    except ValueError:
        return make_config()


def drop_bad_url_numbers(defaults: RunConfig) -> list[str]:
    """Drop every number parameter in the URL that a bound number input cannot read (`?steps=inf`,
    `?seed=-inf`, `?hidden_size=1e400`, `nan`, `1e3` for an integer) before any widget sees it:
    Streamlit converts it itself and stops the page with an OverflowError. Each is named with the
    allowed range; the field keeps its default (from `defaults`). Call before drawing the widgets."""
    warnings = []
    for name, raw in st.query_params.to_dict().items():
        f = FIELDS.get(name)
        kind = type(f.default) if f is not None else None
        if kind not in (int, float) or f.metadata["lo"] is None or _usable_number(kind, raw):
            continue
        m = f.metadata
        hi = UI_MAX.get(name, m["hi"])
        allowed = N_("an integer in {range}") if kind is int else N_("a finite number in {range}")
        span = f"{'(' if m['lo_open'] else '['}{_num(m['lo'])}, {_num(hi)}]"
        error = tr(ConfigError(name, raw, allowed, range=span))
        warnings.append(tr("{error} — using the default {value}", error=error, value=repr(getattr(defaults, name))))
        drop_url_param(name)
    return warnings


def visible(name: str, s: dict) -> bool:
    """Whether a field matters for the configuration the widgets currently hold."""
    if FIELDS[name].metadata["tasks"] and s["task"] not in FIELDS[name].metadata["tasks"]:
        return False
    if name in TASK_CLASSES[s["task"]].ignores:
        return False
    return {
        "text": s.get("corpus", "text") == "text",
        "lr_step": s["lr_schedule"] == "step",
        "lr_gamma": s["lr_schedule"] == "step",
        "lr_step_unit": s["lr_schedule"] == "step",
        "nonlinearity": s["arch"] == "rnn",
        "forget_bias": s["arch"] == "lstm",
        "dropout": s["num_layers"] > 1,
        "momentum": s["optimizer"] in ("sgd", "rmsprop"),
        "clip": s["clip_mode"] != "off",
        "bidirectional": TASK_CLASSES[s["task"]].allows_bidirectional,
    }.get(name, True)


def _on_task_change() -> None:
    """A new task brings its own fast-converging defaults (hidden size, lr, steps, T, ...); the
    learner's choices that no task sets (architecture, optimizer, seed, ...) stay as they are."""
    task = st.session_state["task"]
    defaults = make_config(task)
    # the architecture changes only when the new task recommends one (copy: LSTM, reverse: GRU)
    task_fields = set().union(*(cls.defaults for cls in TASK_CLASSES.values())) - {"arch"}
    for name in task_fields | set(TASK_CLASSES[task].defaults):
        st.session_state[name] = getattr(defaults, name)
    if not TASK_CLASSES[task].allows_bidirectional:
        st.session_state["bidirectional"] = False


def _on_corpus_change() -> None:
    """A built-in text needs a bigger model and longer windows than 'hello': apply its settings."""
    corpus, task = st.session_state["corpus"], st.session_state["task"]
    for name, value in TASK_CLASSES[task].CORPUS_DEFAULTS.get(corpus, {}).items():
        st.session_state[name] = value
    if corpus == "text":  # back to the task's own text: its own defaults
        for name, value in make_config(task).to_dict().items():
            if name in TASK_CLASSES[task].defaults:
                st.session_state[name] = value


def widget(name: str, default, container, locked: bool = False) -> object:
    """Draw one field's widget in container with this value and return what it holds. locked: a teacher link
    fixed the field (a disabled widget that shows its value)."""
    f, key, label = FIELDS[name], name, tr(LABELS[name])
    m, help_ = f.metadata, f"{tr(field_help(name))} — {tr(allowed_text(name))}"
    common = {"key": key, "help": help_, "bind": "query-params"}
    if locked:
        # not bound (a bound widget takes ?name= from the URL when first drawn), disabled, and its
        # session value put back to the teacher link's at every run, whatever a callback or the page set
        st.session_state[key] = default
        common = {**common, "bind": None, "disabled": True, "help": f"{tr('Locked by your teacher')} — {help_}"}
    if m["choices"]:
        # options are the codes themselves: a bound widget writes its option text into the URL,
        # and share links must read ?arch=lstm, not a display label
        options = list(m["choices"])
        if name in CHOICE_LABELS:
            # a fixed-label selectbox: format_func would put the label, not the code, into the URL
            common["on_change"] = _on_corpus_change if name == "corpus" else None
            value = container.selectbox(label, options, index=options.index(default), **common)
            container.caption(tr(CHOICE_LABELS[name][value]))
            return value
        if name == "task":
            value = container.selectbox(
                label, options, index=options.index(default), on_change=_on_task_change, **common
            )
            container.caption(tr(TASK_CLASSES[value].description))
            return value
        if len(options) <= 3:
            return container.radio(label, options, index=options.index(default), horizontal=True, **common)
        return container.selectbox(label, options, index=options.index(default), **common)
    if isinstance(f.default, bool):
        return container.toggle(label, value=default, **common)
    if isinstance(f.default, int):
        hi = UI_MAX.get(name, m["hi"])
        return container.number_input(label, min_value=m["lo"], max_value=hi, value=min(default, hi), step=1, **common)
    if isinstance(f.default, float):
        lo = 1e-6 if m["lo_open"] else m["lo"]
        step = {
            "lr": 1e-4,
            "clip": 0.5,
            "init_gain": 0.1,
            "dropout": 0.1,
            "momentum": 0.05,
            "lr_gamma": 0.1,
            "temperature": 0.1,
            "teacher_forcing": 0.1,
        }.get(name, 0.01)
        return container.number_input(
            label, min_value=float(lo), max_value=float(m["hi"]), value=float(default), step=step, format="%g", **common
        )
    # no max_chars: the browser would cut a long paste silently; config_controls refuses it with a message.
    # Not bound: a bound text area writes whatever is pasted into the URL (2 MB: the reload answers HTTP
    # 400); keep_text_in_url writes an accepted text, or its reference when it is long
    value = container.text_area(label, value=default, height=80, **{**common, "bind": None})
    refused = st.session_state.pop(f"_refused_{name}", None)
    if refused:
        container.error(refused, icon=":material/block:")
    elif not locked:
        keep_text_in_url(value, default)
    return value


# the text to learn in the URL: ?text= when short, else ?text_ref=<its hash> (kept by rnnplay.texts)
def _url_text_pair() -> tuple:
    return st.query_params.get("text"), st.query_params.get("text_ref")


def seed_text_from_url() -> list[str]:
    """Put the URL's text to learn (?text=, or the text ?text_ref= names) into the text widget when the
    URL's changed since this session last read or wrote it (a new link, a reload). A reference the
    server does not have is named and dropped; the widget keeps its text. Call before the widgets."""
    pair = _url_text_pair()
    if st.session_state.get("_text_url") == pair:
        return []
    st.session_state["_text_url"] = pair
    text, ref = pair
    if ref is not None:
        text = texts.get(ref)
        if text is None:
            drop_url_param("text_ref")
            st.session_state["_text_url"] = _url_text_pair()
            return [tr(TEXT_GONE, ref=shorten(ref))]
    if text is not None:
        st.session_state["text"] = text
    return []


TEXT_GONE = N_(
    "text_ref={ref}: this server no longer has the text this link names (long texts are kept on the "
    "server, not in the link, and the oldest are let go) — using the task's default text; paste the text again"
)


def keep_text_in_url(value: str, default: str) -> None:
    """The URL follows an accepted text to learn: nothing at the task's default, ?text= up to
    URL_TEXT_MAX characters, else ?text_ref= (the text kept on the server). A refused text (too long,
    empty) leaves the URL at the last accepted one."""
    if not 1 <= len(value) <= MAX_TEXT_CHARS:
        return
    want = {} if value == default else {"text": value} if len(value) <= URL_TEXT_MAX else {"text_ref": texts.put(value)}
    for k in ("text", "text_ref"):
        if k not in want:
            if k in st.query_params:
                drop_url_param(k)
        elif st.query_params.get(k) != want[k]:
            st.query_params[k] = want[k]
    st.session_state["_text_url"] = _url_text_pair()
