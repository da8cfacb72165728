"""Symmetry: all-zeros and constant initialisations never break it; randomness and dropout do.

These are exact facts of the arithmetic, not statistics: units with identical incoming
weights receive identical gradients (up to the order BLAS adds identical numbers), so they
stay identical, and telemetry's distinct_units (1e-9 relative) counts them as one.
"""

import math

import numpy as np
import pytest

from core import network
from core import trainer as trainer_module
from core.config import validate
from core.trainer import Trainer


def hidden(layer_frame, depth):
    return layer_frame[layer_frame["layer"] <= depth]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_zeros_hidden_gradients_exactly_zero(depth):
    t = Trainer(validate({"init": "zeros", "activation": "tanh", "depth": depth})).run(50)
    layer_frame, step_frame = t.frames()
    assert sorted(layer_frame["step"].unique()) == list(range(51))
    assert set(layer_frame["layer"]) == set(range(1, depth + 2))
    h = hidden(layer_frame, depth)
    assert len(h) == 51 * depth
    assert (h["grad_norm"] == 0.0).all()
    # The output layer's bias still learns (minibatches are not balanced), its weights see h = 0.
    out = layer_frame[layer_frame["layer"] == depth + 1]
    assert (out["grad_norm"] == 0.0).all()
    assert np.count_nonzero(t.bs[-1]) > 0


@pytest.mark.parametrize("depth", [1, 4])
def test_zeros_full_batch_loss_stays_ln2(depth):
    cfg = {"init": "zeros", "activation": "tanh", "depth": depth, "batch_size": 0}
    t = Trainer(validate(cfg)).run(100)
    assert t.data.y_train.mean() == 0.5  # the precondition: a balanced binary training set
    _, step_frame = t.frames()
    assert len(step_frame) == 101
    np.testing.assert_allclose(step_frame["train_loss"], math.log(2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(step_frame["test_loss"], math.log(2), rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("depth", [1, 3, 8])
@pytest.mark.parametrize("value", [0.5, -0.3, 1.0])
def test_constant_never_breaks_symmetry(value, depth, activation):
    cfg = {"init": "constant", "init_params": {"value": value}, "activation": activation,
           "depth": depth, "batch_size": 0}
    t = Trainer(validate(cfg)).run(100)
    assert t.status == "ok"
    layer_frame, _ = t.frames()
    h = hidden(layer_frame, depth)
    assert len(h) == 101 * depth
    assert (h["distinct_units"] == 1).all()
    # Not vacuous: tanh units stay alive, so the last hidden layer's weights did move.
    if activation == "tanh":
        assert not np.array_equal(t.Ws[depth - 1], np.full_like(t.Ws[depth - 1], value))


def test_dropout_breaks_symmetry_within_a_few_steps():
    depth = 3
    cfg = {"init": "constant", "init_params": {"value": 0.5}, "activation": "tanh",
           "depth": depth, "batch_size": 0, "dropout": 0.2}
    t = Trainer(validate(cfg)).run(5)
    layer_frame, _ = t.frames()
    h = hidden(layer_frame, depth)
    assert (h[h["step"] == 0]["distinct_units"] == 1).all()
    last = h[h["step"] == 5]
    assert len(last) == depth and (last["distinct_units"] > 1).all()


@pytest.mark.parametrize("init", [
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "orthogonal",
    "random_normal", "random_uniform", "truncated_normal", "kaiming_uniform", "xavier_normal",
    "torch_default", "uniform_1", "lsuv",
])
def test_random_init_makes_every_unit_distinct(init):
    depth, width = 3, 8
    t = Trainer(validate({"init": init, "depth": depth, "width": width}))
    layer_frame, _ = t.frames()
    step0 = hidden(layer_frame, depth)
    assert list(step0["step"]) == [0] * depth
    assert (step0["distinct_units"] == width).all()


def test_frames_shapes_and_columns():
    t = Trainer(validate({"depth": 2, "record_every": 3})).run(10)
    layer_frame, step_frame = t.frames()
    from core.telemetry import FIELDS, STEP_FIELDS

    assert list(layer_frame.columns) == ["member", "step", "layer", *FIELDS]
    assert list(step_frame.columns) == ["member", "step", *STEP_FIELDS]
    assert sorted(step_frame["step"]) == [0, 3, 6, 9]
    assert len(layer_frame) == 4 * 3


def test_lsuv_gives_unit_variance_on_the_probe_batch():
    """Mishkin & Matas: after the trainer's rescaling each layer's Var(z) is 1 (tol 0.01) on
    the batch it was fitted on, the first PROBE_SIZE training points."""
    depth = 5
    t = Trainer(validate({"init": "lsuv", "activation": "tanh", "depth": depth}))
    X = t.data.X_train[:trainer_module.PROBE_SIZE]
    y = t.data.y_train[:trainer_module.PROBE_SIZE]
    p = network.forward(t.Ws, t.bs, X, y, t.act, t.config.loss, t.data.classification)
    assert len(p.z) == depth + 1
    for z in p.z:
        assert abs(z.var() - 1) < 0.01
    # Without the rescaling the plain orthogonal draw is far from unit variance here.
    o = Trainer(validate({"init": "orthogonal", "activation": "tanh", "depth": depth}))
    q = network.forward(o.Ws, o.bs, X, y, o.act, o.config.loss, o.data.classification)
    assert abs(q.z[0].var() - 1) > 0.1


def test_lsuv_per_layer_override_rescales_only_that_layer():
    depth = 4
    base = {"init": "orthogonal", "activation": "tanh", "depth": depth}
    a = Trainer(validate(base))
    b = Trainer(validate({**base, "layer_inits": {3: "lsuv"}}))
    for layer in (0, 1, 3, 4):
        assert np.array_equal(a.Ws[layer], b.Ws[layer])
    ratio = b.Ws[2] / a.Ws[2]  # lsuv's draw is orthogonal's, then scaled by one factor
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-12)
    X = b.data.X_train[:trainer_module.PROBE_SIZE]
    p = network.forward(b.Ws, b.bs, X, b.data.y_train[:trainer_module.PROBE_SIZE], b.act,
                        b.config.loss, True)
    assert abs(p.z[2].var() - 1) < 0.01
