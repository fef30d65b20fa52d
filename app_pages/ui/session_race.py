"""This browser session's Gradient lab race (session_state["_race"]). Unlike the Playground's run it is
not reopened after a reload; the session's guard pauses it when the session has really gone
(session_guard: a browser's clear_cache message does not reach it)."""

from __future__ import annotations

import os

import streamlit as st

from app_pages.i18n import tr
from app_pages.ui.page_style import Notices
from app_pages.ui.session_guard import Guard, session_guard
from rnnplay.config import RunConfig
from rnnplay.i18n import N_
from rnnplay.race import Race
from rnnplay.run import RunState

LOST_RACE_TEXT = N_("The worker that trained this race stopped ({error}): this is a new race.")


class RaceGuard(Guard):
    """A session's hold on its race; released when the session has really gone (session_guard)."""

    def __init__(self, session_id: str | None = None):
        super().__init__(session_id)
        self.race: Race | None = None

    def on_release(self) -> None:
        if self.race is not None:
            # pause now and end the thread (a shared server gets its slot back); Resume goes on from the same step
            self.race.detach()


def _race_guard() -> RaceGuard:
    return session_guard("race", RaceGuard)


def race_class() -> type:
    """Where races train: a thread of this process (Race), or a Ray worker when RNNPLAY_RAY is set."""
    if not os.environ.get("RNNPLAY_RAY"):
        return Race
    # only here: ray takes 0.37 s to import (measured) and is not installed without requirements-hosted.txt
    from rnnplay.run.ray_run import RemoteRace

    return RemoteRace


def current_race(configs: list[RunConfig], can_race: bool, fallback: list[RunConfig], notices: Notices) -> Race:
    """This browser session's race: a new one races the entries (or `fallback`, a demo's, when they
    cannot race); an untouched race follows the entries; a trained one waits for Reset. notices: the page's
    notices above its live charts, where a race lost with its Ray worker is said."""
    race: Race | None = st.session_state.get("_race")
    if race is not None and getattr(race, "lost", ""):  # its Ray worker is gone: a race is never reopened
        notices.warning(tr(LOST_RACE_TEXT, error=race.lost), icon=":material/error:")
        race = None
    if race is None:
        race = race_class()(configs if can_race else list(fallback))
        st.session_state["_race"] = race
    elif can_race and race.configs != configs and race.state == RunState.READY and not any(race.snapshot().steps):
        race.reset(configs)  # an untouched race follows the entries; a trained one waits for Reset
    _race_guard().race = race
    race.attach()
    return race
