"""Runs kept on disk: one row per run id in a database, so a reload, a reconnect or a server
restart reopens a run with its history and weights. The database is an embedded SQLite file by default
(rnnplay/store_sqlite.py); RNNPLAY_STORE=postgresql://... puts it in a PostgreSQL database that every
replica shares (rnnplay/store_postgres.py), so any replica reopens any run. This module holds what both
have in common: the record's format, the compare-and-swap, the quota and the expiry rules, written in
the SQL both databases speak; a backend owns its connections, transactions and schema. No streamlit here.

A row holds the configuration (JSON), the state, a JSON body (history, probes, events, ...) and one
safetensors blob (weights, optimizer state, RNG states, replay frames). Nothing is ever unpickled:
JSON is read by `json`, tensors only by `safetensors`. Every write is one short transaction.

Shared by a class, the store degrades and never breaks:
- every database error (a damaged file: "database disk image is malformed", a lock held past the busy
  timeout, a full disk, a database server that is down) leaves a public method as StoreError, with the
  store and the cause; callers catch that one type, and the app trains on without saving;
- every row has a version, and a save names the version it started from (compare-and-swap): when
  another server or tab on the same store saved the run meanwhile, the save raises StoreConflict and
  changes nothing, so two writers never silently overwrite each other;
- every row has an owner (a browser, or a session when the browser is unknown). Old runs expire under
  a budget: rows older than `max_days` go first; an owner past its own quota (`owner_mb`) loses its own
  least recently updated rows; and while all rows together exceed `max_mb`, the owner using the most
  space loses its oldest row first, so one learner saving a lot cannot evict everyone else's runs.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from rnnplay.class_runs import watchable
from rnnplay.errors import StoreConflict, StoreError
from rnnplay.i18n import Msg
from rnnplay.store_postgres import PostgresBackend
from rnnplay.store_sqlite import SqliteBackend

SCHEMA_VERSION = 3  # 2: a version (compare-and-swap) and an owner (quotas) on every row; 3: the class runs
EXPIRE_EVERY_S = 60.0  # a save checks the budget at most this often: the check scans the table
POSTGRES_URL = ("postgresql://", "postgres://")
SQLITE_URL = "sqlite://"
# the statements of the rules: '?' placeholders (the PostgreSQL backend sends them as %s); an id is never ''
_COLUMNS = (
    "id", "created", "updated", "task", "state", "message", "steps_done", "config", "data", "tensors", "size",
    "version", "owner",
)  # fmt: skip
_READ = ("id", "created", "updated", "task", "state", "message", "steps_done", "config", "data", "tensors", "version")
_LISTED = ("id", "task", "state", "steps_done", "created", "updated", "size", "owner")
# a second save of a run keeps its created time and replaces everything else
_UPSERT = (
    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS if c not in ("id", "created"))
)
# a key's class run and its count, replaced whole
_CLAIM = (
    "INSERT INTO class_runs (key, run_id, claimed, trained) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
    "run_id=excluded.run_id, claimed=excluded.claimed, trained=excluded.trained"
)
# a row goes only as the version that was read: one saved meanwhile by another replica stays
_DELETE_SEEN = "DELETE FROM runs WHERE id = ? AND version = ?"


class Statements(Protocol):
    """Where the rules' statements run: a backend, or one of its transactions."""

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """One statement ('?' placeholders); the rows it returns ([] for a write)."""

    def many(self, sql: str, params: Iterable[tuple]) -> None:
        """One statement, once for each tuple of params."""


class Backend(Statements, Protocol):
    """What a database gives the rules (rnnplay/store_sqlite.py, rnnplay/store_postgres.py). Each
    statement outside a transaction commits on its own."""

    path: Path | None  # the SQLite file; None for a database server
    where: str  # the store as messages name it, never with a password
    shared: bool  # whether other replicas keep their runs in it too
    errors: tuple[type[Exception], ...]  # the driver's errors, which leave RunStore as StoreError

    def setup(self, schema_version: int) -> None:
        """Create or migrate the tables; StoreError when they were written by a newer schema."""

    def transaction(self, lock: str | None = None) -> AbstractContextManager[Statements]:
        """One write transaction, committed at the end of the block (rolled back on an error); `lock`:
        a run id no other transaction on the same store may hold meanwhile, on any replica."""

    def after_delete(self) -> None:
        """Give back the space of deleted rows, where the database does not do it itself."""

    def close(self) -> None: ...


