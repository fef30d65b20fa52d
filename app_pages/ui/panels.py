"""What a page says about its run or race in words: the state on the status line, the server's notices,
the run's messages, and the diagnosis of what the charts show."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import render, tr
from rnnplay import hosted
from rnnplay.diagnosis import diagnose
from rnnplay.run import RaceSnapshot, RunState, Snapshot

SEVERITY_ICONS = {"warning": ":material/warning:", "info": ":material/info:", "ok": ":material/check_circle:"}


def state_text(snap: Snapshot | RaceSnapshot, names: dict[str, str], lg: str) -> str:
    """A run's or a race's state for its status line, in language `lg`; a queued one says where it stands
    (hosted)."""
    if snap.state == RunState.QUEUED and snap.queue_position:
        return render(hosted.QUEUED_TEXT, lg, position=snap.queue_position, length=snap.queue_length)
    return render(names.get(snap.state, snap.state), lg)


def run_message(snap: Snapshot | RaceSnapshot) -> str:
    """A run's status message in this session's language. The training thread has no language: its
    message is a Msg, an English template with its values, said here."""
    return tr(snap.message)


def hosted_notice(snap: Snapshot | RaceSnapshot, box=None) -> None:
    """Why a run or race is not training when the learner did not ask: the server refused it (its queue
    is full, no slot was free for one batch, the run is over its budget), or it paused because nobody looked
    at it or its page went away."""
    box, template = box or st, snap.message.template
    refusals = (hosted.REFUSED_TEXT, hosted.STEP_BUSY_TEXT, hosted.OVER_BUDGET_TEXT)
    if snap.state in (RunState.READY, RunState.PAUSED) and template in refusals:
        box.warning(run_message(snap), icon=":material/hourglass_empty:")
    elif snap.state == RunState.PAUSED and template in (hosted.IDLE_TEXT, hosted.DETACHED_TEXT):
        box.info(run_message(snap), icon=":material/pause_circle:")


def diagnosis_panel(snap: Snapshot, container=None, title: str | None = None) -> None:
    """The run's diagnosis (rnnplay.diagnosis): what the charts show, as sentences with their numbers and
    what to try, in the session's language. title: the panel's heading (default "Diagnosis"; the Gradient
    lab names the entry)."""
    findings = diagnose(snap)
    box = (container or st).container(border=True, key=None)
    box.markdown(f"**{title or tr('Diagnosis')}**")
    if not findings:
        box.caption(tr("Nothing to say yet: train for a few steps."))
    for f in findings:
        line = tr(f.text) + ("  \n" + tr("*Try:* {hint}", hint=f.hint) if f.hint and f.severity != "ok" else "")
        box.markdown(f"{SEVERITY_ICONS.get(f.severity, '')} {line}")
