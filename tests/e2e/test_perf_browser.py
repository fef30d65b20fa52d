"""Real browser, the live page's performance paths (what tests/perf/appbench.py times): after Train the loss
chart gets its first point, and a live run's page keeps redrawing (the step count, the loss chart's points, the
probe charts) until it finishes, each chart updated in place with only what changed: the loss chart's updates
reach the browser as patches that append its new points, not as its whole figure again. No time is asserted
here: the numbers go to the benchmark (python -m tests.perf.appbench)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import IDLE
from tests.perf.appbench import WATCH_JS, open_playground, parse_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOSS_POINTS = """() => { const g = document.querySelector('.st-key-loss .rnnplay-live-chart');
  return g && g._fullData && g._fullData[0] ? g._fullData[0]._length : -1; }"""


class ChartMessages:
    """The messages the server sent the browser's live chart `key` while counting: from the websocket's
    frames (ForwardMsgs, the element's JSON when the script draws it) and from the answers of the live view's
    feed, which the page polls while training. Each {"rev", "figure"} (whole), {"rev", "base", "patch"} or
    {"rev"} (unchanged)."""

    def __init__(self, page: Page, key: str):
        self.on, self.key, self.suffix, self.messages = False, key, f"-{key}_chart", []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("requestfinished", self._poll)

    def _poll(self, request) -> None:
        if not self.on or "/rnnplay/feed/" not in request.url:
            return
        try:
            msg = json.loads(request.response().body())["charts"].get(self.key)
        except Exception:  # noqa: BLE001 - the page went away meanwhile, or an error answer
            return
        if msg is not None:
            self.messages.append(msg)

    def _frame(self, payload) -> None:
        if not self.on or isinstance(payload, str):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        if el.WhichOneof("type") == "bidi_component" and el.bidi_component.id.endswith(self.suffix):
            self.messages.append(json.loads(el.bidi_component.bytes))


def loss_points_over(page: Page, n: int, timeout: int = 15_000) -> int:
    """The loss chart's point count once it is above n."""
    return page.wait_for_function(
        f"(() => {{ const k = ({LOSS_POINTS})(); return k > {n} ? k : 0; }})()", timeout=timeout
    ).json_value()


GTT_TITLE = "() => { const g = document.querySelector('.st-key-gtt .gtitle'); return g ? g.textContent : ''; }"


STEPS = 12_000  # ~15 s on a quiet laptop core: the live view (1 Hz) must outlast the four redraws watched below


def test_first_chart_after_train_and_the_live_page_keeps_redrawing(server, page: Page):
    wire = ChartMessages(page, "loss")  # before the page opens its websocket
    open_playground(page, server, f"task=majority&steps={STEPS}")
    assert page.evaluate(LOSS_POINTS) == 0  # before Train: the empty chart with its hint
    page.evaluate(WATCH_JS)
    wire.on = True
    page.locator(".st-key-btn_train button").click()
    page.wait_for_function("window.__perf.firstPoint !== null", timeout=30_000)
    perf = page.evaluate("window.__perf")
    assert perf["click"] is not None and perf["firstPoint"] >= perf["click"]
    first_points = loss_points_over(page, 0)

    # the live view redraws: the status line's step, the loss chart's points and the probe charts move on
    progress = page.locator(".rnnplay-live-status")
    steps, titles = set(), set()
    for _ in range(4):
        text = progress.inner_text()
        steps.add(parse_status(text)[0])
        titles.add(page.evaluate(GTT_TITLE))
        expect(progress).not_to_have_text(text, timeout=15_000)
    assert loss_points_over(page, first_points) > first_points
    assert len(steps) >= 4 and all(s > 0 for s in steps)
    # whole titles: one read before the first probe ("Gradient through time ‖∂L/∂hₜ‖", which the Train click's
    # page run keeps showing until the next tick) or before the chart's first draw (empty) is a prefix of every
    # later one
    seen = "|".join(map(re.escape, (t.strip() for t in titles)))
    expect(page.locator(".st-key-gtt .gtitle")).not_to_have_text(re.compile(rf"^\s*(?:{seen})\s*$"), timeout=20_000)

    expect(progress).to_contain_text("finished", timeout=300_000)
    final = parse_status(progress.inner_text())
    assert final[0] == final[1] == STEPS and final[2] > 0  # every step, and the run's steps/s
    # the final full run draws the last probe at once (no probe-chart pacing once training ended)
    expect(page.locator(".st-key-gtt .gtitle")).to_contain_text(f"step {STEPS}", timeout=15_000)
    # the live view's updates reached the browser as patches: the loss chart's new points appended to the copy
    # the browser holds, its whole figure sent again only when its traces changed shape (the first points)
    wire.on = False
    patches = [m["patch"] for m in wire.messages if "patch" in m]
    whole = [m for m in wire.messages if "figure" in m]
    appended = [p for p in patches if any("+" in (c.get("x") or {}) for c in p.get("traces", {}).values())]
    print(f"\nloss chart: {len(wire.messages)} messages, {len(patches)} patches ({len(appended)} appending), ", end="")
    print(f"{len(whole)} whole")
    assert len(appended) >= 4 and len(whole) < len(patches), (len(patches), len(whole), len(wire.messages))
    assert page.evaluate("() => window.__liveChartErrors || 0") == 0
    assert page.get_by_test_id("stException").count() == 0


HIGHLIGHTER = "SyntaxHighlighter"  # st.code's script (1.5 MB), behind the share and teacher link boxes


def highlighters_fetched(page: Page) -> list[str]:
    """The URLs of the highlighter scripts the page requests from now on (the list grows as it does)."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if HIGHLIGHTER in request.url else None)
    return fetched


def settled(page: Page) -> None:
    """The page's script run has ended and the browser fetches nothing more."""
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_load_state("networkidle")


def test_a_cold_playground_loads_no_syntax_highlighter_until_the_share_link_is_opened(server, page: Page):
    """The link boxes (st.code) are drawn only in an open expander: a cold Playground shows its Train button
    without fetching st.code's highlighter, and opening "Share this configuration" shows the link."""
    fetched = highlighters_fetched(page)
    open_playground(page, server, "task=majority&steps=60")
    settled(page)
    assert not fetched
    page.get_by_text("Share this configuration", exact=True).click()
    expect(page.locator(".st-key-share_link code")).to_contain_text("steps=60", timeout=60_000)
    assert fetched  # the link box brought it: what the check above looks for
    assert page.get_by_test_id("stException").count() == 0


def test_a_cold_gradient_lab_loads_no_syntax_highlighter_until_the_share_link_is_opened(server, page: Page):
    fetched = highlighters_fetched(page)
    page.goto(f"{server}/gradients?race=vanishing&steps=300")
    expect(page.locator(".st-key-btn_train button")).to_be_enabled(timeout=60_000)
    settled(page)
    assert not fetched
    page.get_by_text("Share this race", exact=True).click()
    box = page.get_by_test_id("stExpander").filter(has_text="Share this race").locator("code")
    expect(box).to_contain_text("steps=300", timeout=60_000)
    assert fetched
    assert page.get_by_test_id("stException").count() == 0
