"""Diagnosis: what the charts of one run show, said in plain sentences with the numbers behind them.

`diagnose(snapshot)` reads a `TrainingRun.snapshot()` (a run.Snapshot) and returns `Finding`s, warnings first. It is a
pure function of the snapshot (no model, no torch, no UI): about 3 ms for a full 1000-row history,
so it can run on every chart refresh; a fresh run, an empty or partial snapshot, NaN or Inf values give fewer
findings, never an error. Each threshold below says why it sits where it does; the numbers quoted
were measured on real runs of the tasks' defaults and of the Gradient lab demos (tests/test_diagnosis.py).
Every sentence is a Msg: an English template with its numbers as {placeholders}, said by the page in its
reader's language (the Chinese is in rnnplay/i18n/zh_diagnosis.py), so both languages quote the same numbers.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnplay.i18n import N_, Msg
from rnnplay.run.snapshot import Snapshot
from rnnplay.run.state import RunState

# Gradient through time, ‖∂L/∂h_far‖ / ‖∂L/∂h_near‖. A plain tanh RNN on adding T=50 sits at 1e-12..1e-6 for the
# whole run (at the chance line); LSTM and GRU that have learned the task keep 0.08..0.8; an LSTM
# still at the chance line (its forget gates near 0.5) is at 1e-9 and truly cannot learn yet.
VANISHED = 1e-4  # below: the first inputs get no usable gradient
FADING = 1e-2  # below: it still arrives, but weakened (a GRU on its way to learning: 1e-3..3e-2)
# at or above: it grows toward step 1 (the mirror image of VANISHED). The exploding demo's identity-ReLU
# RNN, one SGD step in: 7e14..1.5e34; its clipped twin, which trains, stays at 0.2..12 (adding T=20, seeds 0-4)
GROWN = 1 / VANISHED
# Gradient norm jump: a step's gradient norm over the median of the WINDOW rows before it. Healthy runs of every
# task's defaults stay under ×22, except copy's LSTM at the moment it starts to recall (×61); an
# identity-ReLU RNN trained by SGD (adding T=50, lr 1e-4..1e-3) jumps ×3e4..×2e10 at its first update.
JUMP = 100.0
WINDOW = 50
CLIP_OFTEN = 0.5  # clipping active in at least half the steps acts as a smaller learning rate
# saturation of the latest probe's sample: tanh activations pinned beyond ±0.95 (healthy runs of the
# tasks' defaults: 0..0.12; charlm "hello" after learning it: 0.57) ...
SATURATED = 0.5
# ... or ReLU activations at 0: about half are at any time (0.41 at init on adding), and a clipped
# identity-ReLU RNN that learns adding well runs at 0.74..0.86; only a layer almost all silent is dead
DEAD_RELU = 0.95
# memorising (accuracy): training right nearly always, validation no better than guessing
MEMO_TRAIN, MEMO_VAL_MARGIN = 0.9, 0.1
MEMO_MSE_RATIO = 3.0  # mse: validation error at least this many times the training error ...
MEMO_MSE_TRAIN = 0.5  # ... while training error is below half the chance line
# stuck: the chance line is where a model without memory of the sequence ends up; within these
# shares of it the loss has learned nothing beyond guessing (an RNN on adding T=50: 0.98..1.03)
STUCK_TOL = {"mse": 0.10, "other": 0.05}
STUCK_METRIC_MARGIN = 0.05  # accuracy within 5 points of chance
STUCK_MIN_STEPS, STUCK_MIN_SHARE = 300, 0.3  # before either, a loss at chance may just be early
FALLING = 0.05  # a tail mean 5% below the window before it: still on its way down, not stuck
LEARNING = 0.8  # loss at most 80% of the chance line: clearly learning
TAIL = 0.1  # the "latest" training numbers: the mean over the last 10% of history rows (at least 1)
LOSS_AT_END = ("many-to-one", "seq2seq")  # where ∂L/∂h_1 has no direct path from the loss

SEVERITY_ORDER = {"warning": 0, "info": 1, "ok": 2}
METRIC_NAMES = {"accuracy": N_("accuracy"), "sequence accuracy": N_("sequence accuracy")}  # a task's metric, said
CHANCE_TEXT = N_("a guess that ignores the sequence")  # the tasks' default chance_text (tasks/base.py)
HINT_EXPLODED = N_("Turn on gradient clipping (clip_mode=norm), lower the learning rate, or use an LSTM/GRU.")


@dataclass(frozen=True)
class Finding:
    """One sentence of the diagnosis. kind: vanishing | carried | growing | exploding | clipping | diverged |
    saturated | memorising | stuck | learning; severity: warning | info | ok."""

    kind: str
    severity: str
    text: Msg
    numbers: dict[str, Any] = field(default_factory=dict)
    hint: Msg | str = ""


def fmt(x: float) -> str:
    """A number as a learner reads it: 0.167, 12.3, 3.1e-12, 2.6e7."""
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0 or 0.01 <= abs(x) < 1000:
        return f"{x:.3g}"
    mant, exp = f"{x:.1e}".split("e")
    return f"{mant.removesuffix('.0')}e{int(exp)}"


def _pct(x: float) -> Msg | str:
    """A share as a percentage that never reads 0% for a small but real number."""
    return Msg(N_("under 1%")) if 0 < x < 0.005 else f"{x:.0%}"


def _then(text: Msg, more: Msg) -> Msg:
    """A sentence followed by another (each said in the reader's language)."""
    return Msg("{text}{more}", text=text, more=more)  # nothing to translate in the joint


def _finite(values) -> list[float]:
    return [float(v) for v in values or [] if v is not None and math.isfinite(v)]


def _cfg(snap: Snapshot, name: str, default: Any = None) -> Any:
    """A field of the run's RunConfig (default: a snapshot without one)."""
    return default if snap.config is None else getattr(snap.config, name)


def _tail_mean(values: list) -> float | None:
    """Mean of the finite values among the last TAIL share of rows."""
    if not values:
        return None
    k = max(1, round(len(values) * TAIL))
    tail = _finite(values[-k:])
    return sum(tail) / len(tail) if tail else None


def diagnose(snap: Snapshot | None) -> list[Finding]:
    """Every finding the snapshot supports, warnings first, its text and hint as Msgs (said by the page).
    A fresh run (no steps yet) gives []."""
    if not snap:
        return []
    checks = (_diverged, _exploding, _vanishing, _saturated, _memorising, _stuck)
    found = [f for check in checks for f in check(snap)]
    if not any(f.severity == "warning" for f in found):
        found += _learning(snap)
    return sorted(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))


