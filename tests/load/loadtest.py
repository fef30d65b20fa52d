"""Load test: N sessions train at once on one local server; the server must keep answering.

    python -m tests.load.loadtest --sessions 30            # or: python tests/load/loadtest.py

It starts the app itself on 127.0.0.1 (a free port, a throw-away RNNPLAY_STORE, one torch thread per
run) and talks to it only over loopback. Each client speaks Streamlit's websocket protocol the way the
browser does: a `rerun_script` BackMsg with the page's query string, a widget trigger for the Train
click, and a fragment rerun on every tick of the server's `auto_rerun` timer (the live charts). So 30
sessions cost the client a few MB instead of 30 Chromium pages on a 2-core box, while the server does
exactly the work a browser would cause (every chart of every live redraw is built and sent).

Meanwhile a prober measures GET /_stcore/health, GET of a page's HTML, and a full script run of an idle
Playground (rerun request -> script_finished), and a sampler reads the server's VmRSS and thread count
from /proc. The run fails (exit status 1) when a client got no final outcome, a health probe failed,
threads outlived their sessions, or memory did not come back; the figures are printed either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[2]
FULL_RUN_DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_RUN_DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
# small configurations the clients take in turn (a class trying a few cells on two tasks)
CONFIGS = (
    "task=majority&arch=rnn&hidden_size=16",
    "task=majority&arch=lstm&hidden_size=16",
    "task=majority&arch=gru&hidden_size=16",
    "task=sine&arch=gru&hidden_size=16",
    "task=charlm&text=hello&arch=rnn&hidden_size=8",
)
# the Playground's status line: "step 12 / 300 · 85 steps/s · training…" (app_pages/playground.py)
STATUS = re.compile(r"step (\d+) / (\d+) · .*· (?P<state>[^·]+)$")
FINAL = {"finished": "finished", "diverged": "diverged", "error": "error", "stopped": "stopped"}


@dataclass
class ClientResult:
    index: int
    query: str
    outcome: str = "hung"  # finished | refused | diverged | error | stopped | left | hung | failed
    detail: str = ""
    seconds: float = 0.0
    first_run_s: float = 0.0  # page open: first full script run
    queued_s: float = 0.0  # time spent in the "queued" state
    steps: str = ""
    messages: int = 0
    mbytes: float = 0.0
    fragment_runs: int = 0
    redraw_gaps: list[float] = field(default_factory=list)  # seconds between two live redraws while training
    training_s: float = 0.0  # seconds the status line said "training…" (neither queued nor finished)
    training_redraws: int = 0  # live redraws that finished meanwhile
    chart_kind: str = ""  # "plotly_chart" (a chart remounted whenever its figure changed) or "live_chart"
    chart_updates: int = 0  # chart elements received (every chart of every redraw, changed or not)
    chart_payload_bytes: int = 0  # their figure data: plotly_chart's spec, live_chart's JSON message
    chart_element_bytes: int = 0  # the whole elements as sent (live_chart: its JavaScript source included)
    exceptions: list[str] = field(default_factory=list)


class StClient:
    """One browser tab, as far as the server can tell: the websocket, the reruns, the auto-rerun timers."""

    def __init__(self, base: str, page: str, query: str):
        self.url, self.page, self.query = f"ws://{base}/_stcore/stream", page, query
        self.base_http, self.http = f"http://{base}", f"http://{base}/{page}"
        self.page_hash = ""  # learned from the navigation message, then sent instead of the page name
        self.elements: dict[tuple, object] = {}  # delta path -> Element, for the latest full run
        self.finishes: list[int] = []  # ScriptFinishedStatus of every run, in order
        self.exceptions: list[str] = []
        self.messages = self.bytes = 0
        # when each live redraw finished: a fragment run that updated the loss chart (the page's other
        # fragments, the probe charts' and the narrator's, run less often and are not counted)
        self.redraws: list[float] = []
        self._loss_sent = False
        self.chart_kind, self.chart_updates, self.chart_payload, self.chart_element = "", 0, 0, 0
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._changed = asyncio.Event()
        self.closed = False
        # the live view's feed (app_pages/ui/live_feed.py), polled as the page's charts poll it
        self.feed: dict | None = None  # {"url", "every"} while the view is live
        self.feed_revs: dict[str, int] = {}  # chart key -> the revision this tab holds
        self.fed_status = ""  # the status line's text, as the feed (or the script's element) last sent it
        self.polls = self.feed_bytes = 0
        self._poller: asyncio.Task | None = None

    async def __aenter__(self) -> StClient:
        # the subprotocol header carries "streamlit", then an XSRF token and a session id (none here)
        # no client pings: a browser sends none (the server pings, and the library answers as a browser does)
        self.ws = await connect(
            self.url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=60, ping_interval=None
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        for _, task in self._timers.values():
            task.cancel()
        if self._poller:
            self._poller.cancel()
        await self.ws.close()
        self._reader.cancel()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.messages += 1
                self.bytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self._handle(msg)
        finally:
            self.closed = True
            self._changed.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session" and not msg.metadata.run.fragment_ids:
            # a full run starts: the browser drops its fragment timers and redraws everything
            self.elements.clear()
            for fid in list(self._timers):
                self._stop_timer(fid)
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string  # a bound widget wrote to the URL
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            self.elements[tuple(msg.metadata.delta_path)] = el
            if el.WhichOneof("type") == "exception":
                self.exceptions.append(el.exception.message[:200])
            self._count_chart(el)
        elif kind == "auto_rerun":
            a = msg.auto_rerun
            if self._timers.get(a.fragment_id, (None,))[0] != a.interval:
                self._stop_timer(a.fragment_id)
                self._timers[a.fragment_id] = (a.interval, asyncio.create_task(self._tick(a.fragment_id, a.interval)))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fid)
        elif kind == "script_finished":
            self.finishes.append(msg.script_finished)
            if msg.script_finished == FRAGMENT_RUN_DONE and self._loss_sent:
                self.redraws.append(time.perf_counter())
            self._loss_sent = False
        self._changed.set()

    def _count_chart(self, el) -> None:
        """A live chart as either revision of the app sends it: st.plotly_chart (its spec, JSON text, the whole
        figure every time) or the live_chart component (a bidi_component whose bytes are its JSON message)."""
        kind = el.WhichOneof("type")
        if kind == "plotly_chart":
            payload = len(el.plotly_chart.spec.encode())
            self._loss_sent |= el.plotly_chart.id.endswith("-loss")  # the app before the live chart element
        elif kind == "bidi_component" and el.bidi_component.component_name.endswith("live_chart"):
            payload, kind = len(el.bidi_component.bytes), "live_chart"
            self._loss_sent |= el.bidi_component.id.endswith("loss_chart")
            self._follow(el.bidi_component)
        else:
            return
        self.chart_kind = kind
        self.chart_updates += 1
        self.chart_payload += payload
        self.chart_element += el.ByteSize()

    def _follow(self, component) -> None:
        """A live chart's (or the status line's) message: its revision, the status text, and the feed the
        page polls while the view is live."""
        try:
            msg = json.loads(component.bytes)
            key = msg["feed"]["key"] if "feed" in msg else component.id.rsplit("-", 1)[-1].removesuffix("_chart")
        except (ValueError, KeyError, TypeError):
            return
        self._take(key, msg)
        if "feed" in msg:
            self.feed = {"url": msg["feed"]["url"], "every": float(msg["feed"]["every"])}
            if self._poller is None or self._poller.done():
                self._poller = asyncio.create_task(self._poll())

    def _take(self, key: str, msg: dict) -> None:
        if key == "status_line":
            key = "status"
        if "status" in msg:
            self.fed_status = msg["status"]["text"]
            self._status_changed()
        if "status" in msg or "figure" in msg or ("patch" in msg and msg.get("base") == self.feed_revs.get(key)):
            self.feed_revs[key] = msg["rev"]

    def _status_changed(self) -> None:
        """The status line's text moved (a subclass may sample it)."""

    async def _poll(self) -> None:
        """The page's poller: every `every` s, the revisions held; the charts that moved come back. A poll
        that brings the loss chart is a redraw. When the view stops moving, the status line's trigger makes
        the page run once more (here: a full rerun)."""
        while self.feed and not self.closed:
            await asyncio.sleep(self.feed["every"])
            have = ",".join(f"{k}:{v}" for k, v in self.feed_revs.items())
            url = f"{self.base_http}/{self.feed['url']}?have={have}"
            try:
                body = await asyncio.to_thread(_get, url)
            except OSError:
                continue  # 429 (too soon) or a busy server: the next poll
            self.polls += 1
            self.feed_bytes += len(body)
            self.bytes += len(body)
            answer = json.loads(body)
            for key, msg in answer["charts"].items():
                self._take(key, msg)
                if key != "status":
                    self.chart_updates += 1
                    self.chart_payload += len(json.dumps(msg, separators=(",", ":")))
            if "loss" in answer["charts"]:
                self.redraws.append(time.perf_counter())
            self.feed["every"] = float(answer["every"])
            self._changed.set()
            if not answer["live"]:
                self.feed = None
                await self.send_rerun()

    def _stop_timer(self, fid: str) -> None:
        entry = self._timers.pop(fid, None)
        if entry:
            entry[1].cancel()

    async def _tick(self, fid: str, interval: float) -> None:
        """The browser's setInterval: a fragment rerun every `interval` s, whether the last one ended or not."""
        while True:
            await asyncio.sleep(interval)
            await self.send_rerun(fragment_id=fid, auto=True)

    @property
    def polling(self) -> bool:
        return bool(self._timers)

    async def send_rerun(self, triggers: tuple[str, ...] = (), fragment_id: str = "", auto: bool = False) -> None:
        m = BackMsg()
        cs = m.rerun_script
        cs.query_string = self.query
        if self.page_hash:
            cs.page_script_hash = self.page_hash
        else:
            cs.page_name = self.page  # the first run: st.navigation resolves it by url_path
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        for wid in triggers:
            cs.widget_states.widgets.add(id=wid, trigger_value=True)
        ci = cs.context_info
        ci.timezone, ci.locale, ci.url = "UTC", "en-US", f"{self.http}?{self.query}"
        await self.ws.send(m.SerializeToString())

    async def run(self, triggers: tuple[str, ...] = (), timeout: float = 120.0) -> float:
        """A full script run (a page open, a click) and its seconds until the server says it finished."""
        n0 = len(self.finishes)
        t0 = time.perf_counter()
        await self.send_rerun(triggers)
        async with asyncio.timeout(timeout):
            while FULL_RUN_DONE not in self.finishes[n0:]:
                if self.closed:
                    raise ConnectionError(f"the websocket closed ({self.ws.close_code} {self.ws.close_reason})")
                await self.wait_change(timeout)
        return time.perf_counter() - t0

    async def wait_change(self, timeout: float) -> None:
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    def widget_id(self, key: str) -> str | None:
        for el in self.elements.values():
            w = getattr(el, el.WhichOneof("type") or "", None)
            wid = getattr(w, "id", "")
            if isinstance(wid, str) and wid.endswith(f"-{key}"):  # keyed ids end with the user key
                return wid
        return None

    def texts(self, kind: str) -> list[str]:
        """The texts of one kind of element of the latest run: "progress" (status lines: the live view's fed
        status line first) or "alert"."""
        attr = {"progress": "text", "alert": "body"}[kind]
        found = [getattr(getattr(el, kind), attr) for el in self.elements.values() if el.WhichOneof("type") == kind]
        return [self.fed_status, *found] if kind == "progress" and self.fed_status else found

    def status(self) -> tuple[str, str]:
        """(state, status line) from the live view's progress text; ("", "") before it is drawn."""
        for text in self.texts("progress"):
            m = STATUS.search(text)
            if m:
                return m["state"].strip(), text
        return "", ""


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


