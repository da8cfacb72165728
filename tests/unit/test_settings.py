"""core.settings: the single gate every configuration passes through."""

import math

import numpy as np
import pytest

from core import settings
from core.trainer import Trainer


def test_defaults():
    cfg = settings.validate()
    assert set(cfg) == set(settings.DEFAULTS)
    for name, value in settings.DEFAULTS.items():
        if name not in ("loss",):
            assert cfg[name] == value, name
    assert cfg["loss"] == "bce"  # auto on a classification set
    assert settings.validate(None) == cfg == settings.validate({})


def test_every_default_is_within_its_bounds():
    for s in settings.SETTINGS.values():
        assert settings.check(s.name, s.default) == s.default
        if s.kind in (int, float):
            assert s.lo <= s.default <= s.hi and s.help


def test_loss_auto_resolution():
    assert settings.validate(dataset="plane")["loss"] == "mse"
    assert settings.validate(dataset="reg_gauss")["loss"] == "mse"
    assert settings.validate(dataset="spiral")["loss"] == "bce"
    assert settings.validate(dataset="spiral", loss="softmax_ce")["loss"] == "softmax_ce"
    assert settings.validate(dataset="spiral", loss="mse")["loss"] == "mse"


@pytest.mark.parametrize("loss", ["bce", "softmax_ce"])
def test_regression_rejects_classification_losses(loss):
    with pytest.raises(ValueError, match="loss"):
        settings.validate(dataset="plane", loss=loss)


def test_overrides_beat_raw():
    assert settings.validate({"depth": 2}, depth=5)["depth"] == 5


@pytest.mark.parametrize(("name", "value"), [
    ("depth", 3.5), ("depth", "3"), ("depth", True), ("depth", None), ("depth", 65),
    ("depth", float("nan")), ("depth", float("inf")), ("depth", -float("inf")),
    ("lr", float("nan")), ("lr", 0.0), ("lr", "0.1"), ("width", 10**400),
    ("dataset", "iris"), ("activation", None), ("init_params", "stddev=1"),
    ("layer_inits", [1, 2]), ("optimizer", "SGD"),
])
def test_check_rejects_with_the_setting_name(name, value):
    with pytest.raises(ValueError, match=name):
        settings.validate({name: value})


def test_unknown_setting():
    with pytest.raises(ValueError, match="valid settings"):
        settings.validate(depht=3)


def test_numbers_of_either_kind():
    assert settings.check("depth", 3.0) == 3 and type(settings.check("depth", 3.0)) is int
    assert settings.check("lr", 1) == 1.0 and type(settings.check("lr", 1)) is float
    four = settings.check("depth", np.int64(4))
    assert four == 4 and type(four) is int
    assert type(settings.check("lr", np.float64(0.5))) is float


def test_parse():
    assert settings.parse("depth", "7") == 7
    assert settings.parse("lr", "1e-3") == 0.001
    assert settings.parse("activation", "relu") == "relu"
    with pytest.raises(ValueError, match="depth"):
        settings.parse("depth", "7.5")
    with pytest.raises(ValueError, match="lr"):
        settings.parse("lr", "1e-3x")


def test_parse_param():
    assert settings.parse_param("stddev=0.1") == ("stddev", 0.1)
    assert settings.parse_param(" mode =fan_out") == ("mode", "fan_out")
    for bad in ("stddev", "=1", ""):
        with pytest.raises(ValueError, match="KEY=VALUE"):
            settings.parse_param(bad)


def test_init_params_completed_and_checked():
    cfg = settings.validate(init="random_normal", init_params={"stddev": 1})
    assert cfg["init_params"] == {"mean": 0.0, "stddev": 1.0}
    with pytest.raises(ValueError, match="stddev"):
        settings.validate(init="random_normal", init_params={"stddev": 0})
    with pytest.raises(ValueError, match="gain"):
        settings.validate(init="he_normal", init_params={"gain": 2})


def test_layer_inits():
    cfg = settings.validate(depth=3, layer_inits={"2": "orthogonal", 4: ("constant", {"value": 1})})
    assert cfg["layer_inits"] == {2: ("orthogonal", {"gain": 1.0}), 4: ("constant", {"value": 1.0})}
    for bad in ({5: "zeros"}, {0: "zeros"}, {"two": "zeros"}, {1: "he_gaussian"},
                {1: ("orthogonal", {"gain": "x"})}):
        with pytest.raises(ValueError):
            settings.validate(depth=3, layer_inits=bad)


@pytest.mark.parametrize("name", ["identity", "sparse"])
def test_bias_init_must_draw_a_vector(name):
    """identity and sparse exist only for matrices: validate must say so, naming bias_init,
    rather than let the trainer fail when it draws the biases."""
    with pytest.raises(ValueError, match="bias_init"):
        settings.validate(bias_init=name)
    # They are fine as weight initializers.
    Trainer({"init": name, "depth": 2})


@pytest.mark.parametrize("name", [n for n in settings.SETTINGS["bias_init"].kind
                                  if n not in ("identity", "sparse")])
def test_every_other_bias_init_builds(name):
    t = Trainer({"bias_init": name, "depth": 1, "width": 4})
    assert all(np.isfinite(b).all() for b in t.bs)


def test_negative_zero_becomes_zero():
    """-0.0 is inside every range that starts at 0, but NumPy refuses it as a scale: a link
    with noise=-0.0 once crashed the page (found by the hostile-input test)."""
    for name, s in settings.SETTINGS.items():
        if s.kind is float and s.lo == 0:
            value = settings.parse(name, "-0.0")
            assert value == 0 and math.copysign(1, value) == 1, name
    Trainer({"noise": -0.0, "init_scale": -0.0, "n_samples": 50})
