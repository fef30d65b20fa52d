"""Data -> plotly Figure, and nothing else. Every function takes a TrainingRun.snapshot() (or a
part of it) and returns a go.Figure, so the figures can be tested as data without a browser.

Figures are redrawn once a second while a run trains, in the same process as the training
thread, so they are built as plain dicts and wrapped without plotly's validation: 5 ms a figure
instead of 50 (measured), which leaves the GIL to training. `export()` adds a real template for
figures shown outside Streamlit.

Every text a figure shows (titles, axis titles, legend names, hover text) is English in the code, said
through the `tr` each figure function is handed (`tr("clip at {clip:g}", clip=c.clip)`): the page hands
its reader's (app_pages.i18n.translator), the default is English. The layout measures the words (a title's
lines, the legend's rows), so they are said as the figure is built, never translated afterwards.

The charts are read by a class from the back row, two to a row, with or without Streamlit's Plotly template
(a page may draw the dicts with plain plotly.js and its own theme colours), so `_layout` gives every chart
what it needs itself: its height, font sizes, margins that hold its labels, automargin, one number format
per axis (powers of ten, never SI suffixes such as 500m), decade ticks on log axes, and a title that fits one
line (or wraps). Reference lines (chance, clip threshold, 1) are legend entries, never text on the plot."""

from __future__ import annotations

import base64
import bisect
import contextlib
import contextvars
import dataclasses
import math
import numbers
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

# plotly's validators read sys.modules["pandas"] without waiting for an import under way: a chart built while a
# page's script thread imported pandas raised AttributeError. Imported here, pandas is whole before any chart.
import pandas  # noqa: F401
import plotly.graph_objects as go
import plotly.io as pio

from rnnplay.i18n import N_, Msg, Tr, english
from rnnplay.probes import EPS

if TYPE_CHECKING:  # the snapshots' types only: figures draw data and never import the run (tests/test_layering.py)
    from rnnplay.run.snapshot import RaceSnapshot, Snapshot

TEMPLATE = "plotly"
EMPTY_TEXT = N_("press Train (or Step one batch) to fill this chart")
CHANCE_LABEL = N_("chance {x:.3g}")  # the dashed line of a task that names it no other way
COLORS = {
    "train": "#1f77b4",
    "val": "#ff7f0e",
    "chance": "#7f7f7f",
    "clipped": "#2ca02c",
    "event": "#9467bd",
    "alarm": "#d62728",
}
LINE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

# the Playground's live charts by their st.plotly_chart keys: the first three move with every step, the rest
# with the probes (the page redraws those less often); the benchmarks and tests draw the same set
CORE_CHARTS = ("loss", "metric", "grad_norm")
PROBE_CHARTS = ("gtt", "gtt_heatmap", "hidden", "task_view", "spectral")

# Heights in px. The Playground shows its live charts two to a row in boxes of these heights, so nothing
# jumps while they fill; two rows of 300 fit a 900 px screen below the page's ~150 px header.
LIVE_HEIGHT = 300
LIVE_HEIGHTS = dict.fromkeys(CORE_CHARTS + PROBE_CHARTS, LIVE_HEIGHT)
HEIGHT = 320  # the other pages' charts (Inspect, Gradient lab), each in half a row too
TALL_HEIGHT = 380  # several runs overlaid, with a legend of several rows
PCA_HEIGHT = 460

# Text sizes in px, readable from the back of a classroom; a title line holds TITLE_WIDTH latin characters
# (about 480 px at TITLE_SIZE: a chart is ~520 px wide, two to a row in a ~1100 px main area)
TITLE_SIZE, AXIS_TITLE_SIZE, TICK_SIZE, LEGEND_SIZE, HINT_SIZE = 15, 13, 12, 12, 14
TITLE_WIDTH = 55
WIDE = 1.8  # a CJK character's width in latin ones: 30 of them fill a title line
CHART_WIDTH = 520  # what a chart's legend rows and category labels are estimated against
VAL_MARKERS_BELOW = 30  # a validation curve with fewer points shows each one (they are far apart)
MAX_LOG_LABELS = 8  # decade labels on one log axis; a wider span labels every 2nd, 3rd, 5th... decade

# Margins (px) that already hold what the axes need: a chart whose margins are too small is drawn by Plotly
# twice (once to measure, once more with them widened), which made a live redraw cost Chromium ~22% more
# (docs/benchmarks.md); a chart that needs more still gets it (automargin), drawn twice.
TITLE_LINE_PX, TITLE_TOP_PX = 22, 42  # the top margin: one title line, and each line more
X_AXIS_PX = 52  # x tick labels and the axis title below the plot: the legend hangs below them
# a legend row (plotly.js 4 gives one row 29 px); an entry's symbol and gaps; a 12 px char
LEGEND_ROW_PX, LEGEND_ITEM_PX, CHAR_PX = 29, 44, 7
SIDE_PX, COLORBAR_PX = 80, 90  # y tick labels and title; a colour bar with its labels


class Spec:
    """A figure under construction as plain dicts (fast); .figure() wraps it unvalidated."""

    def __init__(self):
        self.data: list[dict] = []
        self.layout: dict = {"shapes": [], "annotations": [], "xaxis": {}, "yaxis": {}}

    def add_scatter(self, **trace) -> None:
        self.data.append({"type": "scatter", **trace})

    def add_bar(self, **trace) -> None:
        self.data.append({"type": "bar", **trace})

    def add_heatmap(self, **trace) -> None:
        self.data.append({"type": "heatmap", **trace})

    def add_hline(self, y: float, line: dict) -> None:
        """A line across the plot without a label (one the reader knows, e.g. P = 0.5): see reference_line."""
        self.layout["shapes"].append(
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}
        )

    def add_vline(self, x: float, line: dict) -> None:
        self.layout["shapes"].append(
            {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": x, "x1": x, "line": line}
        )

    def reference_line(self, y: float | None, name: str, color: str = COLORS["chance"], dash: str = "dash") -> None:
        """A horizontal line at y across the data's x range, as a trace: its label is a legend entry, so it is
        never printed over a curve, another label or the title. None while there is no data (the empty chart's
        hint stays clear) or no y."""
        xs = [
            trace["x"] for trace in self.data if _count(trace.get("x"))
        ]  # each in order: steps, positions, categories
        if y is None or not math.isfinite(y) or not xs:
            return
        ends = [v for x in xs for v in (x[0], x[-1])]
        if all(isinstance(v, numbers.Real) for v in ends):
            x = [min(ends), max(ends)]
            if any(trace["type"] == "bar" for trace in self.data):
                x = [x[0] - 0.5, x[1] + 0.5]  # across the bars, not from centre to centre
        else:  # categories: from the first to the last
            x = [xs[0][0], xs[0][-1]]
        self.add_scatter(
            x=x,
            y=[y, y],
            mode="lines",
            name=name,
            line={"color": color, "dash": dash, "width": 1.5},
            hoverinfo="name",
        )

    def update_xaxes(self, **kw) -> None:
        self.layout["xaxis"].update(_axis(kw))

    def update_yaxes(self, **kw) -> None:
        self.layout["yaxis"].update(_axis(kw))


def _count(values) -> int:
    return 0 if values is None else len(values)


# The live view sends every chart to the browser twice a second. Its numbers as JSON text cost ~20 bytes a
# float (0.6931471824645996) and a Python float each to copy and encode; plotly.js also reads "typed arrays"
# ({"dtype": "f4", "bdata": base64}): 5.3 bytes a value, copied and encoded as one string. And every figure
# carries the default template (Streamlit's, ~3.4 kB of colorscales for trace types these charts never use).
# Inside `with compact():` figures are built that way (docs/benchmarks.md, "Live app in a real browser").
_COMPACT = contextvars.ContextVar("rnnplay_compact_figures", default=False)
F4_RANGE = (1e-37, 3e38)  # float32's normal range, with margin: outside it the values go as float64
ARRAY_KEYS = ("x", "y", "z")


@contextlib.contextmanager
def compact():
    """Figures built in this block send numeric arrays as float32/int32 typed arrays (None, NaN and inf
    become NaN, a gap as None was) and a template cut down to their own trace types, and are SentFigures
    (for st.plotly_chart only). Per thread (a context variable): other sessions' figures are not affected."""
    token = _COMPACT.set(True)
    try:
        yield
    finally:
        _COMPACT.reset(token)


def _typed(values) -> dict | None:
    """values as a plotly.js typed-array spec, or None when they are not all numbers (category labels)."""
    if isinstance(values, np.ndarray):
        a = values
        if a.dtype.kind not in "iuf":
            return None
    else:
        if not isinstance(values, list | tuple | range):
            return None
        if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
            return None
        ints = all(isinstance(v, int) for v in values)
        a = np.array([math.nan if v is None else v for v in values], dtype=np.int64 if ints else np.float64)
    if a.size == 0:
        return None
    if a.dtype.kind in "iu":
        dtype = "i4" if a.size == 0 or (a.min() >= -(2**31) and a.max() < 2**31) else "f8"
    else:
        finite = np.abs(a[np.isfinite(a) & (a != 0)])
        dtype = "f4" if finite.size == 0 or (finite.min() >= F4_RANGE[0] and finite.max() <= F4_RANGE[1]) else "f8"
        a = np.where(np.isfinite(a), a, np.nan)
    spec = {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(a, dtype="<" + dtype).tobytes()).decode()}
    if a.ndim > 1:
        spec["shape"] = ", ".join(map(str, a.shape))
    return spec


