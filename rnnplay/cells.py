"""The recurrent cells written out, as the course does, with torch's names, shapes and gate order.

Each cell function takes one time step: x (B, I), the state, and the weights of one layer and
direction, named and shaped exactly as in torch.nn.RNN/LSTM/GRU (weight_ih (G*H, I), weight_hh
(G*H, H), bias_ih (G*H,), bias_hh (G*H,), G = 1, 4, 3 gates). So `ScratchRNN.load_state_dict(
nn_lstm.state_dict())` copies a fused model into the written-out one with one line, and the same
functions run the probes on a fused model's own weights (`unroll`).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
GATE_NAMES = {"rnn": (), "lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new")}


def rnn_cell(x: Tensor, h: Tensor, w_ih, w_hh, b_ih, b_hh, nonlinearity: str = "tanh") -> Tensor:
    """h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu as torch.nn.RNNCell, or linear (no
    activation: h' is the pre-activation itself, which torch.nn.RNNCell does not offer)"""
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, H)
    if nonlinearity == "linear":
        return pre
    return torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)


def lstm_cell(x: Tensor, h: Tensor, c: Tensor, w_ih, w_hh, b_ih, b_hh):
    """c' = f*c + i*g,  h' = o*tanh(c');  gates i, f, g, o in torch.nn.LSTMCell's order.
    Returns h', c' and the gates (each (B, H)) for the activation views."""
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1)  # (B, H) each
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * torch.tanh(c), c, (i, f, g, o)


def gru_cell(x: Tensor, h: Tensor, w_ih, w_hh, b_ih, b_hh):
    """h' = (1 - z) * n + z * h,  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); as torch.nn.GRUCell.
    Note torch puts r inside the bracket with b_hn. Returns h' and the gates r, z, n."""
    r_x, z_x, n_x = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # (B, H) each
    r_h, z_h, n_h = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_x + r_h), torch.sigmoid(z_x + z_h)
    n = torch.tanh(n_x + r * n_h)
    return (1 - z) * n + z * h, (r, z, n)


class _Cell(nn.Module):
    """One cell with torch.nn.*Cell's parameters and reset_parameters (uniform ±1/sqrt(H))."""

    arch = "rnn"

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        g = GATES[self.arch] * hidden_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(g, input_size))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(g))
        self.bias_hh = nn.Parameter(torch.empty(g))
        bound = hidden_size**-0.5
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _w(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(_Cell):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh); parameters as torch.nn.RNNCell"""

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        h = x.new_zeros(x.shape[0], self.hidden_size) if h is None else h
        return rnn_cell(x, h, *self._w(), self.nonlinearity)


class LSTMCell(_Cell):
    """c' = f*c + i*g, h' = o*tanh(c'); parameters and gate order (i, f, g, o) as torch.nn.LSTMCell"""

    arch = "lstm"

    def forward(self, x: Tensor, hc: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hc is None:
            z = x.new_zeros(x.shape[0], self.hidden_size)
            hc = (z, z)
        h, c, _ = lstm_cell(x, *hc, *self._w())
        return h, c


class GRUCell(_Cell):
    """h' = (1 - z) * n + z * h; parameters and gate order (r, z, n) as torch.nn.GRUCell"""

    arch = "gru"

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        h = x.new_zeros(x.shape[0], self.hidden_size) if h is None else h
        return gru_cell(x, h, *self._w())[0]


class Unrolled(NamedTuple):
    """What one pass through the layers returns.
    out: (B, T, D*H) last layer's hidden states (zero past each sequence's length, as
    pad_packed_sequence gives them); hiddens[t]: the D tensors (B, H) of step t, one per direction,
    the *same* tensors the recurrence reads, so ∂L/∂hiddens[t][d] is the total derivative through all
    later steps (a concatenation of them would only get the direct path); gates: name -> (B, T, D*H)
    for the last layer (LSTM: + 'cell state'); final: (h_n,) or (h_n, c_n), each (L*D, B, H) like
    torch's; rev_index: with lengths, the backward direction reads each sequence reversed within its
    own length, so its hiddens[s] belongs to time rev_index[b, s] of sample b (None: to T-1-s)."""

    out: Tensor
    hiddens: list[tuple[Tensor, ...]]
    gates: dict[str, Tensor]
    final: tuple[Tensor, ...] = ()
    rev_index: Tensor | None = None


def host_to(t: Tensor, device) -> Tensor:
    """A host tensor (packed lengths, an index) on `device` without making the host wait for a GPU: a copy
    to CUDA from pageable memory synchronises, one from pinned memory (non_blocking) does not."""
    if torch.device(device).type == "cuda" and t.device.type == "cpu":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def reverse_index(lengths: Tensor, T: int, device) -> Tensor:
    """(B, T) time indices that reverse each sequence within its length and leave the padding in place:
    the backward direction of a packed sequence starts at the sequence's last real step."""
    t = torch.arange(T, device=device)
    L = host_to(lengths, device)[:, None]
    return torch.where(t < L, L - 1 - t, t)


def _take(x: Tensor, index: Tensor) -> Tensor:
    """x (B, T, F) gathered along time by index (B, T)."""
    return torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))


