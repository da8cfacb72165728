"""Guided lessons: a configuration to load, what to look for, and a live check of it.

A lesson's text states its claim with the numbers its own run gives at step 0 (``told``:
the configuration's seeds fix them), so the words and the screen agree; what happens
later is reported, with its numbers, by the lesson's live check while the run goes on.
A check reads the run's telemetry and returns ``(state, message)`` with state one of "yes"
(the expected thing is happening), "not yet" (keep training) or "no".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core import landscape, network, phase, spectrum
from core.config import RunConfig, validate
from core.telemetry import Field, Metric
from core.trainer import Trainer

LN2 = math.log(2)
SPREAD_OF_COPIES = 0.05  # units this close (core.telemetry.unit_spread) are near-copies


# ---------------------------------------------------------------- reading a run


def _latest(trainer):
    """(step, layers (L, FIELDS), metrics) of the newest record of member 0."""
    record = trainer.record
    return int(record.steps[-1]), record.layers[-1][0], record.metrics[-1][0]


def _step0(trainer):
    return trainer.record.layers[0][0]


def _hidden(layers, name):
    return layers[:-1, Field[name]]


def _per_layer(values) -> float:
    """The geometric mean of the ratios of consecutive values: the factor per layer."""
    v = np.asarray(values, float)
    return float((v[-1] / v[0]) ** (1 / (len(v) - 1)))


def _loss(metrics) -> float:
    return float(metrics[Metric.train_loss])


# ---------------------------------------------------------------- the checks


def check_zeros(trainer):
    step, lay, met = _latest(trainer)
    copies = bool(np.all(_hidden(lay, "distinct_units") == 1))
    if trainer.act.f(np.zeros(1))[0] != 0:  # sigmoid: σ(0) = 0.5, the output weights move
        if not copies:
            return "no", "the units of a layer differ: this is not zeros initialisation"
        return ("not yet", "press Play") if step < 20 else ("yes", (
            f"after {step} steps every hidden layer is still one unit copied (the weights "
            f"into the output do move: {trainer.config.activation}(0) is not 0)"))
    grads = _hidden(lay, "grad_norm")
    if np.any(grads != 0):
        return "no", f"hidden gradients are not zero: up to {grads.max():.2e}"
    if step < 20:
        return "not yet", "press Play: watch the loss for a few dozen steps"
    return "yes", (f"after {step} steps every hidden layer's gradient is exactly 0 and the "
                   f"loss is {_loss(met):.6f} (ln 2 = {LN2:.6f})")


def check_constant(trainer):
    step, lay, met = _latest(trainer)
    distinct, spread = _hidden(lay, "distinct_units"), _hidden(lay, "unit_spread")
    start = _loss(trainer.record.metrics[0][0])
    if np.all(distinct == 1):
        if step < 20:
            return "not yet", "press Play: the units will stay identical"
        return "yes", (f"after {step} steps every hidden layer is still one unit copied "
                       f"(spread exactly 0), while the loss went from {start:.3f} to "
                       f"{_loss(met):.3f}")
    if np.all(spread < SPREAD_OF_COPIES):
        return "yes", (f"the exact count says {int(distinct.max())} distinct units, but their "
                       f"spread is at most {spread.max():.3f}: near-copies (random units: "
                       "about 1)")
    return "no", (f"the units differ (spread up to {spread.max():.2f}): the symmetry is "
                  "broken")


def check_vanishing(trainer):
    # The back-propagated error dL/dz is what vanishes; ‖dL/dW_l‖ = ‖h_(l-1)‖·‖dL/dz_l‖
    # can stay level because the activations shrink the other way.
    err = _hidden(_step0(trainer), "backprop_std")
    ratio = err[0] / err[-1]
    if ratio >= 1e-3:
        return "no", f"layer 1's error signal is {ratio:.1e} of the top layer's: not vanishing"
    step, _, met = _latest(trainer)
    if step < 50:
        return "not yet", (f"at step 0 the error reaching layer 1 is {ratio:.0e} of the top "
                           "hidden layer's; press Play")
    if abs(_loss(met) - LN2) < 1e-3:
        return "yes", (f"the error reaching layer 1 was {ratio:.0e} of the top's, and after "
                       f"{step} steps the loss is {_loss(met):.4f}: still ln 2, nothing moved")
    return "no", f"the loss moved to {_loss(met):.4f} after {step} steps"


def check_saturating(trainer):
    step, lay, met = _latest(trainer)
    sat = _hidden(lay, "saturated_frac")[1:]
    if sat.mean() > 0.5:
        return "yes", (f"at step {step} {sat.mean():.0%} of the outputs of layers 2 and up sit "
                       f"within 5% of ±1 (saturated); loss {_loss(met):.3f}")
    return "no", f"only {sat.mean():.0%} of the outputs of layers 2 and up are saturated"


def check_exploding(trainer):
    if trainer.status == "diverged":
        where = trainer.diverged_at[0]
        return "yes", (f"the run exploded at step {where['step']} in layer {where['layer']} "
                       f"({where['phase']} pass)")
    std = _hidden(_step0(trainer), "preact_std")
    if std[-1] > 1e3 * std[0]:
        return "not yet", (f"pre-activations grow {std[-1] / std[0]:.0e}-fold from layer 1 to "
                           "the top; press Step")
    return "no", f"the signal grows only {std[-1] / std[0]:.1f}-fold: no explosion coming"


def check_stall(trainer):
    std = _hidden(_step0(trainer), "preact_std")
    ratio = std[-1] / std[0]
    if ratio >= 1e-2:
        return "no", f"the top layer keeps {ratio:.2f} of layer 1's signal"
    step, lay, met = _latest(trainer)
    told = f"the top layer's signal was {ratio:.0e} of layer 1's"
    if step < 100:
        return "not yet", f"{told}; press Play and watch the loss"
    dead = _hidden(lay, "dead_frac")[-1]
    if abs(_loss(met) - LN2) < 1e-3:
        return "yes", (f"{told}, and after {step} steps the loss is {_loss(met):.4f}: it "
                       f"has not learnt; {dead:.0%} of the top layer's units are dead")
    return "no", f"{told}, yet the loss moved to {_loss(met):.4f}"


def check_trains(trainer):
    step, lay, met = _latest(trainer)
    start = _loss(trainer.record.metrics[0][0])
    std = _hidden(_step0(trainer), "preact_std")
    kept = f"the top layer kept {std[-1] / std[0]:.2f} of layer 1's signal at step 0"
    if step < 200:
        return "not yet", f"{kept}; press Play"
    if _loss(met) < 0.8 * start:
        return "yes", f"{kept}; the loss fell from {start:.3f} to {_loss(met):.3f} in {step} steps"
    return "not yet", f"loss {_loss(met):.3f} (from {start:.3f}); keep training"


def check_saturated_top(trainer):
    step, lay, _ = _latest(trainer)
    sat, mean = _hidden(lay, "saturated_frac"), _hidden(lay, "act_mean")
    now = (f"the top layer's mean output is {mean[-1]:.3f}, {sat[-1]:.0%} of it saturated; "
           f"layer 1's {mean[0]:.3f}, {sat[0]:.0%}")
    if sat[-1] > 0.5 and sat[0] < 0.1:
        return "yes", f"at step {step} {now}"
    return "not yet", f"at step {step} {now}; keep playing"


def check_orthogonal(trainer):
    std = _hidden(_step0(trainer), "preact_std")
    spread = std.max() / std.min()
    if spread < 1.5:
        return "yes", f"pre-activation scale stays within {spread:.2f}x across all layers"
    return "no", f"the scale varies {spread:.1f}x across layers"


def check_restarts(trainer):
    return _restarts(trainer.config.replace(layer_inits={}))


@functools.lru_cache(maxsize=64)  # trains eight networks: once per configuration
def _restarts(cfg: RunConfig):
    seeds = [cfg.replace(init_seed=s) for s in range(8)]
    stack = Trainer(cfg, seeds, record_every=10**6).run(300)
    d = stack.data
    losses = network.forward(stack.Ws, stack.bs, d.X_train, d.y_train, stack.act,
                             cfg.loss, d.classification).loss
    lo, hi = float(np.nanmin(losses)), float(np.nanmax(losses))
    state = "yes" if hi > 1.5 * lo else "no"
    return state, f"8 seeds, 300 steps each: final train loss from {lo:.3f} to {hi:.3f}"


# ---------------------------------------------------------------- the numbers lessons quote


def facts_too_small(t):
    lay = _step0(t)
    pre, err = _hidden(lay, "preact_std"), _hidden(lay, "backprop_std")
    return {"factor": _per_layer(pre), "signal": pre[-1] / pre[0], "err": err[0] / err[-1],
            "grad": float(lay[:, Field.grad_norm].max()),
            "decades": -math.log10(err[0] / err[-1])}


def facts_too_large_tanh(t):
    lay = _step0(t)
    err = _hidden(lay, "backprop_std")
    return {"preact": float(np.mean(_hidden(lay, "preact_std")[1:])),
            "sat": float(np.mean(_hidden(lay, "saturated_frac")[1:])),
            "err": err[0] / err[-1], "loss0": _loss(t.record.metrics[0][0])}


def facts_too_large_relu(t):
    pre = _step0(t)[:, Field.preact_std]
    start = _loss(t.record.metrics[0][0])
    boom = Trainer(t.config).run(20).diverged_at[0]
    return {"growth": _per_layer(pre[:-1]), "out": pre[-1], "loss0": start,
            "boom": boom["step"] if boom else "no step within 20"}


def facts_stall(t):
    pre = _hidden(_step0(t), "preact_std")
    return {"factor": _per_layer(pre), "ratio": pre[-1] / pre[0],
            "power": math.log2((pre[-1] / pre[0]) ** 2)}


def _scale(cfg: RunConfig):
    pre = _hidden(Trainer(cfg).record.layers[0][0], "preact_std")
    return pre.min(), pre.max(), pre[-1] / pre[0]


def facts_he(t):
    lo, hi, _ = _scale(t.config)
    fall = 1 / _scale(t.config.replace(init="glorot_normal"))[2]
    return {"lo": lo, "hi": hi, "xavier": round(fall, 1 - int(math.floor(math.log10(fall))))}


def gaussian_twin(cfg: RunConfig) -> RunConfig:
    """The same network with Gaussian weights of the orthogonal ones' variance, 1/width."""
    return cfg.replace(init="random_normal", init_params={"stddev": cfg.width ** -0.5})


