"""The live view of a Gradient lab race, laid out to fit one screen: the status line; the entries' losses
and gradients through time overlaid; then one column per entry with its gradient-through-time heatmap
(all on one colour scale) and its hidden activations; the diagnoses and the other charts in lazy tabs.

Like the Playground's (app_pages/ui/run_view.py), the status line and the charts are fed (the browser polls
the page's feed while the race runs, with no script run), each rebuilt only when what it shows moved on;
so are the entries' diagnoses, side by side in one box of words. The tabs are a fragment with no timer."""

from __future__ import annotations

import dataclasses
import textwrap

import streamlit as st

from app_pages import narrator
from app_pages.i18n import lang, render, tr, translator
from app_pages.ui import panels
from app_pages.ui.live_chart import fed_chart, fed_status, fed_words, forget
from app_pages.ui.live_feed import Entry, Feed
from app_pages.ui.page_style import Notices
from app_pages.ui.run_view import DIAGNOSIS_HEIGHT, open_tab_pointed_at, session_feed
from rnnplay import figures
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
FEED = "_race_feed"  # session_state: the page's Feed
# three rows on a 900 px screen below the heading and the run bar: the overlaid charts, then each entry's
# heatmap and activations in columns of a third or a quarter of the page
ROW_HEIGHT, CELL_HEIGHT = 240, 180
# a tab's chart per entry (gradient norm, parameter norms): a line chart with its legend and axis titles below
# it; in CELL_HEIGHT its plot was 50 px tall, five decades of ticks on top of each other
TAB_CELL_HEIGHT = 300
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


def status_text(snap: RaceSnapshot, lg: str) -> str:
    return render(
        "steps {steps} of {total} · {rate} steps/s in all · {state}",
        lg,
        steps=" / ".join(map(str, snap.steps)),
        total=max(s.steps_total for s in snap.runs),
        rate=f"{snap.steps_per_s:.0f}",
        state=panels.state_text(snap, STATE_TEXT, lg),
    )


def _status(feed: Feed, snap: RaceSnapshot, live: bool) -> None:
    lg = lang()
    entry = Entry(
        version=lambda s: (tuple(s.steps), f"{s.steps_per_s:.0f}", s.state, s.queue_position, lg),
        build=lambda s: {
            "text": status_text(s, lg),
            "fraction": min(min(s.steps) / max(r.steps_total for r in s.runs), 1.0),
        },
    )
    fed_status(feed, entry, snap, live=live)
    # an entry that diverges says so while the others race on: in a place of its own, so the charts stay put
    notices = Notices()
    panels.hosted_notice(snap, notices)  # refused (the server is busy), or paused because nobody was looking
    for s, lab in zip(snap.runs, snap.labels, strict=True):
        if s.state == RunState.DIVERGED:
            notices.error(
                tr("**{label}** stopped — {message}", label=lab, message=panels.run_message(s)), icon=":material/error:"
            )
        elif s.state == RunState.ERROR:
            notices.error(tr("**{label}** failed: {message}", label=lab, message=panels.run_message(s)), icon=None)


