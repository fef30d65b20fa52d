"""What a run's probes saw, kept bounded, and when to probe next.

ProbeLog records each probe (Trainer.probe(): the gradient through time, hidden states, spectrum,
parameter norms, validation and now and then the task view) as the charts read it. ProbeCadence
decides when the next probe is due so that probing costs at most a share of training time.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque

from rnnplay.run.history import thin

# replay frames hold hidden states and gates (T x D*H each): a byte budget on top of probe_rows
# keeps a long, wide run bounded (adding T=50, LSTM H=64: ~77 kB a frame, all probe_rows fit)
FRAMES_BUDGET_BYTES = 48 * 2**20
MIN_PROBE_INTERVAL_S = 0.25  # at most 4 probes a second: a validation point and a heatmap row each
# the probes' share of training time, on top of which comes the forced last probe. Between two steps (a GPU)
# it is the training thread's own time: a live Playground run should train at >= 0.9 x the speed of a plain
# loop, and the run's statistics, the server's other threads and the browser take a few percent already (copy's
# defaults between steps, alone against the plain loop: 0.94 at 4%, 0.88 at 6%, medians of 4, measured). On a
# CPU probes run behind training (RunLoop) and it is the CPU time of their thread, which a shared server's
# other runs need too. The probe charts redraw every 1.5 s; copy still probes about twice a second.
PROBE_BUDGET = 0.04
# a step whose gradient norm is this many times the one at the last probe is probed at once, ahead of the
# budget: an explosion's gradient through time is seen as it grows (a linear RNN's unclipped run grows from
# ~20 to 1e6-1e13 in its last tens of steps, under a second on a CPU, between two budgeted probes). The bucket
# may go this many probes into debt for it, repaid before the next budgeted probe: over a run, probes still
# cost the budget plus a few probes, however noisy its gradient norm.
SURGE, SURGE_DEBT_PROBES = 4.0, 8
# a run's first probes are free (ProbeCadence): 3 at min_interval_s apart put the charts' first rows up in
# the run's first half second
FREE_PROBES = 3
PROBE_COST_WINDOW, OUTLIER = 5, 3.0  # the cost is the median of the last 5 probes; one is charged at most 3x it
VIEW_EVERY_S = 1.0  # the task view (only its latest is drawn) at most once a second, and at the last step
STORE_FRAMES_BYTES = 4 * 2**20  # the replay frames a stored run keeps, so a save stays a few milliseconds


def _frames_bytes(frames: list[dict]) -> int:
    return sum(a.nbytes for f in frames for a in f["hidden"].values())


class ProbeLog:
    """Each probe's numbers as columns (validation, spectrum, parameter norms), the gradient-through-time
    rows, the replay frames, the latest probe and task view. All bounded: rows thinned to probe_rows (and
    to history_cap for the columns), frames to frames_budget_bytes. `version` changes with every probe."""

    def __init__(self, probe_rows: int, history_cap: int, frames_budget_bytes: int = FRAMES_BUDGET_BYTES):
        self.probe_rows, self.history_cap, self.frames_budget_bytes = probe_rows, history_cap, frames_budget_bytes
        self.val: dict[str, list[float]] = {"step": [], "loss": [], "metric": []}
        self.probes: list[dict] = []  # {"step", "grad_through_time"} thinned to probe_rows
        # per probe: spectral radius, and the largest singular values of the first W_hh
        self.spectral: dict[str, list] = {"step": [], "radius": [], "singular": []}
        # per probe: (step, pre-clip norm of each parameter tensor), names in param_names' order
        self.param_norm_rows: list[tuple[int, list[float]]] = []
        self.param_names: list[str] = []
        # what each probe saw (never changed once recorded, so snapshots share them uncopied)
        self.frames: list[dict] = []
        self.latest_probe: dict | None = None
        self.task_view: dict | None = None
        self.version = 0

    def record(self, p: dict) -> None:
        """One probe (with its validation; one without is not recorded)."""
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
        self._record_norms(step, p.get("param_norms") or {})
        self._record_frame(p)
        self.latest_probe = p
        if "task_view" in p:
            self.task_view = p["task_view"]
        else:  # the latest probe carries the latest view, as the pages read it from there too
            p["task_view"] = self.task_view
        self.version += 1
        for rows in (self.val, self.spectral):  # bounded like the history
            if len(rows["step"]) > self.history_cap:
                for k, v in rows.items():
                    rows[k] = thin(v, self.history_cap)

    def _record_norms(self, step: int, norms: dict[str, float]) -> None:
        if not norms:
            return
        if list(norms) != self.param_names:  # the first probe, or a parameter new to this one
            self.param_names += [n for n in norms if n not in self.param_names]
        self.param_norm_rows.append((step, [norms.get(n, math.nan) for n in self.param_names]))
        self.param_norm_rows = thin(self.param_norm_rows, self.probe_rows)

    def _record_frame(self, p: dict) -> None:
        """Keep what this probe saw, within probe_rows frames and the byte budget."""
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

    def copy(self) -> dict:
        """A reader's copy of the columns and rows (made once per probe: the lists in it are new)."""
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

    def state_dict(self) -> dict:
        """What a stored run keeps; the replay frames thinned (first and latest kept) to STORE_FRAMES_BYTES."""
        frames = list(self.frames)
        while len(frames) > 2 and _frames_bytes(frames) > STORE_FRAMES_BYTES:
            frames = thin(frames, len(frames) - 1)
        return {
            "val": self.val,
            "probes": self.probes,
            "spectral": self.spectral,
            "param_norm_rows": self.param_norm_rows,
            "param_names": self.param_names,
            "frames": frames,
            "latest_probe": self.latest_probe,
            "task_view": self.task_view,
        }

    def load_state_dict(self, state: dict) -> None:
        """state_dict's parts, their arrays already decoded."""
        self.val, self.probes, self.spectral = state["val"], state["probes"], state["spectral"]
        self.param_norm_rows = [(int(step), list(values)) for step, values in state["param_norm_rows"]]
        self.param_names = list(state["param_names"])
        self.frames, self.latest_probe, self.task_view = state["frames"], state["latest_probe"], state["task_view"]
        self.version += 1


