"""Links that hold on a hosted server (AppTest): URL numbers a bound widget cannot read are dropped by name
before any widget reads them; a long text to learn stays on the server and the URL names it by hash;
a teacher's view travels as a signed token that a page switch keeps, an edited token is refused, and a
fixed value edited into the URL is refused while the teacher's stays; the Gradient lab's entries obey the
view; a short link opens the view; a QR code encodes the short link."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui.teacher import qr_png, qr_svg
from rnnplay import signing, texts
from rnnplay.config import MAX_TEXT_CHARS, make_config
from tests.link_boxes import SHARE_BOX, TEACHER_BOX, link_boxes, opened

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"
GRADIENTS = "app_pages/gradients.py"
PANEL = "Teacher link (for a class)"


def open_page(page: str, stop_runs: list, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    stop_runs.append(at)
    return at


def messages(at: AppTest) -> str:
    return " | ".join(m.value for kind in ("warning", "error") for m in getattr(at, kind))


def race_configs(at: AppTest) -> list:
    return [r.config for r in at.session_state["_race"].runs]


# numbers a bound number input cannot read ------------------------------------------------------------
@pytest.mark.parametrize("page", [PLAYGROUND, GRADIENTS])
@pytest.mark.parametrize(
    "name, raw, allowed",
    [
        ("steps", "inf", "an integer in [1, "),
        ("seed", "-inf", "an integer in [0, 2147483647]"),
        ("hidden_size", "1e400", "an integer in [1, 1024]"),
        ("lr", "nan", "a finite number in (0, 10]"),
        ("init_gain", "-inf", "a finite number in (0, 10]"),
        ("batch_size", "1e3", "an integer in [1, "),
    ],
)
def test_a_url_number_no_widget_can_read_is_named_with_its_range_and_dropped(page, name, raw, allowed, stop_runs):
    at = open_page(page, stop_runs, **{name: raw})
    assert not at.exception
    text = messages(at)
    assert f"{name}='{raw}' is not allowed: {allowed}" in text and "using the default" in text
    assert name not in at.query_params  # gone from the URL: a reload does not meet it again
    assert text.count(f"{name}='{raw}'") == 1  # one message, not two


# long texts stay on the server -----------------------------------------------------------------------
def test_a_long_text_is_kept_on_the_server_and_the_url_names_it_by_hash(stop_runs):
    long_text = "the quick brown fox jumps over the lazy dog. " * 200  # 9 000 characters
    at = open_page(PLAYGROUND, stop_runs, task="charlm")
    at.text_area(key="text").set_value(long_text).run()
    assert not at.exception and not messages(at)
    assert "text" not in at.query_params and at.query_params["text_ref"] == texts.ref_of(long_text)
    assert sum(len(k) + len(v) for k, v in dict(at.query_params).items()) < 300
    assert at.session_state["_run"].config.text == long_text
    # the link opens the same text in another session
    again = open_page(PLAYGROUND, stop_runs, task="charlm", text_ref=at.query_params["text_ref"])
    assert not again.exception and not messages(again)
    assert again.text_area(key="text").value == long_text and again.session_state["_run"].config.text == long_text
    # the share link names it too
    share = link_boxes(again, SHARE_BOX, "Share this configuration")[0]
    assert "text_ref=" + texts.ref_of(long_text) in share and len(share) < 300


def test_a_short_text_stays_in_the_url(stop_runs):
    at = open_page(PLAYGROUND, stop_runs, task="charlm")
    at.text_area(key="text").set_value("abcabc").run()
    assert at.query_params["text"] == "abcabc" and "text_ref" not in at.query_params


@pytest.mark.parametrize("n", [40_000, 2_000_000])
def test_a_huge_paste_is_refused_once_and_never_reaches_the_url(n, stop_runs):
    at = open_page(PLAYGROUND, stop_runs, task="charlm", text="hello world")
    at.text_area(key="text").set_value("x" * n).run()
    assert not at.exception
    refusals = [m.value for m in at.error if "too long" in m.value]
    assert len(refusals) == 1 and f"1 to {MAX_TEXT_CHARS:,} characters" in refusals[0]
    assert not at.warning  # no second, contradictory message about the link
    assert at.query_params["text"] == "hello world" and "text_ref" not in at.query_params
    assert at.text_area(key="text").value == "hello world"


def test_a_link_to_a_text_the_server_no_longer_has_says_so(stop_runs):
    at = open_page(PLAYGROUND, stop_runs, task="charlm", text_ref="0" * 24)
    assert not at.exception
    assert "no longer has the text this link names" in messages(at)
    assert "text_ref" not in at.query_params
    assert at.session_state["_run"].config.text == make_config("charlm").text


# a teacher's view as a signed token -------------------------------------------------------------------
def teacher_link(stop_runs, **params) -> dict:
    """The Playground's teacher panel with lr and arch locked and seed hidden: the student link's parameters."""
    at = opened(open_page(PLAYGROUND, stop_runs, **params), TEACHER_BOX)
    at.multiselect(key="teacher_hide").set_value(["seed"]).run()
    at.multiselect(key="teacher_lock").set_value(["lr", "arch"]).run()
    link = link_boxes(at, TEACHER_BOX, PANEL)[0]
    return dict(parse_qsl(urlsplit(link).query))


def test_the_view_is_signed_and_survives_a_page_switch_that_drops_the_url(stop_runs):
    params = teacher_link(stop_runs, task="adding", lr=0.01, arch="gru", seed=3)
    assert set(params) >= {"view", "lr", "arch"} and "hide" not in params and "lock" not in params
    at = open_page(PLAYGROUND, stop_runs, **params)
    assert not at.exception and not messages(at)
    at.switch_page("app_pages/home.py").run()
    assert at.query_params["view"] == params["view"]  # put back on Home too: a reload there keeps it
    at.switch_page(PLAYGROUND)
    at.query_params.clear()  # the sidebar drops every unbound parameter
    at.run()
    assert not at.exception
    assert at.query_params["view"] == params["view"]
    assert at.number_input(key="lr").disabled and at.radio(key="arch").disabled
    assert (at.session_state["_run"].config.lr, at.session_state["_run"].config.arch) == (0.01, "gru")


def test_a_reload_with_only_the_token_keeps_every_lock(stop_runs):
    """A new tab or a reload: a new session that has nothing but the URL's token."""
    params = teacher_link(stop_runs, task="adding", lr=0.01, arch="gru", seed=3)
    at = open_page(PLAYGROUND, stop_runs, view=params["view"], task="adding")
    assert not at.exception and not messages(at)
    config = at.session_state["_run"].config
    assert (config.lr, config.arch, config.seed) == (0.01, "gru", 3) and "seed" not in at.session_state