# the refusal past the queue (rnnplay/hosted.py REFUSED_TEXT: "The server is busy: ..."), shown as an alert
REFUSED = re.compile(r"\b(busy|refused|too many)\b", re.I)


def classify(state: str, alerts: list[str]) -> tuple[str, str] | None:
    """(final outcome, its message) from what the page shows, or None while training or waiting its turn."""
    if state in FINAL:
        return FINAL[state], ""
    refusal = next((a for a in alerts if REFUSED.search(a)), None)
    if refusal and not state.startswith("queued"):
        return "refused", refusal
    return None


async def train_client(
    i: int, base: str, query: str, timeout: float, leave_after: float | None, start_delay: float
) -> ClientResult:
    """Open the Playground with `query`, press Train, follow the live view until an outcome."""
    r = ClientResult(i, query)
    train_spans: list[tuple[float, float]] = []  # (from, to) while the status line said "training…"
    await asyncio.sleep(start_delay)
    t0 = time.perf_counter()
    c = StClient(base, "playground", query)
    try:
        async with c:
            r.first_run_s = await c.run(timeout=timeout)
            train = c.widget_id("btn_train")
            if train is None:
                r.outcome, r.detail = "failed", "no Train button on the page"
                return r
            await c.run((train,), timeout=timeout)
            queued_since = training_since = None
            while time.perf_counter() - t0 < timeout:
                state, line = c.status()
                if state == "training…" and training_since is None:
                    training_since = time.perf_counter()
                elif state != "training…" and training_since is not None:
                    train_spans.append((training_since, time.perf_counter()))
                    training_since = None
                if state.startswith("queued") and queued_since is None:
                    queued_since = time.perf_counter()
                elif not state.startswith("queued") and queued_since is not None:
                    r.queued_s += time.perf_counter() - queued_since
                    queued_since = None
                r.steps, r.detail = (line.split(" · ")[0], line) if line else (r.steps, r.detail)
                outcome = classify(state, c.texts("alert"))
                if outcome:
                    r.outcome, r.detail = outcome[0], outcome[1] or r.detail
                    break
                if c.closed or c.exceptions:  # a traceback on the page is as final as a lost connection
                    r.outcome = "failed"
                    r.detail = c.exceptions[0] if c.exceptions else f"the websocket closed ({c.ws.close_code})"
                    break
                if leave_after is not None and time.perf_counter() - t0 > leave_after and state == "training…":
                    r.outcome = "left"  # the learner closed the tab mid-run: the run must end with the session
                    break
                await c.wait_change(1.0)
            if queued_since is not None:
                r.queued_s += time.perf_counter() - queued_since
            if training_since is not None:
                train_spans.append((training_since, time.perf_counter()))
    except (TimeoutError, ConnectionError, OSError) as e:
        r.outcome, r.detail = ("hung" if isinstance(e, TimeoutError) else "failed"), f"{type(e).__name__}: {e}"
    finally:
        r.seconds = time.perf_counter() - t0
        r.messages, r.mbytes, r.fragment_runs = c.messages, c.bytes / 1e6, len(c.redraws)
        r.redraw_gaps = [round(b - a, 3) for a, b in zip(c.redraws, c.redraws[1:], strict=False)]
        r.exceptions = c.exceptions
        r.training_s = sum(b - a for a, b in train_spans)
        r.training_redraws = sum(any(a <= t <= b for a, b in train_spans) for t in c.redraws)
        r.chart_kind, r.chart_updates = c.chart_kind, c.chart_updates
        r.chart_payload_bytes, r.chart_element_bytes = c.chart_payload, c.chart_element
    return r


