"""RNN Playground: `streamlit run app.py`. This file only routes; each page lives in app_pages/.

The folder is not called pages/: Streamlit 1.67 runs a `pages/` folder beside the entry file in its
old multipage mode for deep links such as /playground?..., skipping this file and listing every
module there as a page. app_pages/ keeps share links going through st.navigation.

`streamlit run app.py` finds `app` below (an `st.App`) and serves it: Streamlit's routes plus the live
charts' feed (app_pages/ui/live_feed.py), which a training page's charts poll without a script run. Each
session's script run executes this file as `__main__`, and that draws the page.
"""

import streamlit as st
from starlette.middleware import Middleware

from app_pages import preload, view_link
from app_pages.i18n import language_switch, tr
from app_pages.ui import live_feed
from rnnplay.i18n import N_

# the sidebar's pages: file in app_pages/, title, icon, url path. Home ("") is the default.
PAGES = (
    ("home.py", N_("Home"), ":material/home:", ""),
    ("playground.py", N_("Playground"), ":material/science:", "playground"),
    ("gradients.py", N_("Gradient lab"), ":material/trending_down:", "gradients"),
    ("inspect.py", N_("Inspect"), ":material/biotech:", "inspect"),
    ("learn.py", N_("Learn"), ":material/school:", "learn"),
    ("runs.py", N_("Runs"), ":material/stacked_line_chart:", "runs"),
)
# every page but Home needs torch: a request for one starts the preload (app_pages/preload.py)
TORCH_PAGES = tuple(path for *_, path in PAGES if path)


def main() -> None:
    st.set_page_config(page_title="RNN Playground", page_icon=":material/cycle:", layout="wide")

    pages = [
        st.Page(f"app_pages/{file}", title=tr(title), icon=icon, url_path=path, default=not path)
        for file, title, icon, path in PAGES
    ]
    page = st.navigation(pages)
    language_switch(st.sidebar)
    view_link.follow_short_link()  # ?t=: a teacher's short link opens the link it stands for
    view_link.carry()  # a teacher's view stays in the URL on every page (sidebar navigation drops it)
    preload.start()  # a no-op when a page's request has started it
    try:
        page.run()
    finally:
        preload.page_drawn()


if __name__ == "__main__":  # a session's script run
    main()
else:  # `streamlit run app.py` imports this module for the server
    app = st.App(
        __file__, routes=live_feed.routes(), middleware=[Middleware(preload.StartOnPageRequest, pages=TORCH_PAGES)]
    )
