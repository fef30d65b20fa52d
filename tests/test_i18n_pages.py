"""中文 for Home, Learn, Inspect, Runs and the charts: with ?lang=zh each page runs and its title,
headers and widget labels are Chinese; in English the same places hold no Chinese (but for the
language switch, the product's name and the 中文 sample data). Every figure function built with
the page's translator for zh has Chinese titles and axis titles, and English ones without."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.i18n import translator
from rnnplay import figures
from rnnplay.config import make_config
from rnnplay.run import RaceSnapshot, Snapshot
from rnnplay.run.training_run import TrainingRun
from tests.live import live_figures

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND, INSPECT, LEARN, RUNS = (f"app_pages/{p}.py" for p in ("playground", "inspect", "learn", "runs"))
CJK = re.compile(r"[\u4e00-\u9fff]")
WIDGETS = ("slider", "select_slider", "toggle", "selectbox", "multiselect", "segmented_control", "text_input", "button")
PRODUCT = "RNN Playground"


def open_page(page: str | None, lang: str, stop_runs: list, steps: int = 0, reset: bool = False) -> AppTest:
    """The app in lang; with steps, first that many training steps on the Playground (reset: one run
    archived and a new one stepped, so the Runs page has two)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    if steps:
        stop_runs.append(at)
        at.switch_page(PLAYGROUND)
        at.query_params.update({"task": "majority", "steps": "20", "lang": lang})
        at.run()
        for _ in range(steps):
            at.button(key="btn_step").click().run()
        if reset:
            at.radio(key="arch").set_value("gru").run()
            at.button(key="btn_reset").click().run()
            at.button(key="btn_step").click().run()
        assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def headings(at: AppTest) -> list[str]:
    """The title, headers and subheaders."""
    return [str(el.value) for kind in ("title", "header", "subheader") for el in at.get(kind)]


def labels(at: AppTest) -> list[str]:
    """Every widget's label and every page link's, without the language switch (its label is both)."""
    out = [el.label for kind in WIDGETS for el in at.get(kind) if el.key != "lang"]
    return out + [el.proto.label for el in at.get("page_link")]


def chinese(texts: list[str]) -> list[str]:
    """The texts with no Chinese character (should be empty on a Chinese page)."""
    return [s for s in texts if not CJK.search(s)]


def english(texts: list[str]) -> list[str]:
    """The texts with a Chinese character (should be empty on an English page); 中文 as a language's
    name is sample data, not a translation."""
    return [s for s in texts if CJK.search(s.replace("中文", ""))]


def chart(at: AppTest, key: str) -> dict:
    """The chart `key`: a live chart (Inspect's, tests/live.py) or an st.plotly_chart (the Runs page's)."""
    live = live_figures(at)
    if key in live:
        return live[key]
    (el,) = [el for el in at.get("plotly_chart") if el.key == key]
    return json.loads(el.proto.spec)


@pytest.mark.parametrize(
    ("page", "steps", "reset"), [(None, 0, False), (LEARN, 0, False), (INSPECT, 1, False), (RUNS, 2, True)]
)
def test_page_in_chinese_has_chinese_headings_and_labels(stop_runs, page, steps, reset):
    at = open_page(page, "zh", stop_runs, steps, reset)
    heads = [h for h in headings(at) if h != PRODUCT]  # Home's title is the product's name
    assert heads and not chinese(heads), chinese(heads)
    assert labels(at) and not chinese(labels(at)), chinese(labels(at))
    assert not chinese([str(el.value) for el in at.caption]), chinese([str(el.value) for el in at.caption])


@pytest.mark.parametrize(
    ("page", "steps", "reset"), [(None, 0, False), (LEARN, 0, False), (INSPECT, 1, False), (RUNS, 2, True)]
)
def test_page_in_english_has_no_chinese_in_headings_and_labels(stop_runs, page, steps, reset):
    at = open_page(page, "en", stop_runs, steps, reset)
    assert headings(at) and not english(headings(at)), english(headings(at))
    assert labels(at) and not english(labels(at)), english(labels(at))
    assert not english([str(el.value) for el in at.caption])
    assert not english([str(el.value) for el in at.markdown])  # Home's task card says "English or 中文"


def test_home_lesson_cards_and_task_cards_in_chinese(stop_runs):
    at = open_page(None, "zh", stop_runs)
    cards = [str(m.value) for m in at.markdown if m.value.startswith("**")]
    assert len(cards) >= 15 and not chinese(cards), chinese(cards)
    assert any("多对一" in c for c in cards)  # a task's kind, translated


def test_inspect_in_chinese_shows_the_answer_and_charts_in_chinese(stop_runs):
    at = open_page(INSPECT, "zh", stop_runs, steps=1)
    assert any("模型的回答" in m.value and "探测样本 0" in m.value for m in at.markdown)
    hidden = chart(at, "insp_hidden")["layout"]
    assert hidden["title"]["text"].startswith("隐藏状态 h") and hidden["xaxis"]["title"]["text"] == "时间步 : 输入"
    assert "饱和" in chart(at, "insp_saturation")["layout"]["title"]["text"]
    at.segmented_control(key="insp_source").set_value("My own input").run()  # option ids stay English
    at.text_input(key="insp_text_majority").set_value("01x1").run()
    assert not at.exception
    (w,) = at.warning
    assert w.value.startswith("你的输入 '01x1'") and "改为显示探测样本" in w.value


