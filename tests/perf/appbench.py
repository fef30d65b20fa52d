"""python -m tests.perf.appbench: the app measured through a real browser (Playwright + Debian chromium).

The app is started with tests/e2e/streamlit_server.py on a free loopback port, with a throw-away
RNNPLAY_STORE, OMP_NUM_THREADS=1 and RNNPLAY_THREADS=1, and driven the way a learner drives it:

  live      the performance table's (d): for each task's default configuration, /playground?task=NAME&steps=N is opened,
            Train is pressed and the live charts redraw until the status line says finished; the rate is the
            one that status line shows at the end (the run's steps over the seconds from its first step to its
            last, measured by the training thread), cross-checked with the browser's own clock (first and last
            step the page showed, performance.now()). In this process and around it (plain, app, plain for a
            task, then the next task) rnnplay.bench.plain_loop trains the same configuration for the same steps
            with one torch thread: (a). Each app run is paired with the mean of the plain runs just before and
            just after it, so that the machine's speed drifting over those ~20 s cancels to first order (on this
            shared 2-core machine the plain loop moves by 15-30 % from minute to minute); the ratio against the
            plain run before alone is kept beside it ("ratios_before_only"). The paired ratio (d)/(a) is taken
            per round, its median reported.
            Each live run also reports the charts' element (st.plotly_chart in older revisions, the live_chart
            component now: found in the page, so --compare can run either), the Plotly roots created after the
            click (a plotly_chart remounts, a live_chart keeps its root), the drawings Plotly finished, and the
            bytes the websocket brought from the click to the end (Playwright's frames, parsed as ForwardMsgs):
            in all, and the charts' figure data per redraw and per chart element.
  first     Train pressed -> the loss chart's first point drawn. A capture-phase click listener stores
            performance.now() when the Train button is clicked; a requestAnimationFrame loop stores the first
            frame where the loss chart's Plotly graph (.st-key-loss .js-plotly-plot) has been drawn (gd.calcdata
            set) with its first trace, "train loss", holding at least one point (gd._fullData[0]._length > 0:
            gd.data holds typed arrays as {dtype, bdata}). Target <= 1 s.
  cold      `streamlit run app.py` launched as a fresh process -> the page's first heading (h1) visible in
            the browser (an init script polls each animation frame from the document's start; the time is
            performance.timeOrigin + that frame, wall clock, minus the launch). The browser navigates as soon
            as /_stcore/health answers (polled every 20 ms). Home, and the Playground opened cold (its h1 and
            its Train button). Target <= 4 s.
  redraw    offline, no browser: the CPU and the bytes of one live redraw's charts as Streamlit sends them,
            plain go.Figures against figures.compact() (what the live view sends), interleaved.
  memory    one Playground tab trains a default task (adding; steps raised with RNNPLAY_MAX_STEPS) for M minutes,
            charts live; the server's RSS (/proc/PID/status VmRSS) is sampled every 10 s into a JSON-lines file.

The numbers are for a benchmark table (docs/benchmarks.md); nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.e2e.page_state import CONNECTED

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RNNPLAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# "step 12 / 300 · 85 steps/s · training…", with "· epoch 1.5 " after the total on a task with a finite dataset
STATUS = re.compile(r"step (\d+) / (\d+) (?:· epoch [\d.]+ )?· (\d+) steps/s · (.+)")
TARGET_RUN_S = 7.0  # a live run of about 5-10 s: long enough that the first redraws weigh little

# The live charts' element, either revision of the app: st.plotly_chart (remounted, a new Plotly root drawn
# with Plotly.newPlot, whenever its figure changed) or the live_chart component (a div .rnnplay-live-chart in a
# [data-testid=stBidiComponentRegular], one Plotly root per key, redrawn in place with Plotly.react).
LIVE_CHART = "[data-testid=stBidiComponentRegular] .rnnplay-live-chart"
PLOTLY_CHART = "[data-testid=stPlotlyChart]"
CHART_KIND_JS = f"""
() => document.querySelector('{LIVE_CHART}') ? 'live_chart'
  : document.querySelector('{PLOTLY_CHART}') ? 'plotly_chart' : null
