"""Runs a lesson's configuration in the test's own thread, deterministically: every run steps in turn
(as a Race does) and is probed every `probe_every` steps (the app probes by wall time). Yields, after
each probe, the runs' snapshots in the lesson's entry order: what the charts and the narrator read."""

from __future__ import annotations

import re

from rnnplay.config import make_config, parse_params
from rnnplay.lessons import Lesson
from rnnplay.race import PRESETS, parse_entry
from rnnplay.run.training_run import TrainingRun


def lesson_configs(lesson: Lesson, seed: int = 0) -> list:
    """The configurations the lesson's link opens, on `seed`."""
    params = {k: str(v) for k, v in lesson.params.items()}
    if lesson.page == "playground":
        config, _ = parse_params(params)
        return [config.replace(seed=seed)]
    preset = PRESETS[params["race"]]
    shared = {k: v for k, v in params.items() if k != "race" and not re.fullmatch(r"e[1-4]", k)}
    base = preset[0].replace(**shared)
    entries = [parse_entry(params[k], base)[0] for k in ("e1", "e2", "e3", "e4") if k in params]
    configs = entries or [c.replace(**shared) for c in preset]
    return [c.replace(seed=seed) for c in configs]


def drive(configs: list, steps: int | None = None, probe_every: int = 10, surges: bool = True):
    """Train every configuration up to `steps` (default: its own), one step each in turn; after every
    `probe_every`-th step (and at the end) yield the list of snapshots. surges=False: no probe for a
    surging gradient norm (the cadence's probe of an explosion as it grows), only those every probe_every."""
    runs = [TrainingRun(c, min_probe_interval_s=0.0) for c in configs]
    for r in runs:
        # probe after the first step (as the app does) and every probe_every steps: the same points every time
        r.loop.cadence.due = lambda r=r: r.trainer.steps_done == 0 or (r.trainer.steps_done + 1) % probe_every == 0
        if not surges:
            r.loop.cadence.surged = lambda grad_norm: False
        r.begin_driven()
    total = steps or max(c.steps for c in configs)
    try:
        for i in range(1, total + 1):
            for r in runs:
                if r.state == "running" and r.trainer.steps_done < total:
                    r.advance()
            if i % probe_every == 0 or i == total:
                yield [r.snapshot() for r in runs]
            if all(r.state != "running" for r in runs):
                yield [r.snapshot() for r in runs]
                return
    finally:
        for r in runs:
            r.stop()


__all__ = ["drive", "lesson_configs", "make_config"]
