"""rnnplay.cells against torch in float64: the written-out RNN/LSTM/GRU cells against
torch.nn.RNNCell/LSTMCell/GRUCell, and ScratchRNN against nn.RNN/LSTM/GRU (batch_first=True) over
arch x num_layers x bidirectional x nonlinearity — forward outputs and the gradients w.r.t. the
inputs, the initial states and every weight. Weights are copied with one load_state_dict."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from rnnplay.cells import GATES, GRUCell, GRULayer, LSTMCell, LSTMLayer, RNNCell, RNNLayer, ScratchRNN, unroll

B, I, H, T = 3, 4, 5, 6

TORCH_CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
SCRATCH_CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}
TORCH_CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _cell_pair(arch: str, nonlinearity: str = "tanh"):
    kw = {"nonlinearity": nonlinearity} if arch == "rnn" else {}
    torch.manual_seed(0)
    ref = TORCH_CELLS[arch](I, H, **kw).double()
    cell = SCRATCH_CELLS[arch](I, H, **kw).double()
    cell.load_state_dict(ref.state_dict())
    return ref, cell


def _run_cell_two_steps(cell: nn.Module, arch: str, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
    """Two steps from (h0[, c0]); returns the outputs, then grads of x1, x2, h0[, c0] and every weight."""
    x1, x2, h0, c0 = (t.clone().requires_grad_() for t in inputs)
    if arch == "lstm":
        h1, c1 = cell(x1, (h0, c0))
        h2, c2 = cell(x2, (h1, c1))
        outs, leaves = [h1, c1, h2, c2], [x1, x2, h0, c0]
        loss = (h2 * torch.linspace(-1, 1, H, dtype=h2.dtype)).sum() + (c2**2).sum()
    else:
        h1 = cell(x1, h0)
        h2 = cell(x2, h1)
        outs, leaves = [h1, h2], [x1, x2, h0]
        loss = (h2 * torch.linspace(-1, 1, H, dtype=h2.dtype)).sum() + (h1**2).sum()
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    weights = [getattr(cell, n) for n in names]
    grads = torch.autograd.grad(loss, leaves + weights)
    return [o.detach() for o in outs] + list(grads)


@pytest.mark.parametrize("arch,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")])
def test_scratch_cell_matches_torch_cell_outputs_and_all_gradients_float64(arch, nonlinearity):
    ref, cell = _cell_pair(arch, nonlinearity)
    g = torch.Generator().manual_seed(1)
    inputs = [torch.randn(B, I, generator=g, dtype=torch.float64) for _ in range(2)]
    inputs += [torch.randn(B, H, generator=g, dtype=torch.float64) * 0.5 for _ in range(2)]  # h0, c0
    got = _run_cell_two_steps(cell, arch, inputs)
    want = _run_cell_two_steps(ref, arch, inputs)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_scratch_cell_keeps_torch_parameter_names_and_shapes(arch):
    ref, cell = _cell_pair(arch)
    assert {k: v.shape for k, v in cell.state_dict().items()} == {k: v.shape for k, v in ref.state_dict().items()}
    assert cell.weight_ih.shape == (GATES[arch] * H, I)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_scratch_cell_without_state_starts_from_zeros_like_torch(arch):
    ref, cell = _cell_pair(arch)
    x = torch.randn(B, I, dtype=torch.float64)
    torch.testing.assert_close(cell(x), ref(x), rtol=1e-12, atol=1e-12)


def _core_pair(arch, num_layers, bidirectional, nonlinearity):
    kw = {"num_layers": num_layers, "bidirectional": bidirectional}
    if arch == "rnn":
        kw["nonlinearity"] = nonlinearity
    torch.manual_seed(2)
    ref = TORCH_CORES[arch](I, H, batch_first=True, **kw).double()
    core = ScratchRNN(arch, I, H, **kw).double()
    core.load_state_dict(ref.state_dict())  # one line: same names and shapes
    return ref, core


def _run_core(core, x: torch.Tensor, weights: dict | None = None):
    """core(x)'s output, and the gradients of a fixed loss on it w.r.t. x and the weights (default: the
    core's own parameters)."""
    x = x.clone().requires_grad_()
    out = core(x)[0]  # (B, T, D*H)
    weights = weights if weights is not None else dict(core.named_parameters())
    loss = (out * torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)).sum() + (out[:, 0] ** 2).sum()
    grads = torch.autograd.grad(loss, [x, *weights.values()])
    return out.detach(), grads[0], dict(zip(weights, grads[1:], strict=True))


