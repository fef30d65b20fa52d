"""Load test of the hosted set-up: nginx, two Streamlit replicas, a Ray head, PostgreSQL, a class on one lesson.

    python -m tests.load.deploytest --sessions 60 --shared 30 --steps 1500 --json report.json

It starts the set-up with deploy/up.py's own functions on 127.0.0.1 (PostgreSQL in a temporary
directory, a local Ray head with this machine's CPUs, two replicas with one Ray worker each and
RNNPLAY_SHARE_RUNS=1, nginx in front) and opens N sessions through nginx with tests/load/loadtest.py's
websocket client. The first --shared sessions open the same lesson configuration and press Train: one of
them trains it (the key's class run), the others watch that run, live or from the shared store when it
trains on the other replica. The other sessions each train a configuration of their own (their seeds
differ). Meanwhile loadtest's prober times health, the page's HTML and a full script run through nginx,
and a second prober times each replica's health directly.

At the end it reads the store: the lesson's key must have been trained once (class_runs.trained), and
every own run must be saved, finished, at its last step (nothing lost). Each session must end with its
run finished (trained, or watched to the end), having seen the charts change while its run trained
(step_updates, at least 2: status lines with a new step; see following()). One Ray worker per replica:
two one-CPU actors fill a 2-CPU head (the default, a worker per cluster CPU in each replica, asks for
twice that). It fails (exit status 1) on any of these or on a health
p95 of 500 ms or more through nginx; the figures are printed either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deploy import up
from tests.load.loadtest import (
    ClientResult,
    Probes,
    StClient,
    classify,
    http_get,
    latency_row,
    loadavg,
    pct,
    server_errors,
)

# the lesson every shared session opens, and the configuration each own session trains with its own seed
LESSON = "task=majority&arch=gru&hidden_size=16&seed=7"
OWN = "task=majority&arch=gru&hidden_size=16&seed={seed}"
WATCHING = re.compile(r"Watching the class's run of this configuration .*\(run ([A-Za-z0-9_-]+)\)")
RUN_IN_URL = re.compile(r"(?:^|&)run=([A-Za-z0-9_-]+)")
HEALTH_P95_MS = 500.0


@dataclass
class DeployResult(ClientResult):
    role: str = ""  # "lesson" (opened the shared lesson) or "own" (a configuration of its own)
    replica: str = ""  # the replica nginx sent the websocket to ("127.0.0.1:PORT")
    run_id: str = ""  # the session's own run (?run= in its URL), when it trained
    watched_id: str = ""  # the class run it watched, when it watched
    step_updates: int = 0  # status lines with a new step while its run (or the watched one) was not finished
    steps_done: int = 0
    timeline: list = field(default_factory=list)  # [seconds since open, step, state] at each change


class DeployProbes(Probes):
    """loadtest's prober through nginx; a failure is only recorded (the replicas are plain servers: no
    signal handler to dump their threads)."""

    def fail(self, what: str) -> None:
        self.failures.append(what)


async def replica_health(ports: list[int], every: float, stop: asyncio.Event) -> dict[int, list[float]]:
    """GET /_stcore/health of each replica directly, every `every` s: {port: seconds of each}."""
    times: dict[int, list[float]] = {p: [] for p in ports}
    while not stop.is_set():
        t0 = time.perf_counter()
        for port in ports:
            dt, ok = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/_stcore/health")
            times[port].append(dt if ok else 10.0)
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - t0)))
    return times


async def session(i: int, base: str, role: str, query: str, timeout: float, delay: float) -> DeployResult:
    """Open the Playground with `query`, press Train, follow the page (own run or watched class run) until
    its run is finished or something else ends it."""
    r = DeployResult(i, query, role=role)
    await asyncio.sleep(delay)
    t0 = time.perf_counter()
    c = StClient(base, "playground", query)
    last_step = None
    try:
        async with c:
            r.replica = c.ws.response.headers.get("X-Rnnplay-Replica", "")
            r.first_run_s = await c.run(timeout=timeout)
            train = c.widget_id("btn_train")
            if train is None:
                r.outcome, r.detail = "failed", "no Train button on the page"
                return r
            # the click's run is not waited for: under load it lasts while the run trains, which is watched
            await c.send_rerun((train,))
            while time.perf_counter() - t0 < timeout:
                alerts = c.texts("alert")
                watching = next((m for m in map(WATCHING.search, alerts) if m), None)
                if watching:
                    r.watched_id = watching.group(1)
                found = RUN_IN_URL.search(c.query)
                if found:
                    r.run_id = found.group(1)
                state, line = c.status()
                if line:
                    r.steps, r.detail = line.split(" · ")[0], line
                    step = int(line.split("step ", 1)[1].split(" ", 1)[0])
                    if step != last_step and following(state):
                        r.step_updates += 1
                    if [step, state] != r.timeline[-1][1:] if r.timeline else True:
                        r.timeline.append([round(time.perf_counter() - t0, 1), step, state])
                    last_step, r.steps_done = step, step
                outcome = classify(state, alerts)
                if outcome:
                    r.outcome, r.detail = outcome[0], outcome[1] or r.detail
                    if r.watched_id and r.outcome == "finished":
                        r.outcome = "watched" if r.step_updates else "replayed"
                    break
                if c.closed or c.exceptions:
                    r.outcome = "failed"
                    r.detail = c.exceptions[0] if c.exceptions else f"the websocket closed ({c.ws.close_code})"
                    break
                await c.wait_change(1.0)
    except (TimeoutError, ConnectionError, OSError) as e:
        r.outcome, r.detail = ("hung" if isinstance(e, TimeoutError) else "failed"), f"{type(e).__name__}: {e}"
    finally:
        r.seconds = time.perf_counter() - t0
        r.messages, r.mbytes, r.fragment_runs = c.messages, c.bytes / 1e6, len(c.redraws)
        r.redraw_gaps = [round(b - a, 3) for a, b in zip(c.redraws, c.redraws[1:], strict=False)]
        r.exceptions = c.exceptions
        r.chart_kind, r.chart_updates = c.chart_kind, c.chart_updates
        r.queued_s = spent(r.timeline, ("queued",))
        r.training_s = spent(r.timeline, ("training",))
        training = [t for t, _, state in r.timeline if following(state)]
        if training:  # live redraws (fragment runs that sent the loss chart) from its first step to its end
            since, until = t0 + training[0], t0 + r.seconds
            r.training_redraws = sum(since <= t <= until for t in c.redraws)
    return r


def following(state: str) -> bool:
    """Whether a new step in the status line is a live update: the run trains, here or (a watched class
    run) on the other replica, whose saves this page follows; either way its status line says "training…"."""
    return state == "training…"


def spent(timeline: list, states: tuple[str, ...]) -> float:
    """Seconds the status line said one of `states`: from each change into it to the next change."""
    ends = [t for t, *_ in timeline[1:]]
    return sum(b - a for (a, _, s), b in zip(timeline, ends, strict=False) if s.startswith(states))


async def load(args: argparse.Namespace, d: up.Deployment) -> dict:
    base = d.url.removeprefix("http://")
    ports = list(d.replicas)
    steps = f"&steps={args.steps}&lang=en"
    probes, stop = DeployProbes(base, args.probe_every, 0), asyncio.Event()
    prober = asyncio.create_task(probes.run(stop))
    direct = asyncio.create_task(replica_health(ports, args.probe_every, stop))
    rng = random.Random(args.seed)
    load_start = loadavg()
    t0 = time.perf_counter()
    clients = [
        session(
            i,
            base,
            "lesson" if i < args.shared else "own",
            (LESSON if i < args.shared else OWN.format(seed=1000 + i)) + steps,
            args.client_timeout,
            rng.uniform(0, args.ramp),
        )
        for i in range(args.sessions)
    ]
    results = await asyncio.gather(*clients)
    wall = time.perf_counter() - t0
    load_end = loadavg()
    stop.set()
    await prober
    per_replica = await direct
    return {
        "sessions": args.sessions,
        "shared": args.shared,
        "steps": args.steps,
        "wall_s": wall,
        "cpus": os.cpu_count(),
        "loadavg": {"start": load_start, "end": load_end},
        "clients": [asdict(r) for r in results],
        "latency": [
            latency_row("GET /_stcore/health (nginx)", probes.health),
            latency_row("GET /playground (nginx)", probes.page),
            latency_row("Playground script run", probes.script),
            *(latency_row(f"GET /_stcore/health :{p}", xs) for p, xs in per_replica.items()),
            latency_row("load generator loop lag", probes.loop_lag),
        ],
        "probe_failures": probes.failures,
    }


def store_check(store_url: str, rep: dict) -> dict:
    """What the shared store says: the lesson's class-run row(s) and every own run's saved row."""
    from rnnplay.store import RunStore

    store = RunStore(store_url)
    try:
        rows = store.backend.rows("SELECT key, run_id, trained FROM class_runs")
        saved = {r["id"]: r for r in store.runs()}
    finally:
        store.close()
    lesson = [c for c in rep["clients"] if c["role"] == "lesson"]
    # the lesson's class run: the run its watchers watched, or the one its trainer's session trained
    class_ids = {c["watched_id"] for c in lesson if c["watched_id"]} | {
        c["run_id"] for c in lesson if not c["watched_id"] and c["run_id"]
    }
    lesson_keys = [{"key": k, "run_id": rid, "trained": int(n)} for k, rid, n in rows if rid in class_ids]
    own = []
    for c in rep["clients"]:
        if c["role"] != "own":
            continue
        row = saved.get(c["run_id"], {})
        own.append(
            {"index": c["index"], "run_id": c["run_id"], "state": row.get("state"), "steps": row.get("steps_done")}
        )
    return {
        "class_runs": len(rows),
        "trained_total": sum(int(n) for _, _, n in rows),
        "lesson_class_ids": sorted(class_ids),
        "lesson_keys": lesson_keys,
        "runs_saved": len(saved),
        "own": own,
    }


def verdict(rep: dict) -> list[str]:
    bad = []
    for c in rep["clients"]:
        if c["outcome"] not in ("finished", "watched") or c["exceptions"]:
            bad.append(f"session {c['index']} ({c['role']}): {c['outcome']} {c['detail']} {c['exceptions'][:1]}")
        elif c["step_updates"] < 2:
            bad.append(f"session {c['index']} ({c['role']}): saw {c['step_updates']} live step(s)")
    bad += [f"probe failed: {f}" for f in rep["probe_failures"]]
    health = rep["latency"][0]
    if not health["p95_ms"] < HEALTH_P95_MS:
        bad.append(f"health p95 through nginx {health['p95_ms']:.0f} ms >= {HEALTH_P95_MS:.0f} ms")
    s = rep["store"]
    if [k["trained"] for k in s["lesson_keys"]] != [1]:
        bad.append(f"the lesson's key: {s['lesson_keys']} (expected one key, trained once)")
    for o in s["own"]:
        if o["state"] != "done" or o["steps"] != rep["steps"]:
            bad.append(
                f"own run of session {o['index']} ({o['run_id'] or 'no id'}): stored {o['state']} at {o['steps']}"
            )
    return bad


def summary(rep: dict) -> str:
    out = [
        f"{rep['sessions']} sessions through nginx ({rep['shared']} on one lesson), {rep['steps']} steps: "
        f"{rep['wall_s']:.1f} s; {rep['cpus']} CPUs; 1-minute load {rep['loadavg']['before']:.1f} before, "
        f"{rep['loadavg']['start']:.1f} at the start, {rep['loadavg']['end']:.1f} at the end"
    ]
    for role in ("lesson", "own"):
        cs = [c for c in rep["clients"] if c["role"] == role]
        if not cs:
            continue
        outcomes: dict[str, int] = {}
        for c in cs:
            outcomes[c["outcome"]] = outcomes.get(c["outcome"], 0) + 1
        ups = [c["step_updates"] for c in cs]
        rates = [c["step_updates"] / c["seconds"] for c in cs if c["seconds"] > 0]
        secs = [c["seconds"] for c in cs]
        replicas: dict[str, int] = {}
        for c in cs:
            replicas[c["replica"] or "?"] = replicas.get(c["replica"] or "?", 0) + 1
        training = [c["training_redraws"] / c["training_s"] for c in cs if c["training_s"] >= 1.0]
        out.append(
            f"  {role:6} {len(cs):3}: {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}; "
            f"replicas {replicas}\n"
            f"           page open p50 {pct([c['first_run_s'] for c in cs], 50):.1f} s; "
            f"queued p50 {pct([c['queued_s'] for c in cs], 50):.1f} s; "
            f"training seen p50 {pct([c['training_s'] for c in cs], 50):.1f} s; time p50 {pct(secs, 50):.1f} s, "
            f"max {max(secs):.1f} s\n"
            f"           new steps seen while training: min {min(ups)}, median {statistics.median(ups):.0f} "
            f"({statistics.median(rates):.2f}/s over the session); live-chart fragment redraws while training: "
            f"median {statistics.median(training) if training else float('nan'):.2f}/s ({len(training)} pages)"
        )
    s = rep["store"]
    out.append(
        f"  store: lesson class run(s) {s['lesson_keys']}; {s['class_runs']} keys trained {s['trained_total']} times; "
        f"{s['runs_saved']} runs saved; own runs done at step {rep['steps']}: "
        f"{sum(o['state'] == 'done' and o['steps'] == rep['steps'] for o in s['own'])} of {len(s['own'])}"
    )
    out.append(f"{'latency':30} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for row in rep["latency"]:
        out.append(f"{row['what']:30} {row['n']:5} {row['p50_ms']:9.1f} {row['p95_ms']:9.1f} {row['max_ms']:9.1f}")
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=60, help="sessions through nginx that each press Train")
    p.add_argument("--shared", type=int, default=30, help="of them, how many open the same lesson")
    p.add_argument("--steps", type=int, default=1500, help="training steps of every run")
    p.add_argument("--ramp", type=float, default=5.0, help="the sessions open within this many seconds")
    p.add_argument("--client-timeout", type=float, default=600.0, help="a session without an outcome by then hung")
    p.add_argument("--probe-every", type=float, default=0.5, help="seconds between two rounds of probes")
    p.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 1, help="CPUs of the local Ray head")
    p.add_argument("--workers", type=int, default=1, help="Ray workers per replica (RNNPLAY_RAY_WORKERS)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="more replica environment")
    p.add_argument("--seed", type=int, default=0, help="seed of the ramp's random start times")
    p.add_argument("--json", type=Path, help="write the full report here")
    p.add_argument("--logs", type=Path, help="copy the replicas' logs into this folder")
    return p


def run(args: argparse.Namespace) -> tuple[dict, list[str]]:
    env = {"RNNPLAY_SHARE_RUNS": "1", **dict(kv.split("=", 1) for kv in args.env)}
    load_idle = loadavg()
    state = Path(tempfile.mkdtemp(prefix="rnnplay-deployload-"))
    pg_dir = tempfile.mkdtemp(prefix="rnnplay-pg-")  # the postgres user must reach it
    try:
        with up.Deployment(state) as d:
            d.callback(shutil.rmtree, pg_dir, ignore_errors=True)
            d.start_postgres(pg_dir)
            d.start_ray_head(num_cpus=args.ray_cpus)
            d.start_replicas([up.free_port(), up.free_port()], workers=args.workers, env=env)
            d.start_nginx("127.0.0.1", up.free_port(), show_replica=True)
            rep = asyncio.run(load(args, d))
            rep["store"] = store_check(d.store, rep)
            logs = {p: (state / f"replica-{p}.log").read_text(errors="replace") for p in d.replicas}
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for p in d.replicas:
                    shutil.copyfile(state / f"replica-{p}.log", args.logs / f"replica-{p}.log")
    finally:
        shutil.rmtree(state, ignore_errors=True)
    rep["loadavg"]["before"] = load_idle
    rep["replica_env"] = {**env, "RNNPLAY_RAY_WORKERS": str(args.workers), "ray_cpus": str(args.ray_cpus)}
    rep["server_errors"] = {str(p): server_errors(log) for p, log in logs.items()}
    return rep, verdict(rep)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    rep, bad = run(args)
    print(summary(rep))
    for port, errors in rep["server_errors"].items():
        if errors:
            print(f"replica {port} log:", *errors, sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps({**rep, "failures": bad}, indent=1))
    print("\n".join(["FAIL:", *bad]) if bad else "PASS")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
