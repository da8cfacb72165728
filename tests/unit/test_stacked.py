"""Columns in lockstep (core.compare): stacks, equality with single runs, status, the URL.

That one member of a stack equals its own single-network run is tested in test_trainer.py
(test_member_equals_its_single_run); here the same holds through the Compare engine, where
columns and seeds share stacks and columns of other shapes get Trainers of their own.
"""

import numpy as np
import pytest

from core import compare, limits, settings
from core.telemetry import distinct_units
from core.trainer import Trainer

SHARED = {"depth": 2, "width": 6, "batch_size": 16, "dropout": 0.1, "n_samples": 120,
          "data_seed": 3, "train_seed": 4, "init_seed": 10}
COLUMNS = [
    {"init": "zeros", "init_params": {}},
    {"init": "he_normal", "init_params": {}, "lr": 0.05},
    {"init": "he_normal", "init_params": {}, "activation": "relu"},  # its own Trainer
    {"init": "glorot_uniform", "init_params": {}, "depth": 3},  # and this one too
]


@pytest.fixture(scope="module")
def lockstep():
    return compare.Lockstep(SHARED, COLUMNS, seeds=2).run(12)


def test_columns_that_differ_only_per_member_share_a_stack(lockstep):
    assert len(lockstep.trainers) == 3
    assert lockstep.places[0].trainer == lockstep.places[1].trainer
    assert len({lockstep.places[c].trainer for c in (0, 2, 3)}) == 3
    assert lockstep.trainers[lockstep.places[0].trainer].n_members == 4  # 2 columns x 2 seeds
    assert compare.group_columns(lockstep.configs) == [[0, 1], [2], [3]]


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_each_column_and_seed_equals_its_single_run(lockstep, column):
    place = lockstep.places[column]
    record = lockstep.trainers[place.trainer].record
    steps, lay, met = record.arrays()
    for k in range(2):
        alone = Trainer({**SHARED, **COLUMNS[column], "init_seed": SHARED["init_seed"] + k})
        alone.run(12)
        s1, lay1, met1 = alone.record.arrays()
        m = place.members.start + k
        assert np.array_equal(steps, s1)
        np.testing.assert_allclose(lay[:, m], lay1[:, 0], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(met[:, m], met1[:, 0], rtol=1e-10, atol=1e-13)


def test_lockstep_same_data_batches_and_step(lockstep):
    first = lockstep.trainers[0]
    for t in lockstep.trainers[1:]:
        assert t.step == first.step == lockstep.step == 12
        assert np.array_equal(t.data.X_train, first.data.X_train)
        assert np.array_equal(t._order, first._order)  # the same batch order


def test_zeros_column_has_exactly_zero_hidden_gradients_and_is_symmetric(lockstep):
    assert np.array_equal(lockstep.hidden_grad_norms(0), np.zeros(2))
    assert np.all(lockstep.hidden_grad_norms(1) > 0)
    assert lockstep.status(0)["symmetric"] == 2
    assert lockstep.status(1)["symmetric"] == 0
    assert lockstep.status(1)["diverged"] == 0


def test_diverging_seeds_are_counted_per_column():
    explode = {"init": "random_normal", "init_params": {"stddev": 5.0}, "lr": 10.0}
    run = compare.Lockstep({**SHARED, "activation": "relu", "depth": 6, "width": 32},
                           [explode, {"init": "he_normal", "init_params": {}}], seeds=3)
    run.run(30)
    assert run.status(0)["diverged"] == 3 and run.status(1)["diverged"] == 0
    assert all(w["step"] >= 1 for w in run.status(0)["diverged_at"])
    finals = run.final_losses()
    assert finals[finals["column"] == 0]["train_loss"].isna().all()
    assert finals[finals["column"] == 1]["train_loss"].notna().all()


def test_spread_median_and_bands():
    values = np.array([[1.0, 2.0, 3.0, 4.0, np.nan]])
    med, lo, hi = compare.spread(values, "minmax")
    assert (med[0], lo[0], hi[0]) == (2.5, 1.0, 4.0)
    med, lo, hi = compare.spread(values, "iqr")
    assert (lo[0], hi[0]) == (np.percentile([1, 2, 3, 4], 25), np.percentile([1, 2, 3, 4], 75))
    with pytest.raises(ValueError, match="band"):
        compare.spread(values, "range")


def test_curves_and_layer_curves_are_medians_over_seeds(lockstep):
    curves = lockstep.curves("train_loss", "minmax")
    c1 = curves[curves["column"] == 1]
    place = lockstep.places[1]
    _, _, met = lockstep.trainers[place.trainer].record.arrays()
    seeds = met[:, place.members, 0]
    np.testing.assert_allclose(c1["median"], np.median(seeds, axis=1))
    np.testing.assert_allclose(c1["lo"], seeds.min(axis=1))
    layers = lockstep.layer_curves("grad_norm")
    assert set(layers[layers["column"] == 3]["layer"]) == {1, 2, 3, 4}
    assert (layers[(layers["column"] == 0) & (layers["layer"] <= 2)]["value"] == 0).all()


def test_final_table_has_one_row_per_column(lockstep):
    table = lockstep.final_table()
    assert list(table["configuration"]) == lockstep.labels
    assert table.loc[0, "symmetric"] == "2/2" and table.loc[0, "layer 1 ‖∂L/∂W‖"] == 0


def test_tick_runs_within_a_slot_and_waits_without_one():
    run = compare.Lockstep(SHARED, COLUMNS[:2], seeds=1)
    assert run.tick(5, slots=limits.TrainingSlots(1)) == 5 and not run.waiting
    full = limits.TrainingSlots(1)
    with full.hold():
        assert run.tick(5, slots=full) == 0 and run.waiting
    with full.hold():
        assert run.advance(10, slots=full) == 0 and run.waiting
    assert run.advance(10, slots=full) == 10 and not run.waiting
    run.reset()
    assert run.step == 0


def test_labels_say_what_differs():
    assert compare.label(compare.column_config(SHARED, COLUMNS[2]), settings.validate(SHARED)
                         ) == "he_normal · activation relu"
    cfg = compare.column_config(SHARED, {"init": "random_normal",
                                         "init_params": {"stddev": 0.05}})
    assert compare.label(cfg, settings.validate(SHARED)) == "random_normal(stddev=0.05)"


def test_seeds_columns_and_caps_are_checked():
    with pytest.raises(ValueError, match="seeds"):
        compare.Lockstep(SHARED, COLUMNS[:2], seeds=33)
    with pytest.raises(ValueError, match="columns"):
        compare.Lockstep(SHARED, COLUMNS[:1], seeds=1)
    big = {**SHARED, "depth": 8, "width": 64, "batch_size": 128, "n_samples": 1000}
    with pytest.raises(limits.LimitError, match="seeds"):
        compare.Lockstep(big, COLUMNS[:2], seeds=32)


# ------------------------------------------------------------------ the URL


def test_url_round_trip():
    columns = [{"init": "zeros", "init_params": {}},
               {"init": "random_normal", "init_params": {"stddev": 0.2}, "activation": "relu"},
               {"init": "he_normal", "init_params": {}, "lr": 0.5}]
    query = compare.to_query({**SHARED}, columns, 7, "iqr")
    assert query["c1.init"] == "zeros" and query["c2.init.stddev"] == "0.2"
    assert query["c2.activation"] == "relu" and query["seeds"] == "7"
    parsed = compare.from_query(query)
    assert parsed.errors == [] and parsed.seeds == 7 and parsed.band == "iqr"
    assert parsed.shared == settings.validate(SHARED)
    for given, got in zip(columns, parsed.columns, strict=True):
        assert compare.column_config(parsed.shared, got) == compare.column_config(
            parsed.shared, given)


def test_url_with_two_columns_named():
    parsed = compare.from_query({"c1.init": "zeros", "c2.init": "he_normal"})
    assert [c["init"] for c in parsed.columns] == ["zeros", "he_normal"]
    assert parsed.errors == []


@pytest.mark.parametrize("query, words", [
    ({"c1.init": "nope"}, ["column 1", "init", "'nope'"]),
    ({"cols": "9"}, ["cols", "2 to 6"]),
    ({"seeds": "0"}, ["seeds", "1 to 32"]),
    ({"seeds": "abc"}, ["seeds"]),
    ({"band": "x"}, ["band", "minmax"]),
    ({"c2.width": "0"}, ["column 2", "width", "1 to 512"]),
    ({"c9.init": "zeros"}, ["column 9", "does not exist"]),
    ({"c1.frobnicate": "1"}, ["c1.frobnicate", "unknown"]),
    ({"c1.init.stddev": "-1"}, ["column 1", "stddev"]),
    ({"depth": "nan"}, ["depth"]),
    ({"init": "zeros"}, ["per column"]),
    ({"depth": "64", "width": "512", "seeds": "32"}, ["cap"]),
])
def test_bad_url_entries_are_named_and_defaults_used(query, words):
    parsed = compare.from_query(query)
    text = " ".join(parsed.errors)
    assert all(w in text for w in words), text
    assert compare.MIN_COLUMNS <= len(parsed.columns) <= compare.MAX_COLUMNS
    for column in parsed.columns:
        compare.column_config(parsed.shared, column)  # every column is usable


# ------------------------------------------------------------------ symmetric stacks


def test_distinct_units_of_a_mixed_stack_match_each_member_alone():
    """A stack of symmetric (zeros, constant) and random members: the vectorised symmetric
    case must agree with the member-by-member exact count."""
    members = [{"init": "zeros", "init_params": {}}, {"init": "he_normal", "init_params": {}},
               {"init": "constant", "init_params": {"value": 0.3}},
               {"init": "ones", "init_params": {}}]
    t = Trainer({"depth": 3, "width": 8, "batch_size": 0},
                members=[{**m, "init_seed": k} for k, m in enumerate(members)]).run(5)
    Ws, bs = [W.copy() for W in t.Ws], [b.copy() for b in t.bs]
    Ws[1][3, :, :4] += 1e-3  # member 3, layer 2: two groups of identical units
    stacked = distinct_units(Ws, bs)
    for m in range(len(members)):
        alone = distinct_units([W[m:m + 1] for W in Ws], [b[m:m + 1] for b in bs])
        assert np.array_equal(stacked[:, m], alone[:, 0])
    assert list(stacked[:3, 0]) == [1, 1, 1] and list(stacked[:3, 2]) == [1, 1, 1]
    assert stacked[1, 3] == 2 and list(stacked[:3, 1]) == [8, 8, 8]
    tiny = [W.copy() for W in Ws]
    tiny[0][2, 0, 1] += 1e-13  # constant 0.3: far below 1e-9 relative, still one unit
    assert distinct_units(tiny, bs)[0, 2] == 1
    tiny[0][2, 0, 1] += 1e-6  # and far above it: two
    assert distinct_units(tiny, bs)[0, 2] == 2
