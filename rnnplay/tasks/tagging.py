"""tagging (course): tag every word, where an ambiguous word's tag depends on the word AFTER it.

Sentences are words drawn at random from a 12-word vocabulary, ending in ".". Determiners, nouns
and verbs have a fixed tag; the ambiguous words can, fly, watch, duck are a NOUN when a verb-like
word (a verb or another ambiguous word) follows ("duck fly") and a VERB otherwise ("watch the").
A model reading left to right has not yet seen the next word when it must tag one of them, so at
best it guesses; a bidirectional model has read it and tags every word right.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of

DET, NOUN, VERB, END = range(4)
TAGS = ("DET", "NOUN", "VERB", ".")
AMBIGUOUS = ("can", "fly", "watch", "duck")
GROUPS = {  # word -> tag, and how likely each group is at a position before the final "."
    DET: (("the", "a"), 0.25),
    NOUN: (("dog", "cat", "bird"), 0.25),
    VERB: (("runs", "sleeps", "sings"), 0.10),
    None: (AMBIGUOUS, 0.40),  # half of the time a verb-like word follows: a coin flip to a forward reader
}


def word_tables(groups):
    """GROUPS -> WORDS (the vocabulary, "." last), INDEX (word -> id), FIXED_TAG (V,) each word's tag (-1:
    ambiguous), IS_AMBIGUOUS and VERB_LIKE (V,) (an ambiguous word before a verb-like one is a NOUN), and
    PROBS (V - 1,) how likely each word is at a position before the final "."."""
    words = tuple(w for ws, _ in groups.values() for w in ws) + (".",)
    fixed_tag = torch.tensor([-1 if t is None else t for t, (ws, _p) in groups.items() for _w in ws] + [END])
    is_ambiguous = fixed_tag == -1
    verb_like = (fixed_tag == VERB) | is_ambiguous
    probs = torch.tensor([p / len(ws) for ws, p in groups.values() for _w in ws])
    return words, {w: i for i, w in enumerate(words)}, fixed_tag, is_ambiguous, verb_like, probs


WORDS, INDEX, FIXED_TAG, IS_AMBIGUOUS, VERB_LIKE, PROBS = word_tables(GROUPS)
P_AMBIGUOUS = GROUPS[None][1]
P_VERB_LIKE = GROUPS[VERB][1] + P_AMBIGUOUS
MAX_WORDS = 60


def random_sentences(n: int, seq_len: int, gen: torch.Generator) -> torch.Tensor:
    """n sentences of seq_len - 1 words drawn by PROBS and a final "." -> (B, T) word ids."""
    words = torch.multinomial(PROBS, n * (seq_len - 1), replacement=True, generator=gen)
    return torch.cat([words.view(n, -1), torch.full((n, 1), INDEX["."])], dim=1)


def tag_ids(ids: torch.Tensor) -> torch.Tensor:
    """(B, T) word ids -> (B, T) tag ids by the rule; a sentence's end counts as "." coming next."""
    end = torch.full_like(ids[:, :1], INDEX["."])
    nxt = torch.cat([ids[:, 1:], end], dim=1)  # (B, T) the word after each word
    by_next = torch.where(VERB_LIKE[nxt], NOUN, VERB)
    return torch.where(IS_AMBIGUOUS[ids], by_next, FIXED_TAG[ids])


# the exported script's glue around the functions above (their source is copied in by script_code), so it
# draws the same numbers from the same generator (tests/test_export.py runs both)
SCRIPT_GLUE = """
DET, NOUN, VERB, END = range(4)  # the tags
# tag -> (its words, how likely the group is at a position before the final "."); None: the ambiguous words
GROUPS = {groups!r}


{source}


WORDS, INDEX, FIXED_TAG, IS_AMBIGUOUS, VERB_LIKE, PROBS = word_tables(GROUPS)
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = len(WORDS), 4, False


def sample(n, gen):
    ids = random_sentences(n, SEQ_LEN, gen)
    return F.one_hot(ids, len(WORDS)).float(), tag_ids(ids)  # x (B, T, V), y (B, T)


def loss_fn(out, y):
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
"""


