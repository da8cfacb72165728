"""core.phase's facts against wide random networks (issue 24): where correlations do not
decay exponentially, where the variance grows without bound, which phase a network's own
q⁰ puts it in.

Each test draws a width-N network several times (seeds 0..S-1) and reads a statistic T per
seed (1 - c at the top, or log q, or the log of a gradient's mean-square ratio). The
mean-field value is the N → ∞ limit of T, so the test asks

    |mean T - T_mf| <= K·sd(T)/√S + L/N

- K·sd/√S: the seeds' own spread. K = 5.41 is Student's t at 0.1 % two-sided with S - 1 = 7
  degrees of freedom: a correct theory fails one such check in a thousand runs;
- L/N: the finite-width bias. Every layer estimates q and c from N units, a ratio of sums
  of N terms, biased by O(1/N); through L layers the biases add up to O(L/N) (the maps
  involved have slope <= 1 where the bias enters c, and log q takes it additively).

A test that refutes a claim asks the opposite: the claim's value lies beyond the same
band by a factor (stated where it is used)."""

import math

import numpy as np
import pytest

from core import activations, phase

SEEDS = 8
K = 5.41  # two-sided 0.1 % point of Student's t with SEEDS - 1 = 7 degrees of freedom


def wide(act, weight_var, bias_var, q0, c0, depth, width, seeds=SEEDS):
    """Two inputs through ``depth`` layers of width ``width``, z_1 drawn with variance q0
    each and correlation c0 (what a wide first layer makes), z_{l+1} = φ(z_l)W + b,
    W ~ N(0, σ_w²/N), b ~ N(0, σ_b²); then a random error at the top back-propagated to
    layer 1. Per seed and layer: q of input 1, c of the two, and log(ms(δ_l) / ms(δ_L))
    (ms: mean square over the units)."""
    f = activations.get(act)
    q, c, grad = (np.empty((seeds, depth)) for _ in range(3))
    for s in range(seeds):
        rng = np.random.default_rng(s)
        g = rng.standard_normal((2, width))
        z = math.sqrt(q0) * np.stack([g[0], c0 * g[0] + math.sqrt(1 - c0**2) * g[1]])
        zs, Ws = [], []
        for layer in range(depth):
            zs.append(z)
            q[s, layer] = np.mean(z[0] ** 2)
            c[s, layer] = z[0] @ z[1] / math.sqrt((z[0] @ z[0]) * (z[1] @ z[1]))
            if layer < depth - 1:
                W = rng.standard_normal((width, width)) * math.sqrt(weight_var / width)
                b = rng.standard_normal(width) * math.sqrt(bias_var)
                Ws.append(W)
                z = f.f(z) @ W + b
        delta = rng.standard_normal(width)
        top = np.mean(delta**2)
        grad[s, -1] = 0.0
        for layer in range(depth - 2, -1, -1):
            z0 = zs[layer][0]
            delta = (delta @ Ws[layer].T) * f.df(z0, f.f(z0))
            grad[s, layer] = math.log(np.mean(delta**2) / top)
    return q, c, grad


def band(values, depth, width):
    """The allowed distance of the seeds' mean from the N → ∞ value (module docstring)."""
    return K * np.std(values, ddof=1) / math.sqrt(len(values)) + depth / width


def test_relu_without_biases_decays_polynomially_not_every_xi_c():
    """ReLU at σ_w² = 1, σ_b² = 0 (he_normal × 1/√2): 1 - c goes 0.5 → about 0.1 in 10
    layers, as the arc-cosine map says; e-fold every 1.443 layers would leave 0.0005."""
    here = phase.point("relu", 1.0, 0.0)
    assert here["xi_c"] is None and here["correlation"] == "polynomial"
    assert here["q_fate"] == "zero" and here["phase"] == "ordered"
    assert here["xi_grad"] == pytest.approx(1 / math.log(2), rel=1e-12)
    depth, width = 11, 1024
    mf = phase.propagate("relu", 1.0, 0.0, 1.0, 0.5, depth)
    _, c, _ = wide("relu", 1.0, 0.0, 1.0, 0.5, depth, width)
    gap = 1 - c[:, -1]
    tol = band(gap, depth, width)
    assert abs(gap.mean() - (1 - mf["c"][-1])) <= tol
    claim = 0.5 * math.exp(-10 * math.log(2))  # 1 - c after 10 layers at ξ_c = 1.443
    assert gap.mean() - tol > 20 * claim  # refuted by far more than the band


