"""Playground: configure (sidebar, bound to the URL), train in the background, watch the run live.

On one screen at 1400x900: the settings in the sidebar, the run bar, the loss, the gradient through time
(curve and heatmap) and the hidden activations; a lesson's narration beside the charts; the diagnosis and
the other charts in tabs below them; Try it, export, the share link and the teacher panel further down."""

import os
from functools import partial

import streamlit as st

from app_pages import narrator
from app_pages.i18n import tr
from app_pages.ui import class_watch, controls, links, teacher
from app_pages.ui.exchange import exchange_panel
from app_pages.ui.page_style import Notices, compact_top
from app_pages.ui.run_bar import run_bar
from app_pages.ui.run_view import chart_options, live_view
from app_pages.ui.session_run import current_run, reset_run, restore_widgets
from app_pages.ui.try_it import offered, try_it
from rnnplay.run import FINISHED, RunState
from rnnplay.run.training_run import TrainingRun

# 0.5 s: a redraw changes the charts in place and sends only the new points (app_pages/ui/live_chart.py)
LIVE_EVERY_S = float(os.environ.get("RNNPLAY_LIVE_EVERY", "0.5"))
FIRST_POINT_WAIT_S = 0.3  # Train waits at most this long for the first step; the GIL is free meanwhile

compact_top(
    tr("Playground"),
    tr(
        "Pick a task and a model in the sidebar, press **Train**, and watch it learn. Every setting is in "
        "the page's URL: copy it to share exactly this configuration."
    ),
)
restore_widgets()  # a run reopened from ?run= shows its own settings
config, problems = controls.config_controls(st.sidebar)


def train_clicked(run: TrainingRun) -> None:
    # an untouched run already follows the widgets (current_run); a finished one starts anew
    if run.state in FINISHED:
        reset_run(run, config)
        class_watch.count_training(run.config)
    elif class_watch.train_or_watch(run):  # RNNPLAY_SHARE_RUNS: its configuration's class run is shown instead
        return
    before = run.steps_done
    run.start()
    # the page run this click starts draws the first point when the first step is in the history by then
    # (a step is recorded before its probe); otherwise the chart waits for the live view's next tick
    run.wait_for_step(before, FIRST_POINT_WAIT_S)


def reset_clicked(run: TrainingRun) -> None:
    class_watch.release(run)
    reset_run(run, config)


def own_copy_clicked(run: TrainingRun) -> None:
    """Watching the class's run: train this session's own run of the configuration instead."""
    class_watch.stop_watching()
    class_watch.count_training(run.config)
    run.start()


def apply_live_clicked(run: TrainingRun) -> None:
    """Learning rate and clipping change while training, at the next step."""
    class_watch.release(run)
    if config.lr != run.config.lr:
        run.set_lr(config.lr)
    if (config.clip_mode, config.clip) != (run.config.clip_mode, run.config.clip):
        run.set_clip(config.clip_mode, config.clip)


def pending_changes(run: TrainingRun, notices: Notices) -> None:
    """Settings changed since the run started: applied live (lr, clipping) or at the next Reset."""
    pending = sorted(k for k, v in config.to_dict().items() if getattr(run.config, k) != v)
    if not pending or run.steps_done == 0:
        return
    live = set(pending) <= {"lr", "clip_mode", "clip"} and run.state in (RunState.RUNNING, RunState.PAUSED)
    with notices.box(), st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.markdown(
            tr("Changed since this run started: **{fields}**.", fields=", ".join(pending))
            + " "
            + (
                tr("Apply now to the running model, or Reset to start over.")
                if live
                else tr("Press **Reset** (or **Train anew**) to train with them.")
            )
        )
        if live:
            st.button(tr("Apply to the running model"), on_click=apply_live_clicked, args=(run,), key="btn_apply")


