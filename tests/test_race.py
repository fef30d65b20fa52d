"""rnnplay.race and the run data the Gradient lab draws: entries that cannot race are refused by field
name; the same seed gives every entry the same batches; one thread steps the entries in turn (step
counts never more than one apart while running); pause/resume/stop/step/reset; a diverging entry
drops out alone; the snapshot carries each entry's singular values of W_hh, per-parameter gradient
norms (equal to the gradients' own norms) and history-scrubber frames (bounded); the exploding demo really
diverges without clipping and trains with it (slow: also the vanishing demo's ordering)."""

from __future__ import annotations

import statistics
import time

import pytest
import torch

from rnnplay.config import ConfigError, make_config
from rnnplay.race import EXPLODING, VANISHING, Race, race_labels
from rnnplay.run.history import thin
from rnnplay.run.training_run import TrainingRun
from rnnplay.trainer import Trainer
from tests import runs_made

TINY = {"hidden_size": 4, "seq_len": 6, "batch_size": 4, "device": "cpu"}
RACE_WAIT_S = 30.0  # a race steps three models in turn: longer than tests/runs_made.py's wait for one run


def tiny_race(archs=("rnn", "lstm", "gru"), steps: int = 1_000_000, task: str = "majority", **kw) -> Race:
    configs = [make_config(task, arch=a, steps=steps, **{**TINY, **kw}) for a in archs]
    return Race(configs, min_probe_interval_s=0.0)


@pytest.fixture
def make_race():
    yield from runs_made.stopped_after(tiny_race)


def wait_for(predicate, what: str = "condition") -> None:
    runs_made.wait_for(predicate, RACE_WAIT_S, what)


# entries ------------------------------------------------------------------------------------------
def test_a_race_needs_two_to_four_entries_on_the_same_data():
    one = make_config("majority", **TINY)
    with pytest.raises(ConfigError, match="entries=1 .* 2 to 4"):
        Race([one])
    with pytest.raises(ConfigError, match="entries=5"):
        Race([one] * 5)
    with pytest.raises(ConfigError, match="seq_len=7 .*same in every entry.*entry 1 has 6"):
        Race([one, one.replace(seq_len=7)])
    with pytest.raises(ConfigError, match="seed="):
        Race([one, one.replace(seed=3)])
    with pytest.raises(ConfigError, match="task="):
        Race([one, make_config("adding", **TINY)])
    with pytest.raises(ConfigError, match="text="):
        Race([make_config("charlm", text="hello"), make_config("charlm", text="world")])
    Race([one, one.replace(arch="gru", lr=0.01, clip_mode="norm")])  # the model and training may differ


def test_labels_name_the_architecture_and_only_what_differs():
    base = make_config("adding", **TINY)
    assert race_labels([base.replace(arch=a) for a in ("rnn", "lstm", "gru")]) == ["RNN", "LSTM", "GRU"]
    assert race_labels(EXPLODING) == ["RNN no clip", "RNN clip norm 1"]
    assert race_labels([base, base]) == ["RNN #1", "RNN #2"]
    assert race_labels([base, base.replace(lr=0.1)]) == ["RNN lr=0.003", "RNN lr=0.1"]
    assert race_labels([base, base.replace(clip=5.0), base.replace(arch="gru")]) == [
        "RNN clip norm 1",
        "RNN clip norm 5",
        "GRU clip norm 1",
    ]


def test_the_same_seed_gives_every_entry_the_same_first_batch(make_race):
    race = make_race(("rnn", "lstm", "gru"), task="adding")
    batches = []
    for run in race.runs:
        gen = torch.Generator()
        gen.set_state(run.trainer.gen.get_state())
        batches.append(run.trainer.task.train_batch(gen))
    for b in batches[1:]:
        assert torch.equal(b.x, batches[0].x) and torch.equal(b.y, batches[0].y)
    # and the models are the entries' own: different architectures, different parameter counts
    sizes = {sum(p.numel() for p in r.trainer.params) for r in race.runs}
    assert len(sizes) == 3


# the thread ---------------------------------------------------------------------------------------
def test_one_thread_steps_the_entries_in_turn(make_race):
    race = make_race()
    race.start()
    assert race.state == "running" and all(r.state == "running" for r in race.runs)
    assert all(r.slot.thread is None for r in race.runs)  # no thread per entry: the race's one
    seen = []
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        steps = race.snapshot().steps
        seen.append(steps)
        assert max(steps) - min(steps) <= 1, steps
        time.sleep(0.005)
    assert min(seen[-1]) > 20
    assert race.snapshot().steps_per_s > 0
    names = {t.name for t in __import__("threading").enumerate()}
    assert "rnnplay-race" in names and "rnnplay-train" not in names