"""

# Installed in the page before Train is pressed: the click time, the first drawn point of the loss chart,
# every status line the page showed with the time it was first seen, and the charts' Plotly roots: `roots`
# counts the roots that appeared after the click (a plotly_chart remount is a new root; a live_chart keeps its
# own), `draws` the drawings they finished (plotly_afterplot: a newPlot, a react, a resize).
# The watch must not cost the page what it measures: a requestAnimationFrame loop makes Chromium produce a
# frame at every vsync, so one runs only from the click to the first point (its time, to the frame); after it
# a 50 ms timer reads the status line's textContent (no forced layout) and looks for new roots.
WATCH_JS = """
() => {
  const w = window.__perf = {click: null, firstPoint: null, status: [], roots: 0, draws: 0};
  const seen = new WeakSet();
  document.querySelectorAll('.js-plotly-plot').forEach((gd) => seen.add(gd));
  const hasPoint = () => [...document.querySelectorAll('.st-key-loss .js-plotly-plot')].some(
    (gd) => gd.calcdata && gd._fullData && gd._fullData[0] && gd._fullData[0]._length > 0);
  const count = (gd) => { if (w.click !== null) w.draws += 1; };
  const frame = () => {
    if (w.firstPoint === null && hasPoint()) w.firstPoint = performance.now();
    else requestAnimationFrame(frame);
  };
  document.addEventListener('click', (e) => {
    if (w.click === null && e.target.closest('.st-key-btn_train')) {
      w.click = performance.now();
      requestAnimationFrame(frame);
    }
  }, true);
  const sample = () => {
    const now = performance.now();
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (seen.has(gd)) return;
      seen.add(gd);
      if (w.click !== null) w.roots += 1;
      if (gd.on) { gd.on('plotly_afterplot', () => count(gd)); if (w.click !== null) w.draws += 1; }
    });
    const bar = document.querySelector('.rnnplay-live-status, [data-testid=stProgress]');
    const text = bar ? bar.textContent : '';
    const last = w.status[w.status.length - 1];
    if (text && (!last || last[1] !== text)) w.status.push([now, text]);
  };
  document.querySelectorAll('.js-plotly-plot').forEach((gd) => gd.on && gd.on('plotly_afterplot', () => count(gd)));
  setInterval(sample, 50);
}
"""


def status_line(page):
    """The live view's status line: the fed one (app_pages/ui/live_feed.py) or, in a revision before it,
    Streamlit's progress element."""
    return page.locator(".rnnplay-live-status, [data-testid=stProgress]").first


class WireCount:
    """The websocket's messages from the server while counting: their bytes, and of them the live charts'
    (a plotly_chart element's spec, JSON text; a live_chart element's bytes, its JSON message; and each chart
    element whole, as protobuf, with the component's JavaScript source where it has one), plus the answers of
    the live view's feed (app_pages/ui/live_feed.py), which the page's charts poll over HTTP: their bytes count
    as the charts' figure data, each chart message in them as a chart update."""

    def __init__(self, page):
        self.on = False
        self.frames = self.bytes = self.chart_updates = self.chart_payload = self.chart_elements = 0
        self.polls = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("requestfinished", self._request)

    def _request(self, request) -> None:
        if not self.on or "/rnnplay/feed/" not in request.url:
            return
        try:
            body = request.response().body()
        except Exception:  # noqa: BLE001 - the page went away meanwhile
            return
        self.polls += 1
        self.bytes += len(body)
        self.chart_payload += len(body)
        self.chart_elements += len(body)
        try:
            self.chart_updates += sum(key != "status" for key in json.loads(body).get("charts", {}))
        except ValueError:
            pass

    def _frame(self, payload) -> None:
        if not self.on or isinstance(payload, str):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.frames += 1
        self.bytes += len(payload)
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "plotly_chart":
            size = len(el.plotly_chart.spec.encode())
        elif kind == "bidi_component" and el.bidi_component.component_name.endswith("live_chart"):
            size = len(el.bidi_component.bytes)
        else:
            return
        self.chart_updates += 1
        self.chart_payload += size
        self.chart_elements += el.ByteSize()


