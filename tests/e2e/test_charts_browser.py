"""Real browser: each live chart's margins already hold its tick labels, axis titles, legend and colorbar.
Streamlit's Plotly template turns automargin on, and a chart whose margins are too small is drawn by Plotly
twice at every remount (once more with the margins widened): that made a live redraw cost Chromium ~22% more
(docs/benchmarks.md, the verdict runs of 2026-12-02). Read from plotly's own layout in the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from rnnplay import figures
from tests.perf.appbench import open_playground

pytestmark = pytest.mark.e2e

CHARTS = figures.CORE_CHARTS + figures.PROBE_CHARTS  # the Playground's live charts, by key
WIDENED = """keys => keys.map(key => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd._fullLayout) return [key, null];
  const m = gd._fullLayout.margin, s = gd._fullLayout._size;
  return [key, {l: s.l - m.l, r: s.r - m.r, t: s.t - m.t, b: s.b - m.b,
                overflow: gd._fullLayout.xaxis.ticklabeloverflow}];
})"""


@pytest.mark.parametrize("task, lang", [("copy", "en"), ("sine", "zh")])
def test_live_charts_are_not_widened_after_drawing(server, page: Page, task, lang):
    open_playground(page, server, f"task={task}&steps=200&lang={lang}")
    page.locator(".st-key-btn_train button").click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("200 / 200", timeout=120_000)
    # the full page run after the last step draws every chart from the last probe (legends, colorbars, labels
    # all there); while a chart is remounted the old one is still in the page for a moment
    expect(page.get_by_role("button", name=re.compile("(Train anew|重新训练)$"))).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-gtt .js-plotly-plot")).to_have_count(1, timeout=30_000)
    expect(page.locator(".st-key-gtt .gtitle")).to_have_text(re.compile(r"(step 200\)|第 200 步)"), timeout=30_000)
    widened = dict(page.evaluate(WIDENED, list(CHARTS)))
    assert all(widened[k] is not None for k in CHARTS if k != "task_view"), widened
    for key, w in widened.items():
        if w is None:
            continue
        assert w["overflow"] == "allow", key
        # 2 px: plotly rounds a title's height (copy's task view comes out 1 px off)
        assert max(w["l"], w["r"], w["t"], w["b"]) <= 2, f"{key} was widened after drawing (drawn twice): {w}"
    assert page.get_by_test_id("stException").count() == 0
