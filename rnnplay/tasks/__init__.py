"""Every task by name. See base.py for the protocol."""

from rnnplay.tasks.adding import Adding
from rnnplay.tasks.base import Batch, Task
from rnnplay.tasks.charlm import CharLM
from rnnplay.tasks.copy import CopyMemory
from rnnplay.tasks.majority import Majority
from rnnplay.tasks.random import RandomLabels
from rnnplay.tasks.reverse import Reverse
from rnnplay.tasks.sentiment import Sentiment
from rnnplay.tasks.sine import Sine
from rnnplay.tasks.tagging import Tagging
from rnnplay.tasks.wave import Wave

# in SPEC order (T1..T10), as rnnplay.config.TASKS
TASK_CLASSES: dict[str, type[Task]] = {
    c.name: c for c in (Majority, CharLM, RandomLabels, Sine, Sentiment, Tagging, Reverse, Wave, Adding, CopyMemory)
}


def make_task(config) -> Task:
    return TASK_CLASSES[config.task](config)


__all__ = ["TASK_CLASSES", "Batch", "Task", "make_task"]
