"""Guided lessons: a configuration to load, what to look for, and a live check of it.

Each check reads the run's telemetry and returns ``(state, message)`` with state one of
"yes" (the expected thing is happening), "not yet" (keep training) or "no".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core import network
from core.config import RunConfig, validate
from core.telemetry import Field, Metric
from core.trainer import Trainer

LN2 = math.log(2)


def _latest(trainer):
    steps, lay, met = trainer.record.arrays(max(0, len(trainer.record) - 1))
    return int(steps[-1]), lay[-1, 0], met[-1, 0]


def _step0(trainer):
    return trainer.record.layers[0][0]


def check_zeros(trainer):
    step, lay, met = _latest(trainer)
    hidden = lay[:-1, Field.grad_norm]
    if np.any(hidden != 0):
        return "no", f"hidden gradients are not zero: {hidden.max():.2e}"
    if step < 20:
        return "not yet", "press Play: watch the loss for a few dozen steps"
    return "yes", (f"after {step} steps every hidden layer's gradient is exactly 0 and the "
                   f"loss is {met[Metric.train_loss]:.6f} (ln 2 = {LN2:.6f})")


def check_constant(trainer):
    step, lay, _ = _latest(trainer)
    distinct = lay[:-1, Field.distinct_units]
    if np.all(distinct == 1):
        if step < 20:
            return "not yet", "press Play: the units will stay identical"
        return "yes", f"after {step} steps every hidden layer still has 1 distinct unit"
    return "no", (f"units differ ({int(distinct.max())} distinct): the symmetry is broken "
                  "(dropout does that)")


def check_vanishing(trainer):
    # The back-propagated error dL/dz is what vanishes; ‖dL/dW_l‖ = ‖h_(l-1)‖·‖dL/dz_l‖
    # can stay level because the activations shrink the other way.
    lay = _step0(trainer)
    g = lay[:-1, Field.backprop_std]
    ratio = g[0] / g[-1]
    if ratio < 1e-3:
        return "yes", (f"at step 0 the error signal reaching layer 1 is {ratio:.1e} times the "
                       "one at the top hidden layer")
    return "no", f"layer 1's error signal is {ratio:.1e} of the top layer's: not vanishing"


def check_saturating(trainer):
    lay = _step0(trainer)
    sat = lay[:-1, Field.saturated_frac]
    if sat.mean() > 0.5:
        return "yes", f"{sat.mean():.0%} of the hidden units' derivatives are below 5% at step 0"
    return "no", f"only {sat.mean():.0%} saturated"


def check_exploding(trainer):
    if trainer.status == "diverged":
        where = trainer.diverged_at[0]
        return "yes", f"the run exploded at step {where['step']} in layer {where['layer']}"
    lay = _step0(trainer)
    std = lay[:-1, Field.preact_std]
    if std[-1] > 1e3 * std[0]:
        return "yes", f"pre-activations grow {std[-1] / std[0]:.1e}-fold from layer 1 to the top"
    return "not yet", "press Play and watch for the explosion"


def check_stall(trainer):
    lay = _step0(trainer)
    std = lay[:-1, Field.preact_std]
    ratio = std[-1] / std[0]
    if ratio < 1e-2:
        return "yes", f"the signal at the top is {ratio:.1e} of layer 1's: Glorot's variance " \
                      "is half what ReLU needs, halving the signal's power each layer"
    return "no", f"the top layer keeps {ratio:.2f} of the signal"


def check_trains(trainer):
    step, lay, met = _latest(trainer)
    first = trainer.record.metrics[0][0]
    ratio = lay[-2, Field.preact_std] / _step0(trainer)[0, Field.preact_std]
    if step < 200:
        return "not yet", f"the signal keeps {ratio:.2f} of its scale to the top; press Play"
    start, now = first[Metric.train_loss], met[Metric.train_loss]
    if now < 0.8 * start:
        return "yes", f"the loss fell from {start:.3f} to {now:.3f} in {step} steps"
    return "not yet", f"loss {now:.3f} (from {start:.3f}); keep training"


def check_saturated_top(trainer):
    step, lay, _ = _latest(trainer)
    top = lay[-2, Field.act_mean]
    if step < 100:
        return "not yet", f"top hidden layer's mean activation {top:.3f}; press Play"
    if top < 0.15:
        return "yes", f"the top hidden layer's mean activation is {top:.3f}: pinned near 0"
    return "not yet", f"top hidden layer's mean activation is {top:.3f}"


def check_orthogonal(trainer):
    lay = _step0(trainer)
    std = lay[:-1, Field.preact_std]
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
    return state, (f"8 seeds, 300 steps each: final train loss from {lo:.3f} to {hi:.3f}")


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    config: RunConfig
    text: str
    look_for: str
    check: Callable = field(repr=False)
    min_depth: int = 1  # hidden layers the claim is about: fewer, and there is nothing to see
    min_width: int = 1  # units per layer (symmetry needs two units to be copies of each other)
    watch: tuple[str, ...] = ()  # the charts to watch (Explore's chart keys)


LESSONS = [
    Lesson("zeros", "All zeros: nothing learns",
           validate(init="zeros", activation="tanh", depth=3, width=8, dataset="circle",
                batch_size=0, lr=0.1),
           "Every weight starts at 0, so every hidden unit computes tanh(0) = 0. A weight's "
           "gradient is its input times the error that reaches it: the weights into the "
           "output see inputs of 0, and every other weight sees no error, because the zero "
           "weights above pass nothing back. No weight ever moves; only the output bias "
           "learns, and on balanced data its best value is 0, so the loss stays at ln 2.",
           "The hidden-layer gradient norms read exactly 0 and the loss line stays flat at "
           "0.693. All thumbnails in a layer are the same blank square.", check_zeros),
    Lesson("constant", "Constant weights: identical units forever",
           validate(init="constant", init_params={"value": 0.3}, activation="tanh", depth=4,
                width=8, dataset="circle", batch_size=0, lr=0.1),
           "Weights all equal 0.3 are not zero, so gradients flow and the loss moves. But "
           "every unit in a layer has the same inputs, weights and error, so they get the same "
           "update and stay copies of each other: the layer acts like one unit. Turn on "
           "dropout and the random masks break the tie.",
           "The symmetry meter shows 1 distinct unit per layer, at every depth and step; the "
           "thumbnails of a layer are identical. Set dropout to 0.1 and watch it jump.",
           check_constant, min_width=2),
    Lesson("too_small", "Too small: gradients vanish",
           validate(init="random_normal", init_params={"stddev": 0.01}, activation="tanh",
                depth=10, width=32, dataset="spiral", batch_size=32, lr=0.1),
           "With weights of std 0.01 each layer multiplies the signal by about "
           "0.01·√32 ≈ 0.06. After ten layers almost nothing reaches the output, and the "
           "error signal shrinks the same way on its way back.",
           "In the gradient-flow chart, switch to the back-propagated error: its lines fan "
           "out over decades, layer 1 getting a signal thousands of times smaller than the "
           "top. The weight gradients are all tiny, so nothing moves.", check_vanishing,
           min_depth=2),
    Lesson("too_large_tanh", "Too large (tanh): units saturate",
           validate(init="random_normal", init_params={"stddev": 1.0}, activation="tanh",
                depth=6, width=64, dataset="spiral", batch_size=32, lr=0.1),
           "With std 1 and 64 inputs a unit's pre-activation has std about 8, so tanh sits at "
           "±1 where its slope is almost 0. Saturated units pass almost no gradient back.",
           "The activation histograms pile up at -1 and +1; the saturated fraction is high "
           "in every layer.", check_saturating),
    Lesson("too_large_relu", "Too large (ReLU): activations explode",
           validate(init="random_normal", init_params={"stddev": 1.0}, activation="relu",
                depth=10, width=64, dataset="spiral", batch_size=32, lr=0.1),
           "ReLU does not saturate, so too-large weights multiply the signal by about "
           "√(64/2) ≈ 5.7 per layer: 10⁷ after ten layers. The first update is huge and the "
           "run blows up.",
           "The status line reports where the run exploded; the pre-activation scale climbs "
           "layer by layer.", check_exploding, min_depth=2),
    Lesson("xavier_relu_30", "Xavier on a 30-layer ReLU net: it stalls",
           validate(init="glorot_normal", activation="relu", depth=30, width=32,
                dataset="circle", batch_size=32, lr=0.01, optimizer="sgd"),
           "Glorot's variance 1/n suits tanh. ReLU zeroes half its inputs, so each layer "
           "halves the signal's power: after 30 layers it is 2⁻¹⁵ of what it was and the "
           "network barely trains (He et al. 2015, figure 3).",
           "The theory panel's predicted line falls by a factor √2 per layer and the "
           "measurement follows it; the loss stays flat.", check_stall, min_depth=2),
    Lesson("he_relu_30", "He on a 30-layer ReLU net: it trains",
           validate(init="he_normal", activation="relu", depth=30, width=32, dataset="circle",
                batch_size=32, lr=0.01, optimizer="sgd"),
           "He's variance 2/n makes up exactly for ReLU's halving, so the signal keeps its "
           "scale through all 30 layers and gradients reach the first one.",
           "Flat per-layer lines in the theory panel, gradient norms of one order of "
           "magnitude everywhere, and a falling loss.", check_trains),
    Lesson("glorot_bengio_sigmoid", "Glorot & Bengio: sigmoid's top layer saturates",
           validate(init="glorot_standard", activation="sigmoid", depth=4, width=64,
                dataset="spiral", batch_size=10, lr=0.5, loss="softmax_ce"),
           "Glorot & Bengio (2010) saw the top hidden layer of a sigmoid network driven to 0 "
           "early in training: the output layer first learns from its biases, and pushing the "
           "sigmoid units to 0 removes their noisy input. It can stay stuck for a long time.",
           "The top hidden layer's activation histogram collapses toward 0 while the lower "
           "layers stay near 0.5.", check_saturated_top),
    Lesson("orthogonal_linear", "Orthogonal init of a deep linear network",
           validate(init="orthogonal", activation="linear", depth=20, width=32,
                dataset="gauss", batch_size=32, lr=0.01),
           "An orthogonal matrix is a rotation: it keeps the length of every vector. A deep "
           "linear net of rotations passes signals and gradients unchanged through any depth "
           "(Saxe et al. 2013), where Gaussian weights of the same variance spread them out.",
           "The pre-activation scale is the same in every layer; compare with "
           "random_normal of std 1/√32 to see it drift.", check_orthogonal, min_depth=2),
    Lesson("restarts", "Random restarts: same settings, different results",
           validate(init="glorot_uniform", activation="relu", depth=2, width=4, dataset="xor",
                batch_size=16, lr=0.05),
           "A small network's fate depends on its random start: some seeds find the XOR "
           "pattern, others settle for a worse solution. One run proves little; compare "
           "several seeds before drawing a conclusion.",
           "Press 'new init seed' and Play a few times: the final loss changes. The check "
           "below trains 8 seeds at once.", check_restarts, min_depth=0),
]
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


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
    return lesson.check(trainer)
