"""This browser session's training run. A run lives on past its browser session: a reload opens a new
session, which finds the run's id in the URL (?run=) and takes the live run back from the process's
registry (LiveRuns), or after a server restart from the run store. The session guard pauses the run when
the browser goes away. A run that is reset is kept, as its final snapshot, for the Runs page."""

from __future__ import annotations

import os
import threading
import time

import streamlit as st

from app_pages.i18n import tr
from rnnplay import store as run_store
from rnnplay import untrusted
from rnnplay.config import RunConfig, make_config
from rnnplay.i18n import N_
from rnnplay.session import TrainingRun

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
            run.detach()  # pause now and end the thread (its slot too); the run keeps its state
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


MAX_ARCHIVED = 12  # for the Runs page: a session keeps this many finished runs to compare (oldest dropped first)


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
                id=untrusted.shorten(run_id),  # an id from the URL, never echoed whole
                error=str(e),
            )
            return TrainingRun(config)
        if run is None:
            text = N_("Run {id} was not found (old runs expire). This is a new run.")
            _notice("warning", text, id=untrusted.shorten(run_id))  # never a 1 MB id echoed whole
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
    its configuration until Reset, so a stray click never throws away a trained model. Its id is
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
