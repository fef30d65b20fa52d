"""majority (the course's 第五课·课时1, §四): a 0/1 sequence -> are more than half of its digits ones?"""

from __future__ import annotations

import math

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of


def ones_majority(n, gen, seq_len):
    """n 0/1 sequences x (B, T, 1) and y (B,): 1 when more than half of a sequence's digits are ones."""
    x = torch.randint(0, 2, (n, seq_len, 1), generator=gen).float()  # (B, T, 1)
    y = (x.sum(dim=(1, 2)) > seq_len / 2).long()  # (B,)
    return x, y


# the exported script's glue around ones_majority (its source is copied in by script_code)
SCRIPT_GLUE = """
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = 1, 2, True


{source}


def sample(n, gen):
    return ones_majority(n, gen, SEQ_LEN)


def loss_fn(out, y):
    return F.cross_entropy(out, y)
"""


class Majority(Task):
    name = "majority"
    kind = "many-to-one"
    description = N_("0/1 sequence -> is the count of ones above half? (classification)")
    card = N_("Count the ones: is a 0/1 string more than half ones? See the verdict form step by step.")  # Home's card
    learn_title = N_("majority — are there more ones than zeros?")  # its link on the Learn page
    home_presets = (
        (
            N_("Count the ones (many-to-one classification)"),
            {},
            N_("The course's lesson 5, part 1 (§4): is the count of ones in a 0/1 sequence above half?"),
        ),
    )
    metric = "accuracy"
    # lr 3e-4 over 2500 steps: the loss falls all the way through a first run (~5 s in the app), where at
    # 1e-3 it is flat after step 600 and a newcomer's first Train is over before the charts settle
    defaults = {"hidden_size": 32, "lr": 3e-4, "batch_size": 32, "steps": 2500, "seq_len": 10}
    try_it_label = N_("A 0/1 string (up to 60 digits)")
    try_it_example = "0110111001"
    own_input_help = N_("a 0/1 string, e.g. 0110111001")

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 1, 2
        T = self.seq_len
        # P(label 1) = P(#ones > T/2) for fair coin flips
        p1 = sum(math.comb(T, k) for k in range(T // 2 + 1, T + 1)) / 2**T
        self.chance = max(p1, 1 - p1)  # always answer the more common class
        self.chance_loss = -(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1))

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return Batch(*ones_majority(n, gen, self.seq_len))

    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(source=source_of(ones_majority))

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [str(int(v)) for v in x[:, 0].tolist()]

    def encode(self, s: str) -> torch.Tensor:
        """'0110…' -> (1, T, 1); the learner's own input for the try-it box."""
        s = s.strip()
        bad = set(s) - {"0", "1"}
        if not s or bad or len(s) > 60:
            raise ValueError(Msg(N_("majority input: type 1 to 60 digits, only 0s and 1s, e.g. 0110100101")))
        return torch.tensor([[float(c)] for c in s]).unsqueeze(0)

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.encode(text)  # (1, T, 1)
        return x, (x.sum(dim=(1, 2)) > x.shape[1] / 2).long()

    def class_name(self, i: int) -> Msg:
        return Msg(N_("more ones")) if i else Msg(N_("not more ones"))

    @torch.no_grad()
    def confidence(self, model, x: torch.Tensor) -> list[float]:
        """P(more ones than zeros) after reading each prefix of x (1, T, 1): how the verdict forms."""
        model.eval()
        return [float(torch.softmax(model(x[:, : t + 1]), -1)[0, 1]) for t in range(x.shape[1])]

    def view(self, model, device) -> dict:
        x = self.fixed_batch(1, 7).x.to(device)  # one fixed validation-style sample
        return self._confidence_view(model, x[:, :60])

    def try_it(self, model, device, text: str) -> dict:
        """The learner's own 0/1 string (any length up to 60, even one the model never saw)."""
        return self._confidence_view(model, self.encode(text).to(device))

    def _confidence_view(self, model, x: torch.Tensor) -> dict:
        return {
            "kind": "confidence",
            "digits": self.input_labels(x[0].cpu()),
            "p_one": self.confidence(model, x),
            "ones": int(x.sum()),
            "T": x.shape[1],
        }
