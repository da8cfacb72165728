"""The symmetry meter (distinct units, their spread) and one layer's unit similarity."""

from core import diagnosis
from ui import widgets
from ui.panel import SLOW, Chart, Control, Panel, layer_count
from viz import training

SHOWN_UNITS = 32


def _layer(view) -> int:
    return layer_count(view.option("sim_layer", 1), view.depth)


def _meter(view):
    return training.symmetry_figure(view.frames[0], view.width, view.depth)


def _similarity(view):
    layer = _layer(view)
    W, b = view.trainer.Ws[layer - 1][0], view.trainer.bs[layer - 1][0]
    sim = diagnosis.unit_similarity(W, b)
    return training.similarity_figure(sim[:SHOWN_UNITS, :SHOWN_UNITS], layer)


PANEL = Panel(
    "symmetry", order=60, needs_hidden=True, ratios=(3, 2),
    cells=(Chart("symmetry", _meter, every=SLOW),
           Chart("similarity", _similarity, every=SLOW, inputs=lambda view: (_layer(view),),
                 control=Control("sim_layer", 1, lambda key, view: widgets.layer_picker(
                     "layer", view.depth, key)))),
    caption="Random initialisation gives every unit its own weights: as many distinct units as "
            "the width. Zeros or a constant give 1, and gradient descent can never separate "
            "them.")
