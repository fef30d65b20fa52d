"""figures.compact(): the live view's charts carry the same numbers as typed arrays (float32/int32, a gap
as NaN), a template cut down to their own trace types, pass plotly's validation, and are smaller as JSON
than the same figures built without it; other figures (outside the block, other threads) are unchanged."""

from __future__ import annotations

import base64
import json
import math
import threading

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from rnnplay import figures
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun


def decode(spec) -> np.ndarray:
    a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    if "shape" in spec:
        a = a.reshape([int(n) for n in spec["shape"].split(",")])
    return a


@pytest.fixture(scope="module")
def snap():
    run = TrainingRun(make_config("adding", steps=30, hidden_size=6, seq_len=7, batch_size=4), min_probe_interval_s=0.0)
    run.start()
    run.join(60)
    s = run.snapshot()
    run.stop()
    assert s.state == "done", s.message
    return s


def _all(snap) -> list[go.Figure]:
    return [f for f in figures.live_figures(snap).values() if f is not None]


def test_compact_figures_hold_the_same_numbers_as_typed_arrays(snap):
    plain = figures.loss_figure(snap)
    with figures.compact():
        fig = figures.loss_figure(snap)
    x, y = fig.to_dict()["data"][0]["x"], fig.to_dict()["data"][0]["y"]
    assert x["dtype"] == "i4" and y["dtype"] == "f4"
    assert decode(x).tolist() == list(plain.data[0].x) == snap.history["step"]
    np.testing.assert_allclose(decode(y), np.asarray(plain.data[0].y, dtype=float), rtol=1e-6)
    with figures.compact():
        hm = figures.grad_through_time_heatmap(snap).to_dict()["data"][0]["z"]
    assert decode(hm).shape == (len(snap.probes), 7)


def test_gaps_stay_gaps_and_tiny_values_keep_their_precision():
    assert np.isnan(decode(figures._typed([1.0, None, math.inf, math.nan]))[1:]).all()
    assert figures._typed([1e-30, 1.0])["dtype"] == "f4"  # probes.EPS, the log axes' floor
    assert figures._typed([1e-40, 1.0])["dtype"] == "f8"  # below float32's normal range
    assert figures._typed(["1:a", "2:b"]) is None and figures._typed([True, False]) is None  # labels stay
    assert figures._typed([]) is None


def test_compact_figures_validate_use_a_small_template_and_are_smaller(snap, monkeypatch):
    monkeypatch.setattr(pio.templates, "default", "plotly")  # Streamlit's import sets "streamlit": both trimmed
    with figures.compact():
        small = _all(snap)
    full = _all(snap)
    for fig in small:
        assert isinstance(fig, go.Figure)  # what st.plotly_chart takes without validating it again
        real = go.Figure(fig.to_dict())  # plotly's own validation accepts the typed arrays and the template
        template = fig.to_dict()["layout"]["template"]
        assert set(template["data"]) <= {tr.type for tr in real.data} and "layout" in template
    size = sum(len(pio.to_json(f.to_dict(), validate=False)) for f in small)
    assert size < 0.7 * sum(len(pio.to_json(f, validate=False)) for f in full)


def test_compact_is_per_thread(snap):
    seen = {}

    def other():
        seen["x"] = figures.loss_figure(snap).to_dict()["data"][0]["x"]

    with figures.compact():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert isinstance(seen["x"], list) and not isinstance(figures.loss_figure(snap).data[0].x, dict)
    assert json.loads(pio.to_json(figures.loss_figure(snap)))["data"][0]["x"] == snap.history["step"]


def test_compact_figures_leave_no_cyclic_garbage_and_go_to_streamlit_as_built(snap):
    """A go.Figure's plotly objects point at each other; with Streamlit's after-run collection off they
    waited for a full collection while RSS crept up. SentFigures are plain dicts."""
    import gc

    import plotly.tools

    gc.collect()
    gc.disable()
    try:
        with figures.compact():
            sent = _all(snap)
        compact_garbage = gc.collect()
        _all(snap)
        figure_garbage = gc.collect()
    finally:
        gc.enable()
    assert compact_garbage < 10 < figure_garbage
    spec = plotly.tools.return_figure_from_figure_or_data(sent[0], validate_figure=True)  # st.plotly_chart's call
    assert spec is sent[0].to_dict() and spec["data"][0]["y"]["dtype"] == "f4"


def test_compact_figures_keep_the_same_layout(snap):
    """Heights, log ticks, margins and the rest of the layout are worked out before the arrays are packed."""
    with figures.compact():
        small = figures.live_figures(snap, log_y=True)
    full = figures.live_figures(snap, log_y=True)
    for key, fig in small.items():
        if fig is None:
            continue
        packed = {k: v for k, v in fig.to_dict()["layout"].items() if k != "template"}
        plain = {k: v for k, v in full[key].to_dict()["layout"].items() if k != "template"}
        assert packed == plain, key
        assert packed["height"] == figures.LIVE_HEIGHTS[key]
