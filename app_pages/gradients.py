"""Gradient lab (C2): 2–4 configurations race on the same task, data and seed; loss and gradient
through time overlaid, the V3 heatmaps side by side on one colour scale, V5, V7 and V2 per entry.

Everything is in the URL: ?race=<demo> (vanishing, exploding, bidirectional, copy) starts from a demo,
the shared settings are bound widgets, and e1..e4 hold each entry's differences from them
(e.g. e2=arch:lstm,lr:0.01). The race trains in one background thread (rnnplay.race); the buttons only
flip its state and a fragment redraws the charts from its snapshot."""

import os
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app_pages import narrator
from app_pages.i18n import lang, tr
from app_pages.ui import teacher
from app_pages.ui.controls import control, lang_warnings
from app_pages.ui.fields import visible
from app_pages.ui.links import page_url
from app_pages.ui.page_style import compact_top
from app_pages.ui.race_view import race_view
from app_pages.ui.run_bar import run_bar
from rnnplay import hosted
from rnnplay.config import ARCHS, FIELDS, ConfigError, make_config, parse_params
from rnnplay.i18n import N_
from rnnplay.race import (
    ENTRY_FIELDS,
    MAX_ENTRIES,
    MIN_ENTRIES,
    PRESETS,
    Race,
    entry_param,
    parse_entry,
)
from rnnplay.tasks import TASK_CLASSES
from rnnplay.untrusted import shorten

LIVE_EVERY_S = float(os.environ.get("RNNPLAY_LIVE_EVERY", "0.5"))  # as the Playground (see there)
DEFAULT_PRESET = "vanishing"
PRESET_BUTTONS = {
    "vanishing": (N_("Vanishing: RNN vs LSTM vs GRU"), ":material/trending_down:"),
    "exploding": (N_("Exploding: no clip vs clip"), ":material/bolt:"),
    "bidirectional": (N_("Bidirectional tagging"), ":material/swap_horiz:"),
    "copy": (N_("Copy: LSTM vs RNN"), ":material/content_copy:"),
}
SHARED = ("seq_len", "batch_size", "steps", "seed")  # besides the task and its own fields
ENTRY_KEYS = tuple(f"e{i}" for i in range(1, MAX_ENTRIES + 1))
# the entry editor's columns (hidden_size through clip); a new row starts from the shared settings
COLUMNS = ("arch", "nonlinearity", "hidden_size", "bidirectional", "init", "init_gain", "optimizer", "lr")
COLUMNS += ("clip_mode", "clip")

entries_button = compact_top(
    tr("Gradient lab"),
    tr(
        "Race 2–4 networks on the same data and seed and watch their gradients flow back through time. "
        "Pick a demo, or edit the entries below; the page's URL is a share link to exactly this race."
    ),
    aside=True,
)

# the URL -> the demo, the shared settings, the entries -----------------------------------------------
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
page_params = {"race", "lesson", *ENTRY_KEYS}
shared_params = {k: v for k, v in st.query_params.to_dict().items() if k not in page_params}
_, url_warnings = parse_params(shared_params, lang())
problems += url_warnings

box = st.sidebar
box.subheader(tr("Shared by every entry"))
room, room_warnings = teacher.classroom()  # S5: a teacher link's hidden and locked controls
problems += room_warnings + lang_warnings()
task = control("task", preset[0].task, box, room)
start = preset[0] if task == preset[0].task else make_config(task)  # what the widgets default to
values = {}
for name in [n for n, f in FIELDS.items() if f.metadata["tasks"] and task in f.metadata["tasks"]] + list(SHARED):
    if FIELDS[name].metadata["share"] and visible(name, {**start.to_dict(), **values}):
        values[name] = control(name, getattr(start, name), box, room)
# other fields in the link (hidden_size, lr, ...) set the entries' shared starting point, where valid
from_url, _ = parse_params({**shared_params, "task": task})
overlay = {n: getattr(from_url, n) for n in shared_params if n in FIELDS and n not in values and n != "task"}
try:
    base = start.replace(**overlay, **values)
except ConfigError as e:
    problems.append(tr("{error} — using the task's defaults", error=e.localized(lang())))
    base = start


def _demo_rows() -> list[dict]:
    """The demo's entries on the current shared settings (on another task: only its models)."""
    keep = ENTRY_FIELDS if task == preset[0].task else ("arch", "nonlinearity", "init", "init_gain", "optimizer")
    return [_row(base.replace(**{n: getattr(c, n) for n in keep})) for c in preset]


def _rows_from_url() -> list[dict]:
    """The entries as editor rows: e1..e4 from the URL, else the demo's."""
    texts = [st.query_params[k] for k in ENTRY_KEYS if k in st.query_params]
    if not texts:
        return _demo_rows()
    rows = []
    for i, text in enumerate(texts, start=1):
        c, warn = parse_entry(text, base, name=tr("entry {i} (e{i})", i=i), lang=lang())
        problems.extend(warn)
        rows.append(_row(c))
    return rows