@lru_cache(maxsize=32)
def _template(name: str, trace_types: tuple[str, ...]) -> dict:
    """The default template's layout and its entries for these trace types only (what a chart uses of it)."""
    full = pio.templates[name].to_plotly_json()
    data = full.get("data", {})
    return {"layout": full.get("layout", {}), "data": {k: data[k] for k in trace_types if k in data}}


class SentFigure(go.Figure):
    """A compact() figure: its spec as built, for st.plotly_chart, which only calls to_dict() on a go.Figure.
    Building a real go.Figure deep-copies the spec into plotly objects that point at each other: ~half a
    redraw's CPU, and cyclic garbage that waits for a full collection (the app turns Streamlit's after-run
    collection off) while RSS creeps up. go.Figure(fig.to_dict()) makes a real one from it."""

    def __init__(self, spec: dict):  # no go.Figure.__init__: none of its objects are wanted here
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return self._spec

    to_plotly_json = to_dict

    def __repr__(self) -> str:
        return f"SentFigure({len(self._spec['data'])} traces)"


def _compact(fig: Spec) -> None:
    for trace in fig.data:
        for key in ARRAY_KEYS:
            if key in trace and (spec := _typed(trace[key])) is not None:
                trace[key] = spec
    name = pio.templates.default
    if name and "template" not in fig.layout and isinstance(name, str) and name in pio.templates:
        fig.layout["template"] = _template(name, tuple(sorted({trace["type"] for trace in fig.data})))


def _axis(kw: dict) -> dict:
    if isinstance(kw.get("title"), str):
        kw["title"] = {"text": kw["title"]}
    return kw


# Text --------------------------------------------------------------------------------------------
def text_width(text: str) -> float:
    """text's width in latin characters of the same font: a CJK (wide or full-width) character counts WIDE."""
    return sum(WIDE if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)


# where a title line may end, best first: after a semicolon, a comma or colon, a space (dropped at the break),
# before a parenthesis; a Chinese line with none of these may end between two CJK characters
_BREAKS = (";；", ",，:：、", " ")


def _wrap(title: str, width: float = TITLE_WIDTH) -> str:
    """Plotly never wraps a title: break a long one (a task view's sentence) into lines of at most `width`,
    at the best break that leaves the first line at least half full."""
    lines, rest = [], title
    while text_width(rest) > width and "<br>" not in rest:
        end = max([i for i in range(1, len(rest)) if text_width(rest[:i]) <= width], default=1)
        ends = range(1, end + 1)
        tiers = [[i for i in ends if rest[i - 1] in marks] for marks in _BREAKS]
        tiers[-1] += [i for i in ends if rest[i] in "（("]
        tiers.append([i for i in ends if text_width(rest[i - 1]) > 1 and text_width(rest[i]) > 1])
        # not inside parentheses ("(_ =" / "blank)"), unless there is nowhere else
        outside = [[i for i in tier if _depth(rest[:i]) == 0] for tier in tiers]
        cuts = [max(tier) for tier in outside if tier and max(tier) >= end / 2]
        cuts = cuts or [max(tier) for tier in outside + tiers if tier]
        if not cuts:
            break
        cut = cuts[0]
        lines.append(rest[:cut].rstrip(" ;；"))
        rest = rest[cut:].lstrip(" ;；")
    return "<br>".join([*lines, rest])


def _depth(text: str) -> int:
    return sum(c in "(（" for c in text) - sum(c in ")）" for c in text)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(exponent: int) -> str:
    """10 to the exponent as text, in unicode superscripts: power_of_ten(-12) == "10⁻¹²"."""
    return "10" + str(exponent).translate(_SUPERSCRIPT)


# Axes ----------------------------------------------------------------------------------------------
# integer counts (training steps, time steps) as 12,000, never 1.2×10⁴ or 12k
COUNT_AXIS = {"exponentformat": "none", "separatethousands": True}


def _decade_step(span: float) -> int:
    """Decades between labels so that an axis spanning `span` decades has at most MAX_LOG_LABELS of them."""
    for step in (1, 2, 3, 5, 10, 20, 50):
        if span / step + 1 <= MAX_LOG_LABELS:
            return step
    return math.ceil(span / (MAX_LOG_LABELS - 1))


def _decades(*arrays, pad: float = 0.03) -> tuple[int, int] | None:
    """The whole decades [lo, hi] (as exponents) that hold the positive values of these arrays (None, NaN and
    inf left out), a marker's width inside the edges; None without a positive value. numpy: a live redraw
    reads every step's gradient norm."""
    low, high = math.inf, -math.inf
    for values in arrays:
        if _count(values):
            a = np.asarray(values, dtype=np.float64).ravel()  # None -> NaN
            a = a[np.isfinite(a) & (a > 0)]
            if a.size:
                low, high = min(low, float(a.min())), max(high, float(a.max()))
    if low > high:
        return None
    lo, hi = math.floor(math.log10(low) - pad), math.ceil(math.log10(high) + pad)
    return lo, max(hi, lo + 1)


def log_axis(*arrays) -> dict:
    """A log axis for the values of these arrays: whole decades, a label at every (2nd, 5th...) one written as
    a power of ten (1, 10, 10³, 10⁻¹²: Plotly's "power" format), no minor labels ("5 2 1 0.5"), no SI ("1p")."""
    spec = {"type": "log", "dtick": 1, "exponentformat": "power", "showexponent": "all"}
    if (span := _decades(*arrays)) is not None:
        spec.update(range=list(span), dtick=_decade_step(span[1] - span[0]))
    return spec


