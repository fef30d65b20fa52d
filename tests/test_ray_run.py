"""Runs trained in Ray actors (rnnplay/run/ray_run.py) on a local Ray head on 127.0.0.1, started here."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ray = pytest.importorskip("ray", reason="ray is not installed (requirements-hosted.txt)")

from rnnplay import inspect_data  # noqa: E402
from rnnplay import store as run_store  # noqa: E402
from rnnplay.config import make_config  # noqa: E402
from rnnplay.ray_head import local_head  # noqa: E402
from rnnplay.run.ray_run import POOL, RemoteRace, RemoteRun, apply_delta, snapshot_delta  # noqa: E402
from rnnplay.run.state import RunState  # noqa: E402
from rnnplay.run.training_run import TrainingRun  # noqa: E402
from tests.live import live_figure, status_line  # noqa: E402
from tests.test_pages import open_app  # noqa: E402

SLOW = pytest.mark.slow  # a Ray head takes seconds to start, each worker a few more
TINY = {"hidden_size": 4, "seq_len": 4, "batch_size": 4, "device": "cpu", "seed": 7}
ROOT = Path(__file__).resolve().parents[1]


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1 with 2 CPUs (ended by its own process group, never `ray stop`: other Ray
    clusters on this machine live on), this process connected to it, a run store for its workers."""
    store = str(tmp_path_factory.mktemp("ray") / "runs.sqlite")
    saved = {k: os.environ.get(k) for k in ("RNNPLAY_RAY", "RNNPLAY_STORE", "RNNPLAY_RAY_WORKERS")}
    with local_head(2, {"OMP_NUM_THREADS": "1"}) as address:
        os.environ.update(RNNPLAY_RAY=address, RNNPLAY_STORE=store, RNNPLAY_RAY_WORKERS="1")
        POOL.connect(address)  # now: the workers get this store, before a test's own is set
        try:
            yield {"address": address, "store": store}
        finally:
            ray.shutdown()
            POOL.workers = []
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def test_a_delta_merged_into_the_last_snapshot_is_the_new_one_even_after_the_history_thins():
    run = TrainingRun(make_config("majority", steps=1_000_000, **TINY), min_probe_interval_s=0.0, history_cap=8)
    last, resent = None, 0
    for step in range(40):  # the history merges rows (its stride doubles) every 8 rows
        run.step_one()
        snap = run.snapshot()
        delta = snapshot_delta(last, snap)
        merged = apply_delta(last, delta)
        for name in ("history", "val", "probes", "spectral", "param_norms", "frames", "events", "steps_done"):
            assert getattr(merged, name) == getattr(snap, name), (step, name)
        if last is not None:  # one step later: a row or two, or the whole history when its rows merged
            resent += sum(len(tail) for _, tail in delta["history"].values()) > 2 * len(delta["history"])
        last = merged
    assert run.snapshot().history["step"][-1] == 40 and len(last.history["step"]) <= 9
    assert resent <= 4  # the merges (stride 1 -> 2 -> 4 -> 8), not every step


def _drive(run, steps_before: int | None) -> None:
    """Train, pause, step one, change the lr, step on. steps_before: the thread run steps one batch at a
    time up to where the remote run paused, so both take the same steps with the same settings."""
    if steps_before is None:
        run.start()
        wait_for(lambda: run.steps_done >= 3, what="three steps")
        run.pause()
    else:
        for _ in range(steps_before):
            run.step_one()
    run.step_one()
    run.set_lr(0.01)
    run.step_one()
    run.step_one()


@SLOW
def test_a_remote_run_trains_exactly_as_a_thread_run(ray_head):
    config = make_config("majority", steps=1_000_000, **TINY)
    remote = RemoteRun(config, min_probe_interval_s=0.0)
    _drive(remote, None)
    paused_at = remote.steps_done - 3
    local = TrainingRun(config, min_probe_interval_s=0.0)
    _drive(local, paused_at)
    a, b = remote.snapshot(), local.snapshot()
    assert a.state == b.state == RunState.PAUSED
    assert a.steps_done == b.steps_done == paused_at + 3
    assert a.history["loss"] == b.history["loss"]  # bitwise: CPU training is deterministic
    assert a.history["lr"] == b.history["lr"] and a.history["lr"][-1] == 0.01
    assert a.config.lr == 0.01 and remote.config == local.config
    assert [e[1] for e in a.events] == [e[1] for e in b.events]
    # the Inspect page: the same sample through the same weights, inspected in the worker
    sample = inspect_data.probe_sample(remote.task, remote.probe_batch, 2)
    seen, here = inspect_data.inspect(remote, sample), inspect_data.inspect(local, sample)
    assert seen.step == here.step and seen.output == here.output
    assert all((seen.states[k] == here.states[k]).all() for k in here.states)
    remote.close()


