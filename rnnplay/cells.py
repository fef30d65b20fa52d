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
    out: (B, T, D*H) last layer's hidden states; hiddens[t]: the D tensors (B, H) of step t, one per
    direction, the *same* tensors the recurrence reads, so ∂L/∂hiddens[t][d] is the total
    derivative through all later steps (a concatenation of them would only get the direct path);
    gates: name -> (B, T, D*H) for the last layer (LSTM: + 'cell state')."""

    out: Tensor
    hiddens: list[tuple[Tensor, ...]]
    gates: dict[str, Tensor]


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
) -> Unrolled:
    """Run a stack of cells over x (B, T, I) with torch.nn.RNN-style parameter names
    (weight_ih_l{k}[_reverse], ...). Inter-layer dropout as torch applies it (not after the last)."""
    B, T, _ = x.shape
    layer_in = x
    for k in range(num_layers):
        last = k == num_layers - 1
        dir_outs, dir_gates = [], []
        for suffix in ("", "_reverse")[: 2 if bidirectional else 1]:
            w = [params[f"{n}_l{k}{suffix}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            H = w[1].shape[1]
            h = x.new_zeros(B, H)
            c = x.new_zeros(B, H)
            order = range(T - 1, -1, -1) if suffix else range(T)
            hs, gs = [None] * T, [None] * T
            for t in order:
                xt = layer_in[:, t]  # (B, I)
                if arch == "rnn":
                    h = rnn_cell(xt, h, *w, nonlinearity)
                    g = ()
                elif arch == "lstm":
                    h, c, g = lstm_cell(xt, h, c, *w)
                    g = (*g, c) if keep_gates else g
                else:
                    h, g = gru_cell(xt, h, *w)
                hs[t] = h
                gs[t] = g
            dir_outs.append(hs)
            dir_gates.append(gs)
        # per time step, forward and backward halves side by side, as torch concatenates them
        hiddens = [tuple(d[t] for d in dir_outs) for t in range(T)]
        layer_out = torch.stack([torch.cat(h, dim=1) for h in hiddens], dim=1)  # (B, T, D*H)
        if last:
            gates = {}
            names = GATE_NAMES[arch] + (("cell state",) if arch == "lstm" else ())
            if keep_gates:
                for j, name in enumerate(names):
                    gates[name] = torch.stack(
                        [torch.cat([d[t][j] for d in dir_gates], dim=1) for t in range(T)], dim=1
                    ).detach()
            return Unrolled(layer_out, hiddens, gates)
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

    def forward(self, x: Tensor) -> tuple[Tensor, None]:
        """x (B, T, I) -> (out (B, T, D*H), None), like nn.RNN(batch_first=True)'s first output."""
        u = unroll(
            dict(self.named_parameters()),
            x,
            self.arch,
            self.num_layers,
            self.bidirectional,
            self.nonlinearity,
            self.dropout,
            self.training,
        )
        return u.out, None
