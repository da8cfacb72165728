"""core.telemetry: distinct_units exactness and the per-layer measurements."""

import numpy as np
import pytest

from core import activations, network, telemetry
from core.config import validate
from core.telemetry import DISTINCT_RTOL, FIELDS, Field
from core.trainer import Trainer


def layer(units, bias=None):
    """One layer (1, fan_in, n_units) from a list of incoming-weight vectors."""
    W = np.array(units, dtype=float).T[None]
    b = np.zeros((1, W.shape[2])) if bias is None else np.array(bias, float)[None]
    return W, b


def count(units, bias=None):
    W, b = layer(units, bias)
    return int(telemetry.distinct_units([W], [b])[0, 0])


RNG = np.random.default_rng(0)
U = RNG.standard_normal(6)
V = RNG.standard_normal(6)


def test_equal_to_1e_12_relative_count_as_one():
    assert count([U, U * (1 + 1e-12), U]) == 1
    assert count([U, U + 1e-12 * np.abs(U).max()]) == 1


def test_differing_by_1e_6_relative_count_as_two():
    assert count([U, U * (1 + 1e-6)]) == 2
    bumped = U.copy()
    bumped[3] += 1e-6 * np.abs(U).max()
    assert count([U, bumped]) == 2


def test_the_bias_counts():
    assert count([U, U], bias=[0.0, 0.0]) == 1
    assert count([U, U], bias=[0.0, 1.0]) == 2


def test_groups():
    assert count([U, V, U, V, U, 2 * V]) == 3
    assert count([U] * 7) == 1
    assert count([U, V, 2 * V, 3 * U]) == 4


def test_projection_collisions_are_checked_exactly():
    """Units whose random projections coincide but which differ must still count as two."""
    r, _ = telemetry._probe(len(U) + 1)  # weights then the bias
    d = np.zeros(len(U) + 1)
    d[0], d[1] = r[1], -r[0]  # r·d = 0: invisible to the projection
    other = np.concatenate([U, [0.0]]) + d
    assert abs(r @ other - r @ np.concatenate([U, [0.0]])) < 1e-12
    assert count([U, other[:-1]], bias=[0.0, other[-1]]) == 2


@pytest.mark.parametrize(("size", "expected"), [(1e-12, 1), (1e-7, 2)])
def test_exact_check_uses_the_relative_tolerance(size, expected):
    """Near-collisions go to the exact check: a difference invisible to the projection counts
    as two units at 1e-7 relative and as one at 1e-12 relative (the threshold is 1e-9)."""
    r, _ = telemetry._probe(len(U) + 1)
    d = np.zeros(len(U) + 1)
    d[2], d[4] = r[4], -r[2]
    d /= np.abs(d).max()
    scale = np.abs(U).max()
    other = np.concatenate([U, [0.0]]) + size * scale * d
    assert count([U, other[:-1]], bias=[0.0, other[-1]]) == expected


def test_zeros_layer_is_one_unit():
    W = np.zeros((1, 3, 5))
    assert telemetry.distinct_units([W], [np.zeros((1, 5))])[0, 0] == 1


def test_many_layers_and_members():
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((3, 2, 8)), np.ones((3, 8, 8)), rng.standard_normal((3, 8, 1))]
    Ws[1][1, :, :4] = 2.0  # member 1 has two groups in layer 2
    bs = [np.zeros((3, 8)), np.zeros((3, 8)), np.zeros((3, 1))]
    counts = telemetry.distinct_units(Ws, bs)
    assert counts.shape == (3, 3)
    assert counts[0].tolist() == [8, 8, 8]
    assert counts[1].tolist() == [1, 2, 1]
    assert counts[2].tolist() == [1, 1, 1]


def test_rtol_is_relative_to_the_layer_scale():
    """The same absolute difference is one unit in a large-weight layer, two in a small one."""
    big = np.full(4, 1e6)
    assert count([big, big + 1e-4]) == 1  # 1e-10 relative
    small = np.full(4, 1e-3)
    assert count([small, small + 1e-4]) == 2
    assert DISTINCT_RTOL == 1e-9


# ------------------------------------------------------------------ measure


def one_pass(depth=3, width=6, batch=50, seed=0, act_name="tanh"):
    rng = np.random.default_rng(seed)
    sizes = network.layer_sizes(2, depth, width, 1)
    Ws = [rng.normal(0, 1 / np.sqrt(fi), (1, fi, fo))
          for fi, fo in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(0, 0.1, (1, fo)) for fo in sizes[1:]]
    X = rng.normal(size=(batch, 2))
    y = rng.integers(0, 2, batch)
    act = activations.get(act_name)
    p = network.backward(network.forward(Ws, bs, X, y, act, "bce", True), Ws, act)
    return p, Ws, bs, act


