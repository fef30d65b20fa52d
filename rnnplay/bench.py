"""python -m rnnplay.bench: steps/s of the rnnplay trainer against an equivalent plain PyTorch loop.

Three loops train the same model on the same data stream, in rounds (plain, trainer, app run,
plain, ...) so that a noisy shared machine slows all of them alike; each ratio is the median over
rounds, measured in this one run:
  plain    the course's loop: forward, loss, zero_grad, backward, clip, step, loss.item()
  trainer  Trainer.step() (adds the metric and the gradient norms before/after clipping)   -> P1
  app      TrainingRun in its background thread with the default probe cadence (V3, V4,
           V5, validation and the task view), as the Playground runs it                  -> P2
--race: the Gradient lab's race of RNN, LSTM and GRU (one thread stepping them in turn, probes
as usual) against the same three runs trained one after the other; total steps/s of each (C2)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from rnnplay.config import make_config
from rnnplay.race import Race
from rnnplay.session import TrainingRun
from rnnplay.trainer import Trainer, make_optimizer

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


def plain_loop(config, steps: int) -> float:
    """An equivalent plain PyTorch loop: the trainer's model, optimizer and data, none of its extras."""
    tr = Trainer(config)  # only to build the same model and data stream
    model, task, gen = tr.model, tr.task, tr.gen
    opt = make_optimizer(config, model.parameters(), foreach=None)  # torch's defaults, as a learner writes it
    params = list(model.parameters())
    t0 = time.perf_counter()
    for _ in range(steps):
        b = tr._to_device(task.train_batch(gen))  # the same host->device copy the trainer makes
        loss = task.loss(model(b.x), b.y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip_mode == "norm":
            torch.nn.utils.clip_grad_norm_(params, config.clip)
        opt.step()
        loss.item()
    return steps / (time.perf_counter() - t0)


def trainer_loop(config, steps: int) -> float:
    tr = Trainer(config)
    t0 = time.perf_counter()
    for _ in range(steps):
        tr.step()
    return steps / (time.perf_counter() - t0)


def app_run(config, steps: int) -> float:
    run = TrainingRun(config.replace(steps=steps))
    t0 = time.perf_counter()
    run.start()
    run.join(timeout=600)
    dt = time.perf_counter() - t0
    assert run.state == "done", run.message
    return steps / dt


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
        "P1_trainer_over_plain": round(med["trainer"] / med["plain"], 3),
        "P2_app_with_probes_over_plain": round(med["app"] / med["plain"], 3),
    }


RACE = ({"task": "adding", "seq_len": 50, "hidden_size": 64, "batch_size": 64}, ("rnn", "lstm", "gru"), 300)


def race_total(configs, steps: int) -> float:
    """Total steps/s of the entries raced in one thread, round-robin."""
    race = Race([c.replace(steps=steps) for c in configs])
    t0 = time.perf_counter()
    race.start()
    race.join(timeout=600)
    dt = time.perf_counter() - t0
    assert all(s["state"] == "done" for s in race.snapshot()["runs"]), race.snapshot()["state"]
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


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m rnnplay.bench", description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=[*CASES, "all"], default="all")
    p.add_argument("--steps", type=int, default=None, help="steps per loop (default: per case)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: shared machines)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--race", action="store_true", help="a 3-run race against the same runs one after the other")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.environ["RNNPLAY_THREADS"] = str(a.threads)  # each app training thread sets its own count (hosted)
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
        return
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
                f"(P1 ratio {r['P1_trainer_over_plain']:.3f}, target >= 0.9) | app with probes "
                f"{r['app_steps_per_s']:>7} (P2 ratio {r['P2_app_with_probes_over_plain']:.3f}, target >= 0.85)"
            )


if __name__ == "__main__":
    main()
