"""core.initializers: every formula on a non-square shape, the fan rules, the gains, the errors.

Statistical tolerances. A layer of shape (400, 600) gives n = 240 000 iid draws.
- The sample mean has standard error sigma/sqrt(n); we allow 6 standard errors.
- The sample std of n iid draws with kurtosis k has relative standard error
  sqrt((k - 1) / (4n)); k <= 3 for every distribution here (normal 3, truncated normal < 3,
  uniform 1.8), so 1/sqrt(2n) bounds it, and we allow 6 of those: 0.87 % relative.
Bounds (every value inside [lo, hi]) are exact facts. That the extreme values also come
close to the bound is statistical, with failure probabilities below e^-100 (see _reaches).
"""

import math

import numpy as np
import pytest

from core import initializers as ini
from core.initializers import TRUNCATED_STD

SHAPE = (400, 600)
FAN_IN, FAN_OUT = SHAPE
FAN_AVG = (FAN_IN + FAN_OUT) / 2
N = FAN_IN * FAN_OUT
MEAN_SE = 6 / math.sqrt(N)  # times sigma: 6 standard errors of the sample mean
STD_RTOL = 6 / math.sqrt(2 * N)  # 6 relative standard errors of the sample std


def draw(name, seed=0, shape=SHAPE, **params):
    return ini.get(name, **params)(shape, np.random.default_rng(seed))


# ------------------------------------------------------------------ the expected laws
# Each entry: (params, law, mean, std). law is "uniform" (bounds mean ± std·√3), "truncated"
# (bounds mean ± 2·std/TRUNCATED_STD: std is that of the truncated law), "normal" (untruncated).


def _uniform(lo, hi):
    return "uniform", (lo + hi) / 2, (hi - lo) / math.sqrt(12)


def _sym_uniform(limit):
    return _uniform(-limit, limit)


def _truncated(param_std, mean=0.0):
    """Keras's truncated normal with the given *parameter* std: the law's std is smaller."""
    return "truncated", mean, param_std * TRUNCATED_STD


def _scaled(variance, distribution):
    """Keras's variance_scaling: every distribution has exactly the requested variance."""
    if distribution == "uniform":
        return _sym_uniform(math.sqrt(3 * variance))
    if distribution == "untruncated_normal":
        return "normal", 0.0, math.sqrt(variance)
    return "truncated", 0.0, math.sqrt(variance)


FAN = {"fan_in": FAN_IN, "fan_out": FAN_OUT, "fan_avg": FAN_AVG}
# kaiming_*'s default is leaky_relu with a = 0 (not None), so the gain is sqrt(2/(1 + 0²)),
# as in PyTorch; the 0.01 slope applies only to calculate_gain("leaky_relu") without a param.
GAIN_LEAKY_DEFAULT = math.sqrt(2)

