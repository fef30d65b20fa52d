"""4 concurrent runs as threads of one process vs in Ray workers (`python -m rnnplay.bench --ray-vs-threads`).

Both ways train the same runs (the adding problem's defaults, seeds 0..n-1, the same steps) while a
stand-in for each run's page takes a snapshot every --poll seconds, as the live view does. Printed: the
total steps/s both ways, and per snapshot the time it takes and, on Ray, the bytes that cross (the first
whole, then what changed). Without --address it starts a local Ray head on 127.0.0.1 (--num-cpus: the
machine's cores) and stops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time

import ray

from rnnplay.config import make_config
from rnnplay.ray_head import local_head
from rnnplay.run.ray_run import POOL, RemoteRun
from rnnplay.run.state import FINISHED
from rnnplay.run.training_run import TrainingRun


def _train(runs: list, poll_s: float, timed: list) -> float:
    """Start every run, snapshot each every poll_s until all have finished: the seconds it took.
    timed gets (seconds, bytes or None) per snapshot."""
    t0 = time.perf_counter()
    for run in runs:
        run.start()
    while True:
        done = 0
        for run in runs:
            t = time.perf_counter()
            snap = run.snapshot()
            timed.append((time.perf_counter() - t, getattr(run, "last_snapshot_bytes", None)))
            done += snap.state in FINISHED
        if done == len(runs):
            return time.perf_counter() - t0
        time.sleep(poll_s)


def _configs(n: int, steps: int) -> list:
    return [make_config("adding", steps=steps, seed=i, device="cpu") for i in range(n)]


def threads(n: int, steps: int, poll_s: float) -> dict:
    runs = [TrainingRun(c) for c in _configs(n, steps)]
    timed: list = []
    seconds = _train(runs, poll_s, timed)
    return {"seconds": seconds, "steps_per_s": n * steps / seconds, "snapshot_ms": _ms(timed)}


def on_ray(n: int, steps: int, poll_s: float) -> dict:
    runs = [RemoteRun(c) for c in _configs(n, steps)]  # the workers start (and import torch) here, untimed
    timed: list = []
    seconds = _train(runs, poll_s, timed)
    sizes = [b for _, b in timed]
    first, later = sizes[:n], sizes[n:]
    whole = []
    for run in runs:  # what a page that has seen nothing of the run gets now: the whole snapshot
        run.whole_snapshot()
        whole.append(run.last_snapshot_bytes)
        run.close()
    return {
        "whole_bytes_at_end": statistics.median(whole),
        "seconds": seconds,
        "steps_per_s": n * steps / seconds,
        "snapshot_ms": _ms(timed),
        "first_bytes": statistics.median(first),
        "later_bytes": statistics.median(later) if later else None,
        "snapshots": len(timed),
    }


def _ms(timed: list) -> dict:
    ms = sorted(1000 * t for t, _ in timed)
    return {"median": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rnnplay.bench --ray-vs-threads", description=__doc__.splitlines()[0])
    p.add_argument("--ray-vs-threads", action="store_true")
    p.add_argument("--runs", type=int, default=4)
    p.add_argument("--steps", type=int, default=300, help="steps per run")
    p.add_argument("--poll", type=float, default=0.25, help="seconds between a page's snapshots")
    p.add_argument("--address", default=None, help="a running Ray cluster (default: start a local head)")
    p.add_argument("--num-cpus", type=int, default=os.cpu_count() or 1)
    a, _ = p.parse_known_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("RNNPLAY_THREADS", "1")
    print(f"{a.runs} runs of adding (defaults), {a.steps} steps each, a snapshot of each every {a.poll} s")
    t = threads(a.runs, a.steps, a.poll)
    print(
        f"threads in one process: {t['steps_per_s']:.0f} steps/s in total ({t['seconds']:.1f} s); "
        f"a snapshot {t['snapshot_ms']['median']:.2f} ms (p95 {t['snapshot_ms']['p95']:.2f})"
    )
    with contextlib.nullcontext(a.address) if a.address else local_head(a.num_cpus) as address:
        os.environ["RNNPLAY_RAY"] = address
        try:
            r = on_ray(a.runs, a.steps, a.poll)
            workers = len(POOL.workers)
        finally:
            ray.shutdown()
    print(
        f"Ray, {workers} worker(s) at {address}: {r['steps_per_s']:.0f} steps/s in total ({r['seconds']:.1f} s); "
        f"a snapshot {r['snapshot_ms']['median']:.2f} ms (p95 {r['snapshot_ms']['p95']:.2f}), "
        f"{r['first_bytes'] / 1024:.1f} KiB the first (whole), then {r['later_bytes'] / 1024:.1f} KiB "
        f"(median of {r['snapshots']}); a whole one at the end {r['whole_bytes_at_end'] / 1024:.1f} KiB"
    )
    print(f"Ray over threads: {r['steps_per_s'] / t['steps_per_s']:.2f}x the total steps/s")
    return 0
