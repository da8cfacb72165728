"""Class: the room as one experiment. A lecturer starts a class and watches every student's
run arrive; a student joins by the class's link and runs the assignment."""

from html import escape

import streamlit as st

from classroom import codes
from ui import class_session as cls
from ui import live, live_chart, session, view
from viz import qr

live_chart.preload()
visit = cls.enter()
cls.arrive(visit)  # a student's join link: a seat, then the assignment's page
link = cls.link(visit)
dashboard = visit.presenter
present = view.presenting()
view.shortcuts({})
seat = session.tab().seat

HELP = """
**How a class works.** The lecturer presses **Start a class** with an assignment (a lesson,
the network now in Explore, or the comparison now in Compare), a number of steps, and
whether each student draws their own initial weights. The students open the join link (or
scan the QR code, or type the code here): it opens the assignment in Explore or Compare with
their own seed. When a student's run reaches the steps it pauses and its result goes to the
class by itself (**Send to class** sends it earlier). This dashboard shows every result
within a second or two: the final loss per initializer, one dot a student; how many
trained; every student's gradient norms at step 0 with their median; the distinct units per
layer; and the room's answers to the lesson's question, before and after the runs.

Your address (in the address bar) carries the class's code and **your key**: keep it to open
this dashboard again, on another device too; never give it to a student. The join link
carries the code alone. The server computes every result from its own run of the student's
network; it keeps no names, addresses or free text, and deletes a class a day after it
starts. If the class's database is down, the runs go on and their results wait in the
students' sessions until it is back.
"""

with st.sidebar:
    if not present:
        view.toggle()

if link.lecturer:
    # ------------------------------------------------------------ the lecturer's dashboard
    dashboard.read(ahead=True)  # what the page draws, before it draws it
    dashboard.play(dashboard.live)
    with st.sidebar:
        st.subheader("This class")
        if dashboard.payload is not None:
            with st.expander("Change the assignment", expanded=False):
                made, problem = cls.assignment_form()
                if problem:
                    st.caption(f":material/error: {problem}")
                # Not a callback: its arguments would be the last run's, and the form's
                # newest values (a number typed, then the button) would be lost.
                if st.button("Set the assignment", key="clsbtn_set", disabled=made is None,
                             type="primary"):
                    cls.set_assignment(visit, made)
                    st.rerun()
            st.button("Close the class", key="clsbtn_close", icon=":material/lock:",
                      on_click=cls.close, args=(visit,), disabled=dashboard.payload["closed"],
                      help="no more students or results; the results stay")
            name = f"class-{dashboard.code}"
            st.download_button("Results (CSV)", lambda: dashboard.export("csv"), f"{name}.csv",
                               "text/csv", key="clsbtn_csv", on_click="ignore",
                               icon=":material/table:")
            st.download_button("Results (JSON)", lambda: dashboard.export("json"),
                               f"{name}.json", "application/json", key="clsbtn_json",
                               on_click="ignore", icon=":material/data_object:")
        with st.popover("Delete the class…", icon=":material/delete:"):
            st.markdown("The class and every result of it, gone for good: its link stops "
                        "working. Export the results first if you want them.")
            st.button("Delete it", key="clsbtn_delete", type="primary",
                      on_click=cls.delete, args=(visit,))
    room = st.container(key="class_room")
    with room:
        if present:
            title, leave = st.columns([6, 1], vertical_alignment="center")
            title.markdown(f"#### Class {dashboard.shown_code}")
            with leave:
                view.toggle()
        else:
            st.title(f"Class {dashboard.shown_code}: the room's runs")
        cls.notices(visit)
        for message in visit.link_errors:
            st.warning(f"Link setting ignored: {cls.plain(message)}",
                       icon=":material/link_off:")
        if dashboard.payload is not None and not dashboard.payload["closed"]:
            st.session_state.setdefault("cls_show_join", True)
            shown = st.toggle("Join code on screen", key="cls_show_join",
                              help="hide it to give the results the whole screen")
            if shown:
                join = cls.join_link(dashboard.code)
                words, picture = st.columns([3, 2], vertical_alignment="center")
                words.markdown("Join the class: open")
                words.markdown(f"<div class='wri-join-link'>{escape(join)}</div>",
                               unsafe_allow_html=True)
                words.markdown("or scan the code, or type this on the Class page:")
                words.markdown(f"<div class='wri-join-code'>{codes.shown(dashboard.code)}</div>",
                               unsafe_allow_html=True)
                # PNG, never JPEG: a QR code's edges must stay sharp to be read
                picture.image(qr.png(join, scale=10), width=320, caption="scan to join",
                              output_format="PNG", alt=f"QR code of the join link {join}")

        def configure():
            dashboard.placed = set(dashboard.charts())

        def body(refresh):
            live.status(dashboard, refresh.parts, "head")
            live.status(dashboard, refresh.parts, "notes")
            charts = dashboard.charts()

            def place(key):
                if key in charts:
                    live_chart.place(dashboard.board, key, refresh.charts.get(key))

            # Side by side only while each has a label or two to show: a Compare's four
            # labels at 18 px need the whole width, as does every student's line.
            if dashboard.labels() <= 2 and "cls_final" in charts:
                for column, key in zip(st.columns(2), ("cls_final", "cls_trained"),
                                       strict=True):
                    with column:
                        place(key)
            else:
                place("cls_final")
                place("cls_trained")
            for key in ("cls_grads", "cls_distinct", "cls_answers"):
                place(key)

        live.mount(dashboard, body, configure)
    if not present:
        with st.expander("How a class works"):
            st.markdown(HELP)
