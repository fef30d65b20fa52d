"""Long texts kept on the server by their content hash, so that a URL carries a short reference
instead of the text: `?text_ref=<24 hex digits>` for a text to learn longer than URL_TEXT_MAX, and a
teacher's short link (`?t=<ref>`) for a whole query string.

A reference is the first 24 hex digits (96 bits) of the text's SHA-256: the same text always gets the
same reference, and a reference names one text only (a stored text is never replaced). Texts are kept
in a folder beside the run store (`<RNNPLAY_STORE>.texts/`, one file a text), so a link survives a
server restart; the least recently used go first beyond MAX_TEXTS, and a link to a text the server no
longer has is answered with a message by the page. Only texts the app accepts are kept (the text to
learn is at most MAX_TEXT_CHARS), so the folder stays under MAX_TEXTS × 80 kB. No streamlit, no torch
until a text is first stored or read (the run store's path comes from rnnplay.store).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

URL_TEXT_MAX = 200  # a text up to this many characters stays in the URL itself
MAX_TEXTS = int(os.environ.get("RNNPLAY_MAX_TEXTS", "2000"))  # files kept on disk, least recently used go
MEMORY_TEXTS = 256  # texts also kept in memory
REF = re.compile(r"[0-9a-f]{24}")

_lock = threading.Lock()
_memory: OrderedDict[str, str] = OrderedDict()


def ref_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def folder() -> Path:
    # lazy: rnnplay.store imports torch (0.8-0.9 s measured), and every page, Home too, imports this module
    from rnnplay.store import default_path

    return Path(f"{default_path()}.texts")


def put(text: str) -> str:
    """Keep text; its reference. Written to disk when the folder is writable, in memory in any case."""
    ref = ref_of(text)
    with _lock:
        _remember(ref, text)
    path = folder() / ref
    if path.exists():
        _touch(path)
        return ref
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as f:
            f.write(text)
        os.replace(f.name, path)  # atomic: a reader never sees half a text
        _prune(path.parent)
    except OSError:
        pass  # a read-only disk: the text lives in this process only
    return ref


def get(ref: str) -> str | None:
    """The text with this reference, or None when the server does not have it (never had it, expired,
    or a reference edited by hand)."""
    if not isinstance(ref, str) or not REF.fullmatch(ref):
        return None
    with _lock:
        if ref in _memory:
            _memory.move_to_end(ref)
            return _memory[ref]
    path = folder() / ref
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if ref_of(text) != ref:  # a damaged file is no text of this reference
        return None
    _touch(path)
    with _lock:
        _remember(ref, text)
    return text


def _remember(ref: str, text: str) -> None:
    _memory[ref] = text
    _memory.move_to_end(ref)
    while len(_memory) > MEMORY_TEXTS:
        _memory.popitem(last=False)


def _touch(path: Path) -> None:
    try:
        os.utime(path)  # the modification time is the last use: expiry is least recently used
    except OSError:
        pass


def _prune(directory: Path) -> None:
    """Remove the least recently used texts beyond MAX_TEXTS."""
    try:
        files = [p for p in directory.iterdir() if REF.fullmatch(p.name)]
        if len(files) <= MAX_TEXTS:
            return
        files.sort(key=lambda p: p.stat().st_mtime)
        for p in files[: len(files) - MAX_TEXTS]:
            p.unlink(missing_ok=True)
    except OSError:
        pass
