"""Real browser, export: a trained run's metrics CSV, its plain PyTorch script (run here without rnnplay:
the same losses as the app's, to 1e-5 relative) and its weights (loaded back into a matching run;
refused, naming the field, by a different one)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.page_state import CONNECTED

pytestmark = pytest.mark.e2e


def download(page: Page, label: str, path):
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("^" + label)).click()
    info.value.save_as(path)
    return path


def test_export_script_reproduces_the_apps_losses_and_weights_load_back(server, page: Page, tmp_path):
    page.goto(f"{server}/playground?task=majority&arch=gru&steps=40&seed=3")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    page.get_by_role("button", name=re.compile("^.?Train$")).click()
    expect(page.locator(".rnnplay-live-status")).to_contain_text("finished", timeout=60_000)
    # the full page run that follows the end of training redraws the buttons: a click before it can land on a
    # download button being replaced, and no download comes (seen at load 6 in a newcomer run)
    expect(page.get_by_role("button", name=re.compile("Train anew$"))).to_be_visible(timeout=30_000)
    page.get_by_text("Export / import").click()

    rows = list(csv.DictReader(open(download(page, "Metrics", tmp_path / "m.csv"), encoding="utf-8")))
    app_losses = [float(r["loss"]) for r in rows if r["loss"]]
    assert len(app_losses) == 40

    script = download(page, "PyTorch script", tmp_path / "rnn_run.py")
    assert "import rnnplay" not in script.read_text() and "from rnnplay" not in script.read_text()
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": "", "OMP_NUM_THREADS": "1"},
        timeout=120,
        check=True,
    )
    script_losses = [float(m) for m in re.findall(r"step \d+ loss ([-+.\deE]+)", out.stdout)]
    assert len(script_losses) == 40
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(script_losses, app_losses, strict=True))
    print(f"\nexported script vs app, 40 steps: worst relative difference {worst:.1e}")
    assert worst < 1e-5

    weights = download(page, "Weights", tmp_path / "w.safetensors")
    # a run with another hidden size refuses them by name; the same architecture takes them
    page.goto(f"{server}/playground?task=majority&arch=gru&hidden_size=16")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    page.get_by_text("Export / import").click()
    upload = page.locator(".st-key-up_weights [data-testid=stFileUploaderDropzoneInput]")
    expect(upload).to_be_attached(timeout=20_000)
    upload.set_input_files(str(weights))
    expect(page.get_by_test_id("stAlert").filter(has_text="w.safetensors")).to_contain_text(
        "hidden_size", timeout=20_000
    )
    page.goto(f"{server}/playground?task=majority&arch=gru&seed=3")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    page.get_by_text("Export / import").click()
    upload = page.locator(".st-key-up_weights [data-testid=stFileUploaderDropzoneInput]")
    expect(upload).to_be_attached(timeout=20_000)
    upload.set_input_files(str(weights))
    expect(page.get_by_text("Loaded w.safetensors")).to_be_visible(timeout=20_000)
    assert page.get_by_test_id("stException").count() == 0
