"""TrainingRun: the training run of one browser session, and the controls a page has over it.

The run trains in a background thread that never touches the UI (run/loop.py). The page reads
`snapshot()`, a frozen Snapshot, and flips controls: start, pause, resume, stop, step one batch, reset,
a live learning rate or clipping. `detach()` (the browser went away) pauses and ends the thread at once;
the run keeps its state, so `attach()` and Resume go on from the same step (a network blip loses
nothing). On a shared server the run steps only while it holds one of hosted.ADMISSION's slots
(run/slot.py). With a store it saves itself as it trains (run/record.py).
"""

from __future__ import annotations

import contextlib
import threading

from rnnplay import cost, export
from rnnplay import store as run_store
from rnnplay.config import RunConfig
from rnnplay.i18n import Msg
from rnnplay.run import record as records
from rnnplay.run.loop import LoopOptions, RunLoop
from rnnplay.run.slot import AdmissionSlot, SlotOwner
from rnnplay.run.snapshot import Snapshot, SnapshotCache
from rnnplay.run.state import FINISHED, RunState
from rnnplay.trainer import StepStats


class TrainingRun(SlotOwner):
    """States: ready -> (queued ->) running <-> paused -> done | stopped | diverged | error (RunState).

    Made of: `slot` (state, thread, turn on the server), `loop` (the trainer, its steps and probes, and
    what they recorded; a new one on reset), `saver` (id, store, owner, how the last save went). Pages
    use the members below, the saver's fields, and never the trainer."""

    thread_name = "rnnplay-train"

    def __init__(self, config: RunConfig, **options):
        """options: the fields of LoopOptions (run/loop.py: probes, history_cap, probe_budget, ...)."""
        self.config = config
        self._loop_options = LoopOptions(**options)
        self._lock = threading.Lock()  # guards everything snapshot() reads
        self._train_lock = threading.Lock()  # one step at a time (thread or step-one click)
        self.slot = AdmissionSlot(self, self._lock, self.thread_name)
        self.saver = records.RunSaver()
        self._fresh()

    def _fresh(self) -> None:
        self.loop = RunLoop(self.config, self.slot, self._train_lock, self._loop_options, saver=self.saver)
        self._snapshots = SnapshotCache()

    # what pages read ---------------------------------------------------------------------------
    @property
    def trainer(self):
        """The Trainer: for the core and the tests; a page asks the members below (tests/test_layering.py)."""
        return self.loop.trainer

    @property
    def task(self):
        """The task this run trains on (tasks/base.py)."""
        return self.loop.trainer.task

    @property
    def steps_done(self) -> int:
        return self.loop.trainer.steps_done

    @property
    def device_choice(self):
        """How device=auto chose (rnnplay/devices.py: the device, the measured rates, the reason); None when
        the configuration names its device."""
        return self.loop.trainer.device_choice

    @property
    def probe_batch(self):
        """The fixed batch the probes look at (the Inspect page's samples)."""
        return self.loop.trainer.probe_batch

    @property
    def traceback(self) -> str:
        return self.loop.traceback

    @property
    def id(self) -> str:
        return self.saver.id

    def snapshot(self) -> Snapshot:
        """Everything the charts draw, consistent and safe to use after the lock is gone (run/snapshot.py)."""
        loop, slot, cache = self.loop, self.slot, self._snapshots
        with self._lock:
            slot.touch()  # someone is looking: not idle
            probes = cache.probes(loop.log)
            position, length = slot.queue_place()
            return Snapshot(
                config=self.config,
                state=slot.state,
                queue_position=position,
                queue_length=length,
                message=slot.message,
                steps_done=loop.trainer.steps_done,
                steps_total=self.config.steps,
                steps_per_s=loop.steps_per_s,
                history=dict(cache.history(loop.history)),
                val=dict(probes["val"]),
                probes=probes["probes"],
                spectral=dict(probes["spectral"]),
                param_norms=dict(probes["param_norms"]),
                frames=probes["frames"],
                latest_probe=loop.log.latest_probe,
                task_view=loop.log.task_view,
                events=list(loop.events),
                task=cache.task(loop.trainer.task),
            )

    # controls (called from the UI thread; each only flips state) -------------------------------
    def start(self) -> None:
        """Train (or resume) in the background thread, a new one if the last ended (a detach). With no free
        slot on the server the run is "queued" and starts when its turn comes; with the queue full it is
        refused and keeps its state, its message saying why (hosted)."""
        with self._lock:
            self.slot.touch()
            if self.slot.state not in FINISHED:
                self.slot.admit()

    resume = start

    def wait_for_step(self, after: int, timeout: float) -> bool:
        """Wait until a step past `after` is in the history (what the charts draw), at most `timeout` s,
        and only while the run is running (a queued run's first step may be minutes away). The page run
        that Train starts then draws the first point, instead of the live view's next tick."""
        return self.loop.wait_for_step(after, timeout)

    def pause(self, notice: Msg | None = None) -> None:
        """Pause, and return once a step already under way has finished: paused means no more steps.
        Its slot goes to the next run in the queue. notice: why, when it was not the learner."""
        with self._lock:
            self.slot.leave_paused(notice)
        with self._train_lock:  # a step under way ends first; what the device still holds reaches the history
            self.loop.sync_pending()
        self.slot.release()

    def stop(self) -> None:
        self.slot.halt()
        self.join()
        with self._train_lock:
            self.loop.sync_pending()

    def join(self, timeout: float = 10.0) -> None:
        self.slot.join(timeout)

    def reset(self, config: RunConfig | None = None) -> None:
        """Stop the thread and start afresh, with a new configuration if one is given."""
        self.stop()
        with self._train_lock:
            self.config = config or self.config
            self.slot.reset()
            self.saver.renew()
            self._fresh()

    def step_one(self, take_slot: bool = True) -> StepStats | None:
        """One batch, now, in the caller's thread: only while ready or paused. It holds one of the server's
        slots while it steps, or is refused with the busy message when none is free (take_slot=False: the
        caller, a race, holds one for it)."""
        slot = self.slot
        with self._lock:
            slot.touch()
            if slot.state not in (RunState.READY, RunState.PAUSED):
                return None
            if take_slot and not slot.take_one():
                return None
            if slot.state == RunState.READY:
                slot.state, slot.paused = RunState.PAUSED, True
        try:
            done = self.loop.step(force_probe=True)
        finally:
            if take_slot:
                slot.release()
        return done[-1] if done else None

    def set_lr(self, lr: float) -> None:
        with self._train_lock:
            self.loop.sync_pending()  # a divergence found later rolls back no further than this change
            self.loop.trainer.set_lr(lr)
            self._mark(f"lr={lr:g}")

    def set_clip(self, clip_mode: str, clip: float) -> None:
        with self._train_lock:
            self.loop.sync_pending()
            self.loop.trainer.set_clip(clip_mode, clip)
            self._mark(f"clip={clip_mode}" + (f" {clip:g}" if clip_mode != "off" else ""))

    def _mark(self, what: str) -> None:
        with self._lock:
            self.loop.mark(what)
            self.config = self.loop.trainer.config

    @contextlib.contextmanager
    def between_steps(self, settle: bool = True):
        """Hold off training while the caller uses the model (a forward pass, a copy of the weights,
        loading new ones): the model is shared with the training thread, which steps it in place.
        settle: first wait for what is still pending (a probe behind training, a GPU's batched statistics), as
        a copy or a change of the weights must. A forward pass that only reads them (Try it, Inspect) passes
        False: the probe works on a twin of the model, and waiting for it would hold training still for as long
        as the probe takes (a run's first probe, beside the page run that Train starts: 15-45 ms, measured)."""
        with self._train_lock:
            if settle:
                self.loop.sync_pending()  # new weights loaded here start a new batch (a GPU's rollback point)
            yield self.loop.trainer

    def try_it(self, text: str) -> dict:
        """The task's view of the learner's own input, with the current weights, between two training steps.
        ValueError for bad input, with its message."""
        with self.between_steps(settle=False) as tr:
            return tr.task.try_it(tr.model, tr.device, text)

    def weights(self) -> bytes:
        """The model's weights as safetensors bytes (export.weights_safetensors), taken between two steps."""
        with self.between_steps() as tr:
            return export.weights_safetensors(tr)

    def load_weights(self, data: bytes) -> RunConfig:
        """Weights from safetensors bytes into the model, between two steps, after export.load_weights'
        checks (ValueError naming what does not fit; the run is untouched then)."""
        with self.between_steps() as tr:
            return export.load_weights(tr, data)

    # driven by another thread (a Race steps several runs in turn) --------------------------------
    def begin_driven(self) -> None:
        """Mark running for a driver that calls advance(); this run starts no thread of its own."""
        slot = self.slot
        with self._lock:
            if slot.state in FINISHED:
                return
            slot.paused, slot.stop, slot.expire_at, slot.state = False, False, None, RunState.RUNNING
            self.loop.restart_clock()

    def advance(self) -> StepStats | None:
        """One step (and its probe when due) in the caller's thread, only while running: a pause()
        that returned is never followed by a step. A crash ends this run alone, as state "error"."""
        try:
            done = self.loop.step(require_running=True)
        except Exception as e:  # noqa: BLE001 - one failing run must not take the others down
            self.loop.fail(e)
            return None
        return done[-1] if done else None

    # what the slot asks of its host (run/slot.py) ------------------------------------------------
    def steps_so_far(self) -> int:
        return self.loop.trainer.steps_done

    def over_budget(self) -> list[Msg]:
        return cost.check_cost(self.config)

    def restart_clock(self) -> None:
        self.loop.restart_clock()

    def train(self) -> None:
        self.loop.train()

    # the run as a stored record, and back (run/record.py) -----------------------------------------
    def to_record(self) -> dict:
        """The run's record, taken between two steps so that weights and history agree."""
        with self._train_lock:
            return records.to_record(self.loop, self.saver)

    @classmethod
    def from_record(cls, record: dict, **kwargs) -> TrainingRun:
        """A run rebuilt from RunStore.load(): same id, weights, optimizer state, step count, RNG
        states and history. A run that was training comes back paused (Resume continues it);
        done, stopped and diverged runs come back as they were. StoreError if the record is unusable."""
        run = cls(records.stored_config(record), **kwargs)
        try:
            records.restore(run, record)
        except run_store.StoreError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as e:
            raise run_store.StoreError(
                f"run {record.get('id')}: its stored state does not fit its configuration ({type(e).__name__}: {e})"
            ) from None
        return run

    def save(self) -> bool:
        """Save now (Pause, Stop, a closed tab): True if the record was written. A run that never
        trained has nothing worth keeping; without a store this does nothing."""
        if self.saver.store is None or self.loop.trainer.steps_done == 0:
            return False
        with self._train_lock:
            record = records.to_record(self.loop, self.saver)
        return self.saver.write(record)
