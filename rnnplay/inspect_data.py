"""What the Inspect page shows (the hidden activations in full), without the UI: one sample's hidden states, gates and
cell state, its saturation per time step, a PCA trajectory of its hidden state, and the model's
answer for it, for a probe-batch sample or the learner's own input.

The model is shared with the training thread, so `inspect()` runs inside
`TrainingRun.between_steps(settle=False)`, as TrainingRun.try_it does: a forward pass never sees weights that an
optimizer step is halfway through changing, and never waits for a probe running behind training. Everything runs in
no_grad; the model is switched to eval mode (no dropout) and left there, since Trainer.step() switches it back to
train mode itself.
Not called inspect.py: that name would shadow the standard library's inspect module.

The words it returns (a sample's source, the model's answer, the saturation rule, errors) are Msgs, said by
the page in its reader's language (the Chinese is in rnnplay/i18n/zh_inspect.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from rnnplay import probes
from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import IGNORE, Batch, Task

SATURATION_THRESHOLD = 0.95  # |h| above it: tanh' = 1 - h² < 0.1, the unit passes under a tenth of its gradient


@dataclass
class Sample:
    """One sequence to look at: x (1, T, I) float or (1, T) token ids, its target y (None when the
    learner's input has no known answer, e.g. a sentence's sentiment) and one label per time step."""

    x: Tensor
    y: Tensor | None
    labels: list[str]
    source: Msg  # "probe sample 3 of 32" or "your input"
    lengths: Tensor | None = None  # None: a single sample is never padded


@dataclass
class Inspection:
    step: int  # the training step the weights are from
    labels: list[str]  # (T,) input token per time step
    states: dict[str, np.ndarray]  # "hidden" and the gates / cell state, each (T, D*H)
    directions: int  # 2 when bidirectional: the first H units read forward, the last H backward
    saturation_per_step: np.ndarray  # (T,) fraction of saturated units at each step
    saturation: float  # ... over all steps
    saturation_rule: Msg  # what counts as saturated, in words
    pca: np.ndarray  # (T, 3) the sample's hidden states in the first 3 principal axes
    explained: np.ndarray  # (3,) share of the variance each axis explains
    pca_fit: Msg  # which states the axes were fitted on, in words
    output: Msg  # the model's answer vs the target, one line
    notes: list[Msg] = field(default_factory=list)


# choosing a sample ----------------------------------------------------------------------------
def probe_sample(task: Task, batch: Batch, i: int) -> Sample:
    """Sample i of the probe batch, cut to its own length when lengths vary (no padding)."""
    n = batch.x.shape[0]
    if not 0 <= i < n:
        raise ValueError(Msg(N_("sample: {i} is out of range; choose 0 to {last}"), i=i, last=n - 1))
    x, y = batch.x[i : i + 1].cpu(), batch.y[i : i + 1].cpu()
    if batch.lengths is not None:
        L = int(batch.lengths[i])
        x = x[:, :L]
        if task.kind != "seq2seq" and not task.many_to_one:
            y = y[:, :L]
        elif task.kind == "seq2seq":
            y = y[:, : L + 1]  # reversed digits then <EOS>
    return Sample(x, y, task.input_labels(x[0]), Msg(N_("probe sample {i} of {n}"), i=i, n=n))


def own_input(task: Task, text: str) -> Sample:
    """The learner's own input for `task`, parsed by the task's own rules (Task.own_input). ValueError
    names the input and says what is allowed (a Msg); a task with no own_input_help offers only the
    probe batch."""
    x, y = task.own_input(text or "")
    return Sample(x, y, task.input_labels(x[0]), Msg(N_("your input")))


# PCA ------------------------------------------------------------------------------------------
def pca_fit(states: Tensor, k: int = 3) -> tuple[Tensor, Tensor, Tensor]:
    """Principal axes of states (N, F): (mean (F,), components (k, F) orthonormal rows, explained (k,)
    share of the variance each axis holds), by SVD of the centred states. Axes beyond the states'
    rank (fewer than k units or states) come back as zero rows explaining 0."""
    states = states.double()
    mean = states.mean(0)
    _, s, vh = torch.linalg.svd(states - mean, full_matrices=False)  # vh (min(N, F), F)
    var = s.pow(2)
    explained = var / var.sum().clamp(min=1e-30)
    comps = torch.zeros(k, states.shape[1], dtype=states.dtype)
    share = torch.zeros(k, dtype=states.dtype)
    m = min(k, vh.shape[0])
    comps[:m], share[:m] = vh[:m], explained[:m]
    return mean, comps, share


def pca_project(states: Tensor, mean: Tensor, comps: Tensor) -> Tensor:
    """(T, F) states -> (T, k) coordinates on the principal axes."""
    return (states.double() - mean) @ comps.T


# the inspection -------------------------------------------------------------------------------
def inspect(run, sample: Sample) -> Inspection:
    """The hidden activations of one sample with the run's current weights. Holds the run's step lock for the forward
    passes (the training thread shares the model); the PCA axes are fitted on every real time step
    of the whole probe batch, so trajectories of different samples share one frame. A run training in
    a Ray worker (run/ray_run.py) is inspected there, by this function, and sends the Inspection back."""
    if hasattr(run, "inspect_in_worker"):
        return run.inspect_in_worker(sample)
    tr = run.trainer
    model, task, device = tr.model, tr.task, tr.device
    with run.between_steps(settle=False), torch.no_grad():
        model.eval()  # no dropout; Trainer.step() turns training mode back on
        step = tr.steps_done
        x = sample.x.to(device)
        states = probes.hidden_states(model, x)  # name -> (T, D*H)
        y = sample.y.to(device) if sample.y is not None else None
        out = model(x, None, y)
        fit = _probe_states(model, tr.probe_batch)  # (N, D*H)
    states = {k: v.float().cpu() for k, v in states.items()}
    h = states["hidden"]
    nonlin = run.config.nonlinearity if run.config.arch == "rnn" else "tanh"
    per_step = np.array([probes.saturation(h[t : t + 1], nonlin, SATURATION_THRESHOLD) for t in range(h.shape[0])])
    notes = []
    if not (torch.isfinite(fit).all() and torch.isfinite(h).all()):
        notes.append(Msg(N_("the hidden states hold NaN/Inf (the run diverged): the PCA trajectory is left empty")))
        fit, h_pca = torch.zeros(2, h.shape[1]), torch.zeros_like(h)
    else:
        h_pca = h
    mean, comps, share = pca_fit(fit.cpu())
    return Inspection(
        step=step,
        labels=sample.labels,
        states={k: v.numpy() for k, v in states.items()},
        directions=2 if run.config.bidirectional else 1,
        saturation_per_step=per_step,
        saturation=probes.saturation(h, nonlin, SATURATION_THRESHOLD),
        saturation_rule=saturation_rule(nonlin),
        pca=pca_project(h_pca, mean, comps).float().numpy(),
        explained=share.float().numpy(),
        pca_fit=Msg(
            N_("the {n} hidden states of all {b} probe samples (every real step)"),
            n=fit.shape[0],
            b=tr.probe_batch.x.shape[0],
        ),
        output=describe_output(task, out.float().cpu(), sample.y),
        notes=notes,
    )


def _probe_states(model, batch: Batch) -> Tensor:
    """The last layer's hidden state at every real (sample, step) of the probe batch: (N, D*H)."""
    _, u = model.unrolled(batch.x, lengths=batch.lengths)
    out = u.out  # (B, T, D*H), zero past each length
    if batch.lengths is None:
        return out.reshape(-1, out.shape[-1])
    T = out.shape[1]
    valid = torch.arange(T)[None, :] < batch.lengths[:, None]  # (B, T) on the CPU
    return out[valid.to(out.device)]


