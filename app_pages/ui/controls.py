"""The settings a page draws (the Playground's sidebar; the Gradient lab's shared ones): each field's widget
bound to the URL, or what a teacher link fixed for it, and every problem with the link named. Bad URL
parameters, values over this server's caps and refused texts or files are reported by name and replaced by
defaults; never an exception."""

from __future__ import annotations

import streamlit as st

from app_pages.i18n import lang, tr
from app_pages.ui import teacher
from app_pages.ui.fields import (
    LABELS,
    SECTIONS,
    UI_MAX,
    drop_bad_url_numbers,
    drop_url_param,
    seed_text_from_url,
    task_defaults,
    visible,
    widget,
)
from app_pages.ui.links import series_text
from rnnplay import cost, hosted, texts, untrusted
from rnnplay.config import (
    DEFAULT_TASK,
    FIELDS,
    MAX_TEXT_CHARS,
    ConfigError,
    RunConfig,
    make_config,
    parse_params,
    relevant_fields,
)
from rnnplay.i18n import LANGS, N_
from rnnplay.tasks import TASK_CLASSES, make_task

CAP_ENV = {"steps": "RNNPLAY_MAX_STEPS", "seq_len": "RNNPLAY_MAX_SEQ_LEN"}
MAX_UPLOAD_MB = untrusted.MAX_CSV_MB


def control(name: str, default, box, room: teacher.Classroom) -> object:
    """One field's value: its widget, or under a teacher link the link's value for a hidden field
    (no widget) or a locked one (a disabled widget that shows it)."""
    if not (room.hidden(name) or room.locked(name)):
        return widget(name, default, box)
    value = room.value(name, default)
    if isinstance(value, int) and not isinstance(value, bool) and name in UI_MAX:
        value = min(value, UI_MAX[name])  # the same cap as the widget's
    if room.locked(name):
        widget(name, value, box, locked=True)
        box.caption(f":material/lock: {tr('locked by your teacher')}")
    return value


def page_defaults(task: str) -> RunConfig:
    """The task's defaults as this page offers them: sentiment reads sentences in the page's language, so a
    中文 page trains on Chinese sentences and what a learner types in Chinese is known (?sentences= wins)."""
    defaults = make_config(task)
    return defaults.replace(sentences=lang()) if "sentences" in relevant_fields(task) else defaults


def lang_warnings() -> list[str]:
    """A bad ?lang= in the link, by name. app_pages/i18n.language_switch saw it before its bound switch
    dropped it from the URL; the first page that shows warnings says it, once."""
    bad = st.session_state.pop("_bad_lang", None)
    if bad is None:
        return []
    return [
        tr(
            "lang={value} is not allowed: one of {langs} — using {lang}",
            value=untrusted.shorten(bad),  # a 1 MB ?lang= is not echoed back whole
            langs=", ".join(LANGS),
            lang=lang(),
        )
    ]


