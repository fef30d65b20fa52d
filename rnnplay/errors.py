"""ConfigError: the one error a bad setting raises, wherever it is checked (the configuration, a task's own
input, an uploaded series). Below both rnnplay.config and rnnplay.tasks, which raise it. StoreError and
StoreConflict: the run store's, below rnnplay.store and its two backends, which raise them."""

from __future__ import annotations

from typing import Any

from rnnplay.i18n import N_, Msg
from rnnplay.untrusted import escape_markdown


class ConfigError(ValueError):
    """A bad value for one field; the message names the field, the value and what is allowed.

    `allowed` may be a template marked with N_ whose {fields} come in allowed_args (a text or a Msg there is
    translated too). str(e) is the English message with the value as it is (the CLI, the logs); `message`
    is the same as a Msg for a page to say in its reader's language, the value markdown-escaped."""

    def __init__(self, name: str, value: Any, allowed: str, /, **allowed_args: Any):
        self.field, self.value = name, value
        self.allowed_msg, self.allowed_args = allowed, allowed_args
        self.allowed = allowed.format(**allowed_args) if allowed_args else allowed
        super().__init__(self._message(markdown=False))

    @property
    def message(self) -> Msg:
        """The message for a page (pages render messages as markdown; a value from a link is shown as it
        is, never as a link or an image)."""
        return self._message(markdown=True)

    def _message(self, markdown: bool) -> Msg:
        """field and value as they are (a value that is a Msg, the code's own description, is translated),
        what is allowed as a Msg of its template and arguments."""
        value = self.value
        shown = repr(value) if isinstance(value, str) and not isinstance(value, Msg) else value
        if isinstance(value, str) and not isinstance(value, Msg) and len(value) > 40:
            shown = repr(value[:40] + "…")
        if markdown and not isinstance(value, (bool, int, float, Msg)):
            shown = escape_markdown(str(shown))
        args = {k: Msg(v) if isinstance(v, str) and not isinstance(v, Msg) else v for k, v in self.allowed_args.items()}
        allowed = Msg(self.allowed_msg, **args)
        return Msg(N_("{name}={value} is not allowed: {allowed}"), name=self.field, value=shown, allowed=allowed)


class StoreError(ValueError):
    """The store cannot be opened, read or written, or a stored run cannot be read back; the message
    says which and why. Every database error leaves RunStore's public methods as this one type."""


class StoreConflict(StoreError):
    """A save lost a compare-and-swap: the row was saved meanwhile by another writer (another server
    on the same store, or another tab's copy), and this save changed nothing."""
