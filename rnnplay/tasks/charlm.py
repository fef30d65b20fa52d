"""T2 charlm: next-character prediction on a text (char-RNN).

A text no longer than seq_len is learned whole and cyclically, as the course does: "hello" ->
"elloh". A longer text is cut into random windows of seq_len characters; its last tenth is held
out for validation. Characters are one-hot encoded, so Chinese works like any other text.
"""

from __future__ import annotations

import math
from collections import Counter

import torch

from rnnplay.tasks.base import Batch, Task


class CharLM(Task):
    name = "charlm"
    kind = "many-to-many"
    description = "next-character prediction on a text; 'hello' -> 'elloh' (char-RNN)"
    metric = "accuracy"
    allows_bidirectional = False
    defaults = {"text": "hello", "hidden_size": 8, "lr": 0.1, "batch_size": 1, "steps": 200, "seq_len": 32}
    val_size = 64

    def __init__(self, config):
        super().__init__(config)
        text = config.text
        self.text = text
        self.vocab = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.vocab)}
        self.ids = torch.tensor([self.stoi[c] for c in text])
        self.input_size = self.output_size = len(self.vocab)
        self.whole = len(text) <= self.seq_len  # the course's cyclic mode
        if self.whole:
            self.seq_len = len(text)
            self.split = len(text)
        else:
            self.split = max(self.seq_len + 1, int(0.9 * len(text)))
        counts = Counter(text)
        freqs = [c / len(text) for c in counts.values()]
        self.chance = max(freqs)  # always answer the most frequent character
        self.chance_loss = -sum(p * math.log(p) for p in freqs)  # unigram entropy

    def onehot(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(ids, self.input_size).float()

    def _from_starts(self, starts: torch.Tensor) -> Batch:
        if self.whole:
            ids = self.ids.repeat(len(starts), 1)
            return Batch(self.onehot(ids), torch.roll(ids, -1, dims=1))  # cyclic: last char -> first
        idx = starts[:, None] + torch.arange(self.seq_len + 1)  # (B, T+1)
        ids = self.ids[idx]
        return Batch(self.onehot(ids[:, :-1]), ids[:, 1:])  # x (B, T, V), y (B, T)

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        if self.whole:
            return self._from_starts(torch.zeros(n, dtype=torch.long))
        # windows end by split - 1: start + seq_len <= split - 1
        return self._from_starts(torch.randint(0, self.split - self.seq_len, (n,), generator=gen))

    def val_batch(self) -> Batch:
        if self.whole or len(self.text) - self.split < self.seq_len + 1:
            return self.sample(min(self.val_size, 8), torch.Generator().manual_seed(self.config.seed))
        last = len(self.text) - self.seq_len - 1
        starts = torch.linspace(self.split, last, self.val_size).long().unique()  # targets after split
        return self._from_starts(starts)

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [repr(self.vocab[i])[1:-1] or " " for i in x.argmax(-1).tolist()]

    def decode(self, ids) -> str:
        return "".join(self.vocab[i] for i in ids)

    def encode(self, s: str) -> torch.Tensor:
        unknown = sorted(set(s) - set(self.stoi))
        if not s or unknown:
            raise ValueError(f"charlm input: use only characters of the training text (unknown: {unknown[:5]})")
        return self.onehot(torch.tensor([self.stoi[c] for c in s])).unsqueeze(0)

    @torch.no_grad()
    def predict(self, model, device, s: str) -> str:
        """The most likely next character after each character of s."""
        model.eval()
        return self.decode(model(self.encode(s).to(device))[0].argmax(-1).tolist())

    @torch.no_grad()
    def sample_text(self, model, device, n: int = 80, temperature: float = 0.8, seed: int = 0) -> str:
        """Generate n characters from the text's first one at this temperature: carrying the recurrent
        state where the core allows it, else re-reading the last seq_len characters each time."""
        model.eval()
        g = torch.Generator().manual_seed(seed)
        ids = [int(self.ids[0])]
        state, x = None, self.onehot(torch.tensor(ids)).unsqueeze(0).to(device)
        for _ in range(n - 1):
            stepped = model.step(x, state)
            if stepped is None:
                window = self.onehot(torch.tensor(ids[-self.seq_len :])).unsqueeze(0).to(device)
                logits = model(window)[0, -1]
            else:
                y, state = stepped
                logits = y[0, -1]
            probs = torch.softmax(logits.float().cpu() / max(temperature, 1e-3), -1)
            ids.append(int(torch.multinomial(probs, 1, generator=g)))
            x = self.onehot(torch.tensor(ids[-1:])).unsqueeze(0).to(device)
        return self.decode(ids)

    def view(self, model, device) -> dict:
        shown = self.text[: min(len(self.text), self.seq_len, 80)]
        target = (
            self.decode(torch.roll(self.ids[: len(shown)], -1).tolist())
            if self.whole
            else self.text[1 : len(shown) + 1]
        )
        return {
            "kind": "text",
            "input": shown,
            "target": target,
            "predicted": self.predict(model, device, shown),
            "sample": self.sample_text(model, device, n=min(80, max(20, 3 * len(self.text)))),
        }
