"""rnnplay.figures as data: each figure function on a real snapshot of a short TrainingRun returns a
go.Figure with the expected traces, axes and reference lines (chance, clip threshold, events), no
zeros on log axes, heatmaps shaped units x T and probes x T, a view per task; and every figure
passes plotly's own validation (export() rebuilds it validated).

Readable from the back row, in English and Chinese, with or without Streamlit's template: log axes
label whole decades as powers of ten, no axis uses SI suffixes, validation curves mark their points
while they are few, reference lines are legend entries (no text printed on the plot), titles fit one
line of a half-width chart, the empty chart's hint has nothing crossing it, and every chart has an
explicit height, fonts, margins and colours of its own."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest

from app_pages.i18n import render, translator
from rnnplay import figures
from rnnplay.config import make_config
from rnnplay.probes import EPS
from rnnplay.run import RaceSnapshot, RunState, Snapshot
from rnnplay.run.training_run import TrainingRun

T, H = 6, 5
LANGS = ("en", "zh")


def _finished_snapshot(task: str, steps: int = 12, **kw) -> Snapshot:
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
    assert snap.state == "done", snap.message
    return snap


@pytest.fixture(scope="module")
def adding_snap():
    return _finished_snapshot("adding", clip_mode="norm", clip=0.5)  # many-to-one regression, clipped


@pytest.fixture(scope="module")
def lstm_snap():
    return _finished_snapshot("majority", arch="lstm", clip_mode="off")


@pytest.fixture(scope="module")
def fresh_snap():
    run = TrainingRun(make_config("majority", clip_mode="norm"))
    try:
        return run.snapshot()
    finally:
        run.stop()


def _shapes(fig: go.Figure) -> list[dict]:
    return [s.to_plotly_json() if hasattr(s, "to_plotly_json") else s for s in fig.layout.shapes]


def _spec(fig: go.Figure) -> dict:
    return fig.to_dict()


def _reference_lines(fig: go.Figure) -> dict[str, float]:
    """name -> y of every horizontal reference line drawn as a legend trace (chance, clip threshold, 1)."""
    return {
        tr.name: tr.y[0]
        for tr in fig.data
        if tr.type == "scatter" and tr.mode == "lines" and tr.line.dash and len(tr.y) == 2 and tr.y[0] == tr.y[1]
    }


def _legend_names(fig: go.Figure) -> list[str]:
    return [tr.name for tr in fig.data if tr.showlegend is not False]


def _axes(spec: dict) -> dict[str, dict]:
    return {k: v for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis"))}


def _race(*snaps: Snapshot) -> RaceSnapshot:
    return RaceSnapshot(runs=list(snaps), labels=[f"run {i}" for i in range(len(snaps))])


def every_figure(adding: Snapshot, lstm: Snapshot, lang: str) -> list[go.Figure]:
    """Every figure function of rnnplay.figures on real snapshots, the live ones as the Playground draws them."""
    say = translator(lang)
    probe = lstm.latest_probe
    race = _race(adding, lstm)
    return [
        *[f for snap in (adding, lstm) for f in figures.live_figures(snap, tr=say).values() if f is not None],
        figures.loss_figure(adding, log_y=True, tr=say),
        figures.hidden_figure(lstm, "forget", tr=say),
        figures.runs_loss_figure([adding, lstm], ["a", "b"], tr=say),
        figures.runs_grad_through_time_figure([adding, lstm], ["a", "b"], tr=say),
        figures.state_heatmap(probe["hidden"]["forget"], probe["input_labels"], "forget", tr=say),
        figures.state_heatmap(probe["hidden"]["hidden"], probe["input_labels"], "hidden", tr=say),
        figures.saturation_figure([0.0, 0.5, 1.0], ["0", "1", "1"], 0.5, "rule", tr=say),
        figures.pca_trajectory_figure([[0.0, 1.0], [1.0, 0.0]], ["0", "1"], [0.6, 0.3], 2, tr=say),
        figures.race_loss_figure(race, tr=say),
        figures.race_loss_figure(race, log_y=True, tr=say),
        figures.race_grad_through_time_figure(race, tr=say),
        *figures.race_heatmaps(race, tr=say),
        figures.race_spectral_figure(race, tr=say),
        figures.race_singular_values_figure(race, tr=say),
        figures.param_norms_figure(adding, tr=say),
        *figures.race_grad_norm_figures(race, tr=say),
        figures.task_view_figure(
            {
                "kind": "forecast",
                "t_truth": [0, 1, 2],
                "truth": [0, 1, 0],
                "t": [1, 2],
                "one_step": [1, 0],
                "t_auto": [1, 2],
                "auto": [1, 1],
            },
            say,
        ),
    ]


# what each figure shows ------------------------------------------------------------------------------
def test_loss_figure_has_train_and_validation_loss_chance_line_and_event_marks(adding_snap):
    fig = figures.loss_figure(adding_snap)
    assert isinstance(fig, go.Figure)
    assert _legend_names(fig) == ["train", "validation", "chance 0.167"]
    assert list(fig.data[0].x) == adding_snap.history["step"]
    assert list(fig.data[1].x) == adding_snap.val["step"]
    assert _reference_lines(fig) == {"chance 0.167": pytest.approx(1 / 6)}
    chance = fig.data[2]
    assert list(chance.x) == [1, adding_snap.history["step"][-1]]  # across the data, not past it
    vlines = [s for s in _shapes(fig) if s.get("yref") == "paper"]
    assert [s["x0"] for s in vlines] == [step for step, _ in adding_snap.events] == [1]
    (marks,) = [tr for tr in fig.data if tr.showlegend is False]  # what changed: in the hover, not printed
    assert list(marks.x) == [1] and list(marks.hovertext) == [adding_snap.events[0][1]]
    assert marks.y[0] == fig.data[0].y[0] and marks.hoverinfo == "text"
    assert fig.layout.annotations == ()
    assert fig.layout.yaxis.type == "linear"
    assert figures.loss_figure(adding_snap, log_y=True).layout.yaxis.type == "log"


def test_loss_figure_draws_non_finite_losses_as_gaps(adding_snap):
    snap = replace(
        adding_snap,
        history={**adding_snap.history, "loss": [1.0, float("nan"), float("inf")]},
        val={"step": [], "loss": [], "metric": []},
    )
    snap.history["step"] = [1, 2, 3]
    fig = figures.loss_figure(snap)
    assert list(fig.data[0].y) == [1.0, None, None]


def test_metric_figure_for_accuracy_and_mse(adding_snap, lstm_snap):
    acc = figures.metric_figure(lstm_snap)
    chance = lstm_snap.task.chance
    assert _legend_names(acc) == ["train", "validation", f"chance {chance:.3g}"]
    assert list(acc.layout.yaxis.range) == [0, 1.02]
    assert list(_reference_lines(acc).values()) == [pytest.approx(chance)]
    mse = figures.metric_figure(adding_snap)
    assert _legend_names(mse)[:2] == ["train", "validation"] and mse.layout.yaxis.range is None
    assert acc.layout.yaxis.title.text == "accuracy" and mse.layout.yaxis.title.text == "mse"


def test_grad_norm_figure_draws_threshold_line_only_when_clipping_by_norm(adding_snap, lstm_snap):
    fig = figures.grad_norm_figure(adding_snap)
    assert _legend_names(fig) == ["before clipping", "after clipping", "clip at 0.5"]
    assert _reference_lines(fig) == {"clip at 0.5": 0.5}
    assert fig.layout.yaxis.type == "log"
    assert all(b <= 0.5 + 1e-5 for b in fig.data[1].y)
    off = figures.grad_norm_figure(lstm_snap)
    assert _legend_names(off) == ["before clipping"] and _reference_lines(off) == {}
    value = replace(lstm_snap, config=lstm_snap.config.replace(clip_mode="value"))
    fig = figures.grad_norm_figure(value)
    assert len(fig.data) == 2 and _reference_lines(fig) == {}


def test_a_run_that_stopped_after_one_step_draws_its_one_gradient_norm_as_a_dot(adding_snap):
    """The exploding demo's unclipped run: one finite norm, then Inf. A line through one point draws nothing."""
    h = adding_snap.history
    one = replace(adding_snap, history={k: v[:1] for k, v in h.items()})
    (before, after, _) = figures.grad_norm_figure(one).data
    assert before.mode == after.mode == "lines+markers" and list(before.y) == [h["grad_norm"][0]]
    rows = {k: [*v, v[0]] for k, v in one.history.items()}  # a second step, its norm Inf
    rows["step"], rows["grad_norm"] = [h["step"][0], h["step"][0] + 1], [h["grad_norm"][0], math.inf]
    blown = replace(one, state="diverged", history=rows)
    (norm,) = figures.race_grad_norm_figures(_race(blown))
    assert norm.data[0].mode == "lines+markers" and list(norm.data[0].y) == [h["grad_norm"][0]]
    assert figures.grad_norm_figure(adding_snap).data[0].mode == "lines"


