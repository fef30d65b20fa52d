"""Learn: the cell equations beside the scratch code that runs, the four input/output set-ups with
links into the Playground, packing, clipping, and why gradients vanish, each with a live computation.

Every word comes from learn_text (English, marked for the one catalogue; tr() shows it in the session's
language); the code shown is read from the running functions with inspect.getsource, so it cannot
drift from what trains."""

import inspect
import os
import time

import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from app_pages.i18n import lang, tr, words
from app_pages.learn_text import EQUATIONS, LATEX, TEXT
from rnnplay import cells, figures
from rnnplay.tasks import TASK_CLASSES

torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))
PLAYGROUND = "app_pages/playground.py"
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
CELL_FUNCS = {"rnn": cells.rnn_cell, "lstm": cells.lstm_cell, "gru": cells.gru_cell}


def link(label_id: str, params: dict[str, str]) -> None:
    st.page_link(PLAYGROUND, label=tr(TEXT[label_id]), icon=":material/play_arrow:", query_params=params)


# ---------------------------------------------------------------- computations shown on the page
def packed_vs_alone(lengths=(5, 3, 2), pad=1e6, seed=0) -> tuple[float, float]:
    """Run a GRU over a padded batch, packed and not, and over each sentence alone; return the
    largest difference of the final hidden states: (packed vs alone, padded vs alone)."""
    gen = torch.Generator().manual_seed(seed)
    rnn = nn.GRU(input_size=4, hidden_size=8, batch_first=True)
    with torch.no_grad():
        for p in rnn.parameters():
            p.uniform_(-0.5, 0.5, generator=gen)
        x = torch.randn(len(lengths), max(lengths), 4, generator=gen)  # (B, T, I)
        for i, n in enumerate(lengths):
            x[i, n:] = pad  # padding: never read when packed
        alone = torch.cat([rnn(x[i : i + 1, :n])[1] for i, n in enumerate(lengths)], dim=1)  # (1, B, H)
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        _, h_packed = rnn(packed)  # each sentence's state after its own last word
        _, h_padded = rnn(x)  # the state after the padding
    return (h_packed - alone).abs().max().item(), (h_padded - alone).abs().max().item()


def layouts(seq_len=10, batch=32, input_size=8, hidden_size=16, seed=0) -> dict:
    """The course's shapes through nn.RNN both ways: (seq_len, batch, input_size) by default, (batch,
    seq_len, input_size) with batch_first=True; the same weights give the same numbers, transposed."""
    torch.manual_seed(seed)
    rnn = nn.RNN(input_size, hidden_size)  # batch_first=False: PyTorch's default, time first
    rnn_bf = nn.RNN(input_size, hidden_size, batch_first=True)
    rnn_bf.load_state_dict(rnn.state_dict())
    x = torch.randn(seq_len, batch, input_size)
    x_bf = x.transpose(0, 1)  # (batch, seq_len, input_size)
    with torch.no_grad():
        out, h_n = rnn(x)  # out (seq_len, batch, H), h_n (1, batch, H)
        out_bf, h_n_bf = rnn_bf(x_bf)  # out (batch, seq_len, H), h_n still (1, batch, H)
    shapes = {
        k: str(tuple(v.shape)) for k, v in dict(x=x, out=out, h_n=h_n, x_bf=x_bf, out_bf=out_bf, h_n_bf=h_n_bf).items()
    }
    diff = (out_bf.transpose(0, 1) - out).abs().max().item()
    return {**shapes, "diff": diff, "last": (out[-1] - h_n[0]).abs().max().item()}


def shared_parameters(input_size=5, hidden_size=64, output_size=2, lengths=(10, 1000), seed=0) -> dict:
    """One RNN and its output layer y_t = W_hy h_t + b_y read sequences of any length with the same weights."""
    torch.manual_seed(seed)
    rnn, fc = nn.RNN(input_size, hidden_size, batch_first=True), nn.Linear(hidden_size, output_size)
    n = sum(p.numel() for p in [*rnn.parameters(), *fc.parameters()])
    shapes = []
    with torch.no_grad():
        for T in lengths:
            out, _ = rnn(torch.randn(1, T, input_size))
            shapes.append(str(tuple(fc(out).shape)))  # y_t at every step: (1, T, output_size)
    return {"n": n, "i": input_size, "h": hidden_size, "o": output_size, "t1": lengths[0], "t2": lengths[1],
            "s1": shapes[0], "s2": shapes[1]}  # fmt: skip


