"""Data -> plotly Figure, and nothing else. Every function takes a TrainingRun.snapshot() (or a
part of it) and returns a go.Figure, so the figures can be tested as data without a browser.

Figures are redrawn once a second while a run trains, in the same process as the training
thread, so they are built as plain dicts and wrapped without plotly's validation: 5 ms a figure
instead of 50 (measured), which leaves the GIL to training. `export()` adds a real template for
figures shown outside Streamlit.

Every text a figure shows (titles, axis titles, legend names, annotations, hover text) is English
in the code and translated with `t(..., lang)`: each figure function takes `lang="en"` (or "zh")."""

from __future__ import annotations

import base64
import contextlib
import contextvars
import math
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from rnnplay.i18n import N_, t
from rnnplay.probes import EPS

TEMPLATE = "plotly"
EMPTY_TEXT = N_("press Train (or Step one batch) to fill this chart")
COLORS = {"train": "#1f77b4", "val": "#ff7f0e", "chance": "#7f7f7f", "clipped": "#2ca02c", "event": "#9467bd"}


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

    def add_hline(self, y: float, line: dict, annotation_text: str | None = None) -> None:
        self.layout["shapes"].append(
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}
        )
        if annotation_text:
            self.layout["annotations"].append(
                {
                    "xref": "paper",
                    "x": 0,
                    "yref": "y",
                    "y": y,
                    "text": annotation_text,
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": line.get("color")},
                }
            )

    def add_vline(self, x: float, line: dict, annotation_text: str | None = None) -> None:
        self.layout["shapes"].append(
            {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": x, "x1": x, "line": line}
        )
        if annotation_text:
            self.layout["annotations"].append(
                {
                    "yref": "paper",
                    "y": 1,
                    "xref": "x",
                    "x": x,
                    "text": annotation_text,
                    "showarrow": False,
                    "textangle": -90,
                    "xanchor": "right",
                    "yanchor": "top",
                    "font": {"size": 10},
                }
            )

    def update_xaxes(self, **kw) -> None:
        self.layout["xaxis"].update(_axis(kw))

    def update_yaxes(self, **kw) -> None:
        self.layout["yaxis"].update(_axis(kw))


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
        fig.layout["template"] = _template(name, tuple(sorted({tr["type"] for tr in fig.data})))


def _axis(kw: dict) -> dict:
    if isinstance(kw.get("title"), str):
        kw["title"] = {"text": kw["title"]}
    return kw


def _wrap(title: str, width: int = 64) -> str:
    """Plotly never wraps a title: break a long one (a task view's sentence) onto a second line."""
    if len(title) <= width:
        return title
    cut = max(title.rfind("; ", 0, width), title.rfind(" ", 0, width))
    cjk = max(title.rfind(p, 0, width // 2) for p in "；，（")  # a CJK character is two columns wide
    if cjk > 0 and any("\u4e00" <= c <= "\u9fff" for c in title):
        return title[:cjk].rstrip("；，") + "<br>" + title[cjk:].lstrip("；，")
    return title if cut <= 0 else title[:cut].rstrip(";") + "<br>" + title[cut:].lstrip("; ")


def _margin(fig: Spec, title: str) -> dict:
    """Margins that already hold what Streamlit's template (automargin axes) makes room for: tick labels and
    axis titles, the legend below, a colorbar. A chart whose margins are too small is drawn twice by Plotly
    (once to measure, once more with them widened), which made a live redraw cost Chromium ~22% more (measured
    in the browser, docs/benchmarks.md); a chart that needs more still gets it, drawn twice."""
    legend = sum(tr.get("showlegend", tr["type"] != "heatmap") for tr in fig.data) >= 2
    colorbar = any(tr["type"] == "heatmap" and tr.get("showscale", True) for tr in fig.data)
    return {"l": 80, "r": 90 if colorbar else 24, "t": 65 if "<br>" in title else 45, "b": 96 if legend else 75}


def _layout(fig: Spec, title: str, height: int = 320, lang: str = "en", margin: dict | None = None, **kw) -> go.Figure:
    """margin: what differs from _margin's (a chart with wider labels)."""
    title = _wrap(title)
    fig.layout.update(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={**_margin(fig, title), **(margin or {})},
        uirevision="keep",
        legend={"orientation": "h", "yanchor": "top", "y": -0.3},  # below the axis title, rows growing down
        **kw,
    )
    for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
        # "hide past div" (plotly's default) measures every tick label again after drawing it: ~a quarter of
        # a live redraw's JavaScript in Chromium; a label at the very edge is clipped instead of hidden
        fig.layout[axis].setdefault("ticklabeloverflow", "allow")
    if not any(len(tr.get("z" if tr["type"] == "heatmap" else "x", [])) for tr in fig.data):
        # an empty chart before training should say so, not look broken
        fig.layout["annotations"].append(
            {
                "text": t(EMPTY_TEXT, lang),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 13, "color": COLORS["chance"]},
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


def loss_figure(snap: dict, log_y: bool = False, lang: str = "en") -> go.Figure:
    """V1: train and validation loss with the chance-level loss, and marks where lr/clip changed."""
    h, v, task = snap["history"], snap["val"], snap["task"]
    fig = Spec()
    fig.add_scatter(x=h["step"], y=_lines(h["loss"]), name=t("train loss", lang), line={"color": COLORS["train"]})
    fig.add_scatter(
        x=v["step"],
        y=_lines(v["loss"]),
        name=t("validation loss", lang),
        mode="lines+markers",
        line={"color": COLORS["val"]},
        marker={"size": 4},
    )
    fig.add_hline(
        y=task["chance_loss"],
        line={"dash": "dash", "color": COLORS["chance"]},
        annotation_text=t("chance {x:.3g}", lang, x=task["chance_loss"]),
    )
    for step, what in snap.get("events", []):
        fig.add_vline(x=step, line={"dash": "dot", "color": COLORS["event"]}, annotation_text=what)
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title=t("loss", lang), type="log" if log_y else "linear")
    return _layout(fig, t("Loss", lang), lang=lang)


# a task's metric (its `metric` attribute) in words, and as a chart title
METRIC_NAMES = {"accuracy": N_("accuracy"), "sequence accuracy": N_("sequence accuracy"), "mse": N_("mse")}
METRIC_TITLES = {
    "accuracy": N_("Accuracy"),
    "sequence accuracy": N_("Sequence accuracy"),
    "mse": N_("Mean squared error"),
}


def metric_name(metric: str, lang: str = "en") -> str:
    """A task's metric name ("accuracy", "mse", ...) in lang; an unknown one as it is."""
    return t(METRIC_NAMES[metric], lang) if metric in METRIC_NAMES else metric


def metric_figure(snap: dict, lang: str = "en") -> go.Figure:
    """V1: the task metric (accuracy, sequence accuracy or MSE) for training and validation, with chance."""
    h, v, task = snap["history"], snap["val"], snap["task"]
    metric = task["metric"]
    name = metric_name(metric, lang)
    fig = Spec()
    fig.add_scatter(
        x=h["step"], y=_lines(h["metric"]), name=t("train {metric}", lang, metric=name), line={"color": COLORS["train"]}
    )
    fig.add_scatter(
        x=v["step"],
        y=_lines(v["metric"]),
        name=t("validation {metric}", lang, metric=name),
        mode="lines+markers",
        line={"color": COLORS["val"]},
        marker={"size": 4},
    )
    fig.add_hline(
        y=task["chance"],
        line={"dash": "dash", "color": COLORS["chance"]},
        annotation_text=t("chance {x:.3g}", lang, x=task["chance"]),
    )
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title=name, **({"range": [0, 1.02]} if metric != "mse" else {}))
    title = t(METRIC_TITLES[metric], lang) if metric in METRIC_TITLES else metric.capitalize()
    return _layout(fig, title, lang=lang)


def grad_norm_figure(snap: dict, lang: str = "en") -> go.Figure:
    """V2: total gradient norm per step before and after clipping, with the threshold."""
    h, c = snap["history"], snap["config"]
    fig = Spec()
    fig.add_scatter(
        x=h["step"],
        y=[max(g, EPS) for g in _nz(h["grad_norm"])],
        name=t("before clipping", lang),
        line={"color": COLORS["train"]},
    )
    if c.clip_mode != "off":
        fig.add_scatter(
            x=h["step"],
            y=[max(g, EPS) for g in _nz(h["grad_norm_clipped"])],
            name=t("after clipping", lang),
            line={"color": COLORS["clipped"], "dash": "dot"},
        )
    if c.clip_mode == "norm":
        fig.add_hline(
            y=c.clip,
            line={"dash": "dash", "color": "#d62728"},
            annotation_text=t("clip threshold {clip:g}", lang, clip=c.clip),
        )
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title="‖∇θ L‖", type="log")
    return _layout(fig, t("Gradient norm (all parameters)", lang), lang=lang)


def _nz(values) -> list[float]:
    return [v if v is not None and math.isfinite(v) else EPS for v in values]


def vanishing_ratio(gtt: list[float]) -> float | None:
    """‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: ≪ 1 means the gradient vanished on its way back to the first step."""
    if len(gtt) < 2 or not gtt[-1]:
        return None
    return max(gtt[0], EPS) / max(gtt[-1], EPS)


def grad_through_time_figure(snap: dict, lang: str = "en") -> go.Figure:
    """V3 curve: ‖∂L/∂h_t‖ against t for the latest probe, on a log axis."""
    p = snap.get("latest_probe") or {}
    gtt = p.get("grad_through_time") or []
    fig = Spec()
    steps = list(range(1, len(gtt) + 1))
    fig.add_scatter(
        x=steps,
        y=[max(g, EPS) for g in _nz(gtt)],
        mode="lines+markers",
        name=t("step {step}", lang, step=p.get("step", 0)),
        line={"color": "#d62728"},
        marker={"size": 5},
    )
    ratio = vanishing_ratio(gtt)
    title = t("Gradient through time ‖∂L/∂hₜ‖", lang)
    if ratio is not None:
        title += t(" — h₁/h_T = {ratio:.1e} (step {step})", lang, ratio=ratio, step=p.get("step"))
    fig.update_xaxes(title=t("time step t (1 = first input)", lang))
    fig.update_yaxes(title="‖∂L/∂hₜ‖", type="log", exponentformat="power")
    return _layout(fig, title, lang=lang, margin={"l": 96})  # a log axis: 10⁻⁵ and ‖∂L/∂hₜ‖


def grad_through_time_heatmap(snap: dict, lang: str = "en") -> go.Figure:
    """V3 heatmap: log10 ‖∂L/∂h_t‖, x = time step, y = training step of each probe."""
    rows = snap.get("probes") or []
    z = [[math.log10(max(g, EPS)) for g in _nz(r["grad_through_time"])] for r in rows]
    fig = Spec()
    if z:
        T = len(z[-1])
        fig.add_heatmap(
            z=np.asarray(z, dtype=np.float32),
            x=list(range(1, T + 1)),
            y=[r["step"] for r in rows],
            colorscale="Viridis",
            colorbar={"title": "log₁₀"},
        )
    fig.update_xaxes(title=t("time step t", lang))
    fig.update_yaxes(title=t("training step", lang))
    return _layout(fig, t("Gradient through time over training (log₁₀ ‖∂L/∂hₜ‖)", lang), lang=lang, margin={"l": 90})


def hidden_figure(snap: dict, which: str = "hidden", max_units: int = 64, lang: str = "en") -> go.Figure:
    """V4: units × time heatmap of one sample's hidden states (or a gate), input on the time axis."""
    p = snap.get("latest_probe") or {}
    states = p.get("hidden") or {}
    z = states.get(which)
    fig = Spec()
    if z is not None:
        z = np.asarray(z, dtype=np.float32)[:, :max_units].T  # (units, T)
        labels = p.get("input_labels") or []
        x = [f"{t + 1}:{lab}" for t, lab in enumerate(labels)] or list(range(1, z.shape[1] + 1))
        signed = which in ("hidden", "cell", "new", "cell state")
        fig.add_heatmap(
            z=z,
            x=x,
            y=list(range(z.shape[0])),
            colorscale="RdBu" if signed else "Viridis",
            zmid=0 if signed else None,
            zmin=None if signed else 0,
            zmax=None if signed else 1,
            colorbar={"title": state_symbol(which)},
        )
    sat = p.get("saturation")
    title = t("Hidden activations — {state}", lang, state=state_title(which, lang))
    if sat is not None and which == "hidden":
        title += t(" ({sat:.0%} saturated)", lang, sat=sat)
    fig.update_xaxes(title=t("time step : input", lang), type="category")
    fig.update_yaxes(title=t("unit", lang))
    return _layout(fig, title, height=340, lang=lang, margin={"b": 115})  # the input's symbols below


def spectral_figure(snap: dict, lang: str = "en") -> go.Figure:
    """V5: spectral radius of W_hh over training; above 1 gradients can grow, below 1 they shrink."""
    s = snap["spectral"]
    fig = Spec()
    fig.add_scatter(
        x=s["step"], y=s["radius"], mode="lines+markers", name=t("spectral radius", lang), marker={"size": 4}
    )
    fig.add_hline(y=1.0, line={"dash": "dash", "color": COLORS["chance"]}, annotation_text="1")
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title="ρ(W_hh)")
    return _layout(fig, t("Spectral radius of the recurrent weights", lang), lang=lang)