class ProbeCadence:
    """When to probe: the probes' budget is a bucket; each step adds budget x its time, each probe takes
    its time out (the last and forced ones too), so over the run probes cost at most the budget plus the
    free first ones, what outliers took over their charge, the debt gradient surges may run up
    (SURGE_DEBT_PROBES probes) and the last step's probe; and at most one probe per min_interval_s.

    A run's first FREE_PROBES probes come at once and then min_interval_s apart, and are not charged: they
    are the slowest (the first validation and probe batches made; in a server, the page's first figures built
    beside them: adding's first took 17-47 ms, the next 5-7 ms), and charged they held the bucket in debt for
    their time / budget, the probe charts still for the first seconds of a learner's first run (adding's
    second probe came 1.1-2.4 s in). After them a probe is charged at most OUTLIER times the median of the
    last PROBE_COST_WINDOW probes, which is also the cost the bucket must hold before the next: one probe
    that a page run or a collection slowed does not silence the charts either."""

    def __init__(self, budget: float = PROBE_BUDGET, min_interval_s: float = MIN_PROBE_INTERVAL_S):
        self.budget, self.min_interval_s = budget, min_interval_s
        self.step_s = self.probe_s = 0.0
        self.credit = 0.0
        self.probes = 0
        self.recent: deque[float] = deque(maxlen=PROBE_COST_WINDOW)  # the last probes' times
        self.last_probe_t, self.last_view_t = -math.inf, -math.inf
        self.probed_norm = math.inf  # the gradient norm of the step last probed

    def stepped(self, seconds: float) -> None:
        """A step took this long: its share of the budget goes into the bucket."""
        self.step_s = seconds if self.step_s == 0 else 0.95 * self.step_s + 0.05 * seconds
        self.credit = min(self.credit + self.budget * seconds, max(self.probe_s, 0.0) * 2)

    def due(self) -> bool:
        """The bucket holds a probe's cost and min_interval_s has gone by since the last one."""
        interval_over = time.monotonic() - self.last_probe_t >= self.min_interval_s
        if self.step_s == 0 or self.probes < FREE_PROBES:
            return interval_over  # the free first probes
        return self.credit >= self.probe_s and interval_over

    def surged(self, grad_norm: float) -> bool:
        """This step's gradient norm is SURGE times the last probed step's (or more): probe it now."""
        in_debt = self.credit - self.probe_s < -SURGE_DEBT_PROBES * self.probe_s
        return math.isfinite(grad_norm) and grad_norm >= SURGE * self.probed_norm and not in_debt

    def view_due(self) -> bool:
        return time.monotonic() - self.last_view_t >= VIEW_EVERY_S

    def viewed(self) -> None:
        self.last_view_t = time.monotonic()

    def probed(self, seconds: float, grad_norm: float = math.inf) -> None:
        """A probe of a step with this gradient norm took this long: out of the bucket (after the free ones)."""
        self.started(grad_norm)
        self.charged(seconds)

    def started(self, grad_norm: float = math.inf) -> None:
        """A probe of a step with this gradient norm starts now (one that runs behind training: charged() when
        it is done)."""
        self.last_probe_t = time.monotonic()
        self.probed_norm = grad_norm if math.isfinite(grad_norm) else math.inf

    def charged(self, seconds: float) -> None:
        """A probe took this long (a probe run behind training: the CPU time of its thread)."""
        self.probes += 1
        self.recent.append(seconds)
        self.probe_s = statistics.median(self.recent)
        if self.probes > FREE_PROBES:
            self.credit -= min(seconds, OUTLIER * self.probe_s)