def test_grad_through_time_figure_is_log_scale_with_one_positive_point_per_step(adding_snap):
    fig = figures.grad_through_time_figure(adding_snap)
    (trace,) = fig.data
    assert fig.layout.yaxis.type == "log"
    assert list(trace.x) == list(range(1, T + 1))
    assert len(trace.y) == T and all(v > 0 for v in trace.y)
    ratio = figures.vanishing_ratio(adding_snap.latest_probe["grad_through_time"])
    assert f"{ratio:.1e}" in fig.layout.title.text
    assert fig.layout.title.text.endswith(f"(step {adding_snap.latest_probe['step']})")


def test_grad_through_time_figure_shows_no_zeros_or_nans_on_the_log_axis(adding_snap):
    probe = {**adding_snap.latest_probe, "grad_through_time": [0.0, float("nan"), 1e-3, 0.5, 0.0, 1.0]}
    fig = figures.grad_through_time_figure(replace(adding_snap, latest_probe=probe))
    assert all(v > 0 and math.isfinite(v) for v in fig.data[0].y)
    assert fig.data[0].y[0] == EPS and fig.data[0].y[-1] == 1.0


def test_grad_through_time_figure_without_a_probe_is_empty_not_an_error():
    fig = figures.grad_through_time_figure(Snapshot(latest_probe=None))
    assert list(fig.data[0].y) == [] and fig.layout.yaxis.type == "log"


