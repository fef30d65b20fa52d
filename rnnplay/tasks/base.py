"""The Task protocol: what every task gives the trainer, the probes and the views.

A task makes batches (x float (B, T, I), y), says how the model's output is scored (loss, metric),
where the chance level lies, and which defaults converge on a laptop CPU in well under a minute.
Data come from a torch.Generator seeded by the config, so a run is reproducible; the validation
and probe batches use their own seeds, so they never overlap the training stream's state.

A task's words for the learner (description, chance_text, stuck_hint, try-it labels, its views'
titles and labels, its refusals of bad input) are English marked with N_ or written as a Msg; the
pages say them in the reader's language (app_pages.i18n.tr; a view's words through the figure's tr; the
Chinese is in rnnplay/i18n/zh_tasks.py). The data themselves (texts, sentences, tokens) are never translated.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnplay.i18n import N_, Msg
from rnnplay.tokens import PAD  # noqa: F401 - the tasks' token id of <PAD>, shared with the models

VAL_SEED_OFFSET, PROBE_SEED_OFFSET = 1_000_003, 2_000_029
IGNORE = -100  # a target position the loss and the metric skip (padding), F.cross_entropy's default


@dataclass
class Batch:
    x: Tensor  # (B, T, I) float, or (B, T) long token ids (PAD = 0) when the task has a vocab_size
    y: Tensor  # many-to-one: (B,) long or (B, 1) float; many-to-many: (B, T) long or (B, T, 1) float
    # (B,) int64 on the CPU: the true length of each sequence when they vary (padded at the end);
    # the model then packs them, so padding never changes a prediction. None = all of length T.
    lengths: Tensor | None = None


class Task:
    name: ClassVar[str]
    # "many-to-one" | "many-to-many" | "one-to-many" (the model reads (B, T, I), answers at every
    # step) | "seq2seq" (an encoder-decoder, models.Seq2Seq)
    kind: ClassVar[str]
    description: ClassVar[str]
    # Home's card (one line, N_-marked; rnnplay/tasks/__init__.py reads it from the source, so Home loads no
    # torch) and the task's link on the Learn page, under its kind
    card: ClassVar[str]
    learn_title: ClassVar[str]
    # the Playground opened on this task with settings of its own (the query parameters besides ?task=):
    # Home's featured presets, each (title, settings, a line under the title), read from the source like
    # card; and the Learn page's links, each (the place on the page, label, settings). Texts N_-marked.
    home_presets: ClassVar[tuple[tuple[str, dict[str, Any], str], ...]] = ()
    learn_links: ClassVar[tuple[tuple[str, str, dict[str, str]], ...]] = ()
    metric: ClassVar[str]  # "accuracy" | "mse" | "sequence accuracy"
    allows_bidirectional: ClassVar[bool] = True
    bidirectional_refusal: ClassVar[str] = N_("a backward pass would read the answer")  # why, when not allowed
    defaults: ClassVar[dict[str, Any]] = {}
    # a task with built-in texts (the corpus field): corpus -> the settings the UI applies when one is picked
    CORPUS_DEFAULTS: ClassVar[dict[str, dict[str, Any]]] = {}
    ignores: ClassVar[tuple[str, ...]] = ()  # config fields that mean nothing here (hidden, not shared)
    # a task that reads the learner's own series (the series field): its reader of a CSV file's bytes or text
    # -> the numbers; a bad file raises ValueError or ConfigError naming the row
    read_series: ClassVar[Callable[[bytes | str], tuple[float, ...]] | None] = None
    # how many training examples one pass over the data (an epoch) reads; None: the data never run out
    dataset_len: int | None = None
    val_size: ClassVar[int] = 256
    probe_size: ClassVar[int] = 32
    # token tasks: x holds ids < vocab_size (0 = <PAD>) and the model learns an embedding
    vocab_size: int | None = None
    # "Try it": a label and an example for a text box, or a fixed list of choices (try_it_choices)
    try_it_label: ClassVar[str | None] = None
    try_it_example: ClassVar[str] = ""
    try_it_choices: ClassVar[tuple[str, ...] | None] = None

    input_size: int
    output_size: int
    chance: float  # the metric a model without memory of the sequence gets
    chance_loss: float
    # what the dashed chance line is, for the diagnosis: "the model does no better than <chance_text>"
    chance_text: ClassVar[str] = N_("a guess that ignores the sequence")
    stuck_hint: ClassVar[str | None] = None  # what to try when the loss sits on that line (None: the generic hint)
    # True when training batches come from a fixed set (a pool, a corpus, a series) a model can memorise;
    # False when every batch is freshly generated: there is nothing to memorise (the diagnosis asks)
    finite_data: ClassVar[bool] = False
    # the dashed line's name in the loss and metric charts, {x} its value; a task whose line is not what a
    # guess gets (tagging: the best a left-to-right reader can do) names it
    chance_label: ClassVar[str] = N_("chance {x:.3g}")

    def __init__(self, config):
        self.config = config
        self.seq_len = config.seq_len

    # what a configuration will cost, known without building the task (rnnplay/cost.py) --------------
    # a task whose T another field than seq_len sets: that field, and how T follows from it (N_-marked)
    time_steps_from: ClassVar[tuple[str, str] | None] = None

    @classmethod
    def time_steps(cls, config) -> int:
        """T: the time steps the model reads per sequence for this configuration."""
        return config.seq_len

    @classmethod
    def data_bytes(cls, config) -> int:
        """Bytes of the data the task keeps besides its batches (a pool of sequences, a text's ids)."""
        return 0

    # data -----------------------------------------------------------------------------------
    def sample(self, n: int, gen: torch.Generator) -> Batch:
        raise NotImplementedError

    def train_batch(self, gen: torch.Generator) -> Batch:
        return self.sample(self.config.batch_size, gen)

    def fixed_batch(self, n: int, offset: int) -> Batch:
        return self.sample(n, torch.Generator().manual_seed(self.config.seed + offset))

    def val_batch(self) -> Batch:
        return self.fixed_batch(self.val_size, VAL_SEED_OFFSET)

    def probe_batch(self) -> Batch:
        return self.fixed_batch(self.probe_size, PROBE_SEED_OFFSET)

    # scoring --------------------------------------------------------------------------------
    @property
    def many_to_one(self) -> bool:
        return self.kind == "many-to-one"

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        """out: (B, O) or (B, T, O) from the model; class targets equal to IGNORE are skipped."""
        if y.dtype == torch.long:
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), ignore_index=IGNORE)
        return F.mse_loss(out, y)

    def score(self, out: Tensor, y: Tensor) -> Tensor:
        """The metric as a 0-d tensor (no host sync, so the trainer can batch its .item() calls)."""
        if self.metric == "accuracy":
            keep = y != IGNORE
            return ((out.argmax(-1) == y) & keep).sum() / keep.sum().clamp(min=1)
        if self.metric == "sequence accuracy":  # every kept position of a sequence right
            right = (out.argmax(-1) == y) | (y == IGNORE)
            return right.all(dim=1).float().mean()
        return F.mse_loss(out.detach(), y)

    # views ----------------------------------------------------------------------------------
    def input_labels(self, x: Tensor) -> list[str]:
        """One short label per time step of one sample x (T, I), for the activation heatmap's axis."""
        return [f"{v:.2f}" for v in x[:, 0].tolist()]

    @classmethod
    def info(cls) -> dict[str, str]:
        return {"name": cls.name, "kind": cls.kind, "description": cls.description}

    def view(self, model, device) -> dict:
        """The numbers of this task's own view for the current model (see figures.task_view)."""
        return {}

    def try_it(self, model, device, text: str) -> dict:
        """The task's own view on the learner's own input: a view dict like view(). Bad input raises ValueError with a
        message that names the input and says what is allowed."""
        raise ValueError(Msg(N_("{task}: this task has no try-it input"), task=self.name))

    # the Inspect page: the learner's own input, and the model's answer in words --------------------
    # what to type there (N_-marked; None: nothing short to type, the page offers probe samples only)
    own_input_help: ClassVar[str | None] = None
    own_input_example: ClassVar[str | None] = None  # the box's first text (None: try_it_example)
    answer_separator: ClassVar[str] = " "  # between the names of a many-to-many answer's steps

    def own_input(self, text: str) -> tuple[Tensor, Tensor | None]:
        """The learner's text -> (x (1, T, ...) as a batch of one, its target y or None when only the
        learner can judge it). Bad input raises ValueError(Msg) naming the input and what is allowed."""
        raise ValueError(
            Msg(N_("{name}: own input is not available for this task; pick a probe sample instead"), name=self.name)
        )

    def class_name(self, i: int) -> str | Msg:
        """A short name of class id i, for the model's answer in words."""
        return str(i)

    def answer_steps(self, pred: list[int]) -> list[int]:
        """The steps of a many-to-many answer worth showing (seq2seq: up to its end token)."""
        return pred

    def describe_value(self, pred: Tensor, y: Tensor | None) -> Msg | None:
        """A regression task's answer in its own words (None: the generic "predicted 0.123")."""
        return None

    # the exported plain-PyTorch script (rnnplay/export.py) ------------------------------------------
    @classmethod
    def script_code(cls, config) -> str | None:
        """This task's data code in the exported script: plain torch that sets INPUT_SIZE, OUTPUT_SIZE and
        MANY_TO_ONE and defines sample(n, gen) -> (x, y), drawing the same numbers as sample() from the same
        generator, and loss_fn(out, y). Best read from the module's own functions (source_of), so it cannot
        drift. None: the script cannot train this task (token ids, packing, seq2seq)."""
        return None

    @classmethod
    def script_constants(cls, config) -> str:
        """The task's own settings as Python lines for the script's configuration block (the user's data
        written out in full)."""
        return ""


def source_of(*functions) -> str:
    """The source of module-level functions, as they run (inspect.getsource), for the exported script."""
    return "\n\n".join(inspect.getsource(f) for f in functions)


# The task's own views: their words (titles, row labels, series names, axis titles) are Msgs, said in the
# reader's language where the view is drawn (figures.task_view_figure, with the page's tr); a plain str in a
# view (a token, a word of the data, a formula such as "P(odd)") is data and is shown as it is.
# the row of the model's answer in a tokens view: "output" in English, its own key in the catalogue (the
# catalogue's "output" is the LSTM's output gate; rnnplay.i18n.EN)
OUTPUT_ROW = {"label": Msg(N_("output (the model's answer)"))}
