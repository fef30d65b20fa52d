"""Playground: configure (sidebar, bound to the URL), train in the background, watch live charts."""

import os
import time

import streamlit as st

from app_pages import narrator
from app_pages.i18n import lang, tr
from app_pages.ui import controls, links, panels, teacher
from app_pages.ui.run_bar import run_bar
from app_pages.ui.session_run import current_run, reset_run, restore_widgets
from rnnplay import figures, hosted, untrusted
from rnnplay.i18n import N_, localize
from rnnplay.tasks.base import localize_view

# 1 Hz: Streamlit remounts a Plotly chart whose data changed, and at 2 Hz Chromium spent a whole core on it,
# taking it from the training thread on 2 cores (docs/benchmarks.md, the final run of the performance table)
LIVE_EVERY_S = float(os.environ.get("RNNPLAY_LIVE_EVERY", "1.0"))
FIRST_POINT_WAIT_S = 0.3  # Train waits at most this long for the first step (P3); the GIL is free meanwhile
PROBE_CHARTS_EVERY_S = float(os.environ.get("RNNPLAY_PROBE_CHARTS_EVERY", "1.5"))  # see probe_charts
STATE_TEXT = {
    "ready": N_("ready"),
    "running": N_("training…"),
    "paused": N_("paused"),
    "done": N_("finished"),
    "stopped": N_("stopped"),
    "diverged": N_("diverged"),
    "error": N_("error"),
    "queued": N_("queued"),  # with its place in line: panels.state_text
}

st.title(tr("Playground"))
st.caption(
    tr(
        "Pick a task and a model in the sidebar, press **Train**, and watch it learn. Every setting is in "
        "the page's URL: copy it to share exactly this configuration."
    )
)
restore_widgets()  # a run reopened from ?run= shows its own settings
config, problems = controls.config_controls(st.sidebar)
for p in problems:
    st.warning(tr("Share link: {problem}", problem=p), icon=":material/warning:")
for p in controls.cap_errors():  # over this server's caps (hosted)
    st.error(p, icon=":material/block:")
run = current_run(config)
narrator.show(run, page="playground")  # S6: the lesson panel when the URL has ?lesson=<id>


def train_clicked() -> None:
    # an untouched run already follows the widgets (current_run); a finished one starts anew
    if run.state in ("done", "stopped", "diverged", "error"):
        reset_run(run, config)
    before = run.trainer.steps_done
    run.start()
    # P3: this page run redraws the loss, metric and gradient norm with the first step; the probe charts keep
    # what they showed until the live view's next tick, so that Chromium draws 3 charts anew first, not 8
    st.session_state["_hold_probe_charts"] = True
    # P3: the page run this click starts draws the first point when the first step is in the history by then
    # (a step is recorded before its probe); otherwise the chart waits for the live view's next tick
    run.wait_for_step(before, FIRST_POINT_WAIT_S)


def reset_clicked() -> None:
    reset_run(run, config)


def apply_live_clicked() -> None:
    """C3: learning rate and clipping change while training, at the next step."""
    if config.lr != run.config.lr:
        run.set_lr(config.lr)
    if (config.clip_mode, config.clip) != (run.config.clip_mode, run.config.clip):
        run.set_clip(config.clip_mode, config.clip)


state = run.state
paused_view = run_bar(
    state,
    on_train=train_clicked,
    on_pause=run.pause,
    on_stop=run.stop,
    on_step=run.step_one,
    on_reset=reset_clicked,
    busy_label=tr("Training"),
    anew_states=("done", "stopped", "diverged", "error"),
    train_disabled=controls.over_caps(),  # even the task's defaults are over this server's caps (hosted)
    widths=[1.2, 1, 1, 1.4, 1, 2.4],  # room for the longest label (单步训练一批)
    freeze_help=tr("Live redraws reset a chart's zoom; pause them while you inspect."),
)

pending = {k for k, v in config.to_dict().items() if getattr(run.config, k) != v}
if pending and run.trainer.steps_done > 0:
    live = pending <= {"lr", "clip_mode", "clip"} and state in ("running", "paused")
    with st.container(border=True):
        st.markdown(
            tr("Changed since this run started: **{fields}**.", fields=", ".join(sorted(pending)))
            + " "
            + (
                tr("Apply now to the running model, or Reset to start over.")
                if live
                else tr("Press **Reset** (or **Train anew**) to train with them.")
            )
        )
        if live:
            st.button(tr("Apply to the running model"), on_click=apply_live_clicked, key="btn_apply")

