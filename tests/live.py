"""Reading the live charts (app_pages/ui/live_chart.py) in AppTest: each element carries only what changed
since the last run, so the figure a browser shows is the one the session remembers having sent."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from app_pages.ui import race_view, run_view
from app_pages.ui.live_chart import SENT


def live_figures(at: AppTest) -> dict[str, dict]:
    """{key: {"data": [...], "layout": {...}}} of the live charts drawn in the app's last run: a page's own
    charts and those of its live view's feed (app_pages/ui/live_feed.py)."""
    sent = dict(at.session_state[SENT]) if SENT in at.session_state else {}
    for feed_key in (run_view.FEED, race_view.FEED):
        if feed_key in at.session_state:
            sent.update(at.session_state[feed_key].sent)
    ids = [el.proto.id for el in at.get("bidi_component")]
    return {key: s["spec"] for key, s in sent.items() if any(i.endswith(f"-{key}_chart") for i in ids)}


def live_figure(at: AppTest, key: str) -> dict:
    figures = live_figures(at)
    assert key in figures, f"no live chart {key!r}; drawn: {sorted(figures)}"
    return figures[key]


def _charts(at: AppTest) -> dict:
    """{key: element} of the live charts in the app's last run (their ids end in -<key>_chart)."""
    return {
        el.proto.id.split("-", 2)[-1].removesuffix("_chart"): el
        for el in at.get("bidi_component")
        if el.proto.id.endswith("_chart")
    }


def live_messages(at: AppTest) -> dict[str, dict]:
    """{key: the message the app's last run sent that chart}: {"rev"} alone (unchanged), a "figure" (whole)
    or a "patch" on revision "base"."""
    return {key: json.loads(el.proto.bytes) for key, el in _charts(at).items()}


def live_element_ids(at: AppTest) -> dict[str, str]:
    """{key: element id} of the live charts drawn: the same id across runs is the same chart in the browser."""
    return {key: el.proto.id for key, el in _charts(at).items()}


def status_line(at: AppTest) -> str:
    """The live view's status line ("step 30 / 30 · … · finished") as the app's last run left it: the text
    its feed last sent the browser (the element carries only a revision when the text did not change)."""
    el = next((el for el in at.get("bidi_component") if el.proto.id.endswith("-status_line")), None)
    assert el is not None, "no status line drawn"
    rev = json.loads(el.proto.bytes)["rev"]
    for feed_key in (run_view.FEED, race_view.FEED):
        if feed_key in at.session_state:
            sent = at.session_state[feed_key].sent.get("status")
            if sent and sent["rev"] == rev:
                return sent["spec"]["text"]
    raise AssertionError("the status line's revision is in no feed")