# a hostile student beside the class ---------------------------------------------------------------
# links a curious class finds within a lesson: numbers no widget can hold, markdown where a value is echoed,
# configurations that would cost gigabytes (each must give a message, never a traceback, and train nothing)
HOSTILE_QUERIES = (
    "steps=inf&seed=-inf&hidden_size=1e400",
    "lr=nan&clip=-inf",
    "run=[Session expired - log in](http://127.0.0.1:9/x)&lang=en",
    "lang=![p](http://127.0.0.1:9/p.png)",
    "task=random&dataset_size=100000&seq_len=400",
    "task=copy&delay=1000",
    "arch=lstm&hidden_size=497&batch_size=256&seq_len=400&task=adding",
    "task=charlm&text=" + "%E4%B8%80" * 3000,
)


@dataclass
class AttackResult:
    rounds: int = 0
    clear_caches: int = 0  # BackMsg(clear_cache=True) sent
    pages: int = 0  # hostile page opens that finished their run
    step_clicks: int = 0  # Step one batch pressed on a page whose settings are over the caps
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def attacker(base: str, stop: asyncio.Event, timeout: float, rounds: int | None = None) -> AttackResult:
    """One more client that runs the attacks in a loop until `stop` (or for `rounds`): opens each hostile
    link and presses Step one batch there, then sends clear_cache, which would release every session's
    cache_resource."""
    r = AttackResult()
    while not stop.is_set() and (rounds is None or r.rounds < rounds):
        r.rounds += 1
        for query in HOSTILE_QUERIES:
            if stop.is_set():
                break
            try:
                async with StClient(base, "playground", query) as c:
                    await c.run(timeout=timeout)
                    r.pages += 1
                    step = c.widget_id("btn_step")
                    if step is not None:
                        await c.run((step,), timeout=timeout)
                        r.step_clicks += 1
                    m = BackMsg()
                    m.clear_cache = True
                    await c.ws.send(m.SerializeToString())
                    r.clear_caches += 1
                    await asyncio.sleep(0.2)
                    r.exceptions += [f"{query[:60]}: {e}" for e in c.exceptions]
            except (TimeoutError, ConnectionError, OSError) as e:
                r.errors.append(f"{query[:60]}: {type(e).__name__}: {e}")
    return r


