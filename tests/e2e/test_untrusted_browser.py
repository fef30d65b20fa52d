"""Real browser: hostile and oversized input each get its message and change nothing else.

A trained run is on the page; then a real hostile pickle renamed .safetensors and the same payload as
a .pt go into the weights uploader (the marker file its unpickling would create never appears), a
50 MB file into it too, a 1 MB paste into the Try it box and into the text to learn, a malformed CSV
into the series uploader, and a link with out-of-range parameters is opened beside it. After each,
the run shows the same step count and the same loss chart. One screenshot per case goes to
$RNNPLAY_SHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import CONNECTED

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOSS_CHART = ".st-key-loss:not([data-stale=true]) .rnnplay-live-chart"  # the live chart element, a Plotly root
LOSS_DATA = f"""() => {{
    const plot = document.querySelector('{LOSS_CHART}');
    // _fullData: the traces as plotly drew them
    return plot && plot._fullData
        ? plot._fullData.map(t => Array.from(t.y || []).map(v => Number(v).toPrecision(6)).join(',')) : null;
}}"""
# the step of the training curve's last point: the chart is updated in place, after the status line
LOSS_LAST_STEP = f"""() => {{
    const plot = document.querySelector('{LOSS_CHART}');
    const x = plot && plot._fullData && plot._fullData[0] ? plot._fullData[0].x || [] : [];
    return x.length ? Number(x[x.length - 1]) : null;
}}"""


class Payload:
    """Unpickling this runs open(marker, "w")."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def open_trained(page: Page, url: str) -> tuple[str, list]:
    """Open a Playground link, train it to the end; its progress text and loss-chart data."""
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=30_000)
    # no_wait_after: the page rewrites its URL (?run=) as training starts; that is no navigation to wait for
    train = page.get_by_role("button", name=re.compile("^.?Train$"))
    expect(train).to_be_enabled(timeout=120_000)  # a first visit imports torch: slow on a busy machine
    train.click(no_wait_after=True, timeout=90_000)
    expect(page.locator(".rnnplay-live-status")).to_contain_text("finished", timeout=90_000)
    # the loss chart's box (the chart's own div may measure 0 px tall: its SVG is drawn over it)
    expect(page.locator(".st-key-loss:not([data-stale=true])").first).to_be_visible(timeout=30_000)
    # the page run after the last step, and the loss chart drawn to that step (the browser applies the
    # update after the status line has said finished)
    expect(page.get_by_role("button", name=re.compile("Train anew$"))).to_be_visible(timeout=30_000)
    total = int(re.search(r"step (\d+) / (\d+)", page.locator(".rnnplay-live-status").inner_text()).group(2))
    page.wait_for_function(f"() => ({LOSS_LAST_STEP})() === {total}", timeout=30_000)
    return facts(page)


def facts(page: Page) -> tuple[str, list]:
    return page.locator(".rnnplay-live-status").inner_text().split("·")[0].strip(), page.evaluate(LOSS_DATA)


def assert_intact(page: Page, before: tuple[str, list]) -> None:
    expect(page.locator(".rnnplay-live-status")).to_contain_text(before[0])
    expect(page.locator(".rnnplay-live-status")).to_contain_text("finished")
    assert facts(page) == before
    assert page.get_by_test_id("stException").count() == 0


def alert(page: Page, text: str):
    return page.locator("[data-testid=stAlert]:not([data-stale=true])").filter(has_text=text)


