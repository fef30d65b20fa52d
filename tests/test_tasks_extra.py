"""rnnplay.tasks random, tagging, wave, copy: each task's data follow its rule
(shapes, dtypes, labels), validation data are apart from training data, seeds reproduce the data,
the chance levels equal what the baseline they describe scores on a big sample (copy: the paper's
10·ln 8 / (delay + 20)), the tagging rule truly needs the next word, wave refuses bidirectional
naming the field, views and try-it inputs give data or a clear message. The `slow` tests run the
CLI on one CPU thread with each task's defaults and check its done-when target; `pytest -s` prints
their wall seconds."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import pytest
import torch
from torch.nn import functional as F

from rnnplay.config import ConfigError, make_config, relevant_fields
from rnnplay.models import SequenceModel
from rnnplay.tasks import make_task
from rnnplay.tasks import tagging as tg
from rnnplay.tasks.wave import NOISE, WAVES, waveform


def _task(name: str, **kw):
    return make_task(make_config(name, device="cpu", **kw))


def _model(task, **kw):
    torch.manual_seed(0)
    config = task.config.replace(hidden_size=8, **kw)
    return SequenceModel(config, task.input_size, task.output_size, task.many_to_one)


def _rows(x: torch.Tensor) -> set[tuple]:
    return {tuple(r.flatten().tolist()) for r in x}


# random ---------------------------------------------------------------------------------------
def test_random_training_batches_come_from_a_fixed_pool_of_dataset_size_sequences():
    task = _task("random", dataset_size=50, seq_len=7)
    assert task.pool.x.shape == (50, 7, 1) and task.pool.x.dtype == torch.float32
    assert task.pool.y.shape == (50,) and task.pool.y.dtype == torch.long and set(task.pool.y.tolist()) == {0, 1}
    label = {tuple(x.flatten().tolist()): int(y) for x, y in zip(task.pool.x, task.pool.y, strict=True)}
    assert len(label) == 50  # continuous noise: every pooled sequence is distinct
    gen = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(20):
        b = task.train_batch(gen)
        for x, y in zip(b.x, b.y, strict=True):
            key = tuple(x.flatten().tolist())
            assert label[key] == int(y)  # a pooled sequence, always with its own label
            seen.add(key)
    assert len(seen) == 50  # batches cover the whole pool


def test_random_validation_is_fresh_noise_with_fresh_labels_and_seeds_reproduce_the_pool():
    task = _task("random")
    val = task.val_batch()
    assert val.x.shape == (task.val_size, 10, 1) and _rows(val.x).isdisjoint(_rows(task.pool.x))
    assert abs(val.y.float().mean().item() - 0.5) < 0.05
    assert task.chance == 0.5 and task.chance_loss == pytest.approx(math.log(2))
    assert torch.equal(_task("random").pool.x, task.pool.x) and torch.equal(_task("random").pool.y, task.pool.y)
    assert not torch.equal(_task("random", seed=1).pool.x, task.pool.x)
    assert task.try_it_label is None


def test_random_view_shows_accuracy_on_the_pool_and_on_fresh_sequences_against_chance():
    task = _task("random", dataset_size=20)
    view = task.view(_model(task), "cpu")
    assert view["kind"] == "bars" and len(view["x"]) == len(view["y"]) == 2 and "20" in view["x"][0]
    assert all(0 <= v <= 1 for v in view["y"]) and view["hline"] == 0.5 and view["y_range"] == [0, 1]


# tagging --------------------------------------------------------------------------------------
def _rule(words: list[str]) -> list[str]:
    """The tagging rule written out word by word, independent of the task's tensor code."""
    kind = {w: t for t, (ws, _p) in tg.GROUPS.items() for w in ws}
    tags = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else "."
        if w == ".":
            tags.append(".")
        elif kind[w] is None:
            tags.append("NOUN" if kind.get(nxt, "end") in (tg.VERB, None) else "VERB")
        else:
            tags.append(tg.TAGS[kind[w]])
    return tags


