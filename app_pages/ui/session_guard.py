"""Which browser sessions are still there, for the runs and races they hold.

Each session has guards (one for its run, one for its race), kept in a process-wide registry, a plain
module singleton. Not in a `cache_resource`: any browser may send Streamlit's `clear_cache` message,
which drops every `cache_resource` of every session and fires each one's `on_release`, so guards kept
there would pause every learner's training at one visitor's word. Here clear_cache reaches nothing.

A watcher thread asks Streamlit's runtime, every WATCH_S, which sessions still have a connection:
- a session without one (a closed tab, a lost connection) has its guards released: its run and race
  pause and keep their state, so a reconnect or a reload trains on from the same step;
- a session without one for longer than `server.disconnectedSessionTTL` can never be resumed (Streamlit
  drops it then, often without shutting it down): what its session_state held (its runs, uploads,
  archives) and its uploaded files are dropped at once, so their memory comes back without waiting for
  the cycle collector (Streamlit's session objects refer to each other) and a reconnect finds nothing;
- the sweepers registered with `on_sweep` run too (the registry of detached runs forgets old ones).
Without a runtime (AppTest, a bare script) no session counts as gone; tests call release() themselves.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st
from streamlit import config, runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

WATCH_S = 0.5  # how soon a closed tab's run pauses
FORGET_MARGIN_S = 5.0  # past the server's own TTL: Streamlit has dropped the session by then
# a full collection holds the GIL for ~0.3 s with a class on the server: at most this often, however many
# sessions end (a hostile client opening pages in a loop ends one every few seconds)
GIVE_BACK_EVERY_S = 30.0
_LOG = logging.getLogger(__name__)


class Guard:
    """A session's hold on what it trains (its run, its race), released once, when the session has really
    gone: by the watcher, or by a test. A kind of guard says what its release does in on_release.
    `released` is set as a release begins, `done` once on_release has finished (its run paused)."""

    def __init__(self, session_id: str | None = None):
        self.session_id = session_id
        self.released = False
        self.done = threading.Event()
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self.released:
                return
            self.released = True
        try:
            self.on_release()
        finally:
            self.done.set()

    def on_release(self) -> None:
        """What the session's going away does to what it holds (pause it, give its slot back)."""


M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas() -> None:
    """At most RNNPLAY_MALLOC_ARENAS (default 2) glibc heaps for the whole server. glibc gives threads up
    to 8 per core; a class's script and training threads spread small allocations over them, and what
    they free stays scattered between live blocks, where malloc_trim cannot return it. Measured with the
    30-session load test and its attacker (2 cores, 300 steps, baseline and end read alike): RSS after the
    sessions 1.10x the baseline with glibc's default, 1.04x with two heaps. 0 leaves glibc's choice.
    Called once, before the sessions' threads start; elsewhere than glibc it does nothing."""
    arenas = int(os.environ.get("RNNPLAY_MALLOC_ARENAS", "2") or 0)
    if arenas > 0:
        try:
            ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)
        except (OSError, AttributeError):
            pass


limit_malloc_arenas()  # at the first page run: glibc's arenas are made lazily, when threads contend


def give_back_memory() -> None:
    """After sessions are forgotten: collect their cycles now, and hand the freed heap back to the system
    (glibc keeps freed memory in its arenas otherwise: a 30-session load test's server stayed at 1.2-1.8x
    its baseline RSS after every session had gone)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the collector's part is done
        pass


def runtime_alive(session_id: str) -> bool | None:
    """Whether the session has a connection now; None when there is no runtime to ask (AppTest)."""
    if not runtime.exists():
        return None
    return runtime.get_instance().is_active_session(session_id)


def disconnected_ttl_s() -> float:
    """How long Streamlit keeps a disconnected session for a reconnect (server.disconnectedSessionTTL)."""
    return float(config.get_option("server.disconnectedSessionTTL"))


def drop_uploads(session_id: str) -> None:
    """The session's uploaded files, which Streamlit frees only when it shuts a session down."""
    if runtime.exists():
        runtime.get_instance().uploaded_file_mgr.remove_session_files(session_id)


