"""Chart text a reader can read: no note cut at the figure's edge, none running into a title
or off the bottom, and colour bars whose numbers carry the digits they mean (issue 24).

Plotly neither wraps an annotation nor keeps it inside the figure: a note longer than its
chart is cut where the figure ends ("exactly 0, so not drawn on a log scale: layer 1,
layer 2, layer 3," and nothing after). The figures are drawn as narrow as NARROW_PX (a phone,
or two charts side by side beside the sidebar at 1280 px), so every line of a note must fit
its share of that width at its font, in the app and on a projector (viz.style.projected).
"""

import numpy as np
import pandas as pd
import pytest

from core.config import validate
from core.trainer import Trainer
from viz import boundary, compare_figures, distributions, landscape_figures, style, training

WIDTH_PX, MARGIN_PX, EM = 330, 80, 0.56  # the narrowest chart, its side margins, a character


@pytest.fixture(autouse=True)
def validate_figures(monkeypatch):
    monkeypatch.setattr(style, "VALIDATE", True)


@pytest.fixture(scope="module")
def deep_zeros():
    """30 layers of zeros: every hidden gradient exactly 0, every layer copies."""
    return Trainer(validate({"init": "zeros", "depth": 30, "width": 4, "batch_size": 0,
                             "n_samples": 100})).run(3)


def _shown(text: str) -> str:
    import re
    return re.sub(r"<[^>]*>", "", text)


def assert_notes_fit(fig, width_px=WIDTH_PX):
    """Every line of every paper note fits its share of a chart ``width_px`` wide (the
    narrowest it is drawn) at its font, and the margin it stands in holds all its lines."""
    lay = fig.to_plotly_json()["layout"]
    margin = lay["margin"]
    for a in lay.get("annotations", []):
        if a.get("xref", "paper") != "paper" or not a.get("text"):
            continue
        font = (a.get("font") or {}).get("size") or lay.get("font", {}).get("size") or 13
        share = style.note_share(a)
        for line in a["text"].split("<br>"):
            px = len(_shown(line)) * EM * font
            room = (width_px - MARGIN_PX) * share
            assert px <= room, f"{_shown(line)!r}: {px:.0f} px of text in {room:.0f}"
        tall = (a["text"].count("<br>") + 1) * font * 1.3
        if a.get("y", 0.5) >= 1 and a.get("yanchor") == "bottom":
            assert margin["t"] >= tall + a.get("yshift", 0), a["text"]
        if a.get("y", 0.5) <= 0 and a.get("yanchor") == "top":
            assert margin["b"] >= tall - a.get("yshift", 0), a["text"]


def both(fig, key=False):
    """(figure, narrowest width) as the app draws it and as the presenter view does: on its
    first screen (``key``) or below it."""
    width = style.KEY_PX if key else style.PROJECTED_PX
    return (fig, WIDTH_PX), (style.projected(fig, width_px=width), width)


def test_exact_zeros_in_30_layers_are_named_in_full_on_every_chart(deep_zeros):
    layers, _ = deep_zeros.frames()
    lines = training.layer_lines(layers, "grad_norm", depth=30)
    heat = training.gradflow_heatmap(layers, "grad_norm", depth=30)
    sym = training.symmetry_figure(layers, 4, 30)
    for fig in (lines, heat, sym):
        text = " ".join(_shown(a.text.replace("<br>", " ")) for a in fig.layout.annotations)
        assert "layers 1–30" in text, text
        for f, width in both(fig):
            assert_notes_fit(f, width)


@pytest.mark.parametrize("key_below", [False, True])
def test_the_gradient_bars_key_is_never_cut(deep_zeros, key_below):
    latest = deep_zeros.frames()[0].query("step == step.max()")
    fig = training.gradflow_bars(latest, "grad_norm", depth=30, key_below=key_below)
    text = _shown(fig.layout.annotations[0].text.replace("<br>", " "))
    assert text.endswith("(vs the output layer)") or key_below
    for f, width in both(fig, key=key_below):
        assert_notes_fit(f, width)


