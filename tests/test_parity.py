"""rnnplay/tasks/parity.py: the task added by its own module and one registry line.

Core: the labels are the parity of the ones, chance is what a guess gets, the lesson's defaults teach a GRU
on one CPU thread, its view and own input (refused by name), its words in 中文. Everywhere the app offers a
task, parity is offered without a line of its own: the registry and the CLI (in a subprocess), the exported
script (it reproduces the Trainer's losses), and the pages (AppTest): Home's card, Learn's link, the
Playground's task box, view and Try it, and Inspect's own input.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import torch

from app_pages.i18n import render, translator
from rnnplay import export, figures, inspect_data, tasks
from rnnplay.config import TASKS, make_config
from rnnplay.i18n import CATALOG
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks.parity import P_ONE, Parity
from rnnplay.trainer import Trainer
from tests.live import live_figure, live_figures
from tests.test_export import script_and_trainer_losses, tiny
from tests.test_pages import PLAYGROUND, open_app, open_tab

ROOT = Path(__file__).resolve().parents[1]


def task(**kw) -> Parity:
    return Parity(make_config("parity", **kw))


# the task ----------------------------------------------------------------------------------------------
def test_the_label_is_the_parity_of_the_ones():
    b = task(seq_len=12).sample(512, torch.Generator().manual_seed(0))
    assert b.x.shape == (512, 12, 1) and b.y.shape == (512,) and b.y.dtype == torch.long
    assert set(b.x.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(b.y, b.x.sum(dim=(1, 2)).long() % 2)
    assert float(b.x.mean()) == pytest.approx(P_ONE, abs=0.03)


def test_chance_is_what_a_guess_gets():
    t = task(seq_len=8)
    p_odd = (1 - (1 - 2 * P_ONE) ** 8) / 2
    assert t.chance == pytest.approx(1 - p_odd) and 0.5 < t.chance < 0.51
    assert t.chance_loss == pytest.approx(math.log(2), abs=1e-4)
    y = t.sample(20_000, torch.Generator().manual_seed(1)).y
    assert float(y.float().mean()) == pytest.approx(p_odd, abs=0.01)


def test_the_defaults_teach_a_gru_on_one_cpu_thread():
    """The lesson's defaults: the loss leaves the chance line and the validation accuracy ends near 1."""
    torch.set_num_threads(1)
    config = make_config("parity", device="cpu")
    assert (config.arch, config.seq_len) == ("gru", 8)
    tr = Trainer(config)
    losses = [tr.step().loss for _ in range(config.steps)]
    b = tr.task.val_batch()
    tr.model.eval()
    with torch.no_grad():
        acc = float((tr.model(b.x).argmax(-1) == b.y).float().mean())
    assert losses[0] == pytest.approx(math.log(2), abs=0.05)
    assert sum(losses[-100:]) / 100 < 0.1 and acc > 0.95


def test_own_input_parses_and_knows_the_target():
    s = inspect_data.own_input(task(), "1011")
    assert s.x.shape == (1, 4, 1) and s.labels == ["1", "0", "1", "1"] and int(s.y) == 1
    assert int(inspect_data.own_input(task(), "0110").y) == 0


@pytest.mark.parametrize("text", ["", "012", "1" * 61])
def test_bad_own_input_is_refused_by_name(text):
    with pytest.raises(ValueError, match="parity input: type 1 to 60 digits, only 0s and 1s"):
        inspect_data.own_input(task(), text)
    with pytest.raises(ValueError, match="parity input"):
        task().try_it(None, "cpu", text)


def test_view_and_try_it_are_bars_of_p_odd_after_each_digit():
    t = task()
    model = Trainer(t.config).model
    view = t.try_it(model, "cpu", "10110")
    assert view["kind"] == "bars" and view["x"] == ["1:1", "2:0", "3:1", "4:1", "5:0"]
    assert len(view["y"]) == 5 and all(0 <= p <= 1 for p in view["y"])
    assert view["title"].startswith("3 ones: odd")
    # a bar is green where the model's side of 1/2 is the prefix's parity (1, 1, 0, 1, 1)
    truth = [1, 1, 0, 1, 1]
    want = ["#59a14f" if (p > 0.5) == bool(o) else "#e15759" for p, o in zip(view["y"], truth, strict=True)]
    assert view["colors"] == want
    assert len(t.view(model, "cpu")["y"]) == t.seq_len