def _db_errors(method):
    """Turn any database error (damaged file, lock held too long, disk full, server gone) into a
    StoreError naming the store, so that callers handle one type and a damaged store never reaches
    the page as a traceback."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self.backend.errors as e:
            raise StoreError(f"run store {self.where}: {type(e).__name__}: {e}") from None

    return wrapper


def new_run_id() -> str:
    """A random, URL-safe id (11 characters, 64 bits): unguessable enough that a run id in a URL is
    not an invitation to open other people's runs by counting."""
    return secrets.token_urlsafe(8)


def default_location() -> str:
    """Where runs are kept: RNNPLAY_STORE as given when it is a postgresql:// URL, else the SQLite file
    (default_path)."""
    raw = os.environ.get("RNNPLAY_STORE", "")
    return raw if raw.startswith(POSTGRES_URL) else str(default_path())


def default_path() -> Path:
    """The local file of the store: RNNPLAY_STORE (a path, or sqlite:///path), else the user's data
    directory ($XDG_DATA_HOME or ~/.local/share)/rnnplay/runs.sqlite. With a PostgreSQL store the files
    kept beside it (texts, the link secret) go beside (data directory)/rnnplay/postgresql."""
    raw = os.environ.get("RNNPLAY_STORE", "")
    if raw and not raw.startswith(POSTGRES_URL):
        return Path(raw.removeprefix(SQLITE_URL)).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "rnnplay"
    return base / ("postgresql" if raw else "runs.sqlite")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise StoreError(f"{name}={raw!r} is not a number; allowed: a positive number") from None
    if not value > 0:
        raise StoreError(f"{name}={raw!r} is out of range; allowed: a positive number")
    return value


def open_backend(location: str) -> Backend:
    """The backend for a location: a postgresql:// URL, else an SQLite file (a path or sqlite:///path).
    The PostgreSQL driver is imported only when such a backend opens: the default never needs it."""
    if location.startswith(POSTGRES_URL):
        return PostgresBackend(location)
    return SqliteBackend(Path(location.removeprefix(SQLITE_URL)).expanduser())


