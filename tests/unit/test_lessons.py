"""Every lesson says what its own run shows: its text is filled from that run, its claims
hold on it, and its live check comes to "yes" when the thing it names has happened."""

import math
import re

import numpy as np
import pytest

from core import facts, landscape, lessons, network
from core.readings import LN2
from core.telemetry import Field, Metric
from core.trainer import Trainer

LESSONS = BY_KEY = lessons.builtin()

# Steps after which each lesson's check must read "yes" on the lesson's own network.
YES_BY = {"zeros": 20, "constant": 20, "too_small": 50, "too_large_tanh": 0,
          "too_large_relu": 5, "xavier_relu_30": 100, "he_relu_30": 400,
          "glorot_bengio_sigmoid": 1500, "orthogonal_linear": 0, "restarts": 0}


def test_every_lesson_has_a_step_count_here():
    assert set(YES_BY) == set(BY_KEY.keys())


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_the_text_is_filled_in(lesson):
    text, look_for = lesson.told()
    for said in (text, look_for):
        assert "{" not in said and "}" not in said
        assert not re.search(r"\bnan\b|\binf\b", said)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_the_live_check_comes_to_yes(lesson):
    trainer = Trainer(lesson.config)
    with np.errstate(all="ignore"):
        while trainer.record.steps[-1] < YES_BY[lesson.key] and trainer.status != "diverged":
            trainer.run(10)
    state, message = lesson.checked(trainer)
    assert state == "yes", message


def _step0(key):
    return Trainer(BY_KEY[key].config).record.layers[0][0][:-1]


def test_zero_weights_keep_the_loss_at_ln2_exactly():
    t = Trainer(BY_KEY["zeros"].config).run(200)
    losses = [m[0][Metric.train_loss] for m in t.record.metrics]
    assert np.allclose(losses, LN2, rtol=0, atol=1e-12)
    assert (t.record.layers[-1][0][:-1, Field.grad_norm] == 0).all()