LINE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def lines_view(view: dict, lang: str = "en") -> go.Figure:
    """{"series": [{"name", "x", "y", "dash"?}]}: e.g. generated vs true waves."""
    fig = Spec()
    for i, s in enumerate(view["series"]):
        color = s.get("color") or LINE_COLORS[i % len(LINE_COLORS)]
        fig.add_scatter(x=s["x"], y=_lines(s["y"]), name=s["name"], line={"color": color, "dash": s.get("dash")})
    fig.update_xaxes(title=view.get("x_title", ""))
    fig.update_yaxes(title=view.get("y_title", ""))
    return _layout(fig, view.get("title", ""), lang=lang)


def bars_view(view: dict, lang: str = "en") -> go.Figure:
    """{"x": labels, "y": values}: one bar per step or per item. Labels may repeat (a word twice in a
    sentence), so bars sit at positions 0..n-1 and carry the labels as tick text."""
    fig = Spec()
    n = len(view["y"])
    fig.add_bar(
        x=list(range(n)),
        y=view["y"],
        marker={"color": view.get("colors") or COLORS["train"]},
        hovertext=[str(v) for v in view["x"]],
        name=view.get("y_title", ""),
    )
    if view.get("hline") is not None:
        fig.add_hline(view["hline"], {"dash": "dash", "color": COLORS["chance"]}, view.get("hline_label"))
    fig.update_xaxes(tickmode="array", tickvals=list(range(n)), ticktext=[str(v) for v in view["x"]])
    fig.update_xaxes(title=view.get("x_title", ""))
    fig.update_yaxes(title=view.get("y_title", ""), range=view.get("y_range"))
    return _layout(fig, view.get("title", ""), lang=lang)