def test_grad_through_time_heatmap_is_probes_by_time_steps_in_log10(adding_snap):
    fig = figures.grad_through_time_heatmap(adding_snap)
    (hm,) = fig.data
    assert hm.type == "heatmap"
    rows = adding_snap.probes
    assert np.asarray(hm.z).shape == (len(rows), T)
    steps = [r["step"] for r in rows]
    # each row spans from its probe's step to the next probe's: the axis never shows a step before the first
    assert list(hm.x) == list(range(1, T + 1)) and list(hm.y)[:-1] == steps and hm.y[-1] > steps[-1]
    np.testing.assert_allclose(np.asarray(hm.z)[-1], np.log10(rows[-1]["grad_through_time"]), rtol=1e-5)
    assert figures.grad_through_time_heatmap(Snapshot(probes=[])).data == ()


def test_race_heatmaps_share_one_colour_scale_and_zeros_do_not_stretch_it(adding_snap, lstm_snap):
    dead = replace(
        lstm_snap,
        probes=[{**r, "grad_through_time": [0.0, *r["grad_through_time"][1:]]} for r in lstm_snap.probes],
    )
    maps = figures.race_heatmaps(_race(adding_snap, dead))
    scales = {(f.data[0].zmin, f.data[0].zmax) for f in maps}
    assert len(scales) == 1
    ((lo, hi),) = scales
    logs = [math.log10(g) for s in (adding_snap, dead) for r in s.probes for g in r["grad_through_time"] if g > 0]
    assert lo == math.floor(min(logs) - 0.03) > -30 and hi == math.ceil(max(logs) + 0.03)
    assert [f.layout.title.text for f in maps] == ["run 0: ‖∂L/∂hₜ‖ over training", "run 1: ‖∂L/∂hₜ‖ over training"]