def test_tanh_with_tiny_weights_keeps_its_correlation():
    """tanh at σ_w² = 0.0032 (the too_small lesson): q → 0, tanh turns linear, and 1 - c
    stays at 0.5 over 10 layers; ξ_c = 0.17 would leave e^-57 of it. Gradients do die at
    χ₁ = 0.0032 a layer, the gradient depth scale ξ_∇ = 0.174."""
    here = phase.point("tanh", 0.0032, 0.0, q0=0.01)
    assert here["xi_c"] is None and here["correlation"] == "frozen"
    assert here["xi_grad"] == pytest.approx(-1 / math.log(0.0032), rel=1e-6)
    depth, width = 11, 1024
    q, c, grad = wide("tanh", 0.0032, 0.0, 0.01, 0.5, depth, width)
    gap = 1 - c[:, -1]
    assert abs(gap.mean() - 0.5) <= band(gap, depth, width)
    # the gradient's log mean square falls by ln χ₁ per layer
    mf = phase.propagate("tanh", 0.0032, 0.0, 0.01, 0.5, depth)
    expected = float(np.sum(np.log(mf["chi"][:-1])))
    assert abs(grad[:, 0].mean() - expected) <= band(grad[:, 0], depth, width)


@pytest.mark.parametrize("act, weight_var, bias_var, above, below, q_stable", [
    ("gelu", 3.0, 0.0, 2.0, 0.05, 0.0),
    ("swish", 2.7, 0.05, 2.0, 0.5, 0.21534053825),
])
def test_two_attractors_and_the_inputs_q0_decides(act, weight_var, bias_var, above, below,
                                                   q_stable):
    """GELU at (3, 0) and swish at (2.7, 0.05) have a stable fixed point near 0 and an
    unstable one above it: from a q⁰ above the latter the variance grows without bound
    (chaotic: χ₁ at q → ∞ is σ_w²/2 > 1), from below it settles (ordered). Measured over
    30 layers: log q and the gradients' growth follow the mean-field recursion."""
    depth, width = 30, 512
    up = phase.point(act, weight_var, bias_var, q0=above)
    assert up["q_fate"] == "unbounded" and up["phase"] == "chaotic"
    assert up["chi1"] == pytest.approx(weight_var / 2, rel=1e-9)
    assert up["xi_c"] is None and up["xi_grad"] is None and up["trainable_depth"] is None
    q, _, grad = wide(act, weight_var, bias_var, above, 0.5, depth, width)
    mf = phase.propagate(act, weight_var, bias_var, above, 0.5, depth)
    log_q = np.log(q[:, -1])
    assert abs(log_q.mean() - math.log(mf["q"][-1])) <= band(log_q, depth, width)
    assert np.all(q[:, -1] > 100 * above)  # it grows, on every seed
    expected = float(np.sum(np.log(mf["chi"][:-1])))
    assert expected > 0  # gradients grow towards the input
    assert abs(grad[:, 0].mean() - expected) <= band(grad[:, 0], depth, width)

    down = phase.point(act, weight_var, bias_var, q0=below)
    assert down["phase"] == "ordered" and down["chi1"] < 1
    assert down["q_star"] == pytest.approx(q_stable, abs=1e-9)
    q, _, _ = wide(act, weight_var, bias_var, below, 0.5, depth, width)
    assert abs(q[:, -1].mean() - q_stable) <= band(q[:, -1], depth, width)
