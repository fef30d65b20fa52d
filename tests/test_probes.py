"""rnnplay.probes: grad_through_time against an independent reference (a hand-written loop over
torch.nn.*Cell with the model's weights, differentiated by torch.autograd.grad and by central finite
differences, float64), that it is the TOTAL derivative through the recurrence and not the direct
path a fused nn.RNN output gives, that it leaves .grad buffers, the training mode and torch's RNG
alone; hidden_states shapes (hidden, gates, LSTM cell state) and values; weight_spectrum and
spectral_radius on known matrices."""

from __future__ import annotations

import copy
import itertools

import pytest
import torch
from torch import nn

from rnnplay import probes
from rnnplay.config import make_config
from rnnplay.trainer import Trainer

TORCH_CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def _toy(task: str = "majority", arch: str = "rnn", T: int = 3, bidirectional: bool = False, **kw):
    """A float64 model on a 3-step toy and its probe batch (x float64; y float64 for MSE tasks)."""
    if task == "charlm":
        kw.setdefault("text", "abc"[:T] if T <= 3 else "abcdefghij"[:T])
    else:
        kw["seq_len"] = T
    tr = Trainer(make_config(task, arch=arch, hidden_size=4, bidirectional=bidirectional, device="cpu", **kw))
    model = tr.model.double()
    batch = tr.task.fixed_batch(2, 5)  # B = 2
    batch.x = batch.x.double()
    if batch.y.is_floating_point():
        batch.y = batch.y.double()
    return tr, model, batch


def _reference(model, task, batch, delta: dict | None = None):
    """The model's function written as a Python loop over torch.nn.*Cell (single layer), so every
    h_t the recurrence reads is a tensor we hold. delta[(d, t)] is added to h_t of direction d
    before it is used (finite differences). Returns (loss, states[d][t] (B, H))."""
    core = model.core
    H = model.hidden_size
    x = batch.x
    B, T, I = x.shape
    states = []
    for d, suffix in enumerate(("", "_reverse")[: 2 if model.bidirectional else 1]):
        kw = {"nonlinearity": model.nonlinearity} if model.arch == "rnn" else {}
        cell = TORCH_CELLS[model.arch](I, H, **kw).double()
        with torch.no_grad():
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, n).copy_(getattr(core, f"{n}_l0{suffix}"))
        h = x.new_zeros(B, H)
        c = x.new_zeros(B, H)
        hs = [None] * T
        for t in range(T - 1, -1, -1) if suffix else range(T):
            if model.arch == "lstm":
                h, c = cell(x[:, t], (h, c))
            else:
                h = cell(x[:, t], h)
            if delta and (d, t) in delta:
                h = h + delta[(d, t)]
            hs[t] = h
        states.append(hs)
    out = torch.stack([torch.cat([s[t] for s in states], dim=1) for t in range(T)], dim=1)  # (B, T, D*H)
    return task.loss(model.head(model.readout(out)), batch.y), states


def _reference_total(model, task, batch) -> torch.Tensor:
    """‖∂L/∂h_t‖ (both directions side by side), mean over the batch, by autograd on the loop: (T,)."""
    loss, states = _reference(model, task, batch)
    T = len(states[0])
    flat = [h for s in states for h in s]
    grads = torch.autograd.grad(loss, flat)
    per_t = [torch.cat([grads[d * T + t] for d in range(len(states))], dim=1) for t in range(T)]
    return torch.stack([g.norm(dim=-1).mean() for g in per_t])


def _direct_path(model, task, batch) -> torch.Tensor:
    """‖∂L/∂out_t‖ through the fused nn.RNN output tensor: only the direct path from the loss."""
    with torch.enable_grad():
        out = model.core(batch.x)[0].detach().requires_grad_()  # (B, T, D*H)
        loss = task.loss(model.head(model.readout(out)), batch.y)
        (g,) = torch.autograd.grad(loss, out)
    return g.norm(dim=-1).mean(dim=0)  # (T,)


