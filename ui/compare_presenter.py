"""Compare's presenter: initializers side by side, trained in lockstep on the same data from
the same seeds (pages/compare.py lays out the screen)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core import budget, compare
from core.compare import Comparison, Lockstep
from serving.limits import CAPS
from ui import query
from ui.presenter import LiveChart, LivePresenter, busy_message, for_the_room
from viz import compare_figures

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
        # A class assignment's run pauses at its steps, where it is posted (ui/class_seat).
        self.run.stop_at(self.seat.stops(self.run) if self.seat is not None else [])

    # ------------------------------------------------------------ the live charts

    def charts(self) -> dict[str, LiveChart]:
        run, o = self.run, self.options
        name = o.quantity.replace("_", " ")
        figures = compare_figures
        charts = {
            "cmpfig_loss": LiveChart("compare", 1, lambda: figures.loss_figure(
                run.curves(o.quantity, o.band), compare.BANDS[o.band], o.log_y, name),
                (o.band, o.log_y, o.quantity)),
            "cmpfig_box": LiveChart("compare", 1, lambda: figures.final_box_figure(
                run.final_losses(), o.quantity, o.log_y), (o.log_y, o.quantity)),
            "cmpfig_grads": LiveChart("compare", SLOW, lambda: figures.gradient_multiples(
                run.layer_curves("grad_norm"))),
            "cmpfig_distinct": LiveChart("compare", SLOW, lambda: figures.distinct_multiples(
                run.layer_curves("distinct_units"))),
            # A grid pass per column: only when the thumbnails are due.
            "cmpfig_thumbs": LiveChart("compare", SLOW, lambda: figures.thumbnails_figure(
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
        notes.append(["table", compare_figures.table_cells(run.final_table()), None])
        return {"head": head, "notes": notes}

    def _column_parts(self, i: int) -> list:
        run = self.run
        status, grads = run.status(i), run.hidden_grad_norms(i)
        # A narrow column breaks a long label before its parameters, not before the last ")".
        name = run.labels[i].replace("(", "\u200b(", 1)
        parts = [["swatch", f"**{name}**", compare_figures.colour(i)]]
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
            finite = "the seed finite" if k == 1 else f"all {k} seeds finite"
            parts.append(["markdown", f":material/check: {finite}, units distinct", None])
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