# the figure's own names (N_: the selectbox shows them translated; the widget is not in the URL)
arch_states = [N_("hidden")] + {
    "lstm": [N_("input"), N_("forget"), N_("cell"), N_("output"), N_("cell state")],
    "gru": [N_("reset"), N_("update"), N_("new")],
}.get(run.config.arch, [])
# R6: paced by the server's load (hosted.PACER): 1 Hz for one learner, slower when a class trains at once
live = state in ("running", "queued") and not paused_view
interval = hosted.PACER.interval(LIVE_EVERY_S, queued=state == "queued") if live else None


def text_view(view: dict) -> None:
    """charlm's V6: next-character predictions, then text sampled from the model."""
    st.markdown(tr("**Next-character prediction**"))
    names = [tr("input"), tr("target"), tr("predicted")]
    width = max(map(len, names)) + 1
    rows = zip(names, (view["input"], view["target"], view["predicted"]), strict=True)
    st.code("\n".join(f"{name.ljust(width)}{text}" for name, text in rows), language=None)
    temperature = view.get("temperature", run.config.temperature)
    st.markdown(
        tr("**Sampled text** (temperature {temperature})", temperature=f"{temperature:g}")
        + (tr(", primed with “{prime}”", prime=view["prime"]) if view.get("prime") else "")
    )
    st.code(view["sample"], language=None)


def hidden_which() -> str:
    """The activations picked above, as the figure's code ("forget", not its translation)."""
    shown = st.session_state.get("hidden_which", "hidden")
    return {tr(s): s for s in arch_states}.get(shown, shown if shown in arch_states else "hidden")


@st.fragment(run_every=interval)
def live_view() -> None:
    cpu0 = time.thread_time()
    snap = run.snapshot()
    done, total = snap["steps_done"], snap["steps_total"]
    st.progress(
        min(done / total, 1.0),
        text=tr(
            "step {done} / {total} · {rate} steps/s · {state}",
            done=done,
            total=total,
            rate=f"{snap['steps_per_s']:.0f}",
            state=panels.state_text(snap, STATE_TEXT),
        ),
    )
    if snap["state"] == "diverged":
        st.error(tr("Training stopped: {message}", message=panels.run_message(snap)), icon=":material/error:")
    elif snap["state"] == "error":
        st.error(tr("Training failed: {message}", message=panels.run_message(snap)))
    panels.hosted_notice(snap)  # refused (the server is busy), or paused because nobody was looking
    panels.diagnosis_panel(snap)
    left, right = st.columns(2)
    with figures.compact():  # typed arrays and a trimmed template: smaller, cheaper redraws (same charts)
        live_charts(snap, left, right)
    hosted.PACER.record(time.thread_time() - cpu0)
    if interval is not None and snap["state"] not in ("running", "queued"):
        st.rerun()  # training ended: one full run to update the buttons and stop polling
    if hosted.PACER.should_repace(interval, hosted.PACER.interval(LIVE_EVERY_S, queued=snap["state"] == "queued")):
        st.rerun()  # the server got busier or quieter (or the queue let this run in): a new pace


def probe_charts(snap: dict) -> dict:
    """The charts drawn from the probes (gradient through time, its heatmap, hidden states, task view, spectral
    radius), cached in the session. While training they move to a newer probe at most every PROBE_CHARTS_EVERY_S:
    Streamlit remounts a Plotly chart whose spec changed (the browser draws it anew, ~0.1 s of CPU a chart),
    while one sent again unchanged stays as it is. Another run, language or gate, or a run that stopped, shows
    its latest probe at once."""
    which = hidden_which()
    chosen = (run.id, lang(), which)
    version = (snap["probes"][-1]["step"] if snap["probes"] else None, len(snap["probes"]), id(snap["task_view"]))
    cached = st.session_state.get("_probe_charts")
    held = st.session_state.pop("_hold_probe_charts", False)  # the page run a Train click started (P3)
    if cached is not None and cached["chosen"] == chosen:
        fresh = cached["version"] == version
        if fresh or (snap["state"] == "running" and (held or time.monotonic() - cached["t"] < PROBE_CHARTS_EVERY_S)):
            return cached["charts"]
    charts = figures.live_figures(snap, figures.PROBE_CHARTS, which=which, lang=lang())
    charts["view"] = snap["task_view"]  # kept alive with the cache, so its id() stays its own
    st.session_state["_probe_charts"] = {"chosen": chosen, "version": version, "t": time.monotonic(), "charts": charts}
    return charts


