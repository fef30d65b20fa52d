"""The load test in CI, smaller (8 sessions, 100 steps each) against a real server on loopback.

The full classroom figure (30 sessions) is `python -m tests.load.loadtest --sessions 30`; this one keeps
the same assertions and fits a 2-core CI box in about a minute. Closed sessions are kept for 5 s
(server.disconnectedSessionTTL) instead of Streamlit's 120 s so that memory can be read after they go.
"""

from __future__ import annotations

import loadtest  # tests/load is on sys.path when pytest collects this file (rootdir-relative, no __init__)
import pytest

pytestmark = pytest.mark.slow

SESSIONS = 8


@pytest.fixture(scope="module")
def report():
    args = loadtest.parser().parse_args(
        ["--sessions", str(SESSIONS), "--steps", "100", "--session-ttl", "5", "--client-timeout", "120"]
    )
    rep, failures = loadtest.run(args)
    print(loadtest.summary(rep))  # the figures, shown with -s or on failure
    return rep, failures, args


def test_every_session_gets_an_outcome(report):
    rep, _, _ = report
    outcomes = {c["index"]: (c["outcome"], c["detail"], c["exceptions"]) for c in rep["clients"]}
    assert len(outcomes) == SESSIONS
    # finished, or refused with a message; a queued run must still end in one of the two
    bad = {i: o for i, o in outcomes.items() if o[0] not in ("finished", "refused") or o[2]}
    assert not bad, bad
    assert all(c["detail"] for c in rep["clients"] if c["outcome"] == "refused")


def test_server_keeps_answering(report):
    rep, _, _ = report
    assert not rep["probe_failures"]
    rows = {row["what"]: row for row in rep["latency"]}
    assert rows["GET /_stcore/health"]["n"] >= 5, "the prober should have sampled health throughout"
    assert rows["Playground script run"]["n"] >= 5


def test_threads_and_memory_come_back(report):
    rep, failures, args = report
    t = rep["threads"]
    assert t["after"] <= t["baseline"] + args.thread_slack, t
    assert rep["rss_after_mb"] <= rep["rss_mb"]["baseline"] * args.rss_factor, (rep["rss_mb"], rep["rss_after_mb"])
    assert not failures, failures
