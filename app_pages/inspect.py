"""Inspect: the hidden activations in full for the session's run. Hidden states, gates and cell state per time step for
one sample (a probe sample or the learner's own input), saturated units, a PCA trajectory of the
hidden state, the model's answer, and the history scrubber over the probe snapshots taken in training.
Every word goes through tr() (Chinese in rnnplay/i18n/zh_inspect.py); the figures and inspect_data
get the session's lang()."""

import streamlit as st

from app_pages.i18n import lang, render, tr, words
from app_pages.ui.inspect_history import history_view
from app_pages.ui.live_chart import live_chart
from app_pages.ui.session_run import session_run
from rnnplay import figures, inspect_data, untrusted
from rnnplay.i18n import N_
from rnnplay.run import STATE_WORDS, RunState

LIVE_EVERY_S = 1.0
GRID_COLUMNS = 2
SOURCES = {"Probe sample": N_("Probe sample"), "My own input": N_("My own input")}
DIMS = {"2-D": N_("2-D"), "3-D": N_("3-D")}
LANG = lang()  # bound into the widgets' format_func, which may be called outside this run

st.title(tr("Inspect"))
st.caption(
    tr(
        "Look inside the Playground's model as it is now: every unit's activation at every time step of one "
        "sequence, the gates, how many units are saturated, and the path the hidden state takes."
    )
)

run = session_run()
if run is None:
    st.info(tr("No model to inspect yet: open the Playground, pick a task and press **Train** (or Step one batch)."))
    st.page_link("app_pages/playground.py", label=tr("Open the Playground"), icon=":material/science:")
    st.stop()

task, probe = run.task, run.probe_batch
n = probe.x.shape[0]
can_type = task.own_input_help is not None

# which sequence to look at --------------------------------------------------------------------
left, right = st.columns([1, 2])
source = "Probe sample"
if can_type:
    source = (
        left.segmented_control(
            tr("Input"),
            list(SOURCES),
            default="Probe sample",
            key="insp_source",
            format_func=lambda s: render(SOURCES[s], LANG),
        )
        or "Probe sample"
    )
sample, problem = None, None
if source == "My own input":
    help_ = tr(task.own_input_help, example=task.try_it_example)  # {example}: the task's own, in its language
    if task.try_it_choices:
        text = right.selectbox(tr("Your input"), task.try_it_choices, key=f"insp_choice_{task.name}", help=help_)
    else:
        default = task.try_it_example if task.own_input_example is None else task.own_input_example
        # no max_chars: a long paste is refused with a message, not cut silently by the browser
        text = right.text_input(tr("Your input: {help}", help=help_), value=default, key=f"insp_text_{task.name}")
    problem = untrusted.text_problem(tr("Your input"), text, untrusted.MAX_INPUT_CHARS)
    try:
        sample = None if problem else inspect_data.own_input(task, text)
    except ValueError as e:
        problem = tr(e)  # the task's own refusal (a Msg) in the reader's language
if sample is None:
    label = tr("Probe sample (0 to {last})", last=n - 1)
    i = right.slider(label, 0, n - 1, 0, key=f"insp_sample_{task.name}_{n}") if n > 1 else 0
    sample = inspect_data.probe_sample(task, probe, i)
if problem:
    shown = untrusted.shorten(text)  # a 1 MB paste is not echoed back whole
    st.warning(
        tr("Your input {shown}: {problem} — showing probe sample {i} instead.", shown=shown, problem=problem, i=i),
        icon=":material/edit:",
    )

# the charts are updated in place and keep a zoom or a rotated 3-D view across updates (live_chart)
interval = LIVE_EVERY_S if run.state == RunState.RUNNING else None


@st.fragment(run_every=interval)
def live_view(sample: inspect_data.Sample) -> None:
    if run.task is not task:  # the run was reset to a new configuration since the page ran
        st.rerun()
    ins = inspect_data.inspect(run, sample)
    snap_state = run.state
    c = run.config
    if c.bidirectional:
        what = tr("{arch} bidirectional, hidden size {hidden}", arch=c.arch.upper(), hidden=c.hidden_size)
    else:
        what = tr("{arch}, hidden size {hidden}", arch=c.arch.upper(), hidden=c.hidden_size)
    if c.num_layers > 1:
        what += tr(", last of {n} layers", n=c.num_layers)
    if task.kind == "seq2seq":
        what += tr(", the encoder's states")
    st.markdown(
        tr(
            "**{source}** · weights of step {step} of {steps} ({state}) · {what}  \nModel's answer: {output}",
            source=sample.source,
            step=ins.step,
            steps=run.config.steps,
            state=tr(STATE_WORDS.get(snap_state, snap_state)),
            what=what,
            output=ins.output,
        )
    )
    if ins.step == 0:
        st.caption(tr("An untrained model: its units respond to the input, but not yet usefully."))
    for note in ins.notes:
        st.warning(tr(note), icon=":material/warning:")

    st.subheader(tr("Activations per time step"))
    if ins.directions == 2:
        st.caption(tr("Bidirectional: units f0… read the sequence forwards, b0… backwards."))
    names = list(ins.states)
    for row in range(0, len(names), GRID_COLUMNS):
        cols = st.columns(GRID_COLUMNS)
        for col, name in zip(cols, names[row : row + GRID_COLUMNS], strict=False):
            fig = figures.state_heatmap(ins.states[name], ins.labels, name, ins.directions, tr=words())
            with col:
                live_chart(fig, key=f"insp_{name.replace(' ', '_')}")

    st.subheader(tr("Saturated units"))
    live_chart(
        figures.saturation_figure(ins.saturation_per_step, ins.labels, ins.saturation, ins.saturation_rule, tr=words()),
        key="insp_saturation",
    )
    st.caption(
        tr(
            "Threshold: {rule}. Overall {share:.0%} of (unit, step) activations.",
            rule=ins.saturation_rule,
            share=ins.saturation,
        )
    )

    st.subheader(tr("Trajectory of the hidden state"))
    shown = st.segmented_control(
        tr("PCA view"), list(DIMS), default="2-D", key="insp_pca_dims", format_func=lambda d: render(DIMS[d], LANG)
    )
    dims = 3 if shown == "3-D" else 2
    live_chart(figures.pca_trajectory_figure(ins.pca, ins.labels, ins.explained, dims, tr=words()), key="insp_pca")
    st.caption(
        tr(
            "Principal axes fitted on {fit}, then this sequence projected on them: trajectories of different "
            "samples share one frame. The first {dims} axes hold {share:.0%} of that variance.",
            fit=ins.pca_fit,
            dims=dims,
            share=float(ins.explained[:dims].sum()),
        )
    )
    if interval is not None and run.state != RunState.RUNNING:
        st.rerun()  # training ended: one full run to stop polling


live_view(sample)

history_view(run, interval)
