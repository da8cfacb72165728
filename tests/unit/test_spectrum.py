"""Dynamical isometry: the singular values of J(x) = ∂h_L/∂h_1, checked on exact facts."""

import math

import numpy as np
import pytest

from core import activations, initializers, spectrum
from core.config import validate
from core.trainer import Trainer

SEEDS = range(5)


def _net(init, depth, width, seed, n_in=2, **params):
    """(Ws, bs) of one network: ``init`` for every layer, zero biases."""
    sizes = [n_in] + [width] * depth + [1]
    draw = initializers.get(init, **params)
    Ws = [draw((a, b), np.random.default_rng([seed, k]))
          for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]
    return Ws, [np.zeros(W.shape[1]) for W in Ws]


def _inputs(n=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2))


def _trainer(**settings):
    return Trainer(validate({"depth": 20, "width": 32, **settings}))


def test_orthogonal_linear_depth_20_is_exactly_isometric():
    """A product of orthogonal matrices is orthogonal: every σ = 1 (to rounding)."""
    for seed in SEEDS:
        Ws, bs = _net("orthogonal", 20, 32, seed)
        sv = spectrum.singular_values(Ws, bs, _inputs(), "linear")
        assert sv.shape == (8 * 32,)
        np.testing.assert_allclose(sv, 1.0, rtol=0, atol=1e-9)
    s = spectrum.summary(sv)
    assert s["within_2"] == 1.0 and abs(s["spread"]) < 1e-9 and s["zero_frac"] == 0.0


def test_orthogonal_linear_through_the_trainer_is_isometric():
    sv = spectrum.trainer_singular_values(_trainer(init="orthogonal", activation="linear"))
    assert sv.shape == (32 * 32,)  # the default batch of 32, all under the cap
    np.testing.assert_allclose(sv, 1.0, rtol=0, atol=1e-9)


def _digamma(x):
    """ψ(x) for x a positive multiple of ½: ψ(½) = -γ - 2 ln 2, ψ(1) = -γ, ψ(x+1) = ψ(x) + 1/x."""
    gamma = 0.5772156649015329
    at, value = (0.5, -gamma - 2 * np.log(2)) if x % 1 else (1.0, -gamma)
    while at < x:
        value, at = value + 1 / at, at + 1
    return value


def _lyapunov_log10(n, k, i):
    """log10 σ_i of a product of k n×n Gaussian matrices of variance 1/n, from the
    Lyapunov exponents λ_i = ½[ψ((n - i + 1)/2) + ln(2/n)] (Newman 1986): log σ_i ≈ k·λ_i."""
    return k * 0.5 * (_digamma((n - i + 1) / 2) + np.log(2 / n)) / np.log(10)


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_linear_depth_20_spreads_over_decades(seed):
    """The same variance 1/n, but Gaussian: J is a product of k = 19 Gaussian matrices and
    log σ_i grows like k·λ_i. With n = 32, log10 σ_max/σ_min ≈ k(λ_1 - λ_n)/ln 10 = 19.4
    decades, give or take 2.1 (the smallest σ's log is a sum of k independent ½ ln χ²_1/n;
    ½·sqrt(ψ′(½)) = 1.11 per factor), and float64 resolves about 16 of them; more than 10
    holds by 4σ and within the resolution. The interquartile range of log10 σ (a bulk
    property, far from rounding) is ≈ 4.7 decades: more than 3 here. The median sits near
    k·λ_{n/2}/ln 10 = -2.9 decades below isometry, not at 0."""
    n, k = 32, 19
    Ws, bs = _net("random_normal", k + 1, n, seed, stddev=1 / np.sqrt(n))
    s = spectrum.summary(spectrum.singular_values(Ws, bs, _inputs(4), "linear"))
    assert _lyapunov_log10(n, k, 1) - _lyapunov_log10(n, k, n) > 19
    assert s["max_min_ratio"] > 1e10
    assert s["q75"] - s["q25"] > 3
    assert -4.5 < s["median"] < -1.5
    assert s["within_2"] < 0.25


