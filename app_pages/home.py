"""Home: what RNN Playground is, the lessons (each a link that opens a narrated page), how to start,
and links into the Playground with good presets. No torch on this path: Home paints at once (the
catalogue, app_pages/i18n.py and rnnplay.lessons import no torch either).

Every text is English marked for the one catalogue (N_ where it is data, tr where it is shown);
the Chinese is in rnnplay/i18n/zh_home.py, the lessons' own in zh_lessons.py."""

from dataclasses import astuple

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from app_pages.i18n import tr
from rnnplay import tasks
from rnnplay.i18n import N_
from rnnplay.lessons import LESSONS, UI

st.title("RNN Playground")  # the product's name, the same in every language
st.markdown(
    tr(
        "Train a recurrent network **live** and watch *why* it learns or forgets: the loss, the gradient "
        "norm, the **gradient flowing back through time** ‖∂L/∂hₜ‖ and the hidden activations at every "
        "time step — for your own RNN, LSTM or GRU, while it trains."
    )
)

st.subheader(tr(UI["home_heading"]))
st.caption(tr(UI["home_caption"]))
PAGE_FILES = {"playground": "app_pages/playground.py", "gradients": "app_pages/gradients.py"}
lesson_cols = st.columns(3)
for i, lesson in enumerate(LESSONS):
    page_name = tr(UI["page_" + lesson.page])
    with lesson_cols[i % 3].container(border=True, key=f"lesson_card_{lesson.id}"):
        st.markdown(f"**{tr(lesson.title)}**  \n{tr(lesson.summary)}")
        try:
            st.page_link(
                PAGE_FILES[lesson.page],
                label=tr("{action} ({page})", action=tr(UI["open"]), page=page_name),
                icon=":material/school:",
                query_params=lesson.query_params,
            )
        except StreamlitPageNotFoundError:  # a page this app does not route (yet): say so, do not crash
            st.caption(tr(UI["no_page"], page=page_name))

st.subheader(tr("Start here"))
st.markdown(
    tr(
        "1. Open the **Playground**, pick a task and an architecture in the sidebar.\n"
        "2. Press **Train**. Charts update live; Pause, Step one batch, or Stop at any time.\n"
        "3. Change the hidden size, learning rate or clipping, press **Reset**, and compare.\n"
        "4. Copy the **share link** under the charts: it holds the whole configuration."
    )
)

# each task's featured presets (Task.home_presets), read from its module's source like its card below
PRESETS = [
    (title, {"task": name, **settings}, text)
    for name in tasks.NAMES
    for title, settings, text in tasks.home_presets(name)
]
for title, params, text in PRESETS:
    with st.container(border=True):
        st.markdown(f"**{tr(title)}**  \n{tr(text)}")
        st.page_link(
            "app_pages/playground.py",
            label=tr("Open in the Playground"),
            icon=":material/play_arrow:",
            query_params=params,
        )

st.subheader(tr("Every task of the course"))
st.caption(
    tr("Each opens the Playground with the task's own fast settings; its view and a Try it box sit under the charts.")
)
# each task's card is read from its module's source (rnnplay.tasks.card): Home imports no torch, so it paints at once
KINDS = {
    "many-to-one": N_("many-to-one"),
    "many-to-many": N_("many-to-many"),
    "seq2seq": N_("seq2seq"),
    "one-to-many": N_("one-to-many"),
}
cols = st.columns(2)
for i, name in enumerate(tasks.NAMES):
    _, kind, text = astuple(tasks.card(name))
    with cols[i % 2].container(border=True):
        st.markdown(f"**{name}** · *{tr(KINDS[kind])}*  \n{tr(text)}")
        st.page_link(
            "app_pages/playground.py",
            label=tr("Open {name}", name=name),
            icon=":material/play_arrow:",
            query_params={"task": name},
        )

st.caption(
    tr(
        "Everything here also runs from the command line: `python -m rnnplay tasks` and "
        "`python -m rnnplay train --task adding --arch lstm --json`."
    )
)
