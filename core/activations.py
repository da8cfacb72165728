"""Activations as a table: adding one is one entry (scikit-learn's ``_base.py`` style).

Each entry has ``f(z)`` and ``df(z, a)``: the derivative given the pre-activation ``z`` and
the activation ``a = f(z)``, so that backprop reuses what the forward pass computed.
``gain`` is PyTorch's ``calculate_gain`` where PyTorch defines one and otherwise
``1/sqrt(E[f(z)^2])`` for z ~ N(0, 1), the factor that keeps the second moment of a
signal through a layer with Var(W) = gain²/fan_in.

The module also gives exact Gaussian expectations E[g(z)], z ~ N(μ, q), of f, f² and f'²
(``gaussian_moments``), the mean-field theory's raw material: closed forms for the
piecewise-linear activations, and otherwise a quadrature split at the kink z = 0 so that no
node ever sits on it (``gaussian_nodes``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.initializers import calculate_gain

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
LEAKY_SLOPE = 0.01
_GELU_C = np.sqrt(2 / np.pi)
_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2 * math.pi)

# ---------------------------------------------------------------------- erf
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638, with the coefficients of his CALERF (netlib specfun): near-minimax to
# about 18 digits on [0, 0.46875] (erf), [0.46875, 4] and [4, inf) (erfc·e^{x²}).
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_SMALL = 0.46875
_ERFC_ZERO = 26.6  # erfc(x) underflows to 0 beyond about 26.55
_INV_SQRT_PI = 0.56418958354775628695


def _erf_small(x):
    """erf(x) for |x| <= 0.46875: x·A(x²)/B(x²)."""
    s = x * x
    a, b = _ERF_A, _ERF_B
    num = a[4] * s
    den = s + b[0]
    for k in range(3):
        num += a[k]
        num *= s
        den *= s
        den += b[k + 1]
    num += a[3]
    num /= den
    num *= x
    return num


def _cd(y):
    """C(y)/D(y) = exp(y²)·erfc(y) for 0.46875 < y <= 4 (in place on fresh arrays: this is
    most of the work of GELU, which runs in every training step)."""
    c, d = _ERF_C, _ERF_D
    num = c[8] * y
    den = y + d[0]
    for k in range(7):
        num += c[k]
        num *= y
        if k:
            den += d[k]
        den *= y
    num += c[7]
    den += d[7]
    num /= den
    return num


def _pq(y):
    """exp(y²)·erfc(y) for y > 4: (1/√π - P(1/y²)/Q(1/y²)/y²)/y."""
    p, q = _ERF_P, _ERF_Q
    s = 1.0 / (y * y)
    num, den = p[5] * s, s
    for k in range(4):
        num, den = (num + p[k]) * s, (den + q[k]) * s
    return (_INV_SQRT_PI - s * (num + p[4]) / (den + q[4])) / y


def _erfc_mid(y):
    """erfc(y) for 0.46875 < y <= 4."""
    out = _cd(y)
    # One exp of -y²: the rounding of y² costs at most y²·eps/2 <= 8 eps relative here.
    out *= np.exp(-y * y)
    return out


def _erfc_big(y):
    """erfc(y) for y > 4, 0 once it underflows."""
    # Cody's split y = y16 + (y - y16): exp(-y²) without the rounding of y², which at
    # y = 26 would cost 700 eps.
    out = np.zeros_like(y)
    live = y < _ERFC_ZERO
    t = y[live]
    t16 = np.trunc(t * 16.0) / 16.0
    with np.errstate(under="ignore"):
        out[live] = _pq(t) * np.exp(-t16 * t16) * np.exp(-(t - t16) * (t + t16))
    return out


def _erfc_regions(x):
    """(flat x, erfc(|x|) where |x| > 0.46875 and the indices of those, and the indices of
    |x| <= 0.46875): the three regions of Cody's approximation, evaluated each on its own
    elements only."""
    flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    y = np.abs(flat)
    small = np.flatnonzero(y <= _ERF_SMALL)
    mid = np.flatnonzero((y > _ERF_SMALL) & (y <= 4.0))
    big = np.flatnonzero(y > 4.0)  # NaN is in no region
    tail = np.empty_like(flat)
    tail[mid] = _erfc_mid(y[mid])
    if big.size:
        tail[big] = _erfc_big(y[big])
    large = mid if not big.size else np.concatenate([mid, big])
    return flat, tail, large, small


def erf(x):
    """The error function, vectorised, to within a few units in the last place."""
    flat, tail, large, small = _erfc_regions(x)
    out = np.full_like(flat, np.nan)
    out[small] = _erf_small(flat[small])
    t = tail[large]
    out[large] = np.where(flat[large] < 0, t - 1.0, 1.0 - t)
    return out.reshape(np.shape(x))


def erfc(x):
    """1 - erf(x), accurate in relative terms where it is tiny (x large)."""
    flat, tail, large, small = _erfc_regions(x)
    out = np.full_like(flat, np.nan)
    out[small] = 1.0 - _erf_small(flat[small])
    t = tail[large]
    out[large] = np.where(flat[large] < 0, 2.0 - t, t)
    return out.reshape(np.shape(x))


def erfcx(x):
    """exp(x²)·erfc(x) for x >= 0 (the scaled form that never underflows)."""
    x = np.asarray(x, dtype=np.float64)
    if np.any(x < 0):
        raise ValueError("erfcx: defined here for x >= 0 only")
    out = np.empty_like(x)
    small = x <= _ERF_SMALL
    xs = x[small]
    out[small] = np.exp(xs * xs) * (1.0 - _erf_small(xs))
    mid = ~small & (x <= 4.0)
    out[mid] = _cd(x[mid])
    big = x > 4.0
    out[big] = _pq(x[big])
    out[np.isnan(x)] = np.nan
    return out


def norm_cdf(x):
    """Φ(x) = P(N(0, 1) <= x), accurate in both tails."""
    return 0.5 * erfc(-np.asarray(x, dtype=np.float64) / _SQRT2)


def norm_pdf(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * x * x) / _SQRT_2PI


# ---------------------------------------------------------------------- the functions
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
    # The exact GELU, x·Φ(x) (PyTorch's default nn.GELU()); Φ through erfc keeps the left
    # tail accurate where 1 + erf(x/√2) would cancel.
    return 0.5 * z * erfc(-z / _SQRT2)


def _gelu_df(z, a):
    # Φ(z) = a/z to two roundings (a = z·Φ(z) has no cancellation): one erfc, not two.
    with np.errstate(invalid="ignore", divide="ignore"):
        cdf = np.where(z != 0, a / np.where(z != 0, z, 1.0), 0.5)
    return cdf + z * np.exp(-0.5 * z * z) / _SQRT_2PI


def _gelu_tanh(z):
    # The tanh approximation (PyTorch's nn.GELU(approximate="tanh")).
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _gelu_tanh_df(z, a):
    t = np.tanh(_GELU_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * z * z)


def _swish_df(z, a):
    s = _sigmoid(z)
    return s + z * s * (1 - s)


# ---------------------------------------------------------------------- closed forms
def _halves(mu, q):
    """For z ~ N(μ, q): P(z > 0), E[z; z > 0], E[z²; z > 0] and the same for z < 0 (the
    truncated moments, via Φ and φ of μ/σ). q = 0 is the point mass at μ."""
    mu, q = np.broadcast_arrays(np.asarray(mu, float), np.maximum(np.asarray(q, float), 0.0))
    sigma = np.sqrt(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(sigma > 0, mu / np.where(sigma > 0, sigma, 1.0),
                     np.where(mu > 0, np.inf, -np.inf))
    p_pos, p_neg = norm_cdf(a), norm_cdf(-a)
    sphi = np.where(sigma > 0, sigma * norm_pdf(np.where(np.isfinite(a), a, 0.0)), 0.0)
    sphi = np.where(np.isfinite(a), sphi, 0.0)
    m2 = mu * mu + q
    pos = (p_pos, mu * p_pos + sphi, m2 * p_pos + mu * sphi)
    neg = (p_neg, mu * p_neg - sphi, m2 * p_neg - mu * sphi)
    return pos, neg


def _leaky_moments(slope):
    """(E f, E f², E f'²) of f(z) = z (z > 0), slope·z (z < 0): exact for any μ, q."""

    def moments(mu, q):
        (p1, e1, s1), (p0, e0, s0) = _halves(mu, q)
        return e1 + slope * e0, s1 + slope * slope * s0, p1 + slope * slope * p0

    return moments


def _leaky_smoothing(slope):
    def smoothing(mu, q):
        (p1, e1, _), (p0, e0, _) = _halves(mu, q)
        return e1 + slope * e0, p1 + slope * p0

    return smoothing


def _linear_moments(mu, q):
    mu, q = np.broadcast_arrays(np.asarray(mu, float), np.maximum(np.asarray(q, float), 0.0))
    return mu + 0.0, mu * mu + q, np.ones_like(mu)


def _linear_smoothing(mu, q):
    mu, q = np.broadcast_arrays(np.asarray(mu, float), np.asarray(q, float))
    return mu + 0.0, np.ones_like(mu)


def _exp_below_zero(mu, q):
    """E[e^z; z < 0] for z ~ N(μ, q) = e^{μ+q/2}·Φ(-(μ+q)/σ), without overflow: for
    c = (μ+q)/σ >= 0 it is e^{-a²/2}·erfcx(c/√2)/2 with a = μ/σ."""
    mu, q = np.broadcast_arrays(np.asarray(mu, float), np.maximum(np.asarray(q, float), 0.0))
    sigma = np.sqrt(q)
    safe = np.where(sigma > 0, sigma, 1.0)
    a, c = mu / safe, (mu + q) / safe
    scaled = np.exp(-0.5 * a * a) * 0.5 * erfcx(np.maximum(c, 0.0) / _SQRT2)
    with np.errstate(over="ignore"):
        direct = np.exp(np.minimum(mu + 0.5 * q, 700.0)) * norm_cdf(-c)
    out = np.where(c >= 0, scaled, direct)
    return np.where(sigma > 0, out, np.where(mu < 0, np.exp(np.minimum(mu, 0.0)), 0.0))


def _elu_smoothing(scale, alpha):
    """(E f, E f') of scale·(z if z > 0 else alpha·(e^z - 1)): ELU (1, 1) and SELU."""

    def smoothing(mu, q):
        (p1, e1, _), (p0, _, _) = _halves(mu, q)
        ex = _exp_below_zero(mu, q)
        return scale * (e1 + alpha * (ex - p0)), scale * (p1 + alpha * ex)

    return smoothing


# ---------------------------------------------------------------------- the table
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
    # Optional closed forms over z ~ N(μ, q), arrays broadcast: moments(μ, q) gives
    # (E f, E f², E f'²) and smoothing(μ, q) gives (E f, E f'). Quadrature otherwise.
    moments: Callable | None = None
    smoothing: Callable | None = None
    # f is analytic in a strip around the real axis (no kink in f or any derivative): a
    # plain Gauss-Hermite rule then converges fast where σ is small.
    analytic: bool = False
    # The values f approaches but never passes (None: no bound on that side): outputs
    # pinned near one of them are saturated, their slope near 0 (core.telemetry).
    bounds: tuple[float | None, float | None] = (None, None)

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


def _selu(z):
    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))


