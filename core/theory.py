"""What the variance-propagation argument predicts, to draw beside what is measured.

The mean-field argument (Glorot & Bengio 2010, He et al. 2015, Poole et al. 2016) treats a
layer's pre-activations as Gaussian with variance q_l and weights as independent with mean
square s_l:

    q_1     = fan_in · s_1 · E[x²] + E[b_1²]
    q_{l+1} = fan_in · s_{l+1} · E_{z~N(0,q_l)}[f(z)²] + E[b_{l+1}²]

and backwards, for δ_l = dL/dz_l:  E[δ_l²] = E[f'(z_l)²] · fan_out · s_{l+1} · E[δ_{l+1}²].
Where its assumptions fail (non-zero-mean weights, symmetric units) the measurement departs
from it, and that departure is itself the lesson.
"""

from __future__ import annotations

import math

import numpy as np

from core import initializers
from core.activations import gaussian_mean

DENSITY_SAMPLES = 200_000
MAX_DRAWS = 2000  # of one layer, for the density: a 2 x 8 layer still gets 32,000 values


def predict(Ws, bs, X, act, top_grad_sq=None):
    """Per layer (hidden and output) predicted preact_std, act_std and backprop_std.

    ``Ws``/``bs`` are one network's weights (fan_in, fan_out) and biases; ``X`` the input;
    ``top_grad_sq`` the mean square of dL/dlogits to start the backward recurrence from.
    """
    n = len(Ws)
    s = [float(np.mean(W * W)) for W in Ws]
    vb = [float(np.mean(b * b)) for b in bs]
    second = float(np.mean(X * X))
    q, act_std = [], []
    for layer in range(n):
        q.append(Ws[layer].shape[0] * s[layer] * second + vb[layer])
        if layer < n - 1:
            mean = gaussian_mean(act.f, q[-1])
            second = gaussian_mean(lambda z: act.f(z) ** 2, q[-1])
            act_std.append(math.sqrt(max(second - mean * mean, 0.0)))
    act_std.append(float("nan"))
    back = [float("nan")] * n
    if top_grad_sq is not None:
        back[-1] = top_grad_sq
        for layer in range(n - 2, -1, -1):
            df_sq = gaussian_mean(lambda z: act.df(z, act.f(z)) ** 2, q[layer])
            back[layer] = df_sq * Ws[layer + 1].shape[1] * s[layer + 1] * back[layer + 1]
    return {
        "layer": np.arange(1, n + 1),
        "preact_std": np.sqrt(q),
        "act_std": np.array(act_std),
        "backprop_std": np.sqrt(back),
    }


def init_density(name, params, fans, bins=60, scale=1.0):
    """The initializer's density for a layer with ``fans``, its weights multiplied by
    ``scale``: (bin edges, density).

    Drawn from DENSITY_SAMPLES values with the layer's own shape repeated, so it is exact
    to the eye for every initializer, including the shape-dependent ones (orthogonal,
    identity, sparse) that have no simple closed form.
    """
    if scale == 0:  # every weight is 0: one narrow bar of total mass 1
        return np.array([-0.01, 0.01]), np.array([50.0])
    init = initializers.get(name, **params)
    rng = np.random.default_rng(0)
    # A small layer is drawn many times: 128 values x 50 left the 60 bins of a uniform
    # ragged by 10%, where the density is flat.
    repeats = max(1, min(MAX_DRAWS, -(-DENSITY_SAMPLES // (fans[0] * fans[1]))))
    values = np.concatenate([init(fans, rng).ravel() for _ in range(repeats)])
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:  # a constant: one narrow bar of total mass 1
        lo, hi = lo - 0.01 * max(abs(lo), 1), hi + 0.01 * max(abs(hi), 1)
    density, edges = np.histogram(values, bins=bins, range=(lo, hi), density=True)
    return edges * scale, density / scale
