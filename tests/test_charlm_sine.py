"""charlm's built-in texts, temperature and try-it prime, and sine on the learner's own series:
the CSV loader's accepted and refused files, a user series normalised, split and learned
better than predicting its mean, and the CLI's --csv flag (exit status 2 and one line naming csv
for a bad file)."""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from app_pages.i18n import render
from rnnplay.config import MAX_SERIES, ConfigError, make_config
from rnnplay.data import TEXTS
from rnnplay.tasks import make_task, sine
from rnnplay.tasks.charlm import CONTINUE_CHARS, CORPUS_DEFAULTS, CharLM
from rnnplay.tasks.sine import MAX_CSV_BYTES, MAX_CSV_COLUMNS, load_series_csv, min_series_len
from rnnplay.trainer import Trainer
from tests.test_cli import run_main

ROOT = Path(__file__).resolve().parents[1]


def _charlm(**kw) -> Trainer:
    return Trainer(make_config("charlm", **{"device": "cpu", **kw}))


# charlm: built-in texts -------------------------------------------------------------------------
def test_builtin_corpora_are_real_texts():
    sonnets, tang = TEXTS["sonnets"], TEXTS["tang"]
    assert 4000 <= len(sonnets) <= 8000 and 800 <= len(tang) <= 2000
    assert "Shall I compare thee to a summer's day?" in sonnets
    assert "Let me not to the marriage of true minds" in sonnets
    assert sonnets.isascii()
    assert "床前明月光，疑是地上霜。" in tang and "春眠不觉晓，处处闻啼鸟。" in tang
    assert sum("\u4e00" <= c <= "\u9fff" for c in tang) > 800  # Chinese characters, not a transliteration
    assert set(CORPUS_DEFAULTS) == set(TEXTS) == {"sonnets", "tang"}


@pytest.mark.parametrize("corpus", ["sonnets", "tang"])
def test_charlm_uses_the_builtin_corpus_instead_of_the_text_field(corpus):
    task = make_task(make_config("charlm", corpus=corpus, text="hello", seq_len=32))
    assert task.text == TEXTS[corpus] and not task.whole
    assert task.vocab == sorted(set(TEXTS[corpus]))
    assert task.chance_loss > 2.5  # unigram entropy of a real text, far above "hello"'s 1.33
    # the recommended settings are valid config values and keep the corpus
    assert make_config("charlm", **CharLM.defaults_for(corpus)).corpus == corpus


def test_charlm_tang_trains_a_few_steps_with_its_recommended_settings():
    tr = _charlm(**{**CharLM.defaults_for("tang"), "hidden_size": 16, "batch_size": 4})
    assert tr.task.input_size == len(set(TEXTS["tang"]))
    losses = [tr.step().loss for _ in range(5)]
    assert all(math.isfinite(v) for v in losses)
    assert losses[0] == pytest.approx(math.log(tr.task.input_size), rel=0.1)  # an untrained guess is uniform
    view = tr.task_view()
    assert view["kind"] == "text" and len(view["sample"]) == 80 and set(view["sample"]) <= set(TEXTS["tang"])


def test_hello_still_learns_elloh_with_the_text_corpus():
    tr = _charlm(text="hello")
    assert tr.task.text == "hello" and tr.task.whole
    for _ in range(200):
        tr.step()
    assert tr.task.predict(tr.model, "cpu", "hello") == "elloh"


# charlm: temperature ----------------------------------------------------------------------------
def _greedy(task, model, prime: list[int], n: int) -> list[int]:
    ids = list(prime)
    with torch.no_grad():
        for _ in range(n):
            ids.append(int(model(task.onehot(torch.tensor(ids)).unsqueeze(0))[0, -1].argmax()))
    return ids[len(prime) :]


def test_low_temperature_samples_greedily_whatever_the_seed():
    tr = _charlm(corpus="sonnets", hidden_size=16)
    task, model = tr.task, tr.model
    prime = [task.stoi[c] for c in "Shall"]
    cold = [task.generate(model, "cpu", prime, 30, temperature=0.01, seed=s) for s in range(3)]
    assert cold[0] == cold[1] == cold[2] == _greedy(task, model, prime, 30)


