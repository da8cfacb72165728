"""What the network predicts over the input plane, with the data on it."""

from ui.panel import SLOW, Chart, Panel
from viz import boundary


def _boundary(view):
    return boundary.boundary_figure(view.snapshot, view.trainer.data)


PANEL = Panel(
    "boundary", order=20, width=2,
    cells=(Chart("boundary", _boundary, every=SLOW, snapshot=True),),
    caption="What the network predicts everywhere; filled dots train, rings test.")
