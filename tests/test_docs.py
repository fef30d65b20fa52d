"""The README's file tree and docs/tasks.md against the repository as it is: every module of the app and
of the core is named in the tree (a file a newcomer cannot find in it is a file they will not look for),
and every file the tree names exists; docs/tasks.md names every attribute a task may declare."""

from __future__ import annotations

import re
from pathlib import Path

from rnnplay.tasks import NAMES, Task

ROOT = Path(__file__).resolve().parents[1]


def files_block() -> str:
    """The README's `## Files` code block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Files", 1)[1].split("```", 2)[1]


def modules() -> list[str]:
    """app.py, the pages, the page glue and the core's modules and packages (relative paths)."""
    out = ["app.py"]
    for folder in ("app_pages", "app_pages/ui", "rnnplay"):
        out += [f"{folder}/{p.name}" for p in sorted((ROOT / folder).glob("*.py")) if p.name != "__init__.py"]
    out += [f"rnnplay/{p.name}/" for p in sorted((ROOT / "rnnplay").iterdir()) if (p / "__init__.py").exists()]
    return out


def test_the_readme_tree_names_every_module():
    tree = files_block()
    named = set(re.findall(r"[\w.]+\.(?:py|js|md)|\w+/", tree))
    missing = [m for m in modules() if Path(m).name + ("/" if m.endswith("/") else "") not in named]
    assert not missing, f"README's file tree lacks {missing}"


def test_every_file_the_readme_tree_names_exists():
    names = set(re.findall(r"\b[\w]+\.(?:py|md)\b", files_block()))
    everywhere = {p.name for p in ROOT.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts}
    assert not names - everywhere, sorted(names - everywhere)


def test_docs_tasks_walks_through_parity_and_names_every_task_attribute():
    text = (ROOT / "docs" / "tasks.md").read_text(encoding="utf-8")
    assert "parity" in NAMES and "## Worked example: adding `parity`" in text
    declared = [
        a
        for a, v in vars(Task).items()
        if not (a.startswith("_") or callable(v) or isinstance(v, (property, classmethod)))
    ]
    declared += [a for a in Task.__annotations__ if not a.startswith("_")]
    missing = sorted({a for a in declared if f"`{a}`" not in text and f"`{a}(" not in text})
    assert not missing, f"docs/tasks.md does not name {missing}"
