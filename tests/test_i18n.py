"""One catalogue, both languages. Every text the code marks for translation has its Chinese entry,
no entry is stale, and the placeholders agree; the language follows ?lang=, the switch and the locale."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from app_pages.i18n import lang_from_locale, render
from rnnplay.i18n import CATALOG, EN, N_, Msg, english

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py")), *sorted((ROOT / "rnnplay").rglob("*.py"))]
MARKERS = {"tr", "render", "N_"}


def marked_texts() -> dict[str, list[str]]:
    """Every string literal passed first to render(), tr() or N_() in the code -> where it is."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        if path.parent.name == "i18n" and path.parent.parent.name == "rnnplay":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in MARKERS:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_marked_text_has_its_chinese_entry():
    zh = CATALOG["zh"]
    missing = {k: v[0] for k, v in marked_texts().items() if k not in zh}
    assert not missing, f"{len(missing)} texts have no Chinese entry, e.g. {list(missing.items())[:5]}"


def test_no_stale_chinese_entries():
    used = marked_texts()
    stale = [k for k in CATALOG["zh"] if k not in used]
    assert not stale, f"{len(stale)} Chinese entries no code uses, e.g. {stale[:5]}"


def test_placeholders_agree_and_entries_are_chinese():
    for key, value in CATALOG["zh"].items():
        assert fields(key) == fields(value), f"placeholders differ: {key!r} -> {value!r}"
        assert value.strip(), f"empty Chinese text for {key!r}"


def test_render_formats_and_falls_back():
    assert render("Home", "zh") == "首页"
    assert render("Home", "en") == "Home"
    assert render("Not in the catalogue {n}", "zh", n=3) == "Not in the catalogue 3"
    assert N_("Home") == "Home"


def test_a_key_that_is_not_its_own_english_is_said_as_its_english():
    """One English word in two senses has a key for each (i18n.EN): a Msg's str (the CLI), the page's English
    and the figures' default all say the word; the Chinese tells the senses apart."""
    key = "output (the model's answer)"
    assert str(Msg(key)) == render(key, "en") == render(Msg(key), "en") == english(Msg(key)) == "output"
    assert str(Msg("{k} {label}", k=1, label=Msg(key))) == "1 output"
    assert (render(Msg(key), "zh"), render("output", "zh")) == ("输出", "输出门")
    assert set(EN) <= set(CATALOG["zh"])


@pytest.mark.parametrize(
    ("locale", "lang"), [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-US", "en"), ("de", "en"), (None, "en")]
)
def test_language_from_browser_locale(locale, lang):
    assert lang_from_locale(locale) == lang


LANGUAGE_ARGS = {"lang", "language"}


def language_parameters() -> list[str]:
    """Every function or method (lambdas too) in rnnplay/ with an argument named lang or language."""
    found = []
    for path in sorted((ROOT / "rnnplay").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                a = node.args
                names = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}
                if names & LANGUAGE_ARGS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {getattr(node, 'name', 'lambda')}")
    return found


def test_the_core_never_takes_the_readers_language():
    """The core returns its texts as templates with their values (Msg) and draws figures with the `tr` the
    page hands it; only the pages (app_pages/i18n.py) and the CLI turn a template into the reader's words."""
    found = language_parameters()
    assert not found, f"{len(found)} functions in rnnplay/ take a language: {found}"
