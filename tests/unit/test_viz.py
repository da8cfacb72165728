"""Figure builders, tested on their data: traces, axes and scales, never pixels.

Plotly's property validation is on here (the app skips it for speed), so a misspelt
property fails these tests.
"""

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from core import diagnosis, initializers, telemetry, theory
from core.config import validate
from core.trainer import Trainer
from viz import boundary, distributions, network, style, training


@pytest.fixture(autouse=True)
def validate_figures(monkeypatch):
    monkeypatch.setattr(style, "VALIDATE", True)


@pytest.fixture(scope="module")
def zeros_run():
    return Trainer(validate({"init": "zeros", "depth": 3, "width": 8, "batch_size": 0})).run(30)


@pytest.fixture(scope="module")
def he_run():
    return Trainer(validate({"init": "he_normal", "activation": "relu", "depth": 3, "width": 8,
                    "dataset": "spiral"})).run(30)


def traces_of(fig, kind):
    return [t for t in fig.data if t.type == kind]


def thumbnails(fig, snap, n_units):
    """The pixel blocks of each hidden unit's thumbnail, cut back out of the one image."""
    image = np.asarray(fig.data[0].z)[::-1, :, :3]  # stored bottom row first; RGB of RGBA
    g = len(snap["grid_axis"])
    blocks = []
    for column in range(1, len(snap["unit_maps"]) + 1):
        for i in range(n_units):
            x, y = network.unit_centre(fig, column, i)
            left = int(round((x - network.THUMB / 2 - fig.data[0].x0) / fig.data[0].dx + 0.5))
            top = int(round((fig.layout.meta["y_top"] - (y + network.THUMB / 2))
                            / fig.data[0].dx + 0.5))
            blocks.append(image[top:top + g, left:left + g])
    return blocks


def test_network_paints_every_shown_unit_and_says_what_is_left_out(he_run):
    snap = he_run.snapshot(grid_size=12)
    fig = network.network_figure(snap, depth=3, width=8, max_units=5)
    assert fig.data[0].type == "image"
    blocks = thumbnails(fig, snap, 5)
    assert len(blocks) == 3 * 5 and all(b.shape == (12, 12, 3) for b in blocks)
    assert len({b.tobytes() for b in blocks}) == 15  # random weights: all different
    assert any("5 of 8 units" in a.text for a in fig.layout.annotations)
    links = traces_of(fig, "scatter")
    colours = {t.line.color for t in links}
    assert colours <= {style.POSITIVE, style.NEGATIVE} and len(colours) == 2


def test_network_thumbnails_of_a_zeros_layer_are_identical(zeros_run):
    snap = zeros_run.snapshot(grid_size=10)
    fig = network.network_figure(snap, depth=3, width=8)
    blocks = thumbnails(fig, snap, 8)
    assert all(np.array_equal(b, blocks[0]) for b in blocks)
    assert np.all(blocks[0] == 255)  # tanh(0) = 0 paints white
    assert not traces_of(fig, "scatter")  # zero weights: no links to draw


def test_diverging_colours_run_orange_white_blue():
    rgb = network.diverging_rgb(np.array([-1.0, 0.0, 1.0, np.nan]), -1, 1)
    assert rgb[0].tolist() == [0xE6, 0x9F, 0x00] and rgb[1].tolist() == [255, 255, 255]
    assert rgb[2].tolist() == [0x00, 0x72, 0xB2] and rgb[3].tolist() == [255, 255, 255]


def test_network_leaves_out_links_into_the_output_when_layers_are_hidden(he_run):
    deep = Trainer(validate({"depth": 10, "width": 4})).run(1)
    fig = network.network_figure(deep.snapshot(grid_size=8, max_layers=3), 10, 4,
                                 max_layers=3)
    assert any("showing hidden layers 1–3 of 10, then the output" in a.text
               for a in fig.layout.annotations)
    right_edge = max(x for t in traces_of(fig, "scatter") for x in t.x if x is not None)
    output_x, _ = network.unit_centre(fig, 4, 0)
    assert right_edge < output_x - network.THUMB / 2  # no link reaches the output column


def test_boundary_has_probability_surface_and_both_point_sets(he_run):
    fig = boundary.boundary_figure(he_run.snapshot(grid_size=16), he_run.data)
    heat = traces_of(fig, "heatmap")[0]
    assert (heat.zmin, heat.zmax) == (0, 1)
    names = [t.name for t in traces_of(fig, "scatter")]
    assert names == ["train", "test"]
    assert len(traces_of(fig, "scatter")[0].x) == len(he_run.data.y_train)


