"""Lessons (S2, S6): the lesson data parse as share links, the auto-pacing (`next_step`) moves on exactly
when a step's condition holds, rnnplay.lessons stays torch-free for Home, Home links every lesson, and
the narrator panel on the Playground shows a lesson, steps through it (acting on the run), drops the
lesson for free play and names an unknown lesson."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnplay.config import parse_params
from rnnplay.lessons import BY_ID, LESSONS, TERMINAL, Lesson, Step, after_steps, finished, next_step, reading

ROOT = Path(__file__).resolve().parents[1]


def open_app(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    return at


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
    assert next_step(TOY, 1, 99, "running") == 1
    assert next_step(TOY, 1, 100, "running") == 2
    assert next_step(TOY, 1, 3, "paused", elapsed_s=999) == 1  # time alone does not end a steps wait
    for state in TERMINAL:  # a run that diverged at step 3 must not leave the lesson waiting forever
        assert next_step(TOY, 1, 3, state) == 2


def test_next_step_waits_for_the_run_to_finish():
    assert next_step(TOY, 2, 10_000, "running", elapsed_s=999) == 2
    assert next_step(TOY, 2, 10, "paused") == 2
    assert next_step(TOY, 2, 10, "done") == 3


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
    at.button(key="lesson_auto").click().run()  # AppTest fires no timers: each run() is one poll
    for _ in range(3):
        at.run()
    assert not at.exception
    assert hello.steps[3].say in panel_text(at)  # "after 100 steps", then "finished", both hold


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