def tokens_view(view: dict, lang: str = "en") -> go.Figure:
    """{"rows": [{"label", "tokens", "correct"?}], "correct"?}: aligned tokens, one row each, the cells
    of a row with `correct` green (right) or red (wrong). A top-level `correct` is the last row's."""
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
    fig = Spec()
    fig.add_heatmap(
        z=z,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 14 if width <= 8 else 11 if width <= 14 else 9},  # long rows: smaller cells
        y=[r["label"] for r in reversed(rows)],
        x=list(range(1, width + 1)),
        zmin=-1,
        zmax=1,
        colorscale=[[0, "#f4a6a6"], [0.5, "#e8eef7"], [1, "#a8dba8"]],
        showscale=False,
        xgap=2,
        ygap=2,
        hoverinfo="text",
    )
    fig.update_xaxes(title=t("step", lang), showgrid=False, dtick=1)
    fig.update_yaxes(type="category", showgrid=False)
    return _layout(fig, view.get("title", ""), height=max(200, 60 + 34 * len(rows)), lang=lang)


def task_view_figure(view: dict | None, lang: str = "en") -> go.Figure | None:
    """V6 for the tasks whose view is a chart; charlm's is text (None here)."""
    if not view:
        return None
    kind = view.get("kind")
    if kind in ("lines", "bars", "tokens"):
        return {"lines": lines_view, "bars": bars_view, "tokens": tokens_view}[kind](view, lang=lang)
    fig = Spec()
    if kind == "forecast":
        fig.add_scatter(x=view["t_truth"], y=view["truth"], name=t("truth", lang), line={"color": COLORS["chance"]})
        fig.add_scatter(
            x=view["t"], y=view["one_step"], name=t("one-step forecast", lang), line={"color": COLORS["train"]}
        )
        fig.add_scatter(
            x=view["t_auto"],
            y=view["auto"],
            name=t("autoregressive forecast", lang),
            line={"color": "#d62728", "dash": "dot"},
        )
        fig.update_xaxes(title=t("time (validation part of the series)", lang))
        return _layout(fig, t("Forecast vs truth", lang), lang=lang)
    if kind == "confidence":
        x = [f"{t + 1}:{d}" for t, d in enumerate(view["digits"])]
        fig.add_bar(x=x, y=view["p_one"], name=t("P(more ones)", lang), marker={"color": COLORS["train"]})
        fig.add_hline(y=0.5, line={"dash": "dash", "color": COLORS["chance"]})
        fig.update_xaxes(title=t("after reading step : digit", lang), type="category")
        fig.update_yaxes(title=t("P(more ones than zeros)", lang), range=[0, 1])
        verdict = t("more ones", lang) if view["ones"] > view["T"] / 2 else t("not more ones", lang)
        title = t(
            "Confidence as the sequence is read (truth: {ones} ones of {T}: {verdict})",
            lang,
            ones=view["ones"],
            T=view["T"],
            verdict=verdict,
        )
        return _layout(fig, title, lang=lang)
    if kind == "scatter":
        fig.add_scatter(
            x=view["target"],
            y=view["prediction"],
            mode="markers",
            name=t("samples", lang),
            marker={"color": COLORS["train"], "size": 6},
        )
        fig.add_scatter(
            x=[0, 2], y=[0, 2], mode="lines", name=t("perfect", lang), line={"dash": "dash", "color": COLORS["chance"]}
        )
        fig.add_scatter(
            x=[0, 2],
            y=[1, 1],
            mode="lines",
            name=t("always 1 (chance)", lang),
            line={"dash": "dot", "color": "#d62728"},
        )
        fig.update_xaxes(title=t("target (sum of the two marked numbers)", lang), range=[0, 2])
        fig.update_yaxes(title=t("prediction", lang), range=[-0.2, 2.2])
        return _layout(fig, t("Prediction vs target", lang), lang=lang)
    return None


