"""The loss from the first weights: the line θ0 → θ, the filter-normalised slice, the
symmetric directions, python -m core landscape, and the figures (on their data)."""

import json

import numpy as np
import pytest

from core import cli, landscape, network
from core.config import validate
from core.telemetry import Metric
from core.trainer import Trainer
from viz import landscape_figures as vl
from viz import style


@pytest.fixture(autouse=True)
def validate_figures(monkeypatch):
    monkeypatch.setattr(style, "VALIDATE", True)


def trained(steps=60, **settings):
    cfg = validate({"depth": 3, "width": 8, "batch_size": 0, "record_every": 1} | settings)
    return Trainer(cfg).run(steps)


@pytest.fixture(scope="module")
def healthy():
    return trained(150, init="glorot_uniform", activation="tanh", lr=0.3)


def recorded(trainer, metric, index):
    return trainer.record.arrays()[2][index, 0, metric]


# ------------------------------------------------------------------ the line


def test_alphas_hold_0_and_1_exactly():
    a = landscape.ALPHAS
    assert len(a) == 61 and a[0] == -0.25 and a[-1] == 1.25
    assert 0.0 in a and 1.0 in a


@pytest.mark.parametrize("settings", [
    dict(init="glorot_uniform"),
    dict(init="he_normal", activation="relu", dataset="spiral", loss="softmax_ce", l2=0.01),
    dict(init="lsuv", activation="tanh", dataset="plane"),
    dict(init="zeros"),
])
def test_line_ends_are_the_trainers_own_losses(settings):
    t = trained(25, **settings)
    r = landscape.line(t)
    i0, i1 = list(r["alphas"]).index(0.0), list(r["alphas"]).index(1.0)
    for metric, key in ((Metric.train_loss, "train_loss"), (Metric.test_loss, "test_loss")):
        assert abs(r[key][i0] - recorded(t, metric, 0)) <= 1e-12
        assert abs(r[key][i1] - recorded(t, metric, -1)) <= 1e-12
    assert r["step"] == 25


def test_initial_params_are_the_trainers_first_weights():
    cfg = validate(init="he_uniform", depth=2, width=6, init_seed=5)
    t = Trainer(cfg)
    first = t.params[0].copy()
    t.run(10)
    assert np.array_equal(landscape.initial_params(t), first)


def test_training_a_healthy_net_goes_downhill(healthy):
    r = landscape.line(healthy)
    alphas = list(r["alphas"])
    assert r["train_loss"][alphas.index(1.0)] < 0.5 * r["train_loss"][alphas.index(0.0)]


def test_line_between_takes_a_config_and_two_points(healthy):
    problem = landscape.Problem.from_config(healthy.config)
    theta0, theta = landscape.initial_params(healthy), healthy.params[0]
    r = landscape.line_between(problem, theta0, theta, [0.0, 0.5, 1.0])
    assert np.allclose(r["train_loss"], landscape.line(healthy, [0.0, 0.5, 1.0])["train_loss"],
                       rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="alphas"):
        landscape.line_between(problem, theta0, theta, [0.0, np.nan])


