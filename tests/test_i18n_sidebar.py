"""中文 on the Playground and the Gradient lab: with ?lang=zh every sidebar control, button and message a
learner reads is Chinese (a bad share link's warning still names the field, the value and the range),
messages written by the training thread are translated where they are shown, and without ?lang= the
pages are exactly as English as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.i18n import render
from rnnplay.config import FIELDS, ConfigError, allowed_text, field_help, make_config, parse_params
from rnnplay.i18n import Msg
from rnnplay.race import EXPLODING, race_labels
from tests.link_boxes import RACE_SHARE_BOX, opened
from tests.live import status_line
from tests.test_lang_pages import page_heading, page_title
from tests.test_pages import open_app

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND, GRADIENTS = "app_pages/playground.py", "app_pages/gradients.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
WIDGETS = ("selectbox", "number_input", "radio", "toggle", "text_area", "segmented_control", "checkbox")


@pytest.fixture
def open_page():
    opened: list[AppTest] = []

    def open_(page: str, **params) -> AppTest:
        at = open_app(page, **params)
        opened.append(at)
        return at

    yield open_
    for at in opened:
        for key in ("_run", "_race"):
            if key in at.session_state:
                at.session_state[key].stop()


def sidebar_widgets(at: AppTest) -> list:
    return [w for kind in WIDGETS for w in at.sidebar.get(kind)]


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_config_texts_in_both_languages():
    """The core's texts: English unchanged for the CLI, Chinese on request, the field and range kept."""
    with pytest.raises(ConfigError) as e:
        make_config("adding", hidden_size=99999)
    assert str(e.value) == "hidden_size=99999 is not allowed: in [1, 1024]"
    zh = render(e.value, "zh")
    assert "hidden_size=99999" in zh and "[1, 1024]" in zh and CJK.search(zh) and "not allowed" not in zh
    assert (
        allowed_text("arch") == "one of rnn, lstm, gru"
        and render(allowed_text("arch"), "zh") == "可选值：rnn, lstm, gru"
    )
    assert field_help("text") == FIELDS["text"].metadata["help"] == "charlm: the text to learn (1–20000 characters)"
    assert "20000" in render(field_help("text"), "zh") and CJK.search(render(field_help("text"), "zh"))
    for name in FIELDS:  # every field's help has its Chinese
        assert CJK.search(render(field_help(name), "zh")), name
    _, warn = parse_params({"task": "adding", "seq_len": "1", "colour": "red"})
    warn = [render(w, "zh") for w in warn]
    assert any("seq_len=1" in w and "[2, 1000]" in w and "默认值 20" in w for w in warn), warn  # adding's T
    assert any("'colour'" in w and "未知参数" in w for w in warn), warn
    _, warn_en = parse_params({"task": "adding", "seq_len": "1"})
    assert warn_en == ["seq_len=1 is not allowed: in [2, 1000] — using the default 20"]


def test_race_labels_in_chinese_and_english():
    assert race_labels(EXPLODING) == ["RNN no clip", "RNN clip norm 1"]
    assert [render(lab, "zh") for lab in race_labels(EXPLODING)] == ["RNN 不裁剪", "RNN 裁剪 norm 1"]


def test_playground_in_chinese(open_page):
    at = open_page(PLAYGROUND, lang="zh", task="adding", lr_schedule="step", optimizer="sgd", num_layers=2)
    assert not at.exception
    widgets = sidebar_widgets(at)
    assert len(widgets) >= 20
    english = [w.label for w in widgets if not CJK.search(w.label)]
    assert not english, f"sidebar labels not in Chinese: {english}"
    no_help = [w.label for w in widgets if w.key != "lang" and not CJK.search(w.help or "")]
    assert not no_help, f"sidebar help not in Chinese: {no_help}"
    assert at.number_input(key="hidden_size").help.endswith("— [1, 1024]")
    assert [e.label for e in at.sidebar.expander] == ["模型", "训练", "更多"]
    buttons = {b.key: b.label for b in at.button if b.key and b.key.startswith("btn_")}
    assert buttons["btn_train"] == "训练" and buttons["btn_step"] == "单步训练一批"
    assert all(CJK.search(label) for label in buttons.values()), buttons
    assert page_title(at) == "训练场" and CJK.search(page_heading(at).proto.help)  # its description
    assert CJK.search(status_line(at))
    assert not at.warning


