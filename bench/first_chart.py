"""The first chart, cold: a fresh server and a fresh browser, the time from opening the
address to the first chart drawn, over several cold starts.

Each start runs `server.py` anew (as `make run` does) and opens the address, at 1280 x 720,
in a Chromium started anew, as soon as the server answers its health check: a student who
opens the link while the lecturer's server is still starting is the worst case, so the
server's start-up work competes with the first visitor here. Printed per start: the time to
the first Plotly chart drawn (an SVG with its traces), to every chart of the first screen
drawn, and to an idle page (no script run for 0.6 s), with what the browser loaded (requests
and bytes, the largest files); then the median and the worst of each.

Target (issue 25): the first chart in under 2 s.

    .venv/bin/python bench/first_chart.py [--starts 5] [--path /] [--wait 0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._harness import SMOKE_HELP, needs  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.helpers import chromium_path, start_streamlit  # noqa: E402

TARGET_S = 2.0
VIEWPORT = {"width": 1280, "height": 720}
# A chart counts as drawn once Plotly has laid out its traces in the SVG.
DRAWN = """(n) => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p._fullData && p._fullData.length && p.querySelector('.main-svg')).length >= n"""
# Charts whose top edge is on the first screen.
ON_FIRST_SCREEN = """() => [...document.querySelectorAll('.wri-live-chart, .js-plotly-plot')]
  .filter(p => p.getBoundingClientRect().top < window.innerHeight).length"""
IDLE = """(quiet) => {
  const busy = document.querySelector('[data-testid="stStatusWidget"]');
  const now = performance.now();
  if (busy) window.__wriBusyAt = now;
  return !busy && now - (window.__wriBusyAt || 0) > quiet;
}"""


def one_start(path: str, wait_s: float) -> dict:
    with start_streamlit() as url, sync_playwright() as p:
        time.sleep(wait_s)
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        loaded = []
        page.on("requestfinished", lambda r: loaded.append(r))
        start = time.perf_counter()
        page.goto(url + path, wait_until="commit")
        page.wait_for_function(DRAWN, arg=1, polling="raf", timeout=120_000)
        first = time.perf_counter() - start
        page.wait_for_function(IDLE, arg=600, polling=50, timeout=120_000)
        idle = time.perf_counter() - start - 0.6
        on_screen = page.evaluate(ON_FIRST_SCREEN)
        sizes = []
        for request in loaded:
            try:
                sizes.append((request.sizes()["responseBodySize"], request.url))
            except Exception:  # noqa: BLE001 - a request the page dropped: no size
                continue
        browser.close()
    return {"first_chart_s": first, "idle_s": idle, "charts_on_first_screen": on_screen,
            "requests": len(sizes), "kb": sum(s for s, _ in sizes) / 1024,
            "largest": sorted(sizes, reverse=True)[:3]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time")
    parser.add_argument("--path", default="/", help="the address opened, e.g. /?present=1")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="seconds between the server's first health answer and the visit")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args(argv)
    if args.smoke:
        args.starts = 1
    needs("chromium")
    runs = []
    for k in range(args.starts):
        r = one_start(args.path, args.wait)
        runs.append(r)
        largest = ", ".join(f"{Path(u.split('?')[0]).name} {s / 1024:.0f} kB"
                            for s, u in r["largest"])
        print(f"start {k + 1}: first chart {r['first_chart_s']:.2f} s, idle {r['idle_s']:.2f} s, "
              f"{r['charts_on_first_screen']} charts on the first screen; {r['requests']} "
              f"requests, {r['kb']:.0f} kB (largest: {largest})", flush=True)
    for key in ("first_chart_s", "idle_s"):
        values = [r[key] for r in runs]
        print(f"{key}: median {statistics.median(values):.2f} s, worst {max(values):.2f} s "
              f"over {len(values)} cold start{'s' if len(values) > 1 else ''}")
    worst = max(r["first_chart_s"] for r in runs)
    print(f"target (first chart < {TARGET_S:g} s, worst start): "
          f"{'met' if worst < TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
