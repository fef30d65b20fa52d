"""The run store in PostgreSQL (RNNPLAY_STORE=postgresql://...), on a real server that tests/pg.py starts:
what only a store shared by replicas does. Two RunStore objects on one database stand for two replicas:
each sees and reopens the other's runs, the compare-and-swap holds between them, and they create the
schema once. A database that goes down is a StoreError on every call and a warning on the page, never a
crash, and the store saves again once the database is back. The rules both backends share (expiry,
quotas, damage) are tested on both in tests/test_store.py."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from rnnplay.run.training_run import TrainingRun
from rnnplay.store import SCHEMA_VERSION, RunStore, StoreConflict, StoreError
from tests.e2e.streamlit_server import serve
from tests.load.loadtest import StClient
from tests.test_pages import open_app
from tests.test_store import sql, trained

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"


def test_two_replicas_see_each_others_runs_and_one_trains_on_what_the_other_saved(pg_url):
    a_store, b_store = RunStore(pg_url), RunStore(pg_url)
    a = trained("adding", 5, arch="gru")
    a.saver.owner, a.saver.store = "browser:1", a_store
    assert a.save()
    assert [(r["id"], r["owner"], r["steps_done"]) for r in b_store.runs()] == [(a.id, "browser:1", 5)]
    assert [r["id"] for r in b_store.runs(owner="browser:1")] == [a.id] and b_store.runs(owner="browser:2") == []
    b = TrainingRun.from_record(b_store.load(a.id))  # replica A is gone: B reopens its run
    b.saver.store = b_store
    for _ in range(4):
        a.step_one()
        b.step_one()
    assert b.loop.history.rows["loss"] == a.loop.history.rows["loss"]  # bitwise, all 9 steps
    assert b.save() and a_store.load(a.id)["steps_done"] == 9  # and A sees what B saved


def test_the_compare_and_swap_holds_between_replicas(pg_url):
    a_store, b_store = RunStore(pg_url), RunStore(pg_url)
    record = trained(steps=2).to_record()
    a_store.save(record)
    b_copy = b_store.load(record["id"])
    b_store.save(dict(b_copy, steps_done=3))  # B saves version 2
    with pytest.raises(StoreConflict, match=record["id"]):
        a_store.save(record)  # A still holds version 1
    assert (a_store.load(record["id"])["version"], a_store.load(record["id"])["steps_done"]) == (2, 3)


def test_replicas_saving_a_new_run_at_once_write_it_once(pg_url):
    """A row that does not exist yet has nothing to lock: the save's advisory lock on the id makes the
    replicas take turns, so one insert wins and every other save is a conflict."""
    stores = [RunStore(pg_url) for _ in range(2)]
    record = trained(steps=1).to_record()
    start, outcomes = threading.Barrier(8), []

    def save(i: int) -> None:
        start.wait()
        try:
            stores[i % 2].save(dict(record, version=None, steps_done=i))
            outcomes.append(("saved", i))
        except StoreConflict:
            outcomes.append(("conflict", i))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    saved = [i for what, i in outcomes if what == "saved"]
    assert len(outcomes) == 8 and len(saved) == 1, outcomes
    back = stores[0].load(record["id"])
    assert (back["version"], back["steps_done"]) == (1, saved[0])


def test_the_schema_version_is_recorded_once_and_a_newer_one_is_refused(pg_url):
    stores: list[RunStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:  # four replicas starting on an empty database at once
        start.wait()
        try:
            stores.append(RunStore(pg_url))
        except BaseException as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(stores) == 4
    assert sql(stores[0], "SELECT version FROM rnnplay_schema") == [(SCHEMA_VERSION,)]
    sql(stores[0], "UPDATE rnnplay_schema SET version = 99")
    with pytest.raises(StoreError, match="schema version 99 was written by a newer rnnplay"):
        RunStore(pg_url)


@pytest.mark.parametrize("mode", ["fast", "immediate"])  # an orderly shutdown, and a crash
def test_a_dead_database_is_a_store_error_everywhere_and_the_store_comes_back(postgres, pg_url, mode):
    store = RunStore(pg_url)
    run = trained(steps=2)
    run.saver.store = store
    assert run.save()
    postgres.stop(mode)
    try:
        for call in (store.runs, store.total_bytes, store.expire, lambda: store.load(run.id)):
            with pytest.raises(StoreError, match="run store postgresql://"):
                call()
        with pytest.raises(StoreError, match="cannot open it"):
            RunStore(pg_url)
        run.step_one()
        assert run.save() is False and "run store postgresql://" in run.saver.save_error  # kept for the page
    finally:
        postgres.start()
    run.step_one()
    assert run.save() and not run.saver.save_error
    assert store.load(run.id)["steps_done"] == 4 and RunStore(pg_url).load(run.id)["version"] == 2


def test_a_restart_of_the_database_between_two_calls_costs_no_call(postgres, pg_url):
    """The connections the store keeps open between calls die with the server; the next call finds
    them closed and makes a new one, instead of failing once on each."""
    store = RunStore(pg_url)
    record = trained(steps=1).to_record()
    store.save(record)
    for _ in range(3):  # several idle connections, each closed by the restart
        store.load(record["id"])
    postgres.stop()
    postgres.start()
    assert store.load(record["id"])["version"] == 1
    store.save(record)
    assert store.load(record["id"])["version"] == 2


def test_the_playground_says_runs_are_not_saved_while_the_database_is_down_and_saves_after(
    postgres, pg_url, stop_runs, monkeypatch
):
    monkeypatch.setenv("RNNPLAY_STORE", pg_url)
    at = open_app(PLAYGROUND, task="majority", steps=100000, hidden_size=8)
    stop_runs.append(at)
    at.button(key="btn_step").click().run()
    run = at.session_state["_run"]
    assert not at.exception and RunStore(pg_url).load(run.id)["steps_done"] == 1
    postgres.stop()
    try:
        at.button(key="btn_step").click().run()
        assert not at.exception and run.trainer.steps_done == 2  # the run trains on
        warnings = [w.value for w in at.warning if "not saved" in w.value]
        assert len(warnings) == 1 and "Runs are not saved right now" in warnings[0], warnings
    finally:
        postgres.start()
    at.button(key="btn_step").click().run()
    assert not at.exception and not [w.value for w in at.warning if "not saved" in w.value]
    assert RunStore(pg_url).load(run.id)["steps_done"] == 3


def test_a_password_in_the_url_is_never_shown(postgres):
    url = f"postgresql://rnnplay:hunter2@127.0.0.1:{postgres.port}/no_such_database?password=hunter3"
    with pytest.raises(StoreError) as e:
        RunStore(url)
    assert "no_such_database" in str(e.value) and "hunter" not in str(e.value)
    assert "rnnplay:***@127.0.0.1" in str(e.value)


def test_the_default_store_never_imports_psycopg_and_a_postgresql_url_without_it_says_what_to_install(tmp_path):
    script = (
        "import sys\n"
        "from rnnplay.store import RunStore, StoreError\n"
        f"RunStore({str(tmp_path / 'runs.sqlite')!r}).runs()\n"
        "print('psycopg' in sys.modules)\n"
        "sys.modules['psycopg'] = None  # as if it were not installed\n"
        "try:\n"
        "    RunStore('postgresql://someone:secret@127.0.0.1/db')\n"
        "except StoreError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    imported, message = out.stdout.strip().split("\n", 1)
    assert imported == "False"
    assert "psycopg" in message and "requirements-hosted.txt" in message and "secret" not in message


# two replicas, each a Streamlit server on 127.0.0.1, one database ---------------------------------------
class Tab(StClient):
    """A browser tab over Streamlit's websocket, with the browser's XSRF cookie (what names its owner)."""

    def __init__(self, base: str, page: str, query: str, token: bytes):
        super().__init__(base, page, query)
        self.token = token

    async def __aenter__(self) -> Tab:
        cookie = {"Cookie": f"_streamlit_xsrf={generate_xsrf_token_string(self.token)}"}
        self.ws = await connect(
            self.url, subprotocols=[Subprotocol("streamlit")], additional_headers=cookie, max_size=None, open_timeout=60
        )
        self._reader = asyncio.create_task(self._read())
        return self

    def links(self) -> list[str]:
        return [el.page_link.label for el in self.elements.values() if el.WhichOneof("type") == "page_link"]


async def train_and_list(a: str, b: str) -> tuple[str, list[str], list[str]]:
    """(the run a browser trained on replica A, the links of the Runs page that the same browser opens
    on replica B, those that another browser sees there)."""
    async with Tab(a, "playground", "task=majority&hidden_size=8&steps=100000", b"browser-of-a-learner") as tab:
        await tab.run()
        await tab.run((tab.widget_id("btn_step"),))  # one step: the page saves the paused run
        run_id = re.search(r"run=([A-Za-z0-9_-]+)", tab.query)[1]
    async with Tab(b, "runs", "", b"browser-of-a-learner") as tab:
        await tab.run()
        mine = tab.links()
    async with Tab(b, "runs", "", b"browser-of-another-one") as tab:
        await tab.run()
        theirs = tab.links()
    return run_id, mine, theirs


@pytest.mark.slow  # two servers to start: 10-20 s on two shared cores, so the default suite leaves it out
def test_the_runs_page_lists_a_run_that_this_browser_saved_through_another_replica(pg_url, tmp_path):
    env = {"RNNPLAY_STORE": pg_url, "XDG_DATA_HOME": str(tmp_path / "data"), "RNNPLAY_SECRET": "x" * 32}
    with serve(**env) as a, serve(**env) as b:
        run_id, mine, theirs = asyncio.run(train_and_list(a.removeprefix("http://"), b.removeprefix("http://")))
    assert [label for label in mine if run_id in label] == [f"`{run_id}`: majority, step 1, paused"], mine
    assert not [label for label in theirs if run_id in label], theirs  # another browser's run is not listed