def test_tagging_data_follow_the_rule_and_end_with_a_full_stop():
    task = _task("tagging", seq_len=9)
    b = task.sample(200, torch.Generator().manual_seed(0))
    assert b.x.shape == (200, 9, len(tg.WORDS)) and b.x.dtype == torch.float32 and torch.all(b.x.sum(-1) == 1)
    assert b.y.shape == (200, 9) and b.y.dtype == torch.long
    for x, y in zip(b.x, b.y, strict=True):
        words = task.input_labels(x)
        assert words[-1] == "." and "." not in words[:-1]
        assert [tg.TAGS[i] for i in y.tolist()] == _rule(words)
    assert len(tg.WORDS) == 13 and set(tg.AMBIGUOUS) <= set(tg.WORDS)


def test_tagging_tag_needs_the_next_word_and_nothing_more():
    task = _task("tagging", seq_len=12)
    b = task.sample(4000, torch.Generator().manual_seed(1))
    ids = b.x.argmax(-1)
    # a function of (word, next word): no pair ever gets two different tags
    by_pair: dict[tuple[int, int], set[int]] = {}
    for t in range(11):
        for w, n, y in zip(ids[:, t].tolist(), ids[:, t + 1].tolist(), b.y[:, t].tolist(), strict=True):
            by_pair.setdefault((w, n), set()).add(y)
    assert all(len(tags) == 1 for tags in by_pair.values())
    # not a function of the words up to and including this one: the same prefix gets both tags
    can = tg.INDEX["can"]
    for before, after, tag in (("runs", "the", "VERB"), ("runs", "sings", "NOUN")):
        ids = torch.tensor([[tg.INDEX[before], can, tg.INDEX[after], tg.INDEX["."]]])
        assert tg.TAGS[int(tg.tag_ids(ids)[0, 1])] == tag


def test_tagging_chance_is_what_a_model_seeing_only_the_current_word_scores():
    task = _task("tagging", seq_len=10)
    b = task.sample(20_000, torch.Generator().manual_seed(2))
    ids, y = b.x.argmax(-1).flatten(), b.y.flatten()
    counts = torch.zeros(len(tg.WORDS), len(tg.TAGS))
    counts.index_put_((ids, y), torch.ones(len(ids)), accumulate=True)
    p = counts / counts.sum(1, keepdim=True).clamp(min=1)  # P(tag | word): the best memoryless model
    accuracy = (p.argmax(1)[ids] == y).float().mean().item()
    assert accuracy == pytest.approx(task.chance, abs=0.01)
    assert F.nll_loss(p.clamp(min=1e-12).log()[ids], y).item() == pytest.approx(task.chance_loss, abs=0.01)
    assert 0.8 < task.chance < 0.9  # leaves a bidirectional model 10+ points to win


def test_tagging_try_it_tags_the_learners_sentence_and_names_unknown_words():
    task = _task("tagging")
    view = task.try_it(_model(task), "cpu", "Watch the duck fly")
    assert view["kind"] == "tokens" and [r["label"] for r in view["rows"]] == ["input", "true tag", "predicted tag"]
    assert view["rows"][0]["tokens"] == ["watch", "the", "duck", "fly", "."]
    assert view["rows"][1]["tokens"] == ["VERB", "DET", "NOUN", "VERB", "."]
    assert len(view["correct"]) == 5 and all(isinstance(c, bool) for c in view["correct"])
    assert set(view["rows"][2]["tokens"]) <= set(tg.TAGS)
    with pytest.raises(ValueError, match=r"unknown word 'cats'.*the a dog cat bird"):
        task.try_it(_model(task), "cpu", "the cats can fly")
    with pytest.raises(ValueError, match="tagging input"):
        task.try_it(_model(task), "cpu", "   ")
    assert task.encode(task.try_it_example).shape[1] == len(task.try_it_example.split()) + 1


# wave -----------------------------------------------------------------------------------------
def test_wave_input_is_the_one_hot_class_at_step_0_and_the_target_its_noisy_waveform():
    task = _task("wave", seq_len=30)
    b = task.sample(64, torch.Generator().manual_seed(0))
    assert task.kind == "one-to-many" and b.x.shape == (64, 30, 4) and b.y.shape == (64, 30, 1)
    assert b.x.dtype == b.y.dtype == torch.float32
    assert torch.all(b.x[:, 0].sum(-1) == 1) and torch.all(b.x[:, 1:] == 0)
    for x, y in zip(b.x, b.y, strict=True):
        clean = waveform(WAVES[int(x[0].argmax())], 30)
        residual = y[:, 0] - clean
        assert residual.abs().max() < 5 * NOISE and 0.3 * NOISE < residual.std() < 2 * NOISE
    square, saw = waveform("square", 24), waveform("sawtooth", 24)
    assert set(square.tolist()) == {1.0, -1.0} and square[0] == 1 and square[6] == -1  # period 12
    assert saw.min() == -1 and saw.max() < 1
    val = task.val_batch()
    assert not torch.equal(val.y[:64], b.y)  # same waves, fresh noise


