"""Untrusted input, never unpickled: the first checks every untrusted input passes, before the app reads it.

An upload is checked by its name and size before a byte of it is parsed; a free text by its length
before a task sees it. Each refusal is one message that names the field, what arrived and what is
allowed, in the learner's language, so a page can show it and change nothing else. What a file holds
is then checked by its own reader (`rnnplay.export`, `rnnplay.tasks.sine.load_series_csv`), and no
reader ever unpickles: a pickle can run any code the moment it is loaded, so a pickled checkpoint
(`.pt`, `.pth`, `.ckpt`, ...) is refused by its name and never opened. UI-free, no torch.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath

from rnnplay.i18n import N_, Msg

MB = 2**20
# what the uploaders take (MB): a user's series, a settings file, a model's weights. The weights limit
# covers the largest model a hosted class may train (float32, 4 bytes a parameter: see deploy.md)
MAX_CSV_MB = 2
MAX_CONFIG_MB = 3
MAX_WEIGHTS_MB = 20
# a Try it / Inspect box takes at most this much; each task then applies its own, smaller limit
MAX_INPUT_CHARS = 1000
MAX_SERIES = 100_000  # the numbers a series may hold (a CSV upload, ?series=, --csv)
# file endings of pickled checkpoints (torch.save, pickle, joblib, Lightning, the Hub's pytorch_model.bin)
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".joblib", ".tar")


# what Streamlit's markdown acts on inside one line: emphasis, code, links and images ([]()!), autolinks
# and HTML (<>), entities (&), math ($), strikethrough (~), tables (|); colours (:red[...]) need a [
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~$&])")
# GFM also links bare URLs and e-mail addresses in plain text, after escapes are read: a zero-width
# space (U+200B) after "http", "www" and before "@" keeps them text and looks the same
_AUTOLINK = re.compile(r"(?i)(?<![a-z])(https?|ftp|www)(?=:|\\?\.)|(?=@)")


def escape_markdown(text: str) -> str:
    """text with every markdown character backslash-escaped: a page shows it as it is. Messages are
    rendered as markdown, so `?run=[Session expired](http://evil)` would otherwise be a link in the
    app's own warning box, and `![p](http://...)` an image the browser fetches."""
    return _AUTOLINK.sub(lambda m: (m.group(1) or "") + "\u200b", _MARKDOWN.sub(r"\\\1", text))


def shorten(value: object, limit: int = 40) -> str:
    """How a page echoes a value it was given (a URL parameter, a file's name, a paste): repr(value), its
    middle cut when it is long (a refused 1 MB paste must not come back as a 1 MB message), markdown
    escaped (it is shown as it is, never as a link or an image)."""
    text = value if isinstance(value, str) else repr(value)  # None stays None, a name 'name'
    if len(text) > limit:
        text = text[: limit - 10] + "…" + text[-9:]
    return escape_markdown(repr(text) if isinstance(value, str) else text)


def json_loads(text: str | bytes, what: str):
    """json.loads for an untrusted file; JSON nested deeper than Python's recursion limit (`[[[[...`
    from a hostile settings or weights file) is a ValueError naming `what` (an N_ text), not a
    RecursionError that would stop the page."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(Msg(N_("{what}: its JSON is nested too deeply to read; refused"), what=Msg(what))) from None


def size_text(n_bytes: int) -> str:
    """Bytes in MB with one decimal (what the learner's file manager shows), or in bytes when small."""
    return f"{n_bytes / MB:.1f} MB" if n_bytes >= MB // 10 else f"{n_bytes} B"


def upload_problem(field: str, name: str, size: int, max_mb: float, suffixes: tuple[str, ...]) -> Msg | None:
    """The message refusing an uploaded file by its name or size, or None when it may be read.
    field: the uploader's label; suffixes: the allowed endings (".csv")."""
    suffix = PurePath(name).suffix.lower()
    allowed = ", ".join(suffixes)
    if suffix in PICKLE_SUFFIXES and ".safetensors" in suffixes:
        return Msg(
            N_(
                "{field}: {name} is refused: a {suffix} file is a pickled checkpoint, and loading a pickle can run "
                "any code hidden in it. It is never opened. Upload weights as {allowed} (Export → Weights)."
            ),
            field=field,
            name=shorten(name),
            suffix=suffix,
            allowed=allowed,
        )
    if suffix not in suffixes:
        return Msg(
            N_("{field}: {name} is refused: allowed are {allowed} files"),
            field=field,
            name=shorten(name),
            allowed=allowed,
        )
    if size > max_mb * MB:
        return Msg(
            N_("{field}: {name} is {size}, too big: files up to {limit} MB are allowed"),
            field=field,
            name=shorten(name),
            size=size_text(size),
            limit=f"{max_mb:g}",
        )
    return None


def text_problem(field: str, text: str, max_chars: int) -> Msg | None:
    """The message refusing a text longer than max_chars, or None. An empty text is the task's to
    judge (some fields have a sensible default for it)."""
    if len(text) <= max_chars:
        return None
    return Msg(
        N_("{field}: {n} characters is too long: 1 to {limit} characters are allowed; nothing was changed"),
        field=field,
        n=f"{len(text):,}",
        limit=f"{max_chars:,}",
    )