def test_high_temperature_samples_differ_by_seed_and_repeat_for_the_same_seed():
    tr = _charlm(corpus="sonnets", hidden_size=16)
    task, model = tr.task, tr.model
    prime = [task.stoi["S"]]
    a, b = (task.generate(model, "cpu", prime, 40, temperature=2.0, seed=s) for s in (0, 1))
    assert a != b
    assert a == task.generate(model, "cpu", prime, 40, temperature=2.0, seed=0)
    hot = set(task.generate(model, "cpu", prime, 200, temperature=5.0, seed=0))
    cold = set(task.generate(model, "cpu", prime, 200, temperature=0.05, seed=0))
    assert len(hot) > len(cold)  # a flatter distribution visits more characters


def test_view_samples_at_the_config_temperature():
    cold = _charlm(corpus="sonnets", hidden_size=16, temperature=0.01)
    hot = _charlm(corpus="sonnets", hidden_size=16, temperature=3.0)
    assert cold.task_view()["temperature"] == 0.01 and hot.task_view()["temperature"] == 3.0
    first = [int(cold.task.ids[0])]
    greedy = cold.task.decode(first + _greedy(cold.task, cold.model, first, 79))
    assert cold.task_view()["sample"] == greedy  # same weights (same seed), near-zero temperature
    assert hot.task_view()["sample"] != greedy


# charlm: try-it ---------------------------------------------------------------------------------
def test_try_it_continues_the_prime():
    tr = _charlm(corpus="sonnets", hidden_size=16)
    task = tr.task
    assert task.try_it_label == "Prime text" and task.try_it_example == "Shall I compare thee"
    view = task.try_it(tr.model, tr.device, "Shall I")
    assert view["kind"] == "text" and view["prime"] == "Shall I"
    assert view["sample"].startswith("Shall I") and len(view["sample"]) == len("Shall I") + CONTINUE_CHARS
    assert view["sample"] == "Shall I" + view["continuation"]
    assert set(view["continuation"]) <= set(task.vocab)
    assert view["input"] == "Shall I" and view["target"] == "hall I" and len(view["predicted"]) == 7
    assert view["temperature"] == tr.config.temperature
    # an untrained model at temperature ~0 continues greedily from the prime's state
    cold = _charlm(corpus="sonnets", hidden_size=16, temperature=0.01)
    prime = [task.stoi[c] for c in "Shall I"]
    want = task.decode(_greedy(cold.task, cold.model, prime, CONTINUE_CHARS))
    assert cold.task.try_it(cold.model, "cpu", "Shall I")["continuation"] == want


def test_try_it_on_the_scratch_core_reads_windows_and_still_continues():
    tr = _charlm(corpus="tang", hidden_size=8, impl="scratch")
    view = tr.task.try_it(tr.model, "cpu", "床前明月光")
    assert view["sample"].startswith("床前明月光") and len(view["continuation"]) == CONTINUE_CHARS


@pytest.mark.parametrize(
    "prime,needle",
    [
        ("Shall I compare thee to a ZEBRA", "'Z'"),
        ("床前", "'床'"),
        ("", "at least one character"),
        ("a" * 1001, "1001 characters"),
    ],
)
def test_try_it_refuses_a_bad_prime_naming_it(prime, needle):
    tr = _charlm(corpus="sonnets", hidden_size=8)
    with pytest.raises(ValueError, match="prime text") as e:
        tr.task.try_it(tr.model, "cpu", prime)
    assert needle in str(e.value)
    if prime.startswith("Shall"):
        assert "'Z'" in str(e.value) and "'B'" not in str(e.value)  # only the unknown ones: B is in the text
        assert "'e'" in str(e.value)  # and a few it knows


def test_text_field_keeps_its_20k_limit():
    make_config("charlm", text="a" * 20_000)
    with pytest.raises(ConfigError, match="text"):
        make_config("charlm", text="a" * 20_001)


def test_a_text_of_too_many_different_characters_is_refused_naming_text_and_the_cap():
    many = "".join(chr(0x4E00 + i) for i in range(20_000))  # 20,000 characters, all different
    with pytest.raises(ConfigError) as e:
        make_config("charlm", text=many)
    assert e.value.field == "text" and "2000 different characters" in str(e.value) and "20000" in str(e.value)
    assert "2000" in render(e.value, "zh") and "种不同的字符" in render(e.value, "zh")
    make_config("charlm", text=many[:2000])  # the cap itself is fine


