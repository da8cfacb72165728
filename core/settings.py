"""Every setting of a run in one table: its type, default, bounds and help.

``validate`` is the single gate that widgets, URLs and the command line all pass through;
it returns a complete, resolved configuration or raises ``ValueError`` naming the setting,
the value and what is allowed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

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
        kind = "a whole number" if self.kind is int else "a number"
        return f"{kind} from {self.lo:g} to {self.hi:g}"


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
        # Parameter names are text (layer_inits, keyed by layer, is checked by validate).
        if not isinstance(value, dict) or (name != "layer_inits" and not _is_params(value)):
            _fail(name, value, "must be a mapping of names to values")
        return value
    # numbers.Real: NumPy's scalars (np.int64 from a table, say) are numbers too.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, value, f"is not a number; allowed: {s.allowed()}")
    # Range first: int(nan) and int(inf) raise errors that name no setting (and math.isfinite
    # of a huge int overflows, so integers skip it).
    if not (isinstance(value, numbers.Integral) or math.isfinite(value)) or not (
            s.lo <= value <= s.hi):
        _fail(name, value, f"is out of range; allowed: {s.allowed()}")
    if s.kind is int and value != int(value):
        _fail(name, value, f"is not a whole number; allowed: {s.allowed()}")
    # + 0: -0.0 is in every range that starts at 0, but NumPy refuses it as a scale.
    return s.kind(value) + 0


def parse(name: str, text: str):
    """A setting's value from text (a URL or the command line), checked."""
    s = SETTINGS.get(name)
    if s is None or isinstance(s.kind, tuple) or s.kind is dict:
        return check(name, text)
    try:
        value = int(text) if s.kind is int else float(text)
    except (TypeError, ValueError):
        _fail(name, text, f"is not {'a whole number' if s.kind is int else 'a number'}; "
                          f"allowed: {s.allowed()}")
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


def _check_bias_init(name, params):
    # Some initializers (identity, sparse) exist only for matrices: catch that here, with
    # the setting's name, rather than as a failed draw when the trainer builds the network.
    try:
        initializers.get(name, **params)((1,), np.random.default_rng(0), fans=(1, 1))
    except ValueError as err:
        _fail("bias_init", name, f"cannot draw a bias vector ({err}); "
              "allowed: an initializer that works on any shape")


def _check_layer_inits(layer_inits, depth):
    out = {}
    for layer, entry in layer_inits.items():
        try:
            layer = int(layer)
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
            _fail("layer_inits", layer, "is not a layer number")
        if not 1 <= layer <= depth + 1:
            _fail("layer_inits", layer, f"is not a layer; allowed: 1 to {depth + 1} "
                  f"(hidden layers 1..{depth}, output {depth + 1})")
        name, params = _layer_entry(layer, entry)
        out[layer] = (name, initializers.check_params(name, params))
    return out


def _layer_entry(layer, entry):
    """(name, params) from NAME or (NAME, {KEY: VALUE}); anything else is refused here,
    before it can reach code that would fail with a message naming no setting."""
    if isinstance(entry, str):
        return entry, {}
    pair = tuple(entry) if isinstance(entry, list | tuple) else ()
    if len(pair) != 2 or not isinstance(pair[0], str) or not _is_params(pair[1]):
        _fail(f"layer_inits[{layer}]", entry, "must be an initializer name or "
              "(name, {parameter: value})")
    return pair[0], dict(pair[1])


def _is_params(value):
    return isinstance(value, dict) and all(isinstance(k, str) for k in value)


def _auto_loss(dataset):
    return "bce" if dataset in datasets.CLASSIFICATION else "mse"


