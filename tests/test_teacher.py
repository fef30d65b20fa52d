"""Teacher links (AppTest): a hidden control is absent and keeps the link's value, a locked one is
drawn disabled with the link's value that neither session_state nor a later URL can change, the student
view lasts across page switches, unknown names are warned about by name, and the Teacher link panel
makes a link that opens exactly that view (without the panel)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui.teacher import teacher_query
from rnnplay import signing
from rnnplay.config import TASKS, make_config, relevant_fields
from tests.link_boxes import EXCHANGE_BOX, TEACHER_BOX, link_boxes, opened

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"
PANEL = "Teacher link (for a class)"


def open_playground(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(PLAYGROUND)
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at.run()


def view_of(params: dict) -> tuple[str, str]:
    """A teacher link's signed view, as (hide, lock) comma lists (sorted)."""
    payload = signing.verify(params["view"])
    return ",".join(payload["h"]), ",".join(payload["l"])


def widget_keys(at: AppTest) -> set[str]:
    kinds = ("number_input", "selectbox", "radio", "toggle", "text_area")
    return {w.key for kind in kinds for w in at.get(kind) if w.key}


def expanders(at: AppTest) -> set[str]:
    return {e.label for e in at.expander}


def test_hidden_controls_are_absent_and_keep_the_links_values(stop_runs):
    at = open_playground(task="adding", hidden_size=48, seed=5, hide="hidden_size,seed,share,export,howto")
    stop_runs.append(at)
    assert not at.exception and not at.warning
    keys = widget_keys(at)
    assert "hidden_size" not in keys and "seed" not in keys
    assert {"lr", "seq_len", "arch", "init"} <= keys  # the rest stays
    assert not {"Share this configuration", "Export / import", "How to read these charts"} & expanders(at)
    assert PANEL in expanders(at)  # this link did not hide the panel
    config = at.session_state["_run"].config
    assert (config.task, config.hidden_size, config.seed) == ("adding", 48, 5)


def test_hiding_more_hides_its_section_and_the_teacher_panel_can_be_hidden(stop_runs):
    at = open_playground(task="majority", seed=9, init="xavier", hide="more,teacher,try_it")
    stop_runs.append(at)
    assert not at.exception
    assert not {"init", "seed", "device", "impl"} & widget_keys(at)
    assert not {"More", PANEL} & expanders(at)
    assert not any("Try it" in m.value for m in at.markdown)
    config = at.session_state["_run"].config
    assert (config.seed, config.init) == (9, "xavier")


def test_a_locked_control_is_disabled_and_cannot_be_changed_from_the_page(stop_runs):
    at = open_playground(task="adding", lr=0.01, arch="gru", lock="lr,arch")
    stop_runs.append(at)
    assert not at.exception and not at.warning
    lr, arch = at.number_input(key="lr"), at.radio(key="arch")
    assert lr.disabled and arch.disabled and not at.number_input(key="hidden_size").disabled
    assert (lr.value, arch.value) == (0.01, "gru")
    assert "Locked by your teacher" in lr.help
    assert any("locked by your teacher" in c.value for c in at.caption)
    # the page tries otherwise: through session_state, then through the URL
    at.session_state["lr"] = 0.5
    at.session_state["arch"] = "lstm"
    at.run()
    at.query_params["lr"] = "0.7"
    at.run()
    config = at.session_state["_run"].config
    assert (config.lr, config.arch) == (0.01, "gru")
    assert (at.number_input(key="lr").value, at.radio(key="arch").value) == (0.01, "gru")
    # a task change brings the new task's defaults, but not to the locked fields
    at.selectbox(key="task").set_value("charlm").run()
    config = at.session_state["_run"].config
    assert (config.task, config.lr, config.arch, config.hidden_size) == ("charlm", 0.01, "gru", 8)


def test_a_locked_field_the_link_does_not_name_takes_the_tasks_default(stop_runs):
    at = open_playground(task="copy", lock="hidden_size,task")
    stop_runs.append(at)
    assert at.selectbox(key="task").disabled
    assert at.number_input(key="hidden_size").value == make_config("copy").hidden_size
    assert at.session_state["_run"].config.hidden_size == make_config("copy").hidden_size


