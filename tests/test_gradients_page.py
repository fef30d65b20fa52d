"""AppTest for the Gradient lab: it renders the vanishing demo (RNN, LSTM, GRU on adding T=50) with every
live chart by key (those in a tab with their tab open); a share link with entries (?race=..., e1..e4)
opens exactly those entries; bad URL values warn by name; Step one batch and Train drive the race; the
demo buttons load their configurations; a lesson link shows the narrator; the share link round-trips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui.race_view import TAB_KEY, TABS
from rnnplay.race import EXPLODING, VANISHING
from tests.link_boxes import RACE_SHARE_BOX, link_boxes
from tests.live import live_figure
from tests.test_lang_pages import page_title
from tests.test_pages import open_app

ROOT = Path(__file__).resolve().parents[1]
PAGE = "app_pages/gradients.py"
# the charts above the tabs, then each tab's charts (the three entries' in a row)
CHART_KEYS = ["loss", "gtt"] + [f"{k}_{i}" for k in ("gtt_heatmap", "hidden") for i in range(3)]
TAB_CHARTS = {
    "spectral": ["spectral", "singular"],
    "grad_norm": [f"grad_norm_{i}" for i in range(3)],
    "param_norms": [f"param_norms_{i}" for i in range(3)],
}


def share_link(at: AppTest) -> str:
    """The race's share link (the teacher panel below it holds a short link too)."""
    return link_boxes(at, RACE_SHARE_BOX, "Share this race")[0]


@pytest.fixture
def open_page():
    opened: list[AppTest] = []

    def open_(**params) -> AppTest:
        at = open_app(PAGE, **params)
        opened.append(at)
        return at

    yield open_
    for at in opened:
        if "_race" in at.session_state:
            at.session_state["_race"].stop()


def chart(at: AppTest, key: str) -> dict:
    return live_figure(at, key)


def open_tab(at: AppTest, name: str) -> AppTest:
    """Select the race view's tab `name` (a key of race_view.TABS): only the open tab's charts are built."""
    at.session_state[TAB_KEY] = TABS[name]
    return at


def warnings(at: AppTest) -> str:
    return " | ".join(w.value for w in at.warning)


def test_opens_the_vanishing_race_with_every_chart():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.run()
    try:
        assert not at.exception and not at.warning
        race = at.session_state["_race"]
        assert race.configs == VANISHING and race.labels == ["RNN", "LSTM", "GRU"]
        assert at.selectbox(key="task").value == "adding" and at.number_input(key="seq_len").value == 50
        for key in CHART_KEYS:
            chart(at, key)
        assert "Gradient lab" in page_title(at)
        for name, keys in TAB_CHARTS.items():
            open_tab(at, name).run()
            assert not at.exception
            for key in keys:
                chart(at, key)
    finally:
        at.session_state["_race"].stop()


def test_a_share_link_with_entries_opens_exactly_them(open_page):
    at = open_page(race="exploding", e1="arch:gru,lr:0.02", e2="arch:rnn,clip_mode:norm,clip:2", e3="arch:lstm")
    assert not at.exception and not at.warning
    race = at.session_state["_race"]
    gru, rnn, lstm = race.configs
    assert (gru.arch, gru.lr, gru.clip_mode, gru.seq_len, gru.init) == ("gru", 0.02, "off", 10, "orthogonal")
    assert (rnn.clip_mode, rnn.clip, rnn.nonlinearity) == ("norm", 2.0, "linear")
    assert lstm.arch == "lstm" and len(race.runs) == 3
    link = share_link(at)
    assert "/gradients?race=exploding&task=majority" in link
    assert "e1=arch:gru,lr:0.02" in link and "e2=arch:rnn,clip_mode:norm,clip:2" in link
    # the link opens the same race again
    params = dict(p.split("=", 1) for p in link.split("?", 1)[1].split("&"))
    again = open_page(**params)
    assert again.session_state["_race"].configs == race.configs


def test_shared_settings_from_the_link(open_page):
    at = open_page(race="vanishing", seq_len=30, steps=500, seed=3, hidden_size=16)
    assert not at.exception and not at.warning
    configs = at.session_state["_race"].configs
    # the demo's entries keep their own hidden size; the shared settings reach every entry
    assert {(c.seq_len, c.steps, c.seed, c.hidden_size) for c in configs} == {(30, 500, 3, VANISHING[0].hidden_size)}
    assert [c.arch for c in configs] == ["rnn", "lstm", "gru"]
    assert "hidden_size=16&seq_len=30&steps=500&seed=3" in share_link(at)
    # a custom entry starts from the link's shared settings
    custom = open_page(race="vanishing", hidden_size=16, e1="arch:rnn", e2="arch:gru")
    assert [c.hidden_size for c in custom.session_state["_race"].configs] == [16, 16]


