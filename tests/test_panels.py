"""app_pages/ui/panels.py: the diagnosis as the HTML of a fed box of words, in both languages, escaped."""

from __future__ import annotations

import html
import re

from app_pages.i18n import render, translator
from app_pages.ui.panels import diagnosis_html
from rnnplay.diagnosis import diagnose
from tests.test_diagnosis import snap
from tests.test_i18n_core import SNAPSHOTS


def text_of(markup: str) -> str:
    """What a reader sees of the HTML: its text, tags dropped, entities resolved."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup.replace("<br>", "\n")))


def test_the_box_says_every_finding_and_its_hint_in_the_readers_language():
    s = SNAPSHOTS["vanished (RNN, below 1% after k steps)"]
    findings = diagnose(s)
    assert findings and any(f.hint for f in findings)
    for lg in ("en", "zh"):
        shown = text_of(diagnosis_html([(None, s)], translator(lg)))
        assert render("Diagnosis", lg) in shown
        for f in findings:
            assert render(f.text, lg) in shown
            if f.hint and f.severity != "ok":
                assert render(f.hint, lg) in shown
    assert "试试" in text_of(diagnosis_html([(None, s)], translator("zh")))


def test_nothing_found_says_so():
    empty = snap(losses=[])
    assert not diagnose(empty)
    assert "Nothing to say yet" in text_of(diagnosis_html([(None, empty)], translator("en")))


def test_entries_stand_side_by_side_under_their_titles():
    s = SNAPSHOTS["fading"]
    markup = diagnosis_html([("RNN", s), ("LSTM", s), ("GRU", s)], translator("en"))
    assert "repeat(3, minmax(0, 1fr))" in markup
    assert markup.count('class="rnnplay-diagnosis-column"') == 3
    assert [m for m in re.findall(r"<strong>([^<]*)</strong>", markup)] == ["RNN", "LSTM", "GRU"]


def test_a_title_is_text_never_markup():
    markup = diagnosis_html([('<img src=x onerror="alert(1)">', SNAPSHOTS["fading"])], translator("en"))
    assert "<img" not in markup and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup


def test_the_catalogues_emphasis_is_the_only_markup_a_sentence_gets():
    s = SNAPSHOTS["vanished (RNN, below 1% after k steps)"]
    markup = diagnosis_html([(None, s)], translator("en"))
    assert "<em>Try:</em>" in markup and "*" not in text_of(markup)
