"""Real browser: a teacher link holds (sidebar navigation, reload, a new tab keep the view; a hand-edited
URL is refused with a message and the teacher's value kept), and a 2 MB paste into "Text to learn"
leaves a URL of a few hundred characters and a page that reloads."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from app_pages.ui.teacher import Classroom, view_token
from tests.e2e.page_state import CONNECTED, IDLE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT_MS = 120_000


@pytest.fixture(scope="module")
def secret_server(tmp_path_factory):
    """A server with a known secret, so this test process signs the same tokens the server does."""
    from tests.e2e.streamlit_server import serve

    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with serve(RNNPLAY_STORE=str(store), RNNPLAY_SECRET="e2e-links-secret") as url:
        yield url


def settle(page: Page) -> None:
    page.wait_for_selector(CONNECTED, timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)


def student_link(server: str, monkeypatch) -> str:
    monkeypatch.setenv("RNNPLAY_SECRET", "e2e-links-secret")
    room = Classroom(
        hide=frozenset({"seed", "teacher"}),
        lock=frozenset({"lr", "arch"}),
        link_values={"lr": 0.02, "arch": "gru", "seed": 4},
    )
    query = {"task": "majority", "lr": "0.02", "arch": "gru", "view": view_token(room)}
    return f"{server}/playground?{urlencode(query)}"


def assert_student_view(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    lr = sidebar.locator(".st-key-lr input")
    expect(lr).to_be_disabled(timeout=WAIT_MS)
    expect(lr).to_have_value("0.02")
    assert sidebar.locator(".st-key-seed").count() == 0
    assert page.get_by_text("Teacher link (for a class)").count() == 0
    assert page.get_by_test_id("stException").count() == 0


def test_a_teacher_link_survives_navigation_reload_and_a_new_tab_and_refuses_edits(secret_server, browser, monkeypatch):
    link = student_link(secret_server, monkeypatch)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    page.goto(link)
    settle(page)
    assert_student_view(page)
    # through the sidebar to the Gradient lab and back: the URL keeps the view
    page.get_by_test_id("stSidebarNav").get_by_text("Gradient lab", exact=True).click()
    page.wait_for_function("location.pathname.endsWith('/gradients')", timeout=WAIT_MS)  # the click took
    settle(page)
    page.wait_for_function("location.search.includes('view=')", timeout=WAIT_MS)
    assert "/gradients" in page.url
    page.get_by_test_id("stSidebarNav").get_by_text("Playground", exact=True).click()
    settle(page)
    page.wait_for_function("location.search.includes('view=')", timeout=WAIT_MS)
    page.reload()
    settle(page)
    assert_student_view(page)
    # a new tab on the same address
    tab = ctx.new_page()
    tab.goto(page.url)
    settle(tab)
    assert_student_view(tab)
    # a hand-edited URL: a locked value, then the token itself
    params = dict(parse_qsl(urlsplit(page.url).query))
    tab.goto(f"{secret_server}/playground?{urlencode({**params, 'lr': '0.5', 'arch': 'lstm'})}")
    settle(tab)
    expect(tab.get_by_text("lr='0.5' in the link is refused", exact=False)).to_be_visible(timeout=WAIT_MS)
    assert_student_view(tab)
    edited = params["view"][:-3] + ("AAA" if not params["view"].endswith("AAA") else "BBB")
    tab.goto(f"{secret_server}/playground?{urlencode({**params, 'view': edited})}")
    settle(tab)
    expect(tab.get_by_text("This teacher link was changed or damaged", exact=False)).to_be_visible(timeout=WAIT_MS)
    assert tab.get_by_test_id("stException").count() == 0
    ctx.close()


def test_a_2_mb_paste_leaves_a_short_url_and_a_page_that_reloads(secret_server, page):
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{secret_server}/playground?task=charlm")
    settle(page)
    box = page.get_by_test_id("stSidebar").locator(".st-key-text textarea")
    box.fill("x" * 2_000_000)
    box.press("Control+Enter")
    expect(page.get_by_text("characters is too long", exact=False)).to_be_visible(timeout=WAIT_MS)
    settle(page)
    assert len(page.url) < 600, len(page.url)
    # a long text that is accepted goes by its hash
    box.fill("to be or not to be, that is the question. " * 300)
    box.press("Control+Enter")
    page.wait_for_function("location.search.includes('text_ref=')", timeout=WAIT_MS)
    assert len(page.url) < 600
    response = page.reload()
    assert response is not None and response.status == 200
    settle(page)
    expect(box).to_have_value("to be or not to be, that is the question. " * 300, timeout=WAIT_MS)
    assert page.get_by_test_id("stException").count() == 0
