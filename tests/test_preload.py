"""The background import of torch (app_pages/preload.py): a request for a page that needs torch starts it
before any script run; Home's request does not (its first paint would wait for the GIL the import holds)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request

import pytest

import app
from app_pages import preload
from tests.e2e import streamlit_server

TORCH_MB = 150  # importing torch, rnnplay.run and rnnplay.figures grows a process by about 190 MB (measured)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@pytest.fixture
def starts(monkeypatch) -> list[bool]:
    """preload.start recorded instead of run; no preload started yet."""
    calls = []
    monkeypatch.setattr(preload, "_preload", None)
    monkeypatch.setattr(preload, "start", lambda: calls.append(True))
    return calls


def _request(path: str, kind: str = "http") -> list[str]:
    """The path through StartOnPageRequest with app.py's pages; returns what reached the app behind it."""
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["path"])

    asyncio.run(preload.StartOnPageRequest(inner, pages=app.TORCH_PAGES)({"type": kind, "path": path}, None, None))
    return seen


@pytest.mark.parametrize("path", ["/playground", "/gradients", "/learn/", "/rnn/playground", "/runs"])
def test_a_request_for_a_page_that_needs_torch_starts_the_preload(starts, path):
    assert _request(path) == [path]
    assert starts == [True]


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/", "http"), ("/static/js/index.js", "http"), ("/_stcore/health", "http"), ("/_stcore/stream", "websocket")],
)
def test_home_the_frontends_files_and_the_websocket_start_nothing(starts, path, kind):
    assert _request(path, kind) == [path]
    assert starts == []


def test_the_pages_that_start_it_are_every_page_but_home():
    assert set(app.TORCH_PAGES) == {path for *_, path in app.PAGES} - {""}


def test_a_server_loads_torch_when_a_training_page_is_asked_for_and_not_for_home():
    """A real server: GET / (no browser, so no script run) leaves it as it was; GET /playground makes it
    import torch at once, seen as its memory growing."""
    proc, url = streamlit_server.start()
    try:
        base = rss_mb(proc.pid)
        urllib.request.urlopen(url + "/", timeout=10).read()
        time.sleep(3)
        assert rss_mb(proc.pid) - base < TORCH_MB / 2, "Home's request loaded torch"
        urllib.request.urlopen(url + "/playground?task=adding", timeout=10).read()
        deadline = time.monotonic() + 30
        while rss_mb(proc.pid) - base < TORCH_MB and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rss_mb(proc.pid) - base >= TORCH_MB, "the Playground's request did not load torch"
    finally:
        streamlit_server.stop(proc)


PRELOAD_IN_A_FRESH_PROCESS = """
import gc, json, sys
full = []
gc.callbacks.append(lambda phase, info: full.append(1) if phase == "stop" and info["generation"] == 2 else None)
from app_pages import preload
p = preload.Preload()
p.first_page.set()
preload.AFTER_FIRST_PAGE_S = 0
p.start(); p.join()
print(json.dumps({"full": len(full), "frozen": gc.get_freeze_count(), "enabled": gc.isenabled(),
                  "torch": "torch._dynamo" in sys.modules}))
"""


def test_the_preloads_imports_make_no_full_collection_and_leave_the_modules_frozen():
    """Importing torch and torch._dynamo made 5 full collections of the cyclic GC (each holding the GIL a page
    needs); the preload makes none, and what it imported is frozen, out of every later collection's way."""
    out = subprocess.run(
        [sys.executable, "-c", PRELOAD_IN_A_FRESH_PROCESS], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["torch"] and got["enabled"]
    assert got["full"] == 0, got
    assert got["frozen"] > 100_000, got
