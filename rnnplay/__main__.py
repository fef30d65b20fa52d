"""python -m rnnplay tasks | train [--FIELD VALUE ...] [--json]

Every RunConfig field is a flag (`hidden_size` -> `--hidden-size`); booleans are
`--bidirectional` / `--no-bidirectional`. Unset flags take the task's defaults. A bad value exits
with status 2 and one line on stderr naming the field. `--json` prints one JSON object as the
last line of stdout (the contract in SPEC.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch

from rnnplay.config import DEFAULT_TASK, FIELDS, MAX_SERIES, ConfigError, allowed_text, make_config, relevant_fields
from rnnplay.tasks import TASK_CLASSES
from rnnplay.tasks.sine import MAX_CSV_BYTES, load_series_csv
from rnnplay.trainer import DIVERGED_HINT, Trainer


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line gives one line on stderr and exit status 2."""

    def error(self, message: str):
        _fail(message)


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="python -m rnnplay", description="RNN Playground from the command line")
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("tasks", help="list the tasks: name, kind, description")
    train = sub.add_parser("train", help="train one configuration and report")
    for name, f in FIELDS.items():
        if not f.metadata["share"]:
            continue  # a user's data (sine's series): its own flag below
        flag = "--" + name.replace("_", "-")
        helptext = f"{f.metadata['help']} ({allowed_text(name)})"
        if isinstance(f.default, bool):
            train.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=helptext)
        else:
            # values stay strings here: RunConfig validates them and names the field on error
            train.add_argument(flag, default=None, metavar=name.upper(), help=helptext)
    train.add_argument(
        "--csv",
        metavar="PATH",
        help="sine: your own series from a CSV file: one column of numbers, a header row allowed "
        f"(up to {MAX_CSV_BYTES // 1_000_000} MB and {MAX_SERIES} rows); sets the series field",
    )
    train.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    train.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def cmd_tasks() -> None:
    for cls in TASK_CLASSES.values():
        print(f"{cls.name:<10} {cls.kind:<13} {cls.description}")


def summarize(trainer, history: list, seconds: float) -> dict:
    """The --json object: means over the last 10% of steps, validation, chance, gradient through time at the end."""
    n = max(1, len(history) // 10)
    tail = history[-n:]
    finite = [s for s in tail if math.isfinite(s.loss)] or tail
    val_loss, val_metric = trainer.evaluate() if not trainer.diverged else (float("nan"),) * 2
    try:
        gtt = trainer.grad_through_time()
    except RuntimeError:
        gtt = []
    task = trainer.task
    return {
        "config": trainer.config.to_dict(),
        "steps": len(history),
        "diverged": trainer.diverged,
        "steps_per_s": len(history) / seconds if seconds > 0 else 0.0,
        "train_loss": sum(s.loss for s in finite) / len(finite),
        "train_metric": sum(s.metric for s in finite) / len(finite),
        "val_loss": val_loss,
        "val_metric": val_metric,
        "metric": task.metric,
        "chance": task.chance,
        "chance_loss": task.chance_loss,
        "loss_history": [s.loss for s in history],
        "grad_through_time": gtt,
    }


def _finite_or_null(value):
    """NaN/Inf (a diverged run) become null: strict JSON parsers (jq, JSON.parse) reject NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_null(v) for v in value]
    return value


def read_csv_series(path: str, task: str) -> tuple[float, ...]:
    """--csv: the file's one column of numbers; a bad file exits 2 with one line naming csv."""
    if "series" not in relevant_fields(task):
        readers = " or ".join(f"--task {n}" for n in TASK_CLASSES if "series" in relevant_fields(n))
        _fail(f"csv={path!r} is not allowed: only {readers} reads a series (got task {task})")
    try:
        if os.path.getsize(path) > MAX_CSV_BYTES:
            _fail(f"csv={path!r} is not allowed: a file of at most {MAX_CSV_BYTES // 1_000_000} MB")
        with open(path, "rb") as f:
            data = f.read(MAX_CSV_BYTES + 1)
        return load_series_csv(data)
    except OSError as e:
        _fail(f"csv={path!r} is not allowed: cannot read it ({e.strerror or e})")
    except ConfigError as e:
        _fail(f"{e} (file {path})")


def cmd_train(args: argparse.Namespace) -> None:
    given = {k: v for k, v in vars(args).items() if k in FIELDS and v is not None}
    if args.csv is not None:
        given["series"] = read_csv_series(args.csv, given.get("task", DEFAULT_TASK))
    try:
        config = make_config(given.pop("task", DEFAULT_TASK), **given)
        trainer = Trainer(config)
    except ConfigError as e:
        _fail(f"{e} (from --csv {args.csv})" if e.field == "series" and args.csv else str(e))
    history = []
    every = max(1, config.steps // 10)
    t0 = time.perf_counter()
    for _ in range(config.steps):
        stats = trainer.step()
        history.append(stats)
        if stats.diverged:
            print(f"diverged at step {stats.step}: {DIVERGED_HINT}", file=sys.stderr)
            break
        if not args.quiet and (stats.step % every == 0 or stats.step == 1):
            epochs = trainer.epochs(stats.step)
            print(
                f"step {stats.step:>6}"
                + (f"  epoch {epochs:.2f}" if epochs is not None else "")
                + f"  loss {stats.loss:.4f}  {trainer.task.metric} {stats.metric:.4f}"
                f"  grad {stats.grad_norm:.3g}",
                file=sys.stderr if args.json else sys.stdout,
            )
    seconds = time.perf_counter() - t0
    result = summarize(trainer, history, seconds)
    if args.json:
        print(json.dumps(_finite_or_null(result), allow_nan=False))
    else:
        epochs = trainer.epochs()
        print(
            f"{config.task}/{config.arch}: train {result['metric']} {result['train_metric']:.4f}, "
            f"val {result['metric']} {result['val_metric']:.4f} (chance {result['chance']:.3f}), "
            f"{result['steps_per_s']:.1f} steps/s"
            + (f", {epochs:.2f} epochs of {trainer.task.dataset_len}" if epochs is not None else "")
        )


def main(argv: list[str] | None = None) -> None:
    torch_threads = int(os.environ.get("RNNPLAY_THREADS", "0"))
    if torch_threads > 0:
        torch.set_num_threads(torch_threads)
    args = build_parser().parse_args(argv)
    if args.command == "tasks":
        cmd_tasks()
    else:
        cmd_train(args)


if __name__ == "__main__":
    main()
