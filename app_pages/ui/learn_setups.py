"""The Learn page's input/output set-ups: each one's unrolled network as a DOT diagram (drawn in the browser by
st.graphviz_chart) and its links into the Playground, every task of its kind or the tasks that link it."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import tr
from rnnplay.tasks import TASK_CLASSES

PLAYGROUND = "app_pages/playground.py"
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

NODE = {
    "x": 'shape=box style="rounded,filled" fillcolor="#dbe9f6" color="#1f77b4"',
    "h": 'shape=box style="rounded,filled" fillcolor="#fde3c8" color="#ff7f0e"',
    "s": 'shape=box style="rounded,filled" fillcolor="#f3d9ef" color="#9467bd"',
    "y": 'shape=box style="rounded,filled" fillcolor="#d5efd5" color="#2ca02c"',
}


def dot(nodes: list[tuple[str, str, str]], edges: list[str], rows: list[list[str]], pos: dict | None = None) -> str:
    """nodes (id, label, kind), edges 'a -> b [...]', rows: ids drawn on one line (bottom to top);
    pos: pinned (x, y) inches per node, laid out by neato instead of dot."""
    lines = [
        "digraph {",
        'rankdir=BT; bgcolor="transparent"; nodesep=0.25; ranksep=0.35;',
        'node [fontname="Helvetica" fontsize=16 height=0.4 width=0.5]; edge [color="#555555"];',
    ]
    if pos:
        lines.append("layout=neato; splines=true;")
    for n, label, kind in nodes:
        pin = f' pos="{pos[n][0]},{pos[n][1]}!"' if pos else ""
        lines.append(f'{n} [label="{label}" {NODE[kind]}{pin}];')
    lines += [f"{{rank=same; {' '.join(r)}}}" for r in rows]
    return "\n".join(lines + [e + ";" for e in edges] + ["}"])


def row(v: str, n: int, kind: str, label: str | None = None) -> tuple[list[str], list[tuple[str, str, str]]]:
    """n nodes v1..vn of one kind, labelled label₁..labelₙ."""
    ids = [f"{v}{k}" for k in range(1, n + 1)]
    return ids, [(i, (label or v) + str(k).translate(SUBSCRIPT), kind) for k, i in enumerate(ids, 1)]


def arrows(a: list[str], b: list[str], attrs: str = "") -> list[str]:
    """a[k] -> b[k] for every k."""
    return [f"{u} -> {v} {attrs}" for u, v in zip(a, b, strict=True)]


def diagram(setup: str, n: int = 4) -> str:
    """The unrolled network of one set-up: inputs at the bottom, outputs on top, time to the right."""
    (xs, xn), (hs, hn), (ys, yn) = row("x", n, "x"), row("h", n, "h"), row("y", n, "y")
    recur = arrows(hs[:-1], hs[1:])
    if setup == "m2o":
        return dot(xn + hn + [("y", "y", "y")], arrows(xs, hs) + recur + [f"{hs[-1]} -> y"], [xs, hs])
    if setup == "m2m":
        return dot(xn + hn + yn, arrows(xs, hs) + recur + arrows(hs, ys), [xs, hs, ys])
    if setup == "o2m":
        return dot(xn[:1] + hn + yn, [f"{xs[0]} -> {hs[0]}"] + recur + arrows(hs, ys), [hs, ys])
    if setup == "s2s":  # encoder h1..h3 reads x; decoder s1..s3 starts from h3, fed its previous output
        (xs, xn), (hs, hn), (ss, sn), (ys, yn) = row("x", 3, "x"), row("h", 3, "h"), row("s", 3, "s"), row("y", 3, "y")
        edges = arrows(xs, hs) + arrows(hs[:-1], hs[1:]) + [f"{hs[-1]} -> {ss[0]} [penwidth=2.5]"]
        edges += arrows(ss[:-1], ss[1:]) + arrows(ss, ys)
        edges += arrows(ys[:-1], ss[1:], '[style=dashed constraint=false color="#2ca02c"]')
        return dot(xn + hn + sn + yn, edges, [xs, hs + ss, ys])
    if setup == "bi":  # forward states h→ and backward states h← (above them) both read x, both feed y
        bs, bn = row("b", n, "s", "h←")
        hn = [(i, label.replace("h", "h→", 1), kind) for i, label, kind in hn]
        edges = arrows(xs, hs) + recur + arrows(bs[1:], bs[:-1]) + arrows(xs, bs) + arrows(hs, ys) + arrows(bs, ys)
        # pinned positions (inches): each column's two states sit a little apart so no arrow crosses a node
        pos = {
            i: (1.0 * k + dx, 0.8 * y)
            for y, dx, ids in ((0, 0, xs), (1, -0.28, hs), (2, 0.28, bs), (3, 0, ys))
            for k, i in enumerate(ids)
        }
        return dot(xn + hn + bn + yn, edges, [], pos)
    # stacked: layer 2 (h′) reads layer 1's states, an output per step
    gs, gn = row("g", n, "s", "h′")
    edges = arrows(xs, hs) + recur + arrows(hs, gs) + arrows(gs[:-1], gs[1:]) + arrows(gs, ys)
    return dot(xn + hn + gn + yn, edges, [xs, hs, gs, ys])


# a set-up shown by every task of its kind (Task.kind), each linked under its Task.learn_title
KIND_OF_SETUP = {"m2o": "many-to-one", "m2m": "many-to-many", "o2m": "one-to-many", "s2s": "seq2seq"}
# a set-up shown by the tasks that link it from their own settings (Task.learn_links under its place)
PRESET_SETUPS = ("bi", "stacked")
SETUPS = [*KIND_OF_SETUP, *PRESET_SETUPS]


def playground_link(label: str, params: dict[str, str]) -> None:
    """A link into the Playground with these settings in its URL."""
    st.page_link(PLAYGROUND, label=label, icon=":material/play_arrow:", query_params=params)


def task_links(place: str) -> None:
    """Every task's links for this place on the page (Task.learn_links), in the registry's order."""
    for cls in TASK_CLASSES.values():
        for where, label, settings in cls.learn_links:
            if where == place:
                playground_link(tr(label), {"task": cls.name, **settings})


def setup_links(setup: str) -> None:
    if setup in PRESET_SETUPS:
        task_links(setup)
        return
    for cls in TASK_CLASSES.values():
        if cls.kind == KIND_OF_SETUP[setup]:
            playground_link(tr(cls.learn_title), {"task": cls.name})
