"""The trainer: divergence handling, reproducibility from seeds, stacked members."""

import numpy as np
import pytest

from core import config, network, telemetry
from core.config import validate
from core.telemetry import FIELDS
from core.trainer import Trainer
from tests.configs import stack

EXPLODE = {"init": "random_normal", "init_params": {"stddev": 5.0}, "activation": "relu",
           "depth": 30, "width": 64, "lr": 1.0}


# ------------------------------------------------------------------ divergence


def test_divergence_is_flagged_and_last_finite_weights_kept():
    t = Trainer(validate(EXPLODE)).run(20)
    assert t.status == "diverged"
    where = t.diverged_at[0]
    assert type(where["step"]) is int and type(where["layer"]) is int
    assert 1 <= where["step"] <= t.step
    assert 1 <= where["layer"] <= EXPLODE["depth"] + 1
    assert where["phase"] in ("forward", "backward", "update", "loss")
    assert all(np.isfinite(W).all() for W in t.Ws)
    assert all(np.isfinite(b).all() for b in t.bs)
    assert not t.alive.any()
    # A fully diverged run stops stepping, and running it more changes nothing.
    assert t.step == where["step"]
    Ws = [W.copy() for W in t.Ws]
    t.run(5)
    assert t.step == where["step"]
    assert all(np.array_equal(a, b) for a, b in zip(Ws, t.Ws, strict=True))


def test_diverged_steps_are_nan_in_the_telemetry():
    t = Trainer(validate(EXPLODE)).run(20)
    steps, lay, met = t.record.arrays()
    bad = t.diverged_at[0]["step"]
    assert np.isnan(lay[steps >= bad]).all() and np.isnan(met[steps >= bad]).all()
    assert np.isfinite(met[0]).all() and np.isfinite(lay[0, 0, :, :2]).all()


def test_one_diverged_member_does_not_stop_the_others():
    good = {"init": "glorot_uniform", "init_params": {}}
    t = Trainer(*stack(EXPLODE, [{}, good])).run(10)
    assert t.diverged_at[0] is not None and t.diverged_at[1] is None
    assert t.status == "diverged" and t.step == 10
    steps, lay, met = t.record.arrays()
    assert np.isfinite(met[:, 1, :2]).all()
    assert np.isnan(met[-1, 0]).all()


def test_ordinary_run_is_ok():
    t = Trainer(validate({"steps": 10})).run(10)
    assert t.status == "ok" and t.diverged_at == [None] and t.step == 10


# ------------------------------------------------------------------ reproducibility

CFG = {"depth": 3, "width": 8, "dropout": 0.1, "batch_size": 16, "optimizer": "adam",
       "lr": 0.01, "data_seed": 3, "init_seed": 4, "train_seed": 5}


def test_same_seeds_bit_identical():
    a, b = Trainer(validate(CFG)).run(30), Trainer(validate(CFG)).run(30)
    for x, y in zip(a.record.arrays(), b.record.arrays(), strict=True):
        assert np.array_equal(x, y, equal_nan=True)
    assert all(np.array_equal(x, y) for x, y in zip(a.Ws, b.Ws, strict=True))
    # Step-by-step running is the same run as one call.
    c = Trainer(validate(CFG))
    for _ in range(6):
        c.run(5)
    assert all(np.array_equal(x, y, equal_nan=True)
               for x, y in zip(a.record.arrays(), c.record.arrays(), strict=True))


def test_init_seed_changes_weights_not_data():
    a, b = Trainer(validate(CFG)), Trainer(validate({**CFG, "init_seed": 99}))
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(a.data, name), getattr(b.data, name))
    assert all(not np.array_equal(x, y) for x, y in zip(a.Ws, b.Ws, strict=True))


def test_data_seed_changes_data_not_weights():
    a, b = Trainer(validate(CFG)), Trainer(validate({**CFG, "data_seed": 99}))
    assert not np.array_equal(a.data.X_train, b.data.X_train)
    assert all(np.array_equal(x, y) for x, y in zip(a.Ws, b.Ws, strict=True))


def test_train_seed_changes_only_the_trajectory():
    a, b = Trainer(validate(CFG)), Trainer(validate({**CFG, "train_seed": 99}))
    assert all(np.array_equal(x, y) for x, y in zip(a.Ws, b.Ws, strict=True))
    a.run(5), b.run(5)
    assert not np.array_equal(a.Ws[0], b.Ws[0])


def test_layer_override_leaves_other_layers_draws():
    a = Trainer(validate({"depth": 3, "init": "he_normal"}))
    b = Trainer(validate(depth=3, init="he_normal", layer_inits={2: ("orthogonal", {"gain": 2})}))
    assert np.array_equal(a.Ws[0], b.Ws[0]) and np.array_equal(a.Ws[2], b.Ws[2])
    W = b.Ws[1][0]
    np.testing.assert_allclose(W.T @ W, 4 * np.eye(W.shape[1]), atol=1e-10)


# ------------------------------------------------------------------ stacked members

BASE = {"depth": 3, "width": 16, "dropout": 0.1, "batch_size": 32, "data_seed": 1,
        "train_seed": 2}
