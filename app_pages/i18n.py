"""The pages' side of rnnplay.i18n: the session's language and `tr`, which every page uses for its text.

The language comes from, in order: the sidebar switch (bound to `?lang=`), a `?lang=` in the URL, the
browser's locale (`st.context.locale`), English.
"""

from __future__ import annotations

import streamlit as st

from rnnplay.i18n import DEFAULT_LANG, LANGS, lang_from_locale, t, valid_lang


def browser_lang() -> str:
    try:
        return lang_from_locale(st.context.locale)
    except Exception:  # noqa: BLE001 - no browser context (a test, a script run): English
        return DEFAULT_LANG


def lang() -> str:
    """This session's language code ("en" or "zh")."""
    return valid_lang(st.session_state.get("lang")) or valid_lang(st.query_params.get("lang")) or browser_lang()


def tr(msg: str, /, **fmt) -> str:
    """msg in this session's language."""
    return t(msg, lang(), **fmt)


def language_switch(container) -> str:
    """The sidebar's language switch; ?lang=zh in the URL opens the app in Chinese."""
    asked = st.query_params.get("lang")
    if asked is not None and valid_lang(asked) is None:  # the bound switch drops it: the page warns
        st.session_state["_bad_lang"] = asked
    current = lang()
    container.segmented_control(
        "Language / 语言",
        LANGS,
        default=current,
        key="lang",
        bind="query-params",
        required=True,
    )
    return lang()
