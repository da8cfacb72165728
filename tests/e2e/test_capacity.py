"""A shared server past its cap on sessions (WRI_MAX_SESSIONS): a new visitor is told the
server is full and to try again, and gets in once a tab closes (issue 19)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import start_streamlit, tracebacks
from ui.admission import FULL

STEP = re.compile(r"^Step \d+$")


@pytest.fixture(scope="module")
def one_place_server():
    with start_streamlit(env={"WRI_MAX_SESSIONS": "1"}) as url:
        yield url
        assert not tracebacks(url), tracebacks(url)


@pytest.mark.e2e
def test_a_visitor_past_the_cap_is_told_the_server_is_full_until_a_tab_closes(
        one_place_server, browser):
    first, second = (browser.new_context(viewport={"width": 1400, "height": 900})
                     for _ in "ab")
    try:
        a = first.new_page()
        a.goto(one_place_server)
        expect(a.locator("strong", has_text=STEP)).to_be_visible(timeout=60_000)
        b = second.new_page()
        b.goto(one_place_server)
        expect(b.get_by_role("heading", name=FULL)).to_be_visible(timeout=60_000)
        expect(b.get_by_text("Try again in a minute")).to_be_visible()
        expect(b.locator("strong", has_text=STEP)).to_have_count(0)  # no app, no run
        first.close()  # a's tab closes: its place frees at once
        b.get_by_role("button", name="Try again now").click()
        expect(b.locator("strong", has_text=STEP)).to_be_visible(timeout=60_000)
        expect(b.get_by_role("heading", name=FULL)).to_have_count(0)
    finally:
        second.close()
        first.close()
