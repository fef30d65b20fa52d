"""Real browser: a share link opens with its values, Train shows live charts that keep updating,
a visit to Home keeps the run, and no exception appears anywhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import CONNECTED

pytestmark = pytest.mark.e2e
SHARE = "/playground?task=adding&arch=lstm&hidden_size=32&seq_len=30&steps=3000"


def wait_connected(page: Page) -> None:
    page.wait_for_selector(CONNECTED, timeout=30_000)


def progress_text(page: Page) -> str:
    return page.locator(".rnnplay-live-status").inner_text()


def test_share_link_train_and_live_charts(server, page: Page, tmp_path):
    page.goto(server + SHARE)
    wait_connected(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Task")).to_have_value("adding", timeout=20_000)
    expect(sidebar.get_by_role("spinbutton", name="Hidden size")).to_have_value("32")
    expect(sidebar.get_by_role("spinbutton", name="Sequence length T")).to_have_value("30")
    expect(sidebar.get_by_role("radio", name="lstm")).to_be_checked()

    page.get_by_role("button", name=re.compile("^.?Train$")).click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("training", timeout=20_000)
    first = progress_text(page)
    expect(page.locator(".rnnplay-live-status")).not_to_have_text(first, timeout=10_000)  # live updates
    charts = page.locator(".rnnplay-live-chart")  # the live chart elements (app_pages/ui/live_chart.py)
    expect(charts.nth(3)).to_be_visible(timeout=10_000)
    assert charts.count() >= 4
    # the step counter keeps moving while the learner watches
    seen = {progress_text(page)}
    for _ in range(3):
        expect(page.locator(".rnnplay-live-status")).not_to_have_text(list(seen)[-1], timeout=10_000)
        seen.add(progress_text(page))
    steps = sorted(int(re.search(r"step (\d+)", t).group(1)) for t in seen)
    assert steps[-1] > steps[0]
    # the gradient-through-time chart is drawn with real points
    gtt = page.locator(".st-key-gtt .rnnplay-live-chart")
    expect(gtt.locator(".gtitle")).to_contain_text("Gradient through time", timeout=10_000)
    expect(gtt.locator("path.js-line").first).to_be_visible(timeout=10_000)
    page.screenshot(path=str(tmp_path / "training.png"))
    assert page.get_by_test_id("stException").count() == 0

    # Home and back: the run keeps its steps
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="RNN Playground")).to_be_visible(timeout=20_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("step", timeout=20_000)
    step_back = int(re.search(r"step (\d+)", progress_text(page)).group(1))
    assert step_back >= steps[-1]
    assert page.get_by_test_id("stException").count() == 0


def test_bad_share_link_shows_a_warning_not_an_exception(server, page: Page):
    page.goto(server + "/playground?hidden_size=99999&arch=transformer")
    wait_connected(page)
    alert = page.get_by_test_id("stAlert").first
    expect(alert).to_contain_text("hidden_size", timeout=20_000)
    expect(page.get_by_test_id("stAlert").filter(has_text="arch")).to_have_count(1)
    assert page.get_by_test_id("stException").count() == 0


# what of the main area starts above the header bar's bottom edge: a button's or an input's box (its border
# shows), a heading's text (a heading's box has empty padding above its words)
UNDER_HEADER_JS = """() => {
  const bar = document.querySelector('[data-testid=stHeader]').getBoundingClientRect().bottom;
  const main = document.querySelector('[data-testid=stMain]');
  const box = (el) => {
    if (!/^H[1-6]$/.test(el.tagName)) return el.getBoundingClientRect();
    const words = document.createRange();
    words.selectNodeContents(el);
    return words.getBoundingClientRect();
  };
  return [...main.querySelectorAll('button, input, h1, h2, h3, h4')]
    .map((el) => [el, box(el)])
    .map(([el, b]) => ({text: (el.innerText || el.getAttribute('aria-label') || el.tagName).trim().slice(0, 40),
                        top: b.top, height: b.height, bar}))
    .filter((e) => e.height > 0 && e.top < bar);
}"""


@pytest.mark.parametrize("path", ["/playground", "/gradients"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_control_or_heading_starts_under_the_header_bar(server, browser, path, lang):
    """Streamlit's header bar is opaque: a button that starts under it is drawn with its top cut off (the
    Gradient lab's entries button beside its heading, at a class's 1400x900)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{server}{path}?lang={lang}")
        wait_connected(page)
        expect(page.locator(".st-key-btn_train button")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)  # the last elements of the page run
        assert page.evaluate(UNDER_HEADER_JS) == []
    finally:
        page.close()
