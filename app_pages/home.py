"""Home: what RNN Playground is, the lessons (S2: each a link that opens a narrated page), how to start,
and links into the Playground with good presets. No torch on this path: Home paints at once."""

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from rnnplay.lessons import LESSONS, UI

st.title("RNN Playground")
st.markdown(
    "Train a recurrent network **live** and watch *why* it learns or forgets: the loss, the gradient "
    "norm, the **gradient flowing back through time** ‖∂L/∂hₜ‖ and the hidden activations at every "
    "time step — for your own RNN, LSTM or GRU, while it trains."
)

st.subheader(UI["home_heading"])
st.caption(UI["home_caption"])
PAGE_FILES = {"playground": "app_pages/playground.py", "gradients": "app_pages/gradients.py"}
lesson_cols = st.columns(3)
for i, lesson in enumerate(LESSONS):
    with lesson_cols[i % 3].container(border=True, key=f"lesson_card_{lesson.id}"):
        st.markdown(f"**{lesson.title}**  \n{lesson.summary}")
        try:
            st.page_link(
                PAGE_FILES[lesson.page],
                label=f"{UI['open']} ({UI['page_' + lesson.page]})",
                icon=":material/school:",
                query_params=lesson.query_params,
            )
        except StreamlitPageNotFoundError:  # a page this app does not route (yet): say so, do not crash
            st.caption(UI["no_page"].format(page=UI["page_" + lesson.page]))

st.subheader("Start here")
st.markdown(
    "1. Open the **Playground**, pick a task and an architecture in the sidebar.\n"
    "2. Press **Train**. Charts update live; Pause, Step one batch, or Stop at any time.\n"
    "3. Change the hidden size, learning rate or clipping, press **Reset**, and compare.\n"
    "4. Copy the **share link** under the charts: it holds the whole configuration."
)

PRESETS = [
    (
        "Vanishing gradients: RNN on the adding problem",
        {"task": "adding", "arch": "rnn", "seq_len": 50},
        "A vanilla RNN must carry two numbers across 50 steps. Watch ‖∂L/∂h₁‖ fall ten orders of "
        "magnitude below ‖∂L/∂h_T‖ and the loss sit on the chance line.",
    ),
    (
        "…and the LSTM that remembers",
        {"task": "adding", "arch": "lstm", "seq_len": 50, "steps": 3000},
        "Same task, same seed: the LSTM's gradient through time stays flat and the loss drops below chance.",
    ),
    (
        "hello → elloh (the course's first char-RNN)",
        {"task": "charlm", "text": "hello"},
        "Eight hidden units learn to predict the next character of 'hello' in 200 steps.",
    ),
    (
        "Count the ones (many-to-one classification)",
        {"task": "majority"},
        "The course's lesson 1: is the count of ones in a 0/1 sequence above half?",
    ),
    (
        "Forecast a noisy sine",
        {"task": "sine", "arch": "gru"},
        "A look-back window predicts the next value; see one-step and multi-step forecasts.",
    ),
]
for title, params, text in PRESETS:
    with st.container(border=True):
        st.markdown(f"**{title}**  \n{text}")
        st.page_link(
            "app_pages/playground.py", label="Open in the Playground", icon=":material/play_arrow:", query_params=params
        )

st.subheader("Every task of the course")
st.caption(
    "Each opens the Playground with the task's own fast settings; its view and a Try it box sit under the charts."
)
# (Home imports no torch, so it paints at once: these lines are written here, not read from rnnplay.tasks)
TASKS = [
    (
        "majority",
        "many-to-one",
        "Count the ones: is a 0/1 string more than half ones? See the verdict form step by step.",
    ),
    (
        "charlm",
        "many-to-many",
        "Next character: hello → elloh, Shakespeare's sonnets or Tang poems; sample with a temperature.",
    ),
    (
        "random",
        "many-to-one",
        "Random labels: training accuracy climbs to 1 while validation stays at chance — memorising.",
    ),
    ("sine", "many-to-one", "Forecast a noisy sine (or your own CSV series), one step and autoregressively."),
    ("sentiment", "many-to-one", "Sentences in English or 中文, embeddings, variable lengths packed into one batch."),
    ("tagging", "many-to-many", "A word's tag depends on the next word: only a bidirectional model can know it."),
    ("reverse", "seq2seq", "Encoder-decoder: write a digit string backwards; teacher forcing, greedy decoding."),
    ("wave", "one-to-many", "From a one-hot class to a whole waveform: sine, square, triangle, sawtooth."),
    ("adding", "many-to-one", "Add two marked numbers far apart: the classic test of long memory."),
    ("copy", "many-to-many", "Recall ten symbols after a delay of blanks: where gates beat a plain RNN."),
]
cols = st.columns(2)
for i, (name, kind, text) in enumerate(TASKS):
    with cols[i % 2].container(border=True):
        st.markdown(f"**{name}** · *{kind}*  \n{text}")
        st.page_link(
            "app_pages/playground.py",
            label=f"Open {name}",
            icon=":material/play_arrow:",
            query_params={"task": name},
        )

st.caption(
    "Everything here also runs from the command line: `python -m rnnplay tasks` and "
    "`python -m rnnplay train --task adding --arch lstm --json`."
)
