"""The modules a training page needs, imported once per server in a background thread.

torch takes 0.9-1.0 s to import here, and plotly and our figures another few tenths. Every page but
Home needs them. The first script run starts the import (Home draws meanwhile: nothing on its path
imports torch); a request for another page's HTML starts it sooner (`StartOnPageRequest`, a middleware
of app.py's server), while the browser is still loading Streamlit's frontend: 0.7-0.8 s on a cold
start, measured, in which the server has little else to do. Home's request does not: the import would
hold the GIL that Home's first paint needs.

torch._dynamo, which a process's first training step imports (0.6 s warm, 2-3 s from a cold disk,
measured), comes last, a second after the first page is drawn. Imported at once, it holds the GIL while
the browser fetches the code of that page's widgets (0.4-0.6 s after the script run, measured): the cold
Playground showed its Train button at 3.25 s against 2.67 s with the import 3 s later, and at 2.64 s with
it 1 s later (medians of 5). Three seconds was too long: a Train pressed then waited for the import. A
step that needs it first imports it itself.

The imports run with the cyclic GC off, and what they made is frozen afterwards (`frozen_after`): the cold
Playground's Train button at 2.51 s against 2.86 s (medians of 5, docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading
import time

MODULES = ("rnnplay.run", "rnnplay.figures")
LATER = ("torch._dynamo",)
FIRST_PAGE_WAIT_S = 10.0  # LATER comes at most this long after the start even if no page is drawn
AFTER_FIRST_PAGE_S = 1.0  # and this long after the first page: the browser fetches its widgets meanwhile (0.4-0.6 s)


class Preload(threading.Thread):
    """Imports MODULES, sets torch's thread count (threads started later, every page's script thread
    among them, inherit it), then imports LATER once a page has been drawn and the browser has had time
    to fetch its widgets' code."""

    def __init__(self):
        super().__init__(name="preload", daemon=True)
        self.first_page = threading.Event()  # set when a page has been drawn

    def run(self) -> None:
        with frozen_after():
            for m in MODULES:
                importlib.import_module(m)
        importlib.import_module("rnnplay.hosted").set_torch_threads()
        if self.first_page.wait(FIRST_PAGE_WAIT_S):
            time.sleep(AFTER_FIRST_PAGE_S)
        with frozen_after():
            for m in LATER:
                importlib.import_module(m)


@contextlib.contextmanager
def frozen_after():
    """No cyclic garbage collection while a large import runs, and what it made kept out of every later one.
    Importing torch makes 3 full collections, and torch._dynamo 2 more (0.08-0.15 s each, holding the GIL
    the page being served needs, measured with gc.callbacks on a cold server); modules live as long as the
    server, so gc.freeze() moves them out of the collector's way for good."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


_lock = threading.Lock()
_preload: Preload | None = None


def start() -> Preload:
    """The server's preload, started at the first call (any thread; later calls return the same one)."""
    global _preload
    with _lock:
        if _preload is None:
            _preload = Preload()
            _preload.start()
        return _preload


def page_drawn() -> None:
    start().first_page.set()


class StartOnPageRequest:
    """ASGI middleware: a GET for one of `pages` (their url paths, the last part of the request's path)
    starts the preload; every request then goes on unchanged."""

    def __init__(self, app, pages: tuple[str, ...]):
        self.app, self.pages = app, frozenset(pages)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and _preload is None and scope["path"].rstrip("/").rpartition("/")[2] in self.pages:
            start()
        await self.app(scope, receive, send)