def bidirectional_alignment(T=6, H=4, seed=0) -> dict:
    """nn.RNN(bidirectional=True) against two one-way nn.RNN holding its weights: the backward half of out
    is the backward RNN run on the reversed sequence and flipped back into time order."""
    torch.manual_seed(seed)
    bi = nn.RNN(3, H, batch_first=True, bidirectional=True)
    fwd, bwd = nn.RNN(3, H, batch_first=True), nn.RNN(3, H, batch_first=True)
    weights = bi.state_dict()
    fwd.load_state_dict({k: weights[k] for k in fwd.state_dict()})
    bwd.load_state_dict({k: weights[k + "_reverse"] for k in bwd.state_dict()})
    x = torch.randn(2, T, 3)
    with torch.no_grad():
        out, h_n = bi(x)  # out (2, T, 2H): forward half, then backward half
        out_f, _ = fwd(x)
        out_b, _ = bwd(x.flip(1))  # reads x_T ... x_1: its step k is time T-1-k
    gap = lambda a, b: (a - b).abs().max().item()  # noqa: E731
    return {
        "forward": gap(out[..., :H], out_f),
        "realigned": gap(out[..., H:], out_b.flip(1)),  # flipped back into time order
        "not_realigned": gap(out[..., H:], out_b),
        "h_n_first": gap(h_n[1], out[:, 0, H:]),
        "h_n_last": gap(h_n[1], out[:, -1, H:]),
    }


def jacobian_norms(rho: float, T: int, H: int = 32, seed: int = 0) -> dict[str, list[float]]:
    """‖∂h_T/∂h_t‖₂ for t = 1..T of a tanh RNN h_k = tanh(W_hh h_(k-1) + u_k) whose W_hh has spectral
    radius rho, the same product without tanh (‖W_hh^(T-t)‖₂), and rho^(T-t)."""
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(H, H, generator=gen, dtype=torch.float64) / H**0.5
    W *= rho / torch.linalg.eigvals(W).abs().max()  # now max |eigenvalue| = rho
    u = 0.5 * torch.randn(T, H, generator=gen, dtype=torch.float64)  # a small random input per step
    h, hs = torch.zeros(H, dtype=torch.float64), []
    for k in range(T):
        h = torch.tanh(W @ h + u[k])
        hs.append(h)
    P, L = torch.eye(H, dtype=torch.float64), torch.eye(H, dtype=torch.float64)
    tanh_rnn, linear = [1.0], [1.0]  # t = T: ∂h_T/∂h_T = I
    for k in range(T - 1, 0, -1):  # t = T-1 .. 1: multiply by J_(t+1) on the right
        P = P @ (torch.diag(1 - hs[k] ** 2) @ W)  # J_k = diag(tanh'(a_k)) W_hh
        L = L @ W
        tanh_rnn.append(torch.linalg.matrix_norm(P, ord=2).item())
        linear.append(torch.linalg.matrix_norm(L, ord=2).item())
    return {
        "t": list(range(1, T + 1)),
        "tanh": tanh_rnn[::-1],
        "linear": linear[::-1],
        "rho": [rho ** (T - t) for t in range(1, T + 1)],
    }


def clip_both(g: tuple[float, float], c: float) -> tuple[list[float], list[float]]:
    """Clip the gradient g of a two-number parameter by norm and by value with torch's own functions."""
    out = []
    for clip in (lambda p: nn.utils.clip_grad_norm_(p, c), lambda p: nn.utils.clip_grad_value_(p, c)):
        p = nn.Parameter(torch.zeros(2))
        p.grad = torch.tensor(g)
        clip([p])
        out.append(p.grad.tolist())
    return out[0], out[1]


# ---------------------------------------------------------------- diagrams (DOT, drawn in the browser)
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


def task_links(place: str) -> None:
    """Every task's links for this place on the page (Task.learn_links), in the registry's order."""
    for cls in TASK_CLASSES.values():
        for where, label, settings in cls.learn_links:
            if where == place:
                params = {"task": cls.name, **settings}
                st.page_link(PLAYGROUND, label=tr(label), icon=":material/play_arrow:", query_params=params)


