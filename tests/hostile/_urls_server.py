"""The URL attacks' own server and browser (tests/hostile/test_urls.py): a real Streamlit server on
127.0.0.1 with its own store and a known secret, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.streamlit_server import serve

SECRET = "hostile-urls-secret"
CHROMIUM = os.environ.get("RNNPLAY_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def urls_server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with serve(RNNPLAY_STORE=str(store), RNNPLAY_SECRET=SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def urls_browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()
