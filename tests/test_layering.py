"""The layers, read from the source with ast (nothing is imported): what may import what, and no circles.

    rnnplay/           the core: never streamlit, never app_pages
      figures.py       data -> figures: never the trainer or the run (it draws snapshots, types only)
      models.py        the networks: never a task
    app_pages/         the pages: never a private name of another module (`from x import _y`, `x._y`),
                       never a run's `.trainer`

No import circle among the modules of rnnplay/ and app_pages/, counting module-level imports (an import
inside a function runs later, once every module is loaded) and, separately, every import. An import
inside a function is there only where it was measured to matter: its comment says so with the figure.
Imports under `if TYPE_CHECKING:` never run and are left out.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rnnplay", "app_pages")


@dataclass(frozen=True)
class Import:
    module: str  # the module that imports
    target: str  # what it imports: a module of ours (rnnplay.x), or a third-party name (streamlit...)
    names: tuple[str, ...]  # `from target import names` (empty for `import target`)
    line: int
    top: bool  # at module level (runs when the module is imported), not inside a function


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _walk(body: list[ast.stmt], top: bool):
    """(import node, at module level) for every import that can run: TYPE_CHECKING blocks left out."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, top
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _walk(node.orelse, top)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(node.body, False)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _walk([c for c in children if isinstance(c, ast.AST)], top)


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in a file, each resolved to the module it names: `from pkg import sub` names the
    submodule pkg.sub when there is one, else pkg itself (its __init__)."""
    out = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node, top in _walk(ast.parse(path.read_text(encoding="utf-8")).body, True):
        if isinstance(node, ast.Import):
            out += [Import(module, a.name, (), node.lineno, top) for a in node.names]
            continue
        base = node.module or ""
        if node.level:  # relative: from . import x, from ..y import z
            up = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(up + ([base] if base else []))
        names = tuple(a.name for a in node.names)
        subs = [n for n in names if f"{base}.{n}" in modules]
        out += [Import(module, f"{base}.{n}", (), node.lineno, top) for n in subs]
        rest = tuple(n for n in names if n not in subs)
        if rest or not subs:
            out.append(Import(module, base, rest, node.lineno, top))
    return out


def all_imports() -> list[Import]:
    modules = our_modules()
    return [i for m, p in modules.items() for i in imports_of(m, p, modules)]


def first_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle (a, b, ..., a) in the graph, or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def graph(imports: list[Import], top_only: bool) -> dict[str, set[str]]:
    ours = set(our_modules())
    edges: dict[str, set[str]] = {}
    for i in imports:
        if i.target in ours and i.target != i.module and (i.top or not top_only):
            edges.setdefault(i.module, set()).add(i.target)
    return edges


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


# the rules -------------------------------------------------------------------------------------------------
def forbidden(imports: list[Import]) -> list[str]:
    """Every import that crosses a layer the wrong way, as 'module:line imports target (why)'."""
    bad = []
    for i in imports:
        where = f"{i.module}:{i.line} imports {i.target}"
        if _under(i.module, "rnnplay") and _under(i.target, "streamlit", "app_pages"):
            bad.append(f"{where} (the core never imports streamlit or the pages)")
        if i.module == "rnnplay.figures" and _under(i.target, "rnnplay.trainer", "rnnplay.run"):
            bad.append(f"{where} (figures draw data: never the trainer or the run)")
        if i.module == "rnnplay.models" and _under(i.target, "rnnplay.tasks"):
            bad.append(f"{where} (the models never know the tasks)")
        if _under(i.module, "app_pages") and any(n.startswith("_") and not n.startswith("__") for n in i.names):
            if _under(i.target, *PACKAGES):
                bad.append(f"{where} names {', '.join(i.names)} (a page never takes a private name of another module)")
    return bad


def private_reads(module: str, path: Path) -> list[str]:
    """In a page: `x._y` where x is a module of ours it imported, and any `.trainer`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names if _under(a.name, *PACKAGES)}
        elif isinstance(node, ast.ImportFrom) and _under(node.module or "", *PACKAGES):
            imported |= {a.asname or a.name for a in node.names}
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{module}:{node.lineno} reads"
        if node.attr == "trainer":
            bad.append(f"{where} .trainer (a page asks the run: steps_done, task, probe_batch, ...)")
        elif node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id in imported:
                bad.append(f"{where} {node.value.id}.{node.attr} (a private name of another module)")
    return bad


