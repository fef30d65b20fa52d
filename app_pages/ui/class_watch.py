"""A configuration trained once for a class, on the Playground (RNNPLAY_SHARE_RUNS=1; rnnplay/class_runs.py).

When a learner presses Train (or a lesson's step trains) on a fresh run whose configuration is already
training or finished as its key's class run, in this process or on another replica sharing the store,
the page watches that run instead of training it again: its live charts (or, finished, its whole
history at once), labelled as the class's run, with "Train my own copy" one click away. The watched run
is never this session's: the page draws it and offers none of its controls. The session keeps its own
fresh run meanwhile, which "Train my own copy" starts.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import streamlit as st

from app_pages.i18n import tr
from app_pages.ui.session_run import LIVE_RUNS, run_store_or_none
from rnnplay import class_runs
from rnnplay.config import RunConfig
from rnnplay.i18n import N_
from rnnplay.run import ACTIVE, FINISHED, RunState
from rnnplay.run.record import SAVE_EVERY_S
from rnnplay.run.training_run import TrainingRun
from rnnplay.store import StoreError

WATCH = "_class_watch"  # session_state: the class run watched: {"id", "key", "view": stored copy, "version"}
CLAIM = "_class_claim"  # session_state: (key, run id) while this session's run is its key's class run
WATCHING_TEXT = N_(
    "Watching the class's run of this configuration — trained once for everyone (run {id}). "
    "Its controls belong to the learner who started it."
)
ELSEWHERE_TEXT = N_("It trains on another server: these charts follow its saves, every {s:g} s.")


def train_or_watch(run: TrainingRun) -> bool:
    """Train was pressed on `run`: True when the page watches its configuration's class run instead
    (run stays untouched); False to train run as usual, which is then its key's class run when none
    worth watching exists. Only fresh runs are shared; without the setting, a key or a store, nothing is."""
    if not class_runs.enabled() or run.steps_done or run.state != RunState.READY:
        return False
    key, store = class_runs.config_key(run.config), run_store_or_none()
    if key is None or store is None:
        return False
    try:
        class_id, _ = store.claim_class_run(key, run.id, class_runs.FRESH_S)
    except StoreError:  # the store is down: everyone trains their own, as without the setting
        return False
    if class_id == run.id:
        st.session_state[CLAIM] = (key, run.id)
        return False
    st.session_state[WATCH] = {"id": class_id, "key": key, "view": None, "version": None}
    return True


def count_training(config: RunConfig) -> None:
    """A training of `config` that is not its class run (an own copy, a run trained anew): counted."""
    key, store = class_runs.config_key(config) if class_runs.enabled() else None, run_store_or_none()
    if key is not None and store is not None:
        try:
            store.count_training(key)
        except StoreError:
            pass  # a count lost while the store is down; the training goes on


def release(run: TrainingRun) -> None:
    """The session's run no longer computes its configuration as given (reset while it trained, a
    learning rate or clipping changed live): it stops being its key's class run."""
    claim, store = st.session_state.get(CLAIM), run_store_or_none()
    if claim is None or claim[1] != run.id:
        return
    del st.session_state[CLAIM]
    if store is not None and run.state not in (RunState.DONE, RunState.DIVERGED):
        try:
            store.release_class_run(*claim)
        except StoreError:
            pass  # the claim goes stale by itself once the run stops saving (class_runs.FRESH_S)


def stop_watching() -> None:
    st.session_state.pop(WATCH, None)


def watched(config: RunConfig) -> TrainingRun | None:
    """The class run this session watches, or None. The live run when this process trains it; else the
    run rebuilt from the store, read again when its stored version changed; before its first save (it
    has just started on another replica), an empty run of its configuration under its id. Changing the
    settings away from its configuration, or the run expiring or going silent, ends the watching."""
    w = st.session_state.get(WATCH)
    if w is None:
        return None
    if class_runs.config_key(config) != w["key"]:
        stop_watching()
        return None
    live = LIVE_RUNS.peek(w["id"])
    if live is not None:
        w["view"] = None
        return live
    store = run_store_or_none()
    elsewhere = None  # the state of a class run that trains on another replica
    try:
        stored = store.row_version(w["id"]) if store is not None else None
        if stored is not None and (w["view"] is None or stored[0] != w["version"]):
            record = store.load(w["id"])
            if record is not None:
                w["view"], w["version"] = TrainingRun.from_record(record), record["version"]
        elif stored is None and store is not None and _just_claimed(store, w):
            if w["view"] is None:
                w["view"] = TrainingRun(config)
                w["view"].saver.id = w["id"]
            elsewhere = RunState.RUNNING  # claimed and started there, not saved yet
        elif stored is None:
            w["view"] = None  # expired, or never saved and its claim gone stale
        if stored is not None and stored[1] in ACTIVE:
            elsewhere = RunState(stored[1])
    except StoreError:
        pass  # the copy already read, if any, is shown on
    if w["view"] is None:
        stop_watching()
        return None
    return Elsewhere(w["view"], elsewhere) if elsewhere is not None else w["view"]


