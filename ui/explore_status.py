"""Explore's status line: the step, losses and gradients (the head), and the notes under
the key charts (busy, overflowed, symmetric, stalled, the lesson's check and grade), as
[kind, markdown, icon] parts that components/feed.js draws."""

from __future__ import annotations

import numpy as np

from core import diagnosis
from core.telemetry import Field, Metric
from ui.lecture import Lecture
from ui.presenter import busy_message
from viz import style


def _layers(numbers, most=8):
    return ", ".join(str(k) for k in numbers[:most]) + ("…" if len(numbers) > most else "")


def parts(trainer, lecture: Lecture, waiting: bool, present: bool) -> dict[str, list]:
    """The status line (head) and its notes. While the lecture's question is open the head
    says the step alone: a loss or a gradient could answer it."""
    record = trainer.record
    shown_at = record.newest_finite()
    lay, met = record.layers[shown_at][0], record.metrics[shown_at][0]
    shown_step, step = record.steps[shown_at], trainer.step
    notes = [["info", busy_message(), ":material/hourglass_top:"]] if waiting else []
    if lecture.open_question:
        return {"head": [["markdown", f"**Step {step}** · answer the question to see the "
                          "run's figures", None]], "notes": notes}
    return {"head": _head(trainer, lay, met, shown_step, shown_at, present),
            "notes": notes + _warnings(trainer, lay) + lecture.notes(trainer)}


def _head(trainer, lay, met, shown_step, shown_at, present) -> list:
    record, step = trainer.record, trainer.step
    tr, te = met[Metric.train_loss], met[Metric.test_loss]
    tra, tea = met[Metric.train_acc], met[Metric.test_acc]
    acc = "" if np.isnan(tra) else f" · accuracy train **{tra:.1%}** test **{tea:.1%}**"
    if shown_step == step:
        at = ""
    elif shown_at < len(record) - 1:  # newer records hold a loss that overflowed
        at = f" (at step {shown_step}, the last finite)"
    else:  # steps between records (recorded every few steps) keep the newest record's
        at = f" (measured at step {shown_step})"
    head = [["markdown", f"**Step {step}** · loss train **{style.loss_text(tr)}** "
             f"test **{style.loss_text(te)}**{acc}{at}", None]]
    if not present:  # the bars beside it say it in the presenter view
        depth = trainer.depth
        grads = " · ".join(f"{style.layer_name(k + 1, depth)} {g:.2g}"
                           for k, g in enumerate(lay[:, Field.grad_norm]))
        head.append(["caption", f"‖∂L/∂W‖ now: {grads}", None])
    return head


def _warnings(trainer, lay) -> list:
    out, width = [], trainer.config.width
    where = trainer.diverged_at[0]
    if where:
        out.append(["error", f"Exploded at step {where['step']} in layer {where['layer']} "
                    f"({where['phase']} pass): numbers overflowed. The last finite state stays "
                    f"on screen. What to change: {diagnosis.remedy(trainer.config)}.", None])
    stuck, stalled = diagnosis.symmetric_layers(lay, width), diagnosis.stall(lay)
    if stuck:
        out.append(["warning", f"Symmetry holds: in layer {_layers(stuck)} all {width} units "
                    "are identical, so each layer acts like a single unit.", None])
    elif stalled and not where:
        dead = stalled.dead_layers
        why = (f"every unit in layer{'s' if len(dead) > 1 else ''} {_layers(dead)} is dead (its "
               "slope is 0 on the whole batch), and no gradient passes a dead layer" if dead
               else "no gradient reaches the hidden layers")
        out.append(["warning", "Training has stalled: every hidden layer's weight gradient is "
                    f"exactly 0, because {why}. Dead units seldom wake up. What to change: "
                    f"{diagnosis.remedy(trainer.config)}.", None])
    return out
