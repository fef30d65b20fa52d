"""sine: forecast the next value of a series from a look-back window of seq_len values.

The series is a noisy sum of sines, or the learner's own (config.series, e.g. from a CSV file read
by load_series_csv). A user's series is z-scored for training (its mean and std are kept, so the
view shows real units); its first 80% gives the training windows, the rest the validation ones.
"""

from __future__ import annotations

import csv
import math

import torch

from rnnplay.errors import ConfigError
from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of
from rnnplay.untrusted import MAX_SERIES, shorten

SERIES_LEN = 3000
MAX_CSV_BYTES = 2_000_000
# a series is one column; a few more (a date, a label) are fine. The cap keeps the reader linear in the
# file: a 40 kB file of 20,000 commas in its header would otherwise be scored as 20,000 columns x every row
MAX_CSV_COLUMNS = 50
MIN_VAL_WINDOWS = 8  # a user's series must leave at least this many validation windows


class SeriesError(ConfigError):
    """A refused series or CSV file (field "series" or "csv"). Its value may be a description of what
    was found, and the values of what is allowed names such as "column 2": Msgs, said in the reader's
    language too."""


def min_series_len(seq_len: int) -> int:
    """The shortest series whose last 20% still holds MIN_VAL_WINDOWS windows of seq_len + 1 values."""
    return 5 * (seq_len + 1 + MIN_VAL_WINDOWS)


def noisy_sines(seed: int, noise: float, length: int = SERIES_LEN) -> tuple[torch.Tensor, torch.Tensor]:
    """The built-in series: two sines (periods 25 and 9, random phases), clean and with Gaussian noise, (N,) each."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length, dtype=torch.float32)
    phase = torch.rand(2, generator=g) * 2 * math.pi
    clean = torch.sin(2 * math.pi * t / 25 + phase[0]) + 0.5 * torch.sin(2 * math.pi * t / 9 + phase[1])
    return clean, clean + noise * torch.randn(length, generator=g)


def z_scored(values) -> tuple[torch.Tensor, float, float]:
    """A series as float32 z-scores (N,) and the mean and std (float64) they are taken with."""
    raw = torch.tensor(values, dtype=torch.float64)
    mean, std = float(raw.mean()), float(raw.std(unbiased=False))
    return ((raw - mean) / std).float(), mean, std


def windows(series: torch.Tensor, starts: torch.Tensor, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of seq_len values at starts -> the value after each: x (B, T, 1), y (B, 1)."""
    w = series[starts[:, None] + torch.arange(seq_len + 1)]  # (B, T+1)
    return w[:, :-1, None], w[:, -1:]


def random_windows(series, split, seq_len, n, gen) -> tuple[torch.Tensor, torch.Tensor]:
    """n windows whose next value lies before split (the training part), drawn from gen."""
    return windows(series, torch.randint(0, split - seq_len - 1, (n,), generator=gen), seq_len)


# the exported script's glue around the functions above (their source is copied in by script_code), so it
# draws the same numbers from the same generator (tests/test_export.py runs both)
SCRIPT_GLUE = """
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = 1, 1, True
SERIES_LEN = {series_len}


{source}


SERIES = z_scored(USER_SERIES)[0] if USER_SERIES else noisy_sines(SEED, NOISE)[1]  # the user's own, or sines
SPLIT = len(SERIES) * 4 // 5  # training windows end before it, validation windows after


def sample(n, gen):
    return random_windows(SERIES, SPLIT, SEQ_LEN, n, gen)


def loss_fn(out, y):
    return F.mse_loss(out, y)
"""


