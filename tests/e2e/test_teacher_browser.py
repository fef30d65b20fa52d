"""Real browser, teacher links: a teacher picks hidden and locked controls in the Playground's Teacher link panel and
copies the link; a fresh browser (another context: another session) opens it and sees only the chosen
controls, the locked one disabled and unchangeable by clicking or typing; training uses the locked
value (read back from the run's exported settings). Screenshots go to $RNNPLAY_SHOTS (or tmp)."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.page_state import CONNECTED, IDLE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT_MS = 120_000  # a cold server on a busy shared machine takes a while to import torch


def settle(page: Page) -> None:
    """Wait until the page's script run has ended (the Playground does not poll while idle)."""
    page.wait_for_selector(CONNECTED, timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)


def shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def pick(page: Page, key: str, option: str) -> None:
    """Choose one option of a multiselect by typing its label, and check it became a chip. On CI the
    dropdown's option was once re-rendered under the pointer for the whole timeout ("element was
    detached from the DOM, retrying"): each try is short, and a later one uses the keyboard instead."""
    box = page.locator(f".st-key-{key} input")
    chosen = page.locator(f".st-key-{key}").get_by_text(option, exact=True)
    for attempt in range(4):
        box.click()
        box.fill(option)
        try:
            if attempt % 2 == 0:
                page.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            else:
                page.get_by_role("option", name=option, exact=True).wait_for(timeout=15_000)
                page.keyboard.press("ArrowDown")
                page.keyboard.press("Enter")
            expect(chosen).to_be_visible(timeout=15_000)
            break
        except (PlaywrightTimeout, AssertionError):
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not choose {option!r} in the {key} multiselect")
    page.keyboard.press("Escape")
    settle(page)


def test_a_teacher_link_shows_only_the_chosen_controls_and_locks_one(server, browser, tmp_path):
    shots = shots_dir(tmp_path)
    teacher_ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    teacher_ctx.set_default_timeout(WAIT_MS)
    teacher_ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    teacher = teacher_ctx.new_page()
    teacher.goto(f"{server}/playground?task=majority&steps=60&lr=0.02&seed=4")
    settle(teacher)
    teacher.get_by_text("Teacher link (for a class)").click()
    pick(teacher, "teacher_hide", "Seed (seed)")
    pick(teacher, "teacher_hide", "Hidden size (hidden_size)")
    pick(teacher, "teacher_hide", "the share link")
    pick(teacher, "teacher_lock", "Learning rate (lr)")
    link_box = teacher.locator(".st-key-teacher_link:not([data-stale=true]) code")
    expect(link_box).to_contain_text("view=", timeout=20_000)  # pick() waited for the run that made it
    # the copy button beside the link puts it on the clipboard
    teacher.locator(".st-key-teacher_link").hover()
    teacher.locator(".st-key-teacher_link button").first.click()
    link = teacher.evaluate("navigator.clipboard.readText()")
    assert link == link_box.inner_text().strip()
    teacher.screenshot(path=str(shots / "teacher_panel.png"), full_page=True)
    params = dict(parse_qsl(urlsplit(link).query))
    body = params["view"].split(".")[0]  # the view, signed by the server
    view = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert view["h"] == ["hidden_size", "seed", "share", "teacher"] and view["l"] == ["lr"]
    assert (params["lr"], params["seed"], params["steps"]) == ("0.02", "4", "60")

    student_ctx = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    student_ctx.set_default_timeout(WAIT_MS)
    student = student_ctx.new_page()
    student.goto(link)
    settle(student)
    sidebar = student.get_by_test_id("stSidebar")
    lr = sidebar.locator(".st-key-lr input")
    expect(lr).to_be_disabled(timeout=WAIT_MS)
    expect(lr).to_have_value("0.02")
    expect(sidebar.get_by_text("locked by your teacher")).to_be_visible()
    expect(sidebar.locator(".st-key-batch_size input")).to_be_enabled()  # a control the teacher left alone
    assert sidebar.locator(".st-key-seed").count() == 0 and sidebar.locator(".st-key-hidden_size").count() == 0
    assert student.get_by_text("Teacher link (for a class)").count() == 0
    assert student.get_by_text("Share this configuration").count() == 0
    # try to change it anyway: click and type, and its +/- buttons
    lr.click(force=True)
    student.keyboard.type("9")
    student.keyboard.press("Enter")
    sidebar.locator(".st-key-lr button").first.click(force=True)
    expect(lr).to_have_value("0.02")
    student.screenshot(path=str(shots / "teacher_student_view.png"), full_page=True)

    student.get_by_role("button", name=re.compile("^.?Train$")).click()
    expect(student.locator(".rnnplay-live-status")).to_contain_text("finished", timeout=WAIT_MS)
    settle(student)
    expect(lr).to_have_value("0.02")
    student.get_by_text("Export / import").click()
    with student.expect_download() as info:
        student.get_by_role("button", name=re.compile("^Settings")).click()
    info.value.save_as(tmp_path / "settings.json")
    trained = json.loads((tmp_path / "settings.json").read_text())
    trained = trained.get("config", trained)
    assert (trained["lr"], trained["seed"], trained["steps"]) == (0.02, 4, 60)
    student.screenshot(path=str(shots / "teacher_student_trained.png"), full_page=True)
    assert student.get_by_test_id("stException").count() == 0
    student_ctx.close()
    teacher_ctx.close()