STATISTICAL = [
    ("random_normal", {}, ("normal", 0.0, 0.05)),
    ("random_normal", {"mean": 1.0, "stddev": 0.2}, ("normal", 1.0, 0.2)),
    ("random_uniform", {}, _uniform(-0.05, 0.05)),
    ("random_uniform", {"minval": -1.0, "maxval": 3.0}, _uniform(-1.0, 3.0)),
    ("truncated_normal", {}, _truncated(0.05)),
    ("truncated_normal", {"mean": -0.5, "stddev": 0.3}, _truncated(0.3, mean=-0.5)),
    *[
        ("variance_scaling", {"scale": scale, "mode": mode, "distribution": dist},
         _scaled(scale / FAN[mode], dist))
        for scale in (1.0, 2.5)
        for mode in ini.FAN_MODES
        for dist in ini.DISTRIBUTIONS
    ],
    ("glorot_uniform", {}, _sym_uniform(math.sqrt(6 / (FAN_IN + FAN_OUT)))),
    # glorot_normal: parameter std sqrt(2/(fi+fo))/0.8796, so the law's std is sqrt(2/(fi+fo)).
    ("glorot_normal", {}, _truncated(math.sqrt(2 / (FAN_IN + FAN_OUT)) / TRUNCATED_STD)),
    ("he_uniform", {}, _sym_uniform(math.sqrt(6 / FAN_IN))),
    ("he_normal", {}, _truncated(math.sqrt(2 / FAN_IN) / TRUNCATED_STD)),
    ("lecun_uniform", {}, _sym_uniform(math.sqrt(3 / FAN_IN))),
    ("lecun_normal", {}, _truncated(math.sqrt(1 / FAN_IN) / TRUNCATED_STD)),
    ("kaiming_uniform", {}, _sym_uniform(GAIN_LEAKY_DEFAULT * math.sqrt(3 / FAN_IN))),
    ("kaiming_uniform", {"a": 0.2, "mode": "fan_out"},
     _sym_uniform(math.sqrt(2 / 1.04) * math.sqrt(3 / FAN_OUT))),
    ("kaiming_uniform", {"nonlinearity": "relu"},
     _sym_uniform(math.sqrt(2) * math.sqrt(3 / FAN_IN))),
    ("kaiming_uniform", {"nonlinearity": "tanh", "mode": "fan_avg"},
     _sym_uniform(5 / 3 * math.sqrt(3 / FAN_AVG))),
    ("kaiming_normal", {}, ("normal", 0.0, GAIN_LEAKY_DEFAULT / math.sqrt(FAN_IN))),
    ("kaiming_normal", {"nonlinearity": "relu", "mode": "fan_out"},
     ("normal", 0.0, math.sqrt(2) / math.sqrt(FAN_OUT))),
    ("kaiming_normal", {"a": 0.2}, ("normal", 0.0, math.sqrt(2 / 1.04) / math.sqrt(FAN_IN))),
    ("kaiming_normal", {"nonlinearity": "selu"}, ("normal", 0.0, 0.75 / math.sqrt(FAN_IN))),
    ("xavier_uniform", {}, _sym_uniform(math.sqrt(6 / (FAN_IN + FAN_OUT)))),
    ("xavier_uniform", {"gain": 5 / 3}, _sym_uniform(5 / 3 * math.sqrt(6 / (FAN_IN + FAN_OUT)))),
    ("xavier_normal", {}, ("normal", 0.0, math.sqrt(2 / (FAN_IN + FAN_OUT)))),
    ("xavier_normal", {"gain": 2.0}, ("normal", 0.0, 2 * math.sqrt(2 / (FAN_IN + FAN_OUT)))),
    ("torch_default", {}, _sym_uniform(1 / math.sqrt(FAN_IN))),
    ("uniform_0.3", {}, _uniform(-0.3, 0.3)),
    ("uniform_0_1", {}, _uniform(0.0, 1.0)),
    ("uniform_1", {}, _uniform(-1.0, 1.0)),
    ("glorot_standard", {}, _sym_uniform(1 / math.sqrt(FAN_IN))),
]

# The rest are checked exactly (or, for sparse, per row exactly) in their own tests below.
EXACT = {"zeros", "ones", "constant", "identity", "orthogonal", "sparse", "lsuv"}


def test_every_initializer_has_a_test():
    covered = {name for name, _, _ in STATISTICAL} | EXACT
    assert covered == set(ini.NAMES)


def _bounds(law, mean, std):
    if law == "uniform":
        return mean - std * math.sqrt(3), mean + std * math.sqrt(3)
    if law == "truncated":
        return mean - 2 * std / TRUNCATED_STD, mean + 2 * std / TRUNCATED_STD
    return -math.inf, math.inf


def _reaches(W, lo, hi, law, std):
    """The draws come near the bounds (so the bounds are not just loose).

    Uniform: P(no draw in the top 0.1 % of the range) = (1 - 5e-4)^N = e^-120.
    Truncated normal: the density at the bound is phi(2)/0.9545 = 0.0566 per unit of
    standard deviation, so P(no draw within 1 % of the bound) ~ (1 - 0.00113)^N = e^-270.
    Untruncated normal: P(no |draw| beyond 3 std) = (0.9973)^N = e^-650, which a truncated
    draw (never beyond 2.27 std of its law) could never pass.
    """
    if law == "uniform":
        margin = 1e-3 * (hi - lo)
        assert W.max() > hi - margin and W.min() < lo + margin
    elif law == "truncated":
        margin = 0.01 * (hi - lo) / 2
        assert W.max() > hi - margin and W.min() < lo + margin
    else:
        assert np.abs(W - W.mean()).max() > 3 * std


@pytest.mark.parametrize(("name", "params", "expected"), STATISTICAL,
                         ids=[f"{n}-{p}" for n, p, _ in STATISTICAL])