def test_loss_figure_has_train_and_test_and_a_log_option(he_run):
    _, steps = he_run.frames()
    fig = training.loss_figure(steps, log_y=True)
    assert [t.name for t in fig.data] == ["train", "test"]
    assert fig.layout.yaxis.type == "log"
    assert list(fig.data[0].x) == list(range(31))


def test_flat_loss_gets_a_readable_range(zeros_run):
    _, steps = zeros_run.frames()
    fig = training.loss_figure(steps)
    lo, hi = fig.layout.yaxis.range
    assert lo < np.log(2) < hi and hi - lo > 0.1


def test_long_runs_are_downsampled_but_keep_the_newest_step():
    steps = np.arange(5000)
    kept = style.thin_steps(steps, 300)
    assert len(kept) <= 301 and kept[0] == 0 and kept[-1] == 4999


def test_gradient_flow_lines_use_a_log_axis_and_name_exact_zeros(zeros_run):
    layers, _ = zeros_run.frames()
    fig = training.layer_lines(layers, "grad_norm", depth=3)
    assert fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data] == ["layer 1", "layer 2", "layer 3", "output"]
    # zeros cannot sit on a log axis: they are gaps, and the figure says why
    assert np.all(np.isnan(np.asarray(fig.data[0].y, float)))
    assert "layers 1–3 and output" in fig.layout.annotations[0].text.replace("<br>", " ")


def test_gradient_flow_heatmap_is_layer_by_step_in_log10(he_run):
    layers, _ = he_run.frames()
    fig = training.gradflow_heatmap(layers, "grad_norm", depth=3)
    z = np.asarray(fig.data[0].z, float)
    assert z.shape == (4, 31)
    expected = np.log10(layers[(layers.step == 5) & (layers.layer == 2)].grad_norm.item())
    assert np.isclose(z[1, 5], expected)


def test_gradient_flow_heatmap_names_its_rows_and_the_layers_that_are_exactly_zero(
        zeros_run):
    layers, _ = zeros_run.frames()
    fig = training.gradflow_heatmap(layers, "grad_norm", depth=3)
    assert list(fig.layout.yaxis.categoryarray) == ["layer 1", "layer 2", "layer 3", "output"]
    assert "layers 1–3 and output" in fig.layout.annotations[0].text.replace("<br>", " ")


def test_gradient_bars_mark_vanishing_and_exploding_against_the_output():
    import pandas as pd
    latest = pd.DataFrame({"layer": [1, 2, 3, 4], "grad_norm": [1e-6, 0.0, 5.0, 1e-2]})
    fig = training.gradflow_bars(latest, "grad_norm", depth=3)
    colours = list(fig.data[0].marker.color)
    assert colours == [style.VANISHING, style.VANISHING, style.EXPLODING, style.HEALTHY]
    assert list(fig.data[1].x) == ["layer 2"]  # the exact zero is marked, not dropped
    assert fig.layout.yaxis.type == "log"


def test_gradient_bars_span_the_healthy_band_so_a_factor_of_two_looks_small():
    import pandas as pd
    latest = pd.DataFrame({"layer": [1, 2, 3], "grad_norm": [0.05, 0.08, 0.1]})
    fig = training.gradflow_bars(latest, "grad_norm", depth=2)
    bottom, top = fig.layout.yaxis.range
    assert bottom <= np.log10(0.1 / telemetry.FLOW_RATIO) and top >= np.log10(
        0.1 * telemetry.FLOW_RATIO)
    # a factor of two is under a tenth of the axis
    assert np.log10(2) < 0.1 * (top - bottom)
    assert sorted(shape.y0 for shape in fig.layout.shapes) == pytest.approx(
        [0.1 / telemetry.FLOW_RATIO, 0.1 * telemetry.FLOW_RATIO])
    assert set(fig.data[0].marker.color) == {style.HEALTHY}


def test_gradient_bars_call_huge_values_exploding_even_when_every_layer_is_huge():
    """Every layer blown up together: none stands out from the output, all are exploding."""
    import pandas as pd
    latest = pd.DataFrame({"layer": [1, 2, 3], "grad_norm": [3e41, 1e42, 2e42]})
    fig = training.gradflow_bars(latest, "grad_norm", depth=2)
    assert set(fig.data[0].marker.color) == {style.EXPLODING}
    assert fig.layout.yaxis.range[1] > np.log10(2e42)


