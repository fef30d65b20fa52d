"""The narrator panel a page shows when its URL has ?lesson=<id>.

A bordered panel: the lesson's title, the current step's sentence, which chart to look at (outlined on
the page through its `.st-key-<key>` class), and Back / Next / Auto-play / Free play. The sentence is a
fragment that polls once a second while the run trains, so its numbers follow the charts while its claim
holds; under Auto-play it also asks `rnnplay.lessons.next_step` whether the next step's condition holds;
entering a step (auto-play or Next) does its action to the run (start, pause, resume).
Free play drops only the `lesson` parameter: the settings and the run stay as they are. Works on one
TrainingRun or on a race (an object with `.runs`, each a TrainingRun, and start/pause/resume of its own).
Every text is rnnplay.lessons' N_-marked English, shown with tr() in the session's language.
"""

from __future__ import annotations

import time

import streamlit as st

from app_pages.i18n import tr
from app_pages.ui.live_chart import point_at
from app_pages.ui.teacher import LEFT_LESSON
from rnnplay.config import parse_params
from rnnplay.lessons import (
    BY_ID,
    CHART_LABELS,
    HOLDS,
    LESSONS,
    MISSED,
    TERMINAL,
    UI,
    WAITING,
    Lesson,
    Step,
    claim_status,
    next_step,
    sentence_for,
)
from rnnplay.run import ACTIVE, RunState, Snapshot
from rnnplay.untrusted import shorten

AUTO_EVERY_S = 1.0
PAGE_FILES = {"playground": "app_pages/playground.py", "gradients": "app_pages/gradients.py"}


def progress(run_or_race) -> tuple[int, RunState]:
    """(steps done, state) to pace a lesson by. A race counts the slowest run still training and is
    ended only when every run has ended (one diverged run must not end the lesson's wait)."""
    runs = getattr(run_or_race, "runs", None)
    if runs is None:
        return run_or_race.steps_done, run_or_race.state
    runs = list(runs.values()) if isinstance(runs, dict) else list(runs)
    live = [r for r in runs if r.state not in TERMINAL]
    if not live:
        return max(r.steps_done for r in runs), RunState.DONE
    states = {r.state for r in live}
    state = next((s for s in (RunState.RUNNING, RunState.PAUSED) if s in states), RunState.READY)
    return min(r.steps_done for r in live), state


def snaps(run_or_race) -> list[Snapshot]:
    """The snapshots a lesson's claims read: a race's entries in order, or the one run."""
    runs = getattr(run_or_race, "runs", None)
    if runs is None:
        return [run_or_race.snapshot()]
    return [r.snapshot() for r in (runs.values() if isinstance(runs, dict) else runs)]


class _Numbers(dict):
    """A claim's numbers for str.format_map: one it has not measured yet reads "…", never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "…"


def filled(template: str, numbers: dict) -> str:
    """An N_ template in the session's language with a claim's numbers in its {placeholders}."""
    return tr(template).format_map(_Numbers(numbers))


def shown_numbers(step: Step, said: tuple[str, dict], now: list[Snapshot], state: str) -> tuple[str, dict]:
    """(status, numbers) to say a step with. While its claim still holds, the numbers are today's, read
    from the snapshots the charts beside it draw; once it no longer holds (the run moved on), the numbers
    it was entered with, which the sentence dates ("at step 191")."""
    status, numbers = said
    if status != HOLDS or step.claim is None:
        return said
    now_status, now_numbers = claim_status(step, now, state)
    return (HOLDS, now_numbers) if now_status == HOLDS else said


def act(run_or_race, action: str | None) -> bool:
    """Do a step's action to the run; True when it changed anything (the page then redraws in full)."""
    _, state = progress(run_or_race)
    if action == "train" and state in (RunState.READY, RunState.PAUSED):
        run_or_race.start()
    elif action == "pause" and state == RunState.RUNNING:
        run_or_race.pause()
    elif action == "resume" and state == RunState.PAUSED:
        getattr(run_or_race, "resume", run_or_race.start)()
    else:
        return False
    return True


def _keys(lesson: Lesson) -> tuple[str, str]:
    return f"_lesson_{lesson.id}_index", f"_lesson_{lesson.id}_t0"


def _said_key(lesson: Lesson) -> str:
    """{index: (status, numbers)}: how each step entered so far was said, and with which numbers."""
    return f"_lesson_{lesson.id}_said"


