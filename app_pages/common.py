"""Streamlit glue the pages share: widgets <-> RunConfig <-> URL, the session's training run, and
the session guard that pauses it when the browser goes away. The core (rnnplay) never sees st."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlencode

import streamlit as st
import torch

from rnnplay.config import FIELDS, ConfigError, RunConfig, allowed_text, make_config, parse_params
from rnnplay.session import TrainingRun
from rnnplay.tasks import TASK_CLASSES, make_task

# Many sessions share a few cores: each training thread gets a small, fixed share (set once here,
# where the Playground first imports torch; Home never does).
torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))

# Changing the task sets the other widgets to that task's defaults through session_state; Streamlit
# logs a warning for each such widget that also has a default. That is intended here.
logging.getLogger("streamlit.elements.lib.policies").setLevel(logging.ERROR)

LABELS = {
    "task": "Task",
    "arch": "Architecture",
    "impl": "Implementation",
    "hidden_size": "Hidden size",
    "num_layers": "Layers",
    "bidirectional": "Bidirectional",
    "nonlinearity": "Activation",
    "dropout": "Dropout between layers",
    "lr": "Learning rate",
    "optimizer": "Optimizer",
    "momentum": "Momentum",
    "clip_mode": "Gradient clipping",
    "clip": "Clip threshold",
    "batch_size": "Batch size",
    "steps": "Training steps",
    "seq_len": "Sequence length T",
    "init": "Initialisation",
    "init_gain": "Init gain",
    "weight_decay": "Weight decay",
    "seed": "Seed",
    "device": "Device",
    "text": "Text to learn",
    "noise": "Noise",
    "embed_dim": "Embedding size",
    "lr_schedule": "LR schedule",
    "lr_step": "Decay every (steps)",
    "lr_gamma": "Decay factor",
    "corpus": "Text",
    "temperature": "Sampling temperature",
    "sentences": "Sentences",
    "dataset_size": "Sequences to memorise",
    "teacher_forcing": "Teacher forcing ratio",
    "delay": "Delay (blank steps)",
}
# display names of choice codes (the URL keeps the codes)
CHOICE_LABELS = {
    "corpus": {"text": "my own text", "sonnets": "Shakespeare's sonnets (English)", "tang": "Tang poems (中文)"},
    "sentences": {"en": "English", "zh": "中文 Chinese"},
}
# The UI caps what one browser session may ask for; the CLI allows the full RunConfig range.
UI_MAX = {"steps": int(os.environ.get("RNNPLAY_MAX_STEPS", "20000"))}
SECTIONS = {
    "Task": ("task", "corpus", "text", "temperature", "sentences", "dataset_size", "seq_len", "delay", "noise"),
    "Model": ("arch", "embed_dim", "hidden_size", "num_layers", "bidirectional", "nonlinearity", "dropout"),
    "Training": (
        "optimizer",
        "lr",
        "lr_schedule",
        "lr_step",
        "lr_gamma",
        "momentum",
        "clip_mode",
        "clip",
        "batch_size",
        "steps",
        "teacher_forcing",
    ),
    "More": ("impl", "init", "init_gain", "weight_decay", "seed", "device"),
}


def _visible(name: str, s: dict) -> bool:
    """Whether a field matters for the configuration the widgets currently hold."""
    if FIELDS[name].metadata["tasks"] and s["task"] not in FIELDS[name].metadata["tasks"]:
        return False
    if name in TASK_CLASSES[s["task"]].ignores:
        return False
    return {
        "text": s.get("corpus", "text") == "text",
        "lr_step": s["lr_schedule"] == "step",
        "lr_gamma": s["lr_schedule"] == "step",
        "nonlinearity": s["arch"] == "rnn",
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
    from rnnplay.tasks.charlm import CORPUS_DEFAULTS

    corpus = st.session_state["corpus"]
    for name, value in CORPUS_DEFAULTS.get(corpus, {}).items():
        st.session_state[name] = value
    if corpus == "text":
        for name, value in make_config("charlm").to_dict().items():
            if name in TASK_CLASSES["charlm"].defaults:
                st.session_state[name] = value


def _widget(name: str, default, container) -> object:
    f, key, label = FIELDS[name], name, LABELS[name]
    m, help_ = f.metadata, f"{f.metadata['help']} — {allowed_text(name)}"
    common = {"key": key, "help": help_, "bind": "query-params"}
    if m["choices"]:
        # options are the codes themselves: a bound widget writes its option text into the URL,
        # and share links must read ?arch=lstm, not a display label
        options = list(m["choices"])
        if name in CHOICE_LABELS:
            # a fixed-label selectbox: format_func would put the label, not the code, into the URL
            common["on_change"] = _on_corpus_change if name == "corpus" else None
            value = container.selectbox(label, options, index=options.index(default), **common)
            container.caption(CHOICE_LABELS[name][value])
            return value
        if name == "task":
            value = container.selectbox(
                label, options, index=options.index(default), on_change=_on_task_change, **common
            )
            container.caption(TASK_CLASSES[value].description)
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
    return container.text_area(label, value=default, max_chars=20_000, height=80, **common)


def config_controls(container) -> tuple[RunConfig, list[str]]:
    """Draw the configuration widgets (bound to the URL) and return (config, problems).
    Bad URL parameters are reported by name and replaced by defaults; never an exception."""
    _, warnings = parse_params(st.query_params.to_dict())
    task_box = container.container()
    # the task widget's default is fixed, so ?task=... always stays in a share link
    values: dict = {"task": _widget("task", "majority", task_box)}
    defaults = make_config(values["task"])
    for section, names in SECTIONS.items():
        box = task_box if section == "Task" else container.expander(section, expanded=section != "More")
        for name in names:
            # dependencies (arch, num_layers, optimizer, clip_mode) are drawn before what they show
            if name != "task" and _visible(name, {**defaults.to_dict(), **values}):
                values[name] = _widget(name, getattr(defaults, name), box)
    if values["task"] == "sine":
        values["series"] = _series_upload(task_box, warnings)
    try:
        config = defaults.replace(**{k: v for k, v in values.items() if k != "task"})
        if config.series:
            make_task(config)  # a series too short for seq_len is refused here, by name
    except ConfigError as e:
        warnings.append(f"{e} — using the task's defaults")
        config = defaults
    return config, warnings


MAX_UPLOAD_MB = 2


def _series_upload(container, warnings: list[str]) -> tuple:
    """T4: the learner's own series from a CSV file (one numeric column). A bad file gets a message
    naming what is wrong and the built-in sines stay; a good one is kept for this session."""
    from rnnplay.tasks.sine import load_series_csv

    up = container.file_uploader(
        "Your own series (CSV, one numeric column)",
        type=["csv", "txt"],
        key="series_file",
        help=f"Up to {MAX_UPLOAD_MB} MB; a header row is fine. Without a file: the built-in noisy sines.",
        max_upload_size=MAX_UPLOAD_MB,
    )
    if up is None:
        return ()
    try:
        series = load_series_csv(up.getvalue())
    except (ConfigError, ValueError) as e:
        warnings.append(f"CSV file {up.name}: {e} — using the built-in sines")
        return ()
    container.caption(f"Using {len(series)} values from {up.name}.")
    return series


def share_query(config: RunConfig) -> str:
    return urlencode(config.changed_fields())


def share_url(config: RunConfig, page: str = "playground") -> str:
    base = getattr(st.context, "url", None) or ""
    base = base.split("?")[0].rsplit("/", 1)[0] if base else ""
    return f"{base}/{page}?{share_query(config)}"


# the session's run --------------------------------------------------------------------------
class SessionGuard:
    """Lives in a session-scoped resource: Streamlit releases it when the browser disconnects."""

    def __init__(self):
        self.run: TrainingRun | None = None

    def release(self) -> None:
        if self.run is not None:
            self.run.detach()  # pause now; the thread ends later unless the session comes back


@st.cache_resource(scope="session", on_release=SessionGuard.release, show_spinner=False)
def _session_guard() -> SessionGuard:
    return SessionGuard()


# V9: what the charts show, in words -----------------------------------------------------------
SEVERITY_ICONS = {"warning": ":material/warning:", "info": ":material/info:", "ok": ":material/check_circle:"}


def diagnosis_panel(snap: dict, container=None, title: str = "Diagnosis") -> None:
    """The run's diagnosis (rnnplay.diagnosis) as sentences with their numbers and what to try."""
    from rnnplay.diagnosis import diagnose

    findings = diagnose(snap)
    box = (container or st).container(border=True, key=None)
    box.markdown(f"**{title}**")
    if not findings:
        box.caption("Nothing to say yet: train for a few steps.")
    for f in findings:
        line = f.text + (f"  \n*Try:* {f.hint}" if f.hint and f.severity != "ok" else "")
        box.markdown(f"{SEVERITY_ICONS.get(f.severity, '')} {line}")