# gradients -------------------------------------------------------------------------------------
def _far_and_near(g: list[float], bidirectional: bool) -> tuple[int, float, int]:
    """(index farthest from the loss, the gradient nearest to it, steps between). One-way, the loss
    reads h_T, so step 1 is farthest; both ways, each direction's path starts at one end, so the
    farthest point is the weakest one in between."""
    T = len(g)
    if not bidirectional:
        return 0, g[-1], T - 1
    far = int(np.argmin(g))
    return far, max(g[0], g[-1]), min(far, T - 1 - far)


def _vanishing(snap: Snapshot) -> list[Finding]:
    """Gradient through time: the gradient arriving at the step farthest from the loss against the one nearest to it.
    Only where the loss sits at the end (many-to-one, the seq2seq encoder): with a loss at every step
    each h_t has its own direct path, so a small ∂L/∂h_1 says nothing about memory."""
    kind = snap.task.kind
    if kind not in LOSS_AT_END:
        return []
    probe = snap.latest_probe or {}
    g = list(probe.get("grad_through_time") or [])
    T = len(g)
    if T < 3 or not all(v is not None and math.isfinite(v) for v in g) or max(g) <= 0:
        return []
    bidirectional = bool(_cfg(snap, "bidirectional", False))
    far, near, dist = _far_and_near(g, bidirectional)
    if near <= 0 or dist < 1:
        return []
    ratio = max(g[far], 1e-30) / near
    per_step = ratio ** (1 / dist)
    step = probe.get("step", snap.steps_done)
    # unidirectional: how many steps back the gradient keeps 1% of its size at the end
    back = next((T - 1 - t for t in range(T - 1, -1, -1) if g[t] < 0.01 * near), None)
    numbers = {"ratio": ratio, "per_step": per_step, "T": T, "probe_step": step, "distance": dist}
    radius = probe.get("spectral_radius")
    arch = _cfg(snap, "arch", "rnn")
    if radius is not None and math.isfinite(radius):
        numbers["spectral_radius"] = radius
    values = {"ratio": fmt(ratio), "per_step": per_step, "T": T}
    if bidirectional:
        head = Msg(
            N_(
                "The gradient reaching step {far}, in the middle of the sequence, is {ratio} of its size at the ends "
                "(×{per_step:.2f} per step back)"
            ),
            far=far + 1,
            **values,
        )
    elif back is not None:
        numbers["steps_to_1pct"] = back
        head = Msg(
            N_(
                "The gradient reaching step 1 is {ratio} of the gradient at step {T} (×{per_step:.2f} per step back; "
                "below 1% after {back} steps back)"
            ),
            back=back,
            **values,
        )
    else:
        head = Msg(
            N_("The gradient reaching step 1 is {ratio} of the gradient at step {T} (×{per_step:.2f} per step back)"),
            **values,
        )
    if ratio < VANISHED:
        if arch == "rnn":
            text = Msg(N_("{head}: it vanished, so the first inputs cannot be learned."), head=head)
            if "spectral_radius" in numbers and radius < 1:
                text = _then(
                    text,
                    Msg(
                        N_(
                            " W_hh's spectral radius is {radius:.2f}, below 1, so it shrinks geometrically over"
                            " many steps."
                        ),
                        radius=radius,
                    ),
                )
            hint = Msg(N_("An LSTM or GRU carries the gradient much further; so does a shorter sequence."))
        else:
            text = Msg(N_("{head}: it vanished, so the first inputs cannot be learned yet."), head=head)
            hint = Msg(
                N_(
                    "An {arch} learns to keep its memory open after a while at the chance line: keep training, or "
                    "shorten the sequence."
                ),
                arch=arch.upper(),
            )
        return [Finding("vanishing", "warning", text, numbers, hint)]
    if ratio < FADING:
        text = Msg(N_("{head}: it fades on its way back but still arrives."), head=head)
        hint = Msg(N_("Training on may strengthen it; an RNN rarely does."))
        return [Finding("vanishing", "info", text, numbers, hint)]
    if ratio >= GROWN and not bidirectional:
        text = Msg(
            N_(
                "{head}: it grows toward step 1 — the gradient through time exploded, the mirror image of a vanishing "
                "gradient."
            ),
            head=head,
        )
        return [Finding("growing", "warning", text, numbers, Msg(HINT_EXPLODED))]
    weakest = min(g) / near
    numbers["weakest"] = weakest
    if not bidirectional and weakest < FADING:  # it reaches step 1, but not the whole way strongly: say so
        text = Msg(
            N_("{head}: it reaches step 1, though somewhere in between it falls to {weakest} of its size at step {T}."),
            head=head,
            weakest=fmt(weakest),
            T=T,
        )
        return [Finding("carried", "ok", text, numbers)]
    text = Msg(N_("{head}: it carries back across the whole sequence."), head=head)
    return [Finding("carried", "ok", text, numbers)]


