"""rnnplay.cost: a run's memory and time estimated from its configuration, refused over the server's budget
with the estimate in the message; what the app ships stays under the budget; the estimate agrees with a
run measured in a fresh process; nothing heavy is built before a run is admitted; Step one batch takes one
of the server's slots, for a run and for a race, or is refused as busy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app_pages.i18n import render
from rnnplay import cost, hosted
from rnnplay.config import make_config, parse_params
from rnnplay.cost import check_caps
from rnnplay.hosted import Admission
from rnnplay.lessons import LESSONS
from rnnplay.race import PRESETS, Race
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks import TASK_CLASSES

ROOT = Path(__file__).resolve().parents[1]
TINY = {"hidden_size": 4, "seq_len": 4, "batch_size": 4, "device": "cpu"}
# a heavy configuration within the parameter cap: the memory and time budgets must refuse it
BIG_LSTM = {"task": "majority", "arch": "lstm", "hidden_size": 497, "batch_size": 256, "seq_len": 400}
WIDE_TEXT = "".join(chr(0x4E00 + i) for i in range(2000)) * 2  # 2000 different characters, the cap


def _config(kw: dict):
    kw = dict(kw)
    return make_config(kw.pop("task"), **kw)


# what the app ships is under the budget -----------------------------------------------------------------
@pytest.mark.parametrize("task", sorted(TASK_CLASSES))
def test_every_task_default_is_within_the_caps_and_the_budget(task):
    assert check_caps(make_config(task)) == []


@pytest.mark.parametrize("corpus", ["sonnets", "tang"])
def test_the_built_in_corpora_are_within_the_budget(corpus):
    assert check_caps(make_config("charlm", corpus=corpus)) == []


@pytest.mark.parametrize("lesson", [x for x in LESSONS if x.page == "playground"], ids=lambda x: x.id)
def test_every_playground_lesson_is_within_the_budget(lesson):
    config, warnings = parse_params(lesson.query_params)
    assert warnings == [] and check_caps(config) == []


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_race_demo_is_within_the_budget(name):
    configs = PRESETS[name]
    assert [p for c in configs for p in check_caps(c)] == [] and cost.check_race(configs) == []


# heavy configurations are refused with the estimate -------------------------------------------------------
def test_a_big_lstm_is_refused_with_its_memory_and_time_estimates_and_the_allowance():
    memory, time_ = cost.check_cost(_config(BIG_LSTM))
    # measured when run: 3.6 GB and 19-39 s a step
    assert "needs about 3.4 GB of memory" in memory and "allows 512 MB a run" in memory
    assert "RNNPLAY_MAX_RUN_MB" in memory and "batch_size=256, T=400, hidden_size=497" in memory
    assert "a step of this run would take about 15 s" in time_ and "allows 2 s a step" in time_
    assert "RNNPLAY_MAX_STEP_MS" in time_
    zh = [render(m, "zh") for m in cost.check_cost(_config(BIG_LSTM))]
    assert "3.4 GB" in zh[0] and "内存" in zh[0] and "15" in zh[1] and "秒" in zh[1]


def test_the_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_RUN_MB", "100000")
    monkeypatch.setenv("RNNPLAY_MAX_STEP_MS", "60000")
    assert cost.check_cost(_config(BIG_LSTM)) == []
    monkeypatch.setenv("RNNPLAY_MAX_RUN_MB", "a lot")
    with pytest.raises(ValueError, match="RNNPLAY_MAX_RUN_MB"):
        cost.budget()


def test_a_wide_alphabet_at_a_big_batch_is_refused_for_its_one_hot_batches():
    problems = cost.check_cost(make_config("charlm", text=WIDE_TEXT, batch_size=1024, seq_len=400))
    assert problems and "GB of memory" in problems[0] and "batch_size=1024" in problems[0]
    assert cost.check_cost(make_config("charlm", text=WIDE_TEXT)) == []  # the same text at its defaults


def test_copy_is_capped_by_its_real_length_delay_plus_20():
    (problem,) = check_caps(make_config("copy", delay=1000))
    assert "T=1020" in problem and "delay + 20" in problem and "cap of 400" in problem
    assert "RNNPLAY_MAX_SEQ_LEN" in problem and "smaller delay" in problem
    assert "delay" in render(check_caps(make_config("copy", delay=1000))[0], "zh")
    assert check_caps(make_config("copy", delay=380)) == []  # T = 400, the cap itself


def test_the_estimate_reads_the_effective_length_and_the_pool():
    assert cost.estimate(make_config("copy", delay=100)).seq_len == 120
    assert cost.estimate(make_config("charlm", text="hello", seq_len=32)).seq_len == 5  # learned whole
    assert cost.estimate(make_config("sentiment", seq_len=300)).seq_len == 15
    pool = cost.estimate(make_config("random", dataset_size=100_000, seq_len=400, input_size=8)).data_bytes
    assert pool > 100_000 * 400 * 8 * 4


def test_a_race_is_refused_for_its_entries_together(monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_RUN_MB", "1024")  # one entry fits, four together do not
    entry = make_config("random", dataset_size=100_000, seq_len=400)  # a 160 MB pool each, 0.8 GB a step
    assert cost.check_cost(entry) == []
    (problem,) = cost.check_race([entry] * 4)
    assert "this race needs about" in problem and "4 entries" in problem and "RNNPLAY_MAX_RUN_MB" in problem


# the estimate against a measurement ----------------------------------------------------------------------
MEASURE = textwrap.dedent(
    """
    import json, sys, threading
    import torch
    torch.set_num_threads(1)
    from rnnplay import cost
    from rnnplay.config import make_config
    from rnnplay.trainer import Trainer
    warm = Trainer(make_config("majority", device="cpu", hidden_size=4, seq_len=4, batch_size=2))
    warm.step(); warm.evaluate(); warm.probe(); warm.task_view()
    del warm
    def kb(field):
        return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field + ":"))
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak (VmHWM) starts again from the resident size now
    base = kb("VmRSS")
    kw = json.loads(sys.argv[1])
    config = make_config(kw.pop("task"), device="cpu", **kw)
    tr = Trainer(config)
    tr.step(); tr.step(); tr.evaluate(); tr.probe(); tr.task_view()
    if cost.probes_behind(config):  # as the run's loop does: steps go on while a probe runs on the twin
        for _ in range(4):
            probe = threading.Thread(target=tr.probe_job(twin=True).run)
            probe.start()
            while probe.is_alive():
                tr.step()
            probe.join()
    print((kb("VmHWM") - base) * 1024)
    """
)


@pytest.mark.parametrize(
    "kw",
    [
        {"task": "majority", "arch": "lstm", "hidden_size": 128, "batch_size": 64, "seq_len": 200},
        {"task": "random", "dataset_size": 20_000, "seq_len": 200},
        {"task": "copy"},
    ],
    ids=["lstm", "random-pool", "copy-probes-behind"],
)
def test_the_memory_estimate_is_within_a_factor_of_two_of_a_measured_run(kw):
    """Peak RSS of a fresh process (VmHWM, reset after warming up: torch's memory too, which tracemalloc
    does not see) after building, two steps, the validation pass, a probe and the view (and, where probes run
    behind training, steps beside four probes on the twin), above its resident size before (ru_maxrss, a peak
    since the process began, once read 0: the warm-up's imports had peaked higher)."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(kw)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=300,
    )
    measured = int(out.stdout.strip().splitlines()[-1])
    estimated = cost.estimate(_config(kw)).total_bytes
    assert measured / 2 <= estimated <= measured * 2, (measured, estimated)
    if cost.probes_behind(_config(kw)):  # the probe beside a step is counted: the budget holds the peak
        assert estimated >= measured, (measured, estimated)