def _row(config) -> dict:
    return {n: getattr(config, n) for n in COLUMNS}


source = (preset_id, task, tuple(st.query_params.get(k) for k in ENTRY_KEYS))
if st.session_state.get("_race_source") != source:  # first visit, a new link, or a new task
    n_problems = len(problems)
    st.session_state["_race_rows"] = _rows_from_url()
    st.session_state["_race_url_problems"] = problems[n_problems:]  # shown until the entries change
    st.session_state["_race_source"] = source
    st.session_state["_race_editor"] = st.session_state.get("_race_editor", 0) + 1
else:
    problems += st.session_state.get("_race_url_problems", [])


def _entry_configs(rows: list[dict]) -> tuple[list, list[str]]:
    """Rows -> configurations; a bad cell is named (entry, field, what is allowed) and takes the shared value."""
    configs, warnings = [], []
    allows_bidirectional = TASK_CLASSES[task].allows_bidirectional
    for i, row in enumerate(rows, start=1):
        c = base
        for n in COLUMNS:
            v = row.get(n)
            if v is None or (isinstance(v, float) and v != v) or (n == "bidirectional" and not allows_bidirectional):
                continue  # an empty cell (a new row) takes the shared setting
            try:
                c = c.replace(**{n: v})
            except ConfigError as e:
                warnings.append(
                    tr("entry {i}: {error} — using {value}", i=i, error=e.localized(lang()), value=repr(getattr(c, n)))
                )
        configs.append(c)
    if len(configs) > MAX_ENTRIES:
        warnings.append(
            tr("entries: {n} rows, at most {max} race — the first {max} do", n=len(configs), max=MAX_ENTRIES)
        )
        configs = configs[:MAX_ENTRIES]
    return configs, warnings


def _write_url(rows: list[dict]) -> None:
    """Keep e1..e4 in the URL (only when the entries differ from the demo's), so the link shares them."""
    configs, _ = _entry_configs(rows)
    texts = [] if [_row(c) for c in configs] == _demo_rows() else [entry_param(c, base) for c in configs]
    for i, k in enumerate(ENTRY_KEYS):
        if i < len(texts):
            st.query_params[k] = texts[i]
        elif k in st.query_params:
            del st.query_params[k]
    st.session_state["_race_source"] = (preset_id, task, tuple(st.query_params.get(k) for k in ENTRY_KEYS))


def _on_edit() -> None:
    """Apply the editor's changes to the stored rows and start a fresh editor over them (its deltas
    are then never applied twice); the URL follows."""
    delta = st.session_state.get(f"entries_{st.session_state['_race_editor']}") or {}
    rows = [dict(r) for r in st.session_state["_race_rows"]]
    for i, change in delta.get("edited_rows", {}).items():
        rows[int(i)].update(change)
    for i in sorted(delta.get("deleted_rows", []), reverse=True):
        del rows[i]
    for added in delta.get("added_rows", []):
        rows.append({**_row(base), **{k: v for k, v in added.items() if k in COLUMNS}})
    st.session_state["_race_rows"] = rows
    st.session_state["_race_editor"] += 1
    st.session_state["_race_url_problems"] = []
    _write_url(rows)


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
    st.session_state["_race_rows"] = [_row(c) for c in PRESETS[pid]]
    st.session_state["_race_url_problems"] = []
    st.session_state["_race_source"] = (pid, first.task, (None,) * MAX_ENTRIES)
    st.session_state["_race_editor"] += 1
    race = st.session_state.get("_race")
    if race is not None:
        race.reset(list(PRESETS[pid]))


# in a popover beside the heading: a race's charts fit one screen below it
entries_box = entries_button.popover(tr("Demos and entries"), icon=":material/table_rows:", width="stretch")
entries_box.markdown(tr("**Demos**"))
cols = entries_box.columns(len(PRESET_BUTTONS))
for col, (pid, (label, icon)) in zip(cols, PRESET_BUTTONS.items(), strict=True):
    col.button(tr(label), key=f"demo_{pid}", on_click=_load_preset, args=(pid,), icon=icon, width="stretch")

