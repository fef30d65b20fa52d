"""The Streamlit glue the pages share, one concern a module: fields (one setting's widget), controls (the
sidebar of settings bound to the URL), links (share links), session_run (the session's training run),
panels (status lines and the diagnosis), run_bar (Train / Pause / Stop / Step / Reset), teacher (teacher
links) and live_chart (a live chart redrawn in place). The core (rnnplay) never sees st.

Importing this package sets torch's thread count, before any page trains."""

import os

import torch

# Many sessions share a few cores: each training thread gets a small, fixed share (set once here, where a
# training page first imports torch; Home never does).
torch.set_num_threads(int(os.environ.get("RNNPLAY_THREADS", "1")))