@SLOW
def test_a_snapshot_sends_only_what_changed_and_merges_into_the_whole(ray_head):
    config = make_config("majority", steps=1_000_000, **TINY)
    run = RemoteRun(config, min_probe_interval_s=0.0)
    for _ in range(40):
        run.step_one()
    first = run.snapshot()
    full = run.last_snapshot_bytes
    run.step_one()
    second = run.snapshot()
    assert run.last_snapshot_bytes < full / 2  # one new row and one probe, not 41 rows and 41 probes
    assert second.steps_done == 41 and len(second.history["loss"]) == len(first.history["loss"]) + 1
    assert second.history["loss"][:-1] == first.history["loss"]
    whole = run.whole_snapshot()  # as a page that has seen nothing gets it: the merged one equals it
    assert run.last_snapshot_bytes > full
    for name in ("history", "val", "spectral", "events", "steps_done", "config", "task"):
        assert getattr(second, name) == getattr(whole, name), name
    assert len(second.probes) == len(whole.probes) and len(second.frames) == len(whole.frames)
    run.close()


@SLOW
def test_a_killed_worker_is_named_and_its_run_reopens_from_its_last_save_and_trains_on(ray_head, monkeypatch):
    monkeypatch.setenv("RNNPLAY_STORE", ray_head["store"])  # the web side and the workers share a store
    config = make_config("majority", steps=1_000_000, **TINY)
    run = RemoteRun(config, min_probe_interval_s=0.0)
    run.saver.owner = "session:test"
    run.saver.store = run_store.RunStore()  # the worker saves to the RNNPLAY_STORE it was given
    for _ in range(5):
        run.step_one()
    assert run.save()
    saved_at = run.steps_done
    ray.kill(run.worker)  # the kill is asynchronous: a call or two may still reach the worker
    wait_for(lambda: run.snapshot().state == RunState.ERROR, what="the lost worker seen")
    snap = run.snapshot()
    assert run.lost and snap.state == RunState.ERROR and run.state == RunState.ERROR
    assert f"The worker that trained run {run.id} stopped" in snap.message
    run.start()  # a control on a lost run does nothing, and raises nothing
    record = run_store.RunStore(ray_head["store"]).load(run.id)
    again = RemoteRun.from_record(record, min_probe_interval_s=0.0)
    assert again.id == run.id and again.steps_done == saved_at
    again.step_one()
    assert again.steps_done == saved_at + 1 and not again.lost
    again.close()


@SLOW
def test_the_playground_trains_on_a_ray_worker_and_reopens_a_run_whose_worker_was_killed(ray_head, monkeypatch):
    monkeypatch.setenv("RNNPLAY_STORE", ray_head["store"])
    at = AppTest.from_file(str(ROOT / "app_pages/playground.py"), default_timeout=60)
    at.query_params.update(task="majority", hidden_size="4", seq_len="4", batch_size="4")
    at.run()
    assert not at.exception
    run = at.session_state["_run"]
    assert isinstance(run, RemoteRun)
    for _ in range(3):
        at.button(key="btn_step").click().run()
    assert not at.exception and run.steps_done == 3 and at.query_params["run"] == run.id
    assert "step 3 /" in status_line(at)
    at.button(key="btn_train").click().run()
    wait_for(lambda: run.steps_done >= 6, what="training on the worker")
    at.button(key="btn_pause").click().run()  # Pause saves the run
    saved_at = run.steps_done
    ray.kill(run.worker)
    wait_for(lambda: run.snapshot().state == RunState.ERROR, what="the lost worker seen")
    at.run()
    assert not at.exception
    assert f"The worker that trained run {run.id} stopped" in " | ".join(w.value for w in at.warning)
    again = at.session_state["_run"]
    assert again is not run and again.id == run.id and again.steps_done == saved_at and not again.lost
    at.button(key="btn_train").click().run()  # Resume: it trains on, on a new worker
    wait_for(lambda: again.steps_done > saved_at + 2, what="training on after the reopen")
    again.stop()


@SLOW
def test_the_gradient_lab_races_on_a_ray_worker_with_every_chart_and_a_lost_race_is_named(ray_head):
    at = open_app("app_pages/gradients.py", race="vanishing", steps=200)
    assert not at.exception
    race = at.session_state["_race"]
    assert isinstance(race, RemoteRace)
    at.button(key="btn_step").click().run()
    assert not at.exception and race.snapshot().steps == [1, 1, 1] and race.state == "paused"
    at.button(key="btn_train").click().run()
    wait_for(lambda: min(race.snapshot().steps) >= 5, what="the race training on the worker")
    at.button(key="btn_pause").click().run()
    assert not at.exception and race.state == "paused"
    heat = live_figure(at, "gtt_heatmap_0")
    assert heat["data"] and heat["data"][0]["type"] == "heatmap"
    ray.kill(race.worker)
    wait_for(lambda: race.snapshot().state == RunState.ERROR, what="the lost worker seen")
    at.run()
    assert not at.exception
    assert "The worker that trained this race stopped" in " | ".join(w.value for w in at.warning)
    again = at.session_state["_race"]
    assert again is not race and again.state == "ready" and isinstance(again, RemoteRace)
    again.stop()
