"""What a page says about its run or race in words: the state on the status line, the server's notices,
the run's messages, and the diagnosis of what the charts show."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import streamlit as st

from app_pages.i18n import render, tr
from rnnplay import hosted
from rnnplay.diagnosis import diagnose
from rnnplay.i18n import N_
from rnnplay.run import RaceSnapshot, RunState, Snapshot

SEVERITY_ICONS = {"warning": "warning", "info": "info", "ok": "check_circle"}  # Material Symbols, as Streamlit's


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


def diagnosis_html(panels: list[tuple[str | None, Snapshot]], say: Callable[..., str]) -> str:
    """The diagnosis (rnnplay.diagnosis) of each (title, snapshot), side by side, as the HTML of a fed box of
    words (live_chart.fed_words): what the charts show, as sentences with their numbers and what to try, said
    by `say` (the page's language, bound: the feed builds it outside a script run). Every text is escaped;
    the only markup is this function's and the catalogue's *emphasis*. title None: "Diagnosis"."""
    columns = "".join(_diagnosis_column(title, snap, say) for title, snap in panels)
    return (
        f'<div class="rnnplay-diagnosis" style="display: grid; grid-template-columns: repeat({len(panels)}, '
        f'minmax(0, 1fr)); gap: 1rem;">{columns}</div>'
    )


def _diagnosis_column(title: str | None, snap: Snapshot, say: Callable[..., str]) -> str:
    findings = diagnose(snap)
    lines = [f"<p {_P}><strong>{html.escape(title or say(N_('Diagnosis')))}</strong></p>"]
    if not findings:
        lines.append(f"<p {_CAPTION}>{_said(say(N_('Nothing to say yet: train for a few steps.')))}</p>")
    for f in findings:
        text = _said(say(f.text))
        if f.hint and f.severity != "ok":
            text += "<br>" + _said(say(N_("*Try:* {hint}"), hint=f.hint))
        icon = f'<span class="rnnplay-icon" {_ICON}>{SEVERITY_ICONS.get(f.severity, "info")}</span>'
        lines.append(f"<p {_P}>{icon} {text}</p>")
    return f'<div class="rnnplay-diagnosis-column" {_BOX}>{"".join(lines)}</div>'


_P = 'style="margin: 0 0 0.6rem; line-height: 1.6;"'
_CAPTION = 'style="margin: 0 0 0.6rem; line-height: 1.6; opacity: 0.6; font-size: 0.875rem;"'
_BOX = 'style="border: 1px solid rgba(128, 128, 128, 0.3); border-radius: 0.5rem; padding: 0.75rem 1rem;"'
_ICON = (
    "style=\"font-family: 'Material Symbols Rounded'; font-size: 1.25em; vertical-align: -0.25em; "
    'font-weight: normal; font-style: normal; line-height: 1; user-select: none;" aria-hidden="true"'
)


def _said(text: str) -> str:
    """A sentence as HTML: escaped, its *emphasis* (the catalogue's only markup) as <em>."""
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", html.escape(text))