MEMBER_SETS = {
    "seeds": [{"init_seed": k} for k in range(4)],
    "mixed": [
        {"init_seed": 0, "init": "he_normal", "lr": 0.05},
        {"init_seed": 1, "init": "orthogonal", "init_params": {"gain": 1.5}, "l2": 0.01},
        {"init_seed": 2, "init": "zeros", "lr": 0.2},
        {"init_seed": 3, "init_scale": 2.0, "momentum": 0.5,
         "bias_init": "torch_default"},
    ],
}


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("which", MEMBER_SETS)
def test_member_equals_its_single_run(which, optimizer):
    members = MEMBER_SETS[which]
    base = {**BASE, "optimizer": optimizer}
    stacked = Trainer(*stack(base, members)).run(20)
    steps, lay, met = stacked.record.arrays()
    assert lay.shape == (21, 4, 4, len(FIELDS))
    for m, member in enumerate(members):
        alone = Trainer(validate({**base, **member})).run(20)
        s1, lay1, met1 = alone.record.arrays()
        assert np.array_equal(steps, s1)
        np.testing.assert_allclose(lay[:, m], lay1[:, 0], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(met[:, m], met1[:, 0], rtol=1e-10, atol=1e-13)
        for W, W1 in zip(stacked.Ws, alone.Ws, strict=True):
            np.testing.assert_allclose(W[m], W1[0], rtol=1e-10, atol=1e-13)


def test_members_must_share_the_rest():
    with pytest.raises(ValueError, match="depth"):
        Trainer(*stack(BASE, [{}, {"depth": 2}]))
    with pytest.raises(ValueError, match="lsuv"):
        Trainer(*stack(BASE, [{"init": "lsuv"}, {}]))


def test_set_lr_checks_and_applies():
    t = Trainer(*stack(BASE, [{"init_seed": 0}, {"init_seed": 1}]))
    t.set_lr([0.5, 0.25])
    assert [m.lr for m in t.members] == [0.5, 0.25]
    with pytest.raises(ValueError, match="lr"):
        t.set_lr(100.0)


def test_snapshot_and_predict_shapes():
    t = Trainer(validate({"depth": 2, "width": 8})).run(3)
    snap = t.snapshot(grid_size=10, max_units=3)
    assert len(snap["preacts"]) == 3 and snap["preacts"][0].shape[1] == 8
    assert snap["unit_maps"][0].shape == (3, 10, 10)
    assert snap["output_map"].shape == (10, 10)
    p = t.predict(t.data.X_test)
    assert p.shape == (len(t.data.y_test),) and ((0 <= p) & (p <= 1)).all()


def test_record_every():
    t = Trainer(validate({"record_every": 4})).run(10)
    assert t.record.steps == [0, 4, 8]


def test_settings_steps_unused_by_trainer_but_validated():
    assert config.validate({"steps": 5}).steps == 5


# ------------------------------------------------------------------ flat parameters


def test_weights_are_views_into_one_flat_array_updated_in_place():
    t = Trainer(*stack({**BASE, "depth": 3, "width": 8}, [{"init_seed": k} for k in (1, 2, 3)]))
    for W, b in zip(t.Ws, t.bs, strict=True):
        assert np.shares_memory(W, t.params) and np.shares_memory(b, t.params)
    before = [W.copy() for W in t.Ws]
    t.run(1)
    # Each layer moved, through the same views: nothing was rebound.
    for W, W0 in zip(t.Ws, before, strict=True):
        assert np.shares_memory(W, t.params) and not np.array_equal(W, W0)
    assert t.params.size == network.n_params(t.sizes) * 3


def test_layer_groups_are_views_of_consecutive_equal_layers():
    sizes = network.layer_sizes(2, 4, 5, 1)
    rng = np.random.default_rng(0)
    Ws = [rng.normal(size=(3, a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(size=(3, b)) for b in sizes[1:]]
    flat, W_views, b_views = network.pack(Ws, bs)
    groups = network.layer_groups(flat, sizes)
    assert [(first, W.shape[1]) for first, W, _ in groups] == [(0, 1), (1, 3), (4, 1)]
    for first, W, b in groups:
        assert np.shares_memory(W, flat) and np.shares_memory(b, flat)
        for k in range(W.shape[1]):
            np.testing.assert_array_equal(W[:, k], Ws[first + k])
            np.testing.assert_array_equal(b[:, k], bs[first + k])
    np.testing.assert_array_equal(
        telemetry.layer_sq_norms(flat, sizes),
        [[np.dot(W[m].ravel(), W[m].ravel()) for m in range(3)] for W in Ws])


def test_a_snapshot_does_not_change_when_training_goes_on():
    t = Trainer(validate({**BASE, "dropout": 0.0}))
    snap = t.snapshot(grid_size=4)
    kept = [W.copy() for W in snap["weights"]]
    t.run(3)
    assert all(np.array_equal(a, b) for a, b in zip(kept, snap["weights"], strict=True))
    assert not np.array_equal(kept[0], t.Ws[0][0])
