"""copy memory (Arjovsky, Shah & Bengio 2016): recall 10 symbols after a long blank delay.

Input, length delay + 20: 10 symbols drawn from 1..8, delay - 1 blanks (0), the delimiter 9, then
10 more blanks. Target: blanks everywhere except the last 10 steps, which repeat the 10 symbols.
A memoryless model answers blank until the delimiter and then guesses uniformly among the 8
symbols: cross-entropy 10·ln 8 / (delay + 20), the paper's baseline (0.693 at delay 10).
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import OUTPUT_ROW, Batch, Task, source_of

N_SYMBOLS, N_RECALL = 8, 10  # alphabet 1..8, sequences of 10 to remember
BLANK, DELIMITER = 0, 9
SHOWN = {BLANK: "_", DELIMITER: ":"}
MAX_SHOWN = 40  # the views elide the middle of a longer delay


def show(ids) -> list[str]:
    """Token ids as the views print them: digits for symbols, _ for blank, : for the delimiter."""
    return [SHOWN.get(i, str(i)) for i in ids]


def recall_sequences(symbols, seq_len):
    """(B, 10) symbols in 1..8 -> x (B, T, 10) one-hot: the symbols, delay - 1 blanks, the delimiter and 10
    blanks; y (B, T) class ids: blanks, then the symbols again over the last 10 steps."""
    n, T = len(symbols), seq_len
    ids = torch.full((n, T), BLANK)
    ids[:, :N_RECALL] = symbols
    ids[:, T - N_RECALL - 1] = DELIMITER  # after delay - 1 blanks
    y = torch.full((n, T), BLANK)
    y[:, T - N_RECALL :] = symbols
    return F.one_hot(ids, DELIMITER + 1).float(), y


# the exported script's glue around recall_sequences (its source is copied in by script_code)
SCRIPT_GLUE = """
N_SYMBOLS, N_RECALL = {n_symbols!r}, {n_recall!r}  # remember {n_recall} symbols from 1..{n_symbols}
BLANK, DELIMITER = {blank!r}, {delimiter!r}
SEQ_LEN = DELAY + 2 * N_RECALL  # the length follows the delay
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = DELIMITER + 1, N_SYMBOLS + 1, False


{source}


def sample(n, gen):
    return recall_sequences(torch.randint(1, N_SYMBOLS + 1, (n, N_RECALL), generator=gen), SEQ_LEN)


