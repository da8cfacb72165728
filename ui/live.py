"""A live page's moving part, refreshed while its run plays, and its status line.

A rerun of even a one-line Streamlit fragment costs a browser about 30 ms of main-thread
work (React renders the whole app again, CSS-in-JS styles and all), and Explore's live
fragment with its chart elements 180 ms: ten students' browsers on one two-core machine
managed half a refresh a second each (bench/load.py). So while a run plays on a server
started from server.py, nothing of Streamlit runs: the status component
(components/feed.js) asks the live feed's route (serving/feed.py) for each refresh, writes
its status and hands each chart frame to its chart.

Where the route does not exist (AppTest) the live part is a fragment that reruns on a timer
while playing. This module is the one place
that tells the two apart; either way the page's presenter makes the refresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from serving import feed
from ui import visibility
from ui.live_chart import COMPONENTS
from ui.presenter import LivePresenter, Refresh

_status = st.components.v2.component(
    "wri_status", js=(COMPONENTS / "feed.js").read_text(), isolate_styles=False)


def mount(presenter: LivePresenter, body: Callable[[Refresh], None],
          configure: Callable[[], None] = lambda: None) -> None:
    """Run ``body(refresh)``, the page's live part, as a fragment: on a timer of one tick
    while the run plays in a visible tab and no feed route is mounted; otherwise the feed
    refreshes it, and the fragment reruns only when its own widgets change. ``configure()``
    first tells the presenter what those widgets say."""
    hidden = visibility.tab_hidden()  # a hidden tab stops its timer: nobody watches that run
    timed = presenter.playing and not hidden and not feed.mounted()

    def live():
        configure()
        playing = presenter.playing and not visibility.hidden()
        ticking = playing and not feed.mounted()
        refresh = presenter.refresh(ticking=ticking, timer=ticking and _fragment_rerun())
        if refresh.finished and presenter.playing:  # every member diverged: Play comes back
            presenter.play(False)
            st.rerun()
        body(refresh)

    st.fragment(live, run_every=presenter.tick_s if timed else None)()


def status(presenter: LivePresenter, parts: dict, place: str = "head") -> None:
    """One place of the status line ("head" or "notes": components/feed.js draws them).
    The head also polls the live feed while the run plays on a server that mounts the
    route, and hands the other places their parts of each answer. When a poll says the run
    has ended (every member diverged), the whole page reruns, so Play comes back."""
    ended = f"_status_ended_{presenter.token}"
    if place == "head" and st.session_state.pop(ended, False):
        st.rerun()  # from the fragment's rerun that the component asked for: the whole page
    polls = place == "head" and feed.mounted()
    route = feed.ROUTE.format(token=presenter.token).lstrip("/")  # relative: any base path
    _status(key=f"_status_{place}_{id(presenter)}", height="content",
            data=json.dumps({"route": route if polls else None, "place": place,
                             "playing": presenter.playing and polls, "status": parts}),
            on_finished_change=lambda: st.session_state.__setitem__(ended, True))


def _fragment_rerun() -> bool:
    """Whether this script run is a fragment's own rerun (a playing page's timer), not a
    whole run of the page (a widget changed, the page was opened), which redraws every
    chart."""
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)
