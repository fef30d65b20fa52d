"""The Learn page (AppTest): it renders; each cell's equations sit beside the *current* source of the
function that runs (a pasted copy fails); every link into the Playground is a valid share link, and a
set-up's tasks really are of that kind; the sliders redraw their charts from a real computation; every
string the page asks for exists in learn_text, and the page reads in Chinese with ?lang=zh."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages import learn_text
from app_pages.i18n import render
from rnnplay import cells
from rnnplay.config import FIELDS, TASKS, parse_params
from rnnplay.tasks import TASK_CLASSES

ROOT = Path(__file__).resolve().parents[1]
LEARN = "app_pages/learn.py"
SOURCE = (ROOT / LEARN).read_text()
SETUPS_SOURCE = (ROOT / "app_pages/ui/learn_setups.py").read_text()  # the set-ups the page draws and links
CELL_FUNCS = {"rnn": "rnn_cell", "lstm": "lstm_cell", "gru": "gru_cell"}
KINDS = {"m2o": "many-to-one", "m2m": "many-to-many", "o2m": "one-to-many", "s2s": "seq2seq"}


TEXT = learn_text.TEXT


def open_learn(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(LEARN)
    at.run()
    return at


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_learn()


def links(at: AppTest) -> list[dict[str, str]]:
    out = []
    for el in at.get("page_link"):
        assert el.proto.page == "playground", el.proto
        out.append({k: v[0] for k, v in parse_qs(el.proto.query_string, keep_blank_values=True).items()})
    return out


def chart(at: AppTest, key: str) -> dict:
    (el,) = [el for el in at.get("plotly_chart") if el.proto.id.endswith(key) or key in el.proto.id]
    return json.loads(el.proto.spec)


def literal(name: str):
    """A literal assigned at the top of the page's set-ups module, so the test checks what the page shows."""
    node = next(n for n in ast.parse(SETUPS_SOURCE).body if isinstance(n, ast.Assign) and n.targets[0].id == name)
    return ast.literal_eval(node.value)


def setups() -> list[tuple[str, list]]:
    """Each set-up with what it links: every task of its kind (by Task.kind), or the tasks that link it
    with settings of their own, (label, params) each (Task.learn_links under the set-up's place)."""
    kinds, presets = literal("KIND_OF_SETUP"), literal("PRESET_SETUPS")
    out = [(s, [c.name for c in TASK_CLASSES.values() if c.kind == kind]) for s, kind in kinds.items()]
    return out + [(s, task_links(s)) for s in presets]


def task_links(place: str) -> list[tuple[str, dict[str, str]]]:
    """(label, params) of every task's Learn link at this place."""
    return [
        (label, {"task": c.name, **settings})
        for c in TASK_CLASSES.values()
        for where, label, settings in c.learn_links
        if where == place
    ]


def test_learn_page_renders(at):
    assert not at.exception
    assert at.title[0].value == TEXT["title"]
    assert len(at.get("graphviz_chart")) == len(setups())
    assert all("digraph" in el.proto.spec for el in at.get("graphviz_chart"))


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_each_cell_shows_its_equations_beside_its_current_source(at, arch):
    shown_latex = [el.value.strip("$\n") for el in at.latex]  # st.latex wraps it in $$ ... $$
    for latex, says in learn_text.EQUATIONS[arch]:
        assert latex in shown_latex
        assert says in [el.value for el in at.markdown]
    source = inspect.getsource(getattr(cells, CELL_FUNCS[arch]))
    assert source.strip() in [el.value.strip() for el in at.code]
    assert all(el.language == "python" for el in at.code)


def test_code_blocks_follow_the_function_not_a_copy(monkeypatch):
    """Swap the function in rnnplay.cells: the page must show the new source, so a pasted copy fails."""

    def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):  # a stand-in with a different body
        return "this body is not in rnnplay/cells.py"

    monkeypatch.setattr(cells, "lstm_cell", lstm_cell)
    at = open_learn()
    codes = [el.value.strip() for el in at.code]
    assert inspect.getsource(lstm_cell).strip() in codes
    assert not any("c = f * c + i * g" in code for code in codes)


def test_equations_follow_the_code_gate_order():
    """LSTM i, f, g, o and GRU r, z, n as torch orders them; GRU's r sits inside the bracket."""
    assert [latex[0] for latex, _ in learn_text.EQUATIONS["lstm"][:4]] == ["i", "f", "g", "o"]
    assert "i, f, g, o = " in inspect.getsource(cells.lstm_cell)
    assert [latex[0] for latex, _ in learn_text.EQUATIONS["gru"][:3]] == ["r", "z", "n"]
    assert r"r \odot \left(W_{hn}\,h + b_{hn}\right)" in learn_text.EQUATIONS["gru"][2][0]
    assert "n_x + r * n_h" in inspect.getsource(cells.gru_cell)
    assert cells.GATE_NAMES["lstm"] == ("input", "forget", "cell", "output")