def test_a_locked_value_edited_into_the_url_is_refused_and_the_teachers_kept(stop_runs):
    params = teacher_link(stop_runs, task="adding", lr=0.01, arch="gru")
    at = open_page(PLAYGROUND, stop_runs, **{**params, "lr": "0.5", "arch": "lstm", "seed": "7"})
    assert not at.exception
    text = messages(at)
    assert "lr='0.5' in the link is refused: your teacher fixed this setting — it stays at 0.01" in text
    assert "arch='lstm' in the link is refused" in text and "'gru'" in text
    assert "seed='7'" in text  # hidden: fixed as well
    config = at.session_state["_run"].config
    assert (config.lr, config.arch, config.seed) == (0.01, "gru", 0)
    assert "lr" not in at.query_params and "arch" not in at.query_params


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: t.replace(t[5], "x" if t[5] != "x" else "y", 1),  # the view itself
        lambda t: signing._b64(b'{"h":[],"l":[],"v":1,"x":{}}') + "." + t.split(".")[1],  # a view of one's own
        lambda t: "garbage",
    ],
)
def test_a_hand_edited_token_is_refused_with_a_message(edit, stop_runs):
    params = teacher_link(stop_runs, task="adding", lr=0.01, arch="gru")
    at = open_page(PLAYGROUND, stop_runs, **{**params, "view": edit(params["view"])})
    assert not at.exception
    assert "This teacher link was changed or damaged" in messages(at)
    assert "view" not in at.query_params


def test_an_edited_token_in_a_session_that_has_a_view_keeps_that_view(stop_runs):
    params = teacher_link(stop_runs, task="adding", lr=0.01, arch="gru")
    at = open_page(PLAYGROUND, stop_runs, **params)
    at.query_params["view"] = params["view"][:-2] + "xx"
    at.query_params["lr"] = "0.5"
    at.run()
    assert not at.exception
    assert "This teacher link was changed or damaged" in messages(at) and "lr='0.5'" in messages(at)
    assert at.query_params["view"] == params["view"] and at.number_input(key="lr").disabled
    assert at.session_state["_run"].config.lr == 0.01


