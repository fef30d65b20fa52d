"""English and 中文 (S4) from one catalogue.

The English text is the key, as in gettext: code writes `t("Train", lang)` (or, in the pages,
`tr("Train")`), and the catalogue maps each English text to its Chinese one. Text defined as data
and translated later (a task's description, a lesson's title) is marked with `N_("...")`, which
returns it unchanged. `tests/test_i18n.py` reads every `t(...)`, `tr(...)` and `N_(...)` literal in
the code and fails if one has no Chinese entry, if an entry is no longer used, or if the two
languages' `{placeholders}` differ.

Each area of the app keeps its Chinese entries in its own module (`zh_<area>.py`, a dict `ZH`);
they are merged here into the one catalogue. No streamlit, no torch.
"""

from __future__ import annotations

import importlib
import pkgutil

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}
DEFAULT_LANG = "en"


def _load() -> dict[str, dict[str, str]]:
    zh: dict[str, str] = {}
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("zh_")):
        entries = importlib.import_module(f"{__name__}.{mod}").ZH
        for key, value in entries.items():
            if key in zh and zh[key] != value:
                raise ValueError(f"i18n: {key!r} has two Chinese texts: {zh[key]!r} and {value!r} ({mod})")
            zh[key] = value
    return {"zh": zh}


CATALOG = _load()


def N_(msg: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return msg


def t(msg: str, lang: str = DEFAULT_LANG, /, **fmt) -> str:
    """msg in lang, with {placeholders} filled from fmt. A text without an entry stays English."""
    text = CATALOG.get(lang, {}).get(msg, msg) if lang != "en" else msg
    return text.format(**fmt) if fmt else text


def lang_from_locale(locale: str | None) -> str:
    """The UI language for a browser locale such as 'zh-CN' or 'en-US'."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANG


def valid_lang(value: str | None) -> str | None:
    return value if value in LANGS else None
