"""Export / import: metrics CSV, config JSON round trip, safetensors weights and every refusal
(pickle, zip, truncated, wrong shapes, too big, bad config JSON), and the standalone PyTorch script,
run alone in a subprocess, against Trainer's losses for the same seed."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import pickle
import re
import subprocess
import sys
import zipfile

import pytest
import torch
from safetensors.torch import save as st_save

from rnnplay import export
from rnnplay.config import FIELDS, ConfigError, make_config
from rnnplay.run import Snapshot
from rnnplay.run.training_run import TrainingRun
from rnnplay.trainer import Trainer

TINY = {"hidden_size": 16, "seq_len": 6, "batch_size": 8, "device": "cpu"}
SCRIPT_RTOL = 1e-5  # relative; measured ~3e-9 (the script prints 9 significant digits)


def tiny(task="majority", **kw):
    return make_config(task, **{**TINY, **kw})


# metrics CSV ------------------------------------------------------------------------------------
def test_metrics_csv_has_every_step_and_the_validation_rows():
    run = TrainingRun(tiny(steps=100), min_probe_interval_s=0.0)
    try:
        for _ in range(5):
            run.step_one()  # each step is probed: validation loss at steps 1..5
        snap = run.snapshot()
    finally:
        run.stop()
    text = export.metrics_csv(snap)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == export.CSV_COLUMNS
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [float(r["loss"]) for r in rows] == snap.history["loss"]  # full precision
    assert [float(r["grad_norm_clipped"]) for r in rows] == snap.history["grad_norm_clipped"]
    assert [float(r["val_loss"]) for r in rows] == snap.val["loss"]
    assert all(float(r["lr"]) == run.config.lr for r in rows)


def test_metrics_csv_leaves_a_cell_empty_where_a_step_has_no_value():
    snap = Snapshot(
        history={"step": [2, 4], "loss": [0.5, 0.25], "metric": [0.6, 0.7], "grad_norm": [1.0, 2.0],
                 "grad_norm_clipped": [1.0, 1.0], "lr": [0.1, 0.1]},
        val={"step": [3], "loss": [0.4], "metric": [0.65]},
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(export.metrics_csv(snap))))
    assert rows[1] == ["2", "0.5", "0.6", "1.0", "1.0", "0.1", "", ""]
    assert rows[2] == ["3", "", "", "", "", "", "0.4", "0.65"]
    assert len(rows) == 4


# configuration JSON -----------------------------------------------------------------------------
def test_config_json_round_trips_every_field():
    c = make_config(
        "sine", arch="gru", hidden_size=7, num_layers=2, bidirectional=True, dropout=0.3, lr=0.02,
        lr_schedule="step", lr_step=3, lr_gamma=0.7, optimizer="rmsprop", momentum=0.5, clip_mode="value",
        clip=0.25, batch_size=5, steps=9, seq_len=4, init="orthogonal", init_gain=1.5, weight_decay=0.01,
        seed=42, device="cpu", noise=0.3, series=tuple(float(i % 7) for i in range(100)), impl="scratch",
    )  # fmt: skip
    text = export.config_json(c)
    body = json.loads(text)
    assert body["format"] == "rnnplay-config" and body["version"] == 1
    assert set(body) == set(FIELDS) | {"format", "version"}
    assert isinstance(body["series"], list)
    assert export.load_config_json(text) == c
    assert export.load_config_json(text.encode("utf-8")) == c
    for name in FIELDS:  # every field, not just the ones this config changed
        assert getattr(export.load_config_json(text), name) == getattr(c, name), name


def _cfg_text(**changes):
    body = json.loads(export.config_json(tiny()))
    body.update(changes)
    return json.dumps(body)


def test_config_json_refuses_an_unknown_key_by_name():
    with pytest.raises(ConfigError, match="hiden_size"):
        export.load_config_json(_cfg_text(hiden_size=8))


def test_config_json_refuses_an_out_of_range_value_naming_the_field():
    with pytest.raises(ConfigError, match=r"hidden_size=5000 is not allowed: in \[1, 1024\]"):
        export.load_config_json(_cfg_text(hidden_size=5000))
    with pytest.raises(ConfigError, match="arch='transformer'"):
        export.load_config_json(_cfg_text(arch="transformer"))


def test_config_json_refuses_another_version_or_format():
    with pytest.raises(ValueError, match="version=2 is not supported"):
        export.load_config_json(_cfg_text(version=2))
    with pytest.raises(ValueError, match="format='something' is not allowed"):
        export.load_config_json(_cfg_text(format="something"))
    with pytest.raises(ValueError, match="format=None"):
        export.load_config_json(json.dumps({"task": "majority"}))


def test_config_json_refuses_non_json_and_oversized_text():
    with pytest.raises(ValueError, match="not valid JSON"):
        export.load_config_json("task = majority")
    with pytest.raises(ValueError, match="JSON object"):
        export.load_config_json("[1, 2]")
    with pytest.raises(ValueError, match="not UTF-8"):
        export.load_config_json(b"\xff\xfe{}")
    with pytest.raises(ValueError, match="too big"):
        export.load_config_json(" " * (export.MAX_CONFIG_BYTES + 1))


# weights ----------------------------------------------------------------------------------------
def test_weights_round_trip_restores_the_model_exactly():
    a = Trainer(tiny(arch="lstm", seed=1))
    for _ in range(3):
        a.step()
    data = export.weights_safetensors(a)
    b = Trainer(tiny(arch="lstm", seed=2))  # other initial weights
    saved = export.load_weights(b, data)
    assert saved == a.config
    for (n, p), q in zip(a.model.state_dict().items(), b.model.state_dict().values(), strict=True):
        assert torch.equal(p, q), n
    x = a.task.val_batch().x
    assert torch.equal(a.model.eval()(x), b.model.eval()(x))
    b.step()  # the optimizer still trains the loaded parameters
    assert not torch.equal(b.model.head.weight, a.model.head.weight)


def test_weights_load_across_impls():
    a = Trainer(tiny(arch="gru", impl="torch", seed=3))
    b = Trainer(tiny(arch="gru", impl="scratch", seed=4))
    export.load_weights(b, export.weights_safetensors(a))
    x = a.task.val_batch().x
    torch.testing.assert_close(b.model.eval()(x), a.model.eval()(x), rtol=1e-5, atol=1e-6)


def test_a_renamed_pickle_is_refused_and_nothing_changes():
    tr = Trainer(tiny())
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    with pytest.raises(ValueError, match="not a safetensors file: it is a Python pickle"):
        export.load_weights(tr, pickle.dumps({"a": 1}))

    class Payload:  # would run os.system on unpickling: must never be loaded
        def __reduce__(self):
            return (os.system, ("echo pwned > /dev/null",))

    with pytest.raises(ValueError, match="not a safetensors file"):
        export.load_weights(tr, pickle.dumps(Payload()))
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, before[k])


def test_a_zip_or_torch_save_file_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.pkl", b"x")
    with pytest.raises(ValueError, match="not a safetensors file: it is a zip"):
        export.load_weights(Trainer(tiny()), buf.getvalue())
    buf = io.BytesIO()
    torch.save(Trainer(tiny()).model.state_dict(), buf)  # a real .pt
    with pytest.raises(ValueError, match="not a safetensors file"):
        export.load_weights(Trainer(tiny()), buf.getvalue())


def test_text_and_tiny_files_are_refused():
    with pytest.raises(ValueError, match="not a safetensors file"):
        export.load_weights(Trainer(tiny()), b"hello")
    with pytest.raises(ValueError, match="not a safetensors file"):
        export.load_weights(Trainer(tiny()), b"step,loss\n1,0.5\n2,0.4\n")


def test_a_truncated_file_is_refused():
    tr = Trainer(tiny())
    data = export.weights_safetensors(tr)
    with pytest.raises(ValueError, match="truncated"):
        export.load_weights(tr, data[:-10])
    with pytest.raises(ValueError, match="not a safetensors file"):
        export.load_weights(tr, data[:20])  # cut inside the header


def test_a_malformed_header_is_refused():
    def blob(header: dict, body: bytes = b"") -> bytes:
        h = json.dumps(header).encode()
        return len(h).to_bytes(8, "little") + h + body

    tr = Trainer(tiny())
    with pytest.raises(ValueError, match="does not describe tensors"):
        export.load_weights(tr, blob({"w": {"dtype": "F32"}}))
    meta = {"format": "rnnplay-weights", "version": "1", "config": export.config_json(tr.config)}
    bad = {"__metadata__": meta, "w": {"dtype": "NOPE", "shape": [1], "data_offsets": [0, 4]}}
    with pytest.raises(ValueError, match="corrupt"):
        export.load_weights(tr, blob(bad, b"\0" * 4))


def test_wrong_hidden_size_names_the_field():
    src = Trainer(tiny(hidden_size=32))
    with pytest.raises(ValueError, match=r"hidden_size=32 \(this run: 16\)"):
        export.load_weights(Trainer(tiny(hidden_size=16)), export.weights_safetensors(src))


def test_wrong_arch_and_layers_are_all_named():
    src = Trainer(tiny(arch="lstm", num_layers=2))
    with pytest.raises(ValueError, match=r"arch='lstm' \(this run: 'rnn'\), num_layers=2 \(this run: 1\)"):
        export.load_weights(Trainer(tiny()), export.weights_safetensors(src))


def test_a_tensor_shape_mismatch_names_the_tensor():
    """Metadata that claims to fit, tensors that do not: the first bad tensor is named."""
    tr = Trainer(tiny())
    state = {k: v.clone() for k, v in tr.model.state_dict().items()}
    state["head.weight"] = torch.zeros(2, 32)
    meta = {"format": "rnnplay-weights", "version": "1", "config": export.config_json(tr.config)}
    with pytest.raises(ValueError, match=r"'head.weight' has shape \(2, 32\), the model needs \(2, 16\)"):
        export.load_weights(tr, st_save(state, metadata=meta))
    del state["head.weight"]
    with pytest.raises(ValueError, match="'head.weight' is missing"):
        export.load_weights(tr, st_save(state, metadata=meta))


def test_foreign_safetensors_and_other_versions_are_refused():
    tr = Trainer(tiny())
    state = {k: v.clone() for k, v in tr.model.state_dict().items()}
    with pytest.raises(ValueError, match="format=None is not allowed"):
        export.load_weights(tr, st_save(state))  # a safetensors file without our metadata
    meta = {"format": "rnnplay-weights", "version": "2", "config": export.config_json(tr.config)}
    with pytest.raises(ValueError, match="version='2' is not supported"):
        export.load_weights(tr, st_save(state, metadata=meta))
    meta = {"format": "rnnplay-weights", "version": "1", "config": _cfg_text(hidden_size=0)}
    with pytest.raises(ValueError, match="configuration is unusable: hidden_size=0"):
        export.load_weights(tr, st_save(state, metadata=meta))


def test_a_file_over_the_weights_limit_is_refused_by_size():
    with pytest.raises(ValueError, match=f"too big; at most {export.MAX_WEIGHTS_BYTES // 2**20} MB"):
        export.load_weights(Trainer(tiny()), b"\0" * (export.MAX_WEIGHTS_BYTES + 1))


# the standalone script --------------------------------------------------------------------------
def _script_losses(config, tmp_path) -> list[float]:
    path = tmp_path / "rnn_run.py"
    path.write_text(export.pytorch_script(config), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": "", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, path.name], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return [float(v) for v in re.findall(r"^step \d+ loss (\S+)$", out.stdout, re.M)]


SCRIPT_CASES = {
    "majority-rnn": dict(task="majority", arch="rnn"),
    "adding-lstm-2layer-bidir": dict(task="adding", arch="lstm", num_layers=2, bidirectional=True),
    "sine-gru-sgd-clip-step-identity": dict(
        task="sine", arch="gru", optimizer="sgd", clip_mode="norm", clip=0.5,
        lr_schedule="step", lr_step=7, lr_gamma=0.5, init="identity",
    ),
    "majority-rnn-relu-rmsprop-value-orthogonal-dropout": dict(
        task="majority", arch="rnn", nonlinearity="relu", optimizer="rmsprop", clip_mode="value", clip=0.05,
        init="orthogonal", num_layers=2, dropout=0.3, weight_decay=0.01,
    ),
    "majority-rnn-linear-sgd-momentum-2layer-bidir-dropout": dict(
        task="majority", arch="rnn", nonlinearity="linear", optimizer="sgd", momentum=0.99, init="orthogonal",
        num_layers=2, bidirectional=True, dropout=0.3,
    ),
    "charlm-hello-linear-carry-state": dict(
        task="charlm", arch="rnn", nonlinearity="linear", text="hello", batch_size=1, carry_state=True,
    ),
    "sine-user-series-xavier": dict(
        task="sine", arch="lstm", init="xavier", series=tuple(math.sin(i / 3) for i in range(200)),
    ),
    "random-lstm-memorise-forget-bias": dict(task="random", arch="lstm", dataset_size=16, forget_bias=1.0),
    "random-course-5-inputs-steplr-epochs": dict(
        task="random", arch="rnn", dataset_size=100, input_size=5, hidden_size=64,
        lr_schedule="step", lr_step=1, lr_step_unit="epochs", lr_gamma=0.5,
    ),
    "wave-gru-one-to-many": dict(task="wave", arch="gru", seq_len=12),
    "copy-lstm-bidir-rmsprop-clip": dict(
        task="copy", arch="lstm", bidirectional=True, optimizer="rmsprop", clip_mode="norm", delay=3,
    ),
    "charlm-hello-whole": dict(task="charlm", arch="rnn", text="hello", batch_size=1),
    "tagging-rnn-bidir-2layer": dict(task="tagging", arch="rnn", bidirectional=True, num_layers=2, seq_len=9),
    "charlm-sonnets-windows": dict(task="charlm", arch="gru", corpus="sonnets", seq_len=16),
    "charlm-sonnets-carry-state": dict(task="charlm", arch="lstm", corpus="sonnets", seq_len=16, carry_state=True),
    "charlm-hello-carry-state": dict(task="charlm", arch="rnn", text="hello", batch_size=1, carry_state=True),
}  # fmt: skip


def script_and_trainer_losses(config, tmp_path) -> list[float]:
    """The exported script's losses checked against the Trainer's, step by step (SCRIPT_RTOL); the
    Trainer's are returned."""
    got = _script_losses(config, tmp_path)
    tr = Trainer(config)
    want = [tr.step().loss for _ in range(config.steps)]
    assert len(got) == config.steps
    worst = max(abs(g - w) / abs(w) for g, w in zip(got, want, strict=True))
    assert worst <= SCRIPT_RTOL, f"worst relative difference {worst:.2e}"
    return want


