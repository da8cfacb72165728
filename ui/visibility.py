"""Whether the session's browser tab is hidden, so a run in a background tab stops training.

Streamlit cannot tell by itself: a fragment's ``run_every`` is a timer in the browser, and
browsers keep firing it in a hidden tab (Chrome slows it to about once a second, then once a
minute after five minutes), so a forgotten tab would keep a share of the server busy. The
browser does know, through the Page Visibility API. This tiny component (components/visibility.js,
Streamlit's components v2: no iframe) reports ``document.visibilityState`` whenever it
changes; the change reruns the page, and the page stops its timer while the tab is hidden
and restarts it when the tab is shown again. A closed tab needs nothing: its session ends
and no browser is left to fire the timer.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

KEY = "_tab_visibility"

_watcher = st.components.v2.component(
    "wri_tab_visibility", js=(Path(__file__).parent / "components" / "visibility.js").read_text())


def tab_hidden() -> bool:
    """Mount the watcher (it draws nothing) and say whether the tab was hidden at the
    start of this run. Without a browser (AppTest) the tab counts as visible."""
    _watcher(key=KEY, default={"visible": True}, on_visible_change=_ignore, height=0)
    return hidden()


def hidden() -> bool:
    """The last state the watcher reported, without mounting it: a fragment's own reruns
    read it too, so ticks the browser sent before it hid the tab train nothing."""
    state = st.session_state.get(KEY) or {}
    return state.get("visible", True) is False


def _ignore():
    # A callback is what makes "visible" a state the component may set; the rerun that
    # follows the change is all the page needs.
    pass
