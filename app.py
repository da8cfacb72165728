"""Why random init? A live look at how weight initialisation makes or breaks training."""

import streamlit as st

from viz.network import ramp_icon

st.set_page_config(page_title="Why random init?", page_icon=ramp_icon(), layout="wide")

pages = [
    st.Page("pages/explore.py", title="Explore", icon=":material/biotech:", default=True),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/view_column:"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/grid_on:"),
]
st.navigation(pages).run()
