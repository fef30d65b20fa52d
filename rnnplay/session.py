"""The background training run of one browser session: a thread, its controls, bounded history.

The thread never touches the UI. It steps the Trainer, appends to down-sampled history under a
lock, and probes the model at a cadence that keeps the probes' share of time under a budget. The
UI reads `snapshot()` (taken under the lock; rebuilt only for the parts that changed since the last
one, its lists shared read-only between snapshots) and flips controls: start, pause, resume,
stop, step one batch, reset. `detach()` (the browser went away) pauses and ends the thread at once;
the run keeps its state, so `attach()` and Resume go on from the same step (a network blip loses
nothing). On a shared server the run steps only while it holds one of hosted.ADMISSION's slots.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
import time
import traceback

import torch

from rnnplay import cost, hosted
from rnnplay import store as run_store
from rnnplay.config import RunConfig
from rnnplay.i18n import N_
from rnnplay.trainer import DIVERGED_HINT, StepStats, Trainer

COLUMNS = ("step", "loss", "metric", "grad_norm", "grad_norm_clipped", "lr")
# a run's state (TrainingRun.state) in words, for the pages that list runs (shown with tr)
STATE_WORDS = {
    "ready": N_("ready"),
    "queued": N_("queued"),
    "running": N_("running"),
    "paused": N_("paused"),
    "done": N_("done"),
    "stopped": N_("stopped"),
    "diverged": N_("diverged"),
    "error": N_("error"),
}
# V10 replay frames hold hidden states and gates (T x D*H each): a byte budget on top of probe_rows
# keeps a long, wide run bounded (adding T=50, LSTM H=64: ~77 kB a frame, all probe_rows fit)
FRAMES_BUDGET_BYTES = 48 * 2**20
MIN_PROBE_INTERVAL_S = 0.25  # at most 4 probes a second: a validation point and a heatmap row each
# the probes' share of training time; issue 6 asks (c) >= 0.85 x a plain loop, and the forced last probe
# comes on top of it: 6% leaves room on a noisy machine (8% gave copy's defaults 0.86, measured)
PROBE_BUDGET = 0.06
VIEW_EVERY_S = 1.0  # the task view (only its latest is drawn) at most once a second, and at the last step
# R7: a run with a store saves itself this often while it trains (and when it ends); the saved replay
# frames are thinned to this many bytes, so a save stays a few milliseconds
SAVE_EVERY_S = float(os.environ.get("RNNPLAY_SAVE_EVERY_S", "5"))
STORE_FRAMES_BYTES = 4 * 2**20


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


FINISHED = ("done", "stopped", "diverged", "error")


class Detachable:
    """What a background trainer (TrainingRun, race.Race) shares on a hosted server (R3, R4, R6).

    Its place among the server's trainings (hosted.ADMISSION): it holds a slot only while it is actually
    stepping; with no free slot it is "queued" and its thread waits (no polling) for its turn. Pausing,
    stopping, finishing, failing or its thread ending gives the slot back.
    When its browser session goes away (detach) it pauses at once and its thread ends (after grace_s,
    none by default); the run keeps its state, so attach() then start() trains on from the same step in
    a new thread. A run nobody has looked at (no snapshot() or control) for RNNPLAY_IDLE_PAUSE_S pauses.
    Needs _lock, _cv (a Condition on _lock), _paused, _stop, state, message, message_args, _loop(),
    _steps_so_far(), _restart_clock() and pause(notice, notice_args)."""

    thread_name = "rnnplay-train"

    def _init_hosting(self) -> None:
        self._expire_at: float | None = None
        # each thread has a number; the one that decided to end is marked, so start() never counts on it
        self._gen = getattr(self, "_gen", 0)
        self._ending_gen = self._gen
        self._last_seen = time.monotonic()
        self._idle_s = 0

    def detach(self, grace_s: float = 0.0) -> None:
        """The browser session went away (a closed tab, or a blip): pause now, end the thread after grace_s."""
        self.pause(notice=hosted.DETACHED_TEXT)
        with self._lock:
            self._expire_at = time.monotonic() + grace_s
            self._cv.notify_all()

    def attach(self) -> None:
        with self._lock:
            self._expire_at = None
            self._last_seen = time.monotonic()

    def _touch(self) -> None:
        """Someone looked at the run (a snapshot, a control): it is not idle."""
        self._last_seen = time.monotonic()

    def _over_budget(self) -> list[str]:
        """What this trainer would cost over the server's budget (rnnplay.cost; English messages)."""
        raise NotImplementedError

    def _refused_over_budget(self) -> bool:
        """Under _lock: True, with the message saying why, when the server's budget refuses this trainer.
        The pages refuse such a configuration before (with every cap of hosted.check_caps); this holds
        for every other way in. The steps cap is the pages' alone: many steps cost no more per step."""
        problems = self._over_budget()
        if problems:
            self.message, self.message_args = hosted.OVER_BUDGET_TEXT, {"problem": problems[0]}
        return bool(problems)

    def _take_one_slot(self) -> bool:
        """step_one()'s part, under _lock: a slot for one batch, now, or the busy message. Stepping one
        batch is training too: it takes a slot as Train does, but never waits in line for one."""
        if self._refused_over_budget():
            return False
        if not hosted.ADMISSION.take_now(self):
            self.message, self.message_args = hosted.STEP_BUSY_TEXT, hosted.ADMISSION.busy_args()
            return False
        if self.message in (hosted.STEP_BUSY_TEXT, hosted.OVER_BUDGET_TEXT, hosted.REFUSED_TEXT):
            self.message, self.message_args = "", {}
        return True

    def _admit(self) -> bool:
        """start()'s part, under _lock: ask for a slot. True when the run goes on (running or queued);
        False when the server refused it (the message says why; the state stays as it was)."""
        if self._refused_over_budget():
            return False
        decision = hosted.ADMISSION.request(self)
        if decision == hosted.REFUSED:
            self.message, self.message_args = hosted.REFUSED_TEXT, hosted.ADMISSION.refusal_args()
            return False
        self._paused = False
        self.state = "running" if decision == hosted.ADMITTED else "queued"
        self.message, self.message_args = "", {}
        self._restart_clock()
        t = self._thread
        if t is None or not t.is_alive() or self._ending_gen == self._gen:
            self._gen += 1
            self._stop, self._expire_at = False, None
            self._idle_s = hosted.caps().idle_pause_s
            self._thread = threading.Thread(
                target=self._thread_main, args=(self._gen,), name=self.thread_name, daemon=True
            )
            self._thread.start()
        self._last_seen = time.monotonic()
        self._cv.notify_all()
        return True

    def _thread_main(self, gen: int) -> None:
        try:
            hosted.set_torch_threads()
            self._loop()
        finally:  # however the thread ends (done, diverged, an exception, detached): no slot stays taken
            with self._lock:
                if self._gen == gen:
                    self._ending_gen = gen
                    hosted.ADMISSION.release(self)
                    if self.state == "queued":
                        self.state = "paused" if self._steps_so_far() else "ready"

    def _leave_slot_paused(self, notice: str | None, notice_args: dict | None) -> bool:
        """pause()'s part, under _lock: running or queued -> paused (ready when it never stepped)."""
        if self.state not in ("running", "queued"):
            return False
        self._paused = True
        self.state = "paused" if self._steps_so_far() or self.state == "running" else "ready"
        if notice:
            self.message, self.message_args = notice, dict(notice_args or {})
        return True

    def _wait_while_paused(self) -> bool:
        """Block the thread while paused; False once it should end (stopped, finished, or detached)."""
        with self._lock:
            while not self._stop and self.state not in FINISHED:
                if self._expire_at is not None and self._paused and time.monotonic() >= self._expire_at:
                    break
                if not self._paused and self.state in ("running", "queued"):
                    return True
                timeout = 1.0 if self._expire_at is None else max(0.0, min(1.0, self._expire_at - time.monotonic()))
                self._cv.wait(timeout=timeout)
            self._ending_gen = self._gen
            return False

    def _await_slot(self) -> bool:
        """Before each step: True when this run holds a slot and may step. While the server is full it is
        "queued" and waits for its turn; False when it should not step (paused, stopped, idle too long)."""
        while True:
            with self._lock:
                if self._paused or self._stop or self.state not in ("running", "queued"):
                    return False
                idle = self._idle_s and time.monotonic() - self._last_seen > self._idle_s
                if not idle:
                    decision = hosted.ADMISSION.request(self)  # holds one already: admitted at once
                    if decision == hosted.ADMITTED:
                        if self.state == "queued":
                            self.state = "running"
                            self._restart_clock()
                        return True
                    if decision == hosted.REFUSED:  # lost its place (a pause raced a resume): Resume asks again
                        self._leave_slot_paused(hosted.REFUSED_TEXT, hosted.ADMISSION.refusal_args())
                        return False
                    self.state = "queued"
            if idle:
                args = {"seconds": self._idle_s, "env": "RNNPLAY_IDLE_PAUSE_S"}
                self.pause(notice=hosted.IDLE_TEXT, notice_args=args)
                with self._lock:  # and the thread ends, as after a disconnect (R3); Resume starts a new one
                    self._expire_at = time.monotonic()
                return False
            hosted.ADMISSION.wait(self, timeout=min(self._idle_s or 60, 60))

    def _queue_fields(self) -> dict:
        """For snapshot(), under _lock: where a queued run stands (1-based) and how long the queue is."""
        pos = hosted.ADMISSION.position(self) if self.state == "queued" else None
        return {"queue_position": pos[0] if pos else None, "queue_length": pos[1] if pos else None}


