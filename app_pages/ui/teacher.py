"""Teacher links: a teacher picks which controls the class sees and which are locked, and gets a link.

The link is a share link (the configuration, the language, optionally a lesson) plus two lists:
`?hide=seed,share&lock=lr,arch`. `hide` names configuration fields or page parts (PARTS); a hidden field
is not drawn and keeps the link's value. `lock` names fields drawn disabled, their value the link's (or
the task's default). Neither is bound to a widget: Streamlit clears query parameters when the learner
moves to another page, so the first page that sees them stores them in session_state (`Classroom`), and
the student view lasts for the whole browser session. The panel itself is always hidden in a student
view (the link's `hide` includes "teacher").

app_pages/ui/controls.py draws the settings through `classroom()`; the pages ask `hides(part)` before
drawing a part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from app_pages.i18n import lang, tr
from app_pages.ui.fields import LABELS, SECTIONS
from app_pages.ui.links import page_url, share_params
from rnnplay import untrusted
from rnnplay.config import FIELDS, parse_params, relevant_fields
from rnnplay.i18n import N_
from rnnplay.lessons import LESSONS

# parts of a page worth hiding from a class (besides configuration fields), by the name used in ?hide=
PARTS = {
    "teacher": N_("the Teacher link panel"),
    "more": N_("the “More” settings (implementation, initialisation, seed, device)"),
    "share": N_("the share link"),
    "export": N_("export / import"),
    "howto": N_("“How to read these charts”"),
    "try_it": N_("Try it"),
}
GRADIENT_PARTS = ("share", "howto")  # the parts the Gradient lab has
SHAREABLE = tuple(n for n, f in FIELDS.items() if f.metadata["share"])
SESSION_KEY = "_classroom"


@dataclass(frozen=True)
class Classroom:
    """What a teacher link fixed for this session: hidden names (fields and PARTS), locked fields, and
    the link's own configuration values (field -> value, only those the link names)."""

    hide: frozenset = frozenset()
    lock: frozenset = frozenset()
    link_values: dict = field(default_factory=dict)

    def hidden(self, name: str) -> bool:
        return name in self.hide or ("more" in self.hide and name in SECTIONS["More"])

    def locked(self, name: str) -> bool:
        return name in self.lock and not self.hidden(name)

    def value(self, name: str, default):
        """A hidden or locked field's value: the link's, else the default of the task being shown."""
        return self.link_values.get(name, default)


FREE = Classroom()  # no teacher link: everything shown, nothing locked


def _names(raw: str | None) -> list[str]:
    return [n.strip() for n in (raw or "").split(",") if n.strip()]


def parse_view(params: dict[str, str]) -> tuple[Classroom, list[str]]:
    """?hide= and ?lock= -> (Classroom, warnings). An unknown name is dropped with a warning that names
    it and what is allowed; the link's configuration values are kept for the fields it fixes."""
    warnings: list[str] = []
    hide, lock = _names(params.get("hide")), _names(params.get("lock"))
    unknown_hide = [n for n in hide if n not in SHAREABLE and n not in PARTS]
    unknown_lock = [n for n in lock if n not in SHAREABLE]
    if unknown_hide:
        warnings.append(
            tr(
                "hide: unknown control(s) {names} ignored — allowed: a setting's name (e.g. lr, seed) or {parts}",
                names=untrusted.shorten(", ".join(unknown_hide), 80),  # never a 1 MB list echoed whole
                parts=", ".join(PARTS),
            )
        )
    if unknown_lock:
        warnings.append(
            tr(
                "lock: unknown setting(s) {names} ignored — allowed: a setting's name, e.g. {examples}",
                names=untrusted.shorten(", ".join(unknown_lock), 80),
                examples="task, arch, hidden_size, lr",
            )
        )
    link, _ = parse_params(params)  # a bad value was already reported, by name, by the page's own check
    values = {n: getattr(link, n) for n in params if n in SHAREABLE}
    room = Classroom(
        hide=frozenset(n for n in hide if n not in unknown_hide),
        lock=frozenset(n for n in lock if n not in unknown_lock),
        link_values=values,
    )
    return room, warnings


