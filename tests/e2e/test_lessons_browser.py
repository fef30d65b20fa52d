"""Real browser, one test per lesson: Home's card opens the lesson's page with the narrator,
Next starts training, Auto-play paces the steps, and the page shows the lesson's point (hello: the
prediction reads "elloh"; random: memorised ~100% vs ~50% fresh; ...). Each test prints the seconds from
pressing Train to the point and saves a screenshot to $RNNPLAY_SHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rnnplay.lessons import BY_ID, LESSONS
from rnnplay.race import EXPLODING
from rnnplay.tasks import make_task

pytestmark = pytest.mark.e2e
# "a lesson that trains shows its point within 60 s" (on a laptop; a CI box shared with other jobs may
# need more: RNNPLAY_POINT_S)
POINT_S = float(os.environ.get("RNNPLAY_POINT_S", "60"))


def shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RNNPLAY_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def fresh(selector: str) -> str:
    """Streamlit keeps a stale copy of an element while it redraws: look at the live one."""
    return f"{selector}:not([data-stale=true])"


def open_lesson(server: str, page: Page, lesson_id: str):
    """From Home, click the lesson's card link; the narrator panel shows its first step."""
    page.goto(server)
    card = page.locator(f".st-key-lesson_card_{lesson_id}")
    expect(card).to_be_visible(timeout=30_000)
    card.get_by_role("link").click()
    panel = page.locator(fresh(".st-key-lesson_panel"))
    expect(panel).to_contain_text(BY_ID[lesson_id].title, timeout=60_000)
    expect(panel).to_contain_text("step 1 of", timeout=10_000)
    assert f"lesson={lesson_id}" in page.url
    return panel


def train_and_autoplay(page: Page, panel) -> float:
    """Press the lesson's Auto-play on its first step (the page idle) and let it read the first sentence,
    then train; returns the time training began (step 2 shown, its action being Train)."""
    auto = page.locator(".st-key-lesson_auto button")
    auto.click()
    expect(auto).to_contain_text("Stop auto-play", timeout=15_000)
    expect(panel).to_contain_text("step 2 of", timeout=40_000)  # the first sentence's reading time
    return time.monotonic()


def chart_title(page: Page, key: str) -> str:
    """The title of the live chart under `.st-key-<key>`, as plotly laid it out."""
    return page.locator(fresh(f".st-key-{key}") + " .rnnplay-live-chart").first.evaluate(
        "gd => ((gd._fullLayout || {}).title || {}).text || ''"
    )