def test_every_note_of_the_other_charts_fits(deep_zeros):
    layers, _ = deep_zeros.frames()
    step0 = layers[(layers.step == 0) & (layers.member == 0)].sort_values("layer")
    figs = [distributions.theory_figure(step0, step0, 30),
            distributions.histograms_figure(deep_zeros.snapshot(), 30),
            training.similarity_figure(np.full((4, 4), np.nan), 1)]
    slope = {"a": np.linspace(-1, 1, 5), "b": np.linspace(-1, 1, 5),
             "loss": np.full((5, 5), 0.6931), "centre_loss": 0.6931,
             "directions": {"symmetric": True, "slope_d2": 1e-17,
                            "titles": ["symmetric", "symmetry-breaking"]}}
    figs.append(landscape_figures.slice_figure(slope))
    for fig in figs:
        for f, width in both(fig):
            assert_notes_fit(f, width)


def test_a_wrapped_note_keeps_every_word():
    text = "exactly 0, so not drawn on a log scale: " + ", ".join(
        f"layer {k}" for k in range(1, 31))
    note = style.note(text, font=dict(size=12))
    assert note["text"].replace("<br>", " ") == text
    assert max(len(line) for line in note["text"].split("<br>")) <= style.fits(12, 0.99)


def test_layer_lists_are_short():
    assert style.layer_list(range(1, 32), 30) == "layers 1–30 and output"
    assert style.layer_list([2], 5) == "layer 2"
    assert style.layer_list([1, 3, 5, 6, 7], 9) == "layers 1, 3 and 5–7"
    assert style.layer_list([6], 5) == "output"


# ---------------------------------------------------------------- colour bars


def ticks_read(trace, flat_value=None):
    """A colour bar either formats its ticks (significant digits) or names its one value."""
    bar = trace.colorbar
    if flat_value is None:
        assert bar.tickformat and bar.tickformat.endswith("~g") or bar.tickvals is not None
        return
    assert list(bar.tickvals) == [pytest.approx(flat_value)]
    assert len(bar.ticktext[0]) <= 8 and float(bar.ticktext[0]) == pytest.approx(
        flat_value, rel=1e-3)
    assert trace.zmin < flat_value < trace.zmax


def test_a_flat_gradient_heatmap_names_its_value_not_17_digits():
    frame = pd.DataFrame([{"layer": k, "step": s, "member": 0, "grad_norm": 0.855}
                          for k in (1, 2) for s in range(5)])
    fig = training.gradflow_heatmap(frame, "grad_norm", depth=1)
    ticks_read(fig.data[0], np.log10(0.855))
    frame["grad_norm"] = np.linspace(0.1, 10, len(frame))
    ticks_read(training.gradflow_heatmap(frame, "grad_norm", depth=1).data[0])


def test_a_flat_loss_map_names_its_value():
    z = np.full((3, 6), np.log(2)) + np.arange(18).reshape(3, 6) * 1e-12
    fig = compare_figures.sweep_heatmap(z, "init", list("abcdef"), "depth", [1, 2, 3],
                                        "final_train_loss")
    ticks_read(fig.data[0], np.log(2))
    z = np.linspace(0.69310, 0.69318, 18).reshape(3, 6)
    fig = compare_figures.sweep_heatmap(z, "init", list("abcdef"), "depth", [1, 2, 3],
                                        "final_train_loss")
    assert fig.data[0].colorbar.tickformat == ".6~g"  # 0.69310 and 0.69318 told apart


def test_a_flat_landscape_and_regression_surface_name_their_value():
    flat = {"a": np.linspace(-1, 1, 5), "b": np.linspace(-1, 1, 5),
            "loss": np.full((5, 5), 0.0679954854807569564), "directions": {}}
    ticks_read(landscape_figures.slice_figure(flat).data[0], 0.0679954854807569564)
    snap = {"grid_axis": np.linspace(-1, 1, 4), "classification": False,
            "output_map": np.full((4, 4), -0.0679954854807569564)}
    data = Trainer(validate({"dataset": "plane", "depth": 1, "width": 2})).data
    ticks_read(boundary.boundary_figure(snap, data).data[0], -0.0679954854807569564)


