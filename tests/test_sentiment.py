"""sentiment: the built-in sentences (lengths, the negation rule behind every label, a train /
validation split that never overlaps, a vocabulary from training only with <PAD>=0 and <UNK>=1),
the batches (ids padded at the end, true lengths on the CPU), the try-it checks and views, that
packing makes padding invisible (a sentence alone and inside a padded batch give the same logits,
every arch and impl, both directions, 2 layers), and (slow) that the CLI's defaults reach 90%
validation accuracy in English and Chinese."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import subprocess
import sys
import time

import pytest
import torch

from app_pages.i18n import render
from rnnplay.config import make_config
from rnnplay.data import sentiment as data
from rnnplay.tasks.base import PAD
from rnnplay.tasks.sentiment import MAX_TRY_CHARS, Sentiment
from rnnplay.trainer import Trainer
from tests.live import live_figures
from tests.test_pages import PLAYGROUND, open_app

LANGS = ("en", "zh")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _task(lang: str = "en", **kw) -> Sentiment:
    return Sentiment(make_config("sentiment", sentences=lang, device="cpu", **kw))


def _tokens(text: str, lang: str) -> tuple[str, ...]:
    return tuple(data.tokenize(text, lang))


# data ---------------------------------------------------------------------------------------------
def test_english_tokens_are_lowercase_words_and_punctuation():
    assert data.tokenize("The Movie was NOT good, really!", "en") == [
        "the", "movie", "was", "not", "good", ",", "really", "!",
    ]  # fmt: skip


def test_chinese_tokens_are_characters_without_spaces_or_punctuation():
    assert data.tokenize("这部电影，不 好看！", "zh") == ["这", "部", "电", "影", "不", "好", "看"]
    assert data.tokenize("我爱 PyTorch。", "zh") == ["我", "爱", "pytorch"]


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_vary_in_length_are_unique_and_balanced(lang):
    all_ = data.sentences(lang)
    lengths = [len(_tokens(t, lang)) for t, _ in all_]
    assert len(all_) > 2000
    assert min(lengths) == data.MIN_TOKENS and max(lengths) >= 14 and max(lengths) <= data.MAX_TOKENS
    assert len({_tokens(t, lang) for t, _ in all_}) == len(all_)
    assert 0.4 < sum(y for _, y in all_) / len(all_) < 0.6
    assert data.sentences(lang) == all_  # deterministic


def _lexicon(lang: str) -> tuple[set[str], set[str]]:
    if lang == "en":
        return set(data.EN_POS_ADJ + data.EN_POS_VERBS), set(data.EN_NEG_ADJ + data.EN_NEG_VERBS)
    return set(data.ZH_POS_ADJ + data.ZH_POS_VERBS), set(data.ZH_NEG_ADJ + data.ZH_NEG_VERBS)


@pytest.mark.parametrize("lang", LANGS)
def test_every_composed_label_is_its_sentiment_word_flipped_by_negation(lang):
    """Relabel every composed sentence independently: the one sentiment word's polarity, XOR a
    negation ('not' / 不). Both flips occur (not good -> 0, not bad -> 1)."""
    pos, neg = _lexicon(lang)
    natural = {t for t, _ in data.EN_NATURAL + data.ZH_NATURAL}
    flips = set()
    for text, label in data.sentences(lang):
        if text in natural:
            continue
        if lang == "en":
            words = set(_tokens(text, lang))
            has_pos, has_neg, negated = bool(words & pos), bool(words & neg), "not" in words
        else:
            has_pos, has_neg = any(w in text for w in pos), any(w in text for w in neg)
            negated = "不" in text
        assert has_pos != has_neg, text  # exactly one polarity
        assert label == int(has_pos) ^ negated, text
        if negated:
            flips.add((int(has_pos), label))
    assert flips == {(1, 0), (0, 1)}


@pytest.mark.parametrize("lang", LANGS)
def test_train_and_validation_are_disjoint_and_vocab_comes_from_training_only(lang):
    train, val = data.split(lang)
    train_keys, val_keys = {_tokens(t, lang) for t, _ in train}, {_tokens(t, lang) for t, _ in val}
    assert not train_keys & val_keys
    assert 0.15 < len(val) / (len(train) + len(val)) < 0.25
    vocab = data.build_vocab([t for t, _ in train], lang)
    assert vocab[:2] == ["<PAD>", "<UNK>"] and len(set(vocab)) == len(vocab)
    assert set(vocab[2:]) == {w for key in train_keys for w in key}


# task ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_task_declares_a_token_many_to_one_classifier(lang):
    task = _task(lang)
    assert (task.name, task.kind, task.metric, task.output_size) == ("sentiment", "many-to-one", "accuracy", 2)
    assert task.vocab_size == task.input_size == len(task.vocab) > 100
    assert task.vocab[PAD] == "<PAD>" and task.stoi["<UNK>"] == 1
    assert task.ignores == ("seq_len",) and task.allows_bidirectional
    p1 = sum(y for _, y in task.val_set) / len(task.val_set)
    assert task.chance == pytest.approx(max(p1, 1 - p1)) and 0.5 <= task.chance < 0.6
    assert task.chance_loss == pytest.approx(-(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1)))
    assert task.try_it_example == {"en": "the movie was not good at all", "zh": "这部电影一点也不好看"}[lang]
    assert task.encode(task.try_it_example)[1] == []  # the example uses known words only


def _check_padded(batch, n: int) -> None:
    x, y, lengths = batch.x, batch.y, batch.lengths
    assert x.dtype == y.dtype == lengths.dtype == torch.int64 and lengths.device.type == "cpu"
    assert x.shape == (n, int(lengths.max())) and y.shape == (n,) and lengths.shape == (n,)
    steps = torch.arange(x.shape[1])
    real = steps[None, :] < lengths[:, None]  # (B, T): True on the sentence, False on padding
    assert (x[~real] == PAD).all() and (x[real] != PAD).all()  # padded at the end, only there
    assert set(y.tolist()) <= {0, 1}


@pytest.mark.parametrize("lang", LANGS)
def test_sample_gives_ids_padded_at_the_end_with_true_lengths_and_labels(lang):
    task = _task(lang)
    batch = task.sample(64, torch.Generator().manual_seed(3))
    _check_padded(batch, 64)
    assert len(set(batch.lengths.tolist())) > 3  # lengths vary within a batch
    for ids, n, y in zip(batch.x, batch.lengths, batch.y, strict=True):
        key = tuple(task.vocab[i] for i in ids[:n].tolist())
        assert (key, int(y)) in {(_tokens(t, lang), label) for t, label in task.train_set}
    again = task.sample(64, torch.Generator().manual_seed(3))
    assert torch.equal(batch.x, again.x) and torch.equal(batch.y, again.y)


@pytest.mark.parametrize("lang", LANGS)
def test_validation_is_every_held_out_sentence_and_never_a_training_one(lang):
    task = _task(lang)
    val, probe = task.val_batch(), task.probe_batch()
    _check_padded(val, len(task.val_set))
    _check_padded(probe, task.probe_size)
    assert probe.lengths[0] == probe.lengths.max()  # the heatmap's sample 0 has no padding
    longest = max(task.val_set[: task.probe_size], key=lambda s: len(_tokens(s[0], lang)))[0]
    assert task.input_labels(probe.x[0]) == [w if w in task.stoi else "<UNK>" for w in _tokens(longest, lang)]
    val_keys = {tuple(ids[:n].tolist()) for ids, n in zip(val.x, val.lengths, strict=True)}
    train = task.sample(4096, torch.Generator().manual_seed(0))
    train_keys = {tuple(ids[:n].tolist()) for ids, n in zip(train.x, train.lengths, strict=True)}
    assert not val_keys & train_keys


def test_unknown_words_become_unk():
    task = _task("en")
    ids, unknown = task.encode("The zorblax was not good")
    assert unknown == ["zorblax"] and ids[1] == 1 and ids[3] == task.stoi["not"]


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "type a sentence"),
        ("   ", "type a sentence"),
        ("x" * (MAX_TRY_CHARS + 1), f"1 to {MAX_TRY_CHARS} characters"),
        ("!!! ...", "not only punctuation"),
    ],
)
def test_try_it_refuses_bad_input_with_a_message_naming_it(text, says):
    for lang in LANGS:
        with pytest.raises(ValueError, match=re.escape(says)) as err:
            _task(lang).try_it(None, "cpu", text)  # refused before the model is read
        assert str(err.value).startswith("sentiment input")


# with a model -------------------------------------------------------------------------------------
def _model(lang: str = "en", **kw):
    tr = Trainer(make_config("sentiment", sentences=lang, device="cpu", **kw))
    return tr.task, tr.model.eval()


@pytest.mark.parametrize(
    "arch, impl, bidirectional", list(itertools.product(("rnn", "lstm", "gru"), ("torch", "scratch"), (False, True)))
)
def test_padding_never_changes_a_prediction(arch, impl, bidirectional):
    """A short sentence alone (batch of 1, its own length) and padded at the end inside a batch of
    longer ones give the same logits: the model packs, so neither direction reads the padding."""
    task, model = _model(arch=arch, impl=impl, bidirectional=bidirectional, num_layers=2)
    val = task.val_batch()
    order = val.lengths.argsort(descending=True)
    short = int(order[-1])  # a shortest sentence, shown among the longest ones
    rows = [*order[:7].tolist(), short]
    x, lengths = val.x[rows], val.lengths[rows]
    n = int(lengths[-1])
    assert n <= 4 and x.shape[1] - n >= 8  # plenty of padding after it
    with torch.no_grad():
        alone = model(x[-1:, :n], lengths[-1:])  # (1, 2)
        in_batch = model(x, lengths)[-1:]  # (1, 2)
    assert (alone - in_batch).abs().max() <= 1e-6
    assert not torch.allclose(in_batch, model(x[:1], lengths[:1]).detach(), atol=1e-3)  # sentences differ


@pytest.mark.parametrize("lang", LANGS)
def test_view_shows_p_positive_after_each_word_of_a_held_out_negated_sentence(lang):
    task, model = _model(lang)
    text, label = task.view_sentence()
    assert text in dict(task.val_set) and ("not" in _tokens(text, lang) or "不" in text)
    view = task.view(model, "cpu")
    ids = task.encode(text)[0]
    assert view["kind"] == "bars" and view["y_title"] == "P(positive)"
    assert view["y_range"] == [0, 1] and view["hline"] == 0.5
    assert [w.split(":", 1)[1] for w in view["x"]] == [task.vocab[i] for i in ids]
    assert len(view["y"]) == len(ids) and all(0 <= p <= 1 for p in view["y"])
    x, lengths = task.pad([ids])
    with torch.no_grad():
        p = float(torch.softmax(model(x, lengths), -1)[0, 1])
    assert view["y"][-1] == pytest.approx(p, abs=1e-6)  # the last bar is the verdict on the whole sentence
    assert ("positive" if label else "negative") in view["title"]


def test_try_it_reads_the_learners_sentence_and_names_unknown_words():
    task, model = _model("en")
    view = task.try_it(model, "cpu", "  The zorblax was NOT good, says Qwfp!  ")
    assert view["kind"] == "bars" and len(view["x"]) == len(view["y"]) == 9
    assert view["x"][1] == "2:<UNK>" and "unknown words read as <UNK>: zorblax, says, qwfp" in view["title"]
    assert re.search(r"(positive|negative) \(P\(positive\) = 0\.\d\d\)", view["title"])
    zh_task, zh_model = _model("zh")
    view = zh_task.try_it(zh_model, "cpu", zh_task.try_it_example)
    assert len(view["x"]) == len(_tokens(zh_task.try_it_example, "zh")) and "unknown" not in view["title"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_cli_defaults_reach_90_percent_validation_accuracy(lang):
    """The acceptance run: `python -m rnnplay train --task sentiment` on one CPU thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RNNPLAY_THREADS": "1"}
    cmd = [sys.executable, "-m", "rnnplay", "train", "--task", "sentiment", "--sentences", lang, "--json", "--quiet"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=True)
    seconds = time.perf_counter() - t0
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"sentiment {lang}: val_metric {result['val_metric']:.3f} in {seconds:.1f} s ({result['steps']} steps)")
    assert result["config"]["sentences"] == lang and not result["diverged"]
    assert result["val_metric"] >= 0.9 > result["chance"]


