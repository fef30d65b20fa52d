"""The loop of one training run: steps, probes between them when due, and what both leave for the charts.

The run's thread calls `train()` (a Race's thread calls `step()` for each of its runs in turn). A step
holds train_lock from the trainer's step to its history row, so pages wait for it before they use the
model (TrainingRun.between_steps). What the charts read (history, probe log, events, the state) changes
under the slot's lock, the one snapshots are taken under.

On a CPU a probe runs behind training: in a thread of its own, on a twin of the model holding the weights of
the step it probes (Trainer.probe_job), while the run's thread goes on stepping; its record reaches the probe
log when it is done. One runs at a time; a forced probe (a single step's, the last step's) runs in the run's
thread after it, and sync_pending waits for it, so the log stays in step order and a pause, a save or a
change of the rate comes after it. On a GPU the probes run between two steps (they share the device's
stream with training), and on a CPU those of a configuration whose probe needs much memory
(cost.PROBE_BEHIND_MAX_BYTES: a probe behind training is alive beside a step, and the run's peak holds both).
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass

from rnnplay import cost
from rnnplay.i18n import N_, Msg
from rnnplay.run.history import History
from rnnplay.run.probe_log import FRAMES_BUDGET_BYTES, MIN_PROBE_INTERVAL_S, PROBE_BUDGET, ProbeCadence, ProbeLog
from rnnplay.run.record import RunSaver, to_record
from rnnplay.run.slot import AdmissionSlot
from rnnplay.run.state import RunState
from rnnplay.trainer import DIVERGED_HINT, StepStats, Trainer


@dataclass(frozen=True)
class LoopOptions:
    """How a run's loop steps, probes and keeps what it recorded (TrainingRun's keyword arguments).
    probes=False: never probe (the probe charts, validation, the task view stay empty); history, saving
    and admission as usual. The benchmark's "probes off" column trains this way.
    fetch_every: Trainer's (None: batched on a GPU, per step on a CPU; tests force the batched mode).
    background_probes: probes behind training, in a thread of their own (None: on a CPU, for a probe of modest
    memory; see the module's doc)."""

    probes: bool = True
    fetch_every: int | None = None
    history_cap: int = 1000
    probe_rows: int = 120
    probe_budget: float = PROBE_BUDGET
    min_probe_interval_s: float = MIN_PROBE_INTERVAL_S
    frames_budget_bytes: int = FRAMES_BUDGET_BYTES
    background_probes: bool | None = None


class RunLoop:
    """Steps a Trainer to config.steps, probing when the cadence says so (probes=False: never)."""

    def __init__(
        self,
        config,
        slot: AdmissionSlot,
        train_lock: threading.Lock,
        options: LoopOptions,
        saver: RunSaver | None = None,
    ):
        o = options
        self.trainer = Trainer(config, fetch_every=o.fetch_every)
        self.slot, self.lock, self.train_lock = slot, slot.lock, train_lock
        self.probes_on = o.probes
        self.background = o.background_probes
        if self.background is None:
            self.background = self.trainer.device.type == "cpu" and cost.probes_behind(config)
        self._behind: threading.Thread | None = None  # the probe running behind training, if any
        self._behind_cost: float | None = None  # its seconds, set by its thread as it ends
        self.history = History(o.history_cap)
        self.log = ProbeLog(o.probe_rows, o.history_cap, o.frames_budget_bytes)
        self.cadence = ProbeCadence(o.probe_budget, o.min_probe_interval_s)
        self.events: list[tuple[int, str]] = []  # (step, what changed) marked on the loss chart
        self.recorded = threading.Condition(self.lock)  # notified when steps reach the history
        self.recorded_step = 0  # the latest step in the history
        self.t_start: float | None = None
        self.steps_at_start, self.steps_per_s = 0, 0.0
        self.saver = saver  # where the run saves itself as it trains (None: never)
        self.traceback = ""

    @property
    def steps_total(self) -> int:
        return self.trainer.config.steps

    def train(self) -> None:
        """The run's thread: step while the slot lets it, until done, diverged, stopped or detached."""
        try:
            while self.slot.wait_while_paused():
                if not self.slot.await_turn():
                    continue  # paused, stopped or idle: wait (or end) above
                done = self.step(require_running=True)  # a pause() that returned is never followed by a step
                state = self.slot.state
                if state in (RunState.DONE, RunState.DIVERGED) or (done is None and state == RunState.RUNNING):
                    return
        except Exception as e:  # noqa: BLE001 - a crash must reach the UI, not vanish with the thread
            self.fail(e)

    def fail(self, e: Exception) -> None:
        with self.lock:
            self.slot.state, self.slot.message = RunState.ERROR, Msg(f"{type(e).__name__}: {e}")
            self.traceback = traceback.format_exc()

    def restart_clock(self) -> None:
        """steps/s counts from the moment the run (re)starts stepping."""
        self.t_start, self.steps_at_start = time.perf_counter(), self.trainer.steps_done

    def step(self, force_probe: bool = False, require_running: bool = False) -> list[StepStats] | None:
        """One training step (and a probe when due). Returns the steps whose statistics arrived (on a GPU
        they come in batches, so often []), None when no step could be taken."""
        with self.train_lock:
            tr = self.trainer
            if (
                tr.steps_done >= self.steps_total
                or tr.diverged
                or (require_running and self.slot.state != RunState.RUNNING)
            ):
                self.sync_pending()
                return None
            if not self._behind_running():
                self._settle_behind()  # a probe behind training that is done (if any): joined and charged
            last = tr.steps_done + 1 >= self.steps_total
            free = self._behind is None  # one probe behind training at a time
            due = self.probes_on and (force_probe or last or (free and self.cadence.due()))
            # per step (a CPU): Trainer.step(); batched (a GPU): advance() fetches every few steps
            done = [tr.step()] if tr.fetch_every == 1 else tr.advance(fetch=last or due or force_probe)
            if not done:
                return done
            for s in done:
                self.cadence.stepped(s.seconds)
            end = done[-1]
            due = due or (self.probes_on and free and self.cadence.surged(end.grad_norm))
            probe, absorbed = None, False
            if due and not end.diverged:
                view = force_probe or last or self.cadence.view_due()
                if self.background and not (force_probe or last):
                    self._absorb(done, None, end)
                    self._probe_behind(view, end.grad_norm)
                    self._autosave(end)
                    return done
                self._settle_behind()  # one still running records first
                if not last:  # the charts get the step now, the probe's charts when it is done
                    self._absorb(done, None)
                    absorbed = True
                t0 = time.perf_counter()
                probe = self.probe(view=view)
                self.cadence.probed(time.perf_counter() - t0, end.grad_norm)
            self._absorb([] if absorbed else done, probe, end)
            self._autosave(end)
            return done

    def probe(self, view: bool = True) -> dict:
        """Every probe and validation; the task view only when asked (it shows the latest alone, and for some
        tasks costs as much as all the rest: sine's forecast 19 ms, random's accuracy on its pool 9 ms)."""
        tr = self.trainer
        p = tr.probe_job().run()
        if view:
            p["task_view"] = tr.task_view()
            self.cadence.viewed()
        return p

    def _probe_behind(self, view: bool, grad_norm: float) -> None:
        """Start this step's probe in a thread of its own. The task view, when due, is made here, in the run's
        thread: some views sample from torch's global generator, which the run's dropout draws from too."""
        self.cadence.started(grad_norm)
        tr, t0, task_view = self.trainer, time.perf_counter(), None
        if view:
            task_view = tr.task_view()
            self.cadence.viewed()
        job = tr.probe_job(twin=True)
        thread = threading.Thread(
            target=self._run_behind, args=(job, task_view, time.perf_counter() - t0), name="rnnplay-probe", daemon=True
        )
        self._behind = thread
        thread.start()

    def _run_behind(self, job, task_view: dict | None, view_s: float) -> None:
        """The probe thread: the probe into the log; its CPU time (and the view's) for the cadence. An error
        ends the run as one in a step does."""
        t0 = time.thread_time()
        try:
            p = job.run()
            if task_view is not None:
                p["task_view"] = task_view
            with self.lock:
                self.log.record(p)
        except Exception as e:  # noqa: BLE001 - a crash must reach the UI, not vanish with the thread
            self.fail(e)
        self._behind_cost = view_s + time.thread_time() - t0

    def _behind_running(self) -> bool:
        return self._behind is not None and self._behind.is_alive()

    def _settle_behind(self) -> None:
        """The run's thread or a caller holding train_lock: wait for the probe running behind training, if
        any, and charge its time to the cadence, so that every probe recorded is charged once, the one a
        run's last step or a pause waits for included."""
        if self._behind is not None:
            self._behind.join()
            self._behind = None
            cost, self._behind_cost = self._behind_cost, None
            if cost is not None:
                self.cadence.charged(cost)

    def _autosave(self, end: StepStats) -> None:
        """Between two steps, in the thread that steps: save when the run ended or SAVE_EVERY_S went by. A
        periodic save that falls due while a probe runs behind training comes at the first step after that
        probe: a record holds every probe begun, and waiting here for one would hold the run's thread still (the
        first save is due at the first step, beside the first probe, which shares its 50-150 ms with the page's
        first charts)."""
        saver = self.saver
        if saver is not None and saver.store is not None:
            if end.step >= self.steps_total or end.diverged or (saver.due() and not self._behind_running()):
                saver.write(to_record(self, saver))

    def sync_pending(self) -> None:
        """The caller holds train_lock: statistics the device still holds (a GPU's batches) into the history,
        so that a paused, stopped or saved run shows every step it took, and every probe begun."""
        self._settle_behind()
        if self.trainer.has_pending():
            self._absorb(self.trainer.flush(), None)

    def _absorb(self, done: list[StepStats], probe: dict | None, end: StepStats | None = None) -> None:
        """Steps whose statistics arrived (none: already absorbed before their probe), and this step's
        probe, into what the charts read. end: the latest step taken (done[-1] when not given)."""
        end = end or done[-1]
        with self.lock:
            if done:
                for s in done:
                    self.history.add(s)
                self.recorded_step = done[-1].step
                self.recorded.notify_all()
            if probe is not None:
                self.log.record(probe)
            if self.t_start is not None and self.slot.state == RunState.RUNNING:
                elapsed = time.perf_counter() - self.t_start
                self.steps_per_s = (self.trainer.steps_done - self.steps_at_start) / max(elapsed, 1e-9)
            self._finish_if_over(end)

    def _finish_if_over(self, end: StepStats) -> None:
        """Under lock: the run ends when a step diverged or the last step was taken."""
        slot = self.slot
        if end.diverged:
            slot.state = RunState.DIVERGED
            slot.message = Msg(N_("step {step}: {hint}"), step=end.step, hint=Msg(DIVERGED_HINT))
        elif end.step >= self.steps_total:
            slot.state, slot.message = RunState.DONE, Msg(N_("finished {n} steps"), n=end.step)

    def wait_for_step(self, after: int, timeout: float) -> bool:
        """Wait until a step past `after` is in the history, at most `timeout` s, and only while running."""
        with self.lock:
            return (
                self.recorded.wait_for(
                    lambda: self.recorded_step > after or self.slot.state != RunState.RUNNING, timeout=timeout
                )
                and self.recorded_step > after
            )

    def mark(self, what: str) -> None:
        """Under lock: a live change (lr, clipping) at the current step, for the loss chart."""
        self.events.append((self.trainer.steps_done, what))
