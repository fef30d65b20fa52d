"""This browser session's training run. A run lives on past its browser session: a reload opens a new
session, which finds the run's id in the URL (?run=) and takes the live run back from the process's
registry (LIVE_RUNS), or after a server restart from the run store. The session's guard pauses the run
when the session has really gone (session_guard's watcher asks Streamlit's runtime; a browser's
clear_cache reaches neither the guards nor the registries, which are plain module singletons). A run
that is reset is kept, as its final snapshot, for the Runs page.

Whose run it is. A run's controls belong to the browser that owns it; anyone else who opens its URL
gets a copy (a new id, starting from the run's state), whether the owner's tab is open or closed. The
owner is recognised without anything in the URL (a URL is shared, so nothing in it can prove whose it
is): Streamlit gives each browser a random XSRF token, in a cookie it keeps across reloads and sends
with every connection, and never puts in a page or a link. The run's owner is a hash of that token
(browser_key); the token itself is never stored or shown. So the same browser reloading, or opening the
link in a new tab after closing the old one, takes the live run back (and goes on training if it was),
while the same URL in another browser, a class mate's or a script's, gets a copy. The owner goes into
the store with the run, so this holds after a server restart too. Without that cookie (a server with
server.enableXsrfProtection off, AppTest) no browser can be told apart: a run is owned by its session
then, and the first session to open its URL after the owner's session has gone takes it back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time

import streamlit as st

from app_pages.i18n import tr
from app_pages.ui.page_style import Notices
from app_pages.ui.session_guard import SESSIONS, Guard, session_guard
from rnnplay import store as run_store
from rnnplay import untrusted
from rnnplay.config import RunConfig, make_config
from rnnplay.i18n import N_
from rnnplay.run import ACTIVE, RunState
from rnnplay.run.training_run import TrainingRun

REGISTRY_KEEP_S = float(os.environ.get("RNNPLAY_REGISTRY_KEEP_S", "900"))  # a detached run stays adoptable
RELEASE_WAIT_S = 1.5  # a reload's new session may start before the old one's connection is seen closed
RELEASE_DONE_WAIT_S = 10.0  # at most this long for a release under way to pause its run (a Ray call at worst)
STORE_RETRY_S = 30.0  # a store that failed to open is tried again after this long, not on every script run
XSRF_COOKIE = "_streamlit_xsrf"
LOST_TEXT = N_("The worker that trained run {id} stopped ({error}).")  # a Ray worker (rnnplay/run/ray_run.py)
NOT_SAVED_TEXT = N_("Runs are not saved right now: {error}. Training and the charts work as usual.")


def _xsrf_token(raw: str | None) -> bytes | None:
    """The random bytes of Streamlit's XSRF cookie: version 2 is "2|mask|masked token|time" (hex; a new
    mask each time the cookie is written, the token the same), version 1 the token in hex."""
    if not isinstance(raw, str):  # no cookie (or no real client: AppTest hands out stand-ins)
        return None
    value = raw.strip("\"'")
    parts = value.split("|")
    try:
        if len(parts) == 4 and parts[0] == "2":
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            token = bytes(b ^ mask[i % 4] for i, b in enumerate(masked)) if len(mask) == 4 else b""
        else:
            token = bytes.fromhex(value) if len(value) <= 256 else b""
    except ValueError:
        return None
    return token if len(token) >= 8 else None


def run_class() -> type:
    """Where runs train: threads of this process (TrainingRun), or Ray workers when RNNPLAY_RAY is set
    (auto: the cluster this machine runs; or its address), through the same interface."""
    if not os.environ.get("RNNPLAY_RAY"):
        return TrainingRun
    # only here: ray takes 0.37 s to import (measured) and is not installed without requirements-hosted.txt
    from rnnplay.run.ray_run import RemoteRun

    return RemoteRun


def new_run(config: RunConfig) -> TrainingRun:
    return run_class()(config)


def browser_key() -> str | None:
    """This browser's key, a hash of its XSRF token (see the module's docstring); None when the
    connection carries no such cookie."""
    try:
        raw = st.context.cookies.get(XSRF_COOKIE)
    except Exception:  # noqa: BLE001 - no client to ask (AppTest, a bare script)
        return None
    token = _xsrf_token(raw)
    return "browser:" + hashlib.sha256(b"rnnplay run owner\0" + token).hexdigest()[:32] if token else None


def may_take(owner: str, browser: str | None) -> bool:
    """Whether a session in the browser `browser` may take over a run owned by `owner` (once its own
    session has gone): the same browser; or, when browsers cannot be told apart, any session."""
    if not owner:  # saved before runs had owners
        return True
    if owner.startswith("session:"):  # its browser was unknown: so must this one be
        return browser is None
    return owner == browser


class SessionGuard(Guard):
    """A session's hold on its run; released when the session has really gone (session_guard)."""

    def __init__(self, session_id: str | None = None, browser: str | None = None):
        super().__init__(session_id)
        self.browser = browser
        self.owner = browser or (f"session:{session_id}" if session_id else "")
        self.run: TrainingRun | None = None

    def on_release(self) -> None:
        run = self.run
        if run is not None:
            was_running = run.state in ACTIVE  # a queued run rejoins the queue
            run.detach()  # pause now and end the thread (its slot too); the run keeps its state
            LIVE_RUNS.release(run, self, was_running)
            # save off the watcher's thread: a reload or a server restart reopens the run as it is now
            threading.Thread(target=run.save, name="rnnplay-save", daemon=True).start()


