"""rnnplay.trainer: Trainer.step returns finite StepStats; a seed reproduces the loss history;
impl=scratch follows impl=torch step for step (rnn/lstm/gru, 1 layer and 2 bidirectional layers);
clipping by norm and by value does what the stats report; a huge learning rate stops the run as
diverged with finite weights; tiny configs converge (hello -> elloh, majority); set_lr/set_clip
take effect at the next step; the recurrent initialisations."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from rnnplay.config import ConfigError, make_config
from rnnplay.trainer import StepStats, Trainer, resolve_device, total_norm

TINY = {"hidden_size": 8, "seq_len": 6, "batch_size": 8, "device": "cpu"}


def _trainer(task: str = "majority", **kw) -> Trainer:
    return Trainer(make_config(task, **{**TINY, **kw}))


def _losses(tr: Trainer, n: int) -> list[float]:
    return [tr.step().loss for _ in range(n)]


def _grad_norm_now(tr: Trainer) -> float:
    return float(total_norm([p.grad for p in tr.params if p.grad is not None]))


@pytest.mark.parametrize("task", ["majority", "charlm", "sine", "adding"])
def test_step_returns_finite_stats_and_counts_steps(task):
    tr = _trainer(task)
    for i in range(1, 4):
        s = tr.step()
        assert isinstance(s, StepStats) and s.step == i == tr.steps_done
        for v in (s.loss, s.metric, s.grad_norm, s.grad_norm_clipped, s.lr, s.seconds):
            assert isinstance(v, float) and math.isfinite(v)
        assert s.grad_norm > 0 and s.lr == tr.config.lr and not s.diverged
    val_loss, val_metric = tr.evaluate()
    assert math.isfinite(val_loss) and math.isfinite(val_metric)
    gtt = tr.grad_through_time()
    assert len(gtt) == tr.task.seq_len and all(g >= 0 and math.isfinite(g) for g in gtt)


def test_same_seed_gives_identical_loss_history_and_another_seed_does_not():
    a = _losses(_trainer("majority"), 15)
    b = _losses(_trainer("majority"), 15)
    c = _losses(_trainer("majority", seed=1), 15)
    assert a == b
    assert a != c


def test_probes_between_steps_do_not_change_the_loss_history():
    plain = _losses(_trainer("adding", arch="lstm"), 8)
    tr = _trainer("adding", arch="lstm")
    probed = []
    for _ in range(8):
        probed.append(tr.step().loss)
        tr.probe(), tr.evaluate(), tr.task_view()
    assert probed == plain


PARITY = [
    (task, arch, layers, layers == 2)  # 1 layer, and 2 bidirectional layers
    for task, arch, layers in itertools.product(("majority", "adding"), ("rnn", "lstm", "gru"), (1, 2))
]


@pytest.mark.parametrize("task,arch,num_layers,bidirectional", PARITY)
def test_scratch_impl_gives_the_same_loss_history_as_torch_impl(task, arch, num_layers, bidirectional):
    kw = {
        "arch": arch,
        "num_layers": num_layers,
        "bidirectional": bidirectional,
        "hidden_size": 12,
        "seq_len": 8,
        "batch_size": 16,
        "lr": 1e-2,
    }
    fused, scratch = _trainer(task, **kw), _trainer(task, impl="scratch", **kw)
    assert fused.model.state_dict().keys() == scratch.model.state_dict().keys()
    for k, v in fused.model.state_dict().items():
        assert torch.equal(v, scratch.model.state_dict()[k]), k  # same initial weights
    a, b = _losses(fused, 20), _losses(scratch, 20)
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-4


def test_clip_by_norm_caps_the_gradient_norm_at_the_threshold():
    tr = _trainer("adding", clip_mode="norm", clip=0.01, lr=1e-2)
    for _ in range(10):
        s = tr.step()
        assert s.grad_norm > 0.01  # this threshold always bites ...
        assert s.grad_norm_clipped <= 0.01 + 1e-5  # ... and the clipped norm stays under it
        assert s.grad_norm_clipped == pytest.approx(0.01, rel=1e-4)
        assert _grad_norm_now(tr) == pytest.approx(s.grad_norm_clipped, rel=1e-4)  # what the optimizer used


def test_clip_by_norm_scales_the_gradients_exactly_as_torch_does():
    """The trainer clips with its own two ops; the gradients it leaves are torch's clip_grad_norm_'s to the bit."""
    tr = _trainer("copy", clip_mode="norm", clip=0.05)
    tr.step()
    b, _ = tr._next_batch()
    tr._compute(b, True)
    ours = [p.grad.clone() for p in tr.params]
    tr.optimizer.zero_grad(set_to_none=True)
    tr.task.loss(tr.model(b.x, b.lengths, b.y), b.y).backward()
    torch.nn.utils.clip_grad_norm_(tr.params, 0.05)
    assert all(torch.equal(g, p.grad) for g, p in zip(ours, tr.params, strict=True))


def test_clip_by_norm_leaves_small_gradients_alone():
    tr = _trainer("adding", clip_mode="norm", clip=1e4)
    s = tr.step()
    assert s.grad_norm_clipped == pytest.approx(s.grad_norm, rel=1e-5)


def test_clip_by_value_bounds_every_entry_and_changes_the_norm():
    tr = _trainer("majority", clip_mode="value", clip=1e-3, lr=1e-2)
    for _ in range(5):
        s = tr.step()
        assert s.grad_norm_clipped < s.grad_norm
        assert all(p.grad.abs().max() <= 1e-3 + 1e-9 for p in tr.params)
        assert _grad_norm_now(tr) == pytest.approx(s.grad_norm_clipped, rel=1e-5)


def test_no_clipping_reports_the_same_norm_before_and_after():
    tr = _trainer("majority", clip_mode="off")
    s = tr.step()
    assert s.grad_norm_clipped == s.grad_norm == pytest.approx(_grad_norm_now(tr), rel=1e-5)


DIVERGING = {
    "task": "adding",
    "arch": "rnn",
    "nonlinearity": "relu",
    "init": "identity",
    "init_gain": 5.0,
    "optimizer": "sgd",
    "lr": 10.0,
    "clip_mode": "off",
    "hidden_size": 8,
    "seq_len": 10,
    "batch_size": 8,
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_huge_learning_rate_diverges_and_stops_with_finite_weights(seed):
    tr = Trainer(make_config(**{**DIVERGING, "seed": seed, "device": "cpu"}))
    history = []
    for _ in range(20):
        history.append(tr.step())
        if history[-1].diverged:
            break
    last = history[-1]
    assert last.diverged and tr.diverged
    assert not (math.isfinite(last.loss) and math.isfinite(last.grad_norm))
    assert all(math.isfinite(s.loss) for s in history[:-1])  # the history so far stays usable
    assert all(torch.isfinite(p).all() for p in tr.model.parameters())  # the bad step was not applied
    assert all(p.grad is None for p in tr.params)


def test_charlm_hello_converges_to_elloh():
    tr = _trainer("charlm", text="hello", arch="rnn", hidden_size=8, lr=0.1, optimizer="adam", batch_size=1, seq_len=32)
    losses = _losses(tr, 200)
    assert losses[-1] < 0.01 and max(losses[-10:]) < 0.01
    assert tr.task.predict(tr.model, "cpu", "hello") == "elloh"


def test_majority_reaches_high_validation_accuracy_quickly():
    tr = _trainer("majority", hidden_size=16, seq_len=10, lr=1e-2, batch_size=32)
    chance = tr.task.chance
    _losses(tr, 100)
    val_loss, val_acc = tr.evaluate()
    assert val_acc > 0.9 > chance
    assert val_loss < tr.task.chance_loss


def test_set_lr_takes_effect_at_the_next_step():
    tr = _trainer("majority")
    tr.step()
    tr.set_lr(1e-9)
    assert tr.lr == 1e-9 and tr.config.lr == 1e-9
    before = [p.detach().clone() for p in tr.params]
    s = tr.step()
    assert s.lr == 1e-9
    assert max((p - b).abs().max().item() for p, b in zip(tr.params, before, strict=True)) < 1e-7  # Adam: |Δ| <~ lr
    tr.set_lr(0.5)
    before = [p.detach().clone() for p in tr.params]
    tr.step()
    assert max((p - b).abs().max().item() for p, b in zip(tr.params, before, strict=True)) > 1e-2
    with pytest.raises(ConfigError, match="^lr="):
        tr.set_lr(0)
    assert tr.lr == 0.5


def test_set_clip_takes_effect_at_the_next_step():
    tr = _trainer("adding", clip_mode="off")
    s = tr.step()
    assert s.grad_norm_clipped == s.grad_norm
    tr.set_clip("norm", 1e-3)
    s = tr.step()
    assert s.grad_norm > 1e-3 and s.grad_norm_clipped <= 1e-3 + 1e-5
    assert tr.config.clip_mode == "norm" and tr.config.clip == 1e-3
    tr.set_clip("value", 1e-4)
    tr.step()
    assert all(p.grad.abs().max() <= 1e-4 + 1e-9 for p in tr.params)
    with pytest.raises(ConfigError, match="^clip_mode="):
        tr.set_clip("max", 1.0)
    with pytest.raises(ConfigError, match="^clip="):
        tr.set_clip("norm", 0.0)
    assert (tr.clip_mode, tr.clip) == ("value", 1e-4)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_identity_and_orthogonal_init_of_recurrent_weights(arch):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[arch]
    tr = _trainer("majority", arch=arch, init="identity", init_gain=0.7)
    core = tr.model.core
    for block in core.weight_hh_l0.detach().chunk(G):
        torch.testing.assert_close(block, 0.7 * torch.eye(8))
    assert torch.all(core.bias_hh_l0 == 0) and torch.all(core.bias_ih_l0 == 0)
    tr = _trainer("majority", arch=arch, init="orthogonal", init_gain=2.0)
    for block in tr.model.core.weight_hh_l0.detach().chunk(G):
        torch.testing.assert_close(block @ block.T, 4.0 * torch.eye(8), atol=1e-5, rtol=1e-5)


def test_default_init_gain_scales_torch_default_weights():
    a = _trainer("majority", arch="gru").model.core.weight_hh_l0.detach()
    b = _trainer("majority", arch="gru", init_gain=3.0).model.core.weight_hh_l0.detach()
    torch.testing.assert_close(b, 3.0 * a)


def test_probe_returns_what_the_views_draw():
    tr = _trainer("majority", arch="lstm", bidirectional=True)
    tr.step()
    p = tr.probe()
    assert p["step"] == 1 and len(p["grad_through_time"]) == 6
    assert p["hidden"]["hidden"].shape == (6, 16) and "cell state" in p["hidden"]
    assert len(p["input_labels"]) == 6 and 0 <= p["saturation"] <= 1 and p["spectral_radius"] > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_cuda_device_without_gpu_is_refused_naming_the_field():
    assert resolve_device("auto").type in ("cpu", "mps")
    with pytest.raises(ConfigError, match="^device='cuda'"):
        Trainer(make_config("majority", device="cuda"))


def test_step_schedule_decays_the_learning_rate_every_lr_step_steps():
    tr = Trainer(make_config("majority", lr=0.01, lr_schedule="step", lr_step=3, lr_gamma=0.5, steps=10))
    lrs = [tr.step().lr for _ in range(7)]
    assert lrs == pytest.approx([0.01] * 3 + [0.005] * 3 + [0.0025])
    tr.set_lr(0.1)  # changed while training: a new base rate, still on the schedule
    assert tr.step().lr == pytest.approx(0.1 * 0.25)


def test_no_schedule_keeps_the_rate():
    tr = Trainer(make_config("majority", lr=0.01, lr_step=1, lr_gamma=0.1))
    assert {tr.step().lr for _ in range(4)} == {0.01}


@pytest.mark.parametrize("init", ["default", "xavier", "orthogonal"])
def test_forget_bias_sets_the_forget_gate_slice_of_every_lstm_layer(init):
    """torch's LSTM gate order is i, f, g, o: rows H:2H of the biases are the forget gate's. b_if takes
    the value and b_hf 0, so the gate starts at sigmoid(value); the other gates keep the init's biases."""
    base = _trainer("majority", arch="lstm", init=init, num_layers=2, bidirectional=True).model.core
    tr = _trainer("majority", arch="lstm", init=init, num_layers=2, bidirectional=True, forget_bias=1.0)
    core, H = tr.model.core, 8
    names = [n for n, _ in core.named_parameters() if n.startswith("bias_")]
    assert len(names) == 8  # ih and hh, 2 layers, 2 directions
    for name in names:
        b, b0 = getattr(core, name).detach(), getattr(base, name).detach()
        want = 1.0 if name.startswith("bias_ih") else 0.0
        assert torch.all(b[H : 2 * H] == want), name
        torch.testing.assert_close(b[:H], b0[:H])  # input gate untouched
        torch.testing.assert_close(b[2 * H :], b0[2 * H :])  # cell candidate and output gate untouched
    for name, p in core.named_parameters():
        if name.startswith("weight"):
            torch.testing.assert_close(p, getattr(base, name))  # the weights too