@pytest.mark.parametrize("kw", SCRIPT_CASES.values(), ids=SCRIPT_CASES.keys())
def test_the_exported_script_reproduces_the_trainers_losses(kw, tmp_path):
    want = script_and_trainer_losses(tiny(steps=30, seed=5, lr=0.01, **kw), tmp_path)
    assert want[-1] != want[0]  # it trained


def test_the_script_imports_only_torch():
    text = export.pytorch_script(tiny(task="adding", arch="gru"))
    imports = re.findall(r"^(?:import|from) (\S+)", text, re.M)
    assert {m.split(".")[0] for m in imports} == {"math", "torch"}
    assert "rnnplay" not in "\n".join(line for line in text.splitlines() if "import" in line)
    compile(text, "rnn_run.py", "exec")


def test_the_script_refuses_other_tasks_by_name():
    with pytest.raises(NotImplementedError, match="task='sentiment'") as refused:
        export.pytorch_script(make_config("sentiment"))
    named = str(refused.value).split("supports the tasks ")[1].split(", ")
    assert set(named) == set(export.SCRIPT_TASKS) and "sentiment" not in named
    assert {"majority", "adding", "sine", "random", "wave", "copy", "charlm", "tagging"} <= set(named)


def test_a_safetensors_file_whose_header_length_starts_with_0x80_is_no_pickle():
    """The first byte of a safetensors file is the header length's low byte: 0x80, pickle's first byte,
    whenever that length is 128 mod 256. The "{" at byte 8 tells them apart."""
    data = export.weights_safetensors(Trainer(tiny()))
    n = int.from_bytes(data[:8], "little")
    header = data[8 : 8 + n]
    header += b" " * ((128 - n) % 256)  # trailing spaces: still the same JSON header
    blob = len(header).to_bytes(8, "little") + header + data[8 + n :]
    assert blob[:1] == b"\x80"
    assert export._header(blob) == json.loads(data[8 : 8 + n])
    with pytest.raises(ValueError, match="pickle"):
        export._header(pickle.dumps({"a": 1}))


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deeply_nested_json_is_refused_with_a_message_not_a_recursion_error(depth):
    """`[[[[...]]]]` in a settings file or in a safetensors header: json.loads would raise RecursionError."""
    nested = "[" * depth + "]" * depth
    with pytest.raises(ValueError, match="config file: its JSON is nested too deeply to read; refused"):
        export.load_config_json(nested)
    header = ('{"a": ' + nested + "}").encode()
    with pytest.raises(ValueError, match="weights file: its JSON is nested too deeply to read; refused"):
        export.load_weights(Trainer(tiny()), len(header).to_bytes(8, "little") + header)


