"""Lessons: curated share links with a narrative, playable as a narrated, auto-paced sequence.

A lesson opens a page (the Playground or the Gradient lab) with its URL parameters and walks through
steps: each step says one thing, may act on the run (train, pause, resume) when it begins, may point
at one chart (by the chart's Streamlit key), and says when auto-play moves on (`Until`). The pacing is
the pure function `next_step`, so it is tested without Streamlit; app_pages/narrator.py draws it.

Every sentence a learner reads lives in this file (the lessons below, `UI` and `CHART_LABELS`), in
English and marked with `N_()`: the pages show them with `tr(...)`, and their Chinese is in
rnnplay/i18n/zh_lessons.py. No torch here: Home imports this module and paints before torch loads.
The step counts are measured: each lesson shows its point within 60 s on one CPU thread (see
tests/test_lessons.py and the figures in the comments).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rnnplay.diagnosis import fmt  # the sentences quote numbers as the diagnosis does
from rnnplay.i18n import N_
from rnnplay.run.snapshot import Snapshot

TERMINAL = ("done", "stopped", "diverged", "error")  # states after which a run trains no more
ACTIONS = ("train", "pause", "resume")


@dataclass(frozen=True)
class Until:
    """When auto-play leaves a step: after `steps` training steps (of the slowest run of a race), once
    the run has ended, or after `seconds` of reading. A run that ended early also ends a steps wait,
    so a diverged run never leaves the lesson waiting for steps that will not come."""

    steps: int | None = None
    finished: bool = False
    seconds: float | None = None

    def holds(self, steps_done: int, state: str, elapsed_s: float) -> bool:
        if self.seconds is not None:
            return elapsed_s >= self.seconds
        if self.finished:
            return state in TERMINAL
        return state in TERMINAL or (self.steps is not None and steps_done >= self.steps)


def after_steps(n: int) -> Until:
    return Until(steps=n)


def finished() -> Until:
    return Until(finished=True)


def reading(seconds: float) -> Until:
    return Until(seconds=seconds)


HOLDS, WAITING, MISSED = "holds", "waiting", "missed"


@dataclass(frozen=True)
class Claim:
    """What must have happened in the run before a step's sentence is true. `check(snaps)` reads the
    runs' snapshots (a race's entries in order, or the one run) and returns (status, numbers): HOLDS (the
    sentence may be shown, its {placeholders} filled from numbers), WAITING (not yet: `waiting` says what
    the class waits for, with the numbers of now) or MISSED (it will not happen in this run: `otherwise`
    is said instead). Once the runs have ended a WAITING claim is MISSED; auto-play also gives up
    after `timeout_s` of waiting and says `otherwise`."""

    check: Callable[[list[Snapshot]], tuple[str, dict]]
    waiting: str
    otherwise: str
    timeout_s: float = 240.0


@dataclass(frozen=True)
class Step:
    """One sentence of a lesson. `action` is done to the run when the step begins (train = start, or
    resume a paused run); `point_at` is the key of the chart to look at; `until=None` means the time it
    takes to read `say` (see reading_seconds); `claim`: what the run must show before this step is
    entered (its numbers fill `say`)."""

    say: str
    until: Until | None = None
    action: str | None = None
    point_at: str | None = None
    claim: Claim | None = None

    def __post_init__(self):
        if self.action is not None and self.action not in ACTIONS:
            raise ValueError(f"action={self.action!r} is not allowed: one of {', '.join(ACTIONS)} or None")


def claim_status(step: Step, snaps: list[Snapshot] | None, state: str) -> tuple[str, dict]:
    """(status, numbers) of the step's claim on these snapshots; a step without one always HOLDS. A claim
    still WAITING once the runs have ended (state terminal) is MISSED: it cannot happen any more."""
    if step.claim is None:
        return HOLDS, {}
    status, numbers = step.claim.check(list(snaps or []))
    if status == WAITING and state in TERMINAL:
        status = MISSED
    return status, numbers


def sentence_for(step: Step, status: str) -> str:
    """The English template shown for a step entered with this claim status: `say`, or the claim's
    `otherwise` when the moment it describes never came."""
    return step.say if status == HOLDS or step.claim is None else step.claim.otherwise


@dataclass(frozen=True)
class Lesson:
    """A curated configuration (`params`, the page's URL query parameters) and its narrated steps."""

    id: str
    title: str
    summary: str  # two lines for the Home card: what happens and what to look at
    page: str  # "playground" | "gradients"
    params: dict
    steps: tuple[Step, ...]

    @property
    def query_params(self) -> dict[str, str]:
        """The link's query parameters: the configuration and the lesson id."""
        return {
            **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in self.params.items()},
            "lesson": self.id,
        }


