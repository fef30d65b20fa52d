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
    """h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu; as torch.nn.RNNCell"""
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, H)
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


def reverse_index(lengths: Tensor, T: int, device) -> Tensor:
    """(B, T) time indices that reverse each sequence within its length and leave the padding in place:
    the backward direction of a packed sequence starts at the sequence's last real step."""
    t = torch.arange(T, device=device)
    L = lengths.to(device)[:, None]
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
        rev = reverse_index(lengths, T, x.device)
        valid = (torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None])[:, :, None]  # (B,T,1)
        last = (lengths.to(x.device) - 1).clamp(min=0)
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
        u = unroll(
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
        return u.out, (u.final if self.arch == "lstm" else u.final[0])
