"""English and 中文 across the app: every page runs in English and in 中文 (AppTest), `?lang=zh` and a Chinese browser
locale both open it in Chinese, and the Chinese pages show Chinese text where the English ones show English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    None,
    "app_pages/playground.py",
    "app_pages/gradients.py",
    "app_pages/inspect.py",
    "app_pages/learn.py",
    "app_pages/runs.py",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def page_texts(at: AppTest) -> list[str]:
    """The words a learner reads first on a page: titles, headers, subheaders, captions and markdown."""
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown"):
        texts += [str(el.value) for el in at.get(kind)]
    return texts


def page_heading(at: AppTest):
    """The page's title: an st.title, or on a page laid out for one screen (app_pages/ui/page_style.py) its
    `#### ` markdown heading, whose help text is the page's description."""
    if at.title:
        return at.title[0]
    headings = [m for m in at.markdown if m.value.startswith("#### ")]
    assert headings, "the page has no title"
    return headings[0]


def page_title(at: AppTest) -> str:
    return str(page_heading(at).value).removeprefix("#### ")


def open_page(page: str | None, *, lang: str | None = None, locale: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if locale:
        at.context["locale"] = locale
    if lang:
        at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(page)
        if lang:
            at.query_params["lang"] = lang
        at.run()
    return at


@pytest.mark.parametrize("page", PAGES, ids=lambda p: (p or "home").split("/")[-1])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_runs_in_both_languages(page, lang, stop_runs):
    at = open_page(page, lang=lang)
    stop_runs.append(at)
    assert not at.exception, at.exception
    assert at.segmented_control(key="lang").value == lang
    # the title and the section headings: Chinese in 中文 (a product name may stay), English otherwise
    heads = [page_title(at)] + [str(el.value) for kind in ("header", "subheader") for el in at.get(kind)]
    chinese = [h for h in heads if CJK.search(h)]
    if lang == "zh":
        assert len(chinese) * 2 >= len(heads), f"{page}: headings not in Chinese: {heads}"
    else:
        assert not chinese, f"{page}: English headings with Chinese in them: {chinese}"


def test_a_chinese_browser_opens_the_app_in_chinese():
    at = open_page(None, locale="zh-CN")
    assert not at.exception
    assert at.segmented_control(key="lang").value == "zh"
    assert any(CJK.search(t) for t in page_texts(at))


def test_the_url_wins_over_the_browser_locale():
    at = open_page(None, lang="en", locale="zh-CN")
    assert at.segmented_control(key="lang").value == "en"
    assert CJK.search(at.title[0].value) is None