def _wait_key(lesson: Lesson) -> str:
    """(index, numbers) of the step Next could not enter yet, its claim still waiting; None otherwise."""
    return f"_lesson_{lesson.id}_wait"


def _go(lesson: Lesson, index: int, run_or_race=None, give_up: bool = False) -> None:
    """Show step `index`; given the run, also do the step's action to it (Back passes none). Going forward
    onto a step whose claim the run does not show yet stays where it is and says what the class waits
    for (auto-play after its time-out passes give_up: the step is said its `otherwise` way)."""
    k_index, k_t0 = _keys(lesson)
    index = max(0, min(index, len(lesson.steps) - 1))
    said = st.session_state.setdefault(_said_key(lesson), {})
    st.session_state[_wait_key(lesson)] = None
    if run_or_race is not None and index > st.session_state.get(k_index, 0):
        _, state = progress(run_or_race)
        status, numbers = claim_status(lesson.steps[index], snaps(run_or_race), state)
        if status == WAITING and not give_up:
            st.session_state[_wait_key(lesson)] = (index, numbers)
            return
        said[index] = (HOLDS if status == HOLDS else MISSED, numbers)
    st.session_state[k_index], st.session_state[k_t0] = index, time.monotonic()
    if run_or_race is not None:
        act(run_or_race, lesson.steps[index].action)


def _toggle_auto(lesson: Lesson, run_or_race) -> None:
    on = not st.session_state.get("_lesson_auto", False)
    st.session_state["_lesson_auto"] = on
    if on:  # start where we are: this step's action too (e.g. train), and its clock from now
        k_index, _ = _keys(lesson)
        _go(lesson, st.session_state.get(k_index, 0), run_or_race)


def _free_play() -> None:
    st.session_state["_lesson_auto"] = False
    st.session_state[LEFT_LESSON] = True  # a teacher's view does not put the lesson back
    if "lesson" in st.query_params:
        del st.query_params["lesson"]


def _highlight(step: Step, index: int) -> None:
    """Outline the chart the step points at and scroll it into view (once per step); a chart in one of
    the live view's tabs is opened there (app_pages/ui/run_view.py reads _lesson_point_at)."""
    st.session_state["_lesson_point_at"] = (step.point_at, index)
    if step.point_at:
        point_at(step.point_at, token=f"{step.point_at}:{index}")


def _differs(lesson: Lesson, run_or_race) -> list[str]:
    """The lesson's configuration fields that this run does not have (a Playground lesson link edited
    by hand, or ?lesson= added to another configuration)."""
    config = getattr(run_or_race, "config", None)
    if lesson.page != "playground" or config is None:
        return []
    want, _ = parse_params({k: str(v) for k, v in lesson.params.items()})
    return [k for k in lesson.params if getattr(config, k) != getattr(want, k)]


def _waiting_text(step: Step) -> str:
    if step.until is None or step.until.seconds is not None:
        return ""
    if step.until.finished:
        return tr(UI["waiting_finished"])
    return tr(UI["waiting_steps"], n=step.until.steps)


def active() -> bool:
    """Whether the URL names a lesson: the page then keeps a column beside its charts for the narration."""
    return bool(st.query_params.get("lesson"))


def charts_area(run_or_race, page: str):
    """Where a page draws its live charts: the page's width, or, when the URL names a lesson, a column
    with the narration beside it (drawn here)."""
    if not active():
        return st.container()
    charts, beside = st.columns([2.8, 1])
    with beside:
        show(run_or_race, page=page)
    return charts


