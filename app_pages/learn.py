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

from app_pages.i18n import lang, tr, words
from app_pages.learn_text import EQUATIONS, LATEX, TEXT
from app_pages.ui.learn_setups import SETUPS, diagram, playground_link, setup_links, task_links
from rnnplay import cells, figures
from rnnplay.learn_demos import (
    bidirectional_alignment,
    clip_both,
    jacobian_norms,
    layouts,
    packed_vs_alone,
    shared_parameters,
)

torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))
CELL_FUNCS = {"rnn": cells.rnn_cell, "lstm": cells.lstm_cell, "gru": cells.gru_cell}


def link(label_id: str, params: dict[str, str]) -> None:
    playground_link(tr(TEXT[label_id]), params)


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
