"""中文 for the core's words: the diagnosis, the tasks, the lessons and the export refusals in 中文.

Chinese text must be Chinese (not the English fallback), quote the same numbers as the English, and
name the same fields; the English stays exactly what it was (the other tests assert its sentences)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages.i18n import render, translator
from rnnplay import export, figures
from rnnplay.config import ConfigError, make_config
from rnnplay.diagnosis import JUMP, SATURATED, diagnose
from rnnplay.i18n import Msg
from rnnplay.lessons import CHART_LABELS, LESSONS, UI
from rnnplay.tasks import TASK_CLASSES, make_task
from rnnplay.tasks import base as task_base
from rnnplay.tasks.sine import load_series_csv, min_series_len
from rnnplay.tasks.tagging import WORDS
from rnnplay.trainer import Trainer
from tests.test_diagnosis import RANDOM, TAGGING, geometric, snap, spiky

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?%?")
COURSE_LESSON = re.compile(r"第([一二三四五六七八九])课·课时(\d+)")  # the course's numbering: 第五课·课时2 is 5.2


def course_numbers(zh: str) -> str:
    """zh with the course's lesson numbers written in digits (第五课·课时2 -> 5.2), for the number checks."""
    return COURSE_LESSON.sub(lambda m: f"{'零一二三四五六七八九'.index(m[1])}.{m[2]}", zh)


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


# diagnosis --------------------------------------------------------------------------------------
SNAPSHOTS = {
    "vanished (RNN, below 1% after k steps)": snap(gtt=geometric(1e-9)),
    "vanished (LSTM: keep training)": snap(gtt=geometric(1e-9), arch="lstm"),
    "fading": snap(gtt=geometric(1e-3)),
    "carried": snap(gtt=geometric(0.3)),
    "grown (the mirror image)": snap(gtt=geometric(1e17)),
    "bidirectional, weakest in the middle": snap(
        gtt=[max(0.5 ** (20 - t), 4 * 0.5**t) for t in range(21)], bidirectional=True
    ),
    "exploded": snap(norms=spiky(JUMP * 1.5)),
    "exploded, clipped": snap(norms=spiky(1e4), clipped=[min(n, 1.0) for n in spiky(1e4)], clip_mode="norm", clip=1.0),
    "clipping often": snap(norms=[3.0] * 100, clipped=[1.0] * 100, clip_mode="norm", clip=1.0),
    "diverged": snap(
        norms=[2.0, 5.0, 900.0, math.inf], losses=[1.0, 2.0, 50.0, math.nan], state="diverged", clip_mode="off"
    ),
    "diverged, clipped": snap(norms=[2.0, 5.0, 900.0], state="diverged", clip_mode="norm"),
    "saturated": snap(losses=[1 / 6] * 400, saturation=SATURATED + 0.05),
    "dead ReLU": snap(losses=[1 / 6] * 400, saturation=0.96, nonlinearity="relu"),
    "saturated but learned": snap(losses=[0.01] * 500, saturation=0.6),
    "memorising (accuracy)": snap(task=RANDOM, losses=[0.1] * 400, metrics=[0.99] * 400, val_metric=0.5),
    "memorising (mse)": snap(losses=[0.01] * 400, val_metric=0.2),
    "stuck at the line": snap(losses=[1 / 6] * 400),
    "stuck above the line": snap(losses=[0.2] * 400),
    "stuck, the task's own words": snap(
        task=replace(
            TAGGING, chance_text=TASK_CLASSES["tagging"].chance_text, stuck_hint=TASK_CLASSES["tagging"].stuck_hint
        ),
        losses=[0.253] * 400,
        metrics=[0.833] * 400,
    ),
    "learning (accuracy, validation)": snap(task=RANDOM, losses=[0.01] * 300, metrics=[0.99] * 300, val_metric=0.9),
    "learning, early": snap(losses=[0.15] * 100),
    "learning, under 1%": snap(losses=[1e-4] * 300),
}


