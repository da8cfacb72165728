"""core.sweep: axes, the grid, stacks, the gradient ratio, the trained rule, a tiny sweep."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from core import budget, config, datasets, sweep
from core.config import validate
from core.telemetry import Field
from core.trainer import Trainer

BASE = config.validate({"width": 6, "n_samples": 120, "batch_size": 16, "lr": 0.3,
                          "data_seed": 2, "train_seed": 3, "init_seed": 5})


def tiny_spec(**extra):
    return sweep.Spec(BASE, sweep.Axis("init", ("zeros", "he_normal")),
                      sweep.Axis("depth", (1, 2)), seeds=2, steps=25, **extra)


@pytest.fixture(scope="module")
def tiny():
    return sweep.SweepRun(tiny_spec()).run_all()


# ------------------------------------------------------------------ axes and grid


def test_parse_axis_reads_values():
    assert sweep.parse_axis("depth", "5, 10,20").values == (5, 10, 20)
    assert sweep.parse_axis("init_scale", "0.5 1 2").values == (0.5, 1.0, 2.0)
    assert sweep.parse_axis("init", "zeros,he_normal").labels == ["zeros", "he_normal"]


@pytest.mark.parametrize("name, text, words", [
    ("depth", "5, 65", "depth.*out of range"),
    ("init", "zeros, nope", "init.*'nope'"),
    ("lr", "0.1, 0.1", "repeats"),
    ("width", "1,2,3,4,5,6,7,8,9", "1 to 8"),
    ("width", " , ", "1 to 8"),
    ("dropout", "0.1", "axis.*dropout"),
])
def test_parse_axis_refuses_naming_what_is_wrong(name, text, words):
    with pytest.raises(ValueError, match=words):
        sweep.parse_axis(name, text)


def test_cells_cover_the_grid_row_by_row():
    cells = sweep.cells(tiny_spec())
    assert [(c.row, c.col) for c in cells] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [(c.config.depth, c.config.init) for c in cells] == [
        (1, "zeros"), (1, "he_normal"), (2, "zeros"), (2, "he_normal")]


def test_an_initializer_axis_brings_its_own_default_parameters():
    base = BASE.replace(init="random_normal", init_params={"stddev": 1.0})
    cfg = sweep.cells(sweep.Spec(base, sweep.Axis("init", ("random_uniform",)),
                                 sweep.Axis("depth", (2,))))[0].config
    assert cfg.init_params == {"minval": -0.05, "maxval": 0.05}


def test_cells_refuse_same_axis_bad_counts_and_caps():
    with pytest.raises(ValueError, match="both are depth"):
        sweep.Spec(BASE, sweep.Axis("depth", (1,)), sweep.Axis("depth", (2,)))
    with pytest.raises(ValueError, match="seeds"):
        sweep.cells(dataclasses.replace(tiny_spec(), seeds=0))
    with pytest.raises(ValueError, match="steps"):
        sweep.cells(dataclasses.replace(tiny_spec(), steps=10**6))
    wide = sweep.Spec(BASE, sweep.Axis("width", (512,)), sweep.Axis("depth", (8, 64)))
    with pytest.raises(budget.LimitError, match="cell width=512, depth=8"):
        sweep.cells(wide)
    long = sweep.Spec(config.validate({**BASE.as_dict(), "width": 32, "batch_size": 32}),
                      sweep.Axis("depth", (30, 40, 50)), sweep.Axis("lr", (0.1, 0.2, 0.3)),
                      seeds=8, steps=5000)
    with pytest.raises(budget.LimitError, match="whole sweep"):
        sweep.cells(long)


def test_presets_are_valid_sweeps_within_the_default_caps():
    for preset in sweep.PRESETS.values():
        spec = preset.spec()
        assert len(sweep.cells(spec)) == len(spec.x.values) * len(spec.y.values) == 36
    eoc = sweep.PRESETS["edge_of_chaos"].spec()
    assert eoc.base.activation == "tanh" and eoc.base.bias_init == "zeros"
    assert eoc.base.init_params["distribution"] == "untruncated_normal"
    assert 1.0 in eoc.x.values and eoc.x.name == "init_scale"
    relu = sweep.PRESETS["relu_stall"].spec()
    assert {"glorot_uniform", "he_normal"} <= set(relu.x.values) and 30 in relu.y.values


def test_plan_stacks_cells_of_one_shape_and_respects_the_cap():
    spec = sweep.Spec(BASE, sweep.Axis("init_scale", (0.5, 1.0, 2.0)),
                      sweep.Axis("depth", (1, 2)), seeds=2, steps=5)
    cells = sweep.cells(spec)
    stacks = sweep.plan(cells, 2)
    assert [[(c.row, c.col) for c in s] for s in stacks] == [
        [(0, 0), (0, 1), (0, 2)], [(1, 0), (1, 1), (1, 2)]]
    per_cell = budget.step_work(cells[0].config, 2)
    small = dataclasses.replace(budget.DEFAULT_CAPS, step_work=budget.Cap(2 * per_cell // 5))
    assert [len(s) for s in sweep.plan(cells, 2, small)][:2] == [2, 1]


# ------------------------------------------------------------------ the baseline and the rule


def test_baseline_is_the_constant_guess_loss():
    data = datasets.make("circle", 200, 0.1, 0.3, 0)
    assert sweep.baseline_loss(data, "bce") == pytest.approx(math.log(2))
    assert sweep.baseline_loss(data, "mse") == pytest.approx(1.0)  # mean((0 - ±1)²)
    plane = datasets.make("plane", 200, 0.1, 0.3, 0)
    assert sweep.baseline_loss(plane, "mse") == pytest.approx(np.var(plane.y_train))
    assert sweep.baseline_for(BASE) == pytest.approx(math.log(2))


def test_trained_rule():
    frame = pd.DataFrame({"final_train_loss": [0.1, 0.62, 0.63, np.nan, 0.1],
                          "baseline_loss": [math.log(2)] * 5,
                          "diverged": [False, False, False, True, True]})
    assert list(sweep.trained(frame, 0.9)) == [True, True, False, False, False]
    assert list(sweep.trained(frame, 0.1)) == [False] * 5
    with pytest.raises(ValueError, match="threshold"):
        sweep.trained(frame, 1.5)


# ------------------------------------------------------------------ a tiny sweep


def test_tiny_sweep_rows_and_summary(tiny):
    frame = tiny.frame()
    assert len(frame) == 4 * 2 and tiny.finished and tiny.progress == 1.0
    assert list(frame.columns[:6]) == ["row", "col", "depth", "init", "seed", "init_seed"]
    summary = tiny.summary(0.9)
    assert len(summary) == 4
    zeros = summary[summary["init"] == "zeros"]
    # Zeros: no gradient reaches any weight (0/0: no ratio), the error signal at layer 1 is
    # exactly 0, and nothing trains.
    assert zeros["grad_ratio"].isna().all() and (zeros["backprop_ratio"] == 0).all()
    assert (zeros["trained_fraction"] == 0).all()
    assert (zeros["final_train_loss"] - math.log(2)).abs().max() < 1e-3
    grid = sweep.grid(summary, tiny.spec, "trained_fraction")
    assert grid.shape == (2, 2) and np.isnan(sweep.grid(summary.iloc[:1], tiny.spec,
                                                          "grad_ratio")[1, 1])


def test_tiny_sweep_equals_single_runs(tiny):
    """Each cell and seed of the stacked sweep is the run a single Trainer would make."""
    frame = tiny.frame()
    for _, row in frame[frame["init"] == "he_normal"].iterrows():
        cfg = {**BASE.as_dict(), "init": "he_normal", "init_params": {}, "depth": int(row["depth"]),
               "init_seed": int(row["init_seed"]), "record_every": 25}
        alone = Trainer(validate(cfg)).run(25)
        first = alone.record.layers[0][0]
        g = Field.grad_norm
        assert row["grad_ratio"] == pytest.approx(first[0, g] / first[-1, g], rel=1e-10)
        assert row["final_train_loss"] == pytest.approx(alone.record.metrics[-1][0, 0],
                                                        rel=1e-10)
        trained = alone.record.metrics[-1][0, 0] < 0.9 * math.log(2)
        assert bool(sweep.trained(frame.loc[[_]], 0.9).iloc[0]) == trained


def test_trained_fraction_counts_seeds(tiny):
    frame = tiny.frame()
    summary = tiny.summary(0.9)
    for _, cell in summary.iterrows():
        seeds = frame[(frame["row"] == cell["row"]) & (frame["col"] == cell["col"])]
        expected = np.mean(seeds["final_train_loss"] < 0.9 * math.log(2))
        assert cell["trained_fraction"] == pytest.approx(expected)


def test_advance_is_bounded_and_cancel_stops():
    spec = sweep.Spec(BASE.replace(width=32), sweep.Axis("lr", (0.1, 0.2)),
                      sweep.Axis("depth", (6, 8)), seeds=4, steps=5000)
    run = sweep.SweepRun(spec)
    run.advance(0.05)
    assert 0 < run.progress < 1 and not run.done
    before = run.progress
    run.advance(0.05)
    assert run.progress >= before
    run.cancel()
    assert run.done and not run.finished
    run.advance(1.0)  # does nothing once cancelled
    assert run.frame().empty or len(run.frame()) < 8


def test_diverged_seeds_count_as_not_trained():
    base = config.validate({**BASE.as_dict(), "activation": "relu", "width": 32, "lr": 10.0,
                              "init": "random_normal", "init_params": {"stddev": 3.0}})
    spec = sweep.Spec(base, sweep.Axis("depth", (8,)), sweep.Axis("lr", (10.0,)), seeds=2,
                      steps=20)
    run = sweep.SweepRun(spec).run_all()
    summary = run.summary()
    assert summary.loc[0, "diverged"] == 2 and summary.loc[0, "trained_fraction"] == 0
    assert np.isnan(summary.loc[0, "final_train_loss"])


@pytest.mark.slow
@pytest.mark.parametrize("key", ["relu_stall"])
def test_a_presets_words_hold_on_its_own_sweep(key):
    """What a preset's look-for says of its maps is what its sweep gives (about 45 s of
    one core for relu_stall): its text once said He kept training to 50 layers, where
    its own map showed He at 0 % trained at depth 50."""
    preset = sweep.PRESETS[key]
    assert preset.claims, "its look-for quotes its maps: each phrase needs its Claim"
    summary = sweep.SweepRun(preset.spec()).run_all().summary()
    for claim in preset.claims:
        assert claim.says in preset.text + " " + preset.look_for, claim.says
        assert claim.holds(summary), f"{key}: not so on its sweep: {claim.says}"
