"""Each layer's weights over the steps: their size ‖W‖, and how far each step moves them
(the update ratio ‖ΔW‖ / ‖W‖)."""

from ui.panel import SLOW, Chart, Panel
from viz import training


def _norms(view):
    return training.layer_lines(view.frames[0], "weight_norm", view.depth,
                                title="‖W‖ per layer over steps")


def _ratios(view):
    return training.layer_lines(view.frames[0], "update_ratio", view.depth,
                                title="update / weight per layer over steps")


PANEL = Panel(
    "weight norms", order=75, default=False,
    cells=(Chart("weight_norms", _norms, every=SLOW), Chart("update_ratios", _ratios,
                                                            every=SLOW)),
    caption="Left: how large each layer's weights are. Zeros stay at exactly 0 in every hidden "
            "layer; a healthy start grows them slowly. Right: each step's change of a layer's "
            "weights against their size: around 1e-3 is a steady pace (Karpathy's rule of "
            "thumb); far below, the layer hardly learns; near 1, each step rewrites it.")
