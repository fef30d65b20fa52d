"""SequenceModel: input -> recurrent core (fused torch or written-out scratch) -> linear head.

The core is nn.RNN/LSTM/GRU (batch_first) or cells.ScratchRNN with the same parameter names, so
the two impls hold identical weights for the same seed. `unrolled()` runs the written-out cells on
the model's own weights and returns every hidden state the recurrence reads: the probes use it for
both impls, since a fused core exposes only its outputs, not the states its recurrence reads.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnplay.cells import GATES, ScratchRNN, Unrolled, host_to, unroll
from rnnplay.tokens import PAD

TORCH_CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def init_recurrent(core: nn.Module, arch: str, init: str, gain: float) -> None:
    """Initialisation: default (torch's uniform ±1/sqrt(H), times gain), xavier as the course applies it
    (nn.init.xavier_normal_ on each whole weight matrix, every gate's rows at once, biases 0; the head
    gets the same in init_head), orthogonal or identity (IRNN, Le et al. 2015: W_hh = gain * I per
    gate block, biases 0)."""
    G = GATES[arch]
    with torch.no_grad():
        for name, p in core.named_parameters():
            if init == "default":
                p.mul_(gain)
            elif name.startswith("bias"):
                p.zero_()
            elif init == "xavier":
                nn.init.xavier_normal_(p, gain=gain)
            elif name.startswith("weight_hh") and init in ("orthogonal", "identity"):
                for block in p.chunk(G, dim=0):  # (H, H) per gate
                    if init == "orthogonal":
                        nn.init.orthogonal_(block, gain=gain)
                    else:
                        block.copy_(gain * torch.eye(block.shape[0], dtype=p.dtype))
            else:  # input weights of orthogonal / identity
                for block in p.chunk(G, dim=0):
                    nn.init.xavier_uniform_(block)


def init_head(head: nn.Linear, embed: nn.Embedding | None, init: str, gain: float) -> None:
    """init=xavier covers the whole model, as the course's loop over model.named_parameters() does:
    xavier_normal_ on the head's weight (and the token embedding's), its bias 0. The <PAD> row of an
    embedding stays 0, since padding is never read. Other inits leave torch's defaults."""
    if init != "xavier":
        return
    with torch.no_grad():
        nn.init.xavier_normal_(head.weight, gain=gain)
        head.bias.zero_()
        if embed is not None:
            nn.init.xavier_normal_(embed.weight, gain=gain)
            embed.weight[PAD] = 0.0


def init_forget_bias(core: nn.Module, arch: str, value: float) -> None:
    """LSTM: the forget gate's bias (rows H:2H, torch's gate order i, f, g, o) of every layer and
    direction starts at value: b_if = value and b_hf = 0, so the gate's pre-activation bias is value
    and f_t = sigmoid(value) before any input. value 0 leaves the biases as the initialisation made them."""
    if arch != "lstm" or value == 0:
        return
    with torch.no_grad():
        for name, p in core.named_parameters():
            if name.startswith("bias_"):
                H = p.shape[0] // 4
                p[H : 2 * H] = value if name.startswith("bias_ih") else 0.0


def make_core(config, input_size: int, bidirectional: bool) -> nn.Module:
    """nn.RNN/LSTM/GRU (batch_first) initialised per config, or a ScratchRNN holding the same weights."""
    c = config
    kw = {"num_layers": c.num_layers, "bidirectional": bidirectional, "dropout": c.dropout if c.num_layers > 1 else 0.0}
    linear = c.arch == "rnn" and c.nonlinearity == "linear"  # torch's nn.RNN has no linear cell: written out
    if c.arch == "rnn":
        kw["nonlinearity"] = "tanh" if linear else c.nonlinearity  # tanh or not, the same tensors and init
    torch_core = TORCH_CORES[c.arch](input_size, c.hidden_size, batch_first=True, **kw)
    init_recurrent(torch_core, c.arch, c.init, c.init_gain)
    init_forget_bias(torch_core, c.arch, c.forget_bias)
    if c.impl != "scratch" and not linear:
        return torch_core
    if linear:
        kw["nonlinearity"] = "linear"
    with torch.random.fork_rng(devices=[]):  # same weights as the fused core, RNG stream untouched
        core = ScratchRNN(c.arch, input_size, c.hidden_size, **kw)
    core.load_state_dict(torch_core.state_dict())
    return core


