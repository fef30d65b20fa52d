"""The live chart element (app_pages/ui/live_chart.py): what it sends the browser (a whole figure once, then
only what changed), and that a page using it renders one element per key across runs (AppTest)."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui import chart_patch as cp
from app_pages.ui import live_chart as lc
from rnnplay import figures


def spec(n: int, title: str = "loss", **trace) -> dict:
    return cp.figure_spec(
        go.Figure(go.Scatter(x=list(range(n)), y=[1.0 / (i + 1) for i in range(n)], **trace), {"title": title})
    )


def test_the_first_message_is_the_whole_figure_then_only_the_appended_points():
    msg, sent = cp.message(None, spec(3))
    assert msg == {"rev": 1, "figure": spec(3)}
    msg, sent = cp.message(sent, spec(5))
    assert msg == {"rev": 2, "base": 1, "patch": {"traces": {"0": {"x": {"+": [3, 4]}, "y": {"+": [0.25, 0.2]}}}}}
    assert sent == {"rev": 2, "spec": spec(5)}


def test_an_unchanged_figure_sends_only_its_revision():
    _, sent = cp.message(None, spec(4))
    msg, again = cp.message(sent, spec(4))
    assert msg == {"rev": 1} and again is sent


def test_a_replaced_array_and_a_new_title_go_as_values():
    old, new = spec(4), spec(4, title="loss (log)")
    new["data"][0]["y"] = [9.0, 8.0, 7.0, 6.0]  # a probe's new curve: not an extension
    diff = cp.patch(old, new)
    assert diff["traces"] == {"0": {"y": [9.0, 8.0, 7.0, 6.0]}}
    assert diff["layout"] == {"title": {"text": "loss (log)"}}


def test_an_array_that_grew_to_many_times_its_length_sends_only_its_new_points():
    assert cp.patch(spec(1), spec(9)) == {
        "traces": {"0": {"x": {"+": list(range(1, 9))}, "y": {"+": spec(9)["data"][0]["y"][1:]}}}
    }


def test_a_curve_whose_last_point_moved_as_it_grew_sends_only_its_tail_after_the_points_that_stay():
    """A loss curve's last point is the mean of a bucket still filling: it changes as points are added."""
    old, new = spec(10), spec(12)
    new["data"][0]["y"][9] = 0.5
    diff = cp.patch(old, new)
    assert diff == {"traces": {"0": {"x": {"+": [10, 11]}, "y": {"at": 9, "+": [0.5, 1 / 11, 1 / 12]}}}}
    assert len(cp.encode(diff)) < len(cp.encode({"y": new["data"][0]["y"]}))


def test_a_removed_key_is_sent_as_none():
    old, new = spec(3, mode="lines+markers"), spec(3)
    assert cp.patch(old, new) == {"traces": {"0": {"mode": None}}}


@pytest.mark.parametrize("change", ["a trace more", "another trace type"])
def test_traces_of_another_shape_need_the_whole_figure(change):
    old, new = spec(3), spec(3)
    if change == "a trace more":
        new["data"].append(dict(new["data"][0]))
    else:
        new["data"][0]["type"] = "bar"
    assert cp.patch(old, new) is None
    _, sent = cp.message(None, old)
    msg, _ = cp.message(sent, new)
    assert msg == {"rev": 2, "figure": new}


def test_a_heatmap_grows_by_rows():
    old = cp.figure_spec(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], y=[10, 20])))
    new = cp.figure_spec(go.Figure(go.Heatmap(z=[[1, 2], [3, 4], [5, 6]], y=[10, 20, 30])))
    assert cp.patch(old, new) == {"traces": {"0": {"z": {"+": [[5, 6]]}, "y": {"+": [30]}}}}


def test_the_spec_is_json_without_nan_template_or_typed_arrays():
    fig = go.Figure(go.Scatter(x=np.arange(3), y=np.array([1.0, math.nan, math.inf])), {"template": "plotly"})
    s = cp.figure_spec(fig)
    assert "template" not in s["layout"]
    assert s["data"][0]["x"] == [0, 1, 2] and s["data"][0]["y"] == [1.0, None, None]
    json.loads(cp.encode({"rev": 1, "figure": s}))  # allow_nan=False: would raise on NaN
    packed = {"data": [{"type": "scatter", "y": figures._typed([0.5, 0.25])}], "layout": {}}
    assert cp.figure_spec(packed)["data"][0]["y"] == [0.5, 0.25]


