"""Real browser: each live chart's margins already hold its tick labels, axis titles, legend and colorbar.
The figures turn automargin on, and a chart whose margins are too small is drawn by Plotly twice (once more with
the margins widened): at every remount of the old st.plotly_chart that made a live redraw cost Chromium ~22%
more (docs/benchmarks.md, "Chart margins"), and a live chart element (app_pages/ui/live_chart.py)
redrawn in place with Plotly.react pays it again whenever a label outgrows the margin. Read from plotly's own
layout in the page: the four charts above the tabs at once, each tab's chart with its tab open (only the open
tab's content is in the page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app_pages.i18n import render
from rnnplay import figures
from tests.perf.appbench import open_playground

pytestmark = pytest.mark.e2e

CHARTS = figures.CORE_CHARTS + figures.PROBE_CHARTS  # the Playground's live charts, by key
# the charts in the live view's lazy tabs, by the tab's label (the others stand above the tabs)
TAB_OF = {"metric": "Metric", "grad_norm": "Gradient norm", "spectral": "Spectral radius", "task_view": "Task view"}
ABOVE = [k for k in CHARTS if k not in TAB_OF]
CHART = ".st-key-{key} .rnnplay-live-chart"  # the live chart element's div, which is its Plotly root
WIDENED = """keys => keys.map(key => {
  const gd = document.querySelector(`.st-key-${key} .rnnplay-live-chart`);
  if (!gd || !gd._fullLayout) return [key, null];
  const m = gd._fullLayout.margin, s = gd._fullLayout._size;
  return [key, {l: s.l - m.l, r: s.r - m.r, t: s.t - m.t, b: s.b - m.b,
                overflow: gd._fullLayout.xaxis.ticklabeloverflow}];
})"""
# the chart under .st-key-<key> is drawn with data (a tab's chart is sent, then drawn, once its tab is open)
DRAWN = """key => {
  const gd = document.querySelector(`.st-key-${key} .rnnplay-live-chart`);
  const len = a => (a && a.length) || 0;
  return !!(gd && gd._fullLayout && gd._fullLayout._size
            && (gd._fullData || []).some(t => Math.max(len(t.x), len(t.y), len(t.z)) > 0));
}"""


@pytest.mark.parametrize("task, lang", [("copy", "en"), ("sine", "zh")])
def test_live_charts_are_not_widened_after_drawing(server, page: Page, task, lang):
    open_playground(page, server, f"task={task}&steps=200&lang={lang}")
    page.locator(".st-key-btn_train button").click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("200 / 200", timeout=120_000)
    # the full page run after the last step draws every chart from the last probe (legends, colorbars, labels
    # all there)
    expect(page.get_by_role("button", name=re.compile("(Train anew|重新训练)$"))).to_be_visible(timeout=30_000)
    expect(page.locator(CHART.format(key="gtt"))).to_have_count(1, timeout=30_000)
    expect(page.locator(CHART.format(key="gtt") + " .gtitle")).to_have_text(
        re.compile(r"(step 200\)|第 200 步)"), timeout=30_000
    )
    for key in ABOVE:
        page.wait_for_function(DRAWN, arg=key, timeout=30_000)
    widened = dict(page.evaluate(WIDENED, ABOVE))
    for key, label in TAB_OF.items():
        page.get_by_role("tab", name=render(label, lang), exact=True).click()
        page.wait_for_function(DRAWN, arg=key, timeout=30_000)
        widened.update(page.evaluate(WIDENED, [key]))
    assert set(widened) == set(CHARTS) and all(w is not None for w in widened.values()), widened
    for key, w in widened.items():
        assert w["overflow"] == "allow", key
        # 2 px: plotly rounds a title's height (copy's task view comes out 1 px off)
        assert max(w["l"], w["r"], w["t"], w["b"]) <= 2, f"{key} was widened after drawing (drawn twice): {w}"
    assert page.get_by_test_id("stException").count() == 0
