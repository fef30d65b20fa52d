"""nginx + N Streamlit replicas + Ray + PostgreSQL, started with one command and stopped with Ctrl-C:

    python -m deploy.up --replicas 2 --port 8080 --ray-local --pg-local deploy-state/pg

What it starts (or connects to), in this order, each waited for before the next:
- PostgreSQL: `--pg-url URL` uses a running database; `--pg-local DIR` runs Debian's postgres on
  127.0.0.1 with its data in DIR (made by initdb on the first start, kept afterwards); neither: each
  replica keeps its own SQLite file in the state directory.
- Ray: `--ray ADDRESS` joins a running cluster; `--ray-local` starts a head on this machine
  (`--ray-cpus`, other machines join it with `ray start --address HOST:PORT`); neither: runs train in
  threads of the replicas.
- N replicas (`streamlit run app.py`) on 127.0.0.1, ports --replica-port, +1, ..., each with the same
  RNNPLAY_SECRET and STREAMLIT_SERVER_COOKIE_SECRET (from the environment, else made once and kept in
  the state directory), the store and Ray settings above, and everything else of this process's
  environment (the caps: RNNPLAY_MAX_TRAININGS, RNNPLAY_MAX_PARAMS, ...); healthy once
  /_stcore/health answers "ok".
- nginx on --host:--port in front of them, its configuration written to <state>/nginx/nginx.conf:
  sticky by a cookie, the websocket upgraded, and passive health checks (open-source nginx has no
  active ones): a replica that refuses a connection or times out is left out for 10 s and its
  browsers go to another replica, which reopens their runs from the shared store.

While it runs, a replica that exits is started again. Ctrl-C (or SIGTERM) stops everything it started,
in the reverse order. The test tests/e2e/test_deploy.py runs the same functions on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rnnplay.ray_head import RayHead, free_port

ROOT = Path(__file__).resolve().parents[1]  # the app's checkout: app.py is here
PG_USER = "rnnplay"
PG_DATABASE = "rnnplay"


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 180.0) -> None:
    """Until GET url answers 200 "ok"; RuntimeError when proc exits first or timeout_s pass."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer ok within {timeout_s:.0f} s")


