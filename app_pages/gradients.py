"""Gradient lab: 2–4 configurations race on the same task, data and seed; loss and gradient through time
overlaid, the gradient-through-time heatmaps side by side on one colour scale, and per entry the spectral
radius and singular values of W_hh, the gradient norm of every parameter tensor, and the gradient norm
before and after clipping.

Everything is in the URL (app_pages/ui/race_entries.py): ?race=<demo> starts from a demo, the shared
settings are bound widgets in the sidebar, and e1..e4 hold each entry's differences from them. On the
page: the heading with the demos and entries beside it, the run bar, the race's charts (a lesson's
narration beside them), then how to read them, the share link and the teacher panel. The race trains in
one background thread (rnnplay.race); the buttons only flip its state and a fragment redraws the charts
from its snapshot."""

import os
from functools import partial

import streamlit as st

from app_pages import narrator
from app_pages.i18n import tr
from app_pages.ui import race_entries, teacher
from app_pages.ui.links import RACE_SHARE_BOX
from app_pages.ui.page_style import Notices, compact_top
from app_pages.ui.race_entries import DEFAULT_PRESET, checked_entries, entries_editor, entry_rows, shared_settings
from app_pages.ui.race_view import race_view
from app_pages.ui.run_bar import run_bar
from app_pages.ui.session_race import current_race
from rnnplay.config import RunConfig
from rnnplay.race import PRESETS, Race
from rnnplay.run import RunState

LIVE_EVERY_S = float(os.environ.get("RNNPLAY_LIVE_EVERY", "0.5"))  # as the Playground (see there)

entries_button = compact_top(
    tr("Gradient lab"),
    tr(
        "Race 2–4 networks on the same data and seed and watch their gradients flow back through time. "
        "Pick a demo, or edit the entries below; the page's URL is a share link to exactly this race."
    ),
    aside=True,
)
setup, problems = shared_settings(st.sidebar)  # ?race= picks the demo; the settings every entry shares
problems += entry_rows(setup)  # e1..e4 from the link (else the demo's), kept in the session
# in a popover beside the heading: a race's charts fit one screen below it
entries_box = entries_button.popover(tr("Demos and entries"), icon=":material/table_rows:", width="stretch")
entries_editor(entries_box, setup)


def train_clicked(race: Race, configs: list[RunConfig], pending: bool) -> None:
    if race.state in (RunState.DONE, RunState.STOPPED) or (pending and race.state == RunState.READY):
        race.reset(configs)
    race.start()


def reset_clicked(race: Race, configs: list[RunConfig], can_race: bool) -> None:
    race.reset(configs if can_race else None)


@st.fragment
def race_area() -> None:
    """The notices, the run bar and the race's charts (a lesson's narration beside them): a click in here reruns
    only this part of the page (as on the Playground); the entries and the settings are drawn outside it."""
    # the link's problems, caps, too few entries: in one place whether or not any shows, so the charts never move
    notices = Notices()
    configs, can_race = checked_entries(setup, problems, notices)
    race = current_race(configs, can_race, race_entries.locked_demo(PRESETS[DEFAULT_PRESET]), notices)
    pending = can_race and race.configs != configs
    options = run_bar(
        race.state,
        on_train=partial(train_clicked, race, configs, pending),
        on_pause=race.pause,
        on_stop=race.stop,
        on_step=race.step_one,
        on_reset=partial(reset_clicked, race, configs, can_race),
        busy_label=tr("Racing"),
        anew_states=(RunState.DONE, RunState.STOPPED),
        train_disabled=not can_race and race.state == RunState.READY,
        widths=[1.2, 1, 1, 1.3, 1, 1.6],
    )
    with options.popover(tr("Chart options"), icon=":material/tune:"):
        st.toggle(tr("Log-scale loss"), key="race_loss_log")
    changed = Notices()  # comes when the entries change mid-race, goes with Reset: the charts stay put
    if pending and race.state != RunState.READY:
        changed.info(
            tr("The entries changed since this race started: press **Reset** (or **Train anew**) to race them.")
        )
    with narrator.charts_area(race, page="gradients"):  # ?lesson=<id>: the narrated lesson's panel beside
        race_view(race, LIVE_EVERY_S)


race_area()

if not teacher.hides("howto"):  # a teacher link may hide page parts
    with st.expander(tr("How to read these charts")):
        st.markdown(
            tr(
                "- **Loss**: each entry's training loss (solid) and validation loss (dotted); the dashed line is "
                "chance. An ✕ marks an entry whose loss or gradient became NaN/Inf.\n"
                "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t. A "
                "plain RNN's curve falls by orders of magnitude toward t = 1 (the gradient *vanished*); an LSTM's or "
                "GRU's stays high. A curve that *rises* toward t = 1 is an exploding gradient.\n"
                "- **Heatmaps**: the same curve at every probe (x = time step, y = training step), all on one colour "
                "scale, so dark means the same small gradient in every heatmap.\n"
                "- **Spectral radius ρ and largest singular value σ₁ of W_hh**: above 1 the recurrence can amplify, "
                "below 1 it shrinks what flows back through it. The singular values chart shows the whole spectrum.\n"
                "- **Gradient norm** per entry, before and after clipping, with the threshold; and **per parameter "
                "tensor**: which weights get the gradient."
            )
        )
if not teacher.hides("share"):
    share_box = st.expander(tr("Share this race"), key=RACE_SHARE_BOX, on_change="rerun")
    with share_box:
        st.markdown(tr("Anyone who opens this link gets exactly these entries and settings:"))
        if share_box.open:  # the link box only when open (links.RACE_SHARE_BOX)
            st.code(race_entries.share_link(setup), language=None)
if not teacher.hides("teacher"):
    teacher.panel(setup.base, page="gradients", fields=["task", *setup.values], shared=race_entries.share_params(setup))
