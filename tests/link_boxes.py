"""Opening the expanders that draw (part of) their contents only while open, in AppTest: the share boxes' link
(st.code, app_pages/ui/links.py SHARE_BOX), the whole Teacher link panel and the whole Export / import panel.
A test opens the expander first, as a click does: an open expander's state is True."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app_pages.ui.exchange import EXCHANGE_BOX
from app_pages.ui.links import RACE_SHARE_BOX, SHARE_BOX
from app_pages.ui.teacher import TEACHER_BOX

__all__ = ["EXCHANGE_BOX", "RACE_SHARE_BOX", "SHARE_BOX", "TEACHER_BOX", "link_boxes", "opened"]


def opened(at: AppTest, *keys: str) -> AppTest:
    """The page run again with the expanders `keys` open (SHARE_BOX, RACE_SHARE_BOX, TEACHER_BOX, EXCHANGE_BOX)."""
    for key in keys:
        at.session_state[key] = True
    return at.run()


def link_boxes(at: AppTest, key: str, label: str) -> list[str]:
    """The links in the boxes of the expander `key` (labelled `label` in the page's language), opened first."""
    opened(at, key)
    return [c.value for c in next(e for e in at.expander if e.label == label).code]
