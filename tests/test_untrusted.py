"""Untrusted input. A hostile checkpoint (a real pickle whose loading would create a marker
file, renamed .safetensors or uploaded as .pt), a malformed CSV, a 50 MB upload, a 1 MB text and
out-of-range URL parameters each get a message naming the field and what is allowed, and change
nothing else: the marker file is never created, a trained run keeps its steps, history and config.
Core checks first, then the same cases through the Playground (AppTest)."""

from __future__ import annotations

import ast
import io
import json
import pickle
import struct
import time
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages.i18n import render
from rnnplay import export, hosted, untrusted
from rnnplay.config import MAX_TEXT_CHARS, ConfigError, make_config, parse_params
from rnnplay.tasks.sine import load_series_csv
from rnnplay.trainer import Trainer
from tests import test_pages
from tests.link_boxes import EXCHANGE_BOX, opened

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "app_pages/playground.py"
BIG = 50 * 10**6  # "a 50 MB upload": 50 000 000 bytes, under 50 MiB as well


class Payload:
    """Unpickling this runs open(marker, "w"): the file appears. Any callable could stand there."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def hostile_files(marker: Path) -> dict[str, bytes]:
    """The same payload as every kind of pickle a checkpoint may be: protocols 0 (text), 2 and 5,
    torch.save's zip, and a pickle hidden as the bytes of a tensor inside a real safetensors file."""
    files = {f"protocol {p}": pickle.dumps(Payload(marker), protocol=p) for p in (0, 2, 5)}
    buf = io.BytesIO()
    torch.save({"state": Payload(marker)}, buf)
    files["torch.save zip"] = buf.getvalue()
    inner = pickle.dumps(Payload(marker))
    meta = {"format": export.WEIGHTS_FORMAT, "version": "1", "config": export.config_json(tiny())}
    header = {
        "__metadata__": meta,
        "core.weight_ih_l0": {"dtype": "U8", "shape": [len(inner)], "data_offsets": [0, len(inner)]},
    }
    head = json.dumps(header).encode()
    files["pickle inside safetensors"] = struct.pack("<Q", len(head)) + head + inner
    return files


def tiny(**kw):
    return make_config("majority", hidden_size=4, steps=5, **kw)


# the payload is real -----------------------------------------------------------------------------
def test_the_payload_is_real_unpickling_it_creates_the_marker(tmp_path):
    marker = tmp_path / "pwned"
    for name, data in hostile_files(marker).items():
        if name.startswith("protocol"):
            pickle.loads(data)  # what torch.load / pickle.load would do with the upload
            assert marker.exists(), name
            marker.unlink()
    with zipfile.ZipFile(io.BytesIO(hostile_files(marker)["torch.save zip"])) as z:
        assert any(n.endswith("data.pkl") for n in z.namelist())


# core: the weights reader never unpickles -------------------------------------------------------------
@pytest.mark.parametrize(
    "kind", ["protocol 0", "protocol 2", "protocol 5", "torch.save zip", "pickle inside safetensors"]
)
def test_a_hostile_checkpoint_renamed_safetensors_is_refused_by_content_and_never_run(kind, tmp_path):
    marker = tmp_path / "pwned"
    data = hostile_files(marker)[kind]
    trainer = Trainer(tiny())
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    # the name is allowed: the content has to give it away
    assert untrusted.upload_problem("Weights", "model.safetensors", len(data), 20, (".safetensors",)) is None
    with pytest.raises(ValueError) as e:
        export.load_weights(trainer, data)
    message = str(e.value)
    print(f"\n{kind}: {message}")
    assert {
        "protocol 0": "not a safetensors file",
        "protocol 2": "it is a Python pickle; pickles can run code",
        "protocol 5": "it is a Python pickle; pickles can run code",
        "torch.save zip": "it is a zip archive",
        "pickle inside safetensors": "weights do not fit this model",
    }[kind] in message
    assert not marker.exists()
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed"


@pytest.mark.parametrize("name", ["model.pt", "model.PTH", "checkpoint.ckpt", "pytorch_model.bin", "x.pkl"])
def test_a_pickled_checkpoint_is_refused_by_its_name_with_the_reason(name):
    message = untrusted.upload_problem("Weights", name, 1000, 20, (".safetensors",))
    assert message is not None
    assert "pickled checkpoint" in message and "can run any code" in message and ".safetensors" in message
    zh = render(untrusted.upload_problem("权重", name, 1000, 20, (".safetensors",)), "zh")
    assert "pickle" in zh and "任意代码" in zh and ".safetensors" in zh


