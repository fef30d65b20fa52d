"""Runs (V8): this session's runs — the current one and those it reset — listed with their
configurations; pick any of them to overlay their loss and gradient through time."""

import pandas as pd
import streamlit as st

from app_pages import common
from rnnplay import figures

st.title("Runs")
st.caption(
    "Every run of this browser session: the current one and each one you reset or trained anew "
    f"(the last {common.MAX_ARCHIVED} are kept). Pick some to compare them on the same axes."
)


def _row(number: str, snap: dict) -> dict:
    c = snap["config"]
    hist = snap["history"]
    tail = [v for v in hist["loss"][-10:] if v == v]  # not NaN
    val = snap["val"]
    changed = {k: v for k, v in c.changed_fields().items() if k not in ("task", "arch", "hidden_size", "lr")}
    return {
        "run": number,
        "task": c.task,
        "arch": c.arch + (" bi" if c.bidirectional else ""),
        "hidden": c.hidden_size,
        "lr": c.lr,
        "steps": snap["steps_done"],
        "state": snap["state"],
        "train loss": sum(tail) / len(tail) if tail else None,
        f"val {snap['task']['metric']}": val["metric"][-1] if val["metric"] else None,
        "other settings": ", ".join(f"{k}={v}" for k, v in changed.items()),
    }


entries: list[tuple[str, dict]] = [(f"#{r['id']}", r["snapshot"]) for r in st.session_state.get("_runs", [])]
current = st.session_state.get("_run")
if current is not None and current.trainer.steps_done > 0:
    entries.append(("current", current.snapshot()))

if not entries:
    st.info("No runs yet: train something in the Playground, then come back.", icon=":material/info:")
    st.page_link("app_pages/playground.py", label="Open the Playground", icon=":material/science:")
    st.stop()

table = pd.DataFrame([_row(name, snap) for name, snap in entries])
st.dataframe(table, hide_index=True, width="stretch")

names = [name for name, _ in entries]
default = names[-3:]
chosen = st.multiselect("Runs to overlay", names, default=default, key="runs_chosen")
if not chosen:
    st.caption("Pick at least one run.")
    st.stop()
picked = [(name, snap) for name, snap in entries if name in chosen]
labels = [f"{name} {snap['config'].arch}" for name, snap in picked]
snaps = [snap for _, snap in picked]
log_y = st.toggle("Log-scale loss", value=True, key="runs_log")
left, right = st.columns(2)
left.plotly_chart(figures.runs_loss_figure(snaps, labels, log_y=log_y), key="runs_loss")
right.plotly_chart(figures.runs_grad_through_time_figure(snaps, labels), key="runs_gtt")

with st.expander("Open a run's configuration in the Playground"):
    for name, snap in picked:
        c = snap["config"]
        params = {k: str(v) for k, v in c.changed_fields().items()}
        st.page_link(
            "app_pages/playground.py",
            label=f"{name}: {c.task}, {c.arch}, hidden {c.hidden_size}"
            + (" (without your CSV series)" if c.series else ""),
            icon=":material/open_in_new:",
            query_params=params,
        )
