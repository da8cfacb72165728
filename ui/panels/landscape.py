"""The loss landscape, drawn when asked: on the line from the first weights to the weights
now, and on a slice around the weights now."""

import numpy as np

from core import budget, landscape
from ui.panel import Chart, Panel
from viz import landscape_figures


def _draw(view) -> dict:
    """The line θ0 → θ and a filter-normalised slice around θ, at the step the run is at
    (a second or so of work)."""
    trainer, cfg = view.trainer, view.config
    n = landscape.grid_for(budget.weight_count(cfg), cfg.n_samples)
    with np.errstate(all="ignore"):
        return {"step": trainer.step, "line": landscape.line(trainer),
                "slice": landscape.slice_2d(trainer, n=n, seed=cfg.train_seed)}


def _caption(view) -> str:
    drawn = view.asked.get("landscape")
    if drawn is None:
        return "The loss landscape is drawn when asked, at the step the run is at."
    return (f"Drawn at step {drawn['step']}. Left: the loss of the network (1 − α)·first "
            "weights + α·weights now (Goodfellow, Vinyals & Saxe 2015); a smooth fall from "
            "α = 0 to 1 means training took a simple path. Right: the loss around the weights "
            "now along two directions scaled to each unit's weights (Li et al. 2018). Under "
            "zeros or a constant the directions are one that keeps the units copies and one "
            "that breaks the symmetry: the slope along the second is exactly 0, so gradient "
            "descent never leaves the copies.")


def _inputs(view):
    drawn = view.asked.get("landscape")
    return (id(drawn),)


PANEL = Panel(
    "landscape", order=100, drawn="asked", default=False, ask=_draw,
    ask_label="Draw the loss from the first weights",
    ask_help="the loss along the straight line from the first weights to the weights now, "
             "and on a slice around them; a second or so of work",
    cells=(Chart("landscape_line", lambda view: landscape_figures.line_figure(
               view.asked["landscape"]["line"]), inputs=_inputs),
           Chart("landscape_slice", lambda view: landscape_figures.slice_figure(
               view.asked["landscape"]["slice"]), inputs=_inputs)),
    caption=_caption)
