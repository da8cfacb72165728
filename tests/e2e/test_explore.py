"""Explore and Lessons in a real headless Chromium against a real `streamlit run`."""

import contextlib
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.helpers import screenshot, settled
from viz import style

pytestmark = pytest.mark.e2e

STEP = re.compile(r"^Step (\d+)$")
GRADS = re.compile(r"‖∂L/∂W‖ now: (.*)")
LOSS_POINTS = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const loss = plots.find(p => p.layout && p.layout.title && p.layout.title.text === 'Loss');
  return loss && loss._fullData ? loss._fullData[0].x.length : -1;
}"""


def loss_points(page):
    """Points drawn on the loss chart, after scrolling it into view: charts off screen wait
    (ui/live_chart.py), and clicking Play scrolls the page back up to the button."""
    with contextlib.suppress(PlaywrightError):  # mid-rerun the caption may be replaced
        page.get_by_text("A flat line at 0.693").first.scroll_into_view_if_needed(timeout=2000)
    return page.evaluate(LOSS_POINTS)


def step_count(page):
    text = page.locator("strong").filter(has_text=STEP).first.inner_text(timeout=30_000)
    return int(STEP.match(text).group(1))


def gradient_readout(page):
    """{'layer 1': 0.0, ..., 'output': ...} from the status line's caption."""
    text = page.get_by_text(GRADS).first.inner_text(timeout=30_000)
    pairs = re.findall(r"(layer \d+|output) ([-+.\deE]+)", GRADS.search(text).group(1))
    return {name: float(value) for name, value in pairs}


def choose(page, label, option):
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def wait_for(predicate, timeout=30.0, every=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


def play_for(page, seconds):
    settled(page)
    page.get_by_role("button", name="Play").click()
    time.sleep(seconds)
    page.get_by_role("button", name="Pause").click()


def test_zeros_never_learns_and_he_normal_does(page, streamlit_server):
    page.goto(streamlit_server + "/?batch_size=0")
    page.get_by_text("Explore: watch a network train").wait_for(timeout=30_000)
    assert step_count(page) == 0

    choose(page, "weight initializer", "zeros")
    assert wait_for(lambda: page.get_by_text("Symmetry holds").count() > 0)
    assert wait_for(lambda: loss_points(page) > 0), "the loss chart was not drawn"
    before_points = loss_points(page)
    page.get_by_role("button", name="Play").click()
    assert wait_for(lambda: step_count(page) >= 40), "the step counter did not advance"
    assert wait_for(lambda: loss_points(page) > before_points), "loss chart is static"
    grads = gradient_readout(page)
    assert [grads[f"layer {k}"] for k in (1, 2, 3)] == [0.0, 0.0, 0.0]
    assert page.get_by_text("Symmetry holds").is_visible()
    page.get_by_role("button", name="Pause").click()
    screenshot(page, "explore-zeros")

    choose(page, "weight initializer", "he_normal")
    assert wait_for(lambda: step_count(page) == 0), "a new initializer starts a new run"
    assert wait_for(lambda: page.get_by_text("Symmetry holds").count() == 0)
    play_for(page, 3)
    assert wait_for(lambda: step_count(page) > 0)
    grads = gradient_readout(page)
    assert all(grads[f"layer {k}"] > 0 for k in (1, 2, 3)), grads
    screenshot(page, "explore-he-normal")


def test_lessons_page_opens_a_lesson_in_explore(page, streamlit_server):
    page.goto(streamlit_server + "/lessons")
    page.get_by_text("Lessons: the classic failures").wait_for(timeout=30_000)
    screenshot(page, "lessons")
    page.get_by_role("button", name="Open in Explore").first.click()
    page.get_by_text("Lesson: All zeros").wait_for(timeout=30_000)
    assert wait_for(lambda: page.evaluate("location.href").endswith("/?lesson=zeros"))
    play_for(page, 3)
    assert wait_for(lambda: page.get_by_text("Live check (yes)").count() > 0, timeout=20)
    screenshot(page, "lesson-zeros")


# Frames each chart drew, as its element counts them (ui/components/live_chart.js).
DRAWN = """() => Object.fromEntries([...document.querySelectorAll('.wri-live-chart')]
  .filter((div) => div.dataset.draws).map((div) => [div.dataset.key,
                                                    Number(div.dataset.draws)]))"""


def test_charts_off_screen_wait_until_they_are_scrolled_into_view(page, streamlit_server):
    page.goto(streamlit_server + "/?batch_size=64")
    page.get_by_text("Explore: watch a network train").wait_for(timeout=30_000)
    assert wait_for(lambda: "network" in page.evaluate(DRAWN)), "the top chart was not drawn"
    play_for(page, 3)
    drawn = page.evaluate(DRAWN)
    assert "symmetry" not in drawn and "similarity" not in drawn, drawn  # far below the fold
    page.get_by_text("Random initialisation gives every unit").first.scroll_into_view_if_needed()
    assert wait_for(lambda: page.evaluate(DRAWN).get("symmetry", 0) >= 1), "not drawn on arrival"


# Answers the status line took from the live feed (ui/components/feed.js counts them).
POLLS = "() => Number(document.querySelector('.wri-status')?.dataset.polls || 0)"


def test_playing_refreshes_through_the_live_feed_not_page_reruns(page, streamlit_server):
    # The server is started from server.py (tests/e2e/helpers.start_streamlit), which
    # mounts the feed's route: while playing, the page polls it and Streamlit stays idle.
    page.goto(streamlit_server + "/?depth=3&width=8")
    page.get_by_text("Explore: watch a network train").wait_for(timeout=30_000)
    reruns = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: reruns.append(frame)))
    page.reload()  # so the listener sees the page's websocket from its start
    assert wait_for(lambda: step_count(page) == 0)
    settled(page)
    sent_before = len(reruns)
    page.get_by_role("button", name="Play").click()
    assert wait_for(lambda: page.evaluate(POLLS) >= 10), "the feed was not polled"
    steps = step_count(page)
    assert wait_for(lambda: step_count(page) > steps), "the status line did not move"
    # One message for the click (and perhaps a few for the page's own rerun): not one
    # per refresh, as a timed fragment would send.
    assert len(reruns) - sent_before < 5, len(reruns) - sent_before
    assert page.locator('[data-testid="stException"]').count() == 0

    page.get_by_role("button", name="Pause").click()
    assert wait_for(lambda: page.get_by_role("button", name="Play").count() == 1)
    time.sleep(0.5)
    polls, paused_at = page.evaluate(POLLS), step_count(page)
    time.sleep(1.5)
    assert page.evaluate(POLLS) == polls, "paused, but the feed kept polling"
    assert step_count(page) == paused_at


