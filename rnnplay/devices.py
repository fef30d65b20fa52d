"""device=auto: the device that trains this configuration faster, chosen by measurement.

A machine with only a CPU trains on it, as it always did, and times nothing. With a GPU (CUDA, or Apple's
MPS) a few training steps of the configuration are timed on each device, once per shape (shape_key: the
fields that change how long a step takes, not the seed or the learning rate), and auto takes the faster:
a small model spends its step launching kernels, which one CPU thread outruns, while a large one fills
the GPU. The choice carries its reason in words and numbers (a Msg, shown on the Playground).

The rule (choose) keeps the GPU unless the CPU is at least CPU_MARGIN times faster: on a near tie the
GPU leaves the CPU to the pages and the other runs. It was checked against steps/s measured on an NVIDIA
H200 (torch 2.11, cuDNN 9.19), each task's defaults in the app with probes, one CPU thread against the GPU:
    CPU faster: majority 501 vs 200, charlm 592 vs 299, sentiment 264 vs 127, random 369 vs 311,
                tagging 355 vs 308                                       -> auto = CPU (1.15x to 2.5x)
    GPU faster: wave 78 vs 265, copy 146 vs 244, sine 271 vs 318, adding 266 vs 281   -> auto = GPU
    adding, LSTM H512 T256 B256: CPU 0.10 (16 threads) vs GPU 45-65    -> GPU; the CPU is not timed there,
                its step estimated (rnnplay/cost.py) is far too slow to win (cpu_can_win)
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field

import torch

from rnnplay.config import RunConfig
from rnnplay.cost import estimate
from rnnplay.i18n import N_, Msg

CPU_MARGIN = 1.1  # the CPU is chosen when it is at least this many times faster than the GPU
WARMUP_STEPS = 3  # untimed: cuDNN plans, the allocators, lazy state
TIMED_STEPS = 20
MEASURE_S = 0.5  # at most this long timing one device (at least 2 steps)
# fields that do not change how long a step takes: one measurement serves them all
NOT_SHAPE = frozenset(
    {"seed", "steps", "lr", "lr_schedule", "lr_step", "lr_step_unit", "lr_gamma", "momentum", "weight_decay"}
    | {"init", "init_gain", "forget_bias", "clip", "temperature", "noise", "device"}
)
NAMES = {"cpu": "CPU", "cuda": "GPU (CUDA)", "mps": "GPU (MPS)"}


@dataclass(frozen=True)
class DeviceChoice:
    device: str  # "cpu", "cuda" or "mps"
    reason: Msg  # why, in words and numbers, for the page to say (tr(reason))
    rates: dict[str, float] = field(default_factory=dict)  # steps/s per device; {} when nothing was timed
    estimated: tuple[str, ...] = ()  # devices whose rate is estimated, not timed


def accelerators() -> list[str]:
    """The GPUs torch can train on here."""
    found = ["cuda"] if torch.cuda.is_available() else []
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        found.append("mps")
    return found


def choose(rates: dict[str, float], estimated: tuple[str, ...] = ()) -> DeviceChoice:
    """The device for measured steps/s per device ({"cpu": 501, "cuda": 200}), and why. Pure: the numbers
    come from measure() (or from a test)."""
    gpus = sorted((d for d in rates if d != "cpu"), key=lambda d: -rates[d])
    if not gpus:
        return DeviceChoice("cpu", Msg(N_("CPU: this machine has no GPU")), dict(rates), estimated)
    gpu, cpu_rate = gpus[0], rates.get("cpu", 0.0)
    gpu_rate = rates[gpu]
    numbers = {"gpu": NAMES[gpu], "cpu_rate": round(cpu_rate), "gpu_rate": round(gpu_rate)}
    if cpu_rate >= CPU_MARGIN * gpu_rate:
        ratio = cpu_rate / gpu_rate
        reason = Msg(
            N_(
                "CPU: {ratio:.1f}× faster than the {gpu} for a model this small "
                "({cpu_rate} against {gpu_rate} steps/s, measured)"
            ),
            ratio=ratio,
            **numbers,
        )
        return DeviceChoice("cpu", reason, dict(rates), estimated)
    if "cpu" in estimated:
        reason = Msg(
            N_("{gpu}: {gpu_rate} steps/s measured; one CPU thread would take about {cpu_s:.1f} s a step (estimated)"),
            cpu_s=1 / cpu_rate if cpu_rate > 0 else math.inf,
            **numbers,
        )
    elif gpu_rate >= CPU_MARGIN * cpu_rate:
        reason = Msg(
            N_(
                "{gpu}: {ratio:.1f}× faster than the CPU for a model this size "
                "({gpu_rate} against {cpu_rate} steps/s, measured)"
            ),
            ratio=gpu_rate / cpu_rate if cpu_rate > 0 else math.inf,
            **numbers,
        )
    else:
        reason = Msg(
            N_(
                "{gpu}: about as fast as the CPU for this model ({gpu_rate} against {cpu_rate} steps/s, "
                "measured), and it leaves the CPU to the pages"
            ),
            **numbers,
        )
    return DeviceChoice(gpu, reason, dict(rates), estimated)


def cpu_can_win(cpu_step_s_estimated: float, gpu_rate: float) -> bool:
    """Whether the CPU is worth timing: the cost estimate of a step on one thread is within a factor of about 2
    of the truth, rarely far above it, so a CPU twice as fast as its estimate must still beat the GPU by
    CPU_MARGIN. A large model's CPU step takes seconds (0.1 steps/s measured on the LSTM H512 T256 B256)."""
    return 2 / cpu_step_s_estimated >= CPU_MARGIN * gpu_rate


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()
    elif device == "mps":
        torch.mps.synchronize()