rows = st.session_state["_race_rows"]
shown = [c for c in COLUMNS if c != "bidirectional" or TASK_CLASSES[task].allows_bidirectional]
choice = {n: list(FIELDS[n].metadata["choices"]) for n in ("nonlinearity", "init", "optimizer", "clip_mode")}
entries_box.data_editor(
    pd.DataFrame(rows, columns=list(COLUMNS)),
    key=f"entries_{st.session_state['_race_editor']}",
    on_change=_on_edit,
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
configs, entry_warnings = _entry_configs(rows)
problems += entry_warnings
for p in problems:
    st.warning(tr("Share link: {problem}", problem=p), icon=":material/warning:")
can_race = len(configs) >= MIN_ENTRIES
# this server's caps (hosted): each entry is a model of its own; an entry over a cap keeps the race from starting
over_caps = [(i, p) for i, cfg in enumerate(configs, start=1) for p in hosted.check_caps(cfg, lang())]
for i, p in over_caps:
    st.error(tr("entry {i}: {problem}", i=i, problem=p), icon=":material/block:")
can_race = can_race and not over_caps
if not can_race and not over_caps:
    st.warning(
        tr("entries: {n} — a race needs {lo} to {hi}: add a row.", n=len(configs), lo=MIN_ENTRIES, hi=MAX_ENTRIES)
    )


# the session's race ---------------------------------------------------------------------------------
class RaceGuard:
    """Lives in a session-scoped resource: Streamlit releases it when the browser goes away."""

    def __init__(self):
        self.race: Race | None = None

    def release(self) -> None:
        if self.race is not None:
            self.race.detach()  # pause now and end the thread; Resume goes on from the same step (R3)


@st.cache_resource(scope="session", on_release=RaceGuard.release, show_spinner=False)
def _race_guard() -> RaceGuard:
    return RaceGuard()


race: Race | None = st.session_state.get("_race")
if race is None:
    race = Race(configs if can_race else list(PRESETS[DEFAULT_PRESET]))
    st.session_state["_race"] = race
elif can_race and race.configs != configs and race.state == "ready" and not any(race.snapshot()["steps"]):
    race.reset(configs)  # an untouched race follows the entries; a trained one waits for Reset
_race_guard().race = race
race.attach()
pending = can_race and race.configs != configs


def train_clicked() -> None:
    if race.state in ("done", "stopped") or (pending and race.state == "ready"):
        race.reset(configs)
    race.start()


def reset_clicked() -> None:
    race.reset(configs if can_race else None)


options = run_bar(
    race.state,
    on_train=train_clicked,
    on_pause=race.pause,
    on_stop=race.stop,
    on_step=race.step_one,
    on_reset=reset_clicked,
    busy_label=tr("Racing"),
    anew_states=("done", "stopped"),
    train_disabled=not can_race and race.state == "ready",
    widths=[1.2, 1, 1, 1.3, 1, 1.6],
)
with options.popover(tr("Chart options"), icon=":material/tune:"):
    st.toggle(tr("Log-scale loss"), key="race_loss_log")
if pending and race.state != "ready":
    st.info(tr("The entries changed since this race started: press **Reset** (or **Train anew**) to race them."))
charts, beside = st.columns([2.8, 1]) if narrator.active() else (st.container(), None)
if beside is not None:
    with beside:
        narrator.show(race, page="gradients")  # ?lesson=<id>: the narrated lesson's panel
with charts:
    race_view(race, LIVE_EVERY_S)

if not teacher.hides("howto"):  # S5: a teacher link may hide page parts
    with st.expander(tr("How to read these charts")):
        st.markdown(
            tr(
                "- **Loss**: each entry's training loss (solid) and validation loss (dotted); the dashed line is "
                "chance. An ✕ marks an entry whose loss or gradient became NaN/Inf.\n"
                "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t. A "
                "plain RNN's curve falls by orders of magnitude toward t = 1 (the gradient *vanished*); an LSTM's or "
                "GRU's stays high. A curve that *rises* toward t = 1 is an exploding gradient.\n"
                "- **Heatmaps**: the same curve at every probe (x = time step, y = training step), all on one colour "
                "scale, so dark means the same small gradient in every heatmap.\n"
                "- **Spectral radius ρ and largest singular value σ₁ of W_hh**: above 1 the recurrence can amplify, "
                "below 1 it shrinks what flows back through it. The singular values chart shows the whole spectrum.\n"
                "- **Gradient norm** per entry, before and after clipping, with the threshold; and **per parameter "
                "tensor**: which weights get the gradient."
            )
        )


def share_params() -> dict:
    """This race's link parameters: the demo, the shared settings that differ from it, the entries' e1..e4,
    the language."""
    params = {"race": preset_id, "task": task}
    shared = {**overlay, **values}
    params.update(
        {n: str(v).lower() if isinstance(v, bool) else v for n, v in shared.items() if v != getattr(start, n)}
    )
    params.update({k: st.query_params[k] for k in ENTRY_KEYS if k in st.query_params})
    if lang() != "en":  # S4: the link opens in the language it was shared in, as the Playground's does
        params["lang"] = lang()
    return params


def share_link() -> str:
    return page_url("gradients", urlencode(share_params(), safe=":,"))


if not teacher.hides("share"):
    with st.expander(tr("Share this race")):
        st.markdown(tr("Anyone who opens this link gets exactly these entries and settings:"))
        st.code(share_link(), language=None)
if not teacher.hides("teacher"):
    teacher.panel(base, page="gradients", fields=["task", *values], shared=share_params())
