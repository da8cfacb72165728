"""Predict, then run: a lesson's question, asked before Play and graded by the run itself.

A question has a few answers to choose from and an ``answer`` that reads the run's
telemetry: it returns the index of the right answer with the evidence, in numbers, or None
while the run has not yet shown it (``ready_at`` says from which step it can). Nothing is
stored beyond the browser session: the pick lives in the page's state, the question in
the lesson.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.telemetry import Field, Metric

LN2 = math.log(2)


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[str, ...]
    answer: Callable = field(repr=False)  # trainer -> (index, evidence) or None
    ready_at: int = 0  # the step from which the run can answer
    evidence: str = ""  # the chart that shows it (Explore's chart keys)


def grade(question: Question, trainer, picked: int) -> tuple[str, str]:
    """("not yet" | "right" | "wrong", message) for the answer ``picked``."""
    early = trainer.step < question.ready_at and trainer.status != "diverged"
    known = None if early else question.answer(trainer)
    if known is None:
        return "not yet", (f"you said “{question.choices[picked]}”; press Play: the run "
                           f"answers from step {question.ready_at}")
    right, evidence = known
    said = f"you said “{question.choices[picked]}”"
    if picked == right:
        return "right", f"{said}, and the run agrees: {evidence}"
    return "wrong", f"{said}; the run shows “{question.choices[right]}”: {evidence}"


# ---------------------------------------------------------------- reading the run


def _now(trainer):
    """(layers (L, FIELDS), metrics) of member 0's newest finite record."""
    record = trainer.record
    at = record.newest_finite()
    return record.layers[at][0], record.metrics[at][0]


def _loss(metrics) -> float:
    return float(metrics[Metric.train_loss])


def _start_loss(trainer) -> float:
    return _loss(trainer.record.metrics[0][0])


# ---------------------------------------------------------------- the answers


def learns(by: float = 0.8):
    """Will it train? Yes when the loss has fallen below ``by`` of where it started."""
    def answer(trainer):
        now, start = _loss(_now(trainer)[1]), _start_loss(trainer)
        if now < by * start:
            return 0, f"the loss fell from {start:.3f} to {now:.3f} in {trainer.step} steps"
        return 1, f"after {trainer.step} steps the loss is {now:.3f} (from {start:.3f})"
    return answer


def smallest_error(trainer):
    """Where the back-propagated error ∂L/∂z is smallest (the weight gradients of a
    vanishing tanh net are nearly level: ‖∂L/∂W_l‖ = ‖h_(l-1)‖·‖∂L/∂z_l‖, the signal
    shrinking up as the error shrinks down, so they make a poor question)."""
    errors = _now(trainer)[0][:, Field.backprop_std]
    low, depth = int(np.argmin(errors)), len(errors) - 1
    where = 0 if low == 0 else 3 if low == depth else 2 if low == depth - 1 else 1
    return where, ("the error's std is " + ", ".join(
        f"{e:.0e} in {'the output' if k == depth else f'layer {k + 1}'}"
        for k, e in enumerate(errors) if k in (0, depth // 2, depth - 1, depth)))


def stays_at_ln2(trainer):
    now = _loss(_now(trainer)[1])
    if abs(now - LN2) < 1e-3:
        return 1, f"after {trainer.step} steps the loss is {now:.4f}, still ln 2"
    return 0, f"the loss moved to {now:.4f}"


def distinct_units(trainer):
    lay, _ = _now(trainer)
    distinct = lay[:-1, Field.distinct_units]
    width = trainer.config.width
    pick = 0 if np.all(distinct == 1) else 2 if np.all(distinct == width) else 1
    return pick, (f"at step {trainer.step} the hidden layers have "
                  f"{', '.join(str(int(d)) for d in distinct)} distinct units of {width}")


def saturated_beyond_layer_one(trainer):
    sat = _now(trainer)[0][1:-1, Field.saturated_frac]
    return (0 if sat.mean() > 0.5 else 1), (
        f"{sat.mean():.0%} of the outputs of layers 2 and up are within 5% of ±1")


def first_steps(trainer):
    where = trainer.diverged_at[0]
    if where:
        return 2, f"the numbers overflowed at step {where['step']} in layer {where['layer']}"
    now, start = _loss(_now(trainer)[1]), _start_loss(trainer)
    return (0 if now < 0.5 * start else 1), f"the loss went from {start:.3g} to {now:.3g}"


def top_layer_goes(trainer):
    mean = float(_now(trainer)[0][-2, Field.act_mean])
    pick = 0 if mean < 0.2 else 2 if mean > 0.8 else 1
    return pick, f"at step {trainer.step} the top layer's mean output is {mean:.3f}"


def scale_kept(trainer):
    std = _now(trainer)[0][:-1, Field.preact_std]
    ratio = std[-1] / std[0]
    pick = 0 if abs(ratio - 1) < 0.1 else 1 if ratio > 1 else 2
    return pick, f"the top hidden layer's pre-activation std is {ratio:.3f} of layer 1's"


def same_end(trainer):
    from core import lessons  # the 8-seed run, cached there for the lesson's own check
    state, message = lessons.check_restarts(trainer)
    return (1 if state == "yes" else 0), message


YES_NO = ("yes", "no")
QUESTIONS = {
    "zeros": Question("After 100 steps, will the loss be below ln 2 = 0.693?",
                      ("yes, it learns something", "no, it stays at ln 2"),
                      stays_at_ln2, 100, "loss"),
    "constant": Question("After 100 steps, how many distinct units will each hidden "
                         "layer of 8 have?", ("1: all copies", "2 to 7", "all 8"),
                         distinct_units, 100, "symmetry"),
    "too_small": Question("Which layer will the back-propagated error ∂L/∂z be smallest "
                          "in?", ("layer 1, next to the input", "a middle layer",
                                  "the top hidden layer", "the output layer"),
                          smallest_error, 0, "flow_bars"),
    "too_large_tanh": Question("At the start, will most units of layers 2 to 6 be "
                               "saturated (near ±1)?", YES_NO,
                               saturated_beyond_layer_one, 0, "saturation"),
    "too_large_relu": Question("What happens in the first few steps?",
                               ("it learns fast", "it learns slowly", "the numbers overflow"),
                               first_steps, 5, "flow_bars"),
    "xavier_relu_30": Question("Will this 30-layer ReLU network with Glorot's weights "
                               "learn within 300 steps?", YES_NO, learns(), 300, "loss"),
    "he_relu_30": Question("Will this 30-layer ReLU network with He's weights learn "
                           "within 300 steps?", YES_NO, learns(), 300, "loss"),
    "glorot_bengio_sigmoid": Question("Where will the top hidden layer's outputs go in the "
                                      "first 1000 steps?",
                                      ("towards 0", "they stay near 0.5", "towards 1"),
                                      top_layer_goes, 1000, "saturation"),
    "orthogonal_linear": Question("Through 20 linear layers with orthogonal weights, the "
                                  "signal's scale…", ("stays the same", "grows", "shrinks"),
                                  scale_kept, 0, "theory"),
    "restarts": Question("Will 8 seeds of this small network all end at the same loss?",
                         YES_NO, same_end, 0, "loss"),
}
