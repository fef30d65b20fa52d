"""A live Plotly chart that stays mounted: `live_chart(figure, key=...)`, figure in, element out.

Streamlit 1.67's `st.plotly_chart` derives its element id from the figure, so a chart whose data changed
is a new element: React unmounts the old one and plotly.js draws the new one from scratch (the chart is
blank for a moment, the page height jumps, a zoom is lost). This element is a Custom Component v2 (no
iframe) with a fixed key: the browser keeps one Plotly root per chart and redraws it in place with
`Plotly.react`, keeping the learner's zoom, pan and hidden legend entries (`uirevision`).

What goes over the wire is what changed. The session remembers the figure it last sent for each key;
an update carries the points appended since then (`{"+": [...]}` per array), the values replaced and the
layout keys that changed, never the whole figure again. A whole figure goes once per chart, and again
when the traces change shape (another run, task, language) or when the browser asks for it (its copy is
not the one the patch was made for: a remount, a missed message).

plotly.js itself is read once per page from the copy inside the installed `plotly` package, served by
Streamlit's static route (`server.enableStaticServing`) under a name with its version. So is this element's
own module (live_chart.js, under a name with its content's hash): Streamlit puts a component's inline
JavaScript into every element it sends, and 8 kB of source in each chart of each redraw outweighed the
figures' patches; the inline part is a loader of a few hundred bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import streamlit as st

# arrays a patch may extend instead of resending (a heatmap's z grows by rows)
ARRAYS = ("x", "y", "z", "text", "customdata", "hovertext")
SENT = "_live_chart_sent"  # session_state: key -> {"rev": int, "spec": the figure the browser holds}

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # beside app.py: Streamlit serves it at app/static/
PLOTLY_FILE = f"plotly-{plotly.__version__}.min.js"


def _install_static(target: Path, write) -> None:
    """Write a file into the app's static folder unless it is there already (atomic: a browser never reads
    half a file)."""
    STATIC_DIR.mkdir(exist_ok=True)
    partial = target.with_suffix(f".{id(target)}.part")
    write(partial)
    partial.replace(target)


def _install_plotly_js() -> None:
    """Put plotly.js into the app's static folder once per version (4.8 MB, cached by the browser)."""
    target = STATIC_DIR / PLOTLY_FILE
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return
    _install_static(target, lambda partial: shutil.copyfile(source, partial))


def _install_module() -> str:
    """live_chart.js into the static folder under a name with its hash (the plotly-* prefix keeps the
    generated copy out of git, as plotly.js's); the loader that Streamlit sends with each element."""
    code = Path(__file__).with_name("live_chart.js").read_text(encoding="utf-8").replace("__PLOTLY_FILE__", PLOTLY_FILE)
    name = f"plotly-live-chart-{hashlib.sha256(code.encode()).hexdigest()[:12]}.js"
    target = STATIC_DIR / name
    if not (target.exists() and target.read_text(encoding="utf-8") == code):
        _install_static(target, lambda partial: partial.write_text(code, encoding="utf-8"))
    return name


_install_plotly_js()
MODULE_FILE = _install_module()
# the element's inline JavaScript: import the module once per page, then hand every call to it in order
_JS = """
const MODULE_URL = "app/static/__MODULE_FILE__";
let loaded = null;
export default function (component) {
  if (loaded) return loaded.default(component);
  window.__rnnplayLiveChart ??= import(new URL(MODULE_URL, document.baseURI).href).catch((err) => {
    window.__rnnplayLiveChart = undefined; // the next update tries again
    throw err;
  });
  return window.__rnnplayLiveChart.then((module) => {
    loaded = module;
    return module.default(component);
  });
}
""".replace("__MODULE_FILE__", MODULE_FILE)
_component = st.components.v2.component("rnnplay_live_chart", js=_JS, isolate_styles=False)


def _plain(value):
    """JSON-ready: numpy arrays and plotly's typed-array specs as lists, NaN and inf as None (a gap)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:  # a figure built under figures.compact()
            a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
            if "shape" in value:
                a = a.reshape([int(n) for n in value["shape"].split(",")])
            return _plain(a)
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return _plain_list(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return np.where(np.isfinite(value), value, None).tolist()
        return value.tolist()
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _plain_list(values) -> list:
    """_plain of a list, its numbers without a call each (a loss curve has thousands)."""
    out = []
    for v in values:
        kind = type(v)
        if kind is float:
            out.append(v if math.isfinite(v) else None)
        elif kind is int or kind is str or v is None:
            out.append(v)
        else:
            out.append(_plain(v))
    return out


def figure_spec(figure) -> dict:
    """{"data": [...], "layout": {...}} of a go.Figure (or such a dict), without Streamlit's template: the
    browser applies the app's theme itself."""
    if type(figure) is go.Figure:
        # its own traces and layout, read without to_dict(): that deep-copies the whole template (dropped
        # here) and turns numpy arrays into base64 that _plain would decode again. _plain copies the rest.
        data, layout = figure._data, figure._layout
    else:
        spec = figure.to_dict() if hasattr(figure, "to_dict") else figure
        data, layout = spec.get("data", []), spec.get("layout", {})
    layout = {k: v for k, v in layout.items() if k != "template"}
    return {"data": _plain_list(data), "layout": _plain(layout)}


