"""The numbers a lesson's text may quote from its own run, by name.

A lesson's text writes ``{error_ratio:.0e}`` where the number belongs; the lesson's network,
built with its seeds at step 0 (some facts train it further, or a twin of it), fills it in,
so the words and the screen agree. ``FACTS`` is the documented list (README "Write your own
lesson"); each fact is computed only when a text names it, once per configuration.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core import landscape, phase, spectrum, telemetry
from core.config import RunConfig
from core.readings import hidden, latest, per_layer, start_loss, step0, train_loss
from core.telemetry import Field
from core.trainer import Trainer

OVERFLOW_WITHIN = 20  # steps overflow_step looks through
SATURATION_WITHIN = 3000  # steps top_saturation_step looks through, every SATURATION_EVERY
SATURATION_EVERY = 50


def _pre(t) -> np.ndarray:
    return hidden(step0(t), "preact_std")


def _err(t) -> np.ndarray:
    return hidden(step0(t), "backprop_std")


@functools.lru_cache(maxsize=32)
def _signal(cfg: RunConfig) -> tuple[float, float, float]:
    """(smallest, largest, top / layer 1) hidden pre-activation std of ``cfg`` at step 0."""
    pre = _pre(Trainer(cfg))
    return float(pre.min()), float(pre.max()), float(pre[-1] / pre[0])


def gaussian_twin(cfg: RunConfig) -> RunConfig:
    """The same network with Gaussian weights of the orthogonal ones' variance, 1/width."""
    return cfg.replace(init="random_normal", init_params={"stddev": cfg.width ** -0.5})


@functools.lru_cache(maxsize=8)
def _twin_spectrum(cfg: RunConfig) -> dict:
    return spectrum.summary(spectrum.trainer_singular_values(Trainer(gaussian_twin(cfg))))


def _overflow_step(t):
    boom = Trainer(t.config).run(OVERFLOW_WITHIN).diverged_at[0]
    return boom["step"] if boom else f"no step within {OVERFLOW_WITHIN}"


@functools.lru_cache(maxsize=8)
def _top_saturation(cfg: RunConfig) -> tuple[int, float, float]:
    """(step, the top layer's mean output, loss) once most of the top hidden layer is
    saturated, or at SATURATION_WITHIN steps."""
    run = Trainer(cfg, record_every=SATURATION_EVERY)
    while run.record.steps[-1] < SATURATION_WITHIN:
        run.run(SATURATION_EVERY)
        if hidden(run.record.layers[-1][0], "saturated_frac")[-1] > 0.5:
            break
    step, lay, met = latest(run)
    return step, float(hidden(lay, "act_mean")[-1]), train_loss(met)


def _grad_step(t) -> float:
    lay = step0(t)
    steps = telemetry.step_ratios(lay[:, Field.grad_norm], lay[:, Field.weight_norm],
                                  telemetry.step_scale(t.config))
    return float(np.median(steps[:-1] if len(steps) > 1 else steps))


