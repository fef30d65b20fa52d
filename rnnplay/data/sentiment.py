"""Built-in labelled sentences for the sentiment task, in English and Chinese; tokenisation and vocabulary.

Most sentences are composed from hand-written parts (subjects, positive and negative adjectives and
verbs, intensifiers, fillers), so a few hundred words give a few thousand different sentences and a
held-out set the model can generalise to. One rule decides a label: the polarity of the sentence's
one sentiment word, flipped by a negation right before it ("not good" / "不好" are negative, "not
bad" / "不差" positive), so the model must read word order, not count words. A short hand-written
list of natural sentences follows the same rule. The split into training and validation hashes each
sentence's tokens (crc32, stable across runs and machines): a validation sentence never appears in
training, and the vocabulary is built from training sentences only.

English tokens are lowercase words and punctuation marks; Chinese tokens are single characters,
punctuation and spaces skipped (no word segmenter needed).
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections import Counter

LANGS = ("en", "zh")
PAD_TOKEN, UNK_TOKEN = "<PAD>", "<UNK>"  # ids 0 and 1 in every vocabulary
MIN_TOKENS, MAX_TOKENS = 3, 15
VAL_SHARE = 5  # one sentence in VAL_SHARE (by hash) is held out for validation
N_COMPOSED = 4000  # composed draws per language before de-duplication

# English parts ---------------------------------------------------------------------------------
EN_SUBJECTS = (
    "the movie", "this film", "the book", "the food", "this restaurant", "the service", "the hotel",
    "the music", "the acting", "the story", "this phone", "the game", "the show", "my day",
    "the weather", "the ending", "this place", "the trip", "the concert", "the room",
)  # fmt: skip
EN_NOUNS = ("movie", "film", "book", "meal", "day", "show", "game", "song", "place", "hotel", "trip", "story")
EN_COPULAS = ("is", "was", "seems", "felt")
EN_INTENSIFIERS = ("very", "really", "so", "quite", "truly", "pretty", "incredibly", "absolutely")
EN_POS_ADJ = (
    "good", "great", "excellent", "wonderful", "amazing", "fantastic", "lovely", "nice", "brilliant",
    "enjoyable", "fun", "delightful", "perfect", "beautiful", "charming", "pleasant", "superb", "impressive",
)  # fmt: skip
EN_NEG_ADJ = (
    "bad", "terrible", "awful", "horrible", "boring", "dull", "poor", "disappointing", "ugly", "annoying",
    "mediocre", "dreadful", "painful", "weak", "bland", "unpleasant", "messy", "frustrating",
)  # fmt: skip
EN_PEOPLE = ("i", "we", "they", "my friends", "my parents")
EN_POS_VERBS = ("love", "like", "enjoy", "recommend", "adore")
EN_NEG_VERBS = ("hate", "dislike", "despise", "detest")
EN_VERB_ADVERBS = ("really", "truly", "absolutely")
EN_PREFIXES = ("honestly ,", "overall ,", "to be honest ,", "i think", "well ,", "in my opinion ,")
EN_SUFFIXES = (".", "!", "!!", ", i think .")

# Chinese parts ---------------------------------------------------------------------------------
ZH_SUBJECTS = (
    "这部电影", "这本书", "这家餐厅", "这里的服务", "这个酒店", "这首歌", "他的演技", "这个故事", "这部手机",
    "这个游戏", "今天的天气", "结局", "这个地方", "这道菜", "这次旅行", "那场音乐会",
)  # fmt: skip
ZH_THINGS = (("部", "电影"), ("本", "书"), ("首", "歌"), ("家", "餐厅"), ("个", "游戏"), ("道", "菜"), ("次", "旅行"))
ZH_INTENSIFIERS = ("很", "非常", "真", "特别", "十分", "相当", "超级")
ZH_POS_ADJ = (
    "好", "棒", "精彩", "好看", "有趣", "感人", "出色", "完美", "美", "舒服", "可爱", "优秀", "漂亮", "好听",
    "温暖", "满意",
)  # fmt: skip
ZH_NEG_ADJ = ("差", "糟糕", "无聊", "难看", "烂", "乏味", "难听", "失败", "可怕", "平庸", "恶心", "难受", "令人失望")
ZH_NEGATIONS = ("不", "一点也不")  # before a positive adjective also "不太": not very
ZH_PEOPLE = ("我", "我们", "大家", "朋友们", "我妈妈")
ZH_POS_VERBS = ("喜欢", "爱", "推荐", "欣赏")
ZH_NEG_VERBS = ("讨厌", "厌恶", "嫌弃")
ZH_VERB_ADVERBS = ("真的", "很", "非常")
ZH_PREFIXES = ("说实话，", "总的来说，", "我觉得", "老实说，", "其实")
ZH_SUFFIXES = ("。", "！", "啊", "！！")

# hand-written natural sentences (1 = positive), following the same negation rule -------------------
EN_NATURAL = (
    ("what a wonderful day !", 1), ("i would watch it again", 1), ("best meal i have had in years", 1),
    ("the staff were friendly and helpful", 1), ("it made me smile", 1), ("a real joy from start to end", 1),
    ("i had a great time", 1), ("worth every penny", 1), ("the kids loved every minute", 1),
    ("five stars , no doubt", 1), ("it was not bad at all", 1), ("highly recommended !", 1),
    ("a waste of time", 0), ("i want my money back", 0), ("never again .", 0),
    ("the worst film i have ever seen", 0), ("it was not good", 0), ("i fell asleep halfway through", 0),
    ("the room was dirty and cold", 0), ("what a boring evening", 0), ("totally not worth it", 0),
    ("the plot made no sense", 0), ("the waiter was rude", 0), ("one star , sadly", 0),
)  # fmt: skip
ZH_NATURAL = (
    ("今天天气真好！", 1), ("我还想再看一遍", 1), ("服务员很热情", 1), ("强烈推荐！", 1), ("物超所值", 1),
    ("孩子们玩得很开心", 1), ("这是我吃过最好吃的菜", 1), ("五星好评", 1), ("一点也不差", 1),
    ("看完心情很好", 1), ("值得一看", 1), ("真是太棒了", 1),
    ("浪费时间", 0), ("我想退钱", 0), ("再也不来了", 0), ("这是我看过最烂的电影", 0), ("房间又脏又冷", 0),
    ("剧情完全看不懂", 0), ("服务员态度很差", 0), ("看到一半就睡着了", 0), ("太让人失望了", 0),
    ("一星差评", 0), ("真是糟透了", 0), ("根本不值得", 0),
)  # fmt: skip

_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str, corpus: str) -> list[str]:
    """English: lowercase words and punctuation marks; Chinese: one token per character, spaces and
    punctuation skipped (a Latin word inside Chinese text stays one lowercase token). corpus: the language
    of the sentences ("en" or "zh", the `sentences` setting), never the reader's."""
    if corpus == "en":
        return _EN_TOKEN.findall(text.lower())
    out: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+|\S", text):
        if not unicodedata.category(word[0]).startswith(("P", "S")):  # punctuation and symbols
            out.append(word.lower())
    return out


