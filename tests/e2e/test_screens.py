"""The screens a lecture uses, measured in a real Chromium (issue 24): a lesson's first
screen holds its point, Play and the chart it asks the class to watch; the theory chart
keeps its plot; Sweep's presenter view fits its screen; no serious accessibility failure on
any screen (axe-core, WCAG 2.1 A and AA). Screenshots land in test-output/screenshots."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import REPO_ROOT, screenshot, settled

pytestmark = pytest.mark.e2e

STEP = re.compile(r"^Step \d+")
BOX = """(selector) => { const e = document.querySelector(selector); if (!e) return null;
  const b = e.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, height: b.height,
  left: b.left, right: b.right}; }"""
PLAY = """() => { const b = [...document.querySelectorAll('button')].find(
  b => /(Play|Pause)$/.test(b.innerText.trim())); if (!b) return null;
  const r = b.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; }"""


@pytest.fixture
def sized(browser, request):
    """A page of the size ``sized(width, height)`` asks for; closed after the test."""
    contexts = []

    def make(width, height):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def opened(page, url):
    page.goto(url)
    expect(page.locator(".wri-status strong", has_text=STEP).first).to_be_visible(
        timeout=60_000)
    settled(page)


@pytest.mark.parametrize(("lesson", "watched"), [
    ("xavier_relu_30", "Theory beside measurement"),  # a panel drawn on settings
    ("he_relu_30", "per layer"),  # live: the gradient bars
    ("constant", "Symmetry meter"),
])
@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_a_lessons_first_screen_holds_its_point_play_and_its_chart(
        sized, streamlit_server, lesson, watched, size):
    """Before: at 1280 x 720 Play sat at y 593 under the page title and the lesson's text,
    no chart above the fold; on a phone the title took four lines and Play was two screens
    down."""
    width, height = size
    page = sized(width, height)
    opened(page, f"{streamlit_server}/?lesson={lesson}")
    chart = page.locator(".wri-live-chart.wri-watch").first
    expect(chart).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.wri-live-chart.wri-watch');"
        " return p && p._fullLayout; }", timeout=30_000)
    screenshot(page, f"lesson-first-screen-{lesson}-{width}")
    head = page.evaluate(BOX, "h1")
    play = page.evaluate(PLAY)
    box = page.evaluate(BOX, ".wri-live-chart.wri-watch")
    title = page.evaluate(
        "() => document.querySelector('.wri-live-chart.wri-watch').layout.title.text")
    assert watched in title
    assert page.evaluate("() => document.querySelector('h1').innerText").startswith("Lesson")
    assert 0 <= head["top"] and head["bottom"] <= height * 0.25, head
    assert play and play["bottom"] <= height * 0.35, play
    assert box["top"] >= play["bottom"] and box["bottom"] <= height, (box, height)


@pytest.mark.parametrize(("size", "present"), [((1280, 720), False), ((1600, 1000), False),
                                               ((1280, 720), True)])
def test_the_theory_chart_keeps_its_plot(sized, streamlit_server, size, present):
    """Its six-entry legend scrolled in four rows and left the plot about 70 px tall."""
    page = sized(*size)
    opened(page, f"{streamlit_server}/?lesson=orthogonal_linear&present={int(present)}")
    chart = page.locator('.wri-live-chart[data-key="theory"]')
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const p = document.querySelector('.wri-live-chart[data-key=\"theory\"]');"
        " return p && p._fullLayout; }", timeout=30_000)
    plot = page.evaluate(
        "() => { const p = document.querySelector('.wri-live-chart[data-key=\"theory\"]');"
        " return {h: p._fullLayout._size.h, "
        "legend: p._fullLayout.showlegend ? p._fullLayout.legend._height : 0, "
        "scroll: !!p.querySelector('.legend .scrollbar[height]:not([height=\"0\"])')}; }")
    screenshot(page, f"theory-chart-{size[0]}{'-present' if present else ''}")
    assert plot["h"] >= 150, plot
    assert plot["legend"] <= 40, plot  # one row


AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"  # package.json pins it
AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({rule: v.id, impact: v.impact, nodes: v.nodes.map(
      n => n.target.join(' ') + ' ' + n.html.slice(0, 200) + ': '
        + (n.failureSummary || '').split('\\n')[1])}));
}"""
SCREENS = {"explore": ("/", STEP), "lessons": ("/lessons", "Lessons: the classic"),
           "compare": ("/compare", STEP), "sweep": ("/sweep", "Sweep: where"),
           "presenter view": ("/?present=1", STEP),
           "a lesson": ("/?lesson=xavier_relu_30", STEP),
           "class": ("/class", "Class: the room as one experiment")}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_serious_accessibility_failure(browser, streamlit_server, screen, scheme):
    """axe-core's WCAG 2.1 A and AA rules find nothing serious or critical. Before: five
    colour-contrast failures (captions at Streamlit's opacity 0.6, the status line's
    caption, a segmented control's chosen option)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: `npm ci` installs axe-core (package.json)", pytrace=False)
    context = browser.new_context(viewport={"width": 1280, "height": 720},
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        path, ready = SCREENS[screen]
        page.goto(streamlit_server + path)
        expect(page.get_by_text(ready).first).to_be_visible(timeout=60_000)
        settled(page)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(AXE_RUN)
        if found:  # a rerun still under way shows stale elements faded: look once more
            time.sleep(2)
            settled(page)
            found = page.evaluate(AXE_RUN)
        if found:
            screenshot(page, f"axe-{screen.replace(' ', '-')}-{scheme}")
        assert not found, "\n".join(f"{v['rule']}: {n}" for v in found for n in v["nodes"])
    finally:
        context.close()


OVERLAPS = """(selector) => {
  // Pairs of a chart's texts (cell numbers, panel titles) whose boxes overlap on screen.
  const boxes = [...document.querySelectorAll(selector)].map(e => {
    const b = e.getBoundingClientRect();
    return {text: e.textContent, l: b.left, r: b.right, t: b.top, b: b.bottom};
  }).filter(b => b.r > b.l);
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(c => {
    if (a.l < c.r - 0.5 && c.l < a.r - 0.5 && a.t < c.b - 0.5 && c.t < a.b - 0.5)
      hits.push(a.text + ' / ' + c.text);
  }));
  return hits;
}"""
MAPS = """() => [...document.querySelectorAll('.wri-live-chart[data-key^="swpfig_"]')].map(p => {
  const b = p.getBoundingClientRect();
  const cells = (p.layout.annotations || []).filter(a => a.xref !== 'paper');
  return {top: b.top, bottom: b.bottom, key: p.dataset.key, cells: cells.length,
          least: Math.min(...cells.map(a => a.font.size))};
})"""


@pytest.mark.parametrize("present", [True, False])
def test_sweeps_maps_fit_the_screen_with_legible_numbers(sized, streamlit_server, present):
    """Before: the presenter view needed scrolling to its maps, their numbers about 9 px;
    at 1280 px the cells' numbers ran together ("0.6930.693")."""
    page = sized(1280, 720)
    page.goto(f"{streamlit_server}/sweep?present={int(present)}&steps=5&seeds=1")
    expect(page.get_by_role("button", name="Run sweep")).to_be_enabled(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Run sweep").click()
    expect(page.get_by_text("36 of 36 cells").first).to_be_visible(timeout=120_000)
    settled(page)
    if not present:
        page.locator('.wri-live-chart[data-key^="swpfig_"]').first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wri-live-chart[data-key^=\"swpfig_\"]')]"
        ".filter(p => p._fullLayout).length === 3", timeout=30_000)
    screenshot(page, f"sweep-maps-{'present' if present else '1280'}")
    maps = page.evaluate(MAPS)
    assert len(maps) == 3
    for m in maps:
        assert m["cells"] == 36, m
        assert m["least"] >= (18 if present else 8), m
        if present:  # the first screen, no scrolling
            assert m["bottom"] <= 720, m
        key = m["key"]
        assert not page.evaluate(OVERLAPS, f'.wri-live-chart[data-key="{key}"] '
                                           '.annotation-text'), key


def test_compare_at_30_layers_keeps_its_small_multiples_on_a_phone(sized, streamlit_server):
    """Before: a 31-entry legend left the gradient small multiples about 60 px tall, and on
    a phone their column titles overlapped."""
    page = sized(390, 844)
    opened(page, f"{streamlit_server}/compare?depth=30&width=8")
    grads = page.locator('.wri-live-chart[data-key="cmpfig_grads"]')
    grads.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const p = document.querySelector('.wri-live-chart[data-key=\"cmpfig_grads\"]');"
        " return p && p._fullLayout; }", timeout=30_000)
    grads.scroll_into_view_if_needed()
    screenshot(page, "compare-30-layers-phone")
    size = page.evaluate("() => { const p = document.querySelector("
                         "'.wri-live-chart[data-key=\"cmpfig_grads\"]'); return "
                         "{h: p._fullLayout._size.h, legend: p._fullLayout.showlegend}; }")
    assert size["h"] >= 150 and not size["legend"], size
    for key in ("cmpfig_grads", "cmpfig_distinct", "cmpfig_thumbs"):
        page.locator(f'.wri-live-chart[data-key="{key}"]').scroll_into_view_if_needed()
        assert not page.evaluate(OVERLAPS, f'.wri-live-chart[data-key="{key}"] '
                                           '.annotation-text'), key


def test_sweeps_maps_fill_in_while_it_runs(sized, streamlit_server):
    """The maps come cell by cell through the live feed, as the status promises: before,
    served by server.py, they appeared only once the whole sweep had finished."""
    page = sized(1280, 720)
    page.goto(f"{streamlit_server}/sweep?steps=300&seeds=1")
    expect(page.get_by_role("button", name="Run sweep")).to_be_enabled(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Run sweep").click()
    page.locator('.wri-live-chart[data-key="swpfig_final_train_loss"]').scroll_into_view_if_needed(
        timeout=60_000)
    page.wait_for_function(
        "() => { const p = document.querySelector("
        "'.wri-live-chart[data-key=\"swpfig_final_train_loss\"]'); return p && p._fullLayout; }",
        timeout=120_000)
    progress = page.locator('[data-kind="progress"]').first.inner_text()
    assert "36 of 36 cells" not in progress and "finished" not in progress, progress
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("cancelled").first).to_be_visible(timeout=30_000)