def test_gradient_lines_at_step_0_get_a_decade_not_a_sliver():
    """At step 0 (one point a line, all near one value) Plotly's own log range was so
    narrow that its tick read "046940745", cut at the margin."""
    frame = pd.DataFrame([{"layer": k, "step": 0, "member": 0, "grad_norm": 0.3 + 1e-9 * k}
                          for k in (1, 2, 3)])
    y = training.layer_lines(frame, "grad_norm", depth=2).layout.yaxis
    assert y.range[1] - y.range[0] == pytest.approx(1.0)
    assert y.range[0] < np.log10(0.3) < y.range[1]


# ---------------------------------------------------------------- Sweep's maps and Compare's


def cell_numbers(fig):
    return [a for a in fig.layout.annotations if a.xref != "paper"]


@pytest.mark.parametrize("value", ["final_train_loss", "backprop_ratio", "trained_fraction"])
def test_a_sweep_maps_numbers_fit_their_cells(value):
    """Six maps' columns of "0.693" at 9 px ran together at 1280 px ("0.6930.693"), and
    were 9 px on a projector. Each number now fits its cell of the narrowest map, and in
    the presenter view is at least 18 px (no colour bar: the numbers say it)."""
    rng = np.random.default_rng(0)
    z = rng.uniform(0.01, 0.7, (6, 6)) if value != "backprop_ratio" else 10.0 ** rng.uniform(
        -9, 0, (6, 6))
    labels = ["glorot_uniform", "glorot_normal", "lecun_normal", "he_uniform", "he_normal",
              "orthogonal"]
    depths = [5, 10, 20, 30, 40, 50]
    for present, width in ((False, compare_figures.MAP_PX),
                           (True, compare_figures.PRESENT_MAP_PX)):
        fig = compare_figures.sweep_heatmap(z, "init", labels, "depth", depths, value,
                                            width_px=width, present=present)
        numbers = cell_numbers(fig)
        assert len(numbers) == 36
        size = numbers[0].font.size
        cell = (width - 70 - 16) / 6
        assert max(style.text_em(a.text) for a in numbers) * size <= cell - 3
        assert fig.data[0].showscale is False  # the numbers say it
        if present:
            assert size >= style.PROJECTOR_FONT
            assert min(a.font.size for a in cell_numbers(style.projected(fig))) == size
        else:
            assert 8 <= size <= 12


def test_a_map_too_fine_for_numbers_says_hover():
    z = np.full((8, 8), 2e-12)  # "2e-12" in each of 8 columns, at 18 px
    fig = compare_figures.sweep_heatmap(z, "x", list(range(8)), "y", list(range(8)),
                                        "backprop_ratio", present=True,
                                        width_px=compare_figures.PRESENT_MAP_PX)
    assert not cell_numbers(fig) and fig.data[0].showscale is not False
    assert "hover a cell" in " ".join(a.text for a in fig.layout.annotations)


def test_compare_small_multiples_at_30_layers_keep_their_plots_and_titles_apart():
    """At 30 layers a 31-entry legend took the figure (plots about 60 px); on a phone the
    panels' titles ran into each other. The colours' rule in one note instead, and a least
    width (layout.meta.min_width) that holds every title, past which a phone scrolls."""
    rows = []
    labels = ["zeros", "random_normal(stddev=0.05)", "glorot_uniform", "he_normal"]
    for column, label in enumerate(labels):
        for layer in range(1, 32):
            for step in (0, 10):
                rows.append({"column": column, "label": label, "depth": 30, "width": 8,
                             "layer": layer, "step": step, "value": 0.1 * layer})
    fig = compare_figures.gradient_multiples(pd.DataFrame(rows))
    assert fig.layout.showlegend is False
    assert any("colour: layer 1 dark" in a.text.replace("<br>", " ")
               for a in fig.layout.annotations)
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_px >= 0.6 * fig.layout.height
    titles = [a for a in fig.layout.annotations if a.xanchor == "center" and a.y == 1.0]
    least = fig.layout.meta["min_width"]
    panel = (least - 70) / len(titles)
    for title in titles:
        assert len(_shown(title.text)) * 12 * EM * 1.1 <= panel, title.text
