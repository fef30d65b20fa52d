"""What a run will cost, from its configuration alone, before anything is built; and a server's budget for it.

The caps in hosted.py bound parameters, steps and T one at a time; a run's cost is their product. A step
holds, for backward, every time step's gates and states of every layer and direction (B x T x L x D x H
floats times a few per gate) plus the batch (one-hot characters: B x T x alphabet) and, when the model
answers at every step, B x T x outputs logits and their gradient. The validation pass and the view read
val_size sequences at once without gradients; the probe unrolls 32 sequences with a graph. The task keeps
its data (random's pool) and the trainer its validation and probe batches. Time per step follows the
multiply-adds of the recurrence and the head, forward and backward.

estimate(config) gives the numbers; check_cost(config) refuses a run over this server's budget, the
estimate in the message ("this run needs about 3.6 GB; this server allows 512 MB"); check_caps(config)
adds the server's caps on one field each (hosted.caps()). The budget comes from
the environment, read when it is used, as hosted.caps() does:

| variable               | default | what it caps                                                    |
|------------------------|---------|-----------------------------------------------------------------|
| RNNPLAY_MAX_RUN_MB     | 512     | memory one run (or one race, all its entries) may need, in MB    |
| RNNPLAY_MAX_STEP_MS    | 2000    | estimated time of one training step on one thread, in ms         |

Why 512 MB: a step that needs more spreads the web process's heap that far, and after the run has gone
glibc keeps tens of MB of it that it cannot hand back (free blocks between live ones). Measured with the
30-session load test of 1500-step runs and its attacker, which steps a 780 MB run (docs/benchmarks.md):
RSS after the sessions 1.11-1.12x the baseline with a 1024 MB budget, 1.06x with 512 MB. A laptop that
wants bigger runs sets RNNPLAY_MAX_RUN_MB; the refusal names it.

Calibration (measure_cost.py below: each configuration in a fresh process, one torch thread, peak RSS by
resource.getrusage's ru_maxrss above a warmed-up baseline, after building the Trainer, three steps, the
validation pass, a probe and the task view; the fastest of the steps), on this machine (2 shared cores):

| configuration                                            | measured MB | estimated MB | measured ms/step | estimated |
|----------------------------------------------------------|-------------|--------------|------------------|-----------|
| majority (defaults: rnn H=32, B=32, T=10)                |           1 |           18 |              0.8 |       1.4 |
| sentiment (defaults)                                     |          11 |           20 |              1.7 |       1.6 |
| reverse (defaults, seq2seq)                              |          14 |           41 |              9.5 |      10.3 |
| charlm sonnets (lstm H=128, B=32, T=64)                  |          52 |           58 |             13.2 |      34.5 |
| majority scratch rnn H=64, B=32, T=100                   |          20 |           54 |              4.3 |       9.0 |
| majority lstm H=256, B=128, T=400                        |         838 |          921 |             1102 |      2034 |
| majority gru H=128, 2 layers, bidirectional, B=64, T=200 |         529 |          523 |             1023 |       782 |
| charlm, 2000 characters, lstm H=128, B=32, T=64          |         278 |          314 |              284 |       416 |
| random dataset_size=100000, T=400 (rnn H=64)             |         764 |          782 |               27 |        21 |
| copy delay=380 (lstm H=96, B=32, T=400)                  |         145 |          272 |               59 |        93 |
| copy (defaults: lstm H=96, B=32, T=30), probes behind    |       44-47 |           55 |                  |           |

The measured column probes between two steps, except the last row (steps taken while a probe runs behind
training, as a CPU run whose probe is small does: tests/test_cost.py; the same configuration measured 25 MB
probing between steps). The estimates of the first five rows and the last add such a probe beside a step.

The estimate is meant to be within a factor of about 2 of the measurement (never far below it), which is
what a budget needs: it tells 50 MB from 5 GB. No streamlit here, and nothing heavy: no task, model or
tensor is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnplay.config import RunConfig
from rnnplay.hosted import CAP_TEXT, GATES, PARAMS_TEXT, caps, env_int, param_count, task_sizes
from rnnplay.i18n import N_, Msg
from rnnplay.tasks import TASK_CLASSES

FLOAT = 4  # bytes of a float32

# calibrated constants (see the table above) --------------------------------------------------------------
STATE_FLOATS = 2  # per layer, direction and time step besides the gates: the hidden state and its pre-activation
TRAIN_KEEP = 3.0  # a training step holds its activations about this many times (saved, their gradients, temporaries)
INPUT_KEEP = 3.0  # the batch (one-hot: built as int64, then float32) and its copies
OUTPUT_KEEP = 4.0  # per-step logits: the logits, log-softmax, their gradients
PROBE_BATCH = 32  # Task.probe_size: the probe unrolls this many sequences with a graph
PROBE_KEEP = 6.0  # the unrolled probe keeps every step's cell tensors and their gradients (float64 norms)
OPTIMIZER_COPIES = 4  # weights, gradients and Adam's two moments
# On a CPU a probe whose peak is estimated at most this runs behind training (rnnplay/run/loop.py): the probe
# and a step are alive at once, so the run's peak holds both, and the twin's weights (copy's defaults, peak RSS
# over the first steps: 25 MB probing between steps, 44-47 MB behind, measured). A bigger probe runs between
# two steps, where the peak is the larger of the two.
PROBE_BEHIND_MAX_BYTES = 32 * 2**20
TWIN_COPIES = 3  # the twin's weights, and the float64 copy of them the gradient through time is taken on
RUN_BYTES = 16 * 2**20  # what any run holds besides: its history, probe frames, the allocator's slack
FLOPS_PER_S = 40e9  # 2 x multiply-adds per second of one CPU thread (fused GRU 44e9, LSTM 96e9 measured)
STEP_OVERHEAD_S = 1e-3  # the optimizer, clipping and statistics of a step, whatever its size
# per time step, layer and direction: the fused kernels' own loop, or a Python loop (the scratch cells,
# the seq2seq decoder) forward and backward
PER_T_S = {"fused": 3e-5, "python": 6e-5}


@dataclass(frozen=True)
class Cost:
    """Bytes and seconds one run needs, by what needs them."""

    seq_len: int  # T: the time steps the model reads (copy: delay + 20)
    param_bytes: int  # weights, gradients and optimizer state
    data_bytes: int  # what the task keeps (a pool, a text) and the trainer's validation and probe batches
    step_bytes: int  # the peak of one training step
    eval_bytes: int  # the peak of the validation pass, the view or the probe
    step_seconds: float  # one training step on one thread
    behind_bytes: int = 0  # a probe running behind training, beside a step: its peak and the twin (0: between steps)

    @property
    def total_bytes(self) -> int:
        return self.param_bytes + self.data_bytes + max(self.step_bytes, self.eval_bytes) + self.behind_bytes

    def __add__(self, other: Cost) -> Cost:
        """A race: its entries are all built at once and step one after the other."""
        return Cost(
            max(self.seq_len, other.seq_len),
            self.param_bytes + other.param_bytes,
            self.data_bytes + other.data_bytes,
            max(self.step_bytes, other.step_bytes),
            max(self.eval_bytes, other.eval_bytes),
            self.step_seconds + other.step_seconds,
            self.behind_bytes + other.behind_bytes,  # each entry's probe may run beside the others'
        )


@dataclass(frozen=True)
class Budget:
    max_bytes: int
    max_step_seconds: float


def budget() -> Budget:
    """This server's budget for one run, read from the environment now."""
    mb = env_int("RNNPLAY_MAX_RUN_MB", 512, lo=1)
    ms = env_int("RNNPLAY_MAX_STEP_MS", 2000, lo=1)
    return Budget(mb * 2**20, ms / 1000)


