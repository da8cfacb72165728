"""The Class page in a browser tab (issue 23): its address (``class=CODE``, and ``key=KEY``
in the lecturer's own), the lecturer's actions on the store, the assignment's form, a
student's join, and the banner a seated student sees on Explore and Compare.

The lecturer's key lives in the lecturer's address and in this tab's Class page state, and
nowhere else: it is never drawn on the page, and a student's tab never holds one. A
student's seat lives in the tab (ui/session.Tab.seat; ui/class_seat.py).
"""

from __future__ import annotations

import re

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from classroom import codes
from classroom.assignment import DEFAULT_STEPS, MAX_STEPS, MIN_STEPS, Assignment
from classroom.outbox import Outbox
from classroom.store import ClassError, RateLimited, StoreUnavailable
from core.config import MAX_SEED
from serving import classes
from ui import query, session, view
from ui.catalogue import LESSONS
from ui.class_presenter import ClassPresenter
from ui.class_seat import PAGE_WAIT_S, Seat

PREFIX = "cls_"
PAGE = session.PageSession("class", PREFIX, query.class_link, query.class_query)
BANNER_REFRESH_S = 1.0  # while a post waits or is on its way, the banner says how it goes
DOWN = ("The class cannot be reached just now (its database is unavailable): try again in a "
        "moment. The app works on its own meanwhile.")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def plain(text: str) -> str:
    """``text`` shown as it is, not as markdown (a link's code may be anything)."""
    return _MARKDOWN.sub(r"\\\1", text)


def store():
    return classes.store()


# ---------------------------------------------------------------- the page's visit


def _load(visit: session.Visit, link: query.ClassLink, errors: list) -> dict:
    visit.own["link"] = link
    visit.own["arrived"] = True  # a link was opened: a student's join goes on from it
    if link.lecturer:
        if visit.presenter is None or (visit.presenter.code, visit.presenter.key) != (
                link.code, link.key):
            visit.presenter = ClassPresenter(link.code, link.key)
    elif visit.presenter is None or visit.presenter.code is not None:
        visit.presenter = ClassPresenter()
    return {}


def enter() -> session.Visit:
    """The tab's Class page state: ``own["link"]`` (a query.ClassLink), the dashboard's
    presenter, the messages about the link."""
    return PAGE.enter(_load)


def link(visit: session.Visit) -> query.ClassLink:
    return visit.own.get("link") or query.ClassLink()


def arrived(visit: session.Visit) -> bool:
    """Whether this run opened a link (once per link)."""
    return visit.own.pop("arrived", False)


def leave(visit: session.Visit) -> None:
    PAGE.leave(visit, link(visit))


def notice(visit: session.Visit, kind: str, message: str) -> None:
    """A message for the next run of the page (after a button)."""
    visit.own["notice"] = (kind, message)


def notices(visit: session.Visit) -> None:
    kind, message = visit.own.pop("notice", (None, None))
    if kind:
        getattr(st, kind)(message)


def _lecture(visit: session.Visit, code: str | None, key: str | None) -> None:
    visit.own["link"] = query.ClassLink(code, key, key is not None)
    visit.presenter = ClassPresenter(code, key)
    visit.presenter.pace = session.tab().pace


# ---------------------------------------------------------------- the lecturer


def start(visit: session.Visit, assignment: Assignment) -> None:
    """"Start a class": a new class in the store; the lecturer's address then names it and
    its key (written at the end of the page's run)."""
    try:
        new = store().create_class(assignment)
    except StoreUnavailable:
        return notice(visit, "error", DOWN)
    _lecture(visit, new.code, new.key)
    notice(visit, "success", f"Class {codes.shown(new.code)} started: show the students its "
           "join link or QR code.")


def _as_lecturer(visit: session.Visit, action: str, *args):
    """``Store.<action>(code, key, *args)`` for the visit's class: (True, its answer), or
    (False, None) with the reason left as the page's notice (database down, class gone)."""
    p = visit.presenter
    try:
        return True, getattr(store(), action)(p.code, p.key, *args)
    except StoreUnavailable:
        notice(visit, "error", DOWN)
    except ClassError as err:
        notice(visit, "error", str(err))
    return False, None


def set_assignment(visit: session.Visit, assignment: Assignment) -> None:
    done, number = _as_lecturer(visit, "set_assignment", assignment)
    if not done:
        return
    notice(visit, "success", f"Assignment {number} set: {assignment.label}. Students who join "
           "from now on get it; those already in open it from their Class page (their "
           "results of the earlier one are kept in the store, not shown here).")


def close(visit: session.Visit) -> None:
    p = visit.presenter
    if not _as_lecturer(visit, "close")[0]:
        return
    notice(visit, "info", f"Class {p.shown_code} is closed: it takes no more students or "
           "results. Its results stay here until you delete it (or for a day).")


