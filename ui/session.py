"""What each page keeps in its browser session, and when its address is news.

A page's state lives under one key per page (``page_state``), in an object the page's own
module defines; no page writes another's. Widgets are the exception Streamlit imposes: their
values live under their own keys, and Streamlit forgets the keys of widgets a run did not
draw, so a visit to another page would reset them. ``keep_widgets`` puts back, at the start
of a page's run, what ``save_widgets`` stored at the end of its last run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def page_state(page: str, make: Callable[[], T]) -> T:
    """The session's state object of ``page``, made by ``make()`` on the first visit."""
    key = f"_page_{page}"
    if key not in st.session_state:
        st.session_state[key] = make()
    return st.session_state[key]


def news(written: dict | None) -> dict | None:
    """The address's query string when it is news to a page that last wrote ``written``
    (None: the page has not run in this session yet): the session's first visit, a
    link opened in this tab, Back or Forward to another of the page's addresses, a lesson
    opened from the Lessons page. An empty query on a return visit is not news: Streamlit
    drops the query when the sidebar changes pages, and the page keeps its own state."""
    query = st.query_params.to_dict()
    if written is None or (query and query != written):
        return query
    return None


def write_query(query: dict) -> dict:
    """Show ``query`` in the address bar (the page's settings, so a copied address
    reproduces the view, the presenter view included); returns it, for the page to
    remember as written."""
    from ui import view

    if view.presenting():
        query = {**query, "present": "1"}
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    return query


def keep_widgets(prefix: str) -> None:
    """Put back the values of the page's widgets (keys starting with ``prefix``) that
    Streamlit forgot while the page was not shown."""
    for key, value in st.session_state.get(f"_saved_{prefix}", {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def save_widgets(prefix: str) -> None:
    st.session_state[f"_saved_{prefix}"] = {
        k: v for k, v in st.session_state.items()
        if isinstance(k, str) and k.startswith(prefix)}


def set_widgets(values: dict) -> None:
    """Widget values to show on the page's next run (a link or a lesson loaded)."""
    for key, value in values.items():
        st.session_state[key] = value
