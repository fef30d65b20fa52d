"""rnnplay.run: the background TrainingRun (start and poll to done, pause/resume/stop/step_one/
reset, live lr/clip changes marked as events, detach ending the thread after the grace period, a
diverging run ending in 'diverged' with a hint, a crash ending in 'error') and History staying
bounded by its cap through down-sampling. Every run a test makes is stopped in teardown."""

from __future__ import annotations

import dataclasses
import pickle
import time

import pytest

from app_pages.i18n import render
from rnnplay import probes
from rnnplay.config import make_config
from rnnplay.i18n import Msg
from rnnplay.run import record as run_record
from rnnplay.run.history import COLUMNS, History
from rnnplay.run.training_run import TrainingRun
from rnnplay.store import RunStore
from rnnplay.trainer import DIVERGED_HINT, StepStats, Trainer
from tests.runs_made import TINY, runs_made, wait_for


@pytest.fixture
def make_run():
    yield from runs_made()


def _stats(step: int, loss: float) -> StepStats:
    return StepStats(step=step, loss=loss, metric=0.5, grad_norm=2.0, grad_norm_clipped=1.0, lr=1e-3, seconds=0.01)


# History ------------------------------------------------------------------------------------------
def test_history_stays_within_its_cap_by_merging_rows():
    h = History(cap=10)
    for i in range(1, 101):
        h.add(_stats(i, float(i)))
        assert len(h.rows["step"]) <= 10
        assert all(len(v) == len(h.rows["step"]) for v in h.rows.values())
    rows = h.copy()
    assert set(rows) == set(COLUMNS)
    assert len(rows["step"]) <= 11  # the cap, plus the partial bucket the chart shows
    assert rows["step"][-1] == 100  # the latest step is always shown
    assert h.stride > 1 and (h.stride & (h.stride - 1)) == 0  # a power of two
    steps = rows["step"]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    # each row is a mean over the steps it stands for: loss = step lies in (previous row, this row]
    prev = 0
    for step, loss in zip(steps, rows["loss"], strict=True):
        assert prev < loss <= step
        prev = step
    assert rows["grad_norm"] == [2.0] * len(steps) and rows["metric"] == [0.5] * len(steps)


def test_history_below_its_cap_keeps_every_step():
    h = History(cap=10)
    for i in range(1, 8):
        h.add(_stats(i, i / 10))
    assert h.copy()["step"] == list(range(1, 8)) and h.stride == 1
    assert h.copy()["loss"] == pytest.approx([i / 10 for i in range(1, 8)])


# TrainingRun --------------------------------------------------------------------------------------
def test_run_trains_to_done_and_snapshot_holds_every_chart(make_run):
    run = make_run(steps=40)
    assert run.snapshot().state == "ready"
    run.start()
    wait_for(lambda: run.snapshot().state == "done", what="done")
    run.join()
    snap = run.snapshot()
    assert snap.steps_done == snap.steps_total == 40
    assert snap.message == "finished 40 steps"
    assert snap.history["step"][-1] == 40 and len(snap.history["loss"]) == 40
    assert snap.val["step"] and snap.val["step"][-1] == 40  # the last step is always probed
    assert snap.latest_probe["step"] == 40 and len(snap.latest_probe["grad_through_time"]) == 4
    assert snap.probes[0]["step"] == 1 and snap.spectral["radius"]
    assert snap.task_view["kind"] == "confidence"
    assert snap.task.name == "majority" and snap.task.chance == run.trainer.task.chance
    assert snap.steps_per_s > 0
    assert not run.slot.thread.is_alive() and not run.is_active
    run.start()  # a finished run does not start again
    assert run.snapshot().state == "done"


