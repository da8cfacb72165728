"""Dynamical isometry: the singular values of the Jacobian ∂h_L/∂h_1, now and at the first
weights."""

import numpy as np

from core import spectrum
from ui.panel import SLOW, Chart, Panel, Text
from viz import spectrum_figures


def _singular_values(view, Ws, bs, X):
    cap = spectrum.inputs_cap(view.depth, view.width, spectrum.LIVE_WORK, spectrum.LIVE_INPUTS)
    with np.errstate(all="ignore"):
        return spectrum.singular_values([W[0] for W in Ws], [b[0] for b in bs], X,
                                        view.config.activation, cap)


def _spectrum(view):
    """The singular values now, over the inputs of the next batch, against those of the
    first weights on the same inputs."""
    run = view.run
    X = spectrum.current_batch(run.trainer)
    return spectrum_figures.spectrum_figure(
        _singular_values(view, run.trainer.Ws, run.trainer.bs, X), view.depth,
        view.config.init, view.config.activation,
        reference=_singular_values(view, run.initial_Ws, run.initial_bs, X))


WHAT = ("**Dynamical isometry.** How much the hidden layers stretch or squash a small change "
        "of layer 1 on its way to the top layer, in every direction: the singular values σ of "
        "the Jacobian ∂h_L/∂h_1, one set per input of the batch. All σ = 1 (the dotted line) "
        "is a perfect relay; every σ far below 1 is a direction the error cannot travel back "
        "along.")

PANEL = Panel(
    "isometry", order=70, needs_hidden=True, ratios=(3, 2), default=False,
    cells=(Chart("spectrum", _spectrum, every=SLOW), Text(lambda view: WHAT)),
    caption="Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017: orthogonal weights in a "
            "linear net keep every σ at exactly 1 at any depth; Gaussian weights of the same "
            "variance spread them over decades. Tanh comes close only at its critical point "
            "without biases (σ_w² = 1, σ_b² = 0), and only with orthogonal weights in every "
            "layer, where the signal shrinks and tanh acts linearly: at depth 10 to 30, at "
            "least 70 % of σ lie within a factor 2 of 1 at width 32, and at least 90 % from "
            "width 64. With Gaussian weights fewer than a quarter do, and at the critical "
            "point with biases (σ_b² = 0.05, σ_w² = 1.76) at most 40 % do even with "
            "orthogonal weights. ReLU cannot (its off units give σ = 0). Dashed: the first "
            "weights on the same inputs.")
