"""Real browser, while training: the live charts are redrawn in place, never taken out of the page and built
again. Watched from the page itself: a MutationObserver counts every removed node that is (or holds) a Plotly
root (`.js-plotly-plot`), and a timer samples every 100 ms how many charts show data, the height of the page
and the loss chart's latest point.

- The Playground training adding for 60 s: no chart removed, no chart blank for a moment, the page never
  changes height, and the loss chart kept moving (a frozen page cannot pass).
- The vanishing-gradients lesson on Auto-play in the Gradient lab: the same while the race trains.
- A user's box zoom on the loss chart outlives ten live updates: the x range stays where the drag put it.

The page height is that of the scrolling main area (Streamlit scrolls `stMain`, not the document): the
charts and the diagnosis have fixed heights, and the lesson's narration stands beside the charts, so
nothing on the page may move it while training."""

from __future__ import annotations

import math
import time
from collections import Counter
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from rnnplay.lessons import BY_ID
from tests.e2e.page_state import CONNECTED, IDLE
from tests.e2e.streamlit_server import serve

pytestmark = pytest.mark.e2e

FIRST_DRAW_S = 30  # a chart element may load plotly.js on its first paint: wait generously, once
PLAYGROUND_WINDOW_S = 60
LESSON_WINDOW_S = 50
VANISHING = BY_ID["vanishing"]
LESSON_STEPS = 20_000  # the lesson's own 1500 steps a race can finish inside the window on a fast machine
SAMPLE_MS = 100
HEIGHT_TOLERANCE_PX = 1  # scrollHeight rounds a fractional layout to whole pixels
MIN_UPDATES = 10  # the live view redraws about once a second; a busy machine paces it slower
MAX_STEPS = 1_000_000  # a run that outlasts every test here (this module's server raises the steps cap)
# adding with the default caps ends in about 40 s on a laptop core: this run trains until it is stopped
TRAIN_LINK = f"/playground?task=adding&steps={MAX_STEPS}"

# Installed once in a page: window.__live counts removed Plotly roots and, once started, holds the samples.
# Shadow roots are searched too, so the count does not depend on how a chart element is built.
WATCH_JS = """() => {
  if (window.__live) return;
  const ROOT = ".js-plotly-plot";
  const deepAll = (root, sel) => {
    const out = [...root.querySelectorAll(sel)];
    for (const e of root.querySelectorAll("*")) if (e.shadowRoot) out.push(...deepAll(e.shadowRoot, sel));
    return out;
  };
  const len = a => (a && a.length) || 0;
  const points = gd => (gd._fullData || []).reduce((n, t) => n + Math.max(len(t.x), len(t.y), len(t.z)), 0);
  const title = gd => String((gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || "")
    .replace(/<[^>]*>/g, "").trim();
  const lossChart = () => deepAll(document, ROOT).find(gd => /\\bloss\\b/i.test(title(gd)));
  const lastX = gd => Math.max(-Infinity, ...(gd._fullData || []).filter(t => len(t.x))
    .map(t => Number(t.x[t.x.length - 1])).filter(Number.isFinite));
  const scroller = () => document.querySelector("[data-testid=stMain]") || document.scrollingElement;
  const L = (window.__live = {removed: 0, rootsRemoved: 0, samples: [], timer: null, observed: new Set()});
  const holdsRoot = n => n.nodeType === 1 && (n.matches(ROOT) || deepAll(n, ROOT).length > 0);
  const observer = new MutationObserver(records => {
    for (const r of records)
      for (const n of r.removedNodes)
        if (holdsRoot(n)) {
          L.removed += 1;
          L.rootsRemoved += n.matches(ROOT) ? 1 : deepAll(n, ROOT).length;
        }
  });
  const observe = root => {
    if (L.observed.has(root)) return;
    L.observed.add(root);
    observer.observe(root, {subtree: true, childList: true});
  };
  observe(document.body);
  L.observeShadows = () => {
    for (const e of document.querySelectorAll("*")) if (e.shadowRoot) observe(e.shadowRoot);
  };
  L.lossChart = lossChart;
  L.drawn = () => deepAll(document, ROOT).filter(gd => points(gd) > 0).length;
  L.loss = () => {
    const gd = lossChart();
    return gd ? {points: points(gd), lastX: lastX(gd)} : null;
  };
  L.sample = () => {
    L.observeShadows();
    const main = scroller(), loss = L.loss();
    const progress = document.querySelector(".rnnplay-live-status");
    return {t: Math.round(performance.now()), drawn: L.drawn(), roots: deepAll(document, ROOT).length,
            height: main.scrollHeight,
            loss: loss ? `${loss.points}:${loss.lastX}` : null,
            lastX: loss ? loss.lastX : null,
            training: progress ? /training|racing/.test(progress.innerText) : false};
  };
}"""
# from now on: the removals counted afresh, and a sample every `ms`
START_JS = """ms => {
  const L = window.__live;
  clearInterval(L.timer);
  L.observeShadows();
  L.removed = 0; L.rootsRemoved = 0; L.samples = [L.sample()];
  L.timer = setInterval(() => L.samples.push(L.sample()), ms);
}"""
STOP_JS = """() => {
  const L = window.__live;
  clearInterval(L.timer);
  return {removed: L.removed, rootsRemoved: L.rootsRemoved, samples: L.samples};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with a steps cap high enough for a run that trains through the whole measured window."""
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with serve(RNNPLAY_STORE=str(store), RNNPLAY_MAX_STEPS=str(MAX_STEPS)) as url:
        yield url


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    yield pg
    pg.close()