def reading_seconds(text: str) -> float:
    """How long auto-play lets a sentence stand: about 3 words a second (read aloud to a class), 5–20 s."""
    return min(20.0, max(5.0, 2.0 + len(text.split()) / 3.0))


def next_step(
    lesson: Lesson,
    index: int,
    steps_done: int,
    state: str,
    elapsed_s: float = 0.0,
    snaps: list[Snapshot] | None = None,
) -> int:
    """The step auto-play shows next: index + 1 once the current step's condition holds and its sentence
    has stood long enough to be read (elapsed_s: seconds since the step began; a run that is already past
    the condition must not flash the steps by), and the next step's claim holds on `snaps` (or is missed,
    or has been waited for longer than its time-out), else index. The last step stays: free play
    follows it."""
    index = max(0, min(index, len(lesson.steps) - 1))
    if index == len(lesson.steps) - 1:
        return index
    step = lesson.steps[index]
    if step.until is None or step.until.seconds is not None:
        until = step.until or reading(reading_seconds(step.say))
        ready = until.holds(steps_done, state, elapsed_s)
    else:
        ready = elapsed_s >= reading_seconds(step.say) and step.until.holds(steps_done, state, elapsed_s)
    if not ready:
        return index
    nxt = lesson.steps[index + 1]
    status, _ = claim_status(nxt, snaps, state)
    if status != WAITING or elapsed_s >= reading_seconds(step.say) + nxt.claim.timeout_s:
        return index + 1
    return index


# What the claims read in a snapshot (a run.Snapshot; plain lists, no numpy) ---------------
ROWS = 10  # a loss "now" or "at step s": the mean of this many history rows, so one lucky batch is no event
OPEN = 1e-2  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ at or above: the gradient reaches the first step (diagnosis.FADING)
SHUT = 1e-6  # below: it has vanished (an LSTM at the chance line measures 1e-11..1e-8, seeds 0-4)


def _rows(snap: Snapshot) -> list[tuple[int, float]]:
    h = snap.history
    return [
        (int(s), float(v))
        for s, v in zip(h.get("step") or [], h.get("loss") or [], strict=False)
        if v is not None and math.isfinite(v)
    ]


def loss_at(snap: Snapshot, step: int | None = None) -> float | None:
    """The training loss at `step` (default: now): the mean of the ROWS history rows up to it. A long run's
    history keeps buckets, each at its last step: a step before the first one's end (step 1) reads that
    first bucket, the loss the chart shows there."""
    every = _rows(snap)
    rows = [v for s, v in every if step is None or s <= step][-ROWS:] or [v for _, v in every[:1]]
    return sum(rows) / len(rows) if rows else None


def first_below(snap: Snapshot, level: float) -> int | None:
    """The first step at which the loss (a mean of ROWS rows) is below level."""
    rows = _rows(snap)
    for i in range(ROWS - 1, len(rows)):
        if sum(v for _, v in rows[i - ROWS + 1 : i + 1]) / ROWS < level:
            return rows[i][0]
    return None


def ratio(gtt: list | None) -> float | None:
    """h₁/h_T of one probe's gradient through time, as the gradient-through-time chart's title."""
    g = list(gtt or [])
    if len(g) < 2 or not all(v is not None and math.isfinite(v) for v in g) or g[-1] <= 0:
        return None
    return max(g[0], 1e-30) / g[-1]


def probe_ratios(snap: Snapshot) -> list[tuple[int, float]]:
    """(step, h₁/h_T) of every probe the heatmap shows, in order."""
    out = [(p["step"], ratio(p.get("grad_through_time"))) for p in snap.probes]
    return [(s, r) for s, r in out if r is not None]


def latest_ratio(snap: Snapshot) -> float | None:
    return ratio((snap.latest_probe or {}).get("grad_through_time"))


def chance(snaps: list[Snapshot]) -> float | None:
    return snaps[0].task.chance_loss if snaps else None


def widest_forget(snap: Snapshot) -> float | None:
    """The largest forget gate of one LSTM unit, averaged over the probe sample's time steps."""
    f = ((snap.latest_probe or {}).get("hidden") or {}).get("forget")
    if f is None or len(f) == 0:
        return None
    rows = [list(map(float, row)) for row in f]
    return max(sum(col) / len(col) for col in zip(*rows, strict=True))


def _median(xs: list[float]) -> float | None:
    xs = sorted(xs)
    return None if not xs else xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


# The vanishing lesson's claims: entries RNN, LSTM, GRU (its e1..e3) ---------------------------------
def _all_probed(snaps: list[Snapshot], n: int) -> bool:
    return len(snaps) >= n and all(latest_ratio(s) is not None for s in snaps[:n])


