"""Shared fixtures for the core tests: one CPU thread (the test machines are small and shared) and
a float64 default where a test asks for exact parity with torch."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import torch

from tests.e2e import streamlit_server

os.environ.setdefault("OMP_NUM_THREADS", "1")
# Hosted mode lets max(2, CPU count) runs step at once and queues the rest (rnnplay/hosted.py): one test
# process holds many sessions' runs, some still finishing from an earlier test, so the other tests get
# room; tests/test_hosted.py sets its own limits on a fresh controller.
os.environ.setdefault("RNNPLAY_MAX_TRAININGS", "64")
pytest_plugins = ["tests.pg"]  # postgres, pg_url: a real PostgreSQL server for the store tests


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def float64():
    """Run the test with float64 as torch's default dtype, and restore it afterwards."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.fixture(autouse=True, scope="session")
def _session_run_store(tmp_path_factory):
    """A temporary run store for the whole session too, so a server that a module-scoped fixture
    starts (before any per-test fixture) with {**os.environ} never writes into the user's home."""
    old = os.environ.get("RNNPLAY_STORE")
    os.environ["RNNPLAY_STORE"] = str(tmp_path_factory.mktemp("store") / "runs.sqlite")
    yield
    if old is None:
        os.environ.pop("RNNPLAY_STORE", None)
    else:
        os.environ["RNNPLAY_STORE"] = old


@pytest.fixture(autouse=True)
def _run_store(tmp_path, monkeypatch):
    """Every test keeps its saved runs in its own temporary store, never in the user's home."""
    monkeypatch.setenv("RNNPLAY_STORE", str(tmp_path / "runs.sqlite"))
    yield


@pytest.fixture(autouse=True)
def stop_runs():
    """AppTests append their AppTest here; the session's training run is stopped afterwards."""
    runs = []
    yield runs
    for at in runs:
        run = at.session_state["_run"] if "_run" in at.session_state else None
        if run is not None:
            run.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with what its page showed (a screenshot, the main area's text), what every
    server it may have used logged, and every thread's stack in each: a run that stopped moving or a page that
    stopped answering shows where the server waits."""
    report = yield
    if report.failed and call.when == "call":
        page = item.funcargs.get("page")
        if page is not None and hasattr(page, "screenshot"):  # a Playwright page: what it showed
            try:
                name = "".join(c if c.isalnum() or c in "-_" else "_" for c in item.name)
                shot = Path(tempfile.gettempdir()) / f"rnnplay-failed-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                main = page.locator("[data-testid=stMain]").inner_text(timeout=2_000)
                report.sections.append(("page", f"screenshot: {shot}\nurl: {page.url}\nmain area:\n{main[:3000]}"))
            except Exception as e:  # noqa: BLE001 - a page that is gone says so
                report.sections.append(("page", f"could not be read: {e}"))
        for proc in list(streamlit_server.RUNNING.values()):
            tail = streamlit_server.log_tail(proc)
            stacks = streamlit_server.thread_stacks(proc)
            report.sections.append((f"server {proc.pid}: log", tail))
            report.sections.append((f"server {proc.pid}: every thread's stack", stacks))
    return report
