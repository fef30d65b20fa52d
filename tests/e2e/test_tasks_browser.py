"""Real browser, one test per task: its share link opens the Playground on that task, a short run
trains to the end, its own view appears, and its Try it box answers the learner's input.
Screenshots go to $RNNPLAY_SHOTS (or the test's tmp dir) so a person can look at each task."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import CONNECTED

pytestmark = pytest.mark.e2e

# task -> (extra share-link parameters, what the task view shows, a try-it input or None, what the
# answer to that input shows, which the example pre-filled in the box does not)
CASES = {
    "majority": ("steps=150", "Confidence as the sequence is read", "1101", "ones of 4"),
    "charlm": ("steps=120", "Sampled text", "ll", "primed with “ll”"),
    "random": ("steps=150", "Memorised", None, None),
    "sine": ("steps=150&arch=gru", "Forecast vs truth", None, None),
    "sentiment": ("steps=150", "P(positive)", "a truly wonderful film", "wonderful"),
    "tagging": ("steps=150&bidirectional=true", "tag", "the can can fly", "can"),
    "reverse": ("steps=150", "Greedy decoding", "12345", "12345 →"),
    "wave": ("steps=150", "wave", "square", "square: generated"),
    "adding": ("steps=150", "Prediction vs target", None, None),
    "copy": ("steps=100", "recalled", "12345678", "1234567812"),
}


def shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.mark.parametrize("task", list(CASES))
def test_task_share_link_trains_and_shows_its_view(server, page: Page, task, tmp_path):
    params, view_text, try_input, answer = CASES[task]
    page.goto(f"{server}/playground?task={task}&{params}")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Task")).to_have_value(task, timeout=30_000)

    page.get_by_role("button", name=re.compile("^.?Train$")).click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("finished", timeout=90_000)
    # the task's view is in the live view's Task view tab (a chart, or charlm's text in a box of that key)
    page.get_by_role("tab", name="Task view", exact=True).click()
    view = page.locator(".st-key-task_view:not([data-stale=true])")
    expect(view).to_be_visible(timeout=20_000)
    expect(view).to_contain_text(re.compile(re.escape(view_text), re.I), timeout=20_000)
    assert page.get_by_test_id("stException").count() == 0

    if try_input is not None:
        box = page.locator(f".st-key-try_{task}")
        expect(box).to_be_visible()
        if task == "wave":
            box.get_by_role("radio", name=try_input).click()
        else:
            field = box.get_by_role("textbox")
            field.fill(try_input)
            field.press("Enter")
        # the answer is to the learner's input, not to the example the box started with
        if task == "charlm":
            expect(page.get_by_text(answer)).to_be_visible(timeout=30_000)
        else:
            result = page.locator(".st-key-try_it_chart:not([data-stale=true])")
            expect(result).to_contain_text(answer, timeout=30_000)
    page.screenshot(path=str(shots_dir(tmp_path) / f"task_{task}.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlert").filter(has_text="Share link").count() == 0


TRUTH_JS = """() => {
  const gd = document.querySelector(".st-key-task_view .js-plotly-plot");
  const t = gd && (gd._fullData || []).find(t => t.name === "truth");
  return t ? Array.from(t.y) : null;
}"""


def test_sine_reads_the_learners_csv_and_refuses_a_malformed_one(server, page: Page, tmp_path):
    good = tmp_path / "series.csv"
    good.write_text("value\n" + "\n".join(f"{(i % 20) / 10:.3f}" for i in range(600)) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("value\n1.0\n2.0\nabc\n4.0\n")
    page.goto(f"{server}/playground?task=sine&steps=60")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    upload = page.locator(".st-key-series_file [data-testid=stFileUploaderDropzoneInput]")
    upload.set_input_files(str(bad))
    warning = page.get_by_test_id("stAlert").filter(has_text="bad.csv")
    expect(warning).to_contain_text("row 4", timeout=20_000)
    upload.set_input_files(str(good))
    expect(page.get_by_text("Using 600 values from series.csv")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name=re.compile("^.?Train$")).click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("finished", timeout=60_000)
    page.get_by_role("tab", name="Task view", exact=True).click()
    expect(page.locator(".st-key-task_view:not([data-stale=true])")).to_contain_text("Forecast", timeout=20_000)
    # the run trained on the file, not on the built-in sines: the truth it forecasts is the file's sawtooth
    # (the uploader reruns only itself for a file; the page's run must still see the new series)
    truth = page.evaluate(TRUTH_JS)
    assert truth and all(abs(v * 10 - round(v * 10)) < 1e-3 and -1e-3 <= v <= 1.9 + 1e-3 for v in truth), truth
    page.screenshot(path=str(shots_dir(tmp_path) / "task_sine_csv.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