class Tagging(Task):
    chance_text = N_("a model that reads only the words so far (the next word decides an ambiguous tag)")
    stuck_hint = N_("Turn on bidirectional: only a backward pass has read the next word.")
    chance_label = N_("best left-to-right reader {x:.3g}")  # not chance: the fixed words are all tagged right
    name = "tagging"
    kind = "many-to-many"
    description = N_("tag each word; can/fly/watch/duck need the NEXT word, so a bidirectional RNN wins")
    card = N_("A word's tag depends on the next word: only a bidirectional model can know it.")  # Home's card
    learn_title = N_("tagging — a tag per word")  # its link on the Learn page
    learn_links = (("bi", N_("tagging with a bidirectional LSTM"), {"arch": "lstm", "bidirectional": "true"}),)
    metric = "accuracy"
    defaults = {"hidden_size": 32, "lr": 1e-2, "batch_size": 32, "steps": 400, "seq_len": 12}
    # the vocabulary written out (a marked text is a literal; tests/test_i18n_core.py checks it is WORDS)
    try_it_label = N_(
        "Words to tag, separated by spaces (the a dog cat bird runs sleeps sings can fly watch duck; "
        "a final . is added)"
    )
    try_it_example = "watch the duck fly"
    own_input_help = N_("words of the tagging vocabulary, e.g. watch the duck fly")

    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(groups=GROUPS, source=source_of(word_tables, random_sentences, tag_ids))

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = len(WORDS), len(TAGS)
        T = self.seq_len
        # a model that sees only the current word: right on every fixed word; on an ambiguous one it
        # answers VERB, wrong when a verb-like word follows (never before the final ".", position T-2)
        p_noun = P_VERB_LIKE * (T - 2) / (T - 1)  # P(NOUN | ambiguous), over the positions it can hold
        share = P_AMBIGUOUS * (T - 1) / T  # ambiguous words per position
        self.chance = 1 - share * p_noun
        self.chance_loss = share * _entropy(p_noun)

    def onehot(self, ids: torch.Tensor) -> torch.Tensor:
        return F.one_hot(ids, len(WORDS)).float()

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        ids = random_sentences(n, self.seq_len, gen)  # (B, T)
        return Batch(self.onehot(ids), tag_ids(ids))  # x (B, T, V), y (B, T)

    def input_labels(self, x: torch.Tensor) -> list[str]:
        return [WORDS[i] for i in x.argmax(-1).tolist()]

    def encode(self, text: str) -> torch.Tensor:
        """'watch the duck fly' -> (1, T) word ids, a final '.' added when missing."""
        words = text.lower().split()
        if not words or len(words) > MAX_WORDS:
            raise ValueError(
                Msg(
                    N_("tagging input: type 1 to {most} words separated by spaces, e.g. watch the duck fly"),
                    most=MAX_WORDS,
                )
            )
        unknown = [w for w in words if w not in INDEX]
        if unknown:
            raise ValueError(
                Msg(
                    N_("tagging input: unknown word {word!r}; use only these words: {words}"),
                    word=unknown[0],
                    words=" ".join(WORDS),
                )
            )
        if words[-1] != ".":
            words.append(".")
        return torch.tensor([[INDEX[w] for w in words]])

    @torch.no_grad()
    def tokens_view(self, model, device, ids: torch.Tensor, title: Msg) -> dict:
        """Input words, the rule's tags and the model's tags for one sentence ids (1, T)."""
        model.eval()
        pred = model(self.onehot(ids).to(device))[0].argmax(-1).cpu()
        true = tag_ids(ids)[0]
        return {
            "kind": "tokens",
            "title": title,
            "rows": [
                {"label": Msg(N_("input")), "tokens": [WORDS[i] for i in ids[0].tolist()]},
                {"label": Msg(N_("true tag")), "tokens": [TAGS[i] for i in true.tolist()]},
                {"label": Msg(N_("predicted tag")), "tokens": [TAGS[i] for i in pred.tolist()]},
            ],
            "correct": (pred == true).tolist(),
        }

    def view(self, model, device) -> dict:
        ids = self.fixed_batch(1, 7).x.argmax(-1)  # one fixed sentence, apart from the training stream
        title = Msg(N_("can, fly, watch, duck: NOUN before a verb-like word, VERB otherwise"))
        return self.tokens_view(model, device, ids, title)

    def try_it(self, model, device, text: str) -> dict:
        return self.tokens_view(model, device, self.encode(text), Msg(N_("your sentence")))

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        ids = self.encode(text)  # (1, T) word ids
        return self.onehot(ids), tag_ids(ids)

    def class_name(self, i: int) -> str:
        return TAGS[i]


def _entropy(p: float) -> float:
    return -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)