def test_symmetry_meter_shows_one_unit_for_constant_and_width_for_random(zeros_run, he_run):
    for run, expected in ((zeros_run, 1), (he_run, 8)):
        layers, _ = run.frames()
        fig = training.symmetry_figure(layers, 8, 3)
        counts = [t for t in fig.data if t.yaxis in (None, "y")]
        spreads = [t for t in fig.data if t.yaxis == "y2"]
        assert len(counts) == len(spreads) == 3
        assert all(set(np.asarray(t.y, float)) == {expected} for t in counts)
        if expected == 1:  # copies: a spread of exactly 0, which a log axis cannot draw
            assert all(np.isnan(np.asarray(t.y, float)).all() for t in spreads)
            assert any("exactly 0" in a.text for a in fig.layout.annotations)
        else:
            assert all((np.asarray(t.y, float) > 0.5).all() for t in spreads)


def test_similarity_of_all_zero_units_is_undefined_and_said_so(zeros_run):
    """A cosine with a zero vector does not exist: the map marks those cells (grey) and a
    note says why, instead of colouring them 1 (as if the units pointed the same way)."""
    sim = diagnosis.unit_similarity(zeros_run.Ws[1][0], zeros_run.bs[1][0])
    assert np.isnan(sim).all()
    fig = training.similarity_figure(sim, 2)
    assert np.isnan(np.asarray(fig.data[0].z, float)).all()
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1, 1)
    marked = np.asarray(fig.data[1].z, float)
    assert np.all(marked == 0) and fig.data[1].showscale is False
    assert any("cosine undefined" in a.text.replace("<br>", " ")
               for a in fig.layout.annotations)


def test_similarity_marks_only_the_pairs_of_a_zero_unit():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(4, 5)), np.zeros(5)
    W[:, 2] = 0.0
    sim = diagnosis.unit_similarity(W, b)
    assert np.isnan(sim[2]).all() and np.isnan(sim[:, 2]).all()
    rest = np.delete(np.delete(sim, 2, 0), 2, 1)
    assert np.isfinite(rest).all() and np.allclose(np.diag(rest), 1.0)
    fig = training.similarity_figure(sim, 1)
    assert np.count_nonzero(np.isfinite(np.asarray(fig.data[1].z, float))) == 9
    fig = training.similarity_figure(diagnosis.unit_similarity(rng.normal(size=(4, 5)), b), 1)
    assert len(fig.data) == 1 and not fig.layout.annotations


def test_histograms_share_bins_and_sum_to_one(he_run):
    fig = distributions.histograms_figure(he_run.snapshot(), depth=3)
    acts = [t for t in fig.data if t.xaxis == "x"]
    grads = [t for t in fig.data if t.xaxis == "x2"]
    assert len(acts) == len(grads) == 3
    assert all(np.array_equal(acts[0].x, t.x) for t in acts)
    assert all(np.isclose(np.sum(t.y), 1) for t in acts + grads)


def test_saturation_bars_are_fractions(he_run):
    layers, _ = he_run.frames()
    fig = distributions.saturation_figure(layers[layers.step == 30], depth=3)
    assert [t.name.split()[0] for t in fig.data] == ["saturated", "inactive", "dead"]
    assert all(0 <= v <= 1 for t in fig.data for v in t.y)


def test_theory_figure_pairs_prediction_lines_with_measured_markers(he_run):
    snap = he_run.snapshot()
    predicted = theory.predict(snap["weights"], snap["biases"], he_run.data.X_train,
                               he_run.act, top_grad_sq=1e-4)
    layers, _ = he_run.frames()
    fig = distributions.theory_figure(predicted, layers[layers.step == 0], depth=3)
    assert [t.mode for t in fig.data] == ["lines", "markers", "lines", "markers",
                                          "lines+markers", "lines+markers"]  # the legend's
    assert fig.layout.yaxis.type == "log"