def test_no_code_path_can_unpickle():
    """Static: nothing in the app or the core calls a loader that unpickles."""
    banned = {("pickle", "load"), ("pickle", "loads"), ("torch", "load"), ("joblib", "load"), ("dill", "load")}
    for path in [ROOT / "app.py", *(ROOT / "app_pages").rglob("*.py"), *(ROOT / "rnnplay").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert (node.value.id, node.attr) not in banned, f"{path}:{node.lineno} {node.value.id}.{node.attr}"
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                raise AssertionError(f"{path}:{node.value.lineno} allow_pickle")
            if isinstance(node, ast.ImportFrom) and node.module in ("pickle", "dill", "joblib"):
                raise AssertionError(f"{path}:{node.lineno} imports from {node.module}")


# core: sizes ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "name", "limit", "suffixes"),
    [
        ("Weights (safetensors) into this run", "big.safetensors", untrusted.MAX_WEIGHTS_MB, (".safetensors",)),
        ("Settings (JSON)", "big.json", untrusted.MAX_CONFIG_MB, (".json",)),
        ("Your own series (CSV, one numeric column)", "big.csv", untrusted.MAX_CSV_MB, (".csv", ".txt")),
    ],
)
def test_a_50_mb_upload_is_refused_naming_the_field_and_the_limit(field, name, limit, suffixes):
    message = untrusted.upload_problem(field, name, BIG, limit, suffixes)
    assert message == f"{field}: '{name}' is 47.7 MB, too big: files up to {limit} MB are allowed"
    assert untrusted.upload_problem(field, name, int(limit * untrusted.MB), limit, suffixes) is None


def test_the_readers_refuse_50_mb_too_when_the_bytes_arrive():
    """Past the uploader (a client that ignores it): each reader has its own size check."""
    blob = b"1\n" * (BIG // 2)
    with pytest.raises(ValueError, match="too big"):
        export.load_weights(Trainer(tiny()), blob)
    with pytest.raises(ValueError, match="too big"):
        export.load_config_json(blob)
    with pytest.raises(ConfigError, match="csv=.* at most 2 MB"):
        load_series_csv(blob)


def test_the_largest_model_the_server_allows_still_uploads_and_50_mb_does_not():
    """The weights limit covers a model at the RNNPLAY_MAX_PARAMS cap (float32: 4 bytes a parameter plus
    the header); Streamlit's own maxUploadSize lets that through and stops 50 MB before it arrives."""
    cap = hosted.caps().max_params
    sizes = [make_config("majority", arch="lstm", hidden_size=h, num_layers=2) for h in range(8, 1025, 8)]
    config = max((c for c in sizes if hosted.param_count(c) <= cap), key=hosted.param_count)
    n = hosted.param_count(config)
    assert 0.9 * cap < n <= cap, n  # a model at the default cap
    data = export.weights_safetensors(Trainer(config))
    per_param = len(data) / n
    print(f"\n{n} parameters -> {len(data) / untrusted.MB:.1f} MB of safetensors ({per_param:.2f} B each)")
    assert (
        untrusted.upload_problem("w", "w.safetensors", len(data), untrusted.MAX_WEIGHTS_MB, (".safetensors",)) is None
    )
    assert per_param * cap < untrusted.MAX_WEIGHTS_MB * untrusted.MB
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert untrusted.MAX_WEIGHTS_MB <= server["maxUploadSize"] < BIG / untrusted.MB


# core: text and URL parameters -------------------------------------------------------------------------
def test_a_1_mb_text_is_refused_with_the_field_and_range_and_never_echoed_whole():
    text = "a" * 10**6
    message = untrusted.text_problem("Text to learn", text, MAX_TEXT_CHARS)
    assert message == (
        "Text to learn: 1,000,000 characters is too long: 1 to 20,000 characters are allowed; nothing was changed"
    )
    assert untrusted.text_problem("Text to learn", "a" * MAX_TEXT_CHARS, MAX_TEXT_CHARS) is None
    with pytest.raises(ConfigError) as e:
        make_config("charlm", text=text)
    assert len(str(e.value)) < 200 and "1 to 20000 characters" in str(e.value)
    assert len(untrusted.shorten(text)) < 45


def test_out_of_range_url_parameters_each_get_a_warning_by_name_and_fall_back():
    huge = "x" * 10**6
    config, warnings = parse_params(
        {"hidden_size": "5000", "lr": "-1", "steps": "0", "seq_len": "1e9", "arch": "transformer", huge: "1"}
    )
    text = "\n".join(warnings)
    for expected in (
        "hidden_size=5000 is not allowed: in [1, 1024]",
        "lr=-1.0 is not allowed: in (0, 10]",
        "steps=0 is not allowed: in [1, 1e+06]",
        "seq_len='1e9' is not allowed: an integer",
        "arch='transformer' is not allowed: one of rnn, lstm, gru",
        "unknown parameter 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…xxxxxxxxx' ignored",
    ):
        assert expected in text, text
    assert len(text) < 2000
    assert config == make_config("majority")


# the same cases through the Playground (AppTest) -------------------------------------------------------
def open_app(**params) -> AppTest:
    return test_pages.open_app(PLAYGROUND, **params)


def trained(stop_runs, **params) -> AppTest:
    """A Playground whose run has trained to the end: the state every refusal must leave alone."""
    at = open_app(**params)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    deadline = time.monotonic() + 60
    while run.state == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run.state == "done", run.message
    at.run()
    return at


def fingerprint(at: AppTest) -> tuple:
    run = at.session_state["_run"]
    snap = run.snapshot()
    weights = {k: v.clone() for k, v in run.trainer.model.state_dict().items()}
    return (
        run,
        (run.state, run.trainer.steps_done, len(snap.history["step"]), snap.history["loss"], run.config),
        weights,
    )


def assert_unchanged(at: AppTest, before: tuple) -> None:
    run, facts, weights = before
    assert at.session_state["_run"] is run
    _, now, now_weights = fingerprint(at)
    assert now == facts
    for k, v in weights.items():
        assert torch.equal(now_weights[k], v), f"{k} changed"
    assert not at.exception


def messages(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.error, *at.warning])


