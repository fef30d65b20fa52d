"""A figure as the live chart element sends it, and what changed between two of them: pure functions
(no Streamlit), used by the element (app_pages/ui/live_chart.py) in a script run and by the feed
(app_pages/ui/live_feed.py) that the browser polls.

A message is one of:
    {rev, figure: {data, layout}}          a whole figure
    {rev, base, patch: {traces, layout}}   what changed since revision `base`
    {rev}                                  nothing changed since revision rev
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import plotly.graph_objects as go

# arrays a patch may extend instead of resending (a heatmap's z grows by rows)
ARRAYS = ("x", "y", "z", "text", "customdata", "hovertext")


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
