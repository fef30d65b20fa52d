"""Export / import, UI-free: metrics CSV, configuration JSON, weights as safetensors, and a
standalone plain-PyTorch script that reproduces a run without rnnplay installed.

Nothing here ever unpickles (a pickle runs code): weights are read only by `safetensors`, after checking that the
bytes start with a safetensors header, and configurations only by `json`. Every refusal is a
ValueError (a ConfigError when one config field is at fault) whose message names what is wrong and
what is allowed, so the page can show it and change nothing else. The messages are i18n.Msg: str() is
English, and the page says it with `tr(error)` (Chinese in rnnplay/i18n/zh_export.py).
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import struct

from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from rnnplay.cells import GATES
from rnnplay.config import DEFAULT_TASK, FIELDS, ConfigError, RunConfig, make_config, relevant_fields
from rnnplay.i18n import N_, Msg
from rnnplay.models import init_forget_bias, init_recurrent
from rnnplay.run.snapshot import Snapshot
from rnnplay.tasks import TASK_CLASSES, Task, make_task
from rnnplay.trainer import decay_every, steps_per_epoch
from rnnplay.untrusted import MAX_WEIGHTS_MB, escape_markdown, json_loads, shorten

CONFIG_FORMAT, CONFIG_VERSION = "rnnplay-config", 1
WEIGHTS_FORMAT, WEIGHTS_VERSION = "rnnplay-weights", 1
# a config holds at most MAX_SERIES (100 000) numbers of a user's series: ~2 MB as JSON at full precision
MAX_CONFIG_BYTES = 3_000_000
# the weights uploader's limit (rnnplay.untrusted): the largest model a hosted class may train fits
MAX_WEIGHTS_BYTES = MAX_WEIGHTS_MB * 2**20
CSV_COLUMNS = ("step", "loss", "metric", "grad_norm", "grad_norm_clipped", "lr", "val_loss", "val_metric")
# the tasks the standalone script can train: those that give their data code (Task.script_code)
SCRIPT_TASKS = tuple(n for n, cls in TASK_CLASSES.items() if cls.script_code.__func__ is not Task.script_code.__func__)


# metrics CSV ------------------------------------------------------------------------------------
def _cell(v) -> str:
    """An empty cell for no value; a float at full precision (repr round-trips, nan/inf included)."""
    if v is None:
        return ""
    return repr(float(v)) if isinstance(v, float) else str(v)


def metrics_csv(snap: Snapshot) -> str:
    """A TrainingRun.snapshot() -> CSV text (UTF-8, a header row): one row per history step (the
    history's own down-sampled rows) and per validation step, merged by step; a column with no value
    at a step is left empty. Floats are written at full precision (repr)."""
    hist, val = snap.history, snap.val
    rows: dict[int, dict] = {}
    for i, step in enumerate(hist.get("step", [])):
        rows.setdefault(int(step), {}).update({c: hist[c][i] for c in CSV_COLUMNS[1:6]})
    for step, loss, metric in zip(val["step"], val["loss"], val["metric"], strict=True):
        rows.setdefault(int(step), {}).update({"val_loss": loss, "val_metric": metric})
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for step in sorted(rows):
        r = rows[step]
        w.writerow([step] + [_cell(r.get(c)) for c in CSV_COLUMNS[1:]])
    return out.getvalue()


# configuration JSON -----------------------------------------------------------------------------
def config_json(config: RunConfig) -> str:
    """Every RunConfig field (the series tuple as a list), tagged with format and version."""
    body = {"format": CONFIG_FORMAT, "version": CONFIG_VERSION}
    for name, v in config.to_dict().items():
        body[name] = list(v) if isinstance(v, tuple) else v
    return json.dumps(body, ensure_ascii=False, indent=1)


def _expect(got, want, template: str) -> None:
    """A file's format or version tag must be want: else ValueError(template), naming the value the file
    holds ({got}, shortened: it is the file's text) and the one allowed ({want})."""
    if got != want:
        raise ValueError(Msg(template, got=shorten(got), want=want))


def load_config_json(text: str | bytes) -> RunConfig:
    """Configuration JSON (from config_json, or written by hand) -> a validated RunConfig. Fields left
    out take the task's defaults. Refused with a message: a file over MAX_CONFIG_BYTES, text that is
    not UTF-8 JSON holding an object, another format or version, an unknown key (named), a bad value
    (ConfigError naming the field and what is allowed)."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_CONFIG_BYTES:
        raise ValueError(
            Msg(
                N_("config file: {size} bytes is too big; at most {mb} MB"), size=size, mb=MAX_CONFIG_BYTES // 1_000_000
            )
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(Msg(N_("config file: not UTF-8 text (byte {n}); expected JSON"), n=e.start)) from None
    try:
        body = json_loads(text.removeprefix("\ufeff"), N_("config file"))
    except json.JSONDecodeError as e:
        raise ValueError(
            Msg(
                N_("config file: not valid JSON (line {line}, column {column}: {error})"),
                line=e.lineno,
                column=e.colno,
                error=e.msg,  # json's own words
            )
        ) from None
    if not isinstance(body, dict):
        raise ValueError(
            Msg(N_("config file: expected a JSON object of config fields, got a JSON {type}"), type=type(body).__name__)
        )
    _expect(
        body.pop("format", None),
        CONFIG_FORMAT,
        N_("config file: format={got} is not allowed: {want!r} (an rnnplay config export)"),
    )
    _expect(
        body.pop("version", None),
        CONFIG_VERSION,
        N_("config file: version={got} is not supported: this rnnplay reads version {want}"),
    )
    unknown = [k for k in body if k not in FIELDS]
    if unknown:
        raise ConfigError(unknown[0], body[unknown[0]], N_("a field of RunConfig ({fields})"), fields=", ".join(FIELDS))
    task = body.pop("task", DEFAULT_TASK)
    if not isinstance(task, str):
        raise ConfigError("task", task, N_("one of {choices}"), choices=", ".join(FIELDS["task"].metadata["choices"]))
    return make_config(task, **body)


# weights as safetensors -------------------------------------------------------------------------
def arch_fields(config: RunConfig) -> list[str]:
    """The config fields that decide the model's tensors (their names and shapes) or what they mean:
    a weight file fits a model only when these agree."""
    names = ["task", "arch", "hidden_size", "num_layers", "bidirectional"]
    if config.arch == "rnn":
        names.append("nonlinearity")  # same shapes, another function: tanh weights are no relu model
    relevant = relevant_fields(config.task)
    # the vocabulary: charlm's comes from corpus/text, sentiment's from its sentences
    names += [n for n in ("embed_dim", "corpus", "text", "sentences") if n in relevant]
    return names


def weights_safetensors(trainer) -> bytes:
    """The model's state_dict as safetensors bytes; the metadata holds format, version and the run's
    configuration JSON (so a later import can check it fits)."""
    # own contiguous CPU copies: cuDNN's flattened LSTM weights share one buffer, which safetensors refuses
    tensors = {k: v.detach().to("cpu", copy=True).contiguous() for k, v in trainer.model.state_dict().items()}
    meta = {"format": WEIGHTS_FORMAT, "version": str(WEIGHTS_VERSION), "config": config_json(trainer.config)}
    return st_save(tensors, metadata=meta)


def _header(data: bytes) -> dict:
    """The safetensors JSON header, or ValueError "not a safetensors file" (a pickle or a torch.save
    zip renamed, text, ...) / "truncated" (the header promises more bytes than there are)."""
    if data[:2] == b"PK":
        raise ValueError(
            Msg(N_("not a safetensors file: it is a zip archive (e.g. torch.save's .pt); only safetensors is accepted"))
        )
    # a pickle (protocol 2+) starts with 0x80; so does a safetensors file whose header length is 128
    # mod 256, but its header then begins with "{" at byte 8
    if data[:1] == b"\x80" and data[8:9] != b"{":
        raise ValueError(
            Msg(N_("not a safetensors file: it is a Python pickle; pickles can run code and are never loaded"))
        )
    if len(data) < 10:
        raise ValueError(
            Msg(N_("not a safetensors file: {size} bytes is too short to hold a safetensors header"), size=len(data))
        )
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > 100_000_000 or data[8:9] != b"{":
        raise ValueError(Msg(N_("not a safetensors file: the first 8 bytes are no safetensors header length")))
    try:
        header = json_loads(data[8 : 8 + n], N_("weights file"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(Msg(N_("not a safetensors file: its header is not JSON"))) from None
    if not isinstance(header, dict):
        raise ValueError(Msg(N_("not a safetensors file: its header is not a JSON object")))
    try:
        ends = [int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__"]
    except (TypeError, KeyError, IndexError, ValueError):
        raise ValueError(Msg(N_("not a safetensors file: its header does not describe tensors"))) from None
    need = 8 + n + max(ends, default=0)
    if need > len(data):
        raise ValueError(
            Msg(N_("safetensors file truncated: {size} bytes, its header needs {need}"), size=len(data), need=need)
        )
    return header


def load_weights(trainer, data: bytes) -> RunConfig:
    """Load safetensors bytes (from weights_safetensors) into trainer.model, after checking, in this
    order: size, safetensors header, format/version, that the saved configuration's architecture
    fields equal the trainer's (the message names every mismatching field), and that every tensor's
    name and shape match the model (the message names the first mismatch). Torch and scratch cores
    share parameter names, so either impl loads the other's weights. Returns the saved config."""
    data = bytes(data)
    if len(data) > MAX_WEIGHTS_BYTES:
        raise ValueError(
            Msg(
                N_("weights file: {size} bytes is too big; at most {mb} MB"),
                size=len(data),
                mb=MAX_WEIGHTS_BYTES // 2**20,
            )
        )
    header = _header(data)
    meta = header.get("__metadata__") or {}
    _expect(
        meta.get("format"),
        WEIGHTS_FORMAT,
        N_("weights file: format={got} is not allowed: {want!r} (an rnnplay weights export)"),
    )
    _expect(
        meta.get("version"),
        str(WEIGHTS_VERSION),  # safetensors metadata holds strings only
        N_("weights file: version={got} is not supported: this rnnplay reads version {want}"),
    )
    try:
        saved = load_config_json(meta.get("config", ""))
    except ValueError as e:  # e is said in the reader's language with the rest
        raise ValueError(Msg(N_("weights file: its configuration is unusable: {error}"), error=e)) from None
    ours = trainer.config
    bad = [n for n in arch_fields(ours) if getattr(saved, n) != getattr(ours, n)]
    if bad:
        shown = lambda v: shorten(v, 20)  # noqa: E731 - a text from the file, markdown escaped
        # one Msg per field, joined by a template with nothing to translate: "{d0}, {d1}"
        diffs = {
            f"d{i}": Msg(
                N_("{field}={saved} (this run: {ours})"),
                field=n,
                saved=shown(getattr(saved, n)),
                ours=shown(getattr(ours, n)),
            )
            for i, n in enumerate(bad)
        }
        raise ValueError(
            Msg(
                N_("weights do not fit this model: {diffs}; set the same values, or import their config"),
                diffs=Msg(", ".join(f"{{{k}}}" for k in diffs), **diffs),
            )
        )
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, RuntimeError, TypeError) as e:
        error = escape_markdown(str(e)[:300])  # the library's words, which may quote the file
        raise ValueError(Msg(N_("safetensors file is corrupt: {error}"), error=error)) from None
    model_state = trainer.model.state_dict()
    for name, t in model_state.items():
        if name not in tensors:
            raise ValueError(
                Msg(N_("weights do not fit this model: tensor {name} is missing from the file"), name=shorten(name))
            )
        if tuple(tensors[name].shape) != tuple(t.shape):
            raise ValueError(
                Msg(
                    N_("weights do not fit this model: tensor {name} has shape {shape}, the model needs {need}"),
                    name=shorten(name),
                    shape=tuple(tensors[name].shape),
                    need=tuple(t.shape),
                )
            )
        if tensors[name].dtype != t.dtype:
            raise ValueError(
                Msg(
                    N_("weights do not fit this model: tensor {name} is {dtype}, not {need}"),
                    name=shorten(name),
                    dtype=tensors[name].dtype,
                    need=t.dtype,
                )
            )
    extra = [n for n in tensors if n not in model_state]
    if extra:
        raise ValueError(
            Msg(
                N_("weights do not fit this model: the file has tensor {name}, which the model lacks"),
                name=shorten(extra[0]),
            )
        )
    trainer.model.load_state_dict(tensors)  # copies in place: the optimizer keeps its parameters
    return saved


# standalone plain-PyTorch script ----------------------------------------------------------------
_SCRIPT = '''"""{title}

Exported by RNN Playground: plain PyTorch, no rnnplay needed. For the same seed it makes the same
data, the same initial weights and the same updates as the app, so it prints the same loss at every
step (on the CPU, up to float rounding). Run: python {filename}
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

# the configuration ---------------------------------------------------------------------------
SEED = {seed!r}
ARCH = {arch!r}  # nn.RNN, nn.LSTM or nn.GRU
HIDDEN_SIZE = {hidden_size!r}
NUM_LAYERS = {num_layers!r}
BIDIRECTIONAL = {bidirectional!r}
NONLINEARITY = {nonlinearity!r}  # of the vanilla RNN
DROPOUT = {dropout!r}  # between stacked layers
INIT, INIT_GAIN = {init!r}, {init_gain!r}
FORGET_BIAS = {forget_bias!r}  # LSTM: the forget gate's starting bias (0: as the initialisation left it)
OPTIMIZER, LR, MOMENTUM, WEIGHT_DECAY = {optimizer!r}, {lr!r}, {momentum!r}, {weight_decay!r}
LR_SCHEDULE, LR_STEP, LR_GAMMA = {lr_schedule!r}, {decay_every!r}, {lr_gamma!r}  # LR_STEP in steps{decay_note}
CLIP_MODE, CLIP = {clip_mode!r}, {clip!r}  # off, norm (max total norm) or value (max |g|)
BATCH_SIZE, STEPS, SEQ_LEN = {batch_size!r}, {steps!r}, {seq_len!r}
CARRY_STATE = {carry!r}  # charlm: the hidden state carried from one batch to the next, detached
{task_constants}

# the task: {task} ------------------------------------------------------------------------------
{task_code}

# the model: recurrent core -> linear head on the last step ------------------------------------
GATES = {gates!r}


{model_init}
{linear_rnn}

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        kw = {{"num_layers": NUM_LAYERS, "bidirectional": BIDIRECTIONAL, "dropout": DROPOUT if NUM_LAYERS > 1 else 0.0}}
        if ARCH == "rnn":  # nn.RNN has no linear cell: a tanh one holds its weights (see LinearRNN)
            kw["nonlinearity"] = "tanh" if NONLINEARITY == "linear" else NONLINEARITY
        cls = {{"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}}[ARCH]
        self.core = cls(INPUT_SIZE, HIDDEN_SIZE, batch_first=True, **kw)
        init_recurrent(self.core, ARCH, INIT, INIT_GAIN)
        init_forget_bias(self.core, ARCH, FORGET_BIAS)
        if ARCH == "rnn" and NONLINEARITY == "linear":
            self.core = LinearRNN(self.core)
        self.head = nn.Linear(HIDDEN_SIZE * (2 if BIDIRECTIONAL else 1), OUTPUT_SIZE)
        if INIT == "xavier":  # the course's loop covers every weight of the model, the head's too
            with torch.no_grad():
                nn.init.xavier_normal_(self.head.weight, gain=INIT_GAIN)
                self.head.bias.zero_()

    def forward(self, x):
        out, _ = self.core(x)  # (B, T, D*H)
        if not MANY_TO_ONE:  # an output at every step
            return self.head(out)
        last = out[:, -1]  # the forward direction after the whole sequence
        if BIDIRECTIONAL:  # ... and the backward one after the whole sequence: its first step
            last = torch.cat([last[:, :HIDDEN_SIZE], out[:, 0, HIDDEN_SIZE:]], dim=1)
        return self.head(last)


# training ------------------------------------------------------------------------------------
torch.manual_seed(SEED)  # the weights' random numbers (and dropout's)
model = Model()
params = [p for p in model.parameters() if p.requires_grad]
kw = {{"lr": LR, "weight_decay": WEIGHT_DECAY}}
if OPTIMIZER == "sgd":
    optimizer = torch.optim.SGD(params, momentum=MOMENTUM, **kw)
elif OPTIMIZER == "rmsprop":
    optimizer = torch.optim.RMSprop(params, momentum=MOMENTUM, **kw)
else:
    optimizer = torch.optim.Adam(params, **kw)
gen = torch.Generator().manual_seed(SEED)  # the training data stream
state = None  # CARRY_STATE: the recurrent state carried from step to step

for step in range(STEPS):
    model.train()
    if LR_SCHEDULE == "step":
        for group in optimizer.param_groups:
            group["lr"] = LR * LR_GAMMA ** (step // LR_STEP)
    if CARRY_STATE:  # truncated BPTT: the last step's final state, detached, starts this one
        x, y, fresh = stream_batch(step)
        out, state = model.core(x, None if fresh else state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        loss = loss_fn(model.head(out), y)
    else:
        x, y = sample(BATCH_SIZE, gen)
        loss = loss_fn(model(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    if not (math.isfinite(loss.item()) and math.isfinite(norm.item())):
        print(f"step {{step + 1}} diverged: the loss or the gradient became NaN/Inf")
        break
    if CLIP_MODE == "norm":
        torch.nn.utils.clip_grad_norm_(params, CLIP)
    elif CLIP_MODE == "value":
        torch.nn.utils.clip_grad_value_(params, CLIP)
    optimizer.step()
    print(f"step {{step + 1}} loss {{loss.item():.9g}}")
'''


# the exported script's linear RNN (nonlinearity=linear): torch's nn.RNN offers only tanh and relu
_LINEAR_RNN = '''

class LinearRNN(nn.Module):
    """nn.RNN without its activation: h_t = W_ih x_t + b_ih + W_hh h_(t-1) + b_hh. It holds an nn.RNN's
    parameters (same names, same initialisation) and runs the recurrence itself, as nn.RNN(batch_first=True):
    x (B, T, I) -> (out (B, T, D*H), h_n (L*D, B, H))."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn  # its weights only: its own (tanh) forward is never called

    def forward(self, x, state=None):
        r, D = self.rnn, 2 if self.rnn.bidirectional else 1
        finals, layer_in = [], x
        for k in range(r.num_layers):
            outs = []
            for d, sfx in enumerate(["", "_reverse"][:D]):
                names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                w_ih, w_hh, b_ih, b_hh = (getattr(r, f"{n}_l{k}{sfx}") for n in names)
                h = state[k * D + d] if state is not None else x.new_zeros(x.shape[0], r.hidden_size)
                seq = layer_in.flip(1) if sfx else layer_in  # the reverse direction reads from the end
                xw = F.linear(seq.transpose(0, 1).contiguous(), w_ih, b_ih + b_hh)  # (T, B, H): every input side
                hs = []
                for xw_t in xw.unbind(0):
                    h = torch.addmm(xw_t, h, w_hh.T)  # no activation
                    hs.append(h)
                hs = torch.stack(hs)  # (T, B, H)
                finals.append(hs[-1])
                out = hs.transpose(0, 1)  # (B, T, H)
                outs.append(out.flip(1) if sfx else out)
            layer_in = torch.cat(outs, dim=2) if D == 2 else outs[0]
            if k < r.num_layers - 1 and r.dropout > 0 and self.training:
                layer_in = F.dropout(layer_in, r.dropout, training=True)
        return layer_in, torch.stack(finals)
'''


def pytorch_script(config: RunConfig, filename: str = "rnn_run.py") -> str:
    """A self-contained Python script (imports only torch) that trains config's run the way
    rnnplay's Trainer does on the CPU: the same data stream, initial weights, optimizer, clipping and
    learning-rate schedule, printing `step N loss X` at every step. Tasks with dense or one-hot
    inputs (SCRIPT_TASKS: many-to-one, many-to-many, one-to-many); the token tasks (embeddings,
    packing, seq2seq) raise NotImplementedError. impl=scratch exports the fused
    core: it holds the same weights and computes the same function (up to float rounding)."""
    if config.task not in SCRIPT_TASKS:
        raise NotImplementedError(
            f"task={config.task!r}: the standalone script supports the tasks {', '.join(SCRIPT_TASKS)}"
        )
    c = config
    values = {f: getattr(c, f) for f in FIELDS}
    cls = TASK_CLASSES[c.task]
    task = make_task(c)
    every = decay_every(c, task)
    per_epoch = steps_per_epoch(task, c.batch_size)
    epochs = c.lr_step_unit == "epochs" and per_epoch is not None
    note = f": {c.lr_step} epochs x {per_epoch} steps (StepLR(step_size={c.lr_step}) per epoch)" if epochs else ""
    return _SCRIPT.format(
        title=f"{c.task}: {c.arch.upper()} ({c.hidden_size} units x {c.num_layers} layers), seed {c.seed}",
        filename=filename,
        task_code=cls.script_code(c).strip("\n"),
        task_constants=cls.script_constants(c),
        gates=GATES,
        model_init="\n\n".join(inspect.getsource(f) for f in (init_recurrent, init_forget_bias)).strip("\n"),
        linear_rnn=_LINEAR_RNN if c.arch == "rnn" and c.nonlinearity == "linear" else "",
        carry=c.carry_state and "carry_state" in relevant_fields(c.task),
        decay_every=every,
        decay_note=note,
        **values,
    )
