"""A lecturer's journeys through the app, in a real Chromium against the real server: the
runs and settings survive moving between pages, Back and Forward, a reload; the presenter
view fits a 1280 x 720 projector. The server's log must hold no traceback afterwards
(tests/e2e/conftest.py)."""

import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot, settled

pytestmark = pytest.mark.e2e
STEP = re.compile(r"^Step (\d+)$")
ERROR_BOX = "This app has encountered an error"


def step(page) -> int:
    return int(STEP.match(page.locator(".wri-status strong", has_text=STEP).first
                          .inner_text()).group(1))


def wait_for_step(page, at_least: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if step(page) >= at_least:
                return step(page)
        except Exception:  # noqa: BLE001 - the status line is being redrawn
            pass
        page.wait_for_timeout(250)
    raise AssertionError(f"step {at_least} not reached")


def open_page(page, url):
    page.goto(url)
    expect(page.locator(".wri-status strong", has_text=STEP).first).to_be_visible(
        timeout=60_000)
    settled(page)


def address(page) -> str:
    """The address bar as the page has it (Playwright's page.url misses replaceState)."""
    return page.evaluate("location.href")


def go(page, name):
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").filter(
        has_text=name).click()


def no_error(page):
    assert page.get_by_text(ERROR_BOX).count() == 0


def test_explore_keeps_its_settings_and_run_across_a_visit_to_compare(page, streamlit_server):
    query = "depth=5&width=16&activation=relu&init=he_normal"
    open_page(page, f"{streamlit_server}/?{query}")
    page.get_by_role("button", name="Play").click()
    played = wait_for_step(page, 100)
    go(page, "Compare")
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible(timeout=30_000)
    go(page, "Explore")
    expect(page.get_by_text("Explore: watch a network train")).to_be_visible(timeout=30_000)
    assert wait_for_step(page, played) >= played  # the run, where it was (or further)
    assert page.get_by_role("spinbutton", name="hidden layers").input_value() == "5"
    assert page.get_by_role("spinbutton", name="units per layer").input_value() == "16"
    for part in query.split("&"):
        assert part in address(page), address(page)
    no_error(page)
    screenshot(page, "journey-explore-back-from-compare")


def test_a_lesson_survives_compare_back_and_forward(page, streamlit_server):
    page.goto(streamlit_server + "/lessons")
    page.get_by_text("Lessons: the classic failures").wait_for(timeout=30_000)
    page.get_by_role("button", name="Open in Explore").first.click()
    expect(page.get_by_text("Lesson: All zeros")).to_be_visible(timeout=30_000)
    assert address(page).endswith("/?lesson=zeros"), address(page)
    page.get_by_role("button", name="Play").click()
    played = wait_for_step(page, 20)
    go(page, "Compare")
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible(timeout=30_000)
    go(page, "Explore")
    expect(page.get_by_text("Lesson: All zeros")).to_be_visible(timeout=30_000)
    assert "lesson=zeros" in address(page) and wait_for_step(page, played) >= played
    page.go_back()
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible(timeout=30_000)
    no_error(page)
    page.go_forward()
    expect(page.get_by_text("Lesson: All zeros")).to_be_visible(timeout=30_000)
    assert wait_for_step(page, played) >= played
    no_error(page)
    # One entry in the browser's history per page opened: back through Compare and the
    # lesson to the Lessons page it was opened from.
    page.go_back()
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible(timeout=30_000)
    page.go_back()
    expect(page.get_by_text("Lesson: All zeros")).to_be_visible(timeout=30_000)
    page.go_back()
    expect(page.get_by_text("Lessons: the classic failures")).to_be_visible(timeout=30_000)
    no_error(page)
    screenshot(page, "journey-lesson-back-forward")


def test_a_reload_mid_run_keeps_the_run(page, streamlit_server):
    open_page(page, f"{streamlit_server}/?depth=2&width=8")
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 60)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(1000)
    paused = step(page)
    page.reload()
    expect(page.get_by_text("Explore: watch a network train")).to_be_visible(timeout=30_000)
    # The reloaded page first shows its address's run, then finds the tab's own again.
    assert wait_for_step(page, paused, timeout=30) == paused
    no_error(page)


def test_the_keyboard_drives_the_run(page, streamlit_server):
    open_page(page, f"{streamlit_server}/?depth=2&width=8")
    page.get_by_text("Explore: watch a network train").click()  # focus on the page
    page.keyboard.press("s")
    assert wait_for_step(page, 1, timeout=20) == 1
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=20_000)
    wait_for_step(page, 30)
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=20_000)
    page.keyboard.press("r")
    expect(page.locator(".wri-status strong", has_text="Step 0")).to_be_visible(timeout=20_000)


