"""core.activations: the vectorised erf, the exact GELU, and exact Gaussian expectations."""

import math

import numpy as np
import pytest

from core import activations as A

SELU_L, SELU_A = A.SELU_SCALE, A.SELU_ALPHA


def _phi_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def test_erf_matches_math_erf_over_a_wide_range():
    x = np.concatenate([np.linspace(-30, 30, 60_001), np.geomspace(1e-300, 0.5, 2000),
                        -np.geomspace(1e-300, 0.5, 2000), [0.46875, 4.0, -4.0, 26.5, 27.0]])
    ours = A.erf(x)
    ref = np.array([math.erf(v) for v in x])
    # Relative where erf is not tiny (it is never tiny but at 0, where it is exact).
    nz = ref != 0
    assert np.max(np.abs(ours[nz] - ref[nz]) / np.abs(ref[nz])) < 1e-15
    assert ours[x == 0].tolist() == [0.0] * int(np.sum(x == 0))


def test_erfc_is_accurate_in_its_tail_and_erfcx_never_underflows():
    x = np.linspace(-6, 26, 32_001)
    ref = np.array([math.erfc(v) for v in x])
    assert np.max(np.abs(A.erfc(x) - ref) / ref) < 4e-15
    big = np.array([30.0, 100.0, 1e6])
    # exp(x²)·erfc(x) = 1/(x√π)·(1 - 1/(2x²) + 3/(4x⁴) - 15/(8x⁶) + …): next term 1e-11
    u = 1 / (2 * big**2)
    np.testing.assert_allclose(A.erfcx(big), 1 / (big * math.sqrt(math.pi))
                               * (1 - u + 3 * u**2 - 15 * u**3), rtol=1e-10)
    mid = np.array([0.1, 1.0, 3.0, 5.0])
    np.testing.assert_allclose(A.erfcx(mid), [math.exp(v * v) * math.erfc(v) for v in mid],
                               rtol=1e-14)


def test_erf_derivative_is_the_gaussian():
    x = np.linspace(-5, 5, 1001)
    h = 1e-5
    numeric = (A.erf(x + h) - A.erf(x - h)) / (2 * h)
    np.testing.assert_allclose(numeric, 2 / math.sqrt(math.pi) * np.exp(-x * x), atol=1e-9)


def test_erf_special_values():
    out = A.erf(np.array([np.inf, -np.inf, np.nan, 0.0]))
    assert out[0] == 1.0 and out[1] == -1.0 and np.isnan(out[2]) and out[3] == 0.0
    assert A.erf(np.zeros((2, 3))).shape == (2, 3)


def test_gelu_is_exact_and_gelu_tanh_is_the_approximation():
    z = np.linspace(-10, 10, 4001)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in z])  # torch's formula
    np.testing.assert_allclose(A.get("gelu").f(z), exact, rtol=0, atol=2e-15)
    approx = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    np.testing.assert_array_equal(A.get("gelu_tanh").f(z), approx)
    # They differ: at most ~5e-4 near |z| = 2, which is why both are in the table.
    assert 1e-4 < np.max(np.abs(A.get("gelu").f(z) - approx)) < 1e-3
    d = A.get("gelu").df(z, A.get("gelu").f(z))
    ref = np.array([_phi_cdf(v) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in z])
    np.testing.assert_allclose(d, ref, rtol=0, atol=4e-16 * 8)


def _split_trapezoid(fn, mu, q, n=200_001, lim=12.0):
    """E[fn(z)] by the trapezoid rule on each side of z = 0 separately (one-sided values at
    the kink), in t = (z - μ)/σ, Richardson-extrapolated from steps h and 2h (error O(h⁴):
    below 1e-12 here for these integrands)."""
    s = math.sqrt(q)
    t0 = -mu / s
    total = 0.0
    for lo, hi, side in ((-lim, t0, -1), (t0, lim, 1)):
        if hi <= lo:
            continue
        t = np.linspace(lo, hi, n)
        z = mu + s * t
        z[0 if side == 1 else -1] = side * 1e-300  # the kink's own side
        y = fn(z) * np.exp(-t * t / 2) / math.sqrt(2 * math.pi)
        fine, coarse = np.trapezoid(y, t), np.trapezoid(y[::2], t[::2])
        total += (4 * fine - coarse) / 3
    return total