def delete(visit: session.Visit) -> None:
    p = visit.presenter
    if not _as_lecturer(visit, "delete")[0]:
        return
    shown = p.shown_code
    _lecture(visit, None, None)
    notice(visit, "success", f"Class {shown} and every result of it are deleted.")


def base_url() -> str:
    """The app's address as the browser sees it (behind a proxy too)."""
    url = (st.context.url or "http://localhost:8501").split("?")[0].rstrip("/")
    return url.removesuffix("/class")


def join_link(code: str) -> str:
    return codes.join_link(base_url(), code)


# ---------------------------------------------------------------- the assignment's form

SOURCES = {"lesson": "a lesson", "explore": "the network now in Explore",
           "compare": "the comparison now in Compare"}
SEEDINGS = {"each": "each student draws their own initial-weight seed",
            "shared": "one seed for all"}


def _presenter(page: str):
    visit = session.tab().pages.get(page)
    return getattr(visit, "presenter", None)


def assignment_form() -> tuple[Assignment | None, str | None]:
    """The assignment's widgets; returns (the assignment they describe, None) or (None,
    what is wrong)."""
    k = PREFIX + "a_"
    st.session_state.setdefault(k + "source", "lesson")
    st.session_state.setdefault(k + "steps", DEFAULT_STEPS)
    st.session_state.setdefault(k + "seeding", "each")
    source = st.radio("What the students run", list(SOURCES), format_func=SOURCES.get,
                      key=k + "source", horizontal=True)
    kw: dict = {}
    lesson = None
    if source == "lesson":
        if not len(LESSONS):
            return None, "This server has no lessons."
        st.session_state.setdefault(k + "lesson", LESSONS.keys()[0])
        if st.session_state[k + "lesson"] not in LESSONS:
            st.session_state[k + "lesson"] = LESSONS.keys()[0]
        key = st.selectbox("Lesson", LESSONS.keys(), key=k + "lesson",
                           format_func=lambda name: LESSONS[name].title)
        lesson = LESSONS[key]
        st.caption(f"{lesson.config.depth} hidden layers × {lesson.config.width} units, "
                   f"{lesson.config.activation}, {lesson.config.init}, {lesson.config.dataset}")
    elif source == "explore":
        p = _presenter("explore")
        if p is None:
            st.caption("Open **Explore** in this tab and set the network there first.")
            return None, "No network in Explore yet: open Explore and set one up."
        c = p.config
        st.caption(f"Explore's network now: {c.depth} hidden layers × {c.width} units, "
                   f"{c.activation}, {c.init}, {c.dataset}, learning rate {c.lr:g}")
    else:
        p = _presenter("compare")
        if p is None:
            st.caption("Open **Compare** in this tab and set its columns there first.")
            return None, "No comparison in Compare yet: open Compare and set one up."
        comparison = p.link.comparison
        st.caption("Compare's columns now: " + " · ".join(comparison.labels)
                   + " (each student one seed per column)")
    steps = st.number_input("Steps each student trains", MIN_STEPS, MAX_STEPS, key=k + "steps",
                            help="the run pauses there and its result goes to the class")
    seeding = st.radio("Initial weights", list(SEEDINGS), format_func=SEEDINGS.get,
                       key=k + "seeding", horizontal=True,
                       help="each their own: the room sees how much the initial draw "
                            "matters; one for all: every student the same run")
    if seeding == "shared":
        st.session_state.setdefault(k + "seed", 0)
        kw["seed"] = int(st.number_input("The class's seed", 0, MAX_SEED, key=k + "seed"))
    if lesson is not None and lesson.question is not None:
        st.session_state.setdefault(k + "ask", True)
        kw["ask"] = st.checkbox(f"Ask its question first (predict, then run): "
                                f"“{lesson.question.prompt}”", key=k + "ask")
    try:
        if source == "lesson":
            made = Assignment.for_lesson(lesson, steps=int(steps), seeding=seeding, **kw)
        elif source == "explore":
            made = Assignment.for_explore(p.config, steps=int(steps), seeding=seeding, **kw)
        else:
            made = Assignment.for_compare(comparison.shared, comparison.columns,
                                          steps=int(steps), seeding=seeding, **kw)
    except ValueError as err:
        return None, str(err)
    return made, None


# ---------------------------------------------------------------- a student


def client() -> str:
    """What wrong join codes are counted by: this browser tab (its Tab's id, kept across
    reloads) and its address (the proxy's X-Real-IP or X-Forwarded-For behind nginx). The
    store keeps only a salted hash of it, for a minute."""
    headers = st.context.headers or {}
    forwarded = str(headers.get("X-Forwarded-For") or "").split(",")[0].strip()
    ip = st.context.ip_address
    address = forwarded or str(headers.get("X-Real-IP") or "") or (
        ip if isinstance(ip, str) else "") or "local"
    return f"{session.tab().id}@{address[:64]}"