def vanishing_both(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The RNN's and the LSTM's gradients at t = 1 have both vanished at the latest probe (the LSTM's
    forget gates start near σ(0) = 0.5). Missed once the LSTM has begun to carry it (a fast machine)."""
    if not _all_probed(snaps, 3):
        return WAITING, {"step": "…", "rnn": "…", "lstm": "…", "gru": "…"}
    rnn, lstm, gru = (latest_ratio(s) for s in snaps[:3])
    numbers = {
        "step": (snaps[1].latest_probe or {}).get("step"),
        "rnn": fmt(rnn),
        "lstm": fmt(lstm),
        "gru": fmt(gru),
    }
    if any(r >= 1e-4 for _, r in probe_ratios(snaps[1])):
        return MISSED, numbers
    return (HOLDS if rnn < SHUT and lstm < SHUT else WAITING), numbers


def lstm_opened(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The LSTM's gradient at t = 1 went from vanished to carried between two probes, and its loss is now
    below half the chance line. Numbers: the two probes, their ratios, the loss at each, the loss now and
    the widest forget gate now."""
    if not _all_probed(snaps, 2):
        return WAITING, {"lstm": "…", "step": "…"}
    lstm = snaps[1]
    now = {"lstm": fmt(latest_ratio(lstm)), "step": (lstm.latest_probe or {}).get("step")}
    rs = probe_ratios(lstm)
    i = next((i for i, (_, r) in enumerate(rs) if r >= OPEN), None)
    c, loss = chance(snaps), loss_at(lstm)
    if i is None or c is None or loss is None or loss >= c / 2:
        return WAITING, now
    # the last probe before it at which the gradient had vanished (the one just before may be mid-way:
    # seed 0 measures 1e-11 at step 370, 6.6e-5 at 380, 0.13 at 390)
    j = next((j for j in range(i - 1, -1, -1) if rs[j][1] < SHUT), None)
    if j is None:  # it never was vanished at a probe: not this story
        return MISSED, now
    (s0, r0), (s1, r1) = rs[j], rs[i]
    numbers = {
        **now,
        "before_step": s0,
        "before": fmt(r0),
        "open_step": s1,
        "after": fmt(r1),
        "loss_before": fmt(loss_at(lstm, s0)),
        "loss_now": fmt(loss),
        "chance": fmt(c),
        "forget": fmt(widest_forget(lstm)),
    }
    return HOLDS, numbers


def gated_won(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The GRU's and the LSTM's losses are below half the chance line, the RNN's still within 20% of it,
    and the RNN's gradient at t = 1 has been vanished at most probes (median below 1e-4)."""
    if len(snaps) < 3 or chance(snaps) is None:
        return WAITING, {}
    c = chance(snaps)
    rnn, lstm, gru = (loss_at(s) for s in snaps[:3])
    med = _median([r for _, r in probe_ratios(snaps[0])])
    if None in (rnn, lstm, gru, med):
        return WAITING, {}
    numbers = {
        "gru_step": first_below(snaps[2], c / 2),
        "lstm_step": first_below(snaps[1], c / 2),
        "gru": fmt(gru),
        "lstm": fmt(lstm),
        "rnn": fmt(rnn),
        "chance": fmt(c),
        "rnn_ratio": fmt(med),
        "probes": len(probe_ratios(snaps[0])),
    }
    if gru < c / 2 and lstm < c / 2 and rnn >= 0.8 * c and med < 1e-4:
        return HOLDS, numbers
    return WAITING, numbers


# The copy lesson's claim: entries LSTM, RNN (its e1, e2) ----------------------------------------------
WIDE = 0.9  # a forget gate above this keeps 90% of its cell state per step (0.9^10 = 0.35 after a delay of 10)


def delay_forget(snap: Snapshot) -> tuple[int, int, float] | None:
    """(units whose forget gate, averaged over the delay's blanks, is above WIDE; all units; the median
    unit's average) in the latest probe's sample. The delay: the blanks between the symbols and the
    delimiter ":" (the input labels the activation heatmap shows)."""
    p = snap.latest_probe or {}
    f, labels = (p.get("hidden") or {}).get("forget"), p.get("input_labels") or []
    if f is None or ":" not in labels:
        return None
    delay = [i for i, lab in enumerate(labels[: labels.index(":")]) if lab == "_"]
    if not delay:
        return None
    rows = [list(map(float, f[i])) for i in delay]
    means = sorted(sum(col) / len(col) for col in zip(*rows, strict=True))
    return sum(m > WIDE for m in means), len(means), _median(means)


def lstm_remembers(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The LSTM's loss is clearly below the memoryless line (under 90% of it) with some of its units'
    forget gates held open through the delay, and the RNN's loss is above the line."""
    if len(snaps) < 2 or chance(snaps) is None:
        return WAITING, {}
    c = chance(snaps)
    lstm, rnn, gates = loss_at(snaps[0]), loss_at(snaps[1]), delay_forget(snaps[0])
    if None in (lstm, rnn, gates):
        return WAITING, {"lstm": fmt(lstm), "chance": fmt(c)}
    wide, units, median = gates
    numbers = {
        "chance": fmt(c),
        "lstm": fmt(lstm),
        "below": first_below(snaps[0], c),
        "wide": wide,
        "units": units,
        "median": fmt(median),
        "rnn": fmt(rnn),
    }
    if lstm < 0.9 * c and wide >= 1 and rnn > c:
        return HOLDS, numbers
    return WAITING, numbers


# The exploding lesson's claims: entries without clipping, then clipped (rnnplay.race.EXPLODING) ----------
EARLY, LATE = 100, 50  # the unclipped gradient norm's median over its first EARLY and its last LATE steps
GREW = 3.0  # "grew": the LATE median at least this many times the EARLY one (measured ×5-20, seeds 0-4)
TILT = 2.0  # h₁/h_T a probe must reach before the tilt is told while the run still trains


def _finite_norms(snap: Snapshot, key: str = "grad_norm") -> list[tuple[int, float]]:
    """(step, gradient norm) of every step whose norm is a finite number."""
    h = snap.history
    rows = zip(h.get("step") or [], h.get(key) or [], strict=False)
    return [(int(s), float(v)) for s, v in rows if v is not None and math.isfinite(v)]


def _radius_at(snap: Snapshot) -> dict[int, float]:
    """{probe step: W_hh's spectral radius}, as the spectral-radius chart draws it."""
    sp = snap.spectral
    return {int(s): float(r) for s, r in zip(sp.get("step") or [], sp.get("radius") or [], strict=False)}


def unclipped_tilts(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The run without clipping learned to count first (its loss below half the chance line at step
    {learned}), and then a probe of it (a row of its heatmap) found W_hh's spectral radius above 1 and the
    gradient through time growing toward t = 1. Numbers: that probe's step, radius, h₁/h_T (the largest of
    all its probes with radius above 1) and the factor per step back."""
    if len(snaps) < 2 or chance(snaps) is None:
        return WAITING, {}
    off, c = snaps[0], chance(snaps)
    radius = _radius_at(off)
    learned = first_below(off, c / 2)
    after = [(s, r) for s, r in probe_ratios(off) if s >= (learned or off.steps_done + 1)]
    tilted = [(s, r) for s, r in after if radius.get(s, 0.0) > 1 and r > 1]
    waiting = {"step": off.steps_done, "probes": len(after)}
    if learned is None or not tilted:
        return WAITING, waiting
    step, rise = max(tilted, key=lambda sr: sr[1])
    if rise < TILT and off.state not in TERMINAL:  # while it trains, wait for a marked tilt; after, take the largest
        return WAITING, waiting
    T = len(off.probes[-1]["grad_through_time"])
    numbers = {
        "learned": learned,
        "step": step,
        "rho": fmt(radius[step]),
        "rise": fmt(rise),
        "per_step": fmt(rise ** (1 / (T - 1))),
    }
    return HOLDS, numbers


def unclipped_broke(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The run without clipping stopped on NaN/Inf after its gradient norm grew: the median of its last LATE
    finite norms at least GREW × that of its first EARLY. Numbers: both medians, its largest finite norm and
    that step, and the step it stopped at."""
    if len(snaps) < 2:
        return WAITING, {}
    off = snaps[0]
    norms = _finite_norms(off)
    if off.state != "diverged" or len(norms) < EARLY + LATE:
        return (MISSED if off.state in TERMINAL else WAITING), {"step": off.steps_done}
    early, late = _median([v for _, v in norms[:EARLY]]), _median([v for _, v in norms[-LATE:]])
    peak_step, peak = max(norms, key=lambda sv: sv[1])
    numbers = {
        "early": fmt(early),
        "late": fmt(late),
        "peak": fmt(peak),
        "peak_step": peak_step,
        "step": off.steps_done,
        "last": LATE,
    }
    return (HOLDS if late >= GREW * early else MISSED), numbers


def clipped_counts(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The clipped run trains on: its loss now below half the chance line (first at step {below}); its
    spectral radius at the latest probe and the largest at any probe; how many of its steps clipping cut."""
    if len(snaps) < 2 or chance(snaps) is None:
        return WAITING, {}
    clipped, c = snaps[1], chance(snaps)
    norms, after = _finite_norms(clipped), dict(_finite_norms(clipped, "grad_norm_clipped"))
    loss, radius = loss_at(clipped), _radius_at(clipped)
    if loss is None or not norms or not radius or clipped.state == "diverged":
        return WAITING, {}
    cut = sum(after.get(s, v) < v * (1 - 1e-6) for s, v in norms) / len(norms)
    probe_step = max(radius)
    numbers = {
        "loss": fmt(loss),
        "chance": fmt(c),
        "below": first_below(clipped, c / 2),
        "now": clipped.steps_done,
        "rho": fmt(radius[probe_step]),
        "probe_step": probe_step,
        "rho_max": fmt(max(radius.values())),
        "cut": f"{cut:.0%}",
    }
    return (HOLDS if loss < c / 2 else WAITING), numbers


# Playground lessons: one run --------------------------------------------------------------------------
def far_below_chance(snaps: list[Snapshot]) -> tuple[str, dict]:
    """The run's loss is below a quarter of the chance line."""
    c = chance(snaps)
    loss = loss_at(snaps[0]) if snaps else None
    if c is None or loss is None:
        return WAITING, {}
    share = loss / c
    numbers = {"loss": fmt(loss), "chance": fmt(c), "share": f"{share:.0%}" if share >= 0.01 else "<1%"}  # not "0%"
    return (HOLDS if loss < c / 4 else WAITING), numbers


# The lessons, in the product spec's order. A Gradient-lab lesson opens one of its race demos (?race=<id>,
# rnnplay.race.PRESETS; e1..e4 override its entries); its chart keys are loss, gtt, gtt_heatmap,
# spectral, singular, grad_norm, param_norms. The Playground's are loss, metric, grad_norm, gtt,
# gtt_heatmap, hidden, task_view, spectral. Step counts follow measured wall times of the whole page
# (probes included) on one shared, busy CPU thread:
# - vanishing with the demo's 64 units, lr 3e-3: GRU below chance/2 at 18 s (step 340), LSTM at 42 s
#   (step 840) — too slow on a busy CPU, so the lesson races 32 units at lr 0.01 (CLI, one thread: LSTM
#   below chance/2 at step 450 in 1.7 s, GRU at step 200; the RNN at chance after 1500 steps);
# - exploding: no clip stops at step 443-800 (seeds 0-4), ~1 s; clipped, below chance/2 from step 58-113 and
#   loss below 0.03 (chance 0.663) after 1000 steps;
# - bidirectional: validation loss 0.0004 vs 0.24 (forward limit 0.25) in 4 s;
# - copy (the demo's 96 units, lr 0.01): the LSTM below the 0.693 line from step ~1500 (~40 s), the RNN
#   at 1.2 throughout; the lesson races 64 units at lr 0.02 (below the line by step ~750);
# - random: train accuracy 1.0, validation 0.49 after 1000 steps (2.3 s); hello: 200 steps in < 1 s.
LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="vanishing",
        title=N_("Course 5.2 · Vanishing gradients: RNN vs LSTM vs GRU"),
        summary=N_(
            "Three networks must add two numbers marked up to 50 steps apart. The RNN's loss stays on the "
            "chance line while the LSTM and GRU fall below it; the heatmaps show why."
        ),
        page="gradients",
        # the demo's race with 32 units and lr 0.01: LSTM and GRU leave the chance line by step ~450 and ~200
        # (2-4x sooner than with 64 units and lr 3e-3), the RNN stays on it; 1500 steps each
        params={
            "race": "vanishing",
            "steps": 1500,
            "e1": "arch:rnn,hidden_size:32,lr:0.01",
            "e2": "arch:lstm,hidden_size:32,lr:0.01",
            "e3": "arch:gru,hidden_size:32,lr:0.01",
        },
        steps=(
            Step(
                N_(
                    "Three networks, one dataset, one seed: a plain RNN, an LSTM and a GRU. Each reads 50 numbers "
                    "and must output the sum of the two marked ones. The dashed line is chance: always answering 1 "
                    "gives a mean squared error of 1/6."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training all three, taking turns on the CPU. Watch the loss curves against the chance line."),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The gradient through time ‖∂L/∂hₜ‖ at step {step}: what reaches t = 1 is {rnn} of the "
                    "gradient at t = 50 for the RNN, and {lstm} for the LSTM — both vanished. An LSTM starts with "
                    "its forget gates near σ(0) = 0.5, and 49 steps of ×0.5 leave 2e-15. The GRU's: {gru}."
                ),
                point_at="gtt",
                claim=Claim(
                    vanishing_both,
                    waiting=N_("Waiting for the first probe of all three networks' gradients."),
                    otherwise=N_(
                        "The gradient through time ‖∂L/∂hₜ‖: the RNN's falls by orders of magnitude toward t = 1 "
                        "({rnn} of the gradient at t = 50 at step {step}). This machine trained fast: the LSTM has "
                        "already begun to carry its gradient back ({lstm}); the heatmaps below show it vanished "
                        "at first."
                    ),
                ),
            ),
            Step(
                N_(
                    "Between steps {before_step} and {open_step} the LSTM opened its memory path: the gradient "
                    "reaching t = 1 rose from {before} to {after} of the gradient at t = 50, and its loss, "
                    "{loss_before} at step {before_step}, is {loss_now} now (chance {chance}). One of its units "
                    "keeps a forget gate of {forget} on average across the sequence: its cell state carries the "
                    "first number to the end."
                ),
                point_at="gtt_heatmap",
                claim=Claim(
                    lstm_opened,
                    waiting=N_(
                        "Waiting for the LSTM to open its memory path: at step {step} its gradient at t = 1 is "
                        "{lstm} of the gradient at t = 50."
                    ),
                    otherwise=N_(
                        "In this run the LSTM has not opened its memory path: at step {step} its gradient at t = 1 "
                        "is {lstm} of the gradient at t = 50, and its loss is not below half the chance line."
                    ),
                ),
            ),
            Step(
                N_(
                    "The GRU's loss fell below half the chance line at step {gru_step}, the LSTM's at step "
                    "{lstm_step}; now they are at {gru} and {lstm}: they found the two numbers. The RNN is still "
                    "on the line at {rnn} (chance {chance}): over {probes} probes the gradient reaching its t = 1 "
                    "was a median {rnn_ratio} of that at t = 50 — it cannot learn what its gradient cannot reach."
                ),
                point_at="loss",
                claim=Claim(
                    gated_won,
                    waiting=N_("Waiting for both the GRU's and the LSTM's loss to fall below half the chance line."),
                    otherwise=N_(
                        "This run does not show the usual race: look at the loss curves against the chance line "
                        "and at the gradient through time of each network."
                    ),
                ),
            ),
            Step(
                N_(
                    "Your turn: shorten T to 10 and the RNN learns too; or keep T = 50 and try an orthogonal "
                    "initialisation. Free play keeps everything as it is."
                ),
            ),
        ),
    ),
    Lesson(
        id="exploding",
        title=N_("Exploding gradients and clipping"),
        summary=N_(
            "Two linear RNNs learn to count ones with SGD and momentum 0.99. Without clipping W_hh's spectral "
            "radius creeps above 1, the gradient grows toward t = 1 and feeds itself until the loss is NaN; "
            "with norm clipping the same run keeps counting."
        ),
        page="gradients",
        params={"race": "exploding"},
        steps=(
            Step(
                N_(
                    "Two identical linear RNNs — no activation: hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b — read 10 bits and "
                    "must say whether more than half are 1. A counter keeps what it has counted, so W_hh starts "
                    "orthogonal: spectral radius 1 (its chart fills in once training starts). Going back in time "
                    "multiplies the gradient by W_hhᵀ once per "
                    "step: with a spectral radius above 1 it grows toward t = 1, the mirror image of vanishing. "
                    "Both use SGD with momentum 0.99; one clips the gradient's norm at 1."
                ),
                point_at="spectral",
            ),
            Step(
                N_("Train both and watch the gradient norms."),
                action="train",
                point_at="grad_norm",
            ),
            Step(
                N_(
                    "The unclipped run learned to count first (its loss below half the chance line at step "
                    "{learned}). Then momentum carried W_hh past 1: at step {step} its spectral radius was {rho} "
                    "(Spectral radius tab), and that probe's row of its heatmap has ‖∂L/∂h₁‖ = {rise} × ‖∂L/∂h_T‖, "
                    "×{per_step} per step back — the gradient grows toward t = 1."
                ),
                point_at="gtt_heatmap",
                claim=Claim(
                    unclipped_tilts,
                    waiting=N_(
                        "Waiting for the unclipped run to learn and for a probe of it with the spectral radius "
                        "above 1 (step {step})."
                    ),
                    otherwise=N_(
                        "After it had learned, the unclipped run was probed {probes} times, and no probe caught its "
                        "spectral radius above 1: probes come a few times a second, and it stopped at step {step}. "
                        "Its gradient-norm chart shows the growth."
                    ),
                ),
            ),
            Step(
                N_(
                    "The growth feeds itself: a larger spectral radius makes a larger gradient, a larger gradient "
                    "a larger SGD step, and the step pushes the radius up again. The unclipped gradient norm was "
                    "{early} (median of its first 100 steps), {late} over its last {last} steps and {peak} at "
                    "step {peak_step}; at step {step} the loss or the gradient was no longer a finite number and "
                    "the run stopped (the ✕ on its gradient-norm chart)."
                ),
                point_at="grad_norm",
                claim=Claim(
                    unclipped_broke,
                    waiting=N_("Waiting for the unclipped run to stop or to finish (step {step})."),
                    otherwise=N_(
                        "In this run the unclipped network did not break after a growing gradient (step {step}); "
                        "look at its gradient norm against the clipped one's."
                    ),
                ),
            ),
            Step(
                N_(
                    "The clipped run's spectral radius went above 1 too (at most {rho_max} at the probes, {rho} at "
                    "step {probe_step}), but every gradient above norm 1 was scaled back to 1 before its update "
                    "({cut} of its steps so far), so no spike could feed the growth. It keeps counting: at step "
                    "{now} its loss is {loss}, below half the chance line ({chance}) since step {below}."
                ),
                until=finished(),
                point_at="loss",
                claim=Claim(
                    clipped_counts,
                    waiting=N_("Waiting for the clipped run's loss to fall below half the chance line."),
                    otherwise=N_("In this run the clipped network's loss has not fallen below half the chance line."),
                ),
            ),
            Step(
                N_(
                    "Your turn: lower the momentum to 0.9, or switch the activation to tanh: does the unclipped "
                    "run still break, and what does its gradient through time do?"
                ),
            ),
        ),
    ),
    Lesson(
        id="bidirectional",
        title=N_("Course 5.2 · Bidirectional helps tagging"),
        summary=N_(
            "Tag each word; can, fly, watch and duck need the NEXT word to be tagged. A left-to-right RNN's "
            "loss stops at the line of the best forward guess; a bidirectional one reads ahead and goes to zero."
        ),
        page="gradients",
        params={"race": "bidirectional"},
        steps=(
            Step(
                N_(
                    "“watch the duck” — watch is a verb; “duck watch fly” — now watch is a noun. An ambiguous "
                    "word's tag depends on the word after it. Two RNNs race on the same sentences: one reads left "
                    "to right, one in both directions."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training both."),
                until=after_steps(150),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The dashed line is the best a left-to-right reader can do: tag every fixed word right and guess "
                    "at can, fly, watch and duck (about 84% of words right). The left-to-right RNN stops on that line; "
                    "the bidirectional one has read the next word and its loss goes to zero."
                ),
                until=finished(),
                point_at="loss",
            ),
            Step(
                N_("Your turn: in the Playground type your own sentence into Try it, with Bidirectional on and off."),
            ),
        ),
    ),
    Lesson(
        id="random",
        title=N_("Overfitting random labels"),
        summary=N_(
            "Noise sequences with coin-flip labels: nothing to learn, yet training accuracy climbs to 100% while "
            "validation stays at 50% — the network memorised."
        ),
        page="playground",
        params={"task": "random"},
        steps=(
            Step(
                N_(
                    "128 sequences of pure noise, each with a random label. There is no rule to find: the best "
                    "any model can do on new sequences is 50%."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Train and watch the accuracy: training (blue) against validation (orange)."),
                until=after_steps(600),
                action="train",
                point_at="metric",
            ),
            Step(
                N_(
                    "Training accuracy climbs toward 100% while validation stays on the chance line, and the "
                    "validation loss rises: the network memorised 128 answers. That gap is overfitting."
                ),
                until=finished(),
                point_at="metric",
            ),
            Step(
                N_("The task view says it in two bars: memorised ~100% of the training set, ~50% of fresh sequences."),
                point_at="task_view",
            ),
            Step(
                N_(
                    "Your turn: set Sequences to memorise to 2000, or the hidden size to 4, and see memorising get "
                    "harder."
                ),
            ),
        ),
    ),
    Lesson(
        id="hello",
        title=N_("hello → elloh"),
        summary=N_(
            "The course's first character-level RNN: eight hidden units learn to predict the next character of "
            "'hello' in a few seconds."
        ),
        page="playground",
        params={"task": "charlm", "text": "hello"},
        steps=(
            Step(
                N_(
                    "The network reads h, e, l, l, o one character at a time and must predict the next one: the "
                    "target is “elloh”. The tricky part: after the first l comes l, after the second comes o — only "
                    "the hidden state can tell them apart."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Train: 200 steps of one sequence each."),
                until=after_steps(100),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The loss is {loss}, {share} of the dashed line ({chance}): that line is the best guess that "
                    "ignores what came before, by the letter frequencies of “hello” (l twice as often as h, e "
                    "or o)."
                ),
                until=finished(),
                point_at="loss",
                claim=Claim(
                    far_below_chance,
                    waiting=N_("Waiting for the loss to fall below a quarter of the dashed line."),
                    otherwise=N_(
                        "This run's loss, {loss}, has not fallen below a quarter of the dashed line ({chance})."
                    ),
                ),
            ),
            Step(
                N_(
                    "The prediction now reads “elloh”: the hidden state remembered how many l's it had seen. "
                    "Sampling from the model repeats hello."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Your turn: type a longer text, or open a built-in corpus (Shakespeare's sonnets, Tang poems)."),
            ),
        ),
    ),
    Lesson(
        id="copy",
        title=N_("Course 5.2 · Gates that remember: the copy task"),
        summary=N_(
            "Recall ten symbols after a delay of blanks. An LSTM's gates hold them; a plain RNN of the same size "
            "forgets them."
        ),
        page="gradients",
        # the demo's LSTM and RNN with 64 units at lr 0.02: the LSTM is below the line by step ~750 (CLI: 0.58
        # in 3.6 s), twice as soon as with 96 units at lr 0.01; the RNN stays at 1.2-1.5; 3000 steps each
        params={
            "race": "copy",
            "steps": 3000,
            "e1": "arch:lstm,hidden_size:64,lr:0.02",
            "e2": "arch:rnn,hidden_size:64,lr:0.02",
        },
        steps=(
            Step(
                N_(
                    "Ten random symbols, then a run of blanks, then a signal: now write the ten symbols back. An LSTM "
                    "and a plain RNN race on the same data."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training both, taking turns on the CPU."),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The dashed line ({chance}) is the loss of the best guess that remembers nothing. The LSTM is "
                    "below it at {lstm} (first at step {below}): through the delay, {wide} of its {units} units hold "
                    "their forget gate above 0.9 (the median unit's: {median}), and their cell states carry the "
                    "symbols across. The RNN is at {rnn}, above the line: it has not even learned the memoryless "
                    "guess at this learning rate."
                ),
                point_at="loss",
                claim=Claim(
                    lstm_remembers,
                    waiting=N_(
                        "Waiting for the LSTM's loss to fall clearly below the line ({chance}); it is at {lstm}."
                    ),
                    otherwise=N_(
                        "In this run the LSTM has not gone clearly below the memoryless line ({chance}) yet: its "
                        "loss is {lstm}. The RNN's is {rnn}."
                    ),
                ),
            ),
            Step(
                N_(
                    "Your turn: race again with the RNN at lr 0.002 — does it get below the line? Or make the "
                    "delay longer, or give the RNN more units."
                )
            ),
        ),
    ),
)

BY_ID: dict[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}

# the narrator panel's own words (app_pages/narrator.py) and the Home section's
UI = {
    "home_heading": N_("Lessons"),
    "home_caption": N_(
        "Each opens a page set up for one idea and narrates what to look at; press Auto-play, or step "
        "through with Next. Free play is one click away."
    ),
    "open": N_("Open the lesson"),
    "no_page": N_("(needs the {page} page, which this app does not list)"),
    "page_playground": N_("Playground"),
    "page_gradients": N_("Gradient lab"),
    "lesson": N_("Lesson: {title}"),
    "step": N_("step {i} of {n}"),
    "look_at": N_("Look at: {chart}"),
    "back": N_("Back"),
    "next": N_("Next"),
    "auto": N_("Auto-play"),
    "auto_stop": N_("Stop auto-play"),
    "free": N_("Free play"),
    "free_help": N_("Leave the lesson; the settings and the run stay as they are."),
    "unknown": N_("Unknown lesson {id} in the link: the lessons are {ids}."),
    "other_page": N_("Lesson {id!r} belongs on the {page} page."),
    "differs": N_("This page's settings differ from the lesson's ({fields})."),
    "restart": N_("Open the lesson with its settings"),
    "waiting_steps": N_("next after step {n}"),
    "waiting_finished": N_("next when training ends"),
}

# short names of the charts a step points at, by chart key
CHART_LABELS = {
    "loss": N_("the loss chart"),
    "metric": N_("the metric (accuracy) chart"),
    "grad_norm": N_("the gradient-norm chart"),
    "gtt": N_("the gradient through time ‖∂L/∂hₜ‖"),
    "gtt_heatmap": N_("the gradient-through-time heatmaps"),
    "hidden": N_("the hidden activations"),
    "task_view": N_("the task view"),
    "spectral": N_("the spectral radius of W_hh"),
    "singular": N_("the singular values of W_hh"),
    "param_norms": N_("the gradient norm per parameter tensor"),
}
