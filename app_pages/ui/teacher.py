"""Teacher links: a teacher picks which controls the class sees and which are locked, and gets a link.

The view (hidden controls, locked ones and their values) travels in the URL as a token signed with the
server's secret (`?view=<token>`, rnnplay/signing.py): a student cannot change it, and a link whose
token was edited is refused with a message. `hide` names configuration fields or page parts (PARTS); a
hidden field is not drawn and keeps the link's value. `lock` names fields drawn disabled at the link's
value (or the task's default). The first page that reads a token keeps the view in session_state
(`Classroom`) for the whole browser session, and app_pages/view_link.py puts the token back into the URL
on every page (Streamlit drops unbound parameters when the learner moves to another page), so a
reload or a new tab of any page keeps the view. A locked or hidden setting's value edited into the URL
(`?lr=0.5`) is refused by name and the teacher's value kept. The panel itself is always hidden in a
student view. A teacher also gets a short link (`?t=<ref>`, the link kept on the server) and its QR code.

Plain `?hide=`/`?lock=` lists (links made by hand) still open a student view: they can only take
controls away, and the page signs them into a token at once.

app_pages/ui/controls.py draws the settings through `classroom()`; the pages ask `hides(part)` before
drawing a part; the Gradient lab applies `fixed_values()` to every entry.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

import segno
import streamlit as st

from app_pages.i18n import lang, tr
from app_pages.ui.fields import LABELS, SECTIONS, TEXT_GONE, drop_url_param
from app_pages.ui.links import page_url, share_params
from app_pages.view_link import TOKEN_KEY, TOKEN_PARAM
from rnnplay import signing, texts, untrusted
from rnnplay.config import FIELDS, ConfigError, check_value, parse_params, relevant_fields
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
TEACHER_BOX = "teacher_box"  # the panel's expander: its contents are drawn only while it is open


@dataclass(frozen=True)
class Classroom:
    """What a teacher link fixed for this session: hidden names (fields and PARTS), locked fields, and
    the link's own configuration values (field -> value, only those the link names), and the lesson the
    class follows (an id of rnnplay.lessons.LESSONS, or None)."""

    hide: frozenset = frozenset()
    lock: frozenset = frozenset()
    link_values: dict = field(default_factory=dict)
    lesson: str | None = None

    def hidden(self, name: str) -> bool:
        return name in self.hide or ("more" in self.hide and name in SECTIONS["More"])

    def locked(self, name: str) -> bool:
        return name in self.lock and not self.hidden(name)

    def value(self, name: str, default):
        """A hidden or locked field's value: the link's, else the default of the task being shown."""
        return self.link_values.get(name, default)

    def fixed(self, name: str) -> bool:
        """Whether the teacher fixed this configuration field (hidden or locked): nothing may change it."""
        return name in FIELDS and (name in self.lock or self.hidden(name))


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


BAD_TOKEN = N_(
    "This teacher link was changed or damaged (view={token}) and is refused: ask your teacher for the "
    "link again. Nothing the link fixed was unlocked."
)
EDITED = N_("{name}={value} in the link is refused: your teacher fixed this setting — it stays at {fixed}")
LESSON_EDITED = N_("lesson={value} in the link is refused: your teacher chose the lesson “{title}”")
LESSON_IDS = {le.id: le for le in LESSONS}


def view_payload(room: Classroom) -> dict:
    """What a token holds: the lists and the fixed values (a long text by its reference: rnnplay.texts)."""
    values, refs = {}, {}
    for n, v in room.link_values.items():
        if isinstance(v, str) and len(v) > texts.URL_TEXT_MAX:
            refs[n] = texts.put(v)
        else:
            values[n] = v
    payload = {"v": 1, "h": sorted(room.hide), "l": sorted(room.lock), "x": values}
    if room.lesson:
        payload["s"] = room.lesson
    return {**payload, "r": refs} if refs else payload


def room_of(payload: dict) -> tuple[Classroom | None, list[str]]:
    """The view a verified token holds (None: not a view), and a warning for a text the server lost."""
    try:
        hide = frozenset(n for n in payload["h"] if n in SHAREABLE or n in PARTS)
        lock = frozenset(n for n in payload["l"] if n in SHAREABLE)
        values = {n: v for n, v in dict(payload.get("x", {})).items() if n in SHAREABLE}
        refs = dict(payload.get("r", {}))
        lesson = payload.get("s") if payload.get("s") in LESSON_IDS else None
    except (KeyError, TypeError, ValueError):
        return None, []
    warnings = []
    for n, ref in refs.items():
        text = texts.get(ref)
        if text is None:
            warnings.append(tr(TEXT_GONE, ref=untrusted.shorten(ref)))
        elif n in SHAREABLE:
            values[n] = text
    return Classroom(hide=hide, lock=lock, link_values=values, lesson=lesson), warnings


def view_token(room: Classroom) -> str:
    return signing.sign(view_payload(room))


def _keep(room: Classroom, token: str) -> Classroom:
    """Fix the view for this session and put its token into the URL (app_pages/view_link.py keeps it there)."""
    st.session_state[SESSION_KEY], st.session_state[TOKEN_KEY] = room, token
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return room


def classroom(page: str | None = None) -> tuple[Classroom, list[str]]:
    """This session's student view and the warnings about the current URL: a token that is not this
    server's (edited by hand) is refused; a locked or hidden setting's value in the URL is refused by
    name and dropped; the view's lesson is put back on its own page (`page`: "playground" or "gradients")
    when the URL lost it. The first valid view of a session fixes it; later URLs cannot change it. Call
    before any widget is drawn and before the URL's values are read."""
    kept: Classroom | None = st.session_state.get(SESSION_KEY)
    kept_token = st.session_state.get(TOKEN_KEY)
    params = st.query_params.to_dict()
    token, warnings = params.get(TOKEN_PARAM), []
    if token is not None and token != kept_token:
        room, warnings = room_of(signing.verify(token) or {})
        if room is None:
            warnings = [tr(BAD_TOKEN, token=untrusted.shorten(token, 30))]
            drop_url_param(TOKEN_PARAM)
        elif kept is None:
            kept, kept_token = _keep(room, token), token
    if ("hide" in params or "lock" in params) and kept is None:  # a plain list: it only takes controls away
        room, more = parse_view(params)
        warnings += more
        kept, kept_token = _keep(room, view_token(room)), st.session_state[TOKEN_KEY]
    for name in ("hide", "lock"):
        if name in params:
            drop_url_param(name)  # the token holds the view; a list edited later changes nothing
    room = kept or FREE
    if kept_token and st.query_params.get(TOKEN_PARAM) != kept_token:
        st.query_params[TOKEN_PARAM] = kept_token  # this session's view, whatever the URL says
    return room, warnings + _refuse_edits(room) + _keep_lesson(room, page)


