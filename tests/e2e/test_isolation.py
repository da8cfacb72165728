"""Two students on one server: each browser session sees and changes only its own run.
And a run stops training while its tab is hidden, and goes on when it is shown again."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot, settled

STEP = re.compile(r"^Step (\d+)$")


@pytest.fixture
def two_pages(browser):
    """Two browser contexts: separate cookies and storage, so two Streamlit sessions."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in "ab"]
    yield [c.new_page() for c in contexts]
    for c in contexts:
        c.close()


def open_explore(page, url, query):
    page.goto(f"{url}/?{query}")
    expect(page.locator("strong", has_text=STEP)).to_be_visible(timeout=60_000)


def step(page) -> int:
    return int(STEP.match(page.locator("strong", has_text=STEP).inner_text()).group(1))


def init_of(page) -> str:
    return page.get_by_role("combobox", name="weight initializer").input_value()


def depth_of(page) -> str:
    return page.get_by_role("spinbutton", name="hidden layers").input_value()


def wait_for_step_above(page, n, timeout=30.0):
    deadline = time.monotonic() + timeout
    while step(page) <= n:
        assert time.monotonic() < deadline, f"step stayed at {step(page)}"
        page.wait_for_timeout(200)
    return step(page)


def press_play(page):
    settled(page)
    page.get_by_role("button", name=re.compile("Play")).click()
    expect(page.get_by_role("button", name=re.compile("Pause"))).to_be_visible(timeout=30_000)


@pytest.mark.e2e
def test_two_sessions_never_see_or_change_each_other(streamlit_server, two_pages):
    a, b = two_pages
    open_explore(a, streamlit_server, "init=zeros")
    open_explore(b, streamlit_server, "init=he_normal&activation=relu")
    assert (init_of(a), init_of(b)) == ("zeros", "he_normal")

    press_play(a)
    moved = wait_for_step_above(a, 5)
    b.wait_for_timeout(1500)  # a keeps training meanwhile
    assert step(b) == 0, "b trained although only a pressed Play"
    assert step(a) > moved
    expect(b.get_by_role("button", name=re.compile("Play"))).to_be_visible()
    # zeros: every unit of a layer is the same; he_normal breaks the symmetry.
    expect(a.get_by_text("Symmetry holds")).to_be_visible()
    expect(b.get_by_text("Symmetry holds")).to_have_count(0)

    # b changes its network; a's settings, run and URL stay as they were.
    field = b.get_by_role("spinbutton", name="hidden layers")
    field.fill("5")
    field.press("Enter")
    expect(b).to_have_url(re.compile(r"depth=5"), timeout=30_000)
    a_step = step(a)
    a.wait_for_timeout(1000)
    assert depth_of(a) == "3" and "depth=" not in a.url and init_of(a) == "zeros"
    assert step(a) > a_step, "a stopped training when b changed its settings"
    assert init_of(b) == "he_normal" and step(b) == 0
    screenshot(a, "isolation-a")
    screenshot(b, "isolation-b")


def set_visibility(page, state):
    # What the browser does when a tab is hidden or shown: the Page Visibility API's
    # state changes and a visibilitychange event fires (headless tabs are never hidden).
    page.evaluate("""state => {
        Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
        Object.defineProperty(document, "hidden", {value: state === "hidden",
                                                  configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""", state)


@pytest.mark.e2e
def test_a_hidden_tab_stops_training_and_a_shown_one_goes_on(streamlit_server, page):
    open_explore(page, streamlit_server, "dataset=spiral")
    press_play(page)
    wait_for_step_above(page, 3)
    set_visibility(page, "hidden")
    page.wait_for_timeout(1500)  # the rerun that stops the timer, and any tick in flight
    stopped = step(page)
    page.wait_for_timeout(2500)
    assert step(page) == stopped, "training went on in a hidden tab"
    set_visibility(page, "visible")
    wait_for_step_above(page, stopped)
    expect(page.get_by_role("button", name=re.compile("Pause"))).to_be_visible()
