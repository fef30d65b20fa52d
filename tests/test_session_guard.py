"""Session guards and run ownership (app_pages/ui/session_guard.py, session_run.py): Streamlit's
clear_cache releases nothing; a session without a connection has its run paused, and one gone for
good gives its memory back without the cycle collector; a run belongs to the browser whose XSRF
token made it. The real-server side of each is in tests/hostile/."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest
from streamlit.runtime import caching
from streamlit.runtime.state import SafeSessionState, SessionState
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from app_pages.ui import session_guard, session_run
from app_pages.ui.session_guard import Sessions
from app_pages.ui.session_run import LIVE_RUNS, SessionGuard, _xsrf_token, may_take
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun
from tests.test_pages import open_app


def wait_for(cond, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    return cond()


def test_clear_cache_from_a_browser_pauses_no_run(stop_runs):
    at = open_app("app_pages/playground.py", task="majority", steps=100000, hidden_size=8)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    assert wait_for(lambda: run.trainer.steps_done > 2)
    # what Streamlit does on a BackMsg(clear_cache=True) from any browser (AppSession._handle_clear_cache_request)
    caching.cache_data.clear()
    caching.cache_resource.clear()
    steps = run.trainer.steps_done
    assert wait_for(lambda: run.trainer.steps_done > steps + 5)
    assert run.state == "running" and not run.message
    at.run()  # the page draws on, the run registered as before
    assert not at.exception and at.session_state["_run"] is run
    assert LIVE_RUNS._entries[run.id]["owner"] is not None


@pytest.fixture
def sessions(monkeypatch):
    """A registry whose runtime is a set of connected session ids; forgetting takes no time."""
    live: set[str] = set()
    monkeypatch.setattr(session_guard, "FORGET_MARGIN_S", 0.0)
    reg = Sessions(alive=lambda sid: sid in live, forget_after_s=lambda: 0.05, watch=False)
    reg.on_sweep(LIVE_RUNS.sweep)
    return reg, live


def connected_session_training(reg: Sessions, live: set[str]) -> tuple[SessionGuard, TrainingRun]:
    """Session s1, connected, whose guard holds a registered run that has taken a few steps."""
    live.add("s1")
    guard = reg.guard("run", lambda: SessionGuard("s1"), "s1", "k")
    run = TrainingRun(make_config("majority", steps=100000, hidden_size=8))
    guard.run = run
    LIVE_RUNS.register(run, guard)
    run.start()
    assert wait_for(lambda: run.trainer.steps_done > 2)
    return guard, run


def test_a_session_without_a_connection_pauses_its_run_and_a_returning_one_gets_a_new_guard(sessions):
    reg, live = sessions
    guard, run = connected_session_training(reg, live)
    reg.sweep()  # still connected: nothing happens
    assert not guard.released and run.state == "running"
    live.discard("s1")
    reg.sweep()
    assert guard.released and run.state == "paused" and "closed" in run.message
    assert LIVE_RUNS.find(run.id)[:2] == (run, None)  # free for its browser's reload
    live.add("s1")  # the connection comes back (a network blip): a fresh guard, Resume goes on
    again = reg.guard("run", lambda: SessionGuard("s1"), "s1", "k")
    assert again is not guard and not again.released
    run.stop()


def test_a_reload_that_finds_the_old_session_mid_release_trains_on(sessions, monkeypatch):
    """The watcher marks the old session's guard released, then pauses its run: a reload's find() in
    between must wait for that pause, or it takes the run as not training and the pause lands after."""
    reg, live = sessions
    guard, run = connected_session_training(reg, live)
    detach = run.detach

    def slow_detach(*args, **kwargs):  # a loaded machine: the pause comes a moment after `released`
        time.sleep(0.3)
        detach(*args, **kwargs)

    monkeypatch.setattr(run, "detach", slow_detach)
    live.discard("s1")
    watcher = threading.Thread(target=reg.sweep)
    watcher.start()
    try:
        assert wait_for(lambda: guard.released)
        found, owner, was_running = LIVE_RUNS.find(run.id)
        assert (found, owner, was_running) == (run, None, True)
        assert run.state == "paused"  # the pause has landed: the reload's start() comes after it
    finally:
        watcher.join()
        run.stop()


def test_a_session_gone_for_good_frees_its_run_and_uploads_without_the_cycle_collector(sessions, monkeypatch):
    reg, live = sessions
    monkeypatch.setattr(session_run, "REGISTRY_KEEP_S", 0.0)
    live.add("s2")
    state = SafeSessionState(SessionState(), lambda: None)
    guard = reg.guard("run", lambda: SessionGuard("s2"), "s2", "k", state)
    run = TrainingRun(make_config("majority", steps=100000, hidden_size=8))
    state["_run"], state["upload"] = run, bytearray(10**6)  # what a session holds: its run, an upload
    guard.run = run
    LIVE_RUNS.register(run, guard)
    run.start()
    assert wait_for(lambda r=run: r.trainer.steps_done > 2)
    ref, model = weakref.ref(run), weakref.ref(run.trainer.model)
    del run, guard
    gc.disable()  # memory must come back by reference counting alone
    try:
        live.discard("s2")
        reg.sweep()  # released: paused, its thread ends
        assert wait_for(lambda: ref() is None or not ref().slot.thread.is_alive())
        time.sleep(0.1)
        reg.sweep()  # past the session TTL: forgotten
        assert "s2" not in reg.known() and "_run" not in state and "upload" not in state
        assert ref() is None and model() is None
    finally:
        gc.enable()


def test_the_browser_key_is_the_xsrf_token_whatever_its_mask():
    token = bytes(range(16))
    a, b = generate_xsrf_token_string(token, 1), generate_xsrf_token_string(token, 2)
    assert a != b  # Streamlit writes the cookie with a new mask each time
    assert _xsrf_token(a) == _xsrf_token(b) == token
    assert _xsrf_token(generate_xsrf_token_string(bytes(16))) == bytes(16)
    assert _xsrf_token(None) is None and _xsrf_token("2|zz|zz|1") is None and _xsrf_token("2|00|01|1") is None
    assert _xsrf_token(token.hex()) == token  # version 1: the token in hex


@pytest.mark.parametrize(
    ("owner", "browser", "may"),
    [
        ("browser:a", "browser:a", True),  # the same browser reloading
        ("browser:a", "browser:b", False),  # someone else with the URL
        ("browser:a", None, False),  # a script without the cookie
        ("session:s1", None, True),  # no browser can be told apart: the old rule
        ("session:s1", "browser:b", False),
        ("", "browser:b", True),  # saved before runs had owners
    ],
)
def test_who_may_take_a_run_over(owner, browser, may):
    assert may_take(owner, browser) is may
