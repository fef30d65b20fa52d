"""RNN Playground: `streamlit run app.py`. This file only routes; each page lives in app_pages/.

The folder is not called pages/: Streamlit 1.67 runs a `pages/` folder beside the entry file in its
old multipage mode for deep links such as /playground?..., skipping this file and listing every
module there as a page. app_pages/ keeps share links going through st.navigation.
"""

import importlib
import threading

import streamlit as st

st.set_page_config(page_title="RNN Playground", page_icon=":material/cycle:", layout="wide")

pages = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", url_path="", default=True),
    st.Page("app_pages/playground.py", title="Playground", icon=":material/science:", url_path="playground"),
]
page = st.navigation(pages)


@st.cache_resource(show_spinner=False)
def _preload() -> threading.Thread:
    """Import torch and plotly once per server in the background: Home paints at once (no torch
    import on its path), and the Playground is ready by the time a learner clicks it."""
    t = threading.Thread(
        target=lambda: [importlib.import_module(m) for m in ("rnnplay.session", "rnnplay.figures")],
        name="rnnplay-preload",
        daemon=True,
    )
    t.start()
    return t


_preload()
page.run()