@pytest.mark.parametrize("task,arch", list(itertools.product(("majority", "charlm", "adding"), ("rnn", "lstm", "gru"))))
def test_grad_through_time_equals_autograd_through_hand_written_loop_float64(task, arch):
    tr, model, batch = _toy(task, arch)
    got = probes.grad_through_time(model, tr.task, batch)
    want = _reference_total(model, tr.task, batch)
    assert got.shape == (3,)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_grad_through_time_equals_central_finite_differences_float64(arch):
    tr, model, batch = _toy("majority", arch)
    B, T, H, eps = batch.x.shape[0], 3, model.hidden_size, 1e-6
    fd = torch.zeros(T, B, H, dtype=torch.float64)
    with torch.no_grad():
        for t, b, j in itertools.product(range(T), range(B), range(H)):
            e = torch.zeros(B, H, dtype=torch.float64)
            e[b, j] = eps
            up = _reference(model, tr.task, batch, {(0, t): e})[0]
            down = _reference(model, tr.task, batch, {(0, t): -e})[0]
            fd[t, b, j] = (up - down) / (2 * eps)
    want = fd.norm(dim=-1).mean(dim=1)  # (T,)
    got = probes.grad_through_time(model, tr.task, batch)
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-12)


def test_grad_through_time_is_total_derivative_not_direct_path_many_to_one():
    tr, model, batch = _toy("majority", "rnn")
    total = probes.grad_through_time(model, tr.task, batch)
    direct = _direct_path(model, tr.task, batch)
    # many-to-one reads only h_T: the direct path is zero before T, the total derivative is not
    assert torch.all(direct[:-1] == 0)
    assert torch.all(total[:-1] > 1e-6)
    torch.testing.assert_close(total[-1], direct[-1], rtol=1e-10, atol=0)  # at t = T the two agree


def test_grad_through_time_is_total_derivative_not_direct_path_many_to_many():
    tr, model, batch = _toy("charlm", "rnn")
    total = probes.grad_through_time(model, tr.task, batch)
    direct = _direct_path(model, tr.task, batch)
    assert torch.all(direct > 0)  # every step is scored ...
    diff = (total[:-1] - direct[:-1]).abs()
    assert torch.all(diff > 1e-6 * total[:-1]), (total, direct)  # ... but h_t also feeds h_{t+1}
    torch.testing.assert_close(total[-1], direct[-1], rtol=1e-10, atol=0)  # nothing after T


@pytest.mark.parametrize("arch", ["rnn", "gru"])
def test_grad_through_time_is_total_derivative_for_bidirectional_model(arch):
    tr, model, batch = _toy("majority", arch, T=4, bidirectional=True)
    got = probes.grad_through_time(model, tr.task, batch)
    want = _reference_total(model, tr.task, batch)
    assert torch.all(want > 1e-8)
    torch.testing.assert_close(got, want, rtol=1e-8, atol=1e-14)


def test_grad_through_time_leaves_grad_buffers_mode_and_global_rng_untouched():
    tr = Trainer(make_config("majority", hidden_size=4, seq_len=5, batch_size=4, device="cpu"))
    fresh = Trainer(make_config("majority", hidden_size=4, seq_len=5, batch_size=4, device="cpu", seed=1))
    probes.grad_through_time(fresh.model, fresh.task, fresh.probe_batch)
    assert all(p.grad is None for p in fresh.model.parameters())  # no buffers created

    tr.step()  # leaves .grad filled (zeroed only at the next step)
    before = {n: p.grad.clone() for n, p in tr.model.named_parameters()}
    rng = torch.get_rng_state()
    tr.model.train()
    g = probes.grad_through_time(tr.model, tr.task, tr.probe_batch)
    assert torch.equal(torch.get_rng_state(), rng)
    assert tr.model.training
    for n, p in tr.model.named_parameters():
        assert torch.equal(p.grad, before[n]), n
    assert g.shape == (5,) and not g.requires_grad and torch.all(torch.isfinite(g))


