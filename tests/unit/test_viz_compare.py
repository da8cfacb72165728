"""viz.compare: the Compare and Sweep figures, tested on their data (traces, axes, scales).

Plotly's validation is on here (the app skips it for speed), so a misspelt property fails.
"""

import numpy as np
import pytest

from core import compare
from core.config import validate
from viz import compare_figures as figures
from viz import style

SHARED = {"depth": 2, "width": 6, "n_samples": 120, "batch_size": 16}


def lockstep(columns, seeds):
    shared = validate(SHARED)
    return compare.Lockstep(compare.Comparison(shared, [shared.replace(**c) for c in columns],
                                               seeds))


@pytest.fixture(autouse=True)
def validate_figures():
    before = style.VALIDATE
    style.VALIDATE = True
    yield
    style.VALIDATE = before


@pytest.fixture(scope="module")
def run():
    columns = [{"init": "zeros", "init_params": {}}, {"init": "he_normal", "init_params": {}},
               {"init": "glorot_uniform", "init_params": {}, "depth": 3}]
    return lockstep(columns, seeds=3).run(15)


def of_type(fig, kind):
    return [t for t in fig.data if t.type == kind]


def test_validation_is_on():
    with pytest.raises(ValueError):
        style.figure([dict(type="scatter", x=[1], colour="red")], {})


def test_loss_figure_has_a_median_and_a_band_per_configuration(run):
    fig = figures.loss_figure(run.curves("train_loss", "iqr"), "inter-quartile range")
    medians = [t for t in of_type(fig, "scatter") if t.fill != "toself"]
    bands = [t for t in of_type(fig, "scatter") if t.fill == "toself"]
    assert [t.name for t in medians] == run.labels
    assert len({t.line.color for t in medians}) == 3
    assert [t.line.color for t in medians] == list(figures.CONFIG_COLOURS[:3])
    # Zeros' seeds all sit at ln 2 with no spread: no band to draw for it.
    assert len(bands) == 2
    he = run.curves("train_loss", "iqr").query("column == 1")
    np.testing.assert_allclose(medians[1].y, he["median"])
    assert len(bands[0].x) == 2 * len(he)
    assert fig.layout.yaxis.type == "linear"
    assert fig.layout.xaxis.title.text == "step"
    assert figures.loss_figure(run.curves(), log_y=True).layout.yaxis.type == "log"


def test_one_seed_draws_no_band():
    one = lockstep([{"init": "he_normal", "init_params": {}},
                    {"init": "glorot_uniform", "init_params": {}}], seeds=1)
    fig = figures.loss_figure(one.run(5).curves())
    assert not [t for t in fig.data if t.fill == "toself"]


def test_gradient_multiples_one_log_panel_per_configuration(run):
    frame = run.layer_curves("grad_norm")
    fig = figures.gradient_multiples(frame)
    for i, suffix in enumerate(["", "2", "3"]):
        assert fig.layout[f"yaxis{suffix}"].type == "log"
        assert fig.layout[f"xaxis{suffix}"].domain[0] < fig.layout[f"xaxis{suffix}"].domain[1]
        panel = [t for t in fig.data if t.xaxis == f"x{suffix}"]
        assert len(panel) == run.configs[i].depth + 1  # one line per layer
    assert fig.layout.yaxis2.matches == "y"  # one scale for all: magnitudes compare
    # Zeros under tanh: every layer's weight gradient is exactly 0 (the hidden activations
    # are 0, so even the output layer's is): nothing to draw on a log axis, and it says so.
    zeros = [t for t in fig.data if t.xaxis == "x"]
    assert all(np.isnan(np.asarray(t.y, dtype=float)).all() for t in zeros)
    notes = [a for a in fig.layout.annotations if "all exactly 0" in a.text]
    assert len(notes) == 1 and notes[0].xref == "x domain"
    he = [t for t in fig.data if t.xaxis == "x2"]
    assert all(np.nanmin(np.asarray(t.y, dtype=float)) > 0 for t in he)
    assert any(run.labels[1] in a.text for a in fig.layout.annotations)


def test_distinct_multiples_hidden_layers_on_a_linear_axis(run):
    fig = figures.distinct_multiples(run.layer_curves("distinct_units"))
    assert fig.layout.yaxis.type == "linear" and tuple(fig.layout.yaxis.range) == (0, 6.5)
    zeros = [t for t in fig.data if t.xaxis == "x"]
    assert len(zeros) == 2 and all(set(t.y) == {1.0} for t in zeros)
    deep = [t for t in fig.data if t.xaxis == "x3"]
    assert len(deep) == 3 and all(set(t.y) == {6.0} for t in deep)


