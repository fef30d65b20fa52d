"""Real browser: two sessions (two browser contexts) training different configurations at
the same time each see only their own run (the sidebar, the status line, the charts, the Runs page);
on a server with one training slot (RNNPLAY_MAX_TRAININGS=1) the second shows "queued: position 1 of 1"
and trains once the first has finished. Each test starts its own server with that environment.
Screenshots go to $RNNPLAY_SHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import CONNECTED
from tests.e2e.streamlit_server import serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
T = 30_000  # ms: a busy 2-core box may take seconds for every redraw
QUEUED = "queued: position 1 of 1 — waits for a free slot"
A = "/playground?task=adding&arch=lstm&hidden_size=16&seq_len=20&steps={steps}"
B = "/playground?task=majority&arch=gru&hidden_size=8&steps={steps}"


def shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def open_page(browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    # a fresh server imports torch and the browser loads the button code: minutes on a busy 2-core box
    expect(page.get_by_role("button", name=re.compile("^.?Train$"))).to_be_enabled(timeout=300_000)
    return page


def progress(page: Page):
    return page.locator(".rnnplay-live-status")


def train(page: Page) -> None:
    page.locator(".st-key-btn_train button:not([disabled])").click(timeout=120_000)


def test_two_sessions_training_at_once_each_see_only_their_own_run(browser, tmp_path):
    with serve(RNNPLAY_MAX_TRAININGS="2") as url:
        a, b = open_page(browser, url + A.format(steps=20000)), open_page(browser, url + B.format(steps=15000))
        train(a)
        train(b)
        for page, total in ((a, 20000), (b, 15000)):
            expect(progress(page)).to_contain_text("training…", timeout=60_000)
            expect(progress(page)).to_contain_text(f"/ {total}", timeout=60_000)  # its own run's length
        # both step at the same time
        first = {p: progress(p).inner_text() for p in (a, b)}
        for p in (a, b):
            expect(progress(p)).not_to_have_text(first[p], timeout=60_000)
        sidebar_a, sidebar_b = a.get_by_test_id("stSidebar"), b.get_by_test_id("stSidebar")
        expect(sidebar_a.get_by_role("combobox", name="Task")).to_have_value("adding", timeout=T)
        expect(sidebar_b.get_by_role("combobox", name="Task")).to_have_value("majority", timeout=T)
        expect(sidebar_a.get_by_role("radio", name="lstm")).to_be_checked(timeout=T)
        expect(sidebar_b.get_by_role("radio", name="gru")).to_be_checked(timeout=T)
        # own charts: adding's metric is the mean squared error, majority's the accuracy (in the Metric tab)
        for page in (a, b):
            page.get_by_role("tab", name="Metric", exact=True).click(timeout=T)
        charts_a, charts_b = a.locator(".rnnplay-live-chart"), b.locator(".rnnplay-live-chart")
        expect(charts_a.filter(has_text="Mean squared error")).to_have_count(1, timeout=60_000)
        expect(charts_b.filter(has_text="Accuracy").first).to_be_visible(timeout=60_000)
        assert charts_a.filter(has_text="Accuracy").count() == 0
        assert charts_b.filter(has_text="Mean squared error").count() == 0
        a.screenshot(path=str(shots(tmp_path) / "isolation_a.png"), timeout=120_000)
        b.screenshot(path=str(shots(tmp_path) / "isolation_b.png"), timeout=120_000)
        # own Runs page: the current run is this session's, and only it
        for page, own, other in (
            (a, "current: adding, lstm, hidden 16", "majority"),
            (b, "current: majority, gru, hidden 8", "adding"),
        ):
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Runs").click()
            expect(page.get_by_role("heading", name="Runs")).to_be_visible(timeout=60_000)
            page.get_by_text("Open a run's configuration in the Playground").click()
            links = page.get_by_test_id("stPageLink")
            expect(links.filter(has_text=own)).to_have_count(1, timeout=60_000)
            assert links.filter(has_text=other).count() == 0
            page.screenshot(
                path=str(shots(tmp_path) / f"isolation_runs_{own.split(':')[1].split(',')[0].strip()}.png"),
                timeout=120_000,
            )
        for page in (a, b):
            assert page.get_by_test_id("stException").count() == 0
            page.context.close()


def test_with_one_slot_the_second_session_is_queued_then_trains(browser, tmp_path):
    with serve(RNNPLAY_MAX_TRAININGS="1") as url:
        # small runs, stepped at 20-300 steps/s on a 2-core box as busy or idle as it is: the first lasts long
        # enough (10-150 s) for the second's click to be seen queued, and ends within the wait below
        a = open_page(browser, url + "/playground?task=majority&arch=rnn&hidden_size=8&batch_size=16&steps=3000")
        b = open_page(browser, url + B.format(steps=300))
        train(a)
        expect(progress(a)).to_contain_text("training…", timeout=60_000)
        train(b)
        expect(progress(b)).to_contain_text(QUEUED, timeout=60_000)
        step = re.search(r"step (\d+)", progress(b).inner_text()).group(1)
        assert step == "0"
        expect(b.locator(".st-key-btn_pause button")).to_be_enabled(timeout=T)  # a queued run can be paused
        b.screenshot(path=str(shots(tmp_path) / "queued.png"), timeout=120_000)
        t0 = time.monotonic()
        expect(progress(a)).to_contain_text("finished", timeout=300_000)
        # the queued run starts by itself (its page polls while it waits) and trains to its end
        expect(progress(b)).to_contain_text(re.compile("training…|finished"), timeout=60_000)
        print(f"the queued session started {time.monotonic() - t0:.1f} s after the first finished (as seen)")
        expect(progress(b)).not_to_contain_text("queued", timeout=T)
        expect(progress(b)).to_contain_text("finished", timeout=300_000)
        b.screenshot(path=str(shots(tmp_path) / "queued_then_done.png"), timeout=120_000)
        for page in (a, b):
            assert page.get_by_test_id("stException").count() == 0
            page.context.close()