def test_hidden_figure_heatmap_is_units_by_time_with_inputs_on_the_axis(adding_snap):
    fig = figures.hidden_figure(adding_snap)
    (hm,) = fig.data
    assert np.asarray(hm.z).shape == (H, T)  # units x T
    labels = adding_snap.latest_probe["input_labels"]
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
    assert list(fig.data[0].y) == adding_snap.spectral["radius"] and all(r > 0 for r in fig.data[0].y)
    assert list(_reference_lines(fig).values()) == [1.0]
    assert fig.data[0].line.color == figures.COLORS["train"]


def test_task_view_figure_for_every_task_kind(adding_snap, lstm_snap):
    scatter = figures.task_view_figure(adding_snap.task_view)
    assert [t.name for t in scatter.data] == ["samples", "perfect", "always 1 (chance)"]
    assert len(scatter.data[0].x) == 100
    bars = figures.task_view_figure(lstm_snap.task_view)
    assert bars.data[0].type == "bar" and len(bars.data[0].y) == T
    sine = _finished_snapshot("sine", steps=3)
    forecast = figures.task_view_figure(sine.task_view)
    assert [t.name for t in forecast.data] == ["truth", "one step ahead", "autoregressive"]
    assert figures.task_view_figure({"kind": "text", "input": "hello"}) is None
    assert figures.task_view_figure(None) is None


def test_a_dashed_reference_series_shares_its_curves_colour_and_legend_entry():
    xs = [1, 2, 3]
    view = {
        "kind": "lines",
        "title": "generated (solid) vs true (dashed)",
        "series": [
            {"name": "sine: generated", "x": xs, "y": [0, 1, 0]},
            {"name": "sine: true", "x": xs, "y": [0, 1, 0], "dash": "dash"},
            {"name": "square: generated", "x": xs, "y": [1, 1, 1]},
            {"name": "square: true", "x": xs, "y": [1, 1, 1], "dash": "dash"},
        ],
    }
    fig = figures.task_view_figure(view)
    assert _legend_names(fig) == ["sine: generated", "square: generated"]
    colors = [tr.line.color for tr in fig.data]
    assert colors[0] == colors[1] != colors[2] == colors[3]
    assert [tr.legendgroup for tr in fig.data] == ["sine: generated"] * 2 + ["square: generated"] * 2


def test_every_figure_passes_plotly_validation(adding_snap, lstm_snap):
    for lang in LANGS:
        for fig in every_figure(adding_snap, lstm_snap, lang):
            out = figures.export(fig)  # go.Figure(dict) validates every property
            assert isinstance(out, go.Figure) and out.layout.template is not None
            assert len(out.data) == len(fig.data)
            fig.to_json()


def test_vanishing_ratio():
    assert figures.vanishing_ratio([1e-8, 1e-4, 1.0]) == pytest.approx(1e-8)
    assert figures.vanishing_ratio([0.0, 1.0]) == EPS
    assert figures.vanishing_ratio([1.0]) is None and figures.vanishing_ratio([1.0, 0.0]) is None


# log axes and number formats -----------------------------------------------------------------------------
def test_power_of_ten_is_written_in_superscripts():
    assert figures.power_of_ten(-12) == "10⁻¹²"
    assert figures.power_of_ten(0) == "10⁰" and figures.power_of_ten(3) == "10³"


@pytest.mark.parametrize(("span", "step"), [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3), (21, 3), (32, 5), (70, 10)])
def test_log_axes_label_at_most_eight_decades(span, step):
    assert figures._decade_step(span) == step
    assert span / step + 1 <= figures.MAX_LOG_LABELS


def _check_log_axis(axis: dict, where: str) -> None:
    assert axis["exponentformat"] == "power" and axis["showexponent"] == "all", where
    assert "tickformat" not in axis and axis.get("tickmode") != "array", where
    dtick = axis["dtick"]
    assert isinstance(dtick, int) and dtick >= 1, where  # whole decades: no "D1"/"D2" minor labels
    if "range" in axis:
        lo, hi = axis["range"]
        assert isinstance(lo, int) and isinstance(hi, int) and hi > lo, where
        assert (hi - lo) / dtick + 1 <= figures.MAX_LOG_LABELS, where


