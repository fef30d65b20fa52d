"""The pages' side of rnnplay.i18n, the one place where a text meets the reader's language: `tr`, which
every page uses for its words and for the Msgs the core returns or raises, and the session's language.

The core returns its texts as templates with their values (rnnplay.i18n.Msg) and never takes a language;
a page says them with `tr(msg)` (or `tr("template {n}", n=3)` for its own words). `render(msg, lang)` is the
same for a given language, and `translator(lang)` binds it: what the figure builders are handed (their
layout measures the words) and what a chart drawn outside a script run uses (it reads no session state).

The language comes from, in order: the sidebar switch (bound to `?lang=`), a `?lang=` in the URL, the
browser's locale (`st.context.locale`), English.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnplay.i18n import CATALOG, DEFAULT_LANG, LANGS, Msg


def lang_from_locale(locale: str | None) -> str:
    """The UI language for a browser locale such as 'zh-CN' or 'en-US'."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANG


def valid_lang(value: str | None) -> str | None:
    return value if value in LANGS else None


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
    error raised with one (or with a Msg `message`, a ConfigError); anything else as str(). A value that is
    a Msg or such an error is said in lang too. A text without an entry stays English. Pure: a chart drawn
    outside a script run names its language."""
    if isinstance(msg, Msg):
        return _said(msg.template, lang, msg.values)
    if isinstance(msg, BaseException):
        if isinstance(getattr(msg, "message", None), Msg):
            return render(msg.message, lang)
        if len(msg.args) == 1 and isinstance(msg.args[0], Msg):
            return render(msg.args[0], lang)
        return str(msg)
    if isinstance(msg, str):
        return _said(msg, lang, fmt)
    return str(msg)


def _said(template: str, lang: str, values: dict) -> str:
    text = CATALOG.get(lang, {}).get(template, template)  # English: the key itself but for a few (i18n.EN)
    if not values:
        return text  # never formatted: a user's text may hold braces
    # a number keeps its type, so a template's {x:.2f} still formats it
    return text.format(**{k: render(v, lang) if isinstance(v, Msg | BaseException) else v for k, v in values.items()})


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
