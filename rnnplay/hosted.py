"""Hosted mode: one small server, a whole class training at once.

A teacher runs one server and 30+ students press Train within the same minute. Two things keep that
machine responsive: caps on what one run may ask for (checked before it starts), and an admission
controller that lets at most MAX_TRAININGS runs step at once and queues the rest first come, first
served, with a visible position; past MAX_QUEUE waiting runs a new one is refused with a message.
A run holds its slot only while it is actually stepping: pausing, stopping, finishing, diverging,
failing or its thread ending gives the slot to the next in the queue. No streamlit here.

Every cap comes from the environment, read when it is used (so a test or a restarted server can set it):

| variable                 | default              | what it caps                                                |
|--------------------------|----------------------|-------------------------------------------------------------|
| RNNPLAY_MAX_PARAMS       | 1_000_000            | parameters of one model (embedding, recurrent core, head)   |
| RNNPLAY_MAX_STEPS        | 20_000               | training steps of one run                                   |
| RNNPLAY_MAX_SEQ_LEN      | 400                  | sequence length T                                           |
| RNNPLAY_MAX_TRAININGS    | max(2, CPU count)    | runs stepping at once on this server (a race counts as one) |
| RNNPLAY_MAX_QUEUE        | 50                   | runs waiting for a slot; one more is refused                |
| RNNPLAY_THREADS          | 1                    | torch CPU threads of each training thread                   |
| RNNPLAY_IDLE_PAUSE_S     | 600                  | seconds a running run nobody looks at goes on before pausing|
| RNNPLAY_REDRAW_SHARE     | 0.5                  | share of one core all live chart redraws together may use   |
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

import torch

from rnnplay.config import RunConfig, make_config
from rnnplay.i18n import N_, Msg
from rnnplay.tasks import make_task

# the status line of a queued run and the refusal past the queue: a load test reads them (keep them stable)
QUEUED_TEXT = N_("queued: position {position} of {length} — waits for a free slot")
REFUSED_TEXT = N_(
    "The server is busy: {active} trainings are running and {waiting} are waiting, as many as it queues "
    "({env}={max_queue}). Try again in a minute."
)
IDLE_TEXT = N_(
    "paused: nobody looked at this run for {seconds} s ({env}), so it gave its place to others — press Resume to go on"
)
DETACHED_TEXT = N_("paused: the page was closed or lost its connection — press Resume to go on")
STEP_BUSY_TEXT = N_(
    "The server is busy: all {active} training slots are taken ({env}={max_active}), and one batch needs one "
    "too. Press Train to wait in line, or try again in a moment."
)
OVER_BUDGET_TEXT = N_("Not started: {problem}")
CAP_TEXT = N_("{field}={value} is over this server's cap of {cap} (set by {env}): choose a smaller value")
PARAMS_TEXT = N_(
    "this model has {value} parameters (hidden_size={hidden_size}, num_layers={num_layers}), over this "
    "server's cap of {cap} (set by {env}): choose a smaller hidden size or fewer layers"
)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
# fields that never change what a task's data looks like (its input, output and vocabulary sizes)
_MODEL_ONLY = (
    "arch",
    "impl",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "nonlinearity",
    "dropout",
    "embed_dim",
    "lr",
    "lr_schedule",
    "lr_step",
    "lr_step_unit",
    "lr_gamma",
    "optimizer",
    "momentum",
    "clip_mode",
    "clip",
    "steps",
    "init",
    "init_gain",
    "forget_bias",
    "weight_decay",
    "device",
    "temperature",
    "carry_state",
    "teacher_forcing",
    "seed",
)
# fields that change how much data a task holds or how long its sequences are, never its input, output or
# vocabulary sizes: _task_sizes builds the task with its defaults for them, so counting parameters never
# builds a 100,000-sequence pool or reads a user's series
_SIZE_FREE = ("batch_size", "seq_len", "dataset_size", "delay", "noise", "series")


def env_int(name: str, default: int, lo: int = 0) -> int:
    """An integer from the environment; a value that is not one (or below lo) is an error at start-up,
    named, rather than a cap silently off."""
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not allowed: an integer ≥ {lo}") from None
    if value < lo:
        raise ValueError(f"{name}={value} is not allowed: an integer ≥ {lo}")
    return value


@dataclass(frozen=True)
class Caps:
    max_params: int
    max_steps: int
    max_seq_len: int
    max_trainings: int
    max_queue: int
    threads: int
    idle_pause_s: int  # 0: never


def caps() -> Caps:
    """This server's caps, read from the environment now."""
    return Caps(
        max_params=env_int("RNNPLAY_MAX_PARAMS", 1_000_000, lo=1),
        max_steps=env_int("RNNPLAY_MAX_STEPS", 20_000, lo=1),
        max_seq_len=env_int("RNNPLAY_MAX_SEQ_LEN", 400, lo=2),
        max_trainings=env_int("RNNPLAY_MAX_TRAININGS", max(2, os.cpu_count() or 1), lo=1),
        max_queue=env_int("RNNPLAY_MAX_QUEUE", 50, lo=0),
        threads=env_int("RNNPLAY_THREADS", 1, lo=1),
        idle_pause_s=env_int("RNNPLAY_IDLE_PAUSE_S", 600, lo=0),
    )