class TrainingRun(Detachable):
    """States: ready -> (queued ->) running <-> paused -> done | stopped | diverged | error.
    "queued": started, waiting for a free slot on this server (hosted.ADMISSION)."""

    store: run_store.RunStore | None = None  # R7: where the run saves itself; None keeps it in memory only
    owner: str = ""  # who the run belongs to in the store (its quota, and who may take it back after a restart)

    def __init__(
        self,
        config: RunConfig,
        probe_budget: float = PROBE_BUDGET,
        history_cap: int = 1000,
        probe_rows: int = 120,
        min_probe_interval_s: float = MIN_PROBE_INTERVAL_S,
        frames_budget_bytes: int = FRAMES_BUDGET_BYTES,
        probes: bool = True,
        fetch_every: int | None = None,
    ):
        """probes=False: never probe (V3-V7, validation, the task view stay empty); history, saving and
        admission as usual. The benchmark's "probes off" column trains this way.
        fetch_every: Trainer's (None: batched on a GPU, per step on a CPU; tests force the batched mode)."""
        self.config = config
        self.probes_on = probes
        self.fetch_every = fetch_every
        self.probe_budget, self.probe_rows = probe_budget, probe_rows
        self.min_probe_interval_s = min_probe_interval_s
        self.frames_budget_bytes = frames_budget_bytes
        self._lock = threading.Lock()  # guards everything snapshot() reads
        self._recorded = threading.Condition(self._lock)  # notified when steps reach the history
        self._train_lock = threading.Lock()  # one step at a time (thread or step-one click)
        self._write_lock = threading.Lock()  # one save at a time: each names the version the last one wrote
        # the stored row's version this run last read or wrote, by id (a reset gives a new id; a record of
        # the old one may still be on its way); an id missing here was never saved
        self._versions: dict[str, int] = {}
        self._cv = threading.Condition(self._lock)
        self._history_cap = history_cap
        self._thread: threading.Thread | None = None
        self._init_state()

    def _init_state(self) -> None:
        self.trainer = Trainer(self.config, fetch_every=self.fetch_every)
        self.history = History(self._history_cap)
        self.state, self.message = "ready", ""
        # the message is an English template (N_) and its fields: this thread has no language, the
        # page translates it (S4); snapshot() gives both and the English text
        self.message_args: dict = {}
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
        self._init_hosting()
        self._step_s = self._probe_s = 0.0  # moving averages, for the cadence
        # the probes' budget as a bucket: each step adds budget x its time, each probe takes its own time
        # out (the first, the last and forced ones too), so over the run probes cost <= budget (+ one probe)
        self._probe_credit = 0.0
        self._last_probe_step, self._last_probe_t, self._last_view_t = -(10**9), 0.0, -math.inf
        # what snapshot() hands out, rebuilt only when its part changed (a step, a probe, an event)
        self._hist_ver = self._probe_ver = 0
        self._recorded_step = 0  # the latest step in the history (wait_for_step)
        self._snap_hist: tuple[int, dict] | None = None
        self._snap_probe: tuple[int, dict] | None = None
        self._snap_task: dict | None = None
        self._t_start, self._steps_at_start = None, 0
        self.steps_per_s = 0.0
        # R7: a new id for every fresh start (reset too); from_record puts the stored one back
        self.id, self.created = run_store.new_run_id(), time.time()
        self._saved_at, self.save_error = -math.inf, ""
        self.save_stats = {"saves": 0, "seconds": 0.0, "last_ms": 0.0, "bytes": 0, "step": None}
        self.forked_from: str | None = None  # the id a save found saved by another writer: the run went on as a copy

    # controls (called from the UI thread; each only flips state) -------------------------------
    def start(self) -> None:
        """Train (or resume) in the background thread, a new one if the last ended (a detach). With no free
        slot on the server the run is "queued" and starts when its turn comes; with the queue full it is
        refused and keeps its state, its message saying why (hosted)."""
        with self._lock:
            self._touch()
            if self.state in FINISHED:
                return
            self._admit()

    resume = start

    def wait_for_step(self, after: int, timeout: float) -> bool:
        """Wait until a step past `after` is in the history (what the charts draw), at most `timeout` s,
        and only while the run is running (a queued run's first step may be minutes away). P3: the page
        run that Train starts then draws the first point, instead of the live view's next tick."""
        with self._lock:
            return (
                self._recorded.wait_for(lambda: self._recorded_step > after or self.state != "running", timeout=timeout)
                and self._recorded_step > after
            )

    def pause(self, notice: str | None = None, notice_args: dict | None = None) -> None:
        """Pause, and return once a step already under way has finished: paused means no more steps.
        Its slot goes to the next run in the queue. notice: why, when it was not the learner (N_ text)."""
        with self._lock:
            self._leave_slot_paused(notice, notice_args)
        with self._train_lock:  # a step under way ends first; what the device still holds reaches the history
            self._sync_pending()
        hosted.ADMISSION.release(self)

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            if self.state in ("running", "paused", "ready", "queued"):
                self.state = "stopped" if self.trainer.steps_done else "ready"
            self._cv.notify_all()
        hosted.ADMISSION.release(self)
        self.join()
        with self._train_lock:
            self._sync_pending()

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

    def step_one(self, take_slot: bool = True) -> StepStats | None:
        """One batch, now, in the caller's thread: only while ready or paused. It holds one of the server's
        slots while it steps, or is refused with the busy message when none is free (take_slot=False: the
        caller, a race, holds one for it)."""
        with self._lock:
            self._touch()
            if self.state not in ("ready", "paused"):
                return None
            if take_slot and not self._take_one_slot():
                return None
            if self.state == "ready":
                self.state = "paused"
                self._paused = True
        try:
            done = self._step(force_probe=True)
        finally:
            if take_slot:
                hosted.ADMISSION.release(self)
        return done[-1] if done else None

    def set_lr(self, lr: float) -> None:
        with self._train_lock:
            self._sync_pending()  # P4: a divergence found later rolls back no further than this change
            self.trainer.set_lr(lr)
            self._mark(f"lr={lr:g}")

    def set_clip(self, clip_mode: str, clip: float) -> None:
        with self._train_lock:
            self._sync_pending()
            self.trainer.set_clip(clip_mode, clip)
            self._mark(f"clip={clip_mode}" + (f" {clip:g}" if clip_mode != "off" else ""))

    @contextlib.contextmanager
    def between_steps(self):
        """Hold off training while the caller uses the model (a forward pass, a copy of the weights,
        loading new ones): the model is shared with the training thread, which steps it in place."""
        with self._train_lock:
            self._sync_pending()  # new weights loaded here start a new batch (P4's rollback point)
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
                if not self._await_slot():
                    continue  # paused, stopped or idle: wait (or end) above
                done = self._step(require_running=True)  # a pause() that returned is never followed by a step
                if self.state in ("done", "diverged") or (done is None and self.state == "running"):
                    return
        except Exception as e:  # noqa: BLE001 - a crash must reach the UI, not vanish with the thread
            self._fail(e)

    def _steps_so_far(self) -> int:
        return self.trainer.steps_done

    def _over_budget(self) -> list[str]:
        return cost.check_cost(self.config)

    def _restart_clock(self) -> None:
        """steps/s counts from the moment the run (re)starts stepping."""
        self._t_start, self._steps_at_start = time.perf_counter(), self.trainer.steps_done

    def _fail(self, e: Exception) -> None:
        with self._lock:
            self.state, self.message = "error", f"{type(e).__name__}: {e}"
            self.message_args = {}
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
            done = self._step(require_running=True)
        except Exception as e:  # noqa: BLE001 - one failing run must not take the others down
            self._fail(e)
            return None
        return done[-1] if done else None

    def _step(self, force_probe: bool = False, require_running: bool = False) -> list[StepStats] | None:
        """One training step (and a probe when due). Returns the steps whose statistics arrived (on a GPU
        they come in batches, so often []), None when no step could be taken."""
        with self._train_lock:
            tr = self.trainer
            if tr.steps_done >= self.config.steps or tr.diverged or (require_running and self.state != "running"):
                self._sync_pending()
                return None
            last = tr.steps_done + 1 >= self.config.steps
            due = self.probes_on and (force_probe or last or self._probe_due())
            # per step (a CPU): Trainer.step(); batched (a GPU, P4): advance() fetches every few steps
            done = [tr.step()] if tr.fetch_every == 1 else tr.advance(fetch=last or due or force_probe)
            if not done:
                return done
            for s in done:
                self._step_s = s.seconds if self._step_s == 0 else 0.95 * self._step_s + 0.05 * s.seconds
                self._probe_credit = min(
                    self._probe_credit + self.probe_budget * s.seconds, max(self._probe_s, 0.0) * 2
                )
            end = done[-1]
            probe, absorbed = None, False
            if due and not end.diverged:
                if not last:  # P3: the charts get the step now, the probe's charts when it is done
                    self._absorb(done, None)
                    absorbed = True
                t0 = time.perf_counter()
                probe = self._probe(
                    tr, view=force_probe or last or time.monotonic() - self._last_view_t >= VIEW_EVERY_S
                )
                dt = time.perf_counter() - t0
                self._probe_s = dt if self._probe_s == 0 else 0.7 * self._probe_s + 0.3 * dt
                self._probe_credit -= dt
                self._last_probe_step, self._last_probe_t = end.step, time.monotonic()
            self._absorb([] if absorbed else done, probe, end)
            last = end.step >= self.config.steps
            if self.store is not None and (last or end.diverged or time.monotonic() - self._saved_at >= SAVE_EVERY_S):
                self._write(self._record())  # R7: between two steps, in the thread that steps
            return done

    def _absorb(self, done: list[StepStats], probe: dict | None, end: StepStats | None = None) -> None:
        """Steps whose statistics arrived (none: already absorbed before their probe), and this step's
        probe, into what the charts read. end: the latest step taken (done[-1] when not given)."""
        tr = self.trainer
        end = end or done[-1]
        with self._lock:
            if done:
                for s in done:
                    self.history.add(s)
                self._hist_ver += 1
                self._recorded_step = done[-1].step
                self._recorded.notify_all()
            if probe is not None:
                self._record_probe(probe)
            if self._t_start is not None and self.state == "running":
                elapsed = time.perf_counter() - self._t_start
                self.steps_per_s = (tr.steps_done - self._steps_at_start) / max(elapsed, 1e-9)
            if end.diverged:
                self.state, self.message = "diverged", N_("step {step}: {hint}")
                self.message_args = {"step": end.step, "hint": DIVERGED_HINT}
            elif end.step >= self.config.steps:
                self.state, self.message = "done", N_("finished {n} steps")
                self.message_args = {"n": end.step}

    def _sync_pending(self) -> None:
        """The caller holds _train_lock: statistics the device still holds (P4's batches) into the history,
        so that a paused, stopped or saved run shows every step it took."""
        if self.trainer._pending:
            self._absorb(self.trainer.flush(), None)

    def _probe_due(self) -> bool:
        """Probe when the budget holds it (the bucket has its cost) and min_probe_interval_s has gone by."""
        if self._step_s == 0 or self._probe_s == 0:
            return True  # the first probe: its charts appear at once, and it measures the cost
        return (
            self._probe_credit >= self._probe_s and time.monotonic() - self._last_probe_t >= self.min_probe_interval_s
        )

    def _probe(self, tr: Trainer, view: bool = True) -> dict:
        """V3-V7 and validation; the task view only when asked (it shows the latest alone, and for some
        tasks costs as much as all the rest: sine's forecast 19 ms, random's accuracy on its pool 9 ms)."""
        p = tr.probe()
        p["val"] = tr.evaluate()
        if view:
            p["task_view"] = tr.task_view()
            self._last_view_t = time.monotonic()
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
        if "task_view" in p:
            self.task_view = p["task_view"]
        else:  # the latest probe carries the latest view, as the pages read it from there too
            p["task_view"] = self.task_view
        self._probe_ver += 1
        for rows in (self.val, self.spectral):  # P5: bounded like the history
            if len(rows["step"]) > self._history_cap:
                for k, v in rows.items():
                    rows[k] = thin(v, self._history_cap)

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
        """Everything the charts draw, consistent and safe to use after the lock is gone. Every live redraw
        calls it, so it copies nothing that did not change: the history's copy is rebuilt only after a
        step, the probes' part only after a probe, and the lists in them are never changed afterwards
        (new steps make new lists), so snapshots share them. Treat them as read-only; the dicts are new."""
        tr = self.trainer
        with self._lock:
            self._touch()  # someone is looking: not idle (hosted)
            if self._snap_hist is None or self._snap_hist[0] != self._hist_ver:
                self._snap_hist = (self._hist_ver, self.history.copy())
            if self._snap_probe is None or self._snap_probe[0] != self._probe_ver:
                self._snap_probe = (self._probe_ver, self._probe_part())
            if self._snap_task is None:
                t = tr.task
                self._snap_task = {
                    "name": t.name,
                    "metric": t.metric,
                    "chance": t.chance,
                    "chance_loss": t.chance_loss,
                    "kind": t.kind,
                    "chance_text": t.chance_text,
                    "stuck_hint": t.stuck_hint,
                    "finite_data": t.finite_data,
                    "chance_label": t.chance_label,
                    "dataset_len": t.dataset_len,  # None: no epochs
                }
            part = self._snap_probe[1]
            return {
                "config": self.config,
                "state": self.state,
                **self._queue_fields(),  # queue_position (1-based) and queue_length while "queued"
                "message": self.message.format(**self.message_args) if self.message_args else self.message,
                "message_template": self.message,
                "message_args": dict(self.message_args),
                "steps_done": tr.steps_done,
                "steps_total": self.config.steps,
                "steps_per_s": self.steps_per_s,
                "history": dict(self._snap_hist[1]),
                "val": dict(part["val"]),
                "probes": part["probes"],
                "spectral": dict(part["spectral"]),
                "param_norms": dict(part["param_norms"]),
                "frames": part["frames"],
                "latest_probe": self.latest_probe,
                "task_view": self.task_view,
                "events": list(self.events),
                "task": dict(self._snap_task),
            }

    def _probe_part(self) -> dict:
        """snapshot()'s copy of what the probes recorded (under _lock), made once per probe."""
        return {
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
        }

    @property
    def is_active(self) -> bool:
        return self.state == "running"

    # R7: the run as a stored record, and back -------------------------------------------------
    def to_record(self) -> dict:
        """Everything needed to reopen this run and train on exactly as if it had never stopped:
        config, state, history and probes, weights, optimizer state, step count, RNG states. Taken
        between two steps (under the training lock), so weights and history agree."""
        with self._train_lock:
            return self._record()

    def _record(self) -> dict:
        """to_record's body; the caller holds _train_lock (the training thread calls it mid-_step).
        Only _step and _mark change what is read here, both under that lock: _lock is taken just for
        the fields the UI's controls flip (state, message, config)."""
        tr = self.trainer
        self._sync_pending()  # P4: the history holds every step the weights have taken
        with self._lock:
            state, message, message_args, config = self.state, self.message, dict(self.message_args), self.config
        rng = {"data": tr.gen.get_state(), "torch": torch.get_rng_state()}
        if tr.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(tr.device)
        body = {
            "model": tr.model.state_dict(),
            "optimizer": tr.optimizer.state_dict(),
            "rng": rng,
            "trainer": {
                "steps_done": tr.steps_done,
                "diverged": tr.diverged,
                "clip_mode": tr.clip_mode,
                "clip": tr.clip,
            },
            "message": message,  # a template or an i18n.Msg: translated where it is shown
            "message_args": message_args,
            "history": {
                "stride": self.history.stride,
                "rows": self.history.rows,
                "bucket": [vars(s) for s in self.history._bucket],
            },
            "val": self.val,
            "probes": self.probes,
            "spectral": self.spectral,
            "param_norm_rows": self.param_norm_rows,
            "param_names": self.param_names,
            "frames": self._frames_to_store(),
            "latest_probe": self.latest_probe,
            "task_view": self.task_view,
            "events": self.events,
        }
        tensors: dict = {}
        data = run_store.encode(body, tensors)  # copies every tensor: training may go on at once
        from rnnplay.export import config_json

        return {
            "id": self.id,
            "created": self.created,
            "task": config.task,
            "state": state,
            "message": str(message),
            "steps_done": tr.steps_done,
            "config": config_json(config),
            "data": data,
            "tensors": tensors,
            "owner": self.owner,
        }

    def _frames_to_store(self) -> list[dict]:
        """The replay frames (V10), thinned (first and latest kept) to STORE_FRAMES_BYTES."""
        frames = list(self.frames)

        def size(fs):
            return sum(a.nbytes for f in fs for a in f["hidden"].values())

        while len(frames) > 2 and size(frames) > STORE_FRAMES_BYTES:
            frames = thin(frames, len(frames) - 1)
        return frames

    @classmethod
    def from_record(cls, record: dict, **kwargs) -> TrainingRun:
        """A run rebuilt from RunStore.load(): same id, weights, optimizer state, step count, RNG
        states and history. A run that was training comes back paused (Resume continues it);
        done, stopped and diverged runs come back as they were. StoreError if the record is unusable."""
        from rnnplay.export import load_config_json

        try:
            config = load_config_json(record["config"])
        except (ValueError, TypeError) as e:
            raise run_store.StoreError(f"run {record.get('id')}: its stored configuration is unusable: {e}") from None
        run = cls(config, **kwargs)
        try:
            run._restore(record)
        except run_store.StoreError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as e:
            raise run_store.StoreError(
                f"run {record.get('id')}: its stored state does not fit its configuration ({type(e).__name__}: {e})"
            ) from None
        return run

    def _restore(self, record: dict) -> None:
        tensors, data = record["tensors"], record["data"]
        tr = self.trainer
        tr.model.load_state_dict(run_store.decode(data["model"], tensors, as_numpy=False))
        opt = run_store.decode(data["optimizer"], tensors, as_numpy=False)
        opt["state"] = {int(k): v for k, v in opt["state"].items()}  # JSON made the parameter indices strings
        tr.optimizer.load_state_dict(opt)
        rng = run_store.decode(data["rng"], tensors, as_numpy=False)
        tr.gen.set_state(rng["data"])
        # the process-wide generator draws teacher forcing and dropout; Trainer() has just reseeded it anyway
        torch.set_rng_state(rng["torch"])
        if "cuda" in rng and tr.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], tr.device)
        t = data["trainer"]
        tr.steps_done, tr.diverged = int(t["steps_done"]), bool(t["diverged"])
        tr.clip_mode, tr.clip = t["clip_mode"], t["clip"]
        h = data["history"]
        self.history.stride, self.history.rows = int(h["stride"]), {c: list(h["rows"][c]) for c in COLUMNS}
        self.history._bucket = [StepStats(**s) for s in h["bucket"]]
        self.val, self.probes, self.spectral = data["val"], data["probes"], data["spectral"]
        self.param_norm_rows = [(int(step), list(values)) for step, values in data["param_norm_rows"]]
        self.param_names = list(data["param_names"])
        self.frames = run_store.decode(data["frames"], tensors)
        self.latest_probe = run_store.decode(data["latest_probe"], tensors)
        self.task_view = run_store.decode(data["task_view"], tensors)
        self.events = [(int(step), what) for step, what in data["events"]]
        self.id, self.created = record["id"], record.get("created") or time.time()
        self.owner = record.get("owner") or ""
        if record.get("version") is not None:
            self._versions[self.id] = record["version"]
        self._hist_ver, self._probe_ver = self._hist_ver + 1, self._probe_ver + 1  # snapshot() rebuilds its copies
        state = record["state"]
        if state not in ("ready", "done", "stopped", "diverged", "error"):  # it was training: wait for Resume
            state = "paused" if tr.steps_done else "ready"
        self.state, self.message = state, run_store.decode(data.get("message", record.get("message", "")), tensors)
        self.message_args = data.get("message_args") or {}
        self._paused = state == "paused"
        self._saved_at, self.save_stats["step"] = time.monotonic(), tr.steps_done

    def save(self) -> bool:
        """Save now (Pause, Stop, a closed tab): True if the record was written. A run that never
        trained has nothing worth keeping; without a store this does nothing."""
        if self.store is None or self.trainer.steps_done == 0:
            return False
        with self._train_lock:
            record = self._record()
        return self._write(record)

    def _write(self, record: dict) -> bool:
        """One write to the store, timed; a failure (disk full, a damaged file) is kept in
        save_error for the page to show, never raised into the training thread. Writes take turns,
        each naming the version the last one wrote; when another writer saved this id meanwhile
        (StoreConflict), the run goes on under a new id and saves there: nobody's run is overwritten."""
        t0 = time.perf_counter()
        with self._write_lock:
            try:
                size = self._save_versioned(record)
            except run_store.StoreConflict as e:
                if record["id"] != self.id:  # a record of this run before a reset: its id is not ours to fork
                    self.save_error = f"{type(e).__name__}: {e}"
                    return False
                self.forked_from, self.id, self.created = self.id, run_store.new_run_id(), time.time()
                record.update(id=self.id, created=self.created)
                try:
                    size = self._save_versioned(record)
                except (run_store.StoreError, sqlite3.Error, OSError, ValueError) as e:
                    self.save_error = f"{type(e).__name__}: {e}"
                    return False
            except (run_store.StoreError, sqlite3.Error, OSError, ValueError) as e:
                self.save_error = f"{type(e).__name__}: {e}"
                return False
        dt = time.perf_counter() - t0
        self._saved_at, self.save_error = time.monotonic(), ""
        st = self.save_stats
        st["saves"], st["seconds"], st["last_ms"], st["bytes"] = st["saves"] + 1, st["seconds"] + dt, 1e3 * dt, size
        st["step"] = record["steps_done"]  # the page saves a paused run only when it has stepped since
        return True

    def _save_versioned(self, record: dict) -> int:
        """store.save naming the version this run last read or wrote under the record's id; the caller
        holds _write_lock."""
        rid = record["id"]
        record.update(version=self._versions.get(rid), owner=self.owner)
        size = self.store.save(record)
        self._versions[rid] = record["version"]
        return size
