"""The instruments in a real Chromium: the isometry spectrum, the phase diagram and the loss
landscape, each opened by the lesson that speaks of it, drawn and readable (screenshots in
test-output/screenshots are looked at)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot, settled
from tests.e2e.test_journeys import ERROR_BOX, open_page

pytestmark = pytest.mark.e2e


def chart(page, key):
    return page.locator(f'.wri-live-chart[data-key="{key}"]')


def drawn_texts(page, key) -> list[str]:
    """Every text the chart's SVG holds (titles, ticks, legend, annotations)."""
    return chart(page, key).locator("svg text").all_text_contents()


def test_the_orthogonal_lesson_draws_every_singular_value_at_one(page, streamlit_server):
    open_page(page, f"{streamlit_server}/?lesson=orthogonal_linear")
    spectrum = chart(page, "spectrum")
    spectrum.scroll_into_view_if_needed()
    expect(spectrum.locator(".legendtext", has_text="now: 100 % within ×2 of 1")).to_be_visible(
        timeout=30_000)
    assert any("isometry" in t for t in drawn_texts(page, "spectrum"))
    settled(page)
    screenshot(page, "instrument-isometry-orthogonal")
    assert page.get_by_text(ERROR_BOX).count() == 0


def test_the_he_lesson_puts_its_network_on_relus_critical_line(page, streamlit_server):
    open_page(page, f"{streamlit_server}/?lesson=he_relu_30")
    here = page.get_by_text("You are here:")
    here.scroll_into_view_if_needed()
    expect(page.get_by_text("on the critical line")).to_be_visible(timeout=30_000)
    expect(chart(page, "phase").locator(".legendtext", has_text="you are here")).to_be_visible(
        timeout=30_000)
    texts = drawn_texts(page, "phase")
    assert "you are here" in texts and "ordered" in texts
    settled(page)
    screenshot(page, "instrument-phase-he-relu")


def test_the_zeros_lesson_draws_its_landscape_and_it_survives_a_trip(page, streamlit_server):
    open_page(page, f"{streamlit_server}/?lesson=zeros")
    button = page.get_by_role("button", name="Draw the loss from the first weights")
    button.scroll_into_view_if_needed()
    button.click()
    expect(page.get_by_text("Drawn at step 0.")).to_be_visible(timeout=30_000)
    expect(chart(page, "landscape_slice").locator(".ytitle")).to_have_text(
        "symmetry-breaking direction", timeout=30_000)
    settled(page)
    screenshot(page, "instrument-landscape-zeros")
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible(
        timeout=30_000)
    page.go_back()
    # The drawing belongs to the run, and the run is kept: it is still there.
    expect(page.get_by_text("Drawn at step 0.")).to_be_visible(timeout=30_000)
    assert page.get_by_text(ERROR_BOX).count() == 0