def facts_orthogonal(t):
    lo, hi, _ = _scale(t.config)
    g_lo, g_hi, _ = _scale(gaussian_twin(t.config))
    sv = spectrum.trainer_singular_values(t)
    gauss = spectrum.summary(spectrum.trainer_singular_values(Trainer(gaussian_twin(t.config))))
    return {"lo": lo, "hi": hi, "g_lo": g_lo, "g_hi": g_hi,
            "off": float(np.max(np.abs(sv - 1))), "g_q25": 10 ** gauss["q25"],
            "g_q75": 10 ** gauss["q75"], "g_within": gauss["within_2"]}


def facts_sigmoid_top(t, most=3000, every=50):
    """The top layer's mean output at step 0 and the step by which most of it saturates."""
    mean0 = float(_hidden(_step0(t), "act_mean")[-1])
    run = Trainer(t.config, record_every=every)
    while run.record.steps[-1] < most:
        run.run(every)
        if _hidden(run.record.layers[-1][0], "saturated_frac")[-1] > 0.5:
            break
    step, lay, met = _latest(run)
    return {"mean0": mean0, "sat_step": step, "mean": float(_hidden(lay, "act_mean")[-1]),
            "loss": _loss(met)}


def phase_facts(cfg: RunConfig) -> dict:
    """Where the phase diagram puts a network (core/phase.py): its σ_w², χ₁ and ξ_c."""
    here = phase.point(cfg.activation, *phase.you_are_here(cfg))
    return {"w_var": here["weight_var"], "chi1": here["chi1"], "phase": here["phase"],
            "xi_c": here["xi_c"] if here["xi_c"] is not None else math.inf}


