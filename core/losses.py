"""Losses with their output nonlinearity: each maps logits to (loss, dL/dlogits, outputs).

Losses are means over the batch. ``outputs`` is what the network predicts (a probability,
class probabilities, or a value) and what the figures draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def _batch_mean(x):
    """Mean over the last axis (the batch), computed as np.mean computes it (one sum, then
    one division) without its Python layers: in a training step those cost more than the
    sum of a batch does."""
    return np.add.reduce(x, axis=-1) / x.shape[-1]


def _bce(z, y):
    # z: (..., B, 1) logits; y: (B,) in {0, 1}. log(1+e^-|z|) keeps it finite for any z.
    z = z[..., 0]
    e = np.exp(-np.abs(z))  # shared by the sigmoid and the loss; never overflows
    r = 1 / (1 + e)
    p = np.where(z >= 0, r, e * r)
    loss = _batch_mean(np.maximum(z, 0) - z * y + np.log1p(e))
    return loss, ((p - y) / y.shape[0])[..., None], p


def _softmax_ce(z, y):
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=-1, keepdims=True)
    logp = shifted - np.log(e.sum(axis=-1, keepdims=True))
    rows = np.arange(y.shape[0])
    loss = -_batch_mean(logp[..., rows, y])
    grad = p.copy()
    grad[..., rows, y] -= 1
    return loss, grad / y.shape[0], p[..., 1] if z.shape[-1] == 2 else p


# MSE is mean(err²), as Keras and PyTorch report it (not ½·mean(err²)): its gradient is
# 2·err/B.
def _mse_regression(z, y):
    err = z[..., 0] - y
    return _batch_mean(err * err), (2.0 * err / y.shape[0])[..., None], z[..., 0]


def _mse_classification(z, y):
    # The Playground's choice: tanh output against targets -1/+1.
    t = 2.0 * y - 1
    out = np.tanh(z[..., 0])
    err = out - t
    grad = 2.0 * err * (1 - out * out) / y.shape[0]
    return _batch_mean(err * err), grad[..., None], (out + 1) / 2


@dataclass(frozen=True)
class Loss:
    name: str
    for_classes: Callable | None  # used on classification data, or None if it can't be
    for_values: Callable | None  # used on regression data, or None if it can't be
    multiclass: bool = False  # one output unit per class instead of one in all


LOSSES = {
    "bce": Loss("bce", _bce, None),
    "softmax_ce": Loss("softmax_ce", _softmax_ce, None, multiclass=True),
    "mse": Loss("mse", _mse_classification, _mse_regression),
}
NAMES = tuple(LOSSES)


def evaluate(name: str, classification: bool, z, y):
    """(loss per member, dL/dz, predicted output) for logits ``z`` of shape (M, B, K)."""
    loss = LOSSES[name]
    return (loss.for_classes if classification else loss.for_values)(z, y)


def accuracy(outputs, y):
    """Fraction right per member; ``outputs`` is P(class 1) for binary tasks."""
    if outputs.ndim == y.ndim + 2:  # class probabilities, more than two classes
        return np.mean(outputs.argmax(axis=-1) == y, axis=-1)
    return np.mean((outputs > 0.5) == (y == 1), axis=-1)