def _session_guard() -> SessionGuard:
    browser = browser_key()
    return session_guard("run", lambda session_id: SessionGuard(session_id, browser))


class LiveRuns:
    """The process's live runs by id, each with the session guard that owns it (None once its
    session is gone). Shared by every session, so every method takes the lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}

    def register(self, run: TrainingRun, guard: SessionGuard) -> None:
        with self._lock:
            self._forget_old(run)
            e = self._entries.get(run.id)
            if e is None or e["run"] is not run or e["owner"] is not guard:
                self._entries[run.id] = {"run": run, "owner": guard, "since": time.monotonic(), "was_running": False}

    def _forget_old(self, run: TrainingRun | None = None) -> None:
        """Under the lock: the entries of run's old ids (a reset, a fork), and detached runs kept too long."""
        now = time.monotonic()
        for rid, e in list(self._entries.items()):
            if (e["run"] is run and rid != run.id) or (e["owner"] is None and now - e["since"] > REGISTRY_KEEP_S):
                del self._entries[rid]

    def sweep(self) -> None:
        """Forget detached runs kept past REGISTRY_KEEP_S (the session watcher calls this): their memory
        comes back even when no page registers a run any more."""
        with self._lock:
            self._forget_old()

    def release(self, run: TrainingRun, guard: SessionGuard, was_running: bool) -> None:
        with self._lock:
            e = self._entries.get(run.id)
            if e is not None and e["owner"] is guard:
                e.update(owner=None, since=time.monotonic(), was_running=was_running)

    def peek(self, run_id: str) -> TrainingRun | None:
        """The live run with this id, whoever owns it, or None: for a page that only watches it
        (app_pages/ui/class_watch.py), never one that controls it."""
        with self._lock:
            e = self._entries.get(run_id)
            return e["run"] if e is not None and e["run"].id == run_id else None

    def find(self, run_id: str) -> tuple[TrainingRun | None, SessionGuard | None, bool]:
        """(the live run with this id or None, the guard of the live session that owns it or None
        once that session has gone, whether it was training when its session went away). Waits a
        moment for a reload's old session to be seen gone."""
        deadline = time.monotonic() + RELEASE_WAIT_S
        while True:
            with self._lock:
                e = self._entries.get(run_id)
                if e is None or e["run"].id != run_id:
                    return None, None, False
                owner = e["owner"]
                if owner is None or owner.done.is_set():
                    return e["run"], None, e["was_running"]
            if owner.released:
                # the watcher is releasing it: its pause and was_running land before this reload takes the run
                owner.done.wait(RELEASE_DONE_WAIT_S)
                with self._lock:
                    return e["run"], None, e["was_running"]
            if not SESSIONS.alive(owner.session_id):
                owner.release()  # the watcher's job, done now: the reload need not wait for it
                continue
            if time.monotonic() > deadline:
                return e["run"], owner, False
            time.sleep(0.05)


LIVE_RUNS = LiveRuns()
SESSIONS.on_sweep(LIVE_RUNS.sweep)


def _live_runs() -> LiveRuns:
    return LIVE_RUNS