@pytest.mark.parametrize(
    "arch,bidirectional,num_layers", list(itertools.product(("rnn", "lstm", "gru"), (False, True), (1, 2)))
)
def test_hidden_states_shapes_and_gate_names(arch, bidirectional, num_layers):
    T, H = 5, 4
    D = 2 if bidirectional else 1
    tr = Trainer(
        make_config(
            "majority",
            arch=arch,
            hidden_size=H,
            seq_len=T,
            bidirectional=bidirectional,
            num_layers=num_layers,
            device="cpu",
        )
    )
    states = probes.hidden_states(tr.model, tr.probe_batch.x[:1])
    expected = {
        "rnn": {"hidden"},
        "lstm": {"hidden", "input", "forget", "cell", "output", "cell state"},
        "gru": {"hidden", "reset", "update", "new"},
    }[arch]
    assert set(states) == expected
    for name, s in states.items():
        assert s.shape == (T, D * H), name
    # the hidden states are the fused core's own outputs for that sample
    torch.testing.assert_close(states["hidden"], tr.model.core(tr.probe_batch.x[:1])[0][0].detach())


def test_hidden_states_lstm_cell_state_matches_fused_c_n_and_gates_lie_in_range():
    tr = Trainer(make_config("majority", arch="lstm", hidden_size=4, seq_len=6, device="cpu"))
    x = tr.probe_batch.x[:1]
    states = probes.hidden_states(tr.model, x)
    _, (h_n, c_n) = tr.model.core(x)
    torch.testing.assert_close(states["cell state"][-1], c_n[-1, 0].detach())
    torch.testing.assert_close(states["hidden"][-1], h_n[-1, 0].detach())
    for gate in ("input", "forget", "output"):
        assert torch.all((states[gate] >= 0) & (states[gate] <= 1))
    assert torch.all(states["cell"].abs() <= 1)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_spectral_radius_of_identity_init_with_gain_half_is_half(arch):
    tr = Trainer(
        make_config("majority", arch=arch, hidden_size=6, seq_len=3, init="identity", init_gain=0.5, device="cpu")
    )
    assert probes.spectral_radius(tr.model) == pytest.approx(0.5, abs=1e-6)
    spec = probes.weight_spectrum(tr.model)
    assert list(spec) == ["weight_hh_l0"]
    sv = spec["weight_hh_l0"]["singular_values"]
    assert sv.shape == ({"rnn": 1, "lstm": 4, "gru": 3}[arch] * 6,)
    torch.testing.assert_close(sv, torch.full_like(sv, 0.5))


def test_weight_spectrum_on_known_matrices_tells_radius_from_norm():
    tr = Trainer(make_config("majority", arch="rnn", hidden_size=2, seq_len=3, num_layers=2, device="cpu"))
    with torch.no_grad():
        tr.model.core.weight_hh_l0.copy_(torch.tensor([[0.0, 2.0], [0.0, 0.0]]))  # nilpotent: ρ = 0, σ = 2, 0
        tr.model.core.weight_hh_l1.copy_(torch.tensor([[0.3, 0.0], [0.0, -0.9]]))  # ρ = 0.9
    spec = probes.weight_spectrum(tr.model)
    assert spec["weight_hh_l0"]["spectral_radius"] == pytest.approx(0.0, abs=1e-6)
    torch.testing.assert_close(spec["weight_hh_l0"]["singular_values"], torch.tensor([2.0, 0.0]))
    assert spec["weight_hh_l1"]["spectral_radius"] == pytest.approx(0.9, abs=1e-6)
    assert probes.spectral_radius(tr.model) == pytest.approx(0.9, abs=1e-6)  # the largest over layers


def test_saturation_counts_pinned_tanh_units_and_dead_relu_units():
    h = torch.tensor([[0.99, -0.97, 0.5, 0.0]])
    assert probes.saturation(h) == 0.5
    assert probes.saturation(h, "relu") == pytest.approx(0.5)  # -0.97 and 0.0 pass no gradient


