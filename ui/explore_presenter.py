"""Explore's presenter: one network (the newest of a few settings' runs) trained live, and
the frames of the panels shown (ui/panels/), as the page's runs and the live feed ask.

Its parts live apart: the run and its pacing in ui/presenter.py, the lesson with its
question in ui/lecture.py, the status line in ui/explore_status.py, the exports in
ui/explore_exports.py, each panel in ui/panels/.
"""

from __future__ import annotations

from dataclasses import replace

from core import budget
from core.config import RunConfig
from core.run import LiveRun
from serving.limits import CAPS
from ui import catalogue, explore_exports, explore_status, panels, query
from ui.lecture import Lecture
from ui.panel import SLOW, Chart, Panel, RunView
from ui.presenter import LiveChart, LivePresenter, for_the_room
from viz import style

KEY_HEIGHT = 430  # the presenter view's first screen: its charts this tall


class ExplorePresenter(LivePresenter):
    def __init__(self, link: query.ExploreLink):
        super().__init__()
        self.options: dict = {}  # the panels' options (ui/panel.py Control), as last read
        self.present = False  # the presenter view
        self.snapshot = None  # (run, refresh number, snapshot) shared by the grid charts
        self.asked: dict = {}  # panel name -> (run, generation, what its button worked out)
        self.picks: dict = {}  # lesson -> the answer committed to its question
        self.link = link
        self.use(link.config)

    # ------------------------------------------------------------ what the page sets

    @property
    def config(self) -> RunConfig:
        return self.run.config

    def use(self, cfg: RunConfig) -> None:
        """Show the run of ``cfg`` (LivePresenter.show_run). Raises LimitError, naming the
        cap, before anything changes."""
        budget.check(cfg, CAPS)
        self.show_run(cfg, lambda: LiveRun(cfg))
        self.link = replace(self.link, config=cfg)

    def carry_on(self, cfg: RunConfig) -> bool:
        """Only a learning-rate change keeps the run going, at the new rate."""
        if cfg.replace(lr=self.run.config.lr) != self.run.config:
            return False
        self.run.update(cfg)
        return True

    def show(self, shown: tuple[str, ...], speed: int, options: dict, present: bool) -> None:
        """What the page shows: its panels, steps per refresh, the panels' options and
        whether the presenter view is on."""
        self.speed, self.options, self.present = int(speed), dict(options), present
        self.link = replace(self.link, panels=tuple(p for p in panels.NAMES if p in shown))
        lecture = self.lecture()
        self.shown = lecture.visible(self.link.panels)
        # A question about step N is answered by the run as it stood at N: it pauses there;
        # so does a class assignment's run at its steps, where it is posted (ui/class_seat).
        stops = [lecture.question.ready_at] if lecture.question else []
        if self.seat is not None:
            stops += self.seat.stops(self.run)
        self.run.stop_at(stops)

    def lecture(self) -> Lecture:
        return Lecture(catalogue.LESSONS.get(self.link.lesson), self.link.ask, self.picks)

    def commit(self, choice: int) -> None:
        self.lecture().commit(choice)
        self.shown = self.lecture().visible(self.link.panels)

    # ------------------------------------------------------------ the panels' frames

    def view(self) -> RunView:
        """The run as the builders read it for one refresh."""
        asked = {name: data for name, (run, generation, data) in self.asked.items()
                 if (run, generation) == (id(self.run), self.run.generation)}
        return RunView(self.run, self.options, self.present, self._snapshot, asked)

    def charts(self) -> dict[str, LiveChart]:
        """The live panels' charts (ui/panels/), for LivePresenter.refresh."""
        view, watched = self.view(), self.lecture().watched(self.run.trainer)
        return {chart.key: self._live(panel, chart, view, panel.name in watched)
                for panel in self.drawn("live", view.depth) for chart in panel.charts}

    def drawn(self, how: str, depth: int) -> tuple[Panel, ...]:
        """The panels shown that are drawn ``how`` ("live", "settings", "asked")."""
        return tuple(p for p in panels.shown(self.shown) if p.drawn == how and p.shows(depth))

    def _live(self, panel: Panel, chart: Chart, view: RunView, watched: bool) -> LiveChart:
        live = LiveChart(panel.name, chart.every, lambda: chart.build(view),
                         chart.inputs(view), highlight=watched)
        if not self.present:
            return replace(live, inputs=(*live.inputs, watched))
        key = panel.key_at is not None and chart is panel.charts[0]
        if key and chart.present is not None:
            live = replace(live, build=lambda: chart.present(view))
        title = chart.title(view) if callable(chart.title) else chart.title
        live = for_the_room(live, KEY_HEIGHT if key else None, title if key else None)
        return replace(live, inputs=(*live.inputs, watched))

    def frames(self, panel: Panel) -> dict[str, str | None]:
        """New frames of a panel drawn on settings or when asked (None: the browser keeps
        the one it has): built on the page's run, outside the live part."""
        view, watched = self.view(), panel.name in self.lecture().watched(self.run.trainer)
        out = {}
        for chart in panel.charts:
            build = (lambda c=chart: self._projected(c.build(view)))
            inputs = (id(self.run), self.run.generation, self.present, watched,
                      *chart.inputs(view))
            out[chart.key] = self.board.frame(chart.key, build, inputs=inputs,
                                              highlight=watched)
        return out

    def _projected(self, fig):
        return style.projected(fig) if self.present else fig

    def ask(self, panel: Panel) -> None:
        """Work out what ``panel``'s button asks for, at the step the run is at; kept until
        the run changes."""
        with self.lock:
            self.asked[panel.name] = (id(self.run), self.run.generation, panel.ask(self.view()))

    def _snapshot(self) -> dict:
        """The probe-batch snapshot the grid charts share: a forward pass over a grid, so
        while playing it is taken once for the charts due within SLOW refreshes of each
        other (each of them redraws only one refresh in SLOW anyway)."""
        frame, taken, run = self.board.frame_no, self.snapshot, self.run
        if (frame is None or not taken or taken[0] != (id(run), run.generation)
                or taken[1] is None or frame - taken[1] >= SLOW):
            self.snapshot = ((id(run), run.generation), frame,
                             run.trainer.snapshot(grid_size=24, max_layers=6, max_units=8))
        return self.snapshot[2]

    # ------------------------------------------------------------ the status line

    def status_parts(self) -> dict[str, list]:
        return explore_status.parts(self.run.trainer, self.lecture(), self.pacer.waiting,
                                    self.present)

    # ------------------------------------------------------------ exports

    def report(self) -> str:
        with self.lock:
            return explore_exports.lesson_report(self.view(), self.shown, self.lecture(),
                                                 self.status_parts())

    def weights_json(self) -> str:
        return explore_exports.weights_json(self.run.trainer)

    def telemetry_csv(self) -> str:
        return explore_exports.telemetry_csv(self.run.trainer)

    def config_json(self) -> str:
        return explore_exports.config_json(self.config)
