"""A background trainer's place on the server (a TrainingRun's, or a Race's): its state, its thread, and
its slot among the server's trainings (hosted.ADMISSION).

It holds a slot only while it is actually stepping; with no free slot it is "queued" and its thread waits
(no polling) for its turn. Pausing, stopping, finishing, failing or its thread ending gives the slot back.
When its browser session goes away (detach) it pauses at once and its thread ends (after grace_s, none by
default); the trainer keeps its state, so attach() then a start trains on from the same step in a new
thread. A trainer nobody has looked at (no snapshot or control) for RNNPLAY_IDLE_PAUSE_S pauses.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Protocol

from rnnplay import hosted
from rnnplay.i18n import Msg
from rnnplay.run.state import ACTIVE, FINISHED, NO_MESSAGE, RunState

# messages (their templates) that a successful request for a slot clears
_REFUSALS = (hosted.STEP_BUSY_TEXT, hosted.OVER_BUDGET_TEXT, hosted.REFUSED_TEXT)


class SlotHost(Protocol):
    """What a slot needs of the trainer it belongs to (also its identity in hosted.ADMISSION)."""

    def steps_so_far(self) -> int: ...
    def over_budget(self) -> list[Msg]: ...  # what it would cost over the server's budget
    def restart_clock(self) -> None: ...  # steps/s counts from the moment it (re)starts stepping
    def train(self) -> None: ...  # the thread's body: steps while the slot allows
    def pause(self, notice: Msg | None = None) -> None: ...


class SlotOwner:
    """The members a TrainingRun and a Race show of their AdmissionSlot (`self.slot`): the state, the
    message, and the browser session's detach and attach."""

    slot: AdmissionSlot

    @property
    def state(self) -> RunState:
        return self.slot.state

    @property
    def message(self) -> Msg:
        """Why it is in its state: a Msg (an N_ template with its values, or an error's text)."""
        return self.slot.message

    @property
    def is_active(self) -> bool:
        return self.slot.state == RunState.RUNNING

    def detach(self, grace_s: float = 0.0) -> None:
        """The browser session went away: pause now, end the thread after grace_s."""
        self.slot.detach(grace_s)

    def attach(self) -> None:
        self.slot.attach()


