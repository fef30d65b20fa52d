"""Runs trained in Ray actors (RNNPLAY_RAY=auto|ADDRESS) instead of threads of the web process.

A RunWorker actor holds many runs, each a TrainingRun training in a thread of the worker's process, as
it would in the web process: one process per run would import torch once per run (a few hundred MB
each for a class of hundreds), while a worker per CPU (RNNPLAY_RAY_WORKERS, default the cluster's CPU
count) gives each core its own interpreter lock. A worker asks Ray for 1 CPU and RNNPLAY_RAY_GPU (a
fraction, default 0) of a GPU, so several workers share one GPU.

The page holds a RemoteRun (the Gradient lab a RemoteRace), which has TrainingRun's public surface
(start, pause, step one, set lr and clip, snapshot, reset, save, ...). A snapshot crosses the wire
small: the worker remembers the last snapshot it sent to each RemoteRun and sends, for every list in it,
only what follows the part the two share (its rows are the same objects until the history or the probe
log thins them), and the latest probe only when it changed; the RemoteRun merges that into a full
Snapshot. The worker saves its runs through the run store of its own RNNPLAY_STORE (the web process
passes its own on), as runs in the web process do. When a worker dies, its runs say so (`lost`) and the
page reopens them from their last save.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
import uuid
import warnings
from pathlib import Path

import ray
from ray import cloudpickle

from rnnplay import inspect_data
from rnnplay import store as run_store
from rnnplay.config import RunConfig
from rnnplay.i18n import N_, Msg
from rnnplay.race import Race, check_entries
from rnnplay.run.snapshot import RaceSnapshot, Snapshot
from rnnplay.run.state import RunState
from rnnplay.run.training_run import TrainingRun
from rnnplay.tasks import make_task

NAMESPACE = "rnnplay"
# what a worker process needs of the web process's settings (the run store, threads per run, ...)
PASSED_ON = ("RNNPLAY_STORE", "RNNPLAY_THREADS", "OMP_NUM_THREADS", "RNNPLAY_SAVE_EVERY_S", "RNNPLAY_STORE_MAX_MB")
LOST_TEXT = N_("The worker that trained run {id} stopped ({error}).")


def lost_reason(error: Exception) -> str:
    """Why a worker is gone, as the page says it: the first line of Ray's error (at most 300 characters)."""
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__


def lost_message(run_id: str, reason: str) -> Msg:
    return Msg(LOST_TEXT, id=run_id, error=reason)


def lost_snapshot(last, run_id: str, reason: str):
    """The last snapshot (a run's or a race's) marked as ended by its worker's loss, with the message."""
    return dataclasses.replace(last, state=RunState.ERROR, message=lost_message(run_id, reason))


# the Snapshot fields that are lists, or dicts of lists, sent as what follows the shared part
LIST_FIELDS = ("probes", "frames", "events")
COLUMN_FIELDS = ("history", "val", "spectral", "param_norms")
SAME_FIELDS = ("latest_probe", "task_view", "task", "config")  # sent only when they are new objects


def _shared_prefix(old: list, new: list) -> int:
    """How many leading items two lists share, by identity (a worker's copies share their rows' objects)."""
    n = 0
    for a, b in zip(old, new, strict=False):  # new may be longer
        if a is not b:
            break
        n += 1
    return n


def _with_size(obj):
    """(obj, its size in bytes as Ray's serializer writes it): Ray carries obj between the worker and the web
    process itself, between processes of this app only (no file or upload is ever read this way)."""
    return obj, len(cloudpickle.dumps(obj))


def snapshot_delta(old: Snapshot | None, new: Snapshot) -> dict:
    """What `new` adds to `old`: every field, lists as (kept, tail) pairs, unchanged objects left out."""
    if old is None:
        return {"full": new}
    delta = {}
    for f in dataclasses.fields(Snapshot):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if f.name in LIST_FIELDS:
            k = _shared_prefix(a, b)
            delta[f.name] = (k, b[k:])
        elif f.name in COLUMN_FIELDS:
            delta[f.name] = {}
            for c, col in b.items():
                k = _shared_prefix(a.get(c, []), col)
                delta[f.name][c] = (k, col[k:])
        elif f.name in SAME_FIELDS:
            if a is not b:
                delta[f.name] = b
        else:
            delta[f.name] = b
    return delta


