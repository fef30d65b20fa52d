"""This browser session's Gradient lab race (session_state["_race"]). Unlike the Playground's run it is
not reopened after a reload; the session guard pauses it when the browser goes away."""

from __future__ import annotations

import streamlit as st

from rnnplay.config import RunConfig
from rnnplay.race import Race


class RaceGuard:
    """Lives in a session-scoped resource: Streamlit releases it when the browser goes away."""

    def __init__(self):
        self.race: Race | None = None

    def release(self) -> None:
        if self.race is not None:
            # pause now and end the thread (a shared server gets its slot back); Resume goes on from the same step
            self.race.detach()


@st.cache_resource(scope="session", on_release=RaceGuard.release, show_spinner=False)
def _race_guard() -> RaceGuard:
    return RaceGuard()


def current_race(configs: list[RunConfig], can_race: bool, fallback: list[RunConfig]) -> Race:
    """This browser session's race: a new one races the entries (or `fallback`, a demo's, when they
    cannot race); an untouched race follows the entries; a trained one waits for Reset."""
    race: Race | None = st.session_state.get("_race")
    if race is None:
        race = Race(configs if can_race else list(fallback))
        st.session_state["_race"] = race
    elif can_race and race.configs != configs and race.state == "ready" and not any(race.snapshot()["steps"]):
        race.reset(configs)  # an untouched race follows the entries; a trained one waits for Reset
    _race_guard().race = race
    race.attach()
    return race
