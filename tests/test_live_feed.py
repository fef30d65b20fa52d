"""The live charts' feed (app_pages/ui/live_feed.py): what a poll answers, that it shares one record of
what the browser holds with the script's element, and that it refuses what a browser never sends."""

import gc
import json
import urllib.error
import urllib.request

import plotly.graph_objects as go
import pytest

from app_pages.ui import live_feed
from app_pages.ui.live_feed import MIN_POLL_S, STATUS, WORDS, Entry, Feed, answer, parse_have
from tests.e2e import streamlit_server


class Source:
    """A run's stand-in for the feed: a snapshot that is a step count, moved by the test."""

    def __init__(self):
        self.step, self.live = 0, True

    def snapshot(self):
        return self.step


def loss(step: int) -> go.Figure:
    return go.Figure(go.Scatter(x=list(range(step + 1)), y=[1.0 / (1 + s) for s in range(step + 1)]))


def feed_of(source: Source) -> Feed:
    feed = Feed(source.snapshot, lambda s: source.live, lambda: 0.5)
    feed.put("loss", Entry(lambda s: s, loss, 300), source.step)
    status = lambda s: {"text": f"step {s}", "fraction": s / 10}  # noqa: E731
    feed.put(STATUS, Entry(lambda s: s, status, kind=STATUS), source.step)
    return feed


def poll(feed: Feed, have: str, now: float) -> tuple[int, dict]:
    status, body = answer(feed.token, have, now=now)
    return status, json.loads(body)


def test_a_poll_sends_only_what_moved_as_a_patch_on_the_revision_the_browser_holds():
    source = Source()
    feed = feed_of(source)
    status, got = poll(feed, "loss:1,status:1", now=100.0)
    assert status == 200 and got["charts"] == {} and got["live"] is True and got["every"] == 0.5
    source.step = 3
    status, got = poll(feed, "loss:1,status:1", now=101.0)
    msg = got["charts"]["loss"]
    assert msg["rev"] == 2 and msg["base"] == 1
    assert msg["patch"]["traces"]["0"]["x"] == {"+": [1, 2, 3]}  # the appended points only
    assert got["charts"][STATUS] == {"rev": 2, "status": {"text": "step 3", "fraction": 0.3}}


def test_a_browser_on_another_revision_gets_the_whole_figure():
    source = Source()
    feed = feed_of(source)
    source.step = 2
    _, got = poll(feed, "loss:0,status:1", now=100.0)  # 0: a chart that holds nothing yet
    assert got["charts"]["loss"]["figure"]["data"][0]["x"] == [0, 1, 2]
    rev = got["charts"]["loss"]["rev"]
    _, got = poll(feed, f"loss:{rev - 1},status:2", now=101.0)  # it missed that answer: the same figure, whole
    assert got["charts"]["loss"]["rev"] == rev and "figure" in got["charts"]["loss"]


def test_the_script_and_the_polls_share_one_record_of_what_the_browser_holds():
    source = Source()
    feed = feed_of(source)
    source.step = 1
    _, got = poll(feed, "loss:1,status:1", now=100.0)
    assert got["charts"]["loss"]["rev"] == 2
    source.step = 2  # the script draws next: a patch on the poll's revision, not on its own last one
    msg = feed.put("loss", Entry(lambda s: s, loss, 300), source.step)
    assert msg["rev"] == 3 and msg["base"] == 2
    assert feed.put("loss", Entry(lambda s: s, loss, 300), source.step) == {"rev": 3}  # nothing moved


def test_a_stopped_view_says_so_and_a_dropped_chart_is_not_polled():
    source = Source()
    feed = feed_of(source)
    feed.drop("loss")
    source.step, source.live = 5, False
    _, got = poll(feed, "status:1", now=100.0)
    assert got["live"] is False and set(got["charts"]) == {STATUS}


