"""core.config: the one table every setting is checked against, and the frozen RunConfig."""

import dataclasses
import json
import math

import numpy as np
import pytest

from core import config
from core.config import Params, RunConfig, validate
from core.trainer import Trainer


def test_defaults():
    cfg = validate()
    for name, value in config.DEFAULTS.items():
        if name not in ("loss",):
            assert getattr(cfg, name) == value, name
    assert cfg.loss == "bce"  # auto on a classification set
    assert validate(None) == cfg == validate({}) == config.DEFAULT == RunConfig()


def test_every_default_is_within_its_bounds():
    for s in config.SETTINGS.values():
        assert config.check(s.name, s.default) == s.default
        if s.kind in (int, float):
            assert s.lo <= s.default <= s.hi and s.help


def test_a_configuration_is_frozen_and_hashable():
    cfg = validate(init="random_normal", init_params={"stddev": 0.5},
                   layer_inits={2: ("constant", {"value": 0.3})})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.depth = 5
    with pytest.raises(TypeError):
        cfg.init_params["stddev"] = 1.0  # Params is read-only
    same = validate(init="random_normal", init_params={"stddev": 0.5},
                    layer_inits={"2": ("constant", {"value": 0.3})})
    assert cfg == same and hash(cfg) == hash(same) and len({cfg, same}) == 1
    assert cfg != cfg.replace(init_seed=1)


def test_replace_checks_and_a_new_initializer_brings_its_defaults():
    cfg = validate(init="random_normal", init_params={"stddev": 0.5})
    assert cfg.replace(depth=5).init_params == {"mean": 0.0, "stddev": 0.5}
    assert cfg.replace(init="constant").init_params == {"value": 0.0}
    assert cfg.replace(init="constant", init_params={"value": 2}).init_params == {"value": 2.0}
    with pytest.raises(ValueError, match="depth"):
        cfg.replace(depth=-1)
    with pytest.raises(ValueError, match="stddev"):
        cfg.replace(init_params={"stddev": 0})


def test_building_one_directly_checks_it_too():
    with pytest.raises(ValueError, match="width"):
        RunConfig(width=0)
    assert RunConfig(dataset="plane").loss == "mse"


def test_loss_auto_resolution():
    assert validate(dataset="plane").loss == "mse"
    assert validate(dataset="reg_gauss").loss == "mse"
    assert validate(dataset="spiral").loss == "bce"
    assert validate(dataset="spiral", loss="softmax_ce").loss == "softmax_ce"
    assert validate(dataset="spiral", loss="mse").loss == "mse"


@pytest.mark.parametrize("loss", ["bce", "softmax_ce"])
def test_regression_rejects_classification_losses(loss):
    with pytest.raises(ValueError, match="loss"):
        validate(dataset="plane", loss=loss)


def test_overrides_beat_raw():
    assert validate({"depth": 2}, depth=5).depth == 5


@pytest.mark.parametrize(("name", "value"), [
    ("depth", 3.5), ("depth", "3"), ("depth", True), ("depth", None), ("depth", 65),
    ("depth", float("nan")), ("depth", float("inf")), ("depth", -float("inf")),
    ("lr", float("nan")), ("lr", 0.0), ("lr", "0.1"), ("width", 10**400),
    ("dataset", "iris"), ("activation", None), ("init_params", "stddev=1"),
    ("layer_inits", [1, 2]), ("optimizer", "SGD"),
])
def test_check_rejects_with_the_setting_name(name, value):
    with pytest.raises(ValueError, match=name):
        validate({name: value})


def test_unknown_setting():
    with pytest.raises(ValueError, match="valid settings"):
        validate(depht=3)


def test_numbers_of_either_kind():
    assert config.check("depth", 3.0) == 3 and type(config.check("depth", 3.0)) is int
    assert config.check("lr", 1) == 1.0 and type(config.check("lr", 1)) is float
    four = config.check("depth", np.int64(4))
    assert four == 4 and type(four) is int
    assert type(config.check("lr", np.float64(0.5))) is float
    assert type(validate(depth=np.int64(4)).depth) is int


