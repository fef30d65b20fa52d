"""The architecture race: 2–4 TrainingRuns on the same task, data and seed, stepped in turn by one thread.

Each entry is a full TrainingRun (its own model, optimizer, history and probes), so every figure
that draws a run's snapshot draws an entry. One background thread steps the entries round-robin,
one step each in turn: they advance together (step counts differ by at most one), share the CPU
fairly, and cost no more than training them one after the other (python -m rnnplay.bench --race).
The same seed gives every entry the same training batches, so differences come from the model.
An entry that finishes, diverges or fails stops being stepped; the others go on. Never st.*.

EXPLODING and VANISHING are the two demos of the Gradient lab (and its lessons).
"""

from __future__ import annotations

import threading
import time

from rnnplay import cost
from rnnplay.config import FIELDS, ConfigError, RunConfig, make_config
from rnnplay.i18n import N_, Msg
from rnnplay.run.probe_log import MIN_PROBE_INTERVAL_S
from rnnplay.run.slot import AdmissionSlot, SlotOwner
from rnnplay.run.snapshot import RaceSnapshot
from rnnplay.run.state import RunState
from rnnplay.run.training_run import TrainingRun
from rnnplay.untrusted import shorten

MIN_ENTRIES, MAX_ENTRIES = 2, 4
# what makes the data stream: entries must agree on these (and on every task-specific field)
DATA_FIELDS = ("task", "seed", "batch_size", "seq_len")
# what may differ between entries, in the order a label names them
ENTRY_FIELDS = (
    "arch",
    "nonlinearity",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "init",
    "init_gain",
    "optimizer",
    "lr",
    "momentum",
    "clip_mode",
    "clip",
)

# The exploding demo: a linear RNN (no activation: h_t = W_hh h_{t-1} + W_ih x_t + b) counts the ones of
# majority (T=10). A counter needs W_hh's spectral radius at 1; SGD with momentum 0.99 (lr 0.003) overshoots
# it, and above 1 every step back multiplies the gradient by more than 1: it grows toward t = 1, larger
# gradients make larger updates, which push the radius up again, until the loss is NaN/Inf. Clipped to norm
# 1 the same run keeps the radius near 1 and learns to count. Measured, seeds 0-4 (lesson_runs.drive, a probe
# every 20 steps): without clipping the loss is below chance/2 from step 51-95; then the probes find the radius
# at up to 1.3-1.7 and h1/hT at up to 4.6-93, the median gradient norm of the last 50 steps is 5-20x that of
# the first 100, and the run stops at step 443, 490, 451, 518, 800. Clipped, the loss is below chance/2 from
# step 58-113 and 1e-4-0.03 at step 1000 (chance 0.663), its radius at most 1.16-1.24.
# Linear, because every saturating or switching-off unit ends the story early: a ReLU RNN (identity init,
# adding, SGD) diverges within 1-5 steps or switches its units off (h1/hT 0) and trains on; a tanh RNN's
# loss grows through its output layer while its units saturate and h1/hT falls below 1e-2 (the vanishing
# shape); ~600 such configurations measured (gain 0.5-2.5, lr 3e-6..0.3, momentum 0-0.999, T 5-50).
_EXPLODE = {
    "arch": "rnn",
    "nonlinearity": "linear",
    "init": "orthogonal",
    "init_gain": 1.0,
    "optimizer": "sgd",
    "lr": 0.003,
    "momentum": 0.99,
    "hidden_size": 64,
    "seq_len": 10,
    "batch_size": 32,
    "steps": 1000,
}
EXPLODING = [
    make_config("majority", **_EXPLODE, clip_mode="off"),
    make_config("majority", **_EXPLODE, clip_mode="norm", clip=1.0),
]
# The vanishing demo (adding T=50): the plain RNN stays at the chance line while LSTM and GRU,
# same data, seed and optimizer, carry the gradient back across the sequence and fall below it.
# 32 units at lr 0.01: LSTM and GRU fall below chance 2-4x sooner than with adding's defaults (measured)
_VANISH = {"seq_len": 50, "hidden_size": 32, "lr": 0.01, "clip_mode": "norm", "clip": 1.0, "steps": 1500}
VANISHING = [make_config("adding", arch=a, **_VANISH) for a in ("rnn", "lstm", "gru")]
# tagging: a word's tag depends on the next word, which only a bidirectional RNN has read
BIDIRECTIONAL = [make_config("tagging"), make_config("tagging", bidirectional=True)]
# copy: the task's own defaults (an LSTM) against a plain RNN of the same size
_COPY = {"hidden_size": 64, "lr": 0.02, "steps": 3000}  # the LSTM below the baseline ~2x sooner than copy's defaults
COPY = [make_config("copy", arch="lstm", **_COPY), make_config("copy", arch="rnn", **_COPY)]
# the Gradient lab's ?race=<id> links (the lessons open them)
PRESETS = {"vanishing": VANISHING, "exploding": EXPLODING, "bidirectional": BIDIRECTIONAL, "copy": COPY}
# each demo's button in the Gradient lab: its title (N_-marked) and its icon
PRESET_BUTTONS = {
    "vanishing": (N_("Vanishing: RNN vs LSTM vs GRU"), ":material/trending_down:"),
    "exploding": (N_("Exploding: no clip vs clip"), ":material/bolt:"),
    "bidirectional": (N_("Bidirectional tagging"), ":material/swap_horiz:"),
    "copy": (N_("Copy: LSTM vs RNN"), ":material/content_copy:"),
}