@pytest.mark.parametrize(
    "have",
    ["loss", "loss:x", "loss:-1", ":3", "loss:1e3", "a:" + "9" * 13, "k:1," * 600],
)
def test_a_malformed_have_is_refused(have):
    feed = feed_of(Source())
    assert parse_have(have) is None
    status, body = answer(feed.token, have, now=100.0)
    assert status == 400 and b"have" in body


def test_an_unknown_token_is_404_and_a_poll_too_soon_is_429():
    feed = feed_of(Source())
    assert answer("not-a-token", "", now=100.0)[0] == 404
    assert answer(feed.token, "", now=100.0)[0] == 200
    assert answer(feed.token, "", now=100.0 + MIN_POLL_S / 2)[0] == 429
    assert answer(feed.token, "", now=100.0 + MIN_POLL_S)[0] == 200


def test_a_feed_goes_with_its_session():
    feed = feed_of(Source())
    token = feed.token
    assert token in live_feed._FEEDS
    del feed
    gc.collect()
    assert answer(token, "", now=100.0)[0] == 404


def test_the_server_serves_the_feed_route_and_knows_no_token_it_did_not_give():
    proc, url = streamlit_server.start()
    try:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{url}/{live_feed.PATH}/{'a' * 22}?have=loss:1", timeout=10)
        assert err.value.code == 404 and json.loads(err.value.read()) == {"error": "no such feed"}
        assert urllib.request.urlopen(f"{url}/_stcore/health", timeout=10).status == 200
    finally:
        streamlit_server.stop(proc)


def test_words_go_whole_when_they_move_and_not_at_all_when_they_do_not():
    source = Source()
    feed = feed_of(source)
    words = lambda s: f"<p>step {s}</p>"  # noqa: E731
    assert feed.put("diagnosis", Entry(lambda s: s // 2, words, kind=WORDS), source.step) == {
        "rev": 1,
        "words": "<p>step 0</p>",
    }
    source.step = 1  # the same version: nothing to send
    assert "diagnosis" not in poll(feed, "loss:1,status:1,diagnosis:1", now=100.0)[1]["charts"]
    source.step = 2
    got = poll(feed, "loss:2,status:2,diagnosis:1", now=101.0)[1]["charts"]["diagnosis"]
    assert got == {"rev": 2, "words": "<p>step 2</p>"}
    # a browser that lost them (a remount) gets them whole again, at the revision it is told
    got = poll(feed, "diagnosis:0", now=102.0)[1]["charts"]["diagnosis"]
    assert got == {"rev": 2, "words": "<p>step 2</p>"}


def test_a_poll_whose_chart_cannot_be_drawn_is_a_logged_500_and_the_next_one_catches_up(caplog):
    """A chart whose build raises (here: the status line, drawn after the loss chart's patch was made) answers
    500 and logs why; the browser still holds what it held, and once the chart can be drawn again the next
    poll brings every element to the run's step from the revisions the browser names."""
    source = Source()
    feed = feed_of(source)
    broken = {"on": True}
    status_of = feed.entries[STATUS].build

    def status(s):
        if broken["on"]:
            raise ValueError("a figure that cannot be drawn")
        return status_of(s)

    feed.entries[STATUS].build = status
    source.step = 2
    code, body = answer(feed.token, "loss:1,status:1", now=100.0)
    assert code == 500 and json.loads(body)["error"].startswith("the live view could not be drawn")
    assert "a live view's poll failed" in caplog.text and "a figure that cannot be drawn" in caplog.text

    broken["on"] = False
    source.step = 3
    code, got = poll(feed, "loss:1,status:1", now=101.0)
    assert code == 200
    assert got["charts"][STATUS]["status"] == {"text": "step 3", "fraction": 0.3}
    loss_msg = got["charts"]["loss"]  # the browser never got revision 2: it comes whole, at step 3
    assert loss_msg["figure"]["data"][0]["x"] == [0, 1, 2, 3] and "patch" not in loss_msg