# sine: the CSV loader ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data,want",
    [
        ("1\n2.5\n-3e2\n", (1.0, 2.5, -300.0)),
        ("value\n1\n2\n", (1.0, 2.0)),  # a header
        (b"\xef\xbb\xbfvalue\n1\n2\n", (1.0, 2.0)),  # UTF-8 with BOM (Excel's "CSV UTF-8")
        ("\ufeff1\n2\n", (1.0, 2.0)),
        (b"value\r\n1\r\n\r\n2\r\n", (1.0, 2.0)),  # Windows newlines, a blank line
        ("date,temp\n2024-01-01,1.5\n2024-01-02, 2.5\n", (1.5, 2.5)),  # the one numeric column
        ("2024-01-01,1.5\n2024-01-02,2.5\n", (1.5, 2.5)),  # no header: the first row is data
        ('"a";"b"\nx;1,5\ny;2\n', (1.5, 2.0)),  # semicolons, decimal commas, quotes
        ("t\tv\nx\t1\ny\t2\n", (1.0, 2.0)),  # tabs
    ],
)
def test_load_series_csv_reads_one_numeric_column(data, want):
    assert load_series_csv(data) == want


@pytest.mark.parametrize(
    "data,needles",
    [
        ("value\n1\n2\nabc\n4\n", ["row 4", "'abc'", "'value'", "not a number"]),
        ("1\n2\n\n\nx\n", ["row 5"]),  # row = line number in the file, blank lines counted
        ("value\n1\nnan\n", ["row 3", "finite"]),
        ("value\n1\ninf\n", ["row 3", "finite"]),
        ("date,value\n1-1,1\n1-2,\n", ["row 3", "'value'", "missing"]),
        ("a,b\n1,2\n3,4\n", ["2 numeric columns", "'a'", "'b'"]),
        ("a,b\nx,y\n", ["no numbers", "'a'", "'b'"]),
        ("", ["empty"]),
        ("\n \n", ["empty"]),
        ("value\n", ["header without numbers"]),
        (b"\xff\xfe1\x002\x00", ["UTF-8"]),
    ],
)
def test_load_series_csv_refuses_bad_files_naming_csv_and_the_row(data, needles):
    with pytest.raises(ConfigError) as e:
        load_series_csv(data)
    assert e.value.field == "csv" and str(e.value).startswith("csv=") and "\n" not in str(e.value)
    for needle in needles:
        assert needle in str(e.value)