def test_every_playground_link_parses_without_warnings(at):
    shown = links(at)
    assert {"arch": "lstm", "impl": "scratch"} in shown
    assert {p.get("task") for p in shown} >= set(TASKS)  # every task has its way in
    for params in shown:
        task = params.get("task", "majority")
        assert task in TASKS, params
        for name in params:
            assert name == "task" or (name in FIELDS and FIELDS[name].metadata["share"]), (name, params)
        if task not in TASK_CLASSES:  # built in parallel; its values are checked once it is registered
            continue
        config, warnings = parse_params(params)
        assert warnings == [], (params, warnings)
        for name, value in params.items():
            assert str(getattr(config, name)).lower() == value.lower(), (name, params)


def test_each_setup_links_tasks_of_that_kind(at):
    shown = links(at)
    assert all(tasks for _, tasks in setups()), setups()
    for setup, tasks in setups():
        for task in tasks:
            params = task[1] if isinstance(task, tuple) else {"task": task}
            assert params in shown
            if setup in KINDS and params["task"] in TASK_CLASSES:
                assert TASK_CLASSES[params["task"]].kind == KINDS[setup], (setup, params)
    tagging = [p for p in shown if p.get("bidirectional") == "true"]
    assert tagging and all(p["task"] == "tagging" for p in tagging)


def test_every_task_link_is_shown_at_its_place(at):
    """Each task's Learn links (Task.learn_links) reach the page, at a place the page has."""
    shown = links(at)
    places = set(literal("PRESET_SETUPS")) | set(re.findall(r'^task_links\("(\w+)"\)', SOURCE, re.M))
    for cls in TASK_CLASSES.values():
        for place, label, settings in cls.learn_links:
            assert place in places, (cls.name, place)
            assert {"task": cls.name, **settings} in shown and render(label, "zh") != label, (cls.name, label)
    assert {"task": "adding", "arch": "lstm", "seq_len": "50", "forget_bias": "1.0"} in shown


def test_packing_result_equals_each_sentence_alone(at):
    packed, padded = (float(m.value) for m in at.metric)
    assert packed < 1e-5  # packed: padding never read
    assert padded > 1e-2  # not packed: the RNN stepped through the padding
    assert any("pack_padded_sequence" in el.value for el in at.code)


def test_rho_slider_changes_the_gradient_chart():
    at = open_learn()
    before = chart(at, "grad_chart")
    assert before["layout"]["yaxis"]["type"] == "log"
    ys = {tr["name"]: tr["y"] for tr in before["data"]}
    tanh = ys[TEXT["trace_tanh"]]
    assert tanh[-1] == pytest.approx(1.0)  # ∂h_T/∂h_T = I
    assert tanh[0] < 1e-3  # rho = 0.9 over 50 steps: vanished
    at.slider(key="rho").set_value(1.3).run()
    assert not at.exception
    after = chart(at, "grad_chart")
    ys_after = {tr["name"]: tr["y"] for tr in after["data"]}
    assert ys_after["ρ^(T−t)"][0] == pytest.approx(1.3**49)
    assert ys_after[TEXT["trace_linear"]][0] > 1e3  # no tanh: it explodes
    assert ys_after[TEXT["trace_tanh"]] != tanh
    at.slider(key="T").set_value(20).run()
    assert len(chart(at, "grad_chart")["data"][0]["x"]) == 20


def test_clip_slider_clips_by_norm_and_by_value():
    at = open_learn()
    at.slider(key="clip_c").set_value(1.0).run()
    data = {tr["name"]: (tr["x"][1], tr["y"][1]) for tr in chart(at, "clip_chart")["data"]}
    gx, gy = data[TEXT["clip_by_norm"]]
    assert (gx**2 + gy**2) ** 0.5 == pytest.approx(1.0, rel=1e-5)
    assert gy / gx == pytest.approx(1.0 / 3.0, rel=1e-5)  # g = (3, 1): direction kept
    assert data[TEXT["clip_by_value"]] == pytest.approx((1.0, 1.0))  # direction changed