def entry_param(config: RunConfig, base: RunConfig) -> str:
    """An entry as a URL value: its architecture and what else differs from the shared base,
    e.g. "arch:rnn,nonlinearity:relu,clip_mode:off"."""
    parts = [f"arch:{config.arch}"] + [
        f"{n}:{str(getattr(config, n)).lower() if isinstance(getattr(config, n), bool) else getattr(config, n)}"
        for n in ENTRY_FIELDS[1:]
        if getattr(config, n) != getattr(base, n)
    ]
    return ",".join(parts)


def parse_entry(text: str, base: RunConfig, name: str = "entry") -> tuple[RunConfig, list[Msg]]:
    """A URL value back to a configuration on top of base. A bad part is dropped with a warning that
    names the entry and the field, and the base's value stays: a share link never raises. Warnings are Msgs."""
    config, warnings = base, []
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition(":")
        if not sep or key not in ENTRY_FIELDS:
            warnings.append(
                Msg(
                    N_("{name}: {part} ignored: write field:value with a field among {fields}"),
                    name=name,
                    part=shorten(part),  # a link's e1 may be 1 MB long: never echoed whole
                    fields=", ".join(ENTRY_FIELDS),
                )
            )
            continue
        try:
            config = config.replace(**{key: value})
        except ConfigError as e:
            warnings.append(
                Msg(
                    N_("{name}: {error} — using {value}"),
                    name=name,
                    error=e.message,
                    value=repr(getattr(config, key)),
                )
            )
    return config, warnings


def data_fields(task: str) -> tuple[str, ...]:
    """The fields every entry of a race on this task must share: seed, batch, length, task options."""
    specific = tuple(n for n, f in FIELDS.items() if f.metadata["tasks"] and task in f.metadata["tasks"])
    return DATA_FIELDS + specific


def check_entries(configs: list[RunConfig]) -> None:
    """ConfigError naming the field when the entries cannot race (count, or different data)."""
    n = len(configs)
    if not MIN_ENTRIES <= n <= MAX_ENTRIES:
        raise ConfigError("entries", n, N_("{lo} to {hi} configurations"), lo=MIN_ENTRIES, hi=MAX_ENTRIES)
    first = configs[0]
    for i, c in enumerate(configs[1:], start=2):
        for name in data_fields(first.task):
            if getattr(c, name) != getattr(first, name):
                raise ConfigError(
                    name,
                    getattr(c, name),
                    N_("the same in every entry of a race (entry 1 has {first})"),
                    first=repr(getattr(first, name)),
                )
        if c.series != first.series:
            raise ConfigError("series", f"entry {i}", N_("the same series in every entry of a race"))


def _describe(c: RunConfig, name: str) -> Msg | str:
    v = getattr(c, name)
    if name == "clip_mode":  # with its threshold: "clip norm 1"
        return Msg(N_("no clip")) if v == "off" else Msg(N_("clip {mode} {clip}"), mode=v, clip=f"{c.clip:g}")
    if name == "nonlinearity":
        return v if c.arch == "rnn" else ""
    if name == "bidirectional":
        return Msg(N_("bidirectional")) if v else Msg(N_("left to right"))
    if name == "momentum":
        return Msg(N_("momentum {m}"), m=f"{v:g}") if c.optimizer != "adam" else ""
    return f"{name}={v:g}" if isinstance(v, float) else f"{name}={v}"


def race_labels(configs: list[RunConfig]) -> list[Msg]:
    """Short names for the legend: the architecture, then only what differs between the entries (Msgs: the
    Race keeps the English ones, the page says them in its reader's language)."""
    varying = [n for n in ENTRY_FIELDS[1:] if len({getattr(c, n) for c in configs}) > 1]
    if "clip" in varying:  # the threshold is named with the clipping mode
        varying.remove("clip")
        if "clip_mode" not in varying:
            varying.append("clip_mode")
    labels = [_joined([c.arch.upper()] + [_describe(c, n) for n in varying]) for c in configs]
    counts = {lab: labels.count(lab) for lab in labels}
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):  # still the same name: number them
        if counts[lab] > 1:
            seen[lab] = seen.get(lab, 0) + 1
            labels[i] = Msg("{label} #{n}", label=lab, n=seen[lab])  # nothing to translate in the joint
    return labels


def _joined(parts: list) -> Msg:
    """The non-empty parts, each said in the reader's language, joined by spaces."""
    parts = [p for p in parts if p]
    return Msg(" ".join(f"{{p{i}}}" for i in range(len(parts))), **{f"p{i}": p for i, p in enumerate(parts)})


