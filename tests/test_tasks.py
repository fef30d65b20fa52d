"""rnnplay.tasks: for every task in TASK_CLASSES the shapes of sample/val_batch/probe_batch, that a
model's output fits task.loss and task.score, the chance level and chance loss (checked against
the baseline model they describe on a big sample), charlm's hello -> elloh and Chinese text, that
validation data are separate from training data where the task has separate data, and that
view() gives data for a freshly made model."""

from __future__ import annotations

import math

import pytest
import torch

from rnnplay import figures
from rnnplay.config import make_config
from rnnplay.tasks import TASK_CLASSES, make_task
from rnnplay.tasks.base import IGNORE, PAD
from rnnplay.trainer import Trainer

TINY = {"hidden_size": 4, "seq_len": 6, "batch_size": 5, "device": "cpu"}


def _trainer(task: str, **kw) -> Trainer:
    return Trainer(make_config(task, **{**TINY, **kw}))


def _check_batch(task, batch, n: int) -> None:
    T = batch.x.shape[1]
    if task.vocab_size:  # token ids padded at the end, with the true lengths
        assert batch.x.dtype == torch.long and batch.x.shape == (n, T)
        assert batch.x.min() >= 0 and batch.x.max() < task.vocab_size
        assert batch.lengths is not None and batch.lengths.shape == (n,) and int(batch.lengths.max()) == T
        for row, L in zip(batch.x, batch.lengths.tolist(), strict=True):
            assert L >= 1 and (row[L:] == PAD).all() and (row[:L] != PAD).all()
    else:
        assert batch.x.dtype == torch.float32
        assert batch.x.shape == (n, T, task.input_size)
        if "seq_len" not in task.ignores:
            assert T == task.seq_len
    if task.many_to_one:
        expected_y = (n,) if task.metric == "accuracy" else (n, 1)
    elif task.kind == "seq2seq":
        expected_y = (n, T + 1)
    else:
        expected_y = (n, T) if task.metric != "mse" else (n, T, 1)
    assert batch.y.shape == expected_y
    assert batch.y.dtype == (torch.float32 if task.metric == "mse" else torch.long)
    if batch.y.dtype == torch.long:
        kept = batch.y[batch.y != IGNORE]
        assert kept.min() >= 0 and kept.max() < task.output_size


@pytest.mark.parametrize("name", list(TASK_CLASSES))
def test_sample_val_and_probe_batches_have_the_declared_shapes(name):
    tr = _trainer(name)
    task = tr.task
    assert task.kind in ("many-to-one", "many-to-many", "one-to-many", "seq2seq")
    assert task.metric in ("accuracy", "mse", "sequence accuracy")
    _check_batch(task, task.sample(7, torch.Generator().manual_seed(0)), 7)
    _check_batch(task, task.train_batch(torch.Generator().manual_seed(0)), 5)
    val, probe = task.val_batch(), task.probe_batch()
    _check_batch(task, val, val.x.shape[0])
    _check_batch(task, probe, task.probe_size)
    assert val.x.shape[0] >= 8
    assert len(task.input_labels(probe.x[0])) == probe.x.shape[1]


@pytest.mark.parametrize("name", list(TASK_CLASSES))
def test_model_output_fits_task_loss_and_score(name):
    tr = _trainer(name)
    b = tr.task.probe_batch()
    out = tr.model(b.x, b.lengths, b.y)
    B, T = b.x.shape[:2]
    if tr.task.many_to_one:
        assert out.shape == (B, tr.task.output_size)
    else:  # seq2seq answers for as many steps as its target has
        assert out.shape == (B, b.y.shape[1] if tr.task.kind == "seq2seq" else T, tr.task.output_size)
    loss, score = tr.task.loss(out, b.y), tr.task.score(out, b.y)
    assert loss.shape == () and score.shape == () and math.isfinite(loss.item()) and math.isfinite(score.item())
    loss.backward()
    assert all(p.grad is not None for p in tr.model.parameters())


@pytest.mark.parametrize("name", list(TASK_CLASSES))
def test_data_are_reproducible_from_the_seed(name):
    a, b = make_task(make_config(name, **TINY)), make_task(make_config(name, **TINY))
    for x, y in (
        (a.val_batch(), b.val_batch()),
        (a.probe_batch(), b.probe_batch()),
        (a.sample(4, torch.Generator().manual_seed(3)), b.sample(4, torch.Generator().manual_seed(3))),
    ):
        assert torch.equal(x.x, y.x) and torch.equal(x.y, y.y)


