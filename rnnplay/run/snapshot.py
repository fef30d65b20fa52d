"""What the pages, the figures, the lessons and the diagnosis read of a run: a frozen, typed Snapshot.

A snapshot is taken under the run's lock, so its parts agree, and stays valid after the lock is gone.
Every live redraw takes one, so it copies nothing that did not change: the history's columns are copied
again only after a step, the probes' only after a probe, and those lists are never changed afterwards
(new steps make new lists), so snapshots share them. Treat them as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnplay.config import RunConfig
from rnnplay.i18n import Msg
from rnnplay.run.state import NO_MESSAGE, RunState

COLUMNS = ("step", "loss", "metric", "grad_norm", "grad_norm_clipped", "lr")  # the history's (run/history.py)


def _columns(*names: str) -> dict[str, list]:
    return {n: [] for n in names}


@dataclass(frozen=True)
class TaskFacts:
    """What the charts and the diagnosis need to know about the run's task (tasks/base.py says what each is)."""

    name: str = ""
    metric: str = ""  # "accuracy", "sequence accuracy" or "mse"
    chance: float | None = None  # the metric of a guess that ignores the sequence
    chance_loss: float | None = None  # ... and its loss: the chance line
    kind: str | None = None  # "many-to-one", "many-to-many" or "seq2seq"
    chance_text: str | None = None  # that guess in words (an N_ text)
    stuck_hint: str | None = None  # what to try when the loss sits at the chance line (an N_ text)
    finite_data: bool = False  # a fixed training set, which a model can memorise
    chance_label: str | None = None  # the chance line's label (an N_ text with {x})
    dataset_len: int | None = None  # examples in one epoch; None: no epochs

    @classmethod
    def of(cls, task) -> TaskFacts:
        return cls(
            name=task.name,
            metric=task.metric,
            chance=task.chance,
            chance_loss=task.chance_loss,
            kind=task.kind,
            chance_text=task.chance_text,
            stuck_hint=task.stuck_hint,
            finite_data=task.finite_data,
            chance_label=task.chance_label,
            dataset_len=task.dataset_len,
        )


@dataclass(frozen=True)
class Snapshot:
    """One run at one moment. The defaults are those of a run that has not stepped."""

    config: RunConfig | None = None
    state: RunState = RunState.READY
    queue_position: int | None = None  # 1-based, while queued
    queue_length: int | None = None
    message: Msg = NO_MESSAGE  # why it is in its state: a str, its English; the page says it with tr
    steps_done: int = 0
    steps_total: int = 0
    steps_per_s: float = 0.0
    history: dict[str, list] = field(default_factory=lambda: _columns(*COLUMNS))  # a row per bucket of steps
    val: dict[str, list] = field(default_factory=lambda: _columns("step", "loss", "metric"))  # a row per probe
    probes: list[dict] = field(default_factory=list)  # {"step", "grad_through_time"}, thinned
    spectral: dict[str, list] = field(default_factory=lambda: _columns("step", "radius", "singular"))
    param_norms: dict[str, list] = field(default_factory=lambda: _columns("step", "names", "values"))
    frames: list[dict] = field(default_factory=list)  # what each probe saw, for the replay
    latest_probe: dict | None = None  # Trainer.probe() with "val" and the latest "task_view"
    task_view: dict | None = None  # the task's own view of the model (tasks/base.py)
    events: list[tuple[int, str]] = field(default_factory=list)  # (step, what changed: "lr=0.01")
    task: TaskFacts = field(default_factory=TaskFacts)


@dataclass(frozen=True)
class RaceSnapshot:
    """A race (rnnplay.race) at one moment: its own state and each entry's Snapshot."""

    state: RunState = RunState.READY
    queue_position: int | None = None
    queue_length: int | None = None
    message: Msg = NO_MESSAGE
    labels: list[str] = field(default_factory=list)  # the legend's name of each entry
    runs: list[Snapshot] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)  # each entry's steps done
    steps_per_s: float = 0.0


class SnapshotCache:
    """The copies snapshots share: the history's and the probes', each remade only when its version moved,
    and the task's facts, made once."""

    def __init__(self):
        self._history: tuple[int, dict] | None = None
        self._probes: tuple[int, dict] | None = None
        self._task: TaskFacts | None = None

    def history(self, history) -> dict:
        if self._history is None or self._history[0] != history.version:
            self._history = (history.version, history.copy())
        return self._history[1]

    def probes(self, log) -> dict:
        if self._probes is None or self._probes[0] != log.version:
            self._probes = (log.version, log.copy())
        return self._probes[1]

    def task(self, task) -> TaskFacts:
        if self._task is None:
            self._task = TaskFacts.of(task)
        return self._task
