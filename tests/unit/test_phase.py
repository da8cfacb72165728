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
    assert np.isnan(m["xi_c"][2]) and np.isnan(m["xi_q"][2])
    assert m["chi1"].tolist() == [0.5, 1.0, 1.5]


def test_ordered_side_has_c_star_one_and_xi_c_from_chi1():
    m = phase.mean_field("tanh", 0.5, 0.0)
    assert m["c_star"] == 1.0
    assert m["xi_c"] == pytest.approx(-1 / math.log(0.5), rel=1e-9)


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
