"""What the pages keep for one browser tab, and when a page's address is news.

Everything a tab's pages keep lives in one ``Tab`` object in its Streamlit session: each
page's state under its name (``page_state``; no page writes another's), the values of its
widgets, and whether the presenter view is on. Widgets are the exception Streamlit imposes:
their values live under their own keys, and Streamlit forgets the keys of widgets a run did
not draw, so a visit to another page would reset them; ``keep_widgets`` puts back, at the
start of a page's run, what ``save_widgets`` stored at the end of its last run.

A reload of the page starts a new Streamlit session, and the old one lingers, disconnected,
for a couple of minutes (server.disconnectedSessionTTL). Each Tab has an unguessable id,
which the browser tab keeps in its sessionStorage (ui/components/view.js); a new session of
a tab that holds another Tab's id claims it, and takes that Tab over when its session is
disconnected (``adopt``): a reload comes back to the runs where they were. A tab duplicated
while its original still runs holds the original's id too; its claim is refused, and it
keeps the Tab of its own. A new tab claims nothing, so its first run is not followed by
another.

Whether a page's address is news is judged on what the browser asked for, which is not
always the query a request carries (``Address``). The server puts a page's settings in the
address (``write_query``) by a message that reaches the browser a moment later, and a
request the browser sends in that moment (Play pressed straight after a new initializer,
on a busy browser) still carries the address the server has just replaced: taken for
news, it brought the replaced settings back, and their old run with them. And a reloaded
tab's state is claimed on its second run, whose request may carry the address the page
was opened with or the one its first run wrote: the address the page was opened with,
typed or reloaded, is what the claimed state is judged against.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from serving.pacing import Pace

T = TypeVar("T")
_TABS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # tab id -> its Tab


@dataclass(eq=False)
class Tab:
    """What one browser tab's pages keep."""

    pages: dict = field(default_factory=dict)  # page name -> its state object
    widgets: dict = field(default_factory=dict)  # page prefix -> {widget key: value}
    present: bool = False  # the presenter view (ui/view.py)
    session_id: str | None = None  # the Streamlit session it belongs to now
    pace: Pace = field(default_factory=Pace)  # its live pages' one pace (serving/pacing.py)
    seat: Any = None  # its place in a class, as a student (ui/class_seat.Seat), or None
    id: str = field(default_factory=lambda: secrets.token_hex(18))

    def __post_init__(self):
        _TABS[self.id] = self


def tab() -> Tab:
    """This session's Tab."""
    if "_tab" not in st.session_state:
        ctx = get_script_run_ctx()
        st.session_state["_tab"] = Tab(session_id=ctx.session_id if ctx else None)
    return st.session_state["_tab"]


def adopt(claimed: str) -> None:
    """Take over the Tab ``claimed`` (the id the browser tab kept) when its session is gone:
    a reload. A claim on a Tab whose session still runs (a duplicated tab), or on one that
    is gone for good, leaves this session with its own."""
    ctx, old = get_script_run_ctx(), _TABS.get(claimed)
    if ctx is None or old is None or old is tab():
        return
    if old.session_id and old.session_id != ctx.session_id and _alive(old.session_id):
        return
    old.session_id = ctx.session_id
    st.session_state["_tab"] = old
    address().adopted = True


def drop_expired_sessions() -> int:
    """Forget the closed tabs' sessions whose time is up (server.disconnectedSessionTTL);
    returns how many. Streamlit keeps a closed tab's session in a TTL cache that only
    forgets expired entries when it is next written to, that is when a new tab connects:
    after a class had gone, their sessions (each with its runs and charts) stayed in memory
    (bench/load.py --churn 50: 189 -> 289 MB, and the runs of every closed tab still
    there). Run on the server's event loop (serving/feed.py BEFORE_TRIM), as Streamlit's own
    uses of the cache are."""
    if not Runtime.exists():
        return 0
    manager = getattr(Runtime.instance(), "_session_mgr", None)
    cache = getattr(getattr(manager, "_session_storage", None), "_cache", None)
    expire = getattr(cache, "expire", None)  # another Streamlit: nothing to do
    return len(expire()) if callable(expire) else 0


def _alive(session_id: str) -> bool:
    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


def page_state(page: str, make: Callable[[], T]) -> T:
    """The state object of ``page`` in this tab, made by ``make()`` on the first visit."""
    pages = tab().pages
    if page not in pages:
        pages[page] = make()
    return pages[page]


@dataclass(eq=False)
class Address:
    """This session's address bar, as far as the server knows it (one per Streamlit
    session, that is per page load: not kept in the Tab, which a reload takes over)."""

    opened: dict | None = None  # the query the page was loaded with (typed, a link, reload)
    shown: dict | None = None  # the query the server last wrote into the address bar
    # Queries the server wrote over (``shown`` replaced them) while the browser has not
    # been heard from since: a request that carries one was sent before the browser had
    # the new address.
    replaced: list = field(default_factory=list)
    stale: bool = False  # this run's request carries one of ``replaced``
    adopted: bool = False  # this run took over the Tab of the page that was reloaded