def open_playground(page: Page, server: str) -> None:
    page.goto(server + TRAIN_LINK)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=60_000)
    page.evaluate(WATCH_JS)


def wait_for_first_draw(page: Page) -> None:
    """A Plotly root that shows at least one point (the first chart drawn from the run)."""
    page.wait_for_function("() => window.__live.drawn() > 0", timeout=FIRST_DRAW_S * 1000, polling=100)


def stop_training(page: Page) -> None:
    """Stop the run so that it does not slow the next test (best effort: the page may be gone)."""
    try:
        page.get_by_role("button", name="Stop", exact=True).dispatch_event("click", timeout=5_000)
    except Exception:  # noqa: BLE001 - a failed test's page
        pass


def measure(page: Page, seconds: float) -> dict:
    page.evaluate(START_JS, SAMPLE_MS)
    page.wait_for_timeout(seconds * 1000)
    return page.evaluate(STOP_JS)


def report(w: dict) -> str:
    """The numbers that tell what happened in the window, for an assertion's message."""
    s = w["samples"]
    heights = Counter(x["height"] for x in s)
    drawn = [x["drawn"] for x in s]
    return (
        f"{len(s)} samples over {(s[-1]['t'] - s[0]['t']) / 1000:.1f} s; "
        f"removed: {w['removed']} nodes holding {w['rootsRemoved']} Plotly roots; "
        f"charts drawn: first {drawn[0]}, min {min(drawn)}, max {max(drawn)}, "
        f"samples below the first {sum(d < drawn[0] for d in drawn)}; "
        f"page heights (px: samples) {dict(sorted(heights.items()))}; "
        f"loss chart updates {updates(s)}, last point at step {s[0]['lastX']} -> {s[-1]['lastX']}"
    )


def updates(samples: list[dict]) -> int:
    """How many times the loss chart's points changed (a sample without the chart in between is skipped)."""
    shown = [x["loss"] for x in samples if x["loss"] is not None]
    return sum(a != b for a, b in zip(shown, shown[1:], strict=False))