class Sine(Task):
    name = "sine"
    finite_data = True  # batches are drawn from a fixed training set
    kind = "many-to-one"
    description = N_("forecast the next value of a noisy sum of sines (or your CSV series) from a look-back window")
    card = N_("Forecast a noisy sine (or your own CSV series), one step and autoregressively.")  # Home's card
    learn_title = N_("sine — forecast the next value of a noisy series")  # its link on the Learn page
    home_presets = (
        (
            N_("Forecast a noisy sine"),
            {"arch": "gru"},
            N_("A look-back window predicts the next value; see one-step and multi-step forecasts."),
        ),
    )
    metric = "mse"
    defaults = {"hidden_size": 32, "lr": 3e-3, "batch_size": 32, "steps": 600, "seq_len": 30}

    @staticmethod
    def read_series(data: bytes | str) -> tuple[float, ...]:
        """The learner's own series from a CSV file (see load_series_csv)."""
        return load_series_csv(data)

    @classmethod
    def script_code(cls, config) -> str:
        source = source_of(noisy_sines, z_scored, windows, random_windows)
        return SCRIPT_GLUE.format(series_len=SERIES_LEN, source=source)

    @classmethod
    def script_constants(cls, config) -> str:
        return f"NOISE = {config.noise!r}\nUSER_SERIES = {list(config.series)!r}"

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 1, 1
        self.user = bool(config.series)
        if self.user:
            need = min_series_len(self.seq_len)
            if len(config.series) < need:
                raise SeriesError(
                    "series",
                    Msg(N_("{n} values"), n=len(config.series)),
                    N_("at least {need} values for seq_len={seq_len} (or a shorter seq_len)"),
                    need=need,
                    seq_len=self.seq_len,
                )
            # (N,) z-scores: training sees unit scale
            self.series, self.mean, self.std = z_scored(config.series)
            if self.std == 0:
                raise SeriesError(
                    "series", Msg(N_("{n} equal values"), n=len(config.series)), N_("a series that varies")
                )
        else:
            self.mean, self.std = 0.0, 1.0
            self.clean, self.series = noisy_sines(config.seed, config.noise)  # (N,) each
        self.n = len(self.series)
        self.split = self.n * 4 // 5  # train windows end before it, validation after
        val_y = self.series[self.split + self.seq_len :]
        self.chance = self.chance_loss = float(val_y.var(unbiased=False))  # predict the mean

    def _windows(self, starts: torch.Tensor) -> Batch:
        return Batch(*windows(self.series, starts, self.seq_len))  # x (B, T, 1), y (B, 1)

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return Batch(*random_windows(self.series, self.split, self.seq_len, n, gen))

    def val_batch(self) -> Batch:
        starts = torch.arange(self.split, self.n - self.seq_len - 1)
        return self._windows(starts[: self.val_size])

    def units(self, v: torch.Tensor) -> list[float]:
        """Back from z-scores to the series' own units."""
        return (v * self.std + self.mean).tolist()

    def describe_value(self, pred: torch.Tensor, y: torch.Tensor | None) -> Msg:
        said = Msg(N_("predicted next value {p:.3f}"), p=self.units(pred)[0])
        if y is None:
            return said
        truth = Msg(N_(", true {v:.3f}"), v=self.units(y.reshape(-1))[0])
        return Msg("{said}{truth}", said=said, truth=truth)  # nothing to translate in the joint

    @torch.no_grad()
    def view(self, model, device, n: int = 150, horizon: int = 50) -> dict:
        """One-step forecasts over the start of the validation part, then an autoregressive
        forecast that feeds its own predictions back in for `horizon` steps (past the end of a
        short series: a forecast of its future). Values in the series' own units."""
        model.eval()
        T, s0 = self.seq_len, self.split
        avail = self.n - s0 - T  # validation targets
        n = min(n, max(avail // 2, avail - horizon))
        b = self._windows(torch.arange(s0, s0 + n))
        one_step = model(b.x.to(device)).squeeze(-1).cpu()
        window = self.series[s0 + n - T : s0 + n].clone().to(device)  # the last T observed values
        auto = []
        for _ in range(horizon):
            nxt = model(window[None, :, None])[0, 0]
            auto.append(float(nxt))
            window = torch.cat([window[1:], nxt.reshape(1)])
        truth = self.series[s0 + T : s0 + T + n + horizon]
        return {
            "kind": "forecast",
            "t": list(range(s0 + T, s0 + T + n)),
            "truth": self.units(truth),
            "t_truth": list(range(s0 + T, s0 + T + len(truth))),
            "one_step": self.units(one_step),
            "t_auto": list(range(s0 + T + n, s0 + T + n + horizon)),
            "auto": self.units(torch.tensor(auto)),
            "source": "your series" if self.user else "noisy sines",
        }


def _number(cell: str, decimal_comma: bool = False) -> float | None:
    """A cell's finite value, or None. decimal_comma: "2,5" is 2.5 (files split by ; or tabs)."""
    try:
        v = float(cell.strip().replace(",", ".") if decimal_comma else cell.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _decode(data: bytes | str) -> str:
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_CSV_BYTES:
        raise SeriesError(
            "csv", Msg(N_("{n} bytes"), n=size), N_("a file of at most {mb} MB"), mb=MAX_CSV_BYTES // 1_000_000
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeriesError(
            "csv", Msg(N_("byte {n}"), n=e.start), N_("UTF-8 text (save the file as CSV UTF-8)")
        ) from None


def load_series_csv(data: bytes | str) -> tuple[float, ...]:
    """One column of numbers from a CSV file's bytes or text. A header row is allowed, blank lines are
    skipped; with several columns the one whose every cell is a number is taken. Anything else is a
    ConfigError naming csv and the row. Plain parsing only: nothing in the file is ever executed."""
    text = _decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = next((d for d in "\t;," if d in first), ",")
    comma = delimiter != ","  # 2,5 is a number in a file split by ; or tabs
    rows = _rows(lines, delimiter)
    if not rows:
        raise SeriesError("csv", Msg(N_("an empty file")), N_("one column of numbers (a header row allowed)"))
    (_, head), body = rows[0], rows[1:]  # head: a header row or the first numbers
    if not body:
        if any(_number(c, comma) is None for c in head):
            raise SeriesError("csv", Msg(N_("a header without numbers")), N_("one column of numbers under the header"))
        body = rows
    width = _width(rows)

    def cell(r: list[str], j: int) -> str:
        return r[j].strip() if j < len(r) else ""

    names = [
        cell(head, j) if _number(cell(head, j), comma) is None and cell(head, j) else Msg(N_("column {n}"), n=j + 1)
        for j in range(width)
    ]
    good = _numbers_per_column(body, width, comma)
    numeric = [j for j in range(width) if good[j] == len(body)]
    if len(numeric) > 1:
        listed = _listed([names[j] for j in numeric])
        raise SeriesError(
            "csv",
            Msg(N_("{n} numeric columns"), n=len(numeric)),
            N_("one column of numbers (found {listed}); keep one"),
            listed=listed,
        )
    if not any(good) and width > 1:
        listed = _listed(names)
        raise SeriesError(
            "csv", Msg(N_("no numbers in {listed}"), listed=listed), N_("one column of numbers (a header row allowed)")
        )
    if not numeric:  # point at the first bad cell of the column that is most nearly numeric
        j = max(range(width), key=lambda k: good[k])
        row, r = next((i, r) for i, r in body if _number(cell(r, j), comma) is None)
        bad = cell(r, j)
        if not bad:
            allowed = N_("row {row}, {column}: the cell is missing; every cell of the series must be a number")
        elif _is_float(bad):
            allowed = N_(
                "row {row}, {column}: the cell is not a finite number; every cell of the series must be a number"
            )
        else:
            allowed = N_("row {row}, {column}: the cell is not a number; every cell of the series must be a number")
        raise SeriesError("csv", bad, allowed, row=row, column=_quoted(names[j]))
    j = numeric[0]
    values = [_number(cell(r, j), comma) for _, r in body]
    if body is not rows and _number(cell(head, j), comma) is not None:  # no header: the first row is data
        values.insert(0, _number(cell(head, j), comma))
    if len(values) > MAX_SERIES:
        raise SeriesError("csv", Msg(N_("{n} numbers"), n=len(values)), N_("at most {n}"), n=MAX_SERIES)
    return tuple(values)


def _rows(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows, numbered from 1. A row past MAX_CSV_COLUMNS, or more than MAX_SERIES + 1 rows,
    is refused as soon as it is read: a refusal costs the rows up to it, not the whole file."""
    rows = []
    try:
        for i, r in enumerate(csv.reader(lines, delimiter=delimiter), 1):
            if len(r) > MAX_CSV_COLUMNS:
                raise SeriesError(
                    "csv",
                    Msg(N_("{n} columns in row {row}"), n=len(r), row=i),
                    N_("at most {most} columns (a series is one column of numbers)"),
                    most=MAX_CSV_COLUMNS,
                )
            if any(c.strip() for c in r):
                rows.append((i, r))
    except csv.Error as e:
        raise SeriesError("csv", str(e), N_("plain-text CSV with one column of numbers")) from None
    if len(rows) > MAX_SERIES + 1:
        raise SeriesError("csv", Msg(N_("{n} rows"), n=len(rows)), N_("at most {n} numbers"), n=MAX_SERIES)
    return rows


def _width(rows: list[tuple[int, list[str]]]) -> int:
    """The widest row's number of cells (each within MAX_CSV_COLUMNS: _rows refused any wider)."""
    return max(len(r) for _, r in rows)


def _numbers_per_column(body: list[tuple[int, list[str]]], width: int, comma: bool) -> list[int]:
    """How many cells of each column are numbers: every cell of the file is read once (a short row's
    missing cells count as not numbers), so the work is linear in the file."""
    good = [0] * width
    for _, r in body:
        for j, c in enumerate(r):
            if _number(c, comma) is not None:
                good[j] += 1
    return good


def _quoted(name: str | Msg) -> str | Msg:
    """A column's name as the messages quote it: 'temp' for a header cell (shortened, markdown escaped: the
    file's own text is never a link or an image on the page), 'column 2' for one without."""
    return Msg("'{name}'", name=name) if isinstance(name, Msg) else shorten(name)


def _listed(names: list) -> Msg:
    """Column names quoted and joined by commas, each in the reader's language when it is a Msg."""
    return Msg(", ".join(f"{{c{i}}}" for i in range(len(names))), **{f"c{i}": _quoted(n) for i, n in enumerate(names)})


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