def _per_entry(
    feed: Feed, key: str, n: int, make, version, snap, live: bool, words: dict, height: int = CELL_HEIGHT
) -> None:
    """One chart per entry side by side, from make(snapshot) -> n figures (made once per `version`); the
    row's container carries `key` for a lesson to outline."""
    made: dict = {}

    def figure(s, i: int) -> dict:
        v = version(s)
        if made.get("version") != v:
            made["version"], made["figures"] = v, make(s)
        return _cell(made["figures"][i], words, height, figures.CHART_WIDTH * 2 // n)

    with st.container(key=key):
        for i, col in enumerate(st.columns(n)):
            with col:
                entry = Entry(version, lambda s, i=i: figure(s, i), height)
                fed_chart(feed, f"{key}_{i}", entry, snap, live=live)


def _cell(fig, words: dict, height: int, width: int) -> dict:
    """A chart in a third of the page (height x width px): a thinner colour bar with half its ticks, so that
    labels do not run into each other, and its legend fitted to its size. words: {"time step t": its
    translation}."""
    spec = figures.fit_legend(fig if isinstance(fig, dict) else fig.to_dict(), height, width)
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
            xaxis["title"] = {**(xaxis.get("title") or {}), "text": words["time step t"]}
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


def _side_legend(fig, beside_lesson: bool) -> dict:
    """The legend at the right of the plot; beside a lesson's narration (a chart of ~350 px) a side legend
    left the plot 90 px and its step labels ran into each other, so there it is a row over the plot."""
    spec = fig.to_dict()
    layout = spec["layout"]
    if beside_lesson:
        layout["legend"] = {**layout.get("legend", {}), **TOP_LEGEND}
        layout["margin"] = {**layout.get("margin", {}), "t": 70, "b": 50, "r": 10}
        layout["title"] = {**layout.get("title", {}), "y": 0.98, "yanchor": "top"}
    else:
        layout["legend"] = {**layout.get("legend", {}), **SIDE_LEGEND}
        layout["margin"] = {**layout.get("margin", {}), "b": 50, "r": 150}
    return spec


def _hidden(snap: Snapshot, lab: str, lg: str) -> dict:
    fig = figures.hidden_figure(snap, tr=translator(lg), height=CELL_HEIGHT).to_dict()
    fig["layout"]["title"] = {**fig["layout"].get("title", {}), "text": lab}
    return fig


def _param_norms(runs: list[Snapshot], labels: list[str], lg: str) -> list:
    title = N_("{label}: gradient norm per tensor")
    return [
        figures.param_norms_figure(s, render(title, lg, label=lab), tr=translator(lg))
        for s, lab in zip(runs, labels, strict=True)
    ]


def _source(race: Race, lg: str):
    """The race's snapshot, its legend's names in language `lg`."""

    def snapshot() -> RaceSnapshot:
        snap = race.snapshot()
        if race.labels == race_labels(race.configs):
            snap = dataclasses.replace(snap, labels=[render(lab, lg) for lab in race_labels(race.configs)])
        return snap

    return snapshot


def _versions(race: Race, lg: str):
    """(moves with every step, moves with every probe): the race's charts' versions."""

    def steps(s: RaceSnapshot) -> tuple:
        return (id(race), tuple(s.steps), s.state, lg)

    def probes(s: RaceSnapshot) -> tuple:
        return (id(race), tuple(len(r.probes) for r in s.runs), s.state, lg)

    return steps, probes


def _charts(race: Race, feed: Feed, was_live: bool) -> None:
    """The status line and the charts above the fold. Rerun alone by the status line's `ended` trigger when
    a poll finds the race stopped: then one full run updates the buttons."""
    if was_live and race.state not in ACTIVE:
        st.rerun()
    lg, beside_lesson = lang(), narrator.active()
    words, say = {"time step t": render("time step t", lg)}, translator(lg)
    snap = feed.source()
    live = snap.state in ACTIVE
    _status(feed, snap, live)
    steps, probes = _versions(race, lg)
    log_y = st.session_state.get("race_loss_log", False)
    left, right = st.columns(2)
    with left:
        build = lambda s: _side_legend(figures.race_loss_figure(s, log_y=log_y, tr=say), beside_lesson)  # noqa: E731
        fed_chart(feed, "loss", Entry(lambda s: (steps(s), log_y), build, ROW_HEIGHT), snap, live=live)
    with right:
        build = lambda s: _side_legend(figures.race_grad_through_time_figure(s, tr=say), beside_lesson)  # noqa: E731
        fed_chart(feed, "gtt", Entry(probes, build, ROW_HEIGHT), snap, live=live)
    n = len(snap.runs)
    _per_entry(feed, "gtt_heatmap", n, lambda s: figures.race_heatmaps(s, tr=say), probes, snap, live, words)
    _per_entry(
        feed,
        "hidden",
        n,
        lambda s: [_hidden(r, lab, lg) for r, lab in zip(s.runs, s.labels, strict=True)],
        probes,
        snap,
        live,
        words,
    )


def _tabs(race: Race, feed: Feed) -> None:
    """The diagnoses and the other charts, in tabs; only the open one is built (fed, like the charts)."""
    lg = lang()
    words, say = {"time step t": render("time step t", lg)}, translator(lg)
    snap = feed.source()
    live = snap.state in ACTIVE
    n = len(snap.runs)
    steps, probes = _versions(race, lg)
    open_tab_pointed_at(TABS, TAB_KEY)
    tabs = dict(zip(TABS, st.tabs([tr(label) for label in TABS.values()], key=TAB_KEY, on_change="rerun"), strict=True))
    for name, tab in tabs.items():
        if not tab.open:
            also = ["singular"] if name == "spectral" else []  # the spectral tab's second chart
            for key in [name, *(f"{name}_{i}" for i in range(n)), *also]:
                forget(key, feed)
            continue
        with tab:
            if name == "diagnosis":
                build = lambda s: panels.diagnosis_html(list(zip(s.labels, s.runs, strict=True)), say)  # noqa: E731
                fed_words(feed, "diagnosis", Entry(probes, build), snap, live=live, height=DIAGNOSIS_HEIGHT)
            elif name == "spectral":
                left, right = st.columns(2)
                with left:
                    build = lambda s: figures.race_spectral_figure(s, tr=say)  # noqa: E731
                    fed_chart(feed, "spectral", Entry(probes, build), snap, live=live)
                with right:
                    build = lambda s: figures.race_singular_values_figure(s, tr=say)  # noqa: E731
                    fed_chart(feed, "singular", Entry(probes, build), snap, live=live)
            elif name == "grad_norm":
                make = lambda s: figures.race_grad_norm_figures(s, tr=say)  # noqa: E731
                _per_entry(feed, "grad_norm", n, make, steps, snap, live, words, TAB_CELL_HEIGHT)
            else:
                make = lambda s: _param_norms(s.runs, s.labels, lg)  # noqa: E731
                _per_entry(feed, "param_norms", n, make, probes, snap, live, words, TAB_CELL_HEIGHT)


def race_view(race: Race, base_interval: float) -> None:
    """The race's live view: charts fed every `base_interval` seconds while it runs (slower when the server
    is busy: hosted.PACER), the diagnoses too."""
    feed = session_feed(FEED, _source(race, lang()), base_interval, race)  # the legend in this session's language
    live = race.state in ACTIVE
    st.fragment(_charts)(race, feed, live)
    st.fragment(_tabs)(race, feed)