def test_forget_bias_zero_leaves_the_initialisation_and_other_cells_ignore_it():
    a = _trainer("majority", arch="lstm").model.core.bias_ih_l0.detach()
    b = _trainer("majority", arch="lstm", forget_bias=0.0).model.core.bias_ih_l0.detach()
    torch.testing.assert_close(a, b)
    g = _trainer("majority", arch="gru").model.core.bias_ih_l0.detach()
    g1 = _trainer("majority", arch="gru", forget_bias=1.0).model.core.bias_ih_l0.detach()
    torch.testing.assert_close(g, g1)


def test_forget_bias_reaches_the_scratch_cells():
    tr = _trainer("majority", arch="lstm", impl="scratch", forget_bias=2.0)
    assert torch.all(tr.model.core.bias_ih_l0.detach()[8:16] == 2.0)


def test_xavier_is_the_courses_xavier_normal_on_whole_matrices_with_zero_biases():
    """The course: `for name, param in model.named_parameters(): if 'weight' in name:
    nn.init.xavier_normal_(param) elif 'bias' in name: nn.init.constant_(param, 0.0)` — a normal
    distribution with std sqrt(2 / (fan_in + fan_out)) over each whole matrix (an LSTM's weight_hh is
    (4H, H): all four gates at once), and every bias 0, the head's included."""
    H = 64
    model = _trainer("majority", arch="lstm", init="xavier", hidden_size=H, num_layers=2).model
    seen = 0
    for name, p in model.named_parameters():
        p = p.detach()
        if "bias" in name:
            assert torch.all(p == 0), name
            continue
        fan_out, fan_in = p.shape
        want = math.sqrt(2.0 / (fan_in + fan_out))
        if p.numel() >= 4096:  # enough numbers for the sample's std and shape to be tight
            seen += 1
            assert p.std().item() == pytest.approx(want, rel=0.05), name
            z = (p - p.mean()) / p.std()
            assert (z**4).mean().item() == pytest.approx(3.0, abs=0.3), name  # normal (a uniform's is 1.8)
        else:
            assert p.std().item() == pytest.approx(want, rel=0.5), name
    assert seen == 3  # weight_hh_l0, weight_ih_l1, weight_hh_l1
    assert torch.all(model.head.bias == 0)