def apply_delta(old: Snapshot | None, delta: dict) -> Snapshot:
    """The full Snapshot from the page's last one and what the worker sent (snapshot_delta)."""
    if "full" in delta:
        return delta["full"]
    fields = {}
    for name, value in delta.items():
        if name in LIST_FIELDS:
            k, tail = value
            fields[name] = getattr(old, name)[:k] + tail
        elif name in COLUMN_FIELDS:
            before = getattr(old, name)
            fields[name] = {c: before.get(c, [])[:k] + tail for c, (k, tail) in value.items()}
        else:
            fields[name] = value
    return dataclasses.replace(old, **fields)


@ray.remote(max_concurrency=64)  # a thread per call: a long one (a step, a save) never holds up a snapshot
class RunWorker:
    """Many runs, each training in a thread of this process; every call names its run by id."""

    def __init__(self):
        self.runs: dict[str, TrainingRun] = {}
        self.sent: dict[tuple[str, str], tuple[int, Snapshot]] = {}  # (run, client) -> (seq, last snapshot)
        self.store: run_store.RunStore | None = None
        self.lock = threading.Lock()

    def ping(self) -> int:
        return os.getpid()

    def where(self) -> str:
        """The run store this worker saves to, as messages name it ("" for none yet)."""
        return self.store.where if self.store is not None else ""

    def count(self) -> int:
        return len(self.runs)

    def make(self, config: RunConfig, kwargs: dict, record: dict | None = None) -> str:
        run = TrainingRun.from_record(record, **kwargs) if record is not None else TrainingRun(config, **kwargs)
        self.runs[run.id] = run
        return run.id

    def make_race(self, configs: list, labels: list | None, kwargs: dict) -> str:
        key = f"race:{uuid.uuid4().hex}"
        self.runs[key] = Race(configs, labels, **kwargs)
        return key

    def race_status(self, key: str) -> dict:
        race = self.runs[key]
        return {"state": race.state, "message": race.message, "configs": race.configs, "labels": race.labels}

    def race_call(self, key: str, name: str, *args):
        """A control of the race: (its result, the race's status after it)."""
        return getattr(self.runs[key], name)(*args), self.race_status(key)

    def race_snapshot(self, key: str, client: str, seq: int) -> tuple[RaceSnapshot, int]:
        """The race's snapshot, each entry's as what changed since this client's last (as snapshot())."""
        snap = self.runs[key].snapshot()
        deltas = []
        with self.lock:
            for i, entry in enumerate(snap.runs):
                last_seq, last = self.sent.get((key, client, i), (-1, None))
                deltas.append(snapshot_delta(last if last_seq == seq else None, entry))
                self.sent[(key, client, i)] = (seq + 1, entry)
        return _with_size(dataclasses.replace(snap, runs=deltas))

    def drop(self, run_id: str) -> None:
        run = self.runs.pop(run_id, None)
        if run is not None:
            run.stop() if isinstance(run, Race) else run.detach()
        for key in [k for k in self.sent if k[0] == run_id]:
            del self.sent[key]

    def status(self, run_id: str) -> dict:
        run = self.runs[run_id]
        saver = run.saver
        return {
            "id": run.id,
            "state": run.state,
            "steps_done": run.steps_done,
            "config": run.config,
            "message": run.message,
            "traceback": run.traceback,
            "saver": {
                "owner": saver.owner,
                "save_stats": dict(saver.save_stats),
                "save_error": saver.save_error,
                "forked_from": getattr(saver, "forked_from", None),
                "has_store": saver.store is not None,
            },
        }

    def call(self, run_id: str, name: str, *args, **kwargs):
        """A control of the run (start, pause, set_lr, ...): (its result, the run's status after it)."""
        run = self.runs[run_id]
        old_id = run.id
        result = getattr(run, name)(*args, **kwargs)
        if run.id != old_id:  # a reset (or a save that forked) gives the run a new id
            self.runs.pop(old_id, None)
            self.runs[run.id] = run
        return result, self.status(run.id)

    def inspect(self, run_id: str, sample):
        return inspect_data.inspect(self.runs[run_id], sample)

    def read(self, run_id: str, name: str):
        return getattr(self.runs[run_id], name)

    def set_saver(self, run_id: str, owner: str, with_store: bool) -> str:
        """The run's owner, and whether it saves (to this worker's RNNPLAY_STORE): "" or why it cannot."""
        run = self.runs[run_id]
        run.saver.owner = owner
        error = ""
        if with_store and self.store is None:
            try:
                self.store = run_store.RunStore()
            except (run_store.StoreError, OSError, RuntimeError) as e:
                error = str(e)
        run.saver.store = self.store if with_store else None
        return error

    def snapshot(self, run_id: str, client: str, seq: int) -> tuple[dict, int]:
        """The run's snapshot as what changed since the one this client holds (seq: the number of the
        client's last; a mismatch, or a first call, sends it whole), and its size on the wire."""
        snap = self.runs[run_id].snapshot()
        key = (run_id, client)
        with self.lock:
            last_seq, last = self.sent.get(key, (-1, None))
            delta = snapshot_delta(last if last_seq == seq else None, snap)
            self.sent[key] = (seq + 1, snap)
        return _with_size(delta)


