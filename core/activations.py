"""Activations as a table: adding one is one entry (scikit-learn's ``_base.py`` style).

Each entry has ``f(z)`` and ``df(z, a)``: the derivative given the pre-activation ``z`` and
the activation ``a = f(z)``, so that backprop reuses what the forward pass computed.
``gain`` is PyTorch's ``calculate_gain`` where PyTorch defines one and otherwise
``1/sqrt(E[f(z)^2])`` for z ~ N(0, 1), the factor that keeps the second moment of a
signal through a layer with Var(W) = gain²/fan_in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.initializers import calculate_gain

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
LEAKY_SLOPE = 0.01
_GELU_C = np.sqrt(2 / np.pi)


def _sigmoid(z):
    # Two branches so that exp never overflows.
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def _tanh_df_into(z, a, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)


def _relu_df_into(z, a, out):
    np.greater(z, 0, out=out)


def _gelu(z):
    # The tanh approximation (PyTorch's approximate="tanh"): numpy has no vectorised erf.
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _gelu_df(z, a):
    t = np.tanh(_GELU_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * z * z)


def _swish_df(z, a):
    s = _sigmoid(z)
    return s + z * s * (1 - s)


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable
    df: Callable
    torch_name: str | None = None  # the name calculate_gain knows it by, if any
    kinked: bool = False  # derivative jumps at 0: finite differences must avoid z = 0
    # Optional forms that write into a given array: the training step fills preallocated
    # buffers, and a fresh result copied in costs as much as tanh itself at these sizes.
    f_into: Callable | None = None  # f_into(z, out)
    df_into: Callable | None = None  # df_into(z, a, out)

    def apply(self, z, out):
        """out[...] = f(z)."""
        if self.f_into is None:
            out[...] = self.f(z)
        else:
            self.f_into(z, out)
        return out

    def derivative(self, z, a, out):
        """out[...] = f'(z), given a = f(z)."""
        if self.df_into is None:
            out[...] = self.df(z, a)
        else:
            self.df_into(z, a, out)
        return out

    @property
    def gain(self) -> float:
        return GAINS[self.name]

    @property
    def df_max(self) -> float:
        return DF_MAX[self.name]


_TABLE = [
    Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), "linear"),
    Activation("sigmoid", _sigmoid, lambda z, a: a * (1 - a), "sigmoid"),
    Activation("tanh", np.tanh, lambda z, a: 1 - a * a, "tanh",
               f_into=lambda z, out: np.tanh(z, out=out), df_into=_tanh_df_into),
    Activation("relu", lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype), "relu",
               kinked=True, f_into=lambda z, out: np.maximum(z, 0, out=out),
               df_into=_relu_df_into),
    Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
               lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE), "leaky_relu", kinked=True),
    Activation("elu", lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
               lambda z, a: np.where(z > 0, 1.0, a + 1), kinked=True),
    Activation("selu",
               lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0))),
               lambda z, a: np.where(z > 0, SELU_SCALE, a + SELU_SCALE * SELU_ALPHA), "selu",
               kinked=True),
    Activation("gelu", _gelu, _gelu_df),
    Activation("softsign", lambda z: z / (1 + np.abs(z)), lambda z, a: 1 / (1 + np.abs(z)) ** 2),
    Activation("swish", lambda z: z * _sigmoid(z), _swish_df),
]
ACTIVATIONS = {a.name: a for a in _TABLE}
NAMES = tuple(ACTIVATIONS)


def get(name: str) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid choices: {', '.join(NAMES)}")
    return ACTIVATIONS[name]


# Gauss-Hermite nodes for expectations over z ~ N(0, q): exact enough for smooth f, and
# good to ~1e-4 for the kinked ones, which is far below what a plot can show.
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(121)
_GH_W = _GH_W / _GH_W.sum()


def gaussian_mean(fn, q: float) -> float:
    """E[fn(z)] for z ~ N(0, q)."""
    return float(_GH_W @ fn(np.sqrt(max(q, 0.0)) * _GH_X))


def _gain(act: Activation) -> float:
    if act.torch_name:
        return calculate_gain(act.torch_name, LEAKY_SLOPE if act.name == "leaky_relu" else None)
    return float(1 / np.sqrt(gaussian_mean(lambda z: act.f(z) ** 2, 1.0)))


GAINS = {a.name: _gain(a) for a in _TABLE}
_Z = np.linspace(-10, 10, 200_001)
DF_MAX = {a.name: float(np.max(a.df(_Z, a.f(_Z)))) for a in _TABLE}
