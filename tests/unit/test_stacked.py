"""Columns in lockstep (core.compare): stacks, equality with single runs, status.

That one member of a stack equals its own single-network run is tested in test_trainer.py
(test_member_equals_its_single_run); here the same holds through the Compare engine, where
columns and seeds share stacks and columns of other shapes get Trainers of their own.
"""

import numpy as np
import pytest

from core import budget, compare
from core.compare import Comparison, Lockstep
from core.config import validate
from core.telemetry import Metric, distinct_units
from core.trainer import Trainer
from tests.configs import stack

SHARED = {"depth": 2, "width": 6, "batch_size": 16, "dropout": 0.1, "n_samples": 120,
          "data_seed": 3, "train_seed": 4, "init_seed": 10}
COLUMNS = [
    {"init": "zeros", "init_params": {}},
    {"init": "he_normal", "init_params": {}, "lr": 0.05},
    {"init": "he_normal", "init_params": {}, "activation": "relu"},  # its own Trainer
    {"init": "glorot_uniform", "init_params": {}, "depth": 3},  # and this one too
]


def comparison(shared=SHARED, columns=COLUMNS, seeds=2) -> Comparison:
    base = validate(shared)
    return Comparison(base, [base.replace(**c) for c in columns], seeds)


@pytest.fixture(scope="module")
def lockstep():
    return Lockstep(comparison()).run(12)


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
        alone = Trainer(validate({**SHARED, **COLUMNS[column],
                                  "init_seed": SHARED["init_seed"] + k}))
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
    run = Lockstep(comparison({**SHARED, "activation": "relu", "depth": 6, "width": 32},
                              [explode, {"init": "he_normal", "init_params": {}}], seeds=3))
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
    seeds = met[:, place.members, Metric.train_loss]
    np.testing.assert_allclose(c1["median"], np.median(seeds, axis=1))
    np.testing.assert_allclose(c1["lo"], seeds.min(axis=1))
    layers = lockstep.layer_curves("grad_norm")
    assert set(layers[layers["column"] == 3]["layer"]) == {1, 2, 3, 4}
    assert (layers[(layers["column"] == 0) & (layers["layer"] <= 2)]["value"] == 0).all()


def test_final_table_has_one_row_per_column(lockstep):
    table = lockstep.final_table()
    assert list(table["configuration"]) == lockstep.labels
    assert table.loc[0, "symmetric"] == "2/2" and table.loc[0, "layer 1 ‖∂L/∂W‖"] == 0


def test_reset_starts_the_identical_runs_again():
    run = Lockstep(comparison(columns=COLUMNS[:2], seeds=1)).run(5)
    after_five = [W.copy() for W in run.trainers[0].Ws]
    run.reset()
    assert run.step == 0 and run.generation == 2
    run.run(5)
    for a, b in zip(after_five, run.trainers[0].Ws, strict=True):
        np.testing.assert_array_equal(a, b)


def test_labels_say_what_differs():
    shared = validate(SHARED)
    assert compare.label(shared.replace(**COLUMNS[2]), shared) == "he_normal · activation relu"
    cfg = shared.replace(init="random_normal", init_params={"stddev": 0.05})
    assert compare.label(cfg, shared) == "random_normal(stddev=0.05)"


def test_seeds_and_columns_are_checked():
    with pytest.raises(ValueError, match="seeds"):
        comparison(columns=COLUMNS[:2], seeds=33)
    with pytest.raises(ValueError, match="columns"):
        comparison(columns=COLUMNS[:1], seeds=1)
    with pytest.raises(ValueError, match="data_seed"):  # shared by every column
        comparison(columns=[COLUMNS[0], {**COLUMNS[1], "data_seed": 9}], seeds=1)


def test_the_work_of_every_column_and_seed_is_capped_together():
    big = comparison({**SHARED, "depth": 8, "width": 64, "batch_size": 128, "n_samples": 1000},
                     COLUMNS[:2], seeds=32)
    with pytest.raises(budget.LimitError, match="seeds") as info:
        budget.check_stack(list(big.columns), big.seeds, budget.DEFAULT_CAPS)
    assert "2 columns × 32 seeds" in str(info.value)
    budget.check_stack(list(big.columns), 1, budget.DEFAULT_CAPS)


# ------------------------------------------------------------------ symmetric stacks


def test_distinct_units_of_a_mixed_stack_match_each_member_alone():
    """A stack of symmetric (zeros, constant) and random members: the vectorised symmetric
    case must agree with the member-by-member exact count."""
    members = [{"init": "zeros", "init_params": {}}, {"init": "he_normal", "init_params": {}},
               {"init": "constant", "init_params": {"value": 0.3}},
               {"init": "ones", "init_params": {}}]
    t = Trainer(*stack({"depth": 3, "width": 8, "batch_size": 0},
                       [{**m, "init_seed": k} for k, m in enumerate(members)])).run(5)
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


def test_a_stop_pauses_every_column_there_with_a_record_and_survives_a_reset():
    # A class assignment's steps (ui/class_seat.py): the students' Compare runs pause at
    # them, and each column's result is read from a record of that very step.
    run = Lockstep(comparison(seeds=1))
    run.stop_at([0, 37])  # 0 is no stop: every run starts there
    assert run.stops == {37} and not run.stopped
    for t in run.trainers:
        t.record_every = 25  # as a playing page raises it
    run.run(30).run(30)
    assert run.step == 37 and run.stopped
    assert all(t.step == 37 and t.record.steps[-1] == 37 for t in run.trainers)
    run.run(5)  # Play again: on past the stop
    assert run.step == 42 and not run.stopped
    run.reset()
    assert run.stops == {37} and all(t.record_at == {37} for t in run.trainers)
    run.run(100)
    assert run.step == 37