def test_thumbnails_one_map_per_configuration(run):
    snaps = [run.snapshot(c, grid_size=12) for c in range(3)]
    fig = figures.thumbnails_figure(snaps, run.labels, run.trainers[0].data)
    maps = of_type(fig, "heatmap")
    assert len(maps) == 3 and all(np.asarray(m.z).shape == (12, 12) for m in maps)
    assert [m.xaxis for m in maps] == ["x", "x2", "x3"]
    assert (maps[0].zmin, maps[0].zmax) == (0, 1)
    contours = of_type(fig, "contour")
    assert "x" not in [c.xaxis for c in contours]  # zeros: p = 0.5 everywhere, no line
    assert any("no boundary" in a.text for a in fig.layout.annotations)
    assert len(of_type(fig, "scatter")) == 3
    assert fig.layout.yaxis2.scaleanchor == "x2"


def test_box_figure_leaves_out_diverged_seeds(run):
    finals = run.final_losses()
    finals.loc[(finals["column"] == 1) & (finals["seed"] == 0), "train_loss"] = np.nan
    fig = figures.final_box_figure(finals)
    boxes = of_type(fig, "box")
    assert len(boxes) == 3 and [len(b.x) for b in boxes] == [3, 2, 3]
    assert [b.marker.color for b in boxes] == list(figures.CONFIG_COLOURS[:3])
    assert [b.name.replace("<br>", "") for b in boxes] == list(
        finals.groupby("column")["label"].first())
    assert figures.final_box_figure(finals, log_y=True).layout.xaxis.type == "log"


def test_six_columns_grow_the_loss_chart_by_its_legend_rows_not_shrink_its_plot():
    names = ["zeros", "random_normal(stddev=0.05)", "glorot_uniform", "he_normal",
             "lecun_normal", "truncated_normal(stddev=0.05)"]
    entry, rows = figures.legend_rows(names)
    assert entry >= 7 * len(names[-1]) and rows == len(names) // (figures.LEGEND_PX // entry)
    assert figures.legend_rows(["zeros", "he_normal"])[1] == 1


# ------------------------------------------------------------------ sweep heatmaps


def test_ratio_heatmap_is_log10_centred_on_one():
    z = np.array([[1e-6, 1.0], [0.0, 1e3], [np.nan, 10.0]])
    fig = figures.sweep_heatmap(z, "depth", [1, 2], "lr", ["a", "b", "c"], "grad_ratio")
    (heat,) = of_type(fig, "heatmap")
    shown = np.asarray(heat.z, dtype=float)
    np.testing.assert_allclose(shown[0], [-6, 0])
    assert np.isnan(shown[1, 0]) and np.isnan(shown[2, 0])  # 0 and NaN cannot be drawn
    assert heat.zmin == -6 and heat.zmax == 6  # white stays at a ratio of 1
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["1e-6", "1", "0", "1e3", "–", "10"]
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.title.text == "depth"
    assert list(heat.x) == ["1", "2"] and list(heat.y) == ["a", "b", "c"]


def test_fraction_and_loss_heatmaps():
    z = np.array([[0.0, 0.25], [1.0, np.nan]])
    fig = figures.sweep_heatmap(z, "init", ["zeros", "he"], "depth", [5, 10],
                                "trained_fraction")
    (heat,) = of_type(fig, "heatmap")
    assert (heat.zmin, heat.zmax) == (0, 1)
    assert [a.text for a in fig.layout.annotations] == ["0", "25", "100", "–"]  # per cent
    assert "(%)" in fig.layout.title.text
    colours = [a.font.color for a in fig.layout.annotations]
    assert colours[0] == "#FFFFFF" and colours[2] == "#111111"  # readable on dark and light
    loss = figures.sweep_heatmap(np.array([[0.693, 0.05]]), "x", [1, 2], "y", [1],
                                 "final_train_loss")
    (heat,) = of_type(loss, "heatmap")
    assert heat.reversescale and (heat.zmin, heat.zmax) == (0.05, 0.693)
    assert [a.text for a in loss.layout.annotations] == ["0.69", "0.05"]
    assert list(np.ravel(heat.text)) == ["0.6930", "0.0500"]  # hover: four decimals


def test_a_blowing_up_curve_does_not_squash_the_others(run):
    curves = run.curves()
    assert figures.loss_figure(curves).layout.yaxis.range is None
    wild = curves.copy()
    wild.loc[(wild["column"] == 1) & (wild["step"] > 5), ["median", "hi"]] = 1e200
    fig = figures.loss_figure(wild)
    healthy = wild[wild["column"] != 1][["median", "hi"]].max().max()
    assert tuple(fig.layout.yaxis.range) == (0, pytest.approx(1.15 * healthy))
    assert any("blow up" in a.text for a in fig.layout.annotations)
    assert figures.loss_figure(wild, log_y=True).layout.yaxis.range is None