_TABLE = [
    Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), "linear",
               moments=_linear_moments, smoothing=_linear_smoothing),
    Activation("sigmoid", _sigmoid, lambda z, a: a * (1 - a), "sigmoid", analytic=True,
               bounds=(0.0, 1.0)),
    Activation("tanh", np.tanh, lambda z, a: 1 - a * a, "tanh",
               f_into=lambda z, out: np.tanh(z, out=out), df_into=_tanh_df_into,
               analytic=True, bounds=(-1.0, 1.0)),
    Activation("relu", lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype), "relu",
               kinked=True, f_into=lambda z, out: np.maximum(z, 0, out=out),
               df_into=_relu_df_into, moments=_leaky_moments(0.0),
               smoothing=_leaky_smoothing(0.0)),
    Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
               lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE), "leaky_relu", kinked=True,
               moments=_leaky_moments(LEAKY_SLOPE), smoothing=_leaky_smoothing(LEAKY_SLOPE)),
    Activation("elu", lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
               lambda z, a: np.where(z > 0, 1.0, a + 1), kinked=True,
               smoothing=_elu_smoothing(1.0, 1.0), bounds=(-1.0, None)),
    Activation("selu", _selu,
               lambda z, a: np.where(z > 0, SELU_SCALE, a + SELU_SCALE * SELU_ALPHA), "selu",
               kinked=True, smoothing=_elu_smoothing(SELU_SCALE, SELU_ALPHA),
               bounds=(-SELU_SCALE * SELU_ALPHA, None)),
    Activation("gelu", _gelu, _gelu_df, analytic=True),
    Activation("gelu_tanh", _gelu_tanh, _gelu_tanh_df, analytic=True),
    Activation("softsign", lambda z: z / (1 + np.abs(z)), lambda z, a: 1 / (1 + np.abs(z)) ** 2,
               bounds=(-1.0, 1.0)),
    Activation("swish", lambda z: z * _sigmoid(z), _swish_df, analytic=True),
]
ACTIVATIONS = {a.name: a for a in _TABLE}
NAMES = tuple(ACTIVATIONS)