def upload(at: AppTest, key: str, name: str, data: bytes) -> AppTest:
    """The file picked in the Export / import panel's uploader `key` (the panel opened first)."""
    if not (EXCHANGE_BOX in at.session_state and at.session_state[EXCHANGE_BOX]):
        opened(at, EXCHANGE_BOX)
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream")).run()
    return at


def test_playground_refuses_hostile_checkpoints_and_big_files_and_the_run_is_untouched(stop_runs, tmp_path):
    at = trained(stop_runs, task="majority", steps=30, hidden_size=8)
    before = fingerprint(at)
    marker = tmp_path / "pwned"
    cases = {
        ("up_weights", "hostile.safetensors", "protocol 2"): "it is a Python pickle; pickles can run code",
        ("up_weights", "hostile.safetensors", "protocol 0"): "not a safetensors file",
        ("up_weights", "hostile.safetensors", "torch.save zip"): "it is a zip archive",
        ("up_weights", "hostile.pt", "torch.save zip"): "is a pickled checkpoint, and loading a pickle can run",
        ("up_weights", "hostile.pkl", "protocol 5"): "is a pickled checkpoint, and loading a pickle can run",
    }
    files = hostile_files(marker)
    for (key, name, kind), expected in cases.items():
        upload(at, key, name, files[kind])
        shown = messages(at)
        print(f"\n{name} ({kind}): {shown}")
        assert name in shown and expected in shown
        assert not marker.exists()
        assert not any("Loaded" in s.value for s in at.success)
        assert_unchanged(at, before)
    upload(at, "up_weights", "big.safetensors", b"\0" * BIG)
    assert "Weights (safetensors) into this run: 'big.safetensors' is 47.7 MB, too big: files up to 20 MB" in messages(
        at
    )
    upload(at, "up_config", "big.json", b" " * BIG)
    assert "Settings (JSON): 'big.json' is 47.7 MB, too big: files up to 3 MB are allowed" in messages(at)
    upload(at, "up_config", "bad.json", b"{not json")
    assert "bad.json: config file: not valid JSON (line 1, column 2" in messages(at)
    assert_unchanged(at, before)


def test_a_settings_file_that_passes_offers_its_settings_and_weights_load_into_the_run(stop_runs):
    """The other side of the refusals: a good settings file gives a link that opens exactly its settings, and
    good weights are loaded into the run and said to be."""
    at = trained(stop_runs, task="majority", steps=20, hidden_size=8)
    wanted = make_config("adding", arch="gru", hidden_size=24, lr=0.02)
    upload(at, "up_config", "mine.json", export.config_json(wanted).encode())
    assert not at.exception and not messages(at)
    (link,) = [e for e in at.get("page_link") if "Open these settings" in e.proto.label]
    assert link.proto.label == "Open these settings (adding, gru)"
    assert parse_params(dict(parse_qsl(link.proto.query_string)))[0] == wanted

    run, _, trained_weights = fingerprint(at)
    data = run.weights()
    with torch.no_grad():
        for p in run.trainer.model.parameters():
            p.add_(1.0)
    upload(at, "up_weights", "w.safetensors", data)
    assert "Loaded w.safetensors: press Train to continue from these weights." in [m.value for m in at.success]
    now = fingerprint(at)[2]
    assert all(torch.equal(now[k], v) for k, v in trained_weights.items())