# the Playground's live charts by their st.plotly_chart keys: the first three move with every step, the rest
# with the probes (the page redraws those less often); the benchmarks and tests draw the same set
CORE_CHARTS = ("loss", "metric", "grad_norm")
PROBE_CHARTS = ("gtt", "gtt_heatmap", "hidden", "task_view", "spectral")


def live_figures(
    snap: dict,
    names: tuple[str, ...] = CORE_CHARTS + PROBE_CHARTS,
    which: str = "hidden",
    log_y: bool = False,
    lang: str = "en",
) -> dict[str, go.Figure | None]:
    """The live charts of one snapshot, by key (task_view: None when the task's view is text, as charlm's).
    which: the activations of the hidden-states chart; log_y: the loss chart's scale."""
    from rnnplay.tasks.base import localize_view  # torch: only where a snapshot exists anyway

    make = {
        "loss": lambda: loss_figure(snap, log_y=log_y, lang=lang),
        "metric": lambda: metric_figure(snap, lang=lang),
        "grad_norm": lambda: grad_norm_figure(snap, lang=lang),
        "gtt": lambda: grad_through_time_figure(snap, lang=lang),
        "gtt_heatmap": lambda: grad_through_time_heatmap(snap, lang=lang),
        "hidden": lambda: hidden_figure(snap, which, lang=lang),
        "task_view": lambda: task_view_figure(localize_view(snap["task_view"], lang), lang=lang),
        "spectral": lambda: spectral_figure(snap, lang=lang),
    }
    return {name: make[name]() for name in names}