class Race(SlotOwner):
    """States: ready -> (queued ->) running <-> paused -> done | stopped (RunState). The entries keep their
    own states. `slot` holds the race's state, its one thread and its one slot on the server (run/slot.py)."""

    thread_name = "rnnplay-race"

    def __init__(self, configs: list[RunConfig], labels: list[str] | None = None, **run_kw):
        check_entries(configs)
        self.configs = list(configs)
        self.labels = list(labels) if labels else race_labels(self.configs)
        self._run_kw = run_kw  # TrainingRun options (probe_budget, history_cap, ...)
        self._lock = threading.Lock()
        self.slot = AdmissionSlot(self, self._lock, self.thread_name)
        self._init_state()

    def _init_state(self) -> None:
        # each entry trains at 1/n of the wall-clock rate, so its probes are spaced n times wider in time:
        # the race probes as often as one run does, and costs what the runs one after the other cost
        kw = {"min_probe_interval_s": MIN_PROBE_INTERVAL_S * len(self.configs), **self._run_kw}
        self.runs = [TrainingRun(c, **kw) for c in self.configs]
        self._t_start, self._steps_at_start, self.steps_per_s = None, 0, 0.0

    def _total_steps(self) -> int:
        return sum(r.steps_done for r in self.runs)

    # what the slot asks of its host (run/slot.py) ------------------------------------------------
    def steps_so_far(self) -> int:
        return self._total_steps()

    def over_budget(self) -> list[Msg]:
        """Each entry against the budget, and the race as a whole against the memory budget."""
        return [p for c in self.configs for p in cost.check_cost(c)] + cost.check_race(self.configs)

    def restart_clock(self) -> None:
        self._t_start, self._steps_at_start = time.perf_counter(), self._total_steps()

    # controls (UI thread; each only flips state) ---------------------------------------------
    def start(self) -> None:
        """Race in the background thread. On a shared server the whole race is one training: it waits
        "queued" for a free slot, or is refused with a message when the queue is full (hosted)."""
        with self._lock:
            self.slot.touch()
            if self.slot.state in (RunState.DONE, RunState.STOPPED):
                return
            if self.slot.admit():
                for r in self.runs:
                    r.begin_driven()

    resume = start

    def pause(self, notice: Msg | None = None) -> None:
        """Returns once no entry is mid-step: paused means no more steps. The slot goes to the next in line."""
        with self._lock:
            self.slot.leave_paused(notice)
        for r in self.runs:
            r.pause()
        self.slot.release()

    def stop(self) -> None:
        self.slot.halt()
        self.join()
        for r in self.runs:
            r.stop()

    def join(self, timeout: float = 30.0) -> None:
        self.slot.join(timeout)

    def reset(self, configs: list[RunConfig] | None = None, labels: list[str] | None = None) -> None:
        """Stop and start afresh, with new entries if given."""
        if configs is not None:
            check_entries(configs)
        self.stop()
        if configs is not None:
            self.configs = list(configs)
            self.labels = list(labels) if labels else race_labels(self.configs)
        self.slot.reset()
        self._init_state()

    def step_one(self) -> None:
        """One batch for every entry that can take one, now, in the caller's thread, holding one slot for the
        whole race (as Train does); refused with the busy message when none is free."""
        slot = self.slot
        with self._lock:
            slot.touch()
            if slot.state not in (RunState.READY, RunState.PAUSED) or not slot.take_one():
                return
            slot.state, slot.paused = RunState.PAUSED, True
        try:
            for r in self.runs:
                r.step_one(take_slot=False)
        finally:
            slot.release()

    # the thread -------------------------------------------------------------------------------
    def train(self) -> None:
        slot = self.slot
        while slot.wait_while_paused():
            if not slot.await_turn():
                continue  # paused, stopped or idle: wait (or end) above
            active = [r for r in self.runs if r.state == RunState.RUNNING]
            if not active:
                with self._lock:
                    if slot.state == RunState.RUNNING:
                        slot.state = RunState.DONE
                return
            for r in active:  # one step each, in turn
                if slot.paused or slot.stop:
                    break
                r.advance()
            with self._lock:
                if self._t_start is not None and slot.state == RunState.RUNNING:
                    elapsed = time.perf_counter() - self._t_start
                    self.steps_per_s = (self._total_steps() - self._steps_at_start) / max(elapsed, 1e-9)

    # what the UI reads ------------------------------------------------------------------------
    def snapshot(self) -> RaceSnapshot:
        """The race's state and every entry's own snapshot (each as TrainingRun.snapshot())."""
        runs = [r.snapshot() for r in self.runs]
        slot = self.slot
        with self._lock:
            slot.touch()  # someone is looking: not idle (hosted)
            state, rate, (position, length) = slot.state, self.steps_per_s, slot.queue_place()
            message = slot.message
        return RaceSnapshot(
            state=state,
            queue_position=position,
            queue_length=length,
            message=message,
            labels=list(self.labels),
            runs=runs,
            steps=[s.steps_done for s in runs],
            steps_per_s=rate,
        )