def config_controls(container) -> tuple[RunConfig, list[str]]:
    """Draw the configuration widgets (bound to the URL) and return (config, problems).
    Bad URL parameters are reported by name and replaced by defaults; never an exception."""
    warnings = drop_bad_url_numbers(task_defaults(st.query_params.get("task")))  # before any widget reads one
    room, room_warnings = teacher.classroom("playground")  # the teacher's view; a fixed value in the URL is refused
    warnings += room_warnings + seed_text_from_url()  # ?text_ref=: a long text kept on the server
    _, more = parse_params(st.query_params.to_dict())
    warnings += [tr(w) for w in more]
    warnings += _over_ui_caps(st.query_params.to_dict())
    for name, value in st.session_state.pop("_put_back", {}).items():  # a refused text: see _refuse_text below
        st.session_state[name] = value
    warnings += lang_warnings()
    task_box = container.container()
    # the task widget's default is fixed, so ?task=... always stays in a share link
    values: dict = {"task": control("task", DEFAULT_TASK, task_box, room)}
    defaults = page_defaults(values["task"])
    base = defaults.to_dict()  # once: dataclasses.asdict per field was a fifth of a page run's CPU
    for section, names in SECTIONS.items():
        box = task_box if section == "Task" else None  # an expander only when it shows something
        for name in names:
            # dependencies (arch, num_layers, optimizer, clip_mode) are drawn before what they show
            if name != "task" and visible(name, {**base, **values}):
                if box is None and not room.hidden(name):
                    box = container.expander(tr(section), expanded=section != "More")
                values[name] = control(name, getattr(defaults, name), box, room)
    if "series" in relevant_fields(values["task"]):  # a task that reads a series (a CSV upload)
        values["series"] = _series_upload(task_box, warnings, TASK_CLASSES[values["task"]].read_series)
    try:
        config = defaults.replace(**{k: v for k, v in values.items() if k != "task"})
        if config.series:
            make_task(config)  # a series too short for seq_len is refused here, by name
    except ConfigError as e:
        if _refuse_text(e, values, defaults):
            st.rerun()  # the widget is put back before it is drawn again; nothing else changes
        warnings.append(tr("{error} — using the task's defaults", error=tr(e)))
        config = defaults
    else:
        st.session_state["_good_values"] = values
    # this server's caps (parameters, steps, T). Refused like a bad value (the task's defaults instead),
    # shown by the page as errors (cap_errors); if even the defaults are over, the page does not train them
    over, refused = [tr(p) for p in cost.check_caps(config)], []
    if over and config != defaults:
        refused = [tr("{error} — using the task's defaults", error=p) for p in over]
        config, over = defaults, [tr(p) for p in cost.check_caps(defaults)]
    st.session_state["_cap_errors"], st.session_state["_over_caps"] = refused + over, over
    return config, warnings


def cap_errors() -> list[str]:
    """config_controls' refusals for this server's caps, in this session's language (hosted)."""
    return st.session_state.get("_cap_errors", [])


def over_caps() -> bool:
    """Whether even the task's defaults are over this server's caps: the page does not train them (hosted)."""
    return bool(st.session_state.get("_over_caps"))


def _over_ui_caps(params: dict) -> list[str]:
    """A link's steps or T inside RunConfig's range but over this server's cap (UI_MAX). The bound
    widget drops such a value without a word, so it is named here; the field takes the task's default."""
    out = []
    for name, cap in UI_MAX.items():
        try:
            value = int(params[name])
        except (KeyError, ValueError):
            continue  # absent, or not an integer: parse_params names it
        if cap < value <= FIELDS[name].metadata["hi"]:
            error = tr(hosted.CAP_TEXT, field=name, value=value, cap=cap, env=CAP_ENV[name])
            out.append(tr("{error} — using the task's defaults", error=error))
    return out


def _refuse_text(e: ConfigError, values: dict, defaults: RunConfig) -> bool:
    """A free-text widget holds what RunConfig refuses (a 1 MB paste into the text to learn, a too
    long ?text= in a link). Only that widget goes back to its last good value (the task's default the
    first time), its message is shown under it, the other settings and the run stay as they are.
    True when a rerun is to do it."""
    name, f = e.field, FIELDS.get(e.field)
    if name not in values or f is None or not isinstance(f.default, str) or f.metadata["choices"]:
        return False
    good = st.session_state.get("_good_values") or {}
    keep = good[name] if good.get("task") == values["task"] and name in good else getattr(defaults, name)
    if values[name] == keep:
        return False
    too_long = untrusted.text_problem(tr(LABELS[name]), str(values[name]), MAX_TEXT_CHARS)
    message = tr(too_long if name == "text" and too_long else e)
    st.session_state[f"_refused_{name}"] = message
    st.session_state["_put_back"] = {name: keep}
    return True


SERIES_IN_PAGE = "_series_in_page"  # the series the page's last full run trained on; None inside that run


