"""The registry: every task by name, derived from its module. See base.py for the protocol.

A task is one module, rnnplay/tasks/<name>.py, holding one Task subclass whose `name` is the module's
name; NAMES lists the modules in the order the app shows them, one line each. Adding a task is adding
its module and its line here: the CLI, the pages, the export and the catalogue find it from here.

Importing this package loads no torch (Home paints before torch is loaded, tests/test_layering.py):
the names and each task's Home card and presets are read from the modules' source; the classes themselves
(TASK_CLASSES, Task, Batch, make_task) are imported at first use.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

NAMES = (
    "majority",
    "charlm",
    "random",
    "sine",
    "sentiment",
    "tagging",
    "reverse",
    "wave",
    "adding",
    "copy",
    "parity",
)

_LAZY = {"TASK_CLASSES", "Task", "Batch", "make_task"}


@cache
def _classes() -> dict:
    """name -> its Task subclass, each imported from its module (torch, 0.8-1.0 s measured at first load)."""
    base = importlib.import_module(f"{__name__}.base")
    classes = {}
    for name in NAMES:
        module = importlib.import_module(f"{__name__}.{name}")
        found = [
            c
            for c in vars(module).values()
            if isinstance(c, type) and issubclass(c, base.Task) and c.__module__ == module.__name__
        ]
        if len(found) != 1 or found[0].name != name:
            raise ImportError(f"rnnplay/tasks/{name}.py must hold one Task subclass named {name!r}")
        classes[name] = found[0]
    return classes


def _make_task(config):
    return _classes()[config.task](config)


def __getattr__(attr: str):
    """TASK_CLASSES, Task, Batch and make_task, loaded at first use (they bring torch)."""
    if attr == "TASK_CLASSES":
        return _classes()
    if attr == "make_task":
        return _make_task
    if attr in ("Task", "Batch"):
        return getattr(importlib.import_module(f"{__name__}.base"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


# what Home shows of a task, read from its module's source so that Home loads no torch ------------------
@dataclass(frozen=True)
class Card:
    name: str
    kind: str  # Task.kind: "many-to-one", ...
    text: str  # Task.card, English (N_-marked in the module, translated where shown)


class _Unmark(ast.NodeTransformer):
    """N_("text") -> "text": N_ marks a text for the catalogue and returns it unchanged."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if getattr(node.func, "id", None) == "N_" and len(node.args) == 1:
            return self.visit(node.args[0])
        return self.generic_visit(node)


@cache
def _class_literals(name: str) -> dict[str, Any]:
    """The literal class attributes of the task's class (`kind = "..."`, `card = N_("...")`, a tuple of
    presets), from its source; an attribute computed from anything else is left out."""
    tree = ast.parse((Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            try:
                out[stmt.targets[0].id] = ast.literal_eval(_Unmark().visit(stmt.value))
            except ValueError:  # not a literal (a name, a call)
                continue
    return out


@cache
def card(name: str) -> Card:
    """The task's Home card: its kind and its one-line pitch (Task.kind, Task.card), without importing it."""
    strings = _class_literals(name)
    return Card(name, strings["kind"], strings["card"])


def home_presets(name: str) -> tuple[tuple[str, dict[str, Any], str], ...]:
    """The task's featured presets on Home (Task.home_presets), without importing it."""
    return _class_literals(name).get("home_presets", ())


__all__ = ["NAMES", "TASK_CLASSES", "Batch", "Card", "Task", "card", "home_presets", "make_task"]
