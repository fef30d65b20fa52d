"""A Streamlit server of the app for the browser tests: a free loopback port, one torch thread, the
caller's environment on top, handed over once /_stcore/health answers. The shared `server` fixture,
the hosted-mode tests (their own caps) and the persistence test (a restart on the same port) all start
theirs here."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `python -m streamlit`, with every thread's stack written to the log on SIGUSR1 (see thread_stacks)
LAUNCH = (
    "import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "sys.argv[0] = 'streamlit'; from streamlit.web.cli import main; main()"
)


class ServerLogWarning(UserWarning):
    """A test server logged an exception (shown in pytest's warnings summary)."""


RUNNING: dict[int, subprocess.Popen] = {}  # pid -> a server started here and not yet stopped


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    env: dict | None = None, port: int | None = None, output=None, cpus: set[int] | None = None
) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of a healthy server. output: where its log goes; by default a temporary file,
    never a pipe (a pipe that nobody reads fills after 64 kB, and then every thread of the server that
    writes a line waits on it for good). The file's path is the process's `log_path`; it is printed when the
    server fails to start. cpus: the cores it may run on (by default those of the calling thread)."""
    port = port or free_port()
    log_path = None
    if output is None:
        fd, log_path = tempfile.mkstemp(prefix="rnnplay-server-", suffix=".log")
        output = os.fdopen(fd, "wb")
    env = {**os.environ, "RNNPLAY_THREADS": "1", "OMP_NUM_THREADS": "1", **(env or {})}
    cmd = [sys.executable, "-c", LAUNCH, "run", str(ROOT / "app.py"), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, preexec_fn=pin)
    proc.log_path = log_path
    if log_path is not None:
        output.close()  # the server holds its own copy
    RUNNING[proc.pid] = proc
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.5)
    RUNNING.pop(proc.pid, None)
    proc.kill()
    log = Path(log_path).read_text(errors="replace")[-3000:] if log_path else ""
    raise RuntimeError("streamlit did not become healthy:\n" + log)


def stop(proc: subprocess.Popen) -> None:
    """Terminate, and kill a server that a loaded machine keeps from exiting in time."""
    RUNNING.pop(proc.pid, None)
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    log_path = getattr(proc, "log_path", None)
    if log_path:
        log = Path(log_path).read_text(errors="replace")
        if "Traceback" in log:  # an exception the server caught and logged: the test may pass all the same
            first = log[log.index("Traceback") :][:3000]
            warnings.warn(f"the test server {proc.pid} logged an exception:\n{first}", ServerLogWarning, stacklevel=2)
        if not os.environ.get("RNNPLAY_KEEP_SERVER_LOGS"):
            Path(log_path).unlink(missing_ok=True)


def thread_stacks(proc: subprocess.Popen, wait_s: float = 10.0) -> str:
    """Every thread's stack in a running server (faulthandler's dump, from its log), for a failing test's
    report: what a server that stopped answering or training was doing. "" without a log file. The dump
    ends with the thread that wrote it ("Current thread ..."): read once that block is there and the file
    stopped growing, or after wait_s (a busy machine writes it slowly)."""
    log_path = getattr(proc, "log_path", None)
    if not log_path or proc.poll() is not None:
        return ""
    log = Path(log_path)
    start_at = log.stat().st_size
    os.kill(proc.pid, signal.SIGUSR1)
    deadline, size = time.monotonic() + wait_s, start_at
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = log.stat().st_size
        if now == size and b"Current thread" in log.read_bytes()[start_at:]:
            break
        size = now
    return log.read_bytes()[start_at:].decode(errors="replace")


def log_tail(proc: subprocess.Popen, chars: int = 6000) -> str:
    """The end of a server's log (before any stack dump is asked for)."""
    log_path = getattr(proc, "log_path", None)
    return Path(log_path).read_text(errors="replace")[-chars:] if log_path else ""


@contextlib.contextmanager
def serve(**env: str):
    """The base URL of a server with env set, stopped afterwards."""
    proc, url = start(env)
    try:
        yield url
    finally:
        stop(proc)
