"""RNN Playground: `streamlit run app.py`. This file only routes; each page lives in app_pages/.

The folder is not called pages/: Streamlit 1.67 runs a `pages/` folder beside the entry file in its
old multipage mode for deep links such as /playground?..., skipping this file and listing every
module there as a page. app_pages/ keeps share links going through st.navigation.

`streamlit run app.py` finds `app` below (an `st.App`) and serves it: Streamlit's routes plus the live
charts' feed (app_pages/ui/live_feed.py), which a training page's charts poll without a script run. Each
session's script run executes this file as `__main__`, and that draws the page.
"""

import importlib
import threading

import streamlit as st

from app_pages import view_link
from app_pages.i18n import language_switch, tr
from app_pages.ui import live_feed

# torch._dynamo is imported by the first optimizer a process builds: 2-3 s on a cold start (measured). It
# comes after the first page is drawn: imported meanwhile, it held the GIL the cold Playground needed.
PRELOAD, AFTER_FIRST_PAGE = ("rnnplay.run", "rnnplay.figures"), ("torch._dynamo",)
FIRST_PAGE_WAIT_S = 10.0


class Preload(threading.Thread):
    """Imports torch, its optimizer machinery and plotly once per server, in the background: Home paints
    at once (no torch on its path) and the Playground is ready when a learner opens it. Then sets torch's
    thread count: threads started later (every page's script thread) inherit it."""

    def __init__(self):
        super().__init__(name="preload", daemon=True)
        self.first_page = threading.Event()  # set when a page has been drawn

    def run(self) -> None:
        for m in PRELOAD:
            importlib.import_module(m)
        importlib.import_module("rnnplay.hosted").set_torch_threads()
        self.first_page.wait(FIRST_PAGE_WAIT_S)
        for m in AFTER_FIRST_PAGE:
            importlib.import_module(m)


@st.cache_resource(show_spinner=False)
def _preload() -> Preload:
    t = Preload()
    t.start()
    return t


def main() -> None:
    st.set_page_config(page_title="RNN Playground", page_icon=":material/cycle:", layout="wide")

    pages = [
        st.Page("app_pages/home.py", title=tr("Home"), icon=":material/home:", url_path="", default=True),
        st.Page("app_pages/playground.py", title=tr("Playground"), icon=":material/science:", url_path="playground"),
        st.Page(
            "app_pages/gradients.py", title=tr("Gradient lab"), icon=":material/trending_down:", url_path="gradients"
        ),
        st.Page("app_pages/inspect.py", title=tr("Inspect"), icon=":material/biotech:", url_path="inspect"),
        st.Page("app_pages/learn.py", title=tr("Learn"), icon=":material/school:", url_path="learn"),
        st.Page("app_pages/runs.py", title=tr("Runs"), icon=":material/stacked_line_chart:", url_path="runs"),
    ]
    page = st.navigation(pages)
    language_switch(st.sidebar)
    view_link.follow_short_link()  # ?t=: a teacher's short link opens the link it stands for
    view_link.carry()  # a teacher's view stays in the URL on every page (sidebar navigation drops it)
    preload = _preload()
    try:
        page.run()
    finally:
        preload.first_page.set()


if __name__ == "__main__":  # a session's script run
    main()
else:  # `streamlit run app.py` imports this module for the server
    app = st.App(__file__, routes=live_feed.routes())
