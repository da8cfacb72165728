"""Each layer's gradient over the steps: lines, and a layer x step heatmap."""

from ui.panel import SLOW, Chart, Panel
from ui.panels.gradient_flow import QUANTITY, field
from viz import training


def _lines(view):
    return training.layer_lines(view.frames[0], field(view), view.depth)


def _heat(view):
    return training.gradflow_heatmap(view.frames[0], field(view), view.depth)


PANEL = Panel(
    "gradient history", order=45, controls=(QUANTITY,),
    cells=(Chart("flow_lines", _lines, every=SLOW, inputs=lambda view: (field(view),)),
           Chart("flow_heat", _heat, every=SLOW, inputs=lambda view: (field(view),))),
    caption="Healthy initialisation keeps all layers within an order of magnitude or two; "
            "vanishing shows as lines fanning out downwards for the layers nearest the input.")
