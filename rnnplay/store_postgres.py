"""The run store's PostgreSQL backend: RNNPLAY_STORE=postgresql://user@host/db puts the runs of every
replica in one database, so any replica reopens any run. Same schema and rules as the SQLite file
(rnnplay/store.py holds the rules); the driver is psycopg 3 (requirements-hosted.txt), imported only
when such a URL is configured.

Connections come from a small pool: a save or a read borrows one for its statement or transaction, so
many training threads share a few connections. A connection found closed by the server (a restart)
is dropped and a new one made, so the store comes back by itself once the database does; while it is
down every call is a StoreError. A save holds a transaction-scoped advisory lock on its run id, so
two replicas saving one id (a row that may not exist yet) take turns and the compare-and-swap holds.
"""

from __future__ import annotations

import contextlib
import select
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from rnnplay.errors import StoreError

BUSY_TIMEOUT_S = 15.0  # a statement, a lock wait or a free connection: waited for this long at most
MAX_CONNECTIONS = 8  # per store object (a replica): more callers wait for a free one
MAX_IDLE = 4  # connections kept open between calls
# what a URL does not say: how long to try to connect, and a time limit on every statement
DEFAULTS = {
    "connect_timeout": "10",
    "application_name": "rnnplay",
    "options": f"-c statement_timeout={int(BUSY_TIMEOUT_S * 1000)} -c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}",
}
# a key's class run and how many times the key was trained (rnnplay/class_runs.py)
CLASS_RUNS = """
CREATE TABLE IF NOT EXISTS class_runs (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    claimed DOUBLE PRECISION NOT NULL,
    trained BIGINT NOT NULL DEFAULT 0
)"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    task TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    steps_done BIGINT NOT NULL,
    config TEXT NOT NULL,
    data TEXT NOT NULL,
    tensors BYTEA NOT NULL,
    size BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_updated ON runs (updated);
CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner);
CREATE TABLE IF NOT EXISTS rnnplay_schema (version INTEGER NOT NULL);
"""  # schema 2; MIGRATIONS bring it up to date
# from each schema version to the next: 2 -> 3 adds the class runs
MIGRATIONS = {2: (CLASS_RUNS,)}


def shown(url: str) -> str:
    """The URL as messages show it: a password in it (user:secret@, ?password=) becomes ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else netloc
    query = "&".join(p if not p.lower().startswith("password=") else "password=***" for p in parts.query.split("&"))
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class _Conn:
    """A borrowed connection as the rules use it: rows(sql, params) with '?' placeholders."""

    def __init__(self, conn):
        self.conn = conn

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        cur = self.conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description is not None else []

    def many(self, sql: str, params: list[tuple]) -> None:
        if params:
            with self.conn.cursor() as cur:
                cur.executemany(sql.replace("?", "%s"), params)


class PostgresBackend:
    """The store in the database at `url`; the schema version is the one row of rnnplay_schema."""

    path = None
    shared = True  # every replica's runs

    def __init__(self, url: str):
        self.where = shown(url)
        try:
            # psycopg 3 is a hosted extra (requirements-hosted.txt): only a postgresql:// store needs it
            import psycopg
        except ImportError:
            raise StoreError(
                f"run store {self.where}: PostgreSQL needs the psycopg package (pip install -r requirements-hosted.txt)"
            ) from None
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        try:
            given = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.Error as e:
            raise StoreError(f"run store {self.where}: not a PostgreSQL URL ({e})") from None
        self._url = url
        self._extra = {k: v for k, v in DEFAULTS.items() if k not in given}
        self._idle: list = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    # the pool ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _borrow(self) -> Iterator:
        """A connection (autocommit) for one call; given back afterwards, or dropped if it broke."""
        if not self._slots.acquire(timeout=BUSY_TIMEOUT_S):
            raise StoreError(f"run store {self.where}: all {MAX_CONNECTIONS} connections stayed busy")
        conn = None
        try:
            conn = self._reuse() or self._psycopg.connect(self._url, autocommit=True, **self._extra)
            yield conn
        finally:
            if conn is not None:
                self._give_back(conn)
            self._slots.release()

    def _reuse(self):
        """An idle connection that is still open. An idle connection has nothing to read: a readable
        socket means the server said goodbye (a restart, an administrator) or closed it."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            try:
                readable = select.select([conn.fileno()], [], [], 0)[0]
            except (OSError, ValueError, self._psycopg.Error):
                readable = True
            if not readable and not conn.broken:
                return conn
            conn.close()

    def _give_back(self, conn) -> None:
        idle = self._psycopg.pq.TransactionStatus.IDLE
        if not conn.closed and not conn.broken and conn.info.transaction_status == idle:
            with self._lock:
                if len(self._idle) < MAX_IDLE:
                    self._idle.append(conn)
                    return
        conn.close()

    # the interface the rules use ----------------------------------------------------------------
    def setup(self, schema_version: int) -> None:
        """Create the tables once (one replica at a time, under an advisory lock); StoreError when the
        database holds a newer schema than this rnnplay reads."""
        with self.transaction(lock="schema") as tx:
            found = tx.rows("SELECT to_regclass('rnnplay_schema') IS NOT NULL")[0][0]
            version = tx.rows("SELECT max(version) FROM rnnplay_schema")[0][0] if found else None
            if version is not None and version > schema_version:
                raise StoreError(
                    f"run store {self.where}: schema version {version} was written by a newer rnnplay; "
                    f"this one reads version {schema_version}"
                )
            if version is None:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        tx.rows(statement)
                tx.rows("INSERT INTO rnnplay_schema (version) VALUES (?)", (2,))
                version = 2
            if version < schema_version:
                for old in range(version, schema_version):
                    for statement in MIGRATIONS.get(old, ()):
                        tx.rows(statement)
                tx.rows("UPDATE rnnplay_schema SET version = ?", (schema_version,))

    @contextlib.contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[_Conn]:
        """One transaction on a borrowed connection; `lock`: a name (a run id) that one transaction at a
        time may hold, across every replica, until it commits or rolls back."""
        with self._borrow() as conn, conn.transaction():
            tx = _Conn(conn)
            if lock is not None:
                tx.rows("SELECT pg_advisory_xact_lock(hashtext(?))", ("rnnplay run store: " + lock,))
            yield tx

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """One statement in its own transaction; the rows it returns ([] for a write)."""
        with self._borrow() as conn:
            return _Conn(conn).rows(sql, params)

    def many(self, sql: str, params: list[tuple]) -> None:
        with self.transaction() as tx:
            tx.many(sql, params)

    def after_delete(self) -> None:
        """Nothing: PostgreSQL's autovacuum gives the space back."""

    def conn(self):
        raise StoreError(f"run store {self.where}: no SQLite connection in a PostgreSQL store")

    def close(self) -> None:
        """Close the idle connections (borrowed ones close when given back after this)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __del__(self):
        if getattr(self, "_idle", None):  # a store that is dropped closes its idle connections
            self.close()
