"""device=auto: the choice from measured steps/s per device (checked against an H200's figures), its reason in
words and numbers, and a CPU-only machine's auto, which times nothing. The GPU side is in tests/test_gpu.py."""

from __future__ import annotations

import math

import pytest

from app_pages.i18n import render
from rnnplay import devices
from rnnplay.config import make_config
from rnnplay.cost import estimate
from rnnplay.trainer import Trainer

# steps/s of each task's defaults in the app with probes: one CPU thread, an NVIDIA H200 (torch 2.11, cuDNN 9.19)
H200 = {
    "majority": (501, 200),
    "charlm": (592, 299),
    "sentiment": (264, 127),
    "random": (369, 311),
    "tagging": (355, 308),
    "wave": (78, 265),
    "copy": (146, 244),
    "sine": (271, 318),
    "adding": (266, 281),
}
LARGE = {"arch": "lstm", "hidden_size": 512, "seq_len": 256, "batch_size": 256}


@pytest.mark.parametrize("task", H200)
def test_auto_takes_the_device_an_h200_measured_faster(task):
    cpu, gpu = H200[task]
    choice = devices.choose({"cpu": cpu, "cuda": gpu})
    assert choice.device == ("cpu" if cpu > gpu else "cuda")
    assert choice.rates == {"cpu": cpu, "cuda": gpu} and choice.estimated == ()


def test_the_reason_names_the_device_and_the_measured_numbers_in_both_languages():
    cpu = devices.choose({"cpu": 501, "cuda": 200})
    assert str(cpu.reason) == (
        "CPU: 2.5× faster than the GPU (CUDA) for a model this small (501 against 200 steps/s, measured)"
    )
    assert render(cpu.reason, "zh") == "CPU：对这么小的模型，比 GPU (CUDA) 快 2.5 倍（实测每秒 501 步对 200 步）"
    gpu = devices.choose({"cpu": 78, "cuda": 265})
    assert str(gpu.reason) == (
        "GPU (CUDA): 3.4× faster than the CPU for a model this size (265 against 78 steps/s, measured)"
    )
    assert "3.4 倍" in render(gpu.reason, "zh")


def test_a_near_tie_keeps_the_gpu_and_says_so():
    """The CPU must be CPU_MARGIN times faster to be chosen: on a near tie the GPU leaves the CPU to the pages."""
    choice = devices.choose({"cpu": 300, "cuda": 290})
    assert choice.device == "cuda"
    assert str(choice.reason).startswith("GPU (CUDA): about as fast as the CPU for this model (290 against 300")
    assert devices.choose({"cpu": 300 * devices.CPU_MARGIN, "cuda": 300}).device == "cpu"


def test_a_large_model_is_not_timed_on_the_cpu_and_the_reason_says_estimated():
    """adding LSTM H512 T256 B256: 0.1 steps/s on the CPU, 51-65 on the H200; timing a CPU step would take seconds."""
    large_s = estimate(make_config("adding", **LARGE)).step_seconds
    assert not devices.cpu_can_win(large_s, 51)
    assert devices.cpu_can_win(estimate(make_config("majority")).step_seconds, 200)
    choice = devices.choose({"cuda": 51, "cpu": 1 / large_s}, estimated=("cpu",))
    assert choice.device == "cuda"
    assert str(choice.reason) == (
        f"GPU (CUDA): 51 steps/s measured; one CPU thread would take about {large_s:.1f} s a step (estimated)"
    )


def test_no_gpu_means_the_cpu():
    choice = devices.choose({})
    assert choice.device == "cpu" and choice.rates == {}
    assert str(choice.reason) == "CPU: this machine has no GPU"
    assert render(choice.reason, "zh") == "CPU：这台机器没有 GPU"


def test_one_measurement_serves_every_seed_and_learning_rate_of_a_shape():
    key = devices.shape_key
    base = make_config("majority")
    assert key(base) == key(base.replace(seed=7, lr=0.01, steps=50, init="orthogonal", clip=0.5))
    assert key(base) != key(base.replace(hidden_size=64))
    assert key(base) != key(base.replace(batch_size=64))
    assert key(base) != key(make_config("adding"))


def test_measure_times_real_training_steps():
    rate = devices.measure(make_config("majority", hidden_size=8, seq_len=5), "cpu", Trainer, steps=3)
    assert math.isfinite(rate) and rate > 0


@pytest.mark.skipif(bool(devices.accelerators()), reason="this machine has a GPU")
def test_auto_on_a_machine_without_a_gpu_trains_on_the_cpu_and_times_nothing():
    tr = Trainer(make_config("majority"))
    assert tr.device.type == "cpu"
    assert tr.device_choice.device == "cpu" and tr.device_choice.rates == {}
    assert devices._CHOICES == {}  # nothing measured, nothing cached
    assert Trainer(make_config("majority", device="cpu")).device_choice is None
