"""Sweep's presenter and session state: a grid over two settings, each cell trained from
several seeds (pages/sweep.py lays out the screen)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from core import config, phase, sweep
from serving.limits import CAPS
from serving.slots import SLOTS
from ui import query, session, widgets
from ui.live_chart import Board
from viz import compare as figures

PREFIX = "swp_"
# A sweep works in slices of WORK_S seconds, one per refresh, so that Cancel (and every
# other session) gets its turn between two slices.
TICK_S = 0.5
WORK_S = 0.35
RATIOS = {"grad_ratio": "weight gradients ‖∂L/∂W‖", "backprop_ratio": "error signals std(∂L/∂z)"}


class SweepPresenter:
    """The session's sweep: started, advanced a slice at a time within a training slot,
    cancelled; and its maps."""

    def __init__(self):
        self.lock = threading.Lock()
        self.board = Board()
        self.run: sweep.SweepRun | None = None
        self.running = False
        self.waiting = False  # the last slice found every training slot taken
        self.line = None  # the theory's trainable depth over the map (phase.sweep_line)

    def start(self, spec: sweep.Spec) -> None:
        with self.lock:
            self.run = sweep.SweepRun(spec, CAPS)
            self.line = phase.sweep_line(spec.base, spec.x, spec.y)
            self.running = True

    def cancel(self) -> None:
        self.running = False
        with self.lock:
            if self.run is not None:
                self.run.cancel()

    def advance(self) -> bool:
        """One slice of work within a training slot; returns True when the sweep has just
        come to its end (finished or cancelled)."""
        if not self.running or self.run is None:
            return False
        with self.lock, SLOTS.hold() as granted:
            self.waiting = not granted
            if granted:
                self.run.advance(WORK_S)
            if self.run.done:
                self.running = False
                return True
        return False

    def progress_text(self) -> str:
        run = self.run
        state = ("cancelled" if run.cancelled else "finished" if run.finished else
                 f"now: {run.current}")
        return (f"{run.cells_done} of {len(run.cells)} cells · {run.elapsed:.1f} s of "
                f"training · {state}")

    def map_frames(self, threshold: float, ratio: str) -> dict[str, str | None]:
        """key -> a new frame of each of the three maps (None: unchanged)."""
        s = self.run.spec
        summary = self.run.summary(threshold)
        frames = {}
        for value in ("final_train_loss", ratio, "trained_fraction"):
            key = f"swpfig_{value}"
            line = self.line if value == "trained_fraction" else None
            figure = figures.sweep_heatmap(sweep.grid(summary, s, value), s.x.name,
                                           s.x.labels, s.y.name, s.y.labels, value, line=line)
            frames[key] = self.board.frame(key, lambda f=figure: f,
                                           inputs=(id(self.run), len(self.run.rows),
                                                   threshold, ratio))
        return frames

    def seeds_csv(self) -> str:
        return self.run.frame().to_csv(index=False)

    def cells_csv(self, threshold: float) -> str:
        return self.run.summary(threshold).to_csv(index=False)


@dataclass
class Visit:
    presenter: SweepPresenter = field(default_factory=SweepPresenter)
    written: dict | None = None
    link_errors: list = field(default_factory=list)
    link: query.SweepLink = field(default_factory=query.SweepLink)


def enter() -> Visit:
    visit = session.page_state("sweep", Visit)
    arrived = session.news(visit.written)
    if arrived is None:
        session.keep_widgets(PREFIX)
        return visit
    link, errors = query.sweep_link(arrived)
    try:
        sweep.cells(link.spec, CAPS)
    except ValueError as err:
        errors.append(f"{err}; the preset was used instead")
        link = query.SweepLink(sweep.PRESETS[link.preset].spec(), link.threshold, link.preset)
    visit.link, visit.link_errors = link, errors
    load(link)
    return visit


def load(link: query.SweepLink) -> None:
    """Show a sweep in the widgets."""
    spec = link.spec
    values = widgets.values(spec.base, PREFIX)
    values.update(widgets.axis_values(PREFIX, "x", spec.x))
    values.update(widgets.axis_values(PREFIX, "y", spec.y))
    values.update({PREFIX + "seeds": spec.seeds, PREFIX + "steps": spec.steps,
                   PREFIX + "trained": link.threshold, PREFIX + "preset": link.preset,
                   PREFIX + "ratio": sweep.PRESETS[link.preset].ratio})
    session.set_widgets(values)


def load_preset() -> None:
    """on_change of the preset picker: the preset's settings and axes into the widgets."""
    key = st.session_state[PREFIX + "preset"]
    threshold = st.session_state.get(PREFIX + "trained", sweep.DEFAULT_THRESHOLD)
    load(query.SweepLink(sweep.PRESETS[key].spec(), threshold, key))


def spec_from(raw_base: dict, x: tuple[str, str], y: tuple[str, str], seeds: int,
              steps: int) -> tuple[sweep.Spec | None, str | None]:
    """The sweep the widgets describe, checked (settings, axes, caps), or why not."""
    try:
        spec = sweep.Spec(config.validate(raw_base), sweep.parse_axis(*x),
                          sweep.parse_axis(*y), int(seeds), int(steps))
        sweep.cells(spec, CAPS)
        return spec, None
    except ValueError as err:
        return None, str(err)


def show(visit: Visit, spec: sweep.Spec, threshold: float, preset: str) -> None:
    """The sweep the page shows (its address says it)."""
    visit.link = query.SweepLink(spec, threshold, preset)


def rule(spec: sweep.Spec, threshold: float) -> str:
    """The grid's size and the rule that says a seed trained."""
    guess = sweep.baseline_for(spec.base)
    cells = len(spec.x.values) * len(spec.y.values)
    return (f"{cells} cells × {spec.seeds} seeds × {spec.steps} steps. **Rule:** a seed "
            f"*trained* when its final training loss is below {threshold:g} × {guess:.3f} = "
            f"{threshold * guess:.3f}, where {guess:.3f} is the loss of the best constant "
            "guess (ln 2 on two balanced classes). A diverged seed did not train.")


def leave(visit: Visit) -> None:
    visit.written = session.write_query(query.sweep_query(visit.link))
    session.save_widgets(PREFIX)