def test_relu_closed_forms():
    e1, e2, d2 = A.gaussian_moments(A.get("relu"), np.array([1.0, 4.0, 0.01]))
    np.testing.assert_allclose(d2, 0.5, rtol=1e-15)  # E[relu'(z)²] = P(z > 0) = 1/2
    np.testing.assert_allclose(e2, [0.5, 2.0, 0.005], rtol=1e-15)  # q/2
    np.testing.assert_allclose(e1, np.sqrt([1.0, 4.0, 0.01]) / math.sqrt(2 * math.pi),
                               rtol=1e-15)


def test_relu_quadrature_never_sits_on_the_kink():
    """The quadrature itself (not the closed form) gets E[relu'²] = 1/2: no node at z = 0,
    where relu' = 0 would be taken for half the mass of a node."""
    z, w = A.gaussian_nodes(0.0, 1.0)
    assert not np.any((z == 0) & (w > 0))  # (a panel of length 0 has weight 0)
    relu = A.get("relu")
    assert np.sum(w * relu.df(z, relu.f(z)) ** 2) == pytest.approx(0.5, rel=1e-14)
    z, w = A.gaussian_nodes(0.7, 2.0)
    assert not np.any((z == 0) & (w > 0))


@pytest.mark.parametrize(("mu", "q"), [(0.0, 1.0), (0.3, 2.0), (-1.0, 0.5), (2.0, 1e-4),
                                      (0.0, 400.0)])
