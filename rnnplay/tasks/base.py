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
PAD = 0  # token id of <PAD> in every token vocabulary
IGNORE = -100  # a target position the loss and the metric skip (padding), F.cross_entropy's default


@dataclass
class Batch:
    x: Tensor  # (B, T, I) float, or (B, T) long token ids (PAD = 0) when the task has a vocab_size
    y: Tensor  # many-to-one: (B,) long or (B, 1) float; many-to-many: (B, T) long or (B, T, 1) float
    # (B,) int64 on the CPU: the true length of each sequence when they vary (padded at the end);
    # the model then packs them, so padding never changes a prediction. None = all of length T.
    lengths: Tensor | None = None


class Task:
    name: ClassVar[str]
    # "many-to-one" | "many-to-many" | "one-to-many" (the model reads (B, T, I), answers at every
    # step) | "seq2seq" (an encoder-decoder, models.Seq2Seq)
    kind: ClassVar[str]
    description: ClassVar[str]
    metric: ClassVar[str]  # "accuracy" | "mse" | "sequence accuracy"
    allows_bidirectional: ClassVar[bool] = True
    bidirectional_refusal: ClassVar[str] = "a backward pass would read the answer"  # why, when not allowed
    defaults: ClassVar[dict[str, Any]] = {}
    ignores: ClassVar[tuple[str, ...]] = ()  # config fields that mean nothing here (hidden, not shared)
    val_size: ClassVar[int] = 256
    probe_size: ClassVar[int] = 32
    # token tasks: x holds ids < vocab_size (0 = <PAD>) and the model learns an embedding
    vocab_size: int | None = None
    # V6 "try it": a label and an example for a text box, or a fixed list of choices (try_it_choices)
    try_it_label: ClassVar[str | None] = None
    try_it_example: ClassVar[str] = ""
    try_it_choices: ClassVar[tuple[str, ...] | None] = None

    input_size: int
    output_size: int
    chance: float  # the metric a model without memory of the sequence gets
    chance_loss: float
    # what the dashed chance line is, for the diagnosis: "the model does no better than <chance_text>"
    chance_text: ClassVar[str] = "a guess that ignores the sequence"
    stuck_hint: ClassVar[str | None] = None  # what to try when the loss sits on that line (None: the generic hint)

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
        """out: (B, O) or (B, T, O) from the model; class targets equal to IGNORE are skipped."""
        if y.dtype == torch.long:
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), ignore_index=IGNORE)
        return F.mse_loss(out, y)

    def score(self, out: Tensor, y: Tensor) -> Tensor:
        """The metric as a 0-d tensor (no host sync, so the trainer can batch its .item() calls)."""
        if self.metric == "accuracy":
            keep = y != IGNORE
            return ((out.argmax(-1) == y) & keep).sum() / keep.sum().clamp(min=1)
        if self.metric == "sequence accuracy":  # every kept position of a sequence right
            right = (out.argmax(-1) == y) | (y == IGNORE)
            return right.all(dim=1).float().mean()
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

    def try_it(self, model, device, text: str) -> dict:
        """V6 on the learner's own input: a view dict like view(). Bad input raises ValueError with a
        message that names the input and says what is allowed."""
        raise ValueError(f"{self.name}: this task has no try-it input")