def setup_links(setup: str) -> None:
    if setup in PRESET_SETUPS:
        task_links(setup)
        return
    for cls in TASK_CLASSES.values():
        if cls.kind == KIND_OF_SETUP[setup]:
            params = {"task": cls.name}
            st.page_link(PLAYGROUND, label=tr(cls.learn_title), icon=":material/play_arrow:", query_params=params)


# ---------------------------------------------------------------- the page
st.title(tr(TEXT["title"]))
st.markdown(tr(TEXT["intro"]))

st.header(tr(TEXT["cells_header"]), divider="gray")
st.markdown(tr(TEXT["cells_intro"]))
for arch, tab in zip(CELL_FUNCS, st.tabs(["RNN", "LSTM", "GRU"]), strict=True):
    with tab:
        left, right = st.columns([5, 7], gap="large")
        with left:
            st.subheader(tr(TEXT["equations"]))
            for latex, says in EQUATIONS[arch]:
                st.latex(latex)
                st.markdown(tr(says))
            st.subheader(tr(TEXT["shapes"]))
            g = cells.GATES[arch]
            gates = [figures.state_title(name, words()) for name in cells.GATE_NAMES[arch]]  # "forget gate f"
            names = ("、" if lang() == "zh" else ", ").join(gates) or tr(TEXT["gate_names_rnn"])
            st.markdown(tr(TEXT["shapes_text"], g=g, names=names))
            st.markdown(tr(TEXT["shapes_table"], g=g if g > 1 else ""))
        with right:
            st.subheader(tr(TEXT["code"]))
            st.code(inspect.getsource(CELL_FUNCS[arch]), language="python", wrap_lines=True)
            st.caption(tr(TEXT[f"code_caption_{arch}"]))
st.info(tr(TEXT["scratch_note"]), icon=":material/verified:")
link("scratch_link", {"arch": "lstm", "impl": "scratch"})

st.subheader(tr(TEXT["output_header"]))
st.latex(LATEX["output"])
st.markdown(tr(TEXT["output_text"]))
st.latex(LATEX["shared"])
st.markdown(tr(TEXT["shared_text"]))
st.caption(tr(TEXT["shared_result"], **shared_parameters()))

st.subheader(tr(TEXT["layout_header"]))
st.markdown(tr(TEXT["layout_text"]))
shapes = layouts()
st.markdown(tr(TEXT["layout_table"], **shapes))
st.caption(tr(TEXT["layout_result"], **shapes))
with st.expander(tr(TEXT["layout_code"])):
    st.code(inspect.getsource(layouts), language="python")

st.header(tr(TEXT["setups_header"]), divider="gray")
st.markdown(tr(TEXT["setups_intro"]))
for i in range(0, len(SETUPS), 2):
    for col, setup in zip(st.columns(2, gap="large"), SETUPS[i : i + 2], strict=True):
        with col.container(border=True):
            st.subheader(tr(TEXT[setup]))
            st.markdown(tr(TEXT[f"{setup}_text"]))
            st.graphviz_chart(diagram(setup), width="stretch")
            setup_links(setup)

st.subheader(tr(TEXT["bi_header"]))
st.markdown(tr(TEXT["bi_align_text"]))
st.markdown(tr(TEXT["bi_align_table"], **bidirectional_alignment()))
st.markdown(tr(TEXT["bi_align_read"]))
with st.expander(tr(TEXT["bi_align_code"])):
    st.code(inspect.getsource(bidirectional_alignment), language="python")

st.header(tr(TEXT["pack_header"]), divider="gray")
st.markdown(tr(TEXT["pack_text"]))
lengths, pad = (5, 3, 2), 1e6
same, padded = packed_vs_alone(lengths, pad)
m1, m2 = st.columns(2)
m1.metric(tr(TEXT["pack_packed"]), f"{same:.1e}")
m2.metric(tr(TEXT["pack_padded"]), f"{padded:.2f}")
st.caption(tr(TEXT["pack_result"], lengths=", ".join(map(str, lengths)), pad=pad))
with st.expander(tr(TEXT["pack_code"])):
    st.code(inspect.getsource(packed_vs_alone), language="python")

