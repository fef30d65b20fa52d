"""charlm: next-character prediction on a text (char-RNN), and sampling from it with a temperature.

A text no longer than seq_len is learned whole and cyclically, as the course does: "hello" ->
"elloh". A longer text is cut into random windows of seq_len characters; its last tenth is held
out for validation. Characters are one-hot encoded, so Chinese works like any other text. The text
is the config's own (corpus="text") or a built-in public-domain one (rnnplay/data/texts.py).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, ClassVar

import torch
from torch.nn import functional as F

from rnnplay.data import TEXTS
from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import IGNORE, Batch, Task, source_of

OWN_INPUT_MAX_CHARS = 200  # Inspect's own input: a heatmap of up to 200 steps stays readable
PRIME_MAX_CHARS = 1000  # the try-it prime: enough to set the mood, small enough to run at once
CONTINUE_CHARS = 120  # how much try-it writes after the prime
# corpus -> settings the UI applies when the learner picks it (on top of CharLM.defaults, which are for
# "hello"): the built-in texts are long, so a bigger LSTM on longer windows; each learns its text
# visibly in under half a minute on one CPU thread (measured: sonnets 1500 steps ~23 s, tang 500 ~15 s)
CORPUS_DEFAULTS: dict[str, dict[str, Any]] = {
    "sonnets": {"arch": "lstm", "hidden_size": 128, "seq_len": 64, "batch_size": 32, "lr": 3e-3, "steps": 1500},
    "tang": {"arch": "lstm", "hidden_size": 128, "seq_len": 32, "batch_size": 32, "lr": 3e-3, "steps": 500},
}


GREEDY_BELOW = 0.01  # a temperature this low samples the most likely character every time


def split_text(n_chars: int, seq_len: int) -> tuple[bool, int, int]:
    """(whole, T, split): a text no longer than seq_len is learned whole and cyclically (the course's
    'hello', T its length); a longer one in windows of seq_len whose targets end by split - 1 (90% of it)."""
    if n_chars <= seq_len:
        return True, n_chars, n_chars
    return False, seq_len, max(seq_len + 1, int(0.9 * n_chars))


def char_windows(ids, starts, seq_len, whole, vocab_size) -> tuple[torch.Tensor, torch.Tensor]:
    """The text's ids (N,) in windows at starts -> one-hot characters x (B, T, V) and the next character
    of each, y (B, T). A whole text is every row (starts give only their number), its last character
    followed by its first."""
    if whole:
        rows = ids.repeat(len(starts), 1)
        return F.one_hot(rows, vocab_size).float(), torch.roll(rows, -1, dims=1)
    w = ids[starts[:, None] + torch.arange(seq_len + 1)]  # (B, T+1)
    return F.one_hot(w[:, :-1], vocab_size).float(), w[:, 1:]


def random_starts(n, split, seq_len, whole, gen) -> torch.Tensor:
    """n window starts drawn from gen, each window's targets ending by split - 1 (a whole text: no draw)."""
    if whole:
        return torch.zeros(n, dtype=torch.long)
    return torch.randint(0, split - seq_len, (n,), generator=gen)


def stream_starts(split, seq_len, batch_size) -> tuple[torch.Tensor, int]:
    """carry_state: the training text cut into batch_size streams read side by side, seq_len characters a
    step: (each stream's start (B,), how many windows it gives before it starts over). A share shorter than
    one window leaves B overlapping windows, read again at every step."""
    usable = split - 1  # a window's targets end by split - 1, as random_starts' do
    share = usable // batch_size
    if share >= seq_len:
        return torch.arange(batch_size) * share, share // seq_len
    return torch.linspace(0, usable - seq_len, batch_size).long(), 1


def streamed_starts(step, starts, n_chunks, seq_len, whole) -> tuple[torch.Tensor, bool]:
    """carry_state: the window starts of step `step` and whether the streams start over there (so the
    carried state must too): each row continues where it ended the step before; a whole text is every
    batch, its state carried from the first step on, as the course does."""
    if whole:
        return starts, step == 0
    k = step % n_chunks
    return starts + k * seq_len, k == 0


# the exported script's glue around the functions above (their source is copied in by script_code), so it
# draws the same numbers from the same generator (tests/test_export.py runs both)
SCRIPT_GLUE = '''
VOCAB = sorted(set(TEXT))
IDS = torch.tensor([VOCAB.index(c) for c in TEXT])
INPUT_SIZE = OUTPUT_SIZE = len(VOCAB)
MANY_TO_ONE = False


{source}


WHOLE, SEQ_LEN, SPLIT = split_text(len(TEXT), SEQ_LEN)


def sample(n, gen):
    """Next-character prediction: one-hot characters in, the following character as the target."""
    return char_windows(IDS, random_starts(n, SPLIT, SEQ_LEN, WHOLE, gen), SEQ_LEN, WHOLE, INPUT_SIZE)


def loss_fn(out, y):
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


if CARRY_STATE:  # the training text as BATCH_SIZE streams read side by side, SEQ_LEN characters a step
    STREAM_STARTS, N_CHUNKS = stream_starts(SPLIT, SEQ_LEN, BATCH_SIZE)


def stream_batch(step):
    """CARRY_STATE: each row continues where it ended the step before; True where the streams start over."""
    starts, fresh = streamed_starts(step, STREAM_STARTS, N_CHUNKS, SEQ_LEN, WHOLE)
    return (*char_windows(IDS, starts, SEQ_LEN, WHOLE, INPUT_SIZE), fresh)
'''