def test_a_run_that_explodes_while_playing_gives_back_the_play_button(page, streamlit_server):
    # The feed ends a diverged run; the page must hear of it, or a dead run says "Pause".
    page.goto(streamlit_server + "/?lesson=too_large_relu")
    page.get_by_text("Lesson: Too large (ReLU)").wait_for(timeout=30_000)
    settled(page)
    page.get_by_role("button", name="Play").click()
    exploded = page.get_by_text(re.compile(r"^Exploded at step \d+ in layer"))
    assert wait_for(lambda: exploded.count() == 1)
    assert wait_for(lambda: page.get_by_role("button", name="Play").count() == 1), \
        "the run exploded but the page still offers Pause"
    polls = page.evaluate(POLLS)
    time.sleep(1.0)
    assert page.evaluate(POLLS) == polls, "the feed kept polling a finished run"
    assert page.locator('[data-testid="stException"]').count() == 0


LOSS_LOOK = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const loss = plots.find(p => p.layout && p.layout.title && p.layout.title.text === 'Loss');
  if (!loss || !loss._fullData) return null;
  const train = loss._fullData[0];  // a lone first point is a marker, then a line
  return [(train.line || train.marker).color, loss._fullLayout.paper_bgcolor];
}"""


@pytest.mark.parametrize("scheme, train_line", [("dark", "#e8e8e8"), ("light", "#000000")])
def test_charts_follow_the_viewers_light_or_dark_theme(page, streamlit_server, scheme,
                                                        train_line):
    # Streamlit follows the system's colour scheme; the live charts follow Streamlit's theme
    # (ui/live_chart.py): a black train line on a dark page would be invisible.
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1400, "height": 3000})  # the loss chart on screen
    page.goto(streamlit_server + "/?depth=3&width=8")
    assert wait_for(lambda: page.evaluate(LOSS_LOOK) is not None)
    line, paper = page.evaluate(LOSS_LOOK)
    assert line == train_line
    assert (paper.replace(" ", "") == "rgba(0,0,0,0)") == (scheme == "dark"), paper
    # Layer 1's line is the viridis ramp's dark purple: on a dark page it is lifted to read.
    assert wait_for(lambda: page.evaluate(FIRST_LAYER_LINE) is not None)
    first = page.evaluate(FIRST_LAYER_LINE)
    ramp_start = style.layer_colours(4)[0].replace(" ", "")
    assert (first.replace(" ", "") == ramp_start) == (scheme == "light"), first
    if scheme == "dark":
        r, g, b = map(int, re.findall(r"\d+", first))
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.34 * 255  # DARKEST, rounded


FIRST_LAYER_LINE = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const lines = plots.find(p => p.layout && p.layout.title
                                && p.layout.title.text.endsWith('per layer over steps'));
  if (!lines || !lines._fullData) return null;
  return (lines._fullData[0].line || lines._fullData[0].marker).color;
}"""
