"""One setting's widget: its label, its help, its range (capped for a browser session), bound to the URL
(?name=value), and whether the configuration the widgets hold makes it matter. The sidebar that draws
them all is app_pages/ui/controls.py."""

from __future__ import annotations

import logging

import streamlit as st

from app_pages.i18n import lang, tr
from rnnplay import hosted
from rnnplay.config import FIELDS, allowed_text, field_help, make_config
from rnnplay.i18n import N_
from rnnplay.tasks import TASK_CLASSES
from rnnplay.tasks.charlm import CORPUS_DEFAULTS

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
    corpus = st.session_state["corpus"]
    for name, value in CORPUS_DEFAULTS.get(corpus, {}).items():
        st.session_state[name] = value
    if corpus == "text":
        for name, value in make_config("charlm").to_dict().items():
            if name in TASK_CLASSES["charlm"].defaults:
                st.session_state[name] = value


def widget(name: str, default, container, locked: bool = False) -> object:
    """Draw one field's widget in container with this value and return what it holds. locked: a teacher link
    fixed the field (a disabled widget that shows its value)."""
    f, key, label = FIELDS[name], name, tr(LABELS[name])
    m, help_ = f.metadata, f"{field_help(name, lang())} — {allowed_text(name, lang())}"
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
    # no max_chars: the browser would cut a long paste silently; config_controls refuses it with a message
    value = container.text_area(label, value=default, height=80, **common)
    refused = st.session_state.pop(f"_refused_{name}", None)
    if refused:
        container.error(refused, icon=":material/block:")
    return value
