"""A live Plotly chart that stays mounted: `live_chart(figure, key=...)`, figure in, element out.

Streamlit 1.67's `st.plotly_chart` derives its element id from the figure, so a chart whose data changed
is a new element: React unmounts the old one and plotly.js draws the new one from scratch (the chart is
blank for a moment, the page height jumps, a zoom is lost). This element is a Custom Component v2 (no
iframe) with a fixed key: the browser keeps one Plotly root per chart and redraws it in place with
`Plotly.react`, keeping the learner's zoom, pan and hidden legend entries (`uirevision`).

What goes over the wire is what changed. The session remembers the figure it last sent for each key;
an update carries the points appended since then (`{"+": [...]}` per array), the values replaced and the
layout keys that changed, never the whole figure again. A whole figure goes once per chart, and again
when the traces change shape (another run, task, language) or when the browser asks for it (its copy is
not the one the patch was made for: a remount, a missed message).

plotly.js itself is read once per page from the copy inside the installed `plotly` package, served by
Streamlit's static route (`server.enableStaticServing`) under a name with its version. So is this element's
own module (live_chart.js, under a name with its content's hash): Streamlit puts a component's inline
JavaScript into every element it sends, and 8 kB of source in each chart of each redraw outweighed the
figures' patches; the inline part is a loader of a few hundred bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import plotly
import streamlit as st

from app_pages.ui.chart_patch import encode, figure_spec, message
from app_pages.ui.live_feed import PATH, STATUS, WORDS, Entry, Feed

SENT = "_live_chart_sent"  # session_state: key -> {"rev": int, "spec": the figure the browser holds}

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # beside app.py: Streamlit serves it at app/static/
PLOTLY_FILE = f"plotly-{plotly.__version__}.min.js"


def _install_static(target: Path, write) -> None:
    """Write a file into the app's static folder unless it is there already (atomic: a browser never reads
    half a file)."""
    STATIC_DIR.mkdir(exist_ok=True)
    partial = target.with_suffix(f".{id(target)}.part")
    write(partial)
    partial.replace(target)


def _install_plotly_js() -> None:
    """Put plotly.js into the app's static folder once per version (4.8 MB, cached by the browser)."""
    target = STATIC_DIR / PLOTLY_FILE
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return
    _install_static(target, lambda partial: shutil.copyfile(source, partial))


def _install_module() -> str:
    """live_chart.js into the static folder under a name with its hash (the plotly-* prefix keeps the
    generated copy out of git, as plotly.js's); the loader that Streamlit sends with each element."""
    code = Path(__file__).with_name("live_chart.js").read_text(encoding="utf-8").replace("__PLOTLY_FILE__", PLOTLY_FILE)
    name = f"plotly-live-chart-{hashlib.sha256(code.encode()).hexdigest()[:12]}.js"
    target = STATIC_DIR / name
    if not (target.exists() and target.read_text(encoding="utf-8") == code):
        _install_static(target, lambda partial: partial.write_text(code, encoding="utf-8"))
    return name


_install_plotly_js()
MODULE_FILE = _install_module()
# the element's inline JavaScript: import the module once per page, then hand every call to it in order. A
# failed import is tried again after each of RETRY_S under another URL (the browser remembers a failed module
# URL), so a dropped connection costs a moment, not an error box in place of every element.
_JS = """
const MODULE_URL = "app/static/__MODULE_FILE__";
const RETRY_S = [0.5, 1, 2, 4];
let loaded = null;
async function load() {
  const url = new URL(MODULE_URL, document.baseURI);
  for (let i = 0; ; i++) {
    try {
      return await import(url.href);
    } catch (err) {
      if (i >= RETRY_S.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, RETRY_S[i] * 1000));
      url.searchParams.set("try", String(i + 1));
    }
  }
}
export default function (component) {
  if (loaded) return loaded.default(component);
  window.__rnnplayLiveChart ??= load().catch((err) => {
    window.__rnnplayLiveChart = undefined; // the next update tries again
    throw err;
  });
  return window.__rnnplayLiveChart.then((module) => {
    loaded = module;
    return module.default(component);
  });
}
""".replace("__MODULE_FILE__", MODULE_FILE)
_component = st.components.v2.component("rnnplay_live_chart", js=_JS, isolate_styles=False)


def _resync(key: str) -> None:
    """The browser does not hold the figure the next patch would be made for: send it whole."""
    st.session_state.get(SENT, {}).pop(key, None)


def forget(key: str, feed: Feed | None = None) -> None:
    """The chart `key` is not drawn in this run (a closed tab): its next appearance sends the whole figure."""
    st.session_state.get(SENT, {}).pop(key, None)
    if feed is not None:
        feed.drop(key)


def live_chart(figure, *, key: str, height: int | None = None, version=None, container=None) -> None:
    """Draw `figure` as the chart `key`, updated in place on later runs. figure: a go.Figure, its dict,
    or a function that makes one, called only when `version` differs from the last drawn one (None:
    always); an unchanged version sends the browser nothing but the revision it holds. height: the
    element's fixed height in px (default: the figure's layout.height), so nothing below it moves."""
    sent_by_key = st.session_state.setdefault(SENT, {})
    sent = sent_by_key.get(key)
    if version is not None and sent is not None and sent.get("version") == version:
        msg = {"rev": sent["rev"]}
        height = height or sent["spec"]["layout"]["height"]
    else:
        spec = figure_spec(figure() if callable(figure) else figure)
        height = int(height or spec["layout"].get("height") or 450)
        spec["layout"]["height"] = height
        msg, sent = message(sent, spec)
        sent_by_key[key] = {**sent, "version": version}
    _element(key, msg, height, container, on_resync=lambda: _resync(key))


