"""The bar of buttons over a page's live charts: Train (Resume, Train anew), Pause, Stop, Step one batch and
Reset. The Playground's run and the Gradient lab's race share it; the buttons only call the page's
callbacks, which flip the run's state. The charts keep a learner's zoom across live updates
(app_pages/ui/live_chart.py), so nothing here pauses them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from app_pages.i18n import tr
from rnnplay.run import ACTIVE, RunState  # ACTIVE: running, or queued (started, waiting for a free slot)


def run_bar(
    state: RunState,
    *,
    on_train: Callable[[], None],
    on_pause: Callable[[], None],
    on_stop: Callable[[], None],
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    busy_label: str,
    anew_states: Sequence[str],
    train_disabled: bool,
    widths: Sequence[float],
):
    """Draw the bar for a run or race in `state` and return its last column, for the page's chart options.

    busy_label: the Train button's text while it trains ("Training", "Racing"); anew_states: the states
    in which it reads "Train anew"; train_disabled: a reason of the page's to refuse Train, besides
    training already; widths: the six columns' widths. Every text comes translated. The widgets' keys are
    fixed: btn_train, btn_pause, btn_stop, btn_step, btn_reset."""
    c = st.columns(list(widths))
    label = {RunState.PAUSED: tr("Resume"), RunState.RUNNING: busy_label, RunState.QUEUED: busy_label}.get(
        state, tr("Train anew") if state in anew_states else tr("Train")
    )
    c[0].button(
        label,
        on_click=on_train,
        disabled=state in ACTIVE or train_disabled,
        type="primary",
        key="btn_train",
        icon=":material/play_arrow:",
    )
    c[1].button(tr("Pause"), on_click=on_pause, disabled=state not in ACTIVE, key="btn_pause", icon=":material/pause:")
    c[2].button(
        tr("Stop"),
        on_click=on_stop,
        disabled=state not in (*ACTIVE, RunState.PAUSED),
        key="btn_stop",
        icon=":material/stop:",
    )
    c[3].button(
        tr("Step one batch"),
        on_click=on_step,
        disabled=state not in (RunState.READY, RunState.PAUSED),
        key="btn_step",
        icon=":material/skip_next:",
    )
    c[4].button(tr("Reset"), on_click=on_reset, key="btn_reset", icon=":material/restart_alt:")
    return c[5]