def test_a_refused_upload_leaves_a_running_run_running(stop_runs, tmp_path):
    at = open_app(task="majority", steps=100000, hidden_size=8)
    stop_runs.append(at)
    at.button(key="btn_train").click().run()
    run = at.session_state["_run"]
    upload(at, "up_weights", "hostile.safetensors", hostile_files(tmp_path / "pwned")["protocol 5"])
    assert "pickles can run code" in messages(at)
    assert run.state == "running"  # the old code paused it before reading the file


def test_try_it_refuses_a_1_mb_paste_and_the_run_is_untouched(stop_runs):
    at = trained(stop_runs, task="majority", steps=20, hidden_size=8)
    before = fingerprint(at)
    at.text_input(key="try_majority").input("1" * 10**6).run()
    shown = messages(at)
    assert "A 0/1 string (up to 60 digits): 1,000,000 characters is too long: 1 to 1,000 characters" in shown
    assert len(shown) < 2000
    assert_unchanged(at, before)


def test_the_text_to_learn_refuses_1_mb_and_keeps_its_text_and_the_run(stop_runs):
    at = trained(stop_runs, task="charlm", steps=10, text="hello there")
    before = fingerprint(at)
    hidden = at.number_input(key="hidden_size").value
    at.text_area(key="text").input("b" * 10**6).run()
    shown = messages(at)
    assert "Text to learn: 1,000,000 characters is too long: 1 to 20,000 characters are allowed" in shown
    assert at.text_area(key="text").value == "hello there"  # the widget is put back, not cut to 20 000
    assert at.number_input(key="hidden_size").value == hidden  # the other settings stay
    assert not any("Changed since this run started" in m.value for m in at.markdown)
    assert_unchanged(at, before)
    at.run()  # the message is shown once; the field keeps working
    assert "too long" not in messages(at)
    at.text_area(key="text").input("hello world").run()
    assert at.text_area(key="text").value == "hello world" and not at.exception


def test_a_too_long_text_in_a_link_falls_back_to_the_default_with_a_message():
    at = open_app(task="charlm", hidden_size=12, text="z" * 30_000)
    shown = messages(at)
    assert "text='zzzz" in shown and "1 to 20000 characters" in shown
    assert at.text_area(key="text").value == "hello"
    config = at.session_state["_run"].config
    assert (config.text, config.hidden_size) == ("hello", 12)  # only the bad field fell back


