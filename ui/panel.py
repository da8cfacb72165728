"""What one of Explore's panels is: its name, its charts and how each is built, its
controls, caption and words, and when it is drawn. Each panel is one module of ui/panels/
holding one ``PANEL``; the registry there finds them.

A chart's builder takes a ``RunView`` (the run on screen and the panels' options) and
returns a Plotly figure: never the presenter, so a panel reads only what the view gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

# While playing, the light charts redraw on every refresh and the heavy ones take turns,
# one refresh in SLOW each (bench/explore_refresh.py prints each chart's own frame rate).
SLOW = 4
DRAWN = ("live", "settings", "asked")


@dataclass(frozen=True)
class Control:
    """One widget of a panel, drawn above its charts (or above one chart): its value is
    the option ``name`` every builder of the page reads (``RunView.options``). Controls
    of one name are drawn once, by the first panel shown that has it."""

    name: str
    default: object
    draw: Callable  # (widget key, RunView) -> None; the widget's key holds the value


@dataclass(frozen=True)
class Chart:
    """One chart: ``build(view)`` is its figure. ``every``: how many refreshes a frame
    lasts while playing (heavy charts take turns). ``inputs(view)``: its own settings (a
    change draws it at once). ``present`` builds it for the presenter view's first screen
    when the panel puts it there (``Panel.key_at``)."""

    key: str
    build: Callable
    every: int = 1
    inputs: Callable = lambda view: ()
    snapshot: bool = False  # it reads view.snapshot (a forward pass over a grid)
    control: Control | None = None  # drawn right above this chart
    present: Callable | None = None
    title: str | None = None  # its title in the presenter view


@dataclass(frozen=True)
class Text:
    """Words beside the charts, from the view (markdown)."""

    build: Callable


@dataclass(frozen=True)
class Panel:
    """One of Explore's panels.

    ``drawn``: "live" (every refresh while the run plays), "settings" (when the run or its
    settings change: what depends on step 0 alone) or "asked" (when its button asks:
    ``ask(view)`` works it out, and its charts read ``view.asked``). A panel with a
    ``width`` shares a row with the next one that has one, in those proportions; without,
    it takes the row. ``key_at``: its place on the presenter view's first screen (1, 2, 3),
    whose chart is its first."""

    name: str
    order: int
    cells: tuple  # Charts and Texts, side by side in one row
    caption: str | Callable = ""  # or (view) -> text
    ratios: tuple | None = None  # of the cells' widths
    controls: tuple[Control, ...] = ()
    drawn: str = "live"
    width: float | None = None
    default: bool = True  # shown unless an address or a lesson says otherwise
    needs_hidden: bool = False  # nothing to show without a hidden layer
    key_at: int | None = None
    ask: Callable | None = None  # "asked" panels: view -> what the charts draw
    ask_label: str = ""
    ask_help: str = ""
    warm: Callable | None = None  # work done as the server starts: (lessons, map_) -> None

    def __post_init__(self):
        assert self.drawn in DRAWN, self.drawn
        assert (self.ask is not None) == (self.drawn == "asked"), self.name

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(c for c in self.cells if isinstance(c, Chart))

    def shows(self, depth: int) -> bool:
        return depth > 0 or not self.needs_hidden


@dataclass
class RunView:
    """What builders read for one refresh: the run on screen, the panels' options, the
    presenter view's flag, and the shared work of the refresh (the snapshot, a panel's
    answer to its button)."""

    run: object  # core.run.LiveRun
    options: dict = field(default_factory=dict)
    present: bool = False
    snapshot_of: Callable | None = None  # () -> the probe-batch snapshot, shared
    asked: dict = field(default_factory=dict)  # panel name -> what its button worked out

    @property
    def trainer(self):
        return self.run.trainer

    @property
    def config(self):
        return self.run.config

    @property
    def depth(self) -> int:
        return self.run.trainer.depth

    @property
    def width(self) -> int:
        return self.run.config.width

    @cached_property
    def frames(self):
        """(layer frame, step frame) of the run's telemetry."""
        return self.trainer.frames()

    @cached_property
    def latest(self):
        """Member 0's layers at the newest record with a finite loss: a diverged run shows
        its last finite state."""
        record = self.trainer.record
        step = record.steps[record.newest_finite()]
        layer_frame = self.frames[0]
        return layer_frame[(layer_frame["step"] == step) & (layer_frame["member"] == 0)]

    @cached_property
    def snapshot(self) -> dict:
        return self.snapshot_of()

    def option(self, name: str, default=None):
        return self.options.get(name, default)


def layer_count(value, top: int) -> int:
    """A layer number from a widget, within 1 to ``top`` (the network may have got
    shallower since)."""
    return int(np.clip(int(value or 1), 1, max(top, 1)))