def test_measure_matches_definitions():
    p, Ws, bs, act = one_pass()
    params, Ws, bs = network.pack(Ws, bs)
    deltas = [0.01 * np.ones_like(W) for W in Ws]
    delta = network.pack(deltas, [np.zeros_like(b) for b in bs])[0]
    sizes = network.sizes_of(Ws)
    out = telemetry.measure(p, params, sizes, delta, act.bounds)[0]  # member 0: (layers, FIELDS)
    f = {name: out[:, i] for i, name in enumerate(FIELDS)}
    for l, W in enumerate(Ws):
        assert f["grad_norm"][l] == pytest.approx(np.linalg.norm(p.dW[l][0]), rel=1e-12)
        assert f["weight_norm"][l] == pytest.approx(np.linalg.norm(W[0]), rel=1e-12)
        assert f["update_ratio"][l] == pytest.approx(
            np.linalg.norm(deltas[l][0]) / np.linalg.norm(W[0]), rel=1e-12)
        assert f["preact_std"][l] == pytest.approx(p.z[l][0].std(), rel=1e-9)
        assert f["backprop_std"][l] == pytest.approx(p.dz[l][0].std(), rel=1e-9)
    for l in range(3):
        a = p.a[l][0]
        assert f["act_mean"][l] == pytest.approx(a.mean(), rel=1e-9, abs=1e-15)
        assert f["act_std"][l] == pytest.approx(a.std(), rel=1e-9)
        assert f["saturated_frac"][l] == np.mean(np.abs(a) >= 0.9)  # 5% of tanh's range
        assert f["inactive_frac"][l] == np.mean(1 - a * a == 0)
        assert f["dead_frac"][l] == 0.0
        assert f["distinct_units"][l] == 6
        units = np.vstack([Ws[l][0], bs[l][0][None, :]]).T  # one row per unit
        spread = np.sqrt(np.sum((units - units.mean(axis=0)) ** 2) / np.sum(units ** 2))
        assert f["unit_spread"][l] == pytest.approx(spread, rel=1e-12)
    # The output layer has no activation: those fields are NaN, not made up.
    assert np.isnan(f["act_mean"][-1]) and np.isnan(f["saturated_frac"][-1])


def test_measure_relu_dead_units():
    p, Ws, bs, act = one_pass(act_name="relu")
    Ws[0][0, :, 2] = 0
    bs[0][0, 2] = -1.0  # unit 3 of layer 1 is never active
    act = activations.get("relu")
    X = p.h[0]
    y = np.zeros(X.shape[0], int)
    p = network.backward(network.forward(Ws, bs, X, y, act, "bce", True), Ws, act)
    params = network.pack(Ws, bs)[0]
    out = telemetry.measure(p, params, network.sizes_of(Ws), None, act.bounds)[0]
    dead = out[0, FIELDS.index("dead_frac")]
    assert dead == pytest.approx(np.mean((p.df[0][0] == 0).all(axis=0)))
    assert dead >= 1 / 6
    assert out[0, FIELDS.index("update_ratio")] == 0.0  # step 0: no update
    # ReLU's zero half is inactive, not saturated: it has no bound to be pinned near.
    assert out[0, FIELDS.index("inactive_frac")] == np.mean(p.df[0][0] == 0) > 1 / 6
    assert out[0, FIELDS.index("saturated_frac")] == 0.0


def test_trainer_step0_telemetry_is_the_first_batch_before_any_update():
    t = Trainer(validate({"depth": 2, "width": 5, "batch_size": 0}))
    steps, lay, _ = t.record.arrays()
    assert steps.tolist() == [0]
    d = t.data
    p = network.backward(network.forward(t.Ws, t.bs, d.X_train, d.y_train, t.act, "bce", True),
                         t.Ws, t.act)
    grad = lay[0, 0, :, FIELDS.index("grad_norm")]
    np.testing.assert_allclose(grad, [np.linalg.norm(g) for g in p.dW], rtol=1e-12)
    assert (lay[0, 0, :, FIELDS.index("update_ratio")] == 0).all()


def test_sq_norms():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(telemetry.sq_norms(a), [np.sum(a[0] ** 2), np.sum(a[1] ** 2)])