def fed_chart(feed: Feed, key: str, entry: Entry, snap, *, live: bool, container=None) -> None:
    """The chart `key` of a live view whose browser polls `feed` (app_pages/ui/live_feed.py) while `live`:
    drawn now from `snap`, then changed in place by the polls' answers with no script run. entry.version and
    entry.build take a snapshot; they run in the feed's thread too, so they read nothing of the session
    (no st.*, no session_state): what they need from it (the language, the chart options) they capture."""
    msg = feed.put(key, entry, snap)
    height = feed.sent[key]["spec"]["layout"]["height"]
    _element(key, _follow(msg, feed, key, live), height, container, on_resync=lambda: feed.resync(key))


def fed_status(feed: Feed, entry: Entry, snap, *, live: bool, height: int = 44) -> None:
    """The live view's status line (entry.build(snap) -> {"text", "fraction"}), fed like its charts; when
    the poll says the view stopped moving, the element triggers `ended`, and when polls keep failing,
    `redraw`: either way the script runs once more (the fragment the line is in, or the page)."""
    on = {"on_ended_change": lambda: None, "on_redraw_change": lambda: None}
    _fed(feed, STATUS, STATUS, entry, snap, live, height, f"{STATUS}_line", **on)


def fed_words(feed: Feed, key: str, entry: Entry, snap, *, live: bool, height: int) -> None:
    """A box of words of a live view (entry.build(snap) -> HTML, every text in it escaped by the builder),
    fed like its charts: the words follow the run with no script run. height: the box's fixed height in px
    (longer words scroll inside it)."""
    with st.container(key=key):  # st-key-<key>: a lesson can point at it, a test can read it
        _fed(feed, key, WORDS, entry, snap, live, height, f"{key}_words")


def _fed(feed: Feed, key: str, kind: str, entry: Entry, snap, live: bool, height: int, element: str, **on) -> None:
    """A fed element that is not a chart (a status line, words), sent whole: the message now, its kind named
    for the browser, and where it polls for the next ones while live."""
    msg = feed.put(key, dataclasses.replace(entry, kind=kind), snap)
    _component(
        key=element,
        data=encode({**_follow(msg, feed, key, live), "kind": kind}),
        height=height,
        on_resync_change=lambda: feed.resync(key),
        **on,
    )


def _follow(msg: dict, feed: Feed, key: str, live: bool) -> dict:
    """The message, plus where the browser polls for the next ones while the view is live."""
    return {**msg, "feed": {"url": f"{PATH}/{feed.token}", "key": key, "every": feed.every()}} if live else msg


def _element(key: str, msg: dict, height: int, container, on_resync) -> None:
    # the keyed container gives the chart a CSS class (st-key-<key>) a lesson can scroll to and outline
    with (container or st).container(key=key):
        _component(key=f"{key}_chart", data=encode(msg), height=height, on_resync_change=on_resync)


_POINT_JS = """
const OUTLINE = "outline: 3px solid #ff4b4b; outline-offset: 4px; border-radius: 0.5rem; "
  + "box-shadow: 0 0 0 8px rgba(255, 75, 75, 0.15); "
  // scrolled into view below Streamlit's sticky header (3.75rem), title and legend included
  + "scroll-margin-top: 4.5rem; scroll-margin-bottom: 1rem;";

export default function ({ data, parentElement }) {
  // data: {target, token}. The outline is a style element of this call's: a newer call replaces it, and the
  // call's cleanup (run when the element goes) removes it; removing one already gone does nothing.
  if (!data) return;
  const selector = `.st-key-${CSS.escape(data.target)}`;
  parentElement.__pointStyle?.remove();
  const style = (parentElement.__pointStyle = document.createElement("style"));
  style.textContent = `${selector} {${OUTLINE}}`;
  document.head.appendChild(style);
  // scroll once per token, when the target element exists (it may be drawn later)
  if (parentElement.__scrolled !== data.token) {
    parentElement.__scrolled = data.token;
    let tries = 0;
    const go = () => {
      const el = document.querySelector(selector);
      if (el) el.scrollIntoView({ behavior: "smooth", block: "nearest" });
      else if (tries++ < 20) setTimeout(go, 100);
    };
    go();
  }
  return () => style.remove();
}
"""
_point = st.components.v2.component("rnnplay_point_at", js=_POINT_JS, isolate_styles=False)


def point_at(key: str, token: str) -> None:
    """Outline the element with key `key` for as long as this element is on the page, and scroll it into view
    once for each new token (a lesson's step). The outline is not a style-only st.html: Streamlit sends such an
    element to the page's event container, outside the fragment that drew it, and a rerun of an enclosing
    fragment that no longer draws it leaves it there."""
    _point(key="point_at", data={"target": key, "token": token}, height=0)
