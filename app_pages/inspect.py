"""Inspect: V4 in full for the session's run. Hidden states, gates and cell state per time step for
one sample (a probe sample or the learner's own input), saturated units, a PCA trajectory of the
hidden state, the model's answer, and the V10 scrubber over the probe snapshots taken in training."""

import streamlit as st

from rnnplay import figures, inspect_data

LIVE_EVERY_S = 1.0
GRID_COLUMNS = 2

st.title("Inspect")
st.caption(
    "Look inside the Playground's model as it is now: every unit's activation at every time step of one "
    "sequence, the gates, how many units are saturated, and the path the hidden state takes."
)

run = st.session_state.get("_run")
if run is None:
    st.info("No model to inspect yet: open the Playground, pick a task and press **Train** (or Step one batch).")
    st.page_link("app_pages/playground.py", label="Open the Playground", icon=":material/science:")
    st.stop()

task, probe = run.trainer.task, run.trainer._probe
n = probe.x.shape[0]
can_type = task.name not in inspect_data.SAMPLE_ONLY

# which sequence to look at --------------------------------------------------------------------
left, right = st.columns([1, 2])
source = "Probe sample"
if can_type:
    source = (
        left.segmented_control("Input", ["Probe sample", "My own input"], default="Probe sample", key="insp_source")
        or "Probe sample"
    )
sample, problem = None, None
if source == "My own input":
    help_ = inspect_data.OWN_INPUT_HELP[task.name]
    if task.try_it_choices:
        text = right.selectbox("Your input", task.try_it_choices, key=f"insp_choice_{task.name}", help=help_)
    else:
        default = inspect_data.OWN_INPUT_EXAMPLE.get(task.name, task.try_it_example)
        text = right.text_input(f"Your input: {help_}", value=default, key=f"insp_text_{task.name}", max_chars=300)
    try:
        sample = inspect_data.own_input(task, text)
    except ValueError as e:
        problem = str(e)
if sample is None:
    i = right.slider(f"Probe sample (0 to {n - 1})", 0, n - 1, 0, key=f"insp_sample_{task.name}_{n}") if n > 1 else 0
    sample = inspect_data.probe_sample(task, probe, i)
if problem:
    st.warning(f"Your input {text!r}: {problem} — showing probe sample {i} instead.", icon=":material/edit:")

frozen = st.toggle("Pause live updates (to rotate or zoom)", key="insp_freeze")
interval = LIVE_EVERY_S if run.state == "running" and not frozen else None


@st.fragment(run_every=interval)
def live_view(sample: inspect_data.Sample) -> None:
    if run.trainer.task is not task:  # the run was reset to a new configuration since the page ran
        st.rerun()
    ins = inspect_data.inspect(run, sample)
    snap_state = run.state
    c = run.config
    what = f"{c.arch.upper()}{' bidirectional' if c.bidirectional else ''}, hidden size {c.hidden_size}"
    if c.num_layers > 1:
        what += f", last of {c.num_layers} layers"
    if task.kind == "seq2seq":
        what += ", the encoder's states"
    st.markdown(
        f"**{sample.source}** · weights of step {ins.step} of {run.config.steps} ({snap_state}) · {what}  \n"
        f"Model's answer: {ins.output}"
    )
    if ins.step == 0:
        st.caption("An untrained model: its units respond to the input, but not yet usefully.")
    for note in ins.notes:
        st.warning(note, icon=":material/warning:")

    st.subheader("Activations per time step")
    if ins.directions == 2:
        st.caption("Bidirectional: units f0… read the sequence forwards, b0… backwards.")
    names = list(ins.states)
    for row in range(0, len(names), GRID_COLUMNS):
        cols = st.columns(GRID_COLUMNS)
        for col, name in zip(cols, names[row : row + GRID_COLUMNS], strict=False):
            fig = figures.state_heatmap(ins.states[name], ins.labels, name, ins.directions)
            col.plotly_chart(fig, key=f"insp_{name.replace(' ', '_')}")

    st.subheader("Saturated units")
    st.plotly_chart(
        figures.saturation_figure(ins.saturation_per_step, ins.labels, ins.saturation, ins.saturation_rule),
        key="insp_saturation",
    )
    st.caption(f"Threshold: {ins.saturation_rule}. Overall {ins.saturation:.0%} of (unit, step) activations.")

    st.subheader("Trajectory of the hidden state")
    shown = st.segmented_control("PCA view", ["2-D", "3-D"], default="2-D", key="insp_pca_dims")
    dims = 3 if shown == "3-D" else 2
    st.plotly_chart(figures.pca_trajectory_figure(ins.pca, ins.labels, ins.explained, dims), key="insp_pca")
    st.caption(
        f"Principal axes fitted on {ins.pca_fit}, then this sequence projected on them: trajectories of "
        f"different samples share one frame. The first {dims} axes hold "
        f"{float(ins.explained[:dims].sum()):.0%} of that variance."
    )
    if interval is not None and run.state != "running":
        st.rerun()  # training ended: one full run to stop polling


