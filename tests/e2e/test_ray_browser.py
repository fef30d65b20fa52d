"""The Playground in a real browser, served with RNNPLAY_RAY set: Train runs on a Ray worker of a local
head on 127.0.0.1 (started here) and the page draws it live to the end, as with threads."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("ray", reason="ray is not installed (requirements-hosted.txt)")

from rnnplay.ray_head import local_head  # noqa: E402
from tests.e2e.page_state import CONNECTED
from tests.e2e.streamlit_server import serve  # noqa: E402

pytestmark = pytest.mark.slow  # a Ray head, a server and a browser: tens of seconds


@pytest.fixture(scope="module")
def ray_server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with local_head(2, {"OMP_NUM_THREADS": "1"}) as address:
        with serve(RNNPLAY_STORE=str(store), RNNPLAY_RAY=address, RNNPLAY_RAY_WORKERS="1") as url:
            yield url


def test_train_runs_on_a_ray_worker_and_the_page_draws_it_to_the_end(ray_server, page):
    page.goto(f"{ray_server}/playground?task=majority&steps=120")
    page.wait_for_selector(CONNECTED, timeout=60_000)
    page.get_by_role("button", name="Train", exact=True).click(timeout=60_000)
    progress = page.locator(".rnnplay-live-status").first
    page.wait_for_function(
        "() => /finished/.test(document.querySelector('.rnnplay-live-status')?.innerText || '')",
        timeout=120_000,
    )
    assert re.search(r"step 120 / 120", progress.inner_text())
    assert "run=" in page.url
    assert not page.locator("[data-testid=stException]").count()
