"""Runs (runs compared): this session's runs — the current one and those it reset — listed with their
configurations; pick any of them to overlay their loss and gradient through time. With a run store
that the replicas share (PostgreSQL), also this browser's saved runs, whichever replica trained them,
each a link that reopens it.

Every word goes through tr() (Chinese in rnnplay/i18n/zh_runs.py). The table's column ids and the
run names stay as they are (a learner's choice survives a language switch); only what is shown
is translated: column labels, the state, "current"."""

from functools import partial

import pandas as pd
import streamlit as st

from app_pages.i18n import lang, render, tr, translator
from app_pages.ui.session_run import MAX_ARCHIVED, saved_runs, session_run
from rnnplay import figures
from rnnplay.i18n import N_
from rnnplay.run import STATE_WORDS, Snapshot

COLUMNS = {  # column id -> its label
    "run": N_("run"),
    "task": N_("task"),
    "arch": N_("architecture"),
    "hidden": N_("hidden size"),
    "lr": N_("learning rate"),
    "steps": N_("steps"),
    "state": N_("state"),
    "train loss": N_("train loss"),
    "other settings": N_("other settings"),
}
CURRENT = "current"
LANG = lang()  # bound into the picker's format_func, which may be called outside this run

st.title(tr("Runs"))
st.caption(
    tr(
        "Every run of this browser session: the current one and each one you reset or trained anew "
        "(the last {n} are kept). Pick some to compare them on the same axes.",
        n=MAX_ARCHIVED,
    )
)


def shown_name(name: str, language: str) -> str:
    """A run's name as the reader sees it: '#3', or 'current' in their language."""
    return render("current", language) if name == CURRENT else name


def _row(number: str, snap: Snapshot) -> dict:
    c = snap.config
    tail = [v for v in snap.history["loss"][-10:] if v == v]  # not NaN
    val = snap.val
    changed = {k: v for k, v in c.changed_fields().items() if k not in ("task", "arch", "hidden_size", "lr")}
    state = snap.state
    return {
        "run": shown_name(number, LANG),
        "task": c.task,
        "arch": tr("{arch} bi", arch=c.arch) if c.bidirectional else c.arch,
        "hidden": c.hidden_size,
        "lr": c.lr,
        "steps": snap.steps_done,
        "state": tr(STATE_WORDS.get(state, state)),
        "train loss": sum(tail) / len(tail) if tail else None,
        f"val {snap.task.metric}": val["metric"][-1] if val["metric"] else None,
        "other settings": ", ".join(f"{k}={v}" for k, v in changed.items()),
    }


def column_labels(table: pd.DataFrame) -> dict:
    """st.dataframe's column_config: each column's label in the reader's language."""
    labels = {}
    for col in table.columns:
        if col in COLUMNS:
            labels[col] = tr(COLUMNS[col])
        elif col.startswith("val "):  # "val accuracy", "val mse": one per metric among the runs
            labels[col] = tr("validation {metric}", metric=figures.metric_name(col[4:], translator(LANG)))
    return {col: st.column_config.Column(label) for col, label in labels.items()}


entries: list[tuple[str, Snapshot]] = [(f"#{r['id']}", r["snapshot"]) for r in st.session_state.get("_runs", [])]
current = session_run()
if current is not None and current.steps_done > 0:
    entries.append((CURRENT, current.snapshot()))

# with a store the replicas share: this browser's saved runs, whichever replica trained them
saved = [r for r in saved_runs() if current is None or r["id"] != current.id]
if saved:
    with st.expander(tr("Saved runs of this browser ({n})", n=len(saved)), expanded=not entries):
        st.caption(tr("Kept on the server, newest first: open one to go on from where it was saved."))
        for r in saved:
            state = tr(STATE_WORDS.get(r["state"], r["state"]))
            label = tr(
                "`{id}`: {task}, step {step}, {state}", id=r["id"], task=r["task"], step=r["steps_done"], state=state
            )
            st.page_link(
                "app_pages/playground.py", label=label, icon=":material/history:", query_params={"run": r["id"]}
            )

if not entries:
    if saved:
        st.stop()
    st.info(tr("No runs yet: train something in the Playground, then come back."), icon=":material/info:")
    st.page_link("app_pages/playground.py", label=tr("Open the Playground"), icon=":material/science:")
    st.stop()

table = pd.DataFrame([_row(name, snap) for name, snap in entries])
st.dataframe(table, hide_index=True, width="stretch", column_config=column_labels(table))

names = [name for name, _ in entries]
default = names[-3:]
chosen = st.multiselect(
    tr("Runs to overlay"), names, default=default, key="runs_chosen", format_func=partial(shown_name, language=LANG)
)
if not chosen:
    st.caption(tr("Pick at least one run."))
    st.stop()
picked = [(name, snap) for name, snap in entries if name in chosen]
labels = [f"{shown_name(name, LANG)} {snap.config.arch}" for name, snap in picked]
snaps = [snap for _, snap in picked]
log_y = st.toggle(tr("Log-scale loss"), value=True, key="runs_log")
left, right = st.columns(2)
left.plotly_chart(figures.runs_loss_figure(snaps, labels, log_y=log_y, tr=translator(LANG)), key="runs_loss")
right.plotly_chart(figures.runs_grad_through_time_figure(snaps, labels, tr=translator(LANG)), key="runs_gtt")

with st.expander(tr("Open a run's configuration in the Playground")):
    for name, snap in picked:
        c = snap.config
        params = {k: str(v) for k, v in c.changed_fields().items()}
        label = tr(
            "{run}: {task}, {arch}, hidden {hidden}",
            run=shown_name(name, LANG),
            task=c.task,
            arch=c.arch,
            hidden=c.hidden_size,
        )
        if c.series:
            label += tr(" (without your CSV series)")
        st.page_link("app_pages/playground.py", label=label, icon=":material/open_in_new:", query_params=params)
