"""python -m rnnplay.bench --gpu-check: every figure of the GPU work, from one command on a CUDA machine.

It needs torch (and numpy, safetensors, which the run's store reads) but no streamlit, and prints as it goes,
within 8 minutes (a section that would run past DEADLINE_S is skipped, and says so; not yet timed on a GPU):
  1. the device, torch, cuDNN and the CPU;
  2. per task, its defaults in the app with probes (TrainingRun): steps/s on one CPU thread and on the GPU,
     the device auto picks (rnnplay/devices.py) and why, and whether that is the faster one measured here;
  3. per task and impl, the synchronising CUDA calls between two fetches of the history, and at the fetch;
  4. the large configuration (adding, LSTM, H512, T256, B256): a plain PyTorch loop, the Trainer's batched
     loop and the app with probes, and their ratios to the plain loop, without and with the CUDA-graph step;
  5. per task, the Trainer's steps/s without and with the CUDA-graph step (where a graph takes the step);
  6. a class on one GPU: CLASS_SIZE adding runs at once in the app's TrainingRun with probes, as threads of
     one process (without and with the graph step) and as separate processes: steps/s of each run and in
     total against one run alone; the process's CPU use while its threads train (about one core: the GIL
     bounds them); a profile of one run's step (kernels launched, GPU busy time, host time);
  7. the GPU tests (tests/test_gpu.py, tests/test_graphs.py through pytest), in the time left.
On a machine without CUDA it says "no CUDA device" and exits 0 at once.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

import torch

from rnnplay import devices
from rnnplay.config import make_config
from rnnplay.loops import plain_loop
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks import TASK_CLASSES
from rnnplay.trainer import Trainer

DEADLINE_S = 7.5 * 60  # nothing runs past it (a section that would is skipped): the check stays under 8 minutes
APP_S = 1.5  # each app measurement's window, after its first steps
CLASS_SIZE = 30
CLASS_S = 6.0
LARGE = {"task": "adding", "arch": "lstm", "hidden_size": 512, "seq_len": 256, "batch_size": 256}
MANY_STEPS = 1_000_000  # a run that the check stops, never one that finishes
# the large configuration is over the server's default budget (one CPU thread's estimate); a GPU trains it
BUDGET_ENV = {"RNNPLAY_MAX_STEP_MS": "100000000", "RNNPLAY_MAX_RUN_MB": "1000000", "RNNPLAY_MAX_TRAININGS": "256"}


def say(line: str = "") -> None:
    print(line, flush=True)


class Clock:
    def __init__(self):
        self.t0 = time.perf_counter()

    def left(self) -> float:
        return DEADLINE_S - (time.perf_counter() - self.t0)

    def section(self, title: str, needs_s: float) -> bool:
        """Print the section's title; False (with the reason) when it would end after the deadline."""
        say(f"\n## {title}")
        if self.left() < needs_s:
            say(f"skipped: about {needs_s:.0f} s needed, {max(0, self.left()):.0f} s left before the deadline")
            return False
        return True


@contextlib.contextmanager
def graph_setting(on: bool):
    """Trainers built inside train with (or without) the CUDA-graph step (RNNPLAY_CUDA_GRAPH)."""
    old = os.environ.get("RNNPLAY_CUDA_GRAPH")
    os.environ["RNNPLAY_CUDA_GRAPH"] = "1" if on else "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("RNNPLAY_CUDA_GRAPH", None)
        else:
            os.environ["RNNPLAY_CUDA_GRAPH"] = old


# 1. the machine ------------------------------------------------------------------------------------------
def describe_machine() -> None:
    p = torch.cuda.get_device_properties(0)
    say(f"device: {torch.cuda.get_device_name(0)} ({p.total_memory / 2**30:.0f} GiB, {p.multi_processor_count} SMs)")
    say(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    say(
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}"
    )