elif seat is not None:
    # ------------------------------------------------------------ a student in a class
    st.title(f"Class {seat.shown_code}")
    cls.notices(visit)
    for message in visit.link_errors:
        st.warning(f"Link setting ignored: {cls.plain(message)}", icon=":material/link_off:")
    st.markdown(f"You are in class **{seat.shown_code}** (student {seat.number}). Your result "
                "is shared with the class anonymously: the server computes it from your "
                "run, and keeps no name or address.")
    st.markdown(f"Assignment: **{seat.assignment.label}**, {seat.steps} steps, your "
                f"initial-weight seed **{seat.seed}**.")
    kind, message = seat.state(None)
    st.caption(message)
    left, right, _ = st.columns([2, 2, 4])
    if left.button("Open the assignment", key="clsbtn_open", type="primary",
                   icon=":material/play_arrow:", width="stretch"):
        joined = cls.join(visit, seat.code)  # the class's assignment now (it may be new)
        if joined is not None:
            cls.open_assignment(joined)
        st.rerun()
    right.button("Leave the class", key="clsbtn_leave", on_click=cls.leave_class,
                 icon=":material/logout:", width="stretch",
                 help="this tab runs on its own again; your result stays with the class")
    with st.expander("How a class works"):
        st.markdown(HELP)
else:
    # ------------------------------------------------------------ join one, or start one
    st.title("Class: the room as one experiment")
    st.markdown("Every student trains the same network from their own random start; the "
                "lecturer's screen shows the whole room's runs at once.")
    cls.notices(visit)
    for message in visit.link_errors:
        st.warning(f"Link setting ignored: {cls.plain(message)}", icon=":material/link_off:")
    student, lecturer = st.columns(2, gap="large")
    with student, st.form("cls_join"):
        st.subheader("Join a class")
        typed = st.text_input("Class code", key="cls_code", placeholder="7K3M-9Q2D",
                              max_chars=4 * codes.CODE_LENGTH,
                              help="the code on your lecturer's screen")
        if st.form_submit_button("Join", key="clsbtn_join", type="primary",
                                 icon=":material/login:"):
            cls.join_typed(visit, typed)  # the assignment's page, or a message here
    with lecturer, st.container(border=True):
        st.subheader("Start a class")
        made, problem = cls.assignment_form()
        if problem:
            st.caption(f":material/error: {problem}")
        # Not a callback: this run's assignment, with the values just typed.
        if st.button("Start a class", key="clsbtn_start", type="primary",
                     disabled=made is None, icon=":material/co_present:"):
            cls.start(visit, made)
            st.rerun()
    with st.expander("How a class works", expanded=False):
        st.markdown(HELP)

cls.leave(visit)