def _add_losses(fig: Spec, snap: dict, label: str, color: str, lang: str = "en") -> None:
    """One run among several: its training loss (solid) and validation loss (dotted), one legend entry."""
    h, v = snap["history"], snap["val"]
    fig.add_scatter(x=h["step"], y=_lines(h["loss"]), name=label, line={"color": color}, legendgroup=label)
    fig.add_scatter(
        x=v["step"],
        y=_lines(v["loss"]),
        name=t("{label} (validation)", lang, label=label),
        line={"color": color, "dash": "dot"},
        legendgroup=label,
        showlegend=False,
    )


# V8: several runs overlaid (the Runs page) ------------------------------------------------------
def runs_loss_figure(snaps: list[dict], labels: list[str], log_y: bool = True, lang: str = "en") -> go.Figure:
    """Training loss (solid) and validation loss (dotted) of each run, one colour per run."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(snaps, labels, strict=True)):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        _add_losses(fig, snap, label, color, lang)
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title=t("loss (dotted: validation)", lang), type="log" if log_y else "linear")
    return _layout(fig, t("Loss of each run", lang), height=380, lang=lang)


def runs_grad_through_time_figure(snaps: list[dict], labels: list[str], lang: str = "en") -> go.Figure:
    """V3 of each run's latest probe: ‖∂L/∂h_t‖ over t, log scale."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(snaps, labels, strict=True)):
        probe = snap.get("latest_probe") or {}
        gtt = probe.get("grad_through_time") or []
        ratio = vanishing_ratio(gtt)
        name = f"{label} (h₁/h_T {ratio:.0e})" if ratio is not None else label
        fig.add_scatter(
            x=list(range(1, len(gtt) + 1)), y=_nz(gtt), name=name, line={"color": LINE_COLORS[i % len(LINE_COLORS)]}
        )
    fig.update_xaxes(title=t("time step t (1 = first input)", lang))
    fig.update_yaxes(title="‖∂L/∂hₜ‖", type="log")
    return _layout(fig, t("Gradient through time, latest probe of each run", lang), height=380, lang=lang)


