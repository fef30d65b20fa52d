"""A real server of the app for the hostile-class tests of rnnplay/cost.py and the parsers: its process (to
read its memory) and URL, with one Chromium via Playwright. Kept apart from a conftest so that other
hostile tests can bring their own fixtures."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.streamlit_server import start, stop

CHROMIUM = os.environ.get("RNNPLAY_CHROMIUM", "/usr/bin/chromium")
# A hosted server has cores of its own; its visitors' browsers run elsewhere. Here the test's side (this
# process's main thread, Playwright's driver and Chromium, which inherit its cores) is held to the last
# core and the server to the others, so that a rate measured in the server is not one that Chromium took
# away by rendering an attacker's page (a Playground re-render takes most of a core for a moment). A
# server allowed every core puts its training thread on Chromium's now and then: on 2 cores a learner
# kept 0.79-0.90 of its rate through the uploads of the wide-CSV test, against 0.89-0.93 with the cores
# apart, when each upload still reran the whole page (two page runs of about 25 ms each).
# Chromium resets its processes' nice values, so a lower priority alone does not hold it back.
CPUS = set(os.sched_getaffinity(0))
CLIENT_CPUS = {max(CPUS)} if len(CPUS) > 1 else CPUS
SERVER_CPUS = CPUS - CLIENT_CPUS or CPUS


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(process, base URL) of a server with a temporary store, where a run may outlast any test."""
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    # 1 GB a run: random's 0.8 GB pool is then within the budget, to show it is built only when trained
    env = {"RNNPLAY_STORE": str(store), "RNNPLAY_MAX_STEPS": "10000000", "RNNPLAY_MAX_RUN_MB": "1024"}
    proc, url = start(env, cpus=SERVER_CPUS)
    try:
        yield proc, url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    own = os.sched_getaffinity(0)
    os.sched_setaffinity(0, CLIENT_CPUS)
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            yield b
            b.close()
    finally:
        os.sched_setaffinity(0, own)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process now (VmRSS in /proc)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) * 1024
