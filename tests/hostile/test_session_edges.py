"""Streamlit's own edges, attacked over the websocket against a real server: a visitor's clear_cache
in a loop, a damaged run store, a stranger holding a run's URL while its owner's tab is closed."""

from __future__ import annotations

import asyncio
import time

import pytest

from rnnplay.store import RunStore
from tests.e2e.streamlit_server import serve
from tests.hostile.conftest import SERVER_ENV, Tab
from tests.test_store import damage

LONG_RUN = "task=majority&hidden_size=8&steps=1000000&lang=en"


async def start_training(tab: Tab) -> None:
    await tab.run()
    await tab.click("btn_train")
    assert await tab.until(lambda: (tab.steps() or 0) > 20), tab.texts("progress")


@pytest.mark.slow
def test_clear_cache_in_a_loop_leaves_another_learners_training_rate_alone(server):
    """Quiet and attacked spans take turns, so the load of a shared machine weighs on both alike."""

    async def scenario():
        async with Tab(server, "playground", LONG_RUN, token=b"learner-browser-1") as learner:
            await start_training(learner)
            await learner.rate(3.0)  # warm-up: the first probes and charts
            quiet, attacked, sent = [], [], 0
            async with Tab(server, "", "lang=en", token=b"hostile-browser-1") as hostile:
                await hostile.run()
                for _ in range(5):
                    t0 = time.monotonic()
                    await asyncio.sleep(3.0)
                    quiet.append((t0, time.monotonic()))
                    t0 = time.monotonic()
                    while time.monotonic() - t0 < 3.0:  # a visitor's BackMsg(clear_cache=True), 50 a second
                        await hostile.send_clear_cache()
                        sent += 1
                        await asyncio.sleep(0.02)
                    attacked.append((t0, time.monotonic()))
                alive = not hostile.closed and not learner.closed
            return learner, quiet, attacked, sent, alive

    learner, quiet, attacked, sent, alive = asyncio.run(scenario())
    assert sent > 300 and alive
    assert not learner.exceptions
    assert not any("closed or lost its connection" in a for a in learner.texts("alert"))
    assert "training" in learner.texts("progress")[0]
    before, during = learner.rate_in(quiet), learner.rate_in(attacked)
    assert before > 0 and during >= 0.8 * before, (before, during)


def test_a_damaged_store_is_a_warning_and_the_playground_trains(tmp_path):
    path = tmp_path / "runs.sqlite"
    RunStore(path)
    for _ in range(3):  # a store with a few runs in it, then random bytes inside, its header intact
        run = stored_run_at(path)
        assert run.save()
    damage(path)

    async def scenario(base):
        async with Tab(base, "playground", LONG_RUN, token=b"learner-browser-2") as tab:
            await start_training(tab)
            rate = await tab.rate(3.0)
            return tab, rate

    with serve(RNNPLAY_STORE=str(path), **SERVER_ENV) as url:
        tab, rate = asyncio.run(scenario(url.removeprefix("http://")))
    assert not tab.exceptions, tab.exceptions
    assert rate > 0 and "training" in tab.texts("progress")[0]
    warnings = [a for a in tab.texts("alert") if "not saved" in a]
    assert len(warnings) == 1 and "Runs are not saved right now" in warnings[0] and "malformed" in warnings[0]


def stored_run_at(path):
    from rnnplay.config import make_config
    from rnnplay.run.training_run import TrainingRun

    run = TrainingRun(make_config("majority", steps=100, hidden_size=8))
    run.step_one()
    run.saver.store = RunStore(path)
    return run


def test_a_stranger_with_the_url_gets_a_copy_and_the_owner_takes_the_run_back(server):
    async def scenario():
        async with Tab(server, "playground", LONG_RUN, token=b"owner-browser") as owner:
            await start_training(owner)
            run_id = owner.run_id()
        # the owner's tab is closed; its URL is in a chat, a screenshot, a script
        seen = {}
        for name, token in (("stranger", b"stranger-browser"), ("script", None)):
            async with Tab(server, "playground", f"run={run_id}&lang=en", token=token) as other:
                await other.run()
                await other.until(lambda o=other: o.run_id() not in (None, run_id), timeout=10)
                seen[name] = (other.run_id(), other.texts("alert"), other.exceptions, other.steps())
                if other.widget_id("btn_reset"):  # Reset touches the copy only
                    await other.click("btn_reset")
        async with Tab(server, "playground", f"run={run_id}&lang=en", token=b"owner-browser") as back:
            await back.run()
            await back.until(lambda: "training" in (back.texts("progress") or [""])[0], timeout=20)
            return run_id, seen, back.run_id(), back.steps(), back.texts("progress"), back.exceptions

    run_id, seen, back_id, back_steps, progress, exceptions = asyncio.run(scenario())
    for name, (rid, alerts, exc, steps) in seen.items():
        assert rid and rid != run_id, (name, rid, alerts)  # a copy under a new id
        assert any("belongs to another browser" in a for a in alerts), (name, alerts)
        assert not exc and steps and steps > 20, (name, exc, steps)
    assert back_id == run_id and not exceptions  # the same browser reloading: its own run
    assert back_steps > 20 and "training" in progress[0]  # neither reset nor paused by the others
