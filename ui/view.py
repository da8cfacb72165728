"""The presenter view and the keyboard shortcuts of the live pages.

``?present=1`` on any page (or the toggle that sets it) puts the session in the presenter
view: the sidebar folds away, the key panels come first and large, every chart's text is at
least 18 px (viz.style.projected). The session remembers it from page to page (Streamlit
drops the address's query when the sidebar changes pages), and every page writes it back
into its address, so a copied link keeps it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import streamlit as st

COMPONENTS = Path(__file__).parent / "components"
_FLAG = "_present"

_component = st.components.v2.component(
    "wri_view", js=(COMPONENTS / "view.js").read_text(),
    css=(COMPONENTS / "view.css").read_text(), isolate_styles=False)


def presenting() -> bool:
    """Whether the presenter view is on: the address says so when it names it (a link,
    the toggle), else the session remembers."""
    named = st.query_params.get("present")
    if named is not None:
        st.session_state[_FLAG] = named == "1"
    return st.session_state.get(_FLAG, False)


def _set(on: bool) -> None:
    # A callback: it runs before the next run of app.py, which then folds the sidebar.
    st.session_state[_FLAG] = on
    st.query_params["present"] = "1" if on else "0"


def toggle() -> None:
    """The presenter view's switch, for the sidebar; a way out when it is on."""
    on = presenting()
    if on:
        st.button("Leave presenter view", icon=":material/close_fullscreen:",
                  on_click=_set, args=(False,), key="viewbtn_leave")
    else:
        st.button("Presenter view", icon=":material/slideshow:", on_click=_set, args=(True,),
                  key="viewbtn_present",
                  help="large panels for a projector; keys: space Play/Pause, s Step, "
                       "r Reset, n new initial weights")


def mount(actions: dict[str, Callable] | None = None) -> None:
    """The view's look on this page and, for a live page, its keyboard shortcuts:
    ``actions`` maps "space", "step", "reset" and "seed" to what each key does."""
    def on_key():
        action = (actions or {}).get(st.session_state["_view"].get("key") or "")
        if action:
            action()

    _component(key="_view", height=0, data={"present": presenting(), "keys": bool(actions)},
               on_key_change=on_key)


def new_seed(key: str) -> Callable[[], None]:
    """An action drawing a fresh seed into the widget ``key`` (the "n" key)."""
    return lambda: st.session_state.__setitem__(key, random.randrange(10**6))
