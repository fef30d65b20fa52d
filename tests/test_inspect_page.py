"""The Inspect page (hidden activations in full, the history scrubber) and its UI-free helpers in rnnplay.inspect_data.

Core: the PCA against numpy's eigen-decomposition of the covariance, own input parsed per task (and
refused by name), probe samples cut to their own length, the forward pass held off while a training
step holds the run's lock, the inspection's shapes for RNN/LSTM/GRU and bidirectional models, and
the figures as data. Page (AppTest): no run -> a message and a link; after a step the heatmaps of
the hidden state and every gate, saturation, the PCA trajectory in 2-D and 3-D, the model's answer,
own input for majority and sentiment, a bad input warned by name, and the scrubber over the frames."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from rnnplay import figures, inspect_data
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun
from tests.live import live_element_ids, live_figure, live_figures
from tests.test_pages import DIVERGING, open_app

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND, INSPECT = "app_pages/playground.py", "app_pages/inspect.py"
GATES = {"rnn": [], "lstm": ["input", "forget", "cell", "output", "cell state"], "gru": ["reset", "update", "new"]}


# the core ---------------------------------------------------------------------------------------
def _run(task: str = "majority", **kw) -> TrainingRun:
    cfg = {"steps": 20, "device": "cpu", "hidden_size": 8, "batch_size": 8, **kw}
    run = TrainingRun(make_config(task, **cfg), min_probe_interval_s=0.0)
    run.step_one()
    return run


def test_pca_matches_the_covariance_eigenvectors():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(200, 6, generator=g, dtype=torch.float64) @ torch.randn(6, 6, generator=g, dtype=torch.float64)
    mean, comps, share = inspect_data.pca_fit(X, k=3)
    assert comps.shape == (3, 6) and share.shape == (3,)
    torch.testing.assert_close(comps @ comps.T, torch.eye(3, dtype=torch.float64))  # orthonormal axes
    evals, evecs = np.linalg.eigh(np.cov(X.numpy().T))  # ascending
    np.testing.assert_allclose(share.numpy(), evals[::-1][:3] / evals.sum(), rtol=1e-9)
    for k in range(3):  # the same axis up to its sign
        np.testing.assert_allclose(abs(float(comps[k] @ torch.from_numpy(evecs[:, -1 - k]))), 1.0, rtol=1e-9)
    proj = inspect_data.pca_project(X, mean, comps)
    assert proj.shape == (200, 3)
    np.testing.assert_allclose(proj.mean(0).numpy(), 0, atol=1e-12)  # centred on the fitted states


def test_pca_of_fewer_units_than_axes_pads_with_zero_axes():
    X = torch.randn(50, 2, dtype=torch.float64)
    _, comps, share = inspect_data.pca_fit(X, k=3)
    assert comps.shape == (3, 2) and float(comps[2].abs().sum()) == 0 and float(share[2]) == 0
    assert float(share.sum()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "task,text,T,target",
    [
        ("majority", "0110", 4, 0),  # two ones of four: not more than half
        ("majority", "0111", 4, 1),
        ("adding", "0.3*,0.5,0.25*", 3, 0.55),
    ],
)
def test_own_input_parses_and_knows_the_target(task, text, T, target):
    t = _run(task).trainer.task
    s = inspect_data.own_input(t, text)
    assert s.x.shape[:2] == (1, T) and len(s.labels) == T and s.source == "your input"
    assert float(s.y.reshape(-1)[0]) == pytest.approx(target)


def test_own_input_for_the_token_tasks():
    tagging = _run("tagging").trainer.task
    s = inspect_data.own_input(tagging, "watch the duck fly")
    assert s.labels == ["watch", "the", "duck", "fly", "."]  # a final "." added, as the task does
    assert s.y.tolist() == [[2, 0, 1, 2, 3]]  # watch VERB (before "the"), duck NOUN (before "fly")
    sent = _run("sentiment").trainer.task
    s = inspect_data.own_input(sent, "the movie was not good")
    assert s.x.dtype == torch.long and s.x.shape == (1, 5) and s.y is None
    assert s.labels == ["the", "movie", "was", "not", "good"]
    rev = _run("reverse").trainer.task
    s = inspect_data.own_input(rev, "123")
    assert s.labels == ["1", "2", "3"] and s.y.tolist() == [[6, 5, 4, 2]]  # '3','2','1' (ids 3 + d), <EOS>
    copy = _run("copy").trainer.task
    s = inspect_data.own_input(copy, "12")
    assert s.labels[:10] == list("1212121212") and s.y[0, -10:].tolist() == [1, 2] * 5
    charlm = _run("charlm").trainer.task
    s = inspect_data.own_input(charlm, "hel")
    assert s.labels == ["h", "e", "l"] and s.y[0, -1] == -100  # the character after the last is unknown
    wave = _run("wave").trainer.task
    s = inspect_data.own_input(wave, "Square")
    assert s.labels[0] == "square" and s.y.shape == (1, wave.seq_len, 1)


@pytest.mark.parametrize(
    "task,text,named",
    [
        ("majority", "01x", "majority input"),
        ("majority", "", "majority input"),
        ("adding", "0.3*,0.5", "adding input"),  # one mark only
        ("adding", "0.3*,1.5*", "'1.5*' is outside [0, 1]"),
        ("adding", "a*,0.1*", "'a*' is not a number"),
        ("tagging", "the zebra", "unknown word 'zebra'"),
        ("reverse", "12a", "reverse input"),
        ("copy", "90", "copy input"),
        ("charlm", "xyz", "not in the training text"),
        ("sentiment", "   ", "sentiment input"),
        ("wave", "circle", "'circle' is not a waveform"),
        ("sine", "1,2,3", "pick a probe sample"),
        ("random", "0", "pick a probe sample"),
    ],
)
def test_bad_own_input_is_refused_by_name(task, text, named):
    t = _run(task).trainer.task
    with pytest.raises(ValueError, match=named.replace("*", r"\*").replace("[", r"\[").replace("]", r"\]")):
        inspect_data.own_input(t, text)


def test_a_probe_sample_is_cut_to_its_own_length():
    run = _run("sentiment")
    b = run.probe_batch
    i = int(torch.argmin(b.lengths))  # the shortest sentence of the batch
    s = inspect_data.probe_sample(run.trainer.task, b, i)
    assert s.x.shape == (1, int(b.lengths[i])) and "<PAD>" not in s.labels
    rev = _run("reverse")
    b = rev.probe_batch
    i = int(torch.argmin(b.lengths))
    s = inspect_data.probe_sample(rev.trainer.task, b, i)
    assert s.x.shape[1] == int(b.lengths[i]) and s.y.shape[1] == int(b.lengths[i]) + 1
    with pytest.raises(ValueError, match="sample: 99 is out of range"):
        inspect_data.probe_sample(rev.trainer.task, b, 99)


@pytest.mark.parametrize("arch,bidirectional", [("rnn", False), ("lstm", False), ("gru", False), ("lstm", True)])
def test_inspection_holds_every_state_shaped_time_by_units(arch, bidirectional):
    run = _run("tagging", arch=arch, bidirectional=bidirectional, seq_len=7)
    s = inspect_data.probe_sample(run.trainer.task, run.probe_batch, 2)
    ins = inspect_data.inspect(run, s)
    D = 2 if bidirectional else 1
    assert list(ins.states) == ["hidden"] + GATES[arch]
    assert all(v.shape == (7, D * 8) for v in ins.states.values())
    assert ins.directions == D and len(ins.labels) == 7 and ins.step == 1
    assert ins.saturation_per_step.shape == (7,)
    assert ins.saturation == pytest.approx(float(ins.saturation_per_step.mean()))
    assert ins.pca.shape == (7, 3) and ins.explained.sum() <= 1 + 1e-6
    assert "steps right" in ins.output


def test_pca_axes_are_fitted_on_the_probe_batch_so_sample_rows_project_consistently():
    run = _run("majority", arch="gru")
    task, b = run.trainer.task, run.probe_batch
    ins0 = inspect_data.inspect(run, inspect_data.probe_sample(task, b, 0))
    with torch.no_grad():
        fit = inspect_data._probe_states(run.trainer.model, b)  # (B*T, H)
    mean, comps, _ = inspect_data.pca_fit(fit)
    expect = inspect_data.pca_project(fit[: b.x.shape[1]], mean, comps)  # sample 0's steps come first
    np.testing.assert_allclose(ins0.pca, expect.numpy(), atol=1e-5)
    assert "32 probe samples" in ins0.pca_fit


def test_inspect_waits_for_a_training_step_in_progress():
    run = _run("majority")
    s = inspect_data.probe_sample(run.trainer.task, run.probe_batch, 0)
    done = threading.Event()
    with run.between_steps():  # a training step holds the model
        t = threading.Thread(target=lambda: (inspect_data.inspect(run, s), done.set()), daemon=True)
        t.start()
        time.sleep(0.3)
        assert not done.is_set(), "inspect ran a forward pass in the middle of a training step"
    t.join(10)
    assert done.is_set()


def test_state_heatmap_is_units_by_time_with_directions_named():
    z = np.arange(5 * 6, dtype=np.float32).reshape(5, 6)  # (T, D*H) with D=2, H=3
    fig = figures.state_heatmap(z, list("abcde"), "hidden", directions=2)
    tr = fig.data[0]
    assert np.asarray(tr.z).shape == (6, 5)
    assert list(tr.y) == ["f0", "f1", "f2", "b0", "b1", "b2"] and list(tr.x)[0] == "1:a"
    gate = figures.state_heatmap(z / 30, list("abcde"), "forget")
    assert gate.layout.coloraxis is not None and gate.data[0].zmin == 0 and gate.data[0].zmax == 1
    assert "forget gate" in gate.layout.title.text
    figures.export(fig)  # passes plotly's validation


def test_pca_figure_in_2d_and_3d_marks_start_and_end():
    pts, labels = np.random.default_rng(0).normal(size=(8, 3)), [str(i) for i in range(8)]
    for dims, kind in ((2, "scatter"), (3, "scatter3d")):
        fig = figures.export(figures.pca_trajectory_figure(pts, labels, np.array([0.5, 0.3, 0.1]), dims))
        assert [t.type for t in fig.data] == [kind] * 3
        assert list(fig.data[0].marker.color) == list(range(1, 9))  # coloured by time step
        assert [t.name for t in fig.data[1:]] == ["start", "end"]
        assert fig.data[0].text[0] == "t=1: 0"
    sat = figures.export(figures.saturation_figure([0, 0.5, 1], ["a", "b", "c"], 0.5, "rule"))
    assert list(sat.data[0].y) == [0, 0.5, 1] and "50% overall" in sat.layout.title.text


# the page (AppTest) -------------------------------------------------------------------------------
@pytest.fixture
def apps():
    opened: list[AppTest] = []
    yield opened
    for at in opened:
        run = at.session_state["_run"] if "_run" in at.session_state else None
        if run is not None:
            run.stop()


def stepped_inspect(apps, steps: int = 1, **params) -> AppTest:
    """Open the Playground from a share link, take `steps` steps, then switch to the Inspect page."""
    at = open_app(PLAYGROUND, steps=20, **params)
    apps.append(at)
    for _ in range(steps):
        at.button(key="btn_step").click().run()
    at.switch_page(INSPECT).run()
    assert not at.exception
    return at


def chart(at: AppTest, key: str) -> dict:
    """The figure the live chart `key` shows (tests/live.py)."""
    return live_figure(at, key)


def test_without_a_run_the_page_points_to_the_playground():
    at = open_app(INSPECT)
    assert not at.exception
    assert "No model to inspect yet" in at.info[0].value
    assert at.get("page_link") and not live_element_ids(at)


@pytest.mark.parametrize("arch", ["lstm", "gru"])
def test_heatmaps_of_hidden_and_every_gate_then_pca_in_2d_and_3d(arch, apps):
    at = stepped_inspect(apps, task="majority", arch=arch)
    keys = list(live_figures(at))
    for name in ["hidden"] + GATES[arch]:
        assert f"insp_{name.replace(' ', '_')}" in keys
        assert chart(at, f"insp_{name.replace(' ', '_')}")["data"][0]["type"] == "heatmap"
    assert "insp_saturation" in keys
    assert chart(at, "insp_pca")["data"][0]["type"] == "scatter"
    assert any("Model's answer: predicted" in m.value and "probe sample 0" in m.value for m in at.markdown)
    at.segmented_control(key="insp_pca_dims").set_value("3-D").run()
    assert not at.exception
    assert chart(at, "insp_pca")["data"][0]["type"] == "scatter3d"
    at.slider(key="insp_sample_majority_32").set_value(5).run()
    assert any("probe sample 5 of 32" in m.value for m in at.markdown)


def test_bidirectional_sentiment_shows_both_directions_and_reads_my_sentence(apps):
    at = stepped_inspect(apps, task="sentiment", arch="lstm", bidirectional="true")
    units = chart(at, "insp_hidden")["data"][0]["y"]
    assert units[0] == "f0" and "b0" in units
    assert any("units f0… read the sequence forwards" in c.value for c in at.caption)
    at.segmented_control(key="insp_source").set_value("My own input").run()
    at.text_input(key="insp_text_sentiment").set_value("the film was not bad").run()
    assert not at.exception and not at.warning
    assert any("your input" in m.value and "no target for your own input" in m.value for m in at.markdown)
    assert chart(at, "insp_hidden")["data"][0]["x"] == ["1:the", "2:film", "3:was", "4:not", "5:bad"]


def test_sentiment_on_a_chinese_page_hints_and_reads_a_chinese_sentence(apps):
    """A 中文 page trains sentiment on Chinese sentences: the own-input box's hint gives a Chinese example (the
    one in the box), no English sentence, and a Chinese sentence is read word by word."""
    at = stepped_inspect(apps, task="sentiment", lang="zh")
    assert at.session_state["_run"].config.sentences == "zh"
    at.segmented_control(key="insp_source").set_value("My own input").run()
    box = at.text_input(key="insp_text_sentiment")
    assert box.value == "这部电影一点也不好看"
    assert box.label == "你的输入：一个句子，例如 这部电影一点也不好看", box.label
    assert "movie" not in box.label
    english = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning) if "the movie" in str(e.value)]
    assert not english, english
    assert not at.exception and not at.warning


def test_own_input_for_majority_and_a_bad_one_warned_by_name(apps):
    at = stepped_inspect(apps, task="majority", arch="rnn")
    at.segmented_control(key="insp_source").set_value("My own input").run()
    at.text_input(key="insp_text_majority").set_value("0110").run()
    assert not at.exception and not at.warning
    assert chart(at, "insp_hidden")["data"][0]["x"] == ["1:0", "2:1", "3:1", "4:0"]
    assert any("target **not more ones**" in m.value for m in at.markdown)
    at.text_input(key="insp_text_majority").set_value("01x1").run()
    assert not at.exception
    (w,) = at.warning
    assert "'01x1'" in w.value and "majority input" in w.value and "only 0s and 1s" in w.value
    assert "insp_hidden" in live_figures(at)  # the probe sample instead


def test_sine_offers_probe_samples_only(apps):
    at = stepped_inspect(apps, task="sine", arch="gru")
    assert not at.get("segmented_control") or "insp_source" not in [s.key for s in at.get("segmented_control")]
    assert any("predicted next value" in m.value for m in at.markdown)


def test_scrubber_waits_for_snapshots_then_replays_them(apps):
    at = open_app(PLAYGROUND, task="majority", arch="gru", steps=20)
    apps.append(at)
    at.switch_page(INSPECT).run()  # a run exists but has not trained: no frames
    assert not at.exception
    assert any("No snapshots yet" in i.value for i in at.info)
    run = at.session_state["_run"]
    for _ in range(3):
        run.step_one()  # each forced probe records a frame
    at.run()
    assert not at.exception
    frames = run.snapshot().frames
    assert [f["step"] for f in frames] == [1, 2, 3]
    assert scrubber(at).options == ["1", "2", "3"] and scrubber(at).value == 3  # the latest first
    scrubber(at).set_value(1).run()
    assert not at.exception
    assert "at step 1" in chart(at, "insp_frame_hidden")["layout"]["title"]["text"]
    gtt = chart(at, "insp_frame_gtt")
    assert gtt["data"][0]["name"] == "step 1"
    at.selectbox(key="insp_frame_which").set_value("update").run()
    assert "update gate z at step 1" in chart(at, "insp_frame_hidden")["layout"]["title"]["text"]
    run.step_one()  # a new snapshot: the scrubber stays where the learner put it
    at.run()
    assert scrubber(at).value == 1
    scrubber(at).set_value(4).run()
    run.step_one()  # ... and on the latest it follows the latest
    at.run()
    assert scrubber(at).value == 5
    at.button(key="insp_play").click().run()  # Play: from the first snapshot to the latest
    seen = [scrubber(at).value]
    for _ in range(6):
        at.run()
        assert not at.exception
        seen.append(scrubber(at).value)
    assert seen[:5] == [1, 2, 3, 4, 5] and seen[-1] == 5
    assert "Play" in at.button(key="insp_play").label  # the replay stopped at the latest


def scrubber(at: AppTest):
    (s,) = at.get("select_slider")
    return s


def test_a_diverged_run_can_still_be_inspected(apps):
    at = open_app(PLAYGROUND, **DIVERGING)
    apps.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    run.join()
    assert run.state == "diverged"
    at.switch_page(INSPECT).run()
    assert not at.exception
    assert "insp_hidden" in live_figures(at)
    assert any("(diverged)" in m.value for m in at.markdown)


def test_the_page_draws_while_the_run_trains(apps):
    at = open_app(PLAYGROUND, task="majority", arch="lstm", steps=3000)
    apps.append(at)
    at.button(key="btn_train").click().run()
    at.switch_page(INSPECT).run()
    run = at.session_state["_run"]
    assert run.state == "running" and not at.exception
    first = run.trainer.steps_done
    time.sleep(0.5)
    at.run()
    assert not at.exception and run.trainer.steps_done > first
    assert any("(running)" in m.value for m in at.markdown)
