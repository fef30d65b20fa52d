"""The performance table (python -m rnnplay.bench --table): its structure, and that every ratio comes from
the rounds of the same run. Tiny step counts: these tests check the bookkeeping, never a speed."""

import os
import statistics
import subprocess
import sys

import pytest
import torch

from rnnplay import bench
from rnnplay.config import make_config
from rnnplay.tasks import TASK_CLASSES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table_lines(text: str) -> list[list[str]]:
    """The markdown table's rows (header first, the --- line left out), each a list of cells."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows if "---" not in line]


def test_plain_loop_trains_every_task_default():
    # sentiment packs its lengths and reverse feeds the target to its decoder: the plain loop must
    # call the model as the trainer does, or rows A would time something else (or crash)
    for name in TASK_CLASSES:
        assert bench.plain_loop(make_config(task=name), 2) > 0, name


def test_ratios_are_medians_of_the_same_rounds():
    rows = bench.run_table(["majority"], [("small", 32, 20)], ("rnn",), ("torch", "scratch"), rounds=3, steps=3)
    assert [(r["set"], r["row"]) for r in rows] == [
        ("A", "majority"),
        ("B", "adding small rnn torch"),
        ("B", "adding small rnn scratch"),
    ]
    for r in rows:
        assert r["steps"] == 3
        for k in "abc":
            assert len(r["rates"][k]) == 3
            assert r[k] == statistics.median(r["rates"][k])
        for k in "bc":
            ratios = [x / y for x, y in zip(r["rates"][k], r["rates"]["a"], strict=True)]
            assert r[f"{k}/a"] == pytest.approx(statistics.median(ratios), rel=1e-12)
            assert r["round_ratios"][f"{k}/a"] == pytest.approx(ratios, rel=1e-12)
    torch_row, scratch_row = rows[1:]
    per_round = [s / t for s, t in zip(scratch_row["rates"]["a"], torch_row["rates"]["a"], strict=True)]
    assert scratch_row["scratch/torch"] == pytest.approx(statistics.median(per_round), rel=1e-12)
    assert scratch_row["scratch_target_applies"] and "scratch/torch" not in torch_row
    assert rows[1]["configuration"] == "rnn torch H32 T20 B64" and rows[2]["configuration"].startswith("rnn scratch")


def test_paired_is_not_a_ratio_of_medians():
    # round 3 ran while the machine was busy for the numerator's loop only: the paired median ignores it
    assert bench.paired([1.0, 10.0, 100.0], [1.0, 1.0, 1000.0]) == 1.0
    assert statistics.median([1.0, 10.0, 100.0]) / statistics.median([1.0, 1.0, 1000.0]) == 10.0


def test_round_order_rotates_and_keeps_a_group_side_by_side():
    orders = [bench.round_order(1, "abc", r, 3) for r in range(3)]
    assert [[k for _, k in o] for o in orders] == [list("abc"), list("bca"), list("cab")]
    grid = bench.round_order(2, "abc", 0, 3)
    assert grid == [(0, "a"), (1, "a"), (0, "b"), (1, "b"), (0, "c"), (1, "c")]
    firsts = {bench.round_order(2, "abc", r, 3)[0][1] for r in range(3)}
    assert firsts == {"a", "b", "c"}  # each loop leads one round
    assert bench.round_order(2, "abc", 0, 1) == grid


def test_a_ratio_under_its_target_is_marked():
    row = {"set": "A", "row": "sine", "configuration": "x", "device": "cpu", "steps": 10, "a": 100.0}
    row.update({"b": 96.0, "c": 80.0, "b/a": 0.96, "c/a": 0.80, "d": 85.0, "d/a": 0.85})
    cells = dict(zip(bench.COLUMNS, bench.table_cells(row), strict=True))
    assert cells["(b)/(a) ≥ 0.95"] == "0.960"
    assert cells["(c)/(a) ≥ 0.85"] == "**0.800 ✗**"
    assert cells["(d)/(a) ≥ 0.8"] == "0.850"
    big = {**row, "set": "B", "scratch/torch": 0.5, "scratch_target_applies": False}
    assert bench.table_cells(big)[-1] == "0.500"  # hidden > 128: no target to miss
    assert bench.table_cells({**big, "scratch_target_applies": True})[-1] == "**0.500 ✗**"
    assert bench._ratio(0.9497, 0.95) == "**0.9497 ✗**" and bench._ratio(0.95, 0.95) == "0.950"
    spread = {**row, "round_ratios": {"b/a": [0.9, 0.96, 1.02], "c/a": [0.8]}}
    cells = dict(zip(bench.COLUMNS, bench.table_cells(spread), strict=True))
    assert cells["(b)/(a) ≥ 0.95"] == "0.960 (0.90–1.02)" and cells["(c)/(a) ≥ 0.85"] == "**0.800 ✗**"


def test_browser_numbers_go_into_the_task_rows_only():
    rows = [{"set": "A", "row": "sine"}, {"set": "B", "row": "sine"}, {"set": "A", "row": "wave"}]
    bench.merge_browser(rows, {"sine": {"d": 50.0, "d/a": 0.9, "d_a": 55.0, "d/a rounds": [0.7, 0.9, 1.0]}})
    assert rows[0] == {
        "set": "A",
        "row": "sine",
        "d": 50.0,
        "d/a": 0.9,
        "d_a": 55.0,
        "round_ratios": {"d/a": [0.7, 0.9, 1.0]},
    }
    assert "d" not in rows[1] and "d" not in rows[2]
    row = {**rows[0], "configuration": "x", "device": "cpu", "steps": 9}
    cells = dict(zip(bench.COLUMNS, bench.table_cells(row), strict=True))
    assert cells["(d) app + browser"] == "50.0 (its (a) 55.0)" and cells["(d)/(a) ≥ 0.8"] == "0.900 (0.70–1.00)"


def test_cuda_table_adds_the_large_configuration():
    gs = bench.groups(["majority"], bench.GRID_SIZES[:1], ("lstm",), ("torch", "scratch"), "cuda")
    assert [g["set"] for g in gs] == ["A", "B", "large"]
    assert all(cfg.device == "cuda" for g in gs[:2] for _, cfg in g["entries"])
    (_, cpu), (_, gpu) = gs[2]["entries"]
    assert (cpu.device, gpu.device, gpu.hidden_size, gpu.seq_len, gpu.batch_size) == ("cpu", "cuda", 512, 256, 256)
    assert gs[2]["cross"] == "gpu/cpu" and gs[2]["loops"] == "a"
    assert [g["set"] for g in bench.groups(["majority"], (), ("lstm",), ("torch",), "cpu")] == ["A"]


def test_one_command_writes_the_table(tmp_path, capsys):
    out = tmp_path / "table.md"
    argv = ["--table", "--quick", "--steps", "2", "--tasks", "sine", "charlm", "--grid", "--markdown", str(out)]
    assert bench.main(argv) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    assert text.strip() == printed.strip()
    header = text.splitlines()[0]
    for part in (
        "python -m rnnplay.bench --table --quick",
        "torch ",
        "thread(s)",
        "cores",
        "load average",
        "at the end",
        "UTC",
        "commit ",
    ):
        assert part in header, part
    lines = table_lines(text)
    assert lines[0] == list(bench.COLUMNS)
    assert [line[:2] for line in lines[1:]] == [["A", "sine"], ["A", "charlm"]]
    assert all(len(line) == len(bench.COLUMNS) for line in lines)
    for line in lines[1:]:
        a, b, c = (float(x) for x in line[4:7])
        assert a > 0 and b > 0 and c > 0
        assert line[7] == ""  # (d) needs --browser


def test_json_holds_every_round(capsys):
    import json

    assert bench.main(["--table", "--quick", "--steps", "2", "--tasks", "majority", "--grid", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rounds"] == 1 and report["environment"]["command"].startswith("python -m rnnplay.bench --table")
    (row,) = report["rows"]
    assert row["row"] == "majority" and {k: len(v) for k, v in row["rates"].items()} == {"a": 1, "b": 1, "c": 1}
    assert row["b/a"] == pytest.approx(row["b"] / row["a"])


def test_bad_table_arguments_are_refused():
    with pytest.raises(SystemExit, match="--tasks: nosuch is not a task"):
        bench.main(["--table", "--tasks", "nosuch"])
    with pytest.raises(SystemExit):
        bench.main(["--table", "--seconds", "0"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_table_skips_cleanly_without_cuda(capsys):
    assert bench.main(["--table", "--device", "cuda", "--tasks", "majority"]) == 0
    assert "CUDA is not available" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_gpu_check_without_cuda_says_so_and_exits_0(capsys):
    assert bench.main(["--gpu-check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no CUDA device:") and out.count("\n") == 1


def test_gpu_check_needs_no_streamlit_or_plotly():
    """The GPU machine has torch (numpy, safetensors) but no streamlit or plotly: the check must import neither."""
    modules = "rnnplay.bench, rnnplay.gpu_check, rnnplay.run.training_run, rnnplay.devices, rnnplay.graphs"
    code = f"import sys, {modules}; print(sorted({{'streamlit', 'plotly'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