def address() -> Address:
    if "_address" not in st.session_state:
        st.session_state["_address"] = Address()
    return st.session_state["_address"]


def _plain(query: dict) -> dict:
    """A query without the presenter view's flag, which every page writes alike."""
    return {k: v for k, v in query.items() if k != "present"}


def heard() -> None:
    """At the start of each whole run (app.py, through view.mount): what this run's
    request says of the address bar. Back and Forward, a link, a lesson opened: anything
    but an address the server wrote over means the browser has moved on."""
    state, query = address(), _plain(st.query_params.to_dict())
    ctx = get_script_run_ctx()
    if state.opened is None:
        state.opened = st.query_params.to_dict()
    state.adopted = False
    history = bool(getattr(ctx, "is_history_navigation", False))
    state.stale = not history and query in state.replaced
    if not state.stale:
        state.replaced = []


def news(written: dict | None) -> dict | None:
    """The address's query string when it is news to a page that last wrote ``written``
    (None: the page has not run in this tab yet): the tab's first visit, a link opened in
    it, Back or Forward to another of the page's addresses, a lesson opened from the
    Lessons page, an address typed into a tab that had been elsewhere. An empty query on
    a return visit is not news: Streamlit drops the query when the sidebar changes pages,
    and the page keeps its own state. Nor is an address the server has just written over
    (``Address``): the browser sent it before the new one reached it."""
    state = address()
    if state.adopted:  # a reload, or an address typed into the tab: what it was opened with
        asked = state.opened
    elif state.stale and written is not None:
        return None
    else:
        asked = st.query_params.to_dict()
    query = _plain(asked)
    if written is None or (query and query != written):
        return asked
    return None


def write_query(query: dict) -> dict:
    """Show ``query`` in the address bar (the page's settings, so a copied address
    reproduces the view, the presenter view included); returns it, for the page to
    remember as written."""
    shown = {**query, "present": "1"} if tab().present else query
    before, state = st.query_params.to_dict(), address()
    if shown != before:
        st.query_params.from_dict(shown)
        for old in (_plain(before), state.shown):  # what the browser may still say
            if old is not None and old != _plain(shown) and old not in state.replaced:
                state.replaced.append(old)
    state.shown = _plain(shown)
    return query


def keep_widgets(prefix: str) -> None:
    """Put back the values of the page's widgets (keys starting with ``prefix``) that
    Streamlit forgot while the page was not shown."""
    for key, value in tab().widgets.get(prefix, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def save_widgets(prefix: str) -> None:
    tab().widgets[prefix] = {k: v for k, v in st.session_state.items()
                             if isinstance(k, str) and k.startswith(prefix)}


def set_widgets(values: dict) -> None:
    """Widget values to show on the page's next run (a link or a lesson loaded)."""
    for key, value in values.items():
        st.session_state[key] = value


# ---------------------------------------------------------------- a page's visits


@dataclass
class Visit:
    """A page's state in a tab: its presenter, the address it last wrote, the messages
    about the link it was opened with, and what else the page keeps (``own``)."""

    presenter: Any = None
    written: dict | None = None
    link_errors: list = field(default_factory=list)
    own: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PageSession:
    """How one page meets the tab: its name, its widgets' prefix and its address codec
    (``decode(query) -> (link, messages)``, ``encode(link) -> query``)."""

    name: str
    prefix: str
    decode: Callable
    encode: Callable

    def enter(self, load: Callable) -> Visit:
        """The page's visit, with a link loaded when the address is news (the first visit,
        a link, Back or Forward, a lesson opened): ``load(visit, link, messages)`` makes or
        points the presenter, adds any messages, and returns the widget values that show
        the link. Otherwise the widgets come back as the page's last run left them."""
        visit = page_state(self.name, Visit)
        arrived = news(visit.written)
        if arrived is None:
            keep_widgets(self.prefix)
            return visit
        link, errors = self.decode(arrived)
        values = load(visit, link, errors)
        visit.presenter.pace = tab().pace  # one pace per tab, whichever page plays
        visit.link_errors = errors
        set_widgets(values)
        return visit

    def share_link(self, link) -> str:
        """This page's address showing ``link``, to copy into another window."""
        base = (st.context.url or "").split("?")[0]
        return f"{base}?{urlencode(self.encode(link))}"

    def leave(self, visit: Visit, link) -> None:
        """At the end of the page's run: the address shows ``link``, the widgets are kept."""
        visit.written = write_query(self.encode(link))
        save_widgets(self.prefix)
