"""The three loops the benchmarks compare on one configuration, each returning steps/s: the plain PyTorch
loop a learner would write (the reference), the Trainer's own loop, and the app's run in its thread."""

from __future__ import annotations

import time

import torch

from rnnplay.run.training_run import TrainingRun
from rnnplay.trainer import Trainer, make_optimizer


def plain_loop(config, steps: int) -> float:
    """An equivalent plain PyTorch loop: the trainer's model, optimizer and data, none of its extras."""
    tr = Trainer(config)  # only to build the same model and data stream
    model, task, gen = tr.model, tr.task, tr.gen
    opt = make_optimizer(config, model.parameters(), foreach=None)  # torch's defaults, as a learner writes it
    params = list(model.parameters())
    t0 = time.perf_counter()
    for _ in range(steps):
        b = tr._to_device(task.train_batch(gen))  # the same host->device copy the trainer makes
        # every model takes (x, lengths, target): sentiment packs its lengths, reverse may teacher-force
        loss = task.loss(model(b.x, b.lengths, b.y), b.y)
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


def app_run(config, steps: int, probes: bool = True) -> float:
    """(c), or (b) with probes=False: TrainingRun in its background thread, as the Playground trains."""
    run = TrainingRun(config.replace(steps=steps), probes=probes)
    t0 = time.perf_counter()
    run.start()
    run.join(timeout=600)
    dt = time.perf_counter() - t0
    assert run.state == "done", run.message
    return steps / dt