def test_statistics_match_formula(name, params, expected):
    law, mean, std = expected
    W = draw(name, **params)
    assert W.shape == SHAPE and W.dtype == np.float64
    assert abs(W.mean() - mean) < MEAN_SE * std
    assert W.std() == pytest.approx(std, rel=STD_RTOL)
    lo, hi = _bounds(law, mean, std)
    assert W.min() >= lo and W.max() <= hi
    _reaches(W, lo, hi, law, std)


FAN_IN_SCALED = [
    # (name, params, std with the right fan_in, std if fan_in and fan_out were swapped)
    ("he_normal", {}, math.sqrt(2 / FAN_IN), math.sqrt(2 / FAN_OUT)),
    ("he_uniform", {}, math.sqrt(2 / FAN_IN), math.sqrt(2 / FAN_OUT)),
    ("lecun_normal", {}, math.sqrt(1 / FAN_IN), math.sqrt(1 / FAN_OUT)),
    ("lecun_uniform", {}, math.sqrt(1 / FAN_IN), math.sqrt(1 / FAN_OUT)),
    ("kaiming_normal", {}, GAIN_LEAKY_DEFAULT / math.sqrt(FAN_IN),
     GAIN_LEAKY_DEFAULT / math.sqrt(FAN_OUT)),
    ("kaiming_uniform", {"mode": "fan_out"}, GAIN_LEAKY_DEFAULT / math.sqrt(FAN_OUT),
     GAIN_LEAKY_DEFAULT / math.sqrt(FAN_IN)),
    ("torch_default", {}, 1 / math.sqrt(3 * FAN_IN), 1 / math.sqrt(3 * FAN_OUT)),
    ("variance_scaling", {"mode": "fan_out"}, math.sqrt(1 / FAN_OUT), math.sqrt(1 / FAN_IN)),
]


@pytest.mark.parametrize(("name", "params", "right", "swapped"), FAN_IN_SCALED,
                         ids=[n for n, *_ in FAN_IN_SCALED])
def test_swapped_fans_would_fail(name, params, right, swapped):
    """The tolerance above is fine enough that reading the shape the wrong way round fails."""
    W = draw(name, **params)
    assert W.std() == pytest.approx(right, rel=STD_RTOL)
    assert abs(swapped / right - 1) > 10 * STD_RTOL
    assert W.std() != pytest.approx(swapped, rel=STD_RTOL)


def test_transposed_shape_changes_the_scale():
    """he_normal on (600, 400) uses fan_in 600: the same seed draws a different scale."""
    a, b = draw("he_normal"), draw("he_normal", shape=(FAN_OUT, FAN_IN))
    assert b.std() == pytest.approx(math.sqrt(2 / FAN_OUT), rel=STD_RTOL)
    assert a.std() / b.std() == pytest.approx(math.sqrt(FAN_OUT / FAN_IN), rel=2 * STD_RTOL)


# ------------------------------------------------------------------ exact initializers


def test_zeros_ones_constant_exact():
    assert np.array_equal(draw("zeros"), np.zeros(SHAPE))
    assert np.array_equal(draw("ones"), np.ones(SHAPE))
    for value in (0.0, -0.3, 2.5):
        assert np.array_equal(draw("constant", value=value), np.full(SHAPE, value))
    assert np.array_equal(draw("constant"), np.zeros(SHAPE))  # Keras's default value is 0


@pytest.mark.parametrize("shape", [(400, 600), (600, 400), (5, 5)])
@pytest.mark.parametrize("gain", [1.0, 0.5, -2.0])
def test_identity_exact(shape, gain):
    assert np.array_equal(draw("identity", shape=shape, gain=gain), gain * np.eye(*shape))


def test_identity_needs_a_matrix():
    with pytest.raises(ValueError, match="2-D"):
        draw("identity", shape=(3, 3, 3))


@pytest.mark.parametrize("gain", [1.0, 1.7, 0.25])
def test_orthogonal_exact(gain):
    tall = draw("orthogonal", shape=(600, 400), gain=gain)  # fan_in >= fan_out
    np.testing.assert_allclose(tall.T @ tall, gain**2 * np.eye(400), rtol=0, atol=1e-10 * gain**2)
    wide = draw("orthogonal", shape=(400, 600), gain=gain)
    np.testing.assert_allclose(wide @ wide.T, gain**2 * np.eye(400), rtol=0, atol=1e-10 * gain**2)
    square = draw("orthogonal", shape=(64, 64), gain=gain)
    np.testing.assert_allclose(square @ square.T, gain**2 * np.eye(64), rtol=0, atol=1e-10)
    np.testing.assert_allclose(square.T @ square, gain**2 * np.eye(64), rtol=0, atol=1e-10)