def test_a_bad_link_warns_in_chinese_naming_field_and_range(open_page):
    at = open_page(PLAYGROUND, hidden_size=99999, lang="zh")
    assert not at.exception
    warn = [w for w in warnings(at) if "hidden_size" in w]
    assert len(warn) == 1, warnings(at)
    assert "99999" in warn[0] and "[1, 1024]" in warn[0] and CJK.search(warn[0]), warn[0]
    assert warn[0].startswith("分享链接：") and "not allowed" not in warn[0] and "默认值" in warn[0]


def test_english_page_is_unchanged(open_page):
    at = open_page(PLAYGROUND, hidden_size=99999)
    assert not at.exception
    assert at.number_input(key="hidden_size").label == "Hidden size"
    assert at.number_input(key="hidden_size").help == "units in each recurrent layer — [1, 1024]"
    assert at.button(key="btn_train").label == "Train" and page_title(at) == "Playground"
    assert "Share link: hidden_size=99999 is not allowed: in [1, 1024] — using the default 32" in warnings(at)
    assert not any(CJK.search(w.label) for w in sidebar_widgets(at) if w.key != "lang")


def test_training_messages_are_translated_where_shown(open_page):
    """The thread writes an English template with its values, one Msg; the page says it in the session's language."""
    at = open_page(PLAYGROUND, lang="zh", task="majority", steps=3)
    for _ in range(3):
        at.button(key="btn_step").click().run()
    snap = at.session_state["_run"].snapshot()
    assert snap.message == "finished 3 steps"  # the English text, as the CLI and the store see it
    assert isinstance(snap.message, Msg) and (snap.message.template, snap.message.values) == (
        "finished {n} steps",
        {"n": 3},
    )
    assert render(snap.message, "zh") == "已完成 3 步"
    progress = status_line(at)
    assert progress.startswith("第 3 / 3 步") and progress.endswith("已完成"), progress


def test_gradient_lab_in_chinese_with_the_divergence_message(open_page):
    # the exploding demo at lr 1: its unclipped entry stops on NaN/Inf within 5 steps
    at = open_page(
        GRADIENTS, lang="zh", race="exploding", e1="arch:rnn,lr:1,clip_mode:off", e2="arch:rnn,lr:1,clip_mode:norm"
    )
    assert not at.exception and not at.warning
    widgets = sidebar_widgets(at)
    english = [w.label for w in widgets if not CJK.search(w.label)]
    assert widgets and not english, f"sidebar labels not in Chinese: {english}"
    buttons = [b.label for b in at.button if b.key and (b.key.startswith("btn_") or b.key.startswith("demo_"))]
    assert len(buttons) == 9 and all(CJK.search(b) for b in buttons), buttons
    opened(at, RACE_SHARE_BOX)
    links = [
        c.value for c in at.code if "/gradients?" in c.value and "view=" not in c.value and "?t=" not in c.value
    ]  # not the teacher's (nor its short link)
    assert len(links) == 1 and "race=exploding" in links[0] and "lang=zh" in links[0], links  # opens in 中文
    for _ in range(6):
        at.button(key="btn_step").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    # the unclipped entry diverged: its legend name and the thread's hint, both in Chinese
    assert any("RNN 不裁剪" in e and "NaN/Inf" in e and "降低学习率" in e for e in errors), errors
    assert CJK.search(status_line(at))


def test_gradient_lab_bad_values_warn_in_chinese(open_page):
    at = open_page(GRADIENTS, lang="zh", race="nope", seq_len=1, e1="arch:rnn", e2="arch:lstm,hidden_size:0")
    assert not at.exception
    text = " | ".join(warnings(at))
    assert "race='nope'" in text and "vanishing" in text
    assert "seq_len=1" in text and "[2, 1000]" in text
    assert "条目 2" in text and "hidden_size=0" in text and "[1, 1024]" in text
    assert "not allowed" not in text and "entry" not in text, text
