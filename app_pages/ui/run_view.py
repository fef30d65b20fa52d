"""The live view of one training run, laid out to fit one screen: the status line, then the four charts
that tell the story (loss with its chance line, the gradient through time, that gradient over training,
the hidden activations), then the diagnosis and every other chart in tabs. Only the open tab is built
and sent; a lesson that points at a chart in a tab opens that tab.

Each chart is a live_chart element: drawn once by the script, then, while the run trains, updated in place
from the page's feed (app_pages/ui/live_feed.py), which the browser polls every 0.5 s with no script run. A
chart is rebuilt only when what it shows moved on (a new step for the loss, a new probe for the probe
charts): its entry's `version`. The diagnosis is fed the same way, as a box of words that moves with the probe
charts. A task view may be Streamlit elements (charlm's text): while the Task view tab is open, the tabs'
fragment reruns every WORDS_EVERY_S."""

from __future__ import annotations

import dataclasses
import os
import time

import streamlit as st

from app_pages.i18n import lang, render, tr, translator
from app_pages.ui import panels
from app_pages.ui.live_chart import fed_chart, fed_status, fed_words, forget
from app_pages.ui.live_feed import Entry, Feed
from app_pages.ui.page_style import Notices
from rnnplay import figures, hosted
from rnnplay.i18n import N_
from rnnplay.run import ACTIVE, RunState, Snapshot
from rnnplay.run.training_run import TrainingRun

MAIN_CHARTS = ("loss", "gtt", "gtt_heatmap", "hidden")  # two rows of two, above the fold
TABS = {
    "diagnosis": N_("Diagnosis"),
    "metric": N_("Metric"),
    "grad_norm": N_("Gradient norm"),
    "spectral": N_("Spectral radius"),
    "task_view": N_("Task view"),
}
TAB_KEY = "live_tab"
DIAGNOSIS_HEIGHT = 280  # px; a longer diagnosis scrolls inside it
# while a run trains, the probe charts move to a newer probe at most this often (the loss moves at every redraw):
# each move redraws three or four charts in the browser, and a probe comes every 0.25 s or so
PROBE_CHARTS_EVERY_S = float(os.environ.get("RNNPLAY_PROBE_CHARTS_EVERY", "1.5"))
# the task view (charlm's is Streamlit elements, not fed) follows the run this often while its tab is open: each
# run makes the browser render the page's elements again (121 ms of Chromium's main thread a run)
WORDS_EVERY_S = float(os.environ.get("RNNPLAY_WORDS_EVERY", "3"))
FEED = "_run_feed"  # session_state: the page's Feed
HOLD = "_probe_hold"  # session_state: the page's ProbeHold
STATE_TEXT = {
    RunState.READY: N_("ready"),
    RunState.RUNNING: N_("training…"),
    RunState.PAUSED: N_("paused"),
    RunState.DONE: N_("finished"),
    RunState.STOPPED: N_("stopped"),
    RunState.DIVERGED: N_("diverged"),
    RunState.ERROR: N_("error"),
    RunState.QUEUED: N_("queued"),  # with its place in line: panels.state_text
}
ARCH_STATES = {
    "lstm": [N_("input"), N_("forget"), N_("cell"), N_("output"), N_("cell state")],
    "gru": [N_("reset"), N_("update"), N_("new")],
}


def arch_states(arch: str) -> list[str]:
    """What the hidden-activations chart can show for this architecture (the figure's codes)."""
    return [N_("hidden"), *ARCH_STATES.get(arch, [])]


def chart_options(box, arch: str) -> None:
    """The charts' two options, in a popover (the run bar's last column): loss scale and which activations."""
    with box.popover(tr("Chart options"), icon=":material/tune:"):
        st.toggle(tr("Log-scale loss"), key="loss_log")
        # shown by their translated names (no format_func: AppTest cannot map those back); the figure gets the code
        st.selectbox(tr("Activations to show"), [tr(s) for s in arch_states(arch)], key="hidden_which")


def hidden_which(arch: str) -> str:
    """The activations picked in the options, as the figure's code ("forget", not its translation)."""
    states = arch_states(arch)
    shown = st.session_state.get("hidden_which", "hidden")
    return {tr(s): s for s in states}.get(shown, shown if shown in states else "hidden")


def status_text(snap: Snapshot, lg: str) -> str:
    done, total = snap.steps_done, snap.steps_total
    n, batch = snap.task.dataset_len, snap.config.batch_size
    args = {"done": done, "total": total, "rate": f"{snap.steps_per_s:.0f}"}
    args["state"] = panels.state_text(snap, STATE_TEXT, lg)
    if n:  # a finite dataset: epoch = steps x batch size / dataset size
        return render(
            "step {done} / {total} · epoch {epoch:.1f} · {rate} steps/s · {state}", lg, epoch=done * batch / n, **args
        )
    return render("step {done} / {total} · {rate} steps/s · {state}", lg, **args)


