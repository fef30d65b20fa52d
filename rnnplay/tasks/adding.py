"""T9 adding problem (Hochreiter & Schmidhuber 1997): remember two marked numbers T steps apart.

Input at each step: (value ~ U[0, 1], marker in {0, 1}); exactly two markers, one in each half.
Target: the sum of the two marked values. Always answering 1 gives MSE = 2/12 ≈ 0.167.
"""

from __future__ import annotations

import torch

from rnnplay.i18n import N_
from rnnplay.tasks.base import Batch, Task


class Adding(Task):
    name = "adding"
    kind = "many-to-one"
    description = N_("sum the two marked numbers of a long sequence (regression, long memory)")
    card = N_("Add two marked numbers far apart: the classic test of long memory.")  # Home's card
    learn_title = N_("adding — add the two marked numbers of a long sequence")  # its link on the Learn page
    metric = "mse"
    defaults = {
        "hidden_size": 64,
        "lr": 3e-3,
        "batch_size": 64,
        "steps": 1500,
        "seq_len": 20,
        "clip_mode": "norm",
        "clip": 1.0,
    }

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 2, 1
        self.chance = self.chance_loss = 1 / 6  # Var(u1 + u2), u ~ U[0, 1]

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        T, half = self.seq_len, self.seq_len // 2
        values = torch.rand(n, T, generator=gen)
        first = torch.randint(0, half, (n,), generator=gen)
        second = torch.randint(half, T, (n,), generator=gen)
        marks = torch.zeros(n, T)
        rows = torch.arange(n)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        x = torch.stack([values, marks], dim=-1)  # (B, T, 2)
        y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
        return Batch(x, y)

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [f"{v:.2f}{'*' if m > 0 else ''}" for v, m in x.tolist()]

    @torch.no_grad()
    def view(self, model, device) -> dict:
        b = self.fixed_batch(100, 11)
        model.eval()
        pred = model(b.x.to(device)).squeeze(-1).cpu()
        return {"kind": "scatter", "target": b.y.squeeze(-1).tolist(), "prediction": pred.tolist()}
