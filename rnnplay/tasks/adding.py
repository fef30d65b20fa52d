"""adding problem (Hochreiter & Schmidhuber 1997): remember two marked numbers T steps apart.

Input at each step: (value ~ U[0, 1], marker in {0, 1}); exactly two markers, one in each half.
Target: the sum of the two marked values. Always answering 1 gives MSE = 2/12 ≈ 0.167.
"""

from __future__ import annotations

import math

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of

OWN_INPUT_MAX_STEPS = 200  # Inspect's own input: a heatmap of up to 200 steps stays readable


def marked_sum(n, gen, seq_len):
    """The adding problem: x (B, T, 2) a value in [0, 1) and a marker per step, two markers (one in each
    half); y (B, 1) the sum of the two marked values."""
    T, half = seq_len, seq_len // 2
    values = torch.rand(n, T, generator=gen)
    first = torch.randint(0, half, (n,), generator=gen)
    second = torch.randint(half, T, (n,), generator=gen)
    marks = torch.zeros(n, T)
    rows = torch.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    x = torch.stack([values, marks], dim=-1)  # (B, T, 2)
    y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
    return x, y


# the exported script's glue around marked_sum (its source is copied in by script_code)
SCRIPT_GLUE = """
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = 2, 1, True


{source}


def sample(n, gen):
    return marked_sum(n, gen, SEQ_LEN)


def loss_fn(out, y):
    return F.mse_loss(out, y)
"""


class Adding(Task):
    name = "adding"
    kind = "many-to-one"
    description = N_("sum the two marked numbers of a long sequence (regression, long memory)")
    card = N_("Add two marked numbers far apart: the classic test of long memory.")  # Home's card
    learn_title = N_("adding — add the two marked numbers of a long sequence")  # its link on the Learn page
    home_presets = (
        (
            N_("Vanishing gradients: RNN on the adding problem"),
            {"arch": "rnn", "seq_len": 50},
            N_(
                "A vanilla RNN must carry two numbers across 50 steps. Watch ‖∂L/∂h₁‖ fall ten orders of "
                "magnitude below ‖∂L/∂h_T‖ and the loss sit on the chance line."
            ),
        ),
        (
            N_("…and the LSTM that remembers"),
            {"arch": "lstm", "seq_len": 50, "steps": 3000},
            N_("Same task, same seed: the LSTM's gradient through time stays flat and the loss drops below chance."),
        ),
    )
    learn_links = (
        (
            "forget_bias",
            N_("An LSTM on the adding problem with forget_bias = 1"),
            {"arch": "lstm", "seq_len": "50", "forget_bias": "1.0"},
        ),
        ("vanishing", N_("See it vanish: an RNN on the adding problem, T = 50"), {"arch": "rnn", "seq_len": "50"}),
        ("vanishing", N_("…and an LSTM on the same task"), {"arch": "lstm", "seq_len": "50", "steps": "3000"}),
    )
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
    own_input_help = N_("comma-separated numbers in [0, 1], two of them marked with *, e.g. 0.3*,0.5,0.1,0.8*,0.2")
    own_input_example = "0.3*,0.5,0.1,0.9,0.2,0.7,0.8*,0.4"

    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(source=source_of(marked_sum))

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 2, 1
        self.chance = self.chance_loss = 1 / 6  # Var(u1 + u2), u ~ U[0, 1]

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return Batch(*marked_sum(n, gen, self.seq_len))

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [f"{v:.2f}{'*' if m > 0 else ''}" for v, m in x.tolist()]

    @torch.no_grad()
    def view(self, model, device) -> dict:
        b = self.fixed_batch(100, 11)
        model.eval()
        pred = model(b.x.to(device)).squeeze(-1).cpu()
        return {"kind": "scatter", "target": b.y.squeeze(-1).tolist(), "prediction": pred.tolist()}

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """'0.3*,0.5,0.8*' -> x (1, T, 2) (values, marks) and the sum of the marked ones (1, 1)."""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        usage = Msg(N_("comma-separated numbers in [0, 1], exactly two marked with *, e.g. 0.3*,0.5,0.8*"))
        if not 2 <= len(parts) <= OWN_INPUT_MAX_STEPS:
            raise ValueError(
                Msg(
                    N_("adding input: {n} numbers; type 2 to {most} {usage}"),
                    n=len(parts),
                    most=OWN_INPUT_MAX_STEPS,
                    usage=usage,
                )
            )
        values, marks = [], []
        for p in parts:
            try:
                v = float(p.rstrip("*").strip())
            except ValueError:
                raise ValueError(
                    Msg(N_("adding input: {p!r} is not a number; type {usage}"), p=p, usage=usage)
                ) from None
            if not (math.isfinite(v) and 0 <= v <= 1):
                raise ValueError(Msg(N_("adding input: {p!r} is outside [0, 1]; type {usage}"), p=p, usage=usage))
            values.append(v)
            marks.append(1.0 if p.endswith("*") else 0.0)
        if sum(marks) != 2:
            raise ValueError(
                Msg(N_("adding input: {n} numbers marked with *; type {usage}"), n=int(sum(marks)), usage=usage)
            )
        x = torch.tensor([values, marks]).T.unsqueeze(0)  # (1, T, 2)
        return x, (x[..., 0] * x[..., 1]).sum(dim=1, keepdim=True)  # (1, 1)