class RunStore:
    """RunStore(location).save(record) / .load(run_id); a record is a dict with id, config (JSON text),
    state, message, steps_done, task, data (JSON-able dict), tensors ({name: torch.Tensor}), and
    optionally version (the row's version it started from; None for a run never saved) and owner.

    location: an SQLite path or a postgresql:// URL; None: RNNPLAY_STORE (default_location).
    owner_mb (RNNPLAY_STORE_OWNER_MB, default a tenth of max_mb): what one owner's rows may use."""

    def __init__(
        self,
        path: str | Path | None = None,
        max_mb: float | None = None,
        max_days: float | None = None,
        owner_mb: float | None = None,
    ):
        max_mb = max_mb or _env_float("RNNPLAY_STORE_MAX_MB", 500)
        self.max_bytes = int(max_mb * 2**20)
        self.owner_max_bytes = int((owner_mb or _env_float("RNNPLAY_STORE_OWNER_MB", max_mb / 10)) * 2**20)
        self.max_days = max_days or _env_float("RNNPLAY_STORE_MAX_DAYS", 14)
        self._expired_at = 0.0
        self.backend: Backend = open_backend(str(path) if path is not None else default_location())
        self.path: Path | None = self.backend.path  # the SQLite file; None for a database server
        self.where: str = self.backend.where  # the store as messages name it (never a password)
        self.shared: bool = self.backend.shared  # other replicas keep their runs here too (a database server)
        try:
            self.backend.setup(SCHEMA_VERSION)
            self.expire()  # reads every row's size: a damaged file shows here, while opening
        except StoreError:  # a newer schema, or a damaged file that expire() read
            self.close()
            raise
        except (OSError, *self.backend.errors) as e:
            self.close()
            raise StoreError(f"run store {self.where}: cannot open it ({e})") from None

    def _conn(self):
        """This thread's SQLite connection (the tests reach into the file through it)."""
        return self.backend.conn()

    def close(self) -> None:
        """Close this thread's connection (SQLite; others close when their thread ends), or the idle
        connections to the database server."""
        self.backend.close()

    # writing ----------------------------------------------------------------------------------
    @_db_errors
    def save(self, record: dict) -> int:
        """Insert or replace the run record["id"]; returns the row's size in bytes. created is kept
        from the first save; updated is now. Compare-and-swap on the row's version: record["version"]
        is the version this run last read or wrote (None: never saved, so the row must not exist);
        StoreConflict, changing nothing, when the row holds another one. On success record["version"]
        becomes the row's new version. The owner's rows past its quota go, oldest first (never this one)."""
        blob = st_save(record["tensors"], metadata={"format": "rnnplay-run", "version": str(SCHEMA_VERSION)})
        data = json.dumps(record["data"], ensure_ascii=False, separators=(",", ":"))
        config, owner, expected = record["config"], str(record.get("owner") or ""), record.get("version")
        size = len(blob) + len(data.encode()) + len(config.encode())
        now = time.time()
        row = (record["id"], record.get("created") or now, now, record["task"], record["state"], record["message"])
        with self.backend.transaction(lock=record["id"]) as tx:  # no other save of this id until it ends
            found = tx.rows("SELECT version FROM runs WHERE id = ?", (record["id"],))
            if found and found[0][0] != expected:
                raise StoreConflict(
                    f"run {record['id']} was saved meanwhile by another server or tab "
                    f"(stored version {found[0][0]}, this one started from {expected})"
                )
            version = (found[0][0] if found else 0) + 1
            tx.rows(_UPSERT, (*row, int(record["steps_done"]), config, data, blob, size, version, owner))
            self._trim_owner(tx, owner, keep=record["id"])
        record["version"] = version
        if time.monotonic() - self._expired_at > EXPIRE_EVERY_S:
            self.expire(keep=record["id"])
        return size

    def _trim_owner(self, tx: Statements, owner: str, keep: str) -> None:
        """Inside save's transaction: the owner's least recently updated rows go until its rows fit
        in owner_max_bytes (never `keep`). Rows without an owner (saved before owners) have no quota."""
        if not owner:
            return
        rows = tx.rows("SELECT id, size, version FROM runs WHERE owner = ? ORDER BY updated DESC", (owner,))
        total = sum(size for _, size, _ in rows)
        gone = []
        for run_id, size, version in reversed(rows):  # oldest first
            if total <= self.owner_max_bytes:
                break
            if run_id != keep:
                gone.append((run_id, version))
                total -= size
        tx.many(_DELETE_SEEN, gone)

    @_db_errors
    def delete(self, run_id: str) -> None:
        self.backend.rows("DELETE FROM runs WHERE id = ?", (run_id,))

    @_db_errors
    def expire(self, keep: str | None = None, now: float | None = None) -> list[str]:
        """Delete runs last updated more than max_days ago; then, while the rest exceed max_bytes, the
        least recently updated run of the owner using the most space (never `keep`, the run just saved).
        Returns the ids deleted."""
        self._expired_at = time.monotonic()
        cutoff = (now or time.time()) - self.max_days * 86400
        with self.backend.transaction() as tx:
            gone = tx.rows("SELECT id, version FROM runs WHERE updated < ? AND id <> ?", (cutoff, keep or ""))
            rows = tx.rows("SELECT id, owner, size, version FROM runs WHERE updated >= ? ORDER BY updated", (cutoff,))
            gone += _largest_owner_first(rows, self.max_bytes, keep)
            tx.many(_DELETE_SEEN, gone)
        if gone:
            self.backend.after_delete()  # SQLite gives the freed pages back to the file system
        return [run_id for run_id, _ in gone]

    # a configuration trained once for a class (rnnplay/class_runs.py) ---------------------------
    @_db_errors
    def claim_class_run(self, key: str, run_id: str, fresh_s: float, now: float | None = None) -> tuple[str, int]:
        """A learner presses Train on a configuration whose key is `key`, in a run `run_id`: returns (the
        run to show, how many times the key has been trained). That is the key's class run when it is
        still worth watching (class_runs.watchable: finished, or training with a save or its claim within
        fresh_s), and nothing changes; otherwise run_id becomes the class run and the count goes up by one.
        One transaction per key, on every replica sharing the store."""
        now = time.time() if now is None else now
        with self.backend.transaction(lock="class run " + key) as tx:
            found = tx.rows("SELECT run_id, claimed, trained FROM class_runs WHERE key = ?", (key,))
            if found and found[0][0]:
                current, claimed, trained = found[0]
                row = tx.rows("SELECT state, updated FROM runs WHERE id = ?", (current,))
                state, updated = row[0] if row else (None, None)
                if watchable(state, updated, claimed, now, fresh_s):
                    return current, int(trained)
            trained = int(found[0][2]) + 1 if found else 1
            tx.rows(_CLAIM, (key, run_id, now, trained))
        return run_id, trained

    @_db_errors
    def count_training(self, key: str) -> int:
        """One more training of `key` that is not its class run (a learner's own copy); the new count."""
        with self.backend.transaction(lock="class run " + key) as tx:
            found = tx.rows("SELECT run_id, claimed, trained FROM class_runs WHERE key = ?", (key,))
            run_id, claimed, trained = found[0] if found else ("", 0.0, 0)
            tx.rows(_CLAIM, (key, run_id, claimed, int(trained) + 1))
        return int(trained) + 1

    @_db_errors
    def release_class_run(self, key: str, run_id: str) -> None:
        """run_id is no longer what `key`'s configuration trains (its owner reset it or changed its
        learning rate while it trained): the next learner to press Train trains the key anew. The count stays."""
        self.backend.rows("UPDATE class_runs SET run_id = '', claimed = 0 WHERE key = ? AND run_id = ?", (key, run_id))

    @_db_errors
    def class_run(self, key: str) -> dict | None:
        """The key's row: run_id ('' once released), claimed (a time), trained (a count); None if never trained."""
        found = self.backend.rows("SELECT run_id, claimed, trained FROM class_runs WHERE key = ?", (key,))
        return dict(zip(("run_id", "claimed", "trained"), found[0], strict=True)) if found else None

    @_db_errors
    def row_version(self, run_id: str) -> tuple[int, str] | None:
        """(version, state) of a stored run, without reading its body: whether it changed since it was loaded."""
        found = self.backend.rows("SELECT version, state FROM runs WHERE id = ?", (run_id,))
        return (int(found[0][0]), str(found[0][1])) if found else None

    # reading ----------------------------------------------------------------------------------
    @_db_errors
    def runs(self, owner: str | None = None) -> list[dict]:
        """Every stored run (or only `owner`'s), newest first: id, task, state, steps_done, created,
        updated, size, owner."""
        where, params = ("", ()) if owner is None else (" WHERE owner = ?", (owner,))
        rows = self.backend.rows(f"SELECT {', '.join(_LISTED)} FROM runs{where} ORDER BY updated DESC", params)
        return [dict(zip(_LISTED, r, strict=True)) for r in rows]

    @_db_errors
    def total_bytes(self) -> int:
        return int(self.backend.rows("SELECT COALESCE(SUM(size), 0) FROM runs")[0][0])

    @_db_errors
    def load(self, run_id: str) -> dict | None:
        """The record saved under run_id, or None if there is none (never saved, or expired).
        StoreError, naming the run and the damage, if the row cannot be read back."""
        found = self.backend.rows(f"SELECT {', '.join(_READ)}, owner FROM runs WHERE id = ?", (str(run_id),))
        if not found:
            return None
        row = found[0]
        if row[2] < time.time() - self.max_days * 86400:
            self.delete(run_id)
            return None
        rid, created, updated, task, state, message, steps_done, config, data, blob, version, owner = row
        try:
            body = json.loads(data)
        except (TypeError, json.JSONDecodeError) as e:
            raise StoreError(f"run {run_id}: its stored history is damaged (not JSON: {e})") from None
        if not isinstance(body, dict):
            raise StoreError(f"run {run_id}: its stored history is damaged (not a JSON object)")
        blob = bytes(blob) if isinstance(blob, (bytes, memoryview)) else b""
        if blob[8:9] != b"{":  # a safetensors file: 8 bytes of header length, then its JSON header
            what = "a pickle" if blob[:1] == b"\x80" else "a zip (torch.save)" if blob[:2] == b"PK" else "unknown bytes"
            raise StoreError(f"run {run_id}: its stored weights are damaged: {what}, not safetensors (never unpickled)")
        try:
            tensors = st_load(blob)
        except (SafetensorError, ValueError, RuntimeError, TypeError, OSError) as e:
            raise StoreError(f"run {run_id}: its stored weights are damaged ({e})") from None
        return {
            "id": rid,
            "created": created,
            "updated": updated,
            "task": task,
            "state": state,
            "message": message,
            "steps_done": steps_done,
            "config": config,
            "data": body,
            "tensors": tensors,
            "version": version,
            "owner": owner,
        }