# the session's earlier runs (V8) --------------------------------------------------------------
MAX_ARCHIVED = 12  # a session keeps this many finished runs to compare (oldest dropped first)


def archive_run(run: TrainingRun) -> None:
    """Keep a finished (or abandoned) run's final snapshot for the Runs page before it is reset. The
    model itself is dropped: only what the charts draw stays, without the heavy replay frames."""
    if run.trainer.steps_done == 0:
        return
    snap = run.snapshot()
    snap.pop("frames", None)
    runs = st.session_state.setdefault("_runs", [])
    number = st.session_state.get("_run_counter", 0) + 1
    st.session_state["_run_counter"] = number
    runs.append({"id": number, "snapshot": snap})
    del runs[:-MAX_ARCHIVED]


def reset_run(run: TrainingRun, config: RunConfig) -> None:
    """Reset, keeping the old run on the Runs page."""
    archive_run(run)
    run.reset(config)


def current_run(config: RunConfig) -> TrainingRun:
    """This browser session's run. An untouched run follows the widgets; one that has trained keeps
    its configuration until Reset, so a stray click never throws away a trained model."""
    run: TrainingRun | None = st.session_state.get("_run")
    if run is None:
        run = TrainingRun(config)
        st.session_state["_run"] = run
    elif run.config != config and run.state == "ready" and run.trainer.steps_done == 0:
        run.reset(config)
    guard = _session_guard()
    guard.run = run
    run.attach()
    return run