def test_every_string_id_used_exists_in_learn_text():
    """The page asks for TEXT[id] (literal ids, and ids it builds from the set-ups and cells); each one
    exists, and no text in learn_text is left unshown."""
    tree = ast.parse(SOURCE)
    used = {
        n.slice.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Subscript) and getattr(n.value, "id", "") == "TEXT" and isinstance(n.slice, ast.Constant)
    }
    used |= {  # link("id", ...) looks its label up in TEXT
        n.args[0].value
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "link" and isinstance(n.args[0], ast.Constant)
    }
    used |= {f"code_caption_{arch}" for arch in CELL_FUNCS}  # ids the page builds at render time
    for setup, _ in setups():
        used |= {setup, f"{setup}_text"}
    assert used, "no ids found: has the page stopped reading TEXT?"
    assert not used - set(TEXT), f"ids the page asks for but learn_text lacks: {sorted(used - set(TEXT))}"
    assert not set(TEXT) - used, f"ids in learn_text the page never shows: {sorted(set(TEXT) - used)}"
    assert set(learn_text.LATEX) == {
        n.slice.value for n in ast.walk(tree) if isinstance(n, ast.Subscript) and getattr(n.value, "id", "") == "LATEX"
    }


def test_every_text_has_its_chinese_and_the_latex_stays():
    """Each sentence of the page (TEXT and the equations' explanations) has a Chinese text with the same
    placeholders; the LaTeX is not translated."""
    texts = list(TEXT.values()) + [says for eqs in learn_text.EQUATIONS.values() for _, says in eqs]
    for en in texts:
        zh = render(en, "zh")
        assert zh != en and re.search(r"[\u4e00-\u9fff]", zh), f"no Chinese for {en!r}"
        assert set(re.findall(r"\{\w+", zh)) == set(re.findall(r"\{\w+", en)), en


def test_learn_in_chinese_shows_chinese_text_and_the_same_computations():
    at = open_learn("zh")
    assert not at.exception
    assert at.title[0].value == render(TEXT["title"], "zh") == "学习"
    headers = [el.value for el in at.header]
    assert headers and all(re.search(r"[\u4e00-\u9fff]", h) for h in headers), headers
    assert render(learn_text.EQUATIONS["lstm"][1][1], "zh") in [el.value for el in at.markdown]
    assert at.slider(key="rho").label == render(TEXT["rho_slider"], "zh")
    names = {tr["name"] for tr in chart(at, "grad_chart")["data"]}
    assert render(TEXT["trace_tanh"], "zh") in names and "ρ^(T−t)" in names
    assert {el.value.strip("$\n") for el in at.latex} >= {latex for latex, _ in learn_text.EQUATIONS["gru"]}
    packed, padded = (float(m.value) for m in at.metric)
    assert packed < 1e-5 < 1e-2 < padded
    assert all(el.proto.label for el in at.get("page_link"))
    assert {el.proto.label for el in at.get("page_link")} >= {
        render(label, "zh") for label, _ in task_links("vanishing")
    }


def test_the_output_equation_and_parameter_sharing_sit_beside_the_cells(at):
    shown_latex = [el.value.strip("$\n") for el in at.latex]
    assert learn_text.LATEX["output"] in shown_latex and learn_text.LATEX["shared"] in shown_latex
    captions = [el.value for el in at.caption]
    # nn.RNN(5, 64) + nn.Linear(64, 2): 5*64 + 64*64 + 2*64 + 64*2 + 2 parameters, for T = 10 and T = 1000
    assert any("4674 parameters" in c and "(1, 10, 2)" in c and "(1, 1000, 2)" in c for c in captions), captions


def test_the_shapes_section_runs_both_layouts_with_the_same_weights(at):
    tables = [el.value for el in at.markdown if "batch_first=True" in el.value and "| --- |" in el.value]
    assert tables and "(10, 32, 8)" in tables[0] and "(32, 10, 8)" in tables[0] and "(1, 32, 16)" in tables[0]
    (result,) = [el.value for el in at.caption if "out.transpose(0, 1)" in el.value]
    assert re.search(r"differ by 0\.0e\+00 .* to 0\.0e\+00", result), result
    assert any("def layouts" in el.value for el in at.code)


def test_the_bidirectional_demo_shows_the_backward_half_flipped_back(at):
    (table,) = [el.value for el in at.markdown if "flipped back" in el.value and "| --- |" in el.value]
    numbers = [float(v) for v in re.findall(r"\| (\d[0-9.e+-]*) \|", table)]
    forward, realigned, not_realigned, h_n_first, h_n_last = numbers
    assert forward == realigned == h_n_first == 0.0
    assert not_realigned > 0.1 and h_n_last > 0.1
    assert any("def bidirectional_alignment" in el.value for el in at.code)


def test_common_mistakes_box_names_the_courses_errors_and_links_the_runs_that_show_them(at):
    (box,) = [el.value for el in at.warning if "VanillaRNN" in el.value]
    for said in ("train_loader", "out[:, -1, :]", "hidden.detach()", "flip", "criterion(outputs, x)"):
        assert said in box, said
    shown = links(at)
    assert {"task": "sentiment", "readout": "last_padded"} in shown
    assert {"task": "charlm", "text": "hello", "carry_state": "true"} in shown
    assert any(link.get("input_size") == "5" and link.get("dataset_size") == "1000" for link in shown)


