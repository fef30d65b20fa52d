"""rnnplay/tasks/__init__.py, the registry: a task is its module and one line of NAMES, and nothing else
knows it by name.

Read with ast (nothing imported for the scan): no module of the core or of the pages compares a value with
a task's name (`task == "copy"`, `name in ("sine", "random")`, `match` cases); what differs between tasks
is a task's attribute or method. Lessons and race presets name tasks as data (rnnplay/lessons.py,
rnnplay/race.py), as do default configurations, and are not scanned for branches.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnnplay import tasks
from rnnplay.tasks import NAMES, TASK_CLASSES

ROOT = Path(__file__).resolve().parents[1]
# may name a task in a comparison: the tasks themselves, and the modules whose data are presets
EXEMPT = ("rnnplay/tasks/", "rnnplay/lessons.py", "rnnplay/race.py")


def _strings(node: ast.AST) -> list[str]:
    """The string constants a comparison operand is or holds (a tuple, list or set of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def task_name_branches(source: str, where: str) -> list[str]:
    """`where:line` and the name for every comparison (==, !=, in, not in) or match case on a task's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.match_case):
            operands = [node.pattern.value] if isinstance(node.pattern, ast.MatchValue) else []
        else:
            continue
        named = sorted({s for o in operands for s in _strings(o)} & set(NAMES))
        if named:
            found.append(
                f"{where}:{node.lineno if hasattr(node, 'lineno') else node.pattern.lineno} "
                f"compares with the task name {', '.join(named)}"
            )
    return found


def scanned() -> list[Path]:
    paths = sorted(p for pkg in ("rnnplay", "app_pages") for p in (ROOT / pkg).rglob("*.py"))
    paths.append(ROOT / "app.py")
    return [p for p in paths if not str(p.relative_to(ROOT)).startswith(EXEMPT)]


def test_no_page_or_core_module_branches_on_a_task_name():
    bad = [b for p in scanned() for b in task_name_branches(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert not bad, "\n".join(bad) + "\n(give the task an attribute or a method instead)"


@pytest.mark.parametrize(
    "source",
    [
        'if config.task == "sine":\n    pass\n',
        'x = task.name != "copy"\n',
        'sep = "" if task.name in ("charlm", "reverse") else " "\n',
        'match task.name:\n    case "wave":\n        pass\n',
        'if "parity" == name:\n    pass\n',
    ],
)
def test_a_branch_on_a_task_name_is_caught(source):
    assert task_name_branches(source, "x.py")


def test_a_comparison_with_another_word_is_no_branch():
    assert not task_name_branches('if corpus == "text" or kind in ("many-to-one", "seq2seq"):\n    pass\n', "x.py")


# the registry ------------------------------------------------------------------------------------------
def test_every_task_module_is_registered_under_its_own_name():
    modules = {p.stem for p in (ROOT / "rnnplay" / "tasks").glob("*.py")} - {"__init__", "base"}
    assert set(NAMES) == modules
    assert list(TASK_CLASSES) == list(NAMES)
    for name, cls in TASK_CLASSES.items():
        assert cls.name == name and cls.__module__ == f"rnnplay.tasks.{name}"


@pytest.mark.parametrize("name", NAMES)
def test_homes_card_read_from_the_source_is_the_class_attribute(name):
    """Home reads a task's card from its module's source (no torch): it must be what the class says."""
    cls = TASK_CLASSES[name]
    assert tasks.card(name) == tasks.Card(name, cls.kind, cls.card)
    assert cls.learn_title and cls.description