def facts_start(t):
    return {"loss0": _loss(t.record.metrics[0][0])}


def symmetric_slice(t) -> dict:
    """The loss landscape panel's slice around the weights now, as Explore draws it."""
    return landscape.slice_2d(t, seed=t.config.train_seed)


def facts_zeros(t):
    """How far the loss dips along the symmetry-breaking direction of the slice (a = 0):
    lower loss lies off the symmetric weights, and the slope towards it is 0."""
    s = symmetric_slice(t)
    loss = np.asarray(s["loss"])
    return {"dip": float(loss[:, len(loss) // 2].min())}


# ---------------------------------------------------------------- the lessons


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    config: RunConfig
    text: str  # with {name:format} fields filled from ``facts`` of the lesson's own run
    look_for: str
    check: Callable = field(repr=False)
    facts: Callable = field(default=lambda trainer: {}, repr=False)  # trainer at step 0
    min_depth: int = 1  # hidden layers the claim is about: fewer, and there is nothing to see
    min_width: int = 1  # units per layer (symmetry needs two units to be copies of each other)
    watch: tuple[str, ...] = ()  # the charts to watch (Explore's chart keys)
    view: dict = field(default_factory=dict)  # Explore's settings it opens with: flow_field, speed
    panels: tuple[str, ...] = ()  # Explore's panels it opens beyond the usual ones

    def told(self) -> tuple[str, str]:
        """(text, look for) with the numbers of the lesson's own run."""
        return _told(self.key)


def _net(activation, init, depth, width, **more) -> RunConfig:
    return validate(activation=activation, init=init, depth=depth, width=width, **more)


LESSONS = [
    Lesson("zeros", "All zeros: nothing learns",
           _net("tanh", "zeros", 3, 8, dataset="circle", batch_size=0, lr=0.1),
           "Every weight starts at 0, so every hidden unit computes tanh(0) = 0. A weight's "
           "gradient is its input times the error that reaches it: the weights into the "
           "output see inputs of 0, and every other weight sees no error, because the zero "
           "weights above pass nothing back. No weight moves; only the output bias learns, "
           "and on these balanced classes its best value is 0, so the loss stays at ln 2 = "
           "0.693147. With sigmoid, σ(0) = 0.5: the weights into the output do get a "
           "gradient, but every unit of a layer gets the same one, and they stay copies. "
           "The lesson is symmetry; zero gradients are how it shows when f(0) = 0.",
           "The gradient bars read 0 in every hidden layer and the loss line stays flat at "
           "0.6931; the symmetry meter shows 1 distinct unit per layer, spread exactly 0. "
           "Draw the loss landscape: farther out along the symmetry-breaking direction the "
           "loss falls to {dip:.3f}, below ln 2, yet the slope at the weights that way is "
           "exactly 0, so gradient descent never sets off.",
           check_zeros, facts_zeros, watch=("flow_bars", "loss"), panels=("landscape",)),
    Lesson("constant", "Constant weights: identical units forever",
           _net("tanh", "constant", 4, 8, init_params={"value": 0.3}, dataset="circle",
                batch_size=0, lr=0.1),
           "Weights all equal to 0.3 are not zero, so gradients flow and the loss moves "
           "(from {loss0:.3f} at step 0). But every unit in a layer has the same inputs, "
           "weights and error, so each gets the same update and they stay copies: each "
           "layer acts like a single unit. Dropout's random masks give the units different "
           "errors: set dropout to 0.1 and the exact count jumps to 8 distinct units, yet "
           "their spread stays near 0, near-copies far from random units' spread of about "
           "1. Breaking symmetry takes random weights, not noise on top of copies.",
           "The symmetry meter: 1 distinct unit per layer and a spread of exactly 0, at "
           "every step; the thumbnails of a layer are identical. With dropout 0.1: 8 "
           "distinct units, a spread below 0.05.",
           check_constant, facts_start, min_width=2, watch=("symmetry",)),
    Lesson("too_small", "Too small: gradients vanish",
           _net("tanh", "random_normal", 10, 32, init_params={"stddev": 0.01},
                dataset="spiral", batch_size=32, lr=0.1),
           "With weights of std 0.01 each layer multiplies the signal by about 0.01·√32 ≈ "
           "0.057 (here {factor:.3f}): the top hidden layer's signal is {signal:.0e} of "
           "layer 1's. The error shrinks the same way on its way back: the error reaching "
           "layer 1 is {err:.0e} of the one at the top hidden layer. No weight gradient is "
           "above {grad:.0e} at step 0: nothing moves, and the loss stays at ln 2 for "
           "thousands of steps.",
           "The gradient-flow chart shows the back-propagated error: its bars fall over "
           "{decades:.0f} decades from the top layer to layer 1. The loss stays flat at "
           "0.6931. The phase diagram puts the network at σ_w² = {w_var:.2g}, deep in the "
           "ordered phase (χ₁ = {chi1:.2g}): what tells two inputs apart (1 minus their "
           "correlation) shrinks e-fold every ξ_c = {xi_c:.2f} layers.",
           check_vanishing, facts_too_small, min_depth=2, watch=("flow_bars", "flow_lines"),
           view={"flow_field": "backprop_std"}, panels=("phase",)),
    Lesson("too_large_tanh", "Too large (tanh): units saturate",
           _net("tanh", "random_normal", 6, 64, init_params={"stddev": 1.0},
                dataset="spiral", batch_size=32, lr=0.1),
           "With std 1 and 64 inputs a unit's pre-activation has std about √64 = 8 (here "
           "{preact:.1f} from layer 2 up), so tanh sits near ±1, where its slope is almost "
           "0: {sat:.0%} of the outputs of layers 2 to 6 are saturated at step 0. "
           "Saturated units pass little gradient back, but the large weights multiply what "
           "does pass by about 8 a layer, so the error does not vanish: layer 1 gets "
           "{err:.0f}× the top layer's. The network starts confidently wrong (loss "
           "{loss0:.2f}, far above ln 2 = 0.69) and learns slowly and noisily.",
           "The saturation bars stand high in every layer but the first, and the "
           "activation histograms pile up at −1 and +1. The loss starts high, rises, and "
           "falls only slowly. The phase diagram puts the network at σ_w² = {w_var:.3g}, "
           "far into the chaotic phase (χ₁ = {chi1:.2g}): two nearby inputs are driven "
           "apart, their correlation falling e-fold towards 0 every ξ_c = {xi_c:.1f} layers.",
           check_saturating, facts_too_large_tanh, min_depth=2,
           watch=("histograms", "saturation"), panels=("phase",)),
    Lesson("too_large_relu", "Too large (ReLU): activations explode",
           _net("relu", "random_normal", 10, 64, init_params={"stddev": 1.0},
                dataset="spiral", batch_size=32, lr=0.1),
           "ReLU does not saturate, so too-large weights multiply the signal by about "
           "√(64/2) ≈ 5.7 per layer (here {growth:.1f}): the output's pre-activations "
           "have std {out:.0e} at step 0, and the loss is {loss0:.1e}. The gradients are "
           "as huge, and so is the first update: the numbers overflow at step {boom}. It "
           "all happens within a fraction of a second, so this lesson runs one step per "
           "refresh: press Step to go one step at a time.",
           "The status line reports where the run exploded; the gradient bars stand far "
           "above the healthy band in every layer.",
           check_exploding, facts_too_large_relu, min_depth=2, watch=("flow_bars", "loss"),
           view={"speed": 1}),
    Lesson("xavier_relu_30", "Xavier on a 30-layer ReLU net: it stalls",
           _net("relu", "glorot_normal", 30, 32, dataset="circle", batch_size=32, lr=0.01),
           "Glorot's variance, 2/(fan_in + fan_out) = 1/32 here, suits tanh. ReLU zeroes "
           "half its inputs, so each layer halves the signal's power: its std falls by "
           "1/√2 ≈ 0.71 a layer (here {factor:.2f}), and after 30 layers the top layer's "
           "std is {ratio:.0e} of layer 1's, its power 2^{power:.0f} of it. The output "
           "barely depends on the input, the hidden weights get tiny gradients, and within "
           "a few dozen steps the top layer's units die: the network never learns (He et "
           "al. 2015, figure 3).",
           "The theory panel's line falls by √2 per layer and the measurements follow it; "
           "the loss stays flat at 0.6931; the saturation panel's dead bar of the top "
           "layer rises. The phase diagram puts the network at σ_w² = {w_var:.3g}, in the "
           "ordered phase: χ₁ = {chi1:.2g}, the factor a gradient's mean square takes at "
           "each layer on its way down.",
           check_stall, facts_stall, min_depth=2, watch=("theory", "loss"),
           panels=("phase",)),
    Lesson("he_relu_30", "He on a 30-layer ReLU net: it trains",
           _net("relu", "he_normal", 30, 32, dataset="circle", batch_size=32, lr=0.01),
           "He's variance, 2/fan_in, makes up exactly for ReLU's halving: the signal keeps "
           "its order of magnitude through all 30 layers (pre-activation std between {lo:.2f} and "
           "{hi:.2f} at step 0, where Xavier's falls {xavier:,.0f}-fold), gradients reach "
           "the first layer, and it trains.",
           "Level lines in the theory panel, gradient bars inside the healthy band in every "
           "layer, and a falling loss. The phase diagram puts the network at σ_w² = "
           "{w_var:.3g}, on ReLU's critical line: χ₁ = {chi1:.3g}, a gradient's mean square "
           "kept layer after layer.",
           check_trains, facts_he, watch=("flow_bars", "loss"), panels=("phase",)),
    Lesson("glorot_bengio_sigmoid", "Glorot & Bengio: sigmoid's top layer saturates",
           _net("sigmoid", "glorot_standard", 4, 64, dataset="spiral", batch_size=10,
                lr=0.5, loss="softmax_ce"),
           "Glorot & Bengio (2010) saw the top hidden layer of a sigmoid network driven to 0 "
           "early in training, and stuck there: the output layer first learns from its "
           "biases, and pushing the sigmoid units to 0 removes their noisy input. Here the "
           "top layer's mean output starts at {mean0:.2f} and sinks towards 0: by step "
           "{sat_step} it is {mean:.3f}, most of its outputs saturated, while the lower "
           "layers stay near 0.5; the loss is still {loss:.4f}, ln 2.",
           "The saturation bar of the top layer (layer 4) rises towards 100% while layers 1 "
           "to 3 stay at 0; its activation histogram collapses towards 0.",
           check_saturated_top, facts_sigmoid_top, watch=("saturation", "histograms")),
    Lesson("orthogonal_linear", "Orthogonal init of a deep linear network",
           _net("linear", "orthogonal", 20, 32, dataset="gauss", batch_size=32, lr=0.01),
           "An orthogonal matrix is a rotation: it keeps the length of every vector. A deep "
           "linear net of rotations passes signals and gradients unchanged through any "
           "depth (Saxe et al. 2014): here every hidden layer's pre-activation std lies "
           "between {lo:.3f} and {hi:.3f}, where Gaussian weights of the same variance "
           "(std 1/√32) spread them from {g_lo:.3f} to {g_hi:.3f}.",
           "The pre-activation scale is the same in every layer (the theory panel's "
           "markers sit on one level); compare with random_normal of std 1/√32 to see it "
           "drift. The isometry panel shows it holds in every direction, not only on "
           "average: every singular value of ∂h_L/∂h_1 is 1 (to {off:.0e}); with the "
           "Gaussian weights the middle half of them lies between {g_q25:.0e} and "
           "{g_q75:.1g}, and only {g_within:.0%} within a factor 2 of 1.",
           check_orthogonal, facts_orthogonal, min_depth=2, watch=("theory", "spectrum"),
           panels=("isometry",)),
    Lesson("restarts", "Random restarts: same settings, different results",
           _net("relu", "glorot_uniform", 2, 4, dataset="xor", batch_size=16, lr=0.05),
           "A small network's fate depends on its random start: some seeds find the XOR "
           "pattern, others settle for a worse solution. One run proves little; compare "
           "several seeds before drawing a conclusion.",
           "Press 'new init seed' (or the n key) and Play a few times: the final loss "
           "changes. The check below trains 8 seeds at once.",
           check_restarts, min_depth=0, watch=("loss",)),
]
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


@functools.cache
def _told(key: str) -> tuple[str, str]:
    lesson = BY_KEY[key]
    with np.errstate(all="ignore"):
        facts = lesson.facts(Trainer(lesson.config))
    if "phase" in lesson.panels:
        facts.update(phase_facts(lesson.config))
    return lesson.text.format(**facts), lesson.look_for.format(**facts)


def warm() -> None:
    """Work out every lesson's text once (the sigmoid lesson trains ~1000 steps for its)."""
    for lesson in LESSONS:
        lesson.told()


def check(key: str, trainer) -> tuple[str, str]:
    """Lesson ``key``'s live check of ``trainer``'s run: (state, message). A network the
    lesson's claim cannot be seen on (too shallow, too narrow) is said to be so."""
    lesson, cfg = BY_KEY[key], trainer.config
    if cfg.depth < lesson.min_depth or (cfg.depth and cfg.width < lesson.min_width):
        need = (f"at least {lesson.min_depth} hidden layer{'s' if lesson.min_depth > 1 else ''}"
                if cfg.depth < lesson.min_depth else
                f"at least {lesson.min_width} units per layer")
        return "no", (f"this lesson is about a network with {need}; this one has "
                      f"{cfg.depth} × {cfg.width}. Open the lesson again for its own network "
                      f"({lesson.config.depth} × {lesson.config.width}).")
    with np.errstate(all="ignore"):
        return lesson.check(trainer)