def get(name: str) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid choices: {', '.join(NAMES)}")
    return ACTIVATIONS[name]


# ---------------------------------------------------------------------- Gaussian expectations
# E[g(z)] for z ~ N(μ, q) as ∫ g(μ + σt) φ(t) dt over |t| <= QUAD_T (the rest weighs
# below 1e-21, even against g growing like z²), cut into panels with Gauss-Legendre nodes
# on each. The cuts: every QUAD_T_STEP in t (the Gaussian), and at z = 0 (the kink of relu
# and kin: no node ever sits on it, so one-sided derivatives never enter) and at
# z = ±1, ±2, ±4, … (so that a wide σ still resolves what f does near 0, where tanh or
# sigmoid turn in a width of about 1). Smooth or kinked, each panel's integrand is smooth.
QUAD_T = 10.0
QUAD_T_STEP = 2.5
QUAD_ORDER = 20
_T_CUTS = np.arange(-QUAD_T, QUAD_T + QUAD_T_STEP / 2, QUAD_T_STEP)
_Z_CUTS = np.array([0.0] + [s * 2.0**k for k in range(-1, 7) for s in (-1.0, 1.0)])
# A coarser rule for the nested (two-input) expectations of the theory, which need
# thousands of them per layer and far less than 1e-12: good to about 1e-7.
_COARSE = (np.arange(-8.0, 8.5, 2.0), np.array([0.0, -1.0, 1.0, -3.0, 3.0, -9.0, 9.0]), 8)
_GL = {}


