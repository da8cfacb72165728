"""Compare's presenter and session state: initializers side by side, trained in lockstep
on the same data from the same seeds (pages/compare.py lays out the screen)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from core import budget, compare, config
from core.compare import Comparison, Lockstep
from core.config import RunConfig
from serving.limits import CAPS
from ui import query, session, view, widgets
from ui.explore import busy_message
from ui.presenter import Chart, LivePresenter, for_the_room
from viz import compare as figures

PREFIX = "cmp_"
# As on Explore: the light charts redraw on every refresh of a playing run, the heavy ones
# take turns, one refresh in SLOW each.
SLOW = 3
QUANTITIES = ("train_loss", "test_loss")
KEY_HEIGHT = 430  # the presenter view's loss charts


@dataclass(frozen=True)
class Options:
    quantity: str = "train_loss"
    log_y: bool = False
    band: str = "minmax"
    present: bool = False  # the presenter view: the loss chart large, every text legible


class ComparePresenter(LivePresenter):
    """The comparison's columns, trained in lockstep."""

    records_per_tick = 10  # each record is a point on every column's median curve

    def __init__(self, link: query.CompareLink):
        super().__init__()
        self.options, self.shown, self.speed = Options(band=link.band), ("compare",), 10
        self.link = link
        self.use(link.comparison)

    def use(self, comparison: Comparison) -> None:
        """Train ``comparison`` (LivePresenter.show_run). Raises LimitError, naming the cap,
        before anything changes."""
        budget.check_stack(list(comparison.columns), comparison.seeds, CAPS)
        self.show_run(comparison, lambda: Lockstep(comparison))
        self.link = replace(self.link, comparison=comparison)

    def show(self, speed: int, options: Options) -> None:
        self.speed, self.options = int(speed), options
        self.link = replace(self.link, band=options.band)

    # ------------------------------------------------------------ the live charts

    def charts(self) -> dict[str, Chart]:
        run, o = self.run, self.options
        name = o.quantity.replace("_", " ")
        charts = {
            "cmpfig_loss": Chart("compare", 1, lambda: figures.loss_figure(
                run.curves(o.quantity, o.band), compare.BANDS[o.band], o.log_y, name),
                (o.band, o.log_y, o.quantity)),
            "cmpfig_box": Chart("compare", 1, lambda: figures.final_box_figure(
                run.final_losses(), o.quantity, o.log_y), (o.log_y, o.quantity)),
            "cmpfig_grads": Chart("compare", SLOW, lambda: figures.gradient_multiples(
                run.layer_curves("grad_norm"))),
            "cmpfig_distinct": Chart("compare", SLOW, lambda: figures.distinct_multiples(
                run.layer_curves("distinct_units"))),
            # A grid pass per column: only when the thumbnails are due.
            "cmpfig_thumbs": Chart("compare", SLOW, lambda: figures.thumbnails_figure(
                [run.snapshot(col, grid_size=30) for col in range(len(run.configs))],
                run.labels, run.trainers[0].data)),
        }
        if not o.present:
            return charts
        titles = {"cmpfig_loss": f"{name.capitalize()}, median over seeds",
                  "cmpfig_box": f"Final {name}, every seed"}
        return {key: for_the_room(c, KEY_HEIGHT if key in titles else None, titles.get(key))
                for key, c in charts.items()}

    # ------------------------------------------------------------ the status line

    def status_parts(self) -> dict[str, list]:
        """The step line (head), each column's status and the final figures (notes)."""
        run = self.run
        s = "s" if run.seeds > 1 else ""
        stacks = len(run.trainers)
        head = [["markdown", f"**Step {run.step}** · {run.seeds} seed{s} per configuration · "
                 f"{stacks} stacked computation{'s' if stacks > 1 else ''} for "
                 f"{len(run.configs)} configurations", None]]
        notes = []
        if self.pacer.waiting:  # every training slot was taken, by this refresh or a Step
            notes.append(["info", busy_message(), ":material/hourglass_top:"])
        notes.append(["columns", [self._column_parts(i) for i in range(len(run.configs))],
                      None])
        notes.append(["markdown", "**Final figures** (medians over seeds)", None])
        notes.append(["table", figures.table_cells(run.final_table()), None])
        return {"head": head, "notes": notes}

    def _column_parts(self, i: int) -> list:
        run = self.run
        status, grads = run.status(i), run.hidden_grad_norms(i)
        # A narrow column breaks a long label before its parameters, not before the last ")".
        name = run.labels[i].replace("(", "\u200b(", 1)
        parts = [["swatch", f"**{name}**", figures.colour(i)]]
        k = status["seeds"]
        if status["diverged"]:
            first = min(w["step"] for w in status["diverged_at"])
            parts.append(["markdown", f":material/error: **{status['diverged']} of {k}** "
                          f"seeds diverged (first at step {first})", None])
        if status["symmetric"]:
            parts.append(["markdown", f":material/content_copy: **{status['symmetric']} of "
                          f"{k}** seeds symmetric: a hidden layer's units are all identical",
                          None])
        if not status["diverged"] and not status["symmetric"]:
            parts.append(["markdown", f":material/check: all {k} seeds finite, units distinct",
                          None])
        if len(grads) and not np.isfinite(grads).any():
            numbers = "none, every seed diverged"
        else:
            numbers = " · ".join(f"{g:.2g}" if np.isfinite(g) else "–" for g in grads) or (
                "no hidden layer")
        parts.append(["caption", f"Column {i + 1} hidden-layer ‖∂L/∂W‖ now (largest over "
                      f"seeds): {numbers}", None])
        return parts

    # ------------------------------------------------------------ export

    def finals_csv(self) -> str:
        return self.run.final_losses().to_csv(index=False)

    def curves_csv(self) -> str:
        return self.run.curves("train_loss", self.options.band).to_csv(index=False)