@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_diagnosis_in_chinese_says_the_same_findings_with_the_same_numbers(name):
    s = SNAPSHOTS[name]
    found = diagnose(s)
    assert found, f"{name}: the scenario gives no finding"
    en, zh = said(found, "en"), said(found, "zh")
    assert en == [(f.text, f.hint) for f in found]  # a Msg is its English text
    for (e_text, e_hint), (z_text, z_hint) in zip(en, zh, strict=True):
        assert not chinese(e_text + e_hint), e_text  # English stays English
        assert chinese(z_text) and z_text != e_text, z_text
        assert bool(z_hint) == bool(e_hint) and (not z_hint or chinese(z_hint)), z_hint
        # every number the English quotes (1e-9, 0.167, 66%, step 81, ×2.5...) is in the Chinese too
        missing = [n for n in NUMBER.findall(e_text + e_hint) if n not in z_text + z_hint]
        assert not missing, f"{name}: {missing} not in {z_text!r} / {z_hint!r}"
    assert "clip_mode=norm" in " ".join(hint for _, hint in zh) or name not in ("exploded", "diverged")


def said(findings, lang: str) -> list[tuple[str, str]]:
    """Each finding's text and hint in lang, as the page says them."""
    return [(render(f.text, lang), render(f.hint, lang) if f.hint else "") for f in findings]


def test_diagnosis_scenarios_cover_every_kind():
    found = {f.kind for s in SNAPSHOTS.values() for f in diagnose(s)}
    assert found >= {
        "vanishing",
        "carried",
        "growing",
        "exploding",
        "clipping",
        "diverged",
        "saturated",
        "memorising",
        "stuck",
        "learning",
    }


# tasks ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(TASK_CLASSES))
def test_every_task_says_its_words_in_chinese(name):
    cls = TASK_CLASSES[name]
    texts = [cls.description, cls.chance_text, cls.bidirectional_refusal]
    texts += [x for x in (cls.stuck_hint, cls.try_it_label) if x]
    for text in texts:
        assert not chinese(text), text
        assert chinese(render(text, "zh")), f"{name}: no Chinese for {text!r}"
    for choice in cls.try_it_choices or ():
        assert chinese(render(choice, "zh")), choice


def test_tagging_label_lists_the_vocabulary():
    # the label is a literal (it is looked up in the catalogue): it must name every word the task knows
    assert " ".join(WORDS[:-1]) in TASK_CLASSES["tagging"].try_it_label


def _model(task):
    return Trainer(task.config).model