st.header(tr(TEXT["clip_header"]), divider="gray")
st.markdown(tr(TEXT["clip_text"]))
left, right = st.columns([1, 1], gap="large")
with left:
    st.latex(LATEX["clip_norm"])
    st.markdown(tr(TEXT["clip_norm"]))
    st.latex(LATEX["clip_value"])
    st.markdown(tr(TEXT["clip_value"]))
    st.markdown(tr(TEXT["clip_where"]))
with right:
    g = (3.0, 1.0)
    st.markdown(tr(TEXT["clip_demo"], g0=g[0], g1=g[1]))
    c = st.slider(tr(TEXT["clip_slider"]), 0.25, 4.0, 1.0, 0.25, key="clip_c")
    by_norm, by_value = clip_both(g, c)
    fig = go.Figure(layout={"title": {"text": tr(TEXT["clip_chart"], g0=g[0], g1=g[1], c=c)}, "height": 360})
    for name, v, color in (
        ("g", g, "#7f7f7f"),
        (tr(TEXT["clip_by_norm"]), by_norm, "#1f77b4"),
        (tr(TEXT["clip_by_value"]), by_value, "#d62728"),
    ):
        fig.add_scatter(
            x=[0, v[0]],
            y=[0, v[1]],
            mode="lines+markers",
            name=name,
            line={"color": color, "width": 4},
            marker={"size": [0, 12], "symbol": "arrow", "angleref": "previous"},
        )
    fig.add_shape(type="rect", x0=-c, y0=-c, x1=c, y1=c, line={"color": "#d62728", "dash": "dot"})
    fig.add_shape(type="circle", x0=-c, y0=-c, x1=c, y1=c, line={"color": "#1f77b4", "dash": "dot"})
    fig.update_xaxes(range=[-0.2, 3.4], zeroline=True)
    fig.update_yaxes(range=[-0.2, 1.6], scaleanchor="x", scaleratio=1)
    fig.update_layout(margin={"l": 40, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.15})
    st.plotly_chart(fig, key="clip_chart")

st.header(tr(TEXT["grad_header"]), divider="gray")
st.markdown(tr(TEXT["grad_text"]))
st.latex(LATEX["grad_chain"])
st.latex(LATEX["grad_rate"])
st.markdown(tr(TEXT["grad_rate_text"]))
s1, s2 = st.columns(2)
rho = s1.slider(tr(TEXT["rho_slider"]), 0.5, 1.5, 0.9, 0.05, key="rho")
steps = s2.slider(tr(TEXT["T_slider"]), 5, 100, 50, 5, key="T")
t0 = time.perf_counter()
norms = jacobian_norms(rho, steps)
ms = 1000 * (time.perf_counter() - t0)
fig = go.Figure(layout={"title": {"text": tr(TEXT["grad_chart"], T=steps, rho=rho)}, "height": 420})
for key, name, style in (
    ("rho", "ρ^(T−t)", {"dash": "dash", "color": "#7f7f7f"}),  # math: the same in every language
    ("linear", tr(TEXT["trace_linear"]), {"color": "#1f77b4"}),
    ("tanh", tr(TEXT["trace_tanh"]), {"color": "#d62728"}),
):
    fig.add_scatter(x=norms["t"], y=norms[key], mode="lines", name=name, line={**style, "width": 3})
fig.update_xaxes(title=tr(TEXT["grad_x"]))
fig.update_yaxes(title=tr(TEXT["grad_y"]), type="log", exponentformat="power")
fig.update_layout(margin={"l": 60, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2})
st.plotly_chart(fig, key="grad_chart")
st.caption(tr(TEXT["grad_real"], H=32, ms=ms))
st.markdown(tr(TEXT["grad_read"]))
with st.expander(tr(TEXT["grad_code"])):
    st.code(inspect.getsource(jacobian_norms), language="python")

st.subheader(tr(TEXT["lstm_header"]))
st.latex(LATEX["lstm_path"])
st.markdown(tr(TEXT["lstm_text"]))
st.markdown(tr(TEXT["forget_bias_text"]))
task_links("forget_bias")
st.markdown(tr(TEXT["grad_playground"]))
task_links("vanishing")

st.header(tr(TEXT["mistakes_header"]), divider="gray")
st.markdown(tr(TEXT["mistakes_intro"]))
st.warning(tr(TEXT["mistakes_list"]), icon=":material/report:")
task_links("mistakes")