def test_its_words_are_in_chinese():
    t = task()
    for text in (Parity.description, Parity.card, Parity.learn_title, Parity.stuck_hint, Parity.own_input_help):
        assert text in CATALOG["zh"], text
    fig = figures.task_view_figure(t.try_it(Trainer(t.config).model, "cpu", "11"), tr=translator("zh"))
    assert fig.layout.title.text.startswith("2 个 1：偶数")
    with pytest.raises(ValueError) as refused:
        t.own_input("2")
    assert render(refused.value, "zh").startswith("parity 输入")


# offered everywhere, through the registry --------------------------------------------------------------
def test_the_registry_derives_it_from_its_module():
    assert "parity" in TASKS and tasks.TASK_CLASSES["parity"] is Parity
    card = tasks.card("parity")
    assert (card.kind, card.text) == (Parity.kind, Parity.card)


def test_the_cli_lists_and_trains_it():
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "rnnplay", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    listed = run("tasks")
    assert listed.returncode == 0 and "parity" in listed.stdout, listed.stderr
    trained = run("train", "--task", "parity", "--steps", "5", "--device", "cpu", "--json")
    assert trained.returncode == 0, trained.stderr
    report = json.loads(trained.stdout.strip().splitlines()[-1])
    assert report["config"]["task"] == "parity" and report["config"]["arch"] == "gru"


def test_the_exported_script_reproduces_the_trainers_losses(tmp_path):
    assert "parity" in export.SCRIPT_TASKS
    config = tiny("parity", steps=30, seed=5, lr=0.01, arch="lstm", seq_len=9)
    script_and_trainer_losses(config, tmp_path)
    assert "def ones_parity(n, gen, seq_len):" in export.pytorch_script(config)  # read from the module


def test_home_and_learn_offer_it():
    home = open_app()
    assert not home.exception
    assert any(Parity.card in m.value for m in home.markdown)
    assert {"task": ["parity"]} in [parse_qs(p.proto.query_string) for p in home.get("page_link")]
    learn = open_app("app_pages/learn.py")
    assert not learn.exception
    assert Parity.learn_title in [p.proto.label for p in learn.get("page_link")]


def test_the_playground_trains_it_and_draws_its_view_and_try_it(stop_runs):
    at = open_app(PLAYGROUND, task="parity", steps=5)
    stop_runs.append(at)
    assert not at.exception and not at.warning
    assert at.selectbox(key="task").value == "parity" and "parity" in at.selectbox(key="task").options
    at.button(key="btn_step").click().run()
    assert not at.exception
    assert at.session_state["_run"].config.task == "parity"
    open_tab(at, "task_view").run()
    assert not at.exception
    assert live_figure(at, "task_view")["data"][0]["type"] == "bar"
    assert at.text_input(key="try_parity").value == Parity.try_it_example
    assert "try_it_chart" in live_figures(at) and not at.warning


def test_inspect_reads_my_own_string(stop_runs):
    at = open_app(PLAYGROUND, task="parity", steps=20)
    stop_runs.append(at)
    at.button(key="btn_step").click().run()
    at.switch_page("app_pages/inspect.py").run()
    assert not at.exception
    at.segmented_control(key="insp_source").set_value("My own input").run()
    at.text_input(key="insp_text_parity").set_value("1101").run()
    assert not at.exception and not at.warning
    assert live_figure(at, "insp_hidden")["data"][0]["x"] == ["1:1", "2:1", "3:0", "4:1"]
    assert any("target **odd**" in m.value for m in at.markdown)


def test_a_fresh_run_of_it_steps():
    run = TrainingRun(make_config("parity", steps=3, device="cpu"), min_probe_interval_s=0.0)
    run.step_one()
    assert run.snapshot().task_view["kind"] == "bars"