def test_hostile_checkpoints_50_mb_and_1_mb_paste_are_refused_and_the_run_stays(server, page: Page, tmp_path):
    shots = shots_dir(tmp_path)
    marker = tmp_path / "pwned"
    hostile = pickle.dumps(Payload(marker), protocol=4)
    (tmp_path / "hostile.safetensors").write_bytes(hostile)
    (tmp_path / "hostile.pt").write_bytes(hostile)
    with open(tmp_path / "big.safetensors", "wb") as f:
        f.truncate(50 * 10**6)

    before = open_trained(page, f"{server}/playground?task=majority&steps=60&hidden_size=16")
    assert before[0] == "step 60 / 60" and before[1] and len(before[1][0].split(",")) >= 10
    page.get_by_text("Export / import").click()
    upload = page.locator(".st-key-up_weights [data-testid=stFileUploaderDropzoneInput]")
    expect(upload).to_be_attached(timeout=20_000)

    upload.set_input_files(str(tmp_path / "hostile.safetensors"))
    msg = alert(page, "hostile.safetensors")
    expect(msg).to_contain_text("it is a Python pickle; pickles can run code and are never loaded", timeout=20_000)
    msg.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "untrusted_hostile_safetensors.png"))
    assert not marker.exists()
    assert_intact(page, before)

    upload.set_input_files(str(tmp_path / "hostile.pt"))
    msg = alert(page, "hostile.pt")
    expect(msg).to_contain_text(
        "a .pt file is a pickled checkpoint, and loading a pickle can run any code", timeout=20_000
    )
    msg.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "untrusted_hostile_pt.png"))
    assert not marker.exists()
    assert_intact(page, before)

    # 50 MB: Streamlit's uploader refuses it in the browser (the weights limit is 20 MB); nothing is sent
    upload.set_input_files(str(tmp_path / "big.safetensors"))
    # its name turns red with a mark, and the reason (also read out to screen readers) shows on hover
    chip = page.locator(".st-key-up_weights").get_by_text("big.safetensors")
    expect(chip).to_be_visible(timeout=20_000)
    expect(page.locator(".st-key-up_weights [role=alert]")).to_have_text(
        re.compile(r"File must be 20(\.0)?\s?MB or smaller"), timeout=20_000
    )
    chip.hover()
    expect(page.get_by_text(re.compile(r"^File must be 20(\.0)?\s?MB or smaller")).last).to_be_visible()
    page.screenshot(path=str(shots / "untrusted_50mb.png"))
    assert_intact(page, before)

    # 1 MB pasted into the Try it box (fill, not typing), committed with Enter
    box = page.locator(".st-key-try_majority input")
    box.fill("1" * 10**6)
    box.press("Enter")
    msg = alert(page, "1,000,000 characters is too long")
    expect(msg).to_contain_text("1 to 1,000 characters are allowed", timeout=20_000)
    msg.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "untrusted_1mb_try_it.png"))
    assert_intact(page, before)


def test_1_mb_text_to_learn_and_a_malformed_csv_are_refused_and_the_run_stays(server, page: Page, tmp_path):
    shots = shots_dir(tmp_path)
    before = open_trained(page, f"{server}/playground?task=charlm&steps=30&text=hello+there")
    area = page.locator(".st-key-text textarea")
    area.fill("b" * 10**6)
    area.press("Control+Enter")
    msg = alert(page, "Text to learn: 1,000,000 characters is too long")
    expect(msg).to_contain_text("1 to 20,000 characters are allowed; nothing was changed", timeout=30_000)
    expect(area).to_have_value("hello there")
    page.screenshot(path=str(shots / "untrusted_1mb_text.png"))
    assert_intact(page, before)
    expect(page.get_by_text("Changed since this run started")).to_have_count(0)

    bad = tmp_path / "bad.csv"
    bad.write_text("value\n1.5\nabc\n2.5\n")
    before = open_trained(page, f"{server}/playground?task=sine&steps=30")
    upload = page.locator(".st-key-series_file [data-testid=stFileUploaderDropzoneInput]")
    upload.set_input_files(str(bad))
    msg = alert(page, "bad.csv")
    expect(msg).to_contain_text("row 3, 'value': the cell is not a number", timeout=20_000)
    msg.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "untrusted_bad_csv.png"))
    assert_intact(page, before)


def test_out_of_range_link_parameters_warn_by_name_and_another_sessions_run_stays(
    server, browser, page: Page, tmp_path
):
    shots = shots_dir(tmp_path)
    before = open_trained(page, f"{server}/playground?task=majority&steps=40")
    other = browser.new_page(viewport={"width": 1400, "height": 1400})  # a second browser session
    other.goto(f"{server}/playground?hidden_size=5000&lr=-1&steps=0&arch=transformer&lesson={'x' * 5000}")
    other.wait_for_selector(CONNECTED, timeout=30_000)
    for text in (
        "hidden_size=5000 is not allowed: in [1, 1024]",
        "lr=-1.0 is not allowed: in (0, 10]",
        "steps=0 is not allowed: in [1, 1e+06]",
        "arch='transformer' is not allowed: one of rnn, lstm, gru",
    ):
        expect(alert(other, text)).to_be_visible(timeout=30_000)
    # the lesson panel comes after the run is made (slow on a first visit): its id is not echoed whole
    unknown = alert(other, "Unknown lesson 'xxxxxxxx")
    expect(unknown).to_be_visible(timeout=120_000)
    assert len(unknown.inner_text()) < 300
    other.screenshot(path=str(shots / "untrusted_url_params.png"))
    sidebar = other.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("spinbutton", name="Hidden size")).to_have_value("32", timeout=60_000)
    assert other.get_by_test_id("stException").count() == 0
    other.close()
    assert_intact(page, before)