def run_core(core: nn.Module, x: Tensor, lengths: Tensor | None = None, state=None):
    """core over x (B, T, I) -> (out (B, T, D*H), final state). With lengths (sequences padded at
    the end) a fused core reads a packed sequence, so padding never reaches a real step's state."""
    if lengths is None:
        return core(x, state)
    if isinstance(core, ScratchRNN):
        return core(x, state, lengths=lengths)
    out, final = core(pack(x, lengths), state)
    return unpack(out, x.shape[1]), final


def pack(x: Tensor, lengths: Tensor) -> PackedSequence:
    """pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False) without making the host wait
    for a GPU: the lengths are sorted on the host as torch sorts them, and the order goes to the device by
    an asynchronous copy (torch's own copies it from pageable memory, which waits)."""
    lengths, order = torch.sort(lengths.cpu().to(torch.int64), descending=True)
    order = host_to(order, x.device)
    sorted_packed = pack_padded_sequence(x.index_select(0, order), lengths, batch_first=True)
    return PackedSequence(sorted_packed.data, sorted_packed.batch_sizes, order)  # + the inverse order, on the device


def unpack(packed: PackedSequence, total_length: int) -> Tensor:
    """pad_packed_sequence(packed, batch_first=True, total_length=...)[0] without its host copy of the order
    (torch's brings the order to the host to reorder the lengths, which this caller does not need)."""
    out, _ = pad_packed_sequence(
        PackedSequence(packed.data, packed.batch_sizes), batch_first=True, total_length=total_length
    )
    return out.index_select(0, packed.unsorted_indices)  # (B, T, D*H), back in the batch's order


def _unroll_core(core: nn.Module, config, x: Tensor, bidirectional: bool, keep_gates: bool, lengths, state=None):
    return unroll(
        dict(core.named_parameters()),
        x,
        config.arch,
        config.num_layers,
        bidirectional,
        config.nonlinearity,
        config.dropout if config.num_layers > 1 else 0.0,
        training=False,
        keep_gates=keep_gates,
        lengths=lengths,
        state=state,
    )


class SequenceModel(nn.Module):
    """(token embedding) -> recurrent core -> linear head: many-to-one, many-to-many, one-to-many."""

    def __init__(self, config, input_size: int, output_size: int, many_to_one: bool, vocab_size: int | None = None):
        super().__init__()
        c = self.config = config
        self.arch, self.num_layers, self.bidirectional = c.arch, c.num_layers, c.bidirectional
        self.nonlinearity, self.many_to_one = c.nonlinearity, many_to_one
        self.dropout = c.dropout if c.num_layers > 1 else 0.0
        self.embed = nn.Embedding(vocab_size, c.embed_dim, padding_idx=PAD) if vocab_size else None
        self.core = make_core(c, c.embed_dim if vocab_size else input_size, c.bidirectional)
        self.head = nn.Linear(c.hidden_size * (2 if c.bidirectional else 1), output_size)
        init_head(self.head, self.embed, c.init, c.init_gain)
        self.hidden_size = c.hidden_size
        self.readout_at = c.readout

    def _inputs(self, x: Tensor) -> Tensor:
        return self.embed(x) if self.embed is not None else x

    def readout(self, out: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, D*H) -> head input. Many-to-one reads the last real step of the forward direction
        and, when bidirectional, the first step of the backward one (each has then seen the whole x);
        readout=last_padded reads the last padded step instead, as out[:, -1] does."""
        if not self.many_to_one:
            return out  # (B, T, D*H)
        if lengths is None or self.readout_at == "last_padded":
            # with lengths, out[:, -1] is the padding's zeros (pad_packed_sequence) for every
            # sequence shorter than the longest: the readout=last_padded trap
            fwd = out[:, -1]
        else:
            last = (host_to(lengths, out.device) - 1).clamp(min=0)
            fwd = out[torch.arange(out.shape[0], device=out.device), last]
        if not self.bidirectional:
            return fwd  # (B, H)
        H = self.hidden_size
        return torch.cat([fwd[:, :H], out[:, 0, H:]], dim=1)  # (B, 2H)

    def forward(self, x: Tensor, lengths: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        """x (B, T, I) or token ids (B, T) -> (B, O) many-to-one, or (B, T, O). target is unused here
        (one call signature for every model: Seq2Seq needs it)."""
        out, _ = run_core(self.core, self._inputs(x), lengths)
        return self.head(self.readout(out, lengths))

    def step(self, x: Tensor, state=None):
        """Continue from a recurrent state: x (B, t, I) -> (y (B, t, O), new state). Generation feeds one
        token at a time this way instead of re-reading a window. None for many-to-one models."""
        if self.many_to_one:
            return None
        out, state = self.core(self._inputs(x), state)
        return self.head(out), state

    def unrolled(
        self, x: Tensor, keep_gates: bool = False, lengths: Tensor | None = None, target: Tensor | None = None
    ) -> tuple[Tensor, Unrolled]:
        """The same function as forward, through the written-out cells on this model's weights."""
        u = _unroll_core(self.core, self.config, self._inputs(x), self.bidirectional, keep_gates, lengths)
        return self.head(self.readout(u.out, lengths)), u

    def recurrent_weights(self) -> list[tuple[str, Tensor]]:
        """(name, W_hh) of every layer and direction, for the spectrum probe."""
        return [(n, p) for n, p in self.core.named_parameters() if n.startswith("weight_hh")]