def _norm_rows(snap: Snapshot) -> tuple[list[float], list[float], list[float]]:
    """(steps, norms before clipping, after) of the finite history rows."""
    h = snap.history
    cols = [h.get(c) or [] for c in ("step", "grad_norm", "grad_norm_clipped")]
    n = min(len(c) for c in cols)
    rows = np.array([c[:n] for c in cols], dtype=np.float64).reshape(3, n)  # None -> nan
    rows = rows[:, np.isfinite(rows).all(axis=0)]
    return rows[0].astype(np.int64).tolist(), rows[1].tolist(), rows[2].tolist()


def _biggest_jump(norms: list[float]) -> tuple[int, float, float] | None:
    """(row, jump, level): the row whose norm is the largest multiple of the median of the WINDOW
    rows before it. A jump is measured against what came just before, not the whole run: late in a
    run that has learned, gradients are tiny, and the early ones would otherwise look like spikes."""
    if len(norms) < 2:
        return None
    x = np.asarray(norms, dtype=np.float64)
    head = [statistics.median(norms[:i]) for i in range(1, min(WINDOW, len(x)))]  # fewer than WINDOW rows before
    tail = np.median(np.lib.stride_tricks.sliding_window_view(x[:-1], WINDOW), axis=1) if len(x) > WINDOW else []
    level = np.concatenate([head, tail])  # level[i - 1]: the median of the rows before row i
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(level > 0, x[1:] / level, 0.0)
    i = int(np.argmax(jump))
    return (i + 1, float(jump[i]), float(level[i])) if jump[i] > 0 else None