def test_a_malformed_csv_is_refused_under_its_uploader_and_the_run_is_untouched(stop_runs):
    at = trained(stop_runs, task="sine", steps=10)
    before = fingerprint(at)
    for name, data, expected in [
        (
            "bad.csv",
            b"value\n1.5\nabc\n2.5\n",
            "CSV file 'bad.csv': csv='abc' is not allowed: row 3, 'value': the cell is not",
        ),
        ("two.csv", b"a;b\n1;2\n3;4\n", "'two.csv': csv=2 numeric columns is not allowed: one column of numbers"),
        ("bad.csv", b"\xff\xfe\x00binary", "UTF-8"),
        ("big.csv", b"1\n" * (BIG // 2), "is 47.7 MB, too big: files up to 2 MB are allowed"),
    ]:
        upload(at, "series_file", name, data)
        shown = "\n".join(e.value for e in at.error)
        print(f"\n{name}: {shown}")
        assert expected in shown and "Share link" not in shown
        assert not at.warning
        assert_unchanged(at, before)


def test_out_of_range_url_parameters_warn_by_name_and_change_nothing_else():
    huge = {"lesson": "x" * 10**5, "e1": "y" * 10**5, "run": "r" * 10**5, "lang": "q" * 10**4}
    at = open_app(hidden_size=5000, lr="-1", steps=0, arch="transformer", **huge)
    shown = messages(at)
    for field in ("hidden_size=5000", "lr=-1.0", "steps=0", "arch='transformer'", "unknown parameter 'e1'"):
        assert field in shown, shown
    for name in ("lang='qqqq", "Run 'rrrr", "Unknown lesson 'xxxx"):
        assert name in shown, shown
    assert len(shown) < 3000  # a 100 kB parameter is not echoed back
    assert at.session_state["_run"].config == make_config("majority")
    assert not at.exception


def test_a_link_over_this_servers_caps_is_named_not_dropped_silently():
    """steps and T inside RunConfig's range but over RNNPLAY_MAX_STEPS / RNNPLAY_MAX_SEQ_LEN: the bound
    widget ignores them, so the page says which and why."""
    caps = hosted.caps()
    at = open_app(steps=caps.max_steps + 1, seq_len=caps.max_seq_len + 1, hidden_size=48)
    shown = messages(at)
    assert (
        f"steps={caps.max_steps + 1} is over this server's cap of {caps.max_steps} (set by RNNPLAY_MAX_STEPS)" in shown
    )
    assert f"seq_len={caps.max_seq_len + 1} is over this server's cap of {caps.max_seq_len}" in shown
    config = at.session_state["_run"].config
    assert (config.steps, config.seq_len, config.hidden_size) == (make_config("majority").steps, 10, 48)
    assert not at.exception


def test_the_refusals_speak_chinese_with_lang_zh(tmp_path):
    at = open_app(task="majority", lang="zh")
    at.text_input(key="try_majority").input("1" * 10**6).run()
    assert "1,000,000 个字符太长了：允许 1 到 1,000 个字符；没有做任何更改" in messages(at)
    upload(at, "up_weights", "model.pt", pickle.dumps(Payload(tmp_path / "pwned")))
    assert "文件是用 pickle 保存的检查点，而加载 pickle 会执行其中藏着的任意代码" in messages(at)
    assert not (tmp_path / "pwned").exists() and not at.exception


def test_a_race_entry_link_with_bad_or_huge_parts_is_named_and_never_echoed_whole():
    from rnnplay.race import parse_entry

    base = make_config("adding")
    config, warnings = parse_entry("hidden_size:5000,lr:-1,arch:lstm," + "z" * 10**6, base, name="entry 2 (e2)")
    text = "\n".join(warnings)
    assert "entry 2 (e2): hidden_size=5000 is not allowed: in [1, 1024]" in text
    assert "entry 2 (e2): lr=-1.0 is not allowed: in (0, 10]" in text
    assert "ignored: write field:value" in text and len(text) < 1000
    assert (config.arch, config.hidden_size, config.lr) == ("lstm", base.hidden_size, base.lr)


def test_inspect_refuses_a_1_mb_own_input_and_shows_a_probe_sample_instead():
    at = open_app(task="majority")
    run = at.session_state["_run"]
    at.switch_page("app_pages/inspect.py")
    at.run()
    at.button_group(key="insp_source").set_value("My own input").run()
    at.text_input(key="insp_text_majority").input("1" * 10**6).run()
    shown = messages(at)
    assert "1,000,000 characters is too long: 1 to 1,000 characters are allowed" in shown, shown
    assert "probe sample 0" in shown and len(shown) < 2000
    assert at.session_state["_run"] is run and run.trainer.steps_done == 0 and not at.exception


def test_the_gradient_lab_names_a_huge_or_unknown_race_link_without_echoing_it():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/gradients.py")
    at.query_params.update(race="z" * 10**5, e1="hidden_size:5000," + "w" * 10**5, hidden_size="-3")
    at.run()
    shown = messages(at)
    assert "race='zzzz" in shown and "is not allowed: one of vanishing, exploding" in shown, shown
    assert "entry 1 (e1): hidden_size=5000 is not allowed: in [1, 1024]" in shown, shown
    assert "hidden_size=-3 is not allowed" in shown, shown
    assert len(shown) < 3000 and not at.exception


@pytest.mark.parametrize(
    "value",
    [
        "[Session expired - log in](http://127.0.0.1:9/x)",
        "![p](http://127.0.0.1:9/p.png)",
        "<b>x</b> *y* `z` $x$ :red[r]",
    ],
)
def test_an_echoed_value_is_markdown_escaped_so_it_shows_as_it_is(value):
    """Every markdown character of an echoed value is escaped: no link, no image, no HTML, no emphasis."""
    shown = untrusted.shorten(value, 200)
    unescaped = [c for i, c in enumerate(shown) if c in "[]()!<>*`$_" and shown[i - 1] != "\\"]
    assert not unescaped, shown
    assert shown.replace("\\", "").replace("\u200b", "") == repr(value)  # nothing else changes
    error = ConfigError("arch", value, "one of rnn, lstm, gru")
    assert "](" not in render(error, "en") and "![" not in render(error, "en")
    assert repr(value[:30]).rstrip("'") in str(error)  # the CLI's text stays plain
