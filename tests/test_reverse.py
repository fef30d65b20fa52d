"""reverse: the seq2seq data, its view and try-it, and (slow) the CLI reaching its target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from rnnplay import probes
from rnnplay.config import make_config
from rnnplay.tasks import make_task
from rnnplay.tasks.base import IGNORE
from rnnplay.tasks.reverse import DIGIT0, EOS
from rnnplay.trainer import Trainer


def test_targets_are_the_reversed_source_then_eos_and_padding_is_ignored():
    task = make_task(make_config("reverse", seq_len=6))
    b = task.sample(200, torch.Generator().manual_seed(0))
    assert b.x.dtype == torch.long and b.lengths.min() >= 1 and b.lengths.max() <= 6
    assert set(b.lengths.tolist()) == set(range(1, 7))  # every length occurs
    for x, y, L in zip(b.x, b.y, b.lengths.tolist(), strict=True):
        assert y[:L].tolist() == x[:L].flip(0).tolist()
        assert y[L] == EOS and (y[L + 1 :] == IGNORE).all() and (x[L:] == 0).all()
        assert ((x[:L] >= DIGIT0) & (x[:L] < DIGIT0 + 10)).all()


def test_validation_differs_from_training_stream():
    task = make_task(make_config("reverse"))
    val = task.val_batch()
    train = task.sample(256, torch.Generator().manual_seed(0))
    assert not torch.equal(val.x[:, :4], train.x[:, :4])


def test_view_and_try_it_after_a_few_steps():
    tr = Trainer(make_config("reverse", steps=5))
    for _ in range(3):
        tr.step()
    view = tr.task_view()
    assert view["kind"] == "tokens" and len(view["rows"]) == 12
    out = tr.task.try_it(tr.model, tr.device, "1234")
    assert out["rows"][0]["tokens"] == ["1", "2", "3", "4"]
    assert out["rows"][1]["tokens"] == ["4", "3", "2", "1", "<EOS>"]
    assert len(out["rows"][2]["correct"]) == 5


@pytest.mark.parametrize("bad", ["", "12a", "123456789", "１２"])
def test_try_it_refuses_bad_input_with_a_message(bad):
    task = make_task(make_config("reverse"))
    with pytest.raises(ValueError, match="1 to 8 digits"):
        task.encode(bad)


def test_probe_sees_gradient_reach_into_the_encoder():
    tr = Trainer(make_config("reverse", bidirectional=True))
    gtt = tr.grad_through_time()
    assert len(gtt) == tr.probe_batch.x.shape[1] and all(g > 0 for g in gtt)
    p = tr.probe()
    assert p["hidden"]["hidden"].shape[0] == int(tr.probe_batch.lengths[0])


@pytest.mark.parametrize("impl", ["torch", "scratch"])
def test_probe_differentiates_the_decoder_in_training_mode_with_dropout_off(impl):
    """cuDNN differentiates an RNN only in training mode, and the probe's backward runs through the decoder
    (a fused core): the probe runs it in training mode with dropout at 0, so that it reads the model as
    evaluation does (the same numbers as a model without dropout, every time), and leaves mode and rates."""
    small = {"impl": impl, "num_layers": 2, "hidden_size": 16, "seq_len": 5}
    tr = Trainer(make_config("reverse", dropout=0.5, **small))
    model = tr.model.double()  # a float64 model is differentiated itself, not through a copy
    seen = []
    hook = model.decoder.register_forward_pre_hook(lambda m, args: seen.append((m.training, m.dropout)))
    model.eval()
    try:
        first, again = (probes.grad_through_time(model, tr.task, tr.probe_batch) for _ in range(2))
    finally:
        hook.remove()
    assert seen and set(seen) == {(True, 0.0)}
    assert not model.training and model.decoder.dropout == model.core.dropout == 0.5
    no_dropout = Trainer(make_config("reverse", dropout=0.0, **small)).model.double()
    assert torch.equal(first, again)
    assert torch.equal(first, probes.grad_through_time(no_dropout, tr.task, tr.probe_batch))


@pytest.mark.slow
def test_cli_reverse_reaches_whole_sequence_accuracy_09():
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "rnnplay", "train", "--task", "reverse", "--json", "--quiet"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"reverse: val sequence accuracy {r['val_metric']:.3f} in {time.perf_counter() - t0:.1f} s")
    assert r["val_metric"] >= 0.9
