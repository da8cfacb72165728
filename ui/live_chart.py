"""A Plotly chart that updates in place, for figures redrawn several times a second.

``st.plotly_chart`` folds the whole figure into the element's identity, so every new frame
of a live chart is a new element: the browser throws the old chart away and builds another
from nothing (a fresh ``Plotly.newPlot``, DOM and all). With a dozen charts refreshed five
times a second, that rebuilding alone kept a browser's main thread saturated at about one
refresh a second. This component (components/live_chart.js) keeps one element per ``key``
and hands each new frame to ``Plotly.react``, which changes only what changed.

plotly.js is the "cartesian" partial bundle of the same version the plotly Python package
carries (every trace type the app draws: scatter, bar, box, heatmap, contour, image), in
static/ (Streamlit's static file serving): 1.5 MB, where the package's full bundle is 4.6 MB
and takes a browser about two seconds to evaluate before the first chart can appear. It is
the npm package plotly.js-cartesian-dist-min (package.json; `npm run vendor` copies it).
tests/unit/test_components.py checks that it and the templates match the installed plotly
package, so an upgrade of plotly cannot leave them behind.

``Board`` decides which charts get a new frame on a refresh; it is plain Python, kept by a
page's presenter (ui/presenter.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from viz import transport

COMPONENTS = Path(__file__).parent / "components"
# Every chart can be saved as a PNG: the toolbar shows on hover with its camera alone.
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtons": [["toImage"]],
          "toImageButtonOptions": {"format": "png", "scale": 2}}

_component = st.components.v2.component(
    "wri_live_chart", js=(COMPONENTS / "live_chart.js").read_text(),
    css=(COMPONENTS / "live_chart.css").read_text(), isolate_styles=False)


class Board:
    """What a page's live charts last sent the browser, and the number of its refresh.

    While a run plays, a chart with ``every=k`` redraws on one refresh in k, and charts
    with the same k take turns (dealt phases in the order they are first drawn), so heavy
    panels share out the browser's time instead of all landing on one refresh.
    """

    def __init__(self):
        self.specs = {}  # key -> (inputs, its version, the refresh that drew it)
        self.phases = {}  # key -> (every, phase): the frames (mod every) it draws on
        self.frame_no: int | None = None  # this refresh's number while playing, else None

    def next_frame(self, timer: bool, news: bool = True) -> int | None:
        """Number this refresh: ``timer`` says it is a playing page's timed refresh (not a
        whole run of the page, which makes every chart due); ``news`` False (the tick
        trained nothing) keeps the last number, whose charts are all drawn already."""
        last = self.frame_no
        if not timer:
            self.frame_no = None
        elif news or last is None:
            self.frame_no = (last or 0) + 1
        return self.frame_no

    def due(self, key: str, every: int = 1, inputs=()) -> bool:
        """Whether chart ``key`` gets a new frame now: always when the page is not
        playing, when nothing was drawn yet or its ``inputs`` (its own settings) changed;
        while playing, on its turn, or at once when it missed its turn (off screen)."""
        last = self.specs.get(key)
        return is_due(every, self.frame_no, self._phase(key, every), inputs,
                      *(last[0], last[2]) if last else ())

    def frame(self, key: str, build, every: int = 1, inputs=(),
              highlight: bool = False) -> str | None:
        """A new frame of chart ``key`` from ``build()`` (Plotly JSON) when it is due, else
        None: the browser keeps the one it has. ``highlight`` marks the chart (a lesson's
        chart to watch)."""
        if not self.due(key, every, inputs):
            return None
        version = self.specs[key][1] + 1 if key in self.specs else 0
        self.specs[key] = (inputs, version, self.frame_no)
        return _spec(build(), key, version, highlight)

    def keep(self, key: str) -> str:
        # The browser already has this frame: a few bytes say "keep it" instead of the
        # whole figure again (up to 100 kB a chart, five times a second, per student).
        return json.dumps({"keep": self.specs[key][1] if key in self.specs else -1,
                           "key": key})

    def _phase(self, key: str, every: int) -> int:
        """Dealt in turn among the charts of the same ``every``, in the order they first
        ask."""
        if self.phases.get(key, (None,))[0] != every:
            self.phases[key] = (every, sum(1 for e, _ in self.phases.values() if e == every)
                                % every)
        return self.phases[key][1]


def is_due(every: int, frame: int | None, phase: int, inputs, last_inputs=None,
           last_frame: int | None = None) -> bool:
    """``Board.due`` without a board: ``last_inputs`` is None when nothing was drawn yet;
    ``last_frame`` is the refresh that drew the chart's current frame."""
    if frame is None or last_inputs is None or last_inputs != inputs:
        return True
    if frame == last_frame:
        return False
    missed = last_frame is not None and frame - last_frame > every
    return missed or frame % every == phase % every


def preload(templates=("plotly_white",)) -> None:
    """Start loading plotly.js and the templates as the page starts, so that they are
    ready by the time the first chart's data arrives: the charts are the slowest part of
    a page to appear. Draws nothing."""
    _component(key="_live_chart_preload", data={"preload": list(templates)}, height=0)


def place(board: Board, key: str, spec: str | None = None) -> None:
    """Show chart ``key`` with the frame ``spec`` (Board.frame's), or, for None, keep the
    frame the browser already has."""
    _component(key=key, data=spec or board.keep(key), height="content")


def _spec(fig, key: str, version: int, highlight: bool = False) -> str:
    return transport.to_json(fig, config=CONFIG, key=key, version=version, highlight=highlight)