def measure(
    config: RunConfig, device: str, make_trainer, steps: int = TIMED_STEPS, budget_s: float = MEASURE_S
) -> float:
    """Steps/s of a trainer (make_trainer(config): rnnplay.trainer.Trainer, which asks this module for auto) on
    `device` for this configuration: WARMUP_STEPS untimed, then up to `steps` timed ones (at least 2, at most
    budget_s), the device drained before and after."""
    tr = make_trainer(config.replace(device=device))
    for _ in range(WARMUP_STEPS):
        tr.step()
    _synchronize(device)
    t0, done = time.perf_counter(), 0
    while done < steps and (done < 2 or time.perf_counter() - t0 < budget_s):
        tr.advance()
        done += 1
    tr.flush()
    _synchronize(device)
    return done / (time.perf_counter() - t0)


def shape_key(config: RunConfig) -> str:
    """What a measurement is cached under: the configuration without the fields that do not change a step's time."""
    return json.dumps({k: v for k, v in config.to_dict().items() if k not in NOT_SHAPE}, sort_keys=True, default=str)


_CHOICES: dict[str, DeviceChoice] = {}
_MEASURING = threading.Lock()  # one measurement at a time: two at once would time each other


def auto_device(config: RunConfig, make_trainer) -> DeviceChoice:
    """device=auto for this configuration: the CPU without timing where there is no GPU; otherwise measured
    once per shape with trainers from make_trainer (cached for the process). A measurement that fails keeps
    the GPU, as auto did before."""
    gpus = accelerators()
    if not gpus:
        return choose({})
    key = shape_key(config)
    with _MEASURING:
        if key not in _CHOICES:
            _CHOICES[key] = _measured_choice(config, gpus, make_trainer)
        return _CHOICES[key]


def _measured_choice(config: RunConfig, gpus: list[str], make_trainer) -> DeviceChoice:
    try:
        rates = {gpu: measure(config, gpu, make_trainer) for gpu in gpus}
        cpu_s = estimate(config).step_seconds
        if cpu_can_win(cpu_s, max(rates.values())):
            return choose({**rates, "cpu": measure(config, "cpu", make_trainer)})
        return choose({**rates, "cpu": 1 / cpu_s}, estimated=("cpu",))
    except Exception as e:  # a configuration a trainer refuses is refused again, by name, when the run is built
        reason = Msg(N_("{gpu}: chosen without measuring ({error})"), gpu=NAMES[gpus[0]], error=e)
        return DeviceChoice(gpus[0], reason)
