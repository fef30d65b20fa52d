"""python -m rnnplay.bench: steps/s of the rnnplay trainer against an equivalent plain PyTorch loop.

Three loops train the same model on the same data stream, in rounds (plain, trainer, app run,
plain, ...) so that a noisy shared machine slows all of them alike; each ratio is the median over
rounds, measured in this one run:
  plain    the course's loop: forward, loss, zero_grad, backward, clip, step, loss.item()
  trainer  Trainer.step() (adds the metric and the gradient norms before/after clipping)   -> trainer/plain >= 0.9
  app      TrainingRun in its background thread with the default probe cadence (gradient through
           time, hidden activations, weight spectrum, validation and the task view), as the
           Playground runs it                                                       -> app/plain >= 0.85
--gpu-check: on a CUDA machine, every figure of the GPU work in one command (rnnplay/gpu_check.py)
--race: the Gradient lab's race of RNN, LSTM and GRU (one thread stepping them in turn, probes
as usual) against the same three runs trained one after the other; total steps/s of each
--table: the performance table (one command regenerates it, ~8 minutes on 2 cores):
  rows A    every task's default configuration
  rows B    a grid: small/medium/large hidden size and sequence length x RNN/LSTM/GRU x torch/scratch
  columns   steps/s of (a) the plain loop, (b) TrainingRun with probes off, (c) TrainingRun at the
            default probe cadence, (d) a live app session driven by a real browser (--browser:
            tests/perf/appbench.py in its own process), and the ratios (b)/(a) >= 0.95, (c)/(a) >= 0.85,
            (d)/(a) >= 0.8, scratch/torch (a) >= 1/1.5 (hidden <= 128, T <= 100), each the median of
            paired per-round ratios; --device cuda adds a large configuration (LSTM H=512), GPU over CPU >= 10
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from rnnplay import gpu_check
from rnnplay.config import make_config
from rnnplay.loops import app_run, plain_loop, trainer_loop
from rnnplay.race import Race
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks import TASK_CLASSES

# (config, steps per loop): a few seconds per loop on a laptop core, so a probe's fixed cost is
# weighed against a run of realistic length
CASES = {
    "majority-rnn": ({"task": "majority"}, 1500),
    "adding-lstm-T50": ({"task": "adding", "arch": "lstm", "seq_len": 50, "hidden_size": 64, "batch_size": 64}, 600),
    "charlm-gru": (
        {
            "task": "charlm",
            "arch": "gru",
            "hidden_size": 64,
            "batch_size": 16,
            "seq_len": 32,
            "lr": 3e-3,
            "text": "the quick brown fox jumps over the lazy dog. " * 20,
        },
        600,
    ),
}


def bench(case: str, steps: int | None, rounds: int) -> dict:
    fields, default_steps = CASES[case]
    config, steps = make_config(**fields), steps or default_steps
    for fn in (plain_loop, trainer_loop):  # warm-up: allocator, kernels, lazy imports
        fn(config, max(10, steps // 10))
    rates = {"plain": [], "trainer": [], "app": []}
    for _ in range(rounds):
        rates["plain"].append(plain_loop(config, steps))
        rates["trainer"].append(trainer_loop(config, steps))
        rates["app"].append(app_run(config, steps))
    med = {k: statistics.median(v) for k, v in rates.items()}
    return {
        "case": case,
        "steps": steps,
        "rounds": rounds,
        "plain_steps_per_s": round(med["plain"], 1),
        "trainer_steps_per_s": round(med["trainer"], 1),
        "app_steps_per_s": round(med["app"], 1),
        "trainer_over_plain": round(med["trainer"] / med["plain"], 3),
        "app_with_probes_over_plain": round(med["app"] / med["plain"], 3),
    }


RACE = ({"task": "adding", "seq_len": 50, "hidden_size": 64, "batch_size": 64}, ("rnn", "lstm", "gru"), 300)


def race_total(configs, steps: int) -> float:
    """Total steps/s of the entries raced in one thread, round-robin."""
    race = Race([c.replace(steps=steps) for c in configs])
    t0 = time.perf_counter()
    race.start()
    race.join(timeout=600)
    dt = time.perf_counter() - t0
    assert all(s.state == "done" for s in race.snapshot().runs), race.snapshot().state
    return steps * len(configs) / dt


def sequential_total(configs, steps: int) -> float:
    """Total steps/s of the same runs trained one after the other, each in its own TrainingRun."""
    runs = [TrainingRun(c.replace(steps=steps)) for c in configs]  # built before the clock, as the race's are
    t0 = time.perf_counter()
    for run in runs:
        run.start()
        run.join(timeout=600)
        assert run.state == "done", run.message
    return steps * len(configs) / (time.perf_counter() - t0)


def bench_race(steps: int | None, rounds: int) -> dict:
    fields, archs, default_steps = RACE
    configs, steps = [make_config(**fields, arch=a) for a in archs], steps or default_steps
    sequential_total(configs, max(10, steps // 10))  # warm-up
    rates = {"race": [], "sequential": []}
    for i in range(rounds):  # interleaved, order alternating, so machine noise hits both alike
        order = ("race", "sequential") if i % 2 == 0 else ("sequential", "race")
        for name in order:
            rates[name].append((race_total if name == "race" else sequential_total)(configs, steps))
    med = {k: statistics.median(v) for k, v in rates.items()}
    # each round's own ratio (its two halves ran back to back) is steadier than a ratio of medians on a
    # shared machine whose load drifts over minutes
    paired = statistics.median(r / s for r, s in zip(rates["race"], rates["sequential"], strict=True))
    return {
        "case": "race-adding-T50-rnn-lstm-gru",
        "steps_per_run": steps,
        "rounds": rounds,
        "race_steps_per_s": round(med["race"], 1),
        "sequential_steps_per_s": round(med["sequential"], 1),
        "C2_race_over_sequential": round(paired, 3),
        "ratio_of_medians": round(med["race"] / med["sequential"], 3),
    }


# ---------------------------------------------------------------------------------------------------
# --table: the performance table


def probes_off_loop(config, steps: int) -> float:
    """(b): TrainingRun in its thread with probes off; history, admission and the loop as in the app."""
    return app_run(config, steps, probes=False)


# the table's timed loops by column: (a) plain PyTorch, (b) TrainingRun with probes off, (c) at the default cadence
LOOPS = {"a": plain_loop, "b": probes_off_loop, "c": app_run}
TARGETS = {"b/a": 0.95, "c/a": 0.85, "d/a": 0.8, "scratch/torch": 1 / 1.5, "gpu/cpu": 10.0}
GRID_SIZES = (("small", 32, 20), ("medium", 128, 50), ("large", 256, 100))
GRID_TASK = "adding"
LARGE = {"task": "adding", "arch": "lstm", "hidden_size": 512, "seq_len": 256, "batch_size": 256}
COLUMNS = (
    "set",
    "row",
    "configuration",
    "steps/loop",
    "(a) plain",
    "(b) probes off",
    "(c) default probes",
    "(d) app + browser",
    "(b)/(a) ≥ 0.95",
    "(c)/(a) ≥ 0.85",
    "(d)/(a) ≥ 0.8",
    "scratch/torch (a) ≥ 0.67",
)


def describe(config) -> str:
    """The fields that size a run, for the table's configuration column."""
    c = config
    T = "-" if "seq_len" in TASK_CLASSES[c.task].ignores else c.seq_len  # e.g. sentences bring their own lengths
    return f"{c.arch} {c.impl} H{c.hidden_size} T{T} B{c.batch_size}"


