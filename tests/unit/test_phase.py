"""core.phase: the order-chaos phase diagram's exact facts, and you_are_here against draws."""

import math

import numpy as np
import pytest

from core import activations, phase, sweep
from core.config import validate


def test_tanh_critical_weight_variance_is_one_without_biases():
    """At σ_b² = 0, q* = 0 and χ₁ = σ_w²·tanh'(0)² = σ_w²: the line starts at 1."""
    assert phase.critical_weight_var("tanh", 0.0) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("bias_var", [0.0, 0.05, 0.5, 3.0])
def test_relu_critical_weight_variance_is_two_for_every_bias(bias_var):
    assert phase.critical_weight_var("relu", bias_var) == 2.0


def test_linear_and_leaky_relu_closed_forms():
    assert phase.critical_weight_var("linear", [0.0, 1.0]).tolist() == [1.0, 1.0]
    slope = activations.LEAKY_SLOPE
    assert phase.critical_weight_var("leaky_relu", 0.2) == pytest.approx(2 / (1 + slope**2),
                                                                           rel=1e-14)


@pytest.mark.parametrize("act", ["tanh", "elu", "selu", "softsign", "sigmoid"])
@pytest.mark.parametrize("bias_var", [0.01, 0.05, 0.2])
def test_chi1_is_one_on_the_critical_line(act, bias_var):
    """The line is found through its q* parametrisation; q_fixed_point solves the q map on
    its own, and the two agree: χ₁ = 1 there."""
    w = float(phase.critical_weight_var(act, bias_var))
    assert math.isfinite(w)
    assert phase.chi1(act, w, bias_var) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("act", ["gelu", "swish"])
def test_critical_line_is_on_a_stable_q_star_or_nan(act):
    """GELU and swish: where χ₁ jumps over 1 (q* changes branch) there is no line (NaN);
    where there is one, the stable q* has χ₁ = 1 on it."""
    b = np.array([0.0, 0.05, 0.2, 0.5])
    w = phase.critical_weight_var(act, b)
    ok = np.isfinite(w)
    assert ok.any() or act == "swish"  # GELU has one from σ_b² = 0.2 on
    np.testing.assert_allclose(phase.chi1(act, w[ok], b[ok]), 1.0, atol=1e-9)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "elu", "gelu", "relu", "softsign"])
def test_q_star_satisfies_its_fixed_point_equation(act):
    w, b = np.array([0.5, 1.2, 1.9]), np.array([0.01, 0.1, 0.3])
    q = phase.q_fixed_point(act, w, b)
    assert np.all(np.isfinite(q)) and np.all(q > 0)
    np.testing.assert_allclose(phase.q_map(act, q, w, b), q, rtol=1e-12)


def test_relu_q_star_diverges_above_critical_without_crashing():
    m = phase.mean_field("relu", [1.0, 2.0, 3.0], 0.1)
    assert m["q_star"][0] == pytest.approx(0.1 / (1 - 0.5))
    assert np.isinf(m["q_star"][1]) and np.isinf(m["q_star"][2])
    assert [phase.FATES[f] for f in m["q_fate"]] == ["finite", "unbounded", "unbounded"]
    # q → ∞: ReLU's correlation map, bias negligible, slope 1 at c = 1: no finite ξ_c
    assert np.isinf(m["xi_c"][2]) and np.isnan(m["xi_q"][2])
    assert phase.CORRELATIONS[m["correlation"][2]] == "polynomial"
    assert m["chi1"].tolist() == [0.5, 1.0, 1.5]
    assert np.isnan(m["xi_grad"][2]) and np.isinf(m["xi_grad"][1])


def test_ordered_side_with_biases_has_c_star_one_and_xi_c_equal_to_xi_grad():
    m = phase.mean_field("tanh", 0.5, 0.05)
    assert m["c_star"] == 1.0 and m["q_star"] > 0
    chi = float(m["chi1"])
    assert m["xi_c"] == pytest.approx(-1 / math.log(chi), rel=1e-9)
    assert m["xi_grad"] == pytest.approx(-1 / math.log(chi), rel=1e-12)
    assert m["trainable_depth"] == pytest.approx(6 * m["xi_c"], rel=1e-12)


def test_ordered_side_without_biases_freezes_correlations():
    """σ_b² = 0: q → 0, tanh turns linear, c stops changing: ξ_c infinite, ξ_∇ finite."""
    m = phase.mean_field("tanh", 0.5, 0.0)
    assert m["q_star"] == 0 and phase.FATES[m["q_fate"]] == "zero"
    assert np.isnan(m["c_star"]) and np.isinf(m["xi_c"])
    assert phase.CORRELATIONS[m["correlation"]] == "frozen"
    assert m["chi1"] == pytest.approx(0.5, rel=1e-12)
    assert m["xi_grad"] == pytest.approx(-1 / math.log(0.5), rel=1e-9)
    assert m["trainable_depth"] == pytest.approx(6 * m["xi_grad"], rel=1e-12)


