"""Runs kept on disk (R7): an embedded SQLite file, one row per run id, so a reload, a reconnect or a
server restart reopens a run with its history and weights.

A row holds the configuration (JSON), the state, a JSON body (history, probes, events, ...) and one
safetensors blob (weights, optimizer state, RNG states, replay frames). Nothing is ever unpickled:
JSON is read by `json`, tensors only by `safetensors`. Many sessions write at once, so the file is
in WAL mode with a busy timeout, each thread has its own connection, and every write is one short
`BEGIN IMMEDIATE` transaction. No streamlit here.

Shared by a class, the store degrades and never breaks:
- every database error (a damaged file: "database disk image is malformed", a lock held past the busy
  timeout, a full disk) leaves a public method as StoreError, with the file and the cause; callers catch
  that one type, and the app trains on without saving;
- every row has a version, and a save names the version it started from (compare-and-swap): when
  another server or tab on the same file saved the run meanwhile, the save raises StoreConflict and
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
import sqlite3
import threading
import time
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

SCHEMA_VERSION = 2  # 2: a version (compare-and-swap) and an owner (quotas) on every row
BUSY_TIMEOUT_MS = 15_000
EXPIRE_EVERY_S = 60.0  # a save checks the budget at most this often: the check scans the table
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    task TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    steps_done INTEGER NOT NULL,
    config TEXT NOT NULL,
    data TEXT NOT NULL,
    tensors BLOB NOT NULL,
    size INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_updated ON runs (updated);
CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner);
"""
# schema 1 -> 2: the same rows, at version 0 and with no owner
_MIGRATE_1 = (
    "ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner)",
)
_COLUMNS = (
    "id", "created", "updated", "task", "state", "message", "steps_done", "config", "data", "tensors", "size",
    "version", "owner",
)  # fmt: skip
_READ = ("id", "created", "updated", "task", "state", "message", "steps_done", "config", "data", "tensors", "version")
# a second save of a run keeps its created time and replaces everything else
_UPSERT = (
    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS if c not in ("id", "created"))
)


class StoreError(ValueError):
    """The store cannot be opened, read or written, or a stored run cannot be read back; the message
    says which and why. Every database error leaves RunStore's public methods as this one type."""


class StoreConflict(StoreError):
    """A save lost a compare-and-swap: the row was saved meanwhile by another writer (another server
    on the same file, or another tab's copy), and this save changed nothing."""


def _db_errors(method):
    """Turn any sqlite3 error (damaged file, lock held too long, disk full) into a StoreError naming
    the file, so that callers handle one type and a damaged store never reaches the page as a traceback."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise StoreError(f"run store {self.path}: {type(e).__name__}: {e}") from None

    return wrapper


def new_run_id() -> str:
    """A random, URL-safe id (11 characters, 64 bits): unguessable enough that a run id in a URL is
    not an invitation to open other people's runs by counting."""
    return secrets.token_urlsafe(8)


