"""English and 中文 from one catalogue; the core's side: the words, never the reader's language.

The English text is the key, as in gettext (but for the few keys in `EN`, whose English is another text).
The core does not know who reads it: it writes a text as an English template with its values, a `Msg`
(`Msg(N_("copy input: type 1 to {n} digits"), n=10)`), and returns or raises it; the words of a task's view
and a run's message are Msgs too. A Msg is a str, its English text, so the CLI, the logs and str(error)
print English; the pages say it in their reader's language with `app_pages.i18n.tr` (or
`render(msg, lang)`), the one place where a template meets the catalogue. A figure measures its words as it
is laid out, so its builder is handed the page's `tr` (a `Tr`; `english` by default) and says every word
with it (a plain str in a task's view is data, shown as it is). Text defined as data and
said later (a task's description, a lesson's title) is marked with `N_("...")`, which returns it
unchanged. `tests/test_i18n.py` reads every `tr(...)`, `render(...)` and `N_(...)` literal in the code and
fails if one has no Chinese entry, if an entry is no longer used, or if the two languages' `{placeholders}`
differ; and it fails if a function in rnnplay/ takes a language.

Each area of the app keeps its Chinese entries in its own module (`zh_<area>.py`, a dict `ZH`); they are
merged here into the one catalogue. No streamlit, no torch.
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
    return {"zh": zh, "en": EN}


# the English of a key that is not its own English text: one English word in two senses, told apart in the
# key so that each has its own Chinese (a tokens view's row of the model's answer says "output"; the LSTM's
# output gate is "output" too)
EN = {"output (the model's answer)": "output"}
CATALOG = _load()


def N_(msg: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return msg


class Msg(str):
    """A text to be said in the reader's language: the English template (the catalogue key, marked where it
    is written: `Msg(N_("copy input: type 1 to {n} digits"), n=10)`) and its values. It is a str, its English
    text, so whatever reads it as text (the CLI, a log, a test, str(error)) reads English; a page says it in
    its reader's language with app_pages.i18n.tr. The core raises errors with one (`raise ValueError(Msg(...))`)
    because it does not know the reader. A value may itself be a Msg or an error raised with one: it is said
    in the same language. A template without values is never formatted (a user's text may hold braces)."""

    template: str
    values: dict

    def __new__(cls, template: str, /, **values):
        text = EN.get(template, template)
        english = text.format(**{k: _english_value(v) for k, v in values.items()}) if values else text
        self = super().__new__(cls, english)
        self.template, self.values = template, values
        return self

    def __reduce__(self):  # pickled (a Ray worker's result, a view in a snapshot) as template and values
        return (_msg, (self.template, self.values))

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


# what a figure builder is handed to say its words: tr(template, **values) -> the text in the reader's
# language (app_pages.i18n.translator makes one for a language; `english` is the default)
Tr = Callable[..., str]


def english(msg: str, /, **fmt) -> str:
    """The `tr` of a figure drawn in English (the CLI, the tests, the default): the template with fmt filled."""
    return str(Msg(msg, **fmt)) if fmt else str(msg)
