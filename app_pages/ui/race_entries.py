"""The Gradient lab's entries, all in the URL: ?race=<demo> (vanishing, exploding, bidirectional, copy)
picks the demo, the settings every entry shares are bound widgets in the sidebar, and e1..e4 hold each
entry's differences from them (e.g. e2=arch:lstm,lr:0.01). The entries are edited in a table (kept in
the session, written back to the URL) or loaded from a demo in one click; the race's share link is built
from the same parameters."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app_pages.i18n import lang, tr
from app_pages.ui import teacher
from app_pages.ui.controls import control, lang_warnings
from app_pages.ui.fields import drop_bad_url_numbers, seed_text_from_url, task_defaults, visible
from app_pages.ui.links import page_url
from app_pages.ui.page_style import Notices
from rnnplay import cost
from rnnplay.config import ARCHS, FIELDS, ConfigError, RunConfig, make_config, parse_params
from rnnplay.i18n import N_
from rnnplay.race import ENTRY_FIELDS, MAX_ENTRIES, MIN_ENTRIES, PRESET_BUTTONS, PRESETS, entry_param, parse_entry
from rnnplay.tasks import TASK_CLASSES
from rnnplay.untrusted import shorten

DEFAULT_PRESET = "vanishing"
LOCKED_CELL = N_("entry {i}: {name}={value} is refused: your teacher fixed this setting — it stays at {fixed}")
SHARED = ("seq_len", "batch_size", "steps", "seed")  # besides the task and its own fields
ENTRY_KEYS = tuple(f"e{i}" for i in range(1, MAX_ENTRIES + 1))
# the entry editor's columns (hidden_size through clip); a new row starts from the shared settings
COLUMNS = ("arch", "nonlinearity", "hidden_size", "bidirectional", "init", "init_gain", "optimizer", "lr")
COLUMNS += ("clip_mode", "clip")


@dataclass(frozen=True)
class RaceSetup:
    """What the URL and the sidebar say before the entries: the demo, the task, what the widgets default
    to (start), the shared settings the widgets hold (values), the link's other valid fields (overlay),
    and the configuration every entry starts from (base)."""

    preset_id: str
    preset: list[RunConfig]
    task: str
    start: RunConfig
    values: dict
    overlay: dict
    base: RunConfig


# the URL -> the demo and the shared settings ----------------------------------------------------------
def shared_settings(box) -> tuple[RaceSetup, list[str]]:
    """The demo from ?race= and the settings every entry shares, drawn in `box` (the sidebar), with the
    problems found in the link (bad values by name; a teacher link's hidden and locked controls)."""
    problems: list[str] = []
    preset_id = st.query_params.get("race", DEFAULT_PRESET)
    if preset_id not in PRESETS:
        problems.append(
            tr(
                "race={value} is not allowed: one of {choices} — using {default}",
                value=shorten(preset_id),  # never a whole 1 MB parameter echoed back
                choices=", ".join(PRESETS),
                default=DEFAULT_PRESET,
            )
        )
        preset_id = DEFAULT_PRESET
    preset = PRESETS[preset_id]
    url_task = st.query_params.get("task", preset[0].task)
    problems += drop_bad_url_numbers(preset[0] if url_task == preset[0].task else task_defaults(url_task))
    room, room_warnings = teacher.classroom("gradients")  # the teacher's view; a fixed value in the URL is refused
    problems += room_warnings + seed_text_from_url()  # ?text_ref=: a long text kept on the server
    page_params = {"race", "lesson", *ENTRY_KEYS}
    shared_params = {k: v for k, v in st.query_params.to_dict().items() if k not in page_params}
    _, url_warnings = parse_params(shared_params)
    problems += [tr(w) for w in url_warnings]

    box.subheader(tr("Shared by every entry"))
    problems += lang_warnings()
    task = control("task", preset[0].task, box, room)
    start = preset[0] if task == preset[0].task else make_config(task)  # what the widgets default to
    values = {}
    for name in [n for n, f in FIELDS.items() if f.metadata["tasks"] and task in f.metadata["tasks"]] + list(SHARED):
        if FIELDS[name].metadata["share"] and visible(name, {**start.to_dict(), **values}):
            values[name] = control(name, getattr(start, name), box, room)
    # other fields in the link (hidden_size, lr, ...) set the entries' shared starting point, where valid
    from_url, _ = parse_params({**shared_params, "task": task})
    overlay = {n: getattr(from_url, n) for n in shared_params if n in FIELDS and n not in values and n != "task"}
    # what the teacher fixed (architecture, size, learning rate, ...) holds for every entry: see entry_configs
    overlay.update({n: v for n, v in teacher.fixed_values(room, start).items() if n not in values and n != "task"})
    try:
        base = start.replace(**overlay, **values)
    except ConfigError as e:
        problems.append(tr("{error} — using the task's defaults", error=tr(e)))
        base = start
    st.session_state["_race_base"] = base  # what a demo loaded from a button starts from (locked_demo)
    return RaceSetup(preset_id, preset, task, start, values, overlay, base), problems


# the entries: rows kept in the session, from the URL or a demo ----------------------------------------
def _row(config: RunConfig) -> dict:
    return {n: getattr(config, n) for n in COLUMNS}


def _demo_rows(setup: RaceSetup) -> list[dict]:
    """The demo's entries on the current shared settings (on another task: only its models)."""
    same_task = setup.task == setup.preset[0].task
    keep = ENTRY_FIELDS if same_task else ("arch", "nonlinearity", "init", "init_gain", "optimizer")
    keep = [n for n in keep if n not in _locked_columns()]  # the teacher's values hold
    return [_row(setup.base.replace(**{n: getattr(c, n) for n in keep})) for c in setup.preset]


def _rows_from_url(setup: RaceSetup, problems: list[str]) -> list[dict]:
    """The entries as editor rows: e1..e4 from the URL, else the demo's."""
    texts = [st.query_params[k] for k in ENTRY_KEYS if k in st.query_params]
    if not texts:
        return _demo_rows(setup)
    rows = []
    for i, text in enumerate(texts, start=1):
        c, warn = parse_entry(text, setup.base, name=tr("entry {i} (e{i})", i=i))
        problems.extend(tr(w) for w in warn)
        rows.append(_row(c))
    return rows


def _source(preset_id: str, task: str) -> tuple:
    """What the stored rows were made from: the demo, the task and the URL's e1..e4."""
    return (preset_id, task, tuple(st.query_params.get(k) for k in ENTRY_KEYS))


def entry_rows(setup: RaceSetup) -> list[str]:
    """Keep the session's rows (session_state["_race_rows"]) in step with the link: read anew on the
    first visit, a new link or a new task. Returns the link's problems with the entries, shown until
    the entries are edited."""
    source = _source(setup.preset_id, setup.task)
    if st.session_state.get("_race_source") == source:
        return st.session_state.get("_race_url_problems", [])
    problems: list[str] = []
    st.session_state["_race_rows"] = _rows_from_url(setup, problems)
    st.session_state["_race_url_problems"] = problems  # shown until the entries change
    st.session_state["_race_source"] = source
    st.session_state["_race_editor"] = st.session_state.get("_race_editor", 0) + 1
    return problems


def _locked_columns() -> list[str]:
    """The entry columns a teacher's view fixes: every entry takes the shared (the teacher's) value."""
    room = st.session_state.get(teacher.SESSION_KEY, teacher.FREE)
    return [n for n in COLUMNS if room.fixed(n)]


def locked_demo(configs: list[RunConfig]) -> list[RunConfig]:
    """A demo's entries under the teacher's view: the fixed columns take the shared settings' values."""
    base = st.session_state.get("_race_base")
    locked = {n: getattr(base, n) for n in _locked_columns()} if base is not None else {}
    return [c.replace(**locked) for c in configs] if locked else list(configs)


def entry_configs(rows: list[dict], setup: RaceSetup) -> tuple[list[RunConfig], list[str]]:
    """Rows -> configurations; a bad cell is named (entry, field, what is allowed) and takes the shared value,
    and so does a cell a teacher's view fixed (named too when it differs)."""
    configs, warnings = [], []
    allows_bidirectional = TASK_CLASSES[setup.task].allows_bidirectional
    locked = _locked_columns()
    for i, row in enumerate(rows, start=1):
        c = setup.base
        for n in COLUMNS:
            v = row.get(n)
            if v is None or (isinstance(v, float) and v != v) or (n == "bidirectional" and not allows_bidirectional):
                continue  # an empty cell (a new row) takes the shared setting
            if n in locked:
                if v != getattr(c, n):
                    warnings.append(tr(LOCKED_CELL, i=i, name=n, value=shorten(v), fixed=shorten(getattr(c, n))))
                continue
            try:
                c = c.replace(**{n: v})
            except ConfigError as e:
                warnings.append(tr("entry {i}: {error} — using {value}", i=i, error=tr(e), value=repr(getattr(c, n))))
        configs.append(c)
    if len(configs) > MAX_ENTRIES:
        warnings.append(
            tr("entries: {n} rows, at most {max} race — the first {max} do", n=len(configs), max=MAX_ENTRIES)
        )
        configs = configs[:MAX_ENTRIES]
    return configs, warnings


def _write_url(rows: list[dict], setup: RaceSetup) -> None:
    """Keep e1..e4 in the URL (only when the entries differ from the demo's), so the link shares them."""
    configs, _ = entry_configs(rows, setup)
    same = [_row(c) for c in configs] == _demo_rows(setup)
    texts = [] if same else [entry_param(c, setup.base) for c in configs]
    for i, k in enumerate(ENTRY_KEYS):
        if i < len(texts):
            st.query_params[k] = texts[i]
        elif k in st.query_params:
            del st.query_params[k]
    st.session_state["_race_source"] = _source(setup.preset_id, setup.task)


def _on_edit(setup: RaceSetup) -> None:
    """Apply the editor's changes to the stored rows and start a fresh editor over them (its deltas
    are then never applied twice); the URL follows."""
    delta = st.session_state.get(f"entries_{st.session_state['_race_editor']}") or {}
    rows = [dict(r) for r in st.session_state["_race_rows"]]
    for i, change in delta.get("edited_rows", {}).items():
        rows[int(i)].update(change)
    for i in sorted(delta.get("deleted_rows", []), reverse=True):
        del rows[i]
    for added in delta.get("added_rows", []):
        rows.append({**_row(setup.base), **{k: v for k, v in added.items() if k in COLUMNS}})
    st.session_state["_race_rows"] = rows
    st.session_state["_race_editor"] += 1
    st.session_state["_race_url_problems"] = []
    _write_url(rows, setup)


def _load_preset(pid: str) -> None:
    """A demo in one click: its shared settings, its entries, a fresh race."""
    first = PRESETS[pid][0]
    st.query_params["race"] = pid
    for k in ENTRY_KEYS:
        if k in st.query_params:
            del st.query_params[k]
    for name in ("task", *SHARED, *(n for n, f in FIELDS.items() if f.metadata["tasks"])):
        if FIELDS[name].metadata["share"]:
            st.session_state[name] = getattr(first, name)
    demo = locked_demo(PRESETS[pid])
    st.session_state["_race_rows"] = [_row(c) for c in demo]
    st.session_state["_race_url_problems"] = []
    st.session_state["_race_source"] = (pid, first.task, (None,) * MAX_ENTRIES)
    st.session_state["_race_editor"] += 1
    race = st.session_state.get("_race")
    if race is not None:
        race.reset(demo)  # at once (a Step may follow before the page is drawn again)


# the demos and the entries editor --------------------------------------------------------------------
def entries_editor(box, setup: RaceSetup) -> None:
    """The demo buttons and the table of entries (one row an entry, its cells the entry's settings), in `box`."""
    box.markdown(tr("**Demos**"))
    cols = box.columns(len(PRESET_BUTTONS))
    for col, (pid, (label, icon)) in zip(cols, PRESET_BUTTONS.items(), strict=True):
        col.button(tr(label), key=f"demo_{pid}", on_click=_load_preset, args=(pid,), icon=icon, width="stretch")

    rows = st.session_state["_race_rows"]
    shown = [c for c in COLUMNS if c != "bidirectional" or TASK_CLASSES[setup.task].allows_bidirectional]
    choice = {n: list(FIELDS[n].metadata["choices"]) for n in ("nonlinearity", "init", "optimizer", "clip_mode")}
    locked = _locked_columns()
    if locked:
        box.caption(tr("Locked by your teacher for every entry: {names}", names=", ".join(locked)))
    box.data_editor(
        pd.DataFrame(rows, columns=list(COLUMNS)),
        disabled=locked,
        key=f"entries_{st.session_state['_race_editor']}",
        on_change=functools.partial(_on_edit, setup),
        num_rows="dynamic",
        hide_index=True,
        column_order=shown,
        column_config={
            "arch": st.column_config.SelectboxColumn(tr("Architecture"), options=list(ARCHS), required=True),
            "nonlinearity": st.column_config.SelectboxColumn(tr("Activation (RNN)"), options=choice["nonlinearity"]),
            "hidden_size": st.column_config.NumberColumn(tr("Hidden size"), min_value=1, max_value=1024, step=1),
            "bidirectional": st.column_config.CheckboxColumn(tr("Bidirectional")),
            "init": st.column_config.SelectboxColumn(tr("Initialisation"), options=choice["init"]),
            "init_gain": st.column_config.NumberColumn(tr("Init gain"), min_value=0.01, max_value=10.0, step=0.05),
            "optimizer": st.column_config.SelectboxColumn(tr("Optimizer"), options=choice["optimizer"]),
            "lr": st.column_config.NumberColumn(
                tr("Learning rate"), min_value=1e-6, max_value=10.0, step=1e-4, format="%g"
            ),
            "clip_mode": st.column_config.SelectboxColumn(tr("Clipping"), options=choice["clip_mode"]),
            "clip": st.column_config.NumberColumn(tr("Clip threshold"), min_value=1e-3, max_value=1e4, step=0.5),
        },
    )


def checked_entries(setup: RaceSetup, problems: list[str], notices: Notices) -> tuple[list[RunConfig], bool]:
    """The entries' configurations and whether they can race. Shows (in notices) the link's problems and
    the entries' bad cells as warnings, an entry over this server's caps (hosted) as an error, and what a
    race needs when there are too few entries."""
    configs, entry_warnings = entry_configs(st.session_state["_race_rows"], setup)
    for p in problems + entry_warnings:
        notices.warning(tr("Share link: {problem}", problem=p))
    can_race = len(configs) >= MIN_ENTRIES
    # this server's caps (hosted): each entry is a model of its own; an entry over a cap keeps the race from starting
    over_caps = [(i, p) for i, cfg in enumerate(configs, start=1) for p in cost.check_caps(cfg)]
    for i, p in over_caps:
        notices.error(tr("entry {i}: {problem}", i=i, problem=p))
    over_budget = [] if over_caps else [tr(p) for p in cost.check_race(configs)]  # all entries are held at once
    for p in over_budget:
        notices.error(p)
    over_caps = over_caps or over_budget
    can_race = can_race and not over_caps
    if not can_race and not over_caps:
        notices.warning(
            tr("entries: {n} — a race needs {lo} to {hi}: add a row.", n=len(configs), lo=MIN_ENTRIES, hi=MAX_ENTRIES),
            icon=None,
        )
    return configs, can_race


# the race's share link --------------------------------------------------------------------------------
def share_params(setup: RaceSetup) -> dict:
    """This race's link parameters: the demo, the shared settings that differ from it, the entries' e1..e4,
    the language."""
    params = {"race": setup.preset_id, "task": setup.task}
    shared = {**setup.overlay, **setup.values}
    params.update(
        {n: str(v).lower() if isinstance(v, bool) else v for n, v in shared.items() if v != getattr(setup.start, n)}
    )
    params.update({k: st.query_params[k] for k in ENTRY_KEYS if k in st.query_params})
    if lang() != "en":  # the link opens in the language it was shared in, as the Playground's does
        params["lang"] = lang()
    return params


def share_link(setup: RaceSetup) -> str:
    return page_url("gradients", urlencode(share_params(setup), safe=":,"))
