"""Probes: pure functions that look inside a model without touching its training.

Each runs on its own batch, under the model's current weights, through the written-out cells
(`SequenceModel.unrolled`), and uses torch.autograd.grad, so the optimizer's .grad buffers and the
RNG stream of training are left exactly as they were.
"""

from __future__ import annotations

import contextlib
import copy
import weakref

import torch
from torch import Tensor, nn

from rnnplay.cells import ScratchRNN, host_to
from rnnplay.tasks.base import Batch, Task

EPS = 1e-30  # log axes cannot show 0


# float64 copies of the models probed, refreshed from their weights at each probe (see _float64)
_FLOAT64: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _float64(model):
    """A float64 twin of `model` holding its current weights. A plain RNN's ‖∂L/∂h_t‖ falls below 1e-20
    within 50 steps: its square underflows float32 (a 0.0 on a log chart) and the float32 backward reads
    the small values up to 60 % low, so the probe differentiates in float64 (no zero above ~1e-300)."""
    twin = _FLOAT64.get(model)
    if twin is None:
        twin = _FLOAT64[model] = copy.deepcopy(model).double()
    copy_weights(twin, model)
    return twin


def copy_weights(twin: nn.Module, model: nn.Module) -> None:
    """model's current weights and buffers into twin (a deep copy of it, in any dtype)."""
    with torch.no_grad():
        for mine, theirs in zip(twin.state_dict().values(), model.state_dict().values(), strict=True):
            mine.copy_(theirs)


def _as_float64(t: Tensor | None) -> Tensor | None:
    return t.double() if t is not None and t.is_floating_point() else t


def _dropout_rates(model) -> list[tuple[nn.Module, str]]:
    """(module, attribute) of every dropout rate in model: the recurrent cores' between layers (fused and
    written out) and any dropout layer's."""
    found = []
    for m in model.modules():
        if isinstance(m, nn.RNNBase | ScratchRNN):
            found.append((m, "dropout"))
        elif isinstance(m, nn.modules.dropout._DropoutNd):
            found.append((m, "p"))
    return found


@contextlib.contextmanager
def _differentiable(model):
    """The model in training mode with every dropout at 0, then back as it was. cuDNN runs an RNN's backward
    only in training mode (the seq2seq decoder is a fused core), while the probe must read the model as
    evaluation does: dropout is the only layer here that acts differently in training (no batch norm), so
    with it at 0 the two modes compute the same function."""
    was_training = model.training
    rates = [(m, name, getattr(m, name)) for m, name in _dropout_rates(model)]
    model.train()
    for m, name, _ in rates:
        setattr(m, name, 0.0)
    try:
        yield
    finally:
        for m, name, rate in rates:
            setattr(m, name, rate)
        model.train(was_training)


def grad_through_time(model, task: Task, batch: Batch) -> Tensor:
    """‖∂L/∂h_t‖ for every t (last layer, mean over the batch): the *total* derivative through all
    later steps of the recurrence, not only the direct path from the loss. Computed in float64 on a
    copy of the model's weights. Returns (T,) float64."""
    if model.parameters().__next__().dtype != torch.float64:
        model = _float64(model)
    x, y = _as_float64(batch.x), _as_float64(batch.y)
    with _differentiable(model), torch.enable_grad():
        out, u = model.unrolled(x, lengths=batch.lengths, target=y)
        loss = task.loss(out, y)
        flat = [h for step in u.hiddens for h in step]  # T * D tensors (B, H)
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    D, T, B = len(u.hiddens[0]), len(u.hiddens), batch.x.shape[0]
    # per direction, ‖∂L/∂h_t‖² per sample: (B, T)
    sq = [
        torch.stack(
            [
                g.pow(2).sum(-1) if g is not None else torch.zeros(B, dtype=torch.float64, device=batch.x.device)
                for g in grads[d::D]  # steps t = 0..T-1 of direction d
            ],
            dim=1,
        ).detach()
        for d in range(D)
    ]
    if u.rev_index is not None and D == 2:  # the backward direction's states, back in time order
        sq[1] = torch.gather(sq[1], 1, u.rev_index)
    norm = sum(sq).sqrt()  # ‖[∂L/∂h_t(forward), ∂L/∂h_t(backward)]‖ per sample and step
    if batch.lengths is None:
        return norm.mean(0)  # (T,)
    # the mean over the samples that have a step t
    valid = (torch.arange(T, device=norm.device)[None, :] < host_to(batch.lengths, norm.device)[:, None]).float()
    return (norm * valid).sum(0) / valid.sum(0).clamp(min=1)


def hidden_states(model, x: Tensor) -> dict[str, Tensor]:
    """Hidden activations: the last layer's hidden states of one sample x (1, T, I) as (T, D*H), plus the gates
    (LSTM: input, forget, cell, output, cell state; GRU: reset, update, new), each (T, D*H)."""
    with torch.no_grad():
        _, u = model.unrolled(x, keep_gates=True)
    states = {"hidden": u.out[0]}
    states.update({name: g[0] for name, g in u.gates.items()})
    return states


def saturation(h: Tensor, nonlinearity: str = "tanh", threshold: float = 0.95) -> float:
    """Fraction of (unit, step) activations pinned near ±1, where tanh passes almost no gradient."""
    if nonlinearity == "linear":
        return 0.0  # no activation: nothing to pin, its slope is 1 everywhere
    if nonlinearity == "relu":
        return float((h <= 0).float().mean())  # dead ReLU units pass no gradient either
    return float((h.abs() > threshold).float().mean())


def weight_spectrum(model, all_blocks: bool = True) -> dict[str, Tensor]:
    """Singular values of every W_hh gate block, and the spectral radius (largest |eigenvalue|)
    of the vanilla-RNN W_hh (LSTM/GRU: the candidate block), which sets whether gradients shrink or grow per step.
    all_blocks=False leaves out the singular values of every gate block (the charts draw only the candidate
    block's): for H=128 they are 40% of the pass (measured), and the probe runs a few times a second."""
    out = {}
    with torch.no_grad():
        for name, w in model.recurrent_weights():
            w = w.detach().float().cpu()
            H = w.shape[1]
            blocks = w.chunk(w.shape[0] // H)
            block = blocks[2] if len(blocks) > 1 else blocks[0]  # rnn: W_hh; lstm g, gru n block
            out[name] = {
                **({"singular_values": torch.linalg.svdvals(w.reshape(-1, H, H)).flatten()} if all_blocks else {}),
                "block_singular_values": torch.linalg.svdvals(block),  # descending
                "spectral_radius": float(torch.linalg.eigvals(block).abs().max()),
            }
    return out


def spectrum_summary(model, k: int = 16) -> dict:
    """The weight spectrum for the charts, from one weight_spectrum pass: the largest spectral radius over layers and
    directions, and the k largest singular values of the first W_hh's block (LSTM/GRU: the candidate).
    Singular values above 1 let a direction of h grow per step however the eigenvalues sit."""
    spec = weight_spectrum(model, all_blocks=False)
    if not spec:
        return {"spectral_radius": float("nan"), "singular_values": []}
    first = next(iter(spec.values()))
    return {
        "spectral_radius": max(v["spectral_radius"] for v in spec.values()),
        "singular_values": first["block_singular_values"][:k].tolist(),
    }


def spectral_radius(model) -> float:
    """The largest spectral radius over layers and directions (one number for the chart)."""
    return max(v["spectral_radius"] for v in weight_spectrum(model).values())
