"""On the CPU, the batched statistics mode a GPU uses (Trainer(fetch_every=K)) makes one device -> host
copy per K steps (Trainer.host_syncs), gives exactly the per-step mode's numbers, and a NaN/Inf in a batch
still stops the run at the step that diverged with that step's finite weights, in the Trainer and in a
TrainingRun. The probe budget holds over a run; snapshot() copies only what changed."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch

from rnnplay.config import make_config
from rnnplay.run.probe_log import FREE_PROBES
from rnnplay.run.training_run import TrainingRun
from rnnplay.trainer import Trainer
from tests import test_trainer as trainer_tests

TINY = {"hidden_size": 8, "seq_len": 6, "batch_size": 8, "device": "cpu"}
# test_trainer's identity-initialised ReLU RNN, SGD at lr 10 -> Inf within a few steps, on majority
DIVERGING = {**trainer_tests.DIVERGING, "task": "majority", "device": "cpu"}


def batched(config, k: int) -> Trainer:
    tr = Trainer(config, fetch_every=k)
    tr.fetch_every_s = math.inf  # only the step count triggers a fetch: the count of syncs is exact
    return tr


def fields(s):
    return (s.step, s.loss, s.metric, s.grad_norm, s.grad_norm_clipped, s.lr, s.diverged)


@pytest.mark.parametrize(
    "fields_",
    [
        {"task": "majority"},
        {"task": "adding", "arch": "lstm", "clip_mode": "norm", "clip": 0.5},
        {"task": "sentiment", "arch": "gru"},  # packed lengths
        {"task": "reverse", "lr_schedule": "step", "lr_step": 7, "lr_gamma": 0.5},  # seq2seq, teacher forcing
    ],
)
def test_batched_mode_syncs_once_per_k_steps_and_gives_the_per_step_numbers(fields_):
    config = make_config(**{**TINY, **fields_})
    n, k = 50, 8
    one = Trainer(config)
    assert one.fetch_every == 1  # a CPU fetches every step: there a copy is no device sync
    per_step = [one.step() for _ in range(n)]
    assert one.host_syncs == n
    tr = batched(config, k)
    got = []
    for i in range(n):
        got += tr.advance()
        assert len(got) == (i + 1) // k * k  # nothing arrives between fetches
    got += tr.flush()
    assert tr.host_syncs == math.ceil(n / k)
    assert [fields(s) for s in got] == [fields(s) for s in per_step]
    for p, q in zip(one.params, tr.params, strict=True):
        assert torch.equal(p, q)
    assert tr.param_norms() == one.param_norms()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_divergence_inside_a_batch_stops_at_its_step_with_that_steps_weights(seed):
    config = make_config(**{**DIVERGING, "seed": seed})
    one = Trainer(config)
    ref = []
    while not (ref and ref[-1].diverged):
        ref.append(one.step())
    assert len(ref) < 20
    tr = batched(config, 64)  # the whole run within one batch: the optimizer applied the NaN step too
    got = []
    for _ in range(30):
        got += tr.advance()
        if tr.diverged:
            break
    got += tr.flush()
    assert tr.diverged and got[-1].diverged and got[-1].step == ref[-1].step
    assert tr.steps_done == one.steps_done == ref[-1].step
    assert [fields(s)[:2] for s in got[:-1]] == [fields(s)[:2] for s in ref[:-1]]  # the history so far
    for p, q in zip(one.params, tr.params, strict=True):
        assert torch.equal(p, q) and torch.isfinite(q).all()  # rolled back: the bad step was not applied
    assert one.optimizer.state_dict()["state"].keys() == tr.optimizer.state_dict()["state"].keys()
    assert tr.host_syncs <= 1 + len(ref)  # one fetch found it, then the replay, one fetch a step


def test_a_run_in_batched_mode_shows_every_step_and_syncs_per_batch():
    run = TrainingRun(make_config("majority", steps=100, **TINY), fetch_every=16, min_probe_interval_s=0.0)
    run.trainer.fetch_every_s = math.inf
    run.start()
    run.join(timeout=60)
    snap = run.snapshot()
    assert snap.state == "done" and snap.history["step"] == list(range(1, 101))
    assert all(math.isfinite(v) for v in snap.history["loss"])
    # fetches: every 16 steps, at each probe and at the last step; far fewer than one per step
    probes = len(snap.val["step"])
    assert run.trainer.host_syncs <= math.ceil(100 / 16) + probes + 1 < 100
    per_step = TrainingRun(make_config("majority", steps=100, **TINY), probes=False)
    per_step.start()
    per_step.join(timeout=60)
    assert per_step.snapshot().history["loss"] == snap.history["loss"]  # the same numbers


def test_pausing_a_batched_run_brings_its_pending_steps_into_the_history():
    run = TrainingRun(make_config("majority", steps=10**6, **TINY), fetch_every=10**6, probes=False)
    run.trainer.fetch_every_s = math.inf
    run.start()
    while run.trainer.steps_done < 5:
        pass
    run.pause()
    snap = run.snapshot()
    assert snap.state == "paused" and snap.history["step"][-1] == snap.steps_done >= 5
    record = run.to_record()
    assert record["steps_done"] == snap.steps_done
    run.stop()


def test_a_batched_run_that_diverges_ends_diverged_with_finite_weights_and_its_history():
    run = TrainingRun(make_config(**DIVERGING, steps=1000), fetch_every=64, min_probe_interval_s=0.0)
    run.trainer.fetch_every_s = math.inf
    run.start()
    run.join(timeout=60)
    snap = run.snapshot()
    assert snap.state == "diverged" and snap.message.values["step"] == snap.steps_done
    assert snap.history["step"][-1] == snap.steps_done < 20
    assert all(torch.isfinite(p).all() for p in run.trainer.model.parameters())


@pytest.mark.parametrize("background", [False, True], ids=["between-steps", "behind-training"])
def test_the_probe_budget_holds_over_a_run_the_first_and_last_probes_included(background):
    """With no minimum interval, probing every step would cost several times the training: the bucket
    keeps the probes' time within the budget of the steps' time, plus the free first probes and the forced
    last one; between two steps or behind training (there the probe thread's CPU time is charged)."""
    run = TrainingRun(
        make_config("majority", steps=300, **TINY),
        probe_budget=0.1,
        min_probe_interval_s=0.0,
        background_probes=background,
    )
    spent = {"probe": 0.0, "step": 0.0, "probes": 0, "max": 0.0}
    charged, step = run.loop.cadence.charged, run.trainer.step

    def timed_charge(dt):
        spent["probe"], spent["probes"], spent["max"] = spent["probe"] + dt, spent["probes"] + 1, max(spent["max"], dt)
        charged(dt)

    def timed_step():
        s = step()
        spent["step"] += s.seconds
        return s

    run.loop.cadence.charged, run.trainer.step = timed_charge, timed_step
    run.start()
    run.join(timeout=120)
    assert run.snapshot().state == "done"
    assert 3 <= spent["probes"] < 300
    assert len(run.snapshot().val["step"]) == spent["probes"]  # every probe charged was recorded, and none else
    # the first probes are free, the last is forced, one may run longer than the median it was due at
    assert spent["probe"] <= 0.1 * spent["step"] + (FREE_PROBES + 2) * spent["max"]


def probes_begin_with(run: TrainingRun, first) -> None:
    """Each probe the run's trainer hands to the background calls first() (a wait, a delay) before its work."""
    made = run.trainer.probe_job

    class Job:
        def __init__(self, job):
            self.job = job

        def run(self):
            first()
            return self.job.run()

    run.trainer.probe_job = lambda *args, **kwargs: Job(made(*args, **kwargs))


def test_try_it_and_inspect_never_wait_for_a_probe_behind_training():
    """Try it and Inspect read the model between two steps; the probe behind training works on a twin, so they do
    not wait for it (waiting held the run still for as long as its first probe took, at every Train click)."""
    from rnnplay import inspect_data

    run = TrainingRun(make_config("majority", steps=1_000_000, **TINY), background_probes=True)
    held, release = threading.Event(), threading.Event()
    probes_begin_with(run, lambda: (held.set(), release.wait(30)))  # behind training until the test lets it go
    run.start()
    try:
        assert held.wait(30)
        sample = inspect_data.probe_sample(run.task, run.probe_batch, 0)
        answered = {}
        reader = threading.Thread(
            target=lambda: answered.update(try_it=run.try_it("0110"), inspect=inspect_data.inspect(run, sample)),
            daemon=True,
        )
        reader.start()
        reader.join(10)
        assert set(answered) == {"try_it", "inspect"}, "Try it or Inspect waited for the probe behind training"
        assert run.loop._behind_running()  # still held: they answered beside it
    finally:
        release.set()
        run.stop()
        run.join(timeout=30)


def test_a_probe_still_behind_training_at_the_last_step_is_charged_too():
    """The last step waits for a probe still running behind training before its own: that probe is charged
    to the bucket as every other one (each probe recorded is charged once)."""
    run = TrainingRun(
        make_config("majority", steps=40, **TINY),
        min_probe_interval_s=0.0,
        background_probes=True,
    )
    charges = []
    probes_begin_with(run, lambda: time.sleep(0.05))  # behind training for many steps: the last step finds it running
    charged = run.loop.cadence.charged

    def counted(dt):
        charges.append(dt)
        charged(dt)

    run.loop.cadence.charged = counted
    run.start()
    run.join(timeout=60)
    assert run.snapshot().state == "done"
    assert len(run.snapshot().val["step"]) == len(charges) >= 2