def test_every_log_axis_labels_whole_decades_as_powers_of_ten(adding_snap, lstm_snap):
    seen = 0
    for lang in LANGS:
        for fig in every_figure(adding_snap, lstm_snap, lang):
            spec = _spec(fig)
            for name, axis in _axes(spec).items():
                if axis.get("type") == "log":
                    _check_log_axis(axis, f"{spec['layout']['title']['text']} {name}")
                    seen += 1
    assert seen >= 2 * 10  # loss (log), gradient norm, gradient through time, runs, race, parameter norms...


def test_a_log_axis_over_thirty_decades_labels_every_fifth(adding_snap):
    probe = {**adding_snap.latest_probe, "grad_through_time": [0.0, 1e-20, 1e-8, 1e-3, 0.5, 40.0]}
    axis = _spec(figures.grad_through_time_figure(replace(adding_snap, latest_probe=probe)))["layout"]["yaxis"]
    assert axis["range"] == [-31, 2] and axis["dtick"] == 5
    _check_log_axis(axis, "gradient through time")
    narrow = {**probe, "grad_through_time": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]}  # inside one decade
    axis = _spec(figures.grad_through_time_figure(replace(adding_snap, latest_probe=narrow)))["layout"]["yaxis"]
    assert axis["range"] == [-1, 0] and axis["dtick"] == 1  # still two labelled decades: 0.1 and 1


def test_log_colour_scales_are_labelled_in_powers_of_ten(adding_snap, lstm_snap):
    maps = [figures.grad_through_time_heatmap(adding_snap), *figures.race_heatmaps(_race(adding_snap, lstm_snap))]
    for fig in maps:
        (hm,) = _spec(fig)["data"]
        bar = hm["colorbar"]
        assert hm["zmin"] == int(hm["zmin"]) and hm["zmax"] == int(hm["zmax"])
        assert bar["tickmode"] == "array" and bar["tickvals"]
        assert all(isinstance(v, int) and hm["zmin"] <= v <= hm["zmax"] for v in bar["tickvals"])
        assert bar["ticktext"] == [figures.power_of_ten(v) for v in bar["tickvals"]]
        assert len(bar["tickvals"]) <= figures.MAX_LOG_LABELS


def test_no_axis_or_colour_bar_writes_si_suffixes(adding_snap, lstm_snap):
    for lang in LANGS:
        for fig in every_figure(adding_snap, lstm_snap, lang):
            spec = _spec(fig)
            for name, axis in _axes(spec).items():
                where = f"{spec['layout']['title']['text']} {name}"
                if axis.get("type") == "category" or axis.get("tickmode") == "array" or "tickformat" in axis:
                    continue
                assert axis.get("exponentformat") in ("power", "none"), where  # plotly's default "B" writes 500m
            bars = [tr.get("colorbar") or (tr.get("marker") or {}).get("colorbar") for tr in spec["data"]]
            for bar in filter(None, bars):
                assert bar.get("tickmode") == "array" or bar.get("exponentformat") == "power"


def test_step_axes_write_whole_numbers_with_separators(adding_snap):
    spec = _spec(figures.loss_figure(adding_snap))
    assert spec["layout"]["xaxis"]["exponentformat"] == "none" and spec["layout"]["xaxis"]["separatethousands"]


# markers, labels on the plot --------------------------------------------------------------------------
def _with_validation_points(snap: Snapshot, n: int) -> Snapshot:
    steps = list(range(10, 10 * n + 1, 10))
    return replace(snap, val={"step": steps, "loss": [0.5] * n, "metric": [0.5] * n})


@pytest.mark.parametrize(("n", "mode"), [(1, "lines+markers"), (29, "lines+markers"), (30, "lines"), (200, "lines")])
def test_validation_curves_mark_their_points_only_while_few(adding_snap, n, mode):
    snap = _with_validation_points(adding_snap, n)
    for fig in (figures.loss_figure(snap), figures.metric_figure(snap)):
        (val,) = [tr for tr in fig.data if tr.name == "validation"]
        assert val.mode == mode
        if "markers" in mode:
            assert val.marker.color == figures.COLORS["val"] and val.marker.size >= 6
    runs = figures.runs_loss_figure([snap], ["a"])
    assert runs.data[1].name == "a (validation)" and runs.data[1].mode == mode


