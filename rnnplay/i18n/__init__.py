"""English and 中文 from one catalogue.

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
from collections.abc import Callable

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


class Msg(str):
    """A text to be shown in the reader's language: the English template (the catalogue key, marked where it
    is written: `Msg(N_("copy input: type 1 to {n} digits"), n=10)`) and its values. It is a str, its
    English text, so the CLI, the logs and str(error) read it as before; a page says it in its reader's
    language with app_pages.i18n.tr (the one place that looks up the catalogue for the pages). The core
    raises errors with one (`raise ValueError(Msg(...))`) and returns them, because it does not know the
    reader's language. A value may itself be a Msg or an error raised with one: it is translated too."""

    template: str
    values: dict

    def __new__(cls, template: str, /, **values):
        english = template.format(**{k: _english_value(v) for k, v in values.items()}) if values else template
        self = super().__new__(cls, english)
        self.template, self.values = template, values
        return self

    def __reduce__(self):  # pickled (a Ray worker's result, a view in a snapshot) as template and values
        return (_msg, (self.template, self.values))

    def tr(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.template, lang, **{k: _localize_value(v, lang) for k, v in self.values.items()})

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Msg({self.template!r}, **{self.values!r})"


def _msg(template: str, values: dict) -> Msg:
    return Msg(template, **values)


def _english_value(value):
    if isinstance(value, BaseException):
        return str(value)
    return value  # a Msg is its English text; a number keeps its type, so a template's {x:.2f} still formats it


# what the figure builders are handed to say their words: tr(template, **values) -> the text in the reader's
# language (app_pages.i18n.translator makes one for a language; `english` is the default)
Tr = Callable[..., str]


def english(msg: str, /, **fmt) -> str:
    """The `tr` of a figure drawn in English (the CLI, the tests, the default): the template with fmt filled."""
    return str(Msg(msg, **fmt)) if fmt else str(msg)


def _localize_value(value, lang: str):
    if isinstance(value, Msg):
        return value.tr(lang)
    if isinstance(value, BaseException):
        return localize(value, lang)
    return value  # a number keeps its type, so a template's {x:.2f} still formats it


def localize(obj, lang: str = DEFAULT_LANG) -> str:
    """A Msg, or an error raised with one (or with a Msg `message`, a ConfigError), in lang; anything else
    as str()."""
    if isinstance(obj, Msg):
        return obj.tr(lang)
    if isinstance(obj, BaseException):
        if isinstance(getattr(obj, "message", None), Msg):
            return obj.message.tr(lang)
        if len(obj.args) == 1 and isinstance(obj.args[0], Msg):
            return obj.args[0].tr(lang)
    return str(obj)