def assert_redrawn_in_place(w: dict, seconds: float, samples: list[dict]) -> None:
    """w: what the window measured over `seconds`; samples: the part of it the height is held over (all of
    it, or while training)."""
    s, why = w["samples"], report(w)
    print(f"\n{why}")
    # at least two samples a second (a busy page runs its timer late), or a chart blank for a moment goes unseen
    assert len(s) >= 2 * seconds, f"too few samples to tell: {why}"
    assert w["removed"] == 0, f"charts were removed from the page while training: {why}"
    drawn = [x["drawn"] for x in s]
    assert min(drawn) >= drawn[0], f"charts went blank while training (drawn below the first count): {why}"
    heights = [x["height"] for x in samples]
    assert max(heights) - min(heights) <= HEIGHT_TOLERANCE_PX, f"the page changed height while training: {why}"
    assert updates(s) >= MIN_UPDATES and s[-1]["lastX"] > s[0]["lastX"], f"the charts did not update: {why}"


@pytest.mark.slow
def test_playground_charts_are_updated_in_place_while_training(server, page: Page):
    open_playground(page, server)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        wait_for_first_draw(page)
        w = measure(page, PLAYGROUND_WINDOW_S)
        assert_redrawn_in_place(w, PLAYGROUND_WINDOW_S, w["samples"])
        assert all(x["training"] for x in w["samples"][-10:]), "the run stopped before the window ended"
    finally:
        stop_training(page)


@pytest.mark.slow
def test_vanishing_lesson_autoplay_redraws_in_place(server, page: Page):
    # the lesson's own link, its race made long enough to train through the whole window on a fast machine
    page.goto(f"{server}/{VANISHING.page}?{urlencode({**VANISHING.query_params, 'steps': LESSON_STEPS})}")
    page.wait_for_selector(CONNECTED, timeout=60_000)
    panel = page.locator(".st-key-lesson_panel:not([data-stale=true])")
    expect(panel).to_contain_text(VANISHING.title, timeout=60_000)
    expect(panel).to_contain_text("step 1 of", timeout=10_000)
    page.evaluate(WATCH_JS)
    page.get_by_role("button", name="Auto-play", exact=True).click()
    try:
        # auto-play lets the first sentence be read, then its second step trains the race
        expect(panel).to_contain_text("step 2 of", timeout=60_000)
        page.wait_for_function(
            "() => { const l = window.__live.loss(); return l && l.points > 0; }",
            timeout=FIRST_DRAW_S * 1000,
            polling=100,
        )
        w = measure(page, LESSON_WINDOW_S)
        training = [x for x in w["samples"] if x["training"]]
        print(f"\n{len(training)} of {len(w['samples'])} samples while the race trained")
        assert len(training) >= 0.8 * len(w["samples"]), f"the race trained for too little of the window: {report(w)}"
        assert_redrawn_in_place(w, LESSON_WINDOW_S, training)
    finally:
        stop_training(page)


# the loss chart's plot area and axis range, found by its title; None until it is drawn with points
LOSS_AREA_JS = """() => {
  const L = window.__live, loss = L.loss(), gd = L.lossChart();
  if (!loss || loss.points < 2) return null;
  const area = gd && gd.querySelector(".nsewdrag");
  if (!area) return null;
  gd.scrollIntoView({block: "center"});
  const r = area.getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height, range: [...gd._fullLayout.xaxis.range]};
}"""
RESET_REMOVALS_JS = "() => { window.__live.removed = 0; window.__live.rootsRemoved = 0; }"
LOSS_RANGE_JS = """() => {
  const gd = window.__live.lossChart();
  return gd ? {range: [...gd._fullLayout.xaxis.range], autorange: gd.layout.xaxis ? gd.layout.xaxis.autorange : null,
               loss: window.__live.loss()} : null;
}"""


