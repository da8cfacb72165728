"""Why random init? A live look at how weight initialisation makes or breaks training."""

import numpy as np
import streamlit as st

from viz.network import diverging_rgb
from viz.transport import png

# The tab icon is drawn here, not fetched: a classroom server may have no internet, and a
# Material icon as favicon comes from Google's font servers. A diagonal orange-to-blue ramp,
# like a unit's thumbnail.
_ramp = np.add.outer(np.linspace(-1, 1, 32), np.linspace(-1, 1, 32)) / 2
st.set_page_config(page_title="Why random init?", page_icon=png(diverging_rgb(_ramp, -1, 1)),
                   layout="wide")

pages = [
    st.Page("pages/explore.py", title="Explore", icon=":material/biotech:", default=True),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/view_column:"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/grid_on:"),
]
st.navigation(pages).run()