def test_chaotic_side_c_star_is_a_fixed_point_below_one():
    m = phase.mean_field("tanh", 2.25, 0.05)
    c = float(m["c_star"])
    assert 0 < c < 1
    assert phase.c_map("tanh", c, 2.25, 0.05, m["q_star"]) == pytest.approx(c, abs=1e-9)
    # Without biases an odd φ keeps c = 0 fixed, and it is the stable one in the chaos.
    assert phase.mean_field("tanh", 2.25, 0.0)["c_star"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("bias_var", [0.02, 0.1])
def test_xi_c_diverges_at_the_critical_line(bias_var):
    w = float(phase.critical_weight_var("tanh", bias_var))
    eps = np.array([0.3, 0.1, 0.03, 0.01])
    for side in (-1, 1):
        xi = phase.mean_field("tanh", w * (1 + side * eps), bias_var)["xi_c"]
        assert np.all(np.diff(xi) > 0), xi  # grows as the line comes nearer
        assert xi[-1] > 10 * xi[0]


def test_plane_shapes_and_a_line_between_phases():
    p = phase.plane("tanh", weight_var=np.linspace(0.5, 3, 6), bias_var=[0.0, 0.1])
    assert p.xi_c.shape == p.chi1.shape == (2, 6)
    assert (p.chi1[:, 0] < 1).all() and (p.chi1[:, -1] > 1).all()


# ---------------------------------------------------------------- you are here

def test_you_are_here_reads_the_hidden_layers_and_the_scale():
    cfg = validate(init="he_normal", width=32, depth=4, init_scale=0.5, bias_init="random_normal",
                   bias_init_params={"stddev": 0.3})
    w, b = phase.you_are_here(cfg)
    assert w == pytest.approx(2.0 * 0.25)
    assert b == pytest.approx(0.09)
    glorot = validate(init="glorot_normal", width=50, depth=3)
    assert phase.you_are_here(glorot) == pytest.approx((1.0, 0.0))
    torch = validate(init="torch_default", width=16, depth=2)  # bias auto: U(±1/√16)
    assert phase.you_are_here(torch) == pytest.approx((1 / 3, 1 / (3 * 16)))


def test_you_are_here_against_the_drawn_network():
    """σ_w² = width·Var(W) of the layers the trainer draws, within the sample's error."""
    from core.trainer import Trainer

    cfg = validate(init="orthogonal", init_params={"gain": 1.3}, width=64, depth=5,
                   bias_init="random_uniform", bias_init_params={"minval": -0.2, "maxval": 0.2})
    t = Trainer(cfg)
    Ws = np.concatenate([W[0].ravel() for W in t.Ws[1:cfg.depth]])
    bs = np.concatenate([b[0].ravel() for b in t.bs[1:cfg.depth]])
    w, b = phase.you_are_here(cfg)
    assert cfg.width * float(np.mean(Ws**2)) == pytest.approx(w, rel=1e-9)  # orthogonal: exact
    se = math.sqrt((0.2**4 / 5 - b**2) / bs.size)  # uniform: m4 = a⁴/5
    assert abs(float(np.var(bs)) - b) <= 6 * se


# ---------------------------------------------------------------- on a sweep's map


def test_sweep_line_on_the_edge_of_chaos_preset():
    p = sweep.PRESETS["edge_of_chaos"]
    line = phase.sweep_line(p.base, p.x, p.y)
    assert line is not None
    s, depth = line["init_scale"], line["depth"]
    assert s[0] == 0.5 and s[-1] == 3.0
    # σ = 0.5: χ₁ = 0.25 (tanh, no biases), 6·ξ_c = 6/ln 4
    assert depth[0] == pytest.approx(6 / math.log(4), rel=1e-9)
    peak = int(np.argmax(depth))
    assert 0.9 <= s[peak] <= 1.1  # deepest at the critical σ_w = 1
    # positions: σ = 0.5 is column 0; 6/ln 4 = 4.33 layers is below the first row (5)
    assert line["x"][0] == 0.0 and line["y"][0] == pytest.approx((6 / math.log(4) - 5) / 5)
    assert phase.sweep_line(p.base, p.x, sweep.Axis("width", (8, 16))) is None


def test_category_position_is_piecewise_linear_and_extends():
    pos = phase.category_position([5, 10, 20], [5, 7.5, 15, 20, 30, 0])
    np.testing.assert_allclose(pos, [0, 0.5, 1.5, 2, 3, -1])


# ---------------------------------------------------------------- against exact values
# Independent of core.activations' quadrature: closed forms (ReLU's arc-cosine kernel, Cho
# & Saul 2009) and a fine composite Gauss–Legendre rule.


def _legendre_rule(lo, hi, panels, order=10):
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(lo, hi, panels + 1)
    half = np.diff(edges)[:, None] / 2
    nodes = (edges[:-1, None] + half * (x + 1)).ravel()
    return nodes, (half * w).ravel()


def _gauss_2d(fn, q, c):
    """E[fn(u₁, u₂)] for u₁, u₂ ~ N(0, q) with correlation c, on [-10, 10]² (the tails
    beyond weigh < 1e-22) with 200 ten-point panels a side: panel width 0.1, where
    tanh(√q·z) turns over about 1/√q ≥ 0.3 in z for q ≤ 10."""
    z, w = _legendre_rule(-10.0, 10.0, 200)
    density = w * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    Z, Y = np.meshgrid(z, z, indexing="ij")
    u1 = math.sqrt(q) * Z
    u2 = math.sqrt(q) * (c * Z + math.sqrt(1 - c * c) * Y)
    return float(density @ fn(u1, u2) @ density)


def _arccos_kernel(q, c):
    theta = np.arccos(c)
    return (q / (2 * np.pi) * (np.sqrt(1 - c * c) + (np.pi - theta) * c),
            (np.pi - theta) / (2 * np.pi))


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.0])
def test_relu_pair_moments_are_the_arc_cosine_kernel(q):
    c = np.array([0.0, 0.2, 0.5, 0.9, 0.999])
    """pair_moments' coarse rules, about 1e-7, with panels on the kink's scale √(q(1-c))
    (without them E[φ'φ'] was 2e-3 off at c = 0.999)."""
    e12, d12 = phase.pair_moments("relu", q, c)
    exact_e, exact_d = _arccos_kernel(q, c)
    np.testing.assert_allclose(e12, exact_e, rtol=2e-6)
    np.testing.assert_allclose(d12, exact_d, rtol=2e-6)