def test_snapshot_is_not_changed_by_later_training_and_is_rebuilt_only_when_something_changed(make_run):
    run = make_run(steps=5)
    run.step_one()
    snap = run.snapshot()
    loss, val = list(snap.history["loss"]), list(snap.val["step"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.config = None  # a snapshot is frozen ...
    mine = run.snapshot()
    mine.history["loss"] = None  # ... and its dicts are the caller's own
    again = run.snapshot()
    assert again.config is run.config and again.history["loss"] is not None
    # nothing changed: the same lists are handed out again, not copies
    assert again.history["loss"] is snap.history["loss"] and again.frames is snap.frames
    run.step_one()
    run.step_one()
    later = run.snapshot()
    assert snap.history["loss"] == loss and snap.val["step"] == val  # the earlier snapshot stands
    assert later.history["step"] == [1, 2, 3] and later.val["step"] == [1, 2, 3]
    assert later.history["loss"] is not snap.history["loss"]
    run.set_lr(0.5)  # an event: a fresh list of events, the probes' part still shared
    marked = run.snapshot()
    assert marked.events == [(3, "lr=0.5")] and later.events == []
    assert marked.frames is later.frames


def test_pause_resume_and_stop(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 2, what="first steps")
    run.pause()
    assert run.snapshot().state == "paused" and not run.is_active
    time.sleep(0.1)  # a step already in flight may still land
    n = run.trainer.steps_done
    time.sleep(0.3)
    assert run.trainer.steps_done == n
    run.resume()
    assert run.snapshot().state == "running"
    wait_for(lambda: run.trainer.steps_done > n + 2, what="steps after resume")
    run.stop()
    assert run.snapshot().state == "stopped" and not run.slot.thread.is_alive()
    n = run.trainer.steps_done
    run.start()  # a stopped run stays stopped
    time.sleep(0.1)
    assert run.snapshot().state == "stopped" and run.trainer.steps_done == n


def test_stop_before_any_step_leaves_the_run_ready(make_run):
    run = make_run()
    run.stop()
    assert run.snapshot().state == "ready"


def test_step_one_trains_one_batch_only_while_ready_or_paused(make_run):
    run = make_run()
    s = run.step_one()
    assert s.step == 1 and run.snapshot().state == "paused" and run.slot.thread is None
    assert run.snapshot().latest_probe["step"] == 1  # a step-one click is always probed
    assert run.step_one().step == 2
    run.start()
    assert run.step_one() is None  # not while running
    wait_for(lambda: run.trainer.steps_done > 3, what="steps")
    run.stop()
    assert run.step_one() is None  # nor after stop


def test_step_one_on_the_last_step_finishes_the_run(make_run):
    run = make_run(steps=2)
    run.step_one()
    run.step_one()
    assert run.snapshot().state == "done" and run.step_one() is None


def test_reset_starts_afresh_with_the_same_or_a_new_config(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 2, what="steps")
    run.reset()
    snap = run.snapshot()
    assert snap.state == "ready" and snap.steps_done == 0 and snap.history["step"] == []
    assert snap.probes == [] and snap.latest_probe is None
    new = make_config("adding", steps=5, **TINY)
    run.reset(new)
    assert run.config == new and run.snapshot().task.name == "adding"
    run.start()
    wait_for(lambda: run.snapshot().state == "done", what="done after reset")


def test_set_lr_and_set_clip_while_running_are_marked_as_events(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 1, what="steps")
    run.set_lr(0.05)
    run.set_clip("norm", 0.5)
    assert run.trainer.lr == 0.05 and run.config.lr == 0.05
    assert (run.config.clip_mode, run.config.clip) == ("norm", 0.5)
    n = run.trainer.steps_done
    wait_for(lambda: run.snapshot().history["step"][-1] > n + 1, what="steps after the change")
    snap = run.snapshot()
    assert [what for _, what in snap.events] == ["lr=0.05", "clip=norm 0.5"]
    assert snap.history["lr"][-1] == pytest.approx(0.05)
    assert snap.config.lr == 0.05


def test_detach_pauses_and_the_thread_ends_after_the_grace_period(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 0, what="steps")
    run.detach(grace_s=0.05)
    assert run.snapshot().state == "paused"
    run.slot.thread.join(timeout=5.0)  # the loop wakes at least once a second to check
    assert not run.slot.thread.is_alive()


def test_attach_within_the_grace_period_keeps_the_thread(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 0, what="steps")
    run.detach(grace_s=0.3)
    run.attach()
    time.sleep(1.2)
    assert run.slot.thread.is_alive()
    n = run.trainer.steps_done
    run.resume()
    wait_for(lambda: run.trainer.steps_done > n, what="steps after resume")


def test_resume_after_the_grace_period_expired_trains_again_or_says_it_cannot(make_run):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 0, what="steps")
    run.detach(grace_s=0.05)
    run.slot.thread.join(timeout=5.0)
    n = run.trainer.steps_done
    run.attach()  # the browser came back
    run.resume()
    time.sleep(1.0)
    state = run.snapshot().state
    assert (state == "running" and run.trainer.steps_done > n) or state != "running", state


def test_diverging_run_ends_in_diverged_with_a_hint_and_keeps_its_history(make_run):
    run = make_run(
        "adding",
        arch="rnn",
        nonlinearity="relu",
        init="identity",
        init_gain=5.0,
        optimizer="sgd",
        lr=10.0,
        clip_mode="off",
        hidden_size=8,
        seq_len=10,
        batch_size=8,
        steps=100,
    )
    run.start()
    wait_for(lambda: run.snapshot().state not in ("ready", "running"), what="the run to end")
    snap = run.snapshot()
    assert snap.state == "diverged"
    assert snap.message.startswith(f"step {snap.steps_done}:") and DIVERGED_HINT in snap.message
    zh = render(snap.message, "zh")  # the page's words: the hint among the values is said in Chinese too
    assert zh.startswith(f"第 {snap.steps_done} 步") and render(DIVERGED_HINT, "zh") in zh, zh
    assert snap.steps_done < 100 and snap.history["step"][-1] == snap.steps_done
    assert run.step_one() is None


def test_a_runs_message_is_one_msg_its_template_and_values_together(make_run):
    """Why a run is in its state is one Msg (a str, its English, as the CLI and the store read it): the page
    says it in its reader's language, values included; it pickles whole (a Ray worker sends it)."""
    run = make_run(steps=3)
    for _ in range(3):
        run.step_one()
    snap = run.snapshot()
    assert isinstance(snap.message, Msg) and snap.message == "finished 3 steps"
    assert (render(snap.message, "en"), render(snap.message, "zh")) == ("finished 3 steps", "已完成 3 步")
    assert not {"message_template", "message_args"} & {f.name for f in dataclasses.fields(snap)}
    back = pickle.loads(pickle.dumps(snap))
    assert (back.message.template, back.message.values) == ("finished {n} steps", {"n": 3})
    assert run.message is run.slot.message and not hasattr(run.slot, "message_args")


def test_crash_in_the_thread_ends_in_error_with_the_message(make_run):
    run = make_run()

    def boom():
        raise RuntimeError("boom")

    run.trainer.step = boom
    run.start()
    wait_for(lambda: run.snapshot().state == "error", what="error state")
    assert run.snapshot().message == "RuntimeError: boom"
    assert "boom" in run.traceback


def test_probe_rows_stay_bounded_and_keep_the_first_probe():
    run = TrainingRun(
        make_config("majority", steps=60, **TINY), probe_budget=100.0, probe_rows=6, min_probe_interval_s=0.0
    )
    try:
        for _ in range(60):
            run.step_one()
        snap = run.snapshot()
        assert len(snap.probes) <= 6 and snap.probes[0]["step"] == 1
        assert [p["step"] for p in snap.probes] == sorted(p["step"] for p in snap.probes)
    finally:
        run.stop()


def test_probes_off_trains_and_saves_history_but_never_probes():
    """probes=False (the benchmark's column (b)): the run trains to done with its full history,
    the probe charts stay empty, step_one and the last step do not probe either."""
    run = TrainingRun(make_config("majority", steps=30, **TINY), probes=False, min_probe_interval_s=0.0)
    run.step_one()
    run.start()
    wait_for(lambda: run.snapshot().state == "done", what="done")
    run.join()
    snap = run.snapshot()
    assert snap.steps_done == 30 and snap.history["step"][-1] == 30
    assert snap.val["step"] == [] and snap.probes == [] and snap.frames == []
    assert snap.spectral["radius"] == [] and snap.param_norms["step"] == []
    assert snap.latest_probe is None and snap.task_view is None
    on = TrainingRun(make_config("majority", steps=3, **TINY), min_probe_interval_s=0.0)
    on.step_one()
    assert on.snapshot().val["step"] == [1]  # the default still probes


@pytest.mark.parametrize("background", [False, True], ids=["between-steps", "behind-training"])
def test_a_step_reaches_the_history_before_its_probe_so_train_can_wait_for_the_first_point(monkeypatch, background):
    """First chart fast: Train waits (briefly) for the first step so the page run it starts draws the first point. The
    first step always probes; the step must be in the history while that probe is still running."""
    real, calls = probes.grad_through_time, []

    def slow_first(model, task, batch):
        if not calls:
            time.sleep(2.0)  # an expensive task's first probe
        calls.append(1)
        return real(model, task, batch)

    monkeypatch.setattr(probes, "grad_through_time", slow_first)
    run = TrainingRun(make_config("majority", steps=50, **TINY), min_probe_interval_s=0.0, background_probes=background)
    try:
        t0 = time.perf_counter()
        run.start()
        assert run.wait_for_step(0, timeout=1.8)
        assert time.perf_counter() - t0 < 1.9  # before the first probe ended (a loaded machine has 1.9 s, not 0.7)
        snap = run.snapshot()
        assert snap.history["step"][0] == 1 and snap.state == "running" and snap.val["step"] == []
        if not background:
            assert snap.history["step"] == [1]  # the run's thread is in the probe
        run.join(timeout=30)
        assert run.state == "done" and run.snapshot().history["step"][-1] == 50 and calls
        assert not run.wait_for_step(50, timeout=0.05)  # a finished run does not wait
    finally:
        run.stop()


def _slow_probes(monkeypatch, run_of, seconds: float) -> tuple[list[int], list[tuple[int, int]]]:
    """Make every gradient-through-time probe last `seconds` longer; returns two lists: the run's steps taken when
    each probe began, and (when it began, when it ended) for each that ended."""
    real, began, seen = probes.grad_through_time, [], []

    def slow(model, task, batch):
        began.append(run_of().trainer.steps_done)
        time.sleep(seconds)
        seen.append((began[-1], run_of().trainer.steps_done))
        return real(model, task, batch)

    monkeypatch.setattr(probes, "grad_through_time", slow)
    return began, seen


def test_training_goes_on_while_a_probe_runs_behind_it(make_run, monkeypatch):
    """On a CPU a probe runs in a thread of its own on a twin of the model: the run's thread steps on while
    it runs, and the probe log keeps the probes in step order."""
    run = make_run()
    _, seen = _slow_probes(monkeypatch, lambda: run, 0.3)
    run.start()
    wait_for(lambda: len(seen) >= 3, what="three probes")
    done = list(seen)  # probes that ended while the run trained (one under way at the pause waits for it)
    run.pause()
    assert all(after >= began + 5 for began, after in done), done  # a tiny majority step: well under 10 ms
    rows = run.snapshot().val["step"]
    assert len(rows) >= 3 and rows == sorted(set(rows))


def test_a_pause_and_a_save_wait_for_the_probe_running_behind_training(make_run, monkeypatch):
    """Paused means every probe begun is in the log; a save made then keeps it."""
    run = make_run()
    began, seen = _slow_probes(monkeypatch, lambda: run, 0.5)
    run.start()
    wait_for(lambda: len(began) >= 2 and len(seen) < len(began), what="a second probe under way")
    run.pause()
    snap = run.snapshot()
    assert len(snap.val["step"]) == len(seen) == len(began)
    assert began[-1] - 5 <= snap.val["step"][-1] <= began[-1]  # the step it was made at, just before it began
    record = run.to_record()
    assert record["steps_done"] == snap.steps_done


def test_a_periodic_save_waits_for_the_probe_behind_training_and_the_run_steps_on(make_run, monkeypatch, tmp_path):
    """A save falls due at every step here, while each probe runs behind training for 0.3 s: the run's thread
    steps on meanwhile, and saves between the probes, each record holding every probe begun before it."""
    monkeypatch.setattr(run_record, "SAVE_EVERY_S", 0.0)
    store = RunStore(tmp_path / "runs.sqlite")
    run = make_run()
    run.saver.store = store
    _, seen = _slow_probes(monkeypatch, lambda: run, 0.3)
    run.start()
    wait_for(lambda: len(seen) >= 3, what="three probes")
    done = list(seen)
    run.pause()
    assert all(after >= began + 5 for began, after in done), done
    assert run.saver.save_stats["saves"] >= 2 and not run.saver.save_error
    rec = store.load(run.id)
    kept = TrainingRun.from_record(rec).snapshot()
    assert kept.val["step"] == run.snapshot().val["step"][: len(kept.val["step"])] and kept.val["step"]


def test_a_crash_in_a_probe_behind_training_ends_the_run_in_error(make_run, monkeypatch):
    def boom(model, task, batch):
        raise RuntimeError("probe boom")

    monkeypatch.setattr(probes, "grad_through_time", boom)
    run = make_run()
    run.start()
    wait_for(lambda: run.snapshot().state == "error", what="error state")
    assert run.snapshot().message == "RuntimeError: probe boom"
    assert "probe boom" in run.traceback and "boom" in run.traceback.splitlines()[-2]
    run.join()
    assert not run.slot.thread.is_alive()


def test_a_probe_of_the_twin_is_the_probe_of_the_step_it_was_made_at():
    """The twin holds a copy of the weights at the step its job was made: what it reads after more steps is what
    a probe between two steps read at that step."""
    tr = Trainer(make_config("adding", **TINY))
    for _ in range(3):
        tr.step()
    inline = tr.probe_job().run()
    job = tr.probe_job(twin=True)
    for _ in range(5):
        tr.step()
    behind = job.run()
    assert behind["step"] == inline["step"] == 3
    assert behind["grad_through_time"] == pytest.approx(inline["grad_through_time"], rel=1e-12)
    assert behind["val"] == pytest.approx(inline["val"], rel=1e-6)
    assert behind["spectral_radius"] == pytest.approx(inline["spectral_radius"], rel=1e-6)
    assert behind["param_norms"] == inline["param_norms"]
    assert tr.probe_job().run()["val"] != pytest.approx(behind["val"], rel=1e-6)  # the model itself moved on
