"""A configuration trained once for a class, on the Playground (AppTest, RNNPLAY_SHARE_RUNS=1): the
second learner to press Train on a configuration that trains watches the first one's run (the same run
id, no buttons of its own, trained once in the store), "Train my own copy" trains theirs (twice); a
finished class run in the store (another replica's) is shown whole at once; without the setting every
learner trains their own, as always."""

from __future__ import annotations

import pytest

from app_pages.ui import class_watch
from rnnplay import class_runs
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun
from rnnplay.store import RunStore, default_path
from tests.live import status_line
from tests.test_pages import open_app

PLAYGROUND = "app_pages/playground.py"
LONG = {"task": "majority", "steps": "20000", "lang": "en"}  # still training when the second learner comes


@pytest.fixture
def share(monkeypatch):
    monkeypatch.setenv("RNNPLAY_SHARE_RUNS", "1")


def learner(stop_runs, **params):
    at = open_app(PLAYGROUND, **params)
    stop_runs.append(at)
    assert not at.exception
    return at


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def trained_count(run: TrainingRun) -> int:
    found = RunStore(default_path()).class_run(class_runs.config_key(run.config))
    return found["trained"] if found else 0


def test_the_second_learner_watches_the_first_ones_run_and_can_train_their_own(share, stop_runs):
    first = learner(stop_runs, **LONG)
    first.button(key="btn_train").click().run()
    class_run = first.session_state["_run"]
    assert class_run.state in ("running", "queued") and trained_count(class_run) == 1

    second = learner(stop_runs, **LONG)
    second.button(key="btn_train").click().run()
    assert not second.exception
    own = second.session_state["_run"]
    assert own.id != class_run.id and own.state == "ready" and own.steps_done == 0  # nothing trained twice
    assert f"Watching the class's run of this configuration — trained once for everyone (run {class_run.id})" in (
        texts(second.info)
    )
    keys = {b.key for b in second.button}
    assert "btn_own_copy" in keys and not keys & {"btn_train", "btn_pause", "btn_stop", "btn_step", "btn_reset"}
    progress = status_line(second)  # the class run's progress, as it trains
    assert "/ 20000" in progress and ("training" in progress or "queued" in progress), progress
    assert trained_count(class_run) == 1  # counted in the store: trained once

    second.button(key="btn_own_copy").click().run()
    assert not second.exception
    assert own.state in ("running", "queued") and "Watching the class's run" not in texts(second.info)
    assert class_run.state in ("running", "queued")  # the class run goes on, untouched
    assert trained_count(class_run) == 2


def test_a_finished_class_run_of_another_server_is_shown_whole_at_once(share, stop_runs):
    at = learner(stop_runs, task="majority", steps="30", lang="en")
    config = at.session_state["_run"].config
    other = TrainingRun(config)  # trained by another replica sharing the store
    other.saver.store = store = RunStore(default_path())
    other.start()
    other.join(60)
    assert other.state == "done" and other.save()
    assert store.claim_class_run(class_runs.config_key(config), other.id, class_runs.FRESH_S) == (other.id, 1)
    del other  # nothing of it left in this process but the store's row

    at.button(key="btn_train").click().run()
    assert not at.exception
    assert at.session_state["_run"].steps_done == 0
    assert "step 30 / 30" in status_line(at) and "finished" in status_line(at)
    assert "trained once for everyone" in texts(at.info)
    assert store.class_run(class_runs.config_key(config))["trained"] == 1


def test_changing_a_setting_while_watching_ends_the_watching(share, stop_runs):
    first = learner(stop_runs, **LONG)
    first.button(key="btn_train").click().run()
    second = learner(stop_runs, **LONG)
    second.button(key="btn_train").click().run()
    assert class_watch.WATCH in second.session_state
    second.number_input(key="hidden_size").set_value(48).run()
    assert not second.exception and class_watch.WATCH not in second.session_state
    assert "btn_train" in {b.key for b in second.button}


