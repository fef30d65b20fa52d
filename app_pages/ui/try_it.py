"""The Try it box: the learner's own input through the model as it is now, while it keeps training."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import tr, words
from app_pages.ui.live_chart import live_chart
from app_pages.ui.run_view import text_view
from rnnplay import figures, untrusted
from rnnplay.run.training_run import TrainingRun


def offered(run: TrainingRun) -> bool:
    task_cls = type(run.task)
    return bool(task_cls.try_it_label or task_cls.try_it_choices)


def try_it(run: TrainingRun) -> None:
    task_cls = type(run.task)
    with st.container(border=True):
        st.markdown(tr("**Try it** on the model as it is now (it keeps training meanwhile)"))
        if task_cls.try_it_choices:
            choice = st.segmented_control(
                tr("Class"),
                task_cls.try_it_choices,
                default=task_cls.try_it_choices[0],
                key=f"try_{task_cls.name}",
            )
            query = choice or task_cls.try_it_choices[0]
        else:
            query = st.text_input(
                tr(task_cls.try_it_label),
                value=run.task.try_it_example,  # may depend on the config (sentiment's language)
                key=f"try_{task_cls.name}",  # no max_chars: a long paste gets a message, not a silent cut
                help=tr("Press Enter to run the model on it."),
            )
        note = st.empty()  # always there: when its caption goes, the chart below keeps its place (and its root)
        if run.steps_done == 0:
            note.caption(tr("An untrained model answers at random: press Train first, then try again."))
        try:
            label = tr(task_cls.try_it_label or "")
            too_long = untrusted.text_problem(label, query, untrusted.MAX_INPUT_CHARS)
            if too_long:
                raise ValueError(too_long)
            result = run.try_it(query)
        except ValueError as e:
            st.warning(tr(e), icon=":material/edit:")
        else:
            fig = figures.task_view_figure(result, tr=words())
            if fig is not None:
                live_chart(fig, key="try_it_chart")
            elif result.get("kind") == "text":
                text_view(result, run.config.temperature)
