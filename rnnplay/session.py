"""The background training run of one browser session: a thread, its controls, bounded history.

The thread never touches the UI. It steps the Trainer, appends to down-sampled history under a
lock, and probes the model at a cadence that keeps the probes' share of time under a budget. The
UI reads `snapshot()` (copies, taken under the lock) and flips controls: start, pause, resume,
stop, step one batch, reset. `detach()` (the browser went away) pauses and ends the thread after
a grace period unless `attach()` comes first, so a network blip loses nothing.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import traceback

from rnnplay.config import RunConfig
from rnnplay.trainer import DIVERGED_HINT, StepStats, Trainer

COLUMNS = ("step", "loss", "metric", "grad_norm", "grad_norm_clipped", "lr")
# V10 replay frames hold hidden states and gates (T x D*H each): a byte budget on top of probe_rows
# keeps a long, wide run bounded (adding T=50, LSTM H=64: ~77 kB a frame, all probe_rows fit)
FRAMES_BUDGET_BYTES = 48 * 2**20
MIN_PROBE_INTERVAL_S = 0.25  # at most 4 probes a second: the charts redraw twice a second


def thin(rows: list, cap: int) -> list:
    """Every other row once there are more than cap, always keeping the first and the latest."""
    if len(rows) <= cap:
        return rows
    return rows[:1] + rows[2:-1:2] + rows[-1:]


class History:
    """Per-step columns kept to at most `cap` rows: each row is the mean of a bucket of `stride`
    steps; when full, neighbouring rows merge and the stride doubles (P5: memory stays bounded)."""

    def __init__(self, cap: int = 1000):
        self.cap, self.stride = cap, 1
        self.rows: dict[str, list[float]] = {c: [] for c in COLUMNS}
        self._bucket: list[StepStats] = []

    def add(self, s: StepStats) -> None:
        self._bucket.append(s)
        if len(self._bucket) >= self.stride:
            self._flush()

    @staticmethod
    def _append_mean(rows: dict[str, list[float]], bucket: list[StepStats]) -> None:
        """One row for a bucket of steps: its last step number and the mean of every column."""
        rows["step"].append(bucket[-1].step)
        for c in COLUMNS[1:]:
            rows[c].append(sum(getattr(s, c) for s in bucket) / len(bucket))

    def _flush(self) -> None:
        b, self._bucket = self._bucket, []
        self._append_mean(self.rows, b)
        if len(self.rows["step"]) > self.cap:
            for c, v in self.rows.items():
                pairs = [v[i : i + 2] for i in range(0, len(v), 2)]
                self.rows[c] = [p[-1] if c == "step" else sum(p) / len(p) for p in pairs]
            self.stride *= 2

    def copy(self) -> dict[str, list[float]]:
        rows = {c: list(v) for c, v in self.rows.items()}
        if self._bucket:  # the partial bucket too, so the chart shows the latest step
            self._append_mean(rows, self._bucket)
        return rows


class Detachable:
    """What a background trainer (TrainingRun, race.Race) does when its browser session goes away:
    pause at once, and end the thread after a grace period unless the session comes back (a network
    blip). Needs _lock, _cv (a Condition on _lock), _paused, _stop, _expire_at and pause()."""

    def detach(self, grace_s: float = 300.0) -> None:
        """The browser session went away (maybe a blip): pause now, end the thread after grace_s."""
        self.pause()
        with self._lock:
            self._expire_at = time.monotonic() + grace_s
            self._cv.notify_all()

    def attach(self) -> None:
        with self._lock:
            self._expire_at = None

    def _wait_while_paused(self) -> bool:
        """Block the thread while paused; False once it should end (stopped, or detached too long)."""
        with self._lock:
            while self._paused and not self._stop:
                if self._expire_at is not None and time.monotonic() > self._expire_at:
                    self._stop = True
                    break
                self._cv.wait(timeout=1.0)
            return not self._stop


class TrainingRun(Detachable):
    """States: ready -> running <-> paused -> done | stopped | diverged | error."""

    def __init__(
        self,
        config: RunConfig,
        probe_budget: float = 0.08,
        history_cap: int = 1000,
        probe_rows: int = 120,
        min_probe_interval_s: float = MIN_PROBE_INTERVAL_S,
        frames_budget_bytes: int = FRAMES_BUDGET_BYTES,
    ):
        self.config = config
        self.probe_budget, self.probe_rows = probe_budget, probe_rows
        self.min_probe_interval_s = min_probe_interval_s
        self.frames_budget_bytes = frames_budget_bytes
        self._lock = threading.Lock()  # guards everything snapshot() reads
        self._train_lock = threading.Lock()  # one step at a time (thread or step-one click)
        self._cv = threading.Condition(self._lock)
        self._history_cap = history_cap
        self._thread: threading.Thread | None = None
        self._init_state()

    def _init_state(self) -> None:
        self.trainer = Trainer(self.config)
        self.history = History(self._history_cap)
        self.state, self.message = "ready", ""
        self.val: dict[str, list[float]] = {"step": [], "loss": [], "metric": []}
        self.probes: list[dict] = []  # {"step", "grad_through_time"} thinned to probe_rows
        # V5 per probe: spectral radius, and the largest singular values of the first W_hh
        self.spectral: dict[str, list] = {"step": [], "radius": [], "singular": []}
        # V7 per probe: (step, pre-clip norm of each parameter tensor), names in param_names' order
        self.param_norm_rows: list[tuple[int, list[float]]] = []
        self.param_names: list[str] = []
        # V10: what each probe saw (immutable once recorded, so snapshot() shares them uncopied)
        self.frames: list[dict] = []
        self.latest_probe: dict | None = None
        self.task_view: dict | None = None
        self.events: list[tuple[int, str]] = []  # (step, what changed) marked on the loss chart
        self._paused = self._stop = False
        self._expire_at: float | None = None
        self._step_s = self._probe_s = 0.0  # moving averages, for the cadence
        self._last_probe_step, self._last_probe_t = -(10**9), 0.0
        self._t_start, self._steps_at_start = None, 0
        self.steps_per_s = 0.0

    # controls (called from the UI thread; each only flips state) -------------------------------
    def start(self) -> None:
        with self._lock:
            if self.state in ("done", "stopped", "diverged", "error"):
                return
            self._paused, self.state = False, "running"
            if self._thread is None or not self._thread.is_alive():
                # a thread that ended (the grace period after a disconnect ran out) left _stop set
                self._stop, self._expire_at = False, None
                self._t_start, self._steps_at_start = time.perf_counter(), self.trainer.steps_done
                self._thread = threading.Thread(target=self._loop, name="rnnplay-train", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    resume = start

    def pause(self) -> None:
        """Pause, and return once a step already under way has finished: paused means no more steps."""
        with self._lock:
            if self.state == "running":
                self._paused, self.state = True, "paused"
        with self._train_lock:
            pass

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            if self.state in ("running", "paused", "ready"):
                self.state = "stopped" if self.trainer.steps_done else "ready"
            self._cv.notify_all()
        self.join()

    def join(self, timeout: float = 10.0) -> None:
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def reset(self, config: RunConfig | None = None) -> None:
        """Stop the thread and start afresh, with a new configuration if one is given."""
        self.stop()
        with self._train_lock:
            self.config = config or self.config
            self._thread = None
            self._init_state()

    def step_one(self) -> StepStats | None:
        """One batch, now, in the caller's thread: only while ready or paused."""
        with self._lock:
            if self.state not in ("ready", "paused"):
                return None
            if self.state == "ready":
                self.state = "paused"
                self._paused = True
        return self._step(force_probe=True)

    def set_lr(self, lr: float) -> None:
        with self._train_lock:
            self.trainer.set_lr(lr)
            self._mark(f"lr={lr:g}")

    def set_clip(self, clip_mode: str, clip: float) -> None:
        with self._train_lock:
            self.trainer.set_clip(clip_mode, clip)
            self._mark(f"clip={clip_mode}" + (f" {clip:g}" if clip_mode != "off" else ""))

    @contextlib.contextmanager
    def between_steps(self):
        """Hold off training while the caller uses the model (a forward pass, a copy of the weights,
        loading new ones): the model is shared with the training thread, which steps it in place."""
        with self._train_lock:
            yield self.trainer

    def try_it(self, text: str) -> dict:
        """V6 on the learner's own input, with the current weights, between two training steps.
        ValueError for bad input, with its message."""
        with self.between_steps():
            return self.trainer.task.try_it(self.trainer.model, self.trainer.device, text)

    def _mark(self, what: str) -> None:
        with self._lock:
            self.events.append((self.trainer.steps_done, what))
            self.config = self.trainer.config

    # the thread -------------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while self._wait_while_paused():
                stats = self._step()
                if stats is None or self.state in ("done", "diverged"):
                    return
        except Exception as e:  # noqa: BLE001 - a crash must reach the UI, not vanish with the thread
            self._fail(e)

    def _fail(self, e: Exception) -> None:
        with self._lock:
            self.state, self.message = "error", f"{type(e).__name__}: {e}"
            self.traceback = traceback.format_exc()

    # driven by another thread (a Race steps several runs in turn) --------------------------------
    def begin_driven(self) -> None:
        """Mark running for a driver that calls advance(); this run starts no thread of its own."""
        with self._lock:
            if self.state in ("done", "stopped", "diverged", "error"):
                return
            self._paused, self._stop, self._expire_at, self.state = False, False, None, "running"
            self._t_start, self._steps_at_start = time.perf_counter(), self.trainer.steps_done

    def advance(self) -> StepStats | None:
        """One step (and its probe when due) in the caller's thread, only while running: a pause()
        that returned is never followed by a step. A crash ends this run alone, as state "error"."""
        try:
            return self._step(require_running=True)
        except Exception as e:  # noqa: BLE001 - one failing run must not take the others down
            self._fail(e)
            return None

    def _step(self, force_probe: bool = False, require_running: bool = False) -> StepStats | None:
        with self._train_lock:
            tr = self.trainer
            if tr.steps_done >= self.config.steps or tr.diverged or (require_running and self.state != "running"):
                return None
            stats = tr.step()
            self._step_s = stats.seconds if self._step_s == 0 else 0.95 * self._step_s + 0.05 * stats.seconds
            last = stats.step >= self.config.steps
            probe = None
            if force_probe or last or stats.diverged or self._probe_due(stats.step):
                t0 = time.perf_counter()
                probe = self._probe(tr, stats.diverged)
                dt = time.perf_counter() - t0
                self._probe_s = dt if self._probe_s == 0 else 0.7 * self._probe_s + 0.3 * dt
                self._last_probe_step, self._last_probe_t = stats.step, time.monotonic()
            with self._lock:
                self.history.add(stats)
                if probe is not None:
                    self._record_probe(probe)
                if self._t_start is not None and self.state == "running":
                    elapsed = time.perf_counter() - self._t_start
                    self.steps_per_s = (tr.steps_done - self._steps_at_start) / max(elapsed, 1e-9)
                if stats.diverged:
                    self.state, self.message = "diverged", f"step {stats.step}: {DIVERGED_HINT}"
                elif last:
                    self.state, self.message = "done", f"finished {stats.step} steps"
            return stats

    def _probe_due(self, step: int) -> bool:
        """Probe when its cost stays within the budget: probe_s <= budget * interval * step_s."""
        if self._step_s == 0 or self._probe_s == 0:
            return True
        interval = max(1, math.ceil(self._probe_s / (self.probe_budget * self._step_s)))
        return (
            step - self._last_probe_step >= interval
            and time.monotonic() - self._last_probe_t >= self.min_probe_interval_s
        )

    def _probe(self, tr: Trainer, diverged: bool) -> dict:
        if diverged:
            return {"step": tr.steps_done, "val": None}
        p = tr.probe()
        p["val"] = tr.evaluate()
        p["task_view"] = tr.task_view()
        return p

    def _record_probe(self, p: dict) -> None:
        if p.get("val") is None:
            return
        step = p["step"]
        self.val["step"].append(step)
        self.val["loss"].append(p["val"][0])
        self.val["metric"].append(p["val"][1])
        self.spectral["step"].append(step)
        self.spectral["radius"].append(p["spectral_radius"])
        self.spectral["singular"].append(p.get("singular_values", []))
        self.probes.append({"step": step, "grad_through_time": p["grad_through_time"]})
        if len(self.probes) > self.probe_rows:  # keep the first, thin the rest evenly
            self.probes = self.probes[:1] + self.probes[2::2]
        norms = p.get("param_norms") or {}
        if norms:
            if list(norms) != self.param_names:  # the first probe, or a parameter new to this one
                self.param_names += [n for n in norms if n not in self.param_names]
            self.param_norm_rows.append((step, [norms.get(n, math.nan) for n in self.param_names]))
            self.param_norm_rows = thin(self.param_norm_rows, self.probe_rows)
        self._record_frame(p)
        self.latest_probe = p
        self.task_view = p["task_view"]

    def _record_frame(self, p: dict) -> None:
        """V10: keep what this probe saw, within probe_rows frames and the byte budget."""
        frame = {
            "step": p["step"],
            "grad_through_time": p["grad_through_time"],
            "hidden": p["hidden"],
            "input_labels": p["input_labels"],
            "saturation": p["saturation"],
        }
        self.frames.append(frame)
        size = sum(a.nbytes for a in frame["hidden"].values()) + 8 * len(p["grad_through_time"])
        cap = max(2, min(self.probe_rows, self.frames_budget_bytes // max(size, 1)))
        self.frames = thin(self.frames, cap)

    # what the UI reads ------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """A consistent copy of everything the charts draw; safe to use after the lock is gone."""
        tr = self.trainer
        with self._lock:
            return {
                "config": self.config,
                "state": self.state,
                "message": self.message,
                "steps_done": tr.steps_done,
                "steps_total": self.config.steps,
                "steps_per_s": self.steps_per_s,
                "history": self.history.copy(),
                "val": {k: list(v) for k, v in self.val.items()},
                "probes": list(self.probes),
                "spectral": {k: list(v) for k, v in self.spectral.items()},
                "param_norms": {
                    "step": [r[0] for r in self.param_norm_rows],
                    "names": list(self.param_names),
                    # a row recorded before a name appeared is shorter: pad, so every row has every name
                    "values": [r[1] + [math.nan] * (len(self.param_names) - len(r[1])) for r in self.param_norm_rows],
                },
                "frames": list(self.frames),
                "latest_probe": self.latest_probe,
                "task_view": self.task_view,
                "events": list(self.events),
                "task": {
                    "name": tr.task.name,
                    "metric": tr.task.metric,
                    "chance": tr.task.chance,
                    "chance_loss": tr.task.chance_loss,
                    "kind": tr.task.kind,
                    "chance_text": tr.task.chance_text,
                    "stuck_hint": tr.task.stuck_hint,
                },
            }

    @property
    def is_active(self) -> bool:
        return self.state == "running"
