"""Runs kept on a reload, Playground (AppTest): the run id goes into the URL once the run trains; a page opened
with ?run=<id> reopens the stored run with its steps, history and settings; a reload takes the live
run back; another session's live run is copied, never shared; an unknown or damaged id is a message
and a fresh run. Share links never carry the run id."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.ui import links, session_run
from rnnplay import untrusted
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun
from rnnplay.store import RunStore, default_path
from tests.link_boxes import SHARE_BOX, TEACHER_BOX, opened
from tests.live import status_line
from tests.test_pages import open_app

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"


def open_playground(stop_runs, **params) -> AppTest:
    at = open_app(PLAYGROUND, **params)
    stop_runs.append(at)
    return at


def stored_run(task: str = "adding", steps: int = 7, **overrides) -> TrainingRun:
    """A run trained for a few steps and saved in the test's store (RNNPLAY_STORE, tests/conftest.py)."""
    run = TrainingRun(make_config(task, steps=500, **overrides))
    for _ in range(steps):
        run.step_one()
    run.saver.store = RunStore(default_path())
    assert run.save()
    return run


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def test_a_stored_run_reopens_with_its_steps_history_and_settings(stop_runs):
    saved = stored_run("adding", 7, arch="lstm", hidden_size=24)
    at = open_playground(stop_runs, run=saved.id)  # the link holds only the run id
    assert not at.exception
    run = at.session_state["_run"]
    assert (run.id, run.trainer.steps_done, run.state) == (saved.id, 7, "paused")
    assert run.loop.history.rows["loss"] == saved.loop.history.rows["loss"]
    assert f"Reopened run {saved.id} at step 7" in texts(at.info)
    assert "step 7 / 500" in status_line(at)
    # the widgets show the reopened run's settings, so nothing is "changed since this run started"
    assert at.selectbox(key="task").value == "adding" and at.radio(key="arch").value == "lstm"
    assert at.number_input(key="hidden_size").value == 24
    assert not any("Changed since" in m.value for m in at.markdown)
    assert at.query_params["run"] == saved.id
    at.button(key="btn_train").click().run()  # Resume
    deadline = time.monotonic() + 30
    while run.trainer.steps_done < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.trainer.steps_done >= 10
    at.run()
    assert "Reopened" not in texts(at.info)  # the message goes once the run has moved on


def test_an_unknown_run_id_gives_a_message_and_a_fresh_run(stop_runs):
    at = open_playground(stop_runs, run="nosuchrun01", task="majority")
    assert not at.exception
    assert "Run 'nosuchrun01' was not found" in texts(at.warning)  # quoted, and cut if long
    run = at.session_state["_run"]
    assert run.id != "nosuchrun01" and run.trainer.steps_done == 0 and run.state == "ready"
    assert "run" not in at.query_params  # nothing to reopen yet


def test_a_damaged_stored_run_gives_a_message_not_a_crash(stop_runs):
    saved = stored_run("majority", 3)
    saved.saver.store._conn().execute("UPDATE runs SET tensors = ? WHERE id = ?", (b"garbage" * 10, saved.id))
    at = open_playground(stop_runs, run=saved.id)
    assert not at.exception
    # the id as the page echoes it: quoted and markdown-escaped (an id with "_" shows a backslash in the source)
    assert f"Run {untrusted.shorten(saved.id)} could not be reopened" in texts(at.warning)
    assert at.session_state["_run"].trainer.steps_done == 0


def test_training_puts_the_run_id_in_the_url_and_the_store_but_not_in_share_links(stop_runs):
    at = open_playground(stop_runs, task="majority", steps=40, hidden_size=8)
    assert "run" not in at.query_params  # an untouched run: nothing to reopen
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    run.join(60)
    at.run()
    assert run.state == "done" and at.query_params["run"] == run.id
    record = RunStore(default_path()).load(run.id)
    assert (record["state"], record["steps_done"]) == ("done", 40)
    assert "run=" not in links.share_query(run.config)
    shown = [c.value for c in opened(at, SHARE_BOX, TEACHER_BOX).code]  # the share and teacher links
    assert shown and not any("run=" in link for link in shown)
    old_id = run.id
    at.button(key="btn_reset").click().run()
    assert at.session_state["_run"].id != old_id  # Reset: a new id (in the URL once it trains)
    assert "run" not in at.query_params