def test_runs_in_chinese_labels_columns_and_keeps_run_names(stop_runs):
    at = open_page(RUNS, "zh", stop_runs, steps=2, reset=True)
    assert list(at.dataframe[0].value["run"]) == ["#1", "当前"]
    assert at.multiselect(key="runs_chosen").value == ["#1", "current"]  # the ids, shown translated
    assert chart(at, "runs_loss")["layout"]["xaxis"]["title"]["text"] == "训练步"


# the charts -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def snap() -> dict:
    run = TrainingRun(
        make_config("majority", arch="lstm", steps=6, hidden_size=4, batch_size=4, device="cpu", clip_mode="norm"),
        min_probe_interval_s=0.0,
    )
    try:
        for _ in range(3):
            run.step_one()
        return run.snapshot()
    finally:
        run.stop()


def all_figures(snap: Snapshot, lang: str) -> list[go.Figure]:
    """Every figure function of rnnplay.figures, on a real snapshot."""
    probe = snap.latest_probe
    race = RaceSnapshot(runs=[snap, snap], labels=["a", "b"])
    z = probe["hidden"]["forget"]
    return [
        figures.loss_figure(snap, tr=translator(lang)),
        figures.metric_figure(snap, tr=translator(lang)),
        figures.grad_norm_figure(snap, tr=translator(lang)),
        figures.grad_through_time_figure(snap, tr=translator(lang)),
        figures.grad_through_time_heatmap(snap, tr=translator(lang)),
        figures.hidden_figure(snap, "forget", tr=translator(lang)),
        figures.spectral_figure(snap, tr=translator(lang)),
        figures.runs_loss_figure([snap], ["a"], tr=translator(lang)),
        figures.runs_grad_through_time_figure([snap], ["a"], tr=translator(lang)),
        figures.state_heatmap(z, probe["input_labels"], "forget", tr=translator(lang)),
        figures.saturation_figure([0.0, 0.5], ["0", "1"], 0.25, "rule", tr=translator(lang)),
        figures.pca_trajectory_figure([[0.0, 1.0], [1.0, 0.0]], ["0", "1"], [0.6, 0.3], 2, tr=translator(lang)),
        figures.race_loss_figure(race, tr=translator(lang)),
        figures.race_grad_through_time_figure(race, tr=translator(lang)),
        *figures.race_heatmaps(race, tr=translator(lang)),
        figures.race_spectral_figure(race, tr=translator(lang)),
        figures.race_singular_values_figure(race, tr=translator(lang)),
        figures.param_norms_figure(snap, tr=translator(lang)),
        *figures.race_grad_norm_figures(race, tr=translator(lang)),
        figures.task_view_figure(
            {"kind": "confidence", "digits": [0, 1], "p_one": [0.4, 0.6], "ones": 1, "T": 2}, translator(lang)
        ),
        figures.task_view_figure(
            {
                "kind": "forecast",
                "t_truth": [0, 1],
                "truth": [0, 1],
                "t": [1],
                "one_step": [1],
                "t_auto": [1],
                "auto": [1],
            },
            translator(lang),
        ),
        figures.task_view_figure({"kind": "scatter", "target": [1.0], "prediction": [1.1]}, translator(lang)),
    ]


def test_every_figure_in_chinese_has_chinese_titles_and_axis_titles(snap):
    for fig in all_figures(snap, "zh"):
        figures.export(fig)  # still valid plotly
        assert CJK.search(fig.layout.title.text), fig.layout.title.text
        x = fig.layout.xaxis.title.text
        assert x is None or CJK.search(x) or x.startswith("PC"), x  # PCA's axes are PC1 (60%)...
    loss = figures.loss_figure(snap, tr=translator("zh"))
    assert loss.layout.xaxis.title.text == "训练步" and loss.layout.yaxis.title.text == "损失"
    assert [tr.name for tr in loss.data][:2] == ["训练", "验证集"]
    assert loss.data[2].name.startswith("随机基线")  # the chance line's legend entry
    hover = figures.state_heatmap([[0.1]], ["a"], "hidden", tr=translator("zh")).data[0].hovertemplate
    assert hover.startswith("时间步:输入 %{x}") and "%{z:.3f}" in hover
    empty = figures.loss_figure(
        replace(snap, history={**snap.history, "step": [], "loss": []}, val={"step": [], "loss": []}),
        tr=translator("zh"),
    )
    assert any("训练" in a.text for a in empty.layout.annotations)  # the "press Train" note


def test_every_figure_in_english_has_no_chinese(snap):
    for fig in all_figures(snap, "en"):
        texts = [fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
        texts += [tr.name for tr in fig.data] + [a.text for a in fig.layout.annotations]
        assert not any(s and CJK.search(s) for s in texts), texts
