"""Runs kept in SQLite. A stored run reopens with its history and trains on with the very same
losses as a run that never stopped; old runs expire by age and by size; many threads write at once
without "database is locked"; a damaged row is a message, never a crash; nothing is unpickled.

The tests of the database's rules (saving, expiry, quotas, compare-and-swap, damage) run on both
backends: the SQLite file and a real PostgreSQL server (tests/pg.py; skipped, saying why, without
psycopg or the server's binaries). tests/test_store_postgres.py has what only a shared server does."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from app_pages.i18n import render, translator
from rnnplay.config import make_config
from rnnplay.i18n import Msg
from rnnplay.run import record as run_record
from rnnplay.run.training_run import TrainingRun
from rnnplay.store import (
    RunStore,
    StoreConflict,
    StoreError,
    decode,
    default_location,
    default_path,
    encode,
    new_run_id,
)
from rnnplay.tasks import TASK_CLASSES
from tests.test_i18n_core import drawn

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs.sqlite")


def sql(store: RunStore, statement: str, params: tuple = ()) -> list[tuple]:
    """A statement ('?' placeholders) straight into the store's database, past the rules."""
    return store.backend.rows(statement, params)


def trained(task: str = "majority", steps: int = 4, **overrides) -> TrainingRun:
    run = TrainingRun(make_config(task, steps=100, **overrides))
    for _ in range(steps):
        run.step_one()
    return run


def test_a_record_round_trips_with_its_tensors_and_times(any_store, location):
    store = any_store
    if location.startswith("postgresql://"):  # the server answers, not a file named like the URL
        assert sql(store, "SELECT version()")[0][0].startswith("PostgreSQL")
    run = trained()
    record = run.to_record()
    store.save(record)
    back = store.load(run.id)
    assert (back["id"], back["task"], back["state"], back["steps_done"]) == (run.id, "majority", "paused", 4)
    assert back["config"] == record["config"] and back["data"] == record["data"]
    assert set(back["tensors"]) == set(record["tensors"])
    for name, t in record["tensors"].items():
        assert torch.equal(back["tensors"][name], t), name
    created, updated = back["created"], back["updated"]
    time.sleep(0.01)
    store.save(record)
    again = store.load(run.id)
    assert again["created"] == created and again["updated"] > updated  # created is the first save's
    assert store.load("no-such-run") is None