def test_bad_url_values_warn_by_name(open_page):
    at = open_page(race="imploding", seq_len="abc", e1="arch:rnn", e2="arch:lstm,lr:-1,bogus:3")
    assert not at.exception
    text = warnings(at)
    assert "race='imploding' is not allowed: one of vanishing, exploding" in text
    assert "seq_len='abc'" in text
    assert "entry 2 (e2): lr=-1.0 is not allowed: in (0, 10]" in text
    assert "'bogus:3' ignored" in text
    race = at.session_state["_race"]
    assert [c.arch for c in race.configs] == ["rnn", "lstm"] and race.configs[1].lr == VANISHING[0].lr
    at.button(key="btn_step").click().run()
    assert "entry 2 (e2): lr=-1.0" in warnings(at)  # the link's problems stay in view, not only on first paint


def test_one_entry_cannot_race(open_page):
    at = open_page(e1="arch:rnn")
    assert not at.exception
    assert "a race needs 2 to 4" in warnings(at)
    assert at.button(key="btn_train").disabled


def test_step_and_train_drive_the_race(open_page):
    at = open_page(race="vanishing", steps=200)
    at.button(key="btn_step").click().run()
    assert not at.exception
    race = at.session_state["_race"]
    assert race.snapshot().steps == [1, 1, 1] and race.state == "paused"
    loss = chart(at, "loss")
    assert [t["name"] for t in loss["data"] if t.get("showlegend", True)][:3] == ["RNN", "LSTM", "GRU"]
    at.button(key="btn_train").click().run()  # resume
    assert race.state in ("running", "done")
    end = time.monotonic() + 60
    while min(race.snapshot().steps) < 20 and time.monotonic() < end:
        time.sleep(0.05)
    at.button(key="btn_pause").click().run()
    assert not at.exception and race.state == "paused"
    steps = race.snapshot().steps
    assert min(steps) >= 20 and max(steps) - min(steps) <= 1
    heat = chart(at, "gtt_heatmap_0")
    assert heat["data"] and heat["data"][0]["type"] == "heatmap"
    zmins = {chart(at, f"gtt_heatmap_{i}")["data"][0]["zmin"] for i in range(3)}
    assert len(zmins) == 1  # one colour scale for every entry
    at.button(key="btn_stop").click().run()
    assert race.state == "stopped"
    at.button(key="btn_reset").click().run()
    assert race.state == "ready" and race.snapshot().steps == [0, 0, 0]


def test_the_exploding_demo_loads_in_one_click_and_shows_the_divergence(open_page):
    at = open_page()
    at.button(key="btn_step").click().run()  # a race that has trained: the demo replaces it all the same
    at.button(key="demo_exploding").click().run()
    assert not at.exception
    race = at.session_state["_race"]
    assert race.configs == EXPLODING and race.labels == ["RNN no clip", "RNN clip norm 1"]
    assert race.state == "ready" and race.snapshot().steps == [0, 0]
    assert at.query_params["race"] == "exploding" and at.selectbox(key="task").value == "majority"
    assert at.number_input(key="seq_len").value == 10
    open_tab(at, "grad_norm")
    at.button(key="btn_train").click().run()
    end = time.monotonic() + 120
    while race.state != "done" and time.monotonic() < end:
        time.sleep(0.1)
    at.run()
    assert not at.exception
    no_clip, clip = race.snapshot().runs
    stop = no_clip.steps_done
    assert no_clip.state == "diverged" and stop >= 300 and clip.state == "done"  # it trained for hundreds of steps
    assert any("RNN no clip" in e.value and "NaN/Inf" in e.value for e in at.error)
    grown = chart(at, "grad_norm_0")  # the unclipped run: its norms, then an Inf/NaN mark (not a 1e-30 drop)
    assert max(grown["data"][0]["y"]) > 1e3 and min(grown["data"][0]["y"]) > 1e-3
    assert grown["data"][-1]["text"] == [f"Inf/NaN at step {stop}"]
    loss = chart(at, "loss")
    assert any(f"RNN no clip: diverged at step {stop}" in (t.get("text") or [""])[0] for t in loss["data"])
    assert loss["layout"]["yaxis"]["range"][1] < 20  # the clipped run stays readable beside a diverged loss
    post = chart(at, "grad_norm_1")
    assert [t["name"] for t in post["data"]] == ["before clipping", "after clipping", "clip at 1"]
    assert max(post["data"][0]["y"]) > 1 and max(post["data"][1]["y"]) <= 1.0 + 1e-4


def test_a_lesson_link_shows_the_narrator(open_page):
    at = open_page(race="exploding", lesson="exploding")
    assert not at.exception and not at.warning
    assert at.session_state["_race"].configs == EXPLODING
    assert any("Exploding gradients and clipping" in m.value for m in at.markdown)
