"""The Inspect page's history scrubber: the probe snapshots a run took in training, replayed from the first to the
latest, each as its hidden state heatmap and its gradient through time."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import lang, tr, translator, words
from app_pages.ui.live_chart import live_chart
from rnnplay import figures
from rnnplay.run import Snapshot
from rnnplay.run.training_run import TrainingRun

PLAY_EVERY_S = 0.5  # a replay's pace: one snapshot each


def history_view(run: TrainingRun, follow_every: float | None) -> None:
    """The scrubber of `run`'s probe snapshots; while training it follows the latest every follow_every
    seconds (None: the run is not training), while playing it steps every PLAY_EVERY_S."""
    playing = bool(st.session_state.get("_insp_playing"))
    st.fragment(_history, run_every=PLAY_EVERY_S if playing else follow_every)(run, playing)


def _frame_to_show(steps: list[int], playing: bool) -> int:
    """The snapshot to show. `_insp_pick` holds the learner's choice (None: follow the latest). While
    playing, the next one after it (from the first when it stood on the latest)."""
    pick = st.session_state.get("_insp_pick")
    if playing:
        return steps[0] if pick is None or pick >= steps[-1] else next(s for s in steps if s > pick)
    if pick is None:
        return steps[-1]
    return min(steps, key=lambda s: abs(s - pick))  # the nearest, once thinning dropped the one picked


def _picked(key: str, latest: int) -> None:
    v = st.session_state[key]
    st.session_state["_insp_pick"] = None if v == latest else v


def _toggle_play() -> None:
    st.session_state["_insp_playing"] = not st.session_state.get("_insp_playing", False)


def _history(run: TrainingRun, playing: bool) -> None:
    """History scrubber: the probe snapshots taken during training, replayed from the first to the last. While
    training it follows the latest snapshot unless the learner scrubbed back; Play steps through them.

    The slider is controlled from `_insp_pick`: its key names the step it shows and the latest one, so
    it is a new widget whenever either changes. Two fragments redraw this page every second, and a
    request from one carries the other's widget values as the browser last had them; a stale value
    for a key that no longer exists is dropped instead of pulling the slider back."""
    st.subheader(tr("History: replay the probe snapshots"))
    frames = run.snapshot().frames
    if not frames:
        st.info(tr("No snapshots yet: they are taken while the model trains. Press Train on the Playground."))
        return
    steps = [f["step"] for f in frames]
    step = _frame_to_show(steps, playing)
    at_end = playing and step == steps[-1]
    if playing:
        st.session_state["_insp_pick"] = None if at_end else step
        if at_end:
            st.session_state["_insp_playing"] = False  # the replay reached the latest snapshot
    cols = st.columns([3, 1, 1])
    if len(steps) > 1:
        key = f"insp_frame_{step}_{steps[-1]}"
        cols[0].select_slider(
            tr("Training step of the snapshot"),
            options=steps,
            value=step,
            key=key,
            on_change=_picked,
            args=(key, steps[-1]),
        )
    else:
        cols[0].markdown(tr("One snapshot so far, at step {step}.", step=step))
    now_playing = st.session_state.get("_insp_playing", False)
    cols[2].button(
        tr("Stop") if now_playing else tr("Play"),
        key="insp_play",
        on_click=_toggle_play,
        icon=":material/stop:" if now_playing else ":material/play_arrow:",
        help=tr("Replay the snapshots from the first to the latest"),
    )
    frame = frames[steps.index(step)]
    reader = translator(lang())  # bound into format_func, which may be called outside this run
    which = cols[1].selectbox(
        tr("State"),
        list(frame["hidden"]),
        key="insp_frame_which",
        format_func=lambda w: figures.state_title(w, reader),
    )
    left, right = st.columns(2)
    directions = 2 if run.config.bidirectional else 1
    title = tr("{state} at step {step}", state=figures.state_title(which, words()), step=frame["step"])
    fig = figures.state_heatmap(
        frame["hidden"][which], frame["input_labels"], which, directions, title=title, tr=words()
    )
    live_chart(fig, key="insp_frame_hidden", container=left)
    live_chart(
        figures.grad_through_time_figure(Snapshot(latest_probe=frame), tr=words()),
        key="insp_frame_gtt",
        container=right,
    )
    st.caption(
        tr(
            "{n} snapshots of probe sample 0 (older ones thinned). At step {step}: {share:.0%} of units saturated.",
            n=len(frames),
            step=frame["step"],
            share=frame["saturation"],
        )
    )
    if now_playing != playing:
        st.rerun()  # start or stop the replay's timer (set when the page runs)