# From the document's start (an init script): the first frame with a visible page heading (an h1; the Playground's
# is an h4 since it fits one screen: the first of h1-h4 is taken, the key stays "h1"), and with the Train button.
FIRST_PAINT_JS = """
(() => {
  const w = window.__paint = {h1: null, h1Text: null, train: null};
  const tick = () => {
    const h = document.querySelector('h1, h2, h3, h4');
    if (w.h1 === null && h && h.innerText.trim() && h.getBoundingClientRect().height > 0) {
      w.h1 = performance.now(); w.h1Text = h.innerText.trim();
    }
    const b = document.querySelector('.st-key-btn_train button');
    if (w.train === null && b && b.getBoundingClientRect().height > 0) w.train = performance.now();
    if (w.h1 === null || w.train === null) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def _server_env(store_dir: str, **extra: str) -> dict:
    return {
        "RNNPLAY_STORE": str(Path(store_dir) / "runs.sqlite"),
        "RNNPLAY_MAX_STEPS": "1000000",
        "RNNPLAY_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        **extra,
    }


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install -y chromium (or set RNNPLAY_CHROMIUM)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def app_server(root: Path | None = None, **env: str):
    """(process, base URL) of the app on a free port with a throw-away store, stopped afterwards. root: another
    checkout of the app (a before/after comparison), started the same way as tests/e2e/streamlit_server.py."""
    from tests.e2e import streamlit_server

    with tempfile.TemporaryDirectory(prefix="rnnplay-perf-") as d:
        if root is None:
            proc, url = streamlit_server.start(_server_env(d, **env), output=subprocess.DEVNULL)
        else:
            proc, url, _ = _launch(_server_env(d, **env), root)
        try:
            yield proc, url
        finally:
            streamlit_server.stop(proc)


def cpu_s(pids) -> float:
    """User + system CPU seconds of these processes (all their threads) so far."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def browser_pids(exclude: set[int]) -> list[int]:
    """This process's descendants (Playwright's driver and Chromium), without the app servers' trees."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    out, todo = [], [os.getpid()]
    while todo:
        p = todo.pop()
        for child, pp in parent.items():
            if pp == p and child not in exclude:
                out.append(child)
                todo.append(child)
    return out


def is_chromium(pid: int) -> bool:
    """A Chromium process (browser, renderer, GPU, utility), not Playwright's driver (node)."""
    try:
        return "chrom" in Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        return False


def new_page(browser):
    return browser.new_page(viewport={"width": 1400, "height": 2200})


