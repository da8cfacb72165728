"""A lesson's live check: read while the run plays, it says whether the thing the lesson
names is happening, with the numbers.

A check takes the trainer and returns ``(state, message)``: state "yes" (it is happening),
"not yet" (keep training) or "no". A lesson names its check from ``CHECKS`` (a lesson file
too: README "Write your own lesson" lists them with what each looks for).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.readings import (
    LN2,
    RESTART_SEEDS,
    RESTART_STEPS,
    hidden,
    latest,
    restarts,
    start_loss,
    step0,
    train_loss,
)

SPREAD_OF_COPIES = 0.05  # units this close (core.telemetry.unit_spread) are near-copies


def zeros(trainer):
    step, lay, met = latest(trainer)
    copies = bool(np.all(hidden(lay, "distinct_units") == 1))
    if trainer.act.f(np.zeros(1))[0] != 0:  # sigmoid: σ(0) = 0.5, so the units send 0.5 on
        if not copies:
            return "no", "the units of a layer differ: this is not zeros initialisation"
        if step < 20:
            return "not yet", "press Play"
        start, now = start_loss(trainer), train_loss(met)
        moved = (f"; the loss went from {start:.4f} to {now:.4f}: the copies learn together"
                 if abs(now - start) > 1e-9 else
                 f"; the loss is still {now:.4f}: on balanced classes the output's gradient "
                 "is 0 too")
        return "yes", f"after {step} steps every hidden layer is still one unit copied{moved}"
    grads = hidden(lay, "grad_norm")
    if np.any(grads != 0):
        return "no", f"hidden gradients are not zero: up to {grads.max():.2e}"
    if step < 20:
        return "not yet", "press Play: watch the loss for a few dozen steps"
    return "yes", (f"after {step} steps every hidden layer's gradient is exactly 0 and the "
                   f"loss is {train_loss(met):.6f} (ln 2 = {LN2:.6f})")


def constant(trainer):
    step, lay, met = latest(trainer)
    distinct, spread = hidden(lay, "distinct_units"), hidden(lay, "unit_spread")
    if np.all(distinct == 1):
        if step < 20:
            return "not yet", "press Play: the units will stay identical"
        return "yes", (f"after {step} steps every hidden layer is still one unit copied "
                       f"(spread exactly 0), while the loss went from {start_loss(trainer):.3f} "
                       f"to {train_loss(met):.3f}")
    if np.all(spread < SPREAD_OF_COPIES):
        return "yes", (f"the exact count says {int(distinct.max())} distinct units, but their "
                       f"spread is at most {spread.max():.3f}: near-copies (random units: "
                       "about 1)")
    return "no", (f"the units differ (spread up to {spread.max():.2f}): the symmetry is "
                  "broken")


def vanishing(trainer):
    # The back-propagated error dL/dz is what vanishes; ‖dL/dW_l‖ = ‖h_(l-1)‖·‖dL/dz_l‖
    # can stay level because the activations shrink the other way.
    err = hidden(step0(trainer), "backprop_std")
    ratio = err[0] / err[-1]
    if ratio >= 1e-3:
        return "no", f"layer 1's error signal is {ratio:.1e} of the top layer's: not vanishing"
    step, _, met = latest(trainer)
    if step < 50:
        return "not yet", (f"at step 0 the error reaching layer 1 is {ratio:.0e} of the top "
                           "hidden layer's; press Play")
    if abs(train_loss(met) - LN2) < 1e-3:
        return "yes", (f"the error reaching layer 1 was {ratio:.0e} of the top's, and after "
                       f"{step} steps the loss is {train_loss(met):.4f}: still ln 2, nothing "
                       "moved")
    return "no", f"the loss moved to {train_loss(met):.4f} after {step} steps"


def saturating(trainer):
    step, lay, met = latest(trainer)
    sat = hidden(lay, "saturated_frac")[1:]
    if sat.mean() > 0.5:
        return "yes", (f"at step {step} {sat.mean():.0%} of the outputs of layers 2 and up sit "
                       f"within 5% of ±1 (saturated); loss {train_loss(met):.3f}")
    return "no", f"only {sat.mean():.0%} of the outputs of layers 2 and up are saturated"


def exploding(trainer):
    if trainer.status == "diverged":
        where = trainer.diverged_at[0]
        return "yes", (f"the run exploded at step {where['step']} in layer {where['layer']} "
                       f"({where['phase']} pass)")
    std = hidden(step0(trainer), "preact_std")
    if std[-1] > 1e3 * std[0]:
        return "not yet", (f"pre-activations grow {std[-1] / std[0]:.0e}-fold from layer 1 to "
                           "the top; press Step")
    return "no", f"the signal grows only {std[-1] / std[0]:.1f}-fold: no explosion coming"


def stall(trainer):
    std = hidden(step0(trainer), "preact_std")
    ratio = std[-1] / std[0]
    if ratio >= 1e-2:
        return "no", f"the top layer keeps {ratio:.2f} of layer 1's signal"
    step, lay, met = latest(trainer)
    told = f"the top layer's signal was {ratio:.0e} of layer 1's"
    if step < 100:
        return "not yet", f"{told}; press Play and watch the loss"
    dead = hidden(lay, "dead_frac")[-1]
    if abs(train_loss(met) - LN2) < 1e-3:
        return "yes", (f"{told}, and after {step} steps the loss is {train_loss(met):.4f}: it "
                       f"has not learnt; {dead:.0%} of the top layer's units are dead")
    return "no", f"{told}, yet the loss moved to {train_loss(met):.4f}"


def trains(trainer):
    step, _, met = latest(trainer)
    start = start_loss(trainer)
    std = hidden(step0(trainer), "preact_std")
    kept = f"the top layer kept {std[-1] / std[0]:.2f} of layer 1's signal at step 0"
    if step < 200:
        return "not yet", f"{kept}; press Play"
    if train_loss(met) < 0.8 * start:
        return "yes", (f"{kept}; the loss fell from {start:.3f} to {train_loss(met):.3f} in "
                       f"{step} steps")
    return "not yet", f"loss {train_loss(met):.3f} (from {start:.3f}); keep training"


def saturated_top(trainer):
    step, lay, _ = latest(trainer)
    sat, mean = hidden(lay, "saturated_frac"), hidden(lay, "act_mean")
    now = (f"the top layer's mean output is {mean[-1]:.3f}, {sat[-1]:.0%} of it saturated; "
           f"layer 1's {mean[0]:.3f}, {sat[0]:.0%}")
    if sat[-1] > 0.5 and sat[0] < 0.1:
        return "yes", f"at step {step} {now}"
    return "not yet", f"at step {step} {now}; keep playing"


def isometric(trainer):
    std = hidden(step0(trainer), "preact_std")
    spread = std.max() / std.min()
    if spread < 1.5:
        return "yes", f"pre-activation scale stays within {spread:.2f}x across all layers"
    return "no", f"the scale varies {spread:.1f}x across layers"


def restarts_differ(trainer):
    lo, hi = restarts(trainer.config)
    state = "yes" if hi > 1.5 * lo else "no"
    return state, (f"{RESTART_SEEDS} seeds, {RESTART_STEPS} steps each: final train loss from "
                   f"{lo:.3f} to {hi:.3f}")


@dataclass(frozen=True)
class Check:
    name: str
    looks_for: str  # what "yes" means, for the list a lesson's author chooses from
    fn: Callable = field(repr=False)


_TABLE = [
    Check("zeros", "every hidden gradient exactly 0 (f(0) = 0) or every layer one unit "
          "copied, for 20 steps", zeros),
    Check("constant", "every hidden layer one unit copied after 20 steps, or near-copies "
          "(spread below 0.05)", constant),
    Check("vanishing", "the error reaching layer 1 below 1e-3 of the top's at step 0, and "
          "the loss still at ln 2 after 50 steps", vanishing),
    Check("saturating", "most outputs of layers 2 and up within 5% of a bound", saturating),
    Check("exploding", "the run overflows (pre-activations growing 1000-fold or more)",
          exploding),
    Check("stall", "the top layer's signal below 1e-2 of layer 1's, and the loss still at "
          "ln 2 after 100 steps", stall),
    Check("trains", "the loss below 0.8 of its start after 200 steps", trains),
    Check("saturated_top", "the top layer mostly saturated while layer 1 is not",
          saturated_top),
    Check("isometric", "the pre-activation scale within 1.5x across the layers at step 0",
          isometric),
    Check("restarts", f"{RESTART_SEEDS} seeds ending {RESTART_STEPS} steps at losses more "
          "than 1.5x apart", restarts_differ),
]
CHECKS = {check.name: check for check in _TABLE}