def unexplained_lazy_imports(modules: dict[str, Path]) -> list[str]:
    """Imports inside functions whose comment (on the line, or the line above) gives no measured figure."""
    bad = []
    for m, p in modules.items():
        lines = p.read_text(encoding="utf-8").splitlines()
        for i in imports_of(m, p, modules):
            if i.top:
                continue
            said = " ".join(lines[max(0, i.line - 2) : i.line])
            if not re.search(r"#.*\d", said):
                bad.append(f"{m}:{i.line} imports {i.target} inside a function without a measured reason")
    return bad


# the tests -------------------------------------------------------------------------------------------------
def test_no_import_crosses_a_layer_the_wrong_way():
    bad = forbidden(all_imports())
    assert not bad, "\n".join(bad)


def test_no_page_reads_a_private_name_or_a_runs_trainer():
    bad = [b for m, p in our_modules().items() if _under(m, "app_pages") for b in private_reads(m, p)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("top_only", [True, False], ids=["module-level imports", "every import"])
def test_no_import_circle(top_only):
    cycle = first_cycle(graph(all_imports(), top_only))
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_import_inside_a_function_says_what_it_saves():
    bad = unexplained_lazy_imports(our_modules())
    assert not bad, "\n".join(bad)


def test_homes_modules_load_no_torch():
    """Home paints before torch is loaded (it takes ~1 s): what app.py and every page import, and Home's own
    modules, keep torch out; that is the one reason rnnplay.config and rnnplay.texts import lazily."""
    code = (
        "import sys, app_pages.i18n, app_pages.preload, app_pages.ui.live_feed, app_pages.view_link, "
        "rnnplay.config, rnnplay.lessons, rnnplay.run, rnnplay.texts;"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


# the checks catch what they are for --------------------------------------------------------------------------
def _parsed(module: str, source: str, tmp_path: Path) -> list[Import]:
    path = tmp_path / "x.py"
    path.write_text(source)
    return imports_of(module, path, {**our_modules(), module: path})


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("rnnplay.cost", "import streamlit as st\n"),
        ("rnnplay.cost", "from app_pages.i18n import tr\n"),
        ("rnnplay.figures", "from rnnplay.trainer import Trainer\n"),
        ("rnnplay.figures", "from rnnplay.run.training_run import TrainingRun\n"),
        ("rnnplay.models", "from rnnplay.tasks.base import PAD\n"),
        ("app_pages.runs", "from rnnplay.hosted import _remove\n"),
    ],
)
def test_a_forbidden_import_is_caught(module, source, tmp_path):
    assert forbidden(_parsed(module, source, tmp_path))


def test_a_type_only_import_is_no_dependency(tmp_path):
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rnnplay.run.snapshot import Snapshot\n"
    assert forbidden(_parsed("rnnplay.figures", source, tmp_path)) == []


def test_a_private_read_and_a_trainer_read_in_a_page_are_caught(tmp_path):
    path = tmp_path / "page.py"
    path.write_text("from rnnplay import hosted\nx = hosted._remove\ny = run.trainer.task\nz = fig._data\n")
    assert [b.split(" ", 1)[1] for b in private_reads("app_pages.page", path)] == [
        "reads hosted._remove (a private name of another module)",
        "reads .trainer (a page asks the run: steps_done, task, probe_batch, ...)",
    ]


def test_a_circle_is_found():
    assert first_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert first_cycle({"a": {"b"}, "b": {"c"}}) is None