def test_a_tensor_name_from_the_file_is_echoed_markdown_escaped():
    """A page renders the message as markdown: a hostile tensor name must not become a link."""
    tr = Trainer(tiny())
    state = {k: v.clone() for k, v in tr.model.state_dict().items()}
    state["[log in](http://127.0.0.1:9/x)"] = torch.zeros(1)
    meta = {"format": "rnnplay-weights", "version": "1", "config": export.config_json(tr.config)}
    with pytest.raises(ValueError) as e:
        export.load_weights(tr, st_save(state, metadata=meta))
    assert "'\\[log in\\]\\(http\u200b://127.0.0.1:9/x\\)'" in str(e.value)
    meta["format"] = "![p](http://127.0.0.1:9/p.png)"
    with pytest.raises(ValueError) as e:
        export.load_weights(tr, st_save(state, metadata=meta))
    assert "![" not in str(e.value) and r"\!\[p\]" in str(e.value)


def _random_config(rng):
    """A configuration the app could export: any task, architecture, size, depth and direction; charlm
    with a random text (its vocabulary sets the embedding's shape, and so the header's length)."""
    task = rng.choice(
        ["majority", "charlm", "random", "sine", "sentiment", "tagging", "reverse", "wave", "adding", "copy"]
    )
    kw = {
        "arch": rng.choice(["rnn", "lstm", "gru"]),
        "hidden_size": rng.randint(1, 40),
        "num_layers": rng.randint(1, 3),
        "impl": rng.choice(["torch", "scratch"]),
        "seed": rng.randint(0, 10_000),
    }
    if task == "charlm":
        alphabet = "abcdefghijklmnopqrstuvwxyz .,!?ABCDEFG0123456789春眠不觉晓处处闻啼鸟"
        kw["text"] = "".join(rng.choice(alphabet[: rng.randint(2, len(alphabet))]) for _ in range(rng.randint(2, 120)))
    if rng.random() < 0.3:
        try:  # not every task reads both ways
            return make_config(task, bidirectional=True, **kw)
        except ConfigError:
            pass
    return make_config(task, **kw)


def test_every_weights_file_the_app_exports_imports_again():
    """A property over 300 random configurations and texts: the file the export button gives back is
    accepted by the import (the sniffing, the header, the shapes) and restores the same tensors. The header
    lengths cover every low byte they can have, 0x80 (pickle's first byte) included."""
    import random

    rng, low_bytes = random.Random(1234), set()
    for _ in range(300):
        config = _random_config(rng)
        trained, fresh = Trainer(config), Trainer(config.replace(seed=config.seed + 1))
        data = export.weights_safetensors(trained)
        low_bytes.add(data[0])
        assert export.load_weights(fresh, data) == trained.config, config
        for name, tensor in trained.model.state_dict().items():
            assert torch.equal(fresh.model.state_dict()[name], tensor), (config, name)
    # safetensors pads its header to 8 bytes: every low byte a header length can have was written, 0x80 too
    assert low_bytes == set(range(0, 256, 8)), sorted(low_bytes)
