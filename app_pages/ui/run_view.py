"""The live view of one training run, laid out to fit one screen: the status line, then the four charts
that tell the story (loss with its chance line, the gradient through time, that gradient over training,
the hidden activations), then the diagnosis and every other chart in tabs. Only the open tab is built
and sent; a lesson that points at a chart in a tab opens that tab.

The view is a fragment that reruns on a timer while the run trains. Each chart is a live_chart element:
drawn once, then updated in place with what changed. A chart is rebuilt only when what it shows moved
on (a new step for the loss, a new probe for the probe charts): `version` below."""

from __future__ import annotations

import dataclasses
import os
import time

import streamlit as st

from app_pages.i18n import lang, tr
from app_pages.ui import panels
from app_pages.ui.live_chart import forget, live_chart
from rnnplay import figures, hosted
from rnnplay.i18n import N_
from rnnplay.run import ACTIVE, RunState, Snapshot
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks.base import localize_view

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
# session_state: (the probe charts' version, when it was first drawn, the latest probe they draw)
PROBE_HELD = "_probe_charts_held"
SLOW_COST = "_slow_redraw_cpu"  # the slow fragment's CPU per fast redraw, for the pacer
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


def status_line(snap: Snapshot) -> None:
    done, total = snap.steps_done, snap.steps_total
    n, batch = snap.task.dataset_len, snap.config.batch_size
    args = {"done": done, "total": total, "rate": f"{snap.steps_per_s:.0f}"}
    args["state"] = panels.state_text(snap, STATE_TEXT)
    if n:  # a finite dataset: epoch = steps x batch size / dataset size
        text = tr(
            "step {done} / {total} · epoch {epoch:.1f} · {rate} steps/s · {state}", epoch=done * batch / n, **args
        )
    else:
        text = tr("step {done} / {total} · {rate} steps/s · {state}", **args)
    st.progress(min(done / total, 1.0), text=text)
    if snap.state == RunState.DIVERGED:
        st.error(tr("Training stopped: {message}", message=panels.run_message(snap)), icon=":material/error:")
    elif snap.state == RunState.ERROR:
        st.error(tr("Training failed: {message}", message=panels.run_message(snap)))
    panels.hosted_notice(snap)  # refused (the server is busy), or paused because nobody was looking


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


def _chart(snap: Snapshot, name: str, version: tuple, **kw) -> None:
    live_chart(
        lambda: figures.live_figures(snap, (name,), lang=lang(), **kw)[name],
        key=name,
        version=(version, lang(), tuple(kw.items())),
        height=figures.LIVE_HEIGHTS[name],
    )


def probe_version(run: TrainingRun, snap: Snapshot) -> tuple:
    """The probe charts' version: the run, its latest probe and its state. While the run trains, a newer
    probe is shown once the one drawn has been up PROBE_CHARTS_EVERY_S; any other change (a new run, the
    run stopping or finishing) at once."""
    probe = (run.id, snap.probes[-1]["step"] if snap.probes else None, len(snap.probes), snap.state)
    held, now = st.session_state.get(PROBE_HELD), time.monotonic()
    if (
        held
        and probe[3] == RunState.RUNNING
        and held[0][0] == run.id
        and held[0][3] == RunState.RUNNING
        and now - held[1] < PROBE_CHARTS_EVERY_S
    ):
        return held[0]
    if not held or held[0] != probe:
        st.session_state[PROBE_HELD] = (probe, now, snap.latest_probe)
    return probe


def shown_snapshot(snap: Snapshot) -> Snapshot:
    """The snapshot as the charts show it: the probe charts hold a probe for PROBE_CHARTS_EVERY_S while
    newer ones arrive, so the diagnosis reads that held probe, not a newer one beside a chart that does
    not show it yet."""
    held = st.session_state.get(PROBE_HELD)
    if not held or len(held) < 3 or held[2] is None:
        return snap
    return dataclasses.replace(snap, latest_probe=held[2])


def open_tab_pointed_at(tabs: dict[str, str], tab_key: str) -> None:
    """A lesson step that points at a chart in one of `tabs` ({chart key: label}) opens that tab, once per
    step (the learner may leave it); call before the tabs are drawn."""
    point, step = st.session_state.get("_lesson_point_at") or (None, None)
    if point in tabs and st.session_state.get("_lesson_tab_opened") != (point, step):
        st.session_state[tab_key] = tr(tabs[point])
        st.session_state["_lesson_tab_opened"] = (point, step)


