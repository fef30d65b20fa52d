"""The pages' side of rnnplay.i18n: the session's language and `tr`, which every page uses for its text.

The language comes from, in order: the sidebar switch (bound to `?lang=`), a `?lang=` in the URL, the
browser's locale (`st.context.locale`), English.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnplay.i18n import DEFAULT_LANG, LANGS, Msg, lang_from_locale, localize, t, valid_lang


def browser_lang() -> str:
    try:
        return lang_from_locale(st.context.locale)
    except Exception:  # noqa: BLE001 - no browser context (a test, a script run): English
        return DEFAULT_LANG


def lang() -> str:
    """This session's language code ("en" or "zh")."""
    return valid_lang(st.session_state.get("lang")) or valid_lang(st.query_params.get("lang")) or browser_lang()


def render(msg, lang: str, /, **fmt) -> str:
    """msg in lang: an English template (the catalogue key) with fmt filled, a Msg the core returned, or an
    error raised with one. Pure: a chart drawn outside a script run names its language."""
    if isinstance(msg, str) and not isinstance(msg, Msg):
        return Msg(msg, **fmt).tr(lang) if fmt else t(msg, lang)
    return localize(msg, lang)


def translator(lang: str) -> Callable[..., str]:
    """`tr` for one language: what the pages hand the figure builders (their layout measures the words)."""

    def tr_in(msg, /, **fmt) -> str:
        return render(msg, lang, **fmt)

    return tr_in


def tr(msg, /, **fmt) -> str:
    """msg (a template with fmt, a Msg, an error raised with one) in this session's language."""
    return render(msg, lang(), **fmt)


def words() -> Callable[..., str]:
    """translator(lang()): this session's `tr`, bound to its language, for the figure builders."""
    return translator(lang())


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