def _kept(old, new) -> int | None:
    """How many leading items of array `old` are `new`'s too, when sending the rest of `new` after them
    is the smaller message (a loss curve gains points at its end, and its last point, the mean of a bucket
    still filling, changes too); None when the whole new array will do."""
    if not (isinstance(old, list) and isinstance(new, list)):
        return None
    n = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        n += 1
    if n == len(old) < len(new):
        return n  # grown at its end: only the new points
    return n if n > 0 and n >= len(new) // 2 else None


def patch(old: dict, new: dict) -> dict | None:
    """What turns figure `old` into `new`: {"traces": {i: {key: value}}, "layout": {key: value}}, where a
    value is the new one, {"+": tail} for an array that grew at its end, {"at": n, "+": tail} for one whose
    first n items stay and the rest is tail, or None for a key removed.
    None when only the whole figure will do (traces added, removed or of another type)."""
    if len(old["data"]) != len(new["data"]):
        return None
    traces = {}
    for i, (a, b) in enumerate(zip(old["data"], new["data"], strict=True)):
        if a.get("type") != b.get("type"):
            return None
        changes = {}
        for k in a.keys() | b.keys():
            if a.get(k) != b.get(k):
                kept = _kept(a.get(k), b.get(k)) if k in ARRAYS else None
                if kept is None:
                    changes[k] = b.get(k)
                elif kept == len(a[k]):
                    changes[k] = {"+": b[k][kept:]}
                else:
                    changes[k] = {"at": kept, "+": b[k][kept:]}
        if changes:
            traces[str(i)] = changes
    la, lb = old["layout"], new["layout"]
    layout = {k: lb.get(k) for k in la.keys() | lb.keys() if la.get(k) != lb.get(k)}
    return {k: v for k, v in (("traces", traces), ("layout", layout)) if v}


def message(sent: dict | None, spec: dict) -> tuple[dict, dict]:
    """(the message for the browser, what this session then knows the browser holds)."""
    if sent is None:
        return {"rev": 1, "figure": spec}, {"rev": 1, "spec": spec}
    diff = patch(sent["spec"], spec)
    if diff == {}:
        return {"rev": sent["rev"]}, sent
    rev = sent["rev"] + 1
    if diff is None:
        return {"rev": rev, "figure": spec}, {"rev": rev, "spec": spec}
    return {"rev": rev, "base": sent["rev"], "patch": diff}, {"rev": rev, "spec": spec}


def encode(msg: dict) -> bytes:
    return json.dumps(msg, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def _resync(key: str) -> None:
    """The browser does not hold the figure the next patch would be made for: send it whole."""
    st.session_state.get(SENT, {}).pop(key, None)


def forget(key: str) -> None:
    """The chart `key` is not drawn in this run (a closed tab): its next appearance sends the whole figure."""
    st.session_state.get(SENT, {}).pop(key, None)


def live_chart(figure, *, key: str, height: int | None = None, version=None, container=None) -> None:
    """Draw `figure` as the chart `key`, updated in place on later runs. figure: a go.Figure, its dict,
    or a function that makes one, called only when `version` differs from the last drawn one (None:
    always); an unchanged version sends the browser nothing but the revision it holds. height: the
    element's fixed height in px (default: the figure's layout.height), so nothing below it moves."""
    sent_by_key = st.session_state.setdefault(SENT, {})
    sent = sent_by_key.get(key)
    if version is not None and sent is not None and sent.get("version") == version:
        msg = {"rev": sent["rev"]}
        height = height or sent["spec"]["layout"]["height"]
    else:
        spec = figure_spec(figure() if callable(figure) else figure)
        height = int(height or spec["layout"].get("height") or 450)
        spec["layout"]["height"] = height
        msg, sent = message(sent, spec)
        sent_by_key[key] = {**sent, "version": version}
    # the keyed container gives the chart a CSS class (st-key-<key>) a lesson can scroll to and outline
    with (container or st).container(key=key):
        _component(key=f"{key}_chart", data=encode(msg), height=height, on_resync_change=lambda: _resync(key))


_SCROLL_JS = """
export default function ({ data, parentElement }) {
  // data: {target, token}; scroll once per token, when the target element exists (it may be drawn later)
  if (!data || parentElement.__scrolled === data.token) return;
  parentElement.__scrolled = data.token;
  let tries = 0;
  const go = () => {
    const el = document.querySelector(`.st-key-${CSS.escape(data.target)}`);
    if (el) el.scrollIntoView({ behavior: "smooth", block: "nearest" });
    else if (tries++ < 20) setTimeout(go, 100);
  };
  go();
}
"""
_scroll = st.components.v2.component("rnnplay_scroll_to", js=_SCROLL_JS, isolate_styles=False)


def scroll_to(key: str, token: str) -> None:
    """Scroll the element with key `key` into view, once for each new token (a lesson's step)."""
    _scroll(key="scroll_to", data={"target": key, "token": token}, height=0)