def test_xavier_with_gain_scales_the_std():
    a = _trainer("majority", arch="gru", init="xavier", hidden_size=64).model.core.weight_hh_l0.detach()
    b = _trainer("majority", arch="gru", init="xavier", hidden_size=64, init_gain=2.0).model.core.weight_hh_l0
    assert b.detach().std().item() == pytest.approx(2 * a.std().item(), rel=0.05)


def test_epochs_count_passes_over_a_finite_dataset_and_none_where_data_never_run_out():
    tr = _trainer("random", dataset_size=100, batch_size=32)
    assert tr.task.dataset_len == 100 and tr.epochs() == 0.0
    for _ in range(5):
        tr.step()
    assert tr.epochs() == pytest.approx(5 * 32 / 100)
    assert _trainer("majority").epochs() is None
    assert _trainer("charlm", text="hello", batch_size=1).task.dataset_len == 1  # the course: one epoch a step
    sentiment = _trainer("sentiment")
    assert sentiment.task.dataset_len == len(sentiment.task.train_set)


def test_step_schedule_in_epochs_decays_every_lr_step_epochs_as_steplr_per_epoch():
    """The course: StepLR(step_size=5, gamma=0.1) stepped once per epoch. 1000 sequences in batches of 32
    are 32 steps an epoch (the last one short, as len(DataLoader) counts), so the rate falls at step 160."""
    kw = dict(dataset_size=1000, batch_size=32, lr=1e-3, lr_schedule="step", lr_step=5, lr_gamma=0.1)
    tr = _trainer("random", lr_step_unit="epochs", **kw)
    assert tr.decay_every == 160
    assert [tr.scheduled_lr(s) for s in (0, 159, 160, 319, 320)] == pytest.approx([1e-3, 1e-3, 1e-4, 1e-4, 1e-5])
    assert _trainer("random", **kw).decay_every == 5  # steps, the default: unchanged
    # a task whose data never run out has no epochs: lr_step stays in steps
    assert _trainer("majority", lr_schedule="step", lr_step=7, lr_step_unit="epochs").decay_every == 7