def _exploding(snap: Snapshot) -> list[Finding]:
    """A sudden jump of the gradient norm, and how often clipping cut it."""
    steps, pre, post = _norm_rows(snap)
    if not pre:
        return []
    clip_mode, clip = _cfg(snap, "clip_mode", "off"), _cfg(snap, "clip", None)
    cut = [b < a * (1 - 1e-6) for a, b in zip(pre, post, strict=True)]
    share = sum(cut) / len(cut)
    numbers: dict[str, Any] = {"clip_mode": clip_mode, "clipped_share": share, "median_norm": statistics.median(pre)}
    clipping = clip_mode != "off" and share > 0
    jump = _biggest_jump(pre)
    if jump is not None and jump[1] >= JUMP:
        i, factor, level = jump
        numbers.update({"jump": factor, "jump_step": steps[i], "max_norm": pre[i], "level_before": level})
        text = Msg(
            N_(
                "At step {step} the gradient norm jumped to {norm}, ×{factor} its level just before ({level}): the "
                "gradient exploded."
            ),
            step=steps[i],
            norm=fmt(pre[i]),
            factor=fmt(factor),
            level=fmt(level),
        )
        if clipping:
            text = _then(
                text,
                Msg(
                    N_(" Clipping ({clip_mode}, {clip}) cut it, in {share:.0%} of the steps so far."),
                    clip_mode=clip_mode,
                    clip=fmt(clip),
                    share=share,
                ),
            )
            return [Finding("exploding", "info", text, numbers, Msg(N_("Clipping is doing its job; keep it on.")))]
        return [Finding("exploding", "warning", text, numbers, Msg(HINT_EXPLODED))]
    if clipping and share >= CLIP_OFTEN:
        text = Msg(
            N_(
                "Clipping ({clip_mode}, {clip}) cut the gradient in {share:.0%} of the steps; its median norm is "
                "{median}, so clipping acts as a smaller learning rate."
            ),
            clip_mode=clip_mode,
            clip=fmt(clip),
            share=share,
            median=fmt(numbers["median_norm"]),
        )
        hint = Msg(N_("Fine while the loss falls; raise the threshold if it crawls."))
        return [Finding("clipping", "info", text, numbers, hint)]
    return []


def _diverged(snap: Snapshot) -> list[Finding]:
    """The run stopped on NaN/Inf: say where, and what the gradient did on the way."""
    if snap.state != RunState.DIVERGED:
        return []
    step = (snap.history.get("step") or [snap.steps_done])[-1]
    _, pre, _ = _norm_rows(snap)
    numbers: dict[str, Any] = {"step": step}
    text = Msg(
        N_("Training stopped at step {step}: the loss or the gradient became NaN/Inf — the gradients exploded."),
        step=step,
    )
    if pre:
        numbers.update({"last_finite_norm": pre[-1], "median_norm": statistics.median(pre)})
        text = _then(
            text,
            Msg(
                N_(" The last finite gradient norm was {norm} (median {median})."),
                norm=fmt(pre[-1]),
                median=fmt(numbers["median_norm"]),
            ),
        )
    if _cfg(snap, "clip_mode", "off") == "off":
        hint = Msg(HINT_EXPLODED)
    else:
        hint = Msg(N_("Lower the learning rate or the clipping threshold, or use an LSTM/GRU."))
    return [Finding("diverged", "warning", text, numbers, hint)]


