"""What lessons, their checks, facts and questions read of a run: one record of member 0, a
layer's field, the loss, and the restarts experiment they share.

A record here is member 0's: ``layers`` (layers, FIELDS) with the output layer last, and
``metrics`` (STEP_FIELDS); core/telemetry.py names the fields.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from core import network
from core.config import RunConfig
from core.telemetry import Field, Metric
from core.trainer import Trainer

LN2 = math.log(2)  # the loss of a 50/50 guess on two balanced classes
RESTART_SEEDS = 8
RESTART_STEPS = 300


def latest(trainer) -> tuple[int, np.ndarray, np.ndarray]:
    """(step, layers, metrics) of the newest record."""
    record = trainer.record
    return int(record.steps[-1]), record.layers[-1][0], record.metrics[-1][0]


def newest_finite(trainer) -> tuple[int, np.ndarray, np.ndarray]:
    """(step, layers, metrics) of the newest record whose loss is finite."""
    record = trainer.record
    at = record.newest_finite()
    return int(record.steps[at]), record.layers[at][0], record.metrics[at][0]


def at_step(trainer, step: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(step, layers, metrics) of the newest finite record at or before ``step``."""
    record = trainer.record
    steps = np.asarray(record.steps)
    finite = np.isfinite([m[0][Metric.train_loss] for m in record.metrics])
    candidates = np.flatnonzero((steps <= step) & finite)
    at = int(candidates[-1]) if len(candidates) else 0
    return int(steps[at]), record.layers[at][0], record.metrics[at][0]


def step0(trainer) -> np.ndarray:
    """The layers of the record at initialisation."""
    return trainer.record.layers[0][0]


def hidden(layers: np.ndarray, name: str) -> np.ndarray:
    """Field ``name`` of the hidden layers (the output layer left out)."""
    return layers[:-1, Field[name]]


def train_loss(metrics: np.ndarray) -> float:
    return float(metrics[Metric.train_loss])


def start_loss(trainer) -> float:
    return train_loss(trainer.record.metrics[0][0])


def per_layer(values) -> float:
    """The geometric mean of the ratios of consecutive values: the factor per layer."""
    v = np.asarray(values, float)
    return float((v[-1] / v[0]) ** (1 / (len(v) - 1)))


@functools.lru_cache(maxsize=64)  # trains eight networks: once per configuration
def restarts(cfg: RunConfig) -> tuple[float, float]:
    """(lowest, highest) final training loss of RESTART_SEEDS init seeds of ``cfg`` after
    RESTART_STEPS steps, trained as one stack."""
    cfg = cfg.replace(layer_inits={})
    seeds = [cfg.replace(init_seed=s) for s in range(RESTART_SEEDS)]
    stack = Trainer(cfg, seeds, record_every=10**6).run(RESTART_STEPS)
    d = stack.data
    with np.errstate(all="ignore"):
        losses = network.forward(stack.Ws, stack.bs, d.X_train, d.y_train, stack.act,
                                 cfg.loss, d.classification).loss
    return float(np.nanmin(losses)), float(np.nanmax(losses))