def test_no_text_is_printed_on_a_chart_with_data(adding_snap, lstm_snap):
    """Reference lines are legend entries and events are hover marks: nothing can cover a curve's label, the
    legend, the title or another label. The ✕ of a run that diverged carries its own text, inside the plot."""
    for lang in LANGS:
        for fig in every_figure(adding_snap, lstm_snap, lang):
            spec = _spec(fig)
            assert spec["layout"]["annotations"] == [], spec["layout"]["title"]["text"]
            for tr in spec["data"]:
                if "text" in tr.get("mode", ""):
                    assert tr["textposition"] in ("bottom left", "bottom right", "top center")


def test_marker_texts_point_into_the_plot(adding_snap):
    exploding = replace(
        adding_snap,
        state=RunState.DIVERGED,
        steps_done=adding_snap.history["step"][-1],
        history={**adding_snap.history, "grad_norm": [*adding_snap.history["grad_norm"][:-1], math.inf]},
    )
    fig = figures.race_loss_figure(_race(adding_snap, exploding))
    (cross,) = [tr for tr in fig.data if tr.mode == "markers+text"]
    assert cross.textposition == "bottom left"  # at the last step: its text runs left, into the plot
    (norm,) = figures.race_grad_norm_figures(_race(exploding))
    assert norm.data[-1].name == "Inf/NaN" and norm.data[-1].textposition == "bottom left"


# titles -----------------------------------------------------------------------------------------------------
def test_text_width_counts_a_cjk_character_as_wide():
    assert figures.text_width("Loss") == 4
    assert figures.text_width("损失") == pytest.approx(2 * figures.WIDE)
    assert figures.TITLE_WIDTH / figures.WIDE >= 30  # 30 CJK characters fit a title line, as 55 latin ones


def _big(snap: Snapshot) -> Snapshot:
    """The snapshot with the widest numbers a title can carry: a million steps, a ratio like 1.2e-30."""
    probe = {**snap.latest_probe, "step": 1_000_000, "saturation": 1.0}
    probe["grad_through_time"] = [1e-30, *probe["grad_through_time"][1:]]
    return replace(snap, latest_probe=probe)


def test_every_title_fits_one_line_of_a_half_width_chart(adding_snap, lstm_snap):
    for lang in LANGS:
        say = translator(lang)
        figs = every_figure(_big(adding_snap), _big(lstm_snap), lang)
        figs += [
            figures.task_view_figure(
                {"kind": "confidence", "digits": [1] * 100, "p_one": [0.9] * 100, "ones": 100, "T": 100},
                say,
            ),
            figures.saturation_figure([1.0], ["1"], 1.0, "rule", tr=say),
            figures.hidden_figure(_big(adding_snap), tr=say),
            *[figures.hidden_figure(lstm_snap, which, tr=say) for which in figures.STATE_TITLES if which != "hidden"],
        ]
        for fig in figs:
            title = fig.layout.title.text
            assert "<br>" not in title and figures.text_width(title) <= figures.TITLE_WIDTH, (lang, title)
            assert fig.layout.title.font.size == figures.TITLE_SIZE


def test_a_long_title_wraps_into_lines_that_fit():
    long_en = "A validation sequence: recalled 2 of 10 symbols after 10 steps (_ = blank)"
    long_zh = "一条验证序列：经过 10 步后回忆出 10 个符号中的 2 个（_ = 空白）"
    for text in (long_en, long_zh, "Memorised 45% of the training set; 51% of fresh sequences (chance 50%)"):
        lines = figures._wrap(text).split("<br>")
        assert len(lines) == 2 and all(figures.text_width(line) <= figures.TITLE_WIDTH for line in lines)
        assert all(line.count("(") + line.count("（") == line.count(")") + line.count("）") for line in lines)
    assert figures._wrap("Memorised 45% of the training set; 51% of fresh sequences (chance 50%)").startswith(
        "Memorised 45% of the training set<br>51% of fresh"
    )  # at the semicolon, the sentence's own break
    assert figures._wrap("Loss") == "Loss"
    fig = figures.task_view_figure({"kind": "tokens", "title": long_en, "rows": [{"label": "in", "tokens": ["1"]}]})
    assert fig.layout.title.text.count("<br>") == 1 and fig.layout.margin.t > figures.TITLE_TOP_PX