def test_majority_chance_for_seq_len_10_is_the_majority_class_rate():
    task = make_task(make_config("majority", seq_len=10))
    assert task.chance == pytest.approx(1 - 386 / 1024)  # P(#ones <= 5) = 0.623
    assert task.chance == pytest.approx(0.623, abs=1e-3)
    b = task.sample(20_000, torch.Generator().manual_seed(0))
    assert (b.y == 0).float().mean().item() == pytest.approx(task.chance, abs=0.01)  # always answer 0
    p1 = 1 - task.chance
    assert task.chance_loss == pytest.approx(-(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1)))
    assert torch.equal(b.y, (b.x.sum(dim=(1, 2)) > 5).long())


def test_adding_chance_loss_is_the_mse_of_always_predicting_one():
    task = make_task(make_config("adding", seq_len=10))
    assert task.chance_loss == pytest.approx(1 / 6, abs=1e-4) and task.chance == task.chance_loss
    b = task.sample(20_000, torch.Generator().manual_seed(0))
    mse = torch.nn.functional.mse_loss(torch.ones_like(b.y), b.y).item()
    assert abs(mse - task.chance_loss) < 0.01
    marks = b.x[..., 1]
    assert torch.all(marks.sum(1) == 2)
    assert torch.all(marks[:, :5].sum(1) == 1) and torch.all(marks[:, 5:].sum(1) == 1)  # one in each half
    torch.testing.assert_close(b.y[:, 0], (b.x[..., 0] * marks).sum(1))


def test_sine_chance_is_the_variance_of_the_validation_series_and_targets_are_the_next_value():
    task = make_task(make_config("sine", seq_len=8))
    val_y = task.series[task.split + task.seq_len :]
    assert task.chance == task.chance_loss == pytest.approx(val_y.var(unbiased=False).item())
    assert 0.4 < task.chance < 0.9  # 0.5 + 0.125 + 0.1**2 for a long series
    b = task.sample(16, torch.Generator().manual_seed(0))
    for x, y in zip(b.x[:, :, 0], b.y[:, 0], strict=True):
        (start,) = [s for s in range(task.split) if torch.equal(task.series[s : s + 8], x)]
        assert y == task.series[start + 8]


def test_charlm_hello_learns_elloh_cyclically():
    task = make_task(make_config("charlm", text="hello"))
    assert task.seq_len == 5 and task.whole
    b = task.sample(3, torch.Generator().manual_seed(0))
    for x, y in zip(b.x, b.y, strict=True):
        assert task.decode(x.argmax(-1).tolist()) == "hello"
        assert task.decode(y.tolist()) == "elloh"
    assert task.chance == pytest.approx(2 / 5)  # 'l'
    assert task.chance_loss == pytest.approx(-(3 * 0.2 * math.log(0.2) + 0.4 * math.log(0.4)))
    assert task.view(_trainer("charlm", text="hello").model, "cpu")["target"] == "elloh"


def test_charlm_chinese_text_trains_predicts_and_samples():
    tr = _trainer("charlm", text="你好世界你好", seq_len=32)
    task = tr.task
    assert task.vocab == sorted("你好世界") and task.input_size == 4 and task.chance == pytest.approx(2 / 6)
    b = task.sample(1, torch.Generator())
    assert task.decode(b.y[0].tolist()) == "好世界你好你"
    stats = [tr.step() for _ in range(3)]
    assert all(math.isfinite(s.loss) for s in stats)
    view = tr.task_view()
    assert view["input"] == "你好世界你好" and view["target"] == "好世界你好你"
    assert len(view["predicted"]) == 6 and set(view["predicted"]) <= set("你好世界")
    assert set(view["sample"]) <= set("你好世界") and len(view["sample"]) >= 20
    assert task.predict(tr.model, "cpu", "世界") and len(task.predict(tr.model, "cpu", "世界")) == 2
    with pytest.raises(ValueError, match="charlm input"):
        task.encode("hello")


def test_charlm_long_text_cuts_windows_and_holds_out_the_end():
    text = "".join(chr(0x4E00 + i) for i in range(300))  # every character unique: it marks its position
    task = make_task(make_config("charlm", text=text, seq_len=12))
    assert not task.whole and task.seq_len == 12
    gen = torch.Generator().manual_seed(0)
    train_starts = {int(x.argmax(-1)[0]) for _ in range(50) for x in task.sample(32, gen).x}
    val = task.val_batch()
    val_starts = {int(x.argmax(-1)[0]) for x in val.x}
    assert max(train_starts) + 12 < len(text) and len(val_starts) > 8
    assert train_starts.isdisjoint(val_starts)  # no validation window is a training window
    assert min(val_starts) > max(train_starts)  # the validation part is the end of the text


def _target_positions(task, batch) -> set[int]:
    return {int(i) for i in batch.y.flatten()}  # each character id is its position in the text