def test_pause_resume_stop_and_step(make_race):
    race = make_race(("rnn", "gru"))
    race.step_one()
    assert race.state == "paused" and race.snapshot().steps == [1, 1]
    race.start()
    wait_for(lambda: min(race.snapshot().steps) >= 5, what="steps")
    race.pause()
    frozen = race.snapshot()
    assert frozen.state == "paused" and {s.state for s in frozen.runs} == {"paused"}
    time.sleep(0.2)
    assert race.snapshot().steps == frozen.steps  # paused means no more steps
    assert max(frozen.steps) - min(frozen.steps) <= 1
    race.step_one()
    assert race.snapshot().steps == [s + 1 for s in frozen.steps]
    race.resume()
    wait_for(lambda: min(race.snapshot().steps) > frozen.steps[0] + 5, what="resume")
    race.stop()
    assert race.state == "stopped" and not race.slot.thread.is_alive()
    assert {s.state for s in race.snapshot().runs} == {"stopped"}
    race.start()  # a stopped race stays stopped until reset
    assert race.state == "stopped"
    race.reset()
    assert race.state == "ready" and race.snapshot().steps == [0, 0]


def test_reset_with_new_entries_and_finishing(make_race):
    race = make_race(("rnn", "gru"), steps=30)
    race.start()
    race.join(timeout=60)
    snap = race.snapshot()
    assert snap.state == "done" and snap.steps == [30, 30]
    assert {s.state for s in snap.runs} == {"done"}
    new = [c.replace(arch="lstm", steps=10) for c in race.configs] + [race.configs[0].replace(steps=10)]
    race.reset(new)
    assert race.labels == ["LSTM #1", "LSTM #2", "RNN"] and len(race.runs) == 3
    with pytest.raises(ConfigError, match="entries"):
        race.reset(new[:1])


def test_a_diverging_entry_stops_alone(make_race):
    # the exploding demo's unclipped linear RNN at lr 1 (NaN/Inf at step 4-5) beside a small Adam GRU on the same data
    bad = EXPLODING[0].replace(lr=1.0, steps=200, device="cpu")
    gru = bad.replace(arch="gru", init="default", init_gain=1.0, optimizer="adam", lr=3e-3, hidden_size=8)
    race = Race([bad, gru], min_probe_interval_s=0.0)
    try:
        race.start()
        race.join(timeout=60)
        bad, good = race.snapshot().runs
        assert bad.state == "diverged" and "NaN/Inf" in bad.message and bad.steps_done < 20
        assert good.state == "done" and good.steps_done == 200
        assert race.state == "done"
    finally:
        race.stop()


def test_a_crashing_entry_stops_alone(make_race):
    race = make_race(("rnn", "gru"), steps=40)
    broken = race.runs[0].trainer

    def boom():
        raise RuntimeError("boom")

    broken.step = boom
    race.start()
    race.join(timeout=60)
    bad, good = race.snapshot().runs
    assert bad.state == "error" and "boom" in bad.message
    assert good.state == "done" and good.steps_done == 40


def test_detach_ends_the_thread_after_the_grace_period(make_race):
    race = make_race(("rnn", "gru"))
    race.start()
    wait_for(lambda: min(race.snapshot().steps) >= 2)
    race.detach(grace_s=0.05)
    assert race.state == "paused"
    race.slot.thread.join(5)
    assert not race.slot.thread.is_alive()
    race.attach()
    race.start()  # the session came back: training goes on in a new thread
    n = min(race.snapshot().steps)
    wait_for(lambda: min(race.snapshot().steps) > n + 2, what="restart")


# the data the Gradient lab draws --------------------------------------------------------------------
def test_param_norms_are_the_pre_clip_norm_of_each_gradient():
    tr = Trainer(make_config("adding", arch="lstm", clip_mode="norm", clip=1e-3, **TINY))
    tr.step()
    # .grad now holds the clipped gradients: every tensor scaled alike by clip / ‖g‖ (the pre-clip total)
    norms = tr.param_norms()
    assert list(norms) == tr.param_names == [n for n, p in tr.model.named_parameters()]
    clipped = {n: float(p.grad.norm()) for n, p in zip(tr.param_names, tr.params, strict=True)}
    total_pre = sum(v**2 for v in norms.values()) ** 0.5
    for n, v in norms.items():
        assert v == pytest.approx(clipped[n] * (total_pre + 1e-6) / 1e-3, rel=1e-4)
    assert total_pre > 1e-3  # so clipping really scaled them down: the probe did not read them after


