"""The live view of a Gradient lab race, laid out to fit one screen: the status line; the entries' losses
and gradients through time overlaid; then one column per entry with its gradient-through-time heatmap
(all on one colour scale) and its hidden activations; the diagnoses and the other charts in lazy tabs.

Like the Playground's (app_pages/ui/run_view.py), the view is a fragment on a timer while the race runs;
each chart is a live_chart, rebuilt only when what it shows moved on."""

from __future__ import annotations

import dataclasses
import textwrap
import time

import streamlit as st

from app_pages import narrator
from app_pages.i18n import lang, tr
from app_pages.ui import panels
from app_pages.ui.live_chart import forget, live_chart
from app_pages.ui.run_view import DIAGNOSIS_HEIGHT, open_tab_pointed_at, pace
from rnnplay import figures, hosted
from rnnplay.i18n import N_
from rnnplay.race import Race, race_labels
from rnnplay.run import ACTIVE, RaceSnapshot, RunState, Snapshot

TABS = {
    "diagnosis": N_("Diagnosis"),
    "spectral": N_("Spectral radius"),
    "grad_norm": N_("Gradient norm"),
    "param_norms": N_("Per tensor"),
}
TAB_KEY = "race_tab"
# three rows on a 900 px screen below the heading and the run bar: the overlaid charts, then each entry's
# heatmap and activations in columns of a third or a quarter of the page
ROW_HEIGHT, CELL_HEIGHT = 240, 180
CELL_TICKS = 2  # category labels along a cell's x axis
# the overlaid charts' legend stands at the right: below the axis it would need rows the height has not
SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
TOP_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 11}}
STATE_TEXT = {
    RunState.READY: N_("ready"),
    RunState.RUNNING: N_("racing…"),
    RunState.PAUSED: N_("paused"),
    RunState.DONE: N_("finished"),
    RunState.STOPPED: N_("stopped"),
    RunState.QUEUED: N_("queued"),  # with its place in line: panels.state_text
}


def _status(snap: RaceSnapshot) -> None:
    runs, labels = snap.runs, snap.labels
    total = max(s.steps_total for s in runs)
    st.progress(
        min(min(snap.steps) / total, 1.0),
        text=tr(
            "steps {steps} of {total} · {rate} steps/s in all · {state}",
            steps=" / ".join(map(str, snap.steps)),
            total=total,
            rate=f"{snap.steps_per_s:.0f}",
            state=panels.state_text(snap, STATE_TEXT),
        ),
    )
    panels.hosted_notice(snap)  # refused (the server is busy), or paused because nobody was looking
    for s, lab in zip(runs, labels, strict=True):
        if s.state == RunState.DIVERGED:
            st.error(
                tr("**{label}** stopped — {message}", label=lab, message=panels.run_message(s)), icon=":material/error:"
            )
        elif s.state == RunState.ERROR:
            st.error(tr("**{label}** failed: {message}", label=lab, message=panels.run_message(s)))


def _per_entry(key: str, n: int, make, version: tuple) -> None:
    """One chart per entry side by side, from make() -> n figures (called only when `version` moved on);
    the row's container carries `key` for a lesson to outline."""
    made: list = []

    def figure(i: int):
        if not made:
            made.extend(make())
        return made[i]

    with st.container(key=key):
        for i, col in enumerate(st.columns(n)):
            with col:
                live_chart(lambda i=i: _cell(figure(i)), key=f"{key}_{i}", height=CELL_HEIGHT, version=version)


