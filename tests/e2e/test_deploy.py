"""The hosted set-up of deploy/up.py on 127.0.0.1, in a real browser: PostgreSQL, a Ray head, two
Streamlit replicas (one Ray worker each) and nginx in front, started by the launcher's own functions.

- A run started through replica A outlives A: A is SIGKILLed mid-run (its Ray worker ends with it, as
  Ray ends the actors of a driver that is gone); the page's websocket reconnects through nginx, which
  now sends the browser to replica B; B knows neither the page's session nor its live view's feed, so
  the page loads its URL again by itself, and B reopens the run from the shared store at its last
  autosave, under the same id; Resume trains on; a reload (through nginx, to B) keeps it training.
- A run outlives its Ray worker: the worker processes are SIGKILLed mid-run; the page says the worker
  stopped, reopens the run from its last autosave on a new worker, and Resume trains on.

Which replica served the page: nginx names it in a header (X-Rnnplay-Replica, the launcher's
show_replica, on for this test only). Which processes are Ray workers: those titled ray::RunWorker in
the session of this test's Ray head (other Ray heads on the machine are never touched). Runs save every
second here (RNNPLAY_SAVE_EVERY_S=1); the test reads the saved step from the database itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytest.importorskip("ray", reason="ray is not installed (requirements-hosted.txt)")
pytest.importorskip("psycopg", reason="psycopg is not installed (requirements-hosted.txt)")

from deploy import up  # noqa: E402
from rnnplay.store import RunStore  # noqa: E402
from tests.e2e.test_persist_browser import button, run_id, step_of, wait_connected, wait_until  # noqa: E402
from tests.pg import missing as pg_missing  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # a database, Ray, two servers, nginx and a browser: minutes
LINK = "/playground?task=majority&hidden_size=16&steps=20000"  # long enough never to finish here
# saves every second; charts redrawn every 2 s, so a loaded machine's browser still takes clicks
REPLICA_ENV = {"RNNPLAY_SAVE_EVERY_S": "1", "RNNPLAY_LIVE_EVERY": "2"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    if pg_missing():
        pytest.skip(pg_missing())
    state = tmp_path_factory.mktemp("deploy")
    pg_dir = tempfile.mkdtemp(prefix="rnnplay-pg-")  # pytest's folders are closed to the postgres user
    with up.Deployment(state) as d:
        d.callback(shutil.rmtree, pg_dir, ignore_errors=True)
        d.start_postgres(pg_dir)
        d.start_ray_head(num_cpus=4)
        d.start_replicas([up.free_port(), up.free_port()], workers=1, env=REPLICA_ENV)
        d.start_nginx("127.0.0.1", up.free_port(), show_replica=True)
        store = RunStore(d.store)
        yield d, store
        store.close()


def run_workers(sid: int) -> list[int]:
    """The pids of the RunWorker actors of the Ray head whose session is sid."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "cmdline").read_bytes().startswith(b"ray::RunWorker") and os.getsid(int(entry.name)) == sid:
                pids.append(int(entry.name))
        except (OSError, ProcessLookupError):  # ended meanwhile
            pass
    return pids


def stored_steps(store: RunStore, rid: str) -> int:
    """The step of the run's last save in the database (0: not saved yet)."""
    return next((r["steps_done"] for r in store.runs() if r["id"] == rid), 0)


def replica_of(context, url: str) -> str:
    """The replica nginx sends this browser to now (its cookie decides): "127.0.0.1:PORT"."""
    return context.request.get(f"{url}/_stcore/health").headers["x-rnnplay-replica"]


def start_training(page, url: str) -> str:
    page.goto(url + LINK)
    wait_connected(page)
    button(page, "btn_train", "Train").click()
    return wait_until(lambda: run_id(page), 90, "the run id in the URL")


def reopened_at(page, rid: str) -> int:
    """The step the page says the run was reopened at."""
    notice = page.get_by_test_id("stAlert").filter(has_text=f"Reopened run {rid} at step")
    expect(notice).to_be_visible(timeout=120_000)
    return int(re.search(r"at step (\d+)", notice.inner_text()).group(1))


def trains_on(page, rid: str, back_at: int) -> None:
    button(page, "btn_train", "Resume").click()
    wait_until(lambda: step_of(page) > back_at + 10, 120, "training to go on after Resume")
    assert run_id(page) == rid
    assert page.get_by_test_id("stException").count() == 0


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 2200})
    pg = context.new_page()
    yield pg
    pg.screenshot(path=str(tmp_path / "last.png"))  # what the page showed when the test ended
    context.close()


def test_a_run_outlives_the_replica_that_served_it(deployment, page):
    d, store = deployment
    rid = start_training(page, d.url)
    served = replica_of(page.context, d.url)
    wait_until(lambda: stored_steps(store, rid) >= 20, 120, "an autosave past step 20")
    workers = run_workers(d.ray_head.sid)
    assert workers, "the run trains on a Ray worker"

    d.replicas[int(served.rsplit(":", 1)[1])].send_signal(signal.SIGKILL)
    # A's worker ends with A (Ray ends the actors of a driver that is gone); until then it may save once more
    wait_until(lambda: len(run_workers(d.ray_head.sid)) < len(workers), 60, "replica A's Ray worker to end")
    last_save = stored_steps(store, rid)

    # the page comes back by itself: nginx leaves A out and sends this browser to B
    back_at = reopened_at(page, rid)
    assert replica_of(page.context, d.url) != served
    assert back_at == last_save and step_of(page) == back_at and run_id(page) == rid
    trains_on(page, rid, back_at)

    # a reload now goes through nginx to B, where the run lives: the same run, training on
    before = step_of(page)
    page.reload()
    wait_connected(page)
    wait_until(lambda: step_of(page) > before, 120, "steps beyond the reload's")
    assert run_id(page) == rid and replica_of(page.context, d.url) != served
    print(f"deploy: run {rid} on {served}, killed after its save at step {last_save}; reopened there on B")


def test_a_run_outlives_its_ray_worker(deployment, page):
    d, store = deployment
    rid = start_training(page, d.url)
    wait_until(lambda: stored_steps(store, rid) >= 20, 120, "an autosave past step 20")
    workers = run_workers(d.ray_head.sid)
    assert workers, "the run trains on a Ray worker"

    for pid in workers:  # every RunWorker of this head: the run's is among them
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not set(workers) & set(run_workers(d.ray_head.sid)), 60, "the workers to end")
    last_save = stored_steps(store, rid)

    # the page notices the lost worker by itself and reopens the run from its last save
    expect(page.get_by_test_id("stAlert").filter(has_text=f"The worker that trained run {rid} stopped")).to_be_visible(
        timeout=120_000
    )
    back_at = reopened_at(page, rid)
    assert back_at == last_save and step_of(page) == back_at and run_id(page) == rid
    trains_on(page, rid, back_at)
    print(f"deploy: run {rid}, its Ray worker killed after its save at step {last_save}; reopened and trained on")
