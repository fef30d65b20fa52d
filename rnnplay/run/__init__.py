"""The training run a page talks to: its states, a typed Snapshot, the loop, its slot on the server, its record.

    state.py         RunState and the words for each state
    snapshot.py      Snapshot (what the charts read), TaskFacts, RaceSnapshot
    training_run.py  TrainingRun: the controls, and what pages may read
    loop.py          RunLoop: steps, probes when due (on a CPU behind training), what they leave for the charts
    probe_log.py     ProbeLog (what the probes saw, bounded) and ProbeCadence (when to probe)
    history.py       History: per-step statistics in a bounded number of rows
    slot.py          AdmissionSlot: state, thread and turn among the server's trainings
    record.py        the run as a stored record and back; RunSaver writes it

The package itself exports only what reads a run (states and snapshots), which imports no torch: Home
and its lessons read snapshots and paint before torch is loaded (`import torch` alone takes
0.8-1.3 s on this project's machine, measured). TrainingRun is `rnnplay.run.training_run.TrainingRun`.
"""

from rnnplay.run.snapshot import COLUMNS, RaceSnapshot, Snapshot, TaskFacts
from rnnplay.run.state import ACTIVE, FINISHED, STATE_WORDS, RunState

__all__ = ["ACTIVE", "COLUMNS", "FINISHED", "STATE_WORDS", "RaceSnapshot", "RunState", "Snapshot", "TaskFacts"]