def test_wave_chance_is_the_mse_of_predicting_the_mean():
    task = _task("wave", seq_len=40)
    b = task.sample(20_000, torch.Generator().manual_seed(1))
    assert F.mse_loss(torch.full_like(b.y, b.y.mean().item()), b.y).item() == pytest.approx(task.chance, rel=0.02)
    assert task.chance == task.chance_loss and 0.4 < task.chance < 0.7


def test_wave_refuses_bidirectional_with_a_message_naming_the_field():
    with pytest.raises(ConfigError, match="bidirectional") as e:
        make_config("wave", bidirectional=True)
    assert e.value.field == "bidirectional"


def test_wave_view_and_try_it_draw_generated_against_true_waves():
    task = _task("wave", seq_len=20)
    model = _model(task)
    view = task.view(model, "cpu")
    assert view["kind"] == "lines" and len(view["series"]) == 8
    one = task.try_it(model, "cpu", "square")
    assert [s["name"] for s in one["series"]] == ["square: generated", "square: true"]
    assert one["series"][1]["y"] == waveform("square", 20).tolist() and one["series"][1]["dash"] == "dash"
    assert len(one["series"][0]["y"]) == 20 and all(math.isfinite(v) for v in one["series"][0]["y"])
    assert task.try_it_choices == ("sine", "square", "triangle", "sawtooth")
    with pytest.raises(ValueError, match="wave input: 'circle'.*sine, square, triangle, sawtooth"):
        task.try_it(model, "cpu", "circle")


# copy -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [1, 10, 25])
def test_copy_follows_arjovskys_layout(delay):
    task = _task("copy", delay=delay)
    T = delay + 20
    b = task.sample(50, torch.Generator().manual_seed(0))
    assert task.seq_len == T and b.x.shape == (50, T, 10) and b.y.shape == (50, T) and b.y.dtype == torch.long
    ids = b.x.argmax(-1)
    symbols = ids[:, :10]
    assert symbols.min() >= 1 and symbols.max() <= 8
    assert torch.all(ids[:, 10 : T - 11] == 0) and torch.all(ids[:, T - 11] == 9) and torch.all(ids[:, T - 10 :] == 0)
    assert torch.all(b.y[:, : T - 10] == 0) and torch.equal(b.y[:, T - 10 :], symbols)


def test_copy_baseline_is_the_papers_memoryless_cross_entropy():
    task = _task("copy", delay=10)
    assert task.chance_loss == pytest.approx(10 * math.log(8) / 30) and task.chance_loss == pytest.approx(
        0.693, abs=1e-3
    )
    assert task.chance == pytest.approx((20 + 10 / 8) / 30)
    # the memoryless strategy itself: blank for sure, then uniform over 1..8 for the last 10 steps
    b = task.sample(500, torch.Generator().manual_seed(0))
    logits = torch.full((500, 30, 9), -1e9)
    logits[:, :20, 0] = 0
    logits[:, 20:, 1:] = 0
    assert task.loss(logits, b.y).item() == pytest.approx(task.chance_loss, rel=1e-5)
    assert _task("copy", delay=100).chance_loss == pytest.approx(10 * math.log(8) / 120)


def test_copy_length_is_set_by_delay_not_seq_len():
    assert _task("copy", seq_len=50, delay=5).seq_len == 25
    assert "seq_len" not in relevant_fields("copy") and "delay" in relevant_fields("copy")
    assert make_config("copy").arch == "lstm"


def test_copy_validation_differs_from_training_and_seeds_reproduce_it():
    task = _task("copy")
    first = task.train_batch(torch.Generator().manual_seed(task.config.seed))
    val = task.val_batch()
    assert not (_rows(first.y) & _rows(val.y))  # 8^10 sequences: a shared one would be a shared stream
    assert torch.equal(_task("copy").val_batch().x, val.x)


