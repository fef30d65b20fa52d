"""Screenshots of what a class sees, at 1400x900 in English and 中文: the Playground and a Gradient lab race
mid-training, and every step of a lesson on Auto-play (any lesson id: vanishing, exploding, bidirectional,
copy, random, hello). For each screenshot it prints which live charts are in the first screen and whether
each has been drawn (a Plotly root with its data laid out), and the lesson panel's sentence, so "every
chart drawn, the key charts above the fold, the sentence beside its chart" is read off the output as well
as the images.

    python -m tests.e2e.screens --out /tmp/screens [--langs en zh] [--only playground gradients vanishing exploding]

It starts its own server (tests/e2e/streamlit_server.py); nothing here asserts: look at the images."""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from rnnplay.lessons import BY_ID
from tests.e2e import streamlit_server
from tests.e2e.page_state import CONNECTED

WIDTH, HEIGHT = 1400, 900
KEY_CHARTS = ("loss_chart", "gtt_chart")  # must be on the first screen (a live chart keyed k sits in .st-key-k_chart)

# per live chart: its key (the st-key-* class of the nearest keyed container), whether it is on the first
# screen, and whether Plotly has drawn it (laid out)
CHARTS_JS = """() => [...document.querySelectorAll('.rnnplay-live-chart')].map(gd => {
  const box = gd.closest('[class*="st-key-"]');
  const key = box ? [...box.classList].find(c => c.startsWith('st-key-')).slice(7) : '?';
  const r = gd.getBoundingClientRect();
  return {key, top: Math.round(r.top), bottom: Math.round(r.bottom),
          drawn: !!gd._fullLayout};  // laid out by Plotly (an empty chart draws its hint)
})"""


def report(page: Page, name: str, out: Path, say: str | None = None) -> dict:
    page.screenshot(path=str(out / f"{name}.png"))
    charts = [c for c in page.evaluate(CHARTS_JS) if c["bottom"] > 0 and c["top"] < HEIGHT]
    first_screen = {c["key"] for c in charts if c["bottom"] <= HEIGHT}
    line = {
        "shot": name,
        "charts_on_first_screen": len(charts),
        "drawn": sum(c["drawn"] for c in charts),
        "key_charts_above_fold": all(k in first_screen for k in KEY_CHARTS),
        "not_drawn": [c["key"] for c in charts if not c["drawn"]],
        "errors": page.locator("[data-testid=stException]").count(),
    }
    if say is not None:
        line["say"] = " ".join(say.split())
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=60_000)


def train(page: Page) -> None:
    page.locator(".st-key-btn_train button").click(timeout=60_000)  # Train on the Playground, Race in the lab


def playground(page: Page, base: str, lang: str, out: Path) -> None:
    open_page(page, f"{base}/playground?task=adding&steps=20000&lang={lang}")
    train(page)
    time.sleep(8)
    report(page, f"playground_{lang}", out)


def race(page: Page, base: str, lang: str, out: Path) -> None:
    open_page(page, f"{base}/gradients?lang={lang}")
    train(page)
    time.sleep(10)
    report(page, f"race_{lang}", out)


def lesson(page: Page, base: str, lang: str, out: Path, lesson_id: str = "vanishing", limit_s: float = 240) -> None:
    """Open the lesson's link (its page and parameters, as Home's card does), Auto-play it and take a
    screenshot of each step once its charts have had 3 s to draw."""
    ls = BY_ID[lesson_id]
    query = "&".join(f"{k}={v}" for k, v in {**ls.query_params, "lang": lang}.items())
    open_page(page, f"{base}/{ls.page}?{query}")
    panel = page.locator(".st-key-lesson_panel:not([data-stale=true])")
    panel.wait_for(timeout=60_000)
    time.sleep(2)
    report(page, f"lesson_{lesson_id}_1_{lang}", out, panel.inner_text())
    page.locator(".st-key-lesson_auto button").click()
    page.mouse.move(0, HEIGHT - 1)  # off the panel: no button tooltip over the screenshots
    seen, end = {1}, time.monotonic() + limit_s
    while time.monotonic() < end:
        step, last = step_number(panel.inner_text())
        if step is not None and step not in seen:
            seen.add(step)
            time.sleep(3)
            report(page, f"lesson_{lesson_id}_{step}_{lang}", out, panel.inner_text())
            if step == last:
                return
        time.sleep(0.5)


STEP_RE = r"(?:step (\d+) of (\d+)|第 (\d+) 步，共 (\d+) 步)"


def step_number(text: str) -> tuple[int | None, int | None]:
    """(the lesson step the panel shows, the last one), from "step 3 of 6" or "第 3 步，共 6 步"."""
    m = re.search(STEP_RE, text)
    return (None, None) if m is None else (int(m[1] or m[3]), int(m[2] or m[4]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("/tmp/screens"))
    p.add_argument("--langs", nargs="+", default=["en", "zh"])
    p.add_argument(
        "--only",
        nargs="+",
        default=["playground", "gradients", "vanishing"],
        help="playground, gradients or lesson ids",
    )
    p.add_argument("--limit-s", type=float, default=240, help="seconds a lesson may take to reach its last step")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnnplay-screens-") as d:
        proc, base = streamlit_server.start({"RNNPLAY_STORE": f"{d}/runs.sqlite"})
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                for lang in args.langs:
                    for what in args.only:
                        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                        if what in BY_ID:
                            lesson(page, base, lang, args.out, what, args.limit_s)
                        else:
                            {"playground": playground, "gradients": race}[what](page, base, lang, args.out)
                        page.close()
                browser.close()
        finally:
            streamlit_server.stop(proc)


if __name__ == "__main__":
    main()
