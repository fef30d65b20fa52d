"""AppTest for every page: each renders without an exception; the Playground reads a share link,
warns about bad parameters by name, trains in the background and draws its live charts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui.chart_patch import figure_spec
from app_pages.ui.run_view import MAIN_CHARTS, TAB_KEY, TABS
from rnnplay import figures
from rnnplay.tasks import TASK_CLASSES
from tests.live import live_element_ids, live_figure, live_figures, live_messages, status_line

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"


def open_app(page: str | None = None, **params) -> AppTest:
    """The app opened on page with params in its URL, as a link opens it."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if "lang" in params:  # as a browser opens the link: the language switch reads it on the first run
        at.query_params["lang"] = params.pop("lang")
    at.run()
    if page:
        at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    return at


def open_tab(at: AppTest, name: str) -> AppTest:
    """Select the live view's tab `name` (a key of run_view.TABS), whose content only the open tab builds."""
    at.session_state[TAB_KEY] = TABS[name]
    return at


def test_home_renders_with_links_into_the_playground():
    at = open_app()
    assert not at.exception
    assert "RNN Playground" in at.title[0].value
    assert len(at.get("page_link")) >= 4


def test_playground_renders_its_controls_and_charts():
    at = open_app(PLAYGROUND)
    assert not at.exception
    assert at.selectbox(key="task").value == "majority"
    assert set(MAIN_CHARTS) <= set(live_figures(at))  # the four charts above the tabs
    for name in ("metric", "grad_norm", "spectral"):  # each other chart, in its tab
        open_tab(at, name).run()
        assert not at.exception
        assert name in live_figures(at), name
    open_tab(at, "task_view").run()  # drawn from the first probe: until then, what to press
    assert figures.EMPTY_TEXT in [c.value for c in at.caption] and "task_view" not in live_figures(at)


def test_share_link_restores_the_configuration():
    at = open_app(PLAYGROUND, task="adding", arch="lstm", hidden_size=32, seq_len=30)
    assert not at.exception
    assert at.selectbox(key="task").value == "adding"
    assert at.radio(key="arch").value == "lstm"
    assert at.number_input(key="hidden_size").value == 32
    assert at.number_input(key="seq_len").value == 30
    run = at.session_state["_run"]
    assert (run.config.task, run.config.arch, run.config.hidden_size, run.config.seq_len) == ("adding", "lstm", 32, 30)
    assert not at.warning


@pytest.mark.parametrize(
    "params, field",
    [
        ({"hidden_size": "0"}, "hidden_size"),
        ({"lr": "-1"}, "lr"),
        ({"arch": "transformer"}, "arch"),
        ({"task": "chess"}, "task"),
        ({"seq_len": "abc"}, "seq_len"),
        ({"task": "charlm", "bidirectional": "true"}, "bidirectional"),
    ],
)
def test_bad_share_link_warns_by_name_and_falls_back(params, field):
    at = open_app(PLAYGROUND, **params)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert field in warnings
    assert not at.session_state["_run"].config.bidirectional or field != "bidirectional"


def test_changing_task_brings_its_defaults():
    at = open_app(PLAYGROUND, task="adding", arch="gru")
    at.selectbox(key="task").set_value("charlm").run()
    assert not at.exception
    assert at.number_input(key="hidden_size").value == 8
    assert at.number_input(key="lr").value == pytest.approx(0.1)
    assert at.radio(key="arch").value == "gru"  # the learner's own choice stays
    assert at.session_state["_run"].config.task == "charlm"


def test_train_runs_in_the_background_and_charts_update(stop_runs):
    at = open_app(PLAYGROUND, task="majority", steps=400, hidden_size=16)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    assert run.state in ("running", "done")
    deadline = time.time() + 60
    while run.state == "running" and time.time() < deadline:
        time.sleep(0.2)
    assert run.state == "done", run.message
    at.run()  # what the live fragment draws on its next tick
    assert not at.exception
    loss = live_figure(at, "loss")
    assert "Loss" in loss["layout"]["title"]["text"]
    assert max(loss["data"][0]["x"]) == 400
    gtt = live_figure(at, "gtt")
    assert gtt["layout"]["title"]["text"].startswith("Gradient through time")
    assert gtt["layout"]["yaxis"]["type"] == "log"
    assert len(gtt["data"][0]["y"]) == 10  # one value per time step
    assert "finished" in status_line(at)


