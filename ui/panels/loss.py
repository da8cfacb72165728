"""The training and test loss over the steps."""

import streamlit as st

from ui.panel import Chart, Control, Panel
from viz import training


def _loss(view):
    return training.loss_figure(view.frames[1], log_y=view.option("log_y", False))


PANEL = Panel(
    "loss", order=30, width=1, key_at=3,
    controls=(Control("log_y", False, lambda key, view: st.toggle("log scale", key=key)),),
    cells=(Chart("loss", _loss, inputs=lambda view: (view.option("log_y", False),),
                 title="Loss"),),
    caption="A flat line at 0.693 (ln 2) means the network guesses 50/50: it has learnt "
            "nothing.")
