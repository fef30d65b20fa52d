"""sentiment: is a short sentence positive or negative? (many-to-one over word embeddings)

The built-in sentences (rnnplay/data/sentiment.py, English or Chinese by `sentences`) vary in length,
so a batch is padded at the end with <PAD> = 0 and carries each sentence's true length; the model
packs them (pack_padded_sequence), so padding never changes a prediction. Words the training
sentences never showed become <UNK> = 1. Negation ("not good", "不好") flips the label, so
counting positive words is not enough: the network has to read the order.
"""

from __future__ import annotations

import math

import torch

from rnnplay.data import sentiment as data
from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import PAD, Batch, Task

MAX_TRY_CHARS = 300
LABELS = (N_("negative"), N_("positive"))
EXAMPLES = {"en": "the movie was not good at all", "zh": "这部电影一点也不好看"}
LANGUAGES = {"en": N_("English"), "zh": N_("Chinese")}  # what the model has read, in the reader's words


class Sentiment(Task):
    name = "sentiment"
    finite_data = True  # batches are drawn from a fixed training set
    kind = "many-to-one"
    description = N_("short English or Chinese sentence -> positive or negative? (embeddings, packed lengths)")
    card = N_("Sentences in English or 中文, embeddings, variable lengths packed into one batch.")  # Home's card
    learn_title = N_("sentiment — is a short sentence positive?")  # its link on the Learn page
    learn_links = (("mistakes", N_("See the out[:, -1] trap: sentiment falls to chance"), {"readout": "last_padded"}),)
    metric = "accuracy"
    defaults = {"hidden_size": 32, "embed_dim": 16, "lr": 3e-3, "batch_size": 32, "steps": 600}
    ignores = ("seq_len",)  # sentences bring their own lengths
    probe_size = 32
    try_it_label = N_("Type a sentence")
    try_it_example = EXAMPLES["en"]
    own_input_help = N_("a sentence, e.g. {example}")  # the task's example, in the language of its sentences

    @classmethod
    def time_steps(cls, config) -> int:
        return data.MAX_TOKENS

    def __init__(self, config):
        super().__init__(config)
        self.lang = config.sentences
        self.try_it_example = EXAMPLES[self.lang]  # per instance: the language is a config field
        self.train_set, self.val_set = data.split(self.lang)
        self.vocab = data.build_vocab([text for text, _ in self.train_set], self.lang)  # training only
        self.stoi = {w: i for i, w in enumerate(self.vocab)}
        self.vocab_size = self.input_size = len(self.vocab)
        self.output_size = 2
        self.train_ids = [self.encode(text)[0] for text, _ in self.train_set]
        self.dataset_len = len(self.train_ids)
        self.train_y = torch.tensor([y for _, y in self.train_set])
        p1 = sum(y for _, y in self.val_set) / len(self.val_set)
        self.chance = max(p1, 1 - p1)  # always answer the more common class
        self.chance_loss = -(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1))
        self.seq_len = data.MAX_TOKENS  # the longest a sentence gets (what a probe's time axis may span)

    # data -----------------------------------------------------------------------------------
    def encode(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids of a text and the words the vocabulary does not know (they become <UNK>)."""
        tokens = data.tokenize(text, self.lang)
        unk = self.stoi[data.UNK_TOKEN]
        return [self.stoi.get(t, unk) for t in tokens], [t for t in tokens if t not in self.stoi]

    @staticmethod
    def pad(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Id lists -> (x (B, T_max) int64, padded with PAD at the end; lengths (B,) int64 on the CPU)."""
        lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
        x = torch.full((len(seqs), int(lengths.max())), PAD, dtype=torch.long)
        for i, s in enumerate(seqs):
            x[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        return x, lengths

    def _batch(self, seqs: list[list[int]], labels: list[int]) -> Batch:
        x, lengths = self.pad(seqs)
        return Batch(x, torch.tensor(labels, dtype=torch.long), lengths)

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        """n training sentences drawn with replacement from the seeded stream."""
        idx = torch.randint(len(self.train_ids), (n,), generator=gen).tolist()
        return self._batch([self.train_ids[i] for i in idx], self.train_y[idx].tolist())

    def val_batch(self) -> Batch:
        """Every held-out sentence: none of them is ever drawn for training."""
        return self._batch([self.encode(t)[0] for t, _ in self.val_set], [y for _, y in self.val_set])

    def probe_batch(self) -> Batch:
        """probe_size held-out sentences, longest first: sample 0 (the activation heatmap) has no padding."""
        chosen = sorted(self.val_set[: self.probe_size], key=lambda s: -len(self.encode(s[0])[0]))
        return self._batch([self.encode(t)[0] for t, _ in chosen], [y for _, y in chosen])

    # views ----------------------------------------------------------------------------------
    def input_labels(self, x: torch.Tensor) -> list[str]:
        """One sample's ids (T,) -> its words, <PAD> where it is padded."""
        return [self.vocab[i] for i in x.reshape(-1).tolist()]

    @torch.no_grad()
    def prefix_confidence(self, model, device, ids: list[int]) -> list[float]:
        """P(positive) after reading each prefix of one sentence: all prefixes in one packed batch."""
        model.eval()
        x, lengths = self.pad([ids[: t + 1] for t in range(len(ids))])  # (T, T), lengths 1..T
        return torch.softmax(model(x.to(device), lengths).float(), -1)[:, 1].cpu().tolist()

    def _bars(self, model, device, ids: list[int], title: Msg) -> dict:
        probs = self.prefix_confidence(model, device, ids)
        words = [f"{i + 1}:{self.vocab[t]}" for i, t in enumerate(ids)]  # numbered: a word may repeat
        return {
            "kind": "bars",
            "title": title,
            "x": words,
            "y": probs,
            "y_title": "P(positive)",
            "y_range": [0, 1],
            "hline": 0.5,
            "hline_label": Msg(N_("undecided")),
        }

    @staticmethod
    def verdict(p: float) -> Msg:
        """The model's answer for P(positive) = p; str() of it is the English."""
        return Msg(N_("{label} (P(positive) = {p:.2f})"), label=Msg(LABELS[p > 0.5]), p=p)

    def view_sentence(self) -> tuple[str, int]:
        """The held-out sentence the view reads: the first composed one with a negation and 6+ tokens."""
        negations, natural = {"not", "不"}, {t for t, _ in data.EN_NATURAL + data.ZH_NATURAL}
        for text, y in self.val_set:
            tokens = data.tokenize(text, self.lang)
            if text not in natural and len(tokens) >= 6 and negations & set(tokens):
                return text, y
        return self.val_set[0]

    def view(self, model, device) -> dict:
        """The task's own view: how the verdict forms word by word on one held-out sentence."""
        text, y = self.view_sentence()
        ids = self.encode(text)[0]
        p = self.prefix_confidence(model, device, ids)[-1]
        title = Msg(
            N_("“{text}” is {label}; the model says {verdict}"),
            text=text,
            label=Msg(LABELS[y]),
            verdict=self.verdict(p),
        )
        return self._bars(model, device, ids, title)

    def try_it(self, model, device, text: str) -> dict:
        """The same bars for the learner's sentence; unknown words are read as <UNK> and named."""
        text = (text or "").strip()
        if not text:
            raise ValueError(Msg(N_("sentiment input: type a sentence (1 to {most} characters)"), most=MAX_TRY_CHARS))
        if len(text) > MAX_TRY_CHARS:
            raise ValueError(
                Msg(
                    N_("sentiment input: {n} characters is too long; type 1 to {most} characters"),
                    n=len(text),
                    most=MAX_TRY_CHARS,
                )
            )
        ids, unknown = self.encode(text)
        if not any(t[0].isalnum() for t in data.tokenize(text, self.lang)):
            if self.lang == "en":
                raise ValueError(Msg(N_("sentiment input: type some words, not only punctuation or spaces")))
            raise ValueError(Msg(N_("sentiment input: type some Chinese characters, not only punctuation or spaces")))
        self.refuse_unknown_only(text)
        p = self.prefix_confidence(model, device, ids)[-1]
        title = Msg(N_("The model says {verdict}"), verdict=self.verdict(p))
        if unknown:
            shown = ", ".join(dict.fromkeys(unknown))  # each once, in order
            title = Msg(
                N_("The model says {verdict}; unknown words read as <UNK>: {shown}"),
                verdict=self.verdict(p),
                shown=shown,
            )
        return self._bars(model, device, ids, title)

    def refuse_unknown_only(self, text: str) -> None:
        """A sentence whose every word is <UNK> tells the model nothing: its verdict would come from the
        biases and the punctuation alone, shown as confident. Say so instead, with the language it has read
        (Chinese typed into a model of English sentences, or the other way round)."""
        words = [w for w in data.tokenize(text, self.lang) if w[0].isalnum()]  # punctuation is no evidence
        if words and not any(w in self.stoi for w in words):
            raise ValueError(
                Msg(
                    N_(
                        "sentiment input: I don't know these words: {shown}. This model has read only {language} "
                        "sentences (Sentences = {code}); try one like “{example}”"
                    ),
                    shown=", ".join(dict.fromkeys(words)),
                    language=Msg(LANGUAGES[self.lang]),
                    code=self.lang,
                    example=self.try_it_example,
                )
            )

    def own_input(self, text: str) -> tuple[torch.Tensor, None]:
        text = text.strip()
        if not text or len(text) > MAX_TRY_CHARS:
            raise ValueError(Msg(N_("sentiment input: type a sentence of 1 to {most} characters"), most=MAX_TRY_CHARS))
        ids, _unknown = self.encode(text)
        if not ids:
            raise ValueError(Msg(N_("sentiment input: type some words, not only punctuation or spaces")))
        return torch.tensor([ids]), None  # (1, T) ids; a sentence's true sentiment is the learner's to judge

    def class_name(self, i: int) -> Msg:
        return Msg(LABELS[i])