# the web process's connection and its pool of workers ------------------------------------------------------
def _env_number(name: str, default, kind):
    """A setting that must be a number >= 0; a bad one is named in a warning and its default used."""
    raw = os.environ.get(name, "")
    try:
        value = kind(raw) if raw else default
    except ValueError:
        value = -1
    if value < 0 or value != value:
        warnings.warn(f"{name} must be a number >= 0, got {raw!r}: using {default}", stacklevel=2)
        return default
    return value


class _Pool:
    def __init__(self):
        self.lock = threading.Lock()
        self.workers: list = []
        self.placed = itertools.count()

    def connect(self, address: str) -> None:
        """Join the Ray cluster at `address` ("auto": the one this machine runs) once per process; workers
        get this process's run settings and find the rnnplay package at the same path (each machine of a
        cluster installs the app where the web process has it)."""
        if ray.is_initialized():
            return
        env = {k: os.environ[k] for k in PASSED_ON if k in os.environ}
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        ray.init(
            address=address,
            namespace=NAMESPACE,
            runtime_env={"env_vars": env},
            log_to_driver=False,
            logging_level="ERROR",
        )

    def worker(self):
        """The next worker, round robin; a dead one is replaced when its turn comes."""
        with self.lock:
            if not self.workers:
                self.connect(os.environ.get("RNNPLAY_RAY", "auto"))
                n = _env_number("RNNPLAY_RAY_WORKERS", 0, int) or max(1, int(ray.cluster_resources().get("CPU", 1)))
                self.workers = [None] * n
            i = next(self.placed) % len(self.workers)
            w = self.workers[i]
            if w is not None:
                try:
                    ray.get(w.ping.remote(), timeout=30)
                except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                    w = None
            if w is None:
                gpu = _env_number("RNNPLAY_RAY_GPU", 0.0, float)
                w = self.workers[i] = RunWorker.options(num_cpus=1, num_gpus=gpu).remote()
            return w


POOL = _Pool()


class _WorkerControls:
    """What a RemoteRun and a RemoteRace do alike with their worker (`worker`, where they are `_key`): the
    controls passed on as they are, through each one's `_call` (which does nothing once the worker is lost),
    and close."""

    @property
    def is_active(self) -> bool:
        return self.state == RunState.RUNNING

    def start(self) -> None:
        self._call("start")

    resume = start

    def pause(self, notice: Msg | None = None) -> None:
        self._call("pause", notice)

    def stop(self) -> None:
        self._call("stop")

    def detach(self, grace_s: float = 0.0) -> None:
        self._call("detach", grace_s)

    def attach(self) -> None:
        self._call("attach")

    def close(self) -> None:
        """Forget the run or race in its worker (`_key` there; it is no one's any more): when this handle is
        dropped (the process's registry forgot it) or by hand."""
        if "_key" in self.__dict__ and not self.lost and ray.is_initialized():
            try:
                self.worker.drop.remote(self._key)
            except Exception:  # noqa: BLE001 - the worker or Ray is already gone
                pass

    __del__ = close


class RemoteSaver:
    """The page's view of a remote run's saver: its fields as of the last call, owner and store set remotely."""

    def __init__(self, run: RemoteRun):
        self._run = run
        self.id = ""
        self.owner = ""
        self.save_stats: dict = {"step": None}
        self.save_error = ""
        self.forked_from = None
        self._store = None

    @property
    def store(self):
        return self._store

    @store.setter
    def store(self, store) -> None:
        """Saves (to the worker's own RNNPLAY_STORE) or not; told to the worker only when that changes (the
        page sets it on every script run)."""
        changed = (store is None) != (self._store is None)
        self._store = store
        if changed:
            self._run._set_saver(self.owner, store is not None)

    def __setattr__(self, name, value):
        changed = name == "owner" and value != self.__dict__.get("owner")
        super().__setattr__(name, value)
        if changed and "_store" in self.__dict__:
            self._run._set_saver(value, self._store is not None)


