"""The live charts' feed: a route of the app's own (`GET rnnplay/feed/<token>`) that a page's live charts
poll for what changed, without a script run.

A Streamlit script run (a fragment on a timer) makes the browser render every element of the page again:
a CDP profile of a live Playground put 121 ms of Chromium's main thread into each one, most of it React and
styling, not Plotly. So while a run trains, its charts and its status line are fed by this route instead:
the page registers, for each chart, how to tell whether it moved on (`version(snapshot)`) and how to build
it (`build(snapshot)`); the browser asks every `every` seconds with the revisions it holds, and gets only
the charts that moved on, as patches (app_pages/ui/chart_patch.py). Script runs and polls share one record
of what the browser was sent per chart, so either may draw the next revision.

A feed belongs to one session: its token (random, 128 bits) is sent only to that session's page, and the
registry holds feeds weakly (a session that ends takes its feed with it). A feed answers at most every
MIN_POLL_S; a faster poll gets 429 and costs a dictionary lookup. Polls are answered on WORKERS threads of
their own, started with the server: however many pages poll, the feed adds no thread (Starlette's default
pool would start up to 40, and keep them after the pages went).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from app_pages.ui.chart_patch import encode, figure_spec, message

PATH = "rnnplay/feed"  # served at /<baseUrlPath>/rnnplay/feed/<token>; the browser resolves it against the page
MIN_POLL_S = 0.2  # a feed's fastest answer; the page polls at `every` (0.5 s, slower when the server is busy)
MAX_HAVE = 2048  # characters of the `have` query (the revisions the browser holds)
STATUS = "status"  # the key of the status line among a feed's entries, and its kind
FIGURE, WORDS = "figure", "words"  # the other kinds of entry: a chart, a box of words (HTML made by the page)
WORKERS = 2  # threads that answer polls (Python runs one at a time; a second keeps a slow snapshot from blocking)
FAILED = b'{"error":"the live view could not be drawn: the server log says why"}'

_LOG = logging.getLogger(__name__)


@dataclass
class Entry:
    """One element of a feed: a chart, the status line, or a box of words."""

    version: Callable[[Any], Any]  # snapshot -> what the element shows (equal versions: nothing to send)
    build: Callable[[Any], Any]  # snapshot -> a figure; the status line's {"text", "fraction"}; words' HTML
    height: int | None = None
    kind: str = FIGURE  # FIGURE (sent as patches), STATUS or WORDS (sent whole when they move)


class Feed:
    """What one page's live view shows, and what its browser was sent. `source()` gives the snapshot
    both the script and the polls read; `live(snap)` says whether the view still moves (False ends the
    browser's polling and makes the page run once more); `every()` the seconds between polls."""

    def __init__(self, source: Callable[[], Any], live: Callable[[Any], bool], every: Callable[[], float]):
        self.token = secrets.token_urlsafe(16)
        self.source, self.live, self.every = source, live, every
        self.entries: dict[str, Entry] = {}
        self.sent: dict[str, dict] = {}  # key -> {"rev", "spec", "version"}: what the browser was sent
        self.lock = threading.Lock()
        self.last_poll = 0.0
        self.on_poll: Callable[[float], None] | None = None  # told each poll's CPU seconds (the pacer)
        _FEEDS[self.token] = self

    def put(self, key: str, entry: Entry, snap) -> dict:
        """Register (or replace) entry `key` and return the message for the element the script draws now."""
        with self.lock:
            self.entries[key] = entry
            return self._message(key, snap, have=None)

    def drop(self, key: str) -> None:
        """The chart `key` is not on the page in this run (a closed tab): not polled, sent whole when back."""
        with self.lock:
            self.entries.pop(key, None)
            self.sent.pop(key, None)

    def resync(self, key: str) -> None:
        """The browser does not hold the figure the next patch would be made for: the next message is whole."""
        with self.lock:
            self.sent.pop(key, None)

    def _message(self, key: str, snap, have: int | None) -> dict | None:
        """The message that brings the browser's copy of `key` (revision `have`; None: the script's element,
        whose copy the browser may have from either path) to what `snap` shows; None when nothing moved."""
        entry, sent = self.entries[key], self.sent.get(key)
        version = entry.version(snap)
        if sent is not None and sent["version"] == version:
            if have is None or have == sent["rev"]:
                return {"rev": sent["rev"]} if have is None else None
            return {"rev": sent["rev"], entry.kind: sent["spec"]}  # the kind names the field that holds it whole
        value = entry.build(snap)
        if entry.kind != FIGURE:  # small: sent whole whenever it moves
            rev = sent["rev"] + 1 if sent else 1
            self.sent[key] = {"rev": rev, "spec": value, "version": version}
            return {"rev": rev, entry.kind: value}
        spec = figure_spec(value)
        spec["layout"]["height"] = int(entry.height or spec["layout"].get("height") or 450)
        if have is not None and (sent is None or have != sent["rev"]):
            sent = None  # the browser holds another revision than the one a patch would be made for
        msg, record = message(sent, spec)
        if sent is None and key in self.sent:  # a whole figure after a mismatch: a revision the browser has not seen
            msg["rev"] = record["rev"] = self.sent[key]["rev"] + 1
        self.sent[key] = {**record, "version": version}
        return msg

    def poll(self, have: dict[str, int]) -> dict:
        """The answer to one poll: {"charts": {key: message}, "live": bool, "every": seconds}."""
        cpu0 = time.thread_time()
        snap = self.source()
        with self.lock:
            charts = {}
            for key in list(self.entries):
                msg = self._message(key, snap, have.get(key, -1))
                if msg is not None:
                    charts[key] = msg
        answer = {"charts": charts, "live": bool(self.live(snap)), "every": self.every()}
        if self.on_poll is not None:
            self.on_poll(time.thread_time() - cpu0)
        return answer


_FEEDS: weakref.WeakValueDictionary[str, Feed] = weakref.WeakValueDictionary()


def parse_have(text: str) -> dict[str, int] | None:
    """`loss:3,gtt:2` -> {"loss": 3, "gtt": 2}; None for anything else (the browser sends nothing else)."""
    if len(text) > MAX_HAVE:
        return None
    have = {}
    for part in filter(None, text.split(",")):
        key, sep, rev = part.rpartition(":")
        if not sep or not key or not rev.isdigit() or len(rev) > 12:
            return None
        have[key] = int(rev)
    return have


def answer(token: str, have_text: str, now: float | None = None) -> tuple[int, bytes]:
    """(HTTP status, body) of a poll: 404 for a token that names no feed, 400 for a malformed `have`,
    429 for a poll sooner than MIN_POLL_S after the last one, 500 (logged) when the answer could not be
    made, else the feed's JSON. A failed answer leaves nothing half done: the browser's next poll names
    the revisions it holds, and what it lacks comes whole."""
    feed = _FEEDS.get(token)
    if feed is None:
        return 404, b'{"error":"no such feed"}'
    have = parse_have(have_text)
    if have is None:
        return 400, b'{"error":"have: key:revision pairs, comma-separated"}'
    now = time.monotonic() if now is None else now
    if now - feed.last_poll < MIN_POLL_S:
        return 429, b'{"error":"too soon"}'
    feed.last_poll = now
    try:
        return 200, encode(feed.poll(have))
    except Exception:  # noqa: BLE001 - a chart that cannot be drawn must not take the server's thread with it
        _LOG.exception("rnnplay: a live view's poll failed")
        return 500, FAILED


_POOL = ThreadPoolExecutor(WORKERS, thread_name_prefix="live-feed")
for _ in range(WORKERS):  # started now, with the server, not by the first pages that poll
    _POOL.submit(time.sleep, 0.05)


async def _endpoint(request):
    token, have = request.path_params["token"], request.query_params.get("have", "")
    status, body = await asyncio.get_running_loop().run_in_executor(_POOL, answer, token, have)
    return Response(body, status_code=status, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list:
    """The feed's route, for `st.App(routes=...)`."""
    return [Route(f"/{PATH}/{{token}}", _endpoint, methods=["GET"])]
