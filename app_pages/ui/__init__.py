"""The Streamlit glue the pages share, one concern a module: fields (one setting's widget), controls (the
sidebar of settings bound to the URL), links (share links), session_run (the session's training run),
panels (status lines and the diagnosis), run_bar (Train / Pause / Stop / Step / Reset), teacher (teacher
links) and live_chart (a live chart redrawn in place). The core (rnnplay) never sees st.

The package itself imports no torch: a page draws its settings and its run bar before torch is loaded
(the Playground opened on a cold server shows Train while torch still imports in the background)."""