def test_the_student_view_survives_a_page_switch(stop_runs):
    at = open_playground(task="adding", lr=0.01, seed=3, hide="seed", lock="lr")
    stop_runs.append(at)
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PLAYGROUND)
    at.query_params.clear()  # Streamlit drops unbound parameters on navigation
    at.run()
    assert not at.exception
    assert "seed" not in widget_keys(at) and at.number_input(key="lr").disabled
    config = at.session_state["_run"].config
    assert (config.lr, config.seed) == (0.01, 3)


@pytest.mark.parametrize(
    "params, named",
    [
        ({"hide": "seed,colour"}, "colour"),
        ({"lock": "lr,speed"}, "speed"),
        ({"lock": "share"}, "share"),  # a page part can be hidden, not locked
    ],
)
def test_unknown_names_are_warned_about_by_name(params, named, stop_runs):
    at = open_playground(task="majority", **params)
    stop_runs.append(at)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert named in warnings and ("hide" in warnings or "lock" in warnings)


def test_teacher_query_spells_out_fixed_fields_and_always_hides_the_panel():
    config = make_config("adding", hidden_size=48)
    q = teacher_query(config, hide=["seed", "share"], lock=["lr", "seed"], lesson="random", language="zh")
    assert q == {
        "task": "adding",
        "hidden_size": "48",
        "seed": "0",  # hidden at its default: spelled out, so it stays 0 on another task too
        "lr": str(make_config("adding").lr),
        "lang": "zh",
        "lesson": "random",
        "view": q["view"],
    }
    assert view_of(q) == ("seed,share,teacher", "lr")  # seed is hidden, which wins
    assert signing.verify(q["view"])["x"] == {"seed": 0, "lr": make_config("adding").lr}
    assert "run" not in teacher_query(config)


def test_the_teacher_panel_makes_a_link_that_opens_the_student_view(stop_runs):
    teacher = open_playground(task="adding", hidden_size=48, lr=0.01)
    stop_runs.append(teacher)
    opened(teacher, TEACHER_BOX)
    teacher.multiselect(key="teacher_hide").set_value(["seed", "export"]).run()
    teacher.multiselect(key="teacher_lock").set_value(["lr", "hidden_size"]).run()
    link = link_boxes(teacher, TEACHER_BOX, PANEL)[0]
    assert link.startswith("/playground?")
    params = dict(parse_qsl(urlsplit(link).query))
    assert view_of(params) == ("export,seed,teacher", "hidden_size,lr")

    student = open_playground(**params)
    stop_runs.append(student)
    assert not student.exception and not student.warning
    assert "seed" not in widget_keys(student)
    assert student.number_input(key="lr").disabled and student.number_input(key="hidden_size").disabled
    assert not {PANEL, "Export / import"} & expanders(student)
    assert student.session_state["_run"].config == teacher.session_state["_run"].config


def test_the_gradient_lab_honours_a_teacher_link_and_makes_one(stop_runs):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("app_pages/gradients.py")
    for k, v in {"race": "vanishing", "steps": "300", "seed": "2", "lock": "steps", "hide": "seed,share"}.items():
        at.query_params[k] = v
    at.run()
    stop_runs.append(at)
    assert not at.exception and not at.warning
    assert at.number_input(key="steps").disabled and at.number_input(key="steps").value == 300
    assert "seed" not in widget_keys(at) and not at.number_input(key="seq_len").disabled
    assert "Share this race" not in expanders(at) and PANEL in expanders(at)
    configs = [r.config for r in at.session_state["_race"].runs]
    assert len(configs) == 3 and all((c.steps, c.seed) == (300, 2) for c in configs)
    # the panel's link keeps the race and adds the lists
    opened(at, TEACHER_BOX)
    at.multiselect(key="teacher_lock").set_value(["seq_len"]).run()
    link = link_boxes(at, TEACHER_BOX, PANEL)[0]
    params = dict(parse_qsl(urlsplit(link).query))
    assert urlsplit(link).path.endswith("/gradients")
    assert params["race"] == "vanishing" and view_of(params) == ("teacher", "seq_len")
    student = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    student.switch_page("app_pages/gradients.py")
    for k, v in params.items():
        student.query_params[k] = v
    student.run()
    stop_runs.append(student)
    assert not student.exception and not student.warning
    assert student.number_input(key="seq_len").disabled and PANEL not in expanders(student)


