"""A configuration trained once for a whole class (RNNPLAY_SHARE_RUNS=1, off by default).

Training on the CPU is deterministic for a given configuration and seed, so a run is keyed by its
configuration: when a second learner presses Train on a configuration that is already training or has
finished (a lesson, a preset, a teacher's link), their page watches that run, the key's "class run",
instead of training the same thing again. The store keeps, per key, the class run's id and how many
times the key was trained (RunStore.claim_class_run), so replicas sharing a store share the class runs.
No streamlit here; the page's side is app_pages/ui/class_watch.py.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import json
import os

from rnnplay import devices
from rnnplay.config import RunConfig
from rnnplay.run.snapshot import Snapshot

# part of every key: bump it when a change to the trainer, a task or a model makes one configuration
# compute something else, so that runs trained by the old code are never shown for the new
CODE_VERSION = 1
# a class run still training is worth watching while its last save (or its claim) is this recent: it
# saves every few seconds (run/record.py), so a longer silence means it was paused, reset or lost
FRESH_S = 30.0


def enabled() -> bool:
    """Whether this server shares runs between learners: RNNPLAY_SHARE_RUNS=1 (a hosted server)."""
    return os.environ.get("RNNPLAY_SHARE_RUNS", "").strip().lower() in ("1", "true", "yes", "on")


def trains_on_cpu(config: RunConfig) -> bool:
    """device=cpu, or auto on a machine without a GPU (auto then takes the CPU without measuring)."""
    return config.device == "cpu" or (config.device == "auto" and not devices.accelerators())


def config_key(config: RunConfig) -> str | None:
    """The key a run of `config` is shared under: a hash of the canonical JSON of every field but the
    device (which is the CPU either way) and of CODE_VERSION. None when the run is not shared: it trains
    on a GPU (not deterministic), or it reads a learner's own series (their data, never shown to others)."""
    if config.series or not trains_on_cpu(config):
        return None
    fields = {k: v for k, v in config.to_dict().items() if k != "device"}
    canonical = json.dumps(
        {"code": CODE_VERSION, "config": fields}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def watchable(state: str | None, updated: float | None, claimed: float, now: float, fresh_s: float = FRESH_S) -> bool:
    """Whether a key's class run is worth watching rather than training again: finished (done, or
    diverged: that is what this configuration does), or training with a save or its claim within
    fresh_s. state/updated: its stored row's (None: not saved yet). Paused, stopped, failed or silent
    runs are not: the next learner to press Train trains the key's new class run."""
    if state in ("done", "diverged"):
        return True
    if state is None or state in ("running", "queued"):
        return now - max(updated or 0.0, claimed) <= fresh_s
    return False


def replayed(snap: Snapshot, step: int) -> Snapshot:
    """A finished run's snapshot as it was at `step`, for scrubbing through it: every row past `step` cut
    (the history, validation, probes, spectra, norms, replay frames, events), and the activations those
    charts draw taken from the last replay frame at or before it. What no frame keeps (the task's view)
    stays the final one."""
    frames = [f for f in snap.frames if f["step"] <= step]
    latest = snap.latest_probe
    if latest is not None and frames:
        latest = {**latest, **frames[-1]}
        val = _upto(snap.val, step)
        if val["step"]:
            latest["val"] = (val["loss"][-1], val["metric"][-1])
    return dataclasses.replace(
        snap,
        steps_done=min(step, snap.steps_done),
        history=_upto(snap.history, step),
        val=_upto(snap.val, step),
        probes=[p for p in snap.probes if p["step"] <= step],
        spectral=_upto(snap.spectral, step),
        param_norms=_upto(snap.param_norms, step, keep=("names",)),
        frames=frames,
        latest_probe=latest,
        events=[e for e in snap.events if e[0] <= step],
    )


def _upto(columns: dict[str, list], step: int, keep: tuple[str, ...] = ()) -> dict[str, list]:
    """Columns whose "step" column is sorted: their rows up to `step`; the columns in `keep` whole."""
    n = bisect.bisect_right(columns.get("step", []), step)
    return {k: (v if k in keep else v[:n]) for k, v in columns.items()}