# V4 in full: the Inspect page -------------------------------------------------------------------
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


def state_title(which: str, lang: str = "en") -> str:
    """A state's name in words ("forget gate f"), in lang; an unknown one as it is."""
    return t(STATE_TITLES[which], lang) if which in STATE_TITLES else which


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
    lang: str = "en",
) -> go.Figure:
    """V4: units × time heatmap of one sample's hidden state or one gate, z (T, D*H), input tokens on
    the time axis. Bidirectional units are named f0.. (forward) and b0.. (backward). A signed state
    (h, candidate, cell) gets a diverging scale centred on 0; a sigmoid gate a 0..1 scale."""
    z = np.asarray(z, dtype=np.float32)
    T, U = z.shape
    H = U // directions
    names = [f"{'fb'[k // H]}{k % H}" if directions == 2 else str(k) for k in range(U)]
    shown = min(U, max_units)
    signed = which in SIGNED_STATES
    bound = float(np.nanmax(np.abs(z))) if z.size and np.isfinite(z).any() else 1.0
    fig = Spec()
    fig.add_heatmap(
        z=z[:, :shown].T,  # (units, T)
        x=_time_axis(labels, T),
        y=names[:shown],
        colorscale="RdBu" if signed else "Viridis",
        zmin=-max(bound, 1e-6) if signed else 0,
        zmax=max(bound, 1e-6) if signed else 1,
        colorbar={"title": {"text": state_symbol(which)}, "thickness": 12},
        # %{...} are plotly's, not placeholders: the text goes through t() without arguments
        hovertemplate=t("step:input %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>", lang),
    )
    fig.update_xaxes(title=t("time step : input", lang), type="category")
    fig.update_yaxes(title=t("unit", lang), type="category", autorange="reversed")
    text = title or state_title(which, lang)
    if shown < U:
        text += t(" (first {shown} of {units} units)", lang, shown=shown, units=U)
    return _layout(fig, text, height=max(260, min(520, 120 + 6 * shown)), lang=lang)


def saturation_figure(per_step, labels: list[str], overall: float, rule: str, lang: str = "en") -> go.Figure:
    """V4: the fraction of saturated units at each time step of one sample, with the overall mean."""
    per_step = [float(v) for v in per_step]
    fig = Spec()
    fig.add_scatter(
        x=_time_axis(labels, len(per_step)),
        y=per_step,
        mode="lines+markers",
        name=t("saturated units", lang),
        line={"color": "#d62728"},
        marker={"size": 5},
    )
    fig.add_hline(
        y=overall,
        line={"dash": "dash", "color": COLORS["chance"]},
        annotation_text=t("overall {share:.0%}", lang, share=overall),
    )
    fig.update_xaxes(title=t("time step : input", lang), type="category")
    fig.update_yaxes(title=t("fraction of units", lang), range=[0, 1.02], tickformat=".0%")
    title = t("Saturated units per time step ({share:.0%} overall)", lang, share=overall)
    return _layout(fig, title, height=300, lang=lang)


