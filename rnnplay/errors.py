"""ConfigError: the one error a bad setting raises, wherever it is checked (the configuration, a task's own
input, an uploaded series). Below both rnnplay.config and rnnplay.tasks, which raise it. StoreError and
StoreConflict: the run store's, below rnnplay.store and its two backends, which raise them."""

from __future__ import annotations

from typing import Any

from rnnplay.i18n import Msg, t
from rnnplay.untrusted import escape_markdown


class ConfigError(ValueError):
    """A bad value for one field; the message names the field, the value and what is allowed.

    `allowed` may be a template marked with N_ whose {fields} come in allowed_args: str(e) stays English
    (the CLI, the logs), and `localized(lang)` says the same in the UI's language (English or 中文)."""

    def __init__(self, name: str, value: Any, allowed: str, /, **allowed_args: Any):
        self.field, self.value = name, value
        self.allowed_msg, self.allowed_args = allowed, allowed_args
        self.allowed = allowed.format(**allowed_args) if allowed_args else allowed
        super().__init__(self._message("en", markdown=False))

    def localized(self, lang: str = "en") -> str:
        """The message in lang, for a page: the value markdown-escaped (pages render messages as
        markdown; a value from a link is shown as it is, never as a link or an image)."""
        return self._message(lang, markdown=True)

    def _message(self, lang: str, markdown: bool) -> str:
        """field and value as they are, what is allowed translated where the catalogue has it (a text
        argument such as a task's refusal reason too); str(e) (the CLI, the logs) keeps the value plain."""
        value = self.value
        shown = repr(value) if isinstance(value, str) else value
        if isinstance(value, str) and len(value) > 40:
            shown = repr(value[:40] + "…")
        if markdown and not isinstance(value, (bool, int, float, Msg)):  # a Msg is the code's own text
            shown = escape_markdown(str(shown))
        args = {k: t(v, lang) if isinstance(v, str) else v for k, v in self.allowed_args.items()}
        allowed = t(self.allowed_msg, lang, **args)
        return t("{name}={value} is not allowed: {allowed}", lang, name=self.field, value=shown, allowed=allowed)


class StoreError(ValueError):
    """The store cannot be opened, read or written, or a stored run cannot be read back; the message
    says which and why. Every database error leaves RunStore's public methods as this one type."""


class StoreConflict(StoreError):
    """A save lost a compare-and-swap: the row was saved meanwhile by another writer (another server
    on the same store, or another tab's copy), and this save changed nothing."""