# units and learning ----------------------------------------------------------------------------
def _saturated(snap: Snapshot) -> list[Finding]:
    """Hidden units pinned where they pass no gradient. A warning while the loss is not falling below the
    chance line (they may be why); once it has, units that settled on firm values are just news."""
    probe = snap.latest_probe or {}
    sat = probe.get("saturation")
    relu = _cfg(snap, "arch") == "rnn" and _cfg(snap, "nonlinearity") == "relu"
    if sat is None or not math.isfinite(sat) or sat < (DEAD_RELU if relu else SATURATED):
        return []
    numbers = {"saturation": sat, "probe_step": probe.get("step")}
    if relu:
        text = Msg(N_("{sat:.0%} of the ReLU activations are 0 (dead units): no gradient flows through them."), sat=sat)
        hint = Msg(N_("Lower the learning rate, or use a smaller init gain or tanh."))
    else:
        text = Msg(
            N_("{sat:.0%} of the hidden activations are pinned near ±1, where tanh passes almost no gradient."),
            sat=sat,
        )
        hint = Msg(N_("Lower the learning rate or the init gain; saturated units learn slowly."))
    if _learning_share(snap) is not None and _learning_share(snap) <= LEARNING:
        text = _then(
            text, Msg(N_(" The loss is already well below the chance line, so they have settled on firm values."))
        )
        return [Finding("saturated", "info", text, numbers, "")]
    return [Finding("saturated", "warning", text, numbers, hint)]


def _learning_share(snap: Snapshot) -> float | None:
    """The latest training loss as a share of the chance line (None without both)."""
    loss, chance_loss = _train_val(snap)[0], snap.task.chance_loss
    return loss / chance_loss if loss is not None and chance_loss else None


def _train_val(snap: Snapshot) -> tuple[float | None, float | None, float | None]:
    """(training loss, training metric) over the last rows, and the validation metric of the probes taken
    over those same steps (at most the last 3; the latest one alone when none fell there). A wider window
    compared a loss still falling fast with validation from hundreds of steps earlier, and called a run
    that was just starting to learn "memorising" when its probes were sparse (a busy machine)."""
    h, v = snap.history, snap.val
    steps, vsteps, vmetric = h.get("step") or [], v.get("step") or [], v.get("metric") or []
    if steps and len(vsteps) == len(vmetric):
        since = steps[-max(1, round(len(steps) * TAIL))]
        recent = [m for s, m in zip(vsteps, vmetric, strict=True) if s >= since][-3:]
        vm = _finite(recent or vmetric[-1:])
    else:
        vm = _finite(vmetric[-3:])
    return _tail_mean(h.get("loss")), _tail_mean(h.get("metric")), (sum(vm) / len(vm) if vm else None)


def _memorising(snap: Snapshot) -> list[Finding]:
    task = snap.task
    metric, chance = task.metric, task.chance
    if not task.finite_data:  # every batch fresh (adding, copy, ...): nothing to memorise
        return []
    _, train, val = _train_val(snap)
    if train is None or val is None or chance is None:
        return []
    numbers = {"train": train, "val": val, "chance": chance, "metric": metric}
    if metric == "mse":
        if train <= 0 or train > MEMO_MSE_TRAIN * chance or val < MEMO_MSE_RATIO * train:
            return []
        text = Msg(
            N_(
                "Training error is {train} but validation error is {val}, ×{factor} as large (chance {chance}): it is "
                "memorising the training data rather than learning the rule."
            ),
            train=fmt(train),
            val=fmt(val),
            factor=fmt(val / train),
            chance=fmt(chance),
        )
    else:
        if train < MEMO_TRAIN or val > chance + MEMO_VAL_MARGIN:
            return []
        text = Msg(
            N_(
                "Training {metric} is {train:.0%} but validation is {val:.0%}, near chance ({chance:.0%}): it is "
                "memorising the training examples, not learning a rule."
            ),
            metric=Msg(METRIC_NAMES.get(metric, metric)),
            train=train,
            val=val,
            chance=chance,
        )
    hint = Msg(N_("More (or fresh) training data, a smaller model, dropout or weight decay."))
    return [Finding("memorising", "warning", text, numbers, hint)]


