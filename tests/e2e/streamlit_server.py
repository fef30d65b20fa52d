"""A Streamlit server of the app for the browser tests: a free loopback port, one torch thread, the
caller's environment on top, handed over once /_stcore/health answers. The shared `server` fixture,
the hosted-mode tests (their own caps) and the persistence test (a restart on the same port) all start
theirs here."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    env: dict | None = None, port: int | None = None, output=subprocess.PIPE, cpus: set[int] | None = None
) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of a healthy server. output: where its log goes (PIPE is read only when it
    fails to start; DEVNULL for a long run that logs a lot). cpus: the cores it may run on (by default
    those of the calling thread)."""
    port = port or free_port()
    env = {**os.environ, "RNNPLAY_THREADS": "1", "OMP_NUM_THREADS": "1", **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, preexec_fn=pin)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    log = proc.stdout.read().decode()[-3000:] if proc.stdout else ""
    raise RuntimeError("streamlit did not become healthy:\n" + log)


def stop(proc: subprocess.Popen) -> None:
    """Terminate, and kill a server that a loaded machine keeps from exiting in time."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def serve(**env: str):
    """The base URL of a server with env set, stopped afterwards."""
    proc, url = start(env)
    try:
        yield url
    finally:
        stop(proc)