def _decade_colorbar(lo: int, hi: int, title: str) -> dict:
    """A colour bar for log10 values from lo to hi: decade ticks labelled 10⁻¹², 10⁰, 10³."""
    step = _decade_step(hi - lo)
    ticks = [k for k in range(lo, hi + 1) if k % step == 0]
    return {
        "title": {"text": title, "font": {"size": AXIS_TITLE_SIZE}},
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [power_of_ten(k) for k in ticks],
        "tickfont": {"size": TICK_SIZE},
        "thickness": 12,
    }


def _colorbar(title: str) -> dict:
    return {
        "title": {"text": title, "font": {"size": AXIS_TITLE_SIZE}},
        "tickfont": {"size": TICK_SIZE},
        "exponentformat": "power",
        "showexponent": "all",
        "thickness": 12,
    }


# a category axis is labelled for the narrowest place a live chart is drawn: beside a lesson's narration
NARROW_PLOT_PX = 220


def _category_ticks(labels: list[str], width: int = NARROW_PLOT_PX) -> dict:
    """A category axis whose labels stay level and apart: every n-th label, n so that they fit side by side
    in `width` px (hover names every one). Plotly would tilt crowded labels instead, by an angle it picks
    after drawing, and need a deeper margin than the chart was given; its `nticks` on a category axis
    still let 8-character labels run into each other in a 330 px chart (seen in Chromium)."""
    longest = max((text_width(str(s)) for s in labels), default=1) * CHAR_PX + 12
    every = max(1, -(-len(labels) // max(2, int(width // longest))))
    return {"tickangle": 0, "tickmode": "array", "tickvals": list(labels[::every])}


def _style_axis(spec: dict, data: list[dict], letter: str, empty: bool) -> None:
    """What every axis gets, with or without a template: its fonts, automargin, one number format."""
    spec.setdefault("automargin", True)
    # "hide past div" (plotly's default) measures every tick label again after drawing it: ~a quarter of
    # a live redraw's JavaScript in Chromium; a label at the very edge is clipped instead of hidden
    spec.setdefault("ticklabeloverflow", "allow")
    spec.setdefault("tickfont", {"size": TICK_SIZE})
    if isinstance(spec.get("title"), dict):
        spec["title"].setdefault("font", {"size": AXIS_TITLE_SIZE})
    if spec.get("type") == "log":
        if "range" not in spec:
            spec.update(log_axis(*[trace.get(letter) for trace in data if trace["type"] != "heatmap"]))
    elif spec.get("type") != "category" and spec.get("tickmode") != "array" and "tickformat" not in spec:
        spec.setdefault("exponentformat", "power")  # 2×10⁻⁴, never 200µ; one exponent for the whole axis
        spec.setdefault("showexponent", "all")
    if empty:  # nothing drawn yet: no grid, zero line or made-up tick labels under the hint
        spec.update(showgrid=False, zeroline=False, showticklabels=False)


# Layout --------------------------------------------------------------------------------------------
def _in_legend(fig: Spec) -> list[str]:
    shown = [trace.get("name") or "" for trace in fig.data if trace.get("showlegend", trace["type"] != "heatmap")]
    return shown if len(shown) >= 2 or fig.layout.get("showlegend") else []


def _legend_rows(names: list[str], width: int = CHART_WIDTH - SIDE_PX - 24) -> int:
    """How many rows a horizontal legend of these names takes in a chart `width` px wide (an estimate)."""
    rows, used = (1 if names else 0), 0.0
    for name in names:
        need = LEGEND_ITEM_PX + text_width(name) * CHAR_PX
        if used and used + need > width:
            rows, used = rows + 1, 0.0
        used += need
    return rows


def fit_legend(spec: dict, height: int, width: int) -> dict:
    """spec (a figure's dict) drawn `height` px tall and `width` px wide, not at the size it was laid out for (a
    chart in a third of the page): its legend's rows counted again for that width, the bottom margin that
    holds them, and the legend hung again just below the x axis title. Returns spec."""
    layout = spec["layout"]
    names = [t.get("name") or "" for t in spec["data"] if t.get("showlegend", t.get("type") != "heatmap")]
    if len(names) < 2 or "legend" not in layout:
        return spec
    m = layout.setdefault("margin", {})
    m["b"] = X_AXIS_PX + LEGEND_ROW_PX * _legend_rows(names, width - m.get("l", SIDE_PX) - 24) + 12
    plot = max(height - m.get("t", TITLE_TOP_PX) - m["b"], 40)
    layout["legend"]["y"] = -X_AXIS_PX / plot
    return spec


def _two_lines(text: str) -> str:
    """A hint on two lines, so that it stays clear of the axis titles in a narrow chart: broken after a
    Chinese comma, else at the space nearest its middle."""
    if "，" in text:
        return text.replace("，", "，<br>", 1)
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "<br>" + text[cut + 1 :]


def _margin(fig: Spec, title: str) -> dict:
    """Margins that already hold what automargin axes make room for: tick labels and axis titles, the
    legend below, a colour bar, the title's lines."""
    colorbar = any(trace["type"] == "heatmap" and trace.get("showscale", True) for trace in fig.data)
    colorbar = colorbar or any((trace.get("marker") or {}).get("showscale") for trace in fig.data)
    lines = title.count("<br>") + 1 if title else 0
    rows = _legend_rows(_in_legend(fig))
    return {
        "l": SIDE_PX,
        "r": COLORBAR_PX if colorbar else 24,
        "t": TITLE_TOP_PX + TITLE_LINE_PX * (lines - 1) if lines else 24,
        "b": X_AXIS_PX + (LEGEND_ROW_PX * rows + 12 if rows else 0),
    }


def _is_empty(fig: Spec) -> bool:
    return not any(_count(trace.get("z" if trace["type"] == "heatmap" else "x")) for trace in fig.data)


def _layout(fig: Spec, title: str, height: int = HEIGHT, tr: Tr = english, margin: dict | None = None, **kw):
    """The figure with its title (wrapped to fit), explicit height, fonts and margins, its axes styled, and
    while it is empty a hint (nothing else on the plot, so nothing crosses it). margin: what differs."""
    title = _wrap(title)
    empty = _is_empty(fig)
    for name in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
        _style_axis(fig.layout[name], fig.data, name[0], empty)
    m = {**_margin(fig, title), **(margin or {})}
    plot = max(height - m["t"] - m["b"], 40)
    fig.layout.update(
        title={"text": title, "font": {"size": TITLE_SIZE}},
        font={"size": TICK_SIZE},
        height=height,
        margin=m,
        uirevision="keep",
        # below the x axis title, rows growing down: its top at X_AXIS_PX whatever the plot's height
        legend={"orientation": "h", "yanchor": "top", "y": -X_AXIS_PX / plot, "x": 0, "font": {"size": LEGEND_SIZE}},
        **kw,
    )
    if empty:
        # an empty chart before training should say so, not look broken; no line may strike the hint through
        fig.layout["shapes"], fig.layout["annotations"] = [], []
        fig.layout["annotations"].append(
            {
                "text": _two_lines(tr(EMPTY_TEXT)),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": HINT_SIZE, "color": COLORS["chance"]},
            }
        )
    if _COMPACT.get():
        _compact(fig)
        return SentFigure({"data": fig.data, "layout": fig.layout})
    return go.Figure({"data": fig.data, "layout": fig.layout}, _validate=False)


def export(fig: go.Figure) -> go.Figure:
    """A copy with plotly's own template, for HTML/PNG export outside Streamlit's theme."""
    out = go.Figure(fig.to_dict())
    out.update_layout(template=TEMPLATE)
    return out


def _lines(y) -> list[float]:
    return [v if v is not None and math.isfinite(v) else None for v in y]


def _nz(values) -> list[float]:
    return [v if v is not None and math.isfinite(v) else EPS for v in values]


def _few_points_mode(steps, color: str) -> dict:
    """A curve of few points far apart (validation, probes) marks each one; a plain line once they are many."""
    if len(steps) < VAL_MARKERS_BELOW:
        return {"mode": "lines+markers", "marker": {"size": 6, "color": color}}
    return {"mode": "lines"}


def _text_side(x: float, xs: list) -> str:
    """Where a marker's text goes so that it stays inside the plot: away from the nearer edge."""
    lo, hi = min(xs, default=x), max(xs, default=x)
    return "bottom left" if x > (lo + hi) / 2 else "bottom right"


def _event_marks(fig: Spec, snap: Snapshot) -> None:
    """Where the learning rate or clipping changed: a dotted line, and on the training curve a mark whose hover
    says what changed (a label printed on the plot would cover the curves or each other)."""
    h = snap.history
    steps, losses = h["step"], _lines(h["loss"])
    xs, ys, texts = [], [], []
    for step, what in snap.events:
        fig.add_vline(step, {"dash": "dot", "color": COLORS["event"], "width": 1})
        i = min(bisect.bisect_left(steps, step), len(steps) - 1)
        if steps and losses[i] is not None:
            xs.append(step)
            ys.append(losses[i])
            texts.append(what)
    if xs:
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="markers",
            name="",
            hovertext=texts,
            hoverinfo="text",
            showlegend=False,
            marker={"symbol": "diamond", "size": 10, "color": COLORS["event"]},
        )


def _train_and_val(fig: Spec, snap: Snapshot, column: str, tr: Tr) -> None:
    """One column ("loss" or "metric") of the training history as a line, and of the validation
    probes as a line or, while there are few, as points."""
    h, v = snap.history, snap.val
    fig.add_scatter(x=h["step"], y=_lines(h[column]), name=tr("train"), mode="lines", line={"color": COLORS["train"]})
    fig.add_scatter(
        x=v["step"],
        y=_lines(v[column]),
        name=tr("validation"),
        line={"color": COLORS["val"]},
        **_few_points_mode(v["step"], COLORS["val"]),
    )


def loss_figure(snap: Snapshot, log_y: bool = False, tr: Tr = english, height: int = LIVE_HEIGHTS["loss"]) -> go.Figure:
    """Train and validation loss with the chance-level loss, and marks where lr/clip changed."""
    task = snap.task
    fig = Spec()
    _train_and_val(fig, snap, "loss", tr)
    if task.chance_loss is not None:
        fig.reference_line(task.chance_loss, tr(task.chance_label or CHANCE_LABEL, x=task.chance_loss))
    _event_marks(fig, snap)
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title=tr("loss"), type="log" if log_y else "linear")
    return _layout(fig, tr("Loss"), height=height, tr=tr)


