"""A training run's (or a race's) states, and what the pages call them.

    ready -> (queued ->) running <-> paused -> done | stopped | diverged | error

"queued": started, waiting for a free slot on this server (hosted.ADMISSION). The values are the
strings stored with a run and read back from the store, so they never change.
"""

from __future__ import annotations

from enum import StrEnum

from rnnplay.i18n import N_, Msg


class RunState(StrEnum):
    READY = "ready"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    ERROR = "error"


FINISHED = frozenset({RunState.DONE, RunState.STOPPED, RunState.DIVERGED, RunState.ERROR})  # never steps again
ACTIVE = frozenset({RunState.RUNNING, RunState.QUEUED})  # stepping, or started and waiting for a slot
# why a run is in its state is one Msg (a template with its values, said by the page); this one says nothing
NO_MESSAGE = Msg("")
# a state in words, for the pages that list runs (shown with tr)
STATE_WORDS = {
    RunState.READY: N_("ready"),
    RunState.QUEUED: N_("queued"),
    RunState.RUNNING: N_("running"),
    RunState.PAUSED: N_("paused"),
    RunState.DONE: N_("done"),
    RunState.STOPPED: N_("stopped"),
    RunState.DIVERGED: N_("diverged"),
    RunState.ERROR: N_("error"),
}
