"""The app's server: Streamlit serving app.py, plus the route the live pages poll.

Start it as any Streamlit app: ``streamlit run server.py`` (``make run`` and the Docker
image do). Not ``streamlit run app.py``: without this file's pages-folder setting a fresh
server opens a deep link such as /compare without the app's navigation, and without the
routes the live pages fall back to a timed fragment (ui/live.py says why the route is
faster).
"""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from core import lessons
from serving import background, classes, feed
from serving.client_gone import ClientGone
from ui import catalogue, panels, session

# pages/ holds the page scripts that app.py's st.navigation runs. A folder of that name also
# puts a fresh server in Streamlit's first multipage mode, which lists the files as pages and
# serves a deep link such as /compare without running app.py, until some session has run
# app.py once. The app is navigated by st.navigation alone, as app.py's first run would
# declare; tests/e2e/test_navigation.py opens deep links on a fresh server.
PagesManager.uses_pages_directory = False



def warm(map_):
    """A lesson's text quotes its own run (the sigmoid one trains ~1000 steps for it), and
    tanh's phase plane takes seconds: worked out while the server starts, not when the
    first student opens them, and behind the first visitor's page (serving/background.py)."""
    lessons.warm(catalogue.LESSONS, map_)
    panels.warm(catalogue.LESSONS, map_)


background.start(warm, "work ahead")

feed.BEFORE_TRIM.append(session.drop_expired_sessions)  # closed tabs' sessions, once expired
# A tab closed while the server sends to it is an ordinary departure, not an error
# (serving/client_gone.py says which upstream fault this contains).
# The class results route and store (serving/classes.py) beside the live feed's.
app = st.App("app.py", routes=feed.routes() + classes.routes(),
             lifespan=classes.lifespan(feed.lifespan), middleware=[Middleware(ClientGone)])