# a task's metric (its `metric` attribute) in words, and as a chart title
METRIC_NAMES = {"accuracy": N_("accuracy"), "sequence accuracy": N_("sequence accuracy"), "mse": N_("mse")}
METRIC_TITLES = {
    "accuracy": N_("Accuracy"),
    "sequence accuracy": N_("Sequence accuracy"),
    "mse": N_("Mean squared error"),
}


def metric_name(metric: str, tr: Tr = english) -> str:
    """A task's metric name ("accuracy", "mse", ...) to be said; an unknown one as it is."""
    return tr(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric


def metric_figure(snap: Snapshot, tr: Tr = english, height: int = LIVE_HEIGHTS["metric"]) -> go.Figure:
    """The task metric (accuracy, sequence accuracy or MSE) for training and validation, with chance."""
    task = snap.task
    metric = task.metric
    name = metric_name(metric, tr)
    fig = Spec()
    _train_and_val(fig, snap, "metric", tr)
    if task.chance is not None:
        fig.reference_line(task.chance, tr(task.chance_label or CHANCE_LABEL, x=task.chance))
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title=name, **({"range": [0, 1.02]} if metric != "mse" else {}))
    title = tr(METRIC_TITLES[metric]) if metric in METRIC_TITLES else metric.capitalize()
    return _layout(fig, title, height=height, tr=tr)


def _grad_norm(snap: Snapshot, tr: Tr) -> Spec:
    h, c = snap.history, snap.config
    fig = Spec()
    mode = "lines" if len(h["step"]) > 1 else "lines+markers"  # a line of one point draws nothing: a dot
    fig.add_scatter(
        x=h["step"],
        y=[max(g, EPS) for g in _nz(h["grad_norm"])],
        name=tr("before clipping"),
        mode=mode,
        line={"color": COLORS["train"]},
    )
    if c.clip_mode != "off":
        fig.add_scatter(
            x=h["step"],
            y=[max(g, EPS) for g in _nz(h["grad_norm_clipped"])],
            name=tr("after clipping"),
            mode=mode,
            line={"color": COLORS["clipped"], "dash": "dot"},
        )
    if c.clip_mode == "norm":
        fig.reference_line(c.clip, tr("clip at {clip:g}", clip=c.clip), color=COLORS["alarm"])
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title="‖∇θ L‖", type="log")
    return fig


def grad_norm_figure(snap: Snapshot, tr: Tr = english, height: int = LIVE_HEIGHTS["grad_norm"]) -> go.Figure:
    """Total gradient norm per step before and after clipping, with the threshold."""
    return _layout(_grad_norm(snap, tr), tr("Gradient norm (all parameters)"), height=height, tr=tr)


def vanishing_ratio(gtt: list[float]) -> float | None:
    """‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: ≪ 1 means the gradient vanished on its way back to the first step."""
    if len(gtt) < 2 or not gtt[-1]:
        return None
    return max(gtt[0], EPS) / max(gtt[-1], EPS)


def grad_through_time_figure(snap: Snapshot, tr: Tr = english, height: int = LIVE_HEIGHTS["gtt"]) -> go.Figure:
    """‖∂L/∂h_t‖ against t for the latest probe, on a log axis; the title says how much reached h₁."""
    p = snap.latest_probe or {}
    gtt = p.get("grad_through_time") or []
    fig = Spec()
    fig.add_scatter(
        x=list(range(1, len(gtt) + 1)),
        y=[max(g, EPS) for g in _nz(gtt)],
        mode="lines+markers",
        name=tr("step {step}", step=p.get("step", 0)),
        line={"color": COLORS["alarm"]},
        marker={"size": 6, "color": COLORS["alarm"]},
    )
    ratio = vanishing_ratio(gtt)
    if ratio is None:
        title = tr("Gradient through time ‖∂L/∂hₜ‖")
    else:
        title = tr("Gradient through time: h₁/h_T = {ratio:.1e} (step {step})", ratio=ratio, step=p.get("step"))
    fig.update_xaxes(title=tr("time step t (1 = first input)"), **COUNT_AXIS)
    fig.update_yaxes(title="‖∂L/∂hₜ‖", type="log")
    return _layout(fig, title, height=height, tr=tr)


GTT_HOVER = N_("time step %{x}<br>training step %{y}<br>log₁₀ ‖∂L/∂hₜ‖ = %{z:.1f}<extra></extra>")


def _gtt_decades(snaps: list[Snapshot]) -> tuple[int, int] | None:
    """The decades of every probe's ‖∂L/∂h_t‖ in these snapshots. Exact zeros (a dead ReLU's steps) sit at the
    bottom of the scale, not stretch it to 1e-30."""
    return _decades([g for s in snaps for r in s.probes for g in _nz(r["grad_through_time"]) if g > EPS])