def box_zoom(page: Page) -> dict:
    """Drag across the middle of the loss chart's plot area, left to right (a zoom on x only); retried while a
    redraw swallows the drag. Returns the chart's state right after a zoom took."""
    seen = []
    for _ in range(10):
        area = page.evaluate(LOSS_AREA_JS)
        if area is None:
            page.wait_for_timeout(500)
            continue
        y = area["y"] + area["height"] / 2
        x0, x1 = area["x"] + 0.3 * area["width"], area["x"] + 0.6 * area["width"]
        page.mouse.move(x0, y)
        page.mouse.down()
        page.mouse.move(x1, y + 2, steps=8)
        page.mouse.up()
        after = page.evaluate(LOSS_RANGE_JS)
        seen.append((area["range"], after and after["range"]))
        if after and after["autorange"] is False and not close(after["range"], area["range"]):
            return {"before": area["range"], **after}
    raise AssertionError(f"the zoom was lost before it could be read (x range before -> after each drag: {seen})")


def zoom_while_training(page: Page) -> dict:
    """Once the loss chart has had a few updates (so the zoomed span lies inside what it shows), box_zoom; the
    removed roots are counted afresh from then on."""
    wait_for_first_draw(page)
    page.wait_for_function(
        "() => { const l = window.__live.loss(); return l && l.points >= 2 && l.lastX >= 100; }",
        timeout=FIRST_DRAW_S * 1000,
        polling=100,
    )
    zoom = box_zoom(page)
    page.evaluate(RESET_REMOVALS_JS)
    return zoom


def loss_range(page: Page) -> dict:
    """The loss chart's x range, autorange and points; waits out a moment without the chart."""
    for _ in range(50):
        now = page.evaluate(LOSS_RANGE_JS)
        if now and now["loss"]:
            return now
        page.wait_for_timeout(SAMPLE_MS)
    raise AssertionError("the loss chart is gone from the page")


def close(a: list[float], b: list[float]) -> bool:
    return all(math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-6) for p, q in zip(a, b, strict=True))


# a missed update: the chart holds another revision than the next patch's base, asks Python for the whole
# figure and draws it (under load the page can skip an update); a zoom must survive that too
FORGET_REVISION_JS = "() => { window.__live.lossChart().parentElement.__rnnplayChart.rev = -1; }"
REVISION_JS = "() => window.__live.lossChart().parentElement.__rnnplayChart.rev"


def test_zoom_on_the_loss_chart_survives_live_updates(server, page: Page):
    """Patches, then a whole figure after a missed update, then patches again: the zoom holds. (Before the
    chart gave Plotly copies of its figure, Plotly took the zoom for a range the figure set after the first
    patch, and the whole figure dropped it: 3 of 3 runs.)"""
    open_playground(page, server)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        zoom = zoom_while_training(page)
        seen, last, end = 0, zoom["loss"], time.monotonic() + 60
        while seen < MIN_UPDATES and time.monotonic() < end:
            page.wait_for_timeout(SAMPLE_MS)
            now = page.evaluate(LOSS_RANGE_JS)
            if now and now["loss"] and now["loss"] != last:
                seen, last = seen + 1, now["loss"]
                if seen == 2:
                    page.evaluate(FORGET_REVISION_JS)
        resynced = page.evaluate(REVISION_JS) != -1  # a whole figure came and was drawn
        removed = page.evaluate("window.__live.rootsRemoved")
        after = loss_range(page)
        why = (
            f"x range before the zoom {fmt(zoom['before'])}, zoomed {fmt(zoom['range'])}, after {seen} updates "
            f"{fmt(after['range'])} (autorange {after['autorange']}); the loss chart's last point went from step "
            f"{zoom['loss']['lastX']} to {after['loss']['lastX']}; {removed} Plotly roots removed meanwhile"
        )
        print(f"\n{why}")
        assert seen >= MIN_UPDATES, f"only {seen} live updates arrived in 60 s: {why}"
        assert resynced, f"no whole figure was drawn after the missed update: {why}"
        assert close(after["range"], zoom["range"]), f"the zoom was lost: {why}"
        assert after["autorange"] is False, f"the x axis went back to autorange: {why}"
    finally:
        stop_training(page)


CHANGED = "Changed since this run started"


