"""Playground: configure (sidebar, bound to the URL), train in the background, watch live charts."""

import os

import streamlit as st

from app_pages import common, narrator
from rnnplay import figures

LIVE_EVERY_S = float(os.environ.get("RNNPLAY_LIVE_EVERY", "0.5"))
STATE_TEXT = {
    "ready": "ready",
    "running": "training…",
    "paused": "paused",
    "done": "finished",
    "stopped": "stopped",
    "diverged": "diverged",
    "error": "error",
}

st.title("Playground")
st.caption(
    "Pick a task and a model in the sidebar, press **Train**, and watch it learn. Every setting is in "
    "the page's URL: copy it to share exactly this configuration."
)
config, problems = common.config_controls(st.sidebar)
for p in problems:
    st.warning(f"Share link: {p}", icon=":material/warning:")
run = common.current_run(config)
narrator.show(run, page="playground")  # S6: the lesson panel when the URL has ?lesson=<id>


def train_clicked() -> None:
    # an untouched run already follows the widgets (common.current_run); a finished one starts anew
    if run.state in ("done", "stopped", "diverged", "error"):
        common.reset_run(run, config)
    run.start()


def reset_clicked() -> None:
    common.reset_run(run, config)


def apply_live_clicked() -> None:
    """C3: learning rate and clipping change while training, at the next step."""
    if config.lr != run.config.lr:
        run.set_lr(config.lr)
    if (config.clip_mode, config.clip) != (run.config.clip_mode, run.config.clip):
        run.set_clip(config.clip_mode, config.clip)


state = run.state
c = st.columns([1.2, 1, 1, 1.2, 1, 2.6])
train_label = {"paused": "Resume", "running": "Training"}.get(state, "Train")
if state in ("done", "stopped", "diverged", "error"):
    train_label = "Train anew"
c[0].button(
    train_label,
    on_click=train_clicked,
    disabled=state == "running",
    type="primary",
    key="btn_train",
    icon=":material/play_arrow:",
)
c[1].button("Pause", on_click=run.pause, disabled=state != "running", key="btn_pause", icon=":material/pause:")
c[2].button(
    "Stop", on_click=run.stop, disabled=state not in ("running", "paused"), key="btn_stop", icon=":material/stop:"
)
c[3].button(
    "Step one batch",
    on_click=run.step_one,
    disabled=state not in ("ready", "paused"),
    key="btn_step",
    icon=":material/skip_next:",
)
c[4].button("Reset", on_click=reset_clicked, key="btn_reset", icon=":material/restart_alt:")
paused_view = c[5].toggle(
    "Pause live updates (to zoom)",
    key="freeze",
    help="Live redraws reset a chart's zoom; pause them while you inspect.",
)

pending = {k for k, v in config.to_dict().items() if getattr(run.config, k) != v}
if pending and run.trainer.steps_done > 0:
    live = pending <= {"lr", "clip_mode", "clip"} and state in ("running", "paused")
    with st.container(border=True):
        st.markdown(
            f"Changed since this run started: **{', '.join(sorted(pending))}**. "
            + (
                "Apply now to the running model, or Reset to start over."
                if live
                else "Press **Reset** (or **Train anew**) to train with them."
            )
        )
        if live:
            st.button("Apply to the running model", on_click=apply_live_clicked, key="btn_apply")

arch_states = ["hidden"] + {
    "lstm": ["input", "forget", "cell", "output", "cell state"],
    "gru": ["reset", "update", "new"],
}.get(run.config.arch, [])
interval = LIVE_EVERY_S if state == "running" and not paused_view else None


def text_view(view: dict) -> None:
    """charlm's V6: next-character predictions, then text sampled from the model."""
    st.markdown("**Next-character prediction**")
    st.code(f"input     {view['input']}\ntarget    {view['target']}\npredicted {view['predicted']}", language=None)
    temperature = view.get("temperature", run.config.temperature)
    st.markdown(
        f"**Sampled text** (temperature {temperature:g})"
        + (f", primed with “{view['prime']}”" if view.get("prime") else "")
    )
    st.code(view["sample"], language=None)


@st.fragment(run_every=interval)
def live_view() -> None:
    snap = run.snapshot()
    done, total = snap["steps_done"], snap["steps_total"]
    st.progress(
        min(done / total, 1.0),
        text=f"step {done} / {total} · {snap['steps_per_s']:.0f} steps/s · {STATE_TEXT[snap['state']]}",
    )
    if snap["state"] == "diverged":
        st.error(f"Training stopped: {snap['message']}", icon=":material/error:")
    elif snap["state"] == "error":
        st.error(f"Training failed: {snap['message']}")
    common.diagnosis_panel(snap)
    left, right = st.columns(2)
    left.plotly_chart(figures.loss_figure(snap, log_y=st.session_state.get("loss_log", False)), key="loss")
    right.plotly_chart(figures.metric_figure(snap), key="metric")
    left.plotly_chart(figures.grad_norm_figure(snap), key="grad_norm")
    right.plotly_chart(figures.grad_through_time_figure(snap), key="gtt")
    left.plotly_chart(figures.grad_through_time_heatmap(snap), key="gtt_heatmap")
    right.plotly_chart(figures.hidden_figure(snap, st.session_state.get("hidden_which", "hidden")), key="hidden")
    view = snap["task_view"]
    fig = figures.task_view_figure(view)
    if fig is not None:
        left.plotly_chart(fig, key="task_view")
    elif view and view.get("kind") == "text":
        with left.container(border=True, key="task_view"):  # the key lets a lesson outline it
            text_view(view)
    right.plotly_chart(figures.spectral_figure(snap), key="spectral")
    if interval is not None and snap["state"] != "running":
        st.rerun()  # training ended: one full run to update the buttons and stop polling