def _legendre(order):
    if order not in _GL:
        _GL[order] = np.polynomial.legendre.leggauss(order)
    return _GL[order]


def gaussian_nodes(mu, q, extra_cuts=None, coarse=False):
    """Nodes z and weights w, shape broadcast(μ, q) + (n,), with Σ w·g(z) = E[g(z)] for
    z ~ N(μ, q). ``extra_cuts`` (broadcastable to the same shape + (k,)) adds panel ends
    in z where a g is known to turn sharply. q = 0 puts every node at μ. ``coarse``: the
    cheaper rule (about 1e-7) for expectations nested in others."""
    t_fixed, z_fixed, order = _COARSE if coarse else (_T_CUTS, _Z_CUTS, QUAD_ORDER)
    bound = t_fixed[-1]
    mu, q = np.broadcast_arrays(np.asarray(mu, float), np.maximum(np.asarray(q, float), 0.0))
    sigma = np.sqrt(q)
    cuts = np.broadcast_to(z_fixed, mu.shape + z_fixed.shape)
    if extra_cuts is not None:
        extra = np.broadcast_to(extra_cuts, mu.shape + np.shape(extra_cuts)[-1:])
        cuts = np.concatenate([cuts, extra], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cuts = (cuts - mu[..., None]) / sigma[..., None]
    t_cuts = np.clip(np.where(np.isnan(t_cuts), bound, t_cuts), -bound, bound)
    ends = np.sort(np.concatenate(
        [np.broadcast_to(t_fixed, mu.shape + t_fixed.shape), t_cuts], axis=-1), axis=-1)
    lo, hi = ends[..., :-1, None], ends[..., 1:, None]
    x, w = _legendre(order)
    half = 0.5 * (hi - lo)
    t = lo + half * (x + 1)
    weights = half * w * np.exp(-0.5 * t * t) / _SQRT_2PI
    shape = mu.shape + (-1,)
    z = mu[..., None] + sigma[..., None] * t.reshape(shape)
    return z, weights.reshape(shape)


def gaussian_expect(fn, q, mu=0.0):
    """E[fn(z)] for z ~ N(μ, q), by quadrature (arrays μ and q broadcast)."""
    z, w = gaussian_nodes(mu, q)
    return np.sum(w * fn(z), axis=-1)


def gaussian_mean(fn, q, mu=0.0):
    """E[fn(z)] for z ~ N(μ, q): a float for scalar μ and q, else an array."""
    out = gaussian_expect(fn, q, mu)
    return float(out) if np.ndim(out) == 0 else out


def gaussian_moments(act: Activation, q, mu=0.0):
    """(E[f(z)], E[f(z)²], E[f'(z)²]) for z ~ N(μ, q): closed forms where the table has
    them, otherwise quadrature split at the kink."""
    if act.moments is not None:
        return act.moments(mu, q)
    z, w = gaussian_nodes(mu, q)
    a = act.f(z)
    d = act.df(z, a)
    return np.sum(w * a, -1), np.sum(w * a * a, -1), np.sum(w * d * d, -1)


def gaussian_smoothing(act: Activation, q, mu=0.0, coarse=False):
    """(E[f(z)], E[f'(z)]) for z ~ N(μ, q): closed forms where the table has them, else
    quadrature (``coarse``: gaussian_nodes' cheaper rule)."""
    if act.smoothing is not None:
        return act.smoothing(mu, q)
    z, w = gaussian_nodes(mu, q, coarse=coarse)
    a = act.f(z)
    return np.sum(w * a, -1), np.sum(w * act.df(z, a), -1)


def _gain(act: Activation) -> float:
    if act.torch_name:
        return calculate_gain(act.torch_name, LEAKY_SLOPE if act.name == "leaky_relu" else None)
    return float(1 / np.sqrt(gaussian_moments(act, 1.0)[1]))


GAINS = {a.name: _gain(a) for a in _TABLE}
_Z = np.linspace(-10, 10, 200_001)
DF_MAX = {a.name: float(np.max(a.df(_Z, a.f(_Z)))) for a in _TABLE}
