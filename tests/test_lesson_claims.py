"""Every sentence a lesson shows is true when it is shown. Each lesson's configuration is trained in the
test's own thread (tests/lesson_runs.py: the runs in turn, a probe every few steps) and, at every probe,
each step's claim is read from the runs' snapshots as the narrator reads them. The test asserts that
every claim step is reached, in order, with its claim holding (the narrator only then says its `say`),
and re-measures what the sentence quotes from the same snapshots with the charts' own functions
(figures.vanishing_ratio, the history, the probes). Every diagnosis finding of those snapshots must
agree with their numbers too. The fast subset runs seed 0 of the quick lessons; seeds 0-4 of every
lesson are marked slow."""

from __future__ import annotations

import math
import statistics

import pytest

from rnnplay import figures
from rnnplay.diagnosis import FADING, GROWN, VANISHED, diagnose
from rnnplay.lessons import (
    BY_ID,
    HOLDS,
    MISSED,
    OPEN,
    SHUT,
    TERMINAL,
    WIDE,
    claim_status,
    delay_forget,
    first_below,
    fmt,
    loss_at,
    probe_ratios,
)
from rnnplay.run import Snapshot
from tests.lesson_runs import drive, lesson_configs

# how far each lesson trains here and how often it is probed: far enough for every claim on seeds 0-4
# (measured: the LSTM of the vanishing race opens its memory path at step 390-650)
PLAN = {
    "vanishing": (900, 25),
    "copy": (1500, 50),
    "hello": (200, 10),
    "bidirectional": (None, 50),
    "random": (None, 50),
    "exploding": (1000, 20),
}
FAST = {"vanishing": (500, 50), "hello": (200, 10), "exploding": (600, 20)}


def check_diagnosis(snap: Snapshot) -> int:
    """Every finding of this snapshot agrees with the numbers the charts draw from it; returns how many."""
    found = diagnose(snap)
    task = snap.task
    gtt = (snap.latest_probe or {}).get("grad_through_time") or []
    for f in found:
        if f.kind in ("vanishing", "carried") and not snap.config.bidirectional:
            chart = figures.vanishing_ratio(gtt)  # the ratio in the gradient-through-time chart's title
            assert f.numbers["ratio"] == pytest.approx(chart, rel=1e-6), f.text
            if f.kind == "carried":
                assert chart >= FADING
                if "whole sequence" in f.text:
                    assert min(gtt) / gtt[-1] >= FADING, f.text
            elif f.severity == "warning":
                assert chart < VANISHED
        if f.kind == "growing":  # "it grows toward step 1": the chart's ratio, thousands of times over
            chart = figures.vanishing_ratio(gtt)
            assert f.numbers["ratio"] == pytest.approx(chart, rel=1e-6) and chart >= GROWN, f.text
        if f.kind == "memorising":
            assert task.finite_data, f"memorising on fresh data: {f.text}"
        if f.kind == "diverged":
            assert snap.state == "diverged"
        if f.kind == "learning" and f.severity == "ok":
            assert f.numbers["loss"] <= 0.8 * task.chance_loss
        if f.kind == "stuck":
            assert abs(f.numbers["loss"] / task.chance_loss - 1) >= 0 and f.numbers["loss"] >= 0.9 * task.chance_loss
    return len(found)