def _pick(rng: random.Random, items, p_empty: float = 0.0) -> str:
    return "" if rng.random() < p_empty else rng.choice(items)


def _en_sentence(rng: random.Random) -> tuple[str, int]:
    """One composed English sentence and its label: the sentiment word's polarity, flipped by 'not'."""
    label, negated = rng.randrange(2), rng.random() < 0.35
    adj = rng.choice(EN_POS_ADJ if label else EN_NEG_ADJ)
    kind = rng.random()
    if kind < 0.55:  # the movie was (not) (very) good
        inten = _pick(rng, EN_INTENSIFIERS, 0.5) if (label or not negated) else ""  # "not very bad" is odd
        core = [rng.choice(EN_SUBJECTS), rng.choice(EN_COPULAS), "not" if negated else "", inten, adj]
    elif kind < 0.8:  # i (really) love / do not like the movie; only a liking verb is negated
        negated = negated and bool(label)
        verb = rng.choice(EN_POS_VERBS if label else EN_NEG_VERBS)
        aux = rng.choice(("do not", "did not")) if negated else ""
        core = [rng.choice(EN_PEOPLE), _pick(rng, EN_VERB_ADVERBS, 0.6), aux, verb, rng.choice(EN_SUBJECTS)]
    else:  # what a great movie / (not) a good film
        core = ["not a" if negated else rng.choice(("a", "what a")), adj, rng.choice(EN_NOUNS)]
    words = [_pick(rng, EN_PREFIXES, 0.7), *core, _pick(rng, EN_SUFFIXES, 0.5)]
    return " ".join(w for w in words if w).replace(" ,", ","), label ^ negated