def default_path() -> Path:
    """RNNPLAY_STORE, else the user's data directory ($XDG_DATA_HOME or ~/.local/share)/rnnplay."""
    if os.environ.get("RNNPLAY_STORE"):
        return Path(os.environ["RNNPLAY_STORE"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "rnnplay" / "runs.sqlite"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise StoreError(f"{name}={raw!r} is not a number; allowed: a positive number") from None
    if not value > 0:
        raise StoreError(f"{name}={raw!r} is out of range; allowed: a positive number")
    return value


class RunStore:
    """RunStore(path).save(record) / .load(run_id); a record is a dict with id, config (JSON text),
    state, message, steps_done, task, data (JSON-able dict), tensors ({name: torch.Tensor}), and
    optionally version (the row's version it started from; None for a run never saved) and owner.

    owner_mb (RNNPLAY_STORE_OWNER_MB, default a tenth of max_mb): what one owner's rows may use."""

    def __init__(
        self,
        path: str | Path | None = None,
        max_mb: float | None = None,
        max_days: float | None = None,
        owner_mb: float | None = None,
    ):
        self.path = Path(path).expanduser() if path is not None else default_path()
        max_mb = max_mb or _env_float("RNNPLAY_STORE_MAX_MB", 500)
        self.max_bytes = int(max_mb * 2**20)
        self.owner_max_bytes = int((owner_mb or _env_float("RNNPLAY_STORE_OWNER_MB", max_mb / 10)) * 2**20)
        self.max_days = max_days or _env_float("RNNPLAY_STORE_MAX_DAYS", 14)
        self._local = threading.local()
        self._expired_at = 0.0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._setup()
            self.expire()  # reads every row's size: a damaged file shows here, while opening
        except StoreError:  # a newer schema, or a damaged file that expire() read
            self.close()
            raise
        except (OSError, sqlite3.Error) as e:
            self.close()
            raise StoreError(f"run store {self.path}: cannot open it ({e})") from None

    # connections ------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection: sqlite3 connections must not be shared between threads."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # autocommit (isolation_level=None): we open our own BEGIN IMMEDIATE, which takes the write
            # lock up front, so two writers wait on busy_timeout instead of failing a lock upgrade
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
            self._local.conn = conn
        return conn

    def _setup(self) -> None:
        conn = self._conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"run store {self.path}: schema version {version} was written by a newer rnnplay; "
                f"this one reads version {SCHEMA_VERSION}"
            )
        if version == 0:
            conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect before the first table
        conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        if version < SCHEMA_VERSION:  # tables and version in one transaction: a second process waits
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
                if version == 1:
                    for statement in _MIGRATE_1:
                        conn.execute(statement)
                elif version == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

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
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = conn.execute("SELECT version FROM runs WHERE id = ?", (record["id"],)).fetchone()
            if found is not None and found[0] != expected:
                raise StoreConflict(
                    f"run {record['id']} was saved meanwhile by another server or tab "
                    f"(stored version {found[0]}, this one started from {expected})"
                )
            version = (found[0] if found else 0) + 1
            conn.execute(_UPSERT, (*row, int(record["steps_done"]), config, data, blob, size, version, owner))
            self._trim_owner(conn, owner, keep=record["id"])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        record["version"] = version
        if time.monotonic() - self._expired_at > EXPIRE_EVERY_S:
            self.expire(keep=record["id"])
        return size

    def _trim_owner(self, conn: sqlite3.Connection, owner: str, keep: str) -> None:
        """Inside save's transaction: the owner's least recently updated rows go until its rows fit
        in owner_max_bytes (never `keep`). Rows without an owner (saved before owners) have no quota."""
        if not owner:
            return
        rows = conn.execute("SELECT id, size FROM runs WHERE owner = ? ORDER BY updated DESC", (owner,)).fetchall()
        total = sum(size for _, size in rows)
        gone = []
        for run_id, size in reversed(rows):  # oldest first
            if total <= self.owner_max_bytes:
                break
            if run_id != keep:
                gone.append((run_id,))
                total -= size
        conn.executemany("DELETE FROM runs WHERE id = ?", gone)

    @_db_errors
    def delete(self, run_id: str) -> None:
        self._conn().execute("DELETE FROM runs WHERE id = ?", (run_id,))

    @_db_errors
    def expire(self, keep: str | None = None, now: float | None = None) -> list[str]:
        """Delete runs last updated more than max_days ago; then, while the rest exceed max_bytes, the
        least recently updated run of the owner using the most space (never `keep`, the run just saved).
        Returns the ids deleted."""
        self._expired_at = time.monotonic()
        cutoff = (now or time.time()) - self.max_days * 86400
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            gone = [r[0] for r in conn.execute("SELECT id FROM runs WHERE updated < ? AND id IS NOT ?", (cutoff, keep))]
            rows = conn.execute(
                "SELECT id, owner, size FROM runs WHERE updated >= ? ORDER BY updated", (cutoff,)
            ).fetchall()
            gone += _largest_owner_first(rows, self.max_bytes, keep)
            conn.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in gone])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if gone:
            conn.execute("PRAGMA incremental_vacuum")  # give the freed pages back to the file system
        return gone

    # reading ----------------------------------------------------------------------------------
    @_db_errors
    def runs(self) -> list[dict]:
        """Every stored run, newest first: id, task, state, steps_done, created, updated, size, owner."""
        cur = self._conn().execute(
            "SELECT id, task, state, steps_done, created, updated, size, owner FROM runs ORDER BY updated DESC"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    @_db_errors
    def total_bytes(self) -> int:
        return self._conn().execute("SELECT COALESCE(SUM(size), 0) FROM runs").fetchone()[0]

    @_db_errors
    def load(self, run_id: str) -> dict | None:
        """The record saved under run_id, or None if there is none (never saved, or expired).
        StoreError, naming the run and the damage, if the row cannot be read back."""
        query = f"SELECT {', '.join(_READ)}, owner FROM runs WHERE id = ?"
        row = self._conn().execute(query, (str(run_id),)).fetchone()
        if row is None:
            return None
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


def _largest_owner_first(rows: list[tuple[str, str, int]], max_bytes: int, keep: str | None) -> list[str]:
    """Ids to delete so that rows (id, owner, size; oldest first) fit in max_bytes: each time the
    oldest row of the owner whose rows take the most space, never `keep`."""
    queues: dict[str, list[tuple[str, int]]] = {}
    for run_id, owner, size in rows:
        if run_id != keep:
            queues.setdefault(owner, []).append((run_id, size))
    usage = {owner: 0 for owner in queues}
    for _, owner, size in rows:
        usage[owner] = usage.get(owner, 0) + size
    total, gone = sum(usage.values()), []
    while total > max_bytes and any(queues.values()):
        owner = max((o for o in queues if queues[o]), key=lambda o: usage[o])
        run_id, size = queues[owner].pop(0)
        gone.append(run_id)
        usage[owner] -= size
        total -= size
    return gone


# the record's format: JSON with arrays and tensors by reference into the safetensors blob ---------
def encode(obj, tensors: dict, prefix: str = "nd") -> object:
    """obj with every numpy array (and torch tensor) replaced by {"__nd__": name}, the array copied
    into tensors[name] as a torch tensor; a translatable text (i18n.Msg) by {"__msg__": template,
    "values": ...}; numpy scalars become numbers, tuples lists, anything else its str(). The same
    array object reached twice (the latest probe is also the latest frame) is stored once."""
    import numpy as np
    import torch

    from rnnplay.i18n import Msg

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
    from rnnplay.i18n import Msg

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
