"""Every setting of a run in one table, and the typed configuration checked against it.

``validate`` is the one gate that widgets, URLs and the command line all pass through: it
returns a ``RunConfig``, complete, resolved and frozen, or raises ``ValueError`` naming the
setting, the value and what is allowed. A ``RunConfig`` cannot exist unchecked: building one
(``replace`` too) runs the checks, so code that holds one never checks it again.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from core import activations, datasets, initializers, losses

OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type | tuple  # int, float, Params, or a tuple of allowed strings
    default: object
    lo: float | None = None
    hi: float | None = None
    help: str = ""

    def allowed(self) -> str:
        if isinstance(self.kind, tuple):
            return "one of " + ", ".join(self.kind)
        kind = "a whole number" if self.kind is int else "a number"
        return f"{kind} from {self.lo:g} to {self.hi:g}"

    @property
    def scalar(self) -> bool:
        """Written as one value (a number or a name), not a mapping of parameters."""
        return self.kind is not Params


class Params(Mapping):
    """Parameters by name, read-only and hashable: what a frozen configuration holds where a
    dict would be (an initializer's parameters, the per-layer initializers)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping | None = None):
        self._items = dict(items or {})

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Params({self._items!r})"


_TABLE = [
    Setting("dataset", datasets.NAMES, "circle", help="the 2-D data set"),
    Setting("n_samples", int, 400, 20, 5000, "points drawn, train and test together"),
    Setting("noise", float, 0.1, 0.0, 0.5, "coordinate noise (classification) or target noise"),
    Setting("test_fraction", float, 0.3, 0.05, 0.9, "share of points held out for testing"),
    Setting("depth", int, 3, 0, 64, "number of hidden layers"),
    Setting("width", int, 8, 1, 512, "units per hidden layer"),
    Setting("activation", activations.NAMES, "tanh", help="hidden-layer nonlinearity"),
    Setting("init", initializers.NAMES, "glorot_uniform", help="weight initializer"),
    Setting("init_params", Params, Params(), help="parameters of the weight initializer"),
    Setting("init_scale", float, 1.0, 0.0, 100.0, "multiplier on every initial weight"),
    Setting("bias_init", ("auto",) + initializers.NAMES, "auto",
            help="bias initializer; auto: nn.Linear's for torch_default weights, else zeros"),
    Setting("bias_init_params", Params, Params(), help="parameters of the bias initializer"),
    Setting("layer_inits", Params, Params(), help="per-layer override {layer: (init, params)}"),
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
    if not s.scalar:
        # Parameter names are text (layer_inits, keyed by layer, is checked by RunConfig).
        if not isinstance(value, Mapping) or (name != "layer_inits" and not _is_params(value)):
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
    if s is None or isinstance(s.kind, tuple) or not s.scalar:
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


def _check_layer_inits(layer_inits, depth) -> Params:
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
        out[layer] = (name, Params(initializers.check_params(name, params)))
    return Params(dict(sorted(out.items())))


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
    return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


def auto_loss(dataset: str) -> str:
    return "bce" if dataset in datasets.CLASSIFICATION else "mse"


@dataclass(frozen=True)
class RunConfig:
    """One run's every setting, checked (see the table above for each one's meaning).

    Built only through checks: ``validate(...)``, or ``cfg.replace(...)`` for a changed copy.
    ``loss`` is resolved (never "auto"), parameters are complete (defaults filled in) and
    ``layer_inits`` maps a layer number to (initializer, its parameters).
    """

    dataset: str = DEFAULTS["dataset"]
    n_samples: int = DEFAULTS["n_samples"]
    noise: float = DEFAULTS["noise"]
    test_fraction: float = DEFAULTS["test_fraction"]
    depth: int = DEFAULTS["depth"]
    width: int = DEFAULTS["width"]
    activation: str = DEFAULTS["activation"]
    init: str = DEFAULTS["init"]
    init_params: Params = DEFAULTS["init_params"]
    init_scale: float = DEFAULTS["init_scale"]
    bias_init: str = DEFAULTS["bias_init"]
    bias_init_params: Params = DEFAULTS["bias_init_params"]
    layer_inits: Params = DEFAULTS["layer_inits"]
    optimizer: str = DEFAULTS["optimizer"]
    lr: float = DEFAULTS["lr"]
    momentum: float = DEFAULTS["momentum"]
    batch_size: int = DEFAULTS["batch_size"]
    steps: int = DEFAULTS["steps"]
    record_every: int = DEFAULTS["record_every"]
    dropout: float = DEFAULTS["dropout"]
    l2: float = DEFAULTS["l2"]
    loss: str = DEFAULTS["loss"]
    data_seed: int = DEFAULTS["data_seed"]
    init_seed: int = DEFAULTS["init_seed"]
    train_seed: int = DEFAULTS["train_seed"]

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        for name in SETTINGS:
            put(name, check(name, getattr(self, name)))
        if self.loss == "auto":
            put("loss", auto_loss(self.dataset))
        if not self.classification and losses.LOSSES[self.loss].for_values is None:
            _fail("loss", self.loss, f"cannot fit the regression data set {self.dataset!r}; "
                  "allowed: mse")
        put("init_params", Params(initializers.check_params(self.init, self.init_params)))
        if self.bias_init == "auto":
            if self.bias_init_params:
                _fail("bias_init_params", dict(self.bias_init_params),
                      "must be empty for bias_init auto")
            put("bias_init_params", Params())
        else:
            put("bias_init_params",
                Params(initializers.check_params(self.bias_init, self.bias_init_params)))
            _check_bias_init(self.bias_init, self.bias_init_params)
        put("layer_inits", _check_layer_inits(self.layer_inits, self.depth))

    @property
    def classification(self) -> bool:
        return self.dataset in datasets.CLASSIFICATION

    def replace(self, **changes) -> RunConfig:
        """A copy with ``changes``, checked. A new initializer brings its own default
        parameters unless parameters come with it."""
        if "init" in changes and "init_params" not in changes and changes["init"] != self.init:
            changes["init_params"] = {}
        if ("bias_init" in changes and "bias_init_params" not in changes
                and changes["bias_init"] != self.bias_init):
            changes["bias_init_params"] = {}
        return dataclasses.replace(self, **changes)

    def layer_init(self, layer: int) -> tuple[str, Params]:
        """(initializer, parameters) of layer ``layer`` (1-based; the output is depth + 1)."""
        return self.layer_inits.get(layer, (self.init, self.init_params))

    def layer_bias_init(self, layer: int) -> tuple[str, Params]:
        """(initializer, parameters) of layer ``layer``'s biases: "auto" follows the
        frameworks, nn.Linear's uniform under torch_default weights, Keras's zeros else."""
        if self.bias_init != "auto":
            return self.bias_init, self.bias_init_params
        return ("torch_default" if self.layer_init(layer)[0] == "torch_default" else "zeros",
                Params())

    def as_dict(self) -> dict:
        """Plain values, for JSON: parameters as dicts, layer numbers as text."""
        out = {name: getattr(self, name) for name in SETTINGS}
        out["init_params"] = dict(self.init_params)
        out["bias_init_params"] = dict(self.bias_init_params)
        out["layer_inits"] = {str(k): [n, dict(p)] for k, (n, p) in self.layer_inits.items()}
        return out


def validate(raw: Mapping | None = None, **overrides) -> RunConfig:
    """A complete configuration: defaults, then ``raw``, then ``overrides``, all checked."""
    given = {**(raw or {}), **overrides}
    unknown = set(given) - set(SETTINGS)
    if unknown:
        _fail("setting", sorted(unknown)[0], "is unknown; valid settings: " + ", ".join(SETTINGS))
    return RunConfig(**given)


DEFAULT = validate()