class Seq2Seq(nn.Module):
    """Encoder-decoder (Sutskever et al. 2014, the course's seq2seq): the encoder reads the source
    (packed, optionally bidirectional); its final state (both directions summed) starts the decoder,
    which emits one token per step from <SOS>, fed the true previous token with probability
    teacher_forcing while training and its own greedy guess otherwise (always in eval mode)."""

    many_to_one = False

    def __init__(self, config, vocab_size: int, sos_id: int):
        super().__init__()
        c = self.config = config
        self.arch, self.num_layers, self.bidirectional = c.arch, c.num_layers, c.bidirectional
        self.hidden_size, self.sos_id, self.teacher_forcing = c.hidden_size, sos_id, c.teacher_forcing
        self.embed = nn.Embedding(vocab_size, c.embed_dim, padding_idx=PAD)
        self.core = make_core(c, c.embed_dim, c.bidirectional)  # the encoder (probes look at it)
        self.decoder = make_core(c, c.embed_dim, False)
        self.head = nn.Linear(c.hidden_size, vocab_size)
        init_head(self.head, self.embed, c.init, c.init_gain)

    def _bridge(self, final):
        """Encoder final state (L*D, B, H) -> decoder initial state (L, B, H): directions summed."""
        parts = final if isinstance(final, tuple) else (final,)
        if self.bidirectional:
            parts = tuple(p.view(self.num_layers, 2, *p.shape[1:]).sum(1) for p in parts)
        return parts if self.arch == "lstm" else parts[0]

    def decode(self, state, steps: int, target: Tensor | None, force: bool) -> Tensor:
        """(B, steps, V) logits from the decoder, starting at <SOS> in `state`."""
        B = (state[0] if isinstance(state, tuple) else state).shape[1]
        sos = torch.full((B, 1), self.sos_id, dtype=torch.long, device=self.head.weight.device)
        if force:  # the whole target sequence in one call: <SOS> y_1 ... y_{n-1}
            prev = target[:, :-1].clamp(min=PAD)  # IGNORE padding -> <PAD>
            out, _ = self.decoder(self.embed(torch.cat([sos, prev], dim=1)), state)
            return self.head(out)
        logits, inp = [], sos
        for _ in range(steps):
            out, state = self.decoder(self.embed(inp), state)
            step_logits = self.head(out[:, -1])
            logits.append(step_logits)
            inp = step_logits.argmax(-1, keepdim=True)
        return torch.stack(logits, dim=1)

    def _steps(self, x: Tensor, target: Tensor | None) -> int:
        return target.shape[1] if target is not None else x.shape[1] + 1

    def forward(self, x: Tensor, lengths: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        """x (B, T) source ids -> (B, steps, V) logits; steps = target's length (else T + 1)."""
        _, final = run_core(self.core, self.embed(x), lengths)
        force = (
            self.training
            and target is not None
            and self.teacher_forcing > 0
            and (self.teacher_forcing >= 1 or float(torch.rand(())) < self.teacher_forcing)
        )
        return self.decode(self._bridge(final), self._steps(x, target), target, force)

    def unrolled(
        self, x: Tensor, keep_gates: bool = False, lengths: Tensor | None = None, target: Tensor | None = None
    ) -> tuple[Tensor, Unrolled]:
        """Greedy decoding after an encoder written out in cells: the probes see ∂L/∂h_t of the
        encoder's steps, i.e. how far back into the source the decoder's loss reaches."""
        u = _unroll_core(self.core, self.config, self.embed(x), self.bidirectional, keep_gates, lengths)
        final = u.final if self.arch == "lstm" else u.final[0]
        return self.decode(self._bridge(final), self._steps(x, target), None, False), u

    def recurrent_weights(self) -> list[tuple[str, Tensor]]:
        return [(f"encoder.{n}", p) for n, p in self.core.named_parameters() if n.startswith("weight_hh")] + [
            (f"decoder.{n}", p) for n, p in self.decoder.named_parameters() if n.startswith("weight_hh")
        ]