def test_relu_correlation_map_without_biases_has_slope_one_at_one():
    """c ↦ J(c) = (√(1-c²) + (π - arccos c)·c)/π for any σ_w² at σ_b² = 0: J(1) = 1 and
    J'(1) = (π - arccos 1)/π = 1 exactly, so 1 - c cannot fall e-fold per any finite ξ_c;
    near 1, 1 - J(c) = (1 - c) - (2√2/3π)(1 - c)^(3/2) + ..., a polynomial creep."""
    def J(c):
        return _arccos_kernel(1.0, c)[0] * 2

    h = 1e-6
    assert (J(1.0) - J(1.0 - h)) / h == pytest.approx(1.0, abs=1e-3)
    traj = phase.propagate("relu", 1.0, 0.0, 1.0, 0.5, 11)
    c = 0.5
    for layer in range(1, 11):
        c = J(c)
        assert traj["c"][layer] == pytest.approx(c, rel=1e-6)
    assert 0.09 < 1 - c < 0.11  # 0.1024: not 0.5·2^-10 = 0.0005
    for w in (1.0, 2.0, 3.0):
        m = phase.mean_field("relu", w, 0.0)
        assert m["chi_c"] == 1.0 and np.isinf(m["xi_c"])


@pytest.mark.parametrize("q, c", [(0.05, 0.3), (1.0, 0.5), (5.0, 0.2), (5.0, 0.95)])
def test_tanh_pair_moments_against_a_fine_two_dimensional_rule(q, c):
    e12, d12 = phase.pair_moments("tanh", q, c)
    exact_e = _gauss_2d(lambda a, b: np.tanh(a) * np.tanh(b), q, c)
    exact_d = _gauss_2d(lambda a, b: (1 - np.tanh(a) ** 2) * (1 - np.tanh(b) ** 2), q, c)
    assert float(e12) == pytest.approx(exact_e, abs=1e-7)  # the coarse rules' accuracy
    assert float(d12) == pytest.approx(exact_d, abs=1e-7)


@pytest.mark.parametrize("act", ["tanh", "gelu", "swish", "sigmoid", "elu"])
def test_q_star_and_chi1_against_a_fine_rule(act):
    f = activations.get(act)
    z, w = _legendre_rule(-12.0, 12.0, 480)
    dens = w * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    wv, bv = 1.3, 0.1
    q = float(phase.q_fixed_point(act, wv, bv, q0=0.5))
    u = math.sqrt(q) * z
    assert wv * float(dens @ f.f(u) ** 2) + bv == pytest.approx(q, rel=1e-10)
    assert float(phase.chi1(act, wv, bv, q)) == pytest.approx(
        wv * float(dens @ f.df(u, f.f(u)) ** 2), rel=1e-10)


