"""Backprop against central finite differences, on every weight and bias array.

The error of an array is ‖a − n‖ / (‖a‖ + ‖n‖) (0 when both are 0); the check reports the
largest. Probe data and weights are redrawn until no pre-activation of a kinked
activation (ReLU and kin) lies within KINK_MARGIN of 0 and no array's gradient, L2 term
included, is so small that rounding noise in the differences could rival it, so a true
gradient never fails.

The L2 penalty's part of a difference is taken for the one weight that moved,
l2/2·((w + h)² − (w − h)²), not as the difference of two sums over every weight: that sum
can be a hundred times the data loss, and its rounding, divided by the step, then swamped
the gradient of a bias (which has no L2 term) in deep sigmoid networks.
"""

from __future__ import annotations

import numpy as np

from core import activations, losses, network
from core.activations import gaussian_mean

STEP = 1e-6
KINK_MARGIN = 1e-3
TOLERANCE = 1e-6
MIN_GRAD_NORM = 1e-2
# A central difference of a loss L rounds by about eps·|L|/STEP per entry and per layer
# the forward pass goes through (2e-10 a layer for L ~ 1; measured: 12 eps for 9 layers),
# so an array of n entries and gradient norm g errs by about that·√n/g: an array must have
# a norm NOISE_RATIO times that noise, which keeps the rounding's share of the error at
# most a tenth of TOLERANCE.
NOISE_RATIO = 10 / TOLERANCE


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


def _rounding(loss, layers):
    """The rounding noise of one central difference of a loss of this size."""
    return np.finfo(float).eps * layers * max(abs(float(loss)), 1.0) / STEP


def _well_posed(Ws, bs, X, y, act, loss, classification, l2=0.0):
    """No kink within reach of a difference step, and every gradient (with its L2 term, as
    the check compares it) far above the differences' rounding noise."""
    p = network.backward(network.forward(Ws, bs, X, y, act, loss, classification), Ws, act,
                         l2)
    if act.kinked and any(np.abs(z).min() <= KINK_MARGIN for z in p.z[:-1]):
        return False
    noise = _rounding(p.loss[0], len(Ws))
    return all(np.linalg.norm(g) >= max(MIN_GRAD_NORM, NOISE_RATIO * noise * np.sqrt(g.size))
               for g in p.dW + p.db)


def check(depth, width, activation, loss, seed=0, l2=0.0, regression=False):
    """Largest relative error over all arrays, and the error of each array by name."""
    act = activations.get(activation)
    if loss not in losses.NAMES:
        raise ValueError(f"loss: {loss!r} is not valid; allowed: one of {', '.join(losses.NAMES)}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        Ws, bs, X, y, classification = _problem(depth, width, act, loss, regression, rng)
        if _well_posed(Ws, bs, X, y, act, loss, classification, l2):
            break

    def data_loss():
        return network.forward(Ws, bs, X, y, act, loss, classification).loss[0]

    p = network.backward(network.forward(Ws, bs, X, y, act, loss, classification), Ws, act, l2)
    errors = {}
    for kind, params, grads in (("W", Ws, p.dW), ("b", bs, p.db)):
        for layer, (param, grad) in enumerate(zip(params, grads, strict=True), 1):
            numeric = np.zeros_like(param)
            penalised = kind == "W" and l2 != 0
            for i in np.ndindex(param.shape):
                old = param[i]
                param[i] = old + STEP
                up = data_loss()
                param[i] = old - STEP
                down = data_loss()
                param[i] = old
                if penalised:  # the total loss's difference: every other weight's cancels
                    up += 0.5 * l2 * (old + STEP) ** 2
                    down += 0.5 * l2 * (old - STEP) ** 2
                numeric[i] = (up - down) / (2 * STEP)
            denom = np.linalg.norm(grad) + np.linalg.norm(numeric)
            errors[f"{kind}{layer}"] = 0.0 if denom == 0 else float(
                np.linalg.norm(grad - numeric) / denom)
    return max(errors.values()), errors