class CharLM(Task):
    name = "charlm"
    finite_data = True  # batches are drawn from a fixed training set
    kind = "many-to-many"
    description = N_("next-character prediction on your text, sonnets or Tang poems; 'hello' -> 'elloh' (char-RNN)")
    card = N_(
        "Next character: hello → elloh, Shakespeare's sonnets or Tang poems; sample with a temperature."
    )  # Home's card
    learn_title = N_("charlm — predict the next character (hello → elloh)")  # its link on the Learn page
    home_presets = (
        (
            N_("hello → elloh (the course's first char-RNN)"),
            {"text": "hello"},
            N_("Eight hidden units learn to predict the next character of 'hello' in 200 steps."),
        ),
    )
    learn_links = (
        ("stacked", N_("charlm with two stacked LSTM layers"), {"arch": "lstm", "num_layers": "2"}),
        (
            "mistakes",
            N_("hidden.detach() across batches: hello → elloh with the state carried"),
            {"text": "hello", "carry_state": "true"},
        ),
    )
    metric = "accuracy"
    allows_bidirectional = False
    bidirectional_refusal = N_("it predicts the next character, which a backward pass would already have read")
    defaults = {"text": "hello", "hidden_size": 8, "lr": 0.1, "batch_size": 1, "steps": 200, "seq_len": 32}
    CORPUS_DEFAULTS: ClassVar[dict[str, dict[str, Any]]] = CORPUS_DEFAULTS
    CORPUS_EXAMPLES: ClassVar[dict[str, str]] = {"sonnets": "Shall I compare thee", "tang": "春风"}
    val_size = 64
    try_it_label = N_("Prime text")
    try_it_example = "he"
    own_input_help = N_("characters of the training text, e.g. {example}")  # its own text's, or its corpus's
    answer_separator = ""

    @classmethod
    def defaults_for(cls, corpus: str) -> dict[str, Any]:
        """The task defaults with the corpus's recommended settings on top (what make_config should use)."""
        return {**cls.defaults, **cls.CORPUS_DEFAULTS.get(corpus, {}), "corpus": corpus}

    @classmethod
    def time_steps(cls, config) -> int:
        """seq_len, or the whole text when it is shorter (learned cyclically)."""
        text = config.text if config.corpus == "text" else TEXTS[config.corpus]
        return min(len(text), config.seq_len)

    @classmethod
    def data_bytes(cls, config) -> int:
        return 8 * len(config.text if config.corpus == "text" else TEXTS[config.corpus])  # int64 ids

    @classmethod
    def script_code(cls, config) -> str:
        source = source_of(split_text, char_windows, random_starts, stream_starts, streamed_starts)
        return SCRIPT_GLUE.format(source=source)

    @classmethod
    def script_constants(cls, config) -> str:
        text = config.text if config.corpus == "text" else TEXTS[config.corpus]
        return f"TEXT = {text!r}"

    def __init__(self, config):
        super().__init__(config)
        text = config.text if config.corpus == "text" else TEXTS[config.corpus]
        self.text = text
        self.try_it_example = self.CORPUS_EXAMPLES.get(config.corpus, text[: max(1, min(3, len(text) - 1))])
        self.vocab = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.vocab)}
        self.ids = torch.tensor([self.stoi[c] for c in text])
        self.input_size = self.output_size = len(self.vocab)
        self.whole, self.seq_len, self.split = split_text(len(text), self.seq_len)  # whole: the course's cyclic mode
        # an epoch: the whole text once ("hello": one sequence), or as many windows as the training text holds
        self.dataset_len = 1 if self.whole else max(1, (self.split - 1) // self.seq_len)
        if config.carry_state:
            self.stream_starts, self.n_chunks = stream_starts(self.split, self.seq_len, config.batch_size)
        counts = Counter(text)
        self.common = [c for c, _ in counts.most_common(12)]  # shown when a prime uses unknown characters
        freqs = [c / len(text) for c in counts.values()]
        self.chance = max(freqs)  # always answer the most frequent character
        self.chance_loss = -sum(p * math.log(p) for p in freqs)  # unigram entropy

    def onehot(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(ids, self.input_size).float()

    def _from_starts(self, starts: torch.Tensor) -> Batch:
        return Batch(*char_windows(self.ids, starts, self.seq_len, self.whole, self.input_size))  # (B, T, V), (B, T)

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return self._from_starts(random_starts(n, self.split, self.seq_len, self.whole, gen))

    def stream_batch(self, step: int) -> tuple[Batch, bool]:
        """carry_state: (the batch of step `step`, whether the streams start over there); see streamed_starts."""
        starts, fresh = streamed_starts(step, self.stream_starts, self.n_chunks, self.seq_len, self.whole)
        return self._from_starts(starts), fresh

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

    def check_chars(self, s: str, what: str = N_("charlm input")) -> None:
        """ValueError naming the characters of s the model never saw, and a few it knows. what: the
        input's name (N_-marked), the start of the message."""
        if not s:
            raise ValueError(Msg(N_("{what}: type at least one character of the training text"), what=Msg(what)))
        unknown = sorted(set(s) - set(self.stoi))
        if unknown:
            shown = " ".join(repr(c) for c in unknown[:8]) + (" …" if len(unknown) > 8 else "")
            allowed = " ".join(repr(c) for c in self.common)
            raise ValueError(
                Msg(
                    N_("{what}: {shown} not in the training text; use only its {n} characters, e.g. {allowed}"),
                    what=Msg(what),
                    shown=shown,
                    n=len(self.vocab),
                    allowed=allowed,
                )
            )

    def encode(self, s: str) -> torch.Tensor:
        self.check_chars(s)
        return self.onehot(torch.tensor([self.stoi[c] for c in s])).unsqueeze(0)  # (1, T, V)

    @torch.no_grad()
    def predict(self, model, device, s: str) -> str:
        """The most likely next character after each character of s."""
        model.eval()
        return self.decode(model(self.encode(s).to(device))[0].argmax(-1).tolist())

    @torch.no_grad()
    def generate(self, model, device, prime: list[int], n: int, temperature: float, seed: int) -> list[int]:
        """n more character ids after the prime ids, each drawn from softmax(logits / temperature):
        carrying the recurrent state where the core allows it, else re-reading the last seq_len ids.
        A temperature near 0 is greedy (always the most likely character), 1 the model's own odds."""
        model.eval()
        g = torch.Generator().manual_seed(seed)
        ids, state = list(prime), None
        x = self.onehot(torch.tensor(ids)).unsqueeze(0).to(device)  # (1, t, V): the whole prime first
        for _ in range(n):
            stepped = model.step(x, state)
            if stepped is None:
                window = self.onehot(torch.tensor(ids[-self.seq_len :])).unsqueeze(0).to(device)
                logits = model(window)[0, -1]
            else:
                y, state = stepped
                logits = y[0, -1]  # (V,)
            if temperature <= GREEDY_BELOW:  # the limit of softmax(logits / t) as t -> 0
                ids.append(int(logits.argmax()))
            else:
                probs = torch.softmax(logits.float().cpu() / temperature, -1)
                ids.append(int(torch.multinomial(probs, 1, generator=g)))
            x = self.onehot(torch.tensor(ids[-1:])).unsqueeze(0).to(device)
        return ids[len(prime) :]

    def sample_text(self, model, device, n: int = 80, temperature: float | None = None, seed: int | None = None) -> str:
        """n characters from the text's first one, at the config's temperature unless given."""
        t = self.config.temperature if temperature is None else temperature
        first = [int(self.ids[0])]
        s = self.config.seed if seed is None else seed
        return self.decode(first + self.generate(model, device, first, n - 1, t, s))

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
            "temperature": self.config.temperature,
        }

    def try_it(self, model, device, text: str) -> dict:
        """Continue the learner's prime text for CONTINUE_CHARS characters at the config's temperature.
        input/target/predicted: the prime's last 80 characters, its true next characters (one fewer:
        the last is unknown) and the model's guesses; sample = prime + continuation."""
        if len(text) > PRIME_MAX_CHARS:
            raise ValueError(Msg(N_("prime text: {n} characters; use 1 to {most}"), n=len(text), most=PRIME_MAX_CHARS))
        self.check_chars(text, N_("prime text"))
        shown = text[-80:]
        ids = [self.stoi[c] for c in text]
        more = self.decode(self.generate(model, device, ids, CONTINUE_CHARS, self.config.temperature, self.config.seed))
        return {
            "kind": "text",
            "prime": text,
            "input": shown,
            "target": shown[1:],
            "predicted": self.predict(model, device, shown),
            "sample": text + more,
            "continuation": more,
            "temperature": self.config.temperature,
        }

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        if len(text) > OWN_INPUT_MAX_CHARS:
            raise ValueError(
                Msg(N_("charlm input: {n} characters; use 1 to {most}"), n=len(text), most=OWN_INPUT_MAX_CHARS)
            )
        x = self.encode(text)  # (1, T, V)
        ids = [self.stoi[c] for c in text]
        return x, torch.tensor([ids[1:] + [IGNORE]])  # the next character; after the last one: unknown

    def class_name(self, i: int) -> str:
        return repr(self.vocab[i])[1:-1] or " "
