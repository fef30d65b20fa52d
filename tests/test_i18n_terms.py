"""中文 as the course speaks it: the glossary in docs/course.md names the course's word for each idea and
the words it replaces; no Chinese catalogue text uses a replaced word (a quotation “…” of a course text
keeps the course's own words). The lessons that follow a numbered course lesson carry its number, and
Home names the majority example's real place in the course (第五课·课时1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app_pages.i18n import render
from rnnplay.i18n import CATALOG
from rnnplay.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path("/work/shared/seeds")  # the course texts, where this machine has them
QUOTE = re.compile(r"“[^”]*”")


def glossary() -> list[tuple[str, list[str], list[str]]]:
    """(English, course terms, replaced terms) for each row of the glossary table in docs/course.md."""
    text = (ROOT / "docs/course.md").read_text()
    section = text.split("## 中文 terms", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "---"):
            continue
        course = [w.strip() for w in cells[1].split("/")]
        replaced = [w.strip() for w in re.split(r"[、,]", cells[2]) if w.strip()]
        rows.append((cells[0], course, replaced))
    return rows


def test_the_glossary_has_its_rows():
    rows = glossary()
    assert len(rows) >= 10
    replaced = {w for _, _, ws in rows for w in ws}
    assert {"记忆单元", "回看窗口", "隐状态"} <= replaced
    assert ("hidden state", ["隐藏状态"], ["隐状态"]) in rows


def test_no_catalogue_text_uses_a_word_the_glossary_replaces():
    found = []
    for english, chinese in CATALOG["zh"].items():
        unquoted = QUOTE.sub("", chinese)
        for _, course, replaced in glossary():
            found += [(w, course[0], english[:60]) for w in replaced if w in unquoted]
    assert not found, found


def test_each_course_term_is_used_by_the_app_or_the_course():
    """A glossary term is a word of the course texts (where they are on this machine) and the catalogue
    uses it, so the table documents what the pages say."""
    zh = "\n".join(CATALOG["zh"].values())
    seeds = "\n".join(p.read_text() for p in sorted(SEEDS.glob("*.txt"))) if SEEDS.is_dir() else None
    for english, course, replaced in glossary():
        for term in course:
            if replaced:
                assert term in zh, (english, term)
            if seeds is not None:
                assert term in seeds, (english, term)


COURSE_NUMBERED = {"vanishing", "bidirectional", "copy"}  # the topics 第五课·课时1 announces for 课时2


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_lessons_that_follow_a_course_lesson_carry_its_number(lesson):
    en, zh = lesson.title, render(lesson.title, "zh")
    if lesson.id in COURSE_NUMBERED:
        assert en.startswith("Course 5.2 · ") and zh.startswith("第五课·课时2 · "), (en, zh)
    else:
        assert "Course" not in en and "课时" not in zh, (en, zh)


def test_home_names_the_majority_example_as_lesson_5_part_1():
    source = (ROOT / "rnnplay/tasks/majority.py").read_text()  # its preset on Home
    (text,) = re.findall(r'N_\("(The course\'s lesson [^"]*)"\)', source)
    assert text.startswith("The course's lesson 5, part 1") and "第五课·课时1" in render(text, "zh")
    assert not any("第 1 课" in zh or "第一课" in zh for zh in CATALOG["zh"].values())
