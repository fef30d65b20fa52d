"""A configuration trained once for a class: its key (stable, canonical, only for runs on the CPU
without a learner's own data) and the store's record of it (the class run's id and how many times the
key was trained), in SQLite and in PostgreSQL (tests/pg.py), across replicas sharing one database."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from rnnplay import class_runs
from rnnplay.config import make_config
from rnnplay.store import SCHEMA_VERSION, RunStore
from tests.test_store import sql, trained

FRESH = class_runs.FRESH_S


def test_the_key_is_the_configuration_and_the_code_version_and_nothing_else():
    config = make_config("majority", steps=100, seed=3)
    key = class_runs.config_key(config)
    assert key and len(key) == 32 and key == class_runs.config_key(make_config("majority", steps=100, seed=3))
    assert class_runs.config_key(config.replace(device="cpu")) == key  # auto on this machine is the CPU
    for change in ({"seed": 4}, {"lr": 2e-3}, {"steps": 101}, {"hidden_size": 33}):
        assert class_runs.config_key(config.replace(**change)) != key, change
    assert class_runs.config_key(make_config("charlm", text="abc")) != class_runs.config_key(
        make_config("charlm", text="abd")
    )
    assert class_runs.config_key(config.replace(device="cuda")) is None  # a GPU's sums are not deterministic
    series = make_config("sine", series=tuple(float(i % 7) for i in range(64)))
    assert class_runs.config_key(series) is None  # a learner's own data is never shown to others


def test_the_key_changes_with_the_code_version(monkeypatch):
    config = make_config("majority")
    key = class_runs.config_key(config)
    monkeypatch.setattr(class_runs, "CODE_VERSION", class_runs.CODE_VERSION + 1)
    assert class_runs.config_key(config) != key


def test_sharing_is_off_unless_the_server_asks_for_it(monkeypatch):
    monkeypatch.delenv("RNNPLAY_SHARE_RUNS", raising=False)
    assert not class_runs.enabled()
    for value, on in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("RNNPLAY_SHARE_RUNS", value)
        assert class_runs.enabled() is on


def test_a_key_is_trained_once_while_its_run_trains_and_counted_per_training(any_store):
    store, key = any_store, "k" * 32
    assert store.class_run(key) is None
    assert store.claim_class_run(key, "first", FRESH, now=1000.0) == ("first", 1)
    # a second and third learner, 5 s later: the first run is not saved yet but was just claimed
    assert store.claim_class_run(key, "second", FRESH, now=1005.0) == ("first", 1)
    assert store.claim_class_run(key, "third", FRESH, now=1006.0) == ("first", 1)
    assert store.count_training(key) == 2  # "train my own copy"
    assert store.class_run(key) == {"run_id": "first", "claimed": 1000.0, "trained": 2}
    # nothing saved and the claim 31 s old: the run was lost; the next learner trains the key anew
    assert store.claim_class_run(key, "fourth", FRESH, now=1000.0 + FRESH + 1) == ("fourth", 3)


def test_a_finished_class_run_is_shown_for_ever_and_a_paused_one_is_trained_anew(any_store):
    store, key = any_store, "f" * 32
    run = trained()  # 4 steps of majority: a real stored row
    run.saver.store = store
    assert run.save()
    assert store.claim_class_run(key, run.id, FRESH) == (run.id, 1)
    sql(store, "UPDATE runs SET state = 'running'")
    assert store.claim_class_run(key, "other", FRESH) == (run.id, 1)  # saved just now: training
    sql(store, "UPDATE runs SET state = 'done', updated = 0")
    assert store.claim_class_run(key, "other", FRESH) == (run.id, 1)  # finished long ago: still the answer
    sql(store, "UPDATE runs SET state = 'diverged'")
    assert store.claim_class_run(key, "other", FRESH) == (run.id, 1)  # what this configuration does
    sql(store, "UPDATE runs SET state = 'paused'")
    assert store.claim_class_run(key, "other", FRESH) == ("other", 2)  # its owner paused or left it
    assert store.row_version(run.id)[1] == "paused" and store.row_version("nosuchrun") is None


def test_a_released_class_run_keeps_the_count_and_the_next_train_takes_the_key(any_store):
    store, key = any_store, "r" * 32
    store.claim_class_run(key, "first", FRESH)
    store.release_class_run(key, "someone-else")  # only the class run itself releases its key
    assert store.class_run(key)["run_id"] == "first"
    store.release_class_run(key, "first")  # its owner reset it, or changed its learning rate while it trained
    assert store.class_run(key) == {"run_id": "", "claimed": 0.0, "trained": 1}
    assert store.claim_class_run(key, "second", FRESH) == ("second", 2)


def test_replicas_pressing_train_at_once_train_the_key_once(location):
    stores = [RunStore(location) for _ in range(4)]  # four replicas on one store
    start, got = threading.Barrier(4), []

    def press(i: int) -> None:
        start.wait()
        got.append(stores[i].claim_class_run("c" * 32, f"run{i}", FRESH))

    threads = [threading.Thread(target=press, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == 4 and len({run_id for run_id, _ in got}) == 1 and {n for _, n in got} == {1}
    assert stores[0].class_run("c" * 32)["trained"] == 1


def test_a_store_of_the_previous_schema_gains_the_class_runs_and_keeps_its_runs(tmp_path):
    path = tmp_path / "runs.sqlite"
    run = trained()
    RunStore(path).save(run.to_record())
    with sqlite3.connect(path) as conn:  # back to schema 2: no class runs
        conn.executescript("DROP TABLE class_runs; PRAGMA user_version=2;")
    store = RunStore(path)
    assert store.claim_class_run("m" * 32, run.id, FRESH) == (run.id, 1)
    assert store.load(run.id)["steps_done"] == 4
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_a_postgresql_store_of_the_previous_schema_gains_the_class_runs(pg_url):
    store = RunStore(pg_url)
    sql(store, "DROP TABLE class_runs")
    sql(store, "UPDATE rnnplay_schema SET version = 2")
    store = RunStore(pg_url)
    assert sql(store, "SELECT version FROM rnnplay_schema") == [(SCHEMA_VERSION,)]
    assert store.claim_class_run("p" * 32, "first", FRESH) == ("first", 1)


@pytest.mark.parametrize(
    ("state", "updated", "claimed", "now", "watch"),
    [
        ("done", 0.0, 0.0, 1e9, True),
        ("running", 100.0, 0.0, 100.0 + FRESH, True),
        ("running", 100.0, 0.0, 100.0 + FRESH + 1, False),
        (None, None, 100.0, 110.0, True),
        ("stopped", 100.0, 100.0, 101.0, False),
        ("error", 100.0, 100.0, 101.0, False),
    ],
)
def test_which_class_runs_are_worth_watching(state, updated, claimed, now, watch):
    assert class_runs.watchable(state, updated, claimed, now) is watch
