"""rnnplay.config: RunConfig ranges and choices (refusals name the field, the value and the allowed
range), make_config's task defaults, bidirectional refused for charlm, parse_params never raising on
garbage share links (warnings name the field and the default is kept), and changed_fields
round-tripping through parse_params."""

from __future__ import annotations

import pytest

from rnnplay.config import FIELDS, TASKS, ConfigError, RunConfig, allowed_text, make_config, parse_params
from rnnplay.tasks import TASK_CLASSES


@pytest.mark.parametrize(
    "name,value,allowed",
    [
        ("hidden_size", 0, "[1, 1024]"),
        ("hidden_size", 1025, "[1, 1024]"),
        ("seq_len", 1, "[2, 1000]"),
        ("lr", 0.0, "(0, 10]"),
        ("lr", 10.5, "(0, 10]"),
        ("lr", -1e-3, "(0, 10]"),
        ("num_layers", 5, "[1, 4]"),
        ("dropout", 0.95, "[0, 0.9]"),
        ("clip", 0.0, "(0, 10000]"),
        ("batch_size", 0, "[1, 1024]"),
        ("init_gain", 0.0, "(0, 10]"),
    ],
)
def test_out_of_range_value_is_refused_with_field_value_and_range_in_message(name, value, allowed):
    with pytest.raises(ConfigError) as e:
        RunConfig(**{name: value})
    msg = str(e.value)
    assert msg.startswith(f"{name}=")
    assert f"{value:g}" in msg and allowed in msg
    assert e.value.field == name
    assert allowed_text(name) in msg


@pytest.mark.parametrize(
    "name,value",
    [
        ("hidden_size", 1),
        ("hidden_size", 1024),
        ("seq_len", 2),
        ("lr", 10.0),
        ("lr", 1e-8),
        ("dropout", 0.9),
        ("num_layers", 4),
    ],
)
def test_values_on_the_edge_of_the_range_are_allowed(name, value):
    assert getattr(RunConfig(**{name: value}), name) == value


@pytest.mark.parametrize(
    "name,value",
    [
        ("arch", "transformer"),
        ("task", "mnist"),
        ("optimizer", "lbfgs"),
        ("clip_mode", "max"),
        ("init", "zeros"),
        ("nonlinearity", "sigmoid"),
        ("impl", "cuda"),
        ("device", "tpu"),
    ],
)
def test_value_outside_choices_is_refused_listing_the_choices(name, value):
    with pytest.raises(ConfigError) as e:
        RunConfig(**{name: value})
    msg = str(e.value)
    assert msg.startswith(f"{name}={value!r}") and "one of" in msg
    for choice in FIELDS[name].metadata["choices"]:
        assert choice in msg


@pytest.mark.parametrize(
    "name,value,kind",
    [
        ("hidden_size", "abc", "an integer"),
        ("hidden_size", 8.5, "an integer"),
        ("lr", "fast", "a number"),
        ("lr", float("nan"), "a number"),
        ("lr", float("inf"), "a number"),
        ("bidirectional", "maybe", "true or false"),
    ],
)
def test_wrong_type_is_refused_naming_the_field_and_the_expected_type(name, value, kind):
    with pytest.raises(ConfigError, match=f"^{name}=.*{kind}"):
        RunConfig(**{name: value})


def test_strings_are_coerced_to_the_field_types():
    c = RunConfig(hidden_size="16", lr="3e-3", bidirectional="yes", steps=20.0)
    assert (c.hidden_size, c.lr, c.bidirectional, c.steps) == (16, 3e-3, True, 20)
    assert isinstance(c.hidden_size, int) and isinstance(c.lr, float)
    assert RunConfig(bidirectional="off").bidirectional is False


def test_bidirectional_is_refused_for_charlm_with_a_message_and_allowed_elsewhere():
    with pytest.raises(ConfigError) as e:
        make_config("charlm", bidirectional=True)
    assert e.value.field == "bidirectional"
    assert str(e.value).startswith("bidirectional=") and "charlm" in str(e.value)
    for task in ("majority", "sine", "adding"):
        assert make_config(task, bidirectional=True).bidirectional


def test_charlm_text_length_is_checked():
    with pytest.raises(ConfigError, match="^text=.*1 to 20000 characters"):
        make_config("charlm", text="")
    with pytest.raises(ConfigError, match="^text="):
        make_config("charlm", text="x" * 20_001)
    assert make_config("charlm", text="你好世界").text == "你好世界"


def test_make_config_applies_task_defaults_then_overrides():
    for task, cls in TASK_CLASSES.items():
        c = make_config(task)
        assert c.task == task
        for k, v in cls.defaults.items():
            assert getattr(c, k) == v, (task, k)
    assert make_config("adding", hidden_size=8).hidden_size == 8
    assert set(TASKS) == set(TASK_CLASSES)


def test_make_config_refuses_unknown_task_and_unknown_field_by_name():
    with pytest.raises(ConfigError, match="^task='mnist'"):
        make_config("mnist")
    with pytest.raises(ConfigError, match="^hiden_size="):
        make_config("majority", hiden_size=8)