def show(run_or_race, page: str | None = None) -> None:
    """Draw the narrator when the URL names a lesson; nothing otherwise. `page` ("playground" or
    "gradients") lets the panel say when a lesson belongs on the other page."""
    lesson_id = st.query_params.get("lesson")
    if not lesson_id:
        return
    lesson = BY_ID.get(lesson_id)
    if lesson is None:
        ids = ", ".join(lesson.id for lesson in LESSONS)
        st.warning(tr(UI["unknown"], id=shorten(lesson_id), ids=ids), icon=":material/warning:")
        return
    k_index, k_t0 = _keys(lesson)
    st.session_state.setdefault(k_index, 0)
    st.session_state.setdefault(k_t0, time.monotonic())
    auto = st.session_state.get("_lesson_auto", False)

    # The sentence polls (auto-play); the buttons stay outside its fragment, so a click reruns the page's run
    # area (app_pages/playground.py, gradients.py), this panel in it: never lost to a run of the sentence under
    # way, and the page's run bar and charts follow what it did.
    live = progress(run_or_race)[1] in ACTIVE

    @st.fragment(run_every=AUTO_EVERY_S if auto or live else None)
    def sentence() -> None:
        index = st.session_state[k_index]
        waiting = None  # what auto-play or Next waits for before the next step's sentence is true
        if auto:
            steps_done, state = progress(run_or_race)
            now = snaps(run_or_race)
            new = next_step(lesson, index, steps_done, state, time.monotonic() - st.session_state[k_t0], now)
            if new != index:
                _go(lesson, new, run_or_race, give_up=True)
                if new == len(lesson.steps) - 1:
                    st.session_state["_lesson_auto"] = False
                st.rerun()  # the page's buttons and live charts follow the run's new state
            if index + 1 < len(lesson.steps):
                nxt = lesson.steps[index + 1]
                status, numbers = claim_status(nxt, now, state)
                if status == WAITING:
                    waiting = filled(nxt.claim.waiting, numbers)
        pending = st.session_state.get(_wait_key(lesson))
        if waiting is None and pending and pending[0] == index + 1:
            waiting = filled(lesson.steps[index + 1].claim.waiting, pending[1])
        step = lesson.steps[index]
        said = st.session_state.get(_said_key(lesson), {}).get(index, (HOLDS, {}))
        status, numbers = shown_numbers(step, said, snaps(run_or_race), progress(run_or_race)[1])
        _highlight(step, index)
        st.markdown(f"**{tr(UI['lesson'], title=tr(lesson.title))}**")
        st.markdown(filled(sentence_for(step, status), numbers))
        if waiting:
            st.markdown(f"*{waiting}*")
        bits = [tr(UI["step"], i=index + 1, n=len(lesson.steps))]
        if step.point_at:
            bits.append(tr(UI["look_at"], chart=tr(CHART_LABELS.get(step.point_at, step.point_at))))
        if auto and _waiting_text(step):
            bits.append(_waiting_text(step))
        st.caption(" · ".join(bits))

    # the panel stays in view, below Streamlit's sticky header (3.75rem), while the page scrolls to a chart below:
    # the keyed container sits in a wrapper of its own height, so the wrapper is what sticks within the column
    # (as tall as the charts')
    st.html(
        "<style>[data-testid=stLayoutWrapper]:has(> .st-key-lesson_panel) "
        "{position: sticky; top: 4rem; z-index: 2;}</style>"
    )
    with st.container(border=True, key="lesson_panel"):
        sentence()
        index, last = st.session_state[k_index], len(lesson.steps) - 1
        # Back and Next side by side, then Auto-play and Free play each across the panel (a narrow column)
        c = [*st.columns(2), st.container(), st.container()]
        c[0].button(
            tr(UI["back"]),
            key="lesson_back",
            disabled=index == 0,
            icon=":material/arrow_back:",
            on_click=_go,
            args=(lesson, index - 1),
            width="stretch",
        )
        c[1].button(
            tr(UI["next"]),
            key="lesson_next",
            disabled=index == last,
            icon=":material/arrow_forward:",
            on_click=_go,
            args=(lesson, index + 1, run_or_race),
            width="stretch",
        )
        c[2].button(
            tr(UI["auto_stop"] if auto else UI["auto"]),
            key="lesson_auto",
            type="secondary" if auto else "primary",
            icon=":material/pause_circle:" if auto else ":material/play_circle:",
            on_click=_toggle_auto,
            args=(lesson, run_or_race),
            disabled=index == last and not auto,
            width="stretch",
        )
        c[3].button(
            tr(UI["free"]),
            key="lesson_free",
            help=tr(UI["free_help"]),
            on_click=_free_play,
            icon=":material/explore:",
            width="stretch",
        )
        if page is not None and page != lesson.page:
            st.caption(tr(UI["other_page"], id=lesson.id, page=tr(UI[f"page_{lesson.page}"])))
        differs = _differs(lesson, run_or_race)
        if differs:
            st.caption(tr(UI["differs"], fields=", ".join(differs)))
            st.page_link(
                PAGE_FILES[lesson.page],
                label=tr(UI["restart"]),
                query_params=lesson.query_params,
                icon=":material/restart_alt:",
            )