def pca_trajectory_figure(
    points, labels: list[str], explained, dims: int = 2, title: str | None = None, lang: str = "en"
) -> go.Figure:
    """V4: one sample's hidden state over time in its first 2 or 3 principal axes, points coloured by
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
            "name": t("hidden state", lang),
            "line": {"color": "#b0b0b0", "width": 2},
            "marker": {
                "color": list(range(1, T + 1)),
                "colorscale": "Viridis",
                "size": 5 if dims == 3 else 8,
                "colorbar": {"title": {"text": t("time step", lang)}, "thickness": 12},
                "showscale": True,
            },
            "text": hover,
            "hoverinfo": "text",
            "showlegend": False,
        }
    )
    ends = ((0, t("start", lang), "diamond", "#2ca02c"), (T - 1, t("end", lang), "square", "#d62728"))
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
    title = title or t("Hidden-state trajectory in {dims}-D PCA", lang, dims=dims)
    return _layout(fig, title, height=460, lang=lang, **extra)


# C2: the Gradient lab's race (one snapshot per entry, entries in the race's colours) --------------
def _retitle(fig: go.Figure, title: str) -> go.Figure:
    fig.layout.title = {"text": _wrap(title), "font": {"size": 15}}
    return fig


def race_loss_figure(race: dict, log_y: bool = False, lang: str = "en") -> go.Figure:
    """V1 of a race: each entry's training loss (solid) and validation loss (dotted) with the chance
    line; an entry that diverged gets an ✕ at its last step."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race["runs"], race["labels"], strict=True)):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        _add_losses(fig, snap, label, color, lang)
    if not race["runs"]:
        return _layout(fig, t("Loss", lang), height=360, lang=lang)
    chance = race["runs"][0]["task"]["chance_loss"]
    # a diverged entry's last losses (1e30 before the NaN) would flatten every other curve to the axis:
    # the linear axis stops at the others' range, and the ✕ says how far the diverged one went
    # (the 98th percentile: the first steps' spike of a run that then trains does not set the scale either)
    calm = sorted(
        y for s in race["runs"] if s["state"] != "diverged" for y in _lines(s["history"]["loss"]) if y is not None
    )
    top = max(chance, calm[int(0.98 * (len(calm) - 1))] if calm else chance) * 1.3
    for i, (snap, label) in enumerate(zip(race["runs"], race["labels"], strict=True)):
        if snap["state"] != "diverged":
            continue
        finite = [y for y in _lines(snap["history"]["loss"]) if y is not None]
        last = finite[-1] if finite else math.inf
        fig.add_scatter(
            x=[snap["steps_done"]],
            y=[min(last, top * 0.95) if not log_y else last if math.isfinite(last) else None],
            mode="markers+text",
            marker={"symbol": "x", "size": 14, "color": LINE_COLORS[i % len(LINE_COLORS)]},
            text=[
                t(
                    "{label}: diverged at step {step} (loss {loss:.1e})",
                    lang,
                    label=label,
                    step=snap["steps_done"],
                    loss=last,
                )
            ],
            textposition="bottom right",
            name=t("{label} diverged", lang, label=label),
            showlegend=False,
        )
    fig.add_hline(
        y=chance, line={"dash": "dash", "color": COLORS["chance"]}, annotation_text=t("chance {x:.3g}", lang, x=chance)
    )
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(
        title=t("loss (dotted: validation)", lang),
        type="log" if log_y else "linear",
        **({} if log_y else {"range": [0, top]}),
    )
    return _layout(fig, t("Loss", lang), height=360, lang=lang)


def race_grad_through_time_figure(race: dict, lang: str = "en") -> go.Figure:
    """V3 overlaid: the latest ‖∂L/∂h_t‖ of each entry, log scale."""
    return _retitle(
        runs_grad_through_time_figure(race["runs"], race["labels"], lang=lang),
        t("Gradient through time ‖∂L/∂hₜ‖, latest probe", lang),
    )


def race_heatmaps(race: dict, lang: str = "en") -> list[go.Figure]:
    """V3 heatmaps side by side, one per entry, on ONE log colour scale: the same colour means the same
    ‖∂L/∂h_t‖ in every heatmap, so a dark RNN beside a bright LSTM is a real difference."""
    logs = [  # exact zeros (a dead ReLU's steps) sit at the bottom of the scale, not stretch it to 1e-30
        math.log10(g)
        for snap in race["runs"]
        for row in snap.get("probes") or []
        for g in _nz(row["grad_through_time"])
        if g > EPS
    ]
    out = []
    for snap, label in zip(race["runs"], race["labels"], strict=True):
        fig = grad_through_time_heatmap(snap, lang=lang)
        if fig.data and logs:
            fig.update_traces(zmin=min(logs), zmax=max(logs), selector={"type": "heatmap"})
        out.append(_retitle(fig, t("{label}: log₁₀ ‖∂L/∂hₜ‖ over training", lang, label=label)))
    return out