def test_orthogonal_is_random_and_signed_both_ways():
    a, b = draw("orthogonal", seed=0), draw("orthogonal", seed=1)
    assert not np.allclose(a, b)
    # With the sign fix Q is Haar: its entries have mean 0 and mean square exactly 1/600
    # (rows of the (400, 600) draw are orthonormal, so the total square is 400).
    assert np.sum(a * a) == pytest.approx(400, rel=1e-12)
    assert abs(a.mean()) < MEAN_SE * math.sqrt(1 / 600)


def test_orthogonal_has_the_sign_fix():
    """Haar's Q has E[Q_00] = 0, so Q_00 is negative in about half the draws. QR without the
    sign fix gives Q_00 = -|x_0|/‖x‖ < 0 every time (LAPACK's Householder convention).
    Negatives in 200 draws: Binomial(200, 1/2) = 100 ± 7.1; 6 sd is ±42."""
    negative = sum(draw("orthogonal", seed=s, shape=(8, 8))[0, 0] < 0 for s in range(200))
    assert abs(negative - 100) <= 42


def test_lsuv_draws_the_orthogonal_matrix():
    """lsuv's draw is orthogonal's; the data-dependent rescaling is the trainer's job."""
    assert np.array_equal(draw("lsuv", seed=3), draw("orthogonal", seed=3))
    assert ini.spec("lsuv").data_dependent and ini.get("lsuv").data_dependent
    assert not ini.get("orthogonal").data_dependent


@pytest.mark.parametrize("sparsity", [0.1, 0.25, 0.1234, 0.0, 0.99])  # 0.1234·600 = 74.04
def test_sparse_zeros_per_row_exact(sparsity):
    std = 0.02
    W = draw("sparse", sparsity=sparsity, std=std)
    zeros_per_row = np.count_nonzero(W == 0, axis=1)
    assert np.all(zeros_per_row == math.ceil(sparsity * FAN_OUT))
    nonzero = W[W != 0]
    n = nonzero.size
    assert abs(nonzero.mean()) < 6 * std / math.sqrt(n)
    assert nonzero.std() == pytest.approx(std, rel=6 / math.sqrt(2 * n))


def test_sparse_defaults():
    W = draw("sparse")  # sparsity 0.1, std 0.01
    assert np.all(np.count_nonzero(W == 0, axis=1) == 60)
    nonzero = W[W != 0]
    assert nonzero.std() == pytest.approx(0.01, rel=6 / math.sqrt(2 * nonzero.size))


def test_seeded_draws_are_reproducible():
    for name in ini.NAMES:
        assert np.array_equal(draw(name, seed=5), draw(name, seed=5)), name