# 7. the GPU tests ----------------------------------------------------------------------------------------
def run_tests(timeout_s: float) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = [f for f in ("tests/test_gpu.py", "tests/test_graphs.py") if os.path.exists(os.path.join(root, f))]
    if not files:
        say("skipped: this checkout has no tests/")
        return
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *files]
    say("$ " + " ".join(cmd[1:]))
    try:
        p = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        say(f"the tests ran past {timeout_s:.0f} s and were stopped: run them alone for their result")
        return
    lines = (p.stdout + p.stderr).strip().splitlines()
    for line in lines:  # the failures' one-line summaries and the count
        if (
            line.startswith(("FAILED", "ERROR"))
            or " passed" in line
            or " failed" in line
            or "no module" in line.lower()
        ):
            say(line)
    if p.returncode not in (0, 1):
        say("\n".join(lines[-20:]))


# 2. per task: CPU against GPU, and auto ------------------------------------------------------------------
def app_rate(config, seconds: float = APP_S, probes: bool = True) -> float:
    """Steps/s of the app's TrainingRun (probes as the Playground takes them) over `seconds`, after its
    first steps (the GPU's warm-up, a graph's capture)."""
    run = TrainingRun(config.replace(steps=MANY_STEPS), probes=probes)
    run.start()
    try:
        start = time.perf_counter()
        while run.trainer.steps_done < 40 and time.perf_counter() - start < 30 and run.state == "running":
            time.sleep(0.01)
        if run.state != "running":
            raise RuntimeError(f"the run is {run.state}: {run.message}")
        s0, t0 = run.trainer.steps_done, time.perf_counter()
        time.sleep(seconds)
        s1, t1 = run.trainer.steps_done, time.perf_counter()
    finally:
        run.stop()
        run.join(timeout=60)
    return (s1 - s0) / (t1 - t0)


def per_task_devices() -> None:
    torch.set_num_threads(1)
    say("task | CPU (1 thread) steps/s | GPU steps/s | faster here | auto picks | agrees | auto's reason")
    say("--- | --- | --- | --- | --- | --- | ---")
    for task in TASK_CLASSES:
        try:
            cpu = app_rate(make_config(task, device="cpu"))
            gpu = app_rate(make_config(task, device="cuda"))
            choice = devices.auto_device(make_config(task), Trainer)
        except Exception as e:  # one task's failure is a figure too; the others go on
            say(f"{task} | error: {type(e).__name__}: {e}")
            continue
        faster = "cpu" if cpu > gpu else "cuda"
        say(
            f"{task} | {cpu:.0f} | {gpu:.0f} | {faster} ({max(cpu, gpu) / min(cpu, gpu):.2f}x) | {choice.device} | "
            f"{'yes' if choice.device == faster else 'NO'} | {choice.reason}"
        )


# 3. synchronising calls ----------------------------------------------------------------------------------
def count_syncs(fn) -> int:
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message).lower() for w in caught)


def sync_counts() -> None:
    say("task | impl | synchronising calls in the steps between two fetches | at the fetch")
    say("--- | --- | --- | ---")
    for task in TASK_CLASSES:
        for impl in ("torch", "scratch"):
            tr = Trainer(make_config(task, impl=impl, device="cuda"))
            tr.fetch_every_s = math.inf
            for _ in range(3):
                tr.step()
            torch.cuda.synchronize()
            between = count_syncs(lambda tr=tr: [tr.advance() for _ in range(tr.fetch_every - 1)])
            at = count_syncs(tr.advance)
            say(f"{task} | {impl} | {between} over {tr.fetch_every - 1} steps | {at}")


# 4. the large configuration ------------------------------------------------------------------------------
def trainer_rate(config, steps: int):
    """(steps/s, the trainer) of the Trainer's batched loop (advance(), as the app's loop steps it), after a
    few untimed steps."""
    tr = Trainer(config)
    for _ in range(5):
        tr.advance()
    tr.flush()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        tr.advance()
    tr.flush()
    torch.cuda.synchronize()
    return steps / (time.perf_counter() - t0), tr