def test_the_closed_panels_draw_nothing_and_the_teachers_choices_survive_closing(stop_runs):
    """A page run draws the Teacher link and Export / import panels' widgets only while they are open (the
    Train click's page run holds the GIL the training thread waits for); the teacher's choices come back
    when the panel is opened again."""
    at = open_playground(task="random", lesson="random")
    stop_runs.append(at)
    assert {PANEL, "Export / import"} <= expanders(at)
    closed = {w.key for kind in ("multiselect", "selectbox", "file_uploader") for w in at.get(kind)}
    assert not {"teacher_hide", "teacher_lock", "teacher_lesson", "up_config", "up_weights"} & closed
    assert not at.get("download_button") and not at.get("imgs")

    opened(at, TEACHER_BOX, EXCHANGE_BOX)
    assert at.selectbox(key="teacher_lesson").value == "random"  # the URL's lesson, offered at first
    assert at.file_uploader(key="up_weights") is not None
    at.multiselect(key="teacher_hide").set_value(["seed", "export"]).run()
    at.multiselect(key="teacher_lock").set_value(["lr"]).run()
    at.selectbox(key="teacher_lesson").set_value(None).run()
    link = link_boxes(at, TEACHER_BOX, PANEL)[0]

    at.session_state[TEACHER_BOX] = False
    at.run()
    assert "teacher_hide" not in {w.key for w in at.multiselect}
    opened(at, TEACHER_BOX)
    assert not at.exception and not at.warning
    assert at.multiselect(key="teacher_hide").value == ["seed", "export"]
    assert at.multiselect(key="teacher_lock").value == ["lr"]
    assert at.selectbox(key="teacher_lesson").value is None  # not the URL's lesson again
    assert link_boxes(at, TEACHER_BOX, PANEL)[0] == link


@pytest.mark.parametrize("task", TASKS)
def test_every_field_a_task_shows_can_be_locked_at_the_links_value(task, stop_runs):
    """Every widget kind (number, choice, toggle, text): all of a task's shown fields locked at once, at
    non-default values; the page then tries each one's default through session_state."""
    from test_share import SHOWN

    deps = {"arch": "rnn", "num_layers": 2, "optimizer": "sgd", "clip_mode": "norm", "lr_schedule": "step"}
    # forget_bias shows with an LSTM only, and the dependencies above lock a plain RNN (for its activation)
    want = {n: v for t, n, v in SHOWN if t == task and n not in (*deps, "corpus", "forget_bias")}
    want.update({n: v for n, v in deps.items() if n in relevant_fields(task)})
    want = make_config(task, **want).changed_fields() | {n: getattr(make_config(task, **want), n) for n in want}
    want.pop("task")
    at = open_playground(
        task=task, lock=",".join(want), **{n: str(v).lower() if v is True else v for n, v in want.items()}
    )
    stop_runs.append(at)
    assert not at.exception and not at.warning
    for name, value in want.items():
        widget = at.get_by_key(name)
        assert widget.disabled, name
        assert at.session_state[name] == value, name
    for name in want:
        at.session_state[name] = getattr(make_config(task), name)
    at.run()
    config = at.session_state["_run"].config
    assert {n: getattr(config, n) for n in want} == want


def test_a_huge_hide_list_is_not_echoed_whole(stop_runs):
    at = open_playground(task="majority", hide="seed," + "x" * 100_000, lock="lr")
    stop_runs.append(at)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("hide" in w for w in warnings) and all(len(w) < 400 for w in warnings)
    assert "seed" not in widget_keys(at) and at.number_input(key="lr").disabled


def test_a_teacher_links_lesson_comes_back_after_navigation_and_cannot_be_swapped(stop_runs):
    """The lesson travels in the signed view: sidebar navigation drops the query and the lesson comes back
    on its page; another lesson written into the URL is refused by name; Free play leaves it for this
    session."""
    query = teacher_query(make_config("random"), lock=("lr",), lesson="random")
    at = open_playground(**query)
    stop_runs.append(at)
    assert at.query_params["lesson"] == "random" and not at.warning
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PLAYGROUND)
    at.query_params.clear()  # Streamlit drops unbound parameters on navigation
    at.run()
    assert not at.exception
    assert at.query_params["lesson"] == "random"
    assert any("Overfitting random labels" in m.value for m in at.markdown)  # the narrator is back

    at.query_params["lesson"] = "hello"
    at.run()
    assert at.query_params["lesson"] == "random"
    assert any("lesson='hello' in the link is refused" in w.value for w in at.warning), [w.value for w in at.warning]

    next(b for b in at.button if b.label.endswith("Free play")).click().run()
    assert "lesson" not in at.query_params
    at.run()
    assert "lesson" not in at.query_params  # this session left the lesson; the view does not force it back