def test_zero_weights_sit_where_lower_loss_lies_off_the_copies_and_no_slope_leads_there():
    """What the zeros lesson says of its landscape slice, at every step it shows: farther
    out along the symmetry-breaking direction the loss falls below ln 2, and the slope
    that way is exactly 0."""
    t = Trainer(BY_KEY["zeros"].config)
    for steps in (0, 100):
        t.run(steps)
        s = landscape.slice_2d(t, seed=t.config.train_seed)
        assert s["directions"]["d2"] == "symmetry_breaking"
        assert s["directions"]["slope_d2"] == 0
        column = np.asarray(s["loss"])[:, len(s["loss"]) // 2]
        centre = len(column) // 2
        assert column[centre] == pytest.approx(LN2, abs=1e-12)
        assert column.min() < LN2 - 1e-3
        dip = facts.quote(["landscape_dip"], t)["landscape_dip"]
        assert round(column.min(), 3) == round(dip, 3)


def test_too_small_shrinks_the_signal_by_sigma_root_n_a_layer():
    """tanh is the identity near 0, so each layer multiplies the std by 0.01·√32 ≈ 0.0566;
    one layer's factor has a relative spread of about 1/√(2·32) = 0.125, the geometric
    mean over 9 ratios a third of that: 4 standard deviations is 17%."""
    pre = _step0("too_small")[:, Field.preact_std]
    factor = (pre[-1] / pre[0]) ** (1 / (len(pre) - 1))
    assert factor == pytest.approx(0.01 * math.sqrt(32), rel=0.17)


def test_xavier_halves_a_relu_signals_power_each_layer():
    """The 29 ratios of a 32-wide ReLU net: per-layer power 1/2 (2/(32+32)·32/2), the
    geometric mean's relative spread about 1/√(29·16) ≈ 0.05; 4 of them is 20%."""
    for seed in range(3):
        cfg = BY_KEY["xavier_relu_30"].config.replace(init_seed=seed)
        pre = Trainer(cfg).record.layers[0][0][:-1, Field.preact_std]
        factor = (pre[-1] / pre[0]) ** (1 / (len(pre) - 1))
        assert factor == pytest.approx(1 / math.sqrt(2), rel=0.2)


def test_he_keeps_the_order_of_magnitude_xavier_loses():
    he, xavier = _step0("he_relu_30"), _step0("xavier_relu_30")
    assert 0.1 < he[:, Field.preact_std].min() and he[:, Field.preact_std].max() < 10
    assert xavier[-1, Field.preact_std] / xavier[0, Field.preact_std] < 1e-3


def test_orthogonal_weights_keep_a_linear_signals_length_exactly():
    """Square orthogonal matrices keep every vector's length: after the first layer (2 → 32
    is semi-orthogonal) each input's hidden vector has the same norm in every layer."""
    t = Trainer(BY_KEY["orthogonal_linear"].config)
    Z = network.forward(t.Ws, t.bs, t.data.X_train, t.data.y_train, t.act, t.config.loss,
                        t.data.classification).Z
    norms = np.array([np.linalg.norm(z[0], axis=-1) for z in Z[:t.depth]])
    assert np.allclose(norms[1:], norms[0], rtol=1e-9, atol=0)
    pre = _step0("orthogonal_linear")[:, Field.preact_std]  # what the lesson quotes
    assert pre.max() / pre.min() < 1.01


def test_tanh_with_std_one_saturates_most_units_beyond_the_first_layer():
    sat = _step0("too_large_tanh")[1:, Field.saturated_frac]
    assert (sat > 0.6).all()


def test_opening_the_too_large_relu_lesson_quotes_the_step_it_explodes_at():
    text, _ = BY_KEY["too_large_relu"].told()
    boom = Trainer(BY_KEY["too_large_relu"].config).run(20).diverged_at[0]["step"]
    assert f"overflow at step {boom}." in text


def test_too_small_weights_keep_the_loss_at_ln2_for_thousands_of_steps():
    t = Trainer(BY_KEY["too_small"].config, record_every=500).run(2000)
    losses = np.array([m[0][Metric.train_loss] for m in t.record.metrics])
    assert np.abs(losses - LN2).max() < 1e-3


def test_orthogonal_weights_are_isometric_in_every_direction_and_gaussian_ones_are_not():
    """The orthogonal lesson's isometry claim: every singular value of ∂h_L/∂h_1 is 1 to
    rounding; the Gaussian twin's middle half spans decades (products of 19 Gaussian
    matrices: the log σ spread grows like √depth), on several seeds."""
    from core import spectrum

    t = Trainer(BY_KEY["orthogonal_linear"].config)
    assert np.abs(spectrum.trainer_singular_values(t) - 1).max() < 1e-9
    for seed in range(3):
        twin = facts.gaussian_twin(t.config.replace(init_seed=seed))
        s = spectrum.summary(spectrum.trainer_singular_values(Trainer(twin)))
        assert s["q75"] - s["q25"] > 3 and s["within_2"] < 0.25


@pytest.mark.parametrize("key, phase_name", [
    ("too_small", "ordered"), ("too_large_tanh", "chaotic"), ("xavier_relu_30", "ordered"),
    ("he_relu_30", "critical")])
def test_a_lesson_that_opens_the_phase_diagram_names_the_phase_it_shows(key, phase_name):
    found = facts.quote(["phase", "chi1", "weight_var"], Trainer(BY_KEY[key].config))
    assert found["phase"] == phase_name and phase_name in BY_KEY[key].told()[1]
    if BY_KEY[key].config.activation == "relu":  # χ₁ = σ_w²/2 exactly for ReLU
        assert found["chi1"] == pytest.approx(found["weight_var"] / 2, rel=1e-12)


def test_the_too_large_tanh_net_is_chaotic_as_measured():
    """Two nearby inputs drift apart through the chaotic net: their correlation at the top
    hidden layer is far below the input's, on several seeds (a measurement, not theory)."""
    cfg = BY_KEY["too_large_tanh"].config
    x = np.array([[0.5, 0.5], [0.52, 0.48]])
    for seed in range(3):
        t = Trainer(cfg.replace(init_seed=seed))
        h = x
        for W, b in zip(t.Ws[:-1], t.bs[:-1], strict=True):
            h = np.tanh(h @ W[0] + b[0])
        c = np.corrcoef(h)[0, 1]
        assert c < 0.9


def test_the_gradient_bars_tell_the_xavier_net_from_the_he_net_at_step_0():
    """What both lessons say of the bars, with the rule the bars are drawn by
    (viz.training.gradflow_bars): blue in every layer of Glorot's 30-layer ReLU net (each
    step would move a layer by about a billionth of its weights), green in every layer of
    He's; on several seeds, so that neither claim is one draw's luck."""
    import json

    from core import telemetry
    from viz import training

    for key, state in (("xavier_relu_30", "vanishing"), ("he_relu_30", "ok")):
        for seed in range(3):
            t = Trainer(BY_KEY[key].config.replace(init_seed=seed))
            layers = t.frames()[0]
            latest = layers[(layers["step"] == 0) & (layers["member"] == 0)]
            fig = json.loads(training.gradflow_bars(
                latest, "grad_norm", t.depth,
                step_scale=telemetry.step_scale(t.config)).to_json())
            states = [c[0] for c in fig["data"][0]["customdata"]]
            assert states == [state] * (t.depth + 1), (key, seed, states)


def test_the_zeros_lesson_points_at_a_dip_its_slice_shows():
    """The text points at the dip along the symmetry-breaking direction: the slice marks
    it, and its colour scale (blue below the loss now, orange above) spans the dip well
    enough to see, not a sliver of a 0.7 to 1.15 range."""
    import json

    from viz import landscape_figures

    t = Trainer(BY_KEY["zeros"].config)
    s = landscape.slice_2d(t, seed=t.config.train_seed)
    fig = json.loads(landscape_figures.slice_figure(s).to_json())
    contour, marks = fig["data"][0], {d.get("name"): d for d in fig["data"][1:]}
    dip = facts.quote(["landscape_dip"], t)["landscape_dip"]
    assert marks["dip"]["text"] == [f"{dip:.3f}"] and marks["dip"]["x"] == [0.0]
    assert contour["zmid"] == pytest.approx(LN2) and contour["zmin"] <= dip < LN2
    assert (LN2 - dip) / (contour["zmax"] - contour["zmin"]) > 0.05
    assert f"falls to {dip:.3f}" in BY_KEY["zeros"].told()[1]
