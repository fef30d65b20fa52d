"""SequenceModel: input -> recurrent core (fused torch or written-out scratch) -> linear head.

The core is nn.RNN/LSTM/GRU (batch_first) or cells.ScratchRNN with the same parameter names, so
the two impls hold identical weights for the same seed. `unrolled()` runs the written-out cells on
the model's own weights and returns every hidden state the recurrence reads: the probes use it for
both impls, since a fused core exposes only its outputs, not the states its recurrence reads.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnplay.cells import GATES, ScratchRNN, Unrolled, unroll

TORCH_CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def init_recurrent(core: nn.Module, arch: str, init: str, gain: float) -> None:
    """A8: default (torch's uniform ±1/sqrt(H), times gain), xavier, orthogonal or identity (IRNN,
    Le et al. 2015: W_hh = gain * I per gate block, biases 0)."""
    G = GATES[arch]
    with torch.no_grad():
        for name, p in core.named_parameters():
            if init == "default":
                p.mul_(gain)
            elif name.startswith("bias"):
                p.zero_()
            elif init == "xavier":
                for block in p.chunk(G, dim=0):
                    nn.init.xavier_uniform_(block, gain=gain)
            elif name.startswith("weight_hh") and init in ("orthogonal", "identity"):
                for block in p.chunk(G, dim=0):  # (H, H) per gate
                    if init == "orthogonal":
                        nn.init.orthogonal_(block, gain=gain)
                    else:
                        block.copy_(gain * torch.eye(block.shape[0], dtype=p.dtype))
            else:  # input weights of orthogonal / identity
                for block in p.chunk(G, dim=0):
                    nn.init.xavier_uniform_(block)


class SequenceModel(nn.Module):
    def __init__(self, config, input_size: int, output_size: int, many_to_one: bool):
        super().__init__()
        c = config
        self.arch, self.num_layers, self.bidirectional = c.arch, c.num_layers, c.bidirectional
        self.nonlinearity, self.many_to_one = c.nonlinearity, many_to_one
        self.dropout = c.dropout if c.num_layers > 1 else 0.0
        kw = {"num_layers": c.num_layers, "bidirectional": c.bidirectional, "dropout": self.dropout}
        if c.arch == "rnn":
            kw["nonlinearity"] = c.nonlinearity
        torch_core = TORCH_CORES[c.arch](input_size, c.hidden_size, batch_first=True, **kw)
        init_recurrent(torch_core, c.arch, c.init, c.init_gain)
        self.head = nn.Linear(c.hidden_size * (2 if c.bidirectional else 1), output_size)
        if c.impl == "scratch":  # same weights as the fused core, without touching the RNG stream
            with torch.random.fork_rng(devices=[]):
                core = ScratchRNN(c.arch, input_size, c.hidden_size, **kw)
            core.load_state_dict(torch_core.state_dict())
            self.core = core
        else:
            self.core = torch_core
        self.hidden_size = c.hidden_size

    def readout(self, out: Tensor) -> Tensor:
        """(B, T, D*H) -> head input. Many-to-one reads the last step of the forward direction and,
        when bidirectional, the first step of the backward one (each has then seen the whole x)."""
        if not self.many_to_one:
            return out  # (B, T, D*H)
        if not self.bidirectional:
            return out[:, -1]  # (B, H)
        H = self.hidden_size
        return torch.cat([out[:, -1, :H], out[:, 0, H:]], dim=1)  # (B, 2H)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, I) -> (B, O) many-to-one, or (B, T, O) many-to-many."""
        out, _ = self.core(x)
        return self.head(self.readout(out))

    def step(self, x: Tensor, state=None):
        """Continue from a recurrent state: x (B, t, I) -> (y (B, t, O), new state). Generation feeds one
        character at a time this way instead of re-reading a window. Fused core only (None otherwise)."""
        if isinstance(self.core, ScratchRNN) or self.many_to_one:
            return None
        out, state = self.core(x, state)
        return self.head(out), state

    def unrolled(self, x: Tensor, keep_gates: bool = False) -> tuple[Tensor, Unrolled]:
        """The same function as forward, through the written-out cells on this model's weights."""
        params = dict(self.core.named_parameters())
        u = unroll(
            params,
            x,
            self.arch,
            self.num_layers,
            self.bidirectional,
            self.nonlinearity,
            self.dropout,
            training=False,
            keep_gates=keep_gates,
        )
        return self.head(self.readout(u.out)), u

    def recurrent_weights(self) -> list[tuple[str, Tensor]]:
        """(name, W_hh) of every layer and direction, for the spectrum probe."""
        return [(n, p) for n, p in self.core.named_parameters() if n.startswith("weight_hh")]