def seq_len(config: RunConfig) -> int:
    """The T a configuration's model reads: seq_len for most tasks, delay + 20 for copy, a sentence's
    longest for sentiment, a text shorter than seq_len whole for charlm."""
    return TASK_CLASSES[config.task].time_steps(config)


def _core_floats(L: int, D: int, G: int, H: int) -> int:
    """Floats a recurrent core keeps per sequence and time step: each layer and direction's gates and states."""
    return L * D * H * (G + STATE_FLOATS)


def estimate(config: RunConfig) -> Cost:
    """Memory and time of one run of this configuration, without building it."""
    cls = TASK_CLASSES[config.task]
    kind, n_in, n_out, vocab = task_sizes(config)
    c, T, H, G = config, seq_len(config), config.hidden_size, GATES[config.arch]
    D = 2 if c.bidirectional and kind != "seq2seq" else 1
    cores = 2 if kind == "seq2seq" else 1  # an encoder and a decoder
    L = c.num_layers
    width_in = c.embed_dim if vocab else n_in  # floats per time step of the batch the core reads
    per_step_out = kind != "many-to-one"  # the model answers at every step: T x outputs logits
    out = n_out * (T if per_step_out else 1)
    core = cores * _core_floats(L, D, G, H)

    def forward_floats(batch: int, core_floats: float) -> float:
        return batch * (T * (core_floats + INPUT_KEEP * width_in) + OUTPUT_KEEP * out)

    params = param_count(config)
    held_batch = (cls.val_size + PROBE_BATCH) * T * (1 if vocab else n_in)  # the trainer's validation and probe batches
    step = forward_floats(c.batch_size, TRAIN_KEEP * core)
    # without gradients a layer's gates, input projection and output are alive, and the layer below's output
    evaluated = forward_floats(cls.val_size, cores * _core_floats(min(L, 2), D, G, H))
    view = max(evaluated, forward_floats(PROBE_BATCH, PROBE_KEEP * core))
    # multiply-adds: per layer, direction and step, the gates read the layer's input and h; the head reads D*H
    macs = 0
    for layer in range(L):
        n_l = width_in if layer == 0 else D * H
        macs += D * G * H * (n_l + H)
    macs = cores * T * macs + (T if per_step_out else 1) * D * H * n_out
    seconds = 3 * 2 * c.batch_size * macs / FLOPS_PER_S  # forward, and backward at twice its cost
    loops = (L * D * PER_T_S["python" if c.impl == "scratch" else "fused"]) + (
        L * PER_T_S["python"] if kind == "seq2seq" else 0  # the decoder steps in Python
    )
    seconds += STEP_OVERHEAD_S + T * loops
    eval_bytes = int(FLOAT * view)
    behind = c.device != "cuda" and eval_bytes <= PROBE_BEHIND_MAX_BYTES  # "auto" may be the CPU
    return Cost(
        seq_len=T,
        param_bytes=OPTIMIZER_COPIES * FLOAT * params,
        data_bytes=RUN_BYTES + cls.data_bytes(config) + FLOAT * held_batch,
        step_bytes=int(FLOAT * step),
        eval_bytes=eval_bytes,
        step_seconds=seconds,
        behind_bytes=eval_bytes + TWIN_COPIES * FLOAT * params if behind else 0,
    )