def _float64_copy(tr: Trainer, batch):
    """The trainer's model and a probe batch in float64, for an independent reference."""
    model = copy.deepcopy(tr.model).double()
    batch64 = copy.copy(batch)
    batch64.x = batch.x.double() if batch.x.is_floating_point() else batch.x
    batch64.y = batch.y.double() if batch.y.is_floating_point() else batch.y
    return model, batch64


@pytest.mark.parametrize("kw", [{}, {"hidden_size": 32, "lr": 0.01}], ids=["defaults", "vanishing-lesson"])
def test_grad_through_time_of_a_trained_rnn_on_adding_matches_a_float64_unroll_at_every_step(kw):
    """An RNN on adding T = 50 after 1500 steps: ‖∂L/∂h_t‖ spans tens of orders of magnitude, and the
    early steps' values are far below float32's range once squared. The probe must still agree with a
    float64 retain_grad-style unroll to 1e-6 relative at every t: no zero, no value read low."""
    tr = Trainer(make_config("adding", arch="rnn", seq_len=50, device="cpu", **kw))
    for _ in range(1500):
        tr.step()
    batch = tr.task.fixed_batch(8, 5)
    got = probes.grad_through_time(tr.model, tr.task, batch)
    model64, batch64 = _float64_copy(tr, batch)
    want = _reference_total(model64, tr.task, batch64)
    assert bool((want > 0).all())
    print(f"\n‖∂L/∂h_t‖ from {want.min():.2e} to {want.max():.2e}")
    torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0)
    assert got.dtype == torch.float64


def test_a_surging_gradient_is_probed_as_it_grows_within_a_bounded_debt():
    """The cadence probes a step whose gradient norm is 4x the last probed one, ahead of its budget, up to
    SURGE_DEBT_PROBES probes into debt; a finite norm after an infinite one does not count as a surge."""
    from rnnplay.run.probe_log import SURGE_DEBT_PROBES, ProbeCadence

    c = ProbeCadence(budget=0.06, min_interval_s=0.0)
    c.stepped(0.001)
    c.probed(0.01, grad_norm=2.0)
    assert not c.surged(7.9) and c.surged(8.0) and not c.surged(float("nan"))
    surges, norm = 0, 8.0
    while c.surged(norm):  # an explosion: every step 4x the last, each probed
        c.probed(0.01, grad_norm=norm)
        surges, norm = surges + 1, norm * 4
    debt = -c.credit / c.probe_s  # in probes
    assert surges >= SURGE_DEBT_PROBES - 2 and SURGE_DEBT_PROBES - 1 <= debt <= SURGE_DEBT_PROBES + 1e-9
    assert not c.due()  # the budgeted probes wait until the debt is repaid


def test_slow_first_probes_and_an_outlier_hold_back_no_later_probe():
    """A run's first probes come at once and min_interval_s apart and are often slow (first batches made, the
    page's first figures built beside them in a server): they are free. Later, one slow probe is charged at most
    OUTLIER times the median cost. Charged in full, a 0.5 s first probe kept a 4 % bucket in debt for
    0.5 / 0.04 = 12.5 s of steps, the charts frozen meanwhile."""
    from rnnplay.run.probe_log import FREE_PROBES, OUTLIER, ProbeCadence

    def steps_until_due(c):
        steps = 0
        while not c.due() and steps < 100_000:
            c.stepped(0.002)
            steps += 1
        return steps

    c = ProbeCadence(budget=0.04, min_interval_s=0.0)
    for cold in [0.5, 0.3, 0.2][:FREE_PROBES]:
        c.stepped(0.002)
        assert c.due()
        c.probed(cold, grad_norm=1.0)
    for _ in range(6):  # warm probes of 10 ms: one every 0.01 / (0.04 x 0.002) = 125 steps
        steps = steps_until_due(c)
        c.probed(0.01, grad_norm=1.0)
    assert steps <= 0.01 / (0.04 * 0.002) + 1
    steps_until_due(c)
    c.probed(1.0, grad_norm=1.0)  # a collection, a page run beside it: 100x the usual
    assert steps_until_due(c) <= OUTLIER * 0.01 / (0.04 * 0.002) + 1  # 375 steps, not 12 500
