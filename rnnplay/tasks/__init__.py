"""Every task by name. See base.py for the protocol."""

from rnnplay.tasks.adding import Adding
from rnnplay.tasks.base import Batch, Task
from rnnplay.tasks.charlm import CharLM
from rnnplay.tasks.majority import Majority
from rnnplay.tasks.sentiment import Sentiment
from rnnplay.tasks.sine import Sine

TASK_CLASSES: dict[str, type[Task]] = {c.name: c for c in (Majority, CharLM, Sine, Adding, Sentiment)}


def make_task(config) -> Task:
    return TASK_CLASSES[config.task](config)


__all__ = ["TASK_CLASSES", "Batch", "Task", "make_task"]