def test_copy_try_it_recalls_the_learners_digits_and_refuses_others():
    task = _task("copy")
    view = task.try_it(_model(task), "cpu", "314")
    assert view["kind"] == "tokens" and [r["label"] for r in view["rows"]] == ["input", "target", "output"]
    assert view["rows"][0]["tokens"][:11] == list("3143143143") + ["_"] and view["rows"][0]["tokens"][19] == ":"
    assert view["rows"][1]["tokens"][-10:] == list("3143143143") and len(view["correct"]) == 30
    for bad in ("3141592653", "12a", "", "12345678123"):
        with pytest.raises(ValueError, match="copy input: type 1 to 10 digits, each from 1 to 8"):
            task.try_it(_model(task), "cpu", bad)
    assert task.view(_model(task), "cpu")["kind"] == "tokens" and "of 10 symbols" in view["title"]


def test_copy_view_of_a_long_delay_elides_the_middle_blanks():
    task = _task("copy", delay=200)
    view = task.view(_model(task), "cpu")
    tokens = [r["tokens"] for r in view["rows"]]
    assert all(len(t) == 12 + 1 + 12 for t in tokens) and len(view["correct"]) == 25
    assert tokens[0][12] == tokens[1][12] == "…" and tokens[0][-11] == ":" and tokens[1][-10:] == tokens[0][:10]


# acceptance: the CLI with each task's defaults, one CPU thread ---------------------------------
def _cli(*args: str) -> tuple[dict, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RNNPLAY_THREADS": "1"}
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "rnnplay", "train", *args, "--json", "--quiet"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=True)
    seconds = time.perf_counter() - t0
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"\n{' '.join(args)}: {seconds:.1f}s; {r['metric']} train {r['train_metric']:.3f} val {r['val_metric']:.3f}"
        f" (chance {r['chance']:.3f}); val loss {r['val_loss']:.3f} (chance loss {r['chance_loss']:.3f})"
    )
    return r, seconds


@pytest.mark.slow
def test_random_memorises_the_training_set_while_validation_stays_at_chance():
    r, _ = _cli("--task", "random")
    assert r["train_metric"] >= 0.95 and abs(r["val_metric"] - 0.5) <= 0.05, r


@pytest.mark.slow
def test_tagging_bidirectional_beats_unidirectional_by_ten_points_on_the_same_budget():
    uni, _ = _cli("--task", "tagging")
    bi, _ = _cli("--task", "tagging", "--bidirectional")
    assert uni["val_metric"] <= uni["chance"] + 0.03  # a forward reader cannot beat guessing the next word
    assert bi["val_metric"] - uni["val_metric"] >= 0.10, (uni["val_metric"], bi["val_metric"])


@pytest.mark.slow
def test_wave_generates_all_four_waves_far_below_the_predict_the_mean_baseline():
    r, _ = _cli("--task", "wave")
    assert r["val_loss"] < 0.2 * r["chance_loss"], (r["val_loss"], r["chance_loss"])


@pytest.mark.slow
def test_copy_lstm_recalls_well_below_the_memoryless_baseline_at_delay_10():
    r, _ = _cli("--task", "copy", "--arch", "lstm")
    assert r["config"]["delay"] == 10 and r["chance_loss"] == pytest.approx(0.693, abs=1e-3)
    assert r["val_loss"] < 0.5 * r["chance_loss"], (r["val_loss"], r["chance_loss"])


def test_random_takes_the_courses_five_numbers_per_step_and_thousand_sequences():
    """The course's example: 1000 sequences of 10 steps of 5 numbers, coin-flip labels."""
    task = _task("random", dataset_size=1000, input_size=5, seq_len=10)
    assert task.input_size == 5 and task.pool.x.shape == (1000, 10, 5) and task.pool.y.shape == (1000,)
    assert task.val_batch().x.shape == (task.val_size, 10, 5)
    b = task.train_batch(torch.Generator().manual_seed(0))
    assert b.x.shape == (32, 10, 5)
    assert _model(task).core.weight_ih_l0.shape[1] == 5
    one = _task("random").pool.x
    assert torch.equal(_task("random", input_size=1).pool.x, one)  # one number per step: as before