@pytest.mark.parametrize("seed", SEEDS)
def test_glorot_normal_linear_spreads_too(seed):
    Ws, bs = _net("glorot_normal", 20, 32, seed)
    s = spectrum.summary(spectrum.singular_values(Ws, bs, _inputs(4), "linear"))
    assert s["max_min_ratio"] > 1e10 and s["q75"] - s["q25"] > 3


@pytest.mark.parametrize("seed", SEEDS)
def test_tanh_orthogonal_at_criticality_is_tighter_than_relu_he(seed):
    """tanh with orthogonal weights of gain 1 and zero biases sits on the critical line
    (σ_w² E[φ′(z)²] → 1 as the pre-activations shrink): its J stays near isometric, as
    Pennington et al. found. ReLU with He weights keeps the mean squared gain at 1 but
    each layer switches about half the units off, so J's spectrum spreads over decades."""
    tanh = spectrum.summary(spectrum.trainer_singular_values(
        _trainer(init="orthogonal", activation="tanh", init_seed=seed)))
    relu = spectrum.summary(spectrum.trainer_singular_values(
        _trainer(init="he_normal", activation="relu", init_seed=seed)))
    assert tanh["spread"] < 1 < 10 < relu["spread"]
    assert tanh["within_2"] > 0.6 > 0.2 > relu["within_2"]
    assert relu["zero_frac"] > 0.3  # units off in some layer: directions J sends to 0


def test_depth_1_is_the_identity_and_depth_0_has_none():
    Ws, bs = _net("glorot_uniform", 1, 7, 0)
    np.testing.assert_array_equal(spectrum.singular_values(Ws, bs, _inputs(5), "tanh"),
                                  np.ones(35))
    sv = spectrum.trainer_singular_values(Trainer(validate({"depth": 1, "width": 6})))
    np.testing.assert_array_equal(sv, np.ones(32 * 6))
    Ws, bs = _net("glorot_uniform", 0, 7, 0)
    assert spectrum.singular_values(Ws, bs, _inputs(5), "tanh").shape == (0,)
    assert spectrum.jacobians(Ws, bs, _inputs(5), "tanh").shape == (5, 0, 0)
    s = spectrum.summary(spectrum.trainer_singular_values(Trainer(validate({"depth": 0}))))
    assert s["count"] == 0 and s["spread"] is None


def _top_from_first(Ws, bs, h1, act):
    h = h1
    for W, b in zip(Ws[1:-1], bs[1:-1], strict=True):
        h = act.f(h @ W + b)
    return h


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu", "softsign"])
def test_jacobian_matches_central_differences(name):
    """J(x)[i, j] against (h_L(h_1 + δe_j) - h_L(h_1 - δe_j))_i / 2δ, δ = 1e-6: the
    truncation error is about δ²·|h‴| ~ 1e-12 and the rounding eps/δ ~ 1e-10."""
    act = activations.get(name)
    rng = np.random.default_rng(3)
    Ws, bs = _net("glorot_normal", 4, 5, 3)
    bs = [rng.normal(scale=0.3, size=b.shape) for b in bs]
    X = _inputs(3, seed=1)
    J = spectrum.jacobians(Ws, bs, X, name)
    delta = 1e-6
    for x, Jx in zip(X, J, strict=True):
        h1 = act.f(x @ Ws[0] + bs[0])
        numeric = np.empty_like(Jx)
        for j in range(len(h1)):
            e = np.zeros_like(h1)
            e[j] = delta
            numeric[:, j] = (_top_from_first(Ws, bs, h1 + e, act)
                             - _top_from_first(Ws, bs, h1 - e, act)) / (2 * delta)
        np.testing.assert_allclose(Jx, numeric, rtol=0, atol=1e-6)
        assert np.abs(Jx).max() > 1e-3  # a real comparison, not of two zeros (sigmoid: φ′ <= ¼)