def open_playground(page, url: str, query: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/playground?{query}")
    page.wait_for_selector(CONNECTED, timeout=60_000)
    expect(page.locator(".st-key-btn_train button")).to_be_enabled(timeout=60_000)
    expect(page.locator(".st-key-loss .js-plotly-plot").first).to_be_visible(timeout=60_000)


def parse_status(text: str) -> tuple[int, int, int, str] | None:
    m = STATUS.search(text)
    return (int(m[1]), int(m[2]), int(m[3]), m[4].strip()) if m else None


def live_run(browser, url: str, task: str, steps: int, server_pid: int | None = None, timeout_s: float = 300) -> dict:
    """One browser session trains task's defaults for steps with the charts live; its rates and redraws, and
    the CPU seconds the server and the browser used meanwhile (both share this machine's cores)."""
    from playwright.sync_api import expect

    page = new_page(browser)
    wire = WireCount(page)
    try:
        open_playground(page, url, f"task={task}&steps={steps}")
        kind = page.evaluate(CHART_KIND_JS)
        page.evaluate(WATCH_JS)
        wire.on = True
        tree = browser_pids({server_pid} if server_pid else set())
        chrome = [pid for pid in tree if is_chromium(pid)]
        driver = [pid for pid in tree if pid not in chrome]
        server0, wall0 = cpu_s([server_pid] if server_pid else []), time.perf_counter()
        chrome0, driver0 = cpu_s(chrome), cpu_s(driver)
        page.locator(".st-key-btn_train button").click()
        expect(status_line(page)).to_contain_text("finished", timeout=timeout_s * 1000)
        wall = time.perf_counter() - wall0
        wire.on = False
        server_cpu = cpu_s([server_pid] if server_pid else []) - server0
        chrome_cpu = cpu_s(chrome) - chrome0
        driver_cpu = cpu_s(driver) - driver0
        w = page.evaluate("window.__perf")
        final = parse_status(status_line(page).inner_text())
    finally:
        page.close()
    seen = [(t, s) for t, text in w["status"] if (s := parse_status(text)) and s[0] > 0]
    (t_first, first), (t_last, last) = seen[0], seen[-1]
    browser_rate = (last[0] - first[0]) / ((t_last - t_first) / 1000) if t_last > t_first else float("nan")
    redraws = len({s[0] for _, s in seen})
    return {
        "task": task,
        "steps": steps,
        "app_steps_per_s": float(final[2]) if final else float("nan"),  # the run's own rate, at its end
        "browser_steps_per_s": browser_rate,  # steps the page saw over the browser's time between them
        "redraws": redraws,  # distinct step counts the status line showed
        "chart_kind": kind,  # plotly_chart or live_chart
        "chart_roots": w["roots"],  # Plotly roots created after the click: remounts (plotly_chart), none (live_chart)
        "chart_draws": w["draws"],  # Plotly drawings finished after the click, all charts
        "ws_bytes": wire.bytes,  # everything the server sent from the click to "finished"
        "chart_updates": wire.chart_updates,  # chart elements received meanwhile
        "chart_payload_bytes": wire.chart_payload,  # their figure data (spec / JSON message)
        "chart_element_bytes": wire.chart_elements,  # the elements whole
        "first_chart_s": (w["firstPoint"] - w["click"]) / 1000 if w["firstPoint"] and w["click"] else None,
        "wall_s": wall,
        "server_cpu_s": server_cpu,  # the training thread, the redraws, Streamlit
        "browser_cpu_s": chrome_cpu,  # Chromium drawing the charts (on a learner's own machine elsewhere)
        "driver_cpu_s": driver_cpu,  # Playwright's driver, reading the websocket and the feed for WireCount
    }


def _steps_for(config, target_s: float) -> int:
    """Steps that last about target_s in a plain loop on this machine (a short calibration run)."""
    from rnnplay.bench import plain_loop

    plain_loop(config, 5)  # warm-up: first calls allocate
    rate = plain_loop(config, 40)
    return int(max(100, min(1_000_000, round(rate * target_s / 50) * 50)))


def measure(
    tasks: list[str] | None = None, rounds: int = 3, target_s: float = TARGET_RUN_S, compare: Path | None = None
) -> list[dict]:
    """Per task: (a) plain loop steps/s, (d) steps/s of a browser-driven live app run, paired (d)/(a) per round
    (median), the first-chart latency of each live run. In a round each task's app run comes between two plain
    runs, (a) their mean.
    compare: another checkout of the app (before a change), run as a second server in the same rounds
    (plain, app, other app, plain): its rows get the same fields prefixed "compare_"."""
    import torch

    from rnnplay.bench import plain_loop
    from rnnplay.config import make_config
    from rnnplay.tasks import TASK_CLASSES

    torch.set_num_threads(1)
    tasks = list(tasks or TASK_CLASSES)
    configs = {t: make_config(t) for t in tasks}
    steps = {t: _steps_for(configs[t], target_s) for t in tasks}
    keys = ("app", "browser", "ratio", "ratio_before_only", "first_chart_s", "redraws")
    keys += ("server_cpu_s", "browser_cpu_s", "driver_cpu_s", "wall_s")
    keys += ("chart_kind", "chart_roots", "chart_draws", "ws_bytes", "chart_updates", "chart_payload_bytes")
    keys += ("chart_element_bytes",)
    labels = ["", "compare_"] if compare else [""]
    out = {t: {"plain": [], **{p + k: [] for p in labels for k in keys}} for t in tasks}
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(chromium())
        servers = {"": stack.enter_context(app_server())}
        if compare:
            servers["compare_"] = stack.enter_context(app_server(root=Path(compare)))
        for r in range(rounds):
            for t in tasks:
                config = configs[t].replace(steps=steps[t])
                before = plain_loop(config, steps[t])
                o = out[t]
                line = f"round {r + 1} {t:10s} {steps[t]:6d} steps: plain {before:7.1f}"
                order = list(servers.items())
                # the server measured first in a round drew its first chart later (1.8 s against 0.4 s with the
                # two trees swapped): with --compare the order alternates from round to round
                runs = {
                    p: live_run(browser, url, t, steps[t], proc.pid)
                    for p, (proc, url) in order[r % len(order) :] + order[: r % len(order)]
                }
                after = plain_loop(config, steps[t])
                a = (before + after) / 2
                o["plain"].append(a)
                line += f", after {after:7.1f}"
                for p, d in runs.items():
                    d["app"], d["browser"], d["ratio"], d["ratio_before_only"] = (
                        d["app_steps_per_s"],
                        d["browser_steps_per_s"],
                        d["app_steps_per_s"] / a,
                        d["app_steps_per_s"] / before,
                    )
                    for k in keys:
                        o[p + k].append(d[k])
                    line += (
                        f" | {p or 'app '}{d['app']:7.1f} (browser clock {d['browser']:7.1f}, {d['redraws']} redraws, "
                        f"CPU server {d['server_cpu_s']:.1f} s chromium {d['browser_cpu_s']:.1f} s "
                        f"driver {d['driver_cpu_s']:.1f} s "
                        f"of {d['wall_s']:.1f} s) "
                        f"ratio {d['ratio']:.3f} first chart {d['first_chart_s'] or float('nan'):.2f} s; "
                        f"{d['chart_kind']}: {d['chart_roots']} new Plotly roots, {d['chart_draws']} drawings, "
                        f"{d['ws_bytes'] / 1e3:.0f} kB received, charts {d['chart_payload_bytes'] / 1e3:.0f} kB "
                        f"in {d['chart_updates']} elements)"
                    )
                print(line, file=sys.stderr, flush=True)
    rows = []
    for t in tasks:
        o = out[t]
        row = {"task": t, "steps": steps[t], "rounds": rounds, "plain_steps_per_s": statistics.median(o["plain"])}
        for p in labels:
            firsts = [x for x in o[p + "first_chart_s"] if x is not None]
            row.update(
                {
                    p + "app_steps_per_s": statistics.median(o[p + "app"]),
                    p + "browser_steps_per_s": statistics.median(o[p + "browser"]),
                    p + "ratio": statistics.median(o[p + "ratio"]),
                    p + "ratios": o[p + "ratio"],
                    p + "ratios_before_only": o[p + "ratio_before_only"],
                    p + "first_chart_s": statistics.median(firsts) if firsts else None,
                    p + "first_chart_all_s": o[p + "first_chart_s"],
                    p + "redraws": statistics.median(o[p + "redraws"]),
                    p + "server_cpu_share": statistics.median(
                        c / w for c, w in zip(o[p + "server_cpu_s"], o[p + "wall_s"], strict=True)
                    ),
                    p + "browser_cpu_share": statistics.median(
                        c / w for c, w in zip(o[p + "browser_cpu_s"], o[p + "wall_s"], strict=True)
                    ),
                    p + "driver_cpu_share": statistics.median(
                        c / w for c, w in zip(o[p + "driver_cpu_s"], o[p + "wall_s"], strict=True)
                    ),
                    p + "browser_cpu_shares": [
                        c / w for c, w in zip(o[p + "browser_cpu_s"], o[p + "wall_s"], strict=True)
                    ],
                    p + "chart_kind": o[p + "chart_kind"][-1],
                    p + "chart_roots": statistics.median(o[p + "chart_roots"]),
                    p + "chart_draws": statistics.median(o[p + "chart_draws"]),
                    # per redraw (distinct steps the page showed): what came over the websocket, the charts' part
                    p + "ws_bytes_per_redraw": statistics.median(
                        b / max(n, 1) for b, n in zip(o[p + "ws_bytes"], o[p + "redraws"], strict=True)
                    ),
                    p + "chart_bytes_per_redraw": statistics.median(
                        b / max(n, 1) for b, n in zip(o[p + "chart_payload_bytes"], o[p + "redraws"], strict=True)
                    ),
                    p + "chart_bytes_per_update": statistics.median(
                        b / max(n, 1) for b, n in zip(o[p + "chart_payload_bytes"], o[p + "chart_updates"], strict=True)
                    ),
                    p + "chart_element_bytes_per_update": statistics.median(
                        b / max(n, 1) for b, n in zip(o[p + "chart_element_bytes"], o[p + "chart_updates"], strict=True)
                    ),
                }
            )
        rows.append(row)
    return rows


# the live view's redraw on the server, offline ------------------------------------------------------------------
def redraw_cost(tasks: list[str], steps: int = 1500, rounds: int = 7) -> list[dict]:
    """CPU milliseconds (this thread) and bytes of one live redraw's charts as Streamlit sends them (the figures,
    st.plotly_chart's to_dict, plotly.io.to_json and the element id's hash of the spec), for a run trained steps
    steps: plain go.Figures against figures.compact(), interleaved over rounds (median)."""
    import hashlib

    import plotly.io
    import plotly.tools
    import streamlit.elements.plotly_chart  # noqa: F401  selects Streamlit's template, as in the app
    import torch

    from rnnplay import figures
    from rnnplay.config import make_config
    from rnnplay.run.training_run import TrainingRun

    torch.set_num_threads(1)

    def redraw(snap: dict) -> int:
        size = 0
        for f in figures.live_figures(snap).values():
            if f is not None:
                spec = plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(f, True), validate=False)
                hashlib.md5(spec.encode()).hexdigest()
                size += len(spec)
        return size

    rows = []
    for task in tasks:
        run = TrainingRun(make_config(task).replace(steps=steps))
        run.start()
        run.join(timeout=900)
        snap = run.snapshot()
        cpu, size = {"figure": [], "compact": []}, {}
        for _ in range(rounds):
            for mode in cpu:
                t0 = time.thread_time()
                with figures.compact() if mode == "compact" else contextlib.nullcontext():
                    size[mode] = redraw(snap)
                cpu[mode].append((time.thread_time() - t0) * 1000)
        row = {"task": task, "steps": snap.steps_done}
        for mode in cpu:
            row[f"{mode}_cpu_ms"] = statistics.median(cpu[mode])
            row[f"{mode}_kB"] = size[mode] / 1024
        rows.append(row)
        print(
            f"redraw {task:10s} after {row['steps']} steps: go.Figure {row['figure_cpu_ms']:.1f} ms CPU, "
            f"{row['figure_kB']:.1f} kB | compact {row['compact_cpu_ms']:.1f} ms, {row['compact_kB']:.1f} kB",
            flush=True,
        )
    return rows


