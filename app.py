"""RNN Playground: `streamlit run app.py`. This file only routes; each page lives in app_pages/.

The folder is not called pages/: Streamlit 1.67 runs a `pages/` folder beside the entry file in its
old multipage mode for deep links such as /playground?..., skipping this file and listing every
module there as a page. app_pages/ keeps share links going through st.navigation."""

import os

import streamlit as st
import torch

# Many sessions share a few cores: each training thread gets a small, fixed share.
torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))

st.set_page_config(page_title="RNN Playground", page_icon=":material/cycle:", layout="wide")

pages = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", url_path="", default=True),
    st.Page("app_pages/playground.py", title="Playground", icon=":material/science:", url_path="playground"),
]
st.navigation(pages).run()