def test_the_work_is_capped():
    assert spectrum.inputs_cap(20, 32) == spectrum.MAX_INPUTS
    assert spectrum.inputs_cap(64, 512) == 1
    assert spectrum.inputs_cap(64, 128) * 64 * 128**3 <= spectrum.MAX_WORK
    Ws, bs = _net("orthogonal", 3, 4, 0)
    assert spectrum.singular_values(Ws, bs, _inputs(300), "tanh").size == 4 * spectrum.MAX_INPUTS
    assert spectrum.singular_values(Ws, bs, _inputs(300), "tanh", max_inputs=3).size == 12


def test_an_overflowing_network_is_left_out_not_a_crash():
    Ws, bs = _net("identity", 60, 4, 0, gain=1e6)  # 1e6^59 overflows
    assert spectrum.singular_values(Ws, bs, _inputs(3), "linear").shape == (0,)
    assert spectrum.summary(np.empty(0))["count"] == 0


def test_the_trainer_uses_its_current_weights_and_next_batch():
    t = _trainer(init="glorot_uniform", activation="tanh", depth=4, width=6, lr=0.5)
    before = spectrum.trainer_singular_values(t)
    Ws, bs = [W[0] for W in t.Ws], [b[0] for b in t.bs]
    X = t.data.X_train[t._next[0]]
    np.testing.assert_array_equal(before, spectrum.singular_values(Ws, bs, X, "tanh"))
    t.run(5)
    after = spectrum.trainer_singular_values(t)
    assert after.shape == before.shape and not np.allclose(after, before)


def test_summary_statistics():
    s = spectrum.summary([0.0, 0.25, 1.0, 1.0, 1.5, 4.0])
    assert s["count"] == 6 and s["within_2"] == pytest.approx(3 / 6)
    assert s["zero_frac"] == pytest.approx(1 / 6) and s["max_min_ratio"] == np.inf
    assert s["q05"] >= np.log10(spectrum.FLOOR) and s["median"] == 0.0
    assert s["mean_sq"] == pytest.approx((0.0625 + 1 + 1 + 2.25 + 16) / 6)


# ---------------------------------------------------------------------- the figure


@pytest.fixture
def validate_figures(monkeypatch):
    from viz import style

    monkeypatch.setattr(style, "VALIDATE", True)


def test_figure_bins_are_log_spaced_and_hold_every_drawable_value(validate_figures):
    from viz import spectrum_figures as vs

    Ws, bs = _net("random_normal", 20, 32, 0, stddev=1 / np.sqrt(32))
    sv = spectrum.singular_values(Ws, bs, _inputs(4), "linear")
    fig = vs.spectrum_figure(sv, 20, "random_normal", "linear")
    hist, iso = fig.data
    edges = np.asarray(hist.x)
    assert len(edges) in (vs.BINS + 1, vs.BINS + 2)  # one more bin when 1 would be an edge
    np.testing.assert_allclose(np.diff(np.log10(edges)), np.diff(np.log10(edges))[0])
    shown, hidden = vs.drawable(sv)
    assert np.asarray(hist.y)[:-1].sum() == pytest.approx(shown.size / sv.size)
    assert edges[0] <= shown.min() and shown.max() <= edges[-1]
    assert hidden == sv.size - shown.size and f"{hidden} of {sv.size}" in hist.name
    assert list(iso.x) == [1.0, 1.0] and "isometry" in iso.name
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.xaxis.range) == [np.log10(edges[0]), np.log10(edges[-1])]
    assert "depth 20" in fig.layout.title.text and "random_normal" in fig.layout.title.text