def test_parse():
    assert config.parse("depth", "7") == 7
    assert config.parse("lr", "1e-3") == 0.001
    assert config.parse("activation", "relu") == "relu"
    with pytest.raises(ValueError, match="depth"):
        config.parse("depth", "7.5")
    with pytest.raises(ValueError, match="lr"):
        config.parse("lr", "1e-3x")


def test_parse_param():
    assert config.parse_param("stddev=0.1") == ("stddev", 0.1)
    assert config.parse_param(" mode =fan_out") == ("mode", "fan_out")
    for bad in ("stddev", "=1", ""):
        with pytest.raises(ValueError, match="KEY=VALUE"):
            config.parse_param(bad)


def test_init_params_completed_and_checked():
    cfg = validate(init="random_normal", init_params={"stddev": 1})
    assert cfg.init_params == {"mean": 0.0, "stddev": 1.0}
    assert isinstance(cfg.init_params, Params)
    with pytest.raises(ValueError, match="stddev"):
        validate(init="random_normal", init_params={"stddev": 0})
    with pytest.raises(ValueError, match="gain"):
        validate(init="he_normal", init_params={"gain": 2})


def test_layer_inits():
    cfg = validate(depth=3, layer_inits={"2": "orthogonal", 4: ("constant", {"value": 1})})
    assert cfg.layer_inits == {2: ("orthogonal", {"gain": 1.0}), 4: ("constant", {"value": 1.0})}
    assert cfg.layer_init(2) == ("orthogonal", {"gain": 1.0})
    assert cfg.layer_init(1) == (cfg.init, cfg.init_params)
    for bad in ({5: "zeros"}, {0: "zeros"}, {"two": "zeros"}, {1: "he_gaussian"},
                {1: ("orthogonal", {"gain": "x"})}):
        with pytest.raises(ValueError):
            validate(depth=3, layer_inits=bad)


def test_as_dict_is_plain_json_and_reads_back():
    cfg = validate(init="constant", init_params={"value": 0.3}, layer_inits={1: "orthogonal"})
    out = json.loads(json.dumps(cfg.as_dict()))
    assert out["init_params"] == {"value": 0.3}
    assert out["layer_inits"] == {"1": ["orthogonal", {"gain": 1.0}]}
    assert validate(out) == cfg


@pytest.mark.parametrize("name", ["identity", "sparse"])
def test_bias_init_must_draw_a_vector(name):
    """identity and sparse exist only for matrices: validate must say so, naming bias_init,
    rather than let the trainer fail when it draws the biases."""
    with pytest.raises(ValueError, match="bias_init"):
        validate(bias_init=name)
    # They are fine as weight initializers.
    Trainer(validate(init=name, depth=2))


@pytest.mark.parametrize("name", [n for n in config.SETTINGS["bias_init"].kind
                                  if n not in ("identity", "sparse")])
def test_every_other_bias_init_builds(name):
    t = Trainer(validate(bias_init=name, depth=1, width=4))
    assert all(np.isfinite(b).all() for b in t.bs)


def test_negative_zero_becomes_zero():
    """-0.0 is inside every range that starts at 0, but NumPy refuses it as a scale: a link
    with noise=-0.0 once crashed the page (found by the hostile-input test)."""
    for name, s in config.SETTINGS.items():
        if s.kind is float and s.lo == 0:
            value = config.parse(name, "-0.0")
            assert value == 0 and math.copysign(1, value) == 1, name
    Trainer(validate(noise=-0.0, init_scale=-0.0, n_samples=50))


def test_a_trainer_takes_only_a_checked_configuration():
    with pytest.raises(TypeError, match="RunConfig"):
        Trainer({"depth": 2})
