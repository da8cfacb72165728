"""Lessons: guided presets that open in Explore, each saying what to look for."""

import streamlit as st

from ui import compare_session, query
from ui.catalogue import LESSONS

st.title("Lessons: the classic failures and fixes of initialisation")
st.markdown("Each lesson loads a network into **Explore**. Press **Play** there and watch "
            "the panel it names; a live check under the status line says whether the "
            "expected thing is happening.")
if LESSONS.refused:
    st.warning("Lesson files left out (README, “Write your own lesson”, says what each field "
               "allows):\n\n" + "\n".join(f"- {why}" for why in LESSONS.refused),
               icon=":material/description:")

for i, lesson in enumerate(LESSONS, 1):
    with st.container(border=True):
        # A lesson with a question keeps its finding for after a prediction, here too.
        asks = lesson.question is not None
        st.subheader(f"{i}. {lesson.heading(asking=asks)}")
        text, look_for = lesson.told()
        if asks:
            st.markdown(f":material/quiz: {lesson.question.prompt}")
        with st.expander("What it shows", expanded=not asks) if asks else st.container():
            st.markdown(text)
            st.markdown(f"**Look for:** {look_for}")
        left, middle, right = st.columns(3)
        if left.button("Open in Explore", key=f"open_{lesson.key}", type="primary",
                       width="stretch"):
            link = query.ExploreLink(lesson.config, lesson.key)
            st.switch_page("pages/explore.py", query_params=query.explore_query(link))
        if lesson.question and middle.button(
                "Open with its question first", key=f"ask_{lesson.key}", width="stretch",
                icon=":material/quiz:", help="predict, then run: the question comes first, "
                                             "and the lesson's text after your answer"):
            link = query.ExploreLink(lesson.config, lesson.key, ask=True)
            st.switch_page("pages/explore.py", query_params=query.explore_query(link))
        if lesson.compared and right.button(
                "Open in Compare", key=f"compare_{lesson.key}", width="stretch",
                icon=":material/view_column:",
                help="its initializers side by side on its network and training, from "
                     "several seeds"):
            st.switch_page("pages/compare.py",
                           query_params=compare_session.lesson_query(lesson))