def test_figure_isometric_spectrum_sits_in_the_bin_of_1_with_a_reference(validate_figures):
    from viz import spectrum_figures as vs
    from viz import style

    ones = np.ones(64)
    spread = np.geomspace(1e-4, 10, 64)
    fig = vs.spectrum_figure(ones, 20, "orthogonal", "linear", reference=spread)
    now, ref, iso = fig.data
    assert np.asarray(now.y).max() == 1.0 and now.fill == "tozeroy" and ref.fill is None
    edges = np.asarray(now.x)
    assert edges[np.argmax(now.y)] <= 1 < edges[np.argmax(now.y) + 1]
    assert np.asarray(ref.y)[:-1].sum() == pytest.approx(1.0)
    assert "100 % within ×2" in now.name and "at init" in ref.name
    assert max(iso.y) > 1.0
    big = style.projected(fig)
    assert big.layout.font.size >= style.PROJECTOR_FONT
    assert big.layout.title.font.size >= style.PROJECTOR_TITLE


def test_figure_without_a_jacobian_says_so(validate_figures):
    from viz import spectrum_figures as vs

    fig = vs.spectrum_figure(np.empty(0), 0, "glorot_uniform")
    assert not fig.data and "depth 0" in fig.layout.annotations[0].text


# ---------------------------------------------------------------- where tanh is near-isometric
# The sentence (core/spectrum.py's docstring, and Explore's isometry caption): at tanh's
# critical point without biases (σ_w² = 1, σ_b² = 0), with orthogonal weights in every
# layer, at depth 10-30 at least 70 % of the singular values lie within a factor 2 of 1 at
# width 32 and at least 90 % from width 64 to 256; Gaussian weights of the same variance
# leave fewer than a quarter there; at the critical point with biases (σ_b² = 0.05,
# σ_w² = 1.76) even orthogonal weights leave at most 40 % (at most a fifth at depth 30), and
# so does a first layer that starts the signal at q⁰ near 1 (at most 60 %).


def _tanh_critical(weights, bias_var, depth, width, seed, first=None):
    from core import phase

    gain = math.sqrt(1.0 if bias_var == 0 else float(phase.critical_weight_var("tanh",
                                                                                bias_var)))
    settings = dict(activation="tanh", depth=depth, width=width, init_seed=seed)
    if weights == "orthogonal":
        settings.update(init="orthogonal", init_params={"gain": gain})
    else:  # the same variance, Gaussian
        settings.update(init="random_normal", init_params={"stddev": gain / math.sqrt(width)})
    if bias_var:
        settings.update(bias_init="random_normal",
                        bias_init_params={"stddev": math.sqrt(bias_var)})
    if first:
        settings.update(layer_inits={"1": [first, {}]})
    return Trainer(validate(settings))


@pytest.mark.parametrize("weights, bias_var, depth, width, first, lo, hi", [
    ("orthogonal", 0.0, 30, 32, None, 0.70, 1.0),
    ("orthogonal", 0.0, 10, 64, None, 0.90, 1.0),
    ("orthogonal", 0.0, 30, 64, None, 0.90, 1.0),
    ("orthogonal", 0.0, 30, 256, None, 0.90, 1.0),
    ("gaussian", 0.0, 10, 32, None, 0.0, 0.25),
    ("gaussian", 0.0, 30, 128, None, 0.0, 0.25),
    ("orthogonal", 0.05, 10, 64, None, 0.0, 0.40),
    ("orthogonal", 0.05, 30, 64, None, 0.0, 0.20),
    ("orthogonal", 0.0, 10, 64, "lecun_normal", 0.0, 0.60),
])
def test_where_tanh_near_its_critical_line_stays_close_to_isometric(weights, bias_var, depth,
                                                                    width, first, lo, hi):
    seeds = (0,) if width > 128 else (0, 1)
    for seed in seeds:
        t = _tanh_critical(weights, bias_var, depth, width, seed, first)
        within = spectrum.summary(spectrum.trainer_singular_values(t))["within_2"]
        assert lo <= within <= hi, (seed, within)