# cold start -------------------------------------------------------------------------------------------------
def _launch(env: dict, root: Path = ROOT) -> tuple[subprocess.Popen, str, float]:
    """A fresh `streamlit run app.py` (the command a learner types), its URL and its launch time (epoch s);
    returns once /_stcore/health answers (polled every 20 ms)."""
    from tests.e2e.streamlit_server import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    launched = time.time()
    proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url, launched
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy in 60 s")


def cold_start(browser, path: str = "", root: Path = ROOT) -> dict:
    """Seconds from launching a fresh server to the page's first h1 painted (and, on the Playground, the
    Train button), and the same page opened again on the now warm server. root: the checkout to launch."""
    from tests.e2e import streamlit_server

    result = {"page": path or "/"}
    with tempfile.TemporaryDirectory(prefix="rnnplay-perf-") as d:
        proc, url, launched = _launch(_server_env(d), root)
        try:
            result["health_s"] = time.time() - launched
            for label in ("cold", "warm"):
                ctx = browser.new_context(viewport={"width": 1400, "height": 2200})
                ctx.add_init_script(FIRST_PAINT_JS)
                page = ctx.new_page()
                page.goto(f"{url}/{path}")
                want = "window.__paint.h1 !== null" + (" && window.__paint.train !== null" if path else "")
                page.wait_for_function(want, timeout=60_000)
                p = page.evaluate("({origin: performance.timeOrigin, ...window.__paint})")
                ctx.close()
                start = launched if label == "cold" else p["origin"] / 1000
                result[f"{label}_h1_s"] = (p["origin"] + p["h1"]) / 1000 - start
                result["h1_text"] = p["h1Text"]
                if path:
                    result[f"{label}_train_s"] = (p["origin"] + p["train"]) / 1000 - start
        finally:
            streamlit_server.stop(proc)
    return result