def _landscape_dip(t) -> float:
    s = landscape.slice_2d(t, seed=t.config.train_seed)
    loss = np.asarray(s["loss"])
    return float(loss[:, len(loss) // 2].min())


@functools.lru_cache(maxsize=32)
def _phase(cfg: RunConfig) -> dict:
    """Where the phase diagram puts the network (core.phase.network_point), with 1 - c of
    two inputs at correlation 0.5 after 10 and 30 layers (core.phase.propagate)."""
    here = phase.network_point(cfg)
    path = phase.propagate(cfg.activation, here["weight_var"], here["bias_var"], here["q0"],
                           0.5, 31)
    return {**here, "gap10": 1 - float(path["c"][10]), "gap30": 1 - float(path["c"][30])}


def _infinite(value):
    """None (infinite in core.phase's points) as inf, which a format writes as 'inf'."""
    return math.inf if value is None else value


def _two_digits(x: float) -> float:
    return round(x, 1 - int(math.floor(math.log10(x))))


@dataclass(frozen=True)
class Fact:
    name: str
    meaning: str  # for the documented list
    compute: Callable = field(repr=False)  # the lesson's trainer at step 0 -> the value
    sample: object = 1.5  # a value of its kind: a text's format is checked on it when loaded


_TABLE = [
    Fact("loss0", "the training loss at step 0", start_loss),
    Fact("signal_factor", "the factor each hidden layer multiplies the pre-activation std by "
         "(geometric mean from layer 1 to the top hidden layer)", lambda t: per_layer(_pre(t))),
    Fact("signal_ratio", "the top hidden layer's pre-activation std over layer 1's",
         lambda t: float(_pre(t)[-1] / _pre(t)[0])),
    Fact("signal_power_log2", "log2 of the top hidden layer's signal power over layer 1's",
         lambda t: math.log2(float(_pre(t)[-1] / _pre(t)[0]) ** 2)),
    Fact("preact_min", "the smallest hidden pre-activation std", lambda t: float(_pre(t).min())),
    Fact("preact_max", "the largest hidden pre-activation std", lambda t: float(_pre(t).max())),
    Fact("preact_upper", "the mean pre-activation std of hidden layers 2 and up",
         lambda t: float(np.mean(_pre(t)[1:]))),
    Fact("output_preact", "the output layer's pre-activation std",
         lambda t: float(step0(t)[-1, Field.preact_std])),
    Fact("error_ratio", "layer 1's back-propagated error std over the top hidden layer's",
         lambda t: float(_err(t)[0] / _err(t)[-1])),
    Fact("error_decades", "decades between the top hidden layer's error and layer 1's",
         lambda t: -math.log10(float(_err(t)[0] / _err(t)[-1]))),
    Fact("grad_max", "the largest weight-gradient norm of any layer",
         lambda t: float(step0(t)[:, Field.grad_norm].max())),
    Fact("grad_step", "how far the first step would move a hidden layer's weights, as a share "
         "of their size (lr·‖∂L/∂W‖/‖W‖, the median over the hidden layers)", _grad_step),
    Fact("saturated_upper", "the share of saturated outputs in hidden layers 2 and up",
         lambda t: float(np.mean(hidden(step0(t), "saturated_frac")[1:]))),
    Fact("top_mean0", "the top hidden layer's mean output",
         lambda t: float(hidden(step0(t), "act_mean")[-1])),
    Fact("overflow_step", f"the step a run of this network overflows at, within "
         f"{OVERFLOW_WITHIN} steps", _overflow_step, sample=7),
    Fact("top_saturation_step", "the step by which most of the top hidden layer is saturated "
         f"(looked for every {SATURATION_EVERY} steps up to {SATURATION_WITHIN})",
         lambda t: _top_saturation(t.config)[0], sample=7),
    Fact("top_mean_saturated", "the top hidden layer's mean output at that step",
         lambda t: _top_saturation(t.config)[1]),
    Fact("loss_saturated", "the training loss at that step",
         lambda t: _top_saturation(t.config)[2]),
    Fact("glorot_fall", "how many-fold the pre-activation std of this network with "
         "glorot_normal weights falls from layer 1 to the top (2 significant digits)",
         lambda t: _two_digits(1 / _signal(t.config.replace(init="glorot_normal",
                                                             init_params={}))[2])),
    Fact("twin_preact_min", "the smallest hidden pre-activation std with Gaussian weights of "
         "std 1/√width (the orthogonal weights' twin)",
         lambda t: _signal(gaussian_twin(t.config))[0]),
    Fact("twin_preact_max", "the largest, with the Gaussian twin",
         lambda t: _signal(gaussian_twin(t.config))[1]),
    Fact("spectrum_off", "the largest distance from 1 of a singular value of ∂h_L/∂h_1",
         lambda t: float(np.max(np.abs(spectrum.trainer_singular_values(t) - 1)))),
    Fact("twin_sv_q25", "the Gaussian twin's lower quartile of singular values",
         lambda t: 10 ** _twin_spectrum(t.config)["q25"]),
    Fact("twin_sv_q75", "the Gaussian twin's upper quartile of singular values",
         lambda t: 10 ** _twin_spectrum(t.config)["q75"]),
    Fact("twin_sv_within2", "the Gaussian twin's share of singular values within a factor 2 "
         "of 1", lambda t: _twin_spectrum(t.config)["within_2"]),
    Fact("landscape_dip", "the lowest loss along the symmetry-breaking direction of the loss "
         "landscape's slice", _landscape_dip),
    Fact("weight_var", "σ_w², where the phase diagram puts the network",
         lambda t: _phase(t.config)["weight_var"]),
    Fact("chi1", "χ₁, the factor a gradient's mean square takes at each layer",
         lambda t: _phase(t.config)["chi1"]),
    Fact("phase", "the network's phase: ordered, critical or chaotic",
         lambda t: _phase(t.config)["phase"], sample="ordered"),
    Fact("xi_c", "ξ_c, the correlation depth scale: two inputs' correlation approaches its "
         "limit e-fold every ξ_c layers (inf where it does not decay exponentially)",
         lambda t: _infinite(_phase(t.config)["xi_c"])),
    Fact("xi_grad", "ξ_∇ = −1/ln χ₁, the gradient depth scale: a gradient's mean square "
         "falls e-fold every ξ_∇ layers (inf where it does not fall)",
         lambda t: _infinite(_phase(t.config)["xi_grad"])),
    Fact("trainable_depth", "the depth a network of this variance trains to: 6·ξ_c, or 6·ξ_∇ "
         "where ξ_c is infinite (inf on the critical line)",
         lambda t: _infinite(_phase(t.config)["trainable_depth"])),
    Fact("correlation", "how two inputs' correlation moves: exponential, polynomial or frozen",
         lambda t: _phase(t.config)["correlation"] or "undefined", sample="frozen"),
    Fact("gap10", "1 − c of two inputs at correlation 0.5 after 10 layers (mean field)",
         lambda t: _phase(t.config)["gap10"]),
    Fact("gap30", "1 − c of two inputs at correlation 0.5 after 30 layers (mean field)",
         lambda t: _phase(t.config)["gap30"]),
]
FACTS = {fact.name: fact for fact in _TABLE}


def quote(names, trainer) -> dict:
    """The facts ``names`` of the network of ``trainer`` (at step 0)."""
    with np.errstate(all="ignore"):
        return {name: FACTS[name].compute(trainer) for name in names}
