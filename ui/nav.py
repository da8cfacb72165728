"""The app's own navigation: a link to each page that carries the page's own address.

Streamlit's sidebar navigation opens a page at its bare path, and the page then writes its
settings into the address: two entries in the browser's history for one click, so Back had
to be pressed twice to leave a page. These links open each page at the address it last
wrote in this tab (or its starting one), in one history entry; and they keep the presenter
view on.
"""

from __future__ import annotations

import streamlit as st

from ui import query, session

# What a page's address is before the tab has been there: what its first run writes.
STARTING = {"explore": query.explore_query(query.ExploreLink()),
            "compare": query.compare_query(query.CompareLink()),
            "sweep": query.sweep_query(query.SweepLink()), "lessons": {}, "class": {}}


def address(page: str) -> dict:
    """The query a link to ``page`` carries."""
    visit = session.tab().pages.get(page)
    written = getattr(visit, "written", None)
    shown = dict(STARTING.get(page, {}) if written is None else written)
    if session.tab().present:
        shown["present"] = "1"
    return shown


def links(pages: dict) -> None:
    """A link to each page (name -> st.Page), in the sidebar."""
    with st.sidebar:
        for name, page in pages.items():
            st.page_link(page, query_params=address(name))
        st.divider()