def test_changing_the_rate_mid_run_keeps_the_charts_and_the_zoom(server, page: Page):
    """A learner zooms into the loss, then raises the learning rate while the run trains: the notice with Apply
    comes above the charts, and goes once applied. The charts stay where they are: no Plotly root is removed and
    the zoom holds. (With the notice in the page's flow, every chart below it moved: 4 roots removed.)"""
    open_playground(page, server)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        zoom = zoom_while_training(page)
        rate = page.get_by_label("Learning rate", exact=True)
        rate.fill("0.0123")
        rate.press("Enter")
        expect(page.get_by_text(CHANGED)).to_be_visible(timeout=30_000)
        shown = page.evaluate("window.__live.rootsRemoved")
        page.get_by_role("button", name="Apply to the running model", exact=True).click()
        expect(page.get_by_text(CHANGED)).to_be_hidden(timeout=30_000)
        last = loss_range(page)["loss"]["lastX"]
        assert_kept_in_place(page, zoom, last, f"{shown} when the notice came, ", "after Apply")
    finally:
        stop_training(page)


def assert_kept_in_place(page: Page, zoom: dict, last: float, earlier: str, event: str) -> None:
    """Once the loss chart has a point past step `last`: no Plotly root removed since the zoom (`earlier`: what the
    message says of the roots before `event`), and the zoomed x range as the zoom left it."""
    page.wait_for_function(f"() => (window.__live.loss() || {{}}).lastX > {last}", timeout=30_000, polling=100)
    removed, after = page.evaluate("window.__live.rootsRemoved"), loss_range(page)
    why = (
        f"Plotly roots removed: {earlier}{removed} {event}; x range zoomed "
        f"{fmt(zoom['range'])}, after {fmt(after['range'])} (autorange {after['autorange']})"
    )
    print(f"\n{why}")
    assert removed == 0, f"charts were removed: {why}"
    assert close(after["range"], zoom["range"]) and after["autorange"] is False, f"the zoom was lost: {why}"


COPIED = "this is a copy of it"