def test_config_is_frozen_and_replace_validates():
    c = make_config("majority")
    with pytest.raises(AttributeError):
        c.lr = 1.0
    assert c.replace(lr=0.5).lr == 0.5 and c.lr == make_config("majority").lr
    with pytest.raises(ConfigError, match="^lr="):
        c.replace(lr=0)


GARBAGE = [
    {"hidden_size": "lots"},
    {"hidden_size": "0"},
    {"lr": "10.5"},
    {"lr": "nan"},
    {"seq_len": "1"},
    {"arch": "transformer"},
    {"bidirectional": "maybe"},
    {"seed": "-1"},
    {"steps": "1e400"},
    {"dropout": ""},
]


@pytest.mark.parametrize("params", GARBAGE)
def test_parse_params_never_raises_and_warns_naming_the_field(params):
    config, warnings = parse_params({"task": "adding", "hidden_size": "16", **params})
    (name,) = params
    assert len(warnings) == 1 and name in warnings[0], warnings
    assert getattr(config, name) == getattr(make_config("adding"), name)  # the default is kept
    assert config.task == "adding"
    if name != "hidden_size":
        assert config.hidden_size == 16  # the good parameters survive


def test_parse_params_warns_about_unknown_parameter_and_bad_task():
    config, warnings = parse_params({"task": "mnist", "hidden_sizes": "8", "lang": "zh", "run": "abc"})
    assert config.task == "majority"
    assert len(warnings) == 2
    assert any("task='mnist'" in w for w in warnings)
    assert any("hidden\\_sizes" in w for w in warnings)  # markdown: the page shows hidden_sizes


def test_parse_params_warns_for_bidirectional_charlm_and_too_long_text():
    config, warnings = parse_params({"task": "charlm", "bidirectional": "true", "text": "x" * 30_000})
    assert config.bidirectional is False and config.text == make_config("charlm").text
    assert len(warnings) == 2
    assert any(w.startswith("bidirectional=") for w in warnings) and any(w.startswith("text=") for w in warnings)


@pytest.mark.parametrize("params", [{"hidden_size": ["8", "9"]}, {"lr": None}, {"task": "", "arch": 3}])
def test_parse_params_survives_values_that_are_not_strings(params):
    config, warnings = parse_params(params)
    assert isinstance(config, RunConfig) and warnings


CHANGES = [
    ("majority", {}),
    ("majority", {"arch": "gru", "hidden_size": 16, "bidirectional": True, "num_layers": 2, "dropout": 0.25}),
    (
        "adding",
        {
            "lr": 1 / 3,
            "clip_mode": "value",
            "clip": 0.5,
            "seq_len": 50,
            "init": "identity",
            "init_gain": 0.7,
            "nonlinearity": "relu",
        },
    ),
    ("charlm", {"text": "你好世界你好 & ?=#", "optimizer": "sgd", "momentum": 0.5, "impl": "scratch"}),
    ("sine", {"noise": 0.0, "weight_decay": 1e-4, "seed": 123, "device": "cpu"}),
    ("sentiment", {"sentences": "zh", "embed_dim": 8, "bidirectional": True, "arch": "gru"}),
    ("reverse", {"teacher_forcing": 0.25, "lr_schedule": "step", "lr_step": 300, "lr_gamma": 0.3}),
    ("copy", {"delay": 25, "arch": "gru"}),
    ("random", {"dataset_size": 64, "num_layers": 2, "dropout": 0.2}),
    ("tagging", {"bidirectional": True}),
    ("wave", {"arch": "lstm", "seq_len": 60}),
    ("charlm", {"corpus": "sonnets", "temperature": 0.3}),
]


@pytest.mark.parametrize("task,changes", CHANGES)
def test_changed_fields_round_trips_through_parse_params(task, changes):
    config = make_config(task, **changes)
    link = config.changed_fields()
    assert link["task"] == task
    if "corpus" not in changes:  # a corpus brings its own settings, which differ from "hello"'s too
        assert set(link) == {"task", *changes}  # exactly what differs from the task's defaults
    params = {k: str(v) for k, v in link.items()}  # URL query values are strings
    restored, warnings = parse_params(params)
    assert warnings == []
    assert restored == config


def test_changed_fields_leaves_out_fields_of_other_tasks():
    assert "text" not in make_config("majority").changed_fields()
    assert "noise" not in make_config("charlm", text="abc").changed_fields()
    assert make_config("charlm", text="abc").changed_fields() == {"task": "charlm", "text": "abc"}


def test_fields_a_task_ignores_and_user_data_stay_out_of_links():
    assert "seq_len" not in make_config("copy", seq_len=50).changed_fields()  # copy's length is its delay
    link = make_config("sine", series=(1.0, 2.0, 3.0)).changed_fields()
    assert "series" not in link
    config, warnings = parse_params({"task": "sine", "series": "1,2,3"})
    assert config.series == () and any("series" in w for w in warnings)


def test_every_field_has_help_and_an_allowed_text():
    for name, f in FIELDS.items():
        assert f.metadata["help"], name
        assert allowed_text(name), name
