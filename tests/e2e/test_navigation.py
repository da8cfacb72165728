"""Navigation on a fresh server: a deep link is the first request the server ever sees."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import start_streamlit, tracebacks

TITLES = {"compare": "Compare: initializers side by side",
          "lessons": "Lessons: the classic failures and fixes of initialisation",
          "sweep": "Sweep: where does a network train?",
          "class": "Class: the room as one experiment"}
NAV = ["Explore", "Lessons", "Compare", "Sweep", "Class"]


@pytest.mark.e2e
@pytest.mark.parametrize("path", list(TITLES))
def test_a_deep_link_on_a_fresh_server_opens_its_page_with_the_apps_navigation(browser, path):
    # A server of its own: Streamlit's first multipage mode (a folder named pages/) shows
    # only until some session has run app.py, so a shared server would hide the fault.
    with start_streamlit() as url:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{url}/{path}")
        expect(page.get_by_text(TITLES[path])).to_be_visible(timeout=60_000)
        links = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
        expect(links.first).to_be_visible()
        # each link reads "<icon's name>\n<title>": the icon is a ligature of its name
        assert [t.split()[-1] for t in links.all_inner_texts()] == NAV
        page.context.close()
        assert not tracebacks(url), tracebacks(url)