def test_without_the_setting_every_learner_trains_their_own(monkeypatch, stop_runs):
    monkeypatch.delenv("RNNPLAY_SHARE_RUNS", raising=False)
    first = learner(stop_runs, **LONG)
    first.button(key="btn_train").click().run()
    second = learner(stop_runs, **LONG)
    second.button(key="btn_train").click().run()
    own = second.session_state["_run"]
    assert own.state in ("running", "queued") and own.id != first.session_state["_run"].id
    assert "Watching" not in texts(second.info) and trained_count(own) == 0


def test_a_class_run_just_started_on_another_server_is_watched_before_its_first_save(share, stop_runs):
    at = learner(stop_runs, **LONG)
    config = at.session_state["_run"].config
    store, key = RunStore(default_path()), class_runs.config_key(config)
    assert store.claim_class_run(key, "elsewhere01", class_runs.FRESH_S) == ("elsewhere01", 1)  # nothing saved yet
    at.button(key="btn_train").click().run()
    assert not at.exception and at.session_state["_run"].steps_done == 0
    assert "(run elsewhere01)" in texts(at.info)
    assert "It trains on another server" in " | ".join(c.value for c in at.caption)
    assert "step 0 / 20000" in status_line(at)
    store.release_class_run(key, "elsewhere01")  # it never saved, and its claim is gone
    at.run()
    assert not at.exception and class_watch.WATCH not in at.session_state and "Watching" not in texts(at.info)


def test_a_class_run_training_on_another_server_says_it_trains_not_paused(share, stop_runs):
    """A copy read back from the store comes back paused; the status line says what the store says of the
    run (it trains on the other replica), as the deployed load test saw it say "paused"."""
    at = learner(stop_runs, **LONG)
    config = at.session_state["_run"].config
    other = TrainingRun(config)  # training on another replica, which saved it mid-run
    other.saver.store = store = RunStore(default_path())
    other.start()
    assert other.wait_for_step(20, 60) and other.save()
    other.stop()
    assert store.row_version(other.id)[1] == "running"
    store.claim_class_run(class_runs.config_key(config), other.id, class_runs.FRESH_S)
    del other

    at.button(key="btn_train").click().run()
    assert not at.exception and "trained once for everyone" in texts(at.info)
    progress = status_line(at)
    assert "training" in progress and "paused" not in progress, progress


def test_a_finished_class_run_can_be_scrubbed_through(share, stop_runs):
    at = learner(stop_runs, task="majority", steps="30", lang="en")
    config = at.session_state["_run"].config
    other = TrainingRun(config)
    other.saver.store = store = RunStore(default_path())
    other.start()
    other.join(60)
    assert other.state == "done" and other.save()
    store.claim_class_run(class_runs.config_key(config), other.id, class_runs.FRESH_S)
    at.button(key="btn_train").click().run()
    slider = at.slider(key=f"class_replay_{other.id}_30")
    assert slider.value == 30 and "step 30 / 30" in status_line(at)
    slider.set_value(10).run()
    assert not at.exception and "step 10 / 30" in status_line(at)
    assert "trained once for everyone" in texts(at.info)


def test_a_replayed_snapshot_holds_the_rows_up_to_its_step():
    run = TrainingRun(make_config("majority", steps=40))
    run.start()
    run.join(60)
    snap = run.snapshot()
    cut = class_runs.replayed(snap, 20)
    assert cut.steps_done == 20 and max(cut.history["step"]) <= 20 < max(snap.history["step"])
    assert all(len(v) == len(cut.history["step"]) for v in cut.history.values())
    assert cut.probes and all(p["step"] <= 20 for p in cut.probes) and len(cut.probes) < len(snap.probes)
    assert cut.frames and cut.latest_probe["step"] == cut.frames[-1]["step"] <= 20
    assert cut.param_norms["names"] == snap.param_norms["names"]
    assert class_runs.replayed(snap, 40).history == snap.history
