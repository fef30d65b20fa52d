"""Hostile URLs against a real server, as a curious class would type them: numbers no widget can read,
markdown in echoed values (a link, an image), a 1 MB parameter, a text reference or short link the
server does not have, an edited teacher token, a locked value edited into a teacher link. Each gives a
clear message and no traceback, and nothing the markdown asks for is fetched or linked."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.e2e.page_state import CONNECTED, IDLE
from tests.e2e.streamlit_server import serve

SECRET = "hostile-urls-secret"


@pytest.fixture(scope="module")
def urls_server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with serve(RNNPLAY_STORE=str(store), RNNPLAY_SECRET=SECRET) as url:
        yield url


pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT_MS = 120_000
BAIT = "http://127.0.0.1:9/bait"  # nothing listens there; a request to it is what must not happen


def open_url(browser, url: str):
    """(page, the requests it made to BAIT) after the page's script run ended."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    baited: list[str] = []
    page.on("request", lambda r: baited.append(r.url) if r.url.startswith(BAIT) else None)
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)
    return page, baited


def alerts(page) -> str:
    return " | ".join(page.get_by_test_id("stAlert").all_inner_texts())


@pytest.mark.parametrize(
    "page_path, params, message",
    [
        ("playground", {"steps": "inf"}, "steps='inf' is not allowed: an integer in [1,"),
        ("playground", {"seed": "-inf"}, "seed='-inf' is not allowed: an integer in [0, 2147483647]"),
        ("playground", {"hidden_size": "1e400"}, "hidden_size='1e400' is not allowed: an integer in [1, 1024]"),
        ("playground", {"lr": "nan"}, "lr='nan' is not allowed: a finite number in (0, 10]"),
        ("gradients", {"steps": "inf"}, "steps='inf' is not allowed: an integer in [1,"),
        ("gradients", {"hidden_size": "1e400"}, "hidden_size='1e400' is not allowed"),
        ("playground", {"task": "charlm", "text_ref": "0" * 24}, "no longer has the text this link names"),
        ("playground", {"t": "f" * 24}, "does not know this short link"),
        ("playground", {"view": "eyJoIjpbXX0.AAAAAAAAAAAAAAAAAAAAAA"}, "This teacher link was changed or damaged"),
        ("playground", {"lang": "x" * 1_000}, "lang="),
        ("playground", {"race": "y" * 1_000, "steps": "1e400"}, "steps='1e400'"),
    ],
)
def test_each_url_attack_gets_a_clear_message_and_no_traceback(urls_server, chromium, page_path, params, message):
    page, _ = open_url(chromium, f"{urls_server}/{page_path}?{urlencode(params)}")
    expect(page.get_by_test_id("stAlert").filter(has_text=message).first).to_be_visible(timeout=WAIT_MS)
    assert page.get_by_test_id("stException").count() == 0
    assert "Traceback" not in page.content()
    page.context.close()


@pytest.mark.parametrize(
    "params",
    [
        {"run": f"[Session expired - log in]({BAIT})"},
        {"lang": f"![p]({BAIT}.png)"},
        {"lesson": f"[open]({BAIT}) ![i]({BAIT}.png)"},
        {"race": f"<img src={BAIT}.gif>[x]({BAIT})"},
        {"hidden_sizes": "1", f"[x]({BAIT})": "1"},
        {"lang": f"{BAIT} www.example.com me@example.com"},
    ],
)
def test_markdown_in_an_echoed_value_is_shown_as_text_never_a_link_or_an_image(urls_server, chromium, params):
    page_path = "gradients" if "race" in params else "playground"
    page, baited = open_url(chromium, f"{urls_server}/{page_path}?{urlencode(params)}")
    expect(page.get_by_test_id("stAlert").first).to_be_visible(timeout=WAIT_MS)
    box = page.get_by_test_id("stAlert")
    assert box.locator("a").count() == 0 and box.locator("img").count() == 0
    assert "[" in alerts(page) or "127.0.0.1" in alerts(page)  # the value shown as it was typed
    assert not baited, baited  # the browser fetched nothing the value asked for
    assert page.get_by_test_id("stException").count() == 0
    page.context.close()


def test_a_locked_value_edited_into_a_teacher_link_is_refused(urls_server, chromium, monkeypatch):
    monkeypatch.setenv("RNNPLAY_SECRET", SECRET)
    from app_pages.ui.teacher import Classroom, view_token

    room = Classroom(
        hide=frozenset({"teacher"}), lock=frozenset({"lr", "arch"}), link_values={"lr": 0.01, "arch": "gru"}
    )
    query = {"task": "adding", "view": view_token(room), "lr": "0.5", "arch": "lstm"}
    page, _ = open_url(chromium, f"{urls_server}/playground?{urlencode(query)}")
    expect(page.get_by_test_id("stAlert").filter(has_text="lr='0.5' in the link is refused").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar").locator(".st-key-lr input")).to_have_value("0.01")
    assert page.get_by_test_id("stException").count() == 0
    page.context.close()