# parameters, counted without building the model -----------------------------------------------------------
@lru_cache(maxsize=64)
def _task_sizes(data_config: RunConfig) -> tuple[str, int, int, int | None]:
    """(kind, input_size, output_size, vocab_size) of the task a configuration makes. Building a task can
    take a while (sentiment reads its sentences: ~0.25 s), so it is cached on the fields that shape the data."""
    task = make_task(data_config)
    return task.kind, task.input_size, task.output_size, task.vocab_size


def _core_params(arch: str, input_size: int, hidden: int, layers: int, directions: int) -> int:
    """nn.RNN/LSTM/GRU (and ScratchRNN, same names): per layer and direction W_ih (G*H, in), W_hh (G*H, H),
    b_ih and b_hh (G*H); layers above the first read both directions' outputs (in = D*H)."""
    gh = GATES[arch] * hidden
    total = 0
    for layer in range(layers):
        n_in = input_size if layer == 0 else directions * hidden
        total += directions * (gh * n_in + gh * hidden + 2 * gh)
    return total


def task_sizes(config: RunConfig) -> tuple[str, int, int, int | None]:
    """_task_sizes of the task this configuration makes, built with its defaults for every field that
    does not change them (a small model, a small pool): cheap, whatever the configuration asks."""
    defaults = make_config(config.task)
    return _task_sizes(config.replace(**{n: getattr(defaults, n) for n in (*_MODEL_ONLY, *_SIZE_FREE)}))


def param_count(config: RunConfig) -> int:
    """Exactly sum(p.numel() for p in Trainer(config).model.parameters()), from the sizes alone."""
    kind, n_in, n_out, vocab = task_sizes(config)
    c, H = config, config.hidden_size
    if kind == "seq2seq":  # models.Seq2Seq: embedding, encoder, decoder (one direction), head over the vocabulary
        return (
            vocab * c.embed_dim
            + _core_params(c.arch, c.embed_dim, H, c.num_layers, 2 if c.bidirectional else 1)
            + _core_params(c.arch, c.embed_dim, H, c.num_layers, 1)
            + H * vocab
            + vocab
        )
    directions = 2 if c.bidirectional else 1
    embed = vocab * c.embed_dim if vocab else 0
    core = _core_params(c.arch, c.embed_dim if vocab else n_in, H, c.num_layers, directions)
    return embed + core + directions * H * n_out + n_out


# admission ---------------------------------------------------------------------------------------------
ADMITTED, QUEUED, REFUSED = "admitted", "queued", "refused"


