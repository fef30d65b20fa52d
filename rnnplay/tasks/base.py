"""The Task protocol: what every task gives the trainer, the probes and the views.

A task makes batches (x float (B, T, I), y), says how the model's output is scored (loss, metric),
where the chance level lies, and which defaults converge on a laptop CPU in well under a minute.
Data come from a torch.Generator seeded by the config, so a run is reproducible; the validation
and probe batches use their own seeds, so they never overlap the training stream's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.nn import functional as F

VAL_SEED_OFFSET, PROBE_SEED_OFFSET = 1_000_003, 2_000_029


@dataclass
class Batch:
    x: Tensor  # (B, T, I) float
    y: Tensor  # many-to-one: (B,) long or (B, 1) float; many-to-many: (B, T) long or (B, T, 1) float


class Task:
    name: ClassVar[str]
    kind: ClassVar[str]  # "many-to-one" | "many-to-many"
    description: ClassVar[str]
    metric: ClassVar[str]  # "accuracy" | "mse"
    allows_bidirectional: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {}
    val_size: ClassVar[int] = 256
    probe_size: ClassVar[int] = 32

    input_size: int
    output_size: int
    chance: float  # the metric a model without memory of the sequence gets
    chance_loss: float

    def __init__(self, config):
        self.config = config
        self.seq_len = config.seq_len

    # data -----------------------------------------------------------------------------------
    def sample(self, n: int, gen: torch.Generator) -> Batch:
        raise NotImplementedError

    def train_batch(self, gen: torch.Generator) -> Batch:
        return self.sample(self.config.batch_size, gen)

    def fixed_batch(self, n: int, offset: int) -> Batch:
        return self.sample(n, torch.Generator().manual_seed(self.config.seed + offset))

    def val_batch(self) -> Batch:
        return self.fixed_batch(self.val_size, VAL_SEED_OFFSET)

    def probe_batch(self) -> Batch:
        return self.fixed_batch(self.probe_size, PROBE_SEED_OFFSET)

    # scoring --------------------------------------------------------------------------------
    @property
    def many_to_one(self) -> bool:
        return self.kind == "many-to-one"

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        """out: (B, O) or (B, T, O) from the model."""
        if self.metric == "accuracy":
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        return F.mse_loss(out, y)

    def score(self, out: Tensor, y: Tensor) -> Tensor:
        """The metric as a 0-d tensor (no host sync, so the trainer can batch its .item() calls)."""
        if self.metric == "accuracy":
            return (out.argmax(-1) == y).float().mean()
        return F.mse_loss(out.detach(), y)

    # views ----------------------------------------------------------------------------------
    def input_labels(self, x: Tensor) -> list[str]:
        """One short label per time step of one sample x (T, I), for the activation heatmap's axis."""
        return [f"{v:.2f}" for v in x[:, 0].tolist()]

    @classmethod
    def info(cls) -> dict[str, str]:
        return {"name": cls.name, "kind": cls.kind, "description": cls.description}

    def view(self, model, device) -> dict:
        """V6: the numbers of this task's own view for the current model (see figures.task_view)."""
        return {}