class RemoteRun(_WorkerControls):
    """A run training in a RunWorker, with TrainingRun's public surface (see TrainingRun for each member)."""

    def __init__(self, config: RunConfig, _record: dict | None = None, **kwargs):
        self._kwargs = kwargs
        self._client = uuid.uuid4().hex
        self._seq = 0
        self._last: Snapshot | None = None
        self._task = None
        self._probe_batch = None
        self.lost = ""  # why the worker is gone ("" while it trains)
        self.saver = RemoteSaver(self)
        self.worker = POOL.worker()
        self._key = ray.get(self.worker.make.remote(config, kwargs, _record))
        self._status = ray.get(self.worker.status.remote(self._key))
        self._take(self._status)

    @classmethod
    def from_record(cls, record: dict, **kwargs) -> RemoteRun:
        try:
            return cls(None, _record=record, **kwargs)
        except ray.exceptions.RayTaskError as e:
            if isinstance(e.cause, run_store.StoreError):
                raise e.cause from None
            raise

    def _take(self, status: dict) -> None:
        self._status = status
        if status["id"] != self._key:
            self._key, self._last, self._task, self._probe_batch = status["id"], None, None, None
        s = self.saver
        s.__dict__.update(id=status["id"], **{k: v for k, v in status["saver"].items() if k != "has_store"})

    def _lose(self, error: Exception) -> None:
        self.lost = lost_reason(error)

    def _call(self, name: str, *args, default=None, **kwargs):
        if self.lost:
            return default
        try:
            result, status = ray.get(self.worker.call.remote(self._key, name, *args, **kwargs))
        except ray.exceptions.RayActorError as e:
            self._lose(e)
            return default
        self._take(status)
        return result

    def _refresh(self) -> dict:
        if not self.lost:
            try:
                self._take(ray.get(self.worker.status.remote(self._key)))
            except ray.exceptions.RayActorError as e:
                self._lose(e)
        return self._status

    def _set_saver(self, owner: str, with_store: bool) -> None:
        if self.lost:
            return
        try:
            error = ray.get(self.worker.set_saver.remote(self._key, owner, with_store))
        except ray.exceptions.RayActorError as e:
            self._lose(e)
            return
        if error:
            self.saver.__dict__["save_error"] = error

    # what pages read
    @property
    def id(self) -> str:
        return self._key

    @property
    def config(self) -> RunConfig:
        return self._status["config"]

    @property
    def state(self) -> RunState:
        return RunState.ERROR if self.lost else self._refresh()["state"]

    @property
    def steps_done(self) -> int:
        return self._refresh()["steps_done"]

    @property
    def message(self) -> Msg:
        return lost_message(self._key, self.lost) if self.lost else self._refresh()["message"]

    @property
    def traceback(self) -> str:
        return self._status["traceback"]

    @property
    def task(self):
        """The run's task, made here from its configuration (the same data as the worker's: tasks are seeded)."""
        if self._task is None:
            self._task = make_task(self.config)
        return self._task

    @property
    def probe_batch(self):
        if self._probe_batch is None and not self.lost:
            self._probe_batch = ray.get(self.worker.read.remote(self._key, "probe_batch"))
        return self._probe_batch

    @property
    def device_choice(self):
        return None if self.lost else ray.get(self.worker.read.remote(self._key, "device_choice"))

    def whole_snapshot(self) -> Snapshot:
        """The snapshot as a page that has seen nothing of the run gets it: whole (its size is the most a
        snapshot of this run costs)."""
        self._seq = -1
        return self.snapshot()

    def inspect_in_worker(self, sample):
        """inspect_data.inspect, run in the worker beside the model (the Inspect page)."""
        return ray.get(self.worker.inspect.remote(self._key, sample))

    def snapshot(self) -> Snapshot:
        """The run's Snapshot, from what changed since this page's last one; once the worker is gone, the
        last one with state error and a message saying so."""
        if not self.lost:
            try:
                delta, self.last_snapshot_bytes = ray.get(
                    self.worker.snapshot.remote(self._key, self._client, self._seq)
                )
            except ray.exceptions.RayActorError as e:
                self._lose(e)
            else:
                self._last = apply_delta(self._last, delta)
                self._seq += 1
                return self._last
        return lost_snapshot(self._last or Snapshot(config=self.config), self._key, self.lost)

    # controls
    def join(self, timeout: float = 10.0) -> None:
        self._call("join", timeout)

    def reset(self, config: RunConfig | None = None) -> None:
        self._call("reset", config)

    def step_one(self, take_slot: bool = True):
        return self._call("step_one", take_slot)

    def set_lr(self, lr: float) -> None:
        self._call("set_lr", lr)

    def set_clip(self, clip_mode: str, clip: float) -> None:
        self._call("set_clip", clip_mode, clip)

    def wait_for_step(self, after: int, timeout: float) -> bool:
        return bool(self._call("wait_for_step", after, timeout, default=False))

    def try_it(self, text: str) -> dict:
        try:
            return self._call("try_it", text, default={})
        except ray.exceptions.RayTaskError as e:
            raise e.cause from None  # a ValueError naming what is wrong with the input

    def weights(self) -> bytes:
        return self._call("weights", default=b"")

    def load_weights(self, data: bytes) -> RunConfig:
        try:
            return self._call("load_weights", data, default=self.config)
        except ray.exceptions.RayTaskError as e:
            raise e.cause from None

    def to_record(self) -> dict:
        return self._call("to_record")

    def save(self) -> bool:
        return bool(self._call("save", default=False))