def probes_behind(config: RunConfig) -> bool:
    """Whether this configuration's probes may run behind training on a CPU (estimate's rule: their estimated
    peak is small, and the device is not named "cuda")."""
    return estimate(config).behind_bytes > 0


# refusals ------------------------------------------------------------------------------------------------
MEMORY_TEXT = N_(
    "this run needs about {need} of memory (batch_size={batch_size}, T={seq_len}, hidden_size={hidden_size}, "
    "num_layers={num_layers}); this server allows {allowed} a run (set by {env}): choose a smaller batch, "
    "sequence or model"
)
TIME_TEXT = N_(
    "a step of this run would take about {need} s (batch_size={batch_size}, T={seq_len}, "
    "hidden_size={hidden_size}); this server allows {allowed} s a step (set by {env}): choose a smaller "
    "batch, sequence or model"
)
RACE_MEMORY_TEXT = N_(
    "this race needs about {need} of memory for its {n} entries together; this server allows {allowed} "
    "(set by {env}): race fewer or smaller entries"
)
SEQ_LEN_TEXT = N_(
    "task {task} reads sequences of T={value} steps ({why}), over this server's cap of {cap} (set by {env}): "
    "choose a smaller {field}"
)


def size(n_bytes: float) -> str:
    """Bytes as a reader says them: 3.6 GB, 120 MB, 800 kB."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2g} {unit}" if n_bytes < 10 * scale else f"{n_bytes / scale:.0f} {unit}"
    return f"{max(n_bytes, 0) / 2**10:.0f} kB"


def _words(config: RunConfig, cost: Cost) -> dict:
    return {
        "batch_size": config.batch_size,
        "seq_len": cost.seq_len,
        "hidden_size": config.hidden_size,
        "num_layers": config.num_layers,
    }


def check_cost(config: RunConfig) -> list[Msg]:
    """What in this configuration is over this server's budget (empty: all fine): the effective T against
    RNNPLAY_MAX_SEQ_LEN where the task sets it from another field (copy's delay), then memory and time,
    each with the estimate and the allowance."""
    problems = []
    T, cap = seq_len(config), caps().max_seq_len
    field, why = TASK_CLASSES[config.task].time_steps_from or (None, "")
    if field and T > cap:
        problems.append(
            Msg(
                SEQ_LEN_TEXT,
                task=config.task,
                value=T,
                why=Msg(why),
                cap=cap,
                env="RNNPLAY_MAX_SEQ_LEN",
                field=field,
            )
        )
        return problems  # the cost of a T over the cap says nothing more
    cost, b = estimate(config), budget()
    if cost.total_bytes > b.max_bytes:
        problems.append(
            Msg(
                MEMORY_TEXT,
                need=size(cost.total_bytes),
                allowed=size(b.max_bytes),
                env="RNNPLAY_MAX_RUN_MB",
                **_words(config, cost),
            )
        )
    if cost.step_seconds > b.max_step_seconds:
        problems.append(
            Msg(
                TIME_TEXT,
                need=f"{cost.step_seconds:.2g}",
                allowed=f"{b.max_step_seconds:g}",
                env="RNNPLAY_MAX_STEP_MS",
                **_words(config, cost),
            )
        )
    return problems


def check_race(configs: list[RunConfig]) -> list[Msg]:
    """A race holds all its entries at once: their memory together against the budget (each entry's own
    problems come from check_cost)."""
    if len(configs) < 2:
        return []
    total = sum((estimate(c) for c in configs[1:]), estimate(configs[0]))
    b = budget()
    if total.total_bytes <= b.max_bytes:
        return []
    return [
        Msg(
            RACE_MEMORY_TEXT,
            need=size(total.total_bytes),
            n=len(configs),
            allowed=size(b.max_bytes),
            env="RNNPLAY_MAX_RUN_MB",
        )
    ]


def check_caps(config: RunConfig) -> list[Msg]:
    """What in this configuration is over this server's caps, one message per field (empty: all fine).
    Each names the field, its value, the cap and the environment variable that sets it; then what the run
    would cost over this server's budget (rnnplay.cost: the effective T, memory, time per step)."""
    cap = caps()
    problems = []
    if config.steps > cap.max_steps:
        problems.append(Msg(CAP_TEXT, field="steps", value=config.steps, cap=cap.max_steps, env="RNNPLAY_MAX_STEPS"))
    if "seq_len" not in TASK_CLASSES[config.task].ignores and config.seq_len > cap.max_seq_len:
        problems.append(
            Msg(CAP_TEXT, field="seq_len", value=config.seq_len, cap=cap.max_seq_len, env="RNNPLAY_MAX_SEQ_LEN")
        )
    n = param_count(config)
    if n > cap.max_params:
        problems.append(
            Msg(
                PARAMS_TEXT,
                value=f"{n:,}",
                hidden_size=config.hidden_size,
                num_layers=config.num_layers,
                cap=f"{cap.max_params:,}",
                env="RNNPLAY_MAX_PARAMS",
            )
        )
    return problems + check_cost(config)
