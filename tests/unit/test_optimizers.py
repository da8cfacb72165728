"""core.optimizers: the first steps of SGD, momentum and Adam, per member."""

import numpy as np
import pytest

from core import optimizers


def grads(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4))]


def test_sgd_step_is_minus_lr_times_gradient():
    g = grads()
    d = optimizers.make("sgd", [0.1, 0.1], [0.9, 0.9]).deltas(g)
    for dg, gg in zip(d, g, strict=True):
        np.testing.assert_array_equal(dg, -0.1 * gg)


def test_per_member_learning_rates():
    g = grads()
    d = optimizers.make("sgd", [0.1, 0.5], [0.9, 0.9]).deltas(g)
    np.testing.assert_allclose(d[0][0], -0.1 * g[0][0])
    np.testing.assert_allclose(d[0][1], -0.5 * g[0][1])
    np.testing.assert_allclose(d[1][1], -0.5 * g[1][1])


def test_momentum_heavy_ball():
    g1, g2 = grads(0), grads(1)
    opt = optimizers.make("momentum", [0.1, 0.2], [0.9, 0.5])
    d1 = opt.deltas(g1)
    np.testing.assert_allclose(d1[0][0], -0.1 * g1[0][0])  # v = g on the first step
    d2 = opt.deltas(g2)
    np.testing.assert_allclose(d2[0][0], -0.1 * (0.9 * g1[0][0] + g2[0][0]), rtol=1e-14)
    np.testing.assert_allclose(d2[0][1], -0.2 * (0.5 * g1[0][1] + g2[0][1]), rtol=1e-14)


def test_adam_first_step_is_lr_in_the_gradients_sign():
    """Bias-corrected m/c1 = g and v/c2 = g² on step 1, so ΔW = -lr·g/(|g| + ε): -lr·sign(g)
    up to a relative ε/|g| (< 1e-5 for the |g| > 1e-3 kept here)."""
    g = grads()
    g = [np.where(np.abs(x) < 1e-3, 1e-3, x) for x in g]
    lr = 0.01
    d = optimizers.make("adam", [lr, lr], [0.9, 0.9]).deltas(g)
    for dg, gg in zip(d, g, strict=True):
        np.testing.assert_allclose(dg, -lr * np.sign(gg), rtol=1e-5)


def test_adam_is_scale_invariant():
    g = grads()
    a = optimizers.make("adam", [0.01, 0.01], [0, 0])
    b = optimizers.make("adam", [0.01, 0.01], [0, 0])
    for _ in range(3):
        da, db = a.deltas(g), b.deltas([1000 * x for x in g])
    np.testing.assert_allclose(da[0], db[0], rtol=1e-6)
    assert a.t == 3


def test_adam_second_step():
    g1, g2 = grads(0), grads(1)
    opt = optimizers.make("adam", [0.01, 0.01], [0, 0])
    opt.deltas(g1)
    d = opt.deltas(g2)[0]
    m = (0.1 * 0.9 * g1[0] + 0.1 * g2[0]) / (1 - 0.9**2)
    v = (0.001 * 0.999 * g1[0] ** 2 + 0.001 * g2[0] ** 2) / (1 - 0.999**2)
    np.testing.assert_allclose(d, -0.01 * m / (np.sqrt(v) + 1e-8), rtol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_zero_gradient_no_step(name):
    d = optimizers.make(name, [0.1], [0.9]).deltas([np.zeros((1, 2, 2))])
    assert np.array_equal(d[0], np.zeros((1, 2, 2)))


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_steps_written_into_given_buffers_equal_fresh_ones(name):
    """A trainer hands the same buffers in every step; the steps must not depend on it,
    nor on what the buffers held before."""
    fresh = optimizers.make(name, [0.1, 0.3], [0.9, 0.5])
    reused = optimizers.make(name, [0.1, 0.3], [0.9, 0.5])
    out = [np.full_like(g, np.nan) for g in grads()]
    for seed in range(3):
        expected = fresh.deltas(grads(seed))
        got = reused.deltas(grads(seed), out=out)
        for e, g, o in zip(expected, got, out, strict=True):
            assert g is o
            np.testing.assert_array_equal(g, e)
