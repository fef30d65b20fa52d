"""Trainer(config).step() -> StepStats. One batch per step; no threads, no UI.

The loop is the plain PyTorch one (forward, loss, backward, clip, optimizer step) plus what the
charts need: the gradient norm before and after clipping and the metric, fetched from the device in
one transfer per step. NaN/Inf in the loss or the gradients stops the run before the optimizer
step, so the weights and the history so far stay usable (R2).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch.nn.utils import clip_grad_value_, clip_grads_with_norm_

from rnnplay import probes
from rnnplay.config import ConfigError, RunConfig
from rnnplay.i18n import N_
from rnnplay.models import Seq2Seq, SequenceModel
from rnnplay.tasks import make_task

# marked for translation: the Playground shows it in the session's language (TrainingRun.message_args)
DIVERGED_HINT = N_(
    "the loss or the gradient became NaN/Inf: lower the learning rate, turn on "
    "gradient clipping (clip_mode=norm), or use an LSTM/GRU"
)


@dataclass
class StepStats:
    step: int  # 1-based count of steps taken
    loss: float
    metric: float
    grad_norm: float  # total gradient norm before clipping
    grad_norm_clipped: float  # ... and after
    lr: float
    seconds: float
    diverged: bool = False


def total_norm(grads: list[torch.Tensor]) -> torch.Tensor:
    """‖g‖ over all gradients: the same number as torch.nn.utils.get_total_norm, in a third of its
    time for our many small tensors (2 kernels instead of a norm per dtype/device group)."""
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", name, N_("auto or cpu: this machine has no CUDA GPU"))
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("device", name, N_("auto or cpu: this machine has no Apple MPS device"))
    return torch.device(name)


def make_optimizer(config: RunConfig, params, foreach: bool | None = True) -> torch.optim.Optimizer:
    """foreach=True updates all parameters in a few fused kernels; on CPU torch defaults to a
    Python loop over tensors, which costs a small model ~20% of its step time (measured)."""
    c, kw = config, {"lr": config.lr, "weight_decay": config.weight_decay, "foreach": foreach}
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, momentum=c.momentum, **kw)
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, momentum=c.momentum, **kw)
    return torch.optim.Adam(params, **kw)


def build_model(config: RunConfig, task) -> torch.nn.Module:
    if task.kind == "seq2seq":
        return Seq2Seq(config, task.vocab_size, task.sos_id)
    return SequenceModel(config, task.input_size, task.output_size, task.many_to_one, vocab_size=task.vocab_size)


class Trainer:
    def __init__(self, config: RunConfig):
        self.config = config
        self.device = resolve_device(config.device)
        torch.manual_seed(config.seed)
        self.task = make_task(config)
        self.model = build_model(config, self.task).to(self.device)
        named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        self.param_names, self.params = [n for n, _ in named], [p for _, p in named]
        # V7: the last step's pre-clip norm of every parameter tensor, left on the device: fetched
        # only when a probe reads it, so a step makes no extra host sync (P4)
        self._param_norms: torch.Tensor | None = None
        self._param_norm_names: list[str] = []
        self.optimizer = make_optimizer(config, self.params)
        self.gen = torch.Generator().manual_seed(config.seed)  # the training data stream
        self.steps_done = 0
        self.diverged = False
        self.clip_mode, self.clip = config.clip_mode, config.clip
        self._val = self._to_device(self.task.val_batch())
        self._probe = self._to_device(self.task.probe_batch())

    def _to_device(self, batch):
        # lengths stay on the CPU, where pack_padded_sequence wants them
        batch.x, batch.y = batch.x.to(self.device), batch.y.to(self.device)
        return batch

    def scheduled_lr(self, step: int) -> float:
        """The learning rate for the step after `step` steps: lr, times lr_gamma every lr_step steps."""
        c = self.config
        return c.lr * c.lr_gamma ** (step // c.lr_step) if c.lr_schedule == "step" else c.lr

    # live changes (take effect at the next step) ----------------------------------------------
    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def set_lr(self, lr: float) -> None:
        """A new base rate (the schedule, if any, goes on decaying from it)."""
        self.config = self.config.replace(lr=lr)  # validates
        for group in self.optimizer.param_groups:
            group["lr"] = self.scheduled_lr(self.steps_done)

    def set_clip(self, clip_mode: str, clip: float) -> None:
        self.config = self.config.replace(clip_mode=clip_mode, clip=clip)
        self.clip_mode, self.clip = self.config.clip_mode, self.config.clip

    # training -------------------------------------------------------------------------------
    def step(self) -> StepStats:
        t0 = time.perf_counter()
        if not self.model.training:  # probes and views switch to eval; .train() walks every module
            self.model.train()
        batch = self._to_device(self.task.train_batch(self.gen))
        if self.config.lr_schedule != "none":
            lr = self.scheduled_lr(self.steps_done)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        out = self.model(batch.x, batch.lengths, batch.y)
        loss = self.task.loss(out, batch.y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in self.params if p.grad is not None]
        per_param = torch.stack(torch._foreach_norm(grads))  # (P,) pre-clip norm of each tensor
        norm = torch.linalg.vector_norm(per_param)  # = total_norm(grads), without norming twice
        self._param_norms = per_param
        self._param_norm_names = (
            self.param_names
            if len(grads) == len(self.params)
            else [
                n for n, p in zip(self.param_names, self.params, strict=True) if p.grad is not None
            ]  # some went unused
        )
        if self.clip_mode == "norm":
            clip_grads_with_norm_(self.params, self.clip, norm)
            after = norm * torch.clamp(self.clip / (norm + 1e-6), max=1.0)  # what clipping left
        elif self.clip_mode == "value":
            clip_grad_value_(self.params, self.clip)
            after = total_norm(grads)
        else:
            after = norm
        metric = self.task.score(out, batch.y)
        # one device -> host transfer for everything the charts need
        loss_v, metric_v, norm_v, after_v = torch.stack([loss.detach(), metric, norm, after]).tolist()
        self.steps_done += 1
        if not (math.isfinite(loss_v) and math.isfinite(norm_v)):
            self.diverged = True
            self.optimizer.zero_grad(set_to_none=True)
        else:
            self.optimizer.step()
        return StepStats(
            self.steps_done, loss_v, metric_v, norm_v, after_v, self.lr, time.perf_counter() - t0, self.diverged
        )

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """(validation loss, validation metric) on the task's held-out batch."""
        self.model.eval()
        out = self.model(self._val.x, self._val.lengths, self._val.y)
        loss, metric = torch.stack([self.task.loss(out, self._val.y), self.task.score(out, self._val.y)]).tolist()
        return loss, metric

    def grad_through_time(self) -> list[float]:
        return probes.grad_through_time(self.model, self.task, self._probe).tolist()

    def param_norms(self) -> dict[str, float]:
        """V7: {parameter name: ‖∂L/∂θ‖ before clipping} of the last step (one host transfer)."""
        if self._param_norms is None:
            return {}
        return dict(zip(self._param_norm_names, self._param_norms.tolist(), strict=True))

    def probe(self) -> dict:
        """Everything the probe views draw, for the current weights: V3, V4 (sample 0), V5, V7."""
        sample = self._probe.x[:1]
        if self._probe.lengths is not None:  # one sample: its own length, no padding
            sample = sample[:, : int(self._probe.lengths[0])]
        states = probes.hidden_states(self.model, sample)
        return {
            "step": self.steps_done,
            "grad_through_time": self.grad_through_time(),
            "hidden": {k: v.float().cpu().numpy() for k, v in states.items()},
            "input_labels": self.task.input_labels(sample[0].cpu()),
            "saturation": probes.saturation(
                states["hidden"], self.config.nonlinearity if self.config.arch == "rnn" else "tanh"
            ),
            **probes.spectrum_summary(self.model),  # spectral_radius, singular_values
            "param_norms": self.param_norms(),
        }

    def task_view(self) -> dict:
        return self.task.view(self.model, self.device)