def _row_edges(steps: list[int]) -> list[int]:
    """A heatmap's row edges for probes taken at these training steps: each row from its probe's step to the
    next probe's, the last as tall as the one before it. With row centres instead Plotly draws the first row
    half a gap below its step (a learner read "training step -500")."""
    last = steps[-1] - steps[-2] if len(steps) > 1 else 1
    return [*steps, steps[-1] + max(last, 1)]


def grad_through_time_heatmap(
    snap: Snapshot,
    tr: Tr = english,
    decades: tuple[int, int] | None = None,
    title: str | None = None,
    height: int = LIVE_HEIGHTS["gtt_heatmap"],
) -> go.Figure:
    """log10 ‖∂L/∂h_t‖ as colour, x = time step, y = training step of each probe; the colour bar is labelled
    in powers of ten over whole decades (`decades`: one scale for several heatmaps)."""
    rows = snap.probes
    z = [[math.log10(max(g, EPS)) for g in _nz(r["grad_through_time"])] for r in rows]
    fig = Spec()
    if z:
        lo, hi = decades or _gtt_decades([snap]) or (-1, 0)
        T = len(z[-1])
        fig.add_heatmap(
            z=np.asarray(z, dtype=np.float32),
            x=list(range(1, T + 1)),
            y=_row_edges([r["step"] for r in rows]),
            colorscale="Viridis",
            zmin=lo,
            zmax=hi,
            colorbar=_decade_colorbar(lo, hi, "‖∂L/∂hₜ‖"),
            # %{...} are plotly's, not placeholders: the text goes through tr() without arguments
            hovertemplate=tr(GTT_HOVER),
        )
    fig.update_xaxes(title=tr("time step t"), **COUNT_AXIS)
    fig.update_yaxes(title=tr("training step"), **COUNT_AXIS)
    return _layout(fig, title or tr("Gradient through time over training"), height=height, tr=tr)


def hidden_figure(
    snap: Snapshot, which: str = "hidden", max_units: int = 64, tr: Tr = english, height: int = LIVE_HEIGHTS["hidden"]
) -> go.Figure:
    """Units × time heatmap of one sample's hidden states (or a gate), input on the time axis."""
    p = snap.latest_probe or {}
    states = p.get("hidden") or {}
    z = states.get(which)
    fig = Spec()
    x = []
    if z is not None:
        z = np.asarray(z, dtype=np.float32)[:, :max_units].T  # (units, T)
        labels = p.get("input_labels") or []
        x = [f"{t + 1}:{lab}" for t, lab in enumerate(labels)] or list(range(1, z.shape[1] + 1))
        signed = which in SIGNED_STATES
        fig.add_heatmap(
            z=z,
            x=x,
            y=list(range(z.shape[0])),
            colorscale="RdBu" if signed else "Viridis",
            zmid=0 if signed else None,
            zmin=None if signed else 0,
            zmax=None if signed else 1,
            colorbar=_colorbar(state_symbol(which)),
        )
    sat = p.get("saturation")
    title = tr("Hidden activations — {state}", state=state_title(which, tr))
    if sat is not None and which == "hidden":
        title += tr(" ({sat:.0%} saturated)", sat=sat)
    fig.update_xaxes(title=tr("time step : input"), type="category", **_category_ticks(x))
    fig.update_yaxes(title=tr("unit"))
    return _layout(fig, title, height=height, tr=tr)


ONE_LINE = N_("1: above it, signals can grow")


def spectral_figure(snap: Snapshot, tr: Tr = english, height: int = LIVE_HEIGHTS["spectral"]) -> go.Figure:
    """Spectral radius of W_hh over training; above 1 gradients can grow, below 1 they shrink."""
    s = snap.spectral
    fig = Spec()
    fig.add_scatter(
        x=s["step"],
        y=_lines(s["radius"]),
        name=tr("spectral radius"),
        line={"color": COLORS["train"]},
        **_few_points_mode(s["step"], COLORS["train"]),
    )
    fig.reference_line(1.0, tr(ONE_LINE))
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title="ρ(W_hh)")
    return _layout(fig, tr("Spectral radius of the recurrent weights"), height=height, tr=tr)


def _say(text, tr: Tr):
    """A task view's entry for the reader: a Msg (a word: a title, a label, a series' name) said by tr;
    anything else (a token, a formula such as "P(odd)", a number) is data, shown as it is."""
    return tr(text) if isinstance(text, Msg) else text


def lines_view(view: dict, tr: Tr = english, height: int = HEIGHT) -> go.Figure:
    """{"series": [{"name", "x", "y", "dash"?}]}: e.g. generated vs true waves. A dashed series right after
    a solid one is its reference (the true wave beside the generated one, as the title says): drawn in the
    same colour, under the solid one's legend entry, so the legend of a half-width chart stays short."""
    fig = Spec()
    k, lead, color = 0, None, LINE_COLORS[0]  # lead: the solid series a dashed one may follow
    for s in view["series"]:
        name, partner = _say(s["name"], tr), lead is not None and bool(s.get("dash"))
        if not partner:
            color, k = s.get("color") or LINE_COLORS[k % len(LINE_COLORS)], k + 1
        fig.add_scatter(
            x=s["x"],
            y=_lines(s["y"]),
            name=name,
            mode="lines",
            line={"color": s.get("color") or color, "dash": s.get("dash")},
            legendgroup=lead if partner else name,
            showlegend=not partner,
        )
        lead = None if partner or s.get("dash") else name
    fig.update_xaxes(title=_say(view.get("x_title", ""), tr))
    fig.update_yaxes(title=_say(view.get("y_title", ""), tr))
    return _layout(fig, _say(view.get("title", ""), tr), height=height, tr=tr)


def bars_view(view: dict, tr: Tr = english, height: int = HEIGHT) -> go.Figure:
    """{"x": labels, "y": values}: one bar per step or per item. Labels may repeat (a word twice in a
    sentence), so bars sit at positions 0..n-1 and carry the labels as tick text."""
    fig = Spec()
    n, labels = len(view["y"]), [str(_say(v, tr)) for v in view["x"]]
    fig.add_bar(
        x=list(range(n)),
        y=view["y"],
        marker={"color": view.get("colors") or COLORS["train"]},
        hovertext=labels,
        name=_say(view.get("y_title", ""), tr),
    )
    if view.get("hline") is not None:
        if view.get("hline_label"):
            fig.reference_line(view["hline"], _say(view["hline_label"], tr))
        else:
            fig.add_hline(view["hline"], {"dash": "dash", "color": COLORS["chance"]})
    fig.update_xaxes(tickmode="array", tickvals=list(range(n)), ticktext=labels)
    fig.update_xaxes(title=_say(view.get("x_title", ""), tr))
    fig.update_yaxes(title=_say(view.get("y_title", ""), tr), range=view.get("y_range"))
    return _layout(fig, _say(view.get("title", ""), tr), height=height, tr=tr)