def test_a_reload_takes_the_live_run_back_and_another_session_gets_a_copy(stop_runs):
    a = open_playground(stop_runs, task="majority", steps=100000, hidden_size=8)
    for _ in range(3):
        a.button(key="btn_step").click().run()
    run = a.session_state["_run"]
    assert run.trainer.steps_done == 3 and a.query_params["run"] == run.id
    # another browser opens the same link while the first still has it open: a copy, under a new id
    b = open_playground(stop_runs, run=run.id, task="majority", steps=100000, hidden_size=8)
    copy = b.session_state["_run"]
    assert copy is not run and copy.id != run.id and copy.trainer.steps_done == 3
    assert "open in another tab" in texts(b.info) and b.query_params["run"] == copy.id
    # the first session goes away (a reload): its release frees the run for the next page load
    guard = session_run._live_runs()._entries[run.id]["owner"]
    guard.release()
    c = open_playground(stop_runs, run=run.id, task="majority", steps=100000, hidden_size=8)
    assert c.session_state["_run"] is run  # the same live object, not a copy from the store
    assert not c.exception


def test_a_huge_run_id_in_the_url_is_not_echoed_whole(stop_runs):
    at = open_playground(stop_runs, run="x" * 100_000)
    assert not at.exception
    warning = texts(at.warning)
    assert "was not found" in warning and len(warning) < 300
    assert at.session_state["_run"].trainer.steps_done == 0


def test_the_reopened_message_speaks_chinese_with_lang_zh(stop_runs):
    saved = stored_run("majority", 2)
    at = open_playground(stop_runs, run=saved.id, lang="zh")
    assert not at.exception
    assert f"已重新打开运行 {saved.id}，位于第 2 步" in texts(at.info)


def test_a_reload_on_inspect_or_runs_reopens_the_run_named_in_the_url(stop_runs):
    """Inspect and Runs have no config widgets: a reload there (?run= in the URL) still reopens the run."""
    for page in ("app_pages/inspect.py", "app_pages/runs.py"):
        saved = stored_run("majority", 5)  # one each: a live run already adopted would be taken back silently
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page)
        at.query_params["run"] = saved.id
        at.run()
        stop_runs.append(at)
        assert not at.exception, at.exception
        run = at.session_state["_run"]
        assert (run.id, run.trainer.steps_done) == (saved.id, 5)
        assert f"Reopened run {saved.id} at step 5" in texts(at.info)
        assert "No model to inspect yet" not in texts(at.info) and "No runs yet" not in texts(at.info)


def test_a_damaged_store_is_one_warning_and_the_playground_trains_on(stop_runs):
    from tests.test_store import damage

    for _ in range(3):
        stored_run("majority", 1)
    damage(default_path())  # random bytes inside the file, its header intact
    at = open_playground(stop_runs, task="majority", steps=100000, hidden_size=8)
    assert not at.exception
    for _ in range(3):
        at.button(key="btn_step").click().run()
    assert not at.exception
    run = at.session_state["_run"]
    assert run.trainer.steps_done == 3 and run.saver.store is None
    warnings = [w.value for w in at.warning if "not saved" in w.value]
    assert len(warnings) == 1 and "Runs are not saved right now" in warnings[0] and "malformed" in warnings[0]
    at.button(key="btn_train").click().run()  # training and the charts go on without the store
    deadline = time.monotonic() + 30
    while run.trainer.steps_done < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    at.run()
    assert not at.exception and run.trainer.steps_done >= 10
    assert "step" in status_line(at)
