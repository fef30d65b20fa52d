"""A configuration trained once for a class across replicas: two Streamlit servers on 127.0.0.1 share
one PostgreSQL store (tests/pg.py) with RNNPLAY_SHARE_RUNS=1. A learner presses Train on replica A; a
second learner, on replica B, presses Train on the same configuration and watches A's run (its id, no
controls of its own), trained once in the store; "Train my own copy" trains theirs, twice in the store."""

from __future__ import annotations

import asyncio
import re

import pytest

from rnnplay.store import RunStore
from tests.e2e.streamlit_server import serve
from tests.test_store_postgres import Tab

QUERY = "task=majority&hidden_size=8&steps=20000&lang=en"


def run_id(tab: Tab) -> str | None:
    found = re.search(r"run=([A-Za-z0-9_-]+)", tab.query)
    return found[1] if found else None


async def class_of_two(a: str, b: str, store: RunStore) -> dict:
    seen: dict = {}
    async with Tab(a, "playground", QUERY, b"first-learner") as first:
        await first.run()
        await first.run((first.widget_id("btn_train"),))
        seen["class_run"] = run_id(first)
        async with Tab(b, "playground", QUERY, b"second-learner") as second:
            await second.run()
            await second.run((second.widget_id("btn_train"),))
            seen["watching"] = second.texts("alert")
            seen["controls"] = [k for k in ("btn_train", "btn_pause", "btn_reset") if second.widget_id(k)]
            seen["own_copy"] = second.widget_id("btn_own_copy")
            seen["exceptions"] = list(second.exceptions)
            seen["trained_once"] = store.backend.rows("SELECT trained FROM class_runs")
            await second.run((seen["own_copy"],))
            seen["after"] = second.texts("alert")
            seen["own_run"] = run_id(second)
            seen["trained_twice"] = store.backend.rows("SELECT trained FROM class_runs")
            seen["exceptions"] += second.exceptions
    return seen


@pytest.mark.slow  # two servers to start: 10-20 s on two shared cores, so the default suite leaves it out
def test_a_second_learner_on_another_replica_watches_the_class_run_then_trains_their_own(pg_url, tmp_path):
    env = {
        "RNNPLAY_STORE": pg_url,
        "RNNPLAY_SHARE_RUNS": "1",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "RNNPLAY_SECRET": "x" * 32,
    }
    store = RunStore(pg_url)
    with serve(**env) as a, serve(**env) as b:
        seen = asyncio.run(class_of_two(a.removeprefix("http://"), b.removeprefix("http://"), store))
    class_run = seen["class_run"]
    assert class_run and not seen["exceptions"], seen
    assert any(f"trained once for everyone (run {class_run})" in text for text in seen["watching"]), seen
    assert seen["own_copy"] and seen["controls"] == [], seen
    assert seen["trained_once"] == [(1,)], seen
    assert seen["own_run"] and seen["own_run"] != class_run, seen
    assert not any("trained once for everyone" in text for text in seen["after"]), seen
    assert seen["trained_twice"] == [(2,)], seen