live_view(sample)


PLAY_EVERY_S = 0.5
playing = bool(st.session_state.get("_insp_playing"))
history_every = PLAY_EVERY_S if playing else interval


def _frame_to_show(steps: list[int]) -> int:
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


@st.fragment(run_every=history_every)
def history_view() -> None:
    """V10: the probe snapshots taken during training, replayed from the first to the last. While
    training it follows the latest snapshot unless the learner scrubbed back; Play steps through them.

    The slider is controlled from `_insp_pick`: its key names the step it shows and the latest one, so
    it is a new widget whenever either changes. Two fragments redraw this page every second, and a
    request from one carries the other's widget values as the browser last had them; a stale value
    for a key that no longer exists is dropped instead of pulling the slider back."""
    st.subheader("History: replay the probe snapshots")
    frames = run.snapshot().get("frames", [])
    if not frames:
        st.info("No snapshots yet: they are taken while the model trains. Press Train on the Playground.")
        return
    steps = [f["step"] for f in frames]
    step = _frame_to_show(steps)
    at_end = playing and step == steps[-1]
    if playing:
        st.session_state["_insp_pick"] = None if at_end else step
        if at_end:
            st.session_state["_insp_playing"] = False  # the replay reached the latest snapshot
    cols = st.columns([3, 1, 1])
    if len(steps) > 1:
        key = f"insp_frame_{step}_{steps[-1]}"
        cols[0].select_slider(
            "Training step of the snapshot",
            options=steps,
            value=step,
            key=key,
            on_change=_picked,
            args=(key, steps[-1]),
        )
    else:
        cols[0].markdown(f"One snapshot so far, at step {step}.")
    now_playing = st.session_state.get("_insp_playing", False)
    cols[2].button(
        "Stop" if now_playing else "Play",
        key="insp_play",
        on_click=_toggle_play,
        icon=":material/stop:" if now_playing else ":material/play_arrow:",
        help="Replay the snapshots from the first to the latest",
    )
    frame = frames[steps.index(step)]
    which = cols[1].selectbox("State", list(frame["hidden"]), key="insp_frame_which")
    left, right = st.columns(2)
    directions = 2 if run.config.bidirectional else 1
    title = f"{figures.STATE_TITLES.get(which, which)} at step {frame['step']}"
    fig = figures.state_heatmap(frame["hidden"][which], frame["input_labels"], which, directions, title=title)
    left.plotly_chart(fig, key="insp_frame_hidden")
    right.plotly_chart(figures.grad_through_time_figure({"latest_probe": frame}), key="insp_frame_gtt")
    st.caption(
        f"{len(frames)} snapshots of probe sample 0 (older ones thinned). At step {frame['step']}: "
        f"{frame['saturation']:.0%} of units saturated."
    )
    if now_playing != playing:
        st.rerun()  # start or stop the replay's timer (set when the page runs)


history_view()