def _trained_val_accuracy(readout: str, steps: int = 300) -> tuple[float, float]:
    tr = Trainer(make_config("sentiment", device="cpu", readout=readout, steps=steps))
    for _ in range(steps):
        tr.step()
    return tr.evaluate()[1], tr.task.chance


def test_reading_out_minus_one_after_pad_packed_sequence_falls_to_chance():
    """readout=last_padded reads out[:, -1]: pad_packed_sequence puts zeros there for every sentence
    shorter than the batch's longest, so the classifier sees no sentence and stays at chance; the
    correct readout (each sentence's own last word) learns the task."""
    right, chance = _trained_val_accuracy("last_valid")
    trap, _ = _trained_val_accuracy("last_padded")
    assert right >= 0.8
    assert abs(trap - chance) <= 0.05, (trap, chance)


def test_the_trap_reads_the_padding_not_the_sentence():
    task, model = _model(readout="last_padded")
    val = task.val_batch()
    short = val.lengths < val.x.shape[1]
    with torch.no_grad():
        logits = model(val.x, val.lengths)
        only_bias = model.head(torch.zeros(1, model.hidden_size))
    assert short.sum() > 0.9 * len(short)
    assert torch.allclose(logits[short], only_bias.expand(int(short.sum()), -1), atol=1e-6)