# nothing heavy before admission ---------------------------------------------------------------------------
def test_a_run_that_is_not_admitted_never_makes_its_data():
    """A 2.6 GB pool (100,000 sequences of 400 steps of 16 numbers): the run is built (a page shows it),
    refused when stepped, and has made neither its pool nor its validation batch."""
    run = TrainingRun(make_config("random", dataset_size=100_000, seq_len=400, input_size=16))
    tr = run.trainer
    assert run.step_one() is None and "GB of memory" in run.snapshot().message
    assert "pool" not in vars(tr.task) and tr._val_batch is None and tr._probe_batch is None
    small = TrainingRun(make_config("random", dataset_size=1000, seq_len=20))
    assert "pool" not in vars(small.trainer.task)
    small.step_one()
    assert "pool" in vars(small.trainer.task) and small.trainer.steps_done == 1


def test_the_random_view_scores_a_bounded_share_of_a_big_pool():
    run = TrainingRun(make_config("random", dataset_size=5000, seq_len=4, hidden_size=4, device="cpu"))
    run.step_one()
    view = run.trainer.task_view()
    assert view["x"][0] == "the 2048 training sequences"
    run.stop()


# every way in goes through the budget and the slots ------------------------------------------------------
@pytest.fixture
def one_slot(monkeypatch):
    """A fresh server-wide controller with one slot and a queue of 3."""
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "3")
    fresh = Admission()
    monkeypatch.setattr(hosted, "ADMISSION", fresh)
    return fresh


def test_a_run_over_the_budget_is_refused_when_started_or_stepped(one_slot):
    run = TrainingRun(_config(BIG_LSTM))  # light to build: its batches are made when it trains
    run.start()
    snap = run.snapshot()
    assert snap.state == "ready" and snap.message.template == hosted.OVER_BUDGET_TEXT
    assert "3.4 GB" in snap.message
    assert run.step_one() is None and run.trainer.steps_done == 0 and one_slot.counts()["active"] == 0


def test_step_one_takes_a_slot_and_is_refused_as_busy_when_none_is_free(one_slot):
    a = TrainingRun(make_config("majority", steps=1_000_000, **TINY), min_probe_interval_s=0.0)
    b = TrainingRun(make_config("majority", **TINY))
    try:
        a.start()
        assert a.state == "running" and one_slot.counts()["active"] == 1
        for _ in range(5):
            assert b.step_one() is None
        snap = b.snapshot()
        assert b.trainer.steps_done == 0 and snap.state == "ready"
        assert snap.message.template == hosted.STEP_BUSY_TEXT and "RNNPLAY_MAX_TRAININGS=1" in snap.message
        assert one_slot.counts() == {"active": 1, "queued": 0, "max_active": 1, "max_queue": 3}  # b never queued
        a.pause()
        assert b.step_one() is not None and b.trainer.steps_done == 1
        assert b.snapshot().message == "" and one_slot.counts()["active"] == 0  # the slot went back
    finally:
        a.stop()
        b.stop()


def test_a_race_steps_one_batch_on_one_slot_or_is_refused_as_busy(one_slot):
    other = TrainingRun(make_config("majority", steps=1_000_000, **TINY), min_probe_interval_s=0.0)
    race = Race([make_config("majority", arch=a, **TINY) for a in ("rnn", "lstm")])
    try:
        other.start()
        race.step_one()
        assert race.snapshot().steps == [0, 0] and race.snapshot().message.template == hosted.STEP_BUSY_TEXT
        other.pause()
        race.step_one()
        assert race.snapshot().steps == [1, 1] and one_slot.counts()["active"] == 0
    finally:
        other.stop()
        race.stop()