def test_theory_figure_draws_the_seed_band_behind_each_quantity(he_run):
    snap = he_run.snapshot()
    predicted = theory.predict(snap["weights"], snap["biases"], he_run.data.X_train,
                               he_run.act, top_grad_sq=1e-4)
    layers, _ = he_run.frames()
    step0 = layers[layers.step == 0]
    band = theory.seed_band(he_run.config, seeds=3)
    fig = distributions.theory_figure(predicted, step0, depth=3, band=band)
    fills = [t for t in fig.data if t.fill == "tonexty"]
    assert len(fills) == 2 and len(fig.data) == 10  # and the two legend entries
    for fill, field in zip(fills, ("preact_std", "backprop_std"), strict=True):
        upper = fig.data[list(fig.data).index(fill) - 1]  # the band's top edge, drawn first
        np.testing.assert_allclose(upper.y, band[f"{field}_high"])
        np.testing.assert_allclose(fill.y, band[f"{field}_low"])
        assert "3 seeds" in fill.name
        assert np.all(np.asarray(fill.y) <= np.asarray(upper.y))
    # The member itself (init seed 0) is one of the seeds: its markers lie inside the band.
    pre = np.asarray(step0.sort_values("layer")["preact_std"])
    assert np.all(pre >= band["preact_std_low"] - 1e-15)
    assert np.all(pre <= band["preact_std_high"] + 1e-15)


def test_theory_figure_says_when_a_measurement_is_exactly_zero(zeros_run, he_run):
    for run, says in ((zeros_run, True), (he_run, False)):
        snap = run.snapshot()
        predicted = theory.predict(snap["weights"], snap["biases"], run.data.X_train,
                                   run.act, top_grad_sq=1e-4)
        layers, _ = run.frames()
        fig = distributions.theory_figure(predicted, layers[layers.step == 0], depth=3)
        assert any("exactly 0" in a.text for a in fig.layout.annotations) == says


def test_weight_histogram_is_a_density_beside_the_initializers(he_run):
    edges, density = theory.init_density("he_normal", {}, (8, 8))
    fig = distributions.weight_histogram_figure(he_run.Ws[1][0], edges, density, 2,
                                                "he_normal")
    bars = fig.data[0]
    assert np.isclose(np.sum(np.asarray(bars.y) * bars.width), 1.0)
    assert fig.data[1].name == "he_normal density"


@pytest.mark.parametrize(("name", "params"), [("glorot_uniform", {}), ("he_uniform", {}),
                                              ("variance_scaling", {"distribution": "uniform"}),
                                              ("kaiming_uniform", {}), ("uniform_0_1", {})])
def test_a_uniform_density_is_drawn_flat(name, params):
    """A uniform is flat: exact from its bounds, drawn as steps down to 0 at its ends (a
    line through 60 sampled bins wobbled by several per cent)."""
    W = initializers.get(name, **params)((32, 32), np.random.default_rng(1))
    edges, density = theory.init_density(name, params, (32, 32))
    assert np.ptp(density) == 0
    a, b = initializers.uniform_bounds(name, params, (32, 32))
    assert (edges[0], edges[-1]) == pytest.approx((a, b))
    assert a <= W.min() and W.max() <= b
    line = distributions.weight_histogram_figure(W, edges, density, 1, name).data[1]
    assert line.line.shape == "hv"
    y = np.asarray(line.y, float)
    assert y[0] == y[-1] == 0 and len(set(y[1:-2])) == 1
    assert list(line.x[:2]) == [edges[0], edges[0]] and line.x[-1] == edges[-1]


def test_a_deep_networks_layer_axis_reads_numbers_not_cut_off_names():
    import pandas as pd
    depth = 10
    latest = pd.DataFrame({"layer": range(1, depth + 2),
                           "grad_norm": np.logspace(-6, 0, depth + 1)})
    axis = training.gradflow_bars(latest, "grad_norm", depth=depth).layout.xaxis
    assert list(axis.ticktext) == [*map(str, range(1, depth + 1)), "out"]
    assert list(axis.tickvals) == [style.layer_name(k, depth) for k in range(1, depth + 2)]
    assert axis.tickangle == 0  # Plotly's own rotation would run past the fixed margins
    shallow = training.gradflow_bars(latest.head(4), "grad_norm", depth=3).layout.xaxis
    assert shallow.ticktext is None  # a few layers keep their names


def test_thirty_layers_label_every_fifth_and_drop_a_legend_that_would_fill_the_chart():
    import pandas as pd
    depth = 30
    latest = pd.DataFrame({"layer": range(1, depth + 2), "grad_norm": np.ones(depth + 1)})
    axis = training.gradflow_bars(latest, "grad_norm", depth=depth).layout.xaxis
    # 30 sits next to "out": the two would run together, so the output keeps the place
    assert list(axis.ticktext) == ["1", "5", "10", "15", "20", "25", "out"]
    frame = pd.DataFrame({"member": 0, "step": np.repeat([0, 1], depth + 1),
                          "layer": np.tile(range(1, depth + 2), 2), "grad_norm": 1.0})
    lines = training.layer_lines(frame, "grad_norm", depth=depth)
    assert lines.layout.showlegend is False
    assert any("layer 1 dark" in a.text for a in lines.layout.annotations)
    few = training.layer_lines(frame[frame.layer <= 4], "grad_norm", depth=3)
    assert few.layout.showlegend is not False and not few.layout.annotations


