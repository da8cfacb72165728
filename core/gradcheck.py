"""Backprop against central finite differences, on every weight and bias array.

The error of an array is ‖a − n‖ / (‖a‖ + ‖n‖) (0 when both are 0); the check reports the
largest. Probe data and weights are redrawn until no pre-activation of a kinked
activation (ReLU and kin) lies within KINK_MARGIN of 0 and no array's gradient is so small
that rounding noise in the differences could rival it, so a true gradient never fails.
"""

from __future__ import annotations

import numpy as np

from core import activations, losses, network
from core.activations import gaussian_mean

STEP = 1e-6
KINK_MARGIN = 1e-3
TOLERANCE = 1e-6
MIN_GRAD_NORM = 1e-2


def _problem(depth, width, act, loss, regression, rng, n=6):
    classification = not regression
    n_out = 2 if loss == "softmax_ce" else 1
    sizes = network.layer_sizes(2, depth, width, n_out)
    # Var(W) = 1/(fan_in·E[f'(z)²]) keeps the backward signal O(1) at every depth, far
    # above the differences' rounding noise (sigmoid would otherwise shrink it 4x a layer).
    std = 1 / np.sqrt(gaussian_mean(lambda z: act.df(z, act.f(z)) ** 2, 1.0))
    Ws = [rng.normal(0, std / np.sqrt(fi), size=(1, fi, fo))
          for fi, fo in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(0, 0.1, size=(1, fo)) for fo in sizes[1:]]
    X = rng.normal(0, 1, size=(n, 2))
    y = rng.integers(0, 2, size=n) if classification else rng.normal(0, 1, size=n)
    return Ws, bs, X, y, classification


def _well_posed(Ws, bs, X, y, act, loss, classification):
    """No kink within reach of a difference step, and every gradient far above the
    differences' rounding noise (about machine epsilon / STEP = 1e-10)."""
    p = network.backward(network.forward(Ws, bs, X, y, act, loss, classification), Ws, act)
    if act.kinked and any(np.abs(z).min() <= KINK_MARGIN for z in p.z[:-1]):
        return False
    return min(np.linalg.norm(g) for g in p.dW + p.db) >= MIN_GRAD_NORM


def check(depth, width, activation, loss, seed=0, l2=0.0, regression=False):
    """Largest relative error over all arrays, and the error of each array by name."""
    act = activations.get(activation)
    if loss not in losses.NAMES:
        raise ValueError(f"loss: {loss!r} is not valid; allowed: one of {', '.join(losses.NAMES)}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        Ws, bs, X, y, classification = _problem(depth, width, act, loss, regression, rng)
        if _well_posed(Ws, bs, X, y, act, loss, classification):
            break

    def total_loss():
        p = network.forward(Ws, bs, X, y, act, loss, classification)
        return p.loss[0] + 0.5 * l2 * sum(float(np.sum(W * W)) for W in Ws)

    p = network.backward(network.forward(Ws, bs, X, y, act, loss, classification), Ws, act, l2)
    errors = {}
    for kind, params, grads in (("W", Ws, p.dW), ("b", bs, p.db)):
        for layer, (param, grad) in enumerate(zip(params, grads, strict=True), 1):
            numeric = np.zeros_like(param)
            for i in np.ndindex(param.shape):
                old = param[i]
                param[i] = old + STEP
                up = total_loss()
                param[i] = old - STEP
                down = total_loss()
                param[i] = old
                numeric[i] = (up - down) / (2 * STEP)
            denom = np.linalg.norm(grad) + np.linalg.norm(numeric)
            errors[f"{kind}{layer}"] = 0.0 if denom == 0 else float(
                np.linalg.norm(grad - numeric) / denom)
    return max(errors.values()), errors
