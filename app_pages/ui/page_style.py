"""What a page with live charts does to fit one screen (1400x900): less empty space above the content and
a one-line heading, its description in the heading's tooltip."""

from __future__ import annotations

import streamlit as st

# Streamlit leaves 6rem above a page's first element for its header bar (60 px, painted in the page's
# background colour over what scrolls under it) that holds only the menu at the right; 3.5rem keeps the
# heading's words clear of it and gives ~40 px to the charts. The column beside the heading (aside=True) starts
# at that padding, under the bar's lower 4 px: its button is drawn 8 px lower, which leaves the row's height,
# and so the charts' place, as it is.
_CSS = (
    "<style>[data-testid='stMainBlockContainer'] {padding-top: 3.5rem; padding-bottom: 2rem;}"
    ".st-key-page_aside {position: relative; top: 8px;}</style>"
)


def compact_top(title: str, description: str, aside: bool = False):
    """The page's heading; with aside=True it shares its row with a column on the right, which is returned
    (the Gradient lab's entries), so that the charts keep the height."""
    st.html(_CSS)
    if not aside:
        st.markdown(f"#### {title}", help=description)
        return None
    left, right = st.columns([2.2, 1], vertical_alignment="center")
    left.markdown(f"#### {title}", help=description)
    return right.container(key="page_aside")


class Notices:
    """Notices above a page's live charts (a link's problems, this server's caps, settings changed since the run
    started, why a run stopped or waits), in one place that is there whether or not any shows: a live chart that
    moves to another place in the page is a new element to the browser (a new Plotly root, drawn from nothing,
    the learner's zoom lost), so a notice that comes or goes mid-run must not move the charts below it.
    `st.empty()` holds the place; the first notice turns it into a container, which the rest share."""

    def __init__(self):
        self._slot = st.empty()
        self._box = None

    def box(self):
        """The container the notices go into (made at the first call)."""
        if self._box is None:
            self._box = self._slot.container()
        return self._box

    def warning(self, body: str, icon: str | None = ":material/warning:") -> None:
        self.box().warning(body, icon=icon)

    def error(self, body: str, icon: str | None = ":material/block:") -> None:
        self.box().error(body, icon=icon)

    def info(self, body: str, icon: str | None = None) -> None:
        self.box().info(body, icon=icon)