LEFT_LESSON = "_lesson_left"  # set by the narrator's Free play: this session chose to leave the lesson


def _keep_lesson(room: Classroom, page: str | None) -> list[str]:
    """The view's lesson in the URL: another lesson written into it is refused by name; a URL without one
    (sidebar navigation drops the query) gets it back on the lesson's own page, unless this session
    pressed Free play (a reload starts a new session: the lesson is back)."""
    if room.lesson is None:
        return []
    lesson, current = LESSON_IDS[room.lesson], st.query_params.get("lesson")
    if current is not None and current != room.lesson:
        st.query_params["lesson"] = room.lesson
        return [tr(LESSON_EDITED, value=untrusted.shorten(current), title=tr(lesson.title))]
    if current is None and lesson.page == page and not st.session_state.get(LEFT_LESSON):
        st.query_params["lesson"] = room.lesson
    return []


def _refuse_edits(room: Classroom) -> list[str]:
    """A fixed setting's value in the URL (`?lr=0.5` under a lock on lr): refused by name unless it is
    the teacher's own value, and taken out of the URL (the token holds it)."""
    out = []
    for name, raw in st.query_params.to_dict().items():
        field_name = "text" if name == "text_ref" else name
        if not room.fixed(field_name):
            continue
        value = texts.get(raw) if name == "text_ref" else raw
        try:
            same = field_name in room.link_values and check_value(field_name, value) == room.link_values[field_name]
        except ConfigError:
            same = False
        if not same:
            fixed = room.link_values.get(field_name)
            shown = untrusted.shorten(fixed) if fixed is not None else tr("the task's default")
            out.append(tr(EDITED, name=name, value=untrusted.shorten(raw), fixed=shown))
            drop_url_param(name)
    return out


def fixed_values(room: Classroom, defaults) -> dict:
    """The fields the teacher fixed and their values (the link's, else defaults'): every surface that
    trains applies them (the Gradient lab's entries, an imported settings file)."""
    return {n: room.value(n, getattr(defaults, n)) for n in FIELDS if room.fixed(n)}


def hides(part: str) -> bool:
    """Whether this session's teacher link hides a page part (PARTS)."""
    return st.session_state.get(SESSION_KEY, FREE).hidden(part)


def teacher_query(
    config, hide=(), lock=(), lesson: str | None = None, language: str = "en", shared: dict | None = None
) -> dict[str, str]:
    """A teacher link's query parameters: the share link's (`shared`, by default the configuration's and
    the language), every hidden or locked field spelled out (so it keeps this value on another task too),
    the lesson, and the signed view (`view`: the lists and the fixed values; the panel itself is always
    hidden). Never a run id: each student trains anew."""
    relevant = set(relevant_fields(config.task))
    fixed = {n: getattr(config, n) for n in (*hide, *lock) if n in relevant and FIELDS[n].metadata["share"]}
    query = dict(share_params(config, language) if shared is None else shared)
    spelled = share_params(config.replace(**fixed), language) if "text" in fixed else {}
    for n, v in fixed.items():
        if n == "text":  # a long text by its reference, as in a share link
            query.pop("text", None)
            query.update({k: spelled[k] for k in ("text", "text_ref") if k in spelled})
        else:
            query[n] = str(v).lower() if isinstance(v, bool) else str(v)
    if lesson:
        query["lesson"] = lesson
    room = Classroom(
        hide=frozenset([*hide, "teacher"]),
        lock=frozenset(n for n in lock if n not in hide),
        link_values=fixed,
        lesson=lesson,
    )
    query[TOKEN_PARAM] = view_token(room)
    return query


