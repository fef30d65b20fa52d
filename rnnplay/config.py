"""RunConfig: the one validated run configuration.

Its field names are the CLI flags (`--hidden-size`), the URL query parameters (`?hidden_size=64`)
and the keyword arguments (`RunConfig(hidden_size=64)`). Each field's metadata holds its help text
and its allowed range or choices; the CLI, the URL parser and the validator all derive from it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from rnnplay import tasks
from rnnplay.errors import ConfigError
from rnnplay.i18n import N_, Msg
from rnnplay.untrusted import MAX_SERIES, shorten

MAX_TEXT_CHARS = 20_000
# charlm reads one-hot characters: its input and output are as wide as the text's alphabet (the Tang
# poems use 463), and a batch holds batch x T x alphabet floats, so the alphabet is capped too
MAX_TEXT_SYMBOLS = 2_000


def _f(
    default: Any,
    help: str,
    *,
    lo=None,
    hi=None,
    lo_open=False,
    choices=None,
    tasks=None,
    share=True,
    help_args: dict | None = None,
):
    """A dataclass field whose metadata says what it means and what it may hold. share=False: too big
    for a URL (a user's data), so never a query parameter or a CLI flag of its own. help is marked N_ and
    may hold {fields} from help_args: "help" is the English text, field_help(name) the template with its fields."""
    meta = {
        "help": help.format(**help_args) if help_args else help,
        "help_msg": help,
        "help_args": help_args or {},
        "lo": lo,
        "hi": hi,
        "lo_open": lo_open,
        "choices": choices,
        "tasks": tasks,
        "share": share,
    }
    return field(default=default, metadata=meta)


ARCHS = ("rnn", "lstm", "gru")
TASKS = tasks.NAMES  # each name is a module of rnnplay/tasks (its registry)
DEFAULT_TASK = "majority"  # what a page, a link or the CLI trains when no task is named


@dataclass(frozen=True)
class RunConfig:
    task: str = _f(DEFAULT_TASK, N_("what to learn (see `python -m rnnplay tasks`)"), choices=TASKS)
    arch: str = _f("rnn", N_("recurrent cell: vanilla RNN, LSTM or GRU"), choices=ARCHS)
    impl: str = _f(
        "torch",
        N_("torch = fused nn.RNN/LSTM/GRU; scratch = the cell equations written out"),
        choices=("torch", "scratch"),
    )
    hidden_size: int = _f(32, N_("units in each recurrent layer"), lo=1, hi=1024)
    num_layers: int = _f(1, N_("stacked recurrent layers"), lo=1, hi=4)
    bidirectional: bool = _f(False, N_("also read the sequence backwards (where the task allows it)"))
    nonlinearity: str = _f(
        "tanh",
        N_(
            "activation of the vanilla RNN cell (linear: none, hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b, run as the "
            "written-out cell)"
        ),
        choices=("tanh", "relu", "linear"),
    )
    dropout: float = _f(0.0, N_("dropout between stacked layers (needs num_layers > 1)"), lo=0.0, hi=0.9)
    embed_dim: int = _f(
        16, N_("size of the learned token embeddings (token tasks)"), lo=1, hi=512, tasks=("sentiment", "reverse")
    )
    lr: float = _f(1e-3, N_("learning rate"), lo=0.0, hi=10.0, lo_open=True)
    lr_schedule: str = _f(
        "none", N_("learning-rate schedule: none, or step (× lr_gamma every lr_step steps)"), choices=("none", "step")
    )
    lr_step: int = _f(500, N_("step schedule: steps between two decays"), lo=1, hi=1_000_000)
    lr_step_unit: str = _f(
        "steps",
        N_(
            "step schedule: lr_step counts training steps, or epochs (passes over the task's finite "
            "data, as the course steps StepLR once per epoch)"
        ),
        choices=("steps", "epochs"),
        tasks=("random", "sentiment", "charlm"),
    )
    lr_gamma: float = _f(0.5, N_("step schedule: factor applied at each decay"), lo=0.0, hi=1.0, lo_open=True)
    optimizer: str = _f("adam", N_("optimizer (SGD uses momentum)"), choices=("adam", "sgd", "rmsprop"))
    momentum: float = _f(0.9, N_("momentum of SGD and RMSprop"), lo=0.0, hi=0.999)
    clip_mode: str = _f(
        "off", N_("gradient clipping: off, by total norm, or by value"), choices=("off", "norm", "value")
    )
    clip: float = _f(1.0, N_("clipping threshold (max norm, or max |value|)"), lo=0.0, hi=1e4, lo_open=True)
    batch_size: int = _f(32, N_("sequences per training step"), lo=1, hi=1024)
    steps: int = _f(625, N_("training steps (one batch each)"), lo=1, hi=1_000_000)
    seq_len: int = _f(10, N_("time steps per sequence (T)"), lo=2, hi=1000)
    init: str = _f(
        "default",
        N_("weight initialisation of the recurrent layers"),
        choices=("default", "xavier", "orthogonal", "identity"),
    )
    init_gain: float = _f(1.0, N_("gain applied by the initialisation"), lo=0.0, hi=10.0, lo_open=True)
    forget_bias: float = _f(
        0.0,
        N_(
            "LSTM: the forget gate's bias starts at this value in every layer (b_if, with b_hf at 0), "
            "e.g. 1 to remember by default; 0 leaves the initialisation's biases"
        ),
        lo=-10.0,
        hi=10.0,
    )
    weight_decay: float = _f(0.0, N_("L2 weight decay"), lo=0.0, hi=1.0)
    seed: int = _f(0, N_("random seed for data and weights"), lo=0, hi=2**31 - 1)
    device: str = _f(
        "auto",
        N_(
            "where to train: auto times a few steps on the GPU and the CPU and takes the faster "
            "(the CPU if there is no GPU)"
        ),
        choices=("auto", "cpu", "cuda", "mps"),
    )
    corpus: str = _f(
        "text",
        N_("charlm: the text field, or a built-in public-domain text (English sonnets, Chinese Tang poems)"),
        choices=("text", "sonnets", "tang"),
        tasks=("charlm",),
    )
    text: str = _f(
        "hello", N_("charlm: the text to learn (1–{n} characters)"), tasks=("charlm",), help_args={"n": MAX_TEXT_CHARS}
    )
    temperature: float = _f(
        0.8,
        N_("charlm: sampling temperature (low = safe, high = adventurous)"),
        lo=0.0,
        hi=5.0,
        lo_open=True,
        tasks=("charlm",),
    )
    carry_state: bool = _f(
        False,
        N_(
            "charlm: read the text in order and carry the hidden state from one batch to the next, "
            "detached (hidden.detach(): truncated backpropagation through time)"
        ),
        tasks=("charlm",),
    )
    sentences: str = _f("en", N_("sentiment: English or Chinese sentences"), choices=("en", "zh"), tasks=("sentiment",))
    readout: str = _f(
        "last_valid",
        N_(
            "sentiment: the output the classifier reads after pad_packed_sequence: last_valid = each "
            "sentence's own last word, last_padded = out[:, -1], the zeros of the padding for every "
            "sentence shorter than the batch's longest (the trap)"
        ),
        choices=("last_valid", "last_padded"),
        tasks=("sentiment",),
    )
    dataset_size: int = _f(
        128,
        N_("random: how many random sequences (with random labels) to memorise"),
        lo=2,
        hi=100_000,
        tasks=("random",),
    )
    input_size: int = _f(
        1,
        N_("random: numbers per time step of each noise sequence (the course's example has 5)"),
        lo=1,
        hi=256,
        tasks=("random",),
    )
    teacher_forcing: float = _f(
        0.5,
        N_("reverse: probability of feeding the decoder the true previous token instead of its own guess"),
        lo=0.0,
        hi=1.0,
        tasks=("reverse",),
    )
    delay: int = _f(
        10, N_("copy: blank steps between the symbols and the signal to recall them"), lo=1, hi=1000, tasks=("copy",)
    )
    noise: float = _f(
        0.1, N_("sine: standard deviation of the noise added to the series"), lo=0.0, hi=2.0, tasks=("sine",)
    )
    series: tuple = _f(
        (),
        N_(
            "sine: your own series (up to {n} numbers; from a CSV file, --csv on the command line); "
            "empty = the built-in noisy sines"
        ),
        help_args={"n": MAX_SERIES},
        tasks=("sine",),
        share=False,
    )

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _check(f, getattr(self, f.name)))
        reads_text = _for_task("text", self.task)
        if reads_text and not 1 <= len(self.text) <= MAX_TEXT_CHARS:
            raise ConfigError("text", self.text, N_("1 to {n} characters"), n=MAX_TEXT_CHARS)
        if reads_text and len(symbols := set(self.text)) > MAX_TEXT_SYMBOLS:
            raise ConfigError(
                "text",
                self.text,
                N_("at most {n} different characters (this text has {found})"),
                n=MAX_TEXT_SYMBOLS,
                found=len(symbols),
            )
        if self.bidirectional:
            cls = task_classes()[self.task]
            if not cls.allows_bidirectional:
                raise ConfigError(
                    "bidirectional",
                    True,
                    N_("only false for task {task}: {reason}"),
                    task=self.task,
                    reason=cls.bidirectional_refusal,
                )

    def replace(self, **changes: Any) -> RunConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def changed_fields(self) -> dict[str, Any]:
        """The fields that differ from this task's defaults: exactly what a share link holds."""
        base = make_config(task=self.task)
        out = {k: v for k, v in self.to_dict().items() if v != getattr(base, k) or k == "task"}
        return {k: v for k, v in out.items() if k in relevant_fields(self.task) and FIELDS[k].metadata["share"]}


def _check(f: dataclasses.Field, value: Any) -> Any:
    """Coerce one value to the field's type and enforce its range; ConfigError names the field."""
    m, kind = f.metadata, type(f.default)
    if kind is tuple:
        return _check_series(f.name, value)
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        if not isinstance(value, bool):
            raise ConfigError(f.name, value, N_("true or false"))
        return value
    try:
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            value = int(value)
        elif kind is float:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError
        else:
            value = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f.name, value, N_("an integer") if kind is int else N_("a number")) from None
    if m["choices"] is not None and value not in m["choices"]:
        raise ConfigError(f.name, value, N_("one of {choices}"), choices=", ".join(m["choices"]))
    lo, hi = m["lo"], m["hi"]
    if lo is not None and (value < lo or (m["lo_open"] and value == lo) or value > hi):
        left = "(" if m["lo_open"] else "["
        raise ConfigError(f.name, value, N_("in {range}"), range=f"{left}{lo:g}, {hi:g}]")
    return value