def race_spectral_figure(race: dict, lang: str = "en") -> go.Figure:
    """V5: each entry's spectral radius ρ(W_hh) (solid) and largest singular value σ₁ (dotted) over
    training, with the line at 1: above it the recurrence can amplify a signal (or a gradient) per step."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race["runs"], race["labels"], strict=True)):
        color, s = LINE_COLORS[i % len(LINE_COLORS)], snap["spectral"]
        fig.add_scatter(x=s["step"], y=_lines(s["radius"]), name=f"{label} ρ", line={"color": color})
        sigma = [sv[0] if sv else None for sv in s.get("singular", [])]
        fig.add_scatter(x=s["step"], y=_lines(sigma), name=f"{label} σ₁", line={"color": color, "dash": "dot"})
    fig.add_hline(y=1.0, line={"dash": "dash", "color": COLORS["chance"]}, annotation_text="1")
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title="ρ(W_hh), σ₁(W_hh)")
    return _layout(fig, t("Spectral radius ρ (solid) and largest singular value σ₁ (dotted) of W_hh", lang), lang=lang)


def race_singular_values_figure(race: dict, lang: str = "en") -> go.Figure:
    """V5: the latest singular values of each entry's W_hh (LSTM/GRU: the candidate block), largest first."""
    fig = Spec()
    for i, (snap, label) in enumerate(zip(race["runs"], race["labels"], strict=True)):
        sv = (snap["spectral"].get("singular") or [[]])[-1]
        fig.add_scatter(
            x=list(range(1, len(sv) + 1)),
            y=_lines(sv),
            mode="lines+markers",
            name=label,
            line={"color": LINE_COLORS[i % len(LINE_COLORS)]},
            marker={"size": 5},
        )
    fig.add_hline(y=1.0, line={"dash": "dash", "color": COLORS["chance"]}, annotation_text="1")
    fig.update_xaxes(title=t("k (largest first)", lang), dtick=1)
    fig.update_yaxes(title="σₖ(W_hh)")
    return _layout(fig, t("Singular values of W_hh, latest probe", lang), lang=lang)


def param_norms_figure(snap: dict, title: str | None = None, lang: str = "en") -> go.Figure:
    """V7: ‖∂L/∂θ‖ of every parameter tensor (before clipping) at each probe, log scale."""
    pn = snap.get("param_norms") or {"step": [], "names": [], "values": []}
    fig = Spec()
    for j, name in enumerate(pn["names"]):
        fig.add_scatter(
            x=pn["step"],
            y=[max(v, EPS) for v in _nz([row[j] for row in pn["values"]])],
            name=name.removeprefix("core."),
            line={"color": LINE_COLORS[j % len(LINE_COLORS)]},
        )
    fig.update_xaxes(title=t("training step", lang))
    fig.update_yaxes(title=t("‖∂L/∂θ‖ before clipping", lang), type="log", exponentformat="power")
    return _layout(fig, title or t("Gradient norm per parameter tensor", lang), lang=lang)


def race_grad_norm_figures(race: dict, lang: str = "en") -> list[go.Figure]:
    """V2 per entry: the total gradient norm before and after clipping, with its threshold. A norm
    that became Inf/NaN is a red ✕ above the last finite one, not a drop to the axis floor."""
    out = []
    for snap, label in zip(race["runs"], race["labels"], strict=True):
        h = snap["history"]
        bad = [s for s, g in zip(h["step"], h["grad_norm"], strict=True) if g is None or not math.isfinite(g)]
        keep = [i for i, g in enumerate(h["grad_norm"]) if g is not None and math.isfinite(g)]
        clean = {**snap, "history": {k: [v[i] for i in keep] for k, v in h.items()}}
        clipped = snap["config"].clip_mode != "off"
        fig = _retitle(
            grad_norm_figure(clean, lang=lang),
            t("{label}: gradient norm (clipped)", lang, label=label)
            if clipped
            else t("{label}: gradient norm", lang, label=label),
        )
        if bad:
            peak = max(clean["history"]["grad_norm"], default=1.0) * 10
            fig.add_scatter(
                x=bad[:1],
                y=[peak],
                mode="markers+text",
                marker={"symbol": "x", "size": 14, "color": "#d62728"},
                text=[t("Inf/NaN at step {step}", lang, step=bad[0])],
                textposition="bottom left",
                name="Inf/NaN",
            )
        out.append(fig)
    return out