def test_snapshot_records_singular_values_param_norms_and_frames():
    run = TrainingRun(make_config("adding", arch="gru", steps=40, **TINY), min_probe_interval_s=0.0, probe_rows=8)
    run.start()
    run.join(60)
    snap = run.snapshot()
    spec, pn, frames = snap.spectral, snap.param_norms, snap.frames
    assert len(spec["singular"]) == len(spec["step"]) == len(spec["radius"]) > 1
    sv = spec["singular"][-1]
    assert len(sv) == min(16, TINY["hidden_size"]) and sv == sorted(sv, reverse=True)
    # the candidate block's largest singular value bounds its spectral radius (GRU: n block)
    w = run.trainer.model.core.weight_hh_l0.detach()
    torch.testing.assert_close(torch.tensor(sv), torch.linalg.svdvals(w.chunk(3)[2]), rtol=1e-5, atol=1e-6)
    assert pn["names"] == run.trainer.param_names and 1 < len(pn["step"]) <= 9
    assert all(len(row) == len(pn["names"]) for row in pn["values"])
    assert pn["step"][-1] == 40 and pn["values"][-1] == pytest.approx(list(run.trainer.param_norms().values()))
    assert 2 <= len(frames) <= 9 and frames[-1]["step"] == 40 and frames[0]["step"] == 1
    f = frames[-1]
    assert set(f["hidden"]) == {"hidden", "reset", "update", "new"}
    assert f["hidden"]["hidden"].shape == (TINY["seq_len"], TINY["hidden_size"])
    assert len(f["grad_through_time"]) == TINY["seq_len"] and len(f["input_labels"]) == TINY["seq_len"]
    assert [fr["step"] for fr in frames] == sorted(fr["step"] for fr in frames)
    # frames are shared, not copied: a second snapshot holds the same frame objects
    assert run.snapshot().frames[-1] is f


def test_frames_stay_within_their_byte_budget():
    run = TrainingRun(
        make_config("adding", arch="lstm", steps=30, **TINY), min_probe_interval_s=0.0, frames_budget_bytes=3000
    )
    run.start()
    run.join(60)
    frames = run.snapshot().frames
    size = sum(a.nbytes for a in frames[0]["hidden"].values())  # 6 arrays of 6x4 float32: 576 bytes
    assert size * len(frames) <= 3000 + 2 * size and len(frames) >= 2
    assert frames[0]["step"] == 1 and frames[-1]["step"] == 30


def test_thin_keeps_the_first_and_the_latest():
    rows = list(range(11))
    assert thin(rows, 10) == [0, 2, 4, 6, 8, 10]
    assert thin(list(range(12)), 11) == [0, 2, 4, 6, 8, 10, 11]
    assert thin(rows, 11) == rows


# the demos --------------------------------------------------------------------------------------
def test_exploding_demo_grows_for_hundreds_of_steps_without_clipping_and_trains_with_it():
    no_clip, clip = (Trainer(c.replace(device="cpu")) for c in EXPLODING)
    norms = []
    while not no_clip.diverged and no_clip.steps_done < no_clip.config.steps:
        norms.append(no_clip.step().grad_norm)
    assert no_clip.diverged and no_clip.steps_done >= 300  # no cliff: it learns, then its gradient grows
    finite = norms[:-1]  # the last step's norm is the NaN/Inf that stopped it
    assert statistics.median(finite[-50:]) >= 3 * statistics.median(finite[:100]) and max(finite) > 1e3
    while clip.steps_done < clip.config.steps:  # the demo's own 1000 steps
        s = clip.step()
        assert s.grad_norm_clipped <= 1.0 + 1e-4 and not s.diverged
    assert clip.evaluate()[0] < 0.5 * clip.task.chance_loss


@pytest.mark.slow
def test_vanishing_demo_rnn_stays_at_chance_while_gated_cells_learn():
    trainers = [Trainer(c.replace(device="cpu")) for c in VANISHING]
    for _ in range(1500):
        for tr in trainers:
            tr.step()
    rnn, lstm, gru = (tr.evaluate()[0] for tr in trainers)
    chance = trainers[0].task.chance_loss
    print(f"val MSE after 1500 steps: rnn {rnn:.3f} lstm {lstm:.3f} gru {gru:.3f} (chance {chance:.3f})")
    assert rnn > 0.8 * chance and lstm < 0.3 * chance and gru < 0.3 * chance
