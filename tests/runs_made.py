"""What the tests of a TrainingRun share (tests/test_run.py, tests/test_hosted.py): tiny runs that a fixture
stops after each test, and waiting for a run's thread to get somewhere; tests/test_race.py's races use both
the stopping and the waiting."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun

T = TypeVar("T")
TINY = {"hidden_size": 4, "seq_len": 4, "batch_size": 4, "device": "cpu"}


def stopped_after(make: Callable[..., T]) -> Iterator[Callable[..., T]]:
    """A fixture's body: yields `make`, remembering what it makes (a TrainingRun, a Race); after the test each one
    made is stopped and its thread gone."""
    made: list = []

    def remembered(*args, **kwargs) -> T:
        made.append(thing := make(*args, **kwargs))
        return thing

    yield remembered
    for thing in made:
        thing.stop()
        assert thing.slot.thread is None or not thing.slot.thread.is_alive()


def tiny_run(task: str = "majority", steps: int = 1_000_000, **kw) -> TrainingRun:
    """A TINY run of `task` that probes at every step it may."""
    return TrainingRun(make_config(task, steps=steps, **{**TINY, **kw}), min_probe_interval_s=0.0)


def runs_made() -> Iterator[Callable[..., TrainingRun]]:
    """A fixture's body: yields make(task, steps, **settings), a tiny_run; stopped after the test."""
    yield from stopped_after(tiny_run)


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