def test_a_dead_tanh_unit_is_counted_where_the_rest_is_healthy():
    """tanh units die only when saturated to exactly ±1 on the whole batch; measure skips
    the dead-unit check where too few values are saturated, and must not skip this one."""
    p, Ws, bs, act = one_pass(batch=50)
    bs[1][0, 4] = 50.0  # tanh(z) rounds to exactly 1 for z > 19.1
    X, y = p.h[0], np.zeros(50, int)
    p = network.backward(network.forward(Ws, bs, X, y, act, "bce", True), Ws, act)
    params = network.pack(Ws, bs)[0]
    out = telemetry.measure(p, params, network.sizes_of(Ws), None, act.bounds)[0]
    dead = out[:, FIELDS.index("dead_frac")]
    assert dead[1] == pytest.approx(1 / 6)
    assert dead[0] == 0.0 and dead[2] == 0.0
    assert out[1, FIELDS.index("saturated_frac")] >= 1 / 6


# ------------------------------------------------------------------ the meters on crafted layers


def crafted(A, bounds):
    """saturated() of one layer's outputs A (B, units), as measure calls it."""
    return telemetry.saturated(np.asarray(A, float)[None, None], bounds)[0, 0]


def test_saturation_is_outputs_pinned_near_a_bound():
    sig = activations.get("sigmoid").bounds
    assert crafted([[0.03, 0.5], [0.97, 0.5]], sig) == 0.5  # Glorot & Bengio's top layer
    assert crafted([[0.0501, 0.9499]], sig) == 0.0
    tanh = activations.get("tanh").bounds
    assert crafted([[0.9, -0.95, 0.5, 0.0]], tanh) == 0.5
    elu = activations.get("elu").bounds  # a floor only: -1
    assert crafted([[-0.96, -0.94, 100.0]], elu) == pytest.approx(1 / 3)
    for name in ("relu", "linear", "gelu", "swish", "leaky_relu"):
        assert crafted([[-1e9, 0.0, 1e9]], activations.get(name).bounds) == 0.0


def test_the_glorot_bengio_top_layer_reads_saturated_and_layer_one_does_not():
    """Their figure 2: by step 2,000 the top sigmoid layer sits near 0; the first does not."""
    from core import lessons
    t = Trainer(lessons.builtin()["glorot_bengio_sigmoid"].config).run(2000)
    sat = t.record.layers[-1][0][:-1, Field.saturated_frac]
    assert sat[-1] > 0.5 and sat[0] < 0.1, sat


def test_unit_spread_reads_copies_near_copies_and_random_units():
    zeros = Trainer(validate(init="zeros", depth=2)).record.layers[0][0]
    assert (zeros[:-1, Field.unit_spread] == 0).all()
    random = Trainer(validate(init="he_normal", depth=2, width=64)).record.layers[0][0]
    assert (random[1:-1, Field.unit_spread] > 0.9).all()  # zero-mean units: about 1
    near = Trainer(validate(init="constant", init_params={"value": 0.3}, dropout=0.1,
                            depth=3, batch_size=0)).run(300).record.layers[-1][0]
    assert (near[:-1, Field.distinct_units] == 8).all()  # the exact count says distinct ...
    assert (near[:-1, Field.unit_spread] < 0.05).all()  # ... the spread says near-copies


def test_a_tiny_spread_about_a_large_mean_is_not_read_as_zero():
    """E[x²] - E[x]² cancels to 0 for values equal to nine digits; measured about the mean
    they keep their true spread."""
    x = (1e4 + 1e-6 * np.arange(8.0))[None, None, :]
    mean, std = telemetry._moments(x)
    assert std[0, 0] == pytest.approx(np.std(x), rel=1e-6) and std[0, 0] > 0


def test_the_update_ratio_is_not_fooled_by_a_layers_weight_scale():
    """A healthy He ReLU net: layer 1 (fan_in 2, so large weights) moves by a small share of
    its weights, the output layer (few, small weights) by a large one; neither is vanishing
    against the other, and no layer's update is vanishing in its first steps."""
    t = Trainer(validate(activation="relu", init="he_normal", depth=6, width=512)).run(10)
    _, lay, _ = t.record.arrays(1)
    ratios = lay[:, 0, :, Field.update_ratio]  # (steps, layers)
    for step in ratios:
        assert "vanishing" not in telemetry.flow_state(step, "update_ratio"), step
    # What the old rule (100x below the output layer's) called vanishing, some of the time:
    assert (ratios[:, 0] < ratios[:, -1] / 100).any()
    low, high = telemetry.flow_band(ratios[-1], "update_ratio")
    assert (low, high) == telemetry.UPDATE_BAND
    assert telemetry.flow_state([1e-7, 1e-3, 0.5, 0.0], "update_ratio") == [
        "vanishing", "ok", "exploding", "zero"]