# the server and what it costs ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> tuple[int, int]:
    """(VmRSS in kB, thread count) of a live process, from /proc/<pid>/status."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["Threads"])


def proc_memory(pid: int) -> dict[str, float]:
    """Resident memory in MB by kind: anonymous (the heap: what sessions hold) and file-backed (code and
    data of the libraries, paged in at first use and kept: not a session's)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[f"Rss{k.title()}"].split()[0]) / 1024 for k in ("anon", "file")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> float:
    """The machine's 1-minute load average: other work on the box shows up in every latency here."""
    return float(Path("/proc/loadavg").read_text().split()[0])


class Sampler(threading.Thread):
    """The server's RSS and threads every 0.25 s; peak() over the whole test."""

    def __init__(self, pid: int):
        super().__init__(name="sampler", daemon=True)
        self.pid, self.samples, self._stop = pid, [], threading.Event()

    def run(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.samples.append((time.monotonic(), *proc_status(self.pid)))
            except (FileNotFoundError, ProcessLookupError):
                return

    def stop(self) -> None:
        self._stop.set()

    def peak(self) -> tuple[int, int]:
        return max(s[1] for s in self.samples), max(s[2] for s in self.samples)


def checkout(rev: str, into: Path) -> Path:
    """The app as committed at `rev` (git archive, read-only for the repository): a test of what was
    committed, untouched by edits under way in the working tree."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


# `streamlit run` with three diagnostics: faulthandler on SIGUSR1 (a stalled server can still say what every
# thread is doing: the dump needs neither the GIL nor the event loop); the time spent in the cyclic garbage
# collector, which holds the GIL while it runs; and the CPU time of every script run (time.thread_time of
# the script thread), full runs and fragment runs (the live redraws) apart. Both go to $LOADTEST_GC_STATS on
# SIGUSR2. With $LOADTEST_PROFILE set, every script run is also profiled (cProfile, that thread only, timed by
# the thread's CPU clock, so waits for the GIL count for nothing) and the merged statistics are written there
# (pstats format) on SIGUSR2.
BOOT = """
import faulthandler, gc, json, os, runpy, signal, sys, threading, time
faulthandler.register(signal.SIGUSR1, all_threads=True)
stats, t0 = {"count": [0, 0, 0], "seconds": [0.0, 0.0, 0.0], "max_s": [0.0, 0.0, 0.0]}, [0.0]
runs = {"full": [0, 0.0], "fragment": [0, 0.0], "poll": [0, 0.0]}  # [count, CPU s of the thread that ran them]
lock, profile_path, profiles = threading.Lock(), os.environ.get("LOADTEST_PROFILE"), []
def on_gc(phase, info):
    if phase == "start":
        t0[0] = time.perf_counter()
        return
    g, dt = info["generation"], time.perf_counter() - t0[0]
    stats["count"][g] += 1
    stats["seconds"][g] += dt
    stats["max_s"][g] = max(stats["max_s"][g], dt)
def heap():
    # live Python objects by type, and glibc's heap (mallinfo2: in use, free in the arenas, mmapped)
    import collections, ctypes
    def name(o):
        c = type(o)
        module = c.__module__  # a class may define __module__ as a property of its instances
        return f"{module if isinstance(module, str) else '?'}.{c.__qualname__}"
    counts = collections.Counter(name(o) for o in gc.get_objects())
    out = {"objects": dict(counts.most_common(60)), "objects_total": sum(counts.values())}
    try:
        class MallInfo2(ctypes.Structure):
            names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
            _fields_ = [(n, ctypes.c_size_t) for n in names.split()]
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        m = libc.mallinfo2()
        mb = 2**20
        out["malloc_mb"] = {"in_use": m.uordblks / mb, "free_in_arenas": m.fordblks / mb, "mmapped": m.hblkhd / mb}
        if os.environ.get("LOADTEST_TRIM_IN_DUMP"):  # what trimming now would give back (a diagnosis)
            def rss():
                return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
            before = rss()
            libc.malloc_trim(0)
            out["trim_mb"] = {"rss_before": before, "rss_after": rss()}
    except (OSError, AttributeError):
        pass
    return out
def dump(*_):
    with lock:
        out = {**stats, "script_runs": {k: list(v) for k, v in runs.items()}, **heap()}
        merged = profiles[:]
        profiles.clear()  # the next dump has the runs since this one (the load test's, not its warm-up's)
    with open(os.environ["LOADTEST_GC_STATS"] + ".tmp", "w") as f:
        json.dump(out, f)
    if profile_path and merged:
        import pstats
        pstats.Stats(*merged).dump_stats(profile_path)
    os.replace(os.environ["LOADTEST_GC_STATS"] + ".tmp", os.environ["LOADTEST_GC_STATS"])
gc.callbacks.append(on_gc)
signal.signal(signal.SIGUSR2, dump)
signal.signal(signal.SIGRTMIN, lambda *_: gc.collect())
from streamlit.runtime.scriptrunner import script_runner
_run_script = script_runner.ScriptRunner._run_script
def timed_run_script(self, rerun_data):
    kind = "fragment" if rerun_data.fragment_id_queue else "full"
    prof = None
    if profile_path:
        import cProfile
        prof = cProfile.Profile(time.thread_time)  # CPU time: not the waits for the GIL
        prof.enable()
    c0 = time.thread_time()
    try:
        return _run_script(self, rerun_data)
    finally:
        dt = time.thread_time() - c0
        if prof is not None:
            prof.disable()
        with lock:
            runs[kind][0] += 1
            runs[kind][1] += dt
            if prof is not None:
                profiles.append(prof)
script_runner.ScriptRunner._run_script = timed_run_script
try:  # the live view's feed (a revision that has one): each poll's CPU, as the script runs'
    from app_pages.ui import live_feed
    _answer = live_feed.answer
    def timed_answer(*args, **kwargs):
        c0 = time.thread_time()
        try:
            return _answer(*args, **kwargs)
        finally:
            with lock:
                runs["poll"][0] += 1
                runs["poll"][1] += time.thread_time() - c0
    live_feed.answer = timed_answer
except ImportError:
    pass
sys.argv = ["streamlit", *sys.argv[1:]]
runpy.run_module("streamlit", run_name="__main__", alter_sys=True)
"""


async def gc_stats(pid: int, path: Path) -> dict:
    """The server's garbage-collector totals so far (count, seconds, longest pause per generation)."""
    path.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR2)
    for _ in range(600):  # the handler runs when the main thread next holds the GIL
        if path.exists():
            return json.loads(path.read_text())
        await asyncio.sleep(0.1)
    return {}


def start_server(
    app_dir: Path, tmp: Path, session_ttl: int, env_extra: dict[str, str], nice: int = 0, options: tuple = ()
) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "RNNPLAY_THREADS": "1",
        "RNNPLAY_STORE": str(tmp / "runs.sqlite"),
        "XDG_DATA_HOME": str(tmp),
        "LOADTEST_GC_STATS": str(tmp / "gc.json"),
        **env_extra,
    }
    log = tmp / "server.log"
    cmd = [
        *(sys.executable, "-c", BOOT, "run", "app.py"),  # with the app's own .streamlit/config.toml
        *("--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port)),
        *("--browser.gatherUsageStats", "false", "--server.disconnectedSessionTTL", str(session_ttl)),
        *(arg for kv in options for arg in (f"--{kv.split('=', 1)[0]}", kv.split("=", 1)[1])),
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=app_dir,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{base}/_stcore/health", timeout=2)
            return proc, base, log
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not become healthy:\n" + log.read_text()[-3000:])


def http_get(url: str) -> tuple[float, bool]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            ok = resp.status == 200
    except OSError:
        ok = False
    return time.perf_counter() - t0, ok


class Probes:
    """Latency of what a new or waiting learner needs while the class trains: health, a page's
    HTML, a full run of the (idle) Playground script. One sample of each every `every` s."""

    def __init__(self, base: str, every: float, pid: int):
        self.base, self.every, self.t0, self.pid = base, every, time.perf_counter(), pid
        self.health: list[float] = []
        self.page: list[float] = []
        self.script: list[float] = []
        self.failures: list[str] = []
        self.loop_lag: list[float] = []  # this client's own event loop: is the load generator keeping up?

    def fail(self, what: str) -> None:
        if not self.failures:  # the first time: what is every server thread doing while it is stuck?
            os.kill(self.pid, signal.SIGUSR1)
        self.failures.append(what)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:  # a lost connection is a failure; then reconnect, as the browser does
                async with StClient(self.base, "playground", "task=majority&lang=en") as c:
                    await c.run(timeout=60)  # open once; then every probe is a rerun of the whole page
                    await self._probe(c, stop)
            except (ConnectionError, OSError) as e:
                self.fail(f"the prober's websocket at +{time.perf_counter() - self.t0:.0f} s: {e}")
            except TimeoutError:
                self.fail(f"opening the Playground took over 60 s at +{time.perf_counter() - self.t0:.0f} s")

    async def _probe(self, c: StClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            for url, series in (
                (f"http://{self.base}/_stcore/health", self.health),
                (f"http://{self.base}/playground?task=majority", self.page),
            ):
                dt, ok = await asyncio.to_thread(http_get, url)
                series.append(dt)
                if not ok:
                    self.fail(f"{url} at +{t0 - self.t0:.0f} s ({dt:.1f} s)")
            try:
                self.script.append(await c.run(timeout=60))
            except TimeoutError:
                self.fail(f"a Playground script run took over 60 s at +{t0 - self.t0:.0f} s")
                self.script.append(60.0)
            rest = max(0.0, self.every - (time.perf_counter() - t0))
            t1 = time.perf_counter()
            await asyncio.sleep(rest)
            self.loop_lag.append(time.perf_counter() - t1 - rest)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


def latency_row(name: str, xs: list[float]) -> dict:
    return {
        "what": name,
        "n": len(xs),
        "p50_ms": pct(xs, 50) * 1e3,
        "p95_ms": pct(xs, 95) * 1e3,
        "max_ms": max(xs or [0]) * 1e3,
    }


async def wait_threads(pid: int, limit: int, timeout: float, t0: float) -> tuple[float, int]:
    """Seconds from t0 until the server has at most `limit` threads (or the timeout), and the count then."""
    while True:
        n = proc_status(pid)[1]
        if n <= limit or time.monotonic() - t0 > timeout:
            return time.monotonic() - t0, n
        await asyncio.sleep(0.5)


async def settle_baseline(pid: int, quiet_s: float = 3.0, timeout: float = 60.0) -> tuple[int, int]:
    """(RSS kB, threads) once the thread count has not changed for quiet_s (script threads ended)."""
    last, since, t0 = None, time.monotonic(), time.monotonic()
    while time.monotonic() - t0 < timeout:
        rss, n = proc_status(pid)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return rss, n
        await asyncio.sleep(0.25)
    return proc_status(pid)


async def sessions_gone(args: argparse.Namespace, pid: int, base: str, t_closed: float) -> None:
    """Wait until the sessions closed at t_closed are gone from the server and it has had time to give their
    memory back. Streamlit keeps a closed session for server.disconnectedSessionTTL (a reconnect may resume
    it) and reaps expired ones on the next disconnect: wait out the TTL, open and close one page, then
    rss_settle seconds (the app forgets a session a few seconds past the TTL and gives memory back)."""
    await asyncio.sleep(max(0.0, t_closed + args.session_ttl + 1 - time.monotonic()))
    async with StClient(base, "", "lang=en") as c:
        await c.run()
    if args.gc_after:
        os.kill(pid, signal.SIGRTMIN)  # one full collection in the server (BOOT)
    await asyncio.sleep(args.rss_settle)


async def load_test(args: argparse.Namespace, pid: int, base: str, tmp: Path) -> dict:
    steps = f"&steps={args.steps}&lang=en"
    # warm-up: every configuration trains once (and the attacks run once), so that what a server loads
    # once (torch's kernels of each cell, the tasks' modules, plotly) is in the baseline; then the baseline
    for config in CONFIGS:
        warm = await train_client(-1, base, config + steps, args.client_timeout, None, 0.0)
        if warm.outcome != "finished":
            raise RuntimeError(f"the warm-up session did not finish: {warm}")
    if args.attack:
        await attacker(base, asyncio.Event(), args.client_timeout, rounds=1)
    await sessions_gone(args, pid, base, time.monotonic())  # the baseline is read as the end is: see there
    rss0, threads0 = await settle_baseline(pid)
    memory0 = proc_memory(pid)
    load_before, cpu0 = loadavg(), cpu_seconds(pid)
    gc0 = await gc_stats(pid, tmp / "gc.json")
    sampler = Sampler(pid)
    sampler.start()
    probes, stop = Probes(base, args.probe_every, pid), asyncio.Event()
    prober = asyncio.create_task(probes.run(stop))
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    clients = [
        train_client(
            i,
            base,
            CONFIGS[i % len(CONFIGS)] + steps,
            args.client_timeout,
            args.leave_after if i < args.leave_early else None,
            rng.uniform(0, args.ramp),
        )
        for i in range(args.sessions)
    ]
    stop_attack = asyncio.Event()
    attack = asyncio.create_task(attacker(base, stop_attack, args.client_timeout)) if args.attack else None
    results = await asyncio.gather(*clients)
    stop_attack.set()
    attack_result = await attack if attack else None
    t_closed = time.monotonic()  # every training tab is closed now
    wall = time.perf_counter() - t0
    if any(r.outcome == "hung" for r in results):
        os.kill(pid, signal.SIGUSR1)  # the server's threads into its log, while the sessions are still there
    server_cpu, load_end = cpu_seconds(pid) - cpu0, loadavg()
    gc1 = await gc_stats(pid, tmp / "gc.json")
    gc_load = {k: [b - a for a, b in zip(gc0[k], gc1[k], strict=True)] for k in ("count", "seconds")} if gc1 else {}
    gc_load["max_s"] = gc1.get("max_s", [])
    runs0, runs1 = gc0.get("script_runs", {}), gc1.get("script_runs", {})
    script_runs = {k: [b - a for a, b in zip(runs0[k], runs1[k], strict=True)] for k in runs1 if k in runs0}
    stop.set()
    await prober
    # the prober's tab is closed too: the sessions' threads must end, memory must come back
    settle_s, threads_after = await wait_threads(pid, threads0 + args.thread_slack, args.thread_settle, t_closed)
    # the sampler saw it first if the prober's last round was slow (a stalled server: up to 80 s)
    settle_s = next((t - t_closed for t, _, n in sampler.samples if t >= t_closed and n <= threads_after), settle_s)
    rss_closed = proc_status(pid)[0]
    await sessions_gone(args, pid, base, t_closed)
    rss_after, threads_final = proc_status(pid)
    memory1 = proc_memory(pid)
    gc2 = await gc_stats(pid, tmp / "gc.json")
    grown = {k: n - gc0.get("objects", {}).get(k, 0) for k, n in gc2.get("objects", {}).items()}
    memory = {
        "objects_grown": dict(sorted(((k, v) for k, v in grown.items() if v > 0), key=lambda kv: -kv[1])[:20]),
        "objects_total": [gc0.get("objects_total"), gc2.get("objects_total")],
        "malloc_mb": [gc0.get("malloc_mb"), gc2.get("malloc_mb")],
        "rss_mb": {"baseline": memory0, "after": memory1},  # anonymous and file-backed
        "trim_mb": gc2.get("trim_mb"),  # with LOADTEST_TRIM_IN_DUMP: RSS before and after a malloc_trim then
    }
    sampler.stop()
    rss_peak, threads_peak = sampler.peak()
    return {
        "sessions": args.sessions,
        "steps": args.steps,
        "wall_s": wall,
        "server_cpu_s": server_cpu,
        "gc": gc_load,  # per generation 0, 1, 2, while the clients ran
        "script_runs": script_runs,  # {"full"|"fragment": [runs, CPU s of their script threads]}, meanwhile
        "cpus": os.cpu_count(),
        "loadavg": {"warm": load_before, "end": load_end},
        "clients": [asdict(r) for r in results],
        "latency": [
            latency_row("GET /_stcore/health", probes.health),
            latency_row("GET /playground (HTML)", probes.page),
            latency_row("Playground script run", probes.script),
            latency_row("load generator loop lag", probes.loop_lag),
        ],
        "probe_failures": probes.failures,
        "rss_mb": {"baseline": rss0 / 1024, "peak": rss_peak / 1024, "closed": rss_closed / 1024},
        "rss_after_mb": rss_after / 1024,
        "memory": memory,  # live objects grown and glibc's heap, baseline against after
        "threads": {"baseline": threads0, "peak": threads_peak, "after": threads_after, "final": threads_final},
        "threads_settle_s": settle_s,
        "attack": asdict(attack_result) if attack_result else None,
    }


def verdict(rep: dict, args: argparse.Namespace) -> list[str]:
    """The properties the test asserts; each failure as one line."""
    bad = []
    for c in rep["clients"]:
        if c["outcome"] in ("hung", "failed", "error") or c["exceptions"]:
            bad.append(f"client {c['index']} ({c['query']}): {c['outcome']} {c['detail']} {c['exceptions'][:1]}")
    bad += [f"probe failed: {f}" for f in rep["probe_failures"]]
    t = rep["threads"]
    if t["after"] > t["baseline"] + args.thread_slack:
        bad.append(f"threads: {t['after']} after the sessions closed > baseline {t['baseline']} + {args.thread_slack}")
    a = rep.get("attack")
    if a:
        bad += [f"attacker saw a traceback: {e}" for e in a["exceptions"]]
        bad += [f"attacker: {e}" for e in a["errors"]]
    rss0, after = rep["rss_mb"]["baseline"], rep["rss_after_mb"]
    if after > rss0 * args.rss_factor:
        bad.append(f"memory: RSS {after:.0f} MB after > {args.rss_factor} x baseline {rss0:.0f} MB")
    return bad


def redraw_rates(rep: dict) -> dict:
    """Live redraws a page received per second: over its whole session, and while its run trained (a queued
    run's page redraws every 2 s at most, hosted.QUEUED_EVERY_S)."""
    whole = [c["fragment_runs"] / max(c["seconds"], 1e-9) for c in rep["clients"]]
    training = [c["training_redraws"] / c["training_s"] for c in rep["clients"] if c.get("training_s", 0) >= 1.0]
    return {
        "median_hz": statistics.median(whole) if whole else float("nan"),
        "training_median_hz": statistics.median(training) if training else float("nan"),
        "training_min_hz": min(training) if training else float("nan"),
        "training_pages": len(training),
    }


def chart_bytes(rep: dict) -> dict:
    """What the live charts cost on the wire: per chart element received, and per live redraw."""
    cs = rep["clients"]
    updates = sum(c.get("chart_updates", 0) for c in cs)
    redraws = sum(c["fragment_runs"] for c in cs)
    payload = sum(c.get("chart_payload_bytes", 0) for c in cs)
    return {
        "kind": next((c["chart_kind"] for c in cs if c.get("chart_kind")), ""),
        "updates": updates,
        "payload_per_update": payload / max(updates, 1),
        "element_per_update": sum(c.get("chart_element_bytes", 0) for c in cs) / max(updates, 1),
        "payload_per_redraw": payload / max(redraws, 1),  # full page runs' charts included
        "ws_per_redraw": sum(c["mbytes"] for c in cs) * 1e6 / max(redraws, 1),
    }


def summary(rep: dict) -> str:
    out = [
        f"{rep['sessions']} sessions, {rep['steps']} steps each ({rep['rev']}, nice {rep['nice']}): "
        f"all done in {rep['wall_s']:.1f} s; "
        f"server CPU {rep['server_cpu_s']:.0f} s ({rep['server_cpu_s'] / rep['wall_s']:.2f} of {rep['cpus']} cores); "
        f"machine load average {rep['loadavg']['before']:.1f} before the test, {rep['loadavg']['end']:.1f} at its end"
    ]
    a = rep.get("attack")
    if a:
        out.append(
            f"  attacker: {a['rounds']} rounds, {a['pages']} hostile page opens, {a['step_clicks']} Step clicks, "
            f"{a['clear_caches']} clear_cache messages; {len(a['exceptions'])} tracebacks, {len(a['errors'])} errors"
        )
    by: dict[str, list[dict]] = {}
    for c in rep["clients"]:
        by.setdefault(c["outcome"], []).append(c)
    for outcome, cs in sorted(by.items()):
        secs = [c["seconds"] for c in cs]
        queued = sum(c["queued_s"] > 0 for c in cs)
        out.append(
            f"  {outcome:9} {len(cs):3}  time p50 {pct(secs, 50):6.1f} s  max {max(secs):6.1f} s"
            + (f"  ({queued} queued first, up to {max(c['queued_s'] for c in cs):.1f} s)" if queued else "")
        )
    first = [c["first_run_s"] for c in rep["clients"]]
    out.append(f"  page open (first script run): p50 {pct(first, 50):.2f} s, max {max(first):.2f} s")
    rates = redraw_rates(rep)
    mb = sum(c["mbytes"] for c in rep["clients"])
    gaps = [g for c in rep["clients"] for g in c["redraw_gaps"]]
    out.append(
        f"  live redraws per page: median {rates['median_hz']:.2f}/s over its whole session, "
        f"{rates['training_median_hz']:.2f}/s while its run trained ({rates['training_pages']} pages; "
        f"lowest {rates['training_min_hz']:.2f}/s); gap between two p50 {pct(gaps, 50):.2f} s, "
        f"p95 {pct(gaps, 95):.2f} s, max {max(gaps or [0]):.2f} s; {mb:.0f} MB received in all"
    )
    ch = chart_bytes(rep)
    if ch["updates"]:
        out.append(
            f"  charts ({ch['kind']}): {ch['updates']} chart elements, {ch['payload_per_update']:.0f} bytes of "
            f"figure data each ({ch['element_per_update']:.0f} as elements); per live redraw "
            f"{ch['payload_per_redraw'] / 1e3:.1f} kB of figure data, {ch['ws_per_redraw'] / 1e3:.1f} kB over the "
            "websocket in all"
        )
    runs = rep.get("script_runs") or {}
    if runs.get("fragment", [0])[0] or runs.get("poll", [0])[0]:
        n, s = runs["fragment"]
        npoll, spoll = runs.get("poll", [0, 0.0])
        nf, sf = runs.get("full", [0, 0.0])
        redraws = sum(c["fragment_runs"] for c in rep["clients"]) or n or npoll
        out.append(
            f"  server CPU per live redraw (every fragment run's and feed poll's CPU, on its own thread, over the "
            f"loss chart's redraws): {1e3 * (s + spoll) / redraws:.1f} ms over {redraws} redraws, {n} fragment "
            f"runs and {npoll} polls ({(s + spoll) / rep['wall_s']:.2f} cores); full page runs: {nf}, "
            f"{1e3 * sf / max(nf, 1):.0f} ms each"
        )
    out.append(f"{'latency':28} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for row in rep["latency"]:
        out.append(f"{row['what']:28} {row['n']:5} {row['p50_ms']:9.1f} {row['p95_ms']:9.1f} {row['max_ms']:9.1f}")
    if rep["gc"].get("count"):
        g = rep["gc"]
        out.append(
            f"garbage collector (holds the GIL): {g['count'][2]} full collections, {g['seconds'][2]:.1f} s in all, "
            f"longest {g['max_s'][2]:.2f} s; all generations {sum(g['seconds']):.1f} s "
            f"({sum(g['seconds']) / rep['wall_s']:.0%} of the wall time)"
        )
    r, t = rep["rss_mb"], rep["threads"]
    out.append(
        f"RSS MB: baseline {r['baseline']:.0f}, peak {r['peak']:.0f}, all closed {r['closed']:.0f}, "
        f"after the session TTL {rep['rss_after_mb']:.0f}"
    )
    kinds = rep["memory"]["rss_mb"]
    out.append(
        "  of which anonymous {:.0f} -> {:.0f}, file-backed {:.0f} -> {:.0f} (baseline -> after)".format(
            kinds["baseline"]["anon"], kinds["after"]["anon"], kinds["baseline"]["file"], kinds["after"]["file"]
        )
    )
    out.append(
        f"threads: baseline {t['baseline']}, peak {t['peak']}, after {t['after']} "
        f"({rep['threads_settle_s']:.1f} s after the last close), final {t['final']}"
    )
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sessions", type=int, default=30, help="concurrent sessions that each press Train")
    p.add_argument("--steps", type=int, default=300, help="training steps of each session's run")
    p.add_argument("--ramp", type=float, default=2.0, help="the sessions open within this many seconds")
    p.add_argument("--client-timeout", type=float, default=300.0, help="a client without an outcome by then hung")
    p.add_argument("--leave-early", type=int, default=0, help="this many clients close their tab mid-training")
    p.add_argument("--leave-after", type=float, default=5.0, help="seconds after opening that they leave")
    p.add_argument("--probe-every", type=float, default=0.5, help="seconds between two rounds of probes")
    p.add_argument("--thread-slack", type=int, default=2, help="threads allowed above the baseline afterwards")
    p.add_argument("--thread-settle", type=float, default=30.0, help="seconds the threads get to end")
    p.add_argument(
        "--session-ttl",
        type=int,
        default=120,
        help="server.disconnectedSessionTTL: a closed session is kept this long (Streamlit's default 120)",
    )
    p.add_argument("--rss-settle", type=float, default=3.0, help="seconds between reaping and the RSS reading")
    p.add_argument("--rss-factor", type=float, default=1.5, help="RSS afterwards must stay under factor x baseline")
    p.add_argument(
        "--attack",
        action="store_true",
        help="one more client runs hostile links, Step one batch over the caps and clear_cache in a loop",
    )
    p.add_argument("--gc-after", action="store_true", help="one gc.collect() in the server before the RSS reading")
    p.add_argument("--max-trainings", type=int, help="RNNPLAY_MAX_TRAININGS for the server (default: the app's)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="more server environment")
    p.add_argument(
        "--st", action="append", default=[], metavar="OPTION=VALUE", help="a Streamlit config option for the server"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the ramp's random start times")
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the server and the clients (negative needs root): on a box that other work shares,\n"
        "-10 measures the app as if it had the machine to itself",
    )
    p.add_argument("--rev", help="serve the app as committed at this git revision (default: the working tree)")
    p.add_argument("--json", type=Path, help="write the full report here")
    p.add_argument("--log", type=Path, help="keep the server's log here (with every thread's stack if it stalled)")
    p.add_argument(
        "--profile",
        type=Path,
        help="profile every script run in the server (cProfile, the script threads only) and write the merged\n"
        "statistics here (pstats: python -m pstats FILE)",
    )
    return p


def run(args: argparse.Namespace) -> tuple[dict, list[str]]:
    """Start a server, run the test against it, stop it; (report, failures)."""
    env = dict(kv.split("=", 1) for kv in args.env)
    if getattr(args, "profile", None):
        env["LOADTEST_PROFILE"] = str(Path(args.profile).resolve())
    if args.max_trainings is not None:
        env["RNNPLAY_MAX_TRAININGS"] = str(args.max_trainings)
    load_idle = loadavg()  # before this test adds its own load
    with tempfile.TemporaryDirectory(prefix="rnnplay-load-") as tmp:
        app_dir = checkout(args.rev, Path(tmp) / "app") if args.rev else ROOT
        if args.nice:
            os.nice(args.nice)  # the clients too: the browsers of a class do not share the server's cores
        proc, base, log = start_server(app_dir, Path(tmp), args.session_ttl, env, args.nice, tuple(args.st))
        try:
            rep = asyncio.run(load_test(args, proc.pid, base, Path(tmp)))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            server_log = log.read_text(errors="replace")
            if args.log:
                shutil.copyfile(log, args.log)
    rep["server_env"], rep["rev"], rep["nice"] = env, args.rev or "working tree", args.nice
    rep["st_options"] = args.st
    rep["loadavg"]["before"] = load_idle
    rep["server_errors"] = server_errors(server_log)
    return rep, verdict(rep, args)


def server_errors(log: str) -> list[str]:
    """What went wrong in the server, without the stacks: the last line of each traceback, counted."""
    found: Counter[str] = Counter()
    in_tb, where = False, ""
    for line in log.splitlines():
        if line.startswith("Traceback"):
            in_tb, where = True, ""
        elif in_tb and line.startswith("  File "):
            where = line.strip()
        elif in_tb and line and not line.startswith((" ", "\t")):
            found[f"{line[:200]} ({where[:160]})"] += 1
            in_tb = False
    return [f"{n} x {what}" for what, n in found.most_common()]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    rep, bad = run(args)
    print(summary(rep))
    if rep["server_errors"]:
        print("server log:", *rep["server_errors"], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps({**rep, "failures": bad}, indent=1))
    print("\n".join(["FAIL:", *bad]) if bad else "PASS")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