KEY_CHARTS = ("network", "flow_bars", "loss")
# Every text element a chart drew, with the size the browser gives it.
FONT_SIZES = """(keys) => keys.map((key) => {
  const div = document.querySelector(`.wri-live-chart[data-key="${key}"]`);
  return [...div.querySelectorAll("svg text")].filter((t) => t.textContent.trim())
    .map((t) => [t.textContent, parseFloat(getComputedStyle(t).fontSize)]);
})"""


def on_screen(page, box) -> bool:
    size = page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] + 1
            and box["y"] + box["height"] <= size["height"] + 1)


def test_the_presenter_view_puts_the_key_panels_and_play_on_a_projectors_first_screen(
        browser, streamlit_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        open_page(page, f"{streamlit_server}/?lesson=he_relu_30&present=1")
        charts = {key: page.locator(f'.wri-live-chart[data-key="{key}"]') for key in KEY_CHARTS}
        for chart in charts.values():
            expect(chart.locator(".main-svg").first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Play").click()
        wait_for_step(page, 20)
        for _ in range(3):  # while it plays, nothing moves off the screen
            for key, chart in charts.items():
                assert on_screen(page, chart.bounding_box()), key
            assert on_screen(page, page.get_by_role("button", name="Pause").bounding_box())
            page.wait_for_timeout(700)
        sizes = page.evaluate(FONT_SIZES, list(KEY_CHARTS))
        for key, texts in zip(KEY_CHARTS, sizes, strict=True):
            assert texts, key
            small = [(t, s) for t, s in texts if s < 18]
            assert not small, (key, small)
        assert page.get_by_test_id("stSidebar").bounding_box()["x"] < 0  # folded away
        screenshot(page, "presenter-view-1280x720")
    finally:
        context.close()


def test_the_presenter_view_of_compare_shows_play_and_the_losses_first(browser,
                                                                       streamlit_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        open_page(page, f"{streamlit_server}/compare?present=1")
        loss = page.locator('.wri-live-chart[data-key="cmpfig_loss"]')
        expect(loss.locator(".main-svg").first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Play").click()
        wait_for_step(page, 20)
        assert on_screen(page, loss.bounding_box())
        assert on_screen(page, page.get_by_role("button", name="Pause").bounding_box())
        screenshot(page, "presenter-view-compare-1280x720")
    finally:
        context.close()


def test_the_p_key_saves_the_screen_as_one_png_for_a_slide(browser, streamlit_server, tmp_path):
    """The presenter view's first screen, charts and words, as one PNG at twice the pixels:
    the gradient bars are in it where they are on screen, in their own colours."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    try:
        open_page(page, f"{streamlit_server}/?lesson=too_small&present=1")
        bars = page.locator('.wri-live-chart[data-key="flow_bars"]')
        expect(bars.locator(".main-svg").first).to_be_visible(timeout=60_000)
        main = page.get_by_test_id("stMainBlockContainer").bounding_box()
        chart = bars.bounding_box()
        with page.expect_download(timeout=60_000) as download:
            page.keyboard.press("p")
        assert re.fullmatch(r"explore-too_small-[\d-]+\.png", download.value.suggested_filename)
        path = tmp_path / "view.png"
        download.value.save_as(path)
        image = Image.open(path).convert("RGB")
        assert image.size == (round(2 * main["width"]), round(2 * (720 - main["y"])))
        left, top = 2 * (chart["x"] - main["x"]), 2 * (chart["y"] - main["y"])
        inside = image.crop((left, top, left + 2 * chart["width"], top + 2 * chart["height"]))
        colours = {c for _, c in inside.getcolors(maxcolors=1 << 20)}
        assert (0x56, 0xB4, 0xE9) in colours  # the vanishing layers' blue
        assert (0x00, 0x9E, 0x73) in colours  # the healthy green of the top layers
        no_error(page)
    finally:
        context.close()


def test_the_lesson_report_opens_offline_with_its_figures(browser, streamlit_server, tmp_path):
    """Export → Lesson report: one HTML file; opened with the network cut off, every
    figure in it is drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        open_page(page, f"{streamlit_server}/?lesson=xavier_relu_30")
        page.get_by_role("button", name="Step ×10").click()
        wait_for_step(page, 10)
        page.get_by_text("Export and share").click()
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="Lesson report (HTML)").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.name == "explore-xavier_relu_30-report.html"
        no_error(page)
    finally:
        context.close()
    offline = browser.new_context(offline=True)
    report = offline.new_page()
    try:
        report.goto(path.as_uri())
        charts = report.locator("div.chart")
        assert charts.count() >= 8
        expect(report.locator("div.chart .main-svg").first).to_be_visible(timeout=30_000)
        drawn = report.evaluate("[...document.querySelectorAll('div.chart')]"
                                ".filter(d => d.querySelector('.main-svg')).length")
        assert drawn == charts.count()
        assert "Xavier on a 30-layer ReLU net" in report.locator("h1").inner_text()
        assert "python -m core train" in report.locator("code").inner_text()
    finally:
        offline.close()
