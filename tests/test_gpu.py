"""GPU: training, probes and the CLI on CUDA (fused cuDNN core and written-out cells), and the
scratch cells matching cuDNN there. Skipped on machines without a CUDA GPU."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import pytest
import torch

from rnnplay.config import make_config
from rnnplay.tasks import TASK_CLASSES
from rnnplay.trainer import Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_training_and_probes_run_on_cuda(arch):
    tr = Trainer(make_config("adding", arch=arch, seq_len=20, steps=30, device="cuda"))
    assert next(tr.model.parameters()).is_cuda
    stats = [tr.step() for _ in range(30)]
    assert all(math.isfinite(s.loss) and math.isfinite(s.grad_norm) for s in stats)
    p = tr.probe()
    assert len(p["grad_through_time"]) == 20 and all(g >= 0 for g in p["grad_through_time"])
    assert p["hidden"]["hidden"].shape == (20, 64)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_scratch_matches_cudnn_on_cuda(arch):
    a = Trainer(make_config("majority", arch=arch, num_layers=2, bidirectional=True, steps=20, device="cuda"))
    b = Trainer(
        make_config("majority", arch=arch, num_layers=2, bidirectional=True, steps=20, device="cuda", impl="scratch")
    )
    la = [a.step().loss for _ in range(20)]
    lb = [b.step().loss for _ in range(20)]
    assert max(abs(x - y) for x, y in zip(la, lb, strict=True)) < 1e-4


def test_cli_trains_on_cuda():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnnplay",
            "train",
            "--task",
            "majority",
            "--device",
            "cuda",
            "--steps",
            "50",
            "--json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["config"]["device"] == "cuda" and result["steps"] == 50 and not result["diverged"]


@pytest.mark.parametrize("task", ["sentiment", "reverse"])
@pytest.mark.parametrize("impl", ["torch", "scratch"])
def test_packed_and_seq2seq_tasks_train_and_probe_on_cuda(task, impl):
    tr = Trainer(make_config(task, impl=impl, bidirectional=True, num_layers=2, steps=20, device="cuda"))
    stats = [tr.step() for _ in range(20)]
    assert all(math.isfinite(s.loss) for s in stats)
    assert all(math.isfinite(v) for v in tr.evaluate())
    p = tr.probe()
    assert all(math.isfinite(g) and g >= 0 for g in p["grad_through_time"])
    assert tr.task_view()["kind"] in ("bars", "tokens")


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_packed_scratch_matches_cudnn_on_cuda(arch):
    runs = [
        Trainer(make_config("sentiment", arch=arch, impl=impl, bidirectional=True, steps=10, device="cuda"))
        for impl in ("torch", "scratch")
    ]
    la, lb = ([r.step().loss for _ in range(10)] for r in runs)
    assert max(abs(x - y) for x, y in zip(la, lb, strict=True)) < 1e-4


LARGE = {"task": "adding", "arch": "lstm", "hidden_size": 512, "seq_len": 256, "batch_size": 256}


def test_large_configuration_uses_cudnn_and_fetches_statistics_in_batches(monkeypatch):
    """On a GPU, impl=torch runs the cuDNN kernel (aten::_cudnn_rnn) and the loop makes one device -> host copy per
    FETCH_EVERY steps (Trainer.host_syncs), not one a step; every step still reaches the history."""
    from rnnplay.run.training_run import TrainingRun

    # the server's default budget counts one CPU thread's step (about 10 s here) and 2.4 GB: a GPU's is 20 ms
    monkeypatch.setenv("RNNPLAY_MAX_STEP_MS", "100000000")
    monkeypatch.setenv("RNNPLAY_MAX_RUN_MB", "1000000")
    from rnnplay.trainer import FETCH_EVERY

    assert torch.backends.cudnn.is_available() and torch.backends.cudnn.enabled
    n = 3 * FETCH_EVERY + 5
    run = TrainingRun(make_config(**LARGE, steps=n, device="cuda"), probes=False)
    tr = run.trainer
    assert isinstance(tr.model.core, torch.nn.LSTM) and next(tr.model.core.parameters()).is_cuda
    assert tr.fetch_every == FETCH_EVERY > 1
    tr.fetch_every_s = math.inf  # count by steps alone
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        run.step_one()  # step 1, into the history as usual
    assert any("cudnn_rnn" in e.key for e in prof.key_averages()), "the LSTM did not run on cuDNN"
    syncs = tr.host_syncs
    run.start()
    run.join(timeout=300)
    snap = run.snapshot()
    assert snap.state == "done" and snap.history["step"] == list(range(1, n + 1))
    assert all(math.isfinite(v) for v in snap.history["loss"])
    assert tr.host_syncs - syncs <= math.ceil((n - 1) / FETCH_EVERY) + 1  # + the last step's own fetch


def test_batched_steps_make_no_synchronising_call_between_fetches():
    """torch's sync debug mode warns at every synchronising CUDA call: 2 fetches' worth over 2 batches."""
    from rnnplay.trainer import FETCH_EVERY

    tr = Trainer(make_config(**{**LARGE, "seq_len": 64}, steps=100, device="cuda"))
    tr.fetch_every_s = math.inf
    for _ in range(3):  # warm-up: cuDNN plans, the pinned-memory pool
        tr.step()
    torch.cuda.synchronize()
    syncs, got = synchronising_calls(lambda: [s for _ in range(2 * FETCH_EVERY) for s in tr.advance()])
    assert len(got) == 2 * FETCH_EVERY
    assert len(syncs) <= 2 * 2, syncs  # each fetch: the copy (and its wait)


def synchronising_calls(fn):
    """(where each synchronising CUDA call was made, fn()): torch's sync debug mode warns at every call
    that makes the host wait for the GPU (an .item(), a copy from pageable memory or to the host, a
    nonzero or a boolean mask), attributed to the Python line that made it."""
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    where = [f"{w.filename}:{w.lineno}" for w in caught if "synchroniz" in str(w.message).lower()]
    return where, result


@pytest.mark.parametrize("impl", ["torch", "scratch"])
@pytest.mark.parametrize("task", list(TASK_CLASSES))
def test_no_synchronising_call_between_two_fetches_for_any_task(task, impl):
    """The steps between two fetches of the history make no call that waits for the GPU (packed lengths
    known on the host from the data, masks and metrics kept on the device); the fetch makes the one copy."""
    tr = Trainer(make_config(task, impl=impl, device="cuda"))
    assert tr.fetch_every > 1
    tr.fetch_every_s = math.inf  # fetch by steps alone
    for _ in range(3):  # warm-up, each step fetched: cuDNN plans, the pinned-memory pool, lazy state
        tr.step()
    torch.cuda.synchronize()
    syncs, got = synchronising_calls(lambda: [tr.advance() for _ in range(tr.fetch_every - 1)])
    assert got == [[]] * (tr.fetch_every - 1)  # nothing fetched yet
    assert syncs == [], f"{len(syncs)} synchronising calls between two fetches: {syncs}"
    at_fetch, stats = synchronising_calls(tr.advance)
    assert [s.step for s in stats] == list(range(4, 4 + tr.fetch_every))
    assert all(math.isfinite(s.loss) for s in stats)
    assert len(at_fetch) <= 2, at_fetch  # the copy of the batch's statistics (and its wait)


def test_auto_times_each_shape_once_and_takes_the_faster_device():
    """device=auto on a GPU machine: a few timed steps on the GPU and the CPU, once per shape (another seed or
    learning rate reuses them), and the device whose rate is higher by the rule, with its reason in numbers."""
    from rnnplay import devices

    a = Trainer(make_config("majority", seed=1))
    b = Trainer(make_config("majority", seed=2, lr=0.01))
    choice = a.device_choice
    assert b.device_choice is choice and set(choice.rates) == {"cpu", "cuda"} and choice.estimated == ()
    assert devices.choose(choice.rates) == choice and a.device.type == choice.device
    assert "steps/s, measured" in str(choice.reason)
    large = Trainer(make_config(**LARGE)).device_choice  # a CPU step of seconds is estimated, not timed
    assert large.device == "cuda" and large.estimated == ("cpu",)
