import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot


@pytest.mark.e2e
def test_app_renders_in_browser(streamlit_server, page):
    page.goto(streamlit_server)
    # Streamlit renders client-side, so the text appears only after the websocket run.
    expect(page.get_by_text("Explore: watch a network train")).to_be_visible(
        timeout=30_000
    )
    expect(page).to_have_title("Why random init?")
    screenshot(page, "smoke-home")