def test_leaky_and_linear_closed_forms_with_a_mean(mu, q):
    """General μ via Φ/φ: E[z; z > 0] = μΦ(a) + σφ(a), E[z²; z > 0] = (μ² + q)Φ(a) + μσφ(a),
    a = μ/σ; and the quadrature agrees with them."""
    s, c = math.sqrt(q), A.LEAKY_SLOPE
    a = mu / s
    Pp, ph = _phi_cdf(a), math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    pos1, pos2 = mu * Pp + s * ph, (mu * mu + q) * Pp + mu * s * ph
    neg1, neg2 = mu - pos1, mu * mu + q - pos2
    e1, e2, d2 = A.gaussian_moments(A.get("leaky_relu"), q, mu)
    assert float(e1) == pytest.approx(pos1 + c * neg1, rel=1e-14, abs=1e-300)
    assert float(e2) == pytest.approx(pos2 + c * c * neg2, rel=1e-14)
    assert float(d2) == pytest.approx(Pp + c * c * (1 - Pp), rel=1e-14)
    assert A.gaussian_moments(A.get("linear"), q, mu)[1] == pytest.approx(mu * mu + q, rel=1e-15)
    for name in ("leaky_relu", "relu", "linear"):
        act = A.get(name)
        z, w = A.gaussian_nodes(mu, q)
        f = act.f(z)
        quad = (np.sum(w * f), np.sum(w * f * f), np.sum(w * act.df(z, f) ** 2))
        for got, want in zip(quad, A.gaussian_moments(act, q, mu), strict=True):
            assert got == pytest.approx(float(want), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("q", [1.0, 0.25, 9.0])
def test_selu_derivative_moment_closed_form(q):
    """f'(z) = λ for z > 0 and λα·e^z below, so
    E[f'(z)²] = λ²·(Φ(0) + α²·E[e^{2z}; z < 0]) = λ²·(1/2 + α²·e^{2q}·Φ(-2√q)),
    since E[e^{2z}; z < 0] = e^{2q}·P(N(2q, q) < 0). About 1.0716 for q = 1 (the 121-node
    rule with a node at 0 said 1.201)."""
    closed = SELU_L**2 * (0.5 + SELU_A**2 * math.exp(2 * q) * _phi_cdf(-2 * math.sqrt(q)))
    selu = A.get("selu")
    got = float(A.gaussian_moments(selu, q)[2])
    assert got == pytest.approx(closed, rel=1e-13)
    trap = _split_trapezoid(lambda z: selu.df(z, selu.f(z)) ** 2, 0.0, q)
    assert trap == pytest.approx(closed, rel=1e-11)  # the derivation, checked numerically
    if q == 1.0:
        assert got == pytest.approx(1.0716, abs=1e-4)


def test_selu_is_self_normalising_and_elu_matches_its_closed_form():
    """SELU's constants make E[f] = 0 and E[f²] = 1 for z ~ N(0, 1) (Klambauer et al.)."""
    e1, e2, _ = A.gaussian_moments(A.get("selu"), 1.0)
    assert abs(float(e1)) < 1e-8 and float(e2) == pytest.approx(1.0, abs=1e-8)
    # ELU: E[f'²] = Φ(a) + e^{2μ+2q}·Φ(-(μ+2q)/σ), for any μ.
    for mu, q in [(0.0, 1.0), (0.5, 2.0), (-1.0, 0.3)]:
        s = math.sqrt(q)
        closed = _phi_cdf(mu / s) + math.exp(2 * mu + 2 * q) * _phi_cdf(-(mu + 2 * q) / s)
        assert float(A.gaussian_moments(A.get("elu"), q, mu)[2]) == pytest.approx(closed,
                                                                                  rel=1e-13)


def test_gelu_closed_forms():
    """For z ~ N(0, 1), by Stein's lemma: E[zΦ(z)] = E[φ(z)] = 1/(2√π), and
    E[z²Φ(z)²] = E[Φ²] + 2E[zΦφ] = 1/3 + 1/(2π√3)."""
    e1, e2, _ = A.gaussian_moments(A.get("gelu"), 1.0)
    assert float(e1) == pytest.approx(1 / (2 * math.sqrt(math.pi)), rel=1e-14)
    assert float(e2) == pytest.approx(1 / 3 + 1 / (2 * math.pi * math.sqrt(3)), rel=1e-14)


@pytest.mark.parametrize("name", A.NAMES)
@pytest.mark.parametrize(("mu", "q"), [(0.0, 1.0), (0.4, 3.0), (-0.5, 0.2), (0.0, 60.0)])
def test_every_activation_against_a_fine_split_trapezoid(name, mu, q):
    act = A.get(name)
    e1, e2, d2 = (float(v) for v in A.gaussian_moments(act, q, mu))
    for got, fn in ((e1, act.f), (e2, lambda z: act.f(z) ** 2),
                    (d2, lambda z: act.df(z, act.f(z)) ** 2)):
        assert got == pytest.approx(_split_trapezoid(fn, mu, q), rel=1e-11, abs=1e-13)


def test_the_kinked_old_rule_was_wrong_and_this_one_is_not():
    """Before: 121 Gauss-Hermite nodes, one at z = 0, gave E[relu'²] = 0.443 and E[selu'²] =
    1.201. The unsplit rule shows the bias this test guards against."""
    x, w = np.polynomial.hermite_e.hermegauss(121)
    w = w / w.sum()
    relu = A.get("relu")
    old = float(w @ relu.df(x, relu.f(x)) ** 2)
    assert old == pytest.approx(0.443, abs=1e-3)
    assert A.gaussian_mean(lambda z: relu.df(z, relu.f(z)) ** 2, 1.0) == pytest.approx(
        0.5, rel=1e-14)


def test_gaussian_mean_keeps_its_old_call_and_takes_arrays():
    assert isinstance(A.gaussian_mean(np.tanh, 1.0), float)
    assert A.gaussian_mean(lambda z: z * z, 2.5) == pytest.approx(2.5, rel=1e-14)
    out = A.gaussian_mean(lambda z: z * z, np.array([1.0, 2.0]), mu=np.array([0.0, 1.0]))
    np.testing.assert_allclose(out, [1.0, 3.0], rtol=1e-14)
    assert A.gaussian_mean(lambda z: z**2, 0.0, mu=3.0) == pytest.approx(9.0)  # a point mass


def test_smoothing_matches_quadrature():
    for name in ("relu", "leaky_relu", "elu", "selu", "linear"):
        act = A.get(name)
        for mu, q in [(0.0, 1.0), (0.7, 0.1), (-2.0, 5.0), (-30.0, 900.0)]:
            z, w = A.gaussian_nodes(mu, q)
            f = act.f(z)
            want = (np.sum(w * f), np.sum(w * act.df(z, f)))
            got = act.smoothing(np.array(mu), np.array(q))
            for g, v in zip(got, want, strict=True):
                assert float(g) == pytest.approx(v, rel=1e-11, abs=1e-14)