def status_line(feed: Feed, snap: Snapshot, live: bool) -> None:
    lg = lang()
    entry = Entry(
        version=lambda s: (s.steps_done, s.steps_total, f"{s.steps_per_s:.0f}", s.state, s.queue_position, lg),
        build=lambda s: {"text": status_text(s, lg), "fraction": min(s.steps_done / s.steps_total, 1.0)},
    )
    fed_status(feed, entry, snap, live=live)
    notices = Notices()  # comes as a run diverges, the moment the learner looks at the charts: they stay put
    if snap.state == RunState.DIVERGED:
        notices.error(tr("Training stopped: {message}", message=panels.run_message(snap)), icon=":material/error:")
    elif snap.state == RunState.ERROR:
        notices.error(tr("Training failed: {message}", message=panels.run_message(snap)), icon=None)
    panels.hosted_notice(snap, notices)  # refused (the server is busy), or paused because nobody was looking


def text_view(view: dict, temperature: float) -> None:
    """charlm's task view: next-character predictions, then text sampled from the model."""
    st.markdown(tr("**Next-character prediction**"))
    names = [tr("input"), tr("target"), tr("predicted")]
    width = max(map(len, names)) + 1
    rows = zip(names, (view["input"], view["target"], view["predicted"]), strict=True)
    st.code("\n".join(f"{name.ljust(width)}{text}" for name, text in rows), language=None)
    temperature = view.get("temperature", temperature)
    st.markdown(
        tr("**Sampled text** (temperature {temperature})", temperature=f"{temperature:g}")
        + (tr(", primed with “{prime}”", prime=view["prime"]) if view.get("prime") else "")
    )
    st.code(view["sample"], language=None)


class ProbeHold:
    """The probe charts' version: the run, its latest probe and its state. While the run trains, a newer
    probe is shown once the one drawn has been up PROBE_CHARTS_EVERY_S; any other change (a new run, the
    run stopping or finishing) at once. Read by the script and by the feed's polls (under the feed's lock)."""

    def __init__(self):
        self.held = None  # (version, when it was first drawn, the latest probe the charts draw)

    def version(self, run_id: str, snap: Snapshot) -> tuple:
        probe = (run_id, snap.probes[-1]["step"] if snap.probes else None, len(snap.probes), snap.state)
        held, now = self.held, time.monotonic()
        if (
            held
            and probe[3] == RunState.RUNNING
            and held[0][0] == run_id
            and held[0][3] == RunState.RUNNING
            and now - held[1] < PROBE_CHARTS_EVERY_S
        ):
            return held[0]
        if not held or held[0] != probe:
            self.held = (probe, now, snap.latest_probe)
        return probe

    def shown(self, snap: Snapshot) -> Snapshot:
        """The snapshot as the charts show it: the diagnosis reads the held probe, not a newer one beside a
        chart that does not show it yet."""
        held = self.held
        if not held or held[2] is None:
            return snap
        return dataclasses.replace(snap, latest_probe=held[2])


def _chart(feed: Feed, run: TrainingRun, snap: Snapshot, name: str, moves_with: str, live: bool, **kw) -> None:
    """The live chart `name`, rebuilt when the run takes a step (moves_with="step") or shows a newer probe
    ("probe")."""
    lg, hold, options = lang(), _hold(), tuple(kw.items())
    if moves_with == "probe":
        version = lambda s: (hold.version(run.id, s), lg, options)  # noqa: E731
    else:
        version = lambda s: ((run.id, s.steps_done, s.state), lg, options)  # noqa: E731
    say = translator(lg)  # bound here: the feed builds the chart outside this script run
    build = lambda s: figures.live_figures(s, (name,), tr=say, **kw)[name]  # noqa: E731
    fed_chart(feed, name, Entry(version, build, figures.LIVE_HEIGHTS[name]), snap, live=live)


def _hold() -> ProbeHold:
    return st.session_state.setdefault(HOLD, ProbeHold())


def session_feed(key: str, source, base_interval: float, owner) -> Feed:
    """The page's Feed, kept in session_state under `key`, following `source` (the snapshot of the run or
    race shown now) at the pace of `owner` (the pacer's, or the queued pace)."""
    feed = st.session_state.get(key)
    if feed is None:
        feed = st.session_state[key] = Feed(source, lambda s: s.state in ACTIVE, lambda: base_interval)
    feed.source = source
    feed.every = lambda: pace(owner, base_interval)
    feed.on_poll = hosted.PACER.record
    return feed