def _page():
    import plotly.graph_objects as go
    import streamlit as st

    from app_pages.ui.live_chart import live_chart

    n = st.session_state.setdefault("n", 3)
    st.session_state.n += 2
    live_chart(go.Figure(go.Scatter(x=list(range(n)), y=list(range(n)))), key="loss", height=300)


def _messages(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.bytes) for e in at.get("bidi_component")]


def test_a_page_sends_a_whole_figure_then_patches_on_the_same_element():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    [first] = _messages(at)
    element_id = at.get("bidi_component")[0].proto.id
    assert first["rev"] == 1 and first["figure"]["layout"]["height"] == 300
    at.run()
    [second] = _messages(at)
    assert second == {"rev": 2, "base": 1, "patch": {"traces": {"0": {"x": {"+": [3, 4]}, "y": {"+": [3, 4]}}}}}
    assert at.get("bidi_component")[0].proto.id == element_id  # the same element: the browser keeps its chart


def test_the_browser_asking_to_resync_gets_the_whole_figure_again():
    at = AppTest.from_function(_page).run()
    at.session_state[lc.SENT].pop("loss")  # what _resync does when the browser's copy is not the patch's base
    at.run()
    [msg] = _messages(at)
    assert msg["rev"] == 1 and "figure" in msg and len(msg["figure"]["data"][0]["x"]) == 5


def _path_of_chart(node, key: str, path=()):
    """The delta path (indices from the page's root) of the live chart with this key, or None."""
    children = node.children.values() if isinstance(getattr(node, "children", None), dict) else []
    for i, child in enumerate(children):
        found = _path_of_chart(child, key, (*path, i))
        if found is not None:
            return found
    if type(node).__name__ == "UnknownElement" and f"{key}_chart" in str(node.proto)[:3000]:
        return path
    return None


def test_the_try_it_chart_keeps_its_place_when_the_run_starts():
    """A live chart that moves to another place in the page is a new element to the browser: a new Plotly root
    (the live benchmark counted one for copy's Try it chart in some runs). The untrained model's note above it
    goes when the run takes its first step; the chart must stay where it was."""
    from tests.test_pages import open_app

    at = open_app("app_pages/playground.py", task="copy", steps=50)
    before = _path_of_chart(at._tree, "try_it_chart")
    at.button(key="btn_step").click().run()
    assert not at.exception and at.session_state["_run"].steps_done == 1
    assert before is not None and _path_of_chart(at._tree, "try_it_chart") == before


def _chart_paths(at, keys) -> dict:
    return {k: _path_of_chart(at._tree, k) for k in keys}


def _step_once_and_place_charts(at, keys) -> dict:
    """One batch (Step one batch), then where each live chart with these keys is: every one drawn."""
    at.button(key="btn_step").click().run()
    paths = _chart_paths(at, keys)
    assert None not in paths.values(), paths
    return paths


def test_the_playground_charts_keep_their_place_when_a_setting_changes_mid_run():
    """The note that settings changed since the run started comes above the charts when a setting changes after
    the run began, and goes with Reset: it has a place of its own, so the live charts below keep theirs."""
    from app_pages.ui.run_view import MAIN_CHARTS
    from tests.test_pages import open_app

    at = open_app("app_pages/playground.py", task="majority", steps=50)
    try:
        before = _step_once_and_place_charts(at, MAIN_CHARTS)
        at.number_input(key="hidden_size").set_value(16).run()
        assert any("Changed since this run started" in m.value for m in at.markdown)
        assert _chart_paths(at, MAIN_CHARTS) == before
        at.button(key="btn_reset").click().run()
        assert not any("Changed since this run started" in m.value for m in at.markdown)
        assert not at.exception and _chart_paths(at, MAIN_CHARTS) == before
    finally:
        at.session_state["_run"].stop()


