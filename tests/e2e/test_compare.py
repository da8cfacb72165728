"""Compare in a real browser: zeros against he_normal, played live.

Zeros never breaks the symmetry and, under tanh, no gradient reaches a hidden weight at all:
the zeros column's hidden-layer gradient norms must stay exactly 0 while He's are not.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot, settled

LINK = "compare?c1.init=zeros&c2.init=he_normal&seeds=2"
GRADS = re.compile(r"Column (\d) hidden-layer ‖∂L/∂W‖ now \(largest over seeds\): (.*)")


def _grads(page, column):
    text = page.get_by_text(f"Column {column} hidden-layer").first.inner_text()
    found = GRADS.search(" ".join(text.split()))
    assert found, text
    return [float(v) for v in found.group(2).split(" · ")]


def _step(page):
    text = page.locator("p", has_text=re.compile(r"^Step \d+ ·")).first.inner_text()
    return int(re.match(r"Step (\d+)", text).group(1))


@pytest.mark.e2e
def test_zeros_column_gradients_stay_zero_while_he_normal_learns(streamlit_server, page):
    page.goto(f"{streamlit_server}/{LINK}")
    expect(page.get_by_text("Column 1 hidden-layer")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Compare: initializers side by side")).to_be_visible()
    assert _step(page) == 0

    settled(page)
    page.get_by_role("button", name="Play").click()
    deadline = time.monotonic() + 60
    while _step(page) < 40 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(1500)  # the last refresh lands
    step = _step(page)
    assert step >= 40, f"only {step} steps in a minute of play"
    # It played through the live feed (ui/feed.py), not by rerunning the page.
    polls = "() => Number(document.querySelector('.wri-status')?.dataset.polls || 0)"
    assert page.evaluate(polls) >= 5
    # The final figures, drawn by the feed while it played: one row per column.
    expect(page.get_by_role("cell", name="he_normal", exact=True)).to_be_visible()
    assert page.get_by_role("row").count() == 3  # the header and two columns

    zeros, he = _grads(page, 1), _grads(page, 2)
    assert len(zeros) == len(he) == 3  # three hidden layers
    assert zeros == [0.0, 0.0, 0.0]
    assert all(g > 0 for g in he)
    expect(page.get_by_text("2 of 2").first).to_be_visible()  # both zeros seeds symmetric
    # Streamlit scrolls inside its own container: a tall window shows the whole page.
    page.set_viewport_size({"width": 1400, "height": 3300})
    page.wait_for_timeout(1500)
    screenshot(page, "compare-zeros-vs-he_normal")
