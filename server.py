"""The app's server: Streamlit serving app.py, plus the route Explore's live feed polls.

Start it as any Streamlit app: ``streamlit run server.py`` (``make run`` and the Docker
image do). ``streamlit run app.py`` serves the same pages without the route; Explore then
refreshes through a timed fragment (ui/feed.py says why the route is faster).
"""

import streamlit as st

from ui import feed

app = st.App("app.py", routes=feed.routes(), lifespan=feed.lifespan)