@pytest.mark.parametrize("act", activations.NAMES)
def test_the_q_map_is_increasing_so_an_orbit_is_monotone(act):
    """q_fate's premise: E[φ(√q z)²] increases with q, for every activation."""
    e2 = phase.moments(activations.get(act), np.logspace(-8, 8, 801))[0]
    assert np.all(np.diff(e2) > 0)


CASES_FATE = [
    ("tanh", 0.0032, 0.0, 0.01), ("tanh", 0.5, 0.05, 3.0), ("tanh", 2.25, 0.0, 0.1),
    ("sigmoid", 1.0, 0.0, 1.0), ("relu", 1.0, 0.0, 1.0), ("relu", 3.0, 0.1, 1.0),
    ("relu", 1.0, 0.1, 1.0), ("elu", 3.0, 0.0, 1.0), ("gelu", 3.0, 0.0, 2.0),
    ("gelu", 3.0, 0.0, 0.05), ("swish", 2.7, 0.05, 2.0), ("swish", 2.7, 0.05, 0.5),
    ("gelu", 1.0, 0.2, 30.0), ("selu", 1.0, 0.0, 0.2),
]


@pytest.mark.parametrize("act, w, b, q0", CASES_FATE)
def test_q_fate_is_where_iterating_the_map_goes(act, w, b, q0):
    q, fate = phase.q_fate(act, w, b, q0)
    x = q0
    for _ in range(400):
        x = float(phase.q_map(act, x, w, b))
        if x > 1e12:
            break
    name = phase.FATES[int(fate)]
    if name == "unbounded":
        assert x > 1e12
    elif name == "zero":
        assert x < 1e-20 * q0
    else:
        assert name == "finite" and x == pytest.approx(float(q), rel=1e-9)


def test_the_phase_follows_the_inputs_q0_where_there_are_two_attractors():
    low, high = phase.point("gelu", 3.0, 0.0, q0=0.05), phase.point("gelu", 3.0, 0.0, q0=2)
    assert (low["phase"], low["q_fate"]) == ("ordered", "zero")
    assert (high["phase"], high["q_fate"]) == ("chaotic", "unbounded")
    # tanh has one attractor: every q⁰ > 0 ends at the same q*
    qs = phase.q_fixed_point("tanh", 2.0, 0.1, np.array([1e-4, 0.1, 1.0, 50.0]))
    np.testing.assert_allclose(qs, qs[0], rtol=1e-12)


def test_a_linear_network_keeps_every_correlation():
    m = phase.point("linear", 1.0, 0.0)
    assert (m["q_fate"], m["correlation"], m["xi_c"], m["c_star"]) == (
        "marginal", "frozen", None, None)
    traj = phase.propagate("tanh", 0.5, 0.0, 1e-6, 0.3, 6)
    np.testing.assert_allclose(traj["c"], 0.3, atol=1e-6)  # tanh at q → 0: linear


@pytest.mark.parametrize("act, w, b, q0, fields", [
    ("relu", 1.0, 0.0, 1.0, dict(xi_c=None, correlation="polynomial", phase="ordered",
                                 trainable_depth_from="xi_grad")),
    ("tanh", 0.0032, 0.0, 0.01, dict(xi_c=None, correlation="frozen", phase="ordered",
                                     trainable_depth_from="xi_grad")),
    ("tanh", 1.0, 0.0, 1.0, dict(xi_c=None, xi_grad=None, phase="critical",
                                 trainable_depth=None, trainable_depth_from=None)),
    ("relu", 2.0, 0.0, 1.0, dict(xi_c=None, xi_grad=None, phase="critical",
                                 q_fate="marginal", q_star=1.0)),
    ("tanh", 64.0, 0.0, 1.0, dict(correlation="exponential", phase="chaotic",
                                  xi_grad=None, trainable_depth_from="xi_c")),
])
def test_point_fields(act, w, b, q0, fields):
    here = phase.point(act, w, b, q0)
    for key, value in fields.items():
        assert here[key] == value, key
    assert (here["xi_c_reason"] is None) == (here["xi_c"] is not None)
    if here["trainable_depth_from"] == "xi_grad":
        assert here["trainable_depth"] == pytest.approx(6 * here["xi_grad"], rel=1e-12)
    text = " ".join(phase.describe(here, 30))
    assert "ξ_c" in text and ("ξ_∇" in text or here["phase"] == "chaotic")


def test_zero_weights_get_no_depth_scales_in_words():
    here = phase.point("tanh", 0.0, 0.0)
    assert here["chi1"] == 0 and here["xi_grad"] == 0  # a gradient is gone after one layer
    assert phase.describe(here, 3) == [
        "These weights are not random (σ_w² = 0), and mean-field theory is a theory of "
        "random ones: symmetry, not the phase, decides what happens."]