# the same losses as an uninterrupted run: weights, optimizer moments, data stream, global RNG (teacher
# forcing in reverse), a changed learning rate and clip: all carried over, bitwise on the CPU
@pytest.mark.parametrize(
    ("task", "arch"),
    [("majority", "rnn"), ("adding", "lstm"), ("majority", "gru"), ("reverse", "gru"), ("sentiment", "lstm")],
)
def test_a_reopened_run_trains_on_with_the_same_losses_bitwise(store, task, arch):
    a = trained(task, 6, arch=arch)
    a.set_lr(a.config.lr * 0.5)
    a.set_clip("norm", 0.5)
    store.save(a.to_record())
    for _ in range(6):
        a.step_one()
    b = TrainingRun.from_record(store.load(a.id))
    assert (b.id, b.state, b.trainer.steps_done, b.trainer.lr, b.trainer.clip_mode) == (
        a.id,
        "paused",
        6,
        a.trainer.lr,
        "norm",
    )
    assert b.loop.events == a.loop.events
    for _ in range(6):
        b.step_one()
    assert b.loop.history.rows["loss"] == a.loop.history.rows["loss"]  # exact float equality, all 12 steps
    assert b.loop.history.rows["grad_norm"] == a.loop.history.rows["grad_norm"]
    for (name, pa), pb in zip(a.trainer.model.state_dict().items(), b.trainer.model.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name


def test_reopening_keeps_history_probes_frames_and_the_end_state(store):
    run = TrainingRun(make_config("majority", steps=5))
    for _ in range(5):
        run.step_one()
    assert run.state == "done"
    store.save(run.to_record())
    back = TrainingRun.from_record(store.load(run.id))
    snap, ref = back.snapshot(), run.snapshot()
    assert back.state == "done" and snap.message == ref.message
    for key in ("history", "val", "probes", "spectral", "param_norms", "events", "task_view"):
        assert getattr(snap, key) == getattr(ref, key), key
    assert len(snap.frames) == len(ref.frames) >= 2
    assert (snap.frames[-1]["hidden"]["hidden"] == ref.frames[-1]["hidden"]["hidden"]).all()
    assert back.start() is None and back.state == "done"  # a finished run does not train on


def test_a_run_saves_itself_while_training_and_when_done(any_store, monkeypatch):
    store = any_store
    monkeypatch.setattr(run_record, "SAVE_EVERY_S", 0.05)
    run = TrainingRun(make_config("majority", steps=60))
    run.saver.store = store
    run.start()
    run.join(60)
    assert run.state == "done"
    rec = store.load(run.id)
    assert (rec["state"], rec["steps_done"]) == ("done", 60)
    assert run.saver.save_stats["saves"] >= 2 and not run.saver.save_error
    assert run.saver.save_stats["last_ms"] < 1000


def test_a_save_failure_is_kept_for_the_page_not_raised(location):
    store = RunStore(location)
    run = trained()
    run.saver.store = store
    sql(store, "DROP TABLE runs")  # any write now fails
    assert run.save() is False
    assert "runs" in run.saver.save_error


def test_old_runs_expire_by_age(any_store):
    store = any_store
    runs = [trained(steps=1) for _ in range(3)]
    for r in runs:
        store.save(r.to_record())
    old = time.time() - 15 * 86400
    sql(store, "UPDATE runs SET updated = ? WHERE id IN (?, ?)", (old, runs[0].id, runs[1].id))
    assert store.load(runs[0].id) is None  # expired: as if unknown
    gone = store.expire()
    assert gone == [runs[1].id]
    assert [r["id"] for r in store.runs()] == [runs[2].id]


def test_old_runs_expire_by_size_oldest_updated_first(location):
    store = RunStore(location, max_mb=0.2)  # ~200 kB: room for about four 43 kB runs
    runs = [trained(steps=1) for _ in range(8)]
    records = [r.to_record() for r in runs]
    for rec in records:
        store.save(rec)  # each record now names its row's version
        time.sleep(0.002)
    store.save(records[0])  # the first run, updated again: now the newest
    store.expire(keep=runs[0].id)
    kept = {r["id"] for r in store.runs()}
    assert store.total_bytes() <= store.max_bytes
    assert runs[0].id in kept and runs[-1].id in kept
    assert runs[1].id not in kept and runs[2].id not in kept
    assert 2 <= len(kept) < 8


def test_concurrent_writers_never_see_database_is_locked(location):
    stores = [RunStore(location), RunStore(location)]  # two stores on one database: like two server processes
    records = [trained(steps=1).to_record() for _ in range(6)]
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for _ in range(15):
                stores[i % 2].save(records[i])
                stores[(i + 1) % 2].load(records[(i + 1) % 6]["id"])  # readers alongside the writers
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert {r["id"] for r in stores[0].runs()} == {r["id"] for r in records}
    if stores[0].path is not None:  # the SQLite file
        assert sql(stores[0], "PRAGMA journal_mode")[0][0] == "wal"


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("tensors", b"not safetensors at all", "weights are damaged"),
        ("tensors", b"\x12\x00\x00\x00\x00\x00\x00\x00{truncated", "weights are damaged"),
        ("tensors", b"\x80\x04\x95 a pickle", "never unpickled"),
        ("data", "{broken", "not JSON"),
        ("config", '{"format": "rnnplay-config", "version": 1, "hidden_size": -3}', "hidden_size"),
    ],
)
def test_a_damaged_row_is_a_message_naming_the_run(any_store, column, value, says):
    store = any_store
    run = trained()
    store.save(run.to_record())
    sql(store, f"UPDATE runs SET {column} = ? WHERE id = ?", (value, run.id))
    with pytest.raises(StoreError, match=re.escape(says)) as e:
        TrainingRun.from_record(store.load(run.id))
    assert run.id in str(e.value)


def test_a_record_from_another_model_is_refused_with_a_message(store):
    run = trained()
    record = run.to_record()
    assert '"hidden_size": 32' in record["config"]
    record["config"] = record["config"].replace('"hidden_size": 32', '"hidden_size": 24')
    store.save(record)
    with pytest.raises(StoreError, match="does not fit"):
        TrainingRun.from_record(store.load(run.id))


