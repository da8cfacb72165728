"""What one Explore refresh costs the server, and where it goes: training, building the
charts' figures, encoding them for the wire.

One session in this process, no browser and no server: the reference workload (8 × 64 tanh,
spiral, batch 128, every live panel shown) playing, refreshed as the live feed refreshes it
(``ExplorePresenter.poll`` with every chart on screen). Printed: CPU ms per refresh, split
into training (the pacer's tick), building figures (the panels' builders, Plotly's Figure
objects included) and encoding them (``to_plotly_json`` and Plotly's JSON), with steps per
refresh; then each chart's build and encode ms per frame. CPU time of this thread, so that a
busy machine moves the figures less than it would the wall clock.

A class's capacity is the server's CPU divided by this (README "Running for a class").

    .venv/bin/python bench/refresh_cost.py [--refreshes 200] [--smoke]
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import SMOKE_HELP  # noqa: E402
from ui import panels, query  # noqa: E402
from ui.explore_presenter import ExplorePresenter  # noqa: E402

WORKLOAD = {"dataset": "spiral", "depth": "8", "width": "64", "activation": "tanh",
            "batch_size": "128"}


class Timed:
    """CPU seconds of this thread spent in named parts, and how often each ran."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.calls = collections.Counter()

    def wrap(self, name, fn):
        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.thread_time() - start
                self.calls[name] += 1
        return timed


def measure(refreshes: int, warm: int = 10) -> tuple[Timed, Timed, int, float]:
    link, errors = query.explore(WORKLOAD)
    assert not errors, errors
    presenter = ExplorePresenter(link)
    presenter.show(tuple(p.name for p in panels.PANELS if p.drawn == "live"), 20, {}, False)
    presenter.refresh()  # the page's first run draws every chart
    on_screen = set(presenter.charts())
    presenter.play(True)
    parts, charts = Timed(), Timed()
    tick, frame = presenter.pacer.tick, presenter.board.frame

    def framed(key, build, *args, **kwargs):
        return charts.wrap(key + " total", frame)(key, charts.wrap(key, build), *args, **kwargs)

    presenter.pacer.tick = parts.wrap("training", tick)
    presenter.board.frame = framed
    for _ in range(warm):
        presenter.poll(on_screen)
    for timed in (parts, charts):
        timed.seconds.clear()
        timed.calls.clear()
    steps_before, start = presenter.run.step, time.thread_time()
    for _ in range(refreshes):
        presenter.poll(on_screen)
    return parts, charts, presenter.run.step - steps_before, time.thread_time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refreshes", type=int, default=200, help="refreshes to time")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args(argv)
    n = 8 if args.smoke else args.refreshes
    parts, charts, steps, total = measure(n, warm=2 if args.smoke else 10)
    keys = sorted(k for k in charts.calls if not k.endswith(" total"))
    build = sum(charts.seconds[k] for k in keys)
    encode = sum(charts.seconds[k + " total"] for k in keys) - build
    training = parts.seconds["training"]
    ms = 1000 / n
    print(f"{n} refreshes, {steps / n:.1f} steps each: CPU {total * ms:.1f} ms per refresh = "
          f"training {training * ms:.1f} + building figures {build * ms:.1f} + encoding "
          f"{encode * ms:.1f} + the rest {(total - training - build - encode) * ms:.1f}")
    if steps:
        print(f"training: {training / steps * 1000:.2f} ms per step")
    print("per chart (frames per refresh; build, encode ms per frame):")
    for key in sorted(keys, key=lambda k: -charts.seconds[k + " total"]):
        frames = charts.calls[key]
        encoded = charts.seconds[key + " total"] - charts.seconds[key]
        print(f"  {key:16s} {frames / n:4.2f}  {charts.seconds[key] / frames * 1000:6.2f}  "
              f"{encoded / frames * 1000:6.2f}")


if __name__ == "__main__":
    main()
