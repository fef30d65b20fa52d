"""Take a run home and bring one back: its metrics (CSV), settings (JSON), weights (safetensors) or a
plain PyTorch script that reproduces it; settings and weights imported, each checked before use."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import tr
from app_pages.ui import links, teacher
from rnnplay import export, untrusted
from rnnplay.i18n import N_
from rnnplay.run.training_run import TrainingRun

EXCHANGE_BOX = "exchange_box"  # the panel's expander: its contents are drawn only while it is open


def exchange_panel(run: TrainingRun) -> None:
    """The Export / import expander. Closed, it is empty: its buttons and uploaders would be built at every page
    run, the Train click's too, while the training thread waits for the GIL (with the closed Teacher link panel's
    contents, 8 of a Playground page run's 40 ms of CPU: docs/benchmarks.md); opening it reruns the page."""
    box = st.expander(tr("Export / import"), icon=":material/swap_vert:", key=EXCHANGE_BOX, on_change="rerun")
    if not box.open:
        return
    with box:
        trained = run.steps_done > 0
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

        d[2].download_button(
            tr("Weights (safetensors)"),
            run.weights,  # a consistent copy, taken between two training steps
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
        st.fragment(_import)(run)


def _import(run: TrainingRun) -> None:
    """A fragment: a file reruns only it, so a student picking a pickle or a wrong file again and again costs
    this server a few milliseconds each time instead of a whole page run (which holds Python's GIL for tens of
    milliseconds and so slows every learner's training thread)."""
    st.markdown(tr("**Import**"))
    i1, i2 = st.columns(2)
    cfg_label = N_("Settings (JSON)")
    cfg_file = i1.file_uploader(tr(cfg_label), type=["json"], key="up_config", max_upload_size=untrusted.MAX_CONFIG_MB)
    if cfg_file is not None:
        # the JSON reader, never pickle; a refusal changes nothing
        ok, imported = _read(i1, cfg_label, cfg_file, untrusted.MAX_CONFIG_MB, ".json", export.load_config_json)
        if ok:
            # a share link's parameters (a long text by its reference), less what a teacher's view fixed
            room = st.session_state.get(teacher.SESSION_KEY, teacher.FREE)
            params = links.share_params(imported)
            kept = [k for k in params if room.fixed("text" if k == "text_ref" else k)]
            if kept:
                i1.caption(tr("Locked by your teacher, kept as they are: {names}", names=", ".join(kept)))
            i1.page_link(
                "app_pages/playground.py",
                label=tr("Open these settings ({task}, {arch})", task=imported.task, arch=imported.arch),
                icon=":material/open_in_new:",
                query_params={k: v for k, v in params.items() if k not in kept},
            )
    w_label = N_("Weights (safetensors) into this run")
    w_file = i2.file_uploader(
        tr(w_label),
        # never unpickled: no type filter, so a pickled .pt reaches the check below and is refused with the reason
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
        ok, _ = _read(i2, w_label, w_file, untrusted.MAX_WEIGHTS_MB, ".safetensors", run.load_weights)
        if ok:
            run.pause()  # a training run: the live view's next poll finds it paused and reruns the page
            st.session_state["_loaded_weights"] = w_file.file_id
            i2.success(
                tr(
                    "Loaded {name}: press Train to continue from these weights.",
                    name=untrusted.escape_markdown(w_file.name[:80]),
                )
            )


def _read(column, label: str, file, max_mb: int, suffix: str, read) -> tuple[bool, object]:
    """(True, `read(the file's bytes)`) once its name and size pass `untrusted.upload_problem` and `read` takes
    it; else (False, None) and a message in `column` naming the file and why it was refused."""
    problem = untrusted.upload_problem(tr(label), file.name, file.size, max_mb, (suffix,))
    try:
        if problem:
            raise ValueError(problem)
        return True, read(file.getvalue())
    except (ValueError, TypeError) as e:
        column.error(
            tr(e) if problem else f"{untrusted.escape_markdown(file.name[:80])}: {tr(e)}", icon=":material/block:"
        )
        return False, None
