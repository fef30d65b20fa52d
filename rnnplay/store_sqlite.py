"""The run store's SQLite backend (the default): one embedded file, nothing to start. Many sessions
write at once, so the file is in WAL mode with a busy timeout, each thread has its own connection, and
every write is one short `BEGIN IMMEDIATE` transaction. The rules live in rnnplay/store.py.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from rnnplay.errors import StoreError

BUSY_TIMEOUT_MS = 15_000
# a key's class run and how many times the key was trained (rnnplay/class_runs.py)
_CLASS_RUNS = """
CREATE TABLE IF NOT EXISTS class_runs (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    claimed REAL NOT NULL,
    trained INTEGER NOT NULL DEFAULT 0
)"""
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
"""  # schema 2; the migrations below bring it up to date
# schema 1 -> 2: the same rows, at version 0 and with no owner
_MIGRATE_1 = (
    "ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner)",
)
# schema 2 -> 3: the class runs, none yet
_MIGRATE_2 = (_CLASS_RUNS,)


class SqliteBackend:
    """The store in the file `path`; the schema version is the file's user_version."""

    errors = (sqlite3.Error,)
    shared = False  # one server's file (docs/deploy.md: never on a network file system)

    def __init__(self, path: Path):
        self.path = path
        self.where = str(path)
        self._local = threading.local()

    def conn(self) -> sqlite3.Connection:
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

    def setup(self, schema_version: int) -> None:
        """Create the tables (or bring a file of an older schema up to date); StoreError for a newer schema."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema_version:
            raise StoreError(
                f"run store {self.where}: schema version {version} was written by a newer rnnplay; "
                f"this one reads version {schema_version}"
            )
        if version == 0:
            conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect before the first table
        conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        if version < schema_version:  # tables and version in one transaction: a second process waits
            with self.transaction():
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
                if version == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    version = 2
                for old, statements in ((1, _MIGRATE_1), (2, _MIGRATE_2)):
                    if version <= old:
                        for statement in statements:
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version={schema_version}")

    @contextlib.contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[SqliteBackend]:
        """One write transaction on this thread's connection. BEGIN IMMEDIATE takes the whole file's
        write lock, so `lock` (a run id no one else may save meanwhile) needs nothing more."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """One statement ('?' placeholders); the rows it returns ([] for a write)."""
        return self.conn().execute(sql, params).fetchall()

    def many(self, sql: str, params: list[tuple]) -> None:
        self.conn().executemany(sql, params)

    def after_delete(self) -> None:
        self.conn().execute("PRAGMA incremental_vacuum")  # give the freed pages back to the file system

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