def test_default_params_match_keras_and_torch():
    defaults = {name: ini.spec(name).defaults for name in ini.NAMES}
    assert defaults["random_normal"] == {"mean": 0.0, "stddev": 0.05}
    assert defaults["random_uniform"] == {"minval": -0.05, "maxval": 0.05}
    assert defaults["truncated_normal"] == {"mean": 0.0, "stddev": 0.05}
    assert defaults["variance_scaling"] == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}
    assert defaults["orthogonal"] == {"gain": 1.0}
    assert defaults["kaiming_uniform"] == {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"}
    assert defaults["kaiming_normal"] == defaults["kaiming_uniform"]
    assert defaults["xavier_normal"] == {"gain": 1.0}
    assert defaults["glorot_uniform"] == {}


# ------------------------------------------------------------------ fans and gains


@pytest.mark.parametrize(("shape", "fans"), [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((3, 4), (3, 4)),
    ((400, 600), (400, 600)),
    ((5, 4, 7), (20, 35)),  # 1-d conv kernel (width, in, out): receptive field 5
    ((3, 3, 16, 32), (144, 288)),  # 2-d conv kernel (h, w, in, out): receptive field 9
    ((2, 3, 3, 8, 4), (144, 72)),
])
def test_compute_fans(shape, fans):
    assert ini.compute_fans(shape) == fans


def test_conv_kernel_uses_receptive_field():
    W = draw("he_uniform", shape=(3, 3, 40, 60))
    assert np.abs(W).max() <= math.sqrt(6 / (9 * 40))
    assert W.std() == pytest.approx(math.sqrt(2 / 360), rel=6 / math.sqrt(2 * W.size))


@pytest.mark.parametrize(("nonlinearity", "param", "gain"), [
    ("linear", None, 1.0),
    ("identity", None, 1.0),
    ("sigmoid", None, 1.0),
    ("conv2d", None, 1.0),
    ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
    ("leaky_relu", 0, math.sqrt(2)),
    ("selu", None, 0.75),
])
def test_calculate_gain(nonlinearity, param, gain):
    assert ini.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


@pytest.mark.parametrize(("nonlinearity", "param"), [
    ("softplus", None), ("gelu", None), ("", None), ("leaky_relu", "0.2"), ("leaky_relu", True),
])
def test_calculate_gain_rejects(nonlinearity, param):
    with pytest.raises(ValueError):
        ini.calculate_gain(nonlinearity, param)


# ------------------------------------------------------------------ fans= for biases


def test_bias_drawn_with_layer_fans():
    """A bias (fan_out,) uses its layer's fan_in when given fans=, its own length otherwise."""
    rng = np.random.default_rng(0)
    b = ini.get("he_uniform")((100_000,), rng, fans=(FAN_IN, FAN_OUT))
    limit = math.sqrt(6 / FAN_IN)
    assert np.abs(b).max() <= limit
    assert np.abs(b).max() > limit * (1 - 1e-3)  # P(fail) = (1 - 1e-3)^1e5 = e^-100
    assert b.std() == pytest.approx(limit / math.sqrt(3), rel=6 / math.sqrt(2 * b.size))
    own = ini.get("he_uniform")((600,), np.random.default_rng(0))
    assert np.abs(own).max() <= math.sqrt(6 / 600)


def test_torch_default_bias_uses_fan_in():
    b = ini.get("torch_default")((600,), np.random.default_rng(0), fans=(FAN_IN, FAN_OUT))
    # U(±0.05): the largest of 600 draws is below 0.9·0.05 with probability 0.95^600 = e^-31,
    # while a bias drawn with its own length would never exceed 1/sqrt(600) = 0.0408.
    assert 1 / math.sqrt(600) < np.abs(b).max() <= 1 / math.sqrt(FAN_IN)


def test_fans_do_not_change_the_shape():
    init = ini.get("glorot_normal")
    assert init((600,), np.random.default_rng(0), fans=(FAN_IN, FAN_OUT)).shape == (600,)
    assert init([3, 4], np.random.default_rng(0)).shape == (3, 4)


# ------------------------------------------------------------------ registry and errors


@pytest.mark.parametrize("name", ini.NAMES)
def test_spec_has_formula_and_description(name):
    s = ini.spec(name)
    assert s.name == name
    assert s.formula.strip() and s.description.strip()
    assert name in ini.describe(name)
    init = ini.get(name)
    assert init.name == name and init.params == {
        k: (float(v) if isinstance(v, int | float) else v) for k, v in s.defaults.items()}


# The exact variance times fan_in of one entry of a 64 x 64 layer (moments' own formulas).
MOMENT_FAN = 64
MOMENT_CASES = [
    ("glorot_normal", {}, 1.0), ("glorot_uniform", {}, 1.0), ("he_normal", {}, 2.0),
    ("he_uniform", {}, 2.0), ("lecun_normal", {}, 1.0), ("orthogonal", {"gain": 1.5}, 2.25),
    ("truncated_normal", {"stddev": 0.2}, MOMENT_FAN * (0.2 * TRUNCATED_STD) ** 2),
    ("random_uniform", {"minval": -0.1, "maxval": 0.3}, MOMENT_FAN * 0.4**2 / 12),
    ("random_normal", {"stddev": 0.1}, MOMENT_FAN * 0.01),
    ("variance_scaling", {"scale": 3.0, "distribution": "truncated_normal"}, 3.0),
    ("kaiming_uniform", {"nonlinearity": "relu"}, 2.0), ("xavier_normal", {"gain": 2.0}, 4.0),
    ("torch_default", {}, 1 / 3), ("sparse", {"sparsity": 0.25, "std": 0.1},
                                   MOMENT_FAN * 0.01 * 0.75),
    ("uniform_1", {}, MOMENT_FAN / 3), ("zeros", {}, 0.0),
    ("identity", {"gain": 0.5}, 0.25 * (1 - 1 / MOMENT_FAN)),
]


@pytest.mark.parametrize("name,params,expected", MOMENT_CASES)
def test_moments_exact(name, params, expected):
    _, var = ini.moments(name, params, (MOMENT_FAN, MOMENT_FAN))
    assert MOMENT_FAN * var == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("shape", [(64, 64), (48, 80), (80, 48)])
@pytest.mark.parametrize("name", ini.NAMES)
def test_every_initializers_moments_match_its_draws(name, shape):
    """Each entry's (mean, variance), the numbers mean-field theory reads, against 20 draws
    at its default parameters (constant at 0.5, so that it is not zeros): within 6 standard
    errors of the sample mean and of the sample variance, sqrt((m4 - var²)/N) with the
    draws' own fourth moment (an orthogonal matrix's entries are not independent, but its
    squares sum to exactly its size per draw, which meets the same bound). lsuv's are its
    orthogonal draw's, before the trainer rescales it on data."""
    params = {"value": 0.5} if name == "constant" else {}
    mean, var = ini.moments(name, params, shape)
    rng = np.random.default_rng(1)
    draws = np.concatenate([ini.get(name, **params)(shape, rng).ravel() for _ in range(20)])
    m = draws - draws.mean()
    m4 = float(np.mean(m**4))
    assert abs(float(draws.mean()) - mean) <= 6 * math.sqrt(var / draws.size) + 1e-12
    tol = 6 * math.sqrt(max(m4 - var**2, 0.0) / draws.size) + 1e-15
    assert abs(float(np.var(draws)) - var) <= tol


def test_moments_take_a_bias_drawn_with_its_layers_fans():
    assert ini.moments("torch_default", {}, (32,), fans=(8, 32))[1] == pytest.approx(1 / 24)
    assert ini.moments("torch_default", {}, (32,))[1] == pytest.approx(1 / 96)


@pytest.mark.parametrize("name", ini.NAMES)
def test_every_initializer_reaches_every_table_that_needs_it(name, capsys):
    """One entry is the whole of an initializer: the engine draws it, the theory reads its
    moments (as weights and as biases), the command line lists it, the widgets offer it."""
    from core import cli, config, phase
    from ui import widgets

    entry = ini.spec(name)
    assert entry.description and entry.formula and callable(entry.moments)
    matrix_only = name in ("identity", "sparse")
    if matrix_only:  # a bias vector is not a matrix: refused where it enters, with why
        with pytest.raises(ValueError, match="cannot draw a bias vector"):
            config.validate(bias_init=name)
    cfg = config.validate(init=name, bias_init="zeros" if matrix_only else name, depth=3,
                          width=16)
    w_var, b_var = phase.you_are_here(cfg)
    assert math.isfinite(w_var) and math.isfinite(b_var)
    assert cli.main(["inits"]) == 0
    assert f"\n{name}\n    {entry.formula}" in "\n" + capsys.readouterr().out
    assert name in widgets.CHOICES["init"] and name in widgets.CHOICES["bias_init"]


def test_names_cover_the_keras_and_torch_sets():
    required = """zeros ones constant random_normal random_uniform truncated_normal
    variance_scaling orthogonal identity glorot_uniform glorot_normal he_uniform he_normal
    lecun_uniform lecun_normal kaiming_uniform kaiming_normal xavier_uniform xavier_normal
    torch_default sparse uniform_0.3 uniform_0_1 uniform_1 glorot_standard lsuv""".split()
    assert set(required) <= set(ini.NAMES)
    assert len(set(ini.NAMES)) == len(ini.NAMES)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="valid choices") as err:
        ini.get("he_gaussian")
    for name in ini.NAMES:
        assert name in str(err.value)


