"""Hosted mode: caps from the environment, the exact parameter count, the admission queue
(FIFO positions, refusal past the queue, a slot given back on pause, stop, done, diverged, a crash and
a thread's end, never leaked), a detached run's thread ending at once and resuming from the same step,
the idle pause, a race counting as one training, and a Playground config over a cap refused by name.

Each test gets a fresh controller (the real Admission class, reading the monkeypatched environment),
so runs other test modules leave behind never take its slots."""

from __future__ import annotations

import itertools
import random
import threading
import time
from pathlib import Path

import pytest
import torch

from app_pages.i18n import render
from rnnplay import hosted
from rnnplay.config import make_config
from rnnplay.cost import check_caps
from rnnplay.hosted import ADMITTED, QUEUED, REFUSED, Admission, caps, param_count
from rnnplay.race import Race
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks import TASK_CLASSES
from rnnplay.trainer import Trainer
from tests.live import status_line
from tests.runs_made import TINY, runs_made, wait_for


@pytest.fixture
def admission(monkeypatch):
    """A fresh server-wide controller with 2 slots and a queue of 3 (tests change them through the env)."""
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "2")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "3")
    fresh = Admission()
    monkeypatch.setattr(hosted, "ADMISSION", fresh)
    return fresh


@pytest.fixture
def make_run(admission):
    yield from runs_made()
    assert admission.counts()["active"] == 0 and admission.counts()["queued"] == 0


def slots(a: Admission) -> tuple[int, int]:
    c = a.counts()
    return c["active"], c["queued"]


# caps -------------------------------------------------------------------------------------------------
def test_caps_have_defaults_for_a_small_server_and_follow_the_environment(monkeypatch):
    for name in ("PARAMS", "STEPS", "SEQ_LEN", "TRAININGS", "QUEUE", "IDLE_PAUSE_S"):
        monkeypatch.delenv(f"RNNPLAY_MAX_{name}" if name != "IDLE_PAUSE_S" else f"RNNPLAY_{name}", raising=False)
    monkeypatch.delenv("RNNPLAY_THREADS", raising=False)
    c = caps()
    assert (c.max_params, c.max_steps, c.max_seq_len, c.max_queue, c.threads, c.idle_pause_s) == (
        1_000_000,
        20_000,
        400,
        50,
        1,
        600,
    )
    assert c.max_trainings >= 2
    monkeypatch.setenv("RNNPLAY_MAX_PARAMS", "5_000")
    monkeypatch.setenv("RNNPLAY_MAX_SEQ_LEN", "64")
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "0")
    monkeypatch.setenv("RNNPLAY_THREADS", "3")
    monkeypatch.setenv("RNNPLAY_IDLE_PAUSE_S", "0")
    c = caps()
    assert (c.max_params, c.max_seq_len, c.max_trainings, c.max_queue, c.threads, c.idle_pause_s) == (
        5000,
        64,
        1,
        0,
        3,
        0,
    )


