"""Trainer(config).step() -> StepStats. One batch per step; no threads, no UI.

The loop is the plain PyTorch one (forward, loss, backward, clip, optimizer step) plus what the
charts need: the gradient norm before and after clipping and the metric. On a CPU they come to the
host in one copy per step (no device to wait for); on a GPU they stay on the device and come in
one copy per FETCH_EVERY steps (Trainer.host_syncs counts the copies). NaN/Inf in the loss or the
gradients stops the run with the weights of the step before it, so the weights and the history so
far stay usable: per step, before the optimizer step; batched, by rolling back to a device copy
taken at the start of the batch and replaying up to the step that diverged.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import time
from dataclasses import dataclass

import torch
from torch.nn.utils import clip_grad_value_

from rnnplay import devices, graphs, probes
from rnnplay.cells import host_to
from rnnplay.config import ConfigError, RunConfig
from rnnplay.i18n import N_
from rnnplay.models import Seq2Seq, SequenceModel
from rnnplay.tasks import make_task

# The batched mode (a GPU's default, so the loop does not wait for the device every step): statistics
# fetched every FETCH_EVERY steps or FETCH_EVERY_S seconds, whichever comes first
FETCH_EVERY = 32
FETCH_EVERY_S = 0.1

# marked for translation: the Playground shows it in the session's language (a value of the run's message)
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


@torch.no_grad()
def _evaluate(model, task, val) -> tuple[float, float]:
    model.eval()
    out = model(val.x, val.lengths, val.y)
    loss, metric = torch.stack([task.loss(out, val.y), task.score(out, val.y)]).tolist()
    return loss, metric


@dataclass(frozen=True)
class ProbeJob:
    """What one probe reads, fixed at one step (Trainer.probe_job): the model (the trainer's own, or a twin
    holding that step's weights), the task's fixed probe and validation batches, and that step's gradient norms.
    Nothing here changes while training goes on, so a twin's job runs in any thread."""

    model: torch.nn.Module
    task: object
    probe_batch: object
    val_batch: object
    sample: torch.Tensor
    labels: list[str]
    nonlinearity: str
    step: int
    param_norms: dict[str, float]

    def probe(self) -> dict:
        states = probes.hidden_states(self.model, self.sample)
        return {
            "step": self.step,
            "grad_through_time": probes.grad_through_time(self.model, self.task, self.probe_batch).tolist(),
            "hidden": {k: v.float().cpu().numpy() for k, v in states.items()},
            "input_labels": self.labels,
            "saturation": probes.saturation(states["hidden"], self.nonlinearity),
            **probes.spectrum_summary(self.model),  # spectral_radius, singular_values
            "param_norms": self.param_norms,
        }

    def run(self) -> dict:
        """The probe with its validation ("val": loss and metric), as a run's probe log records it."""
        p = self.probe()
        p["val"] = _evaluate(self.model, self.task, self.val_batch)
        return p


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


def make_optimizer(
    config: RunConfig, params, foreach: bool | None = True, fused: bool = False, capturable: bool = False
) -> torch.optim.Optimizer:
    """foreach=True updates all parameters in a few fused kernels; on CPU torch defaults to a
    Python loop over tensors, which costs a small model ~20% of its step time (measured).
    fused=True (Adam, SGD; the trainer's choice): one kernel per parameter, CPU and CUDA alike, 2-3x
    faster than foreach for our small models (Adam on majority: 110 against 340 us a step, measured);
    the same update to within float rounding (losses after 300 steps agree to 1e-7). RMSprop has no
    fused kernel and stays foreach. capturable=True: a step a CUDA graph can capture (its step counts on
    the device; fused SGD is capturable as it is)."""
    c, params = config, list(params)
    kw = {"lr": config.lr, "weight_decay": config.weight_decay}
    if fused and c.optimizer in ("adam", "sgd"):
        with contextlib.suppress(RuntimeError, TypeError):  # a device without fused kernels
            if c.optimizer == "sgd":
                return torch.optim.SGD(params, momentum=c.momentum, fused=True, **kw)
            return _quiet(torch.optim.Adam(params, fused=True, capturable=capturable, **kw))
    kw["foreach"] = foreach
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, momentum=c.momentum, **kw)
    if c.optimizer == "rmsprop":
        return _quiet(torch.optim.RMSprop(params, momentum=c.momentum, capturable=capturable, **kw))
    return _quiet(torch.optim.Adam(params, capturable=capturable, **kw))