def _cell(fig) -> dict:
    """A chart in a third of the page: a thinner colour bar with half its ticks, so that labels do not run
    into each other."""
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    for trace in spec["data"]:
        bar = trace.get("colorbar")
        if trace.get("type") == "heatmap" and bar is not None:
            bar["thickness"] = 10
            if bar.get("tickvals") is not None and len(bar["tickvals"]) > 3:
                bar["tickvals"], bar["ticktext"] = list(bar["tickvals"])[::2], list(bar.get("ticktext") or [])[::2]
        elif trace.get("type") == "heatmap":
            trace["colorbar"] = {"thickness": 10, "nticks": 4}
    xaxis = spec["layout"].get("xaxis") or {}
    if xaxis.get("tickvals") is not None and len(xaxis["tickvals"]) > CELL_TICKS:
        # a cell's plot is 130-200 px wide (a third of the charts, less beside a lesson): the figure's own
        # thinning assumes a half-page chart, and "18:0.69" labels ran into each other
        ticks = list(xaxis["tickvals"])
        xaxis["tickvals"] = ticks[:: -(-len(ticks) // CELL_TICKS)]
        if all(isinstance(v, str) and ":" in v for v in xaxis["tickvals"]):  # "t:input": the time step only
            xaxis["ticktext"] = [v.split(":")[0] for v in xaxis["tickvals"]]
            xaxis["title"] = {**(xaxis.get("title") or {}), "text": tr("time step t")}
    for note in spec["layout"].get("annotations") or []:
        note["text"] = _wrap_lines(note.get("text", ""))  # the empty chart's hint, in a narrow cell
    return spec


def _wrap_lines(text: str, width: int = 24) -> str:
    text = text.replace("<br>", " " if " " in text else "")
    if len(text) <= width:
        return text
    if " " not in text:  # Chinese: no spaces to break at, every character is a place to break
        return "<br>".join(text[i : i + width // 2] for i in range(0, len(text), width // 2))
    return "<br>".join(textwrap.wrap(text, width))


def _side_legend(fig) -> dict:
    """The legend at the right of the plot; beside a lesson's narration (a chart of ~350 px) a side legend
    left the plot 90 px and its step labels ran into each other, so there it is a row over the plot."""
    spec = fig.to_dict()
    layout = spec["layout"]
    if narrator.active():
        layout["legend"] = {**layout.get("legend", {}), **TOP_LEGEND}
        layout["margin"] = {**layout.get("margin", {}), "t": 70, "b": 50, "r": 10}
        layout["title"] = {**layout.get("title", {}), "y": 0.98, "yanchor": "top"}
    else:
        layout["legend"] = {**layout.get("legend", {}), **SIDE_LEGEND}
        layout["margin"] = {**layout.get("margin", {}), "b": 50, "r": 150}
    return spec


def _hidden(snap: Snapshot, lab: str) -> dict:
    fig = figures.hidden_figure(snap, lang=lang(), height=CELL_HEIGHT).to_dict()
    fig["layout"]["title"] = {**fig["layout"].get("title", {}), "text": lab}
    return fig


def _param_norms(runs: list[Snapshot], labels: list[str]) -> list:
    title = N_("{label}: gradient norm per tensor")
    return [
        figures.param_norms_figure(s, tr(title, label=lab), lang=lang()) for s, lab in zip(runs, labels, strict=True)
    ]


def _body(race: Race, interval: float | None, base_interval: float) -> None:
    cpu0 = time.thread_time()
    snap = race.snapshot()
    if race.labels == race_labels(race.configs):  # the legend's names in this session's language
        snap = dataclasses.replace(snap, labels=race_labels(race.configs, lang()))
    runs, labels = snap.runs, snap.labels
    _status(snap)
    steps = (id(race), tuple(snap.steps), snap.state, lang())
    probes = (id(race), tuple(len(s.probes) for s in runs), snap.state, lang())
    log_y = st.session_state.get("race_loss_log", False)
    left, right = st.columns(2)
    with left:
        live_chart(
            lambda: _side_legend(figures.race_loss_figure(snap, log_y=log_y, lang=lang())),
            key="loss",
            height=ROW_HEIGHT,
            version=(steps, log_y),
        )
    with right:
        live_chart(
            lambda: _side_legend(figures.race_grad_through_time_figure(snap, lang=lang())),
            key="gtt",
            height=ROW_HEIGHT,
            version=probes,
        )
    n = len(runs)
    _per_entry("gtt_heatmap", n, lambda: figures.race_heatmaps(snap, lang=lang()), probes)
    _per_entry("hidden", n, lambda: [_hidden(s, lab) for s, lab in zip(runs, labels, strict=True)], probes)
    open_tab_pointed_at(TABS, TAB_KEY)
    tabs = dict(zip(TABS, st.tabs([tr(t) for t in TABS.values()], key=TAB_KEY, on_change="rerun"), strict=True))
    for name, tab in tabs.items():
        if not tab.open:
            also = ["singular"] if name == "spectral" else []  # the spectral tab's second chart
            for key in [name, *(f"{name}_{i}" for i in range(len(runs))), *also]:
                forget(key)
            continue
        with tab:
            if name == "diagnosis":
                with st.container(height=DIAGNOSIS_HEIGHT, border=False, key="diagnosis"):
                    for col, s, lab in zip(st.columns(len(runs)), runs, labels, strict=True):
                        panels.diagnosis_panel(s, col, title=lab)
            elif name == "spectral":
                left, right = st.columns(2)
                with left:
                    live_chart(figures.race_spectral_figure(snap, lang=lang()), key="spectral", version=probes)
                with right:
                    live_chart(figures.race_singular_values_figure(snap, lang=lang()), key="singular", version=probes)
            elif name == "grad_norm":
                _per_entry("grad_norm", n, lambda: figures.race_grad_norm_figures(snap, lang=lang()), steps)
            else:
                _per_entry("param_norms", n, lambda: _param_norms(runs, labels), probes)
    hosted.PACER.record(time.thread_time() - cpu0)
    if interval is not None and snap.state not in ACTIVE:
        st.rerun()  # the race ended: one full run to update the buttons and stop polling
    if hosted.PACER.should_repace(interval, pace(race, base_interval)):
        st.rerun()  # the server got busier or quieter (or the queue let this race in): a new pace


def race_view(race: Race, base_interval: float) -> None:
    """The race's live view, redrawn every `base_interval` seconds while it runs (slower when the server
    is busy: hosted.PACER)."""
    state = race.state
    interval = pace(race, base_interval) if state in ACTIVE else None
    st.fragment(_body, run_every=interval)(race, interval, base_interval)