def saturation_rule(nonlinearity: str) -> Msg:
    if nonlinearity == "linear":
        return Msg(N_("a linear unit has no activation, so it never saturates: its slope is 1 for every h"))
    if nonlinearity == "relu":
        return Msg(N_("a ReLU unit counts as saturated (dead) when h ≤ 0: it passes no gradient at all"))
    return Msg(
        N_(
            "a unit counts as saturated when |h| > {threshold}: there tanh's slope 1 − h² is below {slope:.2f}, "
            "so it passes less than a tenth of the gradient back"
        ),
        threshold=SATURATION_THRESHOLD,
        slope=1 - SATURATION_THRESHOLD**2,
    )


# the model's answer in words ------------------------------------------------------------------
def describe_output(task: Task, out: Tensor, y: Tensor | None) -> Msg:
    """One line: the model's prediction for one sample (out (1, O) or (1, T, O)) against its target."""
    if task.metric == "mse":
        pred = out.reshape(-1)
        if (own := task.describe_value(pred, y)) is not None:
            return own
        if pred.numel() == 1:
            text = Msg(N_("predicted {p:.3f}"), p=float(pred))
            return _then(text, Msg(N_(", target {v:.3f}"), v=float(y))) if y is not None else text
        if y is None:
            return Msg(N_("predicted {n} values"), n=pred.numel())
        mse = float((pred - y.reshape(-1)[: pred.numel()]).pow(2).mean())
        return Msg(
            N_("{n} values generated, mean squared error {mse:.4f} against the true wave"), n=pred.numel(), mse=mse
        )
    name = task.class_name
    if task.many_to_one:
        p = torch.softmax(out[0], -1)
        k = int(p.argmax())
        text = Msg(N_("predicted **{name}** (p = {p:.2f})"), name=name(k), p=float(p[k]))
        if y is not None:
            want = int(y.reshape(-1)[0])
            if k == want:
                text = _then(text, Msg(N_(", target **{name}** — right"), name=name(want)))
            else:
                text = _then(text, Msg(N_(", target **{name}** — wrong"), name=name(want)))
        else:
            text = _then(text, Msg(N_(" (no target for your own input)")))
        return text
    pred = task.answer_steps(out[0].argmax(-1).tolist())  # (T,)
    sep = task.answer_separator
    shown = _joined(sep, [name(i) for i in pred])
    if y is None:
        return Msg(N_("predicted `{shown}`"), shown=shown)
    target = [int(v) for v in y.reshape(-1).tolist()]
    kept = [(p, t) for p, t in zip(out[0].argmax(-1).tolist(), target, strict=False) if t != IGNORE]
    right = sum(p == t for p, t in kept)
    want = _joined(sep, [name(t) for t in target if t != IGNORE])
    return Msg(
        N_("predicted `{shown}`, target `{want}` — {right} of {n} steps right"),
        shown=shown,
        want=want,
        right=right,
        n=len(kept),
    )


def _then(text: Msg, more: Msg) -> Msg:
    return Msg("{text}{more}", text=text, more=more)  # nothing to translate in the joint


def _joined(sep: str, names: list) -> Msg:
    """Class names (each a Msg or a plain str) joined by sep, each in the reader's language."""
    joint = sep.replace("{", "{{").replace("}", "}}").join(f"{{c{i}}}" for i in range(len(names)))
    return Msg(joint, **{f"c{i}": n for i, n in enumerate(names)})