def tokens_view(view: dict, tr: Tr = english, height: int | None = None) -> go.Figure:
    """{"rows": [{"label", "tokens", "correct"?}], "correct"?}: aligned tokens, one row each, the cells
    of a row with `correct` green (right) or red (wrong). A top-level `correct` is the last row's.
    height: a fixed one (the live view's; the text shrinks to fit the rows), else one that fits them."""
    rows = [dict(r) for r in view["rows"]]
    if view.get("correct") is not None and rows:
        rows[-1].setdefault("correct", view["correct"])
    width = max((len(r["tokens"]) for r in rows), default=0)
    z, text = [], []
    for r in reversed(rows):  # the first row on top
        marks = r.get("correct")
        z.append(
            [
                (1.0 if marks[j] else -1.0) if marks is not None and j < len(marks) else 0.0
                for j in range(len(r["tokens"]))
            ]
            + [None] * (width - len(r["tokens"]))
        )
        text.append([str(t) for t in r["tokens"]] + [""] * (width - len(r["tokens"])))
    height = height or max(200, 60 + 34 * len(rows))
    title = _wrap(_say(view.get("title", ""), tr))
    row_px = (height - TITLE_TOP_PX - TITLE_LINE_PX * title.count("<br>") - X_AXIS_PX) / max(len(rows), 1)
    size = min(14 if width <= 8 else 12 if width <= 14 else 10, max(8, int(row_px * 0.6)))  # long rows: smaller
    fig = Spec()
    fig.add_heatmap(
        z=z,
        text=text,
        texttemplate="%{text}",
        textfont={"size": size},
        y=[_say(r["label"], tr) for r in reversed(rows)],
        x=list(range(1, width + 1)),
        zmin=-1,
        zmax=1,
        colorscale=[[0, "#f4a6a6"], [0.5, "#e8eef7"], [1, "#a8dba8"]],
        showscale=False,
        xgap=2,
        ygap=2,
        hoverinfo="text",
    )
    fig.update_xaxes(title=tr("step"), showgrid=False, dtick=1 if width <= 16 else 2 if width <= 32 else None)
    fig.update_yaxes(type="category", showgrid=False)
    return _layout(fig, title, height=height, tr=tr)


def task_view_figure(view: dict | None, tr: Tr = english, height: int | None = None) -> go.Figure | None:
    """The task's own view for the tasks whose view is a chart; charlm's is text (None here). Its words
    (Msgs) are said by tr. height: a fixed one (the live view's), else each kind's own."""
    if not view:
        return None
    kind = view.get("kind")
    if kind == "tokens":
        return tokens_view(view, tr=tr, height=height)
    if kind in ("lines", "bars"):
        return {"lines": lines_view, "bars": bars_view}[kind](view, tr=tr, height=height or HEIGHT)
    height = height or HEIGHT
    fig = Spec()
    if kind == "forecast":
        fig.add_scatter(
            x=view["t_truth"], y=view["truth"], name=tr("truth"), mode="lines", line={"color": COLORS["chance"]}
        )
        fig.add_scatter(
            x=view["t"],
            y=view["one_step"],
            name=tr("one step ahead"),
            mode="lines",
            line={"color": COLORS["train"]},
        )
        fig.add_scatter(
            x=view["t_auto"],
            y=view["auto"],
            name=tr("autoregressive"),
            mode="lines",
            line={"color": COLORS["alarm"], "dash": "dot"},
        )
        fig.update_xaxes(title=tr("time (validation part of the series)"), **COUNT_AXIS)
        return _layout(fig, tr("Forecast vs truth"), height=height, tr=tr)
    if kind == "confidence":
        x = [f"{t + 1}:{d}" for t, d in enumerate(view["digits"])]
        fig.add_bar(x=x, y=view["p_one"], name=tr("P(more ones)"), marker={"color": COLORS["train"]})
        fig.add_hline(y=0.5, line={"dash": "dash", "color": COLORS["chance"]})
        fig.update_xaxes(title=tr("after reading step : digit"), type="category", **_category_ticks(x))
        fig.update_yaxes(title=tr("P(more ones than zeros)"), range=[0, 1])
        # the count says the verdict; the title stays one line
        title = tr("Confidence as the sequence is read ({ones} ones of {T})", ones=view["ones"], T=view["T"])
        return _layout(fig, title, height=height, tr=tr)
    if kind == "scatter":
        fig.add_scatter(
            x=view["target"],
            y=view["prediction"],
            mode="markers",
            name=tr("samples"),
            marker={"color": COLORS["train"], "size": 6},
        )
        fig.add_scatter(
            x=[0, 2], y=[0, 2], mode="lines", name=tr("perfect"), line={"dash": "dash", "color": COLORS["chance"]}
        )
        fig.add_scatter(
            x=[0, 2],
            y=[1, 1],
            mode="lines",
            name=tr("always 1 (chance)"),
            line={"dash": "dot", "color": COLORS["alarm"]},
        )
        fig.update_xaxes(title=tr("target (sum of the two marked numbers)"), range=[0, 2])
        fig.update_yaxes(title=tr("prediction"), range=[-0.2, 2.2])
        return _layout(fig, tr("Prediction vs target"), height=height, tr=tr)
    return None


def live_figures(
    snap: Snapshot,
    names: tuple[str, ...] = CORE_CHARTS + PROBE_CHARTS,
    which: str = "hidden",
    log_y: bool = False,
    tr: Tr = english,
) -> dict[str, go.Figure | None]:
    """The live charts of one snapshot, by key, each LIVE_HEIGHTS[key] px high (task_view: None when the
    task's view is text, as charlm's). which: the activations of the hidden-states chart; log_y: the loss
    chart's scale."""
    h = LIVE_HEIGHTS
    make = {
        "loss": lambda: loss_figure(snap, log_y=log_y, tr=tr, height=h["loss"]),
        "metric": lambda: metric_figure(snap, tr=tr, height=h["metric"]),
        "grad_norm": lambda: grad_norm_figure(snap, tr=tr, height=h["grad_norm"]),
        "gtt": lambda: grad_through_time_figure(snap, tr=tr, height=h["gtt"]),
        "gtt_heatmap": lambda: grad_through_time_heatmap(snap, tr=tr, height=h["gtt_heatmap"]),
        "hidden": lambda: hidden_figure(snap, which, tr=tr, height=h["hidden"]),
        "task_view": lambda: task_view_figure(snap.task_view, tr=tr, height=h["task_view"]),
        "spectral": lambda: spectral_figure(snap, tr=tr, height=h["spectral"]),
    }
    return {name: make[name]() for name in names}


def _add_losses(fig: Spec, snap: Snapshot, label: str, color: str, tr: Tr = english) -> None:
    """One run among several: its training loss (solid) and validation loss (dotted), one legend entry."""
    h, v = snap.history, snap.val
    fig.add_scatter(
        x=h["step"], y=_lines(h["loss"]), name=label, mode="lines", line={"color": color}, legendgroup=label
    )
    fig.add_scatter(
        x=v["step"],
        y=_lines(v["loss"]),
        name=tr("{label} (validation)", label=label),
        line={"color": color, "dash": "dot"},
        legendgroup=label,
        showlegend=False,
        **_few_points_mode(v["step"], color),
    )


# Several runs overlaid (the Runs page) ---------------------------------------------------------------
def runs_loss_figure(snaps: list[Snapshot], labels: list[str], log_y: bool = True, tr: Tr = english) -> go.Figure:
    """Training loss (solid) and validation loss (dotted) of each run, one colour per run."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(snaps, labels, strict=True)):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        _add_losses(fig, snap, label, color, tr)
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title=tr("loss (dotted: validation)"), type="log" if log_y else "linear")
    return _layout(fig, tr("Loss of each run"), height=TALL_HEIGHT, tr=tr)


def runs_grad_through_time_figure(
    snaps: list[Snapshot], labels: list[str], tr: Tr = english, title: str | None = None
) -> go.Figure:
    """‖∂L/∂h_t‖ over t of each run's latest probe, log scale."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(snaps, labels, strict=True)):
        probe = snap.latest_probe or {}
        gtt = probe.get("grad_through_time") or []
        ratio = vanishing_ratio(gtt)
        name = f"{label} (h₁/h_T {ratio:.0e})" if ratio is not None else label
        fig.add_scatter(
            x=list(range(1, len(gtt) + 1)),
            y=_nz(gtt),
            name=name,
            mode="lines",
            line={"color": LINE_COLORS[i % len(LINE_COLORS)]},
        )
    fig.update_xaxes(title=tr("time step t (1 = first input)"), **COUNT_AXIS)
    fig.update_yaxes(title="‖∂L/∂hₜ‖", type="log")
    title = title or tr("Gradient through time, latest probe of each run")
    return _layout(fig, title, height=TALL_HEIGHT, tr=tr)


