"""Every setting of a run in one table: its type, default, bounds and help.

``validate`` is the single gate that widgets, URLs and the command line all pass through;
it returns a complete, resolved configuration or raises ``ValueError`` naming the setting,
the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core import activations, datasets, initializers, losses

OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type | tuple  # int, float, or a tuple of allowed strings
    default: object
    lo: float | None = None
    hi: float | None = None
    help: str = ""

    def allowed(self) -> str:
        if isinstance(self.kind, tuple):
            return "one of " + ", ".join(self.kind)
        return f"{self.kind.__name__} from {self.lo:g} to {self.hi:g}"


_TABLE = [
    Setting("dataset", datasets.NAMES, "circle", help="the 2-D data set"),
    Setting("n_samples", int, 400, 20, 5000, "points drawn, train and test together"),
    Setting("noise", float, 0.1, 0.0, 0.5, "coordinate noise (classification) or target noise"),
    Setting("test_fraction", float, 0.3, 0.05, 0.9, "share of points held out for testing"),
    Setting("depth", int, 3, 0, 64, "number of hidden layers"),
    Setting("width", int, 8, 1, 512, "units per hidden layer"),
    Setting("activation", activations.NAMES, "tanh", help="hidden-layer nonlinearity"),
    Setting("init", initializers.NAMES, "glorot_uniform", help="weight initializer"),
    Setting("init_params", dict, {}, help="parameters of the weight initializer"),
    Setting("init_scale", float, 1.0, 0.0, 100.0, "multiplier on every initial weight"),
    Setting("bias_init", initializers.NAMES, "zeros", help="bias initializer"),
    Setting("bias_init_params", dict, {}, help="parameters of the bias initializer"),
    Setting("layer_inits", dict, {}, help="per-layer override {layer: (init, params)}"),
    Setting("optimizer", OPTIMIZERS, "sgd", help="update rule"),
    Setting("lr", float, 0.1, 1e-6, 10.0, "learning rate"),
    Setting("momentum", float, 0.9, 0.0, 0.999, "momentum coefficient (momentum optimizer)"),
    Setting("batch_size", int, 32, 0, 5000, "examples per step; 0 = the whole training set"),
    Setting("steps", int, 1000, 0, 1_000_000, "training steps (command line)"),
    Setting("record_every", int, 1, 1, 1_000_000, "telemetry is recorded every this many steps"),
    Setting("dropout", float, 0.0, 0.0, 0.9, "probability of dropping a hidden unit"),
    Setting("l2", float, 0.0, 0.0, 1.0, "L2 penalty l2/2·Σ‖W‖²"),
    Setting("loss", ("auto",) + losses.NAMES, "auto", help="auto: bce, or mse for regression"),
    Setting("data_seed", int, 0, 0, MAX_SEED, "seed of the data"),
    Setting("init_seed", int, 0, 0, MAX_SEED, "seed of the initial weights"),
    Setting("train_seed", int, 0, 0, MAX_SEED, "seed of batch order and dropout"),
]
SETTINGS = {s.name: s for s in _TABLE}
DEFAULTS = {s.name: s.default for s in _TABLE}


def _fail(name, value, what):
    raise ValueError(f"{name}: {value!r} {what}")


def check(name: str, value):
    """The checked value of one setting (ints and floats from numbers of either kind)."""
    s = SETTINGS.get(name)
    if s is None:
        _fail("setting", name, "is unknown; valid settings: " + ", ".join(SETTINGS))
    if isinstance(s.kind, tuple):
        if value not in s.kind:
            _fail(name, value, f"is not valid; allowed: {s.allowed()}")
        return value
    if s.kind is dict:
        if not isinstance(value, dict):
            _fail(name, value, "must be a mapping")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(name, value, f"is not a number; allowed: {s.allowed()}")
    if s.kind is int and value != int(value):
        _fail(name, value, f"is not a whole number; allowed: {s.allowed()}")
    if not (isinstance(value, int) or math.isfinite(value)) or not s.lo <= value <= s.hi:
        _fail(name, value, f"is out of range; allowed: {s.allowed()}")
    return s.kind(value)


def parse(name: str, text: str):
    """A setting's value from text (a URL or the command line), checked."""
    s = SETTINGS.get(name)
    if s is None or isinstance(s.kind, tuple) or s.kind is dict:
        return check(name, text)
    try:
        value = int(text) if s.kind is int else float(text)
    except (TypeError, ValueError):
        _fail(name, text, f"is not a {s.kind.__name__}; allowed: {s.allowed()}")
    return check(name, value)


def parse_param(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with the value a number when it reads as one."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise ValueError(f"init parameter {text!r} must look like KEY=VALUE")
    try:
        value = float(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def _check_layer_inits(layer_inits, depth):
    out = {}
    for layer, entry in layer_inits.items():
        try:
            layer = int(layer)
        except (TypeError, ValueError):
            _fail("layer_inits", layer, "is not a layer number")
        if not 1 <= layer <= depth + 1:
            _fail("layer_inits", layer, f"is not a layer; allowed: 1 to {depth + 1} "
                  f"(hidden layers 1..{depth}, output {depth + 1})")
        name, params = (entry, {}) if isinstance(entry, str) else tuple(entry)
        out[layer] = (name, initializers.check_params(name, dict(params)))
    return out


def validate(raw: dict | None = None, **overrides) -> dict:
    """A complete configuration: defaults, then ``raw``, then ``overrides``, all checked."""
    given = {**(raw or {}), **overrides}
    cfg = {name: check(name, given.get(name, default)) for name, default in DEFAULTS.items()}
    unknown = set(given) - set(cfg)
    if unknown:
        check(sorted(unknown)[0], None)
    classification = cfg["dataset"] in datasets.CLASSIFICATION
    if cfg["loss"] == "auto":
        cfg["loss"] = "bce" if classification else "mse"
    if not classification and losses.LOSSES[cfg["loss"]].for_values is None:
        _fail("loss", cfg["loss"], f"cannot fit the regression data set {cfg['dataset']!r}; "
              "allowed: mse")
    cfg["init_params"] = initializers.check_params(cfg["init"], cfg["init_params"])
    cfg["bias_init_params"] = initializers.check_params(cfg["bias_init"], cfg["bias_init_params"])
    cfg["layer_inits"] = _check_layer_inits(cfg["layer_inits"], cfg["depth"])
    return cfg
