"""Share links: every configuration field, on every task whose Playground shows it, goes from the URL
into the page's RunConfig and its widget, and back out of share_query unchanged; the language goes into
the link when it is not English; a run id or a teacher link's lists never do."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui import links
from app_pages.ui.fields import visible
from rnnplay.config import FIELDS, TASKS, make_config, parse_params, relevant_fields
from tests.link_boxes import SHARE_BOX, link_boxes

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"

# valid values to try, the first that differs from the task's default is used
CANDIDATES = {
    "arch": ("gru", "lstm"),
    "impl": ("scratch",),
    "hidden_size": (40, 24),
    "num_layers": (2, 3),
    "bidirectional": (True,),
    "nonlinearity": ("relu",),
    "dropout": (0.3,),
    "embed_dim": (12, 20),
    "lr": (0.02, 0.03),
    "lr_schedule": ("step",),
    "lr_step": (200, 300),
    "lr_gamma": (0.25,),
    "lr_step_unit": ("epochs",),
    "optimizer": ("sgd", "rmsprop"),
    "momentum": (0.5,),
    "clip_mode": ("value", "norm"),
    "clip": (2.5,),
    "batch_size": (16, 8),
    "steps": (777,),
    "seq_len": (12, 14),
    "init": ("orthogonal", "xavier"),
    "init_gain": (0.5,),
    "forget_bias": (1.0,),
    "weight_decay": (0.01,),
    "seed": (7,),
    "device": ("cpu",),
    "corpus": ("tang",),
    "text": ("abc abc",),
    "temperature": (1.3,),
    "carry_state": (True,),
    "sentences": ("zh",),
    "readout": ("last_padded",),
    "dataset_size": (64,),
    "input_size": (5,),
    "teacher_forcing": (0.25,),
    "delay": (13,),
    "noise": (0.3,),
}
# what the sidebar needs before it shows a field (fields.visible)
NEEDS = {
    "nonlinearity": {"arch": "rnn"},
    "forget_bias": {"arch": "lstm"},
    "dropout": {"num_layers": 2},
    "momentum": {"optimizer": "sgd"},
    "clip": {"clip_mode": "norm"},
    "lr_step": {"lr_schedule": "step"},
    "lr_gamma": {"lr_schedule": "step"},
    "lr_step_unit": {"lr_schedule": "step"},
    "text": {"corpus": "text"},
}
SHARED_FIELDS = [n for n, f in FIELDS.items() if f.metadata["share"] and n != "task"]


def url_value(v) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def cases() -> tuple[list, list]:
    """(task, field, value) for every field the task's sidebar shows; and the (task, field) pairs it
    never shows (a field of another task, or one the task ignores or refuses)."""
    shown, never = [], []
    for task in TASKS:
        for name in SHARED_FIELDS:
            base = make_config(task, **NEEDS.get(name, {}))
            if name not in relevant_fields(task) or not visible(name, base.to_dict()):
                never.append((task, name))
                continue
            value = next(v for v in CANDIDATES[name] if v != getattr(base, name))
            shown.append((task, name, value))
    return shown, never


SHOWN, NEVER = cases()


def open_playground(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(PLAYGROUND)
    for k, v in params.items():
        at.query_params[k] = url_value(v)
    return at.run()


def share_link(at: AppTest) -> str:
    return link_boxes(at, SHARE_BOX, "Share this configuration")[0]


def test_every_shared_field_has_a_test_value():
    assert set(CANDIDATES) == set(SHARED_FIELDS)
    assert "series" not in SHARED_FIELDS  # a learner's data stays out of links
    assert {name for _, name, _ in SHOWN} == set(SHARED_FIELDS)  # each field is shown by some task
    print(f"\n{len(SHOWN)} (task, field) pairs shown; never shown: {sorted(NEVER)}")


@pytest.mark.parametrize("task, name, value", SHOWN, ids=[f"{t}-{n}" for t, n, _ in SHOWN])
def test_every_field_goes_from_the_url_into_the_playground_and_back(task, name, value, stop_runs):
    params = {"task": task, **NEEDS.get(name, {}), name: value}
    at = open_playground(**params)
    stop_runs.append(at)
    assert not at.exception
    assert not [w.value for w in at.warning]
    config = at.session_state["_run"].config
    assert getattr(config, name) == value
    assert at.session_state[name] == value  # the sidebar widget shows it
    for k, v in NEEDS.get(name, {}).items():
        assert getattr(config, k) == v
    # the share link of that configuration opens the same configuration
    query = links.share_query(config)
    back, warnings = parse_params(dict(parse_qsl(query)))
    assert back == config and not warnings
    assert f"{name}=" in query
    assert dict(parse_qsl(urlsplit(share_link(at)).query)) == dict(parse_qsl(query))


@pytest.mark.parametrize("task", TASKS)
def test_share_query_round_trips_every_field_of_a_task_at_once(task):
    """All of a task's shown fields changed together (their dependencies met) come back from the link."""
    changes = {}
    for t, name, value in SHOWN:
        if t == task and name not in ("arch", "num_layers", "optimizer", "clip_mode", "lr_schedule", "corpus"):
            changes[name] = value
    changes.update(arch="rnn", num_layers=2, optimizer="sgd", clip_mode="norm", lr_schedule="step")
    config = make_config(task, **changes)
    back, warnings = parse_params(dict(parse_qsl(links.share_query(config, "zh"))))
    assert back == config and not warnings
    assert dict(parse_qsl(links.share_query(config, "zh")))["lang"] == "zh"