BAD_INPUT = {
    "majority": "0120",
    "charlm": "Z",
    "copy": "9",
    "reverse": "12a",
    "sentiment": "!!!",
    "tagging": "the zebra",
    "wave": "circle",
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_try_it_refusals_are_english_in_str_and_chinese_through_localize(name):
    task = make_task(make_config(name, device="cpu"))
    with pytest.raises(ValueError) as e:
        task.try_it(_model(task), "cpu", BAD_INPUT[name])
    english, zh = str(e.value), render(e.value, "zh")
    assert english.startswith("prime text" if name == "charlm" else f"{name} input"), english  # names the input
    assert not chinese(english) and chinese(zh), (english, zh)
    assert set(NUMBER.findall(english)) <= set(NUMBER.findall(zh)), (english, zh)
    assert render(e.value, "en") == english


def drawn(view: dict, tr=None) -> dict:
    """A task view's words and data as its figure draws them (the edge: figures.task_view_figure said by tr, a
    language's translator; None: the builder's English default). The title as drawn: wrapped with <br>."""
    fig = (figures.task_view_figure(view) if tr is None else figures.task_view_figure(view, tr=tr)).to_dict()
    layout, traces = fig["layout"], fig["data"]
    axis_title = lambda axis: layout.get(axis, {}).get("title", {}).get("text")  # noqa: E731
    heat = [t for t in traces if t["type"] == "heatmap"]
    return {
        "title": layout["title"]["text"],
        "labels": list(heat[0]["y"])[::-1] if heat else [],  # the tokens' rows, first on top
        "tokens": [list(r) for r in heat[0]["text"]] if heat else [],
        "names": [t["name"] for t in traces if t["type"] == "scatter"],  # lines, reference lines
        "lines": [list(t["y"]) for t in traces if t["type"] == "scatter"],
        "x": [str(v) for v in layout.get("xaxis", {}).get("ticktext", [])],  # the bars' labels
        "x_title": axis_title("xaxis"),
        "y_title": axis_title("yaxis"),
    }


def _entries(obj):
    """Every (key, value) of a task view, at any depth."""
    if isinstance(obj, list):
        for v in obj:
            yield from _entries(v)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from _entries(v)


@pytest.mark.parametrize("name", sorted(TASK_CLASSES))
def test_a_task_view_carries_its_words_as_msgs_and_nothing_beside_them(name):
    """One way to carry words: a view's titles, row labels, series' names and reference lines are Msgs (a str:
    the CLI and the export read English), with no English copy under another key for the pages."""
    assert not hasattr(task_base, "said") and not hasattr(task_base, "view_words")
    task = make_task(make_config(name, device="cpu"))
    model = _model(task)
    views = [task.view(model, "cpu")] + ([task.try_it(model, "cpu", task.try_it_example)] if name == "tagging" else [])
    for view in views:
        entries = list(_entries(view))
        assert not [k for k, _ in entries if k.endswith("_msg")], name
        words = [v for k, v in entries if k in ("title", "label", "name", "hline_label")]
        assert all(isinstance(w, Msg) for w in words), [w for w in words if not isinstance(w, Msg)]


@pytest.mark.parametrize("name", ["random", "copy", "reverse", "sentiment", "tagging", "wave"])
def test_task_views_in_chinese_keep_their_data_and_translate_their_words(name):
    task = make_task(make_config(name, device="cpu"))
    view = task.view(_model(task), "cpu")
    en, zh = drawn(view), drawn(view, translator("zh"))
    assert en == drawn(view, translator("en"))  # English: the view's own words
    assert en["title"] == figures._wrap(view["title"]) and not chinese(view["title"]) and chinese(zh["title"])
    if "rows" in view:  # tokens: the same tokens, labels in Chinese
        assert zh["tokens"] == en["tokens"] and en["labels"] == [r["label"] for r in view["rows"]]
        assert all(chinese(label) for label in zh["labels"]), zh["labels"]
    if "series" in view:
        assert all(chinese(n) for n in zh["names"]) and zh["lines"] == en["lines"]
        assert en["names"] == [s["name"] for s in view["series"]]
    if name == "random":
        assert en["x"] == view["x"] and all(chinese(x) for x in zh["x"]) and chinese(zh["y_title"])


def test_copy_rows_say_output_as_the_models_answer_not_the_gate():
    task = make_task(make_config("copy", device="cpu"))
    view = task.view(_model(task), "cpu")
    assert drawn(view, translator("zh"))["labels"] == ["输入", "目标", "输出"]
    for words in (drawn(view), drawn(view, translator("en"))):  # English: the view's own, short label
        assert words["labels"] == ["input", "target", "output"]
    assert [str(r["label"]) for r in view["rows"]] == ["input", "target", "output"]  # as the CLI reads it


def test_try_it_view_in_chinese():
    task = make_task(make_config("sentiment", device="cpu"))
    result = task.try_it(_model(task), "cpu", "the movie was zorblax")
    title = drawn(result, translator("zh"))["title"].replace("<br>", "")
    assert "zorblax" in result["title"] and "zorblax" in title and "<UNK>" in title
    assert title.startswith("模型判断为") and "P(positive) = " in title


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ("", ["空文件"]),
        ("value\n1\n2\nabc\n4\n", ["第 4 行", "'value'", "'abc'", "不是数字"]),
        ("a,b\n1,2\n3,4\n", ["2 个数值列", "'a'", "'b'"]),
        ("1,2\n3,4\n", ["'第 1 列'", "'第 2 列'"]),
    ],
)
def test_csv_refusals_in_chinese_name_csv_and_the_row(data, needles):
    with pytest.raises(ConfigError) as e:
        load_series_csv(data)
    zh = render(e.value, "zh")
    assert zh.startswith("csv=") and chinese(zh), zh
    for needle in needles:
        assert needle in zh, (needle, zh)
    assert render(e.value, "en") == str(e.value)


def test_a_too_short_series_is_refused_in_chinese_naming_series_and_the_minimum():
    with pytest.raises(ConfigError) as e:
        make_task(make_config("sine", series=tuple(float(i % 7) for i in range(50)), seq_len=30))
    zh = render(e.value, "zh")
    need = min_series_len(30)
    assert zh.startswith("series=") and "seq_len=30" in zh and f"{need} 个值" in zh and "50 个值" in zh, zh


