"""What the tests of a TrainingRun share (tests/test_run.py, tests/test_hosted.py): tiny runs that a fixture
stops after each test, and waiting for a run's thread to get somewhere (tests/test_race.py's races too)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun

TINY = {"hidden_size": 4, "seq_len": 4, "batch_size": 4, "device": "cpu"}


def runs_made() -> Iterator[Callable[..., TrainingRun]]:
    """A fixture's body: yields make(task, steps, **settings), a TINY run of `task` that probes at every step it
    may; after the test every run made is stopped and its thread gone."""
    runs: list[TrainingRun] = []

    def make(task: str = "majority", steps: int = 1_000_000, **kw) -> TrainingRun:
        run = TrainingRun(make_config(task, steps=steps, **{**TINY, **kw}), min_probe_interval_s=0.0)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.stop()
        assert run.slot.thread is None or not run.slot.thread.is_alive()


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
