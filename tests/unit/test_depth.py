"""How the pre-activation scale travels through depth at initialisation, with Gaussian input.

Twenty hidden layers of width n = 256 on a Gaussian input X (B = 256, n), run through
core.network.forward as a stack of M = 8 independent networks (the pooled statistics
average their fluctuations).

Tolerances. Given a layer's input H, the next second moment q is an average over the n
units of X_j = ‖relu(H w_j)‖² with iid columns w_j, so its relative fluctuation is
CV(X_j)/sqrt(n). The worst case is a rank-one H (every sample along one direction): then
X_j = g²·1[g > 0]·c with g ~ N(0, 1), whose CV² = (3/2 − 1/4)/(1/4) = 5. So ln q moves by
at most sqrt(5/n) per layer (one standard deviation), ln std by half that, 0.070 for
n = 256, and pooling M independent networks divides it by sqrt(M): 0.025 per layer.
"""

import functools
import math

import numpy as np
import pytest

from core import activations, network
from core import initializers as ini

N, B, M, L = 256, 256, 8, 20
PER_LAYER_SD = 0.5 * math.sqrt(5 / N) / math.sqrt(M)  # of ln std, one layer (bound above)


@functools.cache
def preact_stats(init, activation, seed=0):
    """(std, rms) of the pre-activations of hidden layers 1..L, pooled over members."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, N))
    Ws = [np.stack([ini.get(init)((N, N), np.random.default_rng([seed, m, layer]))
                    for m in range(M)]) for layer in range(L)]
    Ws.append(np.zeros((M, N, 1)))  # an output layer, so that forward has its usual shape
    bs = [np.zeros((M, W.shape[2])) for W in Ws]
    p = network.forward(Ws, bs, X, np.zeros(B), activations.get(activation), "mse", False)
    flat = p.Z.reshape(L, -1)
    return flat.std(axis=1), np.sqrt(np.mean(flat * flat, axis=1))


def test_relu_with_he_keeps_the_scale():
    """He: Var(W) = 2/n makes up exactly for ReLU's halving of E[z²], so E[q_l] is constant.
    ln(std_20/std_1) sums 19 layers' fluctuations: sd <= sqrt(19)·0.025 = 0.11; a factor
    3 (ln 3 = 1.10) is 10 of those, while Glorot's shrinking gives a factor 2^-9.5 here."""
    std, _ = preact_stats("he_normal", "relu")
    assert 1 / 3 < std[-1] / std[0] < 3
    assert abs(math.log(std[-1] / std[0])) < 6 * math.sqrt(L - 1) * PER_LAYER_SD


def _slope(std):
    """Per-layer log-slope from the two ends: its sd is sqrt(L-1)·PER_LAYER_SD / (L-1)."""
    return math.log(std[-1] / std[0]) / (L - 1)


def test_relu_with_glorot_halves_the_variance_per_layer():
    """Glorot with fan_in = fan_out gives Var(W) = 1/n, so E[q_{l+1}] = q_l/2: std shrinks by
    2^(-1/2) a layer. Slope tolerance: 6 sd = 6·0.025/sqrt(19) = 0.034 (the second-order
    bias of a log, sd²/2 = 3e-4 a layer, is far inside it)."""
    std, _ = preact_stats("glorot_normal", "relu")
    tol = 6 * PER_LAYER_SD / math.sqrt(L - 1)
    assert tol < 0.04
    assert _slope(std) == pytest.approx(-0.5 * math.log(2), abs=tol)
    # The tolerance separates it from the neighbours: constant scale (He) and 1/2 a layer.
    assert abs(-0.5 * math.log(2)) > 6 * tol
    assert abs(_slope(preact_stats("he_normal", "relu")[0])) < tol


def test_glorot_uniform_and_normal_agree_on_the_slope():
    tol = 6 * PER_LAYER_SD / math.sqrt(L - 1)
    assert _slope(preact_stats("glorot_uniform", "relu", seed=1)[0]) == pytest.approx(
        -0.5 * math.log(2), abs=tol)


def test_linear_with_orthogonal_preserves_the_norm_exactly():
    """A square orthogonal W preserves each sample's norm, so the pre-activations' mean
    square is the same at every depth (to rounding). Their std differs from the root mean
    square only by the tiny overall mean (mean²/q ~ 1/(B·n) = 1.5e-5; 6 sd of it is 1e-3)."""
    std, rms = preact_stats("orthogonal", "linear")
    np.testing.assert_allclose(rms, rms[0], rtol=1e-10)
    np.testing.assert_allclose(std, std[0], rtol=1e-3)


def test_linear_with_random_normal_is_not_norm_preserving():
    """The contrast: the same check fails for a fixed-scale draw (0.05² · 256 = 0.64 a layer)."""
    std, rms = preact_stats("random_normal", "linear")
    assert rms[-1] / rms[0] < 0.1
