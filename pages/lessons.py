"""Lessons: guided presets that open in Explore, each saying what to look for."""

import streamlit as st

from core.lessons import LESSONS
from core.questions import QUESTIONS
from ui import query

st.title("Lessons: the classic failures and fixes of initialisation")
st.markdown("Each lesson loads a network into **Explore**. Press **Play** there and watch "
            "the panel it names; a live check under the status line says whether the "
            "expected thing is happening.")

for i, lesson in enumerate(LESSONS, 1):
    with st.container(border=True):
        st.subheader(f"{i}. {lesson.title}")
        text, look_for = lesson.told()
        st.markdown(text)
        st.markdown(f"**Look for:** {look_for}")
        left, right = st.columns(2)
        if left.button("Open in Explore", key=f"open_{lesson.key}", type="primary",
                       width="stretch"):
            link = query.ExploreLink(lesson.config, lesson.key)
            st.switch_page("pages/explore.py", query_params=query.explore_query(link))
        question = QUESTIONS.get(lesson.key)
        if question and right.button("Open with its question first", key=f"ask_{lesson.key}",
                                     width="stretch", icon=":material/quiz:",
                                     help=f"predict, then run: “{question.prompt}”"):
            link = query.ExploreLink(lesson.config, lesson.key, ask=True)
            st.switch_page("pages/explore.py", query_params=query.explore_query(link))