def test_a_store_from_a_newer_schema_or_a_non_database_file_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    RunStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match="newer rnnplay"):
        RunStore(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        RunStore(junk)


def test_the_path_comes_from_the_environment_or_the_user_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNPLAY_STORE", str(tmp_path / "x" / "mine.sqlite"))
    assert default_path() == tmp_path / "x" / "mine.sqlite"
    assert RunStore().path.exists()  # its folder is created
    monkeypatch.delenv("RNNPLAY_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "rnnplay" / "runs.sqlite"
    monkeypatch.setenv("RNNPLAY_STORE_MAX_MB", "-1")
    with pytest.raises(StoreError, match="RNNPLAY_STORE_MAX_MB"):
        RunStore(tmp_path / "y.sqlite")


def test_the_store_setting_takes_a_path_an_sqlite_url_or_a_postgresql_url(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("RNNPLAY_STORE", f"sqlite://{tmp_path}/z.sqlite")
    assert default_path() == tmp_path / "z.sqlite" and default_location() == str(tmp_path / "z.sqlite")
    assert RunStore().path == tmp_path / "z.sqlite" and not RunStore().shared
    url = "postgresql://someone@127.0.0.1:1/runs"
    monkeypatch.setenv("RNNPLAY_STORE", url)
    assert default_location() == url  # the store itself
    assert default_path() == tmp_path / "data" / "rnnplay" / "postgresql"  # beside it: texts, the link secret


def test_run_ids_are_url_safe_and_distinct():
    ids = {new_run_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{11}", i) for i in ids)
    assert TrainingRun(make_config("majority")).id != TrainingRun(make_config("majority")).id


def test_reset_gives_a_new_id():
    run = trained(steps=1)
    old = run.id
    run.reset()
    assert run.id != old


def test_the_store_never_unpickles():
    stores = [ROOT / f"rnnplay/{n}.py" for n in ("store", "store_sqlite", "store_postgres")]
    for path in [*stores, *sorted((ROOT / "rnnplay/run").glob("*.py"))]:
        name, src = str(path), path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(pickle|dill|joblib)\b", src, re.M), name
        assert "torch.load(" not in src and "pickle.load" not in src and "weights_only" not in src, name


@pytest.mark.parametrize("task", sorted(TASK_CLASSES))
def test_every_task_reopens_with_its_view_and_trains_on(store, task):
    run = TrainingRun(make_config(task, steps=100))
    run.step_one()
    store.save(run.to_record())
    back = TrainingRun.from_record(store.load(run.id))
    # the same structure, texts (translatable ones too) and numbers; arrays compared by position
    assert encode(back.snapshot().task_view, {}) == encode(run.snapshot().task_view, {})
    assert back.step_one() is not None and back.trainer.steps_done == 2


def _as_older_records_kept_it(obj):
    """A task view as records kept it before its words were Msgs: a sentence with values (or a key that is not
    its English: copy's "output" row) as its English with the Msg beside it under key + "_msg", a label as its
    English text."""
    if isinstance(obj, list):
        return [_as_older_records_kept_it(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if isinstance(value, Msg):
            out[key] = str(value)
            if value.values or value.template != str(value):
                out[f"{key}_msg"] = value
        else:
            out[key] = _as_older_records_kept_it(value)
    return out


def test_a_record_of_the_older_form_reopens_with_its_words_in_both_languages(store):
    """Records saved before a run's words were Msgs (the message's template and its values apart, a view's
    sentences beside their English) reopen with one Msg for the message and Msgs for the view's words."""
    run = TrainingRun(make_config("copy", steps=3))
    for _ in range(3):
        run.step_one()
    record, view = run.to_record(), run.snapshot().task_view
    record["data"].update(message="finished {n} steps", message_args={"n": 3})
    record["data"]["task_view"] = encode(_as_older_records_kept_it(view), record["tensors"])
    assert "title_msg" in record["data"]["task_view"]
    store.save(record)
    snap = TrainingRun.from_record(store.load(run.id)).snapshot()
    assert isinstance(snap.message, Msg) and snap.message == "finished 3 steps"
    assert render(snap.message, "zh") == "已完成 3 步"
    for tr in (None, translator("en"), translator("zh")):  # the page draws the same words as for the live run
        assert drawn(snap.task_view, tr) == drawn(view, tr)
    assert drawn(snap.task_view, translator("zh"))["labels"] == ["输入", "目标", "输出"]


def test_translatable_texts_and_odd_values_survive_the_json(store):
    tensors: dict = {}
    obj = {"m": Msg("{n} fresh sequences", n=3), "t": (1, 2.5), "np": np.float32(0.5), "x": object}
    back = decode(json.loads(json.dumps(encode(obj, tensors))), tensors)
    assert isinstance(back["m"], Msg) and str(back["m"]) == "3 fresh sequences"
    assert back["t"] == [1, 2.5] and back["np"] == 0.5 and back["x"] == str(object)


# a store that degrades, never breaks -----------------------------------------------------------------
def damage(path: Path, pages: range = range(1, 3)) -> None:
    """Random bytes over some pages of an SQLite file, its header (page 0) intact."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    for page in pages:
        data[page * 4096 : (page + 1) * 4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def test_a_damaged_file_is_a_store_error_on_open_and_on_every_method(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    records = [trained(steps=1).to_record() for _ in range(3)]
    for rec in records:
        store.save(rec)
    damage(path)
    with pytest.raises(StoreError, match="malformed"):
        RunStore(path)  # expire() reads every row while opening: inside the error handling
    for call in (store.runs, store.total_bytes, store.expire, lambda: store.load(records[0]["id"])):
        with pytest.raises(StoreError, match="malformed"):
            call()
    with pytest.raises(StoreError):
        store.save(trained(steps=1).to_record())


def test_a_save_names_the_version_it_started_from_and_a_stale_one_changes_nothing(any_store):
    store = any_store
    run = trained()
    first = run.to_record()
    store.save(first)
    assert first["version"] == 1 and store.load(run.id)["version"] == 1
    stale = dict(first, version=None, steps_done=99)  # another writer that never read the row
    with pytest.raises(StoreConflict, match=run.id):
        store.save(stale)
    store.save(first)  # the writer that holds version 1
    assert first["version"] == 2
    old = dict(first, version=1, steps_done=98)  # one that read version 1 and saves after it moved on
    with pytest.raises(StoreConflict):
        store.save(old)
    assert (store.load(run.id)["version"], store.load(run.id)["steps_done"]) == (2, 4)


def test_two_servers_on_one_store_never_overwrite_each_other(location):
    a_store, b_store = RunStore(location), RunStore(location)  # two server processes on one database
    a = trained(steps=2)
    a.saver.store = a_store
    assert a.save()
    b = TrainingRun.from_record(b_store.load(a.id))  # the other server reopens the same id
    b.saver.store = b_store
    b.step_one()
    assert b.save() and b.id == a.id
    a.step_one()
    a.step_one()
    assert a.save() and not a.saver.save_error  # a lost the race: it goes on under a new id, saved there
    assert a.saver.forked_from == b.id and a.id != b.id
    assert b_store.load(b.id)["steps_done"] == 3 and a_store.load(a.id)["steps_done"] == 4
    a.step_one()
    assert a.save() and a_store.load(a.id)["steps_done"] == 5  # and keeps saving there


def test_one_owner_past_its_quota_loses_its_own_oldest_runs_only(location):
    store = RunStore(location, max_mb=10, owner_mb=0.1)  # ~100 kB each: two 43 kB runs
    others = [dict(trained(steps=1).to_record(), owner=f"browser:{i}") for i in range(3)]
    for rec in others:
        store.save(rec)
    flood = [dict(trained(steps=1).to_record(), owner="browser:flood") for _ in range(6)]
    for rec in flood:
        store.save(rec)
        time.sleep(0.002)
    kept = {r["id"] for r in store.runs()}
    assert {r["id"] for r in others} <= kept  # nobody else's run went
    assert flood[-1]["id"] in kept and flood[0]["id"] not in kept
    assert sum(r["size"] for r in store.runs() if r["owner"] == "browser:flood") <= store.owner_max_bytes


def test_over_the_budget_the_owner_using_the_most_space_loses_first(location):
    store = RunStore(location, max_mb=0.3, owner_mb=10)  # ~300 kB: about seven runs
    mine = dict(trained(steps=1).to_record(), owner="browser:quiet")
    store.save(mine)  # the oldest run of all
    flood = [dict(trained(steps=1).to_record(), owner="browser:flood") for _ in range(9)]
    for rec in flood:
        time.sleep(0.002)
        store.save(rec)
    store.expire()
    kept = {r["id"] for r in store.runs()}
    assert mine["id"] in kept  # least recently used, but its owner uses the least space
    assert flood[-1]["id"] in kept and flood[0]["id"] not in kept
    assert store.total_bytes() <= store.max_bytes


def test_a_store_of_the_first_schema_gains_versions_and_owners_and_keeps_its_runs(tmp_path):
    path = tmp_path / "runs.sqlite"
    run = trained()
    RunStore(path).save(run.to_record())
    with sqlite3.connect(path) as conn:  # back to the first schema: no version, no owner
        conn.executescript(
            "DROP INDEX runs_owner; ALTER TABLE runs DROP COLUMN version; ALTER TABLE runs DROP COLUMN owner;"
            " PRAGMA user_version=1;"
        )
    store = RunStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3  # and on to the class runs
    back = store.load(run.id)
    assert (back["version"], back["owner"], back["steps_done"]) == (0, "", 4)
    reopened = TrainingRun.from_record(back)
    reopened.saver.store = store
    reopened.step_one()
    assert reopened.save() and reopened.id == run.id and store.load(run.id)["version"] == 1
