"""The CUDA-graph step (rnnplay/graphs.py): off the GPU it is never used; on CUDA a captured step trains as the
uncaptured one does, with the same history and probes, and is captured anew when the host's decisions change.
The CUDA tests are skipped on machines without a CUDA GPU."""

from __future__ import annotations

import math

import pytest
import torch

from rnnplay.config import make_config
from rnnplay.trainer import Trainer

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_the_setting_is_ignored_off_cuda(monkeypatch):
    monkeypatch.setenv("RNNPLAY_CUDA_GRAPH", "1")
    assert Trainer(make_config("majority", device="cpu")).graph is None
    assert Trainer(make_config("majority", device="cpu"), cuda_graph=True, fetch_every=8).graph is None


def run(tr: Trainer, steps: int) -> list:
    out = [s for _ in range(steps) for s in tr.advance()]
    return out + tr.flush()


@cuda
@pytest.mark.parametrize(
    "task,kw",
    [("adding", {"arch": "lstm"}), ("majority", {"clip_mode": "value", "clip": 0.5}), ("sine", {"optimizer": "sgd"})],
)
def test_a_captured_step_trains_as_the_uncaptured_one(task, kw):
    n = 70  # the warm-up, a capture, two fetches' worth of replays
    eager = Trainer(make_config(task, device="cuda", **kw), cuda_graph=False)
    graphed = Trainer(make_config(task, device="cuda", **kw), cuda_graph=True)
    a, b = run(eager, n), run(graphed, n)
    g = graphed.graph
    assert g.off is None and g.captures == 1 and g.replays == n - 3
    assert [s.step for s in b] == list(range(1, n + 1))
    for x, y in zip(a, b, strict=True):
        assert math.isclose(x.loss, y.loss, rel_tol=1e-4, abs_tol=1e-6), (x, y)
        assert math.isclose(x.grad_norm_clipped, y.grad_norm_clipped, rel_tol=1e-3, abs_tol=1e-6)
    p = graphed.probe()  # the probes read the weights the graph updates in place
    q = eager.probe()
    torch.testing.assert_close(
        torch.tensor(p["grad_through_time"]), torch.tensor(q["grad_through_time"]), rtol=1e-3, atol=0
    )
    assert set(p["param_norms"]) == set(q["param_norms"])


@cuda
def test_a_new_learning_rate_or_clipping_is_captured_anew():
    tr = Trainer(make_config("adding", device="cuda"), cuda_graph=True)
    run(tr, 10)
    assert tr.graph.captures == 1
    tr.set_lr(tr.lr / 2)
    run(tr, 3)
    tr.set_clip("norm", 0.1)
    stats = run(tr, 3)
    assert tr.graph.captures == 3 and all(s.grad_norm_clipped <= 0.1 + 1e-5 for s in stats)


@cuda
@pytest.mark.parametrize("task,kw", [("sentiment", {}), ("reverse", {}), ("charlm", {"carry_state": True})])
def test_steps_a_graph_cannot_take_run_uncaptured(task, kw):
    tr = Trainer(make_config(task, device="cuda", **kw), cuda_graph=True)
    stats = run(tr, 10)
    assert tr.graph.off and tr.graph.replays == 0
    assert [s.step for s in stats] == list(range(1, 11)) and all(math.isfinite(s.loss) for s in stats)
