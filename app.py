"""Why random init? A live look at how weight initialisation makes or breaks training."""

import streamlit as st

from ui import admission, class_session, nav, view
from viz.network import ramp_icon

# The presenter view folds the sidebar away (ui/view.py): decided here, before any page runs.
st.set_page_config(page_title="Why random init?", page_icon=ramp_icon(), layout="wide",
                   initial_sidebar_state="collapsed" if view.presenting() else "auto")
if not admission.admitted():  # past the server's cap on sessions: say so, run nothing else
    admission.full_page()
    st.stop()

pages = {
    "explore": st.Page("pages/explore.py", title="Explore", icon=":material/biotech:",
                       default=True),
    "lessons": st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
    "compare": st.Page("pages/compare.py", title="Compare", icon=":material/view_column:"),
    "sweep": st.Page("pages/sweep.py", title="Sweep", icon=":material/grid_on:"),
    "class": st.Page("pages/class.py", title="Class", icon=":material/groups:"),
}
page = st.navigation(list(pages.values()), position="hidden")
# Above every page: the view's look, its keys, the tab's id (ui/view.py); a student's join
# link waits to know the tab, so that a reload finds its seat rather than taking another.
view.mount(settle=class_session.joining(page.url_path))
view.shortcuts({})  # a page that has runs to drive registers its keys
nav.links(pages)  # links that carry each page's own address (ui/nav.py says why)
page.run()
