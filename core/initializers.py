"""Weight initializers: every one of Keras and PyTorch, plus the classic heuristics.

Weights are ``(fan_in, fan_out)`` arrays applied as ``h @ W + b`` (the Keras layout).
``get(name, **params)`` returns ``init(shape, rng, fans=None) -> ndarray``; ``fans`` lets a
bias vector of shape ``(fan_out,)`` be drawn with its layer's fans instead of its own.

Each initializer is one small function whose docstring's first line is the formula the app
shows, and one entry of ``_TABLE`` that adds what it is for and the mean and variance of what
it draws (which core/phase.py reads); adding an initializer is those two. The shared pieces
are :func:`compute_fans`, :func:`fan`, :func:`calculate_gain` and the distributions at the
bottom of the helpers.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Keras's constant: the std of a standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978
FAN_MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


# ---------------------------------------------------------------- shared helpers


def compute_fans(shape) -> tuple[int, int]:
    """Keras's rule: (fan_in, fan_out) of a weight shape; a vector counts as both."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def fan(fans: tuple[int, int], mode: str) -> float:
    """The fan a variance is divided by: fan_in, fan_out or their mean (Keras's modes)."""
    fan_in, fan_out = fans
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity (``torch.nn.init.calculate_gain``)."""
    linear_like = ("linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid")
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"unsupported nonlinearity {nonlinearity!r}; choose one of "
        "linear, identity, sigmoid, tanh, relu, leaky_relu, selu"
    )


def _normal(shape, rng, mean, std):
    return rng.normal(mean, std, size=shape)


def _uniform(shape, rng, low, high):
    return rng.uniform(low, high, size=shape)


def _truncated_normal(shape, rng, mean, std):
    """Normal(mean, std) with draws beyond two std redrawn (Keras/TF semantics)."""
    out = rng.standard_normal(size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + std * out


def _variance_scaled(shape, rng, fans, variance, distribution):
    """Draw with the given variance from one of Keras's three distributions."""
    std = math.sqrt(variance)
    if distribution == "truncated_normal":
        return _truncated_normal(shape, rng, 0.0, std / TRUNCATED_STD)
    if distribution == "untruncated_normal":
        return _normal(shape, rng, 0.0, std)
    limit = math.sqrt(3.0 * variance)
    return _uniform(shape, rng, -limit, limit)


# ---------------------------------------------------------------- the initializers
# Each takes (shape, rng, fans, **params). The registry below reads its parameters and
# defaults from the signature and its formula from the docstring's first line.


def zeros(shape, rng, fans):
    """W = 0"""
    return np.zeros(shape)


def ones(shape, rng, fans):
    """W = 1"""
    return np.ones(shape)


def constant(shape, rng, fans, value=0.0):
    """W = value"""
    return np.full(shape, float(value))


def random_normal(shape, rng, fans, mean=0.0, stddev=0.05):
    """W ~ N(mean, stddev²)"""
    return _normal(shape, rng, mean, stddev)


def random_uniform(shape, rng, fans, minval=-0.05, maxval=0.05):
    """W ~ U[minval, maxval]"""
    return _uniform(shape, rng, minval, maxval)


def truncated_normal(shape, rng, fans, mean=0.0, stddev=0.05):
    """W ~ N(mean, stddev²), redrawn beyond mean ± 2·stddev"""
    return _truncated_normal(shape, rng, mean, stddev)


def variance_scaling(shape, rng, fans, scale=1.0, mode="fan_in", distribution="truncated_normal"):
    """Var(W) = scale / n, n = fan_in, fan_out or their mean (mode)"""
    return _variance_scaled(shape, rng, fans, scale / fan(fans, mode), distribution)


def orthogonal(shape, rng, fans, gain=1.0):
    """W = gain · Q, Q from the QR of a Gaussian matrix with sign(diag R) fixed (Haar)"""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    # Without this sign fix Q is not Haar-uniform (Mezzadri 2007).
    q *= np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))
    if rows < cols:
        q = q.T
    return gain * q.reshape(shape)


