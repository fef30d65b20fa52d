"""A teacher's view across the app's pages (the view itself: app_pages/ui/teacher.py).

Streamlit drops every unbound query parameter when the learner moves to another page through the
sidebar, so the signed `?view=` token the session was opened with is put back into the URL on every
page: a reload or a new tab of any page then opens the same student view. A short link (`?t=<ref>`)
opens the teacher link kept on the server under that reference. Light: no torch on Home's path unless
a short link is followed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import streamlit as st

from app_pages.i18n import tr
from rnnplay import texts
from rnnplay.i18n import N_
from rnnplay.untrusted import shorten

TOKEN_PARAM = "view"  # the signed view in the URL
TOKEN_KEY = "_classroom_token"  # this session's verified token (set by teacher.classroom)
SHORT_PARAM = "t"
PAGES = {"playground": "app_pages/playground.py", "gradients": "app_pages/gradients.py"}
SHORT_GONE = N_(
    "t={ref}: this server does not know this short link (made on another server, expired, or mistyped) — "
    "ask your teacher for the link again"
)


def carry() -> None:
    """Put this session's view token back into the URL when a page switch dropped it."""
    token = st.session_state.get(TOKEN_KEY)
    if token and TOKEN_PARAM not in st.query_params:
        st.query_params[TOKEN_PARAM] = token


def follow_short_link() -> None:
    """?t=<ref>: open the teacher link kept under ref (its page, its parameters); an unknown ref is named."""
    ref = st.query_params.get(SHORT_PARAM)
    if ref is None:
        return
    target = texts.get(ref)
    page, _, query = (target or "").partition("?")
    del st.query_params[SHORT_PARAM]
    if page not in PAGES:
        st.error(tr(SHORT_GONE, ref=shorten(ref)), icon=":material/link_off:")
        return
    st.switch_page(PAGES[page], query_params=dict(parse_qsl(query)))