def unroll(
    params: dict[str, Tensor],
    x: Tensor,
    arch: str,
    num_layers: int,
    bidirectional: bool,
    nonlinearity: str = "tanh",
    dropout: float = 0.0,
    training: bool = False,
    keep_gates: bool = False,
    lengths: Tensor | None = None,
    state=None,
) -> Unrolled:
    """Run a stack of cells over x (B, T, I) with torch.nn.RNN-style parameter names
    (weight_ih_l{k}[_reverse], ...). Inter-layer dropout as torch applies it (not after the last).
    lengths (B,): sequences padded at the end, handled as torch's packed sequences are; state: the
    initial h_0 (or (h_0, c_0) for an LSTM), each (L*D, B, H), zeros when None."""
    B, T, _ = x.shape
    D = 2 if bidirectional else 1
    if lengths is not None:
        L = host_to(lengths, x.device)
        rev = reverse_index(L, T, x.device)
        valid = (torch.arange(T, device=x.device)[None, :] < L[:, None])[:, :, None]  # (B,T,1)
        last = (L - 1).clamp(min=0)
    else:
        rev = None
    if state is not None and not isinstance(state, tuple):
        state = (state,)
    finals_h, finals_c = [], []
    layer_in = x
    for k in range(num_layers):
        top = k == num_layers - 1
        dir_outs, dir_gates = [], []
        for d, suffix in enumerate(("", "_reverse")[:D]):
            w = [params[f"{n}_l{k}{suffix}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            H = w[1].shape[1]
            h = state[0][k * D + d] if state is not None else x.new_zeros(B, H)
            c = state[1][k * D + d] if state is not None and arch == "lstm" else x.new_zeros(B, H)
            seq = layer_in
            if suffix and rev is not None:  # reversed within each length; read in loop order
                seq, order = _take(layer_in, rev), range(T)
            else:
                order = range(T - 1, -1, -1) if suffix else range(T)
            hs, gs, cs = [None] * T, [None] * T, [None] * T
            for t in order:
                xt = seq[:, t]  # (B, I)
                if arch == "rnn":
                    h = rnn_cell(xt, h, *w, nonlinearity)
                    g = ()
                elif arch == "lstm":
                    h, c, g = lstm_cell(xt, h, c, *w)
                    g = (*g, c) if keep_gates else g
                else:
                    h, g = gru_cell(xt, h, *w)
                hs[t], gs[t], cs[t] = h, g, c
            dir_outs.append(hs)
            dir_gates.append(gs)
            if rev is not None:  # the state after each sequence's own last step
                rows = torch.arange(B, device=x.device)
                finals_h.append(torch.stack(hs, 1)[rows, last])
                finals_c.append(torch.stack(cs, 1)[rows, last])
            else:
                finals_h.append(h)
                finals_c.append(c)
        hiddens = [tuple(d[t] for d in dir_outs) for t in range(T)]
        per_dir = [torch.stack(d, dim=1) for d in dir_outs]  # (B, T, H) each, in loop order
        if rev is not None and D == 2:
            per_dir[1] = _take(per_dir[1], rev)  # back to time order
        layer_out = torch.cat(per_dir, dim=2)  # (B, T, D*H)
        if rev is not None:
            layer_out = layer_out * valid
        if top:
            gates = {}
            names = GATE_NAMES[arch] + (("cell state",) if arch == "lstm" else ())
            if keep_gates:
                for j, name in enumerate(names):
                    g = [torch.stack([d[t][j] for t in range(T)], dim=1) for d in dir_gates]
                    if rev is not None and D == 2:
                        g[1] = _take(g[1], rev)
                    gates[name] = torch.cat(g, dim=2).detach()
            final = (torch.stack(finals_h),) + ((torch.stack(finals_c),) if arch == "lstm" else ())
            return Unrolled(layer_out, hiddens, gates, final, rev)
        if dropout > 0 and training:
            layer_out = nn.functional.dropout(layer_out, dropout, training=True)
        layer_in = layer_out
    raise AssertionError("num_layers must be >= 1")


# --- The fast path: backpropagation through time written out ---------------------------------------
#
# unroll() above lets autograd record every small op of every step: ~15 ops per LSTM step forward and
# as many nodes backward, each costing a few µs of Python and autograd bookkeeping on tensors of only
# B*H numbers. That overhead, not the arithmetic, made impl=scratch 1.1-4.6x slower than nn.RNN/LSTM/GRU
# on one CPU thread (nn.LSTM runs oneDNN's fused mkldnn_rnn_layer on the CPU; nn.RNN/GRU a C++ loop of
# the same ops). ScratchRNN.forward (training) therefore takes this path, measured by
# `python -m rnnplay.bench_cells` (docs/benchmarks.md, "Scratch cells against the fused torch path"):
#   1. the input side x W_ih^T + b of all T steps is one matrix product before the loop (autograd
#      handles it: one node instead of T), so the loop only adds h W_hh^T (torch.addmm: product + sum
#      in one op);
#   2. the loop itself runs without autograd inside a torch.autograd.Function, writing each step into
#      preallocated (T, B, .) buffers (out=, no list to stack afterwards), and saves the gates;
#   3. its backward is BPTT written out: everything that does not depend on the incoming gradient
#      (σ' = s(1-s), tanh' = 1-g², ...) is computed for all steps at once before the backward loop, so the
#      loop is only the recurrence dh_{t-1} = dpre_t W_hh (+ the direct paths), 2-6 ops a step; the weight
#      gradient is one product over all steps afterwards: dW_hh = Σ_t dpre_tᵀ h_{t-1}.
# The cell functions above stay the definition; tests/test_cells.py checks that this path gives
# torch's outputs and gradients to float64 precision. Measured and not kept (H=32, T=100, 2 shared
# cores): torch.compile of one LSTM step took 64 s to compile and then ran slower than eager (~100 vs
# 66 µs a step: its call overhead exceeds the ops it fuses); torch.jit.script of the forward loop saved
# ~25% at H=32 and nothing at H=128, and warns that it is deprecated in torch 2.13.
# unroll() remains the path of the probes, which need every h_t as a tensor of the graph (∂L/∂h_t).


def linear_layer(xw: Tensor, h0: Tensor, w_hh: Tensor) -> Tensor:
    """One direction of a linear RNN layer: h_t = xw_t + h_{t-1} W_hhᵀ, no activation; xw (T, B, H) as
    for RNNLayer. Autograd carries it back (there is no activation's slope to save), and the exported
    script's LinearRNN runs these very operations, so the two train alike. Returns hs (T, B, H)."""
    w_hh_t, h, hs = w_hh.T, h0, []
    for xw_t in xw.unbind(0):
        h = torch.addmm(xw_t, h, w_hh_t)
        hs.append(h)
    return torch.stack(hs)


class RNNLayer(torch.autograd.Function):
    """One direction of a vanilla-RNN layer over a whole sequence: h_t = act(xw_t + h_{t-1} W_hhᵀ),
    xw (T, B, H) = x W_ihᵀ + b_ih + b_hh already computed for every step. Returns hs (T, B, H)."""

    @staticmethod
    def forward(ctx, xw: Tensor, h0: Tensor, w_hh: Tensor, relu: bool) -> Tensor:
        hs = xw.new_empty(xw.shape)
        # .unbind(0) makes the T per-step views in one call (indexing xw[t] in the loop costs ~1 µs each);
        # a contiguous W_hhᵀ makes MKL's small addmm ~20% faster than the transposed view (measured, H=32)
        xw_, hs_, w_hh_t = xw.unbind(0), hs.unbind(0), w_hh.T.contiguous()
        h = h0
        for t in range(xw.shape[0]):
            h = torch.addmm(xw_[t], h, w_hh_t, out=hs_[t])  # pre-activation, in the place of h_t
            h = h.relu_() if relu else h.tanh_()
        ctx.relu = relu
        ctx.save_for_backward(h0, w_hh, hs)
        return hs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dhs: Tensor):
        h0, w_hh, hs = ctx.saved_tensors
        act_grad = (hs > 0).to(hs.dtype) if ctx.relu else 1 - hs * hs  # act'(pre_t), all steps at once
        dpre = torch.empty_like(hs)  # ∂L/∂pre_t
        dhs_, act_grad_, dpre_ = dhs.unbind(0), act_grad.unbind(0), dpre.unbind(0)
        dh = dhs_[-1]  # ∂L/∂h_t in total: its direct gradient + what flows back from step t+1
        for t in range(hs.shape[0] - 1, 0, -1):
            torch.mul(dh, act_grad_[t], out=dpre_[t])
            dh = torch.addmm(dhs_[t - 1], dpre_[t], w_hh)
        torch.mul(dh, act_grad_[0], out=dpre_[0])
        h_prev = torch.cat([h0[None], hs[:-1]])  # (T, B, H): the state each step read
        dw_hh = dpre.flatten(0, 1).T @ h_prev.flatten(0, 1)  # Σ_t dpre_tᵀ h_{t-1}
        return dpre, dpre_[0] @ w_hh, dw_hh, None


class LSTMLayer(torch.autograd.Function):
    """One direction of an LSTM layer: gates_t = xw_t + h_{t-1} W_hhᵀ (i, f, g, o), c_t = f c_{t-1} + i g,
    h_t = o tanh(c_t); xw (T, B, 4H) = x W_ihᵀ + b_ih + b_hh. Returns hs and cs, each (T, B, H).

    Speed trick: tanh(p) = 2σ(2p) − 1. torch.tanh costs ~10 µs on B*H = 1024 float32 numbers on this
    CPU, torch.sigmoid ~1.5 µs (torch 2.13, one thread, measured), and σ of all four blocks is one op
    anyway. So xw and w_hh come in with g's rows doubled (`_direction` scales the weights, autograd
    carries the factor back to them), and the loop never forms g: with s = σ(2p), c_t = f c + i g =
    f c + 2 i s − i (at H = 32 the forward loop takes ~40% less time than with torch.tanh for g: 30%
    from the sigmoid, 20% of the rest from one op fewer). Gradients here are w.r.t. the doubled g row."""

    @staticmethod
    def forward(ctx, xw: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor):
        T, B, H = xw.shape[0], xw.shape[1], w_hh.shape[1]
        gates, hs, cs, tanh_cs = xw.new_empty(xw.shape), *(xw.new_empty(T, B, H) for _ in range(3))
        i, f, s, o = gates.chunk(4, dim=2)  # (T, B, H) views; s = σ(2 p_g), g = 2s − 1
        # .unbind(0) makes the T per-step views in one call; indexing xw[t] in the loop costs ~1 µs each
        xw_, gates_, i_, f_, s_, o_ = (v.unbind(0) for v in (xw, gates, i, f, s, o))
        hs_, cs_, tanh_cs_, w_hh_t = hs.unbind(0), cs.unbind(0), tanh_cs.unbind(0), w_hh.T.contiguous()
        h, c = h0, c0
        for t in range(T):
            torch.addmm(xw_[t], h, w_hh_t, out=gates_[t]).sigmoid_()  # i, f, s = σ(2 p_g), o
            c = torch.mul(f_[t], c, out=cs_[t]).addcmul_(i_[t], s_[t], value=2).sub_(i_[t])  # f c + i (2s − 1)
            h = torch.mul(o_[t], torch.tanh(c, out=tanh_cs_[t]), out=hs_[t])  # h_t = o tanh(c_t)
        ctx.save_for_backward(h0, c0, w_hh, gates, hs, cs, tanh_cs)
        return hs, cs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dhs: Tensor, dcs: Tensor):
        h0, c0, w_hh, gates, hs, cs, tanh_cs = ctx.saved_tensors
        T, B, H = hs.shape
        i, f, s, o = gates.chunk(4, dim=2)
        g = 2 * s - 1  # = tanh(p_g)
        c_prev = torch.cat([c0[None], cs[:-1]])
        # what the loop multiplies the incoming gradient by, for all steps at once:
        dc_dh = o * (1 - tanh_cs * tanh_cs)  # h_t = o tanh(c_t): ∂h_t -> ∂c_t
        k_g = i * (1 - g * g) / 2  # ∂c_t -> doubled p_g: dg/d(2p_g) = (1 − g²) / 2
        k_ifg = torch.stack([g * i * (1 - i), c_prev * f * (1 - f), k_g], dim=2)  # ∂c_t -> i, f, g (B, 3, H)
        k_o = tanh_cs * o * (1 - o)  # ∂h_t -> o
        dpre = hs.new_empty(T, B, 4 * H)  # ∂L/∂(gates' pre-activations)
        dpre_ifg, dpre_o = dpre.view(T, B, 4, H)[:, :, :3], dpre[..., 3 * H :]
        dhs_, dcs_, f_, dpre_ = dhs.unbind(0), dcs.unbind(0), f.unbind(0), dpre.unbind(0)
        dc_dh_, k_ifg_, k_o_, dpre_ifg_, dpre_o_ = (v.unbind(0) for v in (dc_dh, k_ifg, k_o, dpre_ifg, dpre_o))
        dh, dc = dhs_[-1], dcs_[-1]  # totals at step t: direct gradient + what flows back from t+1
        for t in range(T - 1, -1, -1):
            dc = torch.addcmul(dc, dh, dc_dh_[t])
            torch.mul(k_ifg_[t], dc.unsqueeze(1), out=dpre_ifg_[t])
            torch.mul(k_o_[t], dh, out=dpre_o_[t])
            if t > 0:
                dc = torch.addcmul(dcs_[t - 1], dc, f_[t])  # c_{t-1} reaches c_t through f
                dh = torch.addmm(dhs_[t - 1], dpre_[t], w_hh)
        h_prev = torch.cat([h0[None], hs[:-1]])
        dw_hh = dpre.flatten(0, 1).T @ h_prev.flatten(0, 1)  # Σ_t dpre_tᵀ h_{t-1}
        return dpre, dpre_[0] @ w_hh, dc * f_[0], dw_hh