def _stuck(snap: Snapshot) -> list[Finding]:
    task = snap.task
    chance_loss, chance, metric = task.chance_loss, task.chance, task.metric
    done, total = snap.steps_done or 0, snap.steps_total or _cfg(snap, "steps", 0) or 0
    loss, train_metric, _ = _train_val(snap)
    if loss is None or not chance_loss or done < min(STUCK_MIN_STEPS, STUCK_MIN_SHARE * total):
        return []
    tol = STUCK_TOL["mse" if metric == "mse" else "other"]
    if loss < (1 - tol) * chance_loss or _still_falling(snap.history.get("loss")):
        return []
    if metric != "mse" and train_metric is not None and chance is not None:
        if train_metric > chance + STUCK_METRIC_MARGIN:
            return []
    numbers = {"loss": loss, "chance_loss": chance_loss, "steps": done, "ratio": loss / chance_loss}
    # the task's own words (N_-marked in rnnplay/tasks), translated here
    baseline = Msg(task.chance_text or CHANCE_TEXT)
    values = {"done": done, "loss": fmt(loss), "chance_loss": fmt(chance_loss), "baseline": baseline}
    if loss > (1 + tol) * chance_loss:
        text = Msg(
            N_(
                "After {done} steps the training loss is {loss}, above the chance line ({chance_loss}): the model does "
                "worse than {baseline}."
            ),
            **values,
        )
    else:
        text = Msg(
            N_(
                "After {done} steps the training loss is {loss}, at the chance line ({chance_loss}): the model does no "
                "better than {baseline}."
            ),
            **values,
        )
    hint = Msg(
        task.stuck_hint
        or N_("Check the gradient through time: if it vanished, try an LSTM/GRU; else a different learning rate."),
    )
    return [Finding("stuck", "warning", text, numbers, hint)]


def _still_falling(losses: list | None) -> bool:
    """The last TAIL of the loss rows is clearly below the same number of rows before it."""
    if not losses:
        return False
    k = max(1, round(len(losses) * TAIL))
    now, before = _finite(losses[-k:]), _finite(losses[-2 * k : -k])
    return bool(now and before) and sum(now) / len(now) < (1 - FALLING) * sum(before) / len(before)


def _learning(snap: Snapshot) -> list[Finding]:
    """The panel's reassurance: the loss against the chance line, when nothing is wrong."""
    task = snap.task
    chance_loss = task.chance_loss
    loss, _, val = _train_val(snap)
    done = snap.steps_done or 0
    if loss is None or not chance_loss or done == 0:
        return []
    share = loss / chance_loss
    numbers = {"loss": loss, "chance_loss": chance_loss, "share": share, "steps": done}
    if share <= LEARNING:
        text = Msg(
            N_("The training loss is {loss}, {share} of the chance line ({chance_loss}): it is learning."),
            loss=fmt(loss),
            share=_pct(share),
            chance_loss=fmt(chance_loss),
        )
        if val is not None and task.metric != "mse":
            numbers["val"] = val
            text = _then(
                text,
                Msg(
                    N_(" Validation {metric}: {val:.0%} (chance {chance:.0%})."),
                    metric=Msg(METRIC_NAMES.get(task.metric, task.metric)),
                    val=val,
                    chance=task.chance,
                ),
            )
        return [Finding("learning", "ok", text, numbers)]
    text = Msg(
        N_("After {done} steps the training loss is {loss}, {share} of the chance line ({chance_loss})."),
        done=done,
        loss=fmt(loss),
        share=_pct(share),
        chance_loss=fmt(chance_loss),
    )
    return [Finding("learning", "info", text, numbers)]
