"""A student's result, computed by the server from its own run.

``compute`` reads a core Trainer (one member of it); nothing a browser sends becomes a
result, except the student's pick of the question's answers, which is checked against the
question. ``check`` is what the store runs on every entry before it writes: the fields, their
types and their bounds, so that a bug upstream can never store something malformed.

Fields (results.json, README "Running for a class"):

| field | meaning |
| --- | --- |
| ``label`` | the run's name: its initializer, or Compare's column label |
| ``init`` | the weight initializer |
| ``init_seed`` | the initial-weight seed the run drew |
| ``steps`` | the steps trained when the result was posted |
| ``final_loss`` | training loss at the newest record (null once diverged) |
| ``baseline_loss`` | the loss of the best constant guess on the same data |
| ``trained`` | final loss below core.sweep.DEFAULT_THRESHOLD × baseline, not diverged |
| ``diverged_at`` | the step at which the run overflowed, or null |
| ``distinct_units`` | per layer (hidden layers, then the output), at the newest finite record |
| ``grad_norms_start`` | per layer, ‖∂L/∂W‖ at step 0 (the first batch, before any update) |
| ``answer`` | the student's pick before the run (an index into the question's choices) |
| ``run_answer`` | what the run shows (the same index space), or null while it cannot tell |
"""

from __future__ import annotations

import math

import numpy as np

from core import initializers, sweep
from core.questions import ANSWERS
from core.telemetry import Field, Metric

MAX_LAYERS = 65  # config's 64 hidden layers and the output
MAX_UNITS = 512  # config's widest layer
MAX_STEP = 10**6
MAX_CHOICES = 16
FIELDS = ("label", "init", "init_seed", "steps", "final_loss", "baseline_loss", "trained",
          "diverged_at", "distinct_units", "grad_norms_start", "answer", "run_answer")


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def compute(trainer, member: int = 0, *, label: str | None = None, answer: int | None = None,
            question=None, threshold: float = sweep.DEFAULT_THRESHOLD) -> dict:
    """The result of ``trainer``'s member ``member`` as it stands.

    ``answer``: the student's pick of ``question``'s choices (checked here), or None.
    ``question``: a core.questions.Question whose ``answer`` reads the run (member 0 of the
    trainer: a student's own run), or None.
    """
    cfg = trainer.members[member]
    record = trainer.record
    where = trainer.diverged_at[member]
    newest = record.newest_finite(member)
    layers_now, metrics_now = record.layers[newest][member], record.metrics[-1][member]
    final = None if where is not None else _finite(metrics_now[Metric.train_loss])
    baseline = sweep.baseline_loss(trainer.data, trainer.config.loss)
    distinct = [None if not np.isfinite(v) else int(v)
                for v in layers_now[:, Field.distinct_units]]
    start = record.layers[0][member][:, Field.grad_norm]
    if record.steps[0] != 0:
        raise ValueError("the run's record has lost its step 0: keep step 0 (Record.thin does)")
    run_answer = None
    if question is not None:
        answer = check_answer(answer, question)
        early = trainer.step < question.ready_at and trainer.status != "diverged"
        known = None if early else ANSWERS[question.answer].fn(trainer, question.ready_at)
        run_answer = None if known is None else int(known[0])
    elif answer is not None:
        raise ValueError("answer: there is no question to answer")
    return check({
        "label": label or cfg.init,
        "init": cfg.init,
        "init_seed": int(cfg.init_seed),
        "steps": int(trainer.step),
        "final_loss": final,
        "baseline_loss": _finite(baseline),
        "trained": bool(final is not None and final < threshold * baseline),
        "diverged_at": None if where is None else int(where["step"]),
        "distinct_units": distinct,
        "grad_norms_start": [_finite(v) for v in start],
        "answer": answer,
        "run_answer": run_answer,
    })


def from_lockstep(lockstep) -> list[dict]:
    """One result per Compare column (each column's first seed): a student's Compare run.
    (Compare has no question: only a lesson asks one.)"""
    out = []
    for c, label in enumerate(lockstep.labels):
        place = lockstep.places[c]
        out.append(compute(lockstep.trainers[place.trainer], place.members.start, label=label))
    return out


def check_answer(answer, question) -> int | None:
    if answer is None:
        return None
    n = len(question.choices)
    if isinstance(answer, bool) or not isinstance(answer, int | np.integer) or not (
            0 <= answer < n):
        raise ValueError(f"answer: {answer!r} is not allowed; allowed: a choice from 0 to {n - 1}")
    return int(answer)


def _bad(name, value, allowed):
    raise ValueError(f"result {name}: {value!r} is not allowed; allowed: {allowed}")


def _int(name, value, lo, hi, null=False):
    if value is None and null:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        _bad(name, value, f"a whole number from {lo} to {hi}" + (" or null" if null else ""))
    return int(value)


def _float(name, value, lo=0.0):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not (
            math.isfinite(value) and value >= lo):
        _bad(name, value, f"a finite number from {lo:g}, or null")
    return float(value)


def _text(name, value, most=200):
    if not isinstance(value, str) or not value or len(value) > most or not value.isprintable():
        _bad(name, value, f"a printable text of 1 to {most} characters")
    return value


def check(entry: dict) -> dict:
    """``entry`` with every field checked (types and bounds), or ValueError naming it."""
    if not isinstance(entry, dict) or set(entry) != set(FIELDS):
        got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"result: fields {got} are not allowed; allowed: {list(FIELDS)}")
    e = dict(entry)
    _text("label", e["label"])
    if e["init"] not in (*initializers.NAMES, "lsuv"):
        _bad("init", e["init"], "an initializer's name")
    e["init_seed"] = _int("init_seed", e["init_seed"], 0, 2**32 - 1)
    e["steps"] = _int("steps", e["steps"], 0, MAX_STEP)
    e["final_loss"] = _float("final_loss", e["final_loss"])
    e["baseline_loss"] = _float("baseline_loss", e["baseline_loss"])
    if not isinstance(e["trained"], bool | np.bool_):
        _bad("trained", e["trained"], "true or false")
    e["trained"] = bool(e["trained"])
    e["diverged_at"] = _int("diverged_at", e["diverged_at"], 0, MAX_STEP, null=True)
    if e["trained"] and (e["final_loss"] is None or e["diverged_at"] is not None):
        _bad("trained", True, "false for a run without a final loss or one that diverged")
    for name in ("distinct_units", "grad_norms_start"):
        values = e[name]
        if not isinstance(values, list | tuple) or not 1 <= len(values) <= MAX_LAYERS:
            _bad(name, values, f"a list of 1 to {MAX_LAYERS} per-layer values")
    if len(e["distinct_units"]) != len(e["grad_norms_start"]):
        _bad("distinct_units", e["distinct_units"], "one value per layer, as grad_norms_start")
    e["distinct_units"] = [_int("distinct_units", v, 0, MAX_UNITS, null=True)
                           for v in e["distinct_units"]]
    e["grad_norms_start"] = [_float("grad_norms_start", v) for v in e["grad_norms_start"]]
    e["answer"] = _int("answer", e["answer"], 0, MAX_CHOICES - 1, null=True)
    e["run_answer"] = _int("run_answer", e["run_answer"], 0, MAX_CHOICES - 1, null=True)
    return {k: e[k] for k in FIELDS}