def _series_upload(container, warnings: list[str], read_series) -> tuple:
    """The learner's own series from a CSV file (one numeric column). A bad file gets a message
    naming what is wrong and the built-in sines stay; a good one is kept for this session. read_series: the
    task's reader of the file (Task.read_series).

    The uploader is a fragment: a file reruns only it, and the page only when the series it trains on
    changes. A refused file (a student picking a 20,000-column CSV again and again) costs a few
    milliseconds of this server instead of a whole page run, which holds Python's GIL for tens of
    milliseconds and so slows every other learner's training thread."""
    st.session_state[SERIES_IN_PAGE] = None
    with container:
        series = st.fragment(_series_box)(warnings, read_series)
    st.session_state[SERIES_IN_PAGE] = series
    return series


def _series_box(warnings: list[str], read_series) -> tuple:
    series = _series_read(warnings, read_series)
    in_page = st.session_state.get(SERIES_IN_PAGE)
    if in_page is not None and series != in_page:  # a rerun of this fragment alone, with another series
        st.rerun(scope="app")
    return series


def _series_read(warnings: list[str], read_series) -> tuple:
    up = st.file_uploader(
        tr("Your own series (CSV, one numeric column)"),
        type=["csv", "txt"],
        key="series_file",
        help=tr("Up to {mb} MB; a header row is fine. Without a file: the built-in noisy sines.", mb=MAX_UPLOAD_MB),
        max_upload_size=MAX_UPLOAD_MB,
    )
    if up is None:
        return _series_from_url(warnings, read_series)
    st.session_state[SERIES_UPLOADED] = True
    # name and size before a byte is parsed; the message stays under the uploader (not a share link's)
    field = tr("Your own series (CSV, one numeric column)")
    problem = untrusted.upload_problem(field, up.name, up.size, MAX_UPLOAD_MB, (".csv", ".txt"))
    if problem:
        st.error(tr(problem), icon=":material/block:")
        return ()
    try:
        series = read_series(up.getvalue())
    except (ConfigError, ValueError) as e:
        name = untrusted.shorten(up.name)
        error = tr(e)  # a ConfigError or a ValueError(Msg) in this session's language
        st.error(tr("CSV file {name}: {error} — using the built-in sines", name=name, error=error))
        return ()
    st.caption(tr("Using {n} values from {name}.", n=len(series), name=untrusted.escape_markdown(up.name[:80])))
    ref = texts.put(series_text(series))  # a share link, a reload and a new tab name the series by this
    if st.query_params.get("series_ref") != ref:
        st.query_params["series_ref"] = ref
    return series


SERIES_UPLOADED = "_series_uploaded"  # this session has had a file in the uploader
SERIES_GONE = N_(
    "series_ref={ref}: this server no longer has the series this link names (an uploaded series is kept on "
    "the server, not in the link, and the oldest are let go) — using the built-in sines; upload the file again"
)


def _series_from_url(warnings: list[str], read_series) -> tuple:
    """The series ?series_ref= names (an upload of this or another session, kept on the server). A file
    taken out of the uploader takes the series out of the URL too: the built-in sines again."""
    ref = st.query_params.get("series_ref")
    if ref is None:
        return ()
    text = texts.get(ref) if not st.session_state.get(SERIES_UPLOADED) else None
    if text is None:
        if not st.session_state.pop(SERIES_UPLOADED, False):
            warnings.append(tr(SERIES_GONE, ref=untrusted.shorten(ref)))
        drop_url_param("series_ref")
        return ()
    try:
        series = read_series(text)
    except (ConfigError, ValueError):  # texts holds only series this app wrote; a damaged file is gone too
        warnings.append(tr(SERIES_GONE, ref=untrusted.shorten(ref)))
        drop_url_param("series_ref")
        return ()
    st.caption(tr("Using {n} values of a series this link names.", n=len(series)))
    return series
