"""Theory beside measurement at step 0: each layer's scale as mean-field theory predicts it,
against this network and the range over a few init seeds; and the first weights of a layer
against its initializer's density."""

import functools

from core import theory
from ui import widgets
from ui.panel import Chart, Control, Panel, layer_count
from viz import distributions

BAND_SEEDS = 8  # init seeds behind the finite-width band


def _theory(view):
    layer_frame = view.frames[0]
    step0 = layer_frame[(layer_frame["step"] == 0) & (layer_frame["member"] == 0)]
    return distributions.theory_figure(
        theory.at_init(view.trainer), step0.sort_values("layer"), view.depth,
        band=theory.seed_band(view.config, BAND_SEEDS))


@functools.lru_cache(maxsize=64)  # a few hundred thousand draws: once per initializer
def _density(name, params, shape, scale):
    return theory.init_density(name, dict(params), shape, scale=scale)


def _layer(view) -> int:
    return layer_count(view.option("weight_layer", 1), view.depth + 1)


def _weights(view):
    layer, cfg = _layer(view), view.config
    name, params = cfg.layer_init(layer)
    W0 = view.run.initial_Ws[layer - 1][0]
    edges, density = _density(name, params, W0.shape, cfg.init_scale)
    return distributions.weight_histogram_figure(W0, edges, density, layer, name)


PANEL = Panel(
    "theory", order=80, drawn="settings",
    cells=(Chart("theory", _theory),
           Chart("weights", _weights, inputs=lambda view: (_layer(view),),
                 control=Control("weight_layer", 1, lambda key, view: widgets.layer_picker(
                     "weights of layer", view.depth + 1, key)))),
    caption="The mean-field argument (lines: Poole et al. 2016, each input of the first batch "
            "carried through exact Gaussian expectations) predicts each layer's scale from "
            "the weights' variance; dots are what this network did at step 0; the shaded band "
            "is the range over 8 init seeds, how far one network of this width may sit from "
            "the line. They part ways where the argument's assumptions fail (constant "
            "weights, identical units).")
