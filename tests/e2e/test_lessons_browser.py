"""Real browser, one test per lesson (S2, S6): Home's card opens the lesson's page with the narrator,
Next starts training, Auto-play paces the steps, and the page shows the lesson's point (hello: the
prediction reads "elloh"; random: memorised ~100% vs ~50% fresh; ...). Each test prints the seconds from
pressing Train to the point and saves a screenshot to $RNNPLAY_SHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rnnplay.lessons import BY_ID

pytestmark = pytest.mark.e2e
POINT_S = 60  # "a lesson that trains shows its point within 60 s"


def shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def fresh(selector: str) -> str:
    """Streamlit keeps a stale copy of an element while it redraws: look at the live one."""
    return f"{selector}:not([data-stale=true])"


def open_lesson(server: str, page: Page, lesson_id: str):
    """From Home, click the lesson's card link; the narrator panel shows its first step."""
    page.goto(server)
    card = page.locator(f".st-key-lesson_card_{lesson_id}")
    expect(card).to_be_visible(timeout=30_000)
    card.get_by_role("link").click()
    panel = page.locator(fresh(".st-key-lesson_panel"))
    expect(panel).to_contain_text(BY_ID[lesson_id].title, timeout=60_000)
    expect(panel).to_contain_text("step 1 of", timeout=10_000)
    assert f"lesson={lesson_id}" in page.url
    return panel


def train_and_autoplay(page: Page, panel) -> float:
    """Next (the step that trains), then Auto-play; returns the time Train was pressed."""
    page.locator(".st-key-lesson_next button").click()
    t0 = time.monotonic()
    expect(panel).to_contain_text("step 2 of", timeout=10_000)
    page.locator(".st-key-lesson_auto button").click()
    expect(page.locator(".st-key-lesson_auto button")).to_contain_text("Stop auto-play", timeout=10_000)
    return t0


def outlined(page: Page, key: str) -> bool:
    """The narrator outlines the chart its step points at."""
    loc = page.locator(fresh(f".st-key-{key}")).first
    return loc.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def finish(page: Page, name: str, tmp_path: Path, t0: float) -> None:
    seconds = time.monotonic() - t0
    print(f"\nlesson {name}: point shown {seconds:.1f} s after Train")
    page.screenshot(path=str(shots_dir(tmp_path) / f"lesson_{name}.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    assert seconds < POINT_S


def test_lesson_hello_predicts_elloh(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "hello")
    t0 = train_and_autoplay(page, panel)
    expect(page.get_by_text(re.compile(r"predicted\s+elloh")).first).to_be_visible(timeout=POINT_S * 1000)
    expect(panel).to_contain_text(BY_ID["hello"].steps[3].say[:40], timeout=POINT_S * 1000)
    finish(page, "hello", tmp_path, t0)


def test_lesson_random_memorises_but_stays_at_chance(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "random")
    t0 = train_and_autoplay(page, panel)
    # step 3 comes once training has finished; it points at the metric chart
    expect(panel).to_contain_text(BY_ID["random"].steps[2].say[:40], timeout=POINT_S * 1000)
    view = page.locator(fresh(".st-key-task_view"))
    expect(view).to_contain_text(re.compile(r"Memorised (9\d|100)% of the training set"), timeout=20_000)
    title = view.inner_text()
    fresh_pct = int(re.search(r"(\d+)% of fresh", title).group(1))
    assert 40 <= fresh_pct <= 60, title
    assert outlined(page, "metric")
    finish(page, "random", tmp_path, t0)
