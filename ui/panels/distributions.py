"""Activation and back-propagated-error histograms per layer, with saturated and dead
shares."""

from ui.panel import SLOW, Chart, Panel
from viz import distributions


def _histograms(view):
    return distributions.histograms_figure(view.snapshot, view.depth)


def _saturation(view):
    return distributions.saturation_figure(view.latest, view.depth)


PANEL = Panel(
    "distributions", order=50, needs_hidden=True, ratios=(2, 1),
    cells=(Chart("histograms", _histograms, every=SLOW, snapshot=True),
           Chart("saturation", _saturation, every=SLOW)),
    caption="Glorot & Bengio's picture: activations piled at ±1 (tanh) or 0/1 (sigmoid) are "
            "saturated and pass almost no gradient back; ReLU units with zero slope on every "
            "example are dead.")
