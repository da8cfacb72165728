"""Why random init? A live look at how weight initialisation makes or breaks training."""

import streamlit as st

st.set_page_config(page_title="Why random init?", page_icon=":material/casino:", layout="wide")

pages = [
    st.Page("pages/explore.py", title="Explore", icon=":material/biotech:", default=True),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
]
st.navigation(pages).run()