def open_tab_pointed_at(tabs: dict[str, str], tab_key: str) -> None:
    """A lesson step that points at a chart in one of `tabs` ({chart key: label}) opens that tab, once per
    step (the learner may leave it); call before the tabs are drawn."""
    point, step = st.session_state.get("_lesson_point_at") or (None, None)
    if point in tabs and st.session_state.get("_lesson_tab_opened") != (point, step):
        st.session_state[tab_key] = tr(tabs[point])
        st.session_state["_lesson_tab_opened"] = (point, step)


def _main_charts(run: TrainingRun, feed: Feed) -> None:
    """The status line and the four charts above the fold. Drawn by the script when something else made
    the page run (a click, the run ending); while the run trains the feed moves them."""
    snap = run.snapshot()
    live = snap.state in ACTIVE
    status_line(feed, snap, live)
    left, right = st.columns(2)
    with left:
        _chart(feed, run, snap, "loss", "step", live, log_y=st.session_state.get("loss_log", False))
    with right:
        _chart(feed, run, snap, "gtt", "probe", live)
    left, right = st.columns(2)
    with left:
        _chart(feed, run, snap, "gtt_heatmap", "probe", live)
    with right:
        _chart(feed, run, snap, "hidden", "probe", live, which=hidden_which(run.config.arch))


def _tabs(run: TrainingRun, feed: Feed, interval: float | None) -> None:
    """The diagnosis and the other charts, in tabs; only the open one is built. Reruns every WORDS_EVERY_S
    while the run trains (the diagnosis and the text view move with it)."""
    snap = run.snapshot()
    live = snap.state in ACTIVE
    open_tab_pointed_at(TABS, TAB_KEY)
    labels = [tr(label) for label in TABS.values()]
    tabs = dict(zip(TABS, st.tabs(labels, key=TAB_KEY, on_change="rerun"), strict=True))
    for name, tab in tabs.items():
        if not tab.open:
            forget(name, feed)  # not sent this run: the element goes, and comes back with a whole figure
            continue
        with tab:
            if name == "diagnosis":  # a fixed height: the page below keeps its place as findings come and go
                _diagnosis(feed, run, snap, live)
            elif name == "task_view" and (snap.task_view or {}).get("kind") == "text":
                with st.container(border=True, key="task_view"):  # the key lets a lesson outline it
                    text_view(snap.task_view, run.config.temperature)
            elif name == "task_view" and snap.task_view is None:
                st.caption(tr(figures.EMPTY_TEXT))
            else:
                _chart(feed, run, snap, name, "probe" if name in ("task_view", "spectral") else "step", live)
    if interval is not None and snap.state not in ACTIVE:
        st.rerun()  # training ended: one full run to update the buttons and stop polling


def _diagnosis(feed: Feed, run: TrainingRun, snap: Snapshot, live: bool) -> None:
    """The diagnosis, fed as a box of words: it reads the probe the charts show, and moves when they do."""
    lg, hold = lang(), _hold()
    say = translator(lg)  # bound here: the feed builds the words outside this script run
    version = lambda s: (hold.version(run.id, s), s.steps_done if s.state not in ACTIVE else None, lg)  # noqa: E731
    build = lambda s: panels.diagnosis_html([(None, hold.shown(s))], say)  # noqa: E731
    fed_words(feed, "diagnosis", Entry(version, build), snap, live=live, height=DIAGNOSIS_HEIGHT)


def _words_open() -> bool:
    """Whether the open tab may show words drawn by the script, which only a rerun moves: the task view (a
    text one, charlm's, is Streamlit elements; the first probe, which says which kind it is, may come later)."""
    return st.session_state.get(TAB_KEY) == tr(TABS["task_view"])


def pace(run_or_race, base_interval: float) -> float:
    """Seconds between two redraws of a live run's (or race's) view: the pacer's, or the queued pace for a
    run that waits behind another."""
    return hosted.PACER.interval(base_interval, queued=hosted.waits_behind(run_or_race))


def _charts_fragment(run: TrainingRun, feed: Feed, was_live: bool) -> None:
    """The main charts. Rerun alone by the status line's `ended` trigger when a poll finds the run stopped:
    then one full run updates the buttons."""
    if was_live and run.state not in ACTIVE:
        st.rerun()
    _main_charts(run, feed)


def live_view(run: TrainingRun, base_interval: float) -> None:
    """The run's live view. The status line, the charts and the diagnosis are fed (the browser polls the
    page's feed every `base_interval` seconds, slower when the server is busy: hosted.PACER); the tabs are a
    fragment, on a WORDS_EVERY_S timer while the run trains with the Task view tab open."""
    feed = session_feed(FEED, run.snapshot, base_interval, run)
    live = run.state in ACTIVE
    st.fragment(_charts_fragment)(run, feed, live)
    every = WORDS_EVERY_S if live and _words_open() else None
    st.fragment(_tabs, run_every=every)(run, feed, every)