def test_charlm_validation_targets_are_never_training_targets():
    text = "".join(chr(0x4E00 + i) for i in range(300))
    task = make_task(make_config("charlm", text=text, seq_len=12))
    # vocab is sorted and the characters ascend, so a character's id is its position
    gen = torch.Generator().manual_seed(0)
    train = set().union(*(_target_positions(task, task.sample(64, gen)) for _ in range(100)))
    val = _target_positions(task, task.val_batch())
    assert train.isdisjoint(val), sorted(train & val)


@pytest.mark.parametrize("text_len,seq_len", [(5, 4), (6, 4), (33, 32), (37, 32)])
def test_charlm_text_slightly_longer_than_seq_len_can_be_sampled(text_len, seq_len):
    text = "".join(chr(ord("a") + i % 26) for i in range(text_len))
    tr = Trainer(make_config("charlm", text=text, seq_len=seq_len, hidden_size=4, device="cpu"))
    assert math.isfinite(tr.step().loss)


def test_majority_and_adding_validation_and_probe_data_differ_from_training_stream():
    for name in ("majority", "adding"):
        tr = _trainer(name, batch_size=32, seq_len=10)
        train = tr.task.train_batch(torch.Generator().manual_seed(tr.config.seed))  # the first training batch
        val, probe = tr.task.val_batch(), tr.task.probe_batch()
        assert not torch.equal(val.x[:32], train.x) and not torch.equal(probe.x, train.x)
        assert not torch.equal(val.x[:32], probe.x)
    # continuous values: not one validation sequence of adding appears among 50 training batches
    tr = _trainer("adding", batch_size=64, seq_len=10)
    gen = torch.Generator().manual_seed(tr.config.seed)
    seen = {tuple(r.tolist()) for _ in range(50) for r in tr.task.train_batch(gen).x[..., 0]}
    assert not any(tuple(r.tolist()) in seen for r in tr.task.val_batch().x[..., 0])


def test_sine_validation_windows_come_after_every_training_window():
    task = make_task(make_config("sine", seq_len=8))
    gen = torch.Generator().manual_seed(0)
    train_values = {float(v) for _ in range(20) for v in task.sample(64, gen).x.flatten()}
    val = task.val_batch()
    val_values = {float(v) for v in val.x.flatten()} | {float(v) for v in val.y.flatten()}
    assert train_values.isdisjoint(val_values)
    assert val_values <= {float(v) for v in task.series[task.split :]}


@pytest.mark.parametrize("name", list(TASK_CLASSES))
def test_view_returns_data_for_a_fresh_model(name):
    tr = _trainer(name)
    view = tr.task_view()
    kind = view["kind"]
    assert kind in ("confidence", "text", "forecast", "scatter", "lines", "bars", "tokens")
    if kind not in ("text",):
        assert figures.task_view_figure(view) is not None
    if kind == "confidence":
        assert len(view["p_one"]) == len(view["digits"]) == view["T"] == 6
        assert all(0 <= p <= 1 for p in view["p_one"])
    elif kind == "scatter":
        assert len(view["target"]) == len(view["prediction"]) == 100
    elif kind == "forecast":
        assert len(view["t"]) == len(view["one_step"]) and len(view["t_auto"]) == len(view["auto"]) == 50
        assert len(view["truth"]) == len(view["t_truth"])
        assert all(math.isfinite(v) for v in view["one_step"] + view["auto"])
    elif kind == "text":
        assert view["input"] and view["target"] and isinstance(view["sample"], str)
    elif kind == "lines":
        assert view["series"] and all(len(s["x"]) == len(s["y"]) > 0 for s in view["series"])
    elif kind == "bars":
        assert len(view["x"]) == len(view["y"]) > 0
    else:
        assert view["rows"] and all(r["tokens"] for r in view["rows"])
    assert math.isfinite(tr.step().loss)  # the view switched to eval mode; training still steps


def test_task_info_and_majority_encode():
    for cls in TASK_CLASSES.values():
        assert set(cls.info()) == {"name", "kind", "description"} and cls.info()["description"]
    task = make_task(make_config("majority"))
    assert task.encode("0110").shape == (1, 4, 1)
    with pytest.raises(ValueError, match="0s and 1s"):
        task.encode("012")


def test_majoritys_default_run_learns_all_the_way_through():
    """The Playground opens on majority: its first Train should show learning for the whole run (several
    seconds in the app), not a drop in the first second and a flat line after it."""
    from rnnplay.trainer import Trainer

    trainer = Trainer(make_config("majority"))
    losses = [trainer.step().loss for _ in range(trainer.config.steps)]
    quarter = sum(losses[: len(losses) // 4][-100:]) / 100
    half = sum(losses[: len(losses) // 2][-100:]) / 100
    end = sum(losses[-100:]) / 100
    assert trainer.config.steps >= 2000
    assert quarter > 1.5 * half and half > 2 * end, (quarter, half, end)  # still falling at each stage
    assert end < 0.1  # and it learns the task