# ---------------------------------------------------------------- the page's session


@dataclass
class Visit:
    """Compare's state in a browser session."""

    presenter: ComparePresenter | None = None
    written: dict | None = None
    link_errors: list = field(default_factory=list)
    shared: RunConfig = config.DEFAULT  # the last shared settings that were valid
    own: dict = field(default_factory=dict)  # column -> the last own settings that were valid


def _column_prefix(i: int) -> str:
    return f"{PREFIX}c{i}_"


def enter() -> tuple[ComparePresenter, Visit]:
    """The session's presenter, with a link loaded when the address is news."""
    visit = session.page_state("compare", Visit)
    arrived = session.news(visit.written)
    if arrived is None:
        session.keep_widgets(PREFIX)
        return visit.presenter, visit
    link, errors = query.comparison(arrived)
    try:
        budget.check_stack(list(link.comparison.columns), link.comparison.seeds, CAPS)
    except budget.LimitError as err:
        errors.append(f"{err}; seeds set to 1")
        link = replace(link, comparison=replace(link.comparison, seeds=1))
    try:
        if visit.presenter is None:
            visit.presenter = ComparePresenter(link)
        else:
            visit.presenter.use(link.comparison)
    except budget.LimitError as err:
        errors.append(f"{err}; the default comparison was used")
        link = query.CompareLink()
        visit.presenter = visit.presenter or ComparePresenter(link)
        visit.presenter.use(link.comparison)
    visit.presenter.link = link
    visit.presenter.pace = session.tab().pace  # one pace per tab, whichever page plays
    visit.link_errors = errors
    c = link.comparison
    visit.shared, visit.own = c.shared, {}
    values = widgets.values(c.shared, PREFIX)
    values.update({PREFIX + "ncols": len(c.columns), PREFIX + "seeds": c.seeds,
                   PREFIX + "band": link.band})
    for i in range(compare.MAX_COLUMNS):
        column = c.columns[i] if i < len(c.columns) else compare.default_column(i, c.shared)
        values.update(widgets.column_values(_column_prefix(i), column, c.shared))
    session.set_widgets(values)
    return visit.presenter, visit


def shared_settings(visit: Visit, raw: dict) -> tuple[RunConfig, str | None]:
    """The shared settings from the widgets, or the last valid ones and why."""
    try:
        visit.shared = config.validate(raw)
        return visit.shared, None
    except ValueError as err:
        return visit.shared, str(err)


def column(visit: Visit, i: int, shared: RunConfig) -> tuple[RunConfig, str | None]:
    """Column ``i`` from its editor (drawn here), or its last valid settings and why."""
    own = widgets.column_editor(_column_prefix(i), shared)
    try:
        cfg = shared.replace(**own)
        visit.own[i] = own
        return cfg, None
    except ValueError as err:
        previous = visit.own.get(i)
        try:
            return (shared.replace(**previous) if previous
                    else compare.default_column(i, shared)), str(err)
        except ValueError:
            return compare.default_column(i, shared), str(err)


def start(presenter: ComparePresenter, shared: RunConfig, columns: list[RunConfig],
          seeds: int) -> str | None:
    """Train this comparison, or keep the one on screen and say why not."""
    try:
        presenter.use(Comparison(shared, columns, seeds))
        return None
    except ValueError as err:
        return str(err)


def shortcuts(presenter: ComparePresenter) -> dict:
    """What the keys do on Compare (ui/view.py): space Play/Pause, s Step, r Reset, n new
    first init seed."""
    return {"space": lambda: presenter.play(not presenter.playing),
            "step": lambda: presenter.step(1), "reset": presenter.reset,
            "seed": view.new_seed(PREFIX + "init_seed")}


def share_link(presenter: ComparePresenter) -> str:
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(query.compare_query(presenter.link))}"


def leave(presenter: ComparePresenter, visit: Visit) -> None:
    visit.written = session.write_query(query.compare_query(presenter.link))
    session.save_widgets(PREFIX)