@dataclass
class _Session:
    session_id: str
    guards: dict[str, Guard] = field(default_factory=dict)
    state: object = None  # the session's SafeSessionState, emptied when the session is gone for good
    gone_since: float | None = None  # when the watcher first found it without a connection


class Sessions:
    """The guards of every session, by session key and kind. A session's key is its id and a token kept
    in its session_state: AppTest gives every test session the same id. alive(session_id) -> True, False or None
    (unknown: counts as alive); forget_after_s() -> seconds without a connection after which a session
    is gone for good. Both default to Streamlit's runtime and config; tests pass their own."""

    def __init__(
        self,
        alive: Callable[[str], bool | None] = runtime_alive,
        forget_after_s: Callable[[], float] = disconnected_ttl_s,
        watch: bool = True,
    ):
        self._alive, self._forget_after_s, self._watch = alive, forget_after_s, watch
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._sweepers: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._gave_back = -GIVE_BACK_EVERY_S  # when give_back_memory last ran (monotonic s)
        self._give_back_due = False

    def guard(
        self, kind: str, factory: Callable[[], Guard], session_id: str, key: str = "", state: object = None
    ) -> Guard:
        """The session's guard of this kind; a new one (from factory) if it has none or it was released
        (the session came back after a lost connection)."""
        with self._lock:
            s = self._sessions.setdefault(f"{session_id}/{key}", _Session(session_id))
            s.state = state if state is not None else s.state
            g = s.guards.get(kind)
            if g is None or g.released:
                g = s.guards[kind] = factory()
            if self._watch and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._watch_loop, name="rnnplay-sessions", daemon=True)
                self._thread.start()
        return g

    def alive(self, session_id: str | None) -> bool:
        """False only when the runtime says the session has no connection."""
        return not session_id or self._alive(session_id) is not False

    def on_sweep(self, sweeper: Callable[[], None]) -> None:
        with self._lock:
            if sweeper not in self._sweepers:
                self._sweepers.append(sweeper)

    def sweep(self) -> None:
        """Release the guards of sessions without a connection; forget sessions gone for good."""
        now, forgot = time.monotonic(), False
        with self._lock:
            sessions, sweepers = list(self._sessions.items()), list(self._sweepers)
        for key, s in sessions:
            if self.alive(s.session_id):
                s.gone_since = None
                continue
            s.gone_since = s.gone_since or now
            for g in list(s.guards.values()):
                if not g.released:
                    g.release()
            if now - s.gone_since > self._forget_after_s() + FORGET_MARGIN_S:
                self._forget(key, s)
                forgot = True
        for sweeper in sweepers:
            sweeper()
        self._give_back_due |= forgot  # done at the next sweep the interval allows, so the last one is not lost
        if self._give_back_due and now - self._gave_back > GIVE_BACK_EVERY_S:
            self._gave_back, self._give_back_due = now, False
            give_back_memory()

    def _forget(self, key: str, s: _Session) -> None:
        with self._lock:
            if self._sessions.get(key) is s:
                del self._sessions[key]
        state, s.state, s.guards = s.state, None, {}
        if state is not None:
            for key in list(getattr(state, "filtered_state", {})):
                try:
                    del state[key]
                except (KeyError, AttributeError, TypeError):
                    pass
        drop_uploads(s.session_id)

    def known(self) -> list[str]:
        """The session ids with guards."""
        with self._lock:
            return [s.session_id for s in self._sessions.values()]

    def _watch_loop(self) -> None:
        while True:
            time.sleep(WATCH_S)
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad sweep
                _LOG.exception("rnnplay: the session watcher's sweep failed")


SESSIONS = Sessions()


def session_guard(kind: str, factory: Callable[[str | None], Guard]) -> Guard:
    """This script run's session's guard of this kind (factory gets the session id)."""
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else ""
    state = ctx.session_state if ctx is not None else None
    key = st.session_state.setdefault("_session_key", secrets.token_hex(8))
    return SESSIONS.guard(kind, lambda: factory(session_id), session_id, key, state)
