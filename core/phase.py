"""The order–chaos phase diagram of a deep random network (Poole et al. 2016; Schoenholz et
al. 2017, *Deep Information Propagation*).

A wide network whose weights have Var(W) = σ_w²/fan_in and whose biases have Var(b) = σ_b²
carries, layer after layer, a pre-activation variance q and, between two inputs, a
correlation c. For z, z₁, z₂ independent standard normals and u₁, u₂ ~ N(0, q*) with
correlation c:

    q ↦ σ_w²·E[φ(√q z)²] + σ_b²                     its fixed point q*
    χ₁ = σ_w²·E[φ'(√q* z)²]                          < 1 ordered, > 1 chaotic
    c ↦ (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²) / q*             its stable fixed point c*
    ξ_c = -1 / ln(σ_w²·E[φ'(u₁)φ'(u₂)] at c*)         correlations fade over ξ_c layers
    ξ_q = -1 / ln(σ_w²·d/dq E[φ(√q z)²] at q*)        the variance settles over ξ_q layers

On the ordered side c* = 1 and ξ_c = -1/ln χ₁; ξ_c diverges on the critical line χ₁ = 1,
and a network trains when its depth is below about 6·ξ_c (Schoenholz et al., Fig. 5).

Every expectation is exact to quadrature precision: one-variable ones from
``core.activations`` (closed forms for the piecewise-linear activations, quadrature split at
the kink otherwise), two-variable ones by the same trick the papers use, u_i = √q(√c·z +
√(1-c)·y_i): then E[φ(u₁)φ(u₂)] = E_z[(E_y φ)²] and E[φ'(u₁)φ'(u₂)] = E_z[(E_y φ')²], a
Gaussian smoothing (``gaussian_smoothing``) inside a one-variable expectation. (A plain 2-D
Gauss–Hermite rule was measured off by 1e-3 for tanh at q = 5: tanh turns within a small
part of σ there, which a global polynomial rule does not resolve.)

Unbounded activations (ReLU and kin) have no finite q* above their critical line: q* is
inf there, and the quantities that need it are NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import activations, initializers
from core.activations import gaussian_moments, gaussian_nodes, gaussian_smoothing

# φ(a·z) = a·φ(z) for a > 0: every one-variable expectation scales with q, so q* and the
# critical line have closed forms.
HOMOGENEOUS = ("linear", "relu", "leaky_relu")
Q_TINY = 1e-24  # q* = 0 is evaluated as this: the limit from above, both sides of a kink
Q_GRID = np.concatenate([[0.0], np.logspace(-8, 8, 161)])  # where fixed points are sought
WEIGHT_GRID = np.logspace(-2, 3, 126)  # where the critical σ_w² is sought
C_TOLERANCE = 1e-10  # c* to this: ξ_c's contours need far less
C_EDGE = 1e-7  # the correlation map is searched for a fixed point in [0, 1 - C_EDGE]
ITERATIONS = 100  # at most, of the root finder (it stops at TOLERANCE, in about ten)
HALVINGS = 4
TOLERANCE = 1e-13  # relative width of the bracket left around a root
# χ₁ this close to 1 is the critical line itself: at σ_b² = 0 tanh's q* creeps to 0 as
# q³, so the solver leaves χ₁ = 1 - 1e-15 where the theory says exactly 1.
CRITICAL_BAND = 1e-9
DEPTH_FACTOR = 6.0  # trainable depth ≈ 6·ξ_c (Schoenholz et al. 2017)
WEIGHT_VAR_RANGE = (0.05, 4.0)
BIAS_VAR_RANGE = (0.0, 0.3)
BIAS_VAR_MAX = 100.0  # the command line's bound on a bias variance


def _act(activation) -> activations.Activation:
    return activation if isinstance(activation, activations.Activation) else (
        activations.get(activation))


def _homogeneous(act) -> bool:
    return act.name in HOMOGENEOUS


def moments(act, q):
    """(E[φ(√q z)²], E[φ'(√q z)²]), q = 0 read as its limit Q_TINY."""
    if np.size(q) == 0:
        return np.zeros(np.shape(q)), np.zeros(np.shape(q))
    _, e2, d2 = gaussian_moments(act, np.maximum(np.asarray(q, float), Q_TINY))
    return np.asarray(e2, float), np.asarray(d2, float)


def moment_slope(act, q):
    """d/dq E[φ(√q z)²] = E[φ(u)²·(u²/q - 1)] / (2q), u ~ N(0, q) (the derivative of the
    Gaussian density in its variance: no φ'' needed)."""
    q = np.maximum(np.asarray(q, float), Q_TINY)
    u, w = gaussian_nodes(0.0, q)
    f2 = act.f(u) ** 2
    return np.sum(w * f2 * (u * u / q[..., None] - 1.0), -1) / (2 * q)


def _solve(h, lo, hi, h_lo, h_hi, floor=0.0, tol=None):
    """The root of h in [lo, hi] (1-D arrays), given h(lo) >= 0 > h(hi): lo where h(lo) = 0.

    HALVINGS bisection steps (an end where h is nearly 0, like the correlation map's at
    c = 1, would otherwise pull false position to it), then the Illinois method (false
    position, halving the value kept at an end that stays put twice): superlinear, and the
    bracket always holds the root. ``h(x, rows)`` evaluates at x for those rows only, so
    converged rows cost nothing more. Stops where the bracket is narrower than
    tol·max(|x|, floor) (tol: TOLERANCE), or x moved by less."""
    lo, hi, h_lo, h_hi = (np.array(v, float) for v in (lo, hi, h_lo, h_hi))
    x = np.where(h_lo == 0, lo, np.nan)
    rows = np.flatnonzero(h_lo != 0)
    kept = np.zeros(lo.shape, int)  # +1: lo stayed last time, -1: hi stayed
    for step_no in range(ITERATIONS):
        if not rows.size:
            break
        a, b, fa, fb = lo[rows], hi[rows], h_lo[rows], h_hi[rows]
        t = np.clip(fa / (fa - fb), 0.0, 1.0) if step_no >= HALVINGS else 0.5
        xr = a + t * (b - a)
        fx = h(xr, rows)
        up = fx >= 0  # the root is above xr
        lo[rows], h_lo[rows] = np.where(up, xr, a), np.where(up, fx, fa)
        hi[rows], h_hi[rows] = np.where(up, b, xr), np.where(up, fb, fx)
        stay = np.where(up, -1, 1)
        again = kept[rows] == stay
        h_hi[rows] = np.where(again & up, 0.5 * h_hi[rows], h_hi[rows])
        h_lo[rows] = np.where(again & ~up, 0.5 * h_lo[rows], h_lo[rows])
        kept[rows] = stay
        with np.errstate(invalid="ignore"):
            step = np.abs(xr - x[rows])
        x[rows] = xr
        scale = (tol or TOLERANCE) * np.maximum(np.abs(xr), floor)
        done = (fx == 0) | (step <= scale) | (hi[rows] - lo[rows] <= scale)
        rows = rows[~done]
    return x


def _grid_root(h, h_grid, grid, missing):
    """Per row: the first downward root of h on ``grid``, h_grid (N, K) its values there,
    refined by _solve (``h(x, rows)`` for 1-D x); ``missing`` where there is none."""
    k, found = _first_crossing(h_grid)
    at = np.arange(len(k))
    x = _solve(h, grid[k], grid[k + 1], h_grid[at, k], h_grid[at, k + 1])
    zero = h_grid[:, 0] == 0  # a root at the grid's start: flat noise after it is no root
    return np.where(zero, grid[0], np.where(found, x, missing))


def _first_crossing(values):
    """Per row of ``values`` (..., K): the first k with values[k] >= 0 > values[k + 1], and
    whether there is one."""
    cross = (values[..., :-1] >= 0) & (values[..., 1:] < 0)
    return np.argmax(cross, -1), cross.any(-1)


# ---------------------------------------------------------------------- the variance map


def q_map(activation, q, weight_var, bias_var):
    """q ↦ σ_w²·E[φ(√q z)²] + σ_b²."""
    return weight_var * moments(_act(activation), q)[0] + bias_var


def q_fixed_point(activation, weight_var, bias_var):
    """q*, the stable fixed point of q_map reached from any q > 0 (arrays broadcast).

    Homogeneous φ: q* = σ_b² / (1 - σ_w²κ), κ = E[φ(z)²], finite only below σ_w²κ = 1 (inf
    above it, and NaN on it at σ_b² = 0, where every q is a fixed point). Otherwise the first
    downward crossing of q_map(q) - q on Q_GRID, refined (_solve); inf if q_map(q) > q
    up to 1e8."""
    act = _act(activation)
    w, b = np.broadcast_arrays(np.asarray(weight_var, float), np.asarray(bias_var, float))
    if _homogeneous(act):
        slope = w * moments(act, 1.0)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(slope < 1, b / (1 - slope), np.inf)
        return np.where((slope == 1) & (b == 0), np.nan, q)
    w_, b_ = w.ravel(), b.ravel()

    def h(q, rows):
        return w_[rows] * moments(act, q)[0] + b_[rows] - q

    h_grid = w_[:, None] * moments(act, Q_GRID)[0] + b_[:, None] - Q_GRID
    return _grid_root(h, h_grid, Q_GRID, np.inf).reshape(w.shape)


def chi1(activation, weight_var, bias_var, q_star=None):
    """χ₁ = σ_w²·E[φ'(√q* z)²]: the growth of a small perturbation per layer (NaN where q*
    is infinite, unless φ is homogeneous and χ₁ does not depend on q)."""
    act = _act(activation)
    q = q_fixed_point(act, weight_var, bias_var) if q_star is None else q_star
    if _homogeneous(act):
        return np.asarray(weight_var, float) * moments(act, 1.0)[1] + 0 * np.nan_to_num(q)
    finite = np.isfinite(q)
    return np.where(finite, weight_var * moments(act, np.where(finite, q, 1.0))[1], np.nan)


# ---------------------------------------------------------------------- the correlation map


def pair_moments(activation, q, c):
    """(E[φ(u₁)φ(u₂)], E[φ'(u₁)φ'(u₂)]) for u₁, u₂ ~ N(0, q) with correlation c in [0, 1]:
    E_z[(E_y φ(√q(√c z + √(1-c) y)))²] and the same for φ' (coarse rules, about 1e-7)."""
    act = _act(activation)
    q, c = np.broadcast_arrays(np.asarray(q, float), np.clip(np.asarray(c, float), 0, 1))
    z, w = gaussian_nodes(0.0, q * c, coarse=True)
    g, gd = gaussian_smoothing(act, (q * (1 - c))[..., None], z, coarse=True)
    return np.sum(w * g * g, -1), np.sum(w * gd * gd, -1)


def c_map(activation, c, weight_var, bias_var, q_star):
    """c ↦ (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²) / q*."""
    return (weight_var * pair_moments(activation, q_star, c)[0] + bias_var) / q_star


def c_fixed_point(activation, weight_var, bias_var, q_star, chi):
    """c*: 1 on the ordered side (χ₁ <= 1); on the chaotic side the fixed point of c_map
    below 1, sought on [0, 1 - C_EDGE] (1 where the map is too close to critical to
    tell them apart); NaN where q* is 0, infinite or undefined."""
    act = _act(activation)
    w, b, q, chi = np.broadcast_arrays(*(np.asarray(v, float) for v in
                                         (weight_var, bias_var, q_star, chi)))
    out = np.where(chi <= 1, 1.0, np.nan)
    rows = np.flatnonzero(((chi > 1) & np.isfinite(q) & (q > 0)).ravel())
    if rows.size:
        w_, b_, q_ = (v.ravel()[rows] for v in (w, b, q))

        def h(c, at=slice(None)):
            return c_map(act, c, w_[at], b_[at], q_[at]) - c

        lo, hi = np.zeros(rows.size), np.full(rows.size, 1 - C_EDGE)
        h_lo, h_hi = h(lo), h(hi)
        c = _solve(h, lo, hi, h_lo, np.minimum(h_hi, -1e-300), floor=1.0,
                   tol=C_TOLERANCE)
        out.ravel()[rows] = np.where(h_hi >= 0, 1.0, c)
    return out


# ---------------------------------------------------------------------- depth scales


def _depth(rate):
    """-1/ln(rate): inf at rate >= 1 - CRITICAL_BAND, NaN where rate is."""
    rate = np.asarray(rate, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = -1.0 / np.log(np.where(rate > 0, rate, np.nan))
    return np.where(rate >= 1 - CRITICAL_BAND, np.inf, depth)


def mean_field(activation, weight_var, bias_var) -> dict:
    """Every mean-field quantity at (σ_w², σ_b²) (arrays broadcast): q_star, chi1, c_star,
    chi_c (σ_w²·E[φ'(u₁)φ'(u₂)] at c*), xi_c, xi_q."""
    act = _act(activation)
    w, b = np.broadcast_arrays(np.asarray(weight_var, float), np.asarray(bias_var, float))
    q = q_fixed_point(act, w, b)
    chi = chi1(act, w, b, q)
    c = c_fixed_point(act, w, b, q, chi)
    chi_c = np.array(chi, float)
    inner = np.isfinite(c) & (c < 1)
    if inner.any():
        chi_c[inner] = w[inner] * pair_moments(act, q[inner], c[inner])[1]
    chi_c = np.where(np.isnan(c), np.nan, chi_c)
    finite = np.isfinite(q)
    if _homogeneous(act):
        slope = w * moments(act, 1.0)[0]
    else:
        slope = w * moment_slope(act, np.where(finite, q, 1.0))
    slope = np.where(finite, slope, np.nan)
    return {"q_star": q, "chi1": chi, "c_star": c, "chi_c": chi_c, "xi_c": _depth(chi_c),
            "xi_q": _depth(slope)}


# ---------------------------------------------------------------------- the critical line


def _line_along_q(act, b_):
    """The critical σ_w² per σ_b² (1-D) through q*: σ_w²(q) = 1/E[φ'²](q) makes χ₁ = 1, and
    q = q_map(q) then needs σ_b²(q) = q - σ_w²(q)·E[φ²](q); the first q with σ_b²(q) = σ_b²,
    on Q_GRID, refined. Exact at q* = 0 (tanh's σ_w² = 1), but blind to whether that q*
    is the stable fixed point."""
    def bias_at(q):
        e2, d2 = moments(act, q)
        return q - e2 / d2

    # At q = 0 the limit -φ(0)²/E[φ'²] exactly (0 for odd φ): near 0 σ_b²(q) is flat to
    # rounding (tanh: O(q³)), and the root σ_b² = 0 would be found anywhere below 1e-8.
    grid = np.concatenate([[-float(act.f(np.zeros(1))[0]) ** 2 / moments(act, 0.0)[1]],
                           bias_at(Q_GRID[1:])])
    h_grid = b_[:, None] - grid  # >= 0 below the root, < 0 above: σ_b²(q) rises through b
    q = _grid_root(lambda q, rows: b_[rows] - bias_at(q), h_grid, Q_GRID, np.nan)
    return np.where(np.isfinite(q), 1.0 / moments(act, np.nan_to_num(q))[1], np.nan)


def critical_weight_var(activation, bias_var):
    """σ_w² where χ₁ = 1, per σ_b² (NaN where there is none for q* up to 1e8).

    Homogeneous φ: 1/E[φ'(z)²] for every σ_b² (ReLU 2, linear 1). Otherwise _line_along_q,
    kept where q_fixed_point agrees that χ₁ = 1 there; else the first σ_w²
    on WEIGHT_GRID where χ₁ (at the stable q* that q_fixed_point finds) passes 1, refined
    (_solve): along q*, GELU and swish land on fixed points of the q map that are unstable,
    which no network reaches. NaN where χ₁ jumps over 1 (q* jumps between branches)."""
    act = _act(activation)
    b = np.asarray(bias_var, float)
    if _homogeneous(act):
        return np.full(b.shape, 1.0 / float(moments(act, 1.0)[1]))

    b_ = b.ravel()

    def h(w, rows):  # >= 0 below the line, < 0 above it
        return 1.0 - chi1(act, w, b_[rows])

    along_q = _line_along_q(act, b_)
    stable = np.abs(chi1(act, np.nan_to_num(along_q, nan=1.0), b_) - 1) <= 1e-9
    out = along_q.copy()
    if not stable.all():
        rows = np.flatnonzero(~stable)
        h_grid = 1.0 - chi1(act, WEIGHT_GRID[None, :], b_[rows, None])
        h_grid = np.where(np.isnan(h_grid), -1.0, h_grid)  # q* infinite: beyond the line
        out[rows] = _grid_root(lambda w, at: h(w, rows[at]), h_grid, WEIGHT_GRID, np.nan)
    return out.reshape(b.shape)


# ---------------------------------------------------------------------- the plane


@dataclass(frozen=True)
class Plane:
    """The mean-field quantities over a grid: arrays (len(bias_var), len(weight_var))."""

    activation: str
    weight_var: np.ndarray
    bias_var: np.ndarray
    q_star: np.ndarray
    chi1: np.ndarray
    c_star: np.ndarray
    xi_c: np.ndarray
    xi_q: np.ndarray


def plane(activation, weight_var=None, bias_var=None, points: int = 41) -> Plane:
    """mean_field over the grid weight_var × bias_var (``points`` evenly spaced over
    WEIGHT_VAR_RANGE and BIAS_VAR_RANGE when not given)."""
    act = _act(activation)
    wv = np.linspace(*WEIGHT_VAR_RANGE, points) if weight_var is None else np.asarray(
        weight_var, float)
    bv = np.linspace(*BIAS_VAR_RANGE, points) if bias_var is None else np.asarray(
        bias_var, float)
    W, B = np.meshgrid(wv, bv)
    m = mean_field(act, W, B)
    return Plane(act.name, wv, bv, m["q_star"], m["chi1"], m["c_star"], m["xi_c"], m["xi_q"])


# ---------------------------------------------------------------------- you are here


def you_are_here(cfg) -> tuple[float, float]:
    """(σ_w², σ_b²) of a RunConfig's network: σ_w² = fan_in·Var(W)·init_scale² averaged
    over the hidden-to-hidden layers 2..depth (layer 1 when depth is 1: its fan-in is the
    input's), σ_b² = Var(b) of the same layers' biases (drawn without init_scale, as the
    network does). Zero-mean weights are what the theory assumes."""
    layers = list(range(2, cfg.depth + 1)) or [1]
    n_in = 2  # every data set is 2-D
    w_vars, b_vars = [], []
    for layer in layers:
        fan_in = cfg.width if layer > 1 else n_in
        name, params = cfg.layer_init(layer)
        w_vars.append(fan_in * initializers.moments(name, params, (fan_in, cfg.width))[1]
                      * cfg.init_scale**2)
        b_name, b_params = cfg.layer_bias_init(layer)
        fans = (fan_in, cfg.width) if b_name == "torch_default" else None
        b_vars.append(initializers.moments(b_name, b_params, (cfg.width,), fans)[1])
    return float(np.mean(w_vars)), float(np.mean(b_vars))


# ---------------------------------------------------------------------- the document

DEFAULT_BIAS_VARS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)


def parse_bias_var(text: str) -> float:
    """A bias variance from the command line: a number from 0 to BIAS_VAR_MAX."""
    allowed = f"allowed: a number from 0 to {BIAS_VAR_MAX:g}"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"bias-var: {text!r} is not a number; {allowed}") from None
    if not (math.isfinite(value) and 0 <= value <= BIAS_VAR_MAX):
        raise ValueError(f"bias-var: {text!r} is out of range; {allowed}")
    return value + 0.0


def _json(values):
    """A list (of lists) of floats with inf and NaN as None: JSON has neither."""
    arr = np.asarray(values, float)
    return np.where(np.isfinite(arr), arr, None).tolist()


def _phase_name(chi) -> str:
    if not np.isfinite(chi):
        return "undefined"
    if abs(chi - 1) <= CRITICAL_BAND:
        return "critical"
    return "ordered" if chi < 1 else "chaotic"


def point(activation, weight_var: float, bias_var: float) -> dict:
    """Every quantity of one point as plain floats (None where infinite or undefined: the
    phase, ordered, critical, chaotic or undefined, tells which), and the trainable depth
    DEPTH_FACTOR·ξ_c."""
    m = mean_field(activation, weight_var, bias_var)
    out = {"weight_var": float(weight_var), "bias_var": float(bias_var)}
    out.update({k: _json(v) for k, v in m.items()})
    out["phase"] = _phase_name(float(m["chi1"]))
    out["trainable_depth"] = _json(DEPTH_FACTOR * m["xi_c"])
    return out


def phase_document(cfg, bias_vars=DEFAULT_BIAS_VARS, points: int = 31) -> dict:
    """``python -m core phase``: for cfg's activation the critical line at ``bias_vars``,
    the point of cfg's own network (you_are_here) and, unless ``points`` is 0, the plane's
    ξ_c, ξ_q and χ₁ on a points × points grid (rows: bias_var, columns: weight_var)."""
    act = cfg.activation
    bias_vars = [float(b) for b in bias_vars]
    line = critical_weight_var(act, np.array(bias_vars))
    doc = {
        "activation": act,
        "depth_factor": DEPTH_FACTOR,
        "critical": [{"bias_var": b, "weight_var": _json(w)}
                     for b, w in zip(bias_vars, line, strict=True)],
        "network": {**point(act, *you_are_here(cfg)), "depth": cfg.depth, "init": cfg.init,
                    "init_scale": cfg.init_scale},
    }
    if points:
        p = plane(act, points=points)
        doc["grid"] = {"weight_var": _json(p.weight_var), "bias_var": _json(p.bias_var),
                       "xi_c": _json(p.xi_c), "xi_q": _json(p.xi_q), "chi1": _json(p.chi1)}
    return doc


# ---------------------------------------------------------------------- on a sweep's map

LINE_SAMPLES = 49
LINE_DEPTH_CAP = 1e6  # an infinite trainable depth is drawn off the top of the map


def category_position(values, v):
    """Where ``v`` falls on a category axis of increasing ``values`` at positions 0, 1, …:
    piecewise linear between them, extended linearly past either end."""
    values, v = np.asarray(values, float), np.asarray(v, float)
    idx = np.arange(len(values), dtype=float)
    if len(values) == 1:
        return np.zeros_like(v)
    below = (v - values[0]) / (values[1] - values[0])
    above = idx[-1] + (v - values[-1]) / (values[-1] - values[-2])
    return np.where(v < values[0], below, np.where(v > values[-1], above,
                                                   np.interp(v, values, idx)))


def sweep_line(base, x, y, samples: int = LINE_SAMPLES) -> dict | None:
    """The trainable depth DEPTH_FACTOR·ξ_c against init_scale, for a sweep whose axes are
    init_scale and depth (either way round, each increasing; None otherwise): the network's
    (σ_w², σ_b²) at each scale (you_are_here, at the sweep's largest depth), as positions
    on the map's category axes. Keys: x, y (positions), init_scale, depth (6·ξ_c)."""
    axes = {x.name: x, y.name: y}
    if set(axes) != {"init_scale", "depth"}:
        return None
    scales, depths = (np.asarray(axes[k].values, float) for k in ("init_scale", "depth"))
    if np.any(np.diff(scales) <= 0) or np.any(np.diff(depths) <= 0):
        return None
    deepest = base.replace(depth=int(depths.max()))
    s = np.linspace(scales.min(), scales.max(), samples)
    w, b = np.array([you_are_here(deepest.replace(init_scale=float(v))) for v in s]).T
    depth = DEPTH_FACTOR * mean_field(base.activation, w, b)["xi_c"]
    shown = np.minimum(np.nan_to_num(depth, nan=np.nan, posinf=LINE_DEPTH_CAP), LINE_DEPTH_CAP)
    pos_s, pos_d = category_position(scales, s), category_position(depths, shown)
    xs, ys = (pos_s, pos_d) if x.name == "init_scale" else (pos_d, pos_s)
    return {"x": xs, "y": ys, "init_scale": s, "depth": depth}
