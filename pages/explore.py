"""Explore: one network trained live, every panel updating while it plays."""

import streamlit as st

from serving.limits import LIMITS
from ui import (
    class_session,
    explore_session,
    live,
    live_chart,
    panel_layout,
    panels,
    snapshot,
    view,
    widgets,
)
from ui.explore_session import PREFIX

live_chart.preload()
presenter, link_errors = explore_session.enter()
present = view.presenting()
lecture = presenter.lecture()

with st.sidebar:
    if not present:
        view.toggle()
    raw = widgets.run_settings(PREFIX)
    shown = st.multiselect("Panels", panels.NAMES, key=PREFIX + "panels",
                           help="hide panels you don't need: hidden ones cost nothing")
    st.session_state.setdefault(PREFIX + "speed", min(20, LIMITS.max_steps_per_tick))
    speed = st.slider("steps per refresh", 1, LIMITS.max_steps_per_tick, key=PREFIX + "speed",
                      help="how many training steps run between two refreshes (about 6 a "
                           "second)")
problem = explore_session.apply(presenter, raw)


def show():
    """The panels and their options as their widgets last left them (the live part's
    widgets rerun only the live part)."""
    presenter.show(shown, speed, panel_layout.options(PREFIX), present)


show()
view.shortcuts(view.live_shortcuts(presenter, explore_session.PREFIX + "init_seed"))
reset_help = "the identical run again: same data, first weights and batches"
if present:
    view.header(lecture.heading() or "Explore", presenter, "expbtn_", reset_help)
elif lecture.lesson:  # a lesson's first screen: its point (or question), Play, its chart
    widgets.lesson_header(lecture.heading())
else:
    widgets.header("Explore: watch a network train from its first weights", None, [])
for message in link_errors:
    st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")
if problem:
    st.error(f"Setting not applied: {problem}")
told = lecture.told()
class_session.banner(presenter)  # a student in a class: the class, the seed, the post
widgets.question_box(lecture, presenter.commit, PREFIX)
if not present:
    widgets.transport(presenter, "expbtn_", reset_help)
ahead = panel_layout.first(presenter)  # the lesson's panels to watch, right under Play
panel_layout.static(presenter, PREFIX, only=ahead)


def live_part(refresh):
    def notes():
        live.status(presenter, refresh.parts, "notes")
        if present and told:
            with st.expander(f"Lesson: {lecture.heading()}", expanded=False):
                st.markdown(f"{told[0]}\n\n**Look for:** {told[1]}")
        elif told:
            st.info(f"{told[0]}\n\n**Look for:** {told[1]}", icon=":material/school:")

    panel_layout.live(presenter, refresh.charts, PREFIX, between=notes, ahead=ahead,
                      head=lambda: live.status(presenter, refresh.parts, "head"))


live.mount(presenter, live_part, show)
panel_layout.static(presenter, PREFIX, skip=ahead)

with st.expander("Export and share"):
    name = f"explore-{lecture.lesson.key}" if lecture.lesson else "explore"
    c1, c2, c3 = st.columns(3)
    with c1:
        snapshot.button(name, "exp_snapshot")
    # Built when pressed (a callable), on the download's own thread: not on every run.
    c2.download_button("Lesson report (HTML)", presenter.report, f"{name}-report.html",
                       "text/html", key="expbtn_dl_report", on_click="ignore",
                       icon=":material/article:",
                       help="this view as one HTML file that opens offline: interactive "
                            "figures, the lesson and its checks, the settings and the "
                            "command line that trains the same run")
    c3.download_button("Weights now (JSON)", presenter.weights_json, f"{name}-weights.json",
                       "application/json", key="expbtn_dl_weights", on_click="ignore")
    c1, c2 = st.columns(2)
    c1.download_button("Telemetry (CSV)", presenter.telemetry_csv, "telemetry.csv",
                       "text/csv", key="expbtn_dl_csv", on_click="ignore")
    c2.download_button("Configuration (JSON)", presenter.config_json, "config.json",
                       "application/json", key="expbtn_dl_json", on_click="ignore")
    # A text box, not st.code: the code block's highlighter costs a browser 0.3 s of work
    # before the first chart can appear, on every fresh page load.
    st.text_input("Share link: reproduces this view exactly (seeds included)",
                  explore_session.PAGE.share_link(presenter.link), help="select it and copy")

explore_session.leave(presenter)
