"""rnnplay.figures as data: each figure function on a real snapshot of a short TrainingRun returns a
go.Figure with the expected traces, axes and reference lines (chance, clip threshold, events), no
zeros on log axes, heatmaps shaped units x T and probes x T, a view per task; and every figure
passes plotly's own validation (export() rebuilds it validated)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from rnnplay import figures
from rnnplay.config import make_config
from rnnplay.probes import EPS
from rnnplay.session import TrainingRun

T, H = 6, 5


def _finished_snapshot(task: str, steps: int = 12, **kw) -> dict:
    run = TrainingRun(
        make_config(task, steps=steps, **{"hidden_size": H, "seq_len": T, "batch_size": 4, "device": "cpu", **kw}),
        min_probe_interval_s=0.0,
    )
    try:
        run.step_one()
        run.set_lr(run.config.lr / 2)  # an event for the loss chart
        run.start()
        run.join(30)
        snap = run.snapshot()
    finally:
        run.stop()
    assert snap["state"] == "done", snap["message"]
    return snap


@pytest.fixture(scope="module")
def adding_snap():
    return _finished_snapshot("adding", clip_mode="norm", clip=0.5)  # many-to-one regression, clipped


@pytest.fixture(scope="module")
def lstm_snap():
    return _finished_snapshot("majority", arch="lstm", clip_mode="off")


def _shapes(fig: go.Figure) -> list[dict]:
    return [s.to_plotly_json() if hasattr(s, "to_plotly_json") else s for s in fig.layout.shapes]


def _horizontal_lines_at(fig: go.Figure) -> list[float]:
    return [s["y0"] for s in _shapes(fig) if s.get("xref") == "paper" and s["y0"] == s["y1"]]


def test_loss_figure_has_train_and_validation_loss_chance_line_and_event_marks(adding_snap):
    fig = figures.loss_figure(adding_snap)
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names == ["train loss", "validation loss"]
    assert list(fig.data[0].x) == adding_snap["history"]["step"]
    assert list(fig.data[1].x) == adding_snap["val"]["step"]
    assert _horizontal_lines_at(fig) == [pytest.approx(1 / 6)]
    vlines = [s for s in _shapes(fig) if s.get("yref") == "paper"]
    assert [s["x0"] for s in vlines] == [step for step, _ in adding_snap["events"]] == [1]
    assert fig.layout.yaxis.type == "linear"
    assert figures.loss_figure(adding_snap, log_y=True).layout.yaxis.type == "log"


def test_loss_figure_draws_non_finite_losses_as_gaps(adding_snap):
    snap = {
        **adding_snap,
        "history": {**adding_snap["history"], "loss": [1.0, float("nan"), float("inf")]},
        "val": {"step": [], "loss": [], "metric": []},
    }
    snap["history"]["step"] = [1, 2, 3]
    fig = figures.loss_figure(snap)
    assert list(fig.data[0].y) == [1.0, None, None]


def test_metric_figure_for_accuracy_and_mse(adding_snap, lstm_snap):
    acc = figures.metric_figure(lstm_snap)
    assert [t.name for t in acc.data] == ["train accuracy", "validation accuracy"]
    assert list(acc.layout.yaxis.range) == [0, 1.02]
    assert _horizontal_lines_at(acc) == [pytest.approx(lstm_snap["task"]["chance"])]
    mse = figures.metric_figure(adding_snap)
    assert [t.name for t in mse.data] == ["train mse", "validation mse"] and mse.layout.yaxis.range is None


def test_grad_norm_figure_draws_threshold_line_only_when_clipping_by_norm(adding_snap, lstm_snap):
    fig = figures.grad_norm_figure(adding_snap)
    assert [t.name for t in fig.data] == ["before clipping", "after clipping"]
    assert _horizontal_lines_at(fig) == [0.5]
    assert fig.layout.yaxis.type == "log"
    assert all(b <= 0.5 + 1e-5 for b in fig.data[1].y)
    off = figures.grad_norm_figure(lstm_snap)
    assert [t.name for t in off.data] == ["before clipping"] and _horizontal_lines_at(off) == []
    value = {**lstm_snap, "config": lstm_snap["config"].replace(clip_mode="value")}
    fig = figures.grad_norm_figure(value)
    assert len(fig.data) == 2 and _horizontal_lines_at(fig) == []


def test_grad_through_time_figure_is_log_scale_with_one_positive_point_per_step(adding_snap):
    fig = figures.grad_through_time_figure(adding_snap)
    (trace,) = fig.data
    assert fig.layout.yaxis.type == "log"
    assert list(trace.x) == list(range(1, T + 1))
    assert len(trace.y) == T and all(v > 0 for v in trace.y)
    ratio = figures.vanishing_ratio(adding_snap["latest_probe"]["grad_through_time"])
    assert f"{ratio:.1e}" in fig.layout.title.text


def test_grad_through_time_figure_shows_no_zeros_or_nans_on_the_log_axis(adding_snap):
    probe = {**adding_snap["latest_probe"], "grad_through_time": [0.0, float("nan"), 1e-3, 0.5, 0.0, 1.0]}
    fig = figures.grad_through_time_figure({**adding_snap, "latest_probe": probe})
    assert all(v > 0 and math.isfinite(v) for v in fig.data[0].y)
    assert fig.data[0].y[0] == EPS and fig.data[0].y[-1] == 1.0


def test_grad_through_time_figure_without_a_probe_is_empty_not_an_error():
    fig = figures.grad_through_time_figure({"latest_probe": None})
    assert list(fig.data[0].y) == [] and fig.layout.yaxis.type == "log"


def test_grad_through_time_heatmap_is_probes_by_time_steps_in_log10(adding_snap):
    fig = figures.grad_through_time_heatmap(adding_snap)
    (hm,) = fig.data
    assert hm.type == "heatmap"
    rows = adding_snap["probes"]
    assert np.asarray(hm.z).shape == (len(rows), T)
    assert list(hm.x) == list(range(1, T + 1)) and list(hm.y) == [r["step"] for r in rows]
    np.testing.assert_allclose(np.asarray(hm.z)[-1], np.log10(rows[-1]["grad_through_time"]), rtol=1e-5)
    assert figures.grad_through_time_heatmap({"probes": []}).data == ()


def test_hidden_figure_heatmap_is_units_by_time_with_inputs_on_the_axis(adding_snap):
    fig = figures.hidden_figure(adding_snap)
    (hm,) = fig.data
    assert np.asarray(hm.z).shape == (H, T)  # units x T
    labels = adding_snap["latest_probe"]["input_labels"]
    assert list(hm.x) == [f"{t + 1}:{lab}" for t, lab in enumerate(labels)] and len(hm.x) == T
    assert "saturated" in fig.layout.title.text
    assert figures.hidden_figure(adding_snap, max_units=2).data[0].z.shape == (2, T)


@pytest.mark.parametrize("which", ["input", "forget", "cell", "output", "cell state"])
def test_hidden_figure_draws_each_lstm_gate_and_the_cell_state(lstm_snap, which):
    fig = figures.hidden_figure(lstm_snap, which=which)
    assert np.asarray(fig.data[0].z).shape == (H, T)
    assert which in fig.layout.title.text


def test_spectral_figure_tracks_the_radius_with_a_line_at_one(adding_snap):
    fig = figures.spectral_figure(adding_snap)
    assert list(fig.data[0].y) == adding_snap["spectral"]["radius"] and all(r > 0 for r in fig.data[0].y)
    assert _horizontal_lines_at(fig) == [1.0]


def test_task_view_figure_for_every_task_kind(adding_snap, lstm_snap):
    scatter = figures.task_view_figure(adding_snap["task_view"])
    assert [t.name for t in scatter.data] == ["samples", "perfect", "always 1 (chance)"]
    assert len(scatter.data[0].x) == 100
    bars = figures.task_view_figure(lstm_snap["task_view"])
    assert bars.data[0].type == "bar" and len(bars.data[0].y) == T
    sine = _finished_snapshot("sine", steps=3)
    forecast = figures.task_view_figure(sine["task_view"])
    assert [t.name for t in forecast.data] == ["truth", "one-step forecast", "autoregressive forecast"]
    assert figures.task_view_figure({"kind": "text", "input": "hello"}) is None
    assert figures.task_view_figure(None) is None


def test_every_figure_passes_plotly_validation(adding_snap, lstm_snap):
    figs = [
        figures.loss_figure(adding_snap, log_y=True),
        figures.metric_figure(lstm_snap),
        figures.grad_norm_figure(adding_snap),
        figures.grad_through_time_figure(adding_snap),
        figures.grad_through_time_heatmap(adding_snap),
        figures.hidden_figure(lstm_snap, "cell state"),
        figures.spectral_figure(adding_snap),
        figures.task_view_figure(adding_snap["task_view"]),
        figures.task_view_figure(lstm_snap["task_view"]),
    ]
    for fig in figs:
        out = figures.export(fig)  # go.Figure(dict) validates every property
        assert isinstance(out, go.Figure) and out.layout.template is not None
        assert len(out.data) == len(fig.data)
        fig.to_json()


def test_vanishing_ratio():
    assert figures.vanishing_ratio([1e-8, 1e-4, 1.0]) == pytest.approx(1e-8)
    assert figures.vanishing_ratio([0.0, 1.0]) == EPS
    assert figures.vanishing_ratio([1.0]) is None and figures.vanishing_ratio([1.0, 0.0]) is None


def test_charts_before_training_say_how_to_fill_them(adding_snap):
    run = TrainingRun(make_config("majority"))
    fresh = run.snapshot()
    for draw in (figures.loss_figure, figures.grad_through_time_figure, figures.hidden_figure):
        assert figures.EMPTY_TEXT in [a.text for a in draw(fresh).layout.annotations]
        assert figures.EMPTY_TEXT not in [a.text for a in draw(adding_snap).layout.annotations]
