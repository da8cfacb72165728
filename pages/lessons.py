"""Lessons: guided presets that open in Explore, each saying what to look for."""

import streamlit as st

from core import settings
from core.lessons import LESSONS
from ui import state

st.title("Lessons: the classic failures and fixes of initialisation")
st.markdown("Each lesson loads a network into **Explore**. Press **Play** there and watch "
            "the panel it names; a live check under the status line says whether the "
            "expected thing is happening.")


def _open(lesson):
    cfg = settings.validate(lesson.config)
    state.set_widgets(cfg)
    st.session_state["lesson"] = lesson.key
    st.session_state["_url_loaded_explore"] = True
    st.session_state["_url_errors_explore"] = []
    st.session_state["_playing_explore"] = False


for i, lesson in enumerate(LESSONS, 1):
    with st.container(border=True):
        st.subheader(f"{i}. {lesson.title}")
        st.markdown(lesson.text)
        st.markdown(f"**Look for:** {lesson.look_for}")
        if st.button("Open in Explore", key=f"open_{lesson.key}", type="primary"):
            _open(lesson)
            st.switch_page("pages/explore.py",
                           query_params={**settings.to_query(settings.validate(lesson.config)),
                                         "lesson": lesson.key})