def test_load_series_csv_limits_size_and_rows():
    with pytest.raises(ConfigError, match="at most 2 MB"):
        load_series_csv(b"1\n" * (MAX_CSV_BYTES // 2 + 1))
    with pytest.raises(ConfigError, match=f"at most {MAX_SERIES}"):
        load_series_csv("1\n" * (MAX_SERIES + 1))
    assert len(load_series_csv("x\n" + "1\n" * MAX_SERIES)) == MAX_SERIES


HOSTILE_CSV = "x" + "," * 20000 + "\n" + "1\n" * 10000  # 40 kB: a header of 20,001 columns over one column


def _cells_read(data: str) -> int:
    """How many cells load_series_csv turns into numbers (calls of sine._number), counted by a profile hook."""
    calls = 0

    def hook(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code is sine._number.__code__:
            calls += 1

    sys.setprofile(hook)
    try:
        with contextlib.suppress(ConfigError):
            load_series_csv(data)
    finally:
        sys.setprofile(None)
    return calls


def test_a_csv_with_thousands_of_columns_is_refused_naming_csv_the_row_and_the_cap():
    with pytest.raises(ConfigError) as e:
        load_series_csv(HOSTILE_CSV)
    assert e.value.field == "csv" and "20001 columns in row 1" in str(e.value)
    assert f"at most {MAX_CSV_COLUMNS} columns" in str(e.value)
    assert "列" in render(e.value, "zh")
    assert _cells_read(HOSTILE_CSV) == 0  # refused before a cell is read


def test_load_series_csv_reads_each_cell_a_bounded_number_of_times():
    """The columns are scored by one pass over the cells that are there: a wide header over a one-column
    body costs what the file holds, not header width x rows (which took minutes)."""
    wide = "x" + "," * (MAX_CSV_COLUMNS - 1) + "\n" + "1\n" * 5000
    assert load_series_csv(wide) == (1.0,) * 5000
    cells = MAX_CSV_COLUMNS + 5000
    assert _cells_read(wide) <= 3 * cells


def test_cli_refuses_the_wide_csv_in_one_line(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text(HOSTILE_CSV)
    code, _, err = run_main(capsys, "train", "--task", "sine", "--csv", str(path), "--steps", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "columns" in err and "csv" in err


def test_load_series_csv_never_evaluates_cells():
    with pytest.raises(ConfigError, match="row 2.*not a number"):
        load_series_csv("v\n__import__('os').getcwd()\n1\n")
    with pytest.raises(ConfigError, match="not a number"):
        load_series_csv("v\n1+1\n")


# sine: the user's series ------------------------------------------------------------------------
def _periodic(n: int, mean: float = 20.0, scale: float = 5.0) -> tuple[float, ...]:
    return tuple(
        mean + scale * math.sin(2 * math.pi * t / 24) + 0.4 * scale * math.sin(2 * math.pi * t / 7) for t in range(n)
    )


def test_user_series_is_zscored_split_and_shown_in_its_own_units():
    series = _periodic(500)
    task = make_task(make_config("sine", series=series, seq_len=20))
    assert task.user and task.n == 500 and task.split == 400
    assert task.mean == pytest.approx(sum(series) / 500, abs=1e-6)
    assert abs(float(task.series.mean())) < 1e-5 and float(task.series.std(unbiased=False)) == pytest.approx(1, 1e-4)
    val = task.val_batch()
    assert len(val.y) == 500 - 400 - 21
    view = task.view(Trainer(make_config("sine", series=series, seq_len=20, device="cpu")).model, "cpu")
    assert view["source"] == "your series"
    assert view["truth"][0] == pytest.approx(series[400 + 20], abs=1e-3)  # real units, not z-scores
    assert len(view["t"]) == len(view["one_step"]) and len(view["auto"]) == 50
    assert view["t_truth"][-1] <= 499 and all(math.isfinite(v) for v in view["one_step"] + view["auto"])


@pytest.mark.parametrize("seq_len", [10, 30])
def test_a_series_too_short_for_seq_len_is_refused_naming_series_and_the_minimum(seq_len):
    need = min_series_len(seq_len)
    make_task(make_config("sine", series=_periodic(need), seq_len=seq_len))  # just long enough
    with pytest.raises(ConfigError, match=f"series=.*at least {need} values for seq_len={seq_len}"):
        make_task(make_config("sine", series=_periodic(need - 1), seq_len=seq_len))
    with pytest.raises(ConfigError, match="series=.*varies"):
        make_task(make_config("sine", series=(3.0,) * 400, seq_len=seq_len))


def test_sine_learns_a_user_series_far_better_than_predicting_its_mean():
    tr = Trainer(make_config("sine", series=_periodic(800), steps=300, device="cpu"))
    for _ in range(300):
        tr.step()
    val_mse, _ = tr.evaluate()
    assert val_mse < 0.05 * tr.task.chance, (val_mse, tr.task.chance)


def test_builtin_sine_is_unchanged_when_no_series_is_given():
    task = make_task(make_config("sine"))
    assert not task.user and task.n == 3000 and task.split == 2400 and (task.mean, task.std) == (0.0, 1.0)
    assert make_task(make_config("sine", series=())).series.equal(task.series)


# CLI --csv --------------------------------------------------------------------------------------
def test_cli_csv_trains_sine_on_the_file(tmp_path, capsys):
    path = tmp_path / "temps.csv"
    path.write_text("temp_c\n" + "\n".join(f"{v:.4f}" for v in _periodic(400)) + "\n")
    code, out, _ = run_main(
        capsys, "train", "--task", "sine", "--csv", str(path), "--steps", "5", "--hidden-size", "4", "--json"
    )
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert len(result["config"]["series"]) == 400 and result["config"]["series"][0] == 20.0
    assert result["steps"] == 5 and math.isfinite(result["val_loss"])


@pytest.mark.parametrize(
    "content,task,needle",
    [
        ("v\n1\noops\n", "sine", "row 3"),
        ("v\n" + "1\n2\n" * 20, "sine", "series="),  # 40 values: too short for seq_len 30
        (None, "sine", "cannot read"),
        ("1\n2\n", "majority", "only --task sine"),
    ],
)
def test_cli_bad_csv_exits_2_with_one_line_naming_csv(tmp_path, capsys, content, task, needle):
    path = tmp_path / "s.csv"
    if content is not None:
        path.write_text(content)
    code, out, err = run_main(capsys, "train", "--task", task, "--csv", str(path), "--steps", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err and "csv" in err


def test_cli_help_shows_csv():
    r = subprocess.run(
        [sys.executable, "-m", "rnnplay", "train", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    text = " ".join(r.stdout.split())  # argparse wraps the help
    assert r.returncode == 0 and "--csv PATH" in text and "one column of numbers" in text


# charlm: carrying the hidden state across batches (truncated BPTT) -------------------------------------
def test_carry_state_reads_the_text_in_order_each_row_continuing_where_it_ended():
    task = make_task(make_config("charlm", corpus="sonnets", seq_len=16, batch_size=4, carry_state=True))
    (a, fresh_a), (b, fresh_b) = task.stream_batch(0), task.stream_batch(1)
    assert fresh_a and not fresh_b
    assert torch.equal(b.x[:, 0].argmax(-1), a.y[:, -1])  # the next batch starts where each row stopped
    assert torch.equal(a.x[:, 1:].argmax(-1), a.y[:, :-1])  # next-character targets
    starts = task.stream_starts
    assert len(starts.unique()) == 4 and int(starts[-1]) + task.n_chunks * 16 <= task.split - 1  # training text only
    again, fresh = task.stream_batch(task.n_chunks)
    assert fresh and torch.equal(again.x, a.x)  # the streams start over, and so does the state


def test_carry_state_starts_each_batch_from_the_last_ones_final_state_detached():
    tr = _charlm(corpus="sonnets", arch="gru", hidden_size=16, seq_len=8, batch_size=4, carry_state=True)
    tr.step()
    carried = tr._carried
    assert carried.shape == (1, 4, 16) and carried.grad_fn is None and not carried.requires_grad
    batch, fresh = tr.task.stream_batch(1)
    assert not fresh
    with torch.no_grad():
        tr.model.train()
        want = tr.task.loss(tr.model.step(batch.x, carried)[0], batch.y).item()
        from_zero = tr.task.loss(tr.model.step(batch.x, None)[0], batch.y).item()
    assert tr.step().loss == pytest.approx(want, rel=1e-6) and want != pytest.approx(from_zero, rel=1e-4)


def test_carry_state_off_keeps_the_random_windows():
    tr = _charlm(corpus="sonnets", arch="gru", hidden_size=16, seq_len=8, batch_size=4)
    tr.step()
    assert tr._carried is None and not tr.carry


def test_carry_state_learns_hello_as_the_course_does():
    """The course's hello -> elloh: hidden 8, Adam lr 0.1, 200 steps of the one sequence, the hidden state
    carried from each step to the next with hidden.detach()."""
    tr = _charlm(text="hello", carry_state=True)
    for _ in range(200):
        stats = tr.step()
    assert stats.metric == 1.0 and stats.loss < 0.05
    assert tr._carried.shape == (1, 1, 8)


@pytest.mark.parametrize(
    "data",
    ["[x](http://e.com),![p](http://e.com/i.png)\n1,2\n3,4\n", "[x](http://e.com)\n1\nabc\n"],
)
def test_a_header_echoed_in_a_csv_message_is_never_a_link_or_an_image(data):
    """Column names come from the file: the page renders messages as markdown, so they are escaped."""
    with pytest.raises(ConfigError) as e:
        load_series_csv(data)
    text = render(e.value, "en")
    assert "\\[x\\]\\(http" in text and "[x](" not in text and "![p](" not in text