def test_a_plain_hide_lock_link_is_signed_at_once(stop_runs):
    at = open_page(PLAYGROUND, stop_runs, task="adding", lr=0.01, lock="lr", hide="seed")
    assert not at.exception and not messages(at)
    assert "lock" not in at.query_params and "hide" not in at.query_params
    payload = signing.verify(at.query_params["view"])
    assert payload["l"] == ["lr"] and payload["h"] == ["seed"] and payload["x"]["lr"] == 0.01


def test_the_signing_secret_is_kept_beside_the_store_or_taken_from_the_environment(tmp_path, monkeypatch):
    token = signing.sign({"a": 1})
    assert signing.verify(token) == {"a": 1}
    assert signing.secret_path().exists() and oct(signing.secret_path().stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("RNNPLAY_SECRET", "another server")
    assert signing.verify(token) is None and signing.verify(signing.sign({"a": 1})) == {"a": 1}


# the Gradient lab obeys the view ----------------------------------------------------------------------
def test_the_gradient_labs_entries_obey_the_locks(stop_runs):
    at = open_page(
        GRADIENTS, stop_runs, race="vanishing", arch="gru", hidden_size=16, lr=0.01, lock="arch,hidden_size,lr"
    )
    assert not at.exception and not messages(at)
    assert all((c.arch, c.hidden_size, c.lr) == ("gru", 16, 0.01) for c in race_configs(at))
    # a link's entries that differ, then the table: each refused by name, the teacher's values race
    at.query_params["e1"] = "arch:rnn,hidden_size:64"
    at.query_params["e2"] = "arch:lstm,lr:0.5"
    at.run()
    assert "entry 1: arch='rnn' is refused" in messages(at) and "entry 2: lr=0.5 is refused" in messages(at)
    assert all((c.arch, c.hidden_size, c.lr) == ("gru", 16, 0.01) for c in race_configs(at))
    at.button(key="btn_train").click().run()
    assert all((c.arch, c.hidden_size, c.lr) == ("gru", 16, 0.01) for c in race_configs(at))
    # a demo loaded by its button: its architectures give way to the lock, at once (a Step may follow)
    at.button(key="demo_copy").click().run()
    assert not at.exception
    assert all((c.arch, c.hidden_size, c.lr) == ("gru", 16, 0.01) for c in race_configs(at))
    at.button(key="btn_step").click().run()
    assert all((c.arch, c.hidden_size, c.lr) == ("gru", 16, 0.01) for c in race_configs(at))


def test_the_gradient_lab_keeps_the_view_after_a_page_switch(stop_runs):
    at = open_page(GRADIENTS, stop_runs, race="vanishing", arch="lstm", lock="arch")
    at.switch_page(PLAYGROUND)
    at.query_params.clear()
    at.run()
    at.switch_page(GRADIENTS)
    at.query_params.clear()
    at.run()
    assert not at.exception and "view" in at.query_params
    assert all(c.arch == "lstm" for c in race_configs(at))


# short link and QR code -------------------------------------------------------------------------------
def test_the_short_link_opens_the_student_view_and_an_unknown_one_says_so(stop_runs):
    at = opened(open_page(PLAYGROUND, stop_runs, task="adding", lr=0.01), TEACHER_BOX)
    at.multiselect(key="teacher_lock").set_value(["lr"]).run()
    short = [link for link in link_boxes(at, TEACHER_BOX, PANEL) if "?t=" in link][0]
    assert len(short) < 60 and urlsplit(short).path.endswith("/playground")
    student = open_page("app_pages/home.py", stop_runs, **dict(parse_qsl(urlsplit(short).query)))
    assert not student.exception
    assert student.number_input(key="lr").disabled and student.number_input(key="lr").value == 0.01
    assert signing.verify(student.query_params["view"])["l"] == ["lr"]
    lost = open_page(PLAYGROUND, stop_runs, t="f" * 24)
    assert not lost.exception and "does not know this short link" in messages(lost)


def test_the_qr_code_is_a_png_and_an_svg_of_the_link():
    url = "http://127.0.0.1:8501/playground?t=" + "a" * 24
    png, svg = qr_png(url), qr_svg(url)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 300
    assert b"<svg" in svg and b"<path" in svg
