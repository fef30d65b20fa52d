"""Real browser: the live chart element itself (app_pages/ui/live_chart.py + live_chart.js), on the Playground.

- It follows Streamlit's theme: on a server started dark, its text is light on a transparent background.
- It keeps Plotly's modebar with a fullscreen button and the PNG download.
- A chart taken off the page and drawn again (another page and back, a tab closed and opened) comes back
  whole: the browser's copy is gone, so it asks for the whole figure instead of applying a patch."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.e2e.page_state import CONNECTED
from tests.e2e.streamlit_server import serve

pytestmark = pytest.mark.e2e
LOSS_POINTS = """() => {
  const gd = [...document.querySelectorAll('.rnnplay-live-chart')]
    .find(g => /loss/i.test(((g._fullLayout || {}).title || {}).text || ''));
  return gd ? Math.max(0, ...(gd._fullData || []).map(t => (t.x || []).length)) : -1;
}"""


def open_and_train(page: Page, url: str) -> None:
    page.goto(f"{url}/playground?task=adding&steps=20000")
    page.wait_for_selector(CONNECTED)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"() => ({LOSS_POINTS})() > 3", timeout=30_000)


def stop(page: Page) -> None:
    page.get_by_role("button", name="Stop", exact=True).click()


@pytest.fixture(scope="module")
def dark_server(tmp_path_factory):
    with serve(RNNPLAY_STORE=str(tmp_path_factory.mktemp("store") / "runs.sqlite"), STREAMLIT_THEME_BASE="dark") as url:
        yield url


def luminance(color: str) -> float:
    """0 (black) to 1 (white) of "#rrggbb" or "rgb(r, g, b)"."""
    if color.startswith("#"):
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(v)) for v in color[color.index("(") + 1 : color.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_the_chart_follows_a_dark_theme(dark_server, page: Page):
    open_and_train(page, dark_server)
    try:
        font, paper = page.evaluate(
            """() => { const gd = document.querySelector('.rnnplay-live-chart');
                       return [gd._fullLayout.font.color, gd._fullLayout.paper_bgcolor]; }"""
        )
        tick = page.locator(".rnnplay-live-chart .xtick text").first.evaluate(
            "e => e.style.fill || getComputedStyle(e).fill"
        )
    finally:
        stop(page)
    assert luminance(font) > 0.7 and luminance(tick) > 0.5, (font, tick)  # light text on the dark page
    assert paper in ("rgba(0, 0, 0, 0)", "rgba(0,0,0,0)"), paper


def test_the_chart_keeps_plotlys_modebar_with_fullscreen_and_png(server, page: Page):
    open_and_train(page, server)
    try:
        page.locator(".rnnplay-live-chart").first.hover()
        titles = (
            page.locator(".rnnplay-live-chart")
            .first.locator(".modebar-btn")
            .evaluate_all("bs => bs.map(b => b.getAttribute('data-title'))")
        )
    finally:
        stop(page)
    assert "Fullscreen" in titles and "Download plot as a PNG" in titles, titles


def test_a_chart_drawn_again_after_leaving_the_page_comes_back_whole(server, page: Page):
    open_and_train(page, server)
    try:
        before = page.evaluate(LOSS_POINTS)
        page.get_by_role("link", name="Learn").click()
        page.wait_for_selector("text=Why gradients vanish", timeout=30_000)
        page.wait_for_timeout(1500)  # the run trains on meanwhile: the session's last patch is not the browser's
        page.get_by_role("link", name="Playground").click()
        page.wait_for_function(f"() => ({LOSS_POINTS})() > {before}", timeout=30_000)
        # a tab's chart: drawn when its tab opens, then whole again after it was closed and opened
        page.get_by_role("tab", name="Metric").click()
        page.wait_for_function("() => [...document.querySelectorAll('.rnnplay-live-chart')].length >= 5")
        page.get_by_role("tab", name="Diagnosis").click()
        page.get_by_role("tab", name="Metric").click()
        page.wait_for_function(
            """() => [...document.querySelectorAll('.rnnplay-live-chart')].some(g =>
                 /accuracy|squared error/i.test(((g._fullLayout || {}).title || {}).text || '')
                 && (g._fullData || []).some(t => (t.x || []).length > 3))""",
            timeout=30_000,
        )
        errors = page.evaluate("() => window.__liveChartErrors || 0")
    finally:
        stop(page)
    assert errors == 0


LOSS_TRACES = """() => {
  const gd = [...document.querySelectorAll('.rnnplay-live-chart')]
    .find(g => /loss/i.test(((g._fullLayout || {}).title || {}).text || ''));
  return gd ? (gd._fullData || []).map(t => [t.name, Array.from(t.x || []), Array.from(t.y || [])]) : null;
}"""


def test_the_curve_built_from_patches_is_the_one_a_fresh_page_gets_whole(server, page: Page):
    """The loss curve grows by patches (its tail, and its last point moving as its bucket fills): stopped,
    the browser's patched copy equals the whole figure a reload of the same run draws."""
    open_and_train(page, server)
    page.wait_for_timeout(4000)  # many patches, across a rebucketing of the history
    stop(page)
    page.wait_for_selector("text=stopped", timeout=30_000)
    patched = settled_loss_traces(page)
    page.reload()
    page.wait_for_selector(CONNECTED)
    page.wait_for_selector("text=stopped", timeout=30_000)
    assert settled_loss_traces(page) == patched and len(patched[0][1]) > 10


def settled_loss_traces(page: Page, every_ms: int = 500, same: int = 3, timeout_s: float = 30.0):
    """The loss chart's traces once `same` reads in a row, every_ms apart, agree: a loaded machine's browser
    may draw the stopped run's last patch (or a reload's whole figure) seconds after the status line."""
    reads, end = [], time.monotonic() + timeout_s
    while time.monotonic() < end:
        reads = [*reads[-(same - 1) :], page.evaluate(LOSS_TRACES)]
        if len(reads) == same and reads[0] is not None and all(r == reads[0] for r in reads):
            return reads[0]
        page.wait_for_timeout(every_ms)
    raise AssertionError(f"the loss chart did not settle in {timeout_s} s: {str(reads[-1])[:300]}")