class RemoteRace(_WorkerControls):
    """A race (rnnplay.race.Race) training in a RunWorker, with Race's public surface; its snapshots cross
    as what changed in each entry, like a RemoteRun's."""

    def __init__(self, configs: list[RunConfig], labels: list[str] | None = None, **kwargs):
        check_entries(configs)  # a ConfigError here, as Race raises it
        self._client, self._seq, self._last = uuid.uuid4().hex, 0, None
        self.lost = ""
        self.worker = POOL.worker()
        self._key = ray.get(self.worker.make_race.remote(list(configs), labels, kwargs))
        self._status = ray.get(self.worker.race_status.remote(self._key))

    def _call(self, name: str, *args):
        if self.lost:
            return None
        try:
            result, self._status = ray.get(self.worker.race_call.remote(self._key, name, *args))
        except ray.exceptions.RayActorError as e:
            self.lost = lost_reason(e)
            return None
        return result

    def _refresh(self) -> None:
        if not self.lost:
            try:
                self._status = ray.get(self.worker.race_status.remote(self._key))
            except ray.exceptions.RayActorError as e:
                self.lost = lost_reason(e)

    @property
    def configs(self) -> list[RunConfig]:
        return self._status["configs"]

    @property
    def labels(self) -> list[str]:
        return self._status["labels"]

    @property
    def state(self) -> RunState:
        self._refresh()
        return RunState.ERROR if self.lost else self._status["state"]

    @property
    def message(self) -> Msg:
        return lost_message("race", self.lost) if self.lost else self._status["message"]

    @property
    def runs(self) -> list[Snapshot]:
        """Each entry as of now (its state and steps_done, as the narrator reads them)."""
        return self.snapshot().runs

    def snapshot(self) -> RaceSnapshot:
        if not self.lost:
            try:
                snap, self.last_snapshot_bytes = ray.get(
                    self.worker.race_snapshot.remote(self._key, self._client, self._seq)
                )
            except ray.exceptions.RayActorError as e:
                self.lost = lost_reason(e)
            else:
                old = self._last.runs if self._last is not None else [None] * len(snap.runs)
                old = old if len(old) == len(snap.runs) else [None] * len(snap.runs)
                self._last = dataclasses.replace(
                    snap, runs=[apply_delta(o, d) for o, d in zip(old, snap.runs, strict=True)]
                )
                self._seq += 1
                return self._last
        return lost_snapshot(self._last or RaceSnapshot(labels=list(self.labels)), "race", self.lost)

    def join(self, timeout: float = 30.0) -> None:
        self._call("join", timeout)

    def reset(self, configs: list[RunConfig] | None = None, labels: list[str] | None = None) -> None:
        if configs is not None:
            check_entries(configs)
        self._call("reset", configs, labels)
        self._last = None

    def step_one(self) -> None:
        self._call("step_one")
