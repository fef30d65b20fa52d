"""A local Ray head (`ray start --head`) started and ended from Python: the deployment launcher's
(`python -m deploy.up --ray-local`), the Ray benchmark's and the Ray tests'. It needs the `ray` command
beside this Python (requirements-hosted.txt), not the ray package."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end_group(pgid: int, grace_s: float = 10.0) -> None:
    """SIGTERM to a process group, SIGKILL to what is left of it after grace_s."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + wait_s
        while time.monotonic() < end:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


class RayHead:
    """A Ray head on this machine, in a temporary directory. `ray start` runs in a session of its own,
    which its daemons and their workers keep (sid: its id), so ending that process group ends this head
    and nothing else (`ray stop` would end every Ray on the machine). env: on top of this process's."""

    def __init__(self, num_cpus: int, port: int, node_ip: str = "127.0.0.1", env: dict | None = None):
        self.tmp = tempfile.mkdtemp(prefix="rnnplay-ray-")
        self.address = f"{node_ip}:{port}"
        ray = str(Path(sys.executable).with_name("ray"))
        args = [ray, "start", "--head", "--node-ip-address", node_ip, "--port", str(port)]
        args += ["--num-cpus", str(num_cpus), "--include-dashboard=false", "--disable-usage-stats"]
        args += ["--temp-dir", self.tmp]
        env = {**os.environ, "RAY_TMPDIR": self.tmp, **(env or {})}
        starter = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.sid = starter.pid
        out, _ = starter.communicate(timeout=180)
        if starter.returncode != 0:
            self.stop()
            raise RuntimeError(f"ray start failed: {out.decode(errors='replace')[-2000:]}")

    def stop(self) -> None:
        end_group(self.sid)
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def local_head(num_cpus: int, env: dict | None = None):
    """A RayHead on 127.0.0.1 at a free port for the `with` block; yields its address."""
    head = RayHead(num_cpus, free_port(), env=env)
    try:
        yield head.address
    finally:
        head.stop()
