"""Each layer's gradient (or back-propagated error, or update ratio) now, as bars."""

import streamlit as st

from core import telemetry
from ui.panel import Chart, Control, Panel
from viz import training

FIELDS = {"grad_norm": "weight gradient", "backprop_std": "back-propagated error",
          "update_ratio": "update / weight"}


def _quantity(key, view):
    st.segmented_control("quantity", list(FIELDS), key=key, format_func=FIELDS.get)


QUANTITY = Control("flow_field", "grad_norm", _quantity)


def field(view) -> str:
    """The quantity the gradient panels show (the control keeps a value; a cleared
    segmented control reads as the default)."""
    return view.option("flow_field") or "grad_norm"


def _bars(view):
    return training.gradflow_bars(view.latest, field(view), view.depth,
                                  step_scale=telemetry.step_scale(view.config))


def _bars_for_the_room(view):
    return training.gradflow_bars(view.latest, field(view), view.depth, key_below=True,
                                  step_scale=telemetry.step_scale(view.config))


PANEL = Panel(
    "gradient flow", order=40, width=1, key_at=2, controls=(QUANTITY,),
    cells=(Chart("flow_bars", _bars, inputs=lambda view: (field(view),),
                 present=_bars_for_the_room,
                 title=lambda view: training.SHORT_TITLES[field(view)]),),
    caption="Each layer's gradient now, on a log scale. Bars below the lower dotted line "
            "(100x under the output layer's) are vanishing; above the upper one, exploding. A "
            "weight gradient is vanishing too where the step it takes would move its layer by "
            "less than a millionth of its weights (hover a bar for the step): a level row of "
            "tiny gradients learns nothing.")