def large_configuration() -> None:
    config = make_config(**LARGE, device="cuda")
    plain_loop(config, 10)  # warm-up: cuDNN plans, the allocator
    plain = statistics.median(plain_loop(config, 60) for _ in range(2))
    say(f"plain PyTorch loop: {plain:.1f} steps/s")
    for on in (False, True):
        with graph_setting(on):
            tr = statistics.median(trainer_rate(config, 60)[0] for _ in range(2))
            app = app_rate(config, seconds=3.0)
        name = "with the CUDA-graph step" if on else "without the CUDA-graph step"
        say(
            f"{name}: Trainer {tr:.1f} steps/s ({tr / plain:.2f} of plain), "
            f"app with probes {app:.1f} ({app / plain:.2f} of plain)"
        )


# 5. the graph step per task ------------------------------------------------------------------------------
def graph_per_task() -> None:
    say("task | Trainer steps/s | with the CUDA-graph step | ratio | the graph")
    say("--- | --- | --- | --- | ---")
    for task in TASK_CLASSES:
        config = make_config(task, device="cuda")
        with graph_setting(False):
            eager, _ = trainer_rate(config, 150)
        with graph_setting(True):
            graphed, tr = trainer_rate(config, 150)
        state = tr.graph.off or f"{tr.graph.captures} capture(s), {tr.graph.replays} replays"
        say(f"{task} | {eager:.0f} | {graphed:.0f} | {graphed / eager:.2f} | {state}")


# 6. a class on one GPU -----------------------------------------------------------------------------------
def class_threads(n: int, seconds: float) -> tuple[list[float], float]:
    """n adding runs (TrainingRun, probes on) stepping at once as threads of this process: each run's steps/s,
    and the process's CPU seconds per second meanwhile."""
    runs = [TrainingRun(make_config("adding", device="cuda", seed=i, steps=MANY_STEPS)) for i in range(n)]
    for r in runs:
        r.start()
    try:
        deadline = time.perf_counter() + 60
        while min(r.trainer.steps_done for r in runs) < 40 and time.perf_counter() < deadline:
            time.sleep(0.05)
        s0, t0, c0 = [r.trainer.steps_done for r in runs], time.perf_counter(), time.process_time()
        time.sleep(seconds)
        s1, t1, c1 = [r.trainer.steps_done for r in runs], time.perf_counter(), time.process_time()
    finally:
        for r in runs:
            r.stop()
        for r in runs:
            r.join(timeout=30)
    return [(b - a) / (t1 - t0) for a, b in zip(s0, s1, strict=True)], (c1 - c0) / (t1 - t0)


def _class_worker(seed: int, graph: bool, barrier, seconds: float, out) -> None:
    """One student's run in its own process: built, then trained for `seconds` after every process is ready."""
    os.environ.update(BUDGET_ENV)
    torch.set_num_threads(1)
    try:
        with graph_setting(graph):
            run = TrainingRun(make_config("adding", device="cuda", seed=seed, steps=MANY_STEPS))
        run.trainer.step()  # CUDA context, cuDNN plans
        barrier.wait(timeout=180)
        run.start()
        time.sleep(1.0)  # its first steps (a graph's capture)
        s0, t0 = run.trainer.steps_done, time.perf_counter()
        time.sleep(seconds)
        out.put((s0, run.trainer.steps_done, time.perf_counter() - t0))
        run.stop()
        run.join(timeout=30)
    except Exception as e:  # the parent prints it
        out.put(f"{type(e).__name__}: {e}")
        with contextlib.suppress(Exception):
            barrier.abort()


def class_processes(n: int, seconds: float, graph: bool) -> list[float]:
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_class_worker, args=(i, graph, barrier, seconds, out)) for i in range(n)]
    for p in procs:
        p.start()
    rates, errors = [], []
    for _ in procs:
        got = out.get(timeout=240)
        if isinstance(got, str):
            errors.append(got)
        else:
            rates.append((got[1] - got[0]) / got[2])
    for p in procs:
        p.join(timeout=30)
    if errors:
        raise RuntimeError(f"{len(errors)} of {n} processes failed; the first: {errors[0]}")
    return rates