def groups(tasks, grid_sizes, archs, impls, device: str) -> list[dict]:
    """What the table measures, in order. A group's entries share their rounds, so a ratio between two of
    them (scratch over torch, GPU over CPU) is paired as well. set A: a task's defaults; B: the grid."""
    out = []
    for name in tasks:
        out.append({"set": "A", "entries": [(name, make_config(task=name, device=device))], "loops": "abc"})
    for size, H, T in grid_sizes:
        for arch in archs:
            entries = [
                (
                    f"{GRID_TASK} {size} {arch} {impl}",
                    make_config(task=GRID_TASK, arch=arch, impl=impl, hidden_size=H, seq_len=T, device=device),
                )
                for impl in impls
            ]
            out.append({"set": "B", "entries": entries, "loops": "abc", "cross": "scratch/torch"})
    if device == "cuda":
        entries = [(f"large {d}", make_config(**LARGE, device=d)) for d in ("cpu", "cuda")]
        out.append({"set": "large", "entries": entries, "loops": "a", "cross": "gpu/cpu"})
    return out


def calibrate(config, seconds: float) -> int:
    """Steps for one loop of about `seconds`, from plain loops of growing length (which also warm up
    the allocator and the kernels). The fastest rate seen counts: one busy moment on a shared machine
    must not shorten every loop of the row to a fraction of a second."""
    steps, best = 2, 0.0
    while True:
        rate = plain_loop(config, steps)  # the loop's own time, building the model left out
        best = max(best, rate)
        if steps / rate >= min(0.3, seconds / 4) or steps >= 100_000:
            break
        steps *= 4 if steps / rate < 0.03 else 2
    best = max(best, plain_loop(config, steps))  # a second look at the final length
    return max(3, min(100_000, round(best * seconds)))