o1, o2, _ = st.columns([1, 1.4, 3])
o1.toggle("Log-scale loss", key="loss_log")
o2.selectbox("Activations to show", arch_states, key="hidden_which", label_visibility="collapsed")
live_view()

task_cls = type(run.trainer.task)
if task_cls.try_it_label or task_cls.try_it_choices:
    with st.container(border=True):
        st.markdown("**Try it** on the model as it is now (it keeps training meanwhile)")
        if task_cls.try_it_choices:
            choice = st.segmented_control(
                "Class", task_cls.try_it_choices, default=task_cls.try_it_choices[0], key=f"try_{task_cls.name}"
            )
            query = choice or task_cls.try_it_choices[0]
        else:
            query = st.text_input(
                task_cls.try_it_label,
                value=run.trainer.task.try_it_example,  # may depend on the config (sentiment's language)
                max_chars=300,
                key=f"try_{task_cls.name}",
                help="Press Enter to run the model on it.",
            )
        if run.trainer.steps_done == 0:
            st.caption("An untrained model answers at random: press Train first, then try again.")
        try:
            result = run.try_it(query)
        except ValueError as e:
            st.warning(str(e), icon=":material/edit:")
        else:
            fig = figures.task_view_figure(result)
            if fig is not None:
                st.plotly_chart(fig, key="try_it_chart")
            elif result.get("kind") == "text":
                text_view(result)

with st.expander("How to read these charts"):
    st.markdown(
        "- **Loss / metric**: training (blue, averaged per bucket of steps) and validation (orange); the dashed "
        "line is chance — what a model that ignores the sequence would get.\n"
        "- **Gradient norm**: the size of the whole gradient at each step, before and after clipping. Spikes are "
        "*exploding* gradients; clipping caps them at the red threshold.\n"
        "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t, "
        "through every later step (log scale). A curve that falls steeply to the left means the gradient "
        "*vanished*: early inputs cannot be learned. h₁/h_T is the ratio of the two ends.\n"
        "- **Heatmap over training**: the same curve at every probe, one row per training step.\n"
        "- **Hidden activations**: each unit (row) at each time step (column) for one sample, its input on the "
        "axis; for LSTM/GRU pick a gate above. Units stuck at ±1 are *saturated* and pass almost no gradient.\n"
        "- **Spectral radius** of W_hh: above 1 the recurrence can amplify, below 1 it shrinks signals."
    )

with st.expander("Export / import (S3)"):
    from rnnplay import export

    trained = run.trainer.steps_done > 0
    st.markdown("Take the run home: its numbers, its settings, its weights, or a plain PyTorch script.")
    d = st.columns(4)
    d[0].download_button(
        "Metrics (CSV)",
        lambda: export.metrics_csv(run.snapshot()),
        "rnnplay_metrics.csv",
        "text/csv",
        key="dl_csv",
        disabled=not trained,
    )
    d[1].download_button(
        "Settings (JSON)", export.config_json(run.config), "rnnplay_config.json", "application/json", key="dl_config"
    )

    def weights() -> bytes:
        with run.between_steps():  # a consistent copy of the weights
            return export.weights_safetensors(run.trainer)

    # callables: the files are made when the learner clicks, not at every rerun
    d[2].download_button(
        "Weights (safetensors)", weights, "rnnplay_weights.safetensors", "application/octet-stream", key="dl_weights"
    )
    if run.config.task in export.SCRIPT_TASKS:
        d[3].download_button(
            "PyTorch script",
            export.pytorch_script(run.config),
            "rnn_run.py",
            "text/x-python",
            key="dl_script",
            help="Runs without rnnplay; same seed, same losses as this run (tested to 1e-5).",
        )
    else:
        d[3].caption(f"A plain PyTorch script is exported for {', '.join(export.SCRIPT_TASKS)}.")
    st.markdown("**Import**")
    i1, i2 = st.columns(2)
    cfg_file = i1.file_uploader("Settings (JSON)", type=["json"], key="up_config", max_upload_size=3)
    if cfg_file is not None:
        try:
            imported = export.load_config_json(cfg_file.getvalue())
        except (ValueError, TypeError) as e:
            i1.error(f"{cfg_file.name}: {e}")
        else:
            i1.page_link(
                "app_pages/playground.py",
                label=f"Open these settings ({imported.task}, {imported.arch})",
                icon=":material/open_in_new:",
                query_params={k: str(v) for k, v in imported.changed_fields().items()},
            )
    w_file = i2.file_uploader(
        "Weights (safetensors) into this run",
        type=["safetensors"],
        key="up_weights",
        max_upload_size=50,
        help="The architecture must match this run's settings; the run then continues from these weights.",
    )
    if w_file is not None and st.session_state.get("_loaded_weights") != w_file.file_id:
        run.pause()
        try:
            with run.between_steps():
                export.load_weights(run.trainer, w_file.getvalue())
        except (ValueError, TypeError) as e:
            i2.error(f"{w_file.name}: {e}")
        else:
            st.session_state["_loaded_weights"] = w_file.file_id
            i2.success(f"Loaded {w_file.name}: press Train to continue from these weights.")

with st.expander("Share this configuration"):
    st.markdown("Anyone who opens this link gets exactly this configuration:")
    st.code(common.share_url(config), language=None)
    if config.series:
        st.caption("Your CSV series is not in the link (it stays in this browser session): share the file too.")
