"""The network as a graph: each hidden unit's output over the input plane."""

from ui.panel import SLOW, Chart, Panel
from viz import network


def _graph(view):
    return network.network_figure(view.snapshot, view.depth, view.width)


def _for_the_room(view):
    return network.network_figure(view.snapshot, view.depth, view.width, max_layers=4,
                                  max_units=6, short_labels=True)


PANEL = Panel(
    "network", order=10, width=3, key_at=1,
    cells=(Chart("network", _graph, every=SLOW, snapshot=True, present=_for_the_room,
                 title="The units"),),
    caption="Each square is one unit's output over the input plane (blue positive, orange "
            "negative); links are weights, thicker = larger. Under zeros or a constant, every "
            "square in a layer is the same.")