class _Stores:
    """The process's open run stores by path. A store that cannot be opened (a damaged file, a full
    disk) is remembered as failed for STORE_RETRY_S, then tried again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open: dict[str, tuple[run_store.RunStore | None, str, float]] = {}

    def get(self, path: str) -> tuple[run_store.RunStore | None, str]:
        with self._lock:
            store, error, at = self._open.get(path, (None, "", -float("inf")))
            if store is None and time.monotonic() - at > STORE_RETRY_S:
                try:
                    store, error = run_store.RunStore(path), ""
                except run_store.StoreError as e:
                    store, error = None, str(e)
                self._open[path] = (store, error, time.monotonic())
            return store, error


STORES = _Stores()


def run_store_or_none() -> run_store.RunStore | None:
    """The process's run store (an SQLite path or a postgresql:// URL from RNNPLAY_STORE), or None if it
    cannot be opened: the app then works as before, without saving or reopening runs (current_run says so once)."""
    try:
        path = run_store.default_location()
    except (OSError, RuntimeError):  # no home directory to put it in
        return None
    return STORES.get(path)[0]


def store_error() -> str:
    """Why the run store cannot be opened ("" when it is open)."""
    try:
        return STORES.get(run_store.default_location())[1]
    except (OSError, RuntimeError) as e:
        return str(e)


def saved_runs() -> list[dict]:
    """This browser's runs in a store that replicas share (PostgreSQL), newest first, whichever replica
    saved them: id, task, state, steps_done, ... as RunStore.runs gives them. [] when the browser cannot
    be told apart, the store is one replica's own file or is not open, or the read fails."""
    browser, store = browser_key(), run_store_or_none()
    if browser is None or store is None or not store.shared:
        return []
    try:
        return store.runs(owner=browser)
    except run_store.StoreError:
        return []


MAX_ARCHIVED = 12  # for the Runs page: a session keeps this many finished runs to compare (oldest dropped first)


def archive_run(run: TrainingRun) -> None:
    """Keep a finished (or abandoned) run's final snapshot for the Runs page before it is reset. The
    model itself is dropped: only what the charts draw stays, without the heavy replay frames."""
    if run.steps_done == 0:
        return
    snap = dataclasses.replace(run.snapshot(), frames=[])
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


def _reopen(run_id: str, config: RunConfig, guard: SessionGuard) -> TrainingRun:
    """The run for a page opened with ?run=run_id and no run in its session: the live run after a
    reload of the browser that owns it, a copy of it for anyone else (its owner's tab open or not),
    the stored run after a server restart (again a copy for another browser), or a fresh run with a
    message when the id is unknown, expired or unreadable."""
    live, owner, was_running = LIVE_RUNS.find(run_id)
    if getattr(live, "lost", ""):  # its Ray worker is gone: the store has it as it was last saved
        live = owner = None
    if live is not None and (owner is guard or (owner is None and may_take(live.saver.owner, guard.browser))):
        if was_running and owner is None:  # a reload: the same object, training on where it was
            live.start()
        return live
    if live is not None:  # someone else's run: never share a live run; a copy under a new id
        run = _copy(live.to_record())
        text = N_("Run {id} is open in another tab or browser: this is a copy of it, at step {step}.")
        if owner is None:
            text = N_("Run {id} belongs to another browser: this is a copy of it, at step {step}.")
        _notice("info", text, run, id=run_id, step=run.steps_done)
        return _follow(run, config)
    store = run_store_or_none()
    try:
        if store is None:
            raise run_store.StoreError(store_error())
        record = store.load(run_id)
        if record is not None and not may_take(record.get("owner") or "", guard.browser):
            run = _copy(record)
            text = N_("Run {id} belongs to another browser: this is a copy of it, at step {step}.")
            _notice("info", text, run, id=run_id, step=run.steps_done)
            return _follow(run, config)
        run = run_class().from_record(record) if record is not None else None
    except run_store.StoreError as e:
        _notice(
            "warning",
            N_("Run {id} could not be reopened: {error}. This is a new run."),
            id=untrusted.shorten(run_id),  # an id from the URL, never echoed whole
            error=str(e),
        )
        return new_run(config)
    if run is None:
        text = N_("Run {id} was not found (old runs expire). This is a new run.")
        _notice("warning", text, id=untrusted.shorten(run_id))  # never a 1 MB id echoed whole
        return new_run(config)
    text = N_("Reopened run {id} at step {step}.")
    if run.state == RunState.PAUSED:
        text = N_("Reopened run {id} at step {step}: press **Resume** to continue.")
    _notice("info", text, run, id=run_id, step=run.steps_done)
    return _follow(run, config)


def _copy(record: dict) -> TrainingRun:
    """A run from another's record, under a new id of its own (saved once it is this session's)."""
    record = {**record, "id": run_store.new_run_id(), "created": None, "version": None, "owner": ""}
    return run_class().from_record(record)


