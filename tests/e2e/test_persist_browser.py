"""Real browser: a reload mid-training keeps the run (same id in the URL, its steps and its loss
chart's earlier points, and it trains on); a server restart reopens it from the store, paused at the
step it was saved, with its history, and Resume continues it. This test runs its own server (twice, on
one port) with the store in a temporary folder."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import streamlit_server
from tests.e2e.page_state import CONNECTED

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
LINK = "/playground?task=majority&hidden_size=16&steps=20000"


def start_server(port: int, store: Path) -> subprocess.Popen:
    # saves every second; charts redrawn every 2 s, so a loaded test machine's browser still takes clicks
    env = {"RNNPLAY_STORE": str(store), "RNNPLAY_SAVE_EVERY_S": "1", "RNNPLAY_LIVE_EVERY": "2"}
    return streamlit_server.start(env, port=port, output=subprocess.DEVNULL)[0]


def fresh(selector: str) -> str:
    return f"{selector}:not([data-stale=true])"


def wait_connected(page: Page) -> None:
    page.wait_for_selector(CONNECTED, timeout=30_000)


def button(page: Page, key: str, label: str):
    """The keyed button, once it shows `label` and can be clicked (a busy machine may take a while)."""
    b = page.locator(fresh(f".st-key-{key}") + " button")
    expect(b).to_contain_text(label, timeout=90_000)
    expect(b).to_be_enabled(timeout=30_000)
    return b


def step_of(page: Page) -> int:
    return int(re.search(r"step (\d+)", page.locator(".rnnplay-live-status").inner_text()).group(1))


def run_id(page: Page) -> str:
    """The ?run= of the address bar (page.url is only refreshed while Playwright handles events)."""
    m = re.search(r"[?&]run=([A-Za-z0-9_-]+)", page.evaluate("location.href"))
    return m.group(1) if m else ""


def loss_steps(page: Page) -> list[float]:
    """The x values (training steps) of the loss chart's first trace: the training loss."""
    return page.locator(fresh(".st-key-loss")).first.evaluate(
        # the live chart element's div is its Plotly root; _fullData: the traces as plotly drew them
        "e => { const p = e.querySelector('.rnnplay-live-chart');"
        " return p && p._fullData && p._fullData[0] ? Array.from(p._fullData[0].x || []) : [] }"
    )


def wait_until(check, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - an element between two redraws
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def test_reload_and_server_restart_keep_the_run(browser, tmp_path):
    port, store = streamlit_server.free_port(), tmp_path / "runs.sqlite"
    url = f"http://127.0.0.1:{port}"
    proc = start_server(port, store)
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    try:
        page.goto(url + LINK)
        wait_connected(page)
        button(page, "btn_train", "Train").click()
        rid = wait_until(lambda: run_id(page), 60, "the run id in the URL")
        wait_until(lambda: step_of(page) >= 30, 60, "30 steps")
        before = step_of(page)

        # a reload mid-training: a new browser session, the same run, still training
        page.reload()
        wait_connected(page)
        wait_until(lambda: step_of(page) > before, 60, "steps beyond the reload's")
        assert run_id(page) == rid
        expect(page.locator(".rnnplay-live-status")).to_contain_text("training", timeout=20_000)

        # pause (saved at once): the loss chart holds the points from before the reload
        button(page, "btn_pause", "Pause").dispatch_event("click")  # no wait for a busy page to be idle
        expect(page.locator(".rnnplay-live-status")).to_contain_text("paused", timeout=30_000)
        paused_at = step_of(page)
        paused_x = wait_until(lambda: loss_steps(page), 60, "the loss chart")
        assert paused_x[0] <= 16 and sum(x <= before for x in paused_x) >= 5, paused_x[:20]
        assert paused_x[-1] == paused_at
        page.screenshot(path=str(tmp_path / "paused_after_reload.png"))

        # a server restart: the same URL reopens the run from the store, paused, with its whole history
        link = page.evaluate("location.href")
        streamlit_server.stop(proc)
        proc = start_server(port, store)
        page.goto(link)
        wait_connected(page)
        expect(page.get_by_test_id("stAlert").filter(has_text=f"Reopened run {rid} at step {paused_at}")).to_be_visible(
            timeout=30_000
        )
        assert step_of(page) == paused_at and run_id(page) == rid
        reopened_x = wait_until(lambda: loss_steps(page), 60, "the reopened loss chart")
        assert reopened_x == paused_x  # the whole history came back
        page.screenshot(path=str(tmp_path / "after_restart.png"))
        assert page.get_by_test_id("stException").count() == 0

        button(page, "btn_train", "Resume").click()
        wait_until(lambda: step_of(page) > paused_at + 10, 60, "training to continue after Resume")
        assert run_id(page) == rid
        assert page.get_by_test_id("stException").count() == 0

        # the server dies mid-training (SIGKILL: no goodbye): the run comes back at its last autosave,
        # which is no older than RNNPLAY_SAVE_EVERY_S (1 s here) before the kill
        seen, t_seen = step_of(page), time.monotonic()
        wait_until(lambda: step_of(page) > seen + 10 and time.monotonic() - t_seen > 2.5, 60, "steps after `seen`")
        proc.kill()
        proc.wait(10)
        proc = start_server(port, store)
        # the page comes back by itself: its websocket reconnects to a server without its session, the live
        # view's feed is unknown there, and the page loads its URL (?run=) again, which reopens the run
        notice = page.get_by_test_id("stAlert").filter(has_text=f"Reopened run {rid} at step")
        expect(notice).to_be_visible(timeout=60_000)
        wait_connected(page)
        back_at = int(re.search(r"at step (\d+)", notice.inner_text()).group(1))
        assert seen < back_at and step_of(page) == back_at
        killed_x = wait_until(lambda: loss_steps(page), 60, "the loss chart")
        assert len(killed_x) > len(reopened_x) // 2
        print(
            f"persistence in the browser: run {rid}; reload at step {before} -> trained on; paused at {paused_at} "
            f"({len(paused_x)} loss points); restart -> step {paused_at}, same {len(reopened_x)} points; "
            f"SIGKILL after step {seen} -> reopened at step {back_at} ({len(killed_x)} points)"
        )
    finally:
        page.screenshot(path=str(tmp_path / "last.png"))  # what the page showed when the test ended
        page.close()
        streamlit_server.stop(proc)