def _quiet(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """A capturable optimizer warns the first time it steps outside a CUDA graph; ours do so on purpose (the
    steps before the capture, and those a graph cannot take)."""
    opt._warned_capturable_if_run_uncaptured = True
    return opt


def steps_per_epoch(task, batch_size: int) -> int | None:
    """Steps of batch_size examples in one pass over a task's finite data, counted as len(DataLoader)
    counts them (the last batch may be short); None for a task whose data never run out."""
    return None if task.dataset_len is None else math.ceil(task.dataset_len / batch_size)


def epochs_done(task, steps: int, batch_size: int) -> float | None:
    """Passes over the task's finite data after `steps` steps: steps x batch_size / dataset size."""
    return None if task.dataset_len is None else steps * batch_size / task.dataset_len


def decay_every(config: RunConfig, task) -> int:
    """Steps between two decays of the step schedule: lr_step, or lr_step epochs where lr_step_unit is
    epochs and the task's data are finite."""
    per_epoch = steps_per_epoch(task, config.batch_size) if config.lr_step_unit == "epochs" else None
    return config.lr_step * (per_epoch or 1)


def build_model(config: RunConfig, task) -> torch.nn.Module:
    if task.kind == "seq2seq":
        return Seq2Seq(config, task.vocab_size, task.sos_id)
    return SequenceModel(config, task.input_size, task.output_size, task.many_to_one, vocab_size=task.vocab_size)


class Trainer:
    def __init__(self, config: RunConfig, fetch_every: int | None = None, cuda_graph: bool | None = None):
        """fetch_every: see advance() (None: batched on a GPU, per step elsewhere). cuda_graph: in the batched
        mode on CUDA, capture the step as a CUDA graph and replay it (rnnplay/graphs.py); None reads
        RNNPLAY_CUDA_GRAPH (1: on; off by default until measured to help)."""
        self.config = config
        # auto: the faster device for this shape, measured once (rnnplay/devices.py); the CPU, untimed, where
        # there is no GPU. device_choice says which and why (None when the config names its device)
        self.device_choice = devices.auto_device(config, type(self)) if config.device == "auto" else None
        self.device = resolve_device(self.device_choice.device if self.device_choice else config.device)
        torch.manual_seed(config.seed)
        self.task = make_task(config)
        self.model = build_model(config, self.task).to(self.device)
        named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        self.param_names, self.params = [n for n, _ in named], [p for _, p in named]
        # The last step's pre-clip norm of every parameter tensor, left on the device: fetched
        # only when a probe reads it, so a step makes no extra host sync
        self._param_norms: torch.Tensor | None = None
        self._param_norm_names: list[str] = list(self.param_names)
        self._optimizer: torch.optim.Optimizer | None = None  # made at first use: see `optimizer`
        self._scheduled = config.lr_schedule != "none"
        self.decay_every = decay_every(config, self.task)
        # On a GPU the per-step statistics stay on the device and come to the host fetch_every steps
        # (or FETCH_EVERY_S) at a time; host_syncs counts the device -> host copies of training
        if fetch_every is None:
            fetch_every = FETCH_EVERY if self.device.type == "cuda" else 1
        if not (isinstance(fetch_every, int) and fetch_every >= 1):
            raise ValueError(f"fetch_every: an integer >= 1, got {fetch_every!r}")
        self.fetch_every = fetch_every
        self.fetch_every_s = FETCH_EVERY_S
        self.host_syncs = 0
        self._pending: list[tuple[torch.Tensor, float, float]] = []
        self._fetched_at = time.perf_counter()
        self._ckpt: dict | None = None
        self.gen = torch.Generator().manual_seed(config.seed)  # the training data stream
        # charlm's carry_state: the recurrent state after one batch starts the next, detached
        self.carry = config.carry_state and hasattr(self.task, "stream_batch")
        self._carried = None
        self.steps_done = 0
        self.diverged = False
        self.clip_mode, self.clip = config.clip_mode, config.clip
        if cuda_graph is None:
            cuda_graph = os.environ.get("RNNPLAY_CUDA_GRAPH", "0") == "1"
        use_graph = cuda_graph and self.device.type == "cuda" and self.fetch_every > 1
        self.graph = graphs.GraphedStep(self) if use_graph else None
        # the validation and probe batches are made when first read, in the thread that trains or probes:
        # building a Trainer (a page showing a run it has not started) stays light whatever the config
        self._val_batch = self._probe_batch = None
        self._probe_sample: torch.Tensor | None = None
        self._probe_labels: list[str] = []
        self._twin: torch.nn.Module | None = None  # probe_job(twin=True)'s copy of the model

    @property
    def _val(self):
        if self._val_batch is None:
            self._val_batch = self._to_device(self.task.val_batch())
        return self._val_batch

    @property
    def probe_batch(self):
        """The fixed batch the probes look at (made at first use, on the device)."""
        if self._probe_batch is None:
            self._probe_batch = self._to_device(self.task.probe_batch())
        return self._probe_batch

    def _to_device(self, batch):
        # lengths stay on the host, where packing sorts them; x and y go without a host wait (host_to)
        batch.x, batch.y = host_to(batch.x, self.device), host_to(batch.y, self.device)
        return batch

    def scheduled_lr(self, step: int) -> float:
        """The learning rate for the step after `step` steps: lr, times lr_gamma every decay_every steps
        (lr_step steps, or lr_step epochs)."""
        c = self.config
        return c.lr * c.lr_gamma ** (step // self.decay_every) if c.lr_schedule == "step" else c.lr

    def epochs(self, steps: int | None = None) -> float | None:
        """Passes over the task's finite data after steps (default: the steps taken); None if it has none."""
        return epochs_done(self.task, self.steps_done if steps is None else steps, self.config.batch_size)

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """Made at first use (the first step, a checkpoint, a live change): the first optimizer a process
        builds imports torch._dynamo, 1.1-1.5 s measured on a cold server, and a page that opens a run
        draws its Train button before that (the app's preload thread imports it meanwhile)."""
        if self._optimizer is None:
            self._optimizer = make_optimizer(self.config, self.params, fused=True, capturable=self.graph is not None)
        return self._optimizer

    # live changes (take effect at the next step) ----------------------------------------------
    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def set_lr(self, lr: float) -> None:
        """A new base rate (the schedule, if any, goes on decaying from it)."""
        self.config = self.config.replace(lr=lr)  # validates
        self._scheduled = self.config.lr_schedule != "none"
        for group in self.optimizer.param_groups:
            group["lr"] = self.scheduled_lr(self.steps_done)

    def set_clip(self, clip_mode: str, clip: float) -> None:
        self.config = self.config.replace(clip_mode=clip_mode, clip=clip)
        self.clip_mode, self.clip = self.config.clip_mode, self.config.clip

    # training -------------------------------------------------------------------------------
    def step(self) -> StepStats:
        """One step and its statistics, fetched now (in the batched mode too: what was pending comes
        first). The CLI, the tests and step-one clicks use it; the app's loop uses advance()."""
        done = self.advance(fetch=True)
        return done[-1]

    def advance(self, fetch: bool = False) -> list[StepStats]:
        """One step; returns the statistics that became known: this step's in the per-step mode; in the
        batched mode (fetch_every > 1, a GPU's default) [] until fetch_every steps or FETCH_EVERY_S
        have gone by, then all of them at once, from one device -> host copy. fetch=True fetches now.
        A step whose loss or gradient is NaN/Inf comes back diverged, with the weights of the step before
        it; the run's loop stops there (a caller that goes on steps one at a time, as step() did)."""
        if self.fetch_every == 1 or self.diverged:
            return [self._step_now()]
        if not self._pending:
            self._checkpoint()  # what a divergence in this batch rolls back to
        t0 = time.perf_counter()
        batch, fresh = self._next_batch()
        stats = self.graph.run(batch) if self.graph is not None else None  # one replay of the captured step
        if stats is None:
            stats = self._compute(batch, fresh)
            self.optimizer.step()  # a non-finite step is undone at the fetch, by the rollback
        self._pending.append((stats, self.lr, t0))
        self.steps_done += 1
        if fetch or len(self._pending) >= self.fetch_every or t0 - self._fetched_at >= self.fetch_every_s:
            return self.flush()
        return []

    def has_pending(self) -> bool:
        """Steps taken whose statistics are still on the device (batched mode): flush() fetches them."""
        return bool(self._pending)

    def flush(self) -> list[StepStats]:
        """The statistics of the steps taken since the last fetch, in one device -> host copy (batched
        mode). A NaN/Inf among them rolls back to the weights before the batch and replays it step by
        step up to the step that diverged, so weights, optimizer and history are those of that step."""
        if not self._pending:
            return []
        pending, self._pending = self._pending, []
        rows = torch.stack([v for v, _, _ in pending]).tolist()
        self.host_syncs += 1
        now = time.perf_counter()
        first = self.steps_done - len(pending)
        for i, (loss_v, _, norm_v, _) in enumerate(rows):
            if not (math.isfinite(loss_v) and math.isfinite(norm_v)):
                return self._replay(i)
        # each step's share of the time since the batch began (on a GPU the host runs ahead of it)
        dt = (now - pending[0][2]) / len(pending)
        self._fetched_at = now
        return [
            StepStats(first + i + 1, r[0], r[1], r[2], r[3], lr, dt)
            for i, (r, (_, lr, _)) in enumerate(zip(rows, pending, strict=True))
        ]

    def _replay(self, n_ok: int) -> list[StepStats]:
        """Back to the checkpoint, then n_ok steps and the one that diverged again, one fetch each: the
        same batches and random draws, so the same numbers, and the run ends as the per-step mode's does."""
        ck = self._ckpt
        with torch.no_grad():
            torch._foreach_copy_(self.params, ck["params"])
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.graph is not None:  # the optimizer's state is in new tensors now
            self.graph.reset()
        self.gen.set_state(ck["gen"])
        torch.set_rng_state(ck["rng"])
        if "cuda_rng" in ck:
            torch.cuda.set_rng_state(ck["cuda_rng"], self.device)
        self.steps_done = ck["steps_done"]
        self._carried = ck["carried"]
        out = []
        for _ in range(n_ok + 1):
            out.append(self._step_now())
            if out[-1].diverged:
                break
        if not out[-1].diverged:  # the device gave a finite result this time: stop where it failed before
            self.diverged = True
            out[-1].diverged = True
        self._fetched_at = time.perf_counter()
        return out

    def _checkpoint(self) -> None:
        """A device-side copy of the weights and the optimizer state, and the RNG states: no host sync."""
        opt = self.optimizer.state_dict()
        opt["state"] = {
            k: {n: v.clone() if torch.is_tensor(v) else v for n, v in st.items()} for k, st in opt["state"].items()
        }
        self._ckpt = {
            "params": [p.detach().clone() for p in self.params],
            "optimizer": opt,
            "gen": self.gen.get_state(),
            "rng": torch.get_rng_state(),
            "steps_done": self.steps_done,
            "carried": self._carried,  # never changed in place: a new tensor each step
        }
        if self.device.type == "cuda":
            self._ckpt["cuda_rng"] = torch.cuda.get_rng_state(self.device)

    def _forward_backward(self) -> torch.Tensor:
        """Forward, loss, backward and clipping of the next batch; returns [loss, metric, norm before and
        after clipping] as one tensor on the device (no host sync)."""
        return self._compute(*self._next_batch())

    def _next_batch(self):
        """(the next training batch on the device, whether it starts a fresh state): the host's part of a
        step, with the model in training mode and the scheduled rate set."""
        if not self.model.training:  # probes and views switch to eval; .train() walks every module
            self.model.train()
        if self.carry:
            stream, fresh = self.task.stream_batch(self.steps_done)
            batch = self._to_device(stream)
        else:
            batch, fresh = self._to_device(self.task.train_batch(self.gen)), True
        if self._scheduled:
            lr = self.scheduled_lr(self.steps_done)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        return batch, fresh

    def _compute(self, batch, fresh: bool) -> torch.Tensor:
        """Forward, loss, backward and clipping of one batch on the device: all device work (a CUDA graph
        captures it, rnnplay/graphs.py)."""
        if self.carry:
            # truncated BPTT: start from the last batch's final state, detached, so the gradient stops
            # at this batch's first step while the state remembers everything read before it
            out, state = self.model.step(batch.x, None if fresh else self._carried)
            self._carried = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        else:
            out = self.model(batch.x, batch.lengths, batch.y)
        loss = self.task.loss(out, batch.y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in self.params if p.grad is not None]
        per_param = torch.stack(torch._foreach_norm(grads))  # (P,) pre-clip norm of each tensor
        norm = torch.linalg.vector_norm(per_param)  # = total_norm(grads), without norming twice
        self._param_norms = per_param
        if len(grads) != len(self._param_norm_names):  # some parameter went unused (or came back)
            self._param_norm_names = [
                n for n, p in zip(self.param_names, self.params, strict=True) if p.grad is not None
            ]
        if self.clip_mode == "norm":
            # torch's clip_grads_with_norm_ for gradients on one device in one dtype (a model's): the same factor
            # and the same product, without its grouping by device, which took half its 36 us a step (copy)
            scale = torch.clamp(self.clip / (norm + 1e-6), max=1.0)
            torch._foreach_mul_(grads, scale)
            after = norm * scale  # what clipping left
        elif self.clip_mode == "value":
            clip_grad_value_(self.params, self.clip)
            after = total_norm(grads)
        else:
            after = norm
        metric = self.task.score(out, batch.y)
        return torch.stack([loss.detach(), metric, norm, after])

    def _step_now(self) -> StepStats:
        """The per-step mode: one step, its statistics fetched at once (one copy); NaN/Inf in the loss or
        the gradients stops the run before the optimizer step. On a CPU the copy is no device sync."""
        t0 = time.perf_counter()
        loss_v, metric_v, norm_v, after_v = self._forward_backward().tolist()
        self.host_syncs += 1
        self.steps_done += 1
        if not (math.isfinite(loss_v) and math.isfinite(norm_v)):
            self.diverged = True
            self.optimizer.zero_grad(set_to_none=True)
        else:
            self.optimizer.step()
        return StepStats(
            self.steps_done, loss_v, metric_v, norm_v, after_v, self.lr, time.perf_counter() - t0, self.diverged
        )

    def evaluate(self) -> tuple[float, float]:
        """(validation loss, validation metric) on the task's held-out batch."""
        return _evaluate(self.model, self.task, self._val)

    def grad_through_time(self) -> list[float]:
        return probes.grad_through_time(self.model, self.task, self.probe_batch).tolist()

    def param_norms(self) -> dict[str, float]:
        """{parameter name: ‖∂L/∂θ‖ before clipping} of the last step (one host transfer)."""
        if self._param_norms is None:
            return {}
        return dict(zip(self._param_norm_names, self._param_norms.tolist(), strict=True))

    def probe(self) -> dict:
        """Everything the probe views draw, for the current weights: the gradient through time, the hidden
        activations (sample 0), the recurrent weight spectrum and the per-parameter gradient norms."""
        return self.probe_job().probe()

    def probe_job(self, twin: bool = False) -> ProbeJob:
        """The probe and the validation of this step's weights, to run now on the trainer's model, or (twin=True)
        in another thread while training goes on: on a twin of the model that holds a copy of this step's
        weights. The trainer keeps one twin and copies the weights into it here: the caller lets no job that
        reads it run while it makes the next."""
        if self._probe_sample is None:  # the probe batch never changes: its sample and labels neither
            sample = self.probe_batch.x[:1]
            if self.probe_batch.lengths is not None:  # one sample: its own length, no padding
                sample = sample[:, : int(self.probe_batch.lengths[0])]
            self._probe_sample, self._probe_labels = sample, self.task.input_labels(sample[0].cpu())
        model = self.model
        if twin:
            if self._twin is None:
                self._twin = copy.deepcopy(self.model).eval()
            probes.copy_weights(self._twin, model)
            model = self._twin
        return ProbeJob(
            model=model,
            task=self.task,
            probe_batch=self.probe_batch,
            val_batch=self._val,
            sample=self._probe_sample,
            labels=self._probe_labels,
            nonlinearity=self.config.nonlinearity if self.config.arch == "rnn" else "tanh",
            step=self.steps_done,
            param_norms=self.param_norms(),
        )

    def task_view(self) -> dict:
        return self.task.view(self.model, self.device)