def verify(lesson_id: str, numbers: dict, snaps: list[Snapshot]) -> None:
    """Re-measure what the step's sentence quotes, on the snapshots it was entered with."""
    c = snaps[0].task.chance_loss
    if lesson_id == "vanishing" and "gru" in numbers and "step" in numbers and "before" not in numbers:
        rnn, lstm = (figures.vanishing_ratio(s.latest_probe["grad_through_time"]) for s in snaps[:2])
        assert rnn < SHUT and lstm < SHUT  # "both vanished"
        assert numbers["rnn"] == fmt(rnn) and numbers["lstm"] == fmt(lstm)
    if "open_step" in numbers:  # "the LSTM opened its memory path ... and its loss fell"
        lstm = snaps[1]
        ratios = dict(probe_ratios(lstm))
        assert ratios[numbers["before_step"]] < SHUT and ratios[numbers["open_step"]] >= OPEN
        assert numbers["before"] == fmt(ratios[numbers["before_step"]])
        assert numbers["loss_before"] == fmt(loss_at(lstm, numbers["before_step"]))
        assert loss_at(lstm) < c / 2 and numbers["loss_now"] == fmt(loss_at(lstm))
        assert float(numbers["forget"]) >= WIDE  # "keeps a forget gate of {forget}": near 1
    if "gru_step" in numbers:  # "the GRU's, then the LSTM's loss fell below half the line; the RNN is on it"
        rnn, lstm, gru = (loss_at(s) for s in snaps[:3])
        assert gru < c / 2 and lstm < c / 2 and rnn >= 0.8 * c
        assert numbers["gru_step"] == first_below(snaps[2], c / 2)
        assert numbers["lstm_step"] == first_below(snaps[1], c / 2)
        med = sorted(r for _, r in probe_ratios(snaps[0]))
        assert float(numbers["rnn_ratio"]) < VANISHED and med
    if "wide" in numbers:  # copy: the LSTM below the line, some forget gates open through the delay
        wide, units, _ = delay_forget(snaps[0])
        assert loss_at(snaps[0]) < 0.9 * c and loss_at(snaps[1]) > c
        assert wide >= 1 and numbers["wide"] == wide and numbers["units"] == units
        assert numbers["below"] == first_below(snaps[0], c)  # "first at step {below}"
    if "learned" in numbers:  # exploding: the unclipped run learned, then a probe found ρ > 1 and h₁/h_T > 1
        off = snaps[0]
        probe = next(p for p in off.probes if p["step"] == numbers["step"])
        rise = figures.vanishing_ratio(probe["grad_through_time"])  # that heatmap row, as the charts read it
        radius = off.spectral["radius"][off.spectral["step"].index(numbers["step"])]
        assert rise > 1 and radius > 1 and numbers["rise"] == fmt(rise) and numbers["rho"] == fmt(radius)
        assert numbers["per_step"] == fmt(rise ** (1 / (len(probe["grad_through_time"]) - 1)))
        assert rise >= 2 or off.state in TERMINAL  # a marked tilt while it trains
        loss = dict(zip(off.history["step"], off.history["loss"], strict=True))
        learned = numbers["learned"]  # "below half the chance line at step {learned}": the 10-row mean then
        assert sum(loss[s] for s in range(learned - 9, learned + 1)) / 10 < c / 2
        assert numbers["step"] >= learned
    if "peak_step" in numbers:  # exploding: the unclipped run's gradient norm grew, then it stopped on NaN/Inf
        off = snaps[0]
        norms = [v for v in off.history["grad_norm"] if v is not None and math.isfinite(v)]
        assert off.state == "diverged" and numbers["step"] == off.steps_done == off.history["step"][-1]
        early, late = statistics.median(norms[:100]), statistics.median(norms[-numbers["last"] :])
        assert numbers["early"] == fmt(early) and numbers["late"] == fmt(late) and late >= 3 * early
        assert numbers["peak"] == fmt(max(norms)) and off.history["grad_norm"][numbers["peak_step"] - 1] == max(norms)
    if "rho_max" in numbers:  # exploding: the clipped twin counts, its radius held
        clipped = snaps[1]
        assert loss_at(clipped) < c / 2 and numbers["loss"] == fmt(loss_at(clipped))
        assert numbers["now"] == clipped.steps_done and clipped.state != "diverged"
        assert numbers["below"] == first_below(clipped, c / 2)
        assert max(clipped.history["grad_norm_clipped"]) <= 1.0 + 1e-4  # "scaled back to 1"
        sp = clipped.spectral
        assert numbers["rho"] == fmt(sp["radius"][-1]) and numbers["probe_step"] == sp["step"][-1]
        assert numbers["rho_max"] == fmt(max(sp["radius"])) and max(sp["radius"]) > 1  # "went above 1 too"
    if lesson_id == "hello" and "share" in numbers:
        assert loss_at(snaps[0]) < c / 4
        share = loss_at(snaps[0]) / c  # "{share} of the dashed line": never "0%" for a loss above zero
        assert numbers["share"] == (f"{share:.0%}" if share >= 0.01 else "<1%") and numbers["share"] != "0%"