def cold_starts(tries: int = 3, compare: Path | None = None) -> list[dict]:
    """Median over tries of Home's and the Playground's cold first paint (each try a fresh server).
    compare: another checkout, launched in the same tries (its rows' page is prefixed "compare_")."""
    roots = {"": ROOT, **({"compare_": Path(compare)} if compare else {})}
    runs: dict[tuple[str, str], list[dict]] = {(p, path): [] for p in roots for path in ("", "playground")}
    with chromium() as browser:
        for i in range(tries):
            for p, path in runs:
                r = cold_start(browser, path, roots[p])
                runs[p, path].append(r)
                print(f"cold start try {i + 1} {p}/{path}: {json.dumps(r)}", file=sys.stderr, flush=True)
    rows = []
    for (p, path), rs in runs.items():
        row = {"page": p + "/" + path, "tries": tries}
        for k in rs[0]:
            if k.endswith("_s"):
                row[k] = statistics.median(r[k] for r in rs)
        rows.append(row)
    return rows


# memory over a long run -------------------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def memory(minutes: float, samples_path: str, task: str = "adding", every_s: float = 10.0) -> dict:
    """One Playground tab trains task (1_000_000 steps) with its charts live for `minutes`; the server's RSS
    every every_s seconds, each sample written to samples_path (JSON lines) as it is taken."""
    from playwright.sync_api import expect

    samples = []
    with chromium() as browser, app_server() as (proc, url), open(samples_path, "w") as f:
        page = new_page(browser)
        open_playground(page, url, f"task={task}&steps=1000000")
        base = rss_mb(proc.pid)
        page.locator(".st-key-btn_train button").click()
        expect(status_line(page)).to_contain_text("training", timeout=60_000)
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) <= minutes * 60 + 1:
            status = parse_status(status_line(page).inner_text())
            s = {"t_s": round(elapsed, 1), "rss_mb": round(rss_mb(proc.pid), 1), "load1": os.getloadavg()[0]}
            if status:
                s.update(step=status[0], steps_per_s=status[2], state=status[3])
            if status and status[3] == "paused":
                # a pause the learner did not ask for (idle, a lost connection): its notice is recorded, the run
                # resumed, and the summary counts it; a lost websocket also resets what the browser holds
                s["notice"] = " | ".join(page.get_by_test_id("stAlert").all_inner_texts())
                page.locator(".st-key-btn_train button").click()
                expect(status_line(page)).to_contain_text("training", timeout=60_000)
            samples.append(s)
            f.write(json.dumps(s) + "\n")
            f.flush()
            if status and status[3] not in ("training…", "paused"):
                break  # finished (or failed) before the time was up: reported as such
            page.wait_for_timeout(max(0.0, every_s * len(samples) - (time.monotonic() - t0)) * 1000)
        page.close()
    return summarize_memory(samples, base, minutes)