CORE_CASES = [
    (arch, layers, bidir, nl)
    for arch, layers, bidir, nl in itertools.product(("rnn", "lstm", "gru"), (1, 2), (False, True), ("tanh", "relu"))
    if arch == "rnn" or nl == "tanh"  # the nonlinearity only means something for the vanilla RNN
]


@pytest.mark.parametrize("arch,num_layers,bidirectional,nonlinearity", CORE_CASES)
def test_scratch_rnn_matches_torch_core_outputs_and_every_parameter_gradient_float64(
    arch, num_layers, bidirectional, nonlinearity
):
    ref, core = _core_pair(arch, num_layers, bidirectional, nonlinearity)
    x = torch.randn(B, T, I, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    out, gx, gw = _run_core(core, x)
    ref_out, ref_gx, ref_gw = _run_core(ref, x)
    assert out.shape == (B, T, (2 if bidirectional else 1) * H)
    torch.testing.assert_close(out, ref_out, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gx, ref_gx, rtol=1e-10, atol=1e-12)
    assert gw.keys() == ref_gw.keys()
    for name in ref_gw:
        torch.testing.assert_close(gw[name], ref_gw[name], rtol=1e-10, atol=1e-12, msg=name)


@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_linear_rnn_is_the_recurrence_without_activation_on_both_paths_float64(num_layers, bidirectional):
    """nonlinearity=linear (torch has no such nn.RNN): h_t = W_ih x_t + b_ih + W_hh h_(t-1) + b_hh, looped
    here by hand; the training path (forward_fast) and the per-step cells (unroll, what the probes read)
    both give it, and the same gradient for the input and every weight."""
    core = ScratchRNN("rnn", I, H, num_layers=num_layers, bidirectional=bidirectional, nonlinearity="linear").double()
    x = torch.randn(B, T, I, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    w = {n: p.detach() for n, p in core.named_parameters()}
    layer_in = x
    for k in range(num_layers):
        outs = []
        for sfx in ("", "_reverse")[: 2 if bidirectional else 1]:
            w_ih, w_hh, b_ih, b_hh = (w[f"{n}_l{k}{sfx}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            seq = layer_in.flip(1) if sfx else layer_in
            h, hs = x.new_zeros(B, H), []
            for t in range(T):
                h = seq[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
                hs.append(h)
            out = torch.stack(hs, 1)
            outs.append(out.flip(1) if sfx else out)
        layer_in = torch.cat(outs, 2)
    params = dict(core.named_parameters())
    out, gx, gw = _run_core(core, x)
    u_out, u_gx, u_gw = _run_core(
        lambda x: (unroll(params, x, "rnn", num_layers, bidirectional, "linear").out,), x, params
    )
    torch.testing.assert_close(out, layer_in, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(u_out, out, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(u_gx, gx, rtol=1e-10, atol=1e-12)
    for name in gw:
        torch.testing.assert_close(u_gw[name], gw[name], rtol=1e-10, atol=1e-12, msg=name)


def test_scratch_rnn_state_dict_moves_back_into_torch_core_unchanged():
    ref, core = _core_pair("lstm", 2, True, "tanh")
    with torch.no_grad():
        for p in core.parameters():
            p.add_(0.01)
    ref.load_state_dict(core.state_dict())
    for (n1, p1), (n2, p2) in zip(ref.named_parameters(), core.named_parameters(), strict=True):
        assert n1 == n2
        torch.testing.assert_close(p1, p2, rtol=0, atol=0)


# --- the fast training path (forward_fast: the layer Functions with BPTT written out) -----------------


@pytest.mark.parametrize("arch,relu", [("rnn", False), ("rnn", True), ("lstm", False), ("gru", False)])
def test_layer_functions_pass_gradcheck_float64(arch, relu):
    """The hand-written backward of each layer Function against finite differences, every input."""
    g = torch.Generator().manual_seed(4)
    G, Tn = GATES[arch], 4

    def r(*shape):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * 0.5).requires_grad_()

    xw, h0, c0, w_hh, b_hh = r(Tn, B, G * H), r(B, H), r(B, H), r(G * H, H), r(G * H)
    if arch == "rnn":
        ok = torch.autograd.gradcheck(lambda *a: RNNLayer.apply(*a, relu), (xw, h0, w_hh))
    elif arch == "lstm":  # both outputs (hs and cs) carry a gradient
        ok = torch.autograd.gradcheck(LSTMLayer.apply, (xw, h0, c0, w_hh))
    else:
        ok = torch.autograd.gradcheck(GRULayer.apply, (xw, h0, w_hh, b_hh))
    assert ok


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_scratch_packed_with_initial_state_matches_torch_gradients_through_out_and_final_state(arch, bidirectional):
    """lengths + an initial state that needs a gradient + a loss on the output and on h_n (and c_n):
    every gradient of the fast path equals packed torch's, in float64."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    ref, core = _core_pair(arch, 2, bidirectional, "tanh")
    D = 2 if bidirectional else 1
    g = torch.Generator().manual_seed(5)
    x0 = torch.randn(4, T, I, generator=g, dtype=torch.float64)
    lengths = torch.tensor([T, 2, 5, 1])
    h0 = torch.randn(2 * D, 4, H, generator=g, dtype=torch.float64)
    c0 = torch.randn(2 * D, 4, H, generator=g, dtype=torch.float64)

    def run(model, packed: bool):
        x, h, c = (t.clone().requires_grad_() for t in (x0, h0, c0))
        state = (h, c) if arch == "lstm" else h
        if packed:
            out, fin = model(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), state)
            out = pad_packed_sequence(out, batch_first=True, total_length=T)[0]
        else:
            out, fin = model(x, state, lengths=lengths)
        fin = fin if arch == "lstm" else (fin,)
        w = torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)
        loss = (out * w).sum() + sum((f**2 * (k + 1)).sum() for k, f in enumerate(fin))
        leaves = [x, h] + ([c] if arch == "lstm" else [])
        return [out.detach(), *(f.detach() for f in fin), *torch.autograd.grad(loss, leaves + list(model.parameters()))]

    for a, b in zip(run(core, False), run(ref, True), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_fast_path_equals_unroll_with_lengths_state_and_dropout(arch):
    """ScratchRNN.forward (the fast path) and unroll (the probes' path) compute the same function,
    inter-layer dropout included (same RNG draws in the same order)."""
    _, core = _core_pair(arch, 2, True, "tanh")
    core.dropout = 0.5
    x = torch.randn(4, T, I, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    lengths = torch.tensor([T, 3, 5, 2])
    h0 = torch.randn(4, 4, H, dtype=torch.float64)
    state = (h0, torch.randn_like(h0)) if arch == "lstm" else h0
    torch.manual_seed(7)
    out, fin = core(x, state, lengths=lengths)
    torch.manual_seed(7)
    u = unroll(dict(core.named_parameters()), x, arch, 2, True, "tanh", 0.5, True, lengths=lengths, state=state)
    torch.testing.assert_close(out, u.out, rtol=1e-12, atol=1e-12)
    for a, b in zip(fin if arch == "lstm" else (fin,), u.final, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_scratch_core_runs_in_float32_under_no_grad_and_matches_torch():
    """Inference (no autograd graph, float32) through the layer Functions, as generation runs it."""
    torch.manual_seed(8)
    ref = nn.LSTM(I, H, batch_first=True)
    core = ScratchRNN("lstm", I, H)
    core.load_state_dict(ref.state_dict())
    x = torch.randn(B, T, I)
    with torch.no_grad():
        out, (h, c) = core(x)
        ref_out, (ref_h, ref_c) = ref(x)
    assert not out.requires_grad
    torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(c, ref_c, rtol=1e-5, atol=1e-6)


def test_bench_cells_case_trains_both_cores_and_reports_the_ratio():
    """python -m rnnplay.bench_cells's unit: the two models start from the same weights, and a row
    carries the rates and ratios the benchmark table imports."""
    from rnnplay import bench_cells

    scratch, fused = bench_cells.make_pair("gru", 8)
    for a, b in zip(scratch.state_dict().values(), fused.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    row = bench_cells.case("gru", 8, 5, rounds=2, steps=2)
    assert row["scratch_steps_per_s"] > 0 and row["torch_steps_per_s"] > 0
    assert row["ratio"] > 0 and row["cpu_ratio"] > 0
    assert (row["arch"], row["hidden"], row["T"], row["layers"], row["onednn"]) == ("gru", 8, 5, 1, True)
    rows = bench_cells.grid(rounds=1, steps=1, archs=("rnn",), hidden=(8,), seq_len=(3, 4))
    assert [(r["arch"], r["T"]) for r in rows] == [("rnn", 3), ("rnn", 4)]