# a sentence the model cannot read, and the page's language ------------------------------------------
@pytest.mark.parametrize(
    "lang, text, shown",
    [
        ("en", "这部电影很好看", "这, 部, 电, 影, 很, 好, 看"),  # Chinese typed into a model of English sentences
        ("en", "zorblax qwfp!", "zorblax, qwfp"),  # a known "!" is no evidence
        ("zh", "zorblax qwfp", "zorblax, qwfp"),
    ],
)
def test_a_sentence_of_only_unknown_words_gets_i_dont_know_not_a_verdict(lang, text, shown):
    task, model = _model(lang)
    with pytest.raises(ValueError) as err:
        task.try_it(model, "cpu", text)
    said = str(err.value)
    assert said.startswith(f"sentiment input: I don't know these words: {shown}.")
    assert {"en": "English", "zh": "Chinese"}[lang] in said and task.try_it_example in said
    assert "positive" not in said and "negative" not in said
    zh = render(err.value, "zh")
    assert "我不认识这些词" in zh and {"en": "英文", "zh": "中文"}[lang] in zh
    view = task.try_it(model, "cpu", f"{task.try_it_example} {text}")  # one known word is enough to answer
    assert "unknown words read as <UNK>" in view["title"]


def test_a_chinese_playground_trains_sentiment_on_chinese_sentences_and_knows_typed_chinese(stop_runs):
    at = open_app(PLAYGROUND, lang="zh", task="sentiment", steps=5)
    stop_runs.append(at)
    assert not at.exception and at.selectbox(key="sentences").value == "zh"
    at.button(key="btn_step").click().run()
    run = at.session_state["_run"]
    assert run.config.sentences == "zh" and run.trainer.steps_done == 1
    task = run.trainer.task
    assert all(CJK.search(text) for text, _ in task.train_set)
    typed = "我觉得这家餐厅的服务非常好"
    assert task.encode(typed)[1] == []  # every character is a token the model has read
    at.text_input(key="try_sentiment").set_value(typed).run()
    assert not at.exception and not at.warning
    assert "try_it_chart" in live_figures(at)


@pytest.mark.parametrize("lang, params, sentences", [("en", {}, "en"), ("zh", {"sentences": "en"}, "en")])
def test_an_english_page_or_a_links_sentences_keep_english_sentences(lang, params, sentences, stop_runs):
    at = open_app(PLAYGROUND, lang=lang, task="sentiment", steps=5, **params)
    stop_runs.append(at)
    assert not at.exception and at.selectbox(key="sentences").value == sentences
    assert at.session_state["_run"].config.sentences == sentences