@pytest.mark.parametrize(("name", "params", "words"), [
    ("he_normal", {"stddev": 1.0}, ["stddev", "none"]),
    ("random_normal", {"std": 1.0}, ["std", "mean", "stddev"]),
    ("sparse", {"stddev": 1.0}, ["stddev", "sparsity"]),
])
def test_unknown_param(name, params, words):
    with pytest.raises(ValueError) as err:
        ini.get(name, **params)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize(("name", "params", "word"), [
    ("random_normal", {"stddev": 0.0}, "stddev"),
    ("random_normal", {"stddev": -0.1}, "stddev"),
    ("random_normal", {"stddev": float("nan")}, "stddev"),
    ("random_normal", {"stddev": float("inf")}, "stddev"),
    ("random_normal", {"mean": float("-inf")}, "mean"),
    ("random_normal", {"mean": 1e7}, "mean"),
    ("random_normal", {"stddev": "0.1"}, "stddev"),
    ("random_normal", {"stddev": None}, "stddev"),
    ("random_normal", {"stddev": True}, "stddev"),
    ("truncated_normal", {"stddev": 0}, "stddev"),
    ("constant", {"value": "one"}, "value"),
    ("constant", {"value": float("nan")}, "value"),
    ("variance_scaling", {"scale": 0.0}, "scale"),
    ("variance_scaling", {"scale": -1.0}, "scale"),
    ("variance_scaling", {"mode": "fan_sum"}, "mode"),
    ("variance_scaling", {"mode": 1.0}, "mode"),
    ("variance_scaling", {"distribution": "normal"}, "distribution"),
    ("kaiming_uniform", {"nonlinearity": "softplus"}, "nonlinearity"),
    ("kaiming_normal", {"mode": "fan_total"}, "mode"),
    ("kaiming_normal", {"a": "0.1"}, r"\ba="),
    ("xavier_uniform", {"gain": float("inf")}, "gain"),
    ("orthogonal", {"gain": "2"}, "gain"),
    ("random_uniform", {"minval": 1.0, "maxval": 0.0}, "minval"),
    ("random_uniform", {"minval": 0.2}, "minval"),
    ("sparse", {"sparsity": 1.0}, "sparsity"),
    ("sparse", {"sparsity": -0.1}, "sparsity"),
    ("sparse", {"sparsity": 1.5}, "sparsity"),
    ("sparse", {"std": 0.0}, "std"),
])
def test_bad_values_raise(name, params, word):
    with pytest.raises(ValueError, match=word):
        ini.get(name, **params)