def check_value(name: str, value: Any) -> Any:
    """One field's value coerced to its type and checked against its range; ConfigError names it."""
    return _check(FIELDS[name], value)


def _check_series(name: str, value: Any) -> tuple:
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(name, value, N_("a sequence of numbers")) from None
    if len(out) > MAX_SERIES or not all(math.isfinite(v) for v in out):
        raise ConfigError(name, f"{len(out)} values", N_("up to {n} finite numbers"), n=MAX_SERIES)
    return out


def allowed_text(name: str) -> Msg | str:
    """Human text of what a field may hold, for help and warnings."""
    f = FIELDS[name]
    m = f.metadata
    if m["choices"]:
        return Msg(N_("one of {choices}"), choices=", ".join(m["choices"]))
    if m["lo"] is not None:
        return f"{'(' if m['lo_open'] else '['}{m['lo']:g}, {m['hi']:g}]"
    if isinstance(f.default, tuple):
        return Msg(N_("up to {n} numbers"), n=MAX_SERIES)
    return Msg(N_("true or false")) if isinstance(f.default, bool) else Msg(N_("text"))


def field_help(name: str) -> Msg:
    """A field's help text (its metadata "help" is the English one)."""
    m = FIELDS[name].metadata
    return Msg(m["help_msg"], **m["help_args"])


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in fields(RunConfig)}