def classroom() -> tuple[Classroom, list[str]]:
    """This session's student view and the warnings about the current URL's hide/lock. The first run
    whose URL has ?hide= or ?lock= fixes the view for the session; later URLs cannot change it (a page
    switch drops the parameters, and a locked value must not be changed from the page)."""
    params = st.query_params.to_dict()
    if "hide" not in params and "lock" not in params:
        return st.session_state.get(SESSION_KEY, FREE), []
    room, warnings = parse_view(params)
    return st.session_state.setdefault(SESSION_KEY, room), warnings


def hides(part: str) -> bool:
    """Whether this session's teacher link hides a page part (PARTS)."""
    return st.session_state.get(SESSION_KEY, FREE).hidden(part)


def teacher_query(
    config, hide=(), lock=(), lesson: str | None = None, language: str = "en", shared: dict | None = None
) -> dict[str, str]:
    """A teacher link's query parameters: the share link's (`shared`, by default the configuration's and
    the language), every hidden or locked field spelled out (so it keeps this value on another task too),
    the lesson, and the lists; the panel itself is always hidden. Never a run id: each student trains anew."""
    relevant = set(relevant_fields(config.task))
    fixed = {n: getattr(config, n) for n in (*hide, *lock) if n in relevant and FIELDS[n].metadata["share"]}
    query = {
        **(share_params(config, language) if shared is None else shared),
        **{n: str(v).lower() if isinstance(v, bool) else str(v) for n, v in fixed.items()},
    }
    if lesson:
        query["lesson"] = lesson
    query["hide"] = ",".join(dict.fromkeys([*hide, "teacher"]))
    lock = [n for n in lock if n not in hide]
    if lock:
        query["lock"] = ",".join(lock)
    return query


def teacher_url(query: dict[str, str], page: str = "playground") -> str:
    return page_url(page, urlencode(query, safe=",:"))


def panel(config, page: str = "playground", fields: list[str] | None = None, shared: dict | None = None) -> None:
    """The Teacher link expander: pick what the class sees and what is locked, get the link. `fields`: the
    page's own controls (by default the Playground's sidebar); `shared`: the page's share link parameters
    (by default the configuration's)."""
    relevant = relevant_fields(config.task)
    names = [n for n in (fields or [n for names in SECTIONS.values() for n in names]) if n in relevant]
    parts = [p for p in PARTS if p != "teacher" and (page == "playground" or p in GRADIENT_PARTS)]

    def label(name: str) -> str:
        return f"{tr(LABELS[name])} ({name})" if name in LABELS else tr(PARTS[name])

    with st.expander(tr("Teacher link (for a class)"), icon=":material/school:"):
        st.markdown(
            tr(
                "Choose what your class sees. Hidden controls keep this page's values; locked ones are shown "
                "but cannot be changed. The link opens exactly this configuration, in this language."
            )
        )
        c = st.columns(2)
        hide = c[0].multiselect(
            tr("Hide from the class"),
            names + parts,
            format_func=label,
            key="teacher_hide",
            placeholder=tr("Nothing hidden"),
        )
        lock = c[1].multiselect(
            tr("Lock (shown, not changeable)"),
            names,
            format_func=label,
            key="teacher_lock",
            placeholder=tr("Nothing locked"),
        )
        lessons = [le.id for le in LESSONS if le.page == page]
        current = st.query_params.get("lesson")
        lesson = st.selectbox(
            tr("Lesson narrative (optional)"),
            [None, *lessons],
            index=[None, *lessons].index(current) if current in lessons else 0,
            format_func=lambda i: tr("none") if i is None else tr(next(le.title for le in LESSONS if le.id == i)),
            key="teacher_lesson",
            help=tr("The lesson's sentences run over this configuration; open the lesson first for its settings."),
        )
        url = teacher_url(teacher_query(config, hide, lock, lesson, lang(), shared), page)
        st.caption(tr("The student link (copy it with the button at its right):"))
        with st.container(key="teacher_link"):  # the key: a browser test reads the link by it
            st.code(url, language=None, wrap_lines=True)
        st.link_button(tr("Open the student view"), url, icon=":material/open_in_new:")
