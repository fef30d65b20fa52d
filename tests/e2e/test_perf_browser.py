"""Real browser, the live page's performance paths (P3, and what tests/perf/appbench.py times): after Train the
loss chart gets its first point, and a live run's page keeps redrawing (the step count, the loss chart's points,
the probe charts) until it finishes, with the charts' numbers sent as typed arrays. No time is asserted here:
the numbers go to the benchmark (python -m tests.perf.appbench)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.perf.appbench import WATCH_JS, open_playground, parse_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOSS_POINTS = """() => { const g = document.querySelector('.st-key-loss .js-plotly-plot');
  return g && g._fullData && g._fullData[0] ? g._fullData[0]._length : -1; }"""


def loss_points_over(page: Page, n: int, timeout: int = 15_000) -> int:
    """The loss chart's point count once it is above n (a chart being remounted has none for a moment)."""
    return page.wait_for_function(
        f"(() => {{ const k = ({LOSS_POINTS})(); return k > {n} ? k : 0; }})()", timeout=timeout
    ).json_value()


GTT_TITLE = "() => { const g = document.querySelector('.st-key-gtt .gtitle'); return g ? g.textContent : ''; }"


STEPS = 12_000  # ~15 s on a quiet laptop core: the live view (1 Hz) must outlast the four redraws watched below


def test_first_chart_after_train_and_the_live_page_keeps_redrawing(server, page: Page):
    open_playground(page, server, f"task=majority&steps={STEPS}")
    assert page.evaluate(LOSS_POINTS) == 0  # before Train: the empty chart with its hint
    page.evaluate(WATCH_JS)
    page.locator(".st-key-btn_train button").click()
    page.wait_for_function("window.__perf.firstPoint !== null", timeout=30_000)
    perf = page.evaluate("window.__perf")
    assert perf["click"] is not None and perf["firstPoint"] >= perf["click"]
    first_points = loss_points_over(page, 0)

    # the live view redraws: the status line's step, the loss chart's points and the probe charts move on
    progress = page.get_by_test_id("stProgress")
    steps, titles = set(), set()
    for _ in range(4):
        text = progress.inner_text()
        steps.add(parse_status(text)[0])
        titles.add(page.evaluate(GTT_TITLE))
        expect(progress).not_to_have_text(text, timeout=15_000)
    assert loss_points_over(page, first_points) > first_points
    assert len(steps) >= 4 and all(s > 0 for s in steps)
    # whole titles: one read before the first probe ("Gradient through time ‖∂L/∂hₜ‖", which the Train click's
    # page run keeps showing until the next tick) or mid-remount (empty, cut short) is a prefix of every later one
    seen = "|".join(map(re.escape, (t.strip() for t in titles)))
    expect(page.locator(".st-key-gtt .gtitle")).not_to_have_text(re.compile(rf"^\s*(?:{seen})\s*$"), timeout=20_000)

    expect(progress).to_contain_text("finished", timeout=300_000)
    final = parse_status(progress.inner_text())
    assert final[0] == final[1] == STEPS and final[2] > 0  # every step, and the run's steps/s
    # the final full run draws the last probe at once (no probe-chart pacing once training ended)
    expect(page.locator(".st-key-gtt .gtitle")).to_contain_text(f"step {STEPS}", timeout=15_000)
    spec = page.evaluate("() => document.querySelector('.st-key-loss .js-plotly-plot').data[0].x")
    assert spec.get("dtype") == "i4" and spec.get("bdata")  # the live view's compact figures reached the browser
    assert page.get_by_test_id("stException").count() == 0