def _follow(run: TrainingRun, config: RunConfig) -> TrainingRun:
    """The widgets follow a reopened run's settings (restore_widgets, in the next script run)."""
    if run.config != config:
        st.session_state["_reopened_config"] = run.config
    return run


def _notice(kind: str, text: str, run: TrainingRun | None = None, **args) -> None:
    """A message about the run a ?run= link opened, shown until that run moves on (or, without a
    run, until the new run trains)."""
    step = run.steps_done if run is not None else 0
    st.session_state["_run_notice"] = {"kind": kind, "text": text, "args": args, "run": run and run.id, "step": step}


def _show_notice(run: TrainingRun, notices: Notices) -> None:
    """The message about the run a ?run= link opened, until the run moves on (or the new one trains)."""
    n = st.session_state.get("_run_notice")
    if n is None:
        return
    if n["run"] is None and (run.steps_done or run.state != RunState.READY):
        n = None
    elif n["run"] is not None and (n["run"] != run.id or n["step"] != run.steps_done):
        n = None
    if n is None:
        del st.session_state["_run_notice"]
        return
    if "lost" in n:
        notices.warning(tr(LOST_TEXT, **n["lost"]), icon=":material/error:")
    show = notices.warning if n["kind"] == "warning" else notices.info
    show(tr(n["text"], **n["args"]), icon=":material/history:")


def session_run() -> TrainingRun | None:
    """The session's run for a page without the config widgets (Inspect, Runs): a reload there, with
    ?run= in its URL, reopens the run as the Playground would; the id goes into this page's URL too."""
    if st.session_state.get("_run") is None and not st.query_params.get("run"):
        return None
    return current_run(st.session_state["_run"].config if st.session_state.get("_run") else make_config())


def current_run(config: RunConfig, notices: Notices | None = None) -> TrainingRun:
    """This browser session's run. An untouched run follows the widgets; one that has trained keeps
    its configuration until Reset, so a stray click never throws away a trained model. Its id is
    in the URL (?run=) once it has trained; a reload or a server restart reopens it from there.
    notices: where what it says about the run goes (a page's notices above its live charts; a place of
    their own here when not given)."""
    run: TrainingRun | None = st.session_state.get("_run")
    guard = _session_guard()
    lost = getattr(run, "lost", "")  # the Ray worker that trained it is gone: reopened from its last save
    if lost:
        st.query_params["run"], st.session_state["_run"], run = run.id, None, None
    if run is None:
        run_id = st.query_params.get("run")
        run = _reopen(run_id, config, guard) if run_id else new_run(config)
        if lost and "_run_notice" in st.session_state:
            st.session_state["_run_notice"]["lost"] = {"id": run_id, "error": lost}
        st.session_state["_run"] = run
        if "_reopened_config" in st.session_state:
            st.rerun()  # once more, so the widgets show the reopened run's settings
    elif run.config != config and run.state == RunState.READY and run.steps_done == 0:
        run.reset(config)
    guard.run = run
    run.attach()
    run.saver.owner = guard.owner  # a run in this session is this browser's: its own, taken back, or a copy
    run.saver.store = run_store_or_none()
    LIVE_RUNS.register(run, guard)
    if run.state not in (RunState.RUNNING, RunState.READY) and run.saver.save_stats.get("step") != run.steps_done:
        run.save()  # paused, stopped, finished: what the thread has not saved yet
    notices = notices or Notices()
    _show_notice(run, notices)
    _show_store_state(run, notices)
    if run.steps_done or run.state != RunState.READY:
        if st.query_params.get("run") != run.id:
            st.query_params["run"] = run.id
    elif "run" in st.query_params:
        del st.query_params["run"]  # a fresh run has nothing to reopen yet
    return run


def _show_store_state(run: TrainingRun, notices: Notices) -> None:
    """One warning when runs are not being saved (the store cannot be opened, or the last save failed);
    a note when another writer saved this run's id meanwhile and the run went on under a new one."""
    error = store_error() if run.saver.store is None else run.saver.save_error
    if error:
        error = error if len(error) <= 300 else error[:290] + "…"
        notices.warning(tr(NOT_SAVED_TEXT, error=error), icon=":material/warning:")
    if run.saver.forked_from:
        text = N_(
            "Run {old} was saved meanwhile by another server or tab: this run goes on as {id}, so neither is lost."
        )
        notices.info(tr(text, old=run.saver.forked_from, id=run.id), icon=":material/fork_right:")