def outlined(page: Page, key: str) -> bool:
    """The narrator outlines the chart its step points at."""
    loc = page.locator(fresh(f".st-key-{key}")).first
    return loc.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def finish(page: Page, name: str, tmp_path: Path, t0: float) -> None:
    seconds = time.monotonic() - t0
    print(f"\nlesson {name}: point shown {seconds:.1f} s after Train")
    page.screenshot(path=str(shots_dir(tmp_path) / f"lesson_{name}.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    # ?lesson= is the narrator's, not a bad share-link parameter
    assert page.get_by_test_id("stAlert").filter(has_text="'lesson'").count() == 0
    assert seconds < POINT_S


def test_home_lists_every_lesson_near_the_top(server, page: Page, tmp_path):
    page.goto(server)
    for lesson in LESSONS:
        card = page.locator(f".st-key-lesson_card_{lesson.id}")
        expect(card).to_contain_text(lesson.title, timeout=30_000)
        href = card.get_by_role("link").get_attribute("href")
        assert f"lesson={lesson.id}" in href and href.split("?")[0].rstrip("/").endswith(lesson.page), href
    first = page.locator(f".st-key-lesson_card_{LESSONS[0].id}").bounding_box()
    assert first["y"] < 600  # near the top: above the presets and the task list
    page.screenshot(path=str(shots_dir(tmp_path) / "lessons_home.png"))


SCROLLED_TO_BOTTOM = """() => {
    const main = document.querySelector('[data-testid=stMain]');
    main.scrollTop = main.scrollHeight;
    return main.scrollTop > 100;
}"""


def test_the_lesson_panel_stays_below_the_page_header_when_the_page_scrolls(server, browser):
    """On a class's 1400x900 screen the page scrolls to the chart a step points at: the panel, its sentence's
    first line included, stays in view under Streamlit's sticky header."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        open_lesson(server, page, "random")
        # the panel can show before the charts below it are drawn (a slow machine): scroll to the bottom
        # until the page is long enough to have scrolled
        page.wait_for_function(SCROLLED_TO_BOTTOM, timeout=30_000)
        header = page.locator("[data-testid=stHeader]").bounding_box()
        panel = page.locator(fresh(".st-key-lesson_panel")).bounding_box()
        assert panel["y"] >= header["y"] + header["height"], (panel, header)
    finally:
        page.close()


@pytest.mark.slow
def test_lesson_hello_predicts_elloh(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "hello")
    t0 = train_and_autoplay(page, panel)
    expect(page.get_by_text(re.compile(r"predicted\s+elloh")).first).to_be_visible(timeout=POINT_S * 1000)
    expect(panel).to_contain_text(BY_ID["hello"].steps[3].say[:40], timeout=POINT_S * 1000)
    finish(page, "hello", tmp_path, t0)


def test_lesson_random_memorises_but_stays_at_chance(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "random")
    t0 = train_and_autoplay(page, panel)
    # step 3 comes once training has finished; it points at the metric chart, opening the Metric tab
    expect(panel).to_contain_text(BY_ID["random"].steps[2].say[:40], timeout=POINT_S * 1000)
    expect(page.get_by_role("tab", name="Metric", exact=True)).to_have_attribute("aria-selected", "true")
    assert outlined(page, "metric")
    # the task view is in its own tab (only the open tab's content is in the page)
    page.get_by_role("tab", name="Task view", exact=True).click()
    view = page.locator(fresh(".st-key-task_view"))
    expect(view).to_contain_text(re.compile(r"Memorised (9\d|100)% of the training set"), timeout=20_000)
    title = chart_title(page, "task_view")
    fresh_pct = int(re.search(r"(\d+)% of fresh", title).group(1))
    assert 40 <= fresh_pct <= 60, title
    finish(page, "random", tmp_path, t0)


# the Gradient lab's lessons: read the numbers off the live plotly figures -----------------------------
def traces(page: Page, key: str) -> dict[str, list[float]]:
    """name -> the finite y values of every trace of the chart (or charts) under `.st-key-<key>`."""
    return page.locator(fresh(f".st-key-{key}")).first.evaluate(
        """e => Object.fromEntries([...e.querySelectorAll(".js-plotly-plot")].flatMap(p => (p.data || []).map(t =>
            [t.name, Array.from(t.y || []).filter(v => v !== null && Number.isFinite(v))])))"""
    )


def wait_for(page: Page, check, seconds: float, what: str, key: str = "loss"):
    """Poll check() (None until it holds, then its value) for up to `seconds`; on failure say what the
    chart under `key` showed last (the last three validation values of each entry)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - a chart between two redraws
            value = None
        if value is not None:
            return value
        page.wait_for_timeout(500)
    shown = {n: [round(y, 4) for y in ys[-3:]] for n, ys in traces(page, key).items() if "validation" in str(n)}
    page.screenshot(path=str(Path(os.environ.get("RNNPLAY_SHOTS", "/tmp")) / "lesson_failed.png"))
    raise AssertionError(f"not shown within {seconds:.0f} s: {what}; the chart showed {shown}")


def diagnosis_by_entry(page: Page) -> dict[str, str]:
    """The diagnosis panel of each race entry (its title is the entry's label) -> its text. The panels are in
    the Diagnosis tab: opened here when a lesson's step has opened another tab (as a learner would)."""
    tab = page.get_by_role("tab", name="Diagnosis", exact=True)
    if tab.get_attribute("aria-selected", timeout=10_000) != "true":
        tab.click(timeout=10_000)
    texts = page.locator(fresh(".st-key-diagnosis")).first.evaluate(
        """e => [...e.querySelectorAll(".rnnplay-diagnosis-column")].map(c => c.innerText)""", timeout=10_000
    )
    return {t.strip().split("\n", 1)[0].strip(): t for t in texts}


def last_val(t: dict, label: str) -> float | None:
    ys = t.get(f"{label} (validation)") or []
    return ys[-1] if ys else None


ADDING_CHANCE = 1 / 6


@pytest.mark.slow
def test_lesson_vanishing_rnn_stays_at_chance_while_lstm_and_gru_fall(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "vanishing")
    t0 = train_and_autoplay(page, panel)

    def point():
        t = traces(page, "loss")
        v = {a: last_val(t, a) for a in ("RNN", "LSTM", "GRU")}
        if None in v.values() or not (v["LSTM"] < ADDING_CHANCE / 2 and v["GRU"] < ADDING_CHANCE / 2):
            return None
        return v

    v = wait_for(page, point, POINT_S - (time.monotonic() - t0), "LSTM and GRU below chance/2")
    print(f"\nvalidation MSE at the point: {v}")
    assert v["RNN"] > 0.8 * ADDING_CHANCE  # still on the chance line

    # the RNN's gradient at t = 1 is orders of magnitude below its gradient at t = T; the gated ones' not
    def gtt_ratio():
        ys = {str(n).split(" (")[0]: y for n, y in traces(page, "gtt").items() if y}
        return {a: ys[a][0] / ys[a][-1] for a in ("RNN", "LSTM", "GRU")} if {"RNN", "LSTM", "GRU"} <= set(ys) else None

    ratio = wait_for(page, gtt_ratio, 20, "the gradient through time of all three", key="gtt")
    print(f"‖∂L/∂h₁‖ / ‖∂L/∂h_T‖: {ratio}")
    assert ratio["RNN"] < 1e-3 and ratio["RNN"] * 100 < min(ratio["LSTM"], ratio["GRU"])

    # the diagnosis says it in words: the RNN's gradient vanished, the LSTM's and the GRU's did not
    def said():
        d = diagnosis_by_entry(page)
        rnn, lstm, gru = (next((t for k, t in d.items() if k.startswith(a)), None) for a in ("RNN", "LSTM", "GRU"))
        if None in (rnn, lstm, gru) or "vanished" in lstm or "vanished" in gru:
            return None
        return rnn, lstm, gru

    rnn, lstm, gru = wait_for(page, said, 20, "the diagnosis: LSTM and GRU not vanished", key="gtt")
    assert "vanished" in rnn, rnn
    print(f"diagnosis, RNN: {' '.join(rnn.split())[:200]}")
    page.locator(fresh(".st-key-gtt_heatmap")).scroll_into_view_if_needed()
    finish(page, "vanishing", tmp_path, t0)


@pytest.mark.slow
def test_lesson_exploding_diverges_without_clipping_and_trains_with_it(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "exploding")
    t0 = train_and_autoplay(page, panel)
    # step 2 (shown for its reading time) points at the gradient norms: the lesson opens their tab, outlines them
    expect(page.get_by_role("tab", name="Gradient norm", exact=True)).to_have_attribute("aria-selected", "true")
    assert outlined(page, "grad_norm")
    expect(page.get_by_test_id("stAlert").filter(has_text="RNN no clip").first).to_contain_text(
        re.compile("stopped .*NaN/Inf"), timeout=POINT_S * 1000
    )
    # the unclipped entry's diagnosis says its gradients exploded
    no_clip = wait_for(
        page,
        lambda: next((t for k, t in diagnosis_by_entry(page).items() if "no clip" in k and "exploded" in t), None),
        20,
        "the diagnosis of the unclipped run names exploding gradients",
    )
    assert "clip_mode=norm" in no_clip
    chance = make_task(EXPLODING[1]).chance_loss  # majority, T=10: always the more common class

    def trained():
        v = last_val(traces(page, "loss"), "RNN clip norm 1")
        return v if v is not None and v < chance / 2 else None

    v = wait_for(page, trained, POINT_S - (time.monotonic() - t0), "the clipped run below chance/2")
    print(f"\nclipped run: validation loss {v:.4f} (chance {chance:.3f})")
    # step 3: the unclipped run's tilt, or (a fast machine probes it too rarely) how often it was probed
    tilt = BY_ID["exploding"].steps[2]
    said = re.compile(f"{re.escape(tilt.say[:40])}|{re.escape(tilt.claim.otherwise[:40])}")
    expect(panel).to_contain_text(said, timeout=30_000)
    # it points at the heatmaps of the gradient through time (the probes' rows)
    assert outlined(page, "gtt_heatmap")
    finish(page, "exploding", tmp_path, t0)


@pytest.mark.slow
def test_lesson_bidirectional_reads_ahead(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "bidirectional")
    t0 = train_and_autoplay(page, panel)

    def point():
        t = traces(page, "loss")
        uni, bi = last_val(t, "RNN left to right"), last_val(t, "RNN bidirectional")
        return (uni, bi) if uni is not None and bi is not None and bi < 0.05 else None

    wait_for(page, point, POINT_S, "the bidirectional loss near zero")
    expect(panel).to_contain_text(BY_ID["bidirectional"].steps[2].say[:40], timeout=30_000)  # training over
    uni, bi = wait_for(page, point, 10, "the final validation losses")
    chance = 0.2526  # the best forward reader's loss (rnnplay.tasks.tagging)
    print(f"\nvalidation loss: left to right {uni:.3f}, bidirectional {bi:.4f} (forward limit {chance})")
    assert 0.8 * chance < uni < 1.2 * chance  # on the forward reader's line
    finish(page, "bidirectional", tmp_path, t0)


@pytest.mark.slow
def test_lesson_copy_lstm_remembers_and_rnn_forgets(server, page: Page, tmp_path):
    panel = open_lesson(server, page, "copy")
    t0 = train_and_autoplay(page, panel)
    chance = 0.6931  # 10 symbols of 8 guessed, spread over 30 steps (rnnplay.tasks.copy)

    def point():
        t = traces(page, "loss")
        lstm, rnn = last_val(t, "LSTM"), last_val(t, "RNN")
        return (lstm, rnn) if lstm is not None and rnn is not None and lstm < 0.85 * chance else None

    lstm, rnn = wait_for(page, point, POINT_S - (time.monotonic() - t0), "the LSTM below the chance line")
    print(f"\nvalidation loss: LSTM {lstm:.3f}, RNN {rnn:.3f} (chance {chance})")
    assert rnn > chance
    finish(page, "copy", tmp_path, t0)