def identity(shape, rng, fans, gain=1.0):
    """W = gain · I (rectangular identity when fan_in ≠ fan_out)"""
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-D shape, got {tuple(shape)}")
    return gain * np.eye(*shape)


def _scaled(name, scale, mode, distribution, formula):
    """Keras's presets of variance_scaling: Glorot, He and LeCun, uniform or normal."""

    def init(shape, rng, fans):
        return variance_scaling(shape, rng, fans, scale, mode, distribution)

    init.__name__, init.__doc__ = name, formula
    return init


glorot_uniform = _scaled("glorot_uniform", 1.0, "fan_avg", "uniform",
                         "W ~ U[-√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))]")
glorot_normal = _scaled("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                        "W ~ truncated N(0, 2/(fan_in+fan_out))")
he_uniform = _scaled("he_uniform", 2.0, "fan_in", "uniform", "W ~ U[-√(6/fan_in), +√(6/fan_in)]")
he_normal = _scaled("he_normal", 2.0, "fan_in", "truncated_normal", "W ~ truncated N(0, 2/fan_in)")
lecun_uniform = _scaled("lecun_uniform", 1.0, "fan_in", "uniform",
                        "W ~ U[-√(3/fan_in), +√(3/fan_in)]")
lecun_normal = _scaled("lecun_normal", 1.0, "fan_in", "truncated_normal",
                       "W ~ truncated N(0, 1/fan_in)")


def kaiming_uniform(shape, rng, fans, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """W ~ U[-b, b], b = gain · √(3/fan), gain = calculate_gain(nonlinearity, a)"""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan(fans, mode))
    return _uniform(shape, rng, -bound, bound)


def kaiming_normal(shape, rng, fans, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """W ~ N(0, (gain/√fan)²), gain = calculate_gain(nonlinearity, a)"""
    return _normal(shape, rng, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan(fans, mode)))


def xavier_uniform(shape, rng, fans, gain=1.0):
    """W ~ U[-b, b], b = gain · √(6/(fan_in+fan_out))"""
    bound = gain * math.sqrt(3.0 / fan(fans, "fan_avg"))
    return _uniform(shape, rng, -bound, bound)


def xavier_normal(shape, rng, fans, gain=1.0):
    """W ~ N(0, gain² · 2/(fan_in+fan_out))"""
    return _normal(shape, rng, 0.0, gain / math.sqrt(fan(fans, "fan_avg")))


def torch_default(shape, rng, fans):
    """W, b ~ U[-1/√fan_in, +1/√fan_in] (what nn.Linear does)"""
    bound = 1.0 / math.sqrt(fans[0])
    return _uniform(shape, rng, -bound, bound)


def sparse(shape, rng, fans, sparsity=0.1, std=0.01):
    """W ~ N(0, std²), then ⌈sparsity·fan_out⌉ weights of each input set to 0"""
    if len(shape) != 2:
        raise ValueError(f"sparse needs a 2-D shape, got {tuple(shape)}")
    out = _normal(shape, rng, 0.0, std)
    # PyTorch zeroes a fraction of each column of its (out, in) tensor: a row of ours.
    n_zero = math.ceil(sparsity * shape[1])
    for row in out:
        row[rng.permutation(shape[1])[:n_zero]] = 0.0
    return out


def uniform_0_3(shape, rng, fans):
    """W ~ U[-0.3, 0.3]"""
    return _uniform(shape, rng, -0.3, 0.3)


def uniform_0_1(shape, rng, fans):
    """W ~ U[0, 1]"""
    return _uniform(shape, rng, 0.0, 1.0)


def uniform_1(shape, rng, fans):
    """W ~ U[-1, 1]"""
    return _uniform(shape, rng, -1.0, 1.0)


def glorot_standard(shape, rng, fans):
    """W ~ U[-1/√n, +1/√n], n = fan_in (Glorot & Bengio's 'standard' heuristic)"""
    return torch_default(shape, rng, fans)


def lsuv(shape, rng, fans):
    """orthogonal, then each layer rescaled on a batch until Var(z) = 1 (Mishkin & Matas)"""
    return orthogonal(shape, rng, fans)


# ---------------------------------------------------------------- Gaussian moments
# (mean, variance) of one entry of a (fan_in, fan_out) array that an initializer draws,
# exactly from its formula: p its checked parameters, fans as compute_fans gives them
# (a bias drawn with its layer's fans gets those). Mean-field theory (core/phase.py)
# reads a network's σ_w² and σ_b² from them.


def _fixed(mean, var=0.0):
    return lambda p, fans, shape: (mean, var)


def _uniform_moments(low, high):
    return (low + high) / 2, (high - low) ** 2 / 12


def _scaled_moments(scale, mode):
    return lambda p, fans, shape: (0.0, scale / fan(fans, mode))


def _orthogonal_moments(p, fans, shape):
    # Orthonormal columns (or rows) of length max(rows, cols): E[w²] = 1/max.
    return 0.0, p["gain"] ** 2 / max(math.prod(shape[:-1]), shape[-1])


def _identity_moments(p, fans, shape):
    # min(rows, cols) entries of gain among rows·cols, the rest 0
    share = min(shape[-2:]) / math.prod(shape[-2:])
    return p["gain"] * share, p["gain"] ** 2 * share * (1 - share)


def _kaiming_moments(p, fans, shape):
    return 0.0, calculate_gain(p["nonlinearity"], p["a"]) ** 2 / fan(fans, p["mode"])


def _xavier_moments(p, fans, shape):
    return 0.0, p["gain"] ** 2 / fan(fans, "fan_avg")


def _sparse_moments(p, fans, shape):
    kept = 1 - math.ceil(p["sparsity"] * shape[-1]) / shape[-1]
    return 0.0, p["std"] ** 2 * kept


def _fan_in_uniform_moments(p, fans, shape):  # U[-1/√fan_in, 1/√fan_in]
    return 0.0, 1.0 / (3 * fans[0])


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Initializer:
    """One initializer: its function (parameters and defaults from its signature, the
    formula the app shows from its docstring's first line), what it is for in one line, and
    the (mean, variance) of what it draws."""

    fn: Callable
    description: str
    moments: Callable  # (params, fans, shape) -> (mean, variance)
    name: str = ""  # the function's name unless the literature's is not an identifier
    data_dependent: bool = False  # applied by the trainer, which has the data
    defaults: dict = field(init=False)  # its parameters after (shape, rng, fans)
    formula: str = field(init=False)

    def __post_init__(self):
        params = list(inspect.signature(self.fn).parameters.values())[3:]
        object.__setattr__(self, "name", self.name or self.fn.__name__)
        object.__setattr__(self, "defaults", {p.name: p.default for p in params})
        object.__setattr__(self, "formula", self.fn.__doc__.strip().splitlines()[0])


_TABLE = [
    Initializer(zeros, "Every weight 0: all units compute the same thing and get the same "
                "update.", _fixed(0.0)),
    Initializer(ones, "Every weight 1: symmetric like zeros, and it saturates or explodes "
                "with depth.", _fixed(1.0)),
    Initializer(constant, "Every weight the same value: the symmetry is never broken.",
                lambda p, fans, shape: (p["value"], 0.0)),
    Initializer(random_normal, "Keras's fixed-scale normal; ignores the layer's size.",
                lambda p, fans, shape: (p["mean"], p["stddev"] ** 2)),
    Initializer(random_uniform, "Keras's fixed-scale uniform; ignores the layer's size.",
                lambda p, fans, shape: _uniform_moments(p["minval"], p["maxval"])),
    # redrawn beyond ±2 std: the variance of N(0, 1) on [-2, 2] is TRUNCATED_STD²
    Initializer(truncated_normal, "Fixed-scale normal without the outliers beyond two std.",
                lambda p, fans, shape: (p["mean"], (p["stddev"] * TRUNCATED_STD) ** 2)),
    Initializer(variance_scaling, "The general rule behind Glorot, He and LeCun: variance "
                "scale/n.", lambda p, fans, shape: (0.0, p["scale"] / fan(fans, p["mode"]))),
    Initializer(orthogonal, "A random rotation: preserves the norm of every signal in a "
                "linear net.", _orthogonal_moments),
    Initializer(identity, "The identity matrix: each unit copies one input (square layers).",
                _identity_moments),
    Initializer(glorot_uniform, "Xavier/Glorot: keeps forward and backward variance for "
                "tanh-like units.", _scaled_moments(1.0, "fan_avg")),
    Initializer(glorot_normal, "Glorot's variance 2/(fan_in+fan_out), truncated normal.",
                _scaled_moments(1.0, "fan_avg")),
    Initializer(he_uniform, "He/Kaiming: variance 2/fan_in makes up for ReLU zeroing half "
                "the signal.", _scaled_moments(2.0, "fan_in")),
    Initializer(he_normal, "He's variance 2/fan_in, truncated normal (Keras).",
                _scaled_moments(2.0, "fan_in")),
    Initializer(lecun_uniform, "LeCun: variance 1/fan_in, for SELU and self-normalising "
                "nets.", _scaled_moments(1.0, "fan_in")),
    Initializer(lecun_normal, "LeCun's variance 1/fan_in, truncated normal; SELU's partner.",
                _scaled_moments(1.0, "fan_in")),
    Initializer(kaiming_uniform, "PyTorch's He uniform with a gain for the nonlinearity.",
                _kaiming_moments),
    Initializer(kaiming_normal, "PyTorch's He normal (untruncated) with a gain for the "
                "nonlinearity.", _kaiming_moments),
    Initializer(xavier_uniform, "PyTorch's Glorot uniform with an optional gain.",
                _xavier_moments),
    Initializer(xavier_normal, "PyTorch's Glorot normal (untruncated) with an optional gain.",
                _xavier_moments),
    Initializer(torch_default, "What nn.Linear does: uniform within 1/sqrt(fan_in), bias too "
                "(bias initializer auto).", _fan_in_uniform_moments),
    Initializer(sparse, "Martens's sparse init: a share of each unit's inputs zero (10% by "
                "default), the rest small normal.", _sparse_moments),
    Initializer(uniform_0_3, "A fixed range from early papers, blind to the layer's size.",
                _fixed(*_uniform_moments(-0.3, 0.3)), name="uniform_0.3"),
    Initializer(uniform_0_1, "All-positive weights: units start correlated.",
                _fixed(*_uniform_moments(0.0, 1.0))),
    Initializer(uniform_1, "A wide fixed range: saturates tanh and sigmoid units.",
                _fixed(*_uniform_moments(-1.0, 1.0))),
    Initializer(glorot_standard, "The heuristic Glorot & Bengio compared against: "
                "U[-1/sqrt(n), 1/sqrt(n)].", _fan_in_uniform_moments),
    # before its data-dependent rescaling, which nothing but the data can know
    Initializer(lsuv, "Layer-sequential unit variance: orthogonal, then rescaled on real "
                "data.", lambda p, fans, shape: (0.0, 1.0 / max(shape[0], shape[-1])),
                data_dependent=True),
]
SPECS = {entry.name: entry for entry in _TABLE}
NAMES = tuple(SPECS)


def spec(name: str) -> Initializer:
    if name not in SPECS:
        raise ValueError(f"unknown initializer {name!r}; valid choices: {', '.join(NAMES)}")
    return SPECS[name]


def moments(name: str, params, shape, fans=None) -> tuple[float, float]:
    """(mean, variance) of one entry that initializer ``name`` draws for an array of
    ``shape`` (``fans``: its layer's, for a bias drawn with them), exactly from its formula."""
    p = check_params(name, dict(params))
    shape = tuple(int(s) for s in shape)
    fans = compute_fans(shape) if fans is None else tuple(fans)
    mean, var = SPECS[name].moments(p, fans, shape)
    return float(mean), float(var)


def uniform_bounds(name: str, params, shape) -> tuple[float, float] | None:
    """[a, b] of an initializer that draws every weight from one uniform distribution
    (its formula says ``~ U[``, or variance_scaling's ``distribution="uniform"``), from its
    exact mean and variance (b - a = √(12·variance)); None for any other."""
    p = check_params(name, dict(params))
    if "~ U[" not in SPECS[name].formula and not (
            name == "variance_scaling" and p["distribution"] == "uniform"):
        return None
    mean, var = moments(name, p, shape)
    half = math.sqrt(3.0 * var)
    return mean - half, mean + half


# Allowed values and bounds of the parameters, for messages the user can act on.
PARAM_CHOICES = {
    "mode": FAN_MODES,
    "distribution": DISTRIBUTIONS,
    "nonlinearity": ("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "selu"),
}
_POSITIVE = {"stddev", "scale", "std"}
_PARAM_BOUND = 1e6  # any larger magnitude is a typo, and would overflow the forward pass


def check_params(name: str, params: dict) -> dict:
    """Full parameter set of ``name``: defaults overridden by ``params``, each value checked."""
    s = spec(name)
    unknown = set(params) - set(s.defaults)
    if unknown:
        allowed = ", ".join(s.defaults) if s.defaults else "none"
        raise ValueError(
            f"initializer {name!r} has no parameter {', '.join(sorted(unknown))}; "
            f"its parameters: {allowed}"
        )
    full = {**s.defaults, **params}
    for key, value in full.items():
        default = s.defaults[key]
        if isinstance(default, str):
            if value not in PARAM_CHOICES[key]:
                raise ValueError(
                    f"{name} parameter {key}={value!r} is not valid; "
                    f"choose one of {', '.join(PARAM_CHOICES[key])}"
                )
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} parameter {key}={value!r} must be a number")
        value = float(value)
        full[key] = value
        if not math.isfinite(value) or abs(value) > _PARAM_BOUND:
            raise ValueError(
                f"{name} parameter {key}={value!r} is out of range; "
                f"allowed: a finite number within ±{_PARAM_BOUND:g}"
            )
        if key in _POSITIVE and value <= 0:
            raise ValueError(f"{name} parameter {key}={value!r} must be > 0")
    if name == "sparse" and not 0.0 <= full["sparsity"] < 1.0:
        raise ValueError(f"sparse parameter sparsity={full['sparsity']!r}: allowed 0 <= s < 1")
    if name == "random_uniform" and full["minval"] > full["maxval"]:
        raise ValueError(
            f"random_uniform needs minval <= maxval, got {full['minval']} > {full['maxval']}"
        )
    return full


def get(name: str, **params):
    """The initializer ``name`` with ``params`` bound: ``init(shape, rng, fans=None)``."""
    s = spec(name)
    full = check_params(name, params)

    def init(shape, rng, fans=None):
        shape = tuple(int(d) for d in shape)
        fans = compute_fans(shape) if fans is None else tuple(fans)
        return np.asarray(s.fn(shape, rng, fans, **full), dtype=np.float64)

    init.name, init.params, init.spec = name, full, s
    init.data_dependent = s.data_dependent
    return init


def describe(name: str, params: dict | None = None) -> str:
    """One line for a listing: name(params) formula."""
    s = spec(name)
    shown = {**s.defaults, **(params or {})}
    args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return f"{name}({args}): {s.formula}"
