"""Predict, then run: a lesson's question, asked before Play and graded by the run itself.

A question has a few answers to choose from, each meaning one of its answer rule's
``outcomes`` in order, and a horizon ``ready_at``: the run is read as it stood at that step
(the question asks "within 300 steps", so step 300 answers it, however far the run has
gone since), and graded from then on. Until the student commits, the page shows the
question, the settings and only the panels in ``shown_before``, none of which decides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.readings import (
    LN2,
    RESTART_SEEDS,
    RESTART_STEPS,
    at_step,
    restarts,
    start_loss,
    train_loss,
)
from core.telemetry import Field

LEARNT = 0.8  # "it learns": the loss below this share of where it started


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[str, ...]
    answer: str  # a name in ANSWERS
    ready_at: int = 0  # the step the question is about, from which the run answers it
    evidence: str = ""  # the panel that shows the answer (Explore's panel names)
    shown_before: tuple[str, ...] = ("network",)  # panels that do not give it away


def grade(question: Question, trainer, picked: int) -> tuple[str, str]:
    """("not yet" | "right" | "wrong", message) for the answer ``picked``."""
    said = f"you said “{question.choices[picked]}”"
    if trainer.step < question.ready_at and trainer.status != "diverged":
        return "not yet", (f"{said}; press Play: the run answers at step {question.ready_at}")
    right, evidence = ANSWERS[question.answer].fn(trainer, question.ready_at)
    if picked == right:
        return "right", f"{said}, and the run agrees: {evidence}"
    return "wrong", f"{said}; the run shows “{question.choices[right]}”: {evidence}"


# ---------------------------------------------------------------- the answers
# Each reads the run as it stood at the question's step and returns (index of the outcome,
# the evidence in numbers).


def learns(trainer, step):
    at, _, met = at_step(trainer, step)
    now, start = train_loss(met), start_loss(trainer)
    where = trainer.diverged_at[0]
    if where and where["step"] <= step:
        return 1, f"the numbers overflowed at step {where['step']}, before step {step}"
    if now < LEARNT * start:
        return 0, f"by step {at} the loss fell from {start:.3f} to {now:.3f}"
    return 1, f"at step {at} the loss is {now:.3f} (from {start:.3f}): not learnt"


def smallest_error(trainer, step):
    """Where the back-propagated error ∂L/∂z is smallest (the weight gradients of a
    vanishing tanh net are nearly level: ‖∂L/∂W_l‖ = ‖h_(l-1)‖·‖∂L/∂z_l‖, the signal
    shrinking up as the error shrinks down, so they make a poor question)."""
    errors = at_step(trainer, step)[1][:, Field.backprop_std]
    low, depth = int(np.argmin(errors)), len(errors) - 1
    where = 0 if low == 0 else 3 if low == depth else 2 if low == depth - 1 else 1
    return where, ("the error's std is " + ", ".join(
        f"{e:.0e} in {'the output' if k == depth else f'layer {k + 1}'}"
        for k, e in enumerate(errors) if k in (0, depth // 2, depth - 1, depth)))


def stays_at_ln2(trainer, step):
    at, _, met = at_step(trainer, step)
    now = train_loss(met)
    if abs(now - LN2) < 1e-3:
        return 1, f"at step {at} the loss is {now:.4f}, still ln 2"
    return 0, f"at step {at} the loss is {now:.4f}"


def distinct_units(trainer, step):
    at, lay, _ = at_step(trainer, step)
    distinct = lay[:-1, Field.distinct_units]
    width = trainer.config.width
    pick = 0 if np.all(distinct == 1) else 2 if np.all(distinct == width) else 1
    return pick, (f"at step {at} the hidden layers have "
                  f"{', '.join(str(int(d)) for d in distinct)} distinct units of {width}")


def saturated_beyond_layer_one(trainer, step):
    sat = at_step(trainer, step)[1][1:-1, Field.saturated_frac]
    return (0 if sat.mean() > 0.5 else 1), (
        f"{sat.mean():.0%} of the outputs of layers 2 and up are within 5% of ±1")


def first_steps(trainer, step):
    where = trainer.diverged_at[0]
    if where and where["step"] <= max(step, 1):
        return 2, f"the numbers overflowed at step {where['step']} in layer {where['layer']}"
    at, _, met = at_step(trainer, step)
    now, start = train_loss(met), start_loss(trainer)
    return (0 if now < 0.5 * start else 1), (
        f"by step {at} the loss went from {start:.3g} to {now:.3g}")


def top_layer_goes(trainer, step):
    at, lay, _ = at_step(trainer, step)
    mean = float(lay[-2, Field.act_mean])
    pick = 0 if mean < 0.2 else 2 if mean > 0.8 else 1
    return pick, f"at step {at} the top layer's mean output is {mean:.3f}"


def scale_kept(trainer, step):
    std = at_step(trainer, step)[1][:-1, Field.preact_std]
    ratio = std[-1] / std[0]
    pick = 0 if abs(ratio - 1) < 0.1 else 1 if ratio > 1 else 2
    return pick, f"the top hidden layer's pre-activation std is {ratio:.3f} of layer 1's"


def same_end(trainer, step):
    lo, hi = restarts(trainer.config)
    return (1 if hi > 1.5 * lo else 0), (
        f"{RESTART_SEEDS} seeds, {RESTART_STEPS} steps each: final train loss from {lo:.3f} "
        f"to {hi:.3f}")


@dataclass(frozen=True)
class Answer:
    name: str
    outcomes: tuple[str, ...]  # what each choice, in order, must mean
    fn: Callable = field(repr=False)  # (trainer, step) -> (outcome index, evidence)


_TABLE = [
    Answer("learns", ("it learns: the loss below 0.8 of its start", "it does not"), learns),
    Answer("stays_at_ln2", ("the loss moves off ln 2", "it stays at ln 2"), stays_at_ln2),
    Answer("smallest_error", ("the back-propagated error smallest in layer 1",
                              "in a middle layer", "in the top hidden layer",
                              "in the output layer"), smallest_error),
    Answer("distinct_units", ("1 distinct unit in every hidden layer", "some in between",
                              "every unit distinct"), distinct_units),
    Answer("saturated", ("most outputs of layers 2 and up saturated", "not most"),
           saturated_beyond_layer_one),
    Answer("first_steps", ("the loss below half its start", "it falls less",
                           "the numbers overflow"), first_steps),
    Answer("top_layer_goes", ("the top layer's mean output below 0.2", "between",
                              "above 0.8"), top_layer_goes),
    Answer("scale_kept", ("the top layer's scale within 10% of layer 1's", "larger",
                          "smaller"), scale_kept),
    Answer("same_end", (f"{RESTART_SEEDS} seeds end within 1.5x of each other", "they do not"),
           same_end),
]
ANSWERS = {answer.name: answer for answer in _TABLE}
