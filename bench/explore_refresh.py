"""Explore's speed in a real headless Chromium: refreshes per second, training steps per
second, and the time until the first chart is drawn.

Workload (issue 3): 8 hidden layers x 64 tanh units, batch 128, spiral data, every panel
shown. Run:  .venv/bin/python bench/explore_refresh.py [--seconds 20] [--repeats 3]
--present measures the presenter view instead: a 1280 x 720 projector, the three key charts
at the default 20 steps per refresh (its sidebar, and the slider, are folded away).
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._harness import SMOKE_HELP, needs  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.helpers import chromium_path, start_streamlit  # noqa: E402

WORKLOAD = "/?dataset=spiral&depth=8&width=64&activation=tanh&batch_size=128"
STEP = re.compile(r"^Step (\d+)$")
# Counts every redraw of the status line (one per refresh) in the page itself, so the
# polling rate of this script does not limit what it can see.
OBSERVE = """() => {
  window.__refreshes = []; const seen = {last: null};
  new MutationObserver(() => {
    const el = [...document.querySelectorAll('strong')]
      .find(s => /^Step \\d+$/.test(s.textContent));
    if (el && el.textContent !== seen.last) { seen.last = el.textContent;
      window.__refreshes.push([performance.now(), parseInt(el.textContent.slice(5))]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


# Per chart: frames drawn and milliseconds spent drawing, as its element counts them.
DRAWS = """() => Object.fromEntries([...document.querySelectorAll('.wri-live-chart')]
  .map((div) => [div.dataset.key, [Number(div.dataset.draws || 0),
                                   Number(div.dataset.drawMs || 0)]]))"""


def one_run(browser, url, seconds, speed, present=False):
    size = {"width": 1280, "height": 720} if present else {"width": 1500, "height": 4000}
    page = browser.new_context(viewport=size).new_page()
    start = time.perf_counter()
    page.goto(url + WORKLOAD + ("&present=1" if present else ""))
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    first_chart = time.perf_counter() - start
    page.locator(".js-plotly-plot").nth(2 if present else 10).wait_for(timeout=60_000)
    if not present:
        slider = page.get_by_role("slider")
        slider.focus()
        for _ in range(speed - 20):  # the slider starts at 20 steps per refresh
            slider.press("ArrowRight")
        page.get_by_text(f"{speed}", exact=True).first.wait_for(timeout=10_000)
    page.evaluate(OBSERVE)
    page.get_by_role("button", name="Play").click()
    time.sleep(2)  # let the first ticks settle
    page.evaluate("() => { window.__refreshes = []; }")
    before = page.evaluate(DRAWS)
    time.sleep(seconds)
    marks = page.evaluate("() => window.__refreshes")
    # Frames each chart really drew (counted on each chart's element by live_chart.js).
    after = page.evaluate(DRAWS)
    draws = {k: (n - before.get(k, (0, 0))[0], ms - before.get(k, (0, 0))[1])
             for k, (n, ms) in after.items()}
    page.get_by_role("button", name="Pause").click()
    page.context.close()
    span = (marks[-1][0] - marks[0][0]) / 1000
    return {
        "first_chart_s": first_chart,
        "refresh_per_s": (len(marks) - 1) / span,
        "steps_per_s": (marks[-1][1] - marks[0][1]) / span,
        "charts": {k: (n / seconds, ms / max(n, 1)) for k, (n, ms) in draws.items()},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--speed", type=int, default=80, help="steps per refresh slider (<=200)")
    ap.add_argument("--present", action="store_true",
                    help="the presenter view at 1280 x 720 (20 steps per refresh)")
    ap.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.repeats, args.speed = 2, 1, 25
    needs("chromium")
    runs = []
    with start_streamlit() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        for k in range(args.repeats):
            r = one_run(browser, url, args.seconds, args.speed, args.present)
            runs.append(r)
            print(f"run {k + 1}: first chart {r['first_chart_s']:.2f} s, "
                  f"{r['refresh_per_s']:.2f} refreshes/s, {r['steps_per_s']:.0f} steps/s")
            print("  per chart, frames/s (ms each): " + ", ".join(
                f"{name} {rate:.1f} ({ms:.0f})" for name, (rate, ms) in sorted(
                    r["charts"].items(), key=lambda kv: -kv[1][0])))
        browser.close()
    for key, unit in (("first_chart_s", "s"), ("refresh_per_s", "/s"), ("steps_per_s", "/s")):
        print(f"median {key}: {statistics.median(r[key] for r in runs):.2f} {unit}")
    names = sorted({name for r in runs for name in r["charts"]})
    print("median frames/s per chart: " + ", ".join(
        f"{name} {statistics.median(r['charts'].get(name, (0, 0))[0] for r in runs):.1f}"
        for name in names))


if __name__ == "__main__":
    main()