class GRULayer(torch.autograd.Function):
    """One direction of a GRU layer: (r_h, z_h, n_h) = h_{t-1} W_hhᵀ + b_hh, r = σ(xr + r_h),
    z = σ(xz + z_h), n = tanh(xn + r n_h), h_t = (1 - z) n + z h_{t-1}; xw (T, B, 3H) = x W_ihᵀ + b_ih.
    Returns hs (T, B, H)."""

    @staticmethod
    def forward(ctx, xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor):
        T, B, H = xw.shape[0], xw.shape[1], w_hh.shape[1]
        hh, rz, n, hs = xw.new_empty(xw.shape), xw.new_empty(T, B, 2 * H), xw.new_empty(T, B, H), xw.new_empty(T, B, H)
        views = (
            xw[..., : 2 * H],
            xw[..., 2 * H :],
            hh,
            hh[..., : 2 * H],
            hh[..., 2 * H :],
            rz,
            rz[..., :H],
            rz[..., H:],
        )
        xrz_, xn_, hh_, hrz_, hn_, rz_, r_, z_ = (v.unbind(0) for v in views)
        n_, hs_, w_hh_t = n.unbind(0), hs.unbind(0), w_hh.T.contiguous()
        h = h0
        for t in range(T):
            torch.addmm(b_hh, h, w_hh_t, out=hh_[t])  # r_h, z_h, n_h
            torch.add(xrz_[t], hrz_[t], out=rz_[t]).sigmoid_()  # r, z
            nt = torch.addcmul(xn_[t], r_[t], hn_[t], out=n_[t]).tanh_()  # n = tanh(xn + r n_h)
            h = torch.lerp(nt, h, z_[t], out=hs_[t])  # n + z (h - n) = (1 - z) n + z h
        ctx.save_for_backward(h0, w_hh, hh, rz, n, hs)
        return hs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dhs: Tensor):
        h0, w_hh, hh, rz, n, hs = ctx.saved_tensors
        T, B, H = hs.shape
        r, z, n_h = rz[..., :H], rz[..., H:], hh[..., 2 * H :]
        h_prev = torch.cat([h0[None], hs[:-1]])
        k_n = (1 - z) * (1 - n * n)  # ∂h_t -> pre-activation of n
        k_z = (h_prev - n) * z * (1 - z)  # ∂h_t -> pre-activation of z
        k_r = n_h * r * (1 - r)  # ∂pre_n -> pre-activation of r
        # per step [dpre_r, dpre_z, dpre_n · r, dpre_n]: the first three are ∂L/∂(h W_hhᵀ + b_hh)
        d = hs.new_empty(T, B, 4 * H)
        views = (d[..., :H], d[..., H : 2 * H], d[..., 2 * H : 3 * H], d[..., 3 * H :], d[..., : 3 * H])
        d_r_, d_z_, d_hn_, d_n_, d_hh_ = (v.unbind(0) for v in views)
        dhs_, k_n_, k_z_, k_r_, r_, z_ = (v.unbind(0) for v in (dhs, k_n, k_z, k_r, r, z))
        dh = dhs_[-1]
        for t in range(T - 1, -1, -1):
            dn = torch.mul(dh, k_n_[t], out=d_n_[t])
            torch.mul(dh, k_z_[t], out=d_z_[t])
            torch.mul(dn, k_r_[t], out=d_r_[t])
            torch.mul(dn, r_[t], out=d_hn_[t])
            dh_prev = torch.addcmul(dhs_[t - 1], dh, z_[t]) if t > 0 else dh * z_[0]  # through z h_{t-1}
            dh = dh_prev.addmm_(d_hh_[t], w_hh)
        d_hh = d[..., : 3 * H]
        dw_hh = d_hh.flatten(0, 1).T @ h_prev.flatten(0, 1)
        dxw = torch.cat([d[..., : 2 * H], d[..., 3 * H :]], dim=2)
        return dxw, dh, dw_hh, d_hh.sum((0, 1))


