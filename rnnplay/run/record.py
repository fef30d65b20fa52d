"""A run as a stored record (rnnplay.store), and back; and the saver that writes it.

A record holds everything needed to reopen a run and train on exactly as if it had never stopped:
config, state, history and probes, weights, optimizer state, step count, RNG states. Its top-level
fields are the store's columns (id, created, task, state, message, steps_done, config, owner); `data`
and `tensors` are the body, encoded by store.encode.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time

import torch

from rnnplay import store as run_store
from rnnplay.export import config_json, load_config_json
from rnnplay.i18n import Msg
from rnnplay.run.state import RunState

# a run with a store saves itself this often while it trains (and when it ends)
SAVE_EVERY_S = float(os.environ.get("RNNPLAY_SAVE_EVERY_S", "5"))
# the states a stored run comes back in; one that was training comes back paused (Resume continues it)
KEPT_STATES = (RunState.READY, RunState.DONE, RunState.STOPPED, RunState.DIVERGED, RunState.ERROR)


def to_record(loop, saver: RunSaver) -> dict:
    """The record of a run: its RunLoop, under the saver's id and owner. The caller holds the run's train
    lock (between two steps), so weights and history agree; the slot's lock is taken just for the fields
    the UI's controls flip. The config is the trainer's (the run's own, between two steps)."""
    slot, tr = loop.slot, loop.trainer
    loop.sync_pending()  # the history holds every step the weights have taken
    with slot.lock:
        state, message, config = slot.state, slot.message, tr.config
    body = {
        "model": tr.model.state_dict(),
        "optimizer": tr.optimizer.state_dict(),
        "rng": _rng_states(tr),
        "trainer": {"steps_done": tr.steps_done, "diverged": tr.diverged, "clip_mode": tr.clip_mode, "clip": tr.clip},
        "message": message,  # an i18n.Msg, its template and values: translated where it is shown
        "history": loop.history.state_dict(),
        **loop.log.state_dict(),
        "events": loop.events,
    }
    tensors: dict = {}
    data = run_store.encode(body, tensors)  # copies every tensor: training may go on at once
    return {
        "id": saver.id,
        "created": saver.created,
        "task": config.task,
        "state": str(state),
        "message": str(message),
        "steps_done": tr.steps_done,
        "config": config_json(config),
        "data": data,
        "tensors": tensors,
        "owner": saver.owner,
    }


def _rng_states(tr) -> dict:
    rng = {"data": tr.gen.get_state(), "torch": torch.get_rng_state()}
    if tr.device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(tr.device)
    return rng


def stored_config(record: dict):
    """The record's RunConfig; StoreError if it is unusable."""
    try:
        return load_config_json(record["config"])
    except (ValueError, TypeError) as e:
        raise run_store.StoreError(f"run {record.get('id')}: its stored configuration is unusable: {e}") from None


def restore(run, record: dict) -> None:
    """Put a record's state into a TrainingRun just made from its config: same id, weights, optimizer
    state, step count, RNG states and history. A run that was training comes back paused; done,
    stopped and diverged runs come back as they were."""
    tensors, data = record["tensors"], record["data"]
    loop, slot, saver = run.loop, run.slot, run.saver
    tr = loop.trainer
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
    loop.history.load_state_dict(data["history"])
    # a record saved before a run's words were Msgs keeps its message's values apart, under message_args
    old = "message_args" in data
    log = {k: data[k] for k in ("val", "probes", "spectral", "param_norm_rows", "param_names")}
    for k in ("frames", "latest_probe", "task_view"):
        decoded = run_store.decode(data[k], tensors)
        log[k] = _old_view_words(decoded) if old else decoded
    loop.log.load_state_dict(log)
    loop.events = [(int(step), what) for step, what in data["events"]]
    saver.adopt(record)
    state = record["state"]
    if state not in KEPT_STATES:  # it was training: wait for Resume
        state = RunState.PAUSED if tr.steps_done else RunState.READY
    message = run_store.decode(data.get("message", record.get("message", "")), tensors)
    slot.state = RunState(state)
    slot.message = _stored_message(message, data.get("message_args") or {})
    slot.paused = slot.state == RunState.PAUSED
    saver.saved_at, saver.save_stats["step"] = time.monotonic(), tr.steps_done


# Records saved before a run's words were Msgs -------------------------------------------------------------
# the words of their task views: a sentence kept its Msg beside its English under key + "_msg", a label was
# its English text (the pages said every one of these keys' texts)
OLD_VIEW_WORDS = ("title", "label", "name", "x_title", "y_title", "hline_label")


def _stored_message(message, args: dict) -> Msg:
    """A record's message as one Msg: a newer record's is one; an older one's is a template with its values in
    args (the pages said every text among them too), or a Msg."""
    if isinstance(message, Msg):
        return message
    return Msg(str(message), **{k: Msg(v) if type(v) is str else v for k, v in args.items()})


def _old_view_words(obj):
    """obj (a task view, or what holds one: the probe frames) with such a record's words made Msgs, as a
    view's words are now."""
    if isinstance(obj, list):
        return [_old_view_words(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if key.endswith("_msg"):
            continue
        msg = obj.get(f"{key}_msg")
        if msg is not None:
            out[key] = msg
        elif key in OLD_VIEW_WORDS and type(value) is str:
            out[key] = Msg(value)
        else:
            out[key] = _old_view_words(value)
    return out


class RunSaver:
    """Where a run saves itself (store: a RunStore, or None to keep it in memory only), under which id and
    owner (its quota, and who may take it back after a restart), and how the last save went. Writes take
    turns, each naming the version the last one wrote; when another writer saved this id meanwhile
    (StoreConflict), the run goes on under a new id and saves there: nobody's run is overwritten."""

    def __init__(self):
        self.store: run_store.RunStore | None = None
        self.owner = ""
        self._write_lock = threading.Lock()  # one save at a time: each names the version the last one wrote
        # the stored row's version this run last read or wrote, by id (a reset gives a new id; a record of
        # the old one may still be on its way); an id missing here was never saved
        self.versions: dict[str, int] = {}
        self.renew()

    def renew(self) -> None:
        """A fresh start (a new run, or a reset): a new id, nothing saved yet."""
        self.id, self.created = run_store.new_run_id(), time.time()
        self.saved_at, self.save_error = -math.inf, ""
        self.save_stats = {"saves": 0, "seconds": 0.0, "last_ms": 0.0, "bytes": 0, "step": None}
        self.forked_from: str | None = None  # the id a save found saved by another writer: the run went on as a copy

    def adopt(self, record: dict) -> None:
        """A stored run's identity: its id, creation time, owner and the version read."""
        self.id, self.created = record["id"], record.get("created") or time.time()
        self.owner = record.get("owner") or ""
        if record.get("version") is not None:
            self.versions[self.id] = record["version"]

    def due(self) -> bool:
        """Time for the periodic save of a training run."""
        return time.monotonic() - self.saved_at >= SAVE_EVERY_S

    def write(self, record: dict) -> bool:
        """One write to the store, timed; a failure (disk full, a damaged file) is kept in save_error for the
        page to show, never raised into the training thread."""
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
        self.saved_at, self.save_error = time.monotonic(), ""
        st = self.save_stats
        st["saves"], st["seconds"], st["last_ms"], st["bytes"] = st["saves"] + 1, st["seconds"] + dt, 1e3 * dt, size
        st["step"] = record["steps_done"]  # the page saves a paused run only when it has stepped since
        return True

    def _save_versioned(self, record: dict) -> int:
        """store.save naming the version this run last read or wrote under the record's id; the caller
        holds _write_lock."""
        rid = record["id"]
        record.update(version=self.versions.get(rid), owner=self.owner)
        size = self.store.save(record)
        self.versions[rid] = record["version"]
        return size