def test_the_page_run_a_train_click_starts_patches_the_charts_in_place(stop_runs):
    """The charts stay the same elements (the browser keeps them, and the learner's zoom); the loss gets only
    its new points, the probe charts move to the newest probe, and a pause shows the run as it stopped."""
    at = open_app(PLAYGROUND, task="majority", steps=100000, hidden_size=16)
    stop_runs.append(at)
    run = at.session_state["_run"]
    at.button(key="btn_step").click().run()  # step 1 and its probe: the charts drawn from it
    ids, before = live_element_ids(at), live_figures(at)
    run.step_one()  # a newer step and probe (step 2) that the page has not drawn
    at.button(key="btn_train").click().run()
    assert run.state == "running" and not at.exception
    assert live_element_ids(at) == ids
    loss = live_messages(at)["loss"]
    assert loss["base"] == loss["rev"] - 1 and "figure" not in loss
    assert loss["patch"]["traces"]["0"]["x"]["+"][0] == 2  # appended after step 1
    after = live_figures(at)
    assert after["gtt"] != before["gtt"] and after["gtt_heatmap"] != before["gtt_heatmap"]
    # a constant uirevision: Plotly.react keeps the learner's zoom, pan and hidden legend entries
    assert {key: f["layout"].get("uirevision") for key, f in after.items()} == dict.fromkeys(after, "keep")
    at.button(key="btn_pause").click().run()
    time.sleep(0.2)  # a step under way when Pause was pressed ends
    at.run()
    assert run.state == "paused" and live_element_ids(at) == ids
    snap = run.snapshot()
    shown = live_figures(at)
    for key, fig in figures.live_figures(snap, MAIN_CHARTS).items():
        assert shown[key] == figure_spec(fig), key
    assert not at.exception


def test_pause_step_stop_and_reset(stop_runs):
    at = open_app(PLAYGROUND, task="majority", steps=100000)
    stop_runs.append(at)
    run = at.session_state["_run"]
    at.button(key="btn_step").click().run()
    assert run.trainer.steps_done == 1 and run.state == "paused"
    at.button(key="btn_train").click().run()  # resume
    deadline = time.monotonic() + 20  # a loaded machine may take a while to run the first steps
    while run.trainer.steps_done < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    at.button(key="btn_pause").click().run()
    n = run.trainer.steps_done
    assert run.state == "paused" and n > 1
    time.sleep(0.3)
    assert run.trainer.steps_done == n  # paused means paused
    at.button(key="btn_stop").click().run()
    assert run.state == "stopped"
    at.button(key="btn_reset").click().run()
    assert at.session_state["_run"].trainer.steps_done == 0
    assert not at.exception


def test_trained_run_survives_a_visit_to_home(stop_runs):
    at = open_app(PLAYGROUND, task="majority", steps=30)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    run.join()
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PLAYGROUND).run()
    assert not at.exception
    assert at.session_state["_run"] is run and run.trainer.steps_done == 30


# a ReLU RNN with identity W_hh at twice its scale, plain SGD at lr 1 and no clipping: diverges within 50 steps
DIVERGING = dict(
    task="adding",
    nonlinearity="relu",
    init="identity",
    init_gain=2,
    optimizer="sgd",
    lr=1,
    clip_mode="off",
    steps=50,
)


def test_a_diverging_run_stops_with_a_hint_and_keeps_its_history(stop_runs):
    at = open_app(PLAYGROUND, **DIVERGING)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    run.join()
    at.run()
    assert not at.exception
    assert run.state == "diverged"
    assert any("learning rate" in e.value for e in at.error)
    assert len(run.snapshot().history["loss"]) >= 1


def test_learning_rate_and_clipping_change_while_training(stop_runs):
    at = open_app(PLAYGROUND, task="majority", steps=100000)
    stop_runs.append(at)
    at.button(key="btn_step").click().run()  # trained one step, now paused
    at.number_input(key="lr").set_value(0.01).run()
    at.radio(key="clip_mode").set_value("norm").run()
    at.button(key="btn_apply").click().run()
    run = at.session_state["_run"]
    assert run.trainer.lr == pytest.approx(0.01)
    assert run.trainer.clip_mode == "norm"
    assert [what for _, what in run.snapshot().events] == ["lr=0.01", "clip=norm 1"]
    assert not at.exception


@pytest.mark.parametrize("task", list(TASK_CLASSES))
def test_every_task_opens_from_its_link_steps_and_draws_its_view(task, stop_runs):
    at = open_app(PLAYGROUND, task=task, steps=5)
    stop_runs.append(at)
    assert not at.exception and not at.warning
    at.button(key="btn_step").click().run()
    assert not at.exception
    run = at.session_state["_run"]
    assert run.trainer.steps_done == 1 and run.config.task == task
    view = run.snapshot().task_view
    assert view, "the task view is computed at the first probe"
    open_tab(at, "task_view").run()
    assert not at.exception
    if view["kind"] == "text":
        assert any("Sampled text" in m.value for m in at.markdown)
    else:
        assert "task_view" in live_figures(at)
    cls = TASK_CLASSES[task]
    if cls.try_it_label and not cls.try_it_choices:  # the example in the box gets an answer, not a warning
        assert at.text_input(key=f"try_{task}").value == run.trainer.task.try_it_example
        assert not at.warning
    if cls.try_it_label or cls.try_it_choices:
        answered = "try_it_chart" in live_figures(at)
        assert answered or any("primed with" in m.value for m in at.markdown)
