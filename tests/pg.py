"""A real PostgreSQL server for the store tests: initdb and pg_ctl in a temporary directory, listening on
127.0.0.1 at a free port, trusted local logins, stopped and removed at the end of the session. Each
test gets a database of its own (`pg_url`). PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` user (setpriv). Tests that use it skip, saying why, when psycopg or the server's
binaries are missing. `location` and `any_store` give a test each backend in turn. tests/conftest.py
registers these fixtures for every test.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from rnnplay.store import RunStore

USER = "rnnplay"


def _binary(name: str) -> str | None:
    """initdb/pg_ctl on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    debian = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or (debian[-1] if debian else None)


def missing() -> str:
    """Why the PostgreSQL tests cannot run here ('' when they can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -r requirements-hosted.txt)"
    for name in ("initdb", "pg_ctl", "postgres"):
        if _binary(name) is None:
            return f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run the server as"
        if shutil.which("setpriv") is None:
            return "running as root, and there is no setpriv to run the server as the postgres user"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """One server (a cluster in a temporary directory); start/stop it as often as a test needs."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="rnnplay-pg-"))
        self.port = _free_port()
        self._names = itertools.count()
        self._as = []
        if os.geteuid() == 0:  # the server's own user owns its files
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._as = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
        self._run("initdb", "-D", self.data, "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")

    @property
    def data(self) -> str:
        return str(self.dir / "data")

    def _run(self, name: str, *args: str) -> None:
        cmd = [*self._as, _binary(name), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self) -> None:
        # loopback only, its socket file in its own directory, no fsync (a throw-away cluster)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -F"
        self._run("pg_ctl", "-D", self.data, "-l", str(self.dir / "log"), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """fast: the server ends every connection and stops; immediate: as if it crashed."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

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
