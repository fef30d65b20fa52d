"""Runs page (runs compared): the session's runs listed with their configurations, and any of them overlaid."""

from __future__ import annotations

import json

from tests.test_pages import PLAYGROUND, open_app

RUNS = "app_pages/runs.py"


def test_no_runs_yet_says_so_and_links_to_the_playground():
    at = open_app(RUNS)
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)


def test_reset_runs_are_kept_listed_and_overlaid(stop_runs):
    at = open_app(PLAYGROUND, task="majority", steps=50)
    stop_runs.append(at)
    for _ in range(3):
        at.button(key="btn_step").click().run()
    at.radio(key="arch").set_value("lstm").run()
    at.button(key="btn_reset").click().run()  # the rnn run goes to the Runs page
    at.button(key="btn_step").click().run()
    assert not at.exception
    at.switch_page(RUNS).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["run"]) == ["#1", "current"]
    assert list(table["arch"]) == ["rnn", "lstm"] and list(table["steps"]) == [3, 1]
    charts = {el.key: json.loads(el.proto.spec) for el in at.get("plotly_chart")}
    assert set(charts) == {"runs_loss", "runs_gtt"}
    names = [t["name"] for t in charts["runs_loss"]["data"] if t.get("showlegend", True)]
    assert names == ["#1 rnn", "current lstm"]
    at.multiselect(key="runs_chosen").set_value(["#1"]).run()
    spec = json.loads(next(el for el in at.get("plotly_chart") if el.key == "runs_gtt").proto.spec)
    assert len(spec["data"]) == 1 and spec["data"][0]["name"].startswith("#1 rnn")