def test_choice_errors_list_the_choices():
    with pytest.raises(ValueError) as err:
        ini.get("variance_scaling", distribution="gaussian")
    for choice in ini.DISTRIBUTIONS:
        assert choice in str(err.value)


def test_good_edge_values_accepted():
    assert ini.get("sparse", sparsity=0.0).params["sparsity"] == 0.0
    assert ini.get("random_uniform", minval=0.3, maxval=0.3).params["minval"] == 0.3
    assert ini.get("random_normal", stddev=1).params["stddev"] == 1.0  # ints are numbers
    W = draw("random_uniform", minval=0.3, maxval=0.3)
    assert np.all(W == 0.3)


# ---------------------------------------------------- biases, as the frameworks draw them


def test_torch_default_weights_get_nn_linears_biases_by_default():
    """nn.Linear(fan_in, n) draws its bias from U(-1/√fan_in, 1/√fan_in) as well; bias_init
    auto does so under torch_default weights, and keeps Keras's zeros under any other."""
    from core.config import validate
    from core.trainer import Trainer

    t = Trainer(validate(init="torch_default", depth=2, width=400, init_seed=1))
    for (fan_in, _), b in zip([(2, 400), (400, 400), (400, 1)], t.bs, strict=True):
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(b).max() <= bound
        if b.size > 100:  # a uniform fills its range: its largest |b| is near the bound
            assert np.abs(b).max() > 0.98 * bound
    zeros = Trainer(validate(init="he_normal", depth=2, width=8))
    assert all((b == 0).all() for b in zeros.bs)


def test_fan_based_bias_initializers_follow_keras():
    """Keras hands a bias initializer the bias's own shape (n,): fan_in = fan_out = n, so a
    he_normal bias of 400 units has std √(2/400), whatever its layer's fan_in (2 for layer
    1, which its layer's fans would make std 1). The sample std of n draws of a truncated
    normal is within 4·σ/√(2n) of σ: a tolerance of 4/√800 = 14%."""
    from core.config import validate
    from core.trainer import Trainer

    t = Trainer(validate(bias_init="he_normal", depth=1, width=400, init_seed=2))
    assert np.std(t.bs[0]) == pytest.approx(np.sqrt(2 / 400), rel=4 / np.sqrt(800))
