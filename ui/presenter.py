"""A live page's presenter: it owns the page's run and answers ``refresh(visible charts)``.

No Streamlit here. A page keeps one presenter per session (in its session state) and tells
it what the widgets say; the presenter trains a tick when asked, and answers with the status
line's parts and a new frame for each chart that is due. Two callers ask: the live feed's
route (serving/feed.py) while a run plays, and the page's own runs (ui/live.py), under the
presenter's lock either way, because a fast rerun can overlap a refresh still running.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from serving import feed
from serving.limits import LIMITS
from serving.pacing import Pace, Pacer
from serving.slots import SLOTS
from ui.live_chart import Board
from viz import style


@dataclass(frozen=True)
class LiveChart:
    """One chart of a refresh: the panel it belongs to, how many refreshes a frame of it lasts
    while playing (heavy charts take turns), how to build it, and its own settings (a
    change draws it at once)."""

    panel: str
    every: int
    build: Callable
    inputs: tuple = ()
    highlight: bool = False  # the chart a lesson asks to watch


def for_the_room(chart: LiveChart, height: int | None = None,
                 title: str | None = None) -> LiveChart:
    """``chart`` for the presenter view: legible from the back of a room (viz.style
    .projected), ``height`` tall and under ``title`` when given."""
    build = chart.build
    # A chart of the first screen (given a height there) is one of three across it.
    width = style.KEY_PX if height else style.PROJECTED_PX
    return replace(chart, build=lambda: style.projected(build(), height, title=title,
                                                        width_px=width),
                   inputs=(*chart.inputs, "projected"))


def busy_message() -> str:
    """What a live page says when its tick found every training slot taken."""
    return (f"The server is busy: {SLOTS.size} classmates are training; yours will continue "
            "when a slot frees.")


@dataclass(frozen=True)
class Refresh:
    parts: dict  # the status line by place ("head", "notes"): lists of [kind, content,
    # extra] (ui/components/feed.js draws them)
    charts: dict  # key -> a new frame (Plotly JSON) for each chart that was due
    finished: bool  # the run cannot go on (every member diverged)


class LivePresenter:
    """What Explore's and Compare's presenters share: the run's lock, its pace within the
    server's training slots, the chart board, the playing flag and the feed's token.

    A subclass sets ``run`` (core.run.LiveRun or core.compare.Lockstep) and defines
    ``charts()`` (key -> LiveChart), ``status_parts()`` and, if it needs one, ``prepare(due)``
    (work shared by the due charts, done before they are built)."""

    records_per_tick = 4
    RUNS_KEPT = 4  # runs of earlier settings kept, so Back to them finds them where they were

    def __init__(self):
        self.runs: OrderedDict = OrderedDict()  # settings -> their run, newest last
        self.run_key = None  # the settings of the run on screen
        self.lock = threading.Lock()
        self.board = Board()
        self.pacer = Pacer(self.records_per_tick)
        self.playing = False
        self.speed = 20  # training steps asked of one refresh
        self.shown: tuple[str, ...] = ()  # the panels on the page
        self.tick_s = LIMITS.tick_seconds
        # When the next refresh may start, and who the training slots count: the session's
        # (ui/session.Tab's), shared by its live pages; a presenter of its own until a page
        # hands it the session's.
        self.pace = Pace()
        # The tab's place in a class (ui/class_seat.py), or None: a refresh that brings the
        # assignment's run to its steps posts it, and every refresh flushes what waits.
        self.seat = None
        self.token = feed.register(self)

    # ------------------------------------------------------------ what subclasses define

    run = None

    def carry_on(self, key) -> bool:
        """Whether the run on screen can take settings ``key`` in place and go on (it then
        has); otherwise a run of its own is shown."""
        return False

    def charts(self) -> dict[str, LiveChart]:
        raise NotImplementedError

    def status_parts(self) -> dict[str, list]:
        """The status parts by place: "head", the line above the key charts (kept one line
        high, so the charts do not move while a run plays), and "notes", under them."""
        raise NotImplementedError

    def prepare(self, due: set[str]) -> None:
        pass

    def show_run(self, key, make: Callable) -> None:
        """Show the run of settings ``key``: the one on screen if it can carry on, an
        earlier one where it was left, or a new one from ``make()``, paused."""
        with self.lock:
            if self.run is not None and key == self.run_key:
                return
            if self.run is not None and self.carry_on(key):
                self.runs.pop(self.run_key)
            else:
                self.playing = False
                self.run = self.runs.pop(key, None) or make()
            self.run_key = key
            self.runs[key] = self.run
            while len(self.runs) > self.RUNS_KEPT:
                self.runs.popitem(last=False)

    # ------------------------------------------------------------ the refresh

    def refresh(self, visible: set[str] | None = None, ticking: bool = False,
                timer: bool = False) -> Refresh:
        """A tick of training when ``ticking``, then the status parts and a frame for each
        chart that is due (of those in ``visible`` when it is given: the feed skips charts
        scrolled out of view). ``timer`` says a playing page's timer asked, which spreads
        the heavy charts over several refreshes; any other refresh draws every chart."""
        with self.lock:
            trained = self.pacer.tick(self.run, self.speed, owner=self.pace) if ticking else 0
            self.board.next_frame(timer, news=trained > 0)
            due = {key: chart for key, chart in self.charts().items()
                   if chart.panel in self.shown and (visible is None or key in visible)
                   and self.board.due(key, chart.every, self._inputs(chart))}
            self.prepare(set(due))
            if trained and self.run.stopped:
                self.playing = False  # a stop: the page shows the run as it stands there
            seat = self.seat
            if seat is not None:
                seat.at_refresh(self)  # the assignment's steps reached: the run is posted
            parts = self.status_parts()
            finished = self.run.finished or (ticking and not self.playing)
            built = {key: self.board.frame(key, chart.build, chart.every, self._inputs(chart),
                                           highlight=chart.highlight)
                     for key, chart in due.items()}
        if seat is not None:
            seat.flush()  # on the class pool's thread: a tick never waits for the database
        return Refresh(parts, built, finished)

    def _inputs(self, chart: LiveChart) -> tuple:
        return (id(self.run), self.run.generation, *chart.inputs)

    # ------------------------------------------------------------ the live feed's side

    def wait_s(self) -> float:
        """How long a request arriving now waits before its refresh: the page asks again as
        soon as an answer comes, and the server keeps the pace (the tick rate), one per
        session: every feed of the session shares the pace."""
        return self.pace.wait_s()

    def next_tick_s(self) -> float:
        """How long from the start of this refresh to the next: a tick, stretched on a
        crowded server (serving/pacing.py Pacer.stretch)."""
        return self.tick_s * self.pacer.stretch()

    def poll(self, visible: set[str]) -> str:
        """The feed's answer: a refresh as JSON, or "done" once paused."""
        if not self.playing:  # paused since the request left the browser
            return json.dumps({"status": None, "charts": {}, "done": True})
        self.pace.started(self.next_tick_s())
        r = self.refresh(visible, ticking=True, timer=True)
        if r.finished:
            self.playing = False
        body = ",".join(f"{json.dumps(key)}:{spec}" for key, spec in r.charts.items())
        return (f'{{"status":{json.dumps(r.parts)},"charts":{{{body}}},'
                f'"done":{json.dumps(r.finished)}}}')

    # ------------------------------------------------------------ the transport buttons

    def play(self, on: bool) -> None:
        # Set, never toggle: a click that reaches the server twice must not undo itself.
        self.playing = on
        if not on:
            self.pacer.waiting = False  # paused: nothing is waiting for a slot any more

    def step(self, n: int) -> None:
        self.playing = False
        with self.lock:
            self.pacer.advance(self.run, n)

    def reset(self) -> None:
        self.playing = False
        with self.lock:
            self.run.reset()
