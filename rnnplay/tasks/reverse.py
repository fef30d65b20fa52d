"""reverse (the course's seq2seq): an encoder-decoder reads a digit string of variable length and
writes it reversed, then <EOS>. Trained with teacher forcing, decoded greedily.

Vocabulary: <PAD>=0, <SOS>=1, <EOS>=2, digits '0'..'9' = 3..12. Source (B, T_max) padded at the
end with lengths; target (B, T_max + 1) = reversed digits, <EOS>, then IGNORE.
"""

from __future__ import annotations

import math

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import IGNORE, OUTPUT_ROW, PAD, Batch, Task

SOS, EOS, DIGIT0 = 1, 2, 3
TOKENS = ["<PAD>", "<SOS>", "<EOS>"] + [str(d) for d in range(10)]


class Reverse(Task):
    name = "reverse"
    kind = "seq2seq"
    description = N_("encoder-decoder: read a digit string of variable length, write it reversed (seq2seq)")
    card = N_("Encoder-decoder: write a digit string backwards; teacher forcing, greedy decoding.")  # Home's card
    learn_title = N_("reverse — write a digit string backwards")  # its link on the Learn page
    metric = "sequence accuracy"
    defaults = {
        "arch": "gru",
        "hidden_size": 128,
        "embed_dim": 16,
        "lr": 3e-3,
        "batch_size": 64,
        "steps": 2500,
        "seq_len": 8,
        "teacher_forcing": 0.5,
        "clip_mode": "norm",
        "clip": 1.0,
    }
    vocab_size = len(TOKENS)
    sos_id = SOS
    try_it_label = N_("Digits to reverse")
    try_it_example = "2024117"
    own_input_help = N_("digits for the encoder to read, e.g. 2024117")
    answer_separator = ""

    def __init__(self, config):
        super().__init__(config)
        self.input_size = self.output_size = self.vocab_size
        # a model that ignores the source: a whole sequence right by luck ~ 0; per token, a guess among 10
        self.chance = 0.0
        self.chance_loss = math.log(10)

    def _batch(self, digit_lists: list[list[int]]) -> Batch:
        n, T = len(digit_lists), max(len(d) for d in digit_lists)
        x = torch.full((n, T), PAD, dtype=torch.long)
        y = torch.full((n, T + 1), IGNORE, dtype=torch.long)
        for i, digits in enumerate(digit_lists):
            ids = [DIGIT0 + d for d in digits]
            x[i, : len(ids)] = torch.tensor(ids)
            y[i, : len(ids) + 1] = torch.tensor(ids[::-1] + [EOS])
        return Batch(x, y, torch.tensor([len(d) for d in digit_lists]))

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        lengths = torch.randint(1, self.seq_len + 1, (n,), generator=gen).tolist()
        digits = torch.randint(0, 10, (n, self.seq_len), generator=gen).tolist()
        return self._batch([row[:L] for row, L in zip(digits, lengths, strict=True)])

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [TOKENS[i] for i in x.tolist()]

    def decode(self, ids) -> str:
        out = []
        for i in ids:
            if i == EOS:
                break
            out.append(TOKENS[i] if i >= DIGIT0 else TOKENS[i])
        return "".join(out)

    def encode(self, s: str) -> list[int]:
        s = s.strip()
        if not s or not s.isdigit() or not s.isascii() or len(s) > self.seq_len:
            raise ValueError(
                Msg(N_("reverse input: type 1 to {n} digits 0-9 (seq_len={n}), e.g. 2024117"), n=self.seq_len)
            )
        return [int(c) for c in s]

    @torch.no_grad()
    def _run(self, model, device, digit_lists: list[list[int]]):
        b = self._batch(digit_lists)
        model.eval()
        out = model(b.x.to(device), b.lengths, b.y.to(device)).argmax(-1).cpu()
        return b, out

    def _rows(self, digits: list[int], out_ids: list[int]) -> list[dict]:
        source = [str(d) for d in digits]
        target = source[::-1] + ["<EOS>"]
        got = [TOKENS[i] for i in out_ids[: len(target)]]
        return [
            {"label": Msg(N_("input")), "tokens": source},
            {"label": Msg(N_("target")), "tokens": target},
            {**OUTPUT_ROW, "tokens": got, "correct": [a == b for a, b in zip(got, target, strict=True)]},
        ]

    def view(self, model, device) -> dict:
        b = self.fixed_batch(4, 13)
        digit_lists = [[i - DIGIT0 for i in row[:L].tolist()] for row, L in zip(b.x, b.lengths, strict=True)]
        _, out = self._run(model, device, digit_lists)
        rows = []
        for k, digits in enumerate(digit_lists):
            for r in self._rows(digits, out[k].tolist()):
                # the sample's number and the row's name (the template has nothing to translate)
                rows.append({**r, "label": Msg("{k} {label}", k=k + 1, label=r["label"])})
        return {"kind": "tokens", "title": Msg(N_("Greedy decoding of validation strings")), "rows": rows}

    def try_it(self, model, device, text: str) -> dict:
        digits = self.encode(text)
        _, out = self._run(model, device, [digits])
        rows = self._rows(digits, out[0].tolist())
        right = all(rows[-1]["correct"])
        title = Msg(
            N_("{source} → {output} (right)") if right else N_("{source} → {output} (wrong)"),
            source=text.strip(),
            output=self.decode(out[0].tolist()),
        )
        return {"kind": "tokens", "title": title, "rows": rows}

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        b = self._batch([self.encode(text)])  # x (1, T) ids, y (1, T + 1)
        return b.x, b.y

    def class_name(self, i: int) -> str:
        return TOKENS[i]

    def answer_steps(self, pred: list[int]) -> list[int]:
        return pred[: pred.index(EOS) + 1] if EOS in pred else pred  # up to the end token
