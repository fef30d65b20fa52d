"""Lessons and guided lessons: the lesson data parse as share links, the auto-pacing (`next_step`) moves on exactly
when a step's condition holds, rnnplay.lessons stays torch-free for Home, Home links every lesson, and
the narrator panel on the Playground shows a lesson, steps through it (acting on the run), drops the
lesson for free play and names an unknown lesson."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnplay.config import parse_params
from rnnplay.lessons import (
    BY_ID,
    CHART_LABELS,
    LESSONS,
    TERMINAL,
    Lesson,
    Step,
    after_steps,
    finished,
    next_step,
    reading,
    reading_seconds,
)
from tests.test_pages import open_app

ROOT = Path(__file__).resolve().parents[1]


# the data ------------------------------------------------------------------------------------
def test_lessons_are_the_six_of_the_issue_in_order():
    assert [lesson.id for lesson in LESSONS] == ["vanishing", "exploding", "bidirectional", "random", "hello", "copy"]
    for lesson in LESSONS:
        assert lesson.page in ("playground", "gradients")
        assert len(lesson.steps) >= 3 and lesson.summary and lesson.title
        assert any(s.action == "train" for s in lesson.steps), lesson.id
        assert lesson.query_params["lesson"] == lesson.id


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.page == "playground"], ids=lambda x: x.id)
def test_playground_lesson_params_parse_without_warnings(lesson: Lesson):
    config, warnings = parse_params({k: v for k, v in lesson.query_params.items() if k != "lesson"})
    assert warnings == []
    for k, v in lesson.params.items():
        assert str(getattr(config, k)).lower() == str(v).lower()


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.page == "gradients"], ids=lambda x: x.id)
def test_gradient_lab_lesson_params_name_a_race_demo_and_parse_without_warnings(lesson: Lesson):
    """The Gradient lab reads ?race=<demo> (rnnplay.race.PRESETS), e1..e4 (entries) and RunConfig fields."""
    from rnnplay.race import PRESETS, check_entries, parse_entry

    params = {k: v for k, v in lesson.query_params.items() if k != "lesson"}
    assert params["race"] in PRESETS
    shared = {k: v for k, v in params.items() if k != "race" and not re.fullmatch(r"e[1-4]", k)}
    _, warnings = parse_params({**shared, "task": PRESETS[params["race"]][0].task})
    assert warnings == []
    base = PRESETS[params["race"]][0].replace(**shared)
    configs = []
    for key in ("e1", "e2", "e3", "e4"):
        if key in params:
            config, warnings = parse_entry(params[key], base)
            assert warnings == []
            configs.append(config)
    if configs:
        check_entries(configs)  # they can race: same data


def test_every_chart_a_step_points_at_is_named():
    for lesson in LESSONS:
        for step in lesson.steps:
            assert step.point_at is None or step.point_at in CHART_LABELS, (lesson.id, step.point_at)


def test_a_step_refuses_an_unknown_action_by_name():
    with pytest.raises(ValueError, match="action='jump'"):
        Step("x", action="jump")


def test_lessons_module_does_not_import_torch():
    """Home imports rnnplay.lessons and must paint before torch loads."""
    code = "import sys, rnnplay.lessons; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# the pacing ----------------------------------------------------------------------------------
TOY = Lesson(
    id="toy",
    title="t",
    summary="s",
    page="playground",
    params={},
    steps=(
        Step("read me", until=reading(5)),
        Step("train", until=after_steps(100), action="train"),
        Step("wait for the end", until=finished()),
        Step("no condition: as long as it takes to read these few words"),
        Step("last"),
    ),
)


def test_next_step_waits_for_reading_time():
    assert next_step(TOY, 0, 0, "ready", elapsed_s=4.9) == 0
    assert next_step(TOY, 0, 0, "ready", elapsed_s=5.0) == 1


def test_next_step_waits_for_training_steps_or_the_end_of_the_run():
    read = 60.0  # long enough to have read the sentence
    assert next_step(TOY, 1, 99, "running", read) == 1
    assert next_step(TOY, 1, 100, "running", read) == 2
    assert next_step(TOY, 1, 3, "paused", elapsed_s=999) == 1  # time alone does not end a steps wait
    for state in TERMINAL:  # a run that diverged at step 3 must not leave the lesson waiting forever
        assert next_step(TOY, 1, 3, state, read) == 2


def test_next_step_waits_for_the_run_to_finish():
    assert next_step(TOY, 2, 10_000, "running", elapsed_s=999) == 2
    assert next_step(TOY, 2, 10, "paused", elapsed_s=999) == 2
    assert next_step(TOY, 2, 10, "done", elapsed_s=60) == 3


def test_a_step_stands_long_enough_to_be_read_even_when_training_is_past_it():
    """A finished run satisfies every training condition at once: the steps must not flash by."""
    need = reading_seconds(TOY.steps[2].say)
    assert need >= 5
    assert next_step(TOY, 2, 10, "done", elapsed_s=need - 0.1) == 2
    assert next_step(TOY, 2, 10, "done", elapsed_s=need) == 3
    assert next_step(TOY, 1, 100, "running", elapsed_s=0.5) == 1


def test_a_step_without_condition_stands_for_its_reading_time():
    assert next_step(TOY, 3, 0, "done", elapsed_s=4.0) == 3
    assert next_step(TOY, 3, 0, "done", elapsed_s=6.0) == 4


def test_the_last_step_stays_and_indices_are_clamped():
    assert next_step(TOY, 4, 10**6, "done", elapsed_s=10**6) == 4
    assert next_step(TOY, 99, 0, "ready") == 4
    assert next_step(TOY, -3, 0, "ready", elapsed_s=10) == 1


# Home ----------------------------------------------------------------------------------------
def test_home_shows_a_card_with_a_link_per_lesson():
    at = open_app()
    assert not at.exception
    queries = [p.proto.query_string for p in at.get("page_link")]
    for lesson in LESSONS:
        assert any(lesson.title in m.value for m in at.markdown), lesson.id
        assert any(f"lesson={lesson.id}" in q for q in queries), f"no link for lesson {lesson.id}: {queries}"


# the narrator on the Playground -----------------------------------------------------------------
def age(at: AppTest, lesson_id: str, times: int = 1) -> None:
    """Let the current step stand 100 s (its sentence read), then poll once, `times` times: AppTest fires no
    run_every timers, so each run() is one auto-play poll."""
    for _ in range(times):
        at.session_state[f"_lesson_{lesson_id}_t0"] = time.monotonic() - 100
        at.run()


def panel_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n" + "\n".join(c.value for c in at.caption)


def test_narrator_shows_the_lesson_and_next_starts_training(stop_runs):
    at = open_app("app_pages/playground.py", **BY_ID["hello"].query_params)
    stop_runs.append(at)
    assert not at.exception
    hello = BY_ID["hello"]
    text = panel_text(at)
    assert f"Lesson: {hello.title}" in text and hello.steps[0].say in text and "step 1 of" in text
    assert at.session_state["_run"].state == "ready"  # opening a lesson never trains by itself
    assert not [w.value for w in at.warning if "lesson" in w.value]  # ?lesson= is no bad share-link parameter

    at.button(key="lesson_next").click().run()
    assert not at.exception
    assert hello.steps[1].say in panel_text(at) and "step 2 of" in panel_text(at)
    assert hello.steps[1].action == "train"
    run = at.session_state["_run"]
    assert run.state in ("running", "done") and run.config.task == "charlm"

    at.button(key="lesson_back").click().run()
    assert hello.steps[0].say in panel_text(at)


def test_auto_play_moves_on_when_the_condition_holds(stop_runs):
    at = open_app("app_pages/playground.py", **BY_ID["hello"].query_params)
    stop_runs.append(at)
    hello = BY_ID["hello"]
    at.button(key="lesson_next").click().run()  # step 2 trains: 200 steps of charlm "hello", < 2 s
    run = at.session_state["_run"]
    for _ in range(100):
        if run.state == "done":
            break
        time.sleep(0.1)
    assert run.state == "done"
    at.button(key="lesson_auto").click().run()
    at.run()
    assert hello.steps[1].say in panel_text(at)  # the condition holds, but the sentence is still being read
    age(at, "hello", 2)
    assert not at.exception
    assert hello.steps[3].say in panel_text(at)  # "after 100 steps", then "finished": both held


def test_free_play_drops_only_the_lesson_parameter(stop_runs):
    at = open_app("app_pages/playground.py", **BY_ID["hello"].query_params)
    stop_runs.append(at)
    at.button(key="lesson_free").click().run()
    assert not at.exception
    assert "lesson" not in at.query_params
    assert at.query_params["task"] == "charlm"
    assert "Lesson:" not in panel_text(at)
    assert at.session_state["_run"].config.task == "charlm"


def test_an_unknown_lesson_is_named_in_a_warning(stop_runs):
    at = open_app("app_pages/playground.py", task="charlm", lesson="nosuch")
    stop_runs.append(at)
    assert not at.exception
    assert any("nosuch" in w.value and "hello" in w.value for w in at.warning)


def test_narrator_on_the_gradient_lab_races_the_lesson(stop_runs):
    """The exploding lesson on the Gradient lab: Next starts the race; the unclipped entry diverges, the
    clipped one trains, and auto-play moves past the steps that wait for training."""
    lesson = BY_ID["exploding"]
    at = open_app("app_pages/gradients.py", **lesson.query_params)
    race = at.session_state["_race"]
    try:
        assert not at.exception
        assert f"Lesson: {lesson.title}" in panel_text(at)
        assert [c.clip_mode for c in race.configs] == ["off", "norm"]
        at.button(key="lesson_next").click().run()
        assert not at.exception and lesson.steps[1].say in panel_text(at)
        for _ in range(300):
            if race.state == "done":
                break
            time.sleep(0.1)
        snap = race.snapshot()
        assert [s.state for s in snap.runs] == ["diverged", "done"]
        at.button(key="lesson_auto").click().run()
        age(at, "exploding", 3)
        text = panel_text(at)  # past the unclipped run's two claims, the clipped run's holds: its numbers filled in
        assert lesson.steps[4].say.split("{")[0] in text and "{loss}" not in text and "{rho_max}" not in text
    finally:
        race.stop()


# claims: a step is entered only when the run shows what it says ------------------------------------
def _claim(status: str, numbers: dict):
    from rnnplay.lessons import Claim

    return Claim(lambda snaps: (status, numbers), waiting="wait {x}", otherwise="missed {x}", timeout_s=60)


def test_next_step_waits_for_the_next_claim_and_gives_up_after_its_time_out():
    from rnnplay.lessons import HOLDS, MISSED, WAITING

    def lesson(status):
        steps = (Step("a", until=reading(5)), Step("b {x}", claim=_claim(status, {"x": 1})), Step("c"))
        return Lesson(id="c", title="t", summary="s", page="playground", params={}, steps=steps)

    assert next_step(lesson(HOLDS), 0, 0, "running", elapsed_s=6, snaps=[]) == 1
    assert next_step(lesson(MISSED), 0, 0, "running", elapsed_s=6, snaps=[]) == 1  # said its otherwise way
    assert next_step(lesson(WAITING), 0, 0, "running", elapsed_s=6, snaps=[]) == 0
    assert next_step(lesson(WAITING), 0, 0, "running", elapsed_s=5 + 60, snaps=[]) == 1  # the time-out
    assert next_step(lesson(WAITING), 0, 10, "done", elapsed_s=6, snaps=[]) == 1  # ended: it cannot come


def test_claim_status_and_the_sentence_said():
    from rnnplay.lessons import HOLDS, MISSED, WAITING, claim_status, sentence_for

    step = Step("b {x}", claim=_claim(WAITING, {"x": 1}))
    assert claim_status(step, [], "running") == (WAITING, {"x": 1})
    assert claim_status(step, [], "diverged")[0] == MISSED
    assert sentence_for(step, HOLDS) == "b {x}" and sentence_for(step, MISSED) == "missed {x}"
    assert claim_status(Step("plain"), None, "ready") == (HOLDS, {})


def test_next_waits_on_a_claim_the_run_does_not_show_yet(stop_runs):
    """Pressing Next onto the vanishing lesson's third step before any probe: the panel stays and says
    what the class waits for."""
    lesson = BY_ID["vanishing"]
    at = open_app("app_pages/gradients.py", **lesson.query_params)
    race = at.session_state["_race"]
    try:
        at.session_state["_lesson_vanishing_index"] = 1  # "Training all three", without training
        at.run()
        at.button(key="lesson_next").click().run()
        assert not at.exception
        text = panel_text(at)
        assert lesson.steps[1].say in text and "Waiting for the first probe" in text
        assert at.session_state["_lesson_vanishing_index"] == 1
    finally:
        race.stop()


def test_a_step_quotes_the_numbers_of_now_while_its_claim_holds_and_its_own_once_it_no_longer_does():
    from app_pages.narrator import shown_numbers
    from rnnplay.lessons import HOLDS, MISSED, WAITING, Claim, Step

    # the claim: the RNN's h1/h_T is below 1e-8 (the snapshot here is just that ratio)
    def check(snaps):
        ratio = snaps[0]["ratio"]
        return (HOLDS if ratio < 1e-8 else WAITING), {"ratio": f"{ratio:.0e}"}

    step = Step("h1/h_T is {ratio}", claim=Claim(check, waiting="w", otherwise="o"))
    entered = (HOLDS, {"ratio": "2e-10"})
    assert shown_numbers(step, entered, [{"ratio": 9e-13}], "running") == (HOLDS, {"ratio": "9e-13"})
    assert shown_numbers(step, entered, [{"ratio": 0.3}], "running") == entered  # moved on: the dated numbers
    assert shown_numbers(step, (MISSED, {}), [{"ratio": 1e-12}], "done") == (MISSED, {})
    plain = Step("no numbers")
    assert shown_numbers(plain, (HOLDS, {}), [{"ratio": 1.0}], "running") == (HOLDS, {})


def test_the_loss_at_a_step_before_the_first_history_bucket_is_that_buckets():
    """A long run's history keeps buckets labelled by their last step: the loss "at step 1" is the first
    bucket's, never None (a lesson sentence said "its loss, None at step 1")."""
    from types import SimpleNamespace

    from rnnplay.lessons import loss_at

    snap = SimpleNamespace(history={"step": [4, 8, 12], "loss": [0.9, 0.5, 0.3]})
    assert loss_at(snap, 1) == 0.9
    assert loss_at(snap, 8) == loss_at(snap, 9)
    assert loss_at(SimpleNamespace(history={"step": [], "loss": []}), 1) is None