@pytest.mark.parametrize(("name", "value"), [("RNNPLAY_MAX_TRAININGS", "0"), ("RNNPLAY_MAX_PARAMS", "lots")])
def test_a_bad_cap_in_the_environment_is_named_not_ignored(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        caps()


SWEEP = [
    (task, arch, bi, layers, impl)
    for task, (arch, bi, layers, impl) in itertools.product(
        ("majority", "charlm", "sentiment", "tagging", "reverse", "wave", "adding", "copy", "sine", "random"),
        [
            ("rnn", False, 1, "torch"),
            ("lstm", True, 2, "torch"),
            ("gru", True, 3, "scratch"),
            ("rnn", True, 2, "scratch"),
        ],
    )
]


@pytest.mark.parametrize(("task", "arch", "bi", "layers", "impl"), SWEEP)
def test_param_count_is_exactly_the_models_numel(task, arch, bi, layers, impl):
    bi = bi and TASK_CLASSES[task].allows_bidirectional
    config = make_config(task, arch=arch, bidirectional=bi, num_layers=layers, impl=impl, hidden_size=7, device="cpu")
    model = Trainer(config).model
    assert param_count(config) == sum(p.numel() for p in model.parameters())


def test_param_count_follows_the_configurations_data_not_a_stale_cache():
    short, long = make_config("charlm", text="ab"), make_config("charlm", text="abcdefghij")
    for c in (short, long, short):
        assert param_count(c) == sum(p.numel() for p in Trainer(c).model.parameters())


def test_check_caps_names_field_value_cap_and_variable(monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_PARAMS", "10000")
    monkeypatch.setenv("RNNPLAY_MAX_STEPS", "500")
    monkeypatch.setenv("RNNPLAY_MAX_SEQ_LEN", "50")
    assert check_caps(make_config("adding", hidden_size=8, steps=500, seq_len=50)) == []
    config = make_config("adding", arch="lstm", hidden_size=64, steps=501, seq_len=51)
    steps, seq_len, params = check_caps(config)
    assert "steps=501" in steps and "500" in steps and "RNNPLAY_MAX_STEPS" in steps
    assert "seq_len=51" in seq_len and "50" in seq_len and "RNNPLAY_MAX_SEQ_LEN" in seq_len
    n = param_count(config)
    assert f"{n:,}" in params and "10,000" in params and "RNNPLAY_MAX_PARAMS" in params and "hidden_size=64" in params
    zh = [render(m, "zh") for m in check_caps(config)]
    assert len(zh) == 3 and "上限" in zh[0] and "RNNPLAY_MAX_STEPS" in zh[0]


def test_a_task_that_ignores_seq_len_is_not_refused_for_it(monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_SEQ_LEN", "5")
    assert check_caps(make_config("sentiment", seq_len=10)) == []  # sentiment's sentences set their own length
    assert any("seq_len" in p for p in check_caps(make_config("adding", seq_len=10)))


# the admission controller on its own --------------------------------------------------------------------
def test_admission_is_first_come_first_served_with_positions_and_refuses_past_the_queue():
    a = Admission(max_active=2, max_queue=3)
    owners = [object() for _ in range(6)]
    assert [a.request(o) for o in owners] == [ADMITTED, ADMITTED, QUEUED, QUEUED, QUEUED, REFUSED]
    assert [a.position(o) for o in owners[2:5]] == [(1, 3), (2, 3), (3, 3)]
    assert a.position(owners[0]) is None and a.position(owners[5]) is None
    assert a.request(owners[2]) == QUEUED and a.request(owners[0]) == ADMITTED  # asking again changes nothing
    assert "RNNPLAY_MAX_QUEUE=3" in a.refusal() and "2 trainings are running and 3 are waiting" in a.refusal()
    assert a.release(owners[0]) is True and a.release(owners[0]) is False  # idempotent
    assert a.holds(owners[2]) and a.position(owners[3]) == (1, 2)  # the first in line stepped up
    a.release(owners[4])  # a queued owner that leaves: the others keep their order
    assert a.position(owners[3]) == (1, 1)
    assert a.request(owners[5]) == QUEUED and a.position(owners[5]) == (2, 2)  # room in the queue again


def test_only_a_run_queued_behind_another_waits_at_the_queued_pace():
    """The run next in line keeps the live pace: its page follows within one redraw when its turn comes."""
    a = Admission(max_active=1, max_queue=5)
    stepping, next_in_line, behind = object(), object(), object()
    for o in (stepping, next_in_line, behind):
        a.request(o)
    assert [hosted.waits_behind(o, a) for o in (stepping, next_in_line, behind)] == [False, False, True]
    a.release(stepping)
    assert not hosted.waits_behind(behind, a)  # now next in line


def test_wait_blocks_without_polling_until_admitted_or_removed():
    a = Admission(max_active=1, max_queue=5)
    first, second, third = object(), object(), object()
    a.request(first)
    a.request(second)
    a.request(third)
    results: dict = {}

    def waiter(owner, name):
        t0 = time.perf_counter()
        results[name] = (a.wait(owner, timeout=10), time.perf_counter() - t0)

    threads = [threading.Thread(target=waiter, args=(o, n)) for o, n in ((second, "second"), (third, "third"))]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert not results  # both still waiting
    a.release(third)  # leaves the queue: its wait ends, without a slot
    threads[1].join(2)
    assert results["third"][0] is False and results["third"][1] < 2
    a.release(first)  # a slot frees: the head of the queue gets it
    threads[0].join(2)
    assert results["second"][0] is True and results["second"][1] < 2
    assert a.wait(first, timeout=0.01) is False  # neither queued nor holding


def test_admission_never_exceeds_its_slots_under_concurrent_requests_and_releases():
    a = Admission(max_active=3, max_queue=100)
    owners = [object() for _ in range(40)]
    seen_max = []
    errors = []

    def worker(seed):
        rnd = random.Random(seed)
        for _ in range(300):
            o = rnd.choice(owners)
            (a.request if rnd.random() < 0.6 else a.release)(o)
            c = a.counts()
            seen_max.append(c["active"])
            if c["queued"] and c["active"] < 3:
                errors.append(c)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(seen_max) <= 3 and not errors
    for o in owners:
        a.release(o)
    assert slots(a) == (0, 0)


# real runs ------------------------------------------------------------------------------------------------
def test_a_third_run_is_queued_with_its_position_and_trains_once_a_slot_frees(make_run, admission):
    a, b, c = make_run(), make_run(), make_run(steps=30)
    a.start()
    b.start()
    c.start()
    wait_for(lambda: a.trainer.steps_done > 2 and b.trainer.steps_done > 2, what="two runs stepping")
    snap = c.snapshot()
    assert snap.state == "queued" and (snap.queue_position, snap.queue_length) == (1, 1)
    time.sleep(0.3)
    assert c.trainer.steps_done == 0  # waits, does not step
    assert slots(admission) == (2, 1)
    a.pause()  # the slot goes to the queued run
    wait_for(lambda: c.snapshot().state == "done", what="the queued run to train to the end")
    assert c.snapshot().queue_position is None and c.trainer.steps_done == 30
    assert slots(admission) == (1, 0)  # done gave its slot back too; only b holds one


def test_refused_past_the_queue_keeps_its_state_and_says_why(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "1")
    a, b, c = make_run(), make_run(), make_run()
    a.start()
    b.start()
    c.start()
    assert (a.state, b.state, c.state) == ("running", "queued", "ready")
    snap = c.snapshot()
    assert snap.message.template == hosted.REFUSED_TEXT
    assert snap.message == (
        "The server is busy: 1 trainings are running and 1 are waiting, as many as it queues "
        "(RNNPLAY_MAX_QUEUE=1). Try again in a minute."
    )
    assert c.slot.thread is None  # no thread for a refused run
    b.stop()  # a queued run that is stopped leaves the queue
    assert slots(admission) == (1, 0) and b.state == "ready"
    c.start()
    assert c.state == "queued" and c.snapshot().message == ""


def test_a_queued_run_that_is_paused_leaves_the_queue_and_asks_again_on_resume(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    a, b = make_run(), make_run()
    a.start()
    b.start()
    assert b.state == "queued"
    b.pause()
    assert b.state == "ready" and slots(admission) == (1, 0)  # never stepped: back to ready
    a.stop()
    b.start()
    wait_for(lambda: b.trainer.steps_done > 3, what="b trains")
    assert slots(admission) == (1, 0)


@pytest.mark.parametrize("how", ["pause", "stop", "done", "diverged", "exception"])
def test_every_way_a_run_ends_stepping_gives_its_slot_back(make_run, admission, monkeypatch, how):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    if how == "diverged":
        explode = {"nonlinearity": "relu", "init": "identity", "init_gain": 5.0, "optimizer": "sgd", "lr": 10.0}
        run = make_run("adding", arch="rnn", clip_mode="off", hidden_size=8, seq_len=10, batch_size=8, **explode)
    else:
        run = make_run(steps=25 if how == "done" else 1_000_000)
    waiting = make_run()
    if how == "exception":
        real_step, calls = run.trainer.step, []

        def step_then_fail():
            calls.append(1)
            if len(calls) > 3:
                raise RuntimeError("boom")
            return real_step()

        run.trainer.step = step_then_fail
    run.start()
    waiting.start()
    assert waiting.state == "queued"
    if how == "pause":
        wait_for(lambda: run.trainer.steps_done > 2)
        run.pause()
    elif how == "stop":
        wait_for(lambda: run.trainer.steps_done > 2)
        run.stop()
    wait_for(lambda: waiting.trainer.steps_done > 0, what=f"the waiting run to start after {how}")
    expected = {"pause": "paused", "stop": "stopped", "done": "done", "diverged": "diverged", "exception": "error"}
    assert run.state == expected[how]
    assert admission.holds(waiting) and not admission.holds(run)
    if how in ("done", "diverged", "exception"):
        run.join(5)
        assert not run.slot.thread.is_alive()


def test_no_slot_leaks_after_random_start_pause_stop_cycles_of_real_runs(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "2")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "1")
    rnd = random.Random(5)
    runs = [make_run(steps=rnd.choice([5, 20, 200, 2000])) for _ in range(6)]
    refused = queued = 0
    for _ in range(50):
        run = rnd.choice(runs)
        op = rnd.choice(["start", "start", "start", "pause", "stop", "reset"])
        if op == "start":
            run.start()
            refused += run.message.template == hosted.REFUSED_TEXT
            queued += run.state == "queued"
        elif op == "reset":
            run.reset()
        else:
            getattr(run, op)()
        active, waiting = slots(admission)
        assert active <= 2 and waiting <= 1 and not (waiting and active < 2)  # nobody waits beside a free slot
        holders = [r for r in runs if admission.holds(r)]
        # a slot belongs to a run that wants to step (an admitted queued run flips to running at once)
        assert all(r.state in ("running", "queued", "done", "diverged") for r in holders), [r.state for r in runs]
        time.sleep(rnd.random() * 0.05)
    # then a full house for certain, whatever the cycles met (short runs finish sooner on a quiet machine):
    # four long runs started at once, two step, one waits, one is refused
    full = [make_run(steps=1_000_000) for _ in range(4)]
    for run in runs:
        run.pause()
    for run in full:
        run.start()
        refused += run.message.template == hosted.REFUSED_TEXT
        queued += run.state == "queued"
        active, waiting = slots(admission)
        assert active <= 2 and waiting <= 1 and not (waiting and active < 2)
    runs += full
    # settle: every run ends stepping (done, or paused); then nothing is held and nothing waits
    for run in runs:
        run.pause()
    assert slots(admission) == (0, 0), [r.state for r in runs]
    for run in runs:
        run.stop()
    assert slots(admission) == (0, 0)
    assert queued > 0 and refused > 0  # the cycles did exercise the queue and the refusal
    print(f"50 cycles: {queued} starts queued, {refused} refused; slots after: {slots(admission)}")


# a session that goes away ---------------------------------------------------------------------------------
def test_detach_ends_the_thread_within_seconds_and_attach_start_resumes_from_the_same_step(make_run, admission):
    run = make_run()
    run.start()
    wait_for(lambda: run.trainer.steps_done > 5, what="steps")
    thread = run.slot.thread
    t0 = time.perf_counter()
    run.detach()
    thread.join(5)
    ended_s = time.perf_counter() - t0
    assert not thread.is_alive() and ended_s < 2.0, ended_s
    print(f"thread ended {ended_s * 1000:.0f} ms after detach")
    snap = run.snapshot()
    assert snap.state == "paused" and snap.message.template == hosted.DETACHED_TEXT
    assert slots(admission) == (0, 0)
    n = run.trainer.steps_done
    time.sleep(0.2)
    assert run.trainer.steps_done == n  # nothing stepped after the pause
    run.attach()
    run.start()
    assert run.slot.thread is not thread and run.slot.thread.is_alive()
    wait_for(lambda: run.trainer.steps_done > n + 3, what="steps after resume")
    steps = run.snapshot().history["step"]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)  # went on from n, no step twice


def test_a_detached_queued_run_leaves_the_queue_and_its_thread_ends(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    a, b = make_run(), make_run()
    a.start()
    b.start()
    thread = b.slot.thread
    b.detach()
    thread.join(5)
    assert not thread.is_alive() and slots(admission) == (1, 0) and b.state == "ready"


def test_start_right_after_detach_never_leaves_a_running_run_without_a_thread(make_run, admission):
    for _ in range(20):
        run = make_run()
        run.start()
        wait_for(lambda: run.trainer.steps_done > 0)  # noqa: B023 - waited on at once
        run.detach()
        run.attach()
        run.start()
        n = run.trainer.steps_done
        wait_for(lambda: run.trainer.steps_done > n, timeout=10, what="steps after a quick reattach")  # noqa: B023
        run.stop()


def test_a_run_nobody_looks_at_pauses_itself_and_one_watched_does_not(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_IDLE_PAUSE_S", "1")
    watched, ignored = make_run(), make_run()
    watched.start()
    ignored.start()
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        watched.snapshot()  # the page's fragment does this twice a second
        time.sleep(0.2)
    assert watched.state == "running"
    assert ignored.state == "paused" and ignored.message.template == hosted.IDLE_TEXT
    assert ignored.snapshot().message.startswith("paused: nobody looked at this run for 1 s (RNNPLAY_IDLE_PAUSE_S)")
    assert slots(admission) == (1, 0)
    ignored.slot.thread.join(5)  # its thread ends too, as after a disconnect
    assert not ignored.slot.thread.is_alive() and watched.slot.thread.is_alive()
    n = ignored.trainer.steps_done
    ignored.start()  # Resume: trains again, from the same step, in a new thread
    wait_for(lambda: ignored.trainer.steps_done > n, what="steps after resume")


def test_each_training_thread_sets_torchs_thread_count(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_THREADS", "2")
    run = make_run(steps=3)
    seen, real_step = [], run.trainer.step

    def step():
        seen.append(torch.get_num_threads())
        return real_step()

    run.trainer.step = step
    try:
        run.start()
        run.join(20)
    finally:
        torch.set_num_threads(1)
    assert seen == [2, 2, 2]


# a race is one training ------------------------------------------------------------------------------------
def test_a_race_takes_one_slot_and_a_run_queues_behind_it(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    race = Race([make_config("majority", arch=a, steps=40, **TINY) for a in ("rnn", "gru", "lstm")])
    run = make_run(steps=10)
    try:
        race.start()
        run.start()
        assert slots(admission) == (1, 1) and run.state == "queued"
        snap = race.snapshot()
        assert snap.state == "running" and snap.queue_position is None
        race.join(60)
        assert race.snapshot().state == "done" and race.snapshot().steps == [40, 40, 40]
        wait_for(lambda: run.snapshot().state == "done", what="the run after the race")
        assert slots(admission) == (0, 0)
        # and a race queues behind a run the same way
        other = make_run()
        other.start()
        race.reset()
        race.start()
        snap = race.snapshot()
        assert snap.state == "queued" and (snap.queue_position, snap.queue_length) == (1, 1)
        other.stop()
        wait_for(lambda: min(race.snapshot().steps) > 0, what="the race after the run")
    finally:
        race.stop()
    assert slots(admission) == (0, 0)


def test_a_detached_race_ends_its_thread_and_resumes(admission):
    race = Race([make_config("majority", arch=a, **TINY) for a in ("rnn", "gru")])
    try:
        race.start()
        wait_for(lambda: min(race.snapshot().steps) >= 2)
        thread = race.slot.thread
        t0 = time.perf_counter()
        race.detach()
        thread.join(5)
        assert not thread.is_alive() and time.perf_counter() - t0 < 2.0
        assert race.state == "paused" and slots(admission) == (0, 0)
        n = min(race.snapshot().steps)
        race.attach()
        race.start()
        wait_for(lambda: min(race.snapshot().steps) > n + 2, what="restart")
    finally:
        race.stop()
    assert slots(admission) == (0, 0)


# the page ------------------------------------------------------------------------------------------------
def test_playground_refuses_a_config_over_a_cap_with_a_message_and_trains_the_defaults(monkeypatch, stop_runs):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RNNPLAY_MAX_PARAMS", "2000")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/playground.py")
    at.query_params["hidden_size"] = "64"
    at.run()
    stop_runs.append(at)
    assert not at.exception
    texts = [w.value for w in at.warning] + [e.value for e in at.error]
    assert any("RNNPLAY_MAX_PARAMS" in x and "2,000" in x and "hidden_size=64" in x for x in texts), texts
    run = at.session_state["_run"]
    assert run.config.hidden_size == 32 and param_count(run.config) <= 2000  # the task's defaults


def _app(monkeypatch, page: str, **params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    return at


def test_playground_shows_a_queued_run_with_its_position_and_a_refusal(monkeypatch, admission, stop_runs):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "1")
    other = TrainingRun(make_config("majority", steps=1_000_000, **TINY))  # another session's run holds the slot
    try:
        other.start()
        at = _app(monkeypatch, "app_pages/playground.py")
        stop_runs.append(at)
        at.button(key="btn_train").click().run()
        assert not at.exception
        progress = status_line(at)
        assert "queued: position 1 of 1 — waits for a free slot" in progress, progress
        assert at.button(key="btn_train").disabled and not at.button(key="btn_pause").disabled
        # a third session past the queue is refused, with the message, and stays ready
        third = _app(monkeypatch, "app_pages/playground.py")
        stop_runs.append(third)
        third.button(key="btn_train").click().run()
        assert not third.exception and third.session_state["_run"].state == "ready"
        assert any(w.value == hosted.ADMISSION.refusal() for w in third.warning), [w.value for w in third.warning]
        assert "服务器正忙" in render(hosted.ADMISSION.refusal(), "zh") and "RNNPLAY_MAX_QUEUE=1" in render(
            hosted.ADMISSION.refusal(), "zh"
        )
        other.stop()
        wait_for(lambda: at.session_state["_run"].state == "running", what="the queued run to start")
    finally:
        other.stop()


def test_gradient_lab_refuses_an_entry_over_a_cap(monkeypatch, admission):
    monkeypatch.setenv("RNNPLAY_MAX_PARAMS", "3000")
    at = _app(monkeypatch, "app_pages/gradients.py", e1="arch:rnn", e2="arch:lstm,hidden_size:64")
    try:
        assert not at.exception
        errors = [e.value for e in at.error]
        assert any(e.startswith("entry 2: ") and "RNNPLAY_MAX_PARAMS" in e for e in errors), errors
        assert at.button(key="btn_train").disabled
    finally:
        if "_race" in at.session_state:
            at.session_state["_race"].stop()


def test_a_queued_run_nobody_looks_at_leaves_the_queue(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_IDLE_PAUSE_S", "1")
    watched, ignored = make_run(), make_run()
    watched.start()
    ignored.start()
    assert ignored.state == "queued"
    end = time.monotonic() + 3.0
    while time.monotonic() < end and ignored.state == "queued":
        watched.snapshot()
        time.sleep(0.1)
    assert ignored.state == "ready" and ignored.message.template == hosted.IDLE_TEXT  # never stepped: back to ready
    assert slots(admission) == (1, 0) and watched.state == "running"


def test_a_race_past_the_queue_is_refused_and_keeps_its_state(make_run, admission, monkeypatch):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    monkeypatch.setenv("RNNPLAY_MAX_QUEUE", "0")
    run = make_run()
    race = Race([make_config("majority", arch=a, **TINY) for a in ("rnn", "gru")])
    try:
        run.start()
        race.start()
        snap = race.snapshot()
        assert snap.state == "ready" and race.slot.thread is None
        assert snap.message.template == hosted.REFUSED_TEXT and "RNNPLAY_MAX_QUEUE=0" in snap.message
        assert all(r.state == "ready" for r in race.runs)
        run.stop()
        race.start()
        assert race.snapshot().state == "running" and race.snapshot().message == ""
    finally:
        race.stop()
    assert slots(admission) == (0, 0)


def test_live_redraws_are_paced_by_the_number_of_live_views():
    """One learner keeps 2 Hz; 30 live views together stay within the share of one core."""
    pacer = hosted.RedrawPacer(share=0.5, cost_s=0.05)
    assert pacer.interval(0.5, live_views=1) == 0.5
    assert pacer.interval(0.5, live_views=30) == pytest.approx(3.0)  # 30 x 0.05 s / 0.5 = 3 s
    assert pacer.interval(0.5, live_views=1, queued=True) == hosted.QUEUED_EVERY_S
    for _ in range(50):
        pacer.record(0.2)  # redraws got dearer (bigger charts)
    assert pacer.cost_s == pytest.approx(0.2, rel=0.01)
    assert pacer.interval(0.5, live_views=30) == pytest.approx(12.0, rel=0.01)


def test_the_pacer_counts_the_runs_that_step_or_wait(monkeypatch):
    ctl = hosted.Admission(max_active=1, max_queue=5)
    monkeypatch.setattr(hosted, "ADMISSION", ctl)
    pacer = hosted.RedrawPacer(share=0.5, cost_s=0.1)
    owners = [object() for _ in range(5)]
    for o in owners:
        ctl.request(o)
    assert pacer.interval(0.5) == pytest.approx(1.0)  # 5 live views x 0.1 s / 0.5
    for o in owners:
        ctl.release(o)
    assert pacer.interval(0.5) == 0.5


# the cost of a run on the pages (rnnplay/cost.py) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "needles"),
    [
        (
            {"task": "majority", "arch": "lstm", "hidden_size": "497", "batch_size": "256", "seq_len": "400"},
            ["needs about 3.4 GB of memory", "allows 512 MB a run", "RNNPLAY_MAX_RUN_MB"],
        ),
        ({"task": "copy", "delay": "1000"}, ["T=1020", "delay + 20", "RNNPLAY_MAX_SEQ_LEN"]),
    ],
    ids=["big-lstm", "copy-delay-1000"],
)
def test_playground_refuses_a_costly_link_with_its_estimate_and_keeps_the_defaults(
    monkeypatch, admission, stop_runs, params, needles
):
    at = _app(monkeypatch, "app_pages/playground.py", **params)
    stop_runs.append(at)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(all(n in e for n in needles) for e in errors), errors
    run = at.session_state["_run"]
    assert run.config == make_config(params["task"]) and not at.button(key="btn_train").disabled


def test_step_one_batch_on_a_full_server_is_refused_as_busy_on_the_page(monkeypatch, admission, stop_runs):
    monkeypatch.setenv("RNNPLAY_MAX_TRAININGS", "1")
    other = TrainingRun(make_config("majority", steps=1_000_000, **TINY))  # another session's run holds the slot
    try:
        other.start()
        at = _app(monkeypatch, "app_pages/playground.py")
        stop_runs.append(at)
        for _ in range(3):
            at.button(key="btn_step").click().run()
        assert not at.exception and at.session_state["_run"].trainer.steps_done == 0
        warnings = [w.value for w in at.warning]
        assert any("one batch needs one too" in w and "RNNPLAY_MAX_TRAININGS=1" in w for w in warnings), warnings
        other.pause()
        at.button(key="btn_step").click().run()
        assert at.session_state["_run"].trainer.steps_done == 1 and slots(admission) == (0, 0)
    finally:
        other.stop()


def test_gradient_lab_refuses_a_race_whose_entries_together_are_over_the_budget(monkeypatch, admission):
    monkeypatch.setenv("RNNPLAY_MAX_RUN_MB", "60")
    at = _app(monkeypatch, "app_pages/gradients.py", e1="arch:rnn", e2="arch:lstm", e3="arch:gru", e4="arch:lstm")
    try:
        assert not at.exception
        errors = [e.value for e in at.error]
        assert any("this race needs about" in e and "RNNPLAY_MAX_RUN_MB" in e for e in errors), errors
        assert at.button(key="btn_train").disabled
    finally:
        if "_race" in at.session_state:
            at.session_state["_race"].stop()