def join(visit: session.Visit, code: str) -> Seat | None:
    """A seat in class ``code`` for this tab (its own again, found by its token, when it
    has one there); None with a message on the page when the class says no."""
    tab = session.tab()
    earlier = tab.seat if tab.seat is not None and tab.seat.code == code else None
    try:
        got = store().join(code, client(), earlier.token if earlier else None)
    except RateLimited as err:
        notice(visit, "warning", str(err))
        return None
    except ClassError as err:
        notice(visit, "error", str(err))
        return None
    except StoreUnavailable:
        notice(visit, "error", DOWN)
        return None
    outbox = tab.seat.outbox if tab.seat is not None else Outbox.to(store())
    tab.seat = Seat.taken(got, outbox, earlier)
    return tab.seat


def joining(page_path: str) -> bool:
    """Whether this run opens a student's join link (app.py asks, before the page runs)."""
    q = st.query_params
    return page_path == "class" and "class" in q and "key" not in q


def arrive(visit: session.Visit) -> None:
    """A student's join link, just opened (``class=CODE``, no key): a seat, then the
    assignment's page. A wrong, closed or full class, or a store that is down, leaves the
    student here with the message. A new session first learns whose tab it is (a reload
    keeps its Tab, and its seat: ui/view.mount's ``settle``), then joins."""
    got = link(visit)
    if not visit.own.get("arrived") or got.code is None or got.keyed:
        return
    if not view.settled():
        st.info(f"Joining class {codes.shown(got.code)}…", icon=":material/hourglass_top:")
        st.stop()  # the tab's answer runs the page again
    arrived(visit)
    seat = join(visit, got.code)
    if seat is not None:
        visit.written = query.class_query(got)  # back on this page later: not news
        open_assignment(seat)


def join_typed(visit: session.Visit, typed: str) -> None:
    """The Join button: the code as typed (look-alikes read as Crockford's), checked for
    shape before the store is asked; then the assignment's page, or a message here."""
    try:
        code = codes.parse_code(typed)
    except codes.BadShape as err:
        notice(visit, "error", plain(str(err)))
        st.rerun()
    seat = join(visit, code)
    if seat is not None:
        visit.own["link"] = query.ClassLink(code)
        visit.written = query.class_query(visit.own["link"])
        open_assignment(seat)
    st.rerun()


def open_assignment(seat: Seat) -> None:
    """Go to the assignment's page, with its settings and this student's seed."""
    page, q = seat.address(LESSONS)
    st.switch_page(page, query_params=q)


def leave_class() -> None:
    session.tab().seat = None


# ---------------------------------------------------------------- the banner


def _fragment_rerun() -> bool:
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def banner(presenter) -> None:
    """For a seated student, above Explore's or Compare's run: the class, that the result
    is shared anonymously, the seed, how the post goes, and "Send to class". While a post
    waits or is on its way it asks again every second (a fragment's timer), which also
    flushes the tab's outbox; otherwise it costs nothing."""
    seat = session.tab().seat
    if seat is None:
        return
    seat.flush(wait_s=PAGE_WAIT_S)  # from the page's run
    timed = seat.pending

    def part():
        if _fragment_rerun():
            seat.flush(wait_s=PAGE_WAIT_S)
            if seat.pending != timed:  # the timer is to start or stop: the whole page
                st.rerun()
        kind, message = seat.state(presenter)
        with st.container(border=True, key="class_banner"):
            left, right = st.columns([2, 1], vertical_alignment="center")
            left.markdown(f":material/groups: **Class {seat.shown_code}** · your result is "
                          "shared with the class anonymously · your initial-weight seed "
                          f"**{seat.seed}**")
            icons = {"info": ":material/schedule_send:", "success": ":material/check_circle:",
                     "warning": ":material/cloud_off:", "error": ":material/block:"}
            left.caption(f"{icons[kind]} {message}")
            if seat.matches(presenter.run):
                right.button("Send to class", key="clsbtn_send", icon=":material/send:",
                             disabled=not seat.can_send(presenter), width="stretch",
                             on_click=_send, args=(seat, presenter),
                             help=f"send your run as it stands now; it is sent by itself at "
                                  f"step {seat.steps}")
            elif right.button("Back to the assignment", key="clsbtn_back", width="stretch",
                              icon=":material/undo:"):
                open_assignment(seat)
            if kind == "error" and right.button("Class page", key="clsbtn_class",
                                                width="stretch", icon=":material/groups:"):
                st.switch_page("pages/class.py", query_params={"class": seat.code})

    st.fragment(part, run_every=BANNER_REFRESH_S if timed else None)()


def _send(seat: Seat, presenter) -> None:
    seat.send_now(presenter)
    seat.flush(wait_s=PAGE_WAIT_S)