def measure_group(group: dict, rounds: int, seconds: float, steps: int | None = None) -> dict:
    """Every loop of every entry, in `rounds` rounds whose order rotates (so a drifting load hits all
    alike). Returns each entry's per-round rates and its ratios: the median of per-round ratios."""
    entries, loops = group["entries"], group["loops"]
    n_steps = [steps or calibrate(cfg, seconds) for _, cfg in entries]
    for (_, cfg), n in zip(entries, n_steps, strict=True):  # warm-up: lazy imports, first probes
        for k in loops:
            LOOPS[k](cfg, max(2, n // 20))
    rates = [{k: [] for k in loops} for _ in entries]
    for r in range(rounds):
        for i, k in round_order(len(entries), loops, r, rounds):
            rates[i][k].append(LOOPS[k](entries[i][1], n_steps[i]))
    rows = []
    for (label, cfg), n, rr in zip(entries, n_steps, rates, strict=True):
        row = {
            "set": group["set"],
            "row": label,
            "configuration": describe(cfg),
            "device": cfg.device,
            "steps": n,
            "rates": rr,
            **{k: statistics.median(v) for k, v in rr.items()},
            "round_ratios": {},  # each round's own ratio, for the spread shown beside the median
        }
        for k in loops[1:]:
            row["round_ratios"][f"{k}/a"] = per_round(rr[k], rr["a"])
            row[f"{k}/a"] = paired(rr[k], rr["a"])
        rows.append(row)
    if group.get("cross") and len(rows) == 2:
        base, other = rows  # torch then scratch; cpu then cuda
        other["round_ratios"][group["cross"]] = per_round(other["rates"]["a"], base["rates"]["a"])
        other[group["cross"]] = paired(other["rates"]["a"], base["rates"]["a"])
        if group["cross"] == "scratch/torch":
            cfg = entries[1][1]
            other["scratch_target_applies"] = cfg.hidden_size <= 128 and cfg.seq_len <= 100
    return {"rows": rows}


def round_order(n_entries: int, loops: str, r: int, rounds: int) -> list[tuple[int, str]]:
    """(entry, loop) in round r: loop by loop, the entries of a group side by side (torch, scratch), the
    whole sequence rotated by r/rounds of its length, so each loop takes its turn at the front."""
    order = [(i, k) for k in loops for i in range(n_entries)]
    shift = r * len(order) // rounds % len(order)
    return order[shift:] + order[:shift]


def per_round(num: list[float], den: list[float]) -> list[float]:
    return [x / y for x, y in zip(num, den, strict=True)]


def paired(num: list[float], den: list[float]) -> float:
    """Median of the per-round ratios: each round's two loops ran back to back, so it is steadier than a
    ratio of medians on a machine whose load drifts over minutes."""
    return statistics.median(per_round(num, den))


def browser_rows(tasks, rounds: int) -> tuple[dict, str]:
    """(d) and (d)/(a) per task from tests/perf/appbench.py, run in its own process (a Streamlit server and
    a real chromium); ({}, why) when it cannot run here."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout: tests/ lies beside rnnplay/
    chromium = os.environ.get("RNNPLAY_CHROMIUM", "/usr/bin/chromium")
    if importlib.util.find_spec("playwright") is None:
        return {}, "(d) is empty: playwright is not installed (pip install playwright)."
    if not os.path.exists(chromium):
        return {}, f"(d) is empty: no chromium at {chromium} (apt-get install chromium, or set RNNPLAY_CHROMIUM)."
    if not os.path.exists(os.path.join(root, "tests", "perf", "appbench.py")):
        return {}, "(d) is empty: tests/perf/appbench.py is not in this checkout."

    with tempfile.TemporaryDirectory(prefix="rnnplay-bench-") as tmp:
        report = os.path.join(tmp, "appbench.json")
        cmd = [sys.executable, "-m", "tests.perf.appbench", "--rounds", str(rounds), "--tasks", *tasks]
        cmd += ["--json", report]
        print(f"(d): {' '.join(cmd[1:-1])} FILE (a Streamlit server and chromium)", file=sys.stderr, flush=True)
        # its progress goes to our stderr as it comes; its own table (stdout) is not ours to print
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=3600, cwd=root)
        if p.returncode != 0 or not os.path.exists(report):
            return {}, f"(d) is empty: `{' '.join(cmd[1:-1])} FILE` failed (exit {p.returncode}), see its messages."
        with open(report) as f:
            data = json.load(f)
    if isinstance(data, dict):  # {"live": [one dict a task], "date": ..., ...}
        data = data.get("live") or data.get("rows") or []
    out = {}
    for d in data:
        d_rate = _first(d, "d", "app_steps_per_s", "browser_steps_per_s", "d_steps_per_s", "steps_per_s_d")
        ratio = _first(d, "d/a", "d_over_a", "ratio", "P_d_over_a")
        if d.get("task") and d_rate is not None:
            out[d["task"]] = {
                "d": d_rate,
                "d/a": ratio,
                "d_a": _first(d, "a", "plain_steps_per_s", "a_steps_per_s"),
                "first_chart_s": d.get("first_chart_s"),  # Train pressed -> the loss chart's first point
                "d/a rounds": d.get("ratios"),  # each round's own (d)/(a)
            }
    shown = " ".join(cmd[1:-1]) + " FILE"
    return out, f"(d) and (d)/(a) from `python {shown}`: its own process and its own paired (a), median of its rounds."


def merge_browser(rows: list[dict], got: dict) -> None:
    """Put appbench's (d), its own (a) (d_a) and their paired (d)/(a) into the task rows (set A) it measured."""
    for r in rows:
        if r["set"] == "A" and r["row"] in got:
            g = got[r["row"]]
            r.update({k: g[k] for k in ("d", "d/a", "d_a") if g.get(k) is not None})
            if g.get("d/a rounds"):
                r.setdefault("round_ratios", {})["d/a"] = g["d/a rounds"]


def _first(d: dict, *keys):
    return next((d[k] for k in keys if d.get(k) is not None), None)


def _git() -> str:
    def git(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "rnnplay", "app.py", "app_pages").splitlines()]
    return commit + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def environment(device: str, threads: int, argv: list[str]) -> dict:
    dev = device
    if device == "cuda":
        dev = f"cuda ({torch.cuda.get_device_name(0)}, cuDNN {torch.backends.cudnn.version()})"
    return {
        "torch": torch.__version__,
        "device": dev,
        "threads": threads,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_start": _load(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git(),
        "command": "python -m rnnplay.bench " + " ".join(shlex.quote(a) for a in argv),
        "probes_off": "TrainingRun(config, probes=False)",
    }


def run_table(
    tasks,
    grid_sizes=GRID_SIZES,
    archs=("rnn", "lstm", "gru"),
    impls=("torch", "scratch"),
    device: str = "cpu",
    rounds: int = 3,
    seconds: float = 1.5,
    steps: int | None = None,
    progress=None,
) -> list[dict]:
    """Every row of the table, measured now in this process."""
    rows = []
    todo = groups(tasks, grid_sizes, archs, impls, device)
    for n, g in enumerate(todo, 1):
        t0 = time.perf_counter()
        got = measure_group(g, rounds, seconds, steps)["rows"]
        rows += got
        if progress:
            for r in got:
                progress(
                    f"[{n}/{len(todo)}] {r['row']}: "
                    + ", ".join(f"({k}) {r[k]:.1f}" for k in g["loops"])
                    + f" steps/s ({time.perf_counter() - t0:.0f} s)"
                )
    return rows


def _ratio(x, target, applies: bool = True, rounds: list[float] | None = None) -> str:
    """The median, bold with ✗ under its target, then the lowest and highest round's ratio: how far
    the noise reached in this run."""
    if x is None:
        return ""
    s = f"{x:.3f}" if x < 10 else f"{x:.1f}"
    if applies and x < target <= float(s):  # 0.9497 is a miss: do not print it as 0.950
        s = f"{x:.4f}"
    s = f"**{s} ✗**" if applies and x < target else s
    if rounds and len(rounds) > 1:
        lo, hi = min(rounds), max(rounds)
        s += f" ({lo:.2f}–{hi:.2f})" if hi < 10 else f" ({lo:.1f}–{hi:.1f})"
    return s


def _rate(x) -> str:
    return "" if x is None else f"{x:.1f}"


def table_cells(row: dict) -> list[str]:
    cross, rr = "", row.get("round_ratios", {})
    if "scratch/torch" in row:
        applies = row.get("scratch_target_applies", True)
        cross = _ratio(row["scratch/torch"], TARGETS["scratch/torch"], applies, rr.get("scratch/torch"))
    elif "gpu/cpu" in row:
        cross = "GPU/CPU " + _ratio(row["gpu/cpu"], TARGETS["gpu/cpu"], True, rr.get("gpu/cpu"))
    return [
        row["set"],
        row["row"],
        row["configuration"] + ("" if row["device"] in ("cpu", "auto") else f" {row['device']}"),
        str(row["steps"]),
        _rate(row.get("a")),
        _rate(row.get("b")),
        _rate(row.get("c")),
        _rate(row.get("d")) + (f" (its (a) {row['d_a']:.1f})" if row.get("d_a") else ""),
        _ratio(row.get("b/a"), TARGETS["b/a"], True, rr.get("b/a")),
        _ratio(row.get("c/a"), TARGETS["c/a"], True, rr.get("c/a")),
        _ratio(row.get("d/a"), TARGETS["d/a"], True, rr.get("d/a")),
        cross,
    ]


def markdown(env: dict, rows: list[dict], rounds: int, notes: list[str]) -> str:
    head = (
        f"`{env['command']}` (OMP_NUM_THREADS={env['omp_num_threads']}) · torch {env['torch']} · device "
        f"{env['device']} · {env['threads']} thread(s) · {env['cpu']}, {env['cores']} cores · load average "
        f"(1/5/15 min) {env['load_start']} at the start, {env.get('load_end', '?')} at the end · {env['date']} · "
        f"{env.get('minutes', 0):.1f} min · commit {env['commit']}"
    )
    lines = [head, "", "| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(table_cells(r)) + " |" for r in rows]
    lines += [
        "",
        f"steps/s: the median of {rounds} round(s); each ratio: the median of the rounds' own ratios (the loops "
        "of a round run back to back, their order rotating from round to round), then in brackets the lowest "
        "and the highest round's. **✗**: under its target. "
        f"(b) is {env['probes_off']}. The scratch/torch target (within 1.5x) applies for hidden <= 128 and "
        "T <= 100.",
        *notes,
    ]
    return "\n".join(lines) + "\n"


def table_main(a, argv: list[str]) -> int:

    if a.device == "cuda" and not torch.cuda.is_available():
        print(
            f"CUDA is not available here (torch {torch.__version__}, torch.cuda.is_available() is False): "
            "the --device cuda table is skipped.",
            file=sys.stderr,
        )
        return 0
    tasks = a.tasks or list(TASK_CLASSES)
    unknown = [t for t in tasks if t not in TASK_CLASSES]
    if unknown:
        raise SystemExit(f"--tasks: {', '.join(unknown)} is not a task; choose from {', '.join(TASK_CLASSES)}")
    grid = [g for g in GRID_SIZES if g[0] in a.grid]
    rounds = 1 if a.quick else a.rounds
    env = environment(a.device, a.threads, argv)
    t0 = time.perf_counter()
    print(f"measuring ({rounds} round(s), ~{a.seconds} s a loop); load average {env['load_start']}", file=sys.stderr)
    rows = run_table(
        tasks,
        grid,
        a.archs,
        a.impls,
        a.device,
        rounds,
        a.seconds,
        a.steps,
        progress=lambda s: print(s, file=sys.stderr, flush=True),
    )
    notes = []
    if a.browser:
        got, note = browser_rows(tasks, rounds)
        merge_browser(rows, got)
        notes.append(note)
        firsts = [f"{t} {v['first_chart_s']:.2f} s" for t, v in got.items() if v.get("first_chart_s") is not None]
        if firsts:
            notes.append("First chart after pressing Train (target <= 1 s), median: " + ", ".join(firsts) + ".")
    else:
        notes.append(
            "(d) is left empty: it needs a Streamlit server and a real browser (add --browser; "
            "tests/perf/appbench.py with playwright and chromium)."
        )
    env["load_end"], env["minutes"] = _load(), (time.perf_counter() - t0) / 60
    text = markdown(env, rows, rounds, notes)
    if a.json:
        print(json.dumps({"environment": env, "rounds": rounds, "rows": rows, "notes": notes}))
    else:
        print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="python -m rnnplay.bench", description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=[*CASES, "all"], default="all")
    p.add_argument("--steps", type=int, default=None, help="steps per loop (default: per case; --table: calibrated)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: shared machines)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--race", action="store_true", help="a 3-run race against the same runs one after the other")
    p.add_argument(
        "--gpu-check",
        action="store_true",
        help="on a CUDA machine, every GPU figure in one go (rnnplay/gpu_check.py, < 8 min); elsewhere says so",
    )
    p.add_argument(
        "--ray-vs-threads",
        action="store_true",
        help="4 concurrent runs as threads of this process vs in Ray workers (rnnplay/bench_ray.py; needs ray)",
    )
    t = p.add_argument_group("the performance table")
    t.add_argument("--table", action="store_true", help="every task's defaults and the grid, as a markdown table")
    t.add_argument("--quick", action="store_true", help="one round instead of --rounds")
    t.add_argument("--seconds", type=float, default=1.5, help="how long one timed loop lasts (default 1.5)")
    t.add_argument("--tasks", nargs="*", default=None, help="task rows (default: every task)")
    t.add_argument(
        "--grid",
        nargs="*",
        default=[g[0] for g in GRID_SIZES],
        choices=[g[0] for g in GRID_SIZES],
        help="grid sizes: small H32 T20, medium H128 T50, large H256 T100 (none: `--grid` alone)",
    )
    t.add_argument("--archs", nargs="*", default=["rnn", "lstm", "gru"], choices=["rnn", "lstm", "gru"])
    t.add_argument("--impls", nargs="*", default=["torch", "scratch"], choices=["torch", "scratch"])
    t.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="cuda: the GPU table, plus a big LSTM")
    t.add_argument("--browser", action="store_true", help="(d): a live app session in chromium (tests/perf/appbench)")
    t.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    if "--ray-vs-threads" in argv:
        # only here: ray takes 0.37 s to import (measured) and is installed only with requirements-hosted.txt
        from rnnplay import bench_ray

        return bench_ray.main(argv)
    a = p.parse_args(argv)
    if a.seconds <= 0:
        p.error(f"--seconds must be > 0, got {a.seconds}")
    if a.steps is not None and a.steps < 1:
        p.error(f"--steps must be >= 1, got {a.steps}")
    torch.set_num_threads(a.threads)
    os.environ["RNNPLAY_THREADS"] = str(a.threads)  # each app training thread sets its own count (hosted)
    if a.gpu_check:
        return gpu_check.main()
    if a.table or a.device == "cuda" or a.browser or a.markdown:
        return table_main(a, argv)
    if a.race:
        r = bench_race(a.steps, a.rounds)
        print(
            json.dumps(r)
            if a.json
            else f"race of 3 runs, {r['steps_per_run']} steps each, median of {r['rounds']} rounds: "
            f"{r['race_steps_per_s']} steps/s in total vs {r['sequential_steps_per_s']} one after the other "
            f"(median of the rounds' ratios {r['C2_race_over_sequential']:.3f}, target >= 0.8; ratio of the "
            f"medians {r['ratio_of_medians']:.3f})"
        )
        return 0
    cases = list(CASES) if a.case == "all" else [a.case]
    print(f"torch {torch.__version__}, {a.threads} thread(s), {a.rounds} rounds, median steps/s per loop")
    for case in cases:
        r = bench(case, a.steps, a.rounds)
        if a.json:
            print(json.dumps(r))
        else:
            print(
                f"{case:<16} {r['steps']:>5} steps: plain {r['plain_steps_per_s']:>7} steps/s | "
                f"trainer {r['trainer_steps_per_s']:>7} "
                f"(ratio {r['trainer_over_plain']:.3f}, target >= 0.9) | app with probes "
                f"{r['app_steps_per_s']:>7} (ratio {r['app_with_probes_over_plain']:.3f}, target >= 0.85)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