# the sentences beside the maths say what the maths and the code do ---------------------------------
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3}


def test_lstm_caption_counts_the_matrix_products_its_code_sums():
    """The caption says how many matrix products give the four gates; lstm_cell's source has that many."""
    said = re.search(r"\b(one|two|three) matrix products?\b", TEXT["code_caption_lstm"])
    assert said, TEXT["code_caption_lstm"]
    gates_line = next(line for line in inspect.getsource(cells.lstm_cell).splitlines() if ".chunk(4" in line)
    assert NUMBER_WORDS[said.group(1)] == gates_line.count(" @ ") == 2  # x @ w_ih.T + ... + h @ w_hh.T + ...


def _jacobian_subscripts(latex: str) -> list[str]:
    """The subscripts of the J factors of the chain, in the order written (before the J_k definition)."""
    chain = latex.split(r"\qquad")[0]
    return [s.strip("{}") for s in re.findall(r"J_(\{[^}]*\}|\w)", chain)]


def test_the_jacobian_product_is_written_in_the_order_the_matrices_multiply():
    """dL/dh_t = dL/dh_T · J_T J_(T−1) ⋯ J_(t+1) (a row vector times the Jacobians, the last step's first),
    checked against autograd on a small tanh RNN: the written order gives the gradient, the reverse does not."""
    assert _jacobian_subscripts(learn_text.LATEX["grad_chain"]) == ["T", "T-1", "t+1"]
    assert "J_T ⋯ J_(t+1)" in TEXT["trace_tanh"]
    gen = torch.Generator().manual_seed(0)
    H, T, t = 4, 6, 2
    W = torch.randn(H, H, generator=gen, dtype=torch.float64)
    u = torch.randn(T + 1, H, generator=gen, dtype=torch.float64)
    v = torch.randn(H, generator=gen, dtype=torch.float64)  # L = v · h_T
    hs = [torch.zeros(H, dtype=torch.float64, requires_grad=True)]
    for k in range(1, T + 1):
        hs.append(torch.tanh(W @ hs[-1] + u[k]))
    for h in hs:
        h.retain_grad()
    (v @ hs[T]).backward()
    J = {k: torch.diag(1 - hs[k].detach() ** 2) @ W for k in range(1, T + 1)}  # J_k = ∂h_k/∂h_(k−1)
    written = v.clone()
    for k in range(T, t, -1):  # J_T first, J_(t+1) last
        written = written @ J[k]
    reversed_ = v.clone()
    for k in range(t + 1, T + 1):
        reversed_ = reversed_ @ J[k]
    assert torch.allclose(written, hs[t].grad, rtol=1e-12, atol=1e-14)
    assert not torch.allclose(reversed_, hs[t].grad, rtol=1e-3)


def test_one_step_is_bounded_by_sigma_max_and_the_spectral_radius_is_the_long_run_rate():
    """A W_hh with ρ = 0.5 and σ_max ≈ 3: one step back grows a gradient by more than ρ (up to σ_max),
    yet the product of many steps shrinks like ρⁿ. The page says so, not 'each factor scales by ρ'."""
    W = torch.tensor([[0.5, 3.0], [0.0, 0.5]], dtype=torch.float64)
    rho = torch.linalg.eigvals(W).abs().max().item()
    sigma = torch.linalg.matrix_norm(W, ord=2).item()
    g = torch.tensor([1.0, 0.0], dtype=torch.float64)
    one_step = (g @ W).norm().item() / g.norm().item()
    assert rho == pytest.approx(0.5) and rho < 1 < one_step <= sigma + 1e-12
    n = 200
    assert torch.linalg.matrix_norm(torch.linalg.matrix_power(W, n), ord=2).item() ** (1 / n) == pytest.approx(
        rho, rel=0.05
    )
    text, latex = TEXT["grad_rate_text"], learn_text.LATEX["grad_rate"]
    assert "roughly" not in text and "at most** σ_max(W_hh) · max f′" in text and "sets the rate" in text
    assert r"\le \sigma_{\max}(W_{hh}) \cdot \max f'" in latex and r"\to \rho(W_{hh})" in latex


def test_relu_slope_is_zero_or_one_as_the_page_says():
    x = torch.linspace(-2, 2, 40, dtype=torch.float64, requires_grad=True)
    torch.relu(x).sum().backward()
    assert set(x.grad.tolist()) == {0.0, 1.0}
    assert "ReLU's f′ is 0 or 1" in TEXT["grad_read"] and "with f′ = 1" not in TEXT["grad_read"]
