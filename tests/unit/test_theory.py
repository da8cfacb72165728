"""core.theory: the mean-field predictions where they are exact, and the init densities."""

import math

import numpy as np
import pytest

from core import activations, theory
from core import initializers as ini


def weights(sizes, init, seed=0):
    return [ini.get(init)((fi, fo), np.random.default_rng([seed, k]))
            for k, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]


def test_first_layer_formula_exact():
    """Layer 1's std over (batch, units), centred as the telemetry centres it, expected over
    the weights: var(b) + s·(mean|x|² − |x̄|²/fan_out), for any activation."""
    rng = np.random.default_rng(0)
    Ws = weights([3, 7, 5, 1], "he_uniform")
    bs = [rng.normal(0, 0.3, W.shape[1]) for W in Ws]
    X = rng.normal(0, 2, (40, 3)) + 0.5
    for name in ("tanh", "relu", "linear"):
        pred = theory.predict(Ws, bs, X, activations.get(name))
        s = np.mean(Ws[0] ** 2)
        xbar = X.mean(axis=0)
        q1 = np.var(bs[0]) + s * (np.mean(np.sum(X**2, 1)) - xbar @ xbar / 7)
        assert pred["preact_std"][0] == pytest.approx(math.sqrt(q1), rel=1e-14)
        assert pred["layer"].tolist() == [1, 2, 3]


def test_first_layer_is_the_mean_over_weight_draws():
    """The same formula is what the measured std² averages to over many weight draws: the
    test that the centring term is right (without it, 7 units and a mean input of 2.5
    would be 13 % off; the mean of 4000 draws is good to about 0.5 %)."""
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (30, 3)) + 2.5
    b = rng.normal(0.2, 0.3, 7)
    relu = activations.get("relu")
    draws = rng.normal(0, 0.4, (4000, 3, 7))
    values = (X @ draws + b).var(axis=(1, 2))
    # The prediction is linear in s = mean(W²): at the draws' mean s it is their mean.
    W = draws[0] * math.sqrt(np.mean(draws**2) / np.mean(draws[0] ** 2))
    pred = theory.predict([W, np.ones((7, 1))], [b, np.zeros(1)], X, relu)["preact_std"][0]
    assert np.mean(values) == pytest.approx(pred**2, rel=0.02)
    naive = np.mean([np.mean(np.sum(X**2, 1)) * 0.16 + np.var(b)])
    assert abs(np.mean(values) / naive - 1) > 0.1  # the centring matters here


def test_linear_recurrence_exact():
    """For f(z) = z with zero-mean inputs and biases every batch mean stays 0, so each
    q_{l+1} = fan_in·s·q_l + var(b) exactly; the backward recurrence too, seeded with one
    mean square (the older top_grad_sq form) and no cross-input term."""
    rng = np.random.default_rng(1)
    sizes = [2, 6, 6, 4, 1]
    Ws = weights(sizes, "glorot_normal")
    bs = [np.zeros(W.shape[1]) for W in Ws]
    X = rng.normal(size=(30, 2))
    X -= X.mean(axis=0)
    pred = theory.predict(Ws, bs, X, activations.get("linear"), top_grad_sq=0.25,
                          pairs=10**6)
    q = np.mean(np.sum(X**2, 1))
    for l, W in enumerate(Ws):
        q = np.mean(W**2) * q
        assert pred["preact_std"][l] == pytest.approx(math.sqrt(q), rel=1e-12)
        if l < len(Ws) - 1:
            assert pred["act_std"][l] == pytest.approx(math.sqrt(q), rel=1e-12)
        q *= W.shape[1]
    assert np.isnan(pred["act_std"][-1])
    back = 0.25
    assert pred["backprop_std"][-1] == pytest.approx(0.5, rel=1e-15)
    for l in range(len(Ws) - 2, -1, -1):
        n = Ws[l].shape[1]
        back = Ws[l + 1].shape[1] * np.mean(Ws[l + 1] ** 2) * back
        # the centring of a backward layer with no cross-input term: (1/(B·n)) of it
        assert pred["backprop_std"][l] == pytest.approx(math.sqrt(back * (1 - 1 / (30 * n))),
                                                        rel=1e-12)