def loss_fn(out, y):
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
"""


class CopyMemory(Task):
    chance_text = N_("the memoryless baseline of the paper (blanks, then a random symbol)")
    stuck_hint = N_(
        "Use an LSTM (its gates can hold the symbols) and give it time: it sits on the line before it recalls."
    )
    name = "copy"
    kind = "many-to-many"
    description = N_("copy memory (Arjovsky 2016): recall 10 symbols after `delay` blank steps")
    card = N_("Recall ten symbols after a delay of blanks: where gates beat a plain RNN.")  # Home's card
    learn_title = N_("copy — recall symbols after a long delay")  # its link on the Learn page
    metric = "accuracy"
    ignores = ("seq_len",)  # the length is delay + 20
    # an LSTM sits on the baseline for a while before it starts to recall; RMSprop (as in the paper),
    # orthogonal W_hh and clipping get it well below the baseline in ~20 s on one CPU thread
    defaults = {
        "arch": "lstm",
        "hidden_size": 96,
        "optimizer": "rmsprop",
        "momentum": 0.0,
        "lr": 1e-2,
        "init": "orthogonal",
        "clip_mode": "norm",
        "clip": 1.0,
        "batch_size": 32,
        "steps": 6000,
        "delay": 10,
    }
    try_it_label = N_("Up to 10 digits from 1 to 8 for the model to recall (fewer are repeated to fill 10)")
    try_it_example = "3141526358"
    time_steps_from = ("delay", N_("delay + 20"))
    own_input_help = N_("1 to 10 digits from 1 to 8 to recall, e.g. 3141526358")
    answer_separator = ""

    @classmethod
    def time_steps(cls, config) -> int:
        return config.delay + 2 * N_RECALL

    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(
            n_symbols=N_SYMBOLS,
            n_recall=N_RECALL,
            blank=BLANK,
            delimiter=DELIMITER,
            source=source_of(recall_sequences),
        )

    @classmethod
    def script_constants(cls, config) -> str:
        return f"DELAY = {config.delay!r}  # blank steps between the symbols and the delimiter"

    def __init__(self, config):
        super().__init__(config)
        self.delay = config.delay
        self.seq_len = self.time_steps(config)
        self.input_size, self.output_size = DELIMITER + 1, N_SYMBOLS + 1  # one-hot 0..9 in; blank or 1..8 out
        # the memoryless baseline: blanks right for sure, the 10 recalled symbols 1/8 each
        self.chance_loss = N_RECALL * math.log(N_SYMBOLS) / self.seq_len
        self.chance = (self.seq_len - N_RECALL + N_RECALL / N_SYMBOLS) / self.seq_len

    def sequences(self, symbols: torch.Tensor) -> Batch:
        """(B, 10) symbols in 1..8 -> x (B, T, 10) one-hot, y (B, T) class ids."""
        return Batch(*recall_sequences(symbols, self.seq_len))

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return self.sequences(torch.randint(1, N_SYMBOLS + 1, (n, N_RECALL), generator=gen))

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return show(x.argmax(-1).tolist())

    def encode(self, text: str) -> torch.Tensor:
        """'314' -> (1, 10) symbols, the digits repeated to fill the 10 places."""
        digits = text.strip()
        if not 1 <= len(digits) <= N_RECALL or any(c not in "12345678" for c in digits):
            raise ValueError(
                Msg(N_("copy input: type 1 to {n} digits, each from 1 to 8 (no 0 or 9), e.g. 3141526358"), n=N_RECALL)
            )
        ids = [int(c) for c in digits]
        return torch.tensor([(ids * N_RECALL)[:N_RECALL]])

    @torch.no_grad()
    def tokens_view(self, model, device, symbols: torch.Tensor, title: Msg) -> dict:
        """Input, target and the model's answer for one sequence of symbols (1, 10); a long run of
        blanks in the middle is shown as one "…" column, right only if every step in it is."""
        model.eval()
        b = self.sequences(symbols)
        pred = model(b.x.to(device))[0].argmax(-1).cpu()  # (T,)
        right = pred == b.y[0]
        recalled = int(right[-N_RECALL:].sum())
        rows = [self.input_labels(b.x[0]), show(b.y[0].tolist()), show(pred.tolist())]
        correct = right.tolist()
        T = self.seq_len
        if T > MAX_SHOWN:  # keep the symbols and the recall, drop the middle of the delay
            keep, tail = N_RECALL + 2, N_RECALL + 2
            rows = [r[:keep] + ["…"] + r[T - tail :] for r in rows]
            correct = correct[:keep] + [bool(right[keep : T - tail].all())] + correct[T - tail :]
        labels = ({"label": Msg(N_("input"))}, {"label": Msg(N_("target"))}, OUTPUT_ROW)
        title = Msg(
            N_("{title}: recalled {recalled} of {n} symbols after {delay} steps (_ = blank)"),
            title=title,
            recalled=recalled,
            n=N_RECALL,
            delay=self.delay,
        )
        return {
            "kind": "tokens",
            "title": title,
            "rows": [{**label, "tokens": r} for label, r in zip(labels, rows, strict=True)],
            "correct": correct,
        }

    def view(self, model, device) -> dict:
        symbols = self.fixed_batch(1, 7).y[:, -N_RECALL:]  # one fixed sequence, apart from the training stream
        return self.tokens_view(model, device, symbols, Msg(N_("A validation sequence")))

    def try_it(self, model, device, text: str) -> dict:
        symbols = self.encode(text)
        digits = "".join(map(str, symbols[0].tolist()))
        return self.tokens_view(model, device, symbols, Msg(N_("Your digits {digits}"), digits=digits))

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        b = self.sequences(self.encode(text))
        return b.x, b.y

    def class_name(self, i: int) -> str:
        return show([i])[0]