# the empty chart ---------------------------------------------------------------------------------------------
def _hint(spec: dict) -> dict:
    (hint,) = spec["layout"]["annotations"]
    return hint


def test_charts_before_training_say_how_to_fill_them(adding_snap, fresh_snap):
    for draw in (figures.loss_figure, figures.grad_through_time_figure, figures.hidden_figure):
        texts = [a.text for a in draw(fresh_snap).layout.annotations]
        # on two lines, so that it stays clear of the axis titles in a narrow chart
        assert [x.count("<br>") for x in texts] == [1] and texts[0].replace("<br>", " ") == figures.EMPTY_TEXT
        assert not draw(adding_snap).layout.annotations
    zh = figures.loss_figure(fresh_snap, tr=translator("zh")).layout.annotations[0].text
    assert zh.count("<br>") == 1 and zh.replace("<br>", "") == render(figures.EMPTY_TEXT, "zh")


def test_nothing_crosses_the_empty_charts_hint(fresh_snap):
    snap = replace(fresh_snap, events=[(0, "lr 0.01 → 0.005")])  # a change before the first step
    confidence = {"kind": "confidence", "digits": [], "p_one": [], "ones": 0, "T": 0}  # its line at P = 0.5
    empty = [
        *[f for f in figures.live_figures(snap).values() if f is not None],
        figures.loss_figure(snap, log_y=True),
        figures.task_view_figure(confidence),
        figures.runs_loss_figure([snap], ["a"]),
        figures.race_loss_figure(_race(snap)),
        figures.race_spectral_figure(_race(snap)),
        *figures.race_grad_norm_figures(_race(snap)),
    ]
    for lang in LANGS:
        say = translator(lang)
        empty += [f for f in figures.live_figures(snap, tr=say).values() if f is not None]
    for fig in empty:
        spec = _spec(fig)
        hint = _hint(spec)
        assert hint["y"] == 0.5 and hint["x"] == 0.5 and hint["font"]["size"] >= 13
        assert spec["layout"]["shapes"] == []  # no chance, clip or event line through it
        assert not any(len(tr.get("x") or []) for tr in spec["data"])  # no reference line either
        for axis in _axes(spec).values():  # nor a grid line or the zero line
            assert axis["showgrid"] is False and axis["zeroline"] is False


# sizes, fonts and colours of their own -----------------------------------------------------------------------
def test_every_live_chart_has_its_fixed_height(adding_snap, lstm_snap, fresh_snap):
    assert set(figures.LIVE_HEIGHTS) == set(figures.CORE_CHARTS + figures.PROBE_CHARTS)
    for key in ("loss", "gtt", "gtt_heatmap", "hidden"):
        assert figures.LIVE_HEIGHTS[key] == 300  # two rows fit a 900 px screen below the header
    reverse = _finished_snapshot("reverse", steps=2)  # a tokens view of many rows
    for snap in (adding_snap, lstm_snap, fresh_snap, reverse):
        for key, fig in figures.live_figures(snap, log_y=True).items():
            if fig is not None:
                assert fig.layout.height == figures.LIVE_HEIGHTS[key], key
                m = fig.layout.margin
                assert fig.layout.height - m.t - m.b >= 150, key  # a usable plot area


def test_every_figure_has_an_explicit_height(adding_snap, lstm_snap):
    for fig in every_figure(adding_snap, lstm_snap, "en"):
        assert isinstance(fig.layout.height, int) and fig.layout.height >= 260


def test_the_core_live_legends_fit_one_row_in_both_languages(adding_snap, lstm_snap):
    seq = replace(lstm_snap, task=replace(lstm_snap.task, metric="sequence accuracy", chance=0.00390625))
    for lang in LANGS:
        say = translator(lang)
        for snap in (adding_snap, lstm_snap, seq):
            for key, fig in figures.live_figures(snap, figures.CORE_CHARTS + ("spectral",), tr=say).items():
                assert figures._legend_rows(_legend_names(fig)) <= 1, (lang, key, _legend_names(fig))