def live_charts(snap: dict, left, right) -> None:
    core = figures.live_figures(snap, figures.CORE_CHARTS, log_y=st.session_state.get("loss_log", False), lang=lang())
    left.plotly_chart(core["loss"], key="loss")
    right.plotly_chart(core["metric"], key="metric")
    left.plotly_chart(core["grad_norm"], key="grad_norm")
    probe = probe_charts(snap)
    right.plotly_chart(probe["gtt"], key="gtt")
    left.plotly_chart(probe["gtt_heatmap"], key="gtt_heatmap")
    right.plotly_chart(probe["hidden"], key="hidden")
    view = probe["view"]
    if probe["task_view"] is not None:
        left.plotly_chart(probe["task_view"], key="task_view")
    elif view and view.get("kind") == "text":
        with left.container(border=True, key="task_view"):  # the key lets a lesson outline it
            text_view(view)
    right.plotly_chart(probe["spectral"], key="spectral")


o1, o2, _ = st.columns([1, 1.4, 3])
o1.toggle(tr("Log-scale loss"), key="loss_log")
# shown by their translated names (no format_func: AppTest cannot map those back); the figure gets the code
o2.selectbox(tr("Activations to show"), [tr(s) for s in arch_states], key="hidden_which", label_visibility="collapsed")
live_view()

task_cls = type(run.trainer.task)
if (task_cls.try_it_label or task_cls.try_it_choices) and not teacher.hides("try_it"):
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
                value=run.trainer.task.try_it_example,  # may depend on the config (sentiment's language)
                key=f"try_{task_cls.name}",  # no max_chars: a long paste gets a message, not a silent cut
                help=tr("Press Enter to run the model on it."),
            )
        if run.trainer.steps_done == 0:
            st.caption(tr("An untrained model answers at random: press Train first, then try again."))
        try:
            label = tr(task_cls.try_it_label or "")
            too_long = untrusted.text_problem(label, query, untrusted.MAX_INPUT_CHARS, lang())
            if too_long:
                raise ValueError(too_long)
            result = run.try_it(query)
        except ValueError as e:
            st.warning(localize(e, lang()), icon=":material/edit:")
        else:
            fig = figures.task_view_figure(localize_view(result, lang()), lang=lang())
            if fig is not None:
                st.plotly_chart(fig, key="try_it_chart")
            elif result.get("kind") == "text":
                text_view(result)

if not teacher.hides("howto"):  # S5: a teacher link may hide page parts
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
                "the axis; for LSTM/GRU pick a gate above. Units stuck at ±1 are *saturated* and pass almost no "
                "gradient.\n"
                "- **Spectral radius** of W_hh: above 1 the recurrence can amplify, below 1 it shrinks signals."
            )
        )