# The Inspect page ------------------------------------------------------------------------------------
# tanh-valued or unbounded states; the rest are sigmoid gates in [0, 1]
SIGNED_STATES = ("hidden", "cell", "new", "cell state")
STATE_TITLES = {
    "hidden": N_("hidden state h"),
    "input": N_("input gate i"),
    "forget": N_("forget gate f"),
    "cell": N_("cell candidate g"),
    "output": N_("output gate o"),
    "cell state": N_("cell state c"),
    "reset": N_("reset gate r"),
    "update": N_("update gate z"),
    "new": N_("new gate n"),
}


def state_title(which: str, tr: Tr = english) -> str:
    """A state's name in words ("forget gate f") to be said; an unknown one as it is."""
    return tr(STATE_TITLES[which]) if which in STATE_TITLES else which


def state_symbol(which: str) -> str:
    """A state's letter (h, f, c, ...), the same in every language: a colour bar's title."""
    return STATE_TITLES[which].rsplit(" ", 1)[-1] if which in STATE_TITLES else which


def _time_axis(labels: list[str], T: int) -> list[str]:
    """'step:token' per time step (tokens may repeat, so each carries its step number)."""
    return [f"{t + 1}:{lab}" for t, lab in enumerate(labels)] if len(labels) == T else [str(t + 1) for t in range(T)]


def state_heatmap(
    z,
    labels: list[str],
    which: str = "hidden",
    directions: int = 1,
    title: str | None = None,
    max_units: int = 256,
    tr: Tr = english,
) -> go.Figure:
    """Units × time heatmap of one sample's hidden state or one gate, z (T, D*H), input tokens on
    the time axis. Bidirectional units are named f0.. (forward) and b0.. (backward). A signed state
    (h, candidate, cell) gets a diverging scale centred on 0; a sigmoid gate a 0..1 scale."""
    z = np.asarray(z, dtype=np.float32)
    T, U = z.shape
    H = U // directions
    names = [f"{'fb'[k // H]}{k % H}" if directions == 2 else str(k) for k in range(U)]
    shown = min(U, max_units)
    signed = which in SIGNED_STATES
    bound = float(np.nanmax(np.abs(z))) if z.size and np.isfinite(z).any() else 1.0
    x = _time_axis(labels, T)
    fig = Spec()
    fig.add_heatmap(
        z=z[:, :shown].T,  # (units, T)
        x=x,
        y=names[:shown],
        colorscale="RdBu" if signed else "Viridis",
        zmin=-max(bound, 1e-6) if signed else 0,
        zmax=max(bound, 1e-6) if signed else 1,
        colorbar=_colorbar(state_symbol(which)),
        # %{...} are plotly's, not placeholders: the text goes through tr() without arguments
        hovertemplate=tr("step:input %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>"),
    )
    fig.update_xaxes(title=tr("time step : input"), type="category", **_category_ticks(x))
    fig.update_yaxes(title=tr("unit"), type="category", autorange="reversed")
    text = title or state_title(which, tr)
    if shown < U:
        text += tr(" (first {shown} of {units} units)", shown=shown, units=U)
    return _layout(fig, text, height=max(260, min(520, 120 + 6 * shown)), tr=tr)


def saturation_figure(per_step, labels: list[str], overall: float, rule: str, tr: Tr = english) -> go.Figure:
    """The fraction of saturated units at each time step of one sample, with the overall mean."""
    per_step = [float(v) for v in per_step]
    x = _time_axis(labels, len(per_step))
    fig = Spec()
    fig.add_scatter(
        x=x,
        y=per_step,
        mode="lines+markers",
        name=tr("saturated units"),
        line={"color": COLORS["alarm"]},
        marker={"size": 6, "color": COLORS["alarm"]},
    )
    fig.reference_line(overall, tr("overall {share:.0%}", share=overall))
    fig.update_xaxes(title=tr("time step : input"), type="category", **_category_ticks(x))
    fig.update_yaxes(title=tr("fraction of units"), range=[0, 1.02], tickformat=".0%")
    title = tr("Saturated units per time step ({share:.0%} overall)", share=overall)
    return _layout(fig, title, tr=tr)


def pca_trajectory_figure(
    points, labels: list[str], explained, dims: int = 2, title: str | None = None, tr: Tr = english
) -> go.Figure:
    """One sample's hidden state over time in its first 2 or 3 principal axes, points coloured by
    time step, start and end marked, each point's input token in its hover text."""
    p = np.asarray(points, dtype=np.float32)  # (T, >= dims)
    T = p.shape[0]
    hover = [f"t={t}: {lab}" for t, lab in zip(range(1, T + 1), labels, strict=False)] or None
    ax = [p[:, k].tolist() for k in range(dims)]
    names = [f"PC{k + 1} ({float(explained[k]):.0%})" for k in range(dims)]
    fig = Spec()
    kind = "scatter3d" if dims == 3 else "scatter"
    coords = dict(zip("xyz", ax, strict=False))
    fig.data.append(
        {
            "type": kind,
            **coords,
            "mode": "lines+markers",
            "name": tr("hidden state"),
            "line": {"color": "#b0b0b0", "width": 2},
            "marker": {
                "color": list(range(1, T + 1)),
                "colorscale": "Viridis",
                "size": 5 if dims == 3 else 8,
                "colorbar": _colorbar(tr("time step")),
                "showscale": True,
            },
            "text": hover,
            "hoverinfo": "text",
            "showlegend": False,
        }
    )
    ends = ((0, tr("start"), "diamond", COLORS["clipped"]), (T - 1, tr("end"), "square", COLORS["alarm"]))
    for idx, label, symbol, color in ends:
        if T == 0:
            break
        fig.data.append(
            {
                "type": kind,
                **{a: [v[idx]] for a, v in coords.items()},
                "mode": "markers+text",
                "name": label,
                "text": [label],
                "textposition": "top center",
                "textfont": {"size": TICK_SIZE},
                "marker": {"color": color, "size": 9 if dims == 3 else 14, "symbol": symbol},
                "hovertext": [f"{label}: {hover[idx]}" if hover else label],
                "hoverinfo": "text",
            }
        )
    extra = {}
    if dims == 3:
        extra["scene"] = {"xaxis": {"title": {"text": names[0]}}, "yaxis": {"title": {"text": names[1]}}}
        extra["scene"]["zaxis"] = {"title": {"text": names[2]}}
    else:
        fig.update_xaxes(title=names[0])
        fig.update_yaxes(title=names[1])
    title = title or tr("Hidden-state trajectory in {dims}-D PCA", dims=dims)
    return _layout(fig, title, height=PCA_HEIGHT, tr=tr, **extra)