# PostgreSQL --------------------------------------------------------------------------------------------
def pg_binary(name: str) -> str | None:
    """initdb/pg_ctl on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    debian = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or (debian[-1] if debian else None)


class LocalPostgres:
    """Debian's PostgreSQL on 127.0.0.1:port with its cluster in `directory` (trusted logins from this
    machine only: for one machine; a cluster of machines uses a database of its own, --pg-url). As root
    the server runs as the postgres user, which PostgreSQL requires. throwaway: without fsync, for a
    cluster removed afterwards (the tests' server, tests/pg.py)."""

    def __init__(self, directory: str | Path, port: int, throwaway: bool = False):
        self.dir = Path(directory).resolve()
        self.port = port
        self.throwaway = throwaway
        self.dir.mkdir(parents=True, exist_ok=True)
        self._as: list[str] = []
        if os.geteuid() == 0:  # the server's own user owns its files
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._as = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
        self.data = self.dir / "data"

    def _run(self, name: str, *args: str) -> None:
        binary = pg_binary(name)
        if binary is None:
            raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
        done = subprocess.run([*self._as, binary, *args], capture_output=True, text=True, timeout=120, cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self) -> None:
        """Start the server, with initdb first when the directory is new."""
        if not (self.data / "PG_VERSION").exists():
            args = ["-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--locale=C"]
            self._run("initdb", *args, *(["--no-sync"] if self.throwaway else []))
        # loopback only, its socket file in its own directory
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir}" + (" -F" if self.throwaway else "")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options, "-w", "-t", "60", "start")

    def database(self, name: str) -> str:
        """The URL of database `name`, created when the server does not have it yet."""
        import psycopg  # requirements-hosted.txt

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def stop(self, mode: str = "fast") -> None:
        """fast: the server ends every connection and stops; immediate: as if it crashed."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")


# Streamlit replicas ------------------------------------------------------------------------------------
def replica_env(store: str, ray: str | None, secret: str, cookie_secret: str, workers: int | None) -> dict:
    """A replica's environment: this process's (the caps a host sets) with the shared settings on top."""
    env = {"OMP_NUM_THREADS": "1", "RNNPLAY_THREADS": "1", **os.environ}
    env.update(RNNPLAY_STORE=store, RNNPLAY_SECRET=secret, STREAMLIT_SERVER_COOKIE_SECRET=cookie_secret)
    if ray:
        env["RNNPLAY_RAY"] = ray
        if workers:
            env["RNNPLAY_RAY_WORKERS"] = str(workers)
    else:
        env.pop("RNNPLAY_RAY", None)
    return env


def start_replica(port: int, env: dict, log: Path) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port (only nginx reaches it), its output appended to log."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


# nginx -------------------------------------------------------------------------------------------------
def nginx_conf(prefix: Path, listen: str, ports: list[int], show_replica: bool = False) -> str:
    """The whole nginx.conf: nginx runs in the foreground with its pid, logs and buffers under prefix.
    show_replica: each response names the replica that served it (X-Rnnplay-Replica), for tests."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    temp = "\n".join(f"    {k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    replica = "    add_header X-Rnnplay-Replica $upstream_addr always;\n" if show_replica else ""
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
{temp}
    # sticky by a cookie set at the first visit (a class often shares one public address: not by IP)
    map $cookie_rnnplay_replica $rnnplay_key {{
        ""      $request_id;
        default $cookie_rnnplay_replica;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    # passive health checks: a replica that fails once is left out for fail_timeout, and the request
    # goes to the next one (proxy_next_upstream's default: error, timeout)
    upstream rnnplay {{
        hash $rnnplay_key consistent;
{servers}
    }}
    server {{
        listen {listen};
        client_max_body_size 21m;
        add_header Set-Cookie "rnnplay_replica=$rnnplay_key; Path=/; HttpOnly; SameSite=Lax" always;
    {replica}
        location /_stcore/stream {{
            proxy_pass http://rnnplay;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://rnnplay;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 5s;
        }}
    }}
}}
"""


def start_nginx(prefix: Path, conf: str) -> subprocess.Popen:
    """nginx in the foreground with conf (written to prefix/nginx.conf); SIGTERM stops it."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)  # nginx's workers (nobody, when started as root) buffer large responses here
    (prefix / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cmd = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx refused its configuration:\n{check.stderr[-2000:]}")
    with open(prefix / "stderr.log", "ab") as log:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)


def stop_process(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# the whole set-up --------------------------------------------------------------------------------------
def _kept_secret(state: Path, name: str, env_name: str) -> str:
    """The environment's value, else a random one made once and kept in state/name (mode 0600)."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    path = state / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


class Deployment(contextlib.ExitStack):
    """Everything `up` starts; each start_* registers its stop, so leaving the `with` stops it all,
    last started first. replicas: {port: process}."""

    def __init__(self, state: str | Path):
        super().__init__()
        self.state = Path(state).resolve()
        self.state.mkdir(parents=True, exist_ok=True)
        self.store = ""  # RNNPLAY_STORE of the replicas ("": an SQLite file of each)
        self.ray: str | None = None  # RNNPLAY_RAY of the replicas
        self.ray_head: RayHead | None = None
        self.replicas: dict[int, subprocess.Popen] = {}
        self.envs: dict[int, dict] = {}
        self.url = ""

    def start_postgres(self, directory: str | Path, port: int | None = None) -> str:
        pg = LocalPostgres(directory, port or free_port())
        pg.start()
        self.store = pg.database(PG_DATABASE)
        self.callback(pg.stop)
        return self.store

    def start_ray_head(self, num_cpus: int, port: int | None = None, node_ip: str = "127.0.0.1") -> str:
        omp = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        self.ray_head = RayHead(num_cpus, port or free_port(), node_ip, env=omp)
        self.callback(self.ray_head.stop)
        self.ray = self.ray_head.address
        return self.ray

    def start_replicas(self, ports: list[int], workers: int | None = None, env: dict | None = None) -> None:
        """The replicas on these ports, started together and waited for until each is healthy; env: more
        settings for them (a test's shorter save period, ...)."""
        secret = _kept_secret(self.state, "secret", "RNNPLAY_SECRET")
        cookie = _kept_secret(self.state, "cookie_secret", "STREAMLIT_SERVER_COOKIE_SECRET")
        for port in ports:
            store = self.store or str(self.state / f"runs-{port}.sqlite")
            self.envs[port] = {**replica_env(store, self.ray, secret, cookie, workers), **(env or {})}
            self.start_replica(port)
        for port in ports:
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", self.replicas[port])

    def start_replica(self, port: int) -> subprocess.Popen:
        """(Re)start the replica on port with its environment; not waited for."""
        proc = self.replicas[port] = start_replica(port, self.envs[port], self.state / f"replica-{port}.log")
        self.callback(stop_process, proc)
        return proc

    def start_nginx(self, host: str, port: int, show_replica: bool = False) -> str:
        prefix = self.state / "nginx"
        proc = start_nginx(prefix, nginx_conf(prefix, f"{host}:{port}", list(self.replicas), show_replica))
        self.callback(stop_process, proc)
        self.url = f"http://{host if host not in ('0.0.0.0', '') else '127.0.0.1'}:{port}"
        wait_healthy(f"{self.url}/_stcore/health", proc, 60)
        return self.url


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy.up", description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=2, help="Streamlit replicas (default 2)")
    p.add_argument("--host", default="127.0.0.1", help="the address nginx listens on (0.0.0.0: every one)")
    p.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    p.add_argument("--replica-port", type=int, default=8501, help="the first replica's port; the others follow")
    p.add_argument("--state", default="deploy-state", help="secrets, logs, SQLite stores, nginx.conf")
    ray = p.add_mutually_exclusive_group()
    ray.add_argument("--ray", metavar="ADDRESS", help="train on this Ray cluster (auto: this machine's)")
    ray.add_argument("--ray-local", action="store_true", help="start a Ray head on this machine")
    p.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 1, help="CPUs of the local Ray head")
    p.add_argument("--ray-port", type=int, default=6379)
    p.add_argument("--ray-workers", type=int, default=None, help="Ray workers per replica (RNNPLAY_RAY_WORKERS)")
    pg = p.add_mutually_exclusive_group()
    pg.add_argument("--pg-url", metavar="URL", help="keep runs in this PostgreSQL database")
    pg.add_argument("--pg-local", metavar="DIR", help="run PostgreSQL on 127.0.0.1 with its data in DIR")
    p.add_argument("--pg-port", type=int, default=5432)
    args = p.parse_args(argv)
    if args.replicas < 1 or not 0 < args.port < 65536:
        p.error("--replicas must be at least 1 and --port between 1 and 65535")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    with Deployment(args.state) as d:
        if args.pg_url:
            d.store = args.pg_url
        elif args.pg_local:
            print("PostgreSQL:", d.start_postgres(args.pg_local, args.pg_port), flush=True)
        if args.ray:
            d.ray = args.ray
        elif args.ray_local:
            print("Ray head:", d.start_ray_head(args.ray_cpus, args.ray_port), flush=True)
        ports = list(range(args.replica_port, args.replica_port + args.replicas))
        d.start_replicas(ports, args.ray_workers)
        print("replicas:", ", ".join(f"127.0.0.1:{port}" for port in ports), flush=True)
        print("open", d.start_nginx(args.host, args.port), "(Ctrl-C stops everything)", flush=True)
        try:
            while not stopping:
                time.sleep(1)
                for port, proc in d.replicas.items():
                    if proc.poll() is not None:
                        print(f"replica {port} exited ({proc.returncode}): starting it again", flush=True)
                        d.start_replica(port)
        except KeyboardInterrupt:
            pass
        print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