def test_the_final_table_cells_are_formatted_and_a_missing_figure_is_a_dash():
    import pandas as pd

    from viz import compare_figures
    table = pd.DataFrame({"configuration": ["zeros", "he_normal"], "step": [60, 60],
                          "train loss": [0.693147, np.nan], "test accuracy": [0.5, 0.796],
                          "layer 1 ‖∂L/∂W‖": [0.0, 0.1493], "diverged": ["0/2", "2/2"]})
    cells = compare_figures.table_cells(table)
    assert cells["columns"] == list(table.columns)
    assert cells["rows"] == [["zeros", "60", "0.6931", "50.0%", "0.00e+00", "0/2"],
                             ["he_normal", "60", "–", "79.6%", "1.49e-01", "2/2"]]


def test_a_lone_first_point_is_drawn_as_a_marker_and_then_as_lines(he_run):
    layers, steps = he_run.frames()
    first = training.loss_figure(steps[steps.step == 0])
    assert [t.mode for t in first.data] == ["markers", "markers"]
    assert [t.mode for t in training.loss_figure(steps).data] == ["lines", "lines"]
    lines = training.layer_lines(layers[layers.step == 0], "grad_norm", depth=3)
    assert {t.mode for t in lines.data} == {"markers"}


def test_wrapping_a_note_for_the_projector_never_breaks_inside_a_tag():
    """The gradient bars' key is coloured words in <span style='...'> tags: a break at the
    space inside a tag left Plotly showing the tag as text."""
    latest = Trainer(validate(init="random_normal", init_params={"stddev": 0.01}, depth=10,
                              width=32)).frames()[0].query("step == 0 and member == 0")
    fig = style.projected(training.gradflow_bars(latest, "backprop_std", 10, key_below=True))
    for note in fig.layout.annotations:
        for line in note.text.split("<br>"):
            assert line.count("<") == line.count(">")  # every tag whole on its line
            assert re.fullmatch(r"([^<]|<span style='color:#[0-9A-Fa-f]{6}'>|</span>)*", line)
    assert style._wrap("<span style='color:#123456'>vanishing</span> · ok", 12) == (
        "<span style='color:#123456'>vanishing</span> ·<br>ok")


@pytest.mark.parametrize("decades", [2, 5, 9, 17, 40])
def test_a_projected_log_axis_has_no_more_labels_than_fit(decades):
    """Powers of ten at 18 px with an exponent stand about 40 px high: on a 300 px tall
    plot at most 7 of them, whatever the span."""
    fig = go.Figure(layout=dict(height=430, yaxis=dict(type="log", range=[-decades, 0])))
    out = style.projected(fig, height=430)
    margin = out.layout.margin
    plot_px = 430 - margin.t - margin.b
    labels = decades // out.layout.yaxis.dtick + 1
    assert labels * 2.2 * style.PROJECTOR_FONT <= plot_px + 2.2 * style.PROJECTOR_FONT
    assert out.layout.yaxis.dtick == 1 or (decades // (out.layout.yaxis.dtick - 1) + 1) * (
        2.2 * style.PROJECTOR_FONT) > plot_px  # and no sparser than it must be


def test_an_isometric_spectrum_fills_one_bin_at_one():
    from viz import spectrum_figures

    sv = 1 + np.array([-2e-16, 0, 2e-16, -1e-16] * 8)
    edges = spectrum_figures.log_edges([sv])
    assert np.count_nonzero(spectrum_figures.fractions(sv, edges)) == 1


def test_a_flat_loss_line_is_drawn_around_its_value_not_its_rounding():
    from viz import landscape_figures

    alphas = np.linspace(-0.25, 1.25, 61)
    flat = np.full(61, np.log(2)) + np.r_[0, 1e-17 * np.ones(60)]
    fig = landscape_figures.line_figure({"alphas": alphas, "train_loss": flat,
                                         "test_loss": flat, "step": 3})
    low, high = fig.layout.yaxis.range
    assert low < np.log(2) < high and high - low == pytest.approx(0.1 * np.log(2))


