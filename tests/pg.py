"""A real PostgreSQL server for the store tests: initdb and pg_ctl in a temporary directory, listening on
127.0.0.1 at a free port, trusted local logins, stopped and removed at the end of the session. Each
test gets a database of its own (`pg_url`). PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` user (setpriv). Tests that use it skip, saying why, when psycopg or the server's
binaries are missing. `location` and `any_store` give a test each backend in turn. tests/conftest.py
registers these fixtures for every test.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import tempfile

import pytest

from deploy.up import LocalPostgres, pg_binary
from rnnplay.ray_head import free_port
from rnnplay.store import RunStore


def missing() -> str:
    """Why the PostgreSQL tests cannot run here ('' when they can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -r requirements-hosted.txt)"
    for name in ("initdb", "pg_ctl", "postgres"):
        if pg_binary(name) is None:
            return f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run the server as"
        if shutil.which("setpriv") is None:
            return "running as root, and there is no setpriv to run the server as the postgres user"
    return ""


class Postgres(LocalPostgres):
    """One throw-away server (a cluster in a temporary directory); start/stop it as often as a test needs."""

    def __init__(self):
        super().__init__(tempfile.mkdtemp(prefix="rnnplay-pg-"), free_port(), throwaway=True)
        self._names = itertools.count()

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        return self.database(f"t{next(self._names)}")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server, started once."""
    why = missing()
    if why:
        pytest.skip(why)
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def pg_url(postgres) -> str:
    """The URL of a fresh database on the session's server, which is running when the test starts."""
    import psycopg

    try:
        return postgres.new_database()
    except psycopg.OperationalError:  # a test before left it stopped: start it again
        postgres.start()
        return postgres.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    """Where a store of each backend keeps its runs: an SQLite file, or a fresh PostgreSQL database."""
    return str(tmp_path / "runs.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(location) -> RunStore:
    """A run store of each backend (the PostgreSQL one skipped, saying why, without a server)."""
    return RunStore(location)
