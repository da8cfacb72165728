"""core.activations and core.losses: values, derivatives, gains, and the losses' gradients."""

import math

import numpy as np
import pytest

from core import activations, losses

Z = np.linspace(-6, 6, 2401)
Z = Z[np.abs(Z) > 1e-3]  # keep the kinks of relu and kin out of the differences


@pytest.mark.parametrize("name", activations.NAMES)
def test_derivative_matches_central_difference(name):
    act = activations.get(name)
    h = 1e-6
    numeric = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
    # Central differences err by h²·|f'''|/6 + eps·|f|/h: below 1e-8 here.
    np.testing.assert_allclose(act.df(Z, act.f(Z)), numeric, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", activations.NAMES)
def test_no_overflow_at_extremes(name):
    z = np.array([-1e4, -700.0, 0.0, 700.0, 1e4])
    act = activations.get(name)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        a = act.f(z)
        d = act.df(z, a)
    assert np.isfinite(a[1:-1]).all() and np.isfinite(d).all()


@pytest.mark.parametrize(("name", "gain"), [
    ("linear", 1.0), ("sigmoid", 1.0), ("tanh", 5 / 3), ("relu", math.sqrt(2)),
    ("leaky_relu", math.sqrt(2 / (1 + 0.01**2))), ("selu", 0.75),
])
def test_torch_gains(name, gain):
    assert activations.get(name).gain == pytest.approx(gain, rel=1e-15)


@pytest.mark.parametrize("name", ["elu", "gelu", "gelu_tanh", "softsign", "swish"])
def test_other_gains_normalise_the_second_moment(name):
    """gain = 1/sqrt(E[f(z)²]) for z ~ N(0, 1): check against a fine trapezoid rule (0 is a
    grid point, so the kinks of elu and softsign sit on a panel end; error ~h²·f''/12, below
    1e-8 at this step). The module's expectations are exact, split at the kink."""
    act = activations.get(name)
    z = np.linspace(-12, 12, 200_001)
    density = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    second = np.trapezoid(act.f(z) ** 2 * density, z)
    assert act.gain == pytest.approx(1 / math.sqrt(second), rel=1e-8)


@pytest.mark.parametrize(("name", "df_max"), [
    ("linear", 1.0), ("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0), ("softsign", 1.0),
    ("selu", activations.SELU_SCALE * activations.SELU_ALPHA),
])
def test_df_max(name, df_max):
    assert activations.get(name).df_max == pytest.approx(df_max, rel=1e-6)


def test_unknown_activation():
    with pytest.raises(ValueError, match="valid choices"):
        activations.get("mish")


def test_bce_at_zero_logits_is_ln2():
    y = np.array([0, 1, 1, 0])
    loss, grad, p = losses.evaluate("bce", True, np.zeros((1, 4, 1)), y)
    assert loss[0] == pytest.approx(math.log(2), abs=1e-15)
    np.testing.assert_allclose(p, 0.5)
    np.testing.assert_allclose(grad[0, :, 0], (0.5 - y) / 4)


def test_bce_finite_for_huge_logits():
    z = np.array([[[1e4], [-1e4]]])
    loss, grad, _ = losses.evaluate("bce", True, z, np.array([0, 1]))
    assert loss[0] == pytest.approx(1e4)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize(("name", "classification", "k"), [
    ("bce", True, 1), ("softmax_ce", True, 2), ("softmax_ce", True, 3), ("mse", True, 1),
    ("mse", False, 1),
])
def test_loss_gradient_matches_differences(name, classification, k):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2, 5, k))
    y = rng.integers(0, max(k, 2), 5) if classification else rng.normal(size=5)
    _, grad, _ = losses.evaluate(name, classification, z, y)
    numeric = np.zeros_like(z)
    h = 1e-6
    for i in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[i] += h
        zm[i] -= h
        diff = losses.evaluate(name, classification, zp, y)[0] - losses.evaluate(
            name, classification, zm, y)[0]
        numeric[i] = diff[i[0]] / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-10)


def test_softmax_binary_outputs_probability_of_class_1():
    z = np.array([[[0.0, 1.0], [2.0, 0.0]]])
    _, _, p = losses.evaluate("softmax_ce", True, z, np.array([1, 0]))
    np.testing.assert_allclose(p[0], [1 / (1 + math.e**-1), 1 / (1 + math.e**2)])
    assert losses.accuracy(p, np.array([1, 0]))[0] == 1.0


def test_mse_classification_targets_are_plus_minus_one():
    z = np.array([[[50.0], [-50.0]]])  # tanh = ±1 exactly in float
    loss, _, p = losses.evaluate("mse", True, z, np.array([1, 0]))
    assert loss[0] == 0.0
    np.testing.assert_array_equal(p[0], [1.0, 0.0])


def test_regression_losses():
    assert losses.LOSSES["bce"].for_values is None
    assert losses.LOSSES["softmax_ce"].for_values is None
    loss, grad, out = losses.evaluate("mse", False, np.array([[[1.0], [3.0]]]),
                                      np.array([0.0, 1.0]))
    assert loss[0] == pytest.approx((1 + 4) / 2)  # mean(err²), as Keras and PyTorch
    np.testing.assert_allclose(grad[0, :, 0], [2 * 1 / 2, 2 * 2 / 2])
    np.testing.assert_array_equal(out[0], [1.0, 3.0])


@pytest.mark.parametrize("name", activations.NAMES)
def test_in_place_forms_equal_the_table_functions(name):
    """The training step writes f and f' into buffers (apply, derivative): the values must be
    exactly the table's f(z) and df(z, a), with or without a fast in-place form."""
    act = activations.get(name)
    z = np.random.default_rng(0).normal(0, 3, (2, 5, 7))
    a = act.f(z)
    out = np.full_like(z, np.nan)
    assert act.apply(z, out) is out
    np.testing.assert_array_equal(out, a)
    out = np.full_like(z, np.nan)
    assert act.derivative(z, a, out) is out
    np.testing.assert_array_equal(out, act.df(z, a))


def test_the_reference_activation_has_in_place_forms():
    # tanh is the reference workload's activation: without these its step allocates twice.
    tanh = activations.get("tanh")
    assert tanh.f_into is not None and tanh.df_into is not None


def test_mse_is_the_mean_squared_error_of_keras_and_pytorch():
    """mse = mean(err²) (not half of it) on random data, regression and the Playground's
    tanh-against-±1 classification; the gradient is checked by differences above."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(2, 7, 1))
    y = rng.normal(size=7)
    loss, _, _ = losses.evaluate("mse", False, z, y)
    np.testing.assert_allclose(loss, np.mean((z[..., 0] - y) ** 2, axis=-1), rtol=1e-15)
    yc = rng.integers(0, 2, 7)
    loss, _, _ = losses.evaluate("mse", True, z, yc)
    np.testing.assert_allclose(loss, np.mean((np.tanh(z[..., 0]) - (2 * yc - 1)) ** 2, axis=-1),
                               rtol=1e-15)