def _direction(arch: str, nonlinearity: str, seq: Tensor, w, h0: Tensor, c0: Tensor):
    """One layer, one direction, over seq (B, T, I) in the order it is given: hs and cs (T, B, H)."""
    w_ih, w_hh, b_ih, b_hh = w
    H = w_hh.shape[1]
    # (T, B, I) time-major, so each step's slice is contiguous; copied, because linear() on the transposed
    # view takes ~2x as long (108 vs 57 µs at T=10, B=32, I=16: measured)
    xt = seq.transpose(0, 1).contiguous()
    if arch == "gru":  # b_hh stays in the loop: r multiplies n's hidden part with its bias
        return GRULayer.apply(nn.functional.linear(xt, w_ih, b_ih), h0, w_hh, b_hh), None
    if arch == "lstm":  # g's rows doubled: LSTMLayer computes tanh(p) as 2σ(2p) − 1, see there
        two = w_hh.new_ones(w_hh.shape[0], 1)
        two[2 * H : 3 * H] = 2
        xw = nn.functional.linear(xt, w_ih * two, (b_ih + b_hh) * two[:, 0])
        return LSTMLayer.apply(xw, h0, c0, w_hh * two)
    xw = nn.functional.linear(xt, w_ih, b_ih + b_hh)  # every step's input side in one product
    if nonlinearity == "linear":
        return linear_layer(xw, h0, w_hh), None
    return RNNLayer.apply(xw, h0, w_hh, nonlinearity == "relu"), None