def _fast_body(run: TrainingRun, interval: float | None, base_interval: float) -> None:
    """The part that moves at every redraw: the status line, the loss, and the gradient through time (its
    version is the probe the slow part holds, so it moves with the heatmap below it)."""
    cpu0 = time.thread_time()
    snap = run.snapshot()
    status_line(snap)
    steps = (run.id, snap.steps_done, snap.state)
    held = st.session_state.get(PROBE_HELD)
    # while training, the probe the slow part holds (taken while training too); otherwise (a run that starts,
    # pauses or ends) the run's latest probe at once: the full run that ends a run draws this part first, and
    # no timer redraws it afterwards
    following = snap.state == RunState.RUNNING and held and held[0][0] == run.id and held[0][3] == RunState.RUNNING
    probe = held[0] if following else probe_version(run, snap)
    left, right = st.columns(2)
    with left:
        _chart(snap, "loss", steps, log_y=st.session_state.get("loss_log", False))
    with right:
        _chart(snap, "gtt", probe)
    # a redraw's cost for the pacer: this part's, plus the slow part's share of it
    slow = st.session_state.get(SLOW_COST, 0.0)
    _paced(run, snap, time.thread_time() - cpu0 + slow, interval, base_interval)


def _slow_body(run: TrainingRun, interval: float | None, base_interval: float) -> None:
    """The probe charts and the tabs: they change with a new probe, held for PROBE_CHARTS_EVERY_S."""
    cpu0 = time.thread_time()
    snap = run.snapshot()
    steps = (run.id, snap.steps_done, snap.state)
    probe = probe_version(run, snap)
    left, right = st.columns(2)
    with left:
        _chart(snap, "gtt_heatmap", probe)
    with right:
        _chart(snap, "hidden", probe, which=hidden_which(run.config.arch))
    open_tab_pointed_at(TABS, TAB_KEY)
    labels = [tr(label) for label in TABS.values()]
    tabs = dict(zip(TABS, st.tabs(labels, key=TAB_KEY, on_change="rerun"), strict=True))
    for name, tab in tabs.items():
        if not tab.open:
            forget(name)  # not sent this run: the element goes, and comes back with a whole figure
            continue
        with tab:
            if name == "diagnosis":  # a fixed height: the page below keeps its place as findings come and go
                with st.container(height=DIAGNOSIS_HEIGHT, border=False, key="diagnosis"):
                    panels.diagnosis_panel(shown_snapshot(snap))
            elif name == "task_view" and (snap.task_view or {}).get("kind") == "text":
                with st.container(border=True, key="task_view"):  # the key lets a lesson outline it
                    text_view(localize_view(snap.task_view, lang()), run.config.temperature)
            elif name == "task_view" and snap.task_view is None:
                st.caption(tr(figures.EMPTY_TEXT))
            else:
                _chart(snap, name, probe if name in ("task_view", "spectral") else steps)
    fast_per_slow = base_interval / interval if interval else 0.0
    st.session_state[SLOW_COST] = (time.thread_time() - cpu0) * fast_per_slow
    if interval is not None and snap.state not in ACTIVE:
        st.rerun()  # training ended: one full run to update the buttons and stop polling


def pace(run_or_race, base_interval: float) -> float:
    """Seconds between two redraws of a live run's (or race's) view: the pacer's, or the queued pace for a
    run that waits behind another."""
    return hosted.PACER.interval(base_interval, queued=hosted.waits_behind(run_or_race))


def _paced(run: TrainingRun, snap: Snapshot, cpu_s: float, interval: float | None, base_interval: float) -> None:
    hosted.PACER.record(cpu_s)
    if interval is not None and snap.state not in ACTIVE:
        st.rerun()  # training ended: one full run to update the buttons and stop polling
    if hosted.PACER.should_repace(interval, pace(run, base_interval)):
        st.rerun()  # the server got busier or quieter (or the queue let this run in): a new pace


def live_view(run: TrainingRun, base_interval: float) -> None:
    """The run's live view in two fragments on timers while the run trains: the status line, the loss and
    the gradient through time every `base_interval` seconds (slower when the server is busy:
    hosted.PACER); the probe charts and the tabs every PROBE_CHARTS_EVERY_S. A fragment's rerun redraws
    every element in it: the browser's work per redraw is mostly Streamlit's, not Plotly's (a CDP profile
    of a live Playground: React and styling about three times Plotly's time), so the elements that have
    not changed are left out of the frequent one."""
    live = run.state in ACTIVE
    fast = pace(run, base_interval) if live else None
    slow = max(fast, PROBE_CHARTS_EVERY_S) if live else None
    st.fragment(_fast_body, run_every=fast)(run, fast, base_interval)
    st.fragment(_slow_body, run_every=slow)(run, slow, base_interval)
