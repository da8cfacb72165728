"""Lessons: guided presets that open in Explore, each saying what to look for."""

import streamlit as st

from core.lessons import LESSONS
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
        if st.button("Open in Explore", key=f"open_{lesson.key}", type="primary"):
            link = query.ExploreLink(lesson.config, lesson.key)
            st.switch_page("pages/explore.py", query_params=query.explore_query(link))