def test_figures_carry_their_own_fonts_margins_and_colours(adding_snap, lstm_snap):
    """Drawn by plain plotly.js with a page's own theme, or by Streamlit's template: nothing essential may come
    from the template, and no background colour is set (the theme's shows through)."""
    for lang in LANGS:
        for fig in every_figure(adding_snap, lstm_snap, lang):
            spec = _spec(fig)
            layout = spec["layout"]
            where = layout["title"]["text"]
            assert "paper_bgcolor" not in layout and "plot_bgcolor" not in layout, where
            assert layout["font"]["size"] >= 12 and layout["legend"]["font"]["size"] >= 12, where
            assert {"l", "r", "t", "b"} <= set(layout["margin"]), where
            for axis in _axes(spec).values():
                assert axis["automargin"] is True and axis["tickfont"]["size"] >= 12, where
                if axis.get("title", {}).get("text"):
                    assert axis["title"]["font"]["size"] >= 12, where
            for tr in spec["data"]:
                mode = tr.get("mode", "")
                if tr["type"] == "scatter" and "lines" in mode:
                    assert tr["line"].get("color"), (where, tr.get("name"))
                if tr["type"] == "scatter" and "markers" in mode:
                    assert (tr.get("marker") or {}).get("color") is not None, (where, tr.get("name"))
                if tr["type"] == "bar":
                    assert tr["marker"]["color"], where
                if tr["type"] == "heatmap":
                    assert tr["colorscale"], where


def test_category_labels_stay_level_and_apart(adding_snap):
    copy = _finished_snapshot("copy", steps=2)
    for snap in (adding_snap, copy):
        fig = figures.hidden_figure(snap)
        axis = fig.layout.xaxis
        longest = max(figures.text_width(str(x)) for x in fig.data[0].x)
        shown = list(axis.tickvals)
        assert axis.tickangle == 0 and axis.tickmode == "array" and len(shown) >= 2
        assert set(shown) <= set(fig.data[0].x) and shown[0] == fig.data[0].x[0]
        # side by side in the plot of the narrowest live chart (beside a lesson's narration)
        assert len(shown) * longest * figures.CHAR_PX <= figures.NARROW_PLOT_PX


def test_a_legend_fitted_to_a_narrow_chart_gets_the_rows_it_needs_below_the_axis_title(adding_snap):
    spec = figures.race_grad_norm_figures(_race(adding_snap))[0].to_dict()
    wide_b = spec["layout"]["margin"]["b"]
    figures.fit_legend(spec, 300, 340)  # a third of the page
    m, legend = spec["layout"]["margin"], spec["layout"]["legend"]
    assert m["b"] > wide_b  # three entries: more rows in a narrow chart
    plot = 300 - m["t"] - m["b"]
    assert legend["y"] == pytest.approx(-figures.X_AXIS_PX / plot)  # just below the x axis title at this height


HALF_IMPORTED_PANDAS = """
import importlib.abc, sys, threading, time
held = threading.Event()

class Slow(importlib.abc.MetaPathFinder):  # holds another thread's import of pandas half-way, 2 s
    def find_spec(self, name, path, target=None):
        if name == "pandas.core.frame" and threading.current_thread().name == "page":
            held.set()
            time.sleep(2)
        return None

from rnnplay import figures
from rnnplay.run.snapshot import Snapshot

sys.meta_path.insert(0, Slow())
if "pandas" not in sys.modules:  # a page imports it now, while a chart is built
    threading.Thread(target=lambda: __import__("pandas"), name="page").start()
    held.wait()
figures.live_figures(Snapshot(), ("loss", "gtt"))
print("drawn")
"""


def test_a_figure_built_while_another_thread_imports_pandas_is_drawn():
    """plotly's validators read sys.modules["pandas"] without waiting for it, so a chart built by the live
    feed's thread while a page's script thread imports pandas (the Runs page, a race's entries) raised
    AttributeError: module 'pandas' has no attribute 'Series' (seen in a test server's log). The figures
    module imports pandas itself: by the time it can build a chart, pandas is whole."""
    done = subprocess.run([sys.executable, "-c", HALF_IMPORTED_PANDAS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "drawn" in done.stdout, done.stderr[-2000:]