# export -----------------------------------------------------------------------------------------
def test_an_export_refusal_in_chinese_names_the_field():
    body = json.loads(export.config_json(make_config("majority")))
    body["hiden_size"] = 8
    with pytest.raises(ConfigError) as e:
        export.load_config_json(json.dumps(body))
    zh = render(e.value, "zh")
    assert zh.startswith("hiden_size=8") and "RunConfig" in zh and chinese(zh), zh

    with pytest.raises(ValueError) as e:
        export.load_config_json(json.dumps({**body, "format": "other"}))
    zh = render(e.value, "zh")
    assert "format='other'" in zh and "'rnnplay-config'" in zh and chinese(zh), zh


def test_a_weights_refusal_in_chinese_names_every_mismatching_field():
    ours = Trainer(make_config("majority", hidden_size=16, device="cpu"))
    theirs = Trainer(make_config("majority", hidden_size=8, arch="gru", device="cpu"))
    with pytest.raises(ValueError) as e:
        export.load_weights(ours, export.weights_safetensors(theirs))
    english, zh = str(e.value), render(e.value, "zh")
    assert "arch='gru' (this run: 'rnn')" in english and "hidden_size=8 (this run: 16)" in english
    assert "arch='gru'（当前运行：'rnn'）" in zh and "hidden_size=8（当前运行：16）" in zh and "权重" in zh, zh

    with pytest.raises(ValueError) as e:
        export.load_weights(ours, b"\x80\x04" + b"x" * 40)
    assert "pickle" in render(e.value, "zh") and chinese(render(e.value, "zh"))
    # a nested refusal (the saved configuration is unusable) is translated inside the outer one
    nested = ValueError(Msg("weights file: its configuration is unusable: {error}", error=e.value))
    assert chinese(render(nested, "zh")) and "pickle" in str(nested)


def test_the_device_refusal_in_chinese():
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(ConfigError) as e:
        Trainer(make_config("majority", device="cuda"))
    zh = render(e.value, "zh")
    assert zh.startswith("device='cuda'") and "CUDA GPU" in zh and chinese(zh), zh


# lessons ----------------------------------------------------------------------------------------
def test_every_lesson_text_has_its_chinese():
    texts = [x for lesson in LESSONS for x in (lesson.title, lesson.summary, *(s.say for s in lesson.steps))]
    texts += [v for k, v in UI.items() if not k.startswith("page_")] + list(CHART_LABELS.values())
    for text in texts:
        zh = render(text, "zh")
        assert zh != text or text == "hello → elloh", text
        assert chinese(zh) or text == "hello → elloh", text
        assert set(NUMBER.findall(text)) <= set(NUMBER.findall(course_numbers(zh))), (text, zh)


def panel_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n" + "\n".join(c.value for c in at.caption)


def open_lesson_step(lesson, index: int) -> AppTest:
    """The lesson's page in 中文 with the lesson's link, at step index (as Next leaves it). A fresh app per
    step: a second run of the page in AppTest trips over the teacher panel's selectbox, whose
    format_func AppTest calls outside the run (where the session's language is unknown)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    at.session_state[f"_lesson_{lesson.id}_index"] = index
    at.run()
    at.switch_page(f"app_pages/{lesson.page}.py")
    for k, v in lesson.query_params.items():
        at.query_params[k] = v
    at.run()
    return at


class _Unmeasured(dict):
    def __missing__(self, key: str) -> str:
        return "…"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.id)
def test_a_lesson_in_chinese_renders_every_step(lesson, stop_runs):
    for i, step in enumerate(lesson.steps):
        at = open_lesson_step(lesson, i)
        stop_runs.append(at)
        assert not at.exception
        text = panel_text(at)
        # a step entered without its claim's numbers shows "…" in their place (app_pages/narrator.filled)
        said = render(step.say, "zh").format_map(_Unmeasured())
        assert said in text and step.say.format_map(_Unmeasured()) not in text, (i, step.say)
        assert f"课程：{render(lesson.title, 'zh')}" in text and f"第 {i + 1} 步，共 {len(lesson.steps)} 步" in text
        if step.point_at:
            assert render(CHART_LABELS[step.point_at], "zh") in text
        assert at.button(key="lesson_next").label == "下一步" and at.button(key="lesson_free").label == "自由探索"