@st.fragment
def run_area() -> TrainingRun:
    """The run bar, the live view (a lesson's narration beside it) and Try it: a click in here (Train, Pause,
    the chart options, the lesson's buttons, Try it) reruns only this part of the page. What lies outside it
    follows the settings, not the run's state; and the page run that Train starts, which shares the cores and the
    GIL with the run's first steps, builds none of the sidebar's settings and about half the page's elements."""
    notices = Notices()  # one place, whether or not any shows: the charts below never move
    for p in problems:
        notices.warning(tr("Share link: {problem}", problem=p))
    for p in controls.cap_errors():  # over this server's caps (hosted)
        notices.error(p)
    run = current_run(config, notices)  # with what it says about a reopened run, or runs not being saved
    train = partial(train_clicked, run)  # the run bar's Train and a lesson step that starts the run
    watching = class_watch.watched(config)  # RNNPLAY_SHARE_RUNS: the class's run of this configuration
    if watching is not None:
        options = class_watch.watch_bar(watching, partial(own_copy_clicked, run))
    else:
        options = run_bar(
            run.state,
            on_train=train,
            on_pause=run.pause,
            on_stop=run.stop,
            on_step=run.step_one,
            on_reset=partial(reset_clicked, run),
            busy_label=tr("Training"),
            anew_states=FINISHED,
            train_disabled=controls.over_caps(),  # even the task's defaults are over this server's caps (hosted)
            widths=[1.2, 1, 1, 1.4, 1, 1.6],  # room for the longest label (单步训练一批)
        )
    shown = class_watch.replay(watching) if watching is not None else run  # what the charts draw
    chart_options(options, shown.config.arch)
    changed = Notices()  # comes when a setting changes mid-run, goes with Apply or Reset: the charts stay put
    if watching is None:
        pending_changes(run, changed)
    # beside the lesson's narration when the URL has ?lesson=<id>; it follows the class's run while watching
    with narrator.charts_area(class_watch.Shown(run, watching, train), page="playground"):
        live_view(shown, LIVE_EVERY_S)
    if offered(run) and not teacher.hides("try_it"):
        try_it(run)
    return run


run = run_area()
choice = run.device_choice  # device=auto on a machine with a GPU: which device was measured faster, and why
if choice is not None and (choice.rates or choice.device != "cpu"):
    st.sidebar.caption(":material/memory: " + tr(choice.reason))
if not teacher.hides("howto"):  # a teacher link may hide page parts
    with st.expander(tr("How to read these charts")):
        st.markdown(
            tr(
                "- **Loss / metric**: training (blue, averaged per bucket of steps) and validation (orange); the "
                "dashed line is chance — what a model that ignores the sequence would get.\n"
                "- **Gradient norm**: the size of the whole gradient at each step, before and after clipping. "
                "Spikes are *exploding* gradients; clipping caps them at the red threshold.\n"
                "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t, "
                "through every later step (log scale). A curve that falls steeply to the left means the gradient "
                "*vanished*: early inputs cannot be learned. h₁/h_T is the ratio of the two ends.\n"
                "- **Heatmap over training**: the same curve at every probe, one row per training step.\n"
                "- **Hidden activations**: each unit (row) at each time step (column) for one sample, its input on "
                "the axis; for LSTM/GRU pick a gate in **Chart options**. Units stuck at ±1 are *saturated* and "
                "pass almost no gradient.\n"
                "- **Spectral radius** of W_hh: above 1 the recurrence can amplify, below 1 it shrinks signals."
            )
        )
if not teacher.hides("export"):
    exchange_panel(run)
if not teacher.hides("share"):
    share_box = st.expander(
        tr("Share this configuration"), icon=":material/share:", key=links.SHARE_BOX, on_change="rerun"
    )
    with share_box:
        st.markdown(tr("Anyone who opens this link gets exactly this configuration, in this language:"))
        with st.container(key="share_link"):
            if share_box.open:  # the link box only when open (links.SHARE_BOX)
                st.code(links.share_url(config), language=None, wrap_lines=True)
        st.caption(tr("Copy it with the button at the right of the link. It holds no run: each visitor trains anew."))
        if config.series:
            st.caption(
                tr(
                    "The link names your CSV series, which this server keeps (not the link): it opens with the "
                    "series while the server has it, the least recently used going first. Share the file too."
                )
            )
if not teacher.hides("teacher"):
    teacher.panel(config)  # hide and lock controls for a class