class Admission:
    """At most max_active owners step at once; the others wait first come, first served, at most max_queue
    of them. An owner is anything with identity (a TrainingRun, a Race). request() and release() are
    idempotent, so every way a run can end may release without counting. Limits left None are read from
    the environment at each call. Lock order: an owner's own lock may be held while calling in here;
    nothing in here ever calls back into an owner."""

    def __init__(self, max_active: int | None = None, max_queue: int | None = None):
        self._max_active, self._max_queue = max_active, max_queue
        self._cv = threading.Condition()
        self._active: list = []
        self._queue: deque = deque()

    def limits(self) -> tuple[int, int]:
        if self._max_active is not None and self._max_queue is not None:
            return self._max_active, self._max_queue
        c = caps()
        return (
            c.max_trainings if self._max_active is None else self._max_active,
            c.max_queue if self._max_queue is None else self._max_queue,
        )

    def request(self, owner) -> str:
        """ADMITTED (it may step now), QUEUED (it waits its turn) or REFUSED (the queue is full)."""
        with self._cv:
            if any(o is owner for o in self._queue):
                return QUEUED
            if self._take_free(owner):
                return ADMITTED
            _, max_queue = self.limits()
            if len(self._queue) >= max_queue:
                return REFUSED
            self._queue.append(owner)
            return QUEUED

    def release(self, owner) -> bool:
        """Give back the owner's slot, or its place in the queue; the next in line steps up. True if it had one."""
        with self._cv:
            had = _remove(self._active, owner) or _remove(self._queue, owner)
            self._promote(self.limits()[0])
            if had:
                self._cv.notify_all()
            return had

    def _promote(self, max_active: int) -> None:
        moved = False
        while self._queue and len(self._active) < max_active:
            self._active.append(self._queue.popleft())
            moved = True
        if moved:
            self._cv.notify_all()

    def wait(self, owner, timeout: float | None = None) -> bool:
        """Block while the owner is queued (at most timeout s); True once it holds a slot. Wakes when it is
        admitted or leaves the queue (release), never by polling."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while any(o is owner for o in self._queue):
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cv.wait(left)
            return any(o is owner for o in self._active)

    def position(self, owner) -> tuple[int, int] | None:
        """(1-based place in the queue, queue length), or None when not queued."""
        with self._cv:
            for i, o in enumerate(self._queue):
                if o is owner:
                    return i + 1, len(self._queue)
            return None

    def holds(self, owner) -> bool:
        with self._cv:
            return any(o is owner for o in self._active)

    def counts(self) -> dict[str, int]:
        max_active, max_queue = self.limits()
        with self._cv:
            return {
                "active": len(self._active),
                "queued": len(self._queue),
                "max_active": max_active,
                "max_queue": max_queue,
            }

    def refusal_args(self) -> dict:
        """REFUSED_TEXT's fields, now."""
        c = self.counts()
        return {"active": c["active"], "waiting": c["queued"], "env": "RNNPLAY_MAX_QUEUE", "max_queue": c["max_queue"]}

    def refusal(self) -> Msg:
        return Msg(REFUSED_TEXT, **self.refusal_args())

    def busy_args(self) -> dict:
        """STEP_BUSY_TEXT's fields, now."""
        c = self.counts()
        return {"active": c["active"], "env": "RNNPLAY_MAX_TRAININGS", "max_active": c["max_active"]}

    def take_now(self, owner) -> bool:
        """A slot now or nothing: True when the owner holds one (it had one, or one was free and nobody
        waits for it). Never joins the queue: a click that steps one batch cannot wait in line."""
        with self._cv:
            return self._take_free(owner)

    def _take_free(self, owner) -> bool:
        """Under the lock: True when the owner holds a slot (it had one, or one was free and nobody waits)."""
        if any(o is owner for o in self._active):
            return True
        max_active, _ = self.limits()
        self._promote(max_active)
        if len(self._active) < max_active and not self._queue:
            self._active.append(owner)
            return True
        return False


def _remove(seq, owner) -> bool:
    for i, o in enumerate(seq):
        if o is owner:
            del seq[i]
            return True
    return False


# the server's one controller: every session's runs and races share these slots
ADMISSION = Admission()


QUEUED_EVERY_S = 2.0  # a queued run has only its place in line to show


def waits_behind(owner, admission: Admission | None = None) -> bool:
    """Whether `owner` is queued behind another (its page redraws at the queued pace)."""
    place = (admission or ADMISSION).position(owner)
    return place is not None and place[0] > 1


class RedrawPacer:
    """Responsive under load: every open page that follows a live run polls for its charts on a timer, in the one
    Python process whose GIL the training threads need too. At 0.5 s per redraw, 30 sessions asked for more CPU
    than the server has: redraws queued up behind each other and no page got an answer (load test,
    docs/benchmarks.md). So each redraw's CPU time is measured (time.thread_time of the thread that answers
    the poll, waits excluded), and a page polls every max(base, live_views * cost / share) seconds (the
    interval each answer carries): all live views together use at most `share` of one core however many are
    open, and a single learner keeps the base rate (the pages' RNNPLAY_LIVE_EVERY, 2 Hz)."""

    def __init__(self, share: float | None = None, cost_s: float = 0.05):
        self._share = share
        self._cost = cost_s  # moving average of one redraw's CPU seconds
        self._lock = threading.Lock()

    @property
    def share(self) -> float:
        if self._share is not None:
            return self._share
        try:
            value = float(os.environ.get("RNNPLAY_REDRAW_SHARE", "0.5"))
        except ValueError:
            value = 0.5
        return min(max(value, 0.05), 1.0)

    def record(self, cpu_s: float) -> None:
        with self._lock:
            self._cost = 0.8 * self._cost + 0.2 * max(cpu_s, 0.0)

    @property
    def cost_s(self) -> float:
        return self._cost

    def interval(self, base_s: float, live_views: int | None = None, queued: bool = False) -> float:
        """Seconds between two redraws of one live view; live_views defaults to the runs that are
        stepping or waiting for a slot (each has a page following it). queued: the run waits behind
        another in the queue (the one next in line keeps the live pace, so its page follows within one
        redraw once its turn comes: a default run trains for about 1.5 s)."""
        if live_views is None:
            c = ADMISSION.counts()
            live_views = c["active"] + c["queued"]
        every = max(base_s, max(live_views, 1) * self._cost / self.share)
        return max(every, QUEUED_EVERY_S) if queued else every


PACER = RedrawPacer()


def set_torch_threads() -> None:
    """Called by each training thread: torch's CPU thread count is per thread (a new thread starts from
    the process default), and many sessions share a few cores."""
    torch.set_num_threads(caps().threads)