def test_chunks_give_the_same_losses_as_one_pass(healthy, monkeypatch):
    whole = landscape.line(healthy)["train_loss"]
    monkeypatch.setattr(landscape, "MEMORY_CAP", 1)  # one member per chunk
    assert landscape.chunk_size(landscape.Problem.of(healthy), 61) == 1
    assert np.allclose(landscape.line(healthy)["train_loss"], whole, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ the slice


def test_slice_centre_is_the_current_loss(healthy):
    s = landscape.slice_2d(healthy, n=7)
    assert s["loss"].shape == (7, 7)
    assert s["a"][3] == 0 and s["b"][3] == 0
    assert abs(s["centre_loss"] - recorded(healthy, Metric.train_loss, -1)) <= 1e-12
    assert s["directions"]["d1"] == s["directions"]["d2"] == "random"
    assert not s["directions"]["symmetric"]
    assert np.all(s["loss"] >= s["centre_loss"] - 0.2)  # a trained point: near a minimum


def test_slice_is_seeded(healthy):
    one, two = (landscape.slice_2d(healthy, n=5, seed=3) for _ in range(2))
    other = landscape.slice_2d(healthy, n=5, seed=4)
    assert np.array_equal(one["loss"], two["loss"])
    assert not np.array_equal(one["d1"], other["d1"])


def test_filter_normalisation_gives_each_filter_thetas_norm(healthy):
    theta, sizes = healthy.params[0], healthy.sizes
    d1, d2, _ = landscape.directions(theta, sizes, seed=1)
    want = landscape.filter_norms(theta, sizes)
    for d in (d1, d2):
        for got, norm in zip(landscape.filter_norms(d, sizes), want, strict=True):
            assert np.allclose(got, norm, rtol=1e-12)


def test_a_zero_filter_gets_norm_1():
    sizes = (2, 3, 1)
    theta = np.zeros(network.n_params(sizes))
    d = landscape.filter_normalise(np.ones_like(theta), theta, sizes)
    for norms in landscape.filter_norms(d, sizes):
        assert np.allclose(norms, 1.0)


@pytest.mark.parametrize("grid", [4, 1, 2.5])
def test_grid_must_be_odd(healthy, grid):
    with pytest.raises(ValueError, match="grid"):
        landscape.slice_2d(healthy, n=grid)


def test_other_restarts_are_projected_onto_the_plane():
    base = validate(depth=2, width=5, batch_size=0)
    members = [base.replace(init_seed=s) for s in range(3)]
    t = Trainer(base, members=members).run(20)
    s = landscape.slice_2d(t, n=5)
    assert s["others"].shape == (2, 3)
    # A point built on the plane has its own coordinates and is 0 off it.
    theta, d1, d2 = t.params[0], s["d1"], s["d2"]
    c = landscape.coordinates(theta + 0.3 * d1 - 0.7 * d2, theta, d1, d2)
    assert np.allclose(c, [[0.3, -0.7, 0.0]], atol=1e-9)


# ------------------------------------------------------------------ symmetry


@pytest.fixture(scope="module")
def zeros_net():
    # Regression data: zeros init is a critical point on balanced classes (every gradient
    # 0), but not on a plane's targets, so the slope along d1 is not 0 there.
    return trained(5, init="zeros", dataset="plane")


def units_identical(v, sizes):
    Ws, bs = network.flat_views(v[None], list(sizes))
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        if layer < len(Ws) - 1:
            assert np.all(W[0] == W[0][:, :1]) and np.all(b[0] == b[0][0])
        if layer > 0:
            assert np.all(W[0] == W[0][:1, :])
    return True


def test_zeros_init_is_symmetric_and_glorot_is_not(zeros_net, healthy):
    assert landscape.is_symmetric(zeros_net.params[0], zeros_net.sizes)
    assert not landscape.is_symmetric(healthy.params[0], healthy.sizes)
    assert landscape.is_symmetric(trained(10, init="constant", init_params={"value": 0.3}
                                          ).params[0], (2, 8, 8, 8, 1))
    assert not landscape.can_be_symmetric((2, 1, 1))


def test_zeros_init_directions_keep_and_break_the_symmetry(zeros_net):
    theta, sizes = zeros_net.params[0], zeros_net.sizes
    d1, d2, kinds = landscape.directions(theta, sizes, seed=0)
    assert kinds == ("symmetric", "symmetry_breaking")
    assert units_identical(theta + 0.5 * d1, sizes)  # d1: every unit moves alike
    assert abs(d2 @ d1) <= 1e-12 * np.linalg.norm(d1) * np.linalg.norm(d2)
    assert np.allclose(landscape.symmetrise(d2, sizes), 0, atol=1e-14)  # d2 ⊥ S
    assert not landscape.is_symmetric(theta + 0.5 * d2, sizes)


def test_zeros_init_slope_along_the_symmetry_breaking_direction_is_0(zeros_net):
    s = landscape.slice_2d(zeros_net, n=9)
    d = s["directions"]
    assert d["symmetric"] and (d["d1"], d["d2"]) == ("symmetric", "symmetry_breaking")
    assert d["titles"] == ["symmetric direction", "symmetry-breaking direction"]
    assert abs(d["slope_d2"]) <= 1e-12
    assert abs(d["slope_d1"]) > 1e-6
    assert abs(s["centre_loss"] - recorded(zeros_net, Metric.train_loss, -1)) <= 1e-12
    # the finite difference agrees with the gradient along both directions
    problem, theta, h = landscape.Problem.of(zeros_net), zeros_net.params[0], 1e-5
    for d_vec, slope in ((s["d1"], d["slope_d1"]), (s["d2"], d["slope_d2"])):
        up, down = landscape.evaluate(problem, lambda i, j, dv=d_vec: np.stack(
            [theta + h * dv, theta - h * dv])[i:j], 2, zeros_net.data.X_train,
            zeros_net.data.y_train)
        assert abs((up - down) / (2 * h) - slope) <= 1e-7


def test_constant_init_slope_along_d2_is_0_on_classes():
    t = trained(20, init="constant", init_params={"value": 0.3})
    d = landscape.slice_2d(t, n=5)["directions"]
    assert d["symmetric"] and abs(d["slope_d2"]) <= 1e-12 and abs(d["slope_d1"]) > 1e-6


# ------------------------------------------------------------------ command line


def run_main(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(path):
    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(path.read_text(), parse_constant=reject)


def test_cli_line_json(capsys, tmp_path):
    out = tmp_path / "line.json"
    code, stdout, err = run_main(capsys, "landscape", "--steps", "12", "--depth", "2",
                                 "--width", "4", "--out", str(out))
    assert code == 0, err
    doc = strict_json(out)
    assert set(doc) == {"config", "step", "alphas", "train_loss", "test_loss"}
    assert doc["step"] == 12 and doc["config"]["depth"] == 2
    assert len(doc["alphas"]) == len(doc["train_loss"]) == len(doc["test_loss"]) == 61
    assert doc["alphas"][10] == 0.0 and doc["alphas"][50] == 1.0


def test_cli_slice_json(capsys, tmp_path):
    out = tmp_path / "slice.json"
    code, _, err = run_main(capsys, "landscape", "--kind", "slice", "--init", "zeros",
                            "--dataset", "plane", "--steps", "3", "--depth", "2", "--width",
                            "4", "--out", str(out))
    assert code == 0, err
    doc = strict_json(out)
    assert {"config", "step", "a", "b", "loss", "directions"} <= set(doc)
    assert len(doc["loss"]) == len(doc["b"]) == 21 and len(doc["loss"][0]) == len(doc["a"])
    assert doc["directions"]["d2"] == "symmetry_breaking"
    assert abs(doc["directions"]["slope_d2"]) <= 1e-12


def test_cli_writes_non_finite_losses_as_null(capsys, tmp_path, monkeypatch):
    assert landscape._json([1.0, np.nan, [np.inf, -np.inf, 2]]) == [1.0, None, [None, None, 2.0]]
    real = landscape.line

    def overflowing(trainer, *args, **kwargs):
        out = real(trainer, *args, **kwargs)
        out["train_loss"][-3:] = [np.inf, np.nan, -np.inf]
        return out

    monkeypatch.setattr(landscape, "line", overflowing)
    out = tmp_path / "line.json"
    code, _, err = run_main(capsys, "landscape", "--steps", "2", "--depth", "1", "--out",
                            str(out))
    assert code == 0, err
    assert strict_json(out)["train_loss"][-3:] == [None, None, None]


def test_cli_summary_without_out(capsys):
    code, out, _ = run_main(capsys, "landscape", "--steps", "5", "--depth", "1")
    assert code == 0 and "alpha 0" in out and "alpha 1" in out
    code, out, _ = run_main(capsys, "landscape", "--kind", "slice", "--steps", "5", "--depth",
                            "1", "--width", "3")
    assert code == 0 and "random direction 1" in out


@pytest.mark.parametrize(("argv", "word"), [
    (["--kind", "cube"], "kind"),
    (["--out", "x.csv"], "out"),
    (["--depth", "99"], "depth"),
    (["--steps", "-1"], "steps"),
    (["--frobnicate"], "frobnicate"),
])
def test_cli_bad_input_exits_2(capsys, tmp_path, monkeypatch, argv, word):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "landscape", *argv)
    assert code == 2 and word in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------------ figures


def test_line_figure_marks_the_first_weights_and_now(healthy):
    fig = vl.line_figure(landscape.line(healthy))
    names = [t.name for t in fig.data]
    assert names == ["train", "test", "initial weights", "now"]
    start, now = fig.data[2], fig.data[3]
    assert start.x == (0.0,) and now.x == (1.0,)
    assert now.y[0] < start.y[0]
    assert fig.layout.yaxis.type == "linear"
    assert "α" in fig.layout.xaxis.title.text


def test_line_figure_goes_log_over_decades():
    alphas = np.array([0.0, 0.5, 1.0])
    fig = vl.line_figure({"alphas": alphas, "train_loss": [10.0, 1.0, 0.01],
                          "test_loss": [np.nan, np.inf, 0.1]})
    assert fig.layout.yaxis.type == "log"
    assert np.isnan(fig.data[1].y[1])  # inf is a gap, not a point
    assert vl.spans_decades([1, 100]) and not vl.spans_decades([1, 50])


def test_slice_figure_names_the_directions(zeros_net, healthy):
    sym = vl.slice_figure(landscape.slice_2d(zeros_net, n=5))
    assert sym.layout.xaxis.title.text == "symmetric direction"
    assert sym.layout.yaxis.title.text == "symmetry-breaking direction"
    assert "cannot leave" in sym.layout.annotations[0].text
    contour, now = sym.data[0], sym.data[1]
    assert contour.type == "contour" and np.shape(contour.z) == (5, 5)
    assert now.x == (0.0,) and now.y == (0.0,) and now.text == ("now",)
    plain = vl.slice_figure(landscape.slice_2d(healthy, n=5))
    assert plain.layout.xaxis.title.text == "random direction 1 (filter-normalised)"
    assert plain.layout.yaxis.title.text == "random direction 2 (filter-normalised)"
    assert not plain.layout.annotations


def test_slice_figure_log_colour_and_other_restarts():
    result = {"a": [-1, 0, 1], "b": [-1, 0, 1], "centre_loss": 0.01,
              "loss": [[100, 10, 1], [10, 0.01, 1], [np.inf, 1, 1]],
              "directions": {"d1": "random", "d2": "random", "symmetric": False},
              "others": np.array([[0.5, -0.5, 2.0]])}
    fig = vl.slice_figure(result)
    assert fig.data[0].colorbar.title.text == "log₁₀ loss"
    assert fig.data[0].z[1][1] == pytest.approx(-2)
    assert np.isnan(fig.data[0].z[2][0])
    assert fig.data[2].name == "other restarts" and fig.data[2].x == (0.5,)


def test_figures_survive_the_projector(healthy):
    for fig in (vl.line_figure(landscape.line(healthy)),
                vl.slice_figure(landscape.slice_2d(healthy, n=5))):
        big = style.projected(fig)
        assert big.layout.font.size >= style.PROJECTOR_FONT
