"""Hostile-class tests: a real server on 127.0.0.1, driven the way a curious student would, over
Streamlit's own websocket protocol (tests/load/loadtest.py's client, which the load test uses too).

`server` is a shared server for a module; `serve` starts one with its own environment (a damaged store).
A tab carries a browser's XSRF cookie as Chromium would: `token` names the browser (None: no cookie).
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.e2e.streamlit_server import serve
from tests.hostile._server import chromium, served  # noqa: F401 - fixtures of test_costs.py
from tests.load.loadtest import StClient

STEPS = re.compile(r"step (\d+) / (\d+)")
# a run that outlasts every test: the server allows this many steps
SERVER_ENV = {"RNNPLAY_MAX_STEPS": "10000000", "RNNPLAY_IDLE_PAUSE_S": "600"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with serve(RNNPLAY_STORE=str(store), **SERVER_ENV) as url:
        yield url.removeprefix("http://")


class Tab(StClient):
    """One browser tab over the websocket; token: the browser's XSRF token (its cookie), or None."""

    def __init__(self, base: str, page: str, query: str, token: bytes | None = None):
        super().__init__(base, page, query)
        self.token = token
        self.samples: list[tuple[float, int]] = []  # (when, step count) at each status line that moved

    def _handle(self, msg) -> None:
        super()._handle(msg)
        if msg.WhichOneof("type") == "script_finished":
            self._status_changed()

    def _status_changed(self) -> None:
        """A status line arrived (a script run's, or the feed's answer): a sample when its step moved."""
        steps = self.steps()
        if steps is not None and (not self.samples or self.samples[-1][1] != steps):
            self.samples.append((time.monotonic(), steps))

    async def __aenter__(self) -> Tab:
        headers = {"Cookie": f"_streamlit_xsrf={generate_xsrf_token_string(self.token)}"} if self.token else {}
        self.ws = await connect(
            self.url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers=headers,
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def click(self, key: str) -> None:
        wid = self.widget_id(key)
        assert wid is not None, f"no {key} on the page"
        await self.run((wid,))

    async def send_clear_cache(self) -> None:
        m = BackMsg()
        m.clear_cache = True
        await self.ws.send(m.SerializeToString())

    def steps(self) -> int | None:
        for text in self.texts("progress"):
            m = STEPS.search(text)
            if m:
                return int(m[1])
        return None

    def run_id(self) -> str | None:
        m = re.search(r"(?:^|&)run=([^&]+)", self.query)
        return m[1] if m else None

    async def until(self, cond, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline or self.closed:
                return False
            await self.wait_change(1.0)
        return True

    def rate_in(self, spans: list[tuple[float, float]]) -> float:
        """Steps per second between status lines that both fall inside one of the spans (from, to)."""
        steps = seconds = 0.0
        for (t0, s0), (t1, s1) in zip(self.samples, self.samples[1:], strict=False):
            if any(a <= t0 and t1 <= b for a, b in spans):
                steps, seconds = steps + s1 - s0, seconds + t1 - t0
        return steps / seconds if seconds else 0.0

    async def rate(self, seconds: float) -> float:
        """Steps per second over a window of about `seconds`, from the status lines the live view sends."""
        await self.until(lambda: self.steps() is not None)
        s0, t0 = self.steps(), time.monotonic()
        while time.monotonic() - t0 < seconds:
            await self.wait_change(1.0)
        await self.wait_change(2.0)
        return (self.steps() - s0) / (time.monotonic() - t0)
