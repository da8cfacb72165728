"""The presenter view, the keyboard shortcuts of the live pages, and the tab's name.

``?present=1`` on any page (or the button that sets it) puts the tab in the presenter view:
the sidebar folds away, the key panels come first and large, every chart's text is at least
18 px (viz.style.projected). The tab remembers it from page to page (Streamlit drops the
address's query when the sidebar changes pages), and every page writes it back into its
address, so a copied link keeps it.

One component, mounted by app.py above every page (components/view.js), styles the view,
reports the keys pressed (space Play/Pause, s Step, r Reset, n new seed) to the page that
registered what they do (``shortcuts``), and reports the tab's id, by which a reloaded tab
finds its runs again (ui/session.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ui import session, widgets

COMPONENTS = Path(__file__).parent / "components"
_KEY = "_view"
_ACTIONS = "_view_actions"

_component = st.components.v2.component(
    "wri_view", js=(COMPONENTS / "view.js").read_text(),
    css=(COMPONENTS / "view.css").read_text(), isolate_styles=False)


def presenting() -> bool:
    """Whether the presenter view is on: the address says so when it names it (a link,
    the button), else the tab remembers."""
    named = st.query_params.get("present")
    if named is not None:
        session.tab().present = named == "1"
    return session.tab().present


def _set(on: bool) -> None:
    # A callback: it runs before the next run of app.py, which then folds the sidebar.
    session.tab().present = on
    st.query_params["present"] = "1" if on else "0"


def toggle() -> None:
    """The presenter view's switch: on in the sidebar, a way out in the view itself."""
    if presenting():
        st.button("Leave", icon=":material/close_fullscreen:", help="leave the presenter view",
                  on_click=_set, args=(False,), key="viewbtn_leave")
    else:
        st.button("Presenter view", icon=":material/slideshow:", on_click=_set, args=(True,),
                  key="viewbtn_present",
                  help="large panels for a projector; keys: space Play/Pause, s Step, "
                       "r Reset, n new initial weights, p the screen as a PNG")


def header(title: str, presenter, key_prefix: str, reset_help: str = "") -> None:
    """The presenter view's one line at the top: what is on, the buttons, the way out."""
    name, buttons, leave = st.columns([4, 5, 1.3], vertical_alignment="center")
    name.markdown(f"#### {title}")
    with buttons:
        widgets.transport(presenter, key_prefix, reset_help, compact=True)
    with leave:
        toggle()


def mount(settle: bool = False) -> None:
    """app.py's part, above every page: the view's look, the keys, and the Tab's id for
    the browser tab to keep; a reloaded tab claims the id it kept (ui/session.py).

    ``settle``: the page is to act once on whose tab this is (a student's join: a reload
    must find the seat it took, not take another), so a tab with nothing to claim says so
    too, and the page runs again knowing it (``settled``). Otherwise a new tab claims
    nothing, and its first run is not followed by another."""
    session.heard()  # what this run's request says of the address, before a claim
    claim = (st.session_state.get(_KEY) or {}).get("claim")
    if claim and not st.session_state.get("_claimed"):
        session.adopt(claim)
        st.session_state["_claimed"] = True
    _component(key=_KEY, height=0, data={"present": presenting(), "tab": session.tab().id,
                                         "settled": bool(st.session_state.get("_claimed")),
                                         "settle": settle},
               on_key_change=_pressed, on_claim_change=_ignore)


def settled() -> bool:
    """Whether this session knows its browser tab's Tab: it claimed one, or had none to
    claim (``mount(settle=True)`` asks), or there is no browser (AppTest)."""
    return bool(st.session_state.get("_claimed")) or st.context.url is None


def _pressed():
    pressed = (st.session_state.get(_KEY) or {}).get("key") or {}
    action = st.session_state.get(_ACTIONS, {}).get(pressed.get("action", ""))
    if action:
        action()


def _ignore():
    # A claim is read at the start of the next run (mount); the rerun is all it needs.
    pass


def shortcuts(actions: dict[str, Callable]) -> None:
    """What the keys do on this page: "space", "step", "reset", "seed" -> an action. A page
    without live runs registers none, and the keys do nothing there."""
    st.session_state[_ACTIONS] = actions


def live_shortcuts(presenter, seed_key: str) -> dict[str, Callable]:
    """The keys of a live page (Explore, Compare): space Play/Pause, s Step, r Reset, n a new
    initial-weight seed into the widget ``seed_key``."""
    return {"space": lambda: presenter.play(not presenter.playing),
            "step": lambda: presenter.step(1), "reset": presenter.reset,
            "seed": new_seed(seed_key)}


def new_seed(key: str) -> Callable[[], None]:
    """An action drawing a fresh seed into the widget ``key`` (the "n" key)."""
    return lambda: st.session_state.__setitem__(key, random.randrange(10**6))