# The Gradient lab's race (one snapshot per entry, entries in the race's colours) ----------------------
def race_loss_figure(race: RaceSnapshot, log_y: bool = False, tr: Tr = english) -> go.Figure:
    """Each entry's training loss (solid) and validation loss (dotted) with the chance line; an entry
    that diverged gets an ✕ at its last step."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race.runs, race.labels, strict=True)):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        _add_losses(fig, snap, label, color, tr)
    if not race.runs:
        return _layout(fig, tr("Loss"), height=TALL_HEIGHT, tr=tr)
    chance = race.runs[0].task.chance_loss
    # a diverged entry's last losses (1e30 before the NaN) would flatten every other curve to the axis:
    # the linear axis stops at the others' range, and the ✕ says how far the diverged one went
    # (the 98th percentile: the first steps' spike of a run that then trains does not set the scale either)
    calm = sorted(y for s in race.runs if s.state != "diverged" for y in _lines(s.history["loss"]) if y is not None)
    top = max(chance, calm[int(0.98 * (len(calm) - 1))] if calm else chance) * 1.3
    steps = [s for snap in race.runs for s in snap.history["step"]]
    for i, (snap, label) in enumerate(zip(race.runs, race.labels, strict=True)):
        if snap.state != "diverged":
            continue
        finite = [y for y in _lines(snap.history["loss"]) if y is not None]
        last = finite[-1] if finite else math.inf
        fig.add_scatter(
            x=[snap.steps_done],
            y=[min(last, top * 0.95) if not log_y else last if math.isfinite(last) else None],
            mode="markers+text",
            marker={"symbol": "x", "size": 14, "color": LINE_COLORS[i % len(LINE_COLORS)]},
            text=[
                tr(
                    "{label}: diverged at step {step} (loss {loss:.1e})",
                    label=label,
                    step=snap.steps_done,
                    loss=last,
                )
            ],
            textposition=_text_side(snap.steps_done, steps),
            textfont={"size": TICK_SIZE},
            name=tr("{label} diverged", label=label),
            showlegend=False,
        )
    label = race.runs[0].task.chance_label or CHANCE_LABEL
    fig.reference_line(chance, tr(label, x=chance))
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(
        title=tr("loss (dotted: validation)"),
        type="log" if log_y else "linear",
        **({} if log_y else {"range": [0, top]}),
    )
    return _layout(fig, tr("Loss"), height=TALL_HEIGHT, tr=tr)


def race_grad_through_time_figure(race: RaceSnapshot, tr: Tr = english) -> go.Figure:
    """The latest ‖∂L/∂h_t‖ of each entry overlaid, log scale."""
    title = tr("Gradient through time ‖∂L/∂hₜ‖, latest probe")
    return runs_grad_through_time_figure(race.runs, race.labels, tr=tr, title=title)


def race_heatmaps(race: RaceSnapshot, tr: Tr = english) -> list[go.Figure]:
    """The gradient-through-time heatmaps side by side, one per entry, on ONE log colour scale: the same
    colour means the same ‖∂L/∂h_t‖ in every heatmap, so a dark RNN beside a bright LSTM is a real difference."""
    decades = _gtt_decades(race.runs)
    return [
        grad_through_time_heatmap(
            snap,
            tr=tr,
            decades=decades,
            title=tr("{label}: ‖∂L/∂hₜ‖ over training", label=label),
            height=HEIGHT,
        )
        for snap, label in zip(race.runs, race.labels, strict=True)
    ]


def race_spectral_figure(race: RaceSnapshot, tr: Tr = english) -> go.Figure:
    """Each entry's spectral radius ρ(W_hh) (solid) and largest singular value σ₁ (dotted) over
    training, with the line at 1: above it the recurrence can amplify a signal (or a gradient) per step."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race.runs, race.labels, strict=True)):
        color, s = LINE_COLORS[i % len(LINE_COLORS)], snap.spectral
        fig.add_scatter(x=s["step"], y=_lines(s["radius"]), name=f"{label} ρ", mode="lines", line={"color": color})
        sigma = [sv[0] if sv else None for sv in s.get("singular", [])]
        fig.add_scatter(
            x=s["step"], y=_lines(sigma), name=f"{label} σ₁", mode="lines", line={"color": color, "dash": "dot"}
        )
    fig.reference_line(1.0, tr(ONE_LINE))
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title=tr("ρ(W_hh) solid, σ₁(W_hh) dotted"))
    return _layout(fig, tr("Spectral radius and largest singular value of W_hh"), tr=tr)


def race_singular_values_figure(race: RaceSnapshot, tr: Tr = english) -> go.Figure:
    """The latest singular values of each entry's W_hh (LSTM/GRU: the candidate block), largest first."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race.runs, race.labels, strict=True)):
        sv = (snap.spectral.get("singular") or [[]])[-1]
        color = LINE_COLORS[i % len(LINE_COLORS)]
        fig.add_scatter(
            x=list(range(1, len(sv) + 1)),
            y=_lines(sv),
            mode="lines+markers",
            name=label,
            line={"color": color},
            marker={"size": 6, "color": color},
        )
    fig.reference_line(1.0, tr(ONE_LINE))
    fig.update_xaxes(title=tr("k (largest first)"), dtick=1)
    fig.update_yaxes(title="σₖ(W_hh)")
    return _layout(fig, tr("Singular values of W_hh, latest probe"), tr=tr)


def param_norms_figure(snap: Snapshot, title: str | None = None, tr: Tr = english) -> go.Figure:
    """‖∂L/∂θ‖ of every parameter tensor (before clipping) at each probe, log scale."""
    pn = snap.param_norms
    fig = Spec()
    for j, name in enumerate(pn["names"]):
        fig.add_scatter(
            x=pn["step"],
            y=[max(v, EPS) for v in _nz([row[j] for row in pn["values"]])],
            name=name.removeprefix("core."),
            mode="lines",
            line={"color": LINE_COLORS[j % len(LINE_COLORS)]},
        )
    fig.update_xaxes(title=tr("training step"), **COUNT_AXIS)
    fig.update_yaxes(title=tr("‖∂L/∂θ‖ before clipping"), type="log")
    return _layout(fig, title or tr("Gradient norm per parameter tensor"), tr=tr)


def race_grad_norm_figures(race: RaceSnapshot, tr: Tr = english) -> list[go.Figure]:
    """Each entry's total gradient norm before and after clipping, with its threshold. A norm that became
    Inf/NaN is a red ✕ above the last finite one, not a drop to the axis floor."""
    out = []
    for snap, label in zip(race.runs, race.labels, strict=True):
        h = snap.history
        bad = [s for s, g in zip(h["step"], h["grad_norm"], strict=True) if g is None or not math.isfinite(g)]
        keep = [i for i, g in enumerate(h["grad_norm"]) if g is not None and math.isfinite(g)]
        clean = dataclasses.replace(snap, history={k: [v[i] for i in keep] for k, v in h.items()})
        fig = _grad_norm(clean, tr)
        if bad:
            peak = max(clean.history["grad_norm"], default=1.0) * 10
            fig.add_scatter(
                x=bad[:1],
                y=[peak],
                mode="markers+text",
                marker={"symbol": "x", "size": 14, "color": COLORS["alarm"]},
                text=[tr("Inf/NaN at step {step}", step=bad[0])],
                textposition=_text_side(bad[0], h["step"]),
                textfont={"size": TICK_SIZE},
                name="Inf/NaN",
            )
        clipped = snap.config.clip_mode != "off"
        title = (
            tr("{label}: gradient norm (clipped)", label=label)
            if clipped
            else tr("{label}: gradient norm", label=label)
        )
        out.append(_layout(fig, title, tr=tr))
    return out