def forward_fast(
    params: dict[str, Tensor],
    x: Tensor,
    arch: str,
    num_layers: int,
    bidirectional: bool,
    nonlinearity: str = "tanh",
    dropout: float = 0.0,
    training: bool = False,
    lengths: Tensor | None = None,
    state=None,
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """What unroll() computes, as (out (B, T, D*H), final), through the layer Functions above: same
    arguments, same lengths/state/dropout handling, no per-step hiddens or gates."""
    B, T, _ = x.shape
    D = 2 if bidirectional else 1
    if lengths is not None:
        L = host_to(lengths, x.device)
        rev = reverse_index(L, T, x.device)
        valid = (torch.arange(T, device=x.device)[None, :] < L[:, None])[:, :, None]
        last = (L - 1).clamp(min=0)
        rows = torch.arange(B, device=x.device)
    if state is not None and not isinstance(state, tuple):
        state = (state,)
    finals_h, finals_c = [], []
    layer_in = x
    for k in range(num_layers):
        per_dir = []
        for d, suffix in enumerate(("", "_reverse")[:D]):
            w = [params[f"{n}_l{k}{suffix}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            H = w[1].shape[1]
            h0 = state[0][k * D + d] if state is not None else x.new_zeros(B, H)
            c0 = state[1][k * D + d] if state is not None and arch == "lstm" else x.new_zeros(B, H)
            if not suffix:
                seq = layer_in
            else:  # read backwards (within each length when given)
                seq = _take(layer_in, rev) if lengths is not None else layer_in.flip(1)
            hs, cs = _direction(arch, nonlinearity, seq, w, h0, c0)  # (T, B, H) in reading order
            if lengths is not None:  # the state after each sequence's own last step
                finals_h.append(hs[last, rows])
                finals_c.append(cs[last, rows] if cs is not None else c0)
            else:
                finals_h.append(hs[-1])
                finals_c.append(cs[-1] if cs is not None else c0)
            out = hs.transpose(0, 1)  # (B, T, H)
            if suffix:  # back to time order
                out = _take(out, rev) if lengths is not None else out.flip(1)
            per_dir.append(out)
        layer_out = torch.cat(per_dir, dim=2) if D == 2 else per_dir[0]
        if lengths is not None:
            layer_out = layer_out * valid
        if k < num_layers - 1 and dropout > 0 and training:
            layer_out = nn.functional.dropout(layer_out, dropout, training=True)
        layer_in = layer_out
    final = (torch.stack(finals_h),) + ((torch.stack(finals_c),) if arch == "lstm" else ())
    return layer_in, final


class ScratchRNN(nn.Module):
    """A drop-in for nn.RNN / nn.LSTM / nn.GRU (batch_first=True) built from the cells above.
    Same parameter names and shapes, so state dicts move between the two unchanged."""

    def __init__(
        self,
        arch: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
        dropout: float = 0.0,
    ):
        super().__init__()
        self.arch, self.num_layers, self.bidirectional = arch, num_layers, bidirectional
        self.nonlinearity, self.dropout, self.hidden_size = nonlinearity, dropout, hidden_size
        G, D, bound = GATES[arch], 2 if bidirectional else 1, hidden_size**-0.5
        for k in range(num_layers):
            fan_in = input_size if k == 0 else D * hidden_size
            for suffix in ("", "_reverse")[:D]:
                for name, shape in (
                    ("weight_ih", (G * hidden_size, fan_in)),
                    ("weight_hh", (G * hidden_size, hidden_size)),
                    ("bias_ih", (G * hidden_size,)),
                    ("bias_hh", (G * hidden_size,)),
                ):
                    p = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
                    self.register_parameter(f"{name}_l{k}{suffix}", p)

    def forward(self, x: Tensor, state=None, lengths: Tensor | None = None):
        """x (B, T, I) -> (out (B, T, D*H), h_n or (h_n, c_n)), like nn.RNN(batch_first=True); lengths
        stands in for a packed sequence (out is zero past each length, h_n at each sequence's end)."""
        out, final = forward_fast(
            dict(self.named_parameters()),
            x,
            self.arch,
            self.num_layers,
            self.bidirectional,
            self.nonlinearity,
            self.dropout,
            self.training,
            lengths=lengths,
            state=state,
        )
        return out, (final if self.arch == "lstm" else final[0])
