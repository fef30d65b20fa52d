"""Built-in data the tasks ship with: short public-domain texts (see texts.py)."""

from rnnplay.data.texts import TEXTS

__all__ = ["TEXTS"]