class AdmissionSlot:
    """The state, message and thread of one trainer, and its turn on the server. Every field is guarded by
    `lock` (the host's own lock, shared with what its snapshot reads); `cv` wakes a paused thread."""

    def __init__(self, host: SlotHost, lock: threading.Lock, thread_name: str):
        # weak: the host owns its slot, so a host nobody holds any more is freed by reference counting alone
        self._host = weakref.ref(host)
        self.lock, self.thread_name = lock, thread_name
        self.cv = threading.Condition(lock)
        self.thread: threading.Thread | None = None
        self.gen = 0  # each thread has a number; the one that decided to end is marked, so a start never counts on it
        self.reset()

    def reset(self) -> None:
        """A fresh start (the thread, if any, has been stopped): ready, no message, no thread."""
        self.state = RunState.READY
        # a Msg, an English template with its values: the thread has no language, the page translates it
        self.message = NO_MESSAGE
        self.paused = self.stop = False
        self.thread = None
        self.ending_gen = self.gen
        self.expire_at: float | None = None
        self.last_seen = time.monotonic()
        self.idle_s = 0

    @property
    def host(self) -> SlotHost:
        return self._host()

    # the browser's session ---------------------------------------------------------------------
    def detach(self, grace_s: float = 0.0) -> None:
        """The browser session went away (a closed tab, or a blip): pause now, end the thread after grace_s."""
        self.host.pause(notice=Msg(hosted.DETACHED_TEXT))
        with self.lock:
            self.expire_at = time.monotonic() + grace_s
            self.cv.notify_all()

    def attach(self) -> None:
        with self.lock:
            self.expire_at = None
            self.last_seen = time.monotonic()

    def touch(self) -> None:
        """Someone looked at the trainer (a snapshot, a control): it is not idle."""
        self.last_seen = time.monotonic()

    # controls, each under lock -------------------------------------------------------------------
    def admit(self) -> bool:
        """A start: ask for a slot. True when the trainer goes on (running or queued), in its thread (a new
        one when the last has ended or decided to); False when the server refused it (the message says
        why; the state stays as it was)."""
        if self._refused_over_budget():
            return False
        decision = hosted.ADMISSION.request(self.host)
        if decision == hosted.REFUSED:
            self.message = hosted.ADMISSION.refusal()
            return False
        self.paused = False
        self.state = RunState.RUNNING if decision == hosted.ADMITTED else RunState.QUEUED
        self.message = NO_MESSAGE
        self.host.restart_clock()
        t = self.thread
        if t is None or not t.is_alive() or self.ending_gen == self.gen:
            self.gen += 1
            self.stop, self.expire_at = False, None
            self.idle_s = hosted.caps().idle_pause_s
            self.thread = threading.Thread(
                target=self._thread_main, args=(self.gen,), name=self.thread_name, daemon=True
            )
            self.thread.start()
        self.last_seen = time.monotonic()
        self.cv.notify_all()
        return True

    def take_one(self) -> bool:
        """Stepping one batch: a slot for it, now, or the busy message. It is training too: it takes a slot as
        a start does, but never waits in line for one."""
        if self._refused_over_budget():
            return False
        if not hosted.ADMISSION.take_now(self.host):
            self.message = Msg(hosted.STEP_BUSY_TEXT, **hosted.ADMISSION.busy_args())
            return False
        if self.message.template in _REFUSALS:
            self.message = NO_MESSAGE
        return True

    def leave_paused(self, notice: Msg | None) -> bool:
        """A pause: running or queued -> paused (ready when it never stepped). notice: why."""
        if self.state not in ACTIVE:
            return False
        self.paused = True
        stepped = self.host.steps_so_far() or self.state == RunState.RUNNING
        self.state = RunState.PAUSED if stepped else RunState.READY
        if notice:
            self.message = notice
        return True

    def halt(self) -> None:
        """A stop: the thread ends; a trainer that stepped is stopped for good, one that never did is ready.
        The slot goes back. Takes the lock: not under lock."""
        with self.lock:
            self.stop = True
            if self.state in (RunState.RUNNING, RunState.PAUSED, RunState.READY, RunState.QUEUED):
                self.state = RunState.STOPPED if self.host.steps_so_far() else RunState.READY
            self.cv.notify_all()
        self.release()

    def release(self) -> None:
        """Give the slot (or the place in the queue) back; not under lock."""
        hosted.ADMISSION.release(self.host)

    def join(self, timeout: float) -> None:
        t = self.thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def _refused_over_budget(self) -> bool:
        """True, with the message saying why, when the server's budget refuses this trainer. The pages refuse
        such a configuration before (with every cap of cost.check_caps); this holds for every other way
        in. The steps cap is the pages' alone: many steps cost no more per step."""
        problems = self.host.over_budget()
        if problems:
            self.message = Msg(hosted.OVER_BUDGET_TEXT, problem=problems[0])
        return bool(problems)

    # the thread ----------------------------------------------------------------------------------
    def _thread_main(self, gen: int) -> None:
        try:
            hosted.set_torch_threads()
            self.host.train()
        finally:  # however the thread ends (done, diverged, an exception, detached): no slot stays taken
            with self.lock:
                if self.gen == gen:
                    self.ending_gen = gen
                    hosted.ADMISSION.release(self.host)
                    if self.state == RunState.QUEUED:
                        self.state = RunState.PAUSED if self.host.steps_so_far() else RunState.READY

    def wait_while_paused(self) -> bool:
        """Block the thread while paused; False once it should end (stopped, finished, or detached)."""
        with self.lock:
            while not self.stop and self.state not in FINISHED:
                if self.expire_at is not None and self.paused and time.monotonic() >= self.expire_at:
                    break
                if not self.paused and self.state in ACTIVE:
                    return True
                timeout = 1.0 if self.expire_at is None else max(0.0, min(1.0, self.expire_at - time.monotonic()))
                self.cv.wait(timeout=timeout)
            self.ending_gen = self.gen
            return False

    def await_turn(self) -> bool:
        """Before each step: True when the trainer holds a slot and may step. While the server is full it is
        "queued" and waits for its turn; False when it should not step (paused, stopped, idle too long)."""
        while True:
            with self.lock:
                if self.paused or self.stop or self.state not in ACTIVE:
                    return False
                idle = self.idle_s and time.monotonic() - self.last_seen > self.idle_s
                if not idle:
                    decision = hosted.ADMISSION.request(self.host)  # holds one already: admitted at once
                    if decision == hosted.ADMITTED:
                        if self.state == RunState.QUEUED:
                            self.state = RunState.RUNNING
                            self.host.restart_clock()
                        return True
                    if decision == hosted.REFUSED:  # lost its place (a pause raced a resume): Resume asks again
                        self.leave_paused(hosted.ADMISSION.refusal())
                        return False
                    self.state = RunState.QUEUED
            if idle:
                return self._pause_idle()
            hosted.ADMISSION.wait(self.host, timeout=min(self.idle_s or 60, 60))

    def _pause_idle(self) -> bool:
        """Nobody looked for idle_s: pause, and the thread ends as after a disconnect (Resume starts a new one)."""
        self.host.pause(notice=Msg(hosted.IDLE_TEXT, seconds=self.idle_s, env="RNNPLAY_IDLE_PAUSE_S"))
        with self.lock:
            self.expire_at = time.monotonic()
        return False

    def queue_place(self) -> tuple[int | None, int | None]:
        """Under lock: (1-based place in the queue, queue length) while queued, else (None, None)."""
        pos = hosted.ADMISSION.position(self.host) if self.state == RunState.QUEUED else None
        return (pos[0], pos[1]) if pos else (None, None)
