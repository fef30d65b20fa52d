"""What a page with live charts does to fit one screen (1400x900): less empty space above the content and
a one-line heading, its description in the heading's tooltip."""

from __future__ import annotations

import streamlit as st

# Streamlit leaves 6rem above a page's first element for its header bar; the bar is transparent and holds
# only the menu at the right, so 3.5rem keeps the heading clear of it and gives ~40 px to the charts
_CSS = "<style>[data-testid='stMainBlockContainer'] {padding-top: 3.5rem; padding-bottom: 2rem;}</style>"


def compact_top(title: str, description: str) -> None:
    st.html(_CSS)
    st.markdown(f"#### {title}", help=description)