def summarize_memory(samples: list[dict], base_mb: float | None = None, minutes: float | None = None) -> dict:
    def at(t: float) -> float | None:
        near = [s for s in samples if s["t_s"] >= t]
        return near[0]["rss_mb"] if near else None

    after = [s["rss_mb"] for s in samples if s["t_s"] >= 60] or [s["rss_mb"] for s in samples]
    one = at(60) or after[0]
    return {
        "baseline_mb": base_mb,
        "rss_1min_mb": at(60),
        "rss_5min_mb": at(300),
        "rss_30min_mb": at(30 * 60),
        "rss_last_mb": samples[-1]["rss_mb"],
        "last_t_s": samples[-1]["t_s"],
        "last_step": samples[-1].get("step"),
        "max_after_1min_mb": max(after),
        "min_after_1min_mb": min(after),
        "within_10pct_of_1min": max(after) <= 1.1 * one and min(after) >= 0.9 * one,
        "minutes": minutes,
        "samples": len(samples),
        "pauses": [(x["t_s"], x["notice"]) for x in samples if "notice" in x],  # resumed each time
    }


def main() -> None:
    from rnnplay.tasks import TASK_CLASSES

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--tasks", nargs="*", default=None, help=f"tasks for (a)/(d) (default all: {' '.join(TASK_CLASSES)})"
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds of plain, live app, plain runs of every task")
    p.add_argument("--run-seconds", type=float, default=TARGET_RUN_S, help="about how long each run lasts")
    p.add_argument("--skip-live", action="store_true", help="leave out (a)/(d) and the first-chart latency")
    p.add_argument("--compare", type=Path, help="another checkout of the app (before a change), in the same rounds")
    p.add_argument("--cold", type=int, default=0, help="cold-start tries (each a fresh server; 0: none)")
    p.add_argument("--redraw", action="store_true", help="offline: one live redraw's CPU and bytes, before/after")
    p.add_argument("--memory-minutes", type=float, default=0, help="memory: a live run this long (0: none)")
    p.add_argument(
        "--memory-task",
        default="adding",
        help="memory's task: adding's 1 000 000 steps (the most a run takes) outlast 30 min; majority's ended at 29",
    )
    p.add_argument("--memory-samples", default="appbench_memory.jsonl", help="JSON lines, one RSS sample each")
    p.add_argument("--json", help="write every result to this file")
    args = p.parse_args()
    for t in args.tasks or []:
        if t not in TASK_CLASSES:
            p.error(f"--tasks: {t!r} is not a task: one of {', '.join(TASK_CLASSES)}")
    if args.rounds < 1:
        p.error("--rounds: at least 1")
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_before": os.getloadavg()}
    if not args.skip_live:
        report["live"] = measure(args.tasks, args.rounds, args.run_seconds, args.compare)
        labels = ["", "compare_"] if args.compare else [""]
        print(
            "task        steps | (a) plain | (d) live app | (d)/(a) | first chart | redraws | "
            "CPU server, chromium, driver | "
            "charts: element, new roots, kB per redraw (websocket, charts), bytes per chart element"
        )
        for r in report["live"]:
            for p in labels:
                first = r[p + "first_chart_s"] if r[p + "first_chart_s"] is not None else float("nan")
                print(
                    f"{(p + r['task']):18s} {r['steps']:6d} | {r['plain_steps_per_s']:9.1f} | "
                    f"{r[p + 'app_steps_per_s']:12.1f} | {r[p + 'ratio']:7.3f} | {first:9.2f} s | "
                    f"{r[p + 'redraws']:7.0f} | {r[p + 'server_cpu_share']:.2f}, "
                    f"{r[p + 'browser_cpu_share']:.2f}, {r[p + 'driver_cpu_share']:.2f} cores | "
                    f"{r[p + 'chart_kind']}, {r[p + 'chart_roots']:.0f}, {r[p + 'ws_bytes_per_redraw'] / 1e3:.1f} "
                    f"{r[p + 'chart_bytes_per_redraw'] / 1e3:.1f}, {r[p + 'chart_bytes_per_update']:.0f} "
                    f"({r[p + 'chart_element_bytes_per_update']:.0f} whole)"
                )
    if args.redraw:
        report["redraw"] = redraw_cost(args.tasks or ["majority", "copy", "charlm", "sine"])
    if args.cold:
        report["cold"] = cold_starts(args.cold, args.compare)
        for r in report["cold"]:
            print(f"cold start {r['page']}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.items() if k.endswith("_s")))
    if args.memory_minutes:
        report["memory"] = memory(args.memory_minutes, args.memory_samples, args.memory_task)
        print("memory: " + json.dumps(report["memory"]))
    report["load_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