def profile_one_step() -> str:
    """Kernels launched, GPU busy time and host time per step of one adding run's Trainer (batched)."""
    tr = Trainer(make_config("adding", device="cuda"))
    for _ in range(40):
        tr.advance()
    tr.flush()
    torch.cuda.synchronize()
    n = 32
    acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=acts) as prof:
        t0 = time.perf_counter()
        for _ in range(n):
            tr.advance()
        tr.flush()
        torch.cuda.synchronize()
        wall = time.perf_counter() - t0
    events = prof.key_averages()
    launches = sum(e.count for e in events if "LaunchKernel" in e.key or "GraphLaunch" in e.key)
    gpu_us = sum(getattr(e, "self_device_time_total", 0) for e in events if str(e.device_type).endswith("CUDA"))
    return (
        f"one run's step (adding defaults, profiled; the profiler slows the host): {launches / n:.0f} kernel "
        f"launches, GPU busy {gpu_us / n / 1000:.3f} ms, wall {wall / n * 1000:.3f} ms"
    )


def class_on_one_gpu(clock: Clock) -> None:
    alone, _ = class_threads(1, CLASS_S / 2)
    say(f"one run alone: {alone[0]:.0f} steps/s")
    for graph in (False, True):
        if clock.left() < 60:
            say("skipped the rest: the deadline is near")
            return
        with graph_setting(graph):
            rates, cpu = class_threads(CLASS_SIZE, CLASS_S)
        name = "with the CUDA-graph step" if graph else "as today"
        say(
            f"{CLASS_SIZE} runs as threads of one process, {name}: each {min(rates):.0f}-{max(rates):.0f} "
            f"(median {statistics.median(rates):.0f}) steps/s, {sum(rates):.0f} in total; the process used "
            f"{cpu:.2f} CPU cores (about 1: the GIL bounds it)"
        )
    say(profile_one_step())
    for graph in (False, True):
        if clock.left() < 90:
            say("skipped the processes: the deadline is near")
            return
        rates = class_processes(CLASS_SIZE, CLASS_S, graph)
        name = "with the CUDA-graph step" if graph else "without the graph step"
        say(
            f"{CLASS_SIZE} runs as separate processes, {name}: each {min(rates):.0f}-{max(rates):.0f} (median "
            f"{statistics.median(rates):.0f}) steps/s, {sum(rates):.0f} in total"
        )


# ---------------------------------------------------------------------------------------------------------
def main() -> int:
    if not torch.cuda.is_available():
        say(
            f"no CUDA device: torch {torch.__version__} sees none (torch.cuda.is_available() is False); "
            "nothing to check"
        )
        return 0
    os.environ.update(BUDGET_ENV)
    clock = Clock()
    say("# python -m rnnplay.bench --gpu-check")
    describe_machine()
    sections = [
        ("each task's defaults in the app with probes: CPU against GPU, and auto", 60, per_task_devices),
        ("synchronising CUDA calls between two fetches (torch's sync debug mode)", 20, sync_counts),
        ("the large configuration: adding, LSTM, H512, T256, B256", 40, large_configuration),
        ("the CUDA-graph step per task (the Trainer's batched loop)", 30, graph_per_task),
        (f"a class on one GPU: {CLASS_SIZE} adding runs at once", 90, lambda: class_on_one_gpu(clock)),
        ("GPU tests (pytest), in the time left", 45, lambda: run_tests(clock.left())),
    ]
    for title, needs_s, fn in sections:
        if clock.section(title, needs_s):
            try:
                fn()
            except Exception as e:  # a failing section is reported; the next ones still run
                say(f"failed: {type(e).__name__}: {e}")
    say(f"\ndone in {(time.perf_counter() - clock.t0) / 60:.1f} min")
    return 0