def test_the_language_goes_into_the_share_link_and_a_run_id_never(stop_runs):
    at = open_playground(task="adding", hidden_size=40, lang="zh", run="abc123")
    stop_runs.append(at)
    assert not at.exception
    assert at.session_state["lang"] == "zh"
    link = link_boxes(at, SHARE_BOX, "分享此配置")[0]
    params = dict(parse_qsl(urlsplit(link).query))
    assert params == {"task": "adding", "hidden_size": "40", "lang": "zh"}
    assert urlsplit(link).path.endswith("/playground")
    # English is the default: not in the link
    at = open_playground(task="adding", hidden_size=40, lang="en")
    stop_runs.append(at)
    assert dict(parse_qsl(urlsplit(share_link(at)).query)) == {"task": "adding", "hidden_size": "40"}


def test_a_teacher_links_lists_stay_out_of_the_students_share_link(stop_runs):
    at = open_playground(task="adding", lr=0.01, lock="lr", hide="seed")
    stop_runs.append(at)
    assert dict(parse_qsl(urlsplit(share_link(at)).query)) == {"task": "adding", "lr": "0.01"}


def test_a_bad_language_is_named_in_a_warning_and_english_used(stop_runs):
    at = open_playground(task="adding", lang="fr")
    stop_runs.append(at)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "lang='fr'" in warnings and "en, zh" in warnings
    assert "lang=" not in share_link(at)


def test_the_gradient_lab_names_a_bad_language_too(stop_runs):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("app_pages/gradients.py")
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception
    assert "lang='xx'" in " ".join(w.value for w in at.warning)
    at.switch_page(PLAYGROUND).run()  # said once, not again on the next page
    stop_runs.append(at)
    assert "lang=" not in " ".join(w.value for w in at.warning)


def test_an_uploaded_series_travels_by_its_reference_and_a_lost_one_is_named(stop_runs):
    """A series is never written into a link: the link names it (?series_ref=, kept on the server), so a
    share link, a reload and a new tab train on it; a reference the server does not have is named."""
    series = tuple(float(i % 7) / 7 for i in range(300))
    shared = links.share_params(make_config("sine", series=series))
    assert "series" not in shared and len(shared["series_ref"]) == 24
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(PLAYGROUND)
    for k, v in shared.items():
        at.query_params[k] = v
    at.run()
    stop_runs.append(at)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.session_state["_run"].config.series == series
    assert any("Using 300 values of a series this link names." in c.value for c in at.caption)
    # the share box says what its link holds: the series by its reference, kept on this server
    (link,) = link_boxes(at, SHARE_BOX, "Share this configuration")
    assert f"series_ref={shared['series_ref']}" in link
    assert any("The link names your CSV series, which this server keeps" in c.value for c in at.caption)

    lost = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    lost.switch_page(PLAYGROUND)
    lost.query_params.update(task="sine", series_ref="0" * 24)
    lost.run()
    stop_runs.append(lost)
    assert any("series_ref='000000000000000000000000': this server no longer has" in w.value for w in lost.warning)
    assert lost.session_state["_run"].config.series == () and "series_ref" not in lost.query_params
