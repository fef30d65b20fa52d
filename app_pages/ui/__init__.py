"""The Streamlit glue the pages share, one concern a module: fields (one setting's widget), controls (the
sidebar of settings bound to the URL), links (share links), session_run (the session's training run),
panels (status lines and the diagnosis), run_bar (Train / Pause / Stop / Step / Reset), teacher (teacher
links) and live_chart (a live chart redrawn in place). The core (rnnplay) never sees st.

Most of them need torch (the task registry, the store, the figures): app_pages/preload.py imports it in
the background, so a page rarely waits for it. Home imports none of them."""
