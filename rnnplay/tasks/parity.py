"""parity: a 0/1 sequence -> is the number of ones in it odd?

Every digit matters to the end: one 1 anywhere flips the answer, so a model must carry one bit through
the whole sequence and flip it exactly when a 1 comes. No single digit, and no count a linear read-out
can take of the hidden state, says anything alone (a guess is right about half the time). A gated cell (GRU,
LSTM) learns the flip at T = 8 in about a thousand steps; a plain RNN's gradient through time fades
before it finds it, and the longer the sequence, the harder it gets for every cell (see P_ONE).
"""

from __future__ import annotations

import math

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of

# a digit is 1 with probability 1/4. With fair coins the answer is independent of every part of the sequence
# short of the whole, so the gradient has nothing to follow until a model happens on the flip (measured:
# a GRU at T = 5 still at chance after 3000 steps); with sparser ones a GRU or LSTM learns T = 8 in
# 1000-1500 steps (seeds 0-2) while a plain RNN stays at chance, and T = 12 is out of reach for both
P_ONE = 0.25
MAX_DIGITS = 60  # the learner's own string: a bar per digit stays readable


def ones_parity(n, gen, seq_len):
    """n 0/1 sequences x (B, T, 1), each digit 1 with probability P_ONE, and y (B,): 1 when a sequence
    holds an odd number of ones."""
    x = (torch.rand(n, seq_len, 1, generator=gen) < P_ONE).float()  # (B, T, 1)
    y = x.sum(dim=(1, 2)).long() % 2  # (B,)
    return x, y


# the exported script's glue around ones_parity (its source is copied in by script_code)
SCRIPT_GLUE = """
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = 1, 2, True


P_ONE = {p_one!r}


{source}


def sample(n, gen):
    return ones_parity(n, gen, SEQ_LEN)


def loss_fn(out, y):
    return F.cross_entropy(out, y)
"""


class Parity(Task):
    name = "parity"
    kind = "many-to-one"
    description = N_("0/1 sequence -> is the number of ones odd? (classification, one bit carried to the end)")
    card = N_("Is the number of ones odd? One bit to flip at every 1 and carry to the end: gates help.")
    learn_title = N_("parity — is the number of ones odd?")
    metric = "accuracy"
    stuck_hint = N_(
        "Parity needs one bit flipped at every 1 and kept to the end: try a GRU or LSTM, a shorter "
        "seq_len, or more steps."
    )
    # a GRU learns T = 8 in 1000-1500 steps, ~6 s on one CPU thread (see P_ONE; tests/test_parity.py trains it)
    defaults = {"arch": "gru", "hidden_size": 32, "lr": 1e-2, "batch_size": 64, "steps": 1500, "seq_len": 8}
    try_it_label = N_("A 0/1 string (up to 60 digits)")
    try_it_example = "1011001"
    own_input_help = N_("a 0/1 string, e.g. 1011001")

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 1, 2
        # P(odd) = (1 - (1 - 2p)^T) / 2 for independent digits (just under 1/2); a guess answers the likelier
        p1 = (1 - (1 - 2 * P_ONE) ** self.seq_len) / 2
        self.chance = max(p1, 1 - p1)
        self.chance_loss = -(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1))

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return Batch(*ones_parity(n, gen, self.seq_len))

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [str(int(v)) for v in x[:, 0].tolist()]

    # the learner's own input (Try it, Inspect) ------------------------------------------------------
    def encode(self, text: str) -> torch.Tensor:
        """'1011…' -> (1, T, 1)."""
        s = text.strip()
        if not s or set(s) - {"0", "1"} or len(s) > MAX_DIGITS:
            raise ValueError(
                Msg(N_("parity input: type 1 to {most} digits, only 0s and 1s, e.g. 1011001"), most=MAX_DIGITS)
            )
        return torch.tensor([[float(c)] for c in s]).unsqueeze(0)

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.encode(text)
        return x, x.sum(dim=(1, 2)).long() % 2

    def class_name(self, i: int) -> Msg:
        return Msg(N_("odd")) if i else Msg(N_("even"))

    # its view: the verdict after each prefix -------------------------------------------------------
    @torch.no_grad()
    def p_odd(self, model, x: torch.Tensor) -> list[float]:
        """P(odd) after reading each prefix of x (1, T, 1)."""
        model.eval()
        return [float(torch.softmax(model(x[:, : t + 1]), -1)[0, 1]) for t in range(x.shape[1])]

    def bars(self, model, device, x: torch.Tensor) -> dict:
        """A bar per digit: P(odd) after it, green where the model's side of 1/2 is the prefix's true
        parity, red where it is not."""
        x = x.to(device)
        p = self.p_odd(model, x)
        digits = self.input_labels(x[0].cpu())
        ones = [int(d) for d in digits]
        truth = [sum(ones[: t + 1]) % 2 for t in range(len(ones))]
        right = [(q > 0.5) == bool(odd) for q, odd in zip(p, truth, strict=True)]
        title = Msg(
            N_("{ones} ones: {answer}; the model says P(odd) = {p:.2f}"),
            ones=sum(ones),
            answer=self.class_name(truth[-1]),
            p=p[-1],
        )
        return {
            "kind": "bars",
            "title": title,
            "x": [f"{t + 1}:{d}" for t, d in enumerate(digits)],
            "y": p,
            "colors": ["#59a14f" if r else "#e15759" for r in right],
            "x_title": Msg(N_("after reading step : digit")),
            "y_title": "P(odd)",
            "y_range": [0, 1],
            "hline": 0.5,
            "hline_label": Msg(N_("undecided")),
        }

    def view(self, model, device) -> dict:
        return self.bars(model, device, self.fixed_batch(1, 7).x[:, :MAX_DIGITS])

    def try_it(self, model, device, text: str) -> dict:
        """The learner's own 0/1 string, of any length up to 60 (even one the model never saw)."""
        return self.bars(model, device, self.encode(text))

    # the exported script -----------------------------------------------------------------------------
    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(p_one=P_ONE, source=source_of(ones_parity))