def test_a_shared_runs_message_goes_as_it_trains_and_the_charts_and_the_zoom_stay(server, browser, page: Page):
    """A run's link opened in another browser gives a copy of the run, with a message above the charts that goes
    once the copy takes a step. A learner zooms into the copied loss first, then presses Resume: the message goes,
    the charts stay where they are (no Plotly root removed) and the zoom holds. (With the message in the page's flow,
    every chart below it moved when it went.)"""
    open_playground(page, server)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        zoom_while_training(page)  # a history long enough to zoom into
    finally:
        page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_role("button", name="Resume", exact=True)).to_be_visible(timeout=30_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('run')", timeout=30_000)
    run_id = page.evaluate("() => new URL(location.href).searchParams.get('run')")
    other = browser.new_page(viewport={"width": 1400, "height": 900})  # a context of its own: another browser
    try:
        other.goto(f"{server}/playground?run={run_id}")
        other.wait_for_selector(CONNECTED, timeout=60_000)
        expect(other.get_by_text(COPIED)).to_be_visible(timeout=60_000)
        other.evaluate(WATCH_JS)
        wait_for_first_draw(other)
        zoom = box_zoom(other)
        other.evaluate(RESET_REMOVALS_JS)
        last = loss_range(other)["loss"]["lastX"]
        other.get_by_role("button", name="Resume", exact=True).click()
        expect(other.get_by_text(COPIED)).to_be_hidden(timeout=30_000)
        assert_kept_in_place(other, zoom, last, "", "after Resume")
    finally:
        stop_training(other)
        other.close()


def fmt(r: list[float]) -> str:
    return "[" + ", ".join(f"{v:.1f}" for v in r) + "]"


FEED_WINDOW_S = 12


def test_the_charts_status_line_and_diagnosis_move_with_no_script_run(server, page: Page):
    """While the Playground trains, its charts, its status line and its diagnosis (the open tab) come from
    the page's feed: the script does not run at all. (Before the feed, a fragment ran every 0.5 s and another
    every 1.5 s: about 26 script runs in 12 s; with the diagnosis drawn by a fragment every 3 s, 4.)"""
    runs: list[float] = []

    def on_frame(frame) -> None:
        if isinstance(frame, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            if msg.WhichOneof("type") == "script_finished":
                runs.append(time.monotonic())

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    open_playground(page, server)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        wait_for_first_draw(page)
        page.wait_for_timeout(2000)  # the click's own runs are over
        status = page.locator(".rnnplay-live-status, [data-testid=stProgress]").first  # either revision's
        diagnosis = page.locator(".st-key-diagnosis").first
        before, said, t0 = status.inner_text(), diagnosis.inner_text(), time.monotonic()
        w = measure(page, FEED_WINDOW_S)
        scripts = sum(t >= t0 for t in runs)
        why = f"{scripts} script runs in {FEED_WINDOW_S} s; {report(w)}"
        print(f"\n{why}")
        assert scripts == 0, f"the page ran its script while it trained: {why}"
        assert updates(w["samples"]) >= MIN_UPDATES, f"the charts did not move: {why}"
        assert status.inner_text() != before and "training" in status.inner_text(), why
        assert diagnosis.inner_text() != said and "Diagnosis" in said, f"the diagnosis did not move: {said!r}"
    finally:
        stop_training(page)


SIDEBAR = 1  # the root container a delta's path starts with: 0 the page's main area, 1 the sidebar


@pytest.mark.parametrize("link", [TRAIN_LINK, f"/gradients?steps={MAX_STEPS}"], ids=["playground", "gradient lab"])
def test_train_reruns_the_runs_part_of_the_page_not_the_page(server, page: Page, link: str):
    """Train reruns only the part of the Playground (and of the Gradient lab) that follows the run: its notices,
    the run bar, the live view, Try it. The settings in the sidebar and the panels below are not built and sent
    again: the page run that shares the run's first steps builds half (the Playground) to two thirds (the Gradient
    lab) of the page's elements. (A full page run, as each click was, sends the sidebar's settings again.)"""
    runs: list[list[tuple]] = [[]]  # the elements each script run sent (their delta paths); the last: under way

    def on_frame(frame) -> None:
        if isinstance(frame, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            if msg.WhichOneof("type") == "delta":
                runs[-1].append(tuple(msg.metadata.delta_path))
            elif msg.WhichOneof("type") == "script_finished":
                runs.append([])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    page.goto(server + link)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    opened, before = max(runs[:-1], key=len), len(runs)
    page.get_by_role("button", name="Train", exact=True).click()
    try:
        deadline = time.monotonic() + 30
        while len(runs) == before and time.monotonic() < deadline:  # the click's script run has ended
            page.wait_for_timeout(100)
        clicked = runs[before - 1]
        sidebar = sum(path[0] == SIDEBAR for path in clicked)
        why = f"the page run on opening sent {len(opened)} elements, Train's {len(clicked)} ({sidebar} to the sidebar)"
        print(f"\n{why}")
        assert clicked and sidebar == 0, why
        assert len(clicked) < 0.75 * len(opened), why  # the run's part
    finally:
        stop_training(page)


def test_charlms_text_view_follows_the_run_while_its_tab_is_open(server, page: Page):
    """The task view's tab open on charlm: its text (Streamlit elements, not fed) moves while the run trains,
    through its fragment's timer, which runs only while that tab is open."""
    page.goto(server + "/playground?" + urlencode({"task": "charlm", "steps": 100000}))
    page.wait_for_selector(CONNECTED, timeout=60_000)
    page.get_by_role("tab", name="Task view", exact=True).click()
    page.get_by_role("button", name="Train", exact=True).click()
    view = page.locator(".st-key-task_view")
    try:
        expect(view).to_contain_text("Sampled text", timeout=30_000)
        first = view.inner_text()
        expect(view).not_to_have_text(first, timeout=30_000)  # a later probe's predictions and sample
    finally:
        stop_training(page)


SHORT_RUN = "/playground?" + urlencode({"task": "majority", "steps": 1500})  # a few seconds of training


def train_a_short_run(page: Page, server: str):
    """Open the Playground on SHORT_RUN and press Train; the status line's locator."""
    page.goto(server + SHORT_RUN)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    page.get_by_role("button", name="Train", exact=True).click()
    return page.locator(".rnnplay-live-status")


@pytest.mark.parametrize("fault", ["a server error", "no connection"])
def test_the_view_follows_the_run_to_its_end_when_every_poll_fails(server, page: Page, fault):
    """A feed that cannot answer (the server errs, or the network drops the poll) slows the live view down, it
    does not freeze it: after three failed polls in a row the status line asks the script to draw the view,
    and the run's end reaches the page."""

    def fail(route) -> None:
        if fault == "a server error":
            route.fulfill(status=500, content_type="application/json", body='{"error": "failed"}')
        else:
            route.abort("connectionreset")

    page.route("**/rnnplay/feed/**", fail)
    status = train_a_short_run(page, server)
    expect(status).to_contain_text("training", timeout=30_000)
    expect(status).to_contain_text("finished", timeout=90_000)
    assert "step 1500 / 1500" in status.inner_text()
    assert page.evaluate("window.__rnnplayFeedFailures || 0") >= 3
    assert page.evaluate("window.__rnnplayFeedPolls || 0") == 0  # every poll failed: the script drew it all


def test_the_live_view_survives_messages_that_come_while_its_module_loads(server, page: Page):
    """The live elements' module loads slowly (a busy machine, a slow network) while the page sends the status
    line and the charts twice (the page's first run, then Train's). Streamlit then runs the first call's
    cleanup after the second call has drawn into the same element: the view must still show the run and
    follow it to its end, not stand blank with its status line gone."""

    def slow(route) -> None:
        time.sleep(4)  # Playwright answers routes on this thread: the page waits, the server does not
        route.continue_()

    page.route("**/app/static/plotly-live-chart-*.js", slow)
    status = train_a_short_run(page, server)
    expect(status).to_contain_text("finished", timeout=90_000)
    assert "step 1500 / 1500" in status.inner_text()
    assert page.locator(".st-key-loss .rnnplay-live-chart").count() == 1


def test_the_live_view_loads_its_module_again_when_the_first_try_fails(server, page: Page):
    """The first request for the live elements' module fails (a dropped connection): the page asks again and
    the view shows the run to its end, instead of an error box where each element stands."""
    tries = []

    def drop_first(route) -> None:
        tries.append(route.request.url)
        if len(tries) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/app/static/plotly-live-chart-*.js*", drop_first)
    status = train_a_short_run(page, server)
    expect(status).to_contain_text("finished", timeout=90_000)
    assert len(tries) >= 2, tries
    assert page.get_by_text("BidiComponent Error").count() == 0


OUTLINE_JS = "() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('outline: 3px solid'))"


def test_free_play_takes_the_lessons_outline_with_its_panel(server, page: Page):
    """Free play, a button of the run area that reruns alone: the lesson's panel goes, and so does the outline the
    lesson put on the chart its step points at. (Drawn as a style-only st.html in the panel, the outline went to the
    page's event container and stayed on the loss chart.)"""
    page.goto(server + "/gradients?lesson=vanishing")
    page.wait_for_selector(CONNECTED, timeout=60_000)
    free = page.locator(".st-key-lesson_free button").first
    free.wait_for(timeout=60_000)
    page.wait_for_function(OUTLINE_JS, timeout=30_000)
    free.click()
    expect(page.locator(".st-key-lesson_panel")).to_have_count(0, timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    assert "lesson=" not in page.url
    assert not page.evaluate(OUTLINE_JS), "the lesson's outline stayed after Free play"
