"""Streamlit glue the pages share: widgets <-> RunConfig <-> URL, the session's training run, and
the session guard that pauses it when the browser goes away. The core (rnnplay) never sees st."""

from __future__ import annotations

import logging
import os
import threading
import time
from urllib.parse import urlencode

import streamlit as st
import torch

from app_pages import teacher
from app_pages.i18n import lang, tr
from rnnplay import hosted, untrusted
from rnnplay import store as run_store
from rnnplay.config import (
    FIELDS,
    MAX_TEXT_CHARS,
    ConfigError,
    RunConfig,
    allowed_text,
    field_help,
    make_config,
    parse_params,
)
from rnnplay.i18n import LANGS, N_, localize
from rnnplay.session import TrainingRun
from rnnplay.tasks import TASK_CLASSES, make_task

# Many sessions share a few cores: each training thread gets a small, fixed share (set once here,
# where the Playground first imports torch; Home never does).
torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))

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
    "weight_decay": N_("Weight decay"),
    "seed": N_("Seed"),
    "device": N_("Device"),
    "text": N_("Text to learn"),
    "noise": N_("Noise"),
    "embed_dim": N_("Embedding size"),
    "lr_schedule": N_("LR schedule"),
    "lr_step": N_("Decay every (steps)"),
    "lr_gamma": N_("Decay factor"),
    "corpus": N_("Text"),
    "temperature": N_("Sampling temperature"),
    "sentences": N_("Sentences"),
    "dataset_size": N_("Sequences to memorise"),
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
}
# The UI caps what one browser session may ask for; the CLI allows the full RunConfig range.
# On a shared server (hosted) the caps come from RNNPLAY_MAX_STEPS and RNNPLAY_MAX_SEQ_LEN.
UI_MAX = {"steps": hosted.caps().max_steps, "seq_len": hosted.caps().max_seq_len}
SECTIONS = {
    N_("Task"): ("task", "corpus", "text", "temperature", "sentences", "dataset_size", "seq_len", "delay", "noise"),
    N_("Model"): ("arch", "embed_dim", "hidden_size", "num_layers", "bidirectional", "nonlinearity", "dropout"),
    N_("Training"): (
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
    N_("More"): ("impl", "init", "init_gain", "weight_decay", "seed", "device"),
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


def _widget(name: str, default, container, locked: bool = False) -> object:
    f, key, label = FIELDS[name], name, tr(LABELS[name])
    m, help_ = f.metadata, f"{field_help(name, lang())} — {allowed_text(name, lang())}"
    common = {"key": key, "help": help_, "bind": "query-params"}
    if locked:
        # S5: not bound (a bound widget takes ?name= from the URL when first drawn), disabled, and its
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


def _control(name: str, default, box, room: teacher.Classroom) -> object:
    """One field's value: its widget, or under a teacher link (S5) the link's value for a hidden field
    (no widget) or a locked one (a disabled widget that shows it)."""
    if not (room.hidden(name) or room.locked(name)):
        return _widget(name, default, box)
    value = room.value(name, default)
    if isinstance(value, int) and not isinstance(value, bool) and name in UI_MAX:
        value = min(value, UI_MAX[name])  # the same cap as the widget's
    if room.locked(name):
        _widget(name, value, box, locked=True)
        box.caption(f":material/lock: {tr('locked by your teacher')}")
    return value


def lang_warnings() -> list[str]:
    """S1: a bad ?lang= in the link, by name. app_pages/i18n.language_switch saw it before its bound switch
    dropped it from the URL; the first page that shows warnings says it, once."""
    bad = st.session_state.pop("_bad_lang", None)
    if bad is None:
        return []
    return [
        tr(
            "lang={value} is not allowed: one of {langs} — using {lang}",
            value=untrusted.shorten(bad),  # R1: a 1 MB ?lang= is not echoed back whole
            langs=", ".join(LANGS),
            lang=lang(),
        )
    ]


def config_controls(container) -> tuple[RunConfig, list[str]]:
    """Draw the configuration widgets (bound to the URL) and return (config, problems).
    Bad URL parameters are reported by name and replaced by defaults; never an exception."""
    _, warnings = parse_params(st.query_params.to_dict(), lang())
    warnings += _over_ui_caps(st.query_params.to_dict())
    for name, value in st.session_state.pop("_put_back", {}).items():  # R1: see _refuse_text below
        st.session_state[name] = value
    room, room_warnings = teacher.classroom()  # S5: a teacher link's hidden and locked controls
    warnings += room_warnings
    warnings += lang_warnings()
    task_box = container.container()
    # the task widget's default is fixed, so ?task=... always stays in a share link
    values: dict = {"task": _control("task", "majority", task_box, room)}
    defaults = make_config(values["task"])
    for section, names in SECTIONS.items():
        box = task_box if section == "Task" else None  # an expander only when it shows something
        for name in names:
            # dependencies (arch, num_layers, optimizer, clip_mode) are drawn before what they show
            if name != "task" and _visible(name, {**defaults.to_dict(), **values}):
                if box is None and not room.hidden(name):
                    box = container.expander(tr(section), expanded=section != "More")
                values[name] = _control(name, getattr(defaults, name), box, room)
    if values["task"] == "sine":
        values["series"] = _series_upload(task_box, warnings)
    try:
        config = defaults.replace(**{k: v for k, v in values.items() if k != "task"})
        if config.series:
            make_task(config)  # a series too short for seq_len is refused here, by name
    except ConfigError as e:
        if _refuse_text(e, values, defaults):
            st.rerun()  # the widget is put back before it is drawn again; nothing else changes
        warnings.append(tr("{error} — using the task's defaults", error=e.localized(lang())))
        config = defaults
    else:
        st.session_state["_good_values"] = values
    # R4: this server's caps (parameters, steps, T). Refused like a bad value (the task's defaults instead),
    # shown by the page as errors (cap_errors); if even the defaults are over, the page does not train them
    over, refused = hosted.check_caps(config, lang()), []
    if over and config != defaults:
        refused = [tr("{error} — using the task's defaults", error=p) for p in over]
        config, over = defaults, hosted.check_caps(defaults, lang())
    st.session_state["_cap_errors"], st.session_state["_over_caps"] = refused + over, over
    return config, warnings


def cap_errors() -> list[str]:
    """config_controls' refusals for this server's caps, in this session's language (hosted)."""
    return st.session_state.get("_cap_errors", [])


def state_text(snap: dict, names: dict[str, str]) -> str:
    """A run's or a race's state for its status line; a queued one says where it stands (hosted)."""
    if snap["state"] == "queued" and snap.get("queue_position"):
        return tr(hosted.QUEUED_TEXT, position=snap["queue_position"], length=snap["queue_length"])
    return tr(names.get(snap["state"], snap["state"]))


def hosted_notice(snap: dict, box=None) -> None:
    """Why a run or race is not training when the learner did not ask: the server refused it (its queue
    is full), or it paused because nobody looked at it or its page went away (R3, R4)."""
    box, template = box or st, snap.get("message_template")
    if snap["state"] in ("ready", "paused") and template == hosted.REFUSED_TEXT:
        box.warning(run_message(snap), icon=":material/hourglass_empty:")
    elif snap["state"] == "paused" and template in (hosted.IDLE_TEXT, hosted.DETACHED_TEXT):
        box.info(run_message(snap), icon=":material/pause_circle:")


CAP_ENV = {"steps": "RNNPLAY_MAX_STEPS", "seq_len": "RNNPLAY_MAX_SEQ_LEN"}


def _over_ui_caps(params: dict) -> list[str]:
    """R1: a link's steps or T inside RunConfig's range but over this server's cap (UI_MAX). The bound
    widget drops such a value without a word, so it is named here; the field takes the task's default."""
    out = []
    for name, cap in UI_MAX.items():
        try:
            value = int(params[name])
        except (KeyError, ValueError):
            continue  # absent, or not an integer: parse_params names it
        if cap < value <= FIELDS[name].metadata["hi"]:
            error = tr(hosted.CAP_TEXT, field=name, value=value, cap=cap, env=CAP_ENV[name])
            out.append(tr("{error} — using the task's defaults", error=error))
    return out


def _refuse_text(e: ConfigError, values: dict, defaults: RunConfig) -> bool:
    """R1: a free-text widget holds what RunConfig refuses (a 1 MB paste into the text to learn, a too
    long ?text= in a link). Only that widget goes back to its last good value (the task's default the
    first time), its message is shown under it, the other settings and the run stay as they are.
    True when a rerun is to do it."""
    name, f = e.field, FIELDS.get(e.field)
    if name not in values or f is None or not isinstance(f.default, str) or f.metadata["choices"]:
        return False
    good = st.session_state.get("_good_values") or {}
    keep = good[name] if good.get("task") == values["task"] and name in good else getattr(defaults, name)
    if values[name] == keep:
        return False
    too_long = untrusted.text_problem(tr(LABELS[name]), str(values[name]), MAX_TEXT_CHARS, lang())
    message = too_long if name == "text" and too_long else e.localized(lang())
    st.session_state[f"_refused_{name}"] = message
    st.session_state["_put_back"] = {name: keep}
    return True


MAX_UPLOAD_MB = untrusted.MAX_CSV_MB


def _series_upload(container, warnings: list[str]) -> tuple:
    """T4: the learner's own series from a CSV file (one numeric column). A bad file gets a message
    naming what is wrong and the built-in sines stay; a good one is kept for this session."""
    from rnnplay.tasks.sine import load_series_csv

    up = container.file_uploader(
        tr("Your own series (CSV, one numeric column)"),
        type=["csv", "txt"],
        key="series_file",
        help=tr("Up to {mb} MB; a header row is fine. Without a file: the built-in noisy sines.", mb=MAX_UPLOAD_MB),
        max_upload_size=MAX_UPLOAD_MB,
    )
    if up is None:
        return ()
    # R1: name and size before a byte is parsed; the message stays under the uploader (not a share link's)
    field = tr("Your own series (CSV, one numeric column)")
    problem = untrusted.upload_problem(field, up.name, up.size, MAX_UPLOAD_MB, (".csv", ".txt"), lang())
    if problem:
        container.error(problem, icon=":material/block:")
        return ()
    try:
        series = load_series_csv(up.getvalue())
    except (ConfigError, ValueError) as e:
        name = untrusted.shorten(up.name)
        error = localize(e, lang())  # a ConfigError or a ValueError(Msg) in this session's language
        container.error(tr("CSV file {name}: {error} — using the built-in sines", name=name, error=error))
        return ()
    container.caption(tr("Using {n} values from {name}.", n=len(series), name=up.name))
    return series


def share_params(config: RunConfig, language: str = "en") -> dict[str, str]:
    """A share link's parameters (S1): the fields that differ from the task's defaults, and the language
    unless English. Never a run id (?run= names this browser's stored run) nor a teacher link's lists."""
    params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in config.changed_fields().items()}
    return {**params, "lang": language} if language != "en" else params


def share_query(config: RunConfig, language: str = "en") -> str:
    return urlencode(share_params(config, language))


def page_url(page: str, query: str) -> str:
    """A link to one of the app's pages on the host the browser is on (a bare path where unknown)."""
    base = getattr(st.context, "url", None) or ""
    base = base.split("?")[0].rsplit("/", 1)[0] if base else ""
    return f"{base}/{page}?{query}"


def share_url(config: RunConfig, page: str = "playground") -> str:
    return page_url(page, share_query(config, lang()))


def run_message(snap: dict) -> str:
    """A run's status message in this session's language. The training thread has no language: it
    keeps an English template and its fields (message_template, message_args), translated here."""
    template = snap.get("message_template", snap.get("message", ""))
    args = {k: tr(v) if isinstance(v, str) else v for k, v in snap.get("message_args", {}).items()}
    return tr(template, **args)


# the session's run --------------------------------------------------------------------------
# R7: a run lives on past its browser session. A reload opens a new session: it finds the run's id in
# the URL (?run=) and takes the live run back from this registry; after a server restart, the store.
REGISTRY_KEEP_S = float(os.environ.get("RNNPLAY_REGISTRY_KEEP_S", "900"))  # a detached run stays adoptable
RELEASE_WAIT_S = 1.5  # a reload's new session may start before the old one's release is processed


class SessionGuard:
    """Lives in a session-scoped resource: Streamlit releases it when the browser disconnects."""

    def __init__(self):
        self.run: TrainingRun | None = None
        self.released = False

    def release(self) -> None:
        self.released = True
        run = self.run
        if run is not None:
            was_running = run.state in ("running", "queued")  # a queued run rejoins the queue
            run.detach()  # pause now and end the thread (its slot too); the run keeps its state (R3)
            _live_runs().release(run, self, was_running)
            # save off the event loop: a reload or a server restart reopens the run as it is now
            threading.Thread(target=run.save, name="rnnplay-save", daemon=True).start()


@st.cache_resource(scope="session", on_release=SessionGuard.release, show_spinner=False)
def _session_guard() -> SessionGuard:
    return SessionGuard()


class LiveRuns:
    """The process's live runs by id, each with the session guard that owns it (None once its
    session is gone). Shared by every session, so every method takes the lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}

    def register(self, run: TrainingRun, guard: SessionGuard) -> None:
        with self._lock:
            now = time.monotonic()
            for rid, e in list(self._entries.items()):  # the run's old ids (a reset), and runs long gone
                if (e["run"] is run and rid != run.id) or (e["owner"] is None and now - e["since"] > REGISTRY_KEEP_S):
                    del self._entries[rid]
            e = self._entries.get(run.id)
            if e is None or e["run"] is not run or e["owner"] is not guard:
                self._entries[run.id] = {"run": run, "owner": guard, "since": now, "was_running": False}

    def release(self, run: TrainingRun, guard: SessionGuard, was_running: bool) -> None:
        with self._lock:
            e = self._entries.get(run.id)
            if e is not None and e["owner"] is guard:
                e.update(owner=None, since=time.monotonic(), was_running=was_running)

    def find(self, run_id: str) -> tuple[TrainingRun | None, bool, bool]:
        """(the live run with this id or None, whether another live session owns it, whether it
        was training when its session went away). Waits a moment for a reload's old session to go."""
        deadline = time.monotonic() + RELEASE_WAIT_S
        while True:
            with self._lock:
                e = self._entries.get(run_id)
                if e is None or e["run"].id != run_id:
                    return None, False, False
                owner = e["owner"]
                if owner is None or owner.released:
                    return e["run"], False, e["was_running"]
            if time.monotonic() > deadline:
                return e["run"], True, False
            time.sleep(0.05)


@st.cache_resource(show_spinner=False)
def _live_runs() -> LiveRuns:
    return LiveRuns()


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> run_store.RunStore:
    return run_store.RunStore(path)


def run_store_or_none() -> run_store.RunStore | None:
    """The process's run store (path from RNNPLAY_STORE), or None with a warning if it cannot be
    opened: the app then works as before, without reopening runs."""
    try:
        return _open_store(str(run_store.default_path()))
    except run_store.StoreError as e:
        st.warning(tr("Runs are not saved: {error}", error=str(e)), icon=":material/warning:")
        return None


# V9: what the charts show, in words -----------------------------------------------------------
SEVERITY_ICONS = {"warning": ":material/warning:", "info": ":material/info:", "ok": ":material/check_circle:"}


def diagnosis_panel(snap: dict, container=None, title: str | None = None) -> None:
    """The run's diagnosis (rnnplay.diagnosis) as sentences with their numbers and what to try, in the
    session's language. title: the panel's heading (default "Diagnosis"; the Gradient lab names the entry)."""
    from rnnplay.diagnosis import diagnose

    findings = diagnose(snap, lang())
    box = (container or st).container(border=True, key=None)
    box.markdown(f"**{title or tr('Diagnosis')}**")
    if not findings:
        box.caption(tr("Nothing to say yet: train for a few steps."))
    for f in findings:
        line = f.text + ("  \n" + tr("*Try:* {hint}", hint=f.hint) if f.hint and f.severity != "ok" else "")
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


def restore_widgets() -> None:
    """Call before config_controls: a run reopened from ?run= brings its settings into the widgets
    (set in the previous script run, which could not change widgets already drawn)."""
    config: RunConfig | None = st.session_state.pop("_reopened_config", None)
    if config is not None:
        for name, value in config.to_dict().items():
            if name != "series":
                st.session_state[name] = value


def _reopen(run_id: str, config: RunConfig) -> TrainingRun:
    """The run for a page opened with ?run=run_id and no run in its session: the live run after a
    reload, a copy of it if another session has it open, the stored run after a server restart, or
    a fresh run with a message when the id is unknown, expired or unreadable."""
    live, taken, was_running = _live_runs().find(run_id)
    if live is not None and not taken:  # a reload: the same object, training on where it was
        if was_running:
            live.start()
        return live
    store = run_store_or_none()
    if live is not None:  # someone else's tab: never share a live run; a copy under a new id
        record = live.to_record()
        record["id"], record["created"] = run_store.new_run_id(), None
        run = TrainingRun.from_record(record)
        run.store = store
        run.save()
        text = N_("Run {id} is open in another tab or browser: this is a copy of it, at step {step}.")
    else:
        try:
            record = store.load(run_id) if store is not None else None
            run = TrainingRun.from_record(record) if record is not None else None
        except run_store.StoreError as e:
            _notice(
                "warning",
                N_("Run {id} could not be reopened: {error}. This is a new run."),
                id=untrusted.shorten(run_id),  # R1: an id from the URL, never echoed whole
                error=str(e),
            )
            return TrainingRun(config)
        if run is None:
            text = N_("Run {id} was not found (old runs expire). This is a new run.")
            _notice("warning", text, id=untrusted.shorten(run_id))  # R1: never a 1 MB id echoed whole
            return TrainingRun(config)
        text = N_("Reopened run {id} at step {step}.")
        if run.state == "paused":
            text = N_("Reopened run {id} at step {step}: press **Resume** to continue.")
    _notice("info", text, run, id=run_id, step=run.trainer.steps_done)
    if run.config != config:
        st.session_state["_reopened_config"] = run.config
    return run


def _notice(kind: str, text: str, run: TrainingRun | None = None, **args) -> None:
    """A message about the run a ?run= link opened, shown until that run moves on (or, without a
    run, until the new run trains)."""
    step = run.trainer.steps_done if run is not None else 0
    st.session_state["_run_notice"] = {"kind": kind, "text": text, "args": args, "run": run and run.id, "step": step}


def _show_notice(run: TrainingRun) -> None:
    """The message about the run a ?run= link opened, until the run moves on (or the new one trains)."""
    n = st.session_state.get("_run_notice")
    if n is None:
        return
    if n["run"] is None and (run.trainer.steps_done or run.state != "ready"):
        n = None
    elif n["run"] is not None and (n["run"] != run.id or n["step"] != run.trainer.steps_done):
        n = None
    if n is None:
        del st.session_state["_run_notice"]
        return
    show = st.warning if n["kind"] == "warning" else st.info
    show(tr(n["text"], **n["args"]), icon=":material/history:")


def session_run() -> TrainingRun | None:
    """The session's run for a page without the config widgets (Inspect, Runs): a reload there, with
    ?run= in its URL, reopens the run as the Playground would; the id goes into this page's URL too."""
    if st.session_state.get("_run") is None and not st.query_params.get("run"):
        return None
    return current_run(st.session_state["_run"].config if st.session_state.get("_run") else make_config("majority"))


def current_run(config: RunConfig) -> TrainingRun:
    """This browser session's run. An untouched run follows the widgets; one that has trained keeps
    its configuration until Reset, so a stray click never throws away a trained model. R7: its id is
    in the URL (?run=) once it has trained; a reload or a server restart reopens it from there."""
    run: TrainingRun | None = st.session_state.get("_run")
    guard = _session_guard()
    if run is None:
        run_id = st.query_params.get("run")
        run = _reopen(run_id, config) if run_id else TrainingRun(config)
        st.session_state["_run"] = run
        if "_reopened_config" in st.session_state:
            st.rerun()  # once more, so the widgets show the reopened run's settings
    elif run.config != config and run.state == "ready" and run.trainer.steps_done == 0:
        run.reset(config)
    guard.run = run
    run.attach()
    run.store = run_store_or_none()
    _live_runs().register(run, guard)
    if run.state not in ("running", "ready") and run.save_stats.get("step") != run.trainer.steps_done:
        run.save()  # paused, stopped, finished: what the thread has not saved yet
    _show_notice(run)
    if run.save_error:
        st.warning(tr("This run could not be saved: {error}", error=run.save_error), icon=":material/warning:")
    if run.trainer.steps_done or run.state != "ready":
        if st.query_params.get("run") != run.id:
            st.query_params["run"] = run.id
    elif "run" in st.query_params:
        del st.query_params["run"]  # a fresh run has nothing to reopen yet
    return run