def _zh_sentence(rng: random.Random) -> tuple[str, int]:
    """One composed Chinese sentence: 不 / 一点也不 / 不太 right before the sentiment word flips it."""
    label, negated = rng.randrange(2), rng.random() < 0.35
    adj = rng.choice(ZH_POS_ADJ if label else ZH_NEG_ADJ)
    kind = rng.random()
    if kind < 0.55:  # 这部电影(不)很好
        if negated:
            mod = rng.choice(ZH_NEGATIONS + (("不太",) if label else ()))
        else:
            mod = _pick(rng, ZH_INTENSIFIERS, 0.3)
        core = rng.choice(ZH_SUBJECTS) + mod + adj
    elif kind < 0.8:  # 我(真的)喜欢 / 不喜欢这部电影; only a liking verb is negated
        negated = negated and bool(label)
        verb = rng.choice(ZH_POS_VERBS if label else ZH_NEG_VERBS)
        core = rng.choice(ZH_PEOPLE) + _pick(rng, ZH_VERB_ADVERBS, 0.6) + ("不" if negated else "") + verb
        core += rng.choice(ZH_SUBJECTS)
    else:  # 这(不)是一部好电影
        classifier, noun = rng.choice(ZH_THINGS)
        core = ("这不是一" if negated else "这是一") + classifier + adj + ("" if adj == "好" else "的") + noun
    return _pick(rng, ZH_PREFIXES, 0.7) + core + _pick(rng, ZH_SUFFIXES, 0.5), label ^ negated


def sentences(corpus: str) -> list[tuple[str, int]]:
    """Every built-in (sentence, label) of a language, label 1 = positive: the natural ones, then the
    composed ones; no two with the same tokens, each 3–15 tokens long. Deterministic."""
    if corpus not in LANGS:
        raise ValueError(f"sentences={corpus!r} is not allowed: one of {', '.join(LANGS)}")
    rng = random.Random(f"sentiment-{corpus}")
    make = _en_sentence if corpus == "en" else _zh_sentence
    natural = EN_NATURAL if corpus == "en" else ZH_NATURAL
    out, seen = [], set()
    for text, label in [*natural, *(make(rng) for _ in range(N_COMPOSED))]:
        key = tuple(tokenize(text, corpus))
        if key not in seen and MIN_TOKENS <= len(key) <= MAX_TOKENS:
            seen.add(key)
            out.append((text, label))
    return out


def is_validation(text: str, corpus: str) -> bool:
    """Held out by a stable hash of the tokens, so the split never depends on order or seed."""
    return zlib.crc32(" ".join(tokenize(text, corpus)).encode()) % VAL_SHARE == 0


def split(corpus: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(training, validation) sentences of a language; disjoint, about 80/20."""
    all_ = sentences(corpus)
    return [s for s in all_ if not is_validation(s[0], corpus)], [s for s in all_ if is_validation(s[0], corpus)]


def build_vocab(texts: list[str], corpus: str) -> list[str]:
    """Tokens of these (training) texts, most frequent first (ties alphabetical), after <PAD>=0, <UNK>=1."""
    counts = Counter(t for text in texts for t in tokenize(text, corpus))
    return [PAD_TOKEN, UNK_TOKEN, *sorted(counts, key=lambda t: (-counts[t], t))]
