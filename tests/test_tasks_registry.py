"""rnnplay/tasks/__init__.py, the registry: a task is its module and one line of NAMES, and nothing else
knows it by name.

Read with ast (nothing imported for the scan): no module of the core or of the pages compares a value with
a task's name (`task == "copy"`, `name in ("sine", "random")`, `match` cases); what differs between tasks
is a task's attribute or method. Lessons and race presets name tasks as data (rnnplay/lessons.py,
rnnplay/race.py), as do default configurations, and are not scanned for branches. The pages go further:
they name no task at all, as a string or by importing its module (they loop over the registry and read
what a task says of itself). The exported script's data code is each task's own functions.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from rnnplay import tasks
from rnnplay.config import make_config
from rnnplay.export import SCRIPT_TASKS
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
    assert tasks.home_presets(name) == cls.home_presets
    assert cls.learn_title and cls.description


# the pages know no task by name -------------------------------------------------------------------------
def task_name_mentions(source: str, where: str) -> list[str]:
    """`where:line` and the name for every string literal that is a task's name (`"charlm"`, as a value, a
    dict key or in an f-string's text) and every import of a task's module (`from rnnplay.tasks import sine`,
    `from rnnplay.tasks.charlm import X`, `import rnnplay.tasks.copy`). A name inside a sentence ("the
    adding problem") is prose, not a task picked by name, and is not counted; so the words that are also
    ordinary English (copy, random, reverse, wave) are caught only as a whole literal, never in a sentence."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
            found.append(f"{where}:{node.lineno} names the task {node.value!r}")
        else:
            found += [f"{where}:{node.lineno} imports {m}" for m in _imported(node) if _is_task_module(m)]
    return found


def _imported(node: ast.AST) -> list[str]:
    """The modules an import statement may load: `from a.b import c` may load a.b and a.b.c."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return []


def _is_task_module(module: str) -> bool:
    parts = module.split(".")
    return parts[:2] == ["rnnplay", "tasks"] and len(parts) > 2 and parts[2] in NAMES


def pages() -> list[Path]:
    return [*sorted((ROOT / "app_pages").rglob("*.py")), ROOT / "app.py"]


def test_no_page_names_a_task():
    """A page lists the registry and reads what a task says of itself (its card, its presets, its links);
    it never picks a task by its name, so adding or removing a task touches no page."""
    bad = [b for p in pages() for b in task_name_mentions(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert not bad, "\n".join(bad) + "\n(say it in the task's module: an attribute the page reads from the registry)"


@pytest.mark.parametrize(
    "source",
    [
        'PRESET = {"task": "adding", "arch": "rnn"}\n',
        'BUTTONS = {"copy": ("Copy", ":material/content_copy:")}\n',
        'st.page_link("p.py", query_params={"task": "parity"})\n',
        'x = f"{a}" "sine"\n',
        "from rnnplay.tasks.charlm import CORPUS_DEFAULTS\n",
        "from rnnplay.tasks import sine\n",
        "import rnnplay.tasks.wave\n",
    ],
)
def test_a_task_named_in_a_page_is_caught(source):
    assert task_name_mentions(source, "x.py")


def test_a_sentence_or_the_registry_is_no_mention():
    source = (
        "from rnnplay.tasks import NAMES, TASK_CLASSES\n"
        "from rnnplay.tasks.base import Task\n"
        'label = "An LSTM on the adding problem; copy the link"\n'
    )
    assert not task_name_mentions(source, "x.py")


# the exported script's data code --------------------------------------------------------------------
@pytest.mark.parametrize("name", SCRIPT_TASKS)
def test_the_scripts_data_code_is_the_tasks_own_functions(name):
    """What draws the numbers in the exported script is the task module's own functions, their source as
    they run (inspect.getsource), and the rest is glue of a line or two a function: a second copy of the
    data code would be a longer function the module does not hold."""
    module = importlib.import_module(f"rnnplay.tasks.{name}")
    code = TASK_CLASSES[name].script_code(make_config(name))
    defined = [n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
    own = [n.name for n in defined if inspect.isfunction(getattr(module, n.name, None))]
    assert own, f"{name}: the script defines none of its module's functions"
    for fn in own:
        assert inspect.getsource(getattr(module, fn)) in code, fn
    for node in defined:
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        assert node.name in own or len(body) <= 2, f"{name}: {node.name} in the script is not its module's"