def test_the_race_charts_keep_their_place_when_the_entries_change_mid_race():
    from tests.test_pages import open_app

    at = open_app("app_pages/gradients.py", race="vanishing", steps=200)
    keys = ("loss", "gtt", "gtt_heatmap_0")
    try:
        before = _step_once_and_place_charts(at, keys)
        at.number_input(key="seq_len").set_value(12).run()
        assert any("The entries changed since this race started" in m.value for m in at.info)
        assert not at.exception and _chart_paths(at, keys) == before
    finally:
        at.session_state["_race"].stop()


def test_the_charts_keep_their_place_when_a_run_diverges():
    """A diverged run's message comes above the charts as the run ends, the moment the learner looks at the
    explosion: in its own place, so the charts keep theirs (and the zoom into the last steps)."""
    from app_pages.ui.run_view import MAIN_CHARTS
    from rnnplay.race import _EXPLODE
    from tests.test_pages import open_app

    at = open_app("app_pages/playground.py", task="majority", clip_mode="off", **_EXPLODE)
    run = None
    try:
        before = _step_once_and_place_charts(at, MAIN_CHARTS)
        run = at.session_state["_run"]
        run.start()
        run.join(timeout=60)
        at.run()
        assert run.state == "diverged" and any("Training stopped" in e.value for e in at.error)
        assert not at.exception and _chart_paths(at, MAIN_CHARTS) == before
    finally:
        if run is not None:
            run.stop()


def test_the_race_charts_keep_their_place_when_an_entry_diverges():
    from tests.test_pages import open_app

    at = open_app("app_pages/gradients.py", race="exploding")
    keys = ("loss", "gtt", "gtt_heatmap_0")
    race = None
    try:
        before = _step_once_and_place_charts(at, keys)
        race = at.session_state["_race"]
        race.start()
        race.join(timeout=120)
        at.run()
        assert "diverged" in [s.state for s in race.snapshot().runs] and any("stopped" in e.value for e in at.error)
        assert not at.exception and _chart_paths(at, keys) == before
    finally:
        if race is not None:
            race.stop()


def test_the_charts_keep_their_place_when_a_reopened_runs_message_goes():
    """A ?run= link's message ("Reopened run … at step 7") stands above the charts until the run moves on: it goes
    at the first step after it, and the charts keep their place (and the learner's zoom into the reopened run)."""
    from app_pages.ui.run_view import MAIN_CHARTS
    from tests.test_pages import open_app
    from tests.test_persist_pages import stored_run

    saved = stored_run("majority", 7)
    at = open_app("app_pages/playground.py", run=saved.id)
    try:
        assert any(f"Reopened run {saved.id} at step 7" in m.value for m in at.info)
        before = _chart_paths(at, MAIN_CHARTS)
        assert None not in before.values(), before
        at.button(key="btn_step").click().run()
        at.run()  # the run has moved on: the message goes
        assert not any("Reopened run" in m.value for m in at.info)
        assert not at.exception and _chart_paths(at, MAIN_CHARTS) == before
    finally:
        at.session_state["_run"].stop()


def test_the_charts_keep_their_place_when_saving_fails_mid_run():
    """The warning that runs are not being saved comes when a save fails while the run trains (a damaged store,
    a full disk): in the notices' place, so the charts below stay where they are."""
    from app_pages.ui.run_view import MAIN_CHARTS
    from rnnplay.store import default_path
    from tests.test_pages import open_app
    from tests.test_store import damage

    at = open_app("app_pages/playground.py", task="majority", steps=100000, hidden_size=8)
    try:
        before = _step_once_and_place_charts(at, MAIN_CHARTS)
        assert not any("not saved" in w.value for w in at.warning)
        damage(default_path())  # random bytes inside the file: the next save fails
        at.button(key="btn_step").click().run()
        assert any("Runs are not saved right now" in w.value for w in at.warning)
        assert not at.exception and _chart_paths(at, MAIN_CHARTS) == before
    finally:
        at.session_state["_run"].stop()