def teacher_url(query: dict[str, str], page: str = "playground") -> str:
    return page_url(page, urlencode(query, safe=",:"))


def short_url(query: dict[str, str], page: str = "playground") -> str:
    """A short link for a slide: `/<page>?t=<ref>`, the whole link kept on the server (rnnplay.texts);
    app_pages/view_link.py opens it."""
    return page_url(page, f"t={texts.put(f'{page}?{urlencode(query)}')}")


@functools.lru_cache(maxsize=32)
def qr_png(url: str) -> bytes:
    """The link as a QR code (PNG, black on white, a quiet zone of 4 modules), for a slide."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


@functools.lru_cache(maxsize=32)
def qr_svg(url: str) -> bytes:
    """The same QR code as SVG. Both are cached by link: an open panel draws them at every page run (8 ms a code)."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=8, border=4, xmldecl=True)
    return buf.getvalue()


def panel(config, page: str = "playground", fields: list[str] | None = None, shared: dict | None = None) -> None:
    """The Teacher link expander: pick what the class sees and what is locked, get the link. `fields`: the
    page's own controls (by default the Playground's sidebar); `shared`: the page's share link parameters
    (by default the configuration's)."""
    relevant = relevant_fields(config.task)
    names = [n for n in (fields or [n for names in SECTIONS.values() for n in names]) if n in relevant]
    parts = [p for p in PARTS if p != "teacher" and (page == "playground" or p in GRADIENT_PARTS)]

    def label(name: str) -> str:
        return f"{tr(LABELS[name])} ({name})" if name in LABELS else tr(PARTS[name])

    box = st.expander(tr("Teacher link (for a class)"), icon=":material/school:", key=TEACHER_BOX, on_change="rerun")
    if not box.open:  # its widgets, links and QR code are built only when open (exchange.exchange_panel: why)
        return
    with box:
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
            key=_kept("teacher_hide", names + parts),
            placeholder=tr("Nothing hidden"),
        )
        lock = c[1].multiselect(
            tr("Lock (shown, not changeable)"),
            names,
            format_func=label,
            key=_kept("teacher_lock", names),
            placeholder=tr("Nothing locked"),
        )
        lessons = [le.id for le in LESSONS if le.page == page]
        current = st.query_params.get("lesson")
        lesson = st.selectbox(
            tr("Lesson narrative (optional)"),
            [None, *lessons],
            # the URL's lesson only for a choice not made yet (index 0 beside a kept value: no Session State warning)
            index=[None, *lessons].index(current) if current in lessons and "teacher_lesson" not in _shadow() else 0,
            format_func=lambda i: tr("none") if i is None else tr(next(le.title for le in LESSONS if le.id == i)),
            key=_kept("teacher_lesson", [None, *lessons]),
            help=tr("The lesson's sentences run over this configuration; open the lesson first for its settings."),
        )
        _shadow().update(teacher_hide=hide, teacher_lock=lock, teacher_lesson=lesson)
        query = teacher_query(config, hide, lock, lesson, lang(), shared)
        url, short = teacher_url(query, page), short_url(query, page)
        st.caption(tr("The student link (copy it with the button at its right):"))
        with st.container(key="teacher_link"):  # the key: a browser test reads the link by it
            st.code(url, language=None, wrap_lines=True)
        st.link_button(tr("Open the student view"), url, icon=":material/open_in_new:")
        st.caption(tr("The same view as a short link and a QR code, for a slide:"))
        c = st.columns([1, 2])
        c[0].image(qr_png(short), caption=tr("Scan to open the student view"), width=220)
        c[1].code(short, language=None)
        c[1].download_button(
            tr("QR code (SVG)"),
            lambda: qr_svg(short),
            "rnnplay_student_link.svg",
            "image/svg+xml",
            key="dl_teacher_qr",
            on_click="ignore",
            icon=":material/qr_code_2:",
        )


SHADOW_KEY = "_teacher_choices"  # the panel's choices while it is closed (its widgets are not drawn then)


def _shadow() -> dict:
    return st.session_state.setdefault(SHADOW_KEY, {})


def _kept(key: str, options: list) -> str:
    """A panel widget's key, its value restored from the shadow when the panel was closed and opened again
    (Streamlit forgets the value of a widget that a page run did not draw), less what `options` no longer
    offers (another task's settings, another page's lesson)."""
    kept = _shadow().get(key)
    if key in st.session_state or kept is None:
        return key
    if isinstance(kept, list):
        st.session_state[key] = [k for k in kept if k in options]
    elif kept in options:
        st.session_state[key] = kept
    return key
