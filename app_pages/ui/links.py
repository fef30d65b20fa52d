"""Share links: a configuration as URL parameters, and a link to one of the app's pages."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from app_pages.i18n import lang
from rnnplay import texts
from rnnplay.config import RunConfig, relevant_fields

# The keys of the expanders that hold a page's share link. Such an expander reruns the page when opened or
# closed and draws its link box (st.code) only while open: st.code loads a 1.5 MB syntax highlighter in
# the browser, which a page whose link boxes are closed never fetches before its Train button shows.
SHARE_BOX = "share_box"  # the Playground's "Share this configuration"
RACE_SHARE_BOX = "race_share_box"  # the Gradient lab's "Share this race"


def share_params(config: RunConfig, language: str = "en") -> dict[str, str]:
    """A share link's parameters: the fields that differ from the task's defaults, and the language
    unless English; a text to learn longer than a few hundred characters and an uploaded series by their
    reference (rnnplay.texts).
    Never a run id (?run= names this browser's stored run) nor a teacher link's lists."""
    params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in config.changed_fields().items()}
    if len(params.get("text", "")) > texts.URL_TEXT_MAX:  # a long text stays on the server, the link names it
        params["text_ref"] = texts.put(params.pop("text"))
    if config.series and "series" in relevant_fields(config.task):  # an uploaded series likewise, one a line
        params["series_ref"] = texts.put(series_text(config.series))
    return {**params, "lang": language} if language != "en" else params


def series_text(series: tuple) -> str:
    """A series as the server keeps it for ?series_ref=: one number a line (repr: read back exactly)."""
    return "\n".join(repr(v) for v in series)


def share_query(config: RunConfig, language: str = "en") -> str:
    return urlencode(share_params(config, language))


def page_url(page: str, query: str) -> str:
    """A link to one of the app's pages on the host the browser is on (a bare path where unknown)."""
    base = getattr(st.context, "url", None) or ""
    base = base.split("?")[0].rsplit("/", 1)[0] if base else ""
    return f"{base}/{page}?{query}"


def share_url(config: RunConfig, page: str = "playground") -> str:
    return page_url(page, share_query(config, lang()))