def walk(lesson_id: str, seed: int, steps: int | None, probe_every: int) -> dict[int, dict]:
    """Train the lesson; return {step index: the numbers it was entered with} for its claim steps, each
    entered at the first probe at which its claim holds and the step before it has been entered."""
    lesson = BY_ID[lesson_id]
    claims = [i for i, s in enumerate(lesson.steps) if s.claim is not None]
    entered: dict[int, dict] = {}
    findings = 0
    for snaps in drive(lesson_configs(lesson, seed), steps, probe_every):
        state = "done" if all(s.state in TERMINAL for s in snaps) else "running"
        for i in claims:
            if i in entered:
                continue
            if any(j < i and j not in entered for j in claims):
                break  # in order: the narrator enters one step at a time
            status, numbers = claim_status(lesson.steps[i], snaps, state)
            if status != HOLDS:
                break
            verify(lesson_id, numbers, snaps)
            entered[i] = numbers
        findings += sum(check_diagnosis(s) for s in snaps)
        if len(entered) == len(claims):
            break
    assert findings > 0
    missing = [lesson.steps[i].say[:60] for i in claims if i not in entered]
    assert not missing, f"seed {seed}: never shown as true: {missing}"
    return entered


@pytest.mark.parametrize("lesson_id", list(FAST))
def test_claims_hold_when_shown_seed_0(lesson_id):
    walk(lesson_id, 0, *FAST[lesson_id])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("lesson_id", list(PLAN))
def test_claims_hold_when_shown_on_every_seed(lesson_id, seed):
    walk(lesson_id, seed, *PLAN[lesson_id])


def test_the_exploding_lesson_says_so_when_its_probes_missed_the_tilt():
    """A fast machine probes the race a few times a second, and once more at every 4x surge of the gradient
    norm: a run that breaks in one jump can still break between two probes. Probed only at step 1 and every
    500 steps, no surge probes (seed 0 stops at step 443), the tilt step is missed, and what it says instead
    counts the probes it had and names the step the run stopped at."""
    lesson = BY_ID["exploding"]
    tilt = lesson.steps[2]
    *_, snaps = drive(lesson_configs(lesson, 0), 1000, 500, surges=False)  # the runs' snapshots at the end
    status, numbers = claim_status(tilt, snaps, "done")
    assert status == MISSED and snaps[0].state == "diverged"
    said = tilt.claim.otherwise.format(**numbers)
    assert f"probed {numbers['probes']} times" in said and f"stopped at step {snaps[0].steps_done}" in said
    assert numbers["probes"] == len([p for p in snaps[0].probes if p["step"] >= 50])  # learned by step 51-95


def test_a_placeholder_never_reaches_the_reader_unfilled():
    """Every {name} a claim step's sentence quotes is among the numbers its claim returns when it holds."""
    import string

    for lesson in BY_ID.values():
        for step in lesson.steps:
            names = {f for _, f, _, _ in string.Formatter().parse(step.say) if f}
            assert not names or step.claim is not None, (lesson.id, step.say[:50])
            if step.claim is not None:
                names |= {f for _, f, _, _ in string.Formatter().parse(step.claim.waiting) if f}
                assert all(isinstance(n, str) and n.isidentifier() for n in names)
    assert math.isfinite(OPEN)
