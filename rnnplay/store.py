"""Runs kept on disk (R7): an embedded SQLite file, one row per run id, so a reload, a reconnect or a
server restart reopens a run with its history and weights.

A row holds the configuration (JSON), the state, a JSON body (history, probes, events, ...) and one
safetensors blob (weights, optimizer state, RNG states, replay frames). Nothing is ever unpickled:
JSON is read by `json`, tensors only by `safetensors`. Many sessions write at once, so the file is
in WAL mode with a busy timeout, each thread has its own connection, and every write is one short
`BEGIN IMMEDIATE` transaction. Old runs expire under a budget: rows older than `max_days` go first,
then the least recently updated until the rows fit in `max_mb`. No streamlit here.
"""

from __future__ import annotations

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

SCHEMA_VERSION = 1
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
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_updated ON runs (updated);
"""
_COLUMNS = ("id", "created", "updated", "task", "state", "message", "steps_done", "config", "data", "tensors", "size")
# a second save of a run keeps its created time and replaces everything else
_UPSERT = (
    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS if c not in ("id", "created"))
)


class StoreError(ValueError):
    """The store cannot be opened, or a stored run cannot be read back; the message says which and why."""


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
    state, message, steps_done, task, data (JSON-able dict) and tensors ({name: torch.Tensor})."""

    def __init__(self, path: str | Path | None = None, max_mb: float | None = None, max_days: float | None = None):
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.max_bytes = int((max_mb or _env_float("RNNPLAY_STORE_MAX_MB", 500)) * 2**20)
        self.max_days = max_days or _env_float("RNNPLAY_STORE_MAX_DAYS", 14)
        self._local = threading.local()
        self._expired_at = 0.0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._setup()
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"run store {self.path}: cannot open it ({e})") from None
        self.expire()

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
            conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # writing ----------------------------------------------------------------------------------
    def save(self, record: dict) -> int:
        """Insert or replace the run record["id"]; returns the row's size in bytes. created is kept
        from the first save; updated is now."""
        blob = st_save(record["tensors"], metadata={"format": "rnnplay-run", "version": str(SCHEMA_VERSION)})
        data = json.dumps(record["data"], ensure_ascii=False, separators=(",", ":"))
        config = record["config"]
        size = len(blob) + len(data.encode()) + len(config.encode())
        now = time.time()
        row = (record["id"], record.get("created") or now, now, record["task"], record["state"], record["message"])
        row += (int(record["steps_done"]), config, data, blob, size)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_UPSERT, row)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if time.monotonic() - self._expired_at > EXPIRE_EVERY_S:
            self.expire(keep=record["id"])
        return size

    def delete(self, run_id: str) -> None:
        self._conn().execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def expire(self, keep: str | None = None, now: float | None = None) -> list[str]:
        """Delete runs last updated more than max_days ago, then the least recently updated ones
        until the rest fit in max_bytes (never `keep`, the run just saved). Returns the ids deleted."""
        self._expired_at = time.monotonic()
        cutoff = (now or time.time()) - self.max_days * 86400
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            gone = [r[0] for r in conn.execute("SELECT id FROM runs WHERE updated < ? AND id IS NOT ?", (cutoff, keep))]
            rows = conn.execute(
                "SELECT id, size FROM runs WHERE updated >= ? ORDER BY updated DESC", (cutoff,)
            ).fetchall()
            total = sum(size for _, size in rows)
            for run_id, size in reversed(rows):  # oldest first
                if total <= self.max_bytes:
                    break
                if run_id != keep:
                    gone.append(run_id)
                    total -= size
            conn.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in gone])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if gone:
            conn.execute("PRAGMA incremental_vacuum")  # give the freed pages back to the file system
        return gone

    # reading ----------------------------------------------------------------------------------
    def runs(self) -> list[dict]:
        """Every stored run, newest first: id, task, state, steps_done, created, updated, size."""
        cur = self._conn().execute(
            "SELECT id, task, state, steps_done, created, updated, size FROM runs ORDER BY updated DESC"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def total_bytes(self) -> int:
        return self._conn().execute("SELECT COALESCE(SUM(size), 0) FROM runs").fetchone()[0]

    def load(self, run_id: str) -> dict | None:
        """The record saved under run_id, or None if there is none (never saved, or expired).
        StoreError, naming the run and the damage, if the row cannot be read back."""
        query = f"SELECT {', '.join(_COLUMNS[:-1])} FROM runs WHERE id = ?"
        row = self._conn().execute(query, (str(run_id),)).fetchone()
        if row is None:
            return None
        if row[2] < time.time() - self.max_days * 86400:
            self.delete(run_id)
            return None
        rid, created, updated, task, state, message, steps_done, config, data, blob = row
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
        }


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