class Elsewhere:
    """A class run that trains on another replica, as rebuilt from its last save: it shows the state the
    store has for it (training, queued), not the "paused" of a copy read back from the store."""

    def __init__(self, run: TrainingRun, state: RunState):
        self._run, self.state = run, state

    def __getattr__(self, name: str):
        return getattr(self._run, name)

    def snapshot(self):
        return dataclasses.replace(self._run.snapshot(), state=self.state)


def _just_claimed(store, w: dict) -> bool:
    """Whether the watched run is still its key's fresh claim (started, not saved yet)."""
    found = store.class_run(w["key"])
    return bool(found) and found["run_id"] == w["id"] and time.time() - found["claimed"] <= class_runs.FRESH_S


def watch_bar(shown: TrainingRun, own_copy: Callable[[], None]):
    """The bar that replaces the run's buttons while watching: what this is, and "Train my own copy".
    Returns its last column, for the chart options."""
    st.info(tr(WATCHING_TEXT, id=shown.id), icon=":material/groups:")
    c = st.columns([1.6, 1.4, 1.6])
    c[0].button(
        tr("Train my own copy"), on_click=own_copy, type="primary", key="btn_own_copy", icon=":material/person:"
    )
    c[1].button(tr("Stop watching"), on_click=stop_watching, key="btn_stop_watching", icon=":material/close:")
    state = _stored_state() if LIVE_RUNS.peek(shown.id) is None else "here"
    if state in (None, "running", "queued"):
        st.caption(tr(ELSEWHERE_TEXT, s=SAVE_EVERY_S))
    if state not in ("here", "done", "diverged"):
        st.fragment(_follow_store, run_every=SAVE_EVERY_S)()
    return c[2]


def _stored_state() -> str | None:
    w, store = st.session_state.get(WATCH), run_store_or_none()
    try:
        found = store.row_version(w["id"]) if w and store is not None else None
    except StoreError:
        return None
    return found[1] if found else None


def _follow_store() -> None:
    """A class run training on another replica: the page redraws when it has saved a newer version, or
    when it is gone (expired, or never saved and its claim stale: the watching ends)."""
    w, store = st.session_state.get(WATCH), run_store_or_none()
    if w is None or store is None:
        return
    try:
        found = store.row_version(w["id"])
        gone = found is None and not _just_claimed(store, w)
    except StoreError:
        return
    if gone or (found is not None and found[0] != w["version"]):
        st.rerun(scope="app")


def replay(shown: TrainingRun):
    """A finished class run comes with a step slider to scrub through it (at its end at first): the run
    as the charts draw it at the chosen step (Replay), or the run itself at its end."""
    if shown.state not in FINISHED or shown.steps_done < 2:
        return shown
    step = st.slider(
        tr("Replay: step"), 1, shown.steps_done, shown.steps_done, key=f"class_replay_{shown.id}_{shown.steps_done}"
    )
    return shown if step >= shown.steps_done else Replay(shown, step)


class Replay:
    """A finished run as its charts were at `step` (class_runs.replayed); nothing of it trains."""

    def __init__(self, run: TrainingRun, step: int):
        self._run, self.step = run, step

    def __getattr__(self, name: str):
        return getattr(self._run, name)

    def snapshot(self):
        return class_runs.replayed(self._run.snapshot(), self.step)


class Shown:
    """What a lesson's narrator follows and acts on: the watched class run while watching, whose controls
    do nothing here (it is not this session's); else the session's run, whose start goes through `train`,
    so a lesson's Train shares the run as the Train button does."""

    def __init__(self, own: TrainingRun, watching: TrainingRun | None, train: Callable[[], None]):
        self._own, self._watching, self._train = own, watching, train

    def __getattr__(self, name: str):
        return getattr(self._watching or self._own, name)

    def start(self) -> None:
        if self._watching is None:
            self._train()

    resume = start

    def pause(self, *args, **kwargs) -> None:
        if self._watching is None:
            self._own.pause(*args, **kwargs)