def validate(raw: dict | None = None, **overrides) -> dict:
    """A complete configuration: defaults, then ``raw``, then ``overrides``, all checked."""
    given = {**(raw or {}), **overrides}
    cfg = {name: check(name, given.get(name, default)) for name, default in DEFAULTS.items()}
    unknown = set(given) - set(cfg)
    if unknown:
        _fail("setting", sorted(unknown)[0], "is unknown; valid settings: " + ", ".join(SETTINGS))
    classification = cfg["dataset"] in datasets.CLASSIFICATION
    if cfg["loss"] == "auto":
        cfg["loss"] = _auto_loss(cfg["dataset"])
    if not classification and losses.LOSSES[cfg["loss"]].for_values is None:
        _fail("loss", cfg["loss"], f"cannot fit the regression data set {cfg['dataset']!r}; "
              "allowed: mse")
    cfg["init_params"] = initializers.check_params(cfg["init"], cfg["init_params"])
    cfg["bias_init_params"] = initializers.check_params(cfg["bias_init"], cfg["bias_init_params"])
    _check_bias_init(cfg["bias_init"], cfg["bias_init_params"])
    cfg["layer_inits"] = _check_layer_inits(cfg["layer_inits"], cfg["depth"])
    return cfg


# ---------------------------------------------------------------- the URL query string
# Scalars go by their own names; initializer parameters as ``init.KEY`` and
# ``bias_init.KEY``; per-layer overrides as ``layer_init=L:NAME;L:NAME`` with their
# parameters as ``layer_init.L.KEY``. Only values that differ from the defaults are written.

_PARAM_GROUPS = {"init": "init_params", "bias_init": "bias_init_params"}


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def to_query(cfg: dict) -> dict[str, str]:
    query = {}
    for name, s in SETTINGS.items():
        if s.kind is not dict and cfg[name] != s.default:
            query[name] = _text(cfg[name])
    if cfg["loss"] == _auto_loss(cfg["dataset"]):
        query.pop("loss", None)
    for prefix, group in _PARAM_GROUPS.items():
        defaults = initializers.spec(cfg[prefix]).defaults
        for key, value in cfg[group].items():
            if value != defaults[key]:
                query[f"{prefix}.{key}"] = _text(value)
    if cfg["layer_inits"]:
        query["layer_init"] = ";".join(f"{k}:{n}" for k, (n, _) in cfg["layer_inits"].items())
        for layer, (name, params) in cfg["layer_inits"].items():
            defaults = initializers.spec(name).defaults
            for key, value in params.items():
                if value != defaults[key]:
                    query[f"layer_init.{layer}.{key}"] = _text(value)
    return query


def _param_value(text):
    return parse_param(f"x={text}")[1]


def query_whole(query, key, lo, hi, default, errors):
    """A page's own whole-number URL parameter (not a setting): out of range or garbage is
    reported in ``errors`` and ``default`` used instead."""
    if key not in query:
        return default
    text = str(query[key])
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        errors.append(f"{key}: {text!r} is not allowed; allowed: a whole number from {lo} to "
                      f"{hi}; using {default}")
        return default
    return value


def from_query(query, ignore=()) -> tuple[dict, list[str]]:
    """(configuration, messages): every bad entry is reported and left at its default."""
    errors, raw = [], {}

    def attempt(fn):
        try:
            fn()
            return True
        except ValueError as err:
            errors.append(str(err))
            return False

    for key, text in query.items():
        if key in SETTINGS and SETTINGS[key].kind is not dict:
            attempt(lambda k=key, t=text: raw.__setitem__(k, parse(k, t)))
        elif key not in ignore and key.split(".")[0] not in (*_PARAM_GROUPS, "layer_init"):
            errors.append(f"URL parameter {key!r} is unknown and was ignored")
    depth = raw.get("depth", DEFAULTS["depth"])
    for prefix, group in _PARAM_GROUPS.items():
        name = raw.get(prefix, DEFAULTS[prefix])
        raw[group] = {}
        for key, text in query.items():
            if key.startswith(prefix + "."):
                param = {key.split(".", 1)[1]: _param_value(text)}
                if attempt(lambda n=name, p=param: initializers.check_params(n, p)):
                    raw[group].update(param)
    raw["layer_inits"] = {}
    for entry in filter(None, query.get("layer_init", "").split(";")):
        layer, _, name = entry.partition(":")
        params = {k.rsplit(".", 1)[1]: _param_value(t) for k, t in query.items()
                  if k.startswith(f"layer_init.{layer}.")}
        attempt(lambda e={layer: (name, params)}: raw["layer_inits"].update(
            _check_layer_inits(e, depth)))
    try:
        return validate(raw), errors
    except ValueError as err:  # a combination no single entry shows (e.g. bce on regression)
        return validate(), [*errors, f"{err}; all settings were reset to their defaults"]