def test_linear_orthogonal_prediction_matches_measurement_exactly():
    """Orthogonal layers preserve each sample's norm, so in a deep linear net with
    zero-mean inputs the measured variance of z_l equals the prediction (2·E|x|²/n at
    every hidden layer) to rounding, every pair of inputs taken."""
    n, depth = 32, 12
    sizes = [2] + [n] * depth + [1]
    Ws = weights(sizes, "orthogonal", seed=3)
    bs = [np.zeros(W.shape[1]) for W in Ws]
    X = np.random.default_rng(4).uniform(-2, 2, (100, 2))
    X -= X.mean(axis=0)
    pred = theory.predict(Ws, bs, X, activations.get("linear"), pairs=10**6)
    h = X
    for l in range(depth):
        h = h @ Ws[l]
        assert pred["preact_std"][l] == pytest.approx(h.std(), rel=1e-10)
    assert pred["preact_std"][0] == pytest.approx(
        math.sqrt(np.mean(np.sum(X * X, 1)) / n), rel=1e-12)


def test_tanh_prediction_close_at_large_width():
    """Not exact at finite width, but close for a wide tanh net at Glorot scale. With an odd f
    the layer inputs stay near-isotropic, so q's relative fluctuation from the weights is
    sqrt(2·(1/B + 1/n)/n) (Wishart: tr(G²)/tr(G)² ≈ 1/B + 1/n), 0.0048 for B = 256, n = 512:
    0.0024 in std per layer, 0.0048 after 4 layers, and 6 of those is 3 %."""
    n = 512
    sizes = [n] * 5 + [1]
    Ws = weights(sizes, "glorot_normal")
    bs = [np.zeros(W.shape[1]) for W in Ws]
    X = np.random.default_rng(0).standard_normal((256, n))
    pred = theory.predict(Ws, bs, X, activations.get("tanh"))
    h = X
    for l in range(4):
        z = h @ Ws[l]
        assert z.std() == pytest.approx(pred["preact_std"][l], rel=0.03)
        h = np.tanh(z)


@pytest.mark.parametrize(("name", "params", "fans"), [
    ("glorot_uniform", {}, (64, 64)), ("he_normal", {}, (2, 8)), ("zeros", {}, (8, 8)),
    ("constant", {"value": -0.5}, (8, 8)), ("orthogonal", {}, (16, 4)), ("sparse", {}, (32, 32)),
    ("identity", {}, (8, 8)), ("uniform_0_1", {}, (400, 600)), ("kaiming_normal", {}, (5, 3)),
])
def test_init_density_integrates_to_one(name, params, fans):
    edges, density = theory.init_density(name, params, fans)
    assert len(edges) == len(density) + 1
    assert np.all(np.diff(edges) > 0) and np.all(density >= 0)
    assert np.sum(density * np.diff(edges)) == pytest.approx(1.0, abs=1e-12)


def test_init_density_of_a_uniform_is_flat():
    edges, density = theory.init_density("uniform_1", {}, (100, 100))
    assert edges[0] >= -1 and edges[-1] <= 1
    # 200 000 draws in 60 bins of expected density 1/2: each bin's count ~ 3333 ± 58, so
    # 6 relative standard errors is 10 %.
    np.testing.assert_allclose(density, 0.5 * 2 / (edges[-1] - edges[0]), rtol=0.1)


def test_init_density_of_a_small_layer_is_drawn_often_enough_to_be_flat():
    """A 2 x 8 layer (the first of a small network) has 16 weights: drawn MAX_DRAWS times
    that is 32 000 values, ~533 ± 23 per bin of 60, so 6 relative standard errors is 26%.
    Drawn 50 times, as before, the expected 13 per bin would miss that by far."""
    edges, density = theory.init_density("glorot_uniform", {}, (2, 8))
    n = theory.MAX_DRAWS * 16
    assert n >= 30_000
    per_bin = n / 60
    np.testing.assert_allclose(density, 1 / (edges[-1] - edges[0]),
                               rtol=6 / np.sqrt(per_bin))