# ---------------------------------------------------------------- phase diagram


def test_phase_diagram_data_critical_line_and_marker():
    from core import phase as core_phase
    from viz import phase_figures as viz_phase

    plane = core_phase.plane("tanh", weight_var=np.linspace(0.5, 3.0, 6),
                             bias_var=np.linspace(0.0, 0.2, 3))
    b = np.linspace(0.0, 0.2, 5)
    w = core_phase.critical_weight_var("tanh", b)
    here = core_phase.point("tanh", 1.69, 0.0)
    fig = viz_phase.phase_diagram(plane, b, w, here=here)
    contour, line, star = fig.data
    assert contour.type == "contour"
    # the colour: ξ_c where finite, else ξ_∇ (the σ_b² = 0 row's ordered side, where
    # correlations freeze and ξ_c is infinite)
    np.testing.assert_allclose(np.asarray(contour.z, float), viz_phase.log_xi(
        np.where(np.isfinite(plane.xi_c), plane.xi_c, plane.xi_grad)))
    assert np.isinf(plane.xi_c[0, 0]) and np.isfinite(contour.z[0][0])
    assert "ξ_c ∞" in contour.text[0][0] and "ξ_∇ 1.44" in contour.text[0][0]
    assert line.line.width >= 4 and np.allclose(line.x, w) and np.allclose(line.y, b)
    assert star.x == (1.69,) and "you are here" in star.hovertext[0]
    assert "ξ_c 34 (correlations), ξ_∇ – (gradients)" in star.hovertext[0]
    labels = {a.text for a in fig.layout.annotations}
    assert labels == {"<b>ordered</b>", "<b>chaotic</b>"}
    far = viz_phase.phase_diagram(plane, b, w, here=core_phase.point("tanh", 9.0, 0.0))
    assert far.layout.xaxis.range[1] > 9.0  # a point off the grid is still shown


def test_sweep_map_draws_the_trainable_depth_line():
    from core import phase as core_phase
    from core import sweep
    from viz import compare_figures as compare

    p = sweep.PRESETS["edge_of_chaos"]
    line = core_phase.sweep_line(p.base, p.x, p.y)
    z = np.full((len(p.y.values), len(p.x.values)), 0.5)
    fig = compare.sweep_heatmap(z, "init_scale", p.x.labels, "depth", p.y.labels,
                                "trained_fraction", line=line)
    heat, theory_line = fig.data
    assert theory_line.xaxis == "x2" and theory_line.yaxis == "y2"
    np.testing.assert_allclose(theory_line.x, line["x"])
    assert list(fig.layout.xaxis2.range) == [-0.5, len(p.x.values) - 0.5]
    assert fig.layout.yaxis2.overlaying == "y"
    plain = compare.sweep_heatmap(z, "init_scale", p.x.labels, "depth", p.y.labels,
                                  "trained_fraction")
    assert len(plain.data) == 1


def test_theory_figure_keeps_its_plot_tall_on_a_30_layer_net():
    """Three lessons ask the class to watch this chart. Its six legend entries took four
    rows of a half-width chart (and scrolled) and squashed the plot to about 70 px, its
    log ticks on top of each other. Two entries at the figure's foot and a key line under
    the title leave the plot most of the figure, in the app and on a projector; the log
    axis labels only as many decades as have room."""
    cfg = validate({"init": "glorot_normal", "activation": "relu", "depth": 30, "width": 32,
                    "batch_size": 32})
    run = Trainer(cfg)
    layers, _ = run.frames()
    step0 = layers[(layers.step == 0) & (layers.member == 0)].sort_values("layer")
    fig = distributions.theory_figure(theory.at_init(run), step0, 30,
                                      band=theory.seed_band(cfg, 3))
    for f, font in ((fig, 13), (style.projected(fig), style.PROJECTOR_FONT)):
        lay = f.layout
        entries = [t for t in f.data if t.showlegend is not False]
        assert len(entries) == 2
        assert lay.legend.yref == "container" and lay.legend.orientation == "h"
        plot_px = lay.height - lay.margin.t - lay.margin.b
        assert plot_px >= 0.5 * lay.height, (plot_px, lay.height)
        lo, hi = lay.yaxis.range
        labels = (hi - lo) / (lay.yaxis.dtick or 1)
        assert plot_px / labels >= 2 * font  # tick labels at least two lines apart