if not teacher.hides("export"):
    with st.expander(tr("Export / import (S3)")):
        from rnnplay import export

        trained = run.trainer.steps_done > 0
        st.markdown(tr("Take the run home: its numbers, its settings, its weights, or a plain PyTorch script."))
        # callables: the files are made when the learner clicks, not at every rerun; on_click="ignore": a download
        # reruns nothing (a rerun would redraw the page under the pointer while the file is fetched)
        d = st.columns(4)
        d[0].download_button(
            tr("Metrics (CSV)"),
            lambda: export.metrics_csv(run.snapshot()),
            "rnnplay_metrics.csv",
            "text/csv",
            key="dl_csv",
            on_click="ignore",
            disabled=not trained,
        )
        d[1].download_button(
            tr("Settings (JSON)"),
            lambda: export.config_json(run.config),
            "rnnplay_config.json",
            "application/json",
            key="dl_config",
            on_click="ignore",
        )

        def weights() -> bytes:
            with run.between_steps():  # a consistent copy of the weights
                return export.weights_safetensors(run.trainer)

        d[2].download_button(
            tr("Weights (safetensors)"),
            weights,
            "rnnplay_weights.safetensors",
            "application/octet-stream",
            key="dl_weights",
            on_click="ignore",
        )
        if run.config.task in export.SCRIPT_TASKS:
            d[3].download_button(
                tr("PyTorch script"),
                lambda: export.pytorch_script(run.config),  # a corpus is written out whole: ~100 kB
                "rnn_run.py",
                "text/x-python",
                key="dl_script",
                on_click="ignore",
                help=tr("Runs without rnnplay; same seed, same losses as this run (tested to 1e-5)."),
            )
        else:
            d[3].caption(tr("A plain PyTorch script is exported for {tasks}.", tasks=", ".join(export.SCRIPT_TASKS)))
        st.markdown(tr("**Import**"))
        i1, i2 = st.columns(2)
        cfg_label = N_("Settings (JSON)")
        cfg_file = i1.file_uploader(
            tr(cfg_label), type=["json"], key="up_config", max_upload_size=untrusted.MAX_CONFIG_MB
        )
        if cfg_file is not None:
            # R1: name and size first, then the JSON reader (never pickle); a refusal changes nothing
            problem = untrusted.upload_problem(
                tr(cfg_label), cfg_file.name, cfg_file.size, untrusted.MAX_CONFIG_MB, (".json",), lang()
            )
            try:
                if problem:
                    raise ValueError(problem)
                imported = export.load_config_json(cfg_file.getvalue())
            except (ValueError, TypeError) as e:
                i1.error(str(e) if problem else f"{cfg_file.name}: {localize(e, lang())}", icon=":material/block:")
            else:
                i1.page_link(
                    "app_pages/playground.py",
                    label=tr("Open these settings ({task}, {arch})", task=imported.task, arch=imported.arch),
                    icon=":material/open_in_new:",
                    query_params={k: str(v) for k, v in imported.changed_fields().items()},
                )
        w_label = N_("Weights (safetensors) into this run")
        w_file = i2.file_uploader(
            tr(w_label),
            # R5: no type filter, so a pickled .pt reaches the check below and is refused with the reason
            # (the browser's own refusal would only say ".pt files are not allowed")
            type=None,
            key="up_weights",
            max_upload_size=untrusted.MAX_WEIGHTS_MB,
            help=tr(
                "Only .safetensors files (Export → Weights), up to {mb} MB. The architecture must match this "
                "run's settings; the run then continues from these weights. Pickled checkpoints (.pt, .pth, "
                ".ckpt) are refused: loading one can run code hidden in it.",
                mb=untrusted.MAX_WEIGHTS_MB,
            ),
        )
        if w_file is not None and st.session_state.get("_loaded_weights") != w_file.file_id:
            # checked before the run is touched: a refused file leaves it training (or paused) as it was
            problem = untrusted.upload_problem(
                tr(w_label), w_file.name, w_file.size, untrusted.MAX_WEIGHTS_MB, (".safetensors",), lang()
            )
            try:
                if problem:
                    raise ValueError(problem)
                with run.between_steps():
                    export.load_weights(run.trainer, w_file.getvalue())
            except (ValueError, TypeError) as e:
                i2.error(str(e) if problem else f"{w_file.name}: {localize(e, lang())}", icon=":material/block:")
            else:
                run.pause()
                st.session_state["_loaded_weights"] = w_file.file_id
                i2.success(tr("Loaded {name}: press Train to continue from these weights.", name=w_file.name))

if not teacher.hides("share"):
    with st.expander(tr("Share this configuration"), icon=":material/share:"):
        st.markdown(tr("Anyone who opens this link gets exactly this configuration, in this language:"))
        with st.container(key="share_link"):
            st.code(links.share_url(config), language=None, wrap_lines=True)
        st.caption(tr("Copy it with the button at the right of the link. It holds no run: each visitor trains anew."))
        if config.series:
            st.caption(tr("Your CSV series is not in the link (it stays in this browser session): share the file too."))
if not teacher.hides("teacher"):
    teacher.panel(config)  # S5: hide and lock controls for a class