def _for_task(name: str, task: str) -> bool:
    """Whether field `name` is meant for `task` (its metadata's `tasks`; None: every task). No torch."""
    only = FIELDS[name].metadata["tasks"]
    return only is None or task in only


def task_classes() -> dict:
    """rnnplay.tasks.TASK_CLASSES, loaded at first use: the tasks import torch (0.8-1.0 s measured), and
    Home imports this module (through rnnplay and rnnplay.lessons) and paints before torch is loaded."""
    return tasks.TASK_CLASSES


def relevant_fields(task: str) -> list[str]:
    """Field names that mean something for this task (task-specific ones only for their task, and
    none of those the task says it ignores, e.g. copy sets its length by delay, not seq_len)."""
    ignores = getattr(task_classes().get(task), "ignores", ())
    return [
        n
        for n, f in FIELDS.items()
        if (f.metadata["tasks"] is None or task in f.metadata["tasks"]) and n not in ignores
    ]


def make_config(task: str = DEFAULT_TASK, **overrides: Any) -> RunConfig:
    """A RunConfig with this task's fast-converging defaults, then the overrides on top."""
    classes = task_classes()
    if task not in classes:
        raise ConfigError("task", task, N_("one of {choices}"), choices=", ".join(classes))
    unknown = set(overrides) - set(FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ConfigError(name, overrides[name], N_("a field of RunConfig ({fields})"), fields=", ".join(FIELDS))
    cls = classes[task]
    # charlm's built-in texts need a bigger model than "hello": `--corpus sonnets` brings its settings
    defaults = (
        cls.defaults_for(overrides["corpus"])
        if "corpus" in overrides and hasattr(cls, "defaults_for")
        else cls.defaults
    )
    return RunConfig(**{**defaults, **overrides, "task": task})


# query parameters of the pages, not of the run: the language, a stored run, a lesson, a teacher link's
# hidden and locked controls and its signed view (app_pages/ui/teacher.py checks those), a long text
# to learn kept on the server by its hash (rnnplay/texts.py) and a teacher's short link
PAGE_PARAMS = ("lang", "run", "lesson", "hide", "lock", "view", "text_ref", "series_ref", "t")


def parse_params(params: dict[str, str]) -> tuple[RunConfig, list[Msg]]:
    """URL query parameters -> (config, warnings). A bad or unknown value is dropped with a warning
    naming it, and the default is used instead: a share link never raises. Warnings are Msgs."""
    warnings: list[str] = []
    task = params.get("task", DEFAULT_TASK)
    try:
        base = make_config(task)
    except ConfigError as e:
        warnings.append(Msg(N_("{error} — using task=majority"), error=e.message))
        task, base = DEFAULT_TASK, make_config(DEFAULT_TASK)
    good: dict[str, Any] = {}
    for name, raw in params.items():
        if name == "task" or name in PAGE_PARAMS:  # task: read above; the others are the page's own
            continue
        if name not in FIELDS or not FIELDS[name].metadata["share"]:
            warnings.append(Msg(N_("unknown parameter {name} ignored"), name=shorten(name)))
            continue
        try:
            _check(FIELDS[name], raw)
            base.replace(**good, **{name: raw})
            good[name] = raw
        except ConfigError as e:
            warnings.append(
                Msg(N_("{error} — using the default {value}"), error=e.message, value=repr(getattr(base, name)))
            )
    return base.replace(**good), warnings