def _largest_owner_first(rows: list[tuple], max_bytes: int, keep: str | None) -> list[tuple[str, int]]:
    """(id, version) of the rows to delete so that rows (id, owner, size, version; oldest first) fit in
    max_bytes: each time the oldest row of the owner whose rows take the most space, never `keep`."""
    queues: dict[str, list[tuple[str, int, int]]] = {}
    for run_id, owner, size, version in rows:
        if run_id != keep:
            queues.setdefault(owner, []).append((run_id, size, version))
    usage = {owner: 0 for owner in queues}
    for _, owner, size, _ in rows:
        usage[owner] = usage.get(owner, 0) + size
    total, gone = sum(usage.values()), []
    while total > max_bytes and any(queues.values()):
        owner = max((o for o in queues if queues[o]), key=lambda o: usage[o])
        run_id, size, version = queues[owner].pop(0)
        gone.append((run_id, version))
        usage[owner] -= size
        total -= size
    return gone


# the record's format: JSON with arrays and tensors by reference into the safetensors blob ---------
def encode(obj, tensors: dict, prefix: str = "nd") -> object:
    """obj with every numpy array (and torch tensor) replaced by {"__nd__": name}, the array copied
    into tensors[name] as a torch tensor; a translatable text (i18n.Msg) by {"__msg__": template,
    "values": ...}; numpy scalars become numbers, tuples lists, anything else its str(). The same
    array object reached twice (the latest probe is also the latest frame) is stored once."""
    seen: dict[int, str] = {}

    def walk(o):
        if isinstance(o, dict):
            return {str(k): walk(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [walk(v) for v in o]
        if isinstance(o, (np.ndarray, torch.Tensor)):
            if id(o) not in seen:
                seen[id(o)] = name = f"{prefix}.{len(tensors)}"
                t = torch.from_numpy(np.array(o)) if isinstance(o, np.ndarray) else o.detach().cpu()
                tensors[name] = t.clone().contiguous()  # own memory: safetensors refuses shared buffers
            return {"__nd__": seen[id(o)]}
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, Msg):
            return {"__msg__": o.template, "values": walk(o.values)}
        if o is None or isinstance(o, (str, int, float, bool)):
            return o
        return str(o)  # a type new to the record: kept as text rather than failing every save

    return walk(obj)


def decode(obj, tensors: dict, as_numpy: bool = True) -> object:
    """The inverse of encode: {"__nd__": name} -> the numpy array (or torch tensor) tensors[name].
    StoreError if a reference names no stored tensor."""

    def walk(o):
        if isinstance(o, dict):
            if set(o) == {"__msg__", "values"} and isinstance(o["values"], dict):
                return Msg(str(o["__msg__"]), **walk(o["values"]))
            if set(o) == {"__nd__"}:
                if o["__nd__"] not in tensors:
                    raise StoreError(f"stored record refers to a tensor {o['__nd__']!r} it does not hold")
                t = tensors[o["__nd__"]]
                return t.numpy() if as_numpy else t
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    return walk(obj)
