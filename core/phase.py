"""The order–chaos phase diagram of a deep random network (Poole et al. 2016; Schoenholz et
al. 2017, *Deep Information Propagation*).

A wide network whose weights have Var(W) = σ_w²/fan_in and whose biases have Var(b) = σ_b²
carries, layer after layer, a pre-activation variance q and, between two inputs, a
correlation c. For z, z₁, z₂ independent standard normals and u₁, u₂ ~ N(0, q) with
correlation c:

    q ↦ σ_w²·E[φ(√q z)²] + σ_b²                     from the data's q⁰ to its fate q*
    χ₁ = σ_w²·E[φ'(√q* z)²]                          < 1 ordered, > 1 chaotic
    c ↦ (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²) / q*             its stable fixed point c*
    ξ_c = -1 / ln(σ_w²·E[φ'(u₁)φ'(u₂)] at c*)         1 - c (or c - c*) fades e-fold per ξ_c
    ξ_∇ = -1 / ln χ₁                                 a gradient's mean square fades e-fold
                                                      per ξ_∇ layers on its way down
    ξ_q = -1 / ln(σ_w²·d/dq E[φ(√q z)²] at q*)        the variance settles over ξ_q layers

**The fate of q.** The phase of a network is decided by where its own inputs' q goes: the q
map is increasing in q (for every activation here), so from q⁰ (the variance of layer 1's
pre-activations, ``network_q0``) q climbs or falls monotonically to the nearest fixed point
in that direction, or grows without bound (``q_fate``). The fate is one of

- ``finite``: q → q* > 0, the textbook case;
- ``zero``: q → 0 (σ_b² = 0 and φ(0) = 0, on the ordered side): the signal dies out;
- ``unbounded``: q → ∞ (ReLU-like φ with σ_w²·(φ'(+∞)² + φ'(-∞)²)/2 > 1, and GELU or
  swish from a q⁰ above an unstable fixed point: q⁰ decides, so there are two phases at one
  (σ_w², σ_b²));
- ``marginal``: every q is a fixed point (linear or ReLU-like φ exactly on the line with
  σ_b² = 0): q stays at q⁰.

χ₁ is taken at the fate (its limit at q → 0 or q → ∞). The phase, ordered (χ₁ < 1),
critical or chaotic (χ₁ > 1), is the fate of a gradient: its mean square is multiplied by
χ₁ at each layer on its way down.

**When correlations decay exponentially.** Only at a finite q* > 0 off the critical line:
there the correlation map's slope at c* is below 1 and ξ_c is finite (ordered side: c* = 1
and ξ_c = ξ_∇ = -1/ln χ₁). Everywhere else ξ_c is infinite, and ``correlation`` says why:

- ``polynomial``: the map's slope at c* = 1 is exactly 1, and c creeps to 1 (on the
  critical line; and wherever q → 0, ∞ or stays, for φ with a kink: ReLU at σ_w² = 1,
  σ_b² = 0 takes 1 - c from 0.5 to about 0.1 in 10 layers, where e^(-10/1.443) would
  give 0.0005);
- ``frozen``: where q → 0 (or ∞) and φ is smooth there, the network becomes linear and
  every pair of inputs keeps the correlation it had (tanh at σ_w² = 0.0032, σ_b² = 0:
  1 - c stays near 0.5 while gradients die e-fold every 0.17 layers).

The trainable depth is Schoenholz et al.'s 6·ξ_c where ξ_c is finite. Where it is not and
gradients fade (χ₁ < 1) it is 6·ξ_∇: the same criterion, an e^-6 fall of what reaches
layer 1, met by the gradients (and on the ordered side, at q* > 0, ξ_c = ξ_∇ anyway, so
this is the limit σ_b² → 0 of Schoenholz's line). On the critical line it is infinite, and
where gradients grow without any finite ξ_c it is undefined.

Every expectation is exact to quadrature precision: one-variable ones from
``core.activations`` (closed forms for the piecewise-linear activations, quadrature split at
the kink otherwise), two-variable ones by the same trick the papers use, u_i = √q(√c·z +
√(1-c)·y_i): then E[φ(u₁)φ(u₂)] = E_z[(E_y φ)²] and E[φ'(u₁)φ'(u₂)] = E_z[(E_y φ')²], a
Gaussian smoothing (``gaussian_smoothing``) inside a one-variable expectation. (A plain 2-D
Gauss–Hermite rule was measured off by 1e-3 for tanh at q = 5: tanh turns within a small
part of σ there, which a global polynomial rule does not resolve.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import activations, datasets, initializers
from core.activations import gaussian_moments, gaussian_nodes, gaussian_smoothing

# φ(a·z) = a·φ(z) for a > 0: every one-variable expectation scales with q, so q* and the
# critical line have closed forms.
HOMOGENEOUS = ("linear", "relu", "leaky_relu")
# Where the q map has an unstable fixed point between two attractors, the network's own q⁰
# decides its side: its phase plane must be drawn from that q⁰ (every other activation's
# plane is the same from any q⁰ > 0).
Q0_DECIDES = ("gelu", "gelu_tanh", "swish")
Q_TINY = 1e-150  # q* = 0 is evaluated as this: the limit from above, both sides of a kink
# The q⁰ of the plane and of a point given no network: unit-variance pre-activations in
# layer 1, what a variance-preserving first layer makes of standardised inputs.
Q0 = 1.0
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


FATES = ("finite", "zero", "unbounded", "marginal", "undefined")
FINITE, ZERO, UNBOUNDED, MARGINAL, UNDEFINED = range(len(FATES))


def limit_slopes(activation, where: str) -> tuple[float, float]:
    """(φ'(+x), φ'(-x)) as x → 0 (``where="zero"``) or x → ∞ (``"infinity"``): the
    piecewise-linear function φ looks like once q → 0 or q → ∞ (ReLU (1, 0) both ways, tanh
    (1, 1) at 0 and (0, 0) at ∞, GELU (½, ½) at 0 and (1, 0) at ∞)."""
    act = _act(activation)
    x = 1e-200 if where == "zero" else 1e12
    z = np.array([x, -x])
    d = act.df(z, act.f(z))
    return float(d[0]), float(d[1])


def _kinked(act, where) -> bool:
    """φ has a kink in the limit: its two slopes differ, so correlations keep moving."""
    up, down = limit_slopes(act, where)
    return not math.isclose(up, down, rel_tol=1e-9, abs_tol=1e-12)


def _limit_d2(act, where) -> float:
    """lim E[φ'(√q z)²] (as q → 0 or ∞) = (φ'(+)² + φ'(-)²)/2."""
    up, down = limit_slopes(act, where)
    return 0.5 * (up * up + down * down)


def q_fate(activation, weight_var, bias_var, q0=None):
    """(q*, fate): where the q map takes q from ``q0`` (Q0 when None; arrays broadcast),
    and how: fate codes index FATES (FINITE, ZERO, UNBOUNDED, MARGINAL, UNDEFINED).

    The map is increasing in q, so the orbit from q⁰ is monotone: it climbs to the first
    fixed point above q⁰ if q_map(q⁰) > q⁰ (inf, UNBOUNDED, if there is none up to 1e8:
    past that only an unbounded φ keeps climbing, and then for good), falls to the last one
    below it if q_map(q⁰) < q⁰ (q_map(0) >= 0, so there is one; q* = 0 is ZERO), and stays
    if q⁰ is one. Fixed points are sought on Q_GRID with q⁰ among them, then refined
    (_solve). Homogeneous φ in closed form: q ↦ κq + σ_b², κ = σ_w²·E[φ(z)²]."""
    act = _act(activation)
    w, b, s = np.broadcast_arrays(*(np.asarray(v, float) for v in (
        weight_var, bias_var, Q0 if q0 is None else q0)))
    shape = w.shape
    w_, b_, s_ = (np.array(v, float).ravel() for v in (w, b, s))
    q, fate = np.full(w_.shape, np.nan), np.full(w_.shape, UNDEFINED)
    ok = np.isfinite(w_) & np.isfinite(b_) & np.isfinite(s_) & (w_ >= 0) & (b_ >= 0) & (s_ >= 0)
    if _homogeneous(act):
        k = w_ * float(moments(act, 1.0)[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            fixed = b_ / (1 - k)
        level = np.abs(k - 1) <= CRITICAL_BAND  # κ = 1 to rounding: q stays, or creeps
        rules = [  # (where, q*, fate), first match wins
            (~ok, np.nan, UNDEFINED),
            ((b_ > 0) & (k < 1) & ~level, fixed, FINITE),
            (b_ > 0, np.inf, UNBOUNDED),  # κ >= 1: geometric growth, or by σ_b² a layer
            (((k < 1) & ~level) | (s_ == 0), 0.0, ZERO),
            (level, s_, MARGINAL),
            (k > 1, np.inf, UNBOUNDED),
        ]
        q = np.select([r[0] for r in rules], [np.broadcast_to(r[1], q.shape) for r in rules])
        fate = np.select([r[0] for r in rules], [r[2] for r in rules])
        return q.reshape(shape), fate.reshape(shape)
    rows = np.flatnonzero(ok)
    if rows.size:
        q[rows], fate[rows] = _orbit_end(act, w_[rows], b_[rows], s_[rows])
    return q.reshape(shape), fate.reshape(shape)


def _orbit_end(act, w, b, s):
    """q_fate for a non-homogeneous φ (1-D arrays of valid rows)."""
    grid = Q_GRID
    h_grid = w[:, None] * moments(act, grid)[0] + b[:, None] - grid
    # at q = 0 itself, exactly (moments reads 0 as Q_TINY): a root there is q* = 0
    h_grid[:, 0] = w * float(act.f(np.zeros(1))[0]) ** 2 + b
    h0 = w * moments(act, s)[0] + b - s
    q, fate = s.copy(), np.where(s > 0, FINITE, ZERO)
    k_top = len(grid) - 1
    # climbing: the first grid point above q⁰ where h < 0
    falls = (grid > s[:, None]) & (h_grid < 0)
    up = np.argmax(falls, -1)
    climbs, capped = h0 > 0, ~falls.any(-1)
    q[climbs & capped], fate[climbs & capped] = np.inf, UNBOUNDED
    lo = np.where(climbs & ~capped, np.maximum(s, grid[np.maximum(up - 1, 0)]), np.nan)
    hi = np.where(climbs & ~capped, grid[up], np.nan)
    h_lo = np.where(lo == s, h0, h_grid[np.arange(len(s)), np.maximum(up - 1, 0)])
    h_hi = h_grid[np.arange(len(s)), up]
    # falling: the last grid point below q⁰ where h >= 0 (q_map(0) >= 0: there is one)
    rises = (grid < s[:, None]) & (h_grid >= 0)
    down = k_top - np.argmax(rises[:, ::-1], -1)
    nxt = np.minimum(down + 1, k_top)
    dn_hi = np.where(grid[nxt] < s, grid[nxt], s)
    falling = h0 < 0
    lo = np.where(falling, grid[down], lo)
    hi = np.where(falling, dn_hi, hi)
    h_lo = np.where(falling, h_grid[np.arange(len(s)), down], h_lo)
    h_hi = np.where(falling, np.where(dn_hi == s, h0, h_grid[np.arange(len(s)), nxt]), h_hi)
    solve = np.flatnonzero((climbs & ~capped) | falling)
    if solve.size:
        def h(x, at):
            r = solve[at]
            return w[r] * moments(act, x)[0] + b[r] - x

        root = _solve(h, lo[solve], hi[solve], h_lo[solve], h_hi[solve])
        q[solve] = root
        fate[solve] = np.where(root > 0, FINITE, ZERO)
    return q, fate


def q_fixed_point(activation, weight_var, bias_var, q0=None):
    """q*, where the q map takes q from ``q0`` (Q0 when None; arrays broadcast): a fixed
    point > 0, 0, inf (q grows without bound) or q⁰ itself (every q is a fixed point);
    NaN for invalid inputs. See q_fate, which also says which."""
    return q_fate(activation, weight_var, bias_var, q0)[0]


def chi1(activation, weight_var, bias_var, q_star=None, q0=None):
    """χ₁ = σ_w²·E[φ'(√q* z)²] at the fate of q from ``q0`` (or at ``q_star``): the factor a
    gradient's mean square takes per layer; at q* = 0 and q* = ∞ its limit (for q → ∞,
    σ_w²·(φ'(+∞)² + φ'(-∞)²)/2). NaN where q* is."""
    act = _act(activation)
    q = q_fixed_point(act, weight_var, bias_var, q0) if q_star is None else q_star
    q = np.asarray(q, float)
    w = np.asarray(weight_var, float)
    if _homogeneous(act):
        return w * moments(act, 1.0)[1] + 0 * np.where(np.isnan(q), np.nan, 0.0)
    finite = np.isfinite(q)
    at_q = w * moments(act, np.where(finite, q, 1.0))[1]
    at_inf = w * _limit_d2(act, "infinity")
    return np.where(finite, at_q, np.where(q == np.inf, at_inf, np.nan))


# ---------------------------------------------------------------------- the correlation map


def pair_moments(activation, q, c):
    """(E[φ(u₁)φ(u₂)], E[φ'(u₁)φ'(u₂)]) for u₁, u₂ ~ N(0, q) with correlation c in [0, 1]:
    E_z[(E_y φ(√q(√c z + √(1-c) y)))²] and the same for φ' (coarse rules, about 1e-7;
    for a kinked φ the outer rule gets panels around z = 0 on the scale √(q(1-c)), where
    E_y φ' steps: without them E[φ'φ'] was 2e-3 off for ReLU at c = 0.999)."""
    act = _act(activation)
    q, c = np.broadcast_arrays(np.asarray(q, float), np.clip(np.asarray(c, float), 0, 1))
    cuts = None
    if act.kinked:  # E_y φ' steps at z = 0 over √(q(1-c)): panels that resolve it
        s = np.sqrt(q * (1 - c))[..., None]
        cuts = s * np.array([-4.0, -1.5, -0.5, 0.5, 1.5, 4.0])
    z, w = gaussian_nodes(0.0, q * c, extra_cuts=cuts, coarse=True)
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
    """-1/ln(rate): inf at rate >= 1 - CRITICAL_BAND, 0 at rate 0 (gone in one layer),
    NaN where rate is or is negative."""
    rate = np.asarray(rate, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = -1.0 / np.log(np.where(rate > 0, rate, np.nan))
    depth = np.where(rate == 0, 0.0, depth)
    return np.where(rate >= 1 - CRITICAL_BAND, np.inf, depth)


CORRELATIONS = ("exponential", "polynomial", "frozen", "undefined")
EXPONENTIAL, POLYNOMIAL, FROZEN, NO_CORRELATION = range(len(CORRELATIONS))


def _gradient_depth(chi):
    """ξ_∇ = -1/ln χ₁ where gradients fade (χ₁ < 1); inf on the critical line; NaN where
    they grow (χ₁ > 1: no fading scale) or χ₁ is undefined."""
    chi = np.asarray(chi, float)
    return np.where(chi > 1 + CRITICAL_BAND, np.nan, _depth(chi))


def mean_field(activation, weight_var, bias_var, q0=None) -> dict:
    """Every mean-field quantity at (σ_w², σ_b²), for inputs whose layer-1 pre-activations
    have variance ``q0`` (Q0 when None; arrays broadcast):

    - ``q_star``, ``q_fate`` (codes into FATES): where q goes from q⁰ (q_fate);
    - ``chi1``: χ₁ at that fate;
    - ``c_star``: the limit of the correlation of two inputs (NaN where it depends on the
      inputs: ``frozen``); ``chi_c``: the correlation map's slope there (1 wherever q does
      not settle at a q* > 0: the map q → 0 or ∞ leads to is a piecewise-linear φ's, whose
      slope at c = 1 is exactly 1);
    - ``xi_c`` = -1/ln chi_c: finite only where correlations decay exponentially, inf
      elsewhere; ``correlation`` (codes into CORRELATIONS): exponential, polynomial or
      frozen, which says why it is infinite;
    - ``xi_grad`` = -1/ln χ₁ (_gradient_depth); ``xi_q``: the variance's settling scale
      (NaN where q grows without bound);
    - ``trainable_depth``: DEPTH_FACTOR·ξ_c where ξ_c is finite, else DEPTH_FACTOR·ξ_∇
      (inf on the critical line, NaN where gradients grow and ξ_c is infinite), and
      ``trainable_from``: 1 where it is from ξ_c, 2 from ξ_∇, 0 neither."""
    act = _act(activation)
    w, b, s = np.broadcast_arrays(*(np.asarray(v, float) for v in (
        weight_var, bias_var, Q0 if q0 is None else q0)))
    q, fate = q_fate(act, w, b, s)
    chi = chi1(act, w, b, q)
    settled = fate == FINITE
    c = c_fixed_point(act, w, b, np.where(settled, q, np.nan), chi)
    chi_c = np.array(chi, float)
    inner = settled & np.isfinite(c) & (c < 1)
    if inner.any():
        chi_c[inner] = w[inner] * pair_moments(act, q[inner], c[inner])[1]
    # q → 0, ∞ or staying: the c map is a homogeneous φ's (φ's limit slopes), c = 1 its
    # fixed point with slope exactly 1; with no kink (a linear limit) every c is fixed.
    kinked = np.where(fate == UNBOUNDED, _kinked(act, "infinity"), _kinked(act, "zero"))
    loose = (fate == ZERO) | (fate == UNBOUNDED) | (fate == MARGINAL)
    c = np.where(loose, np.where(kinked, 1.0, np.nan), np.where(settled, c, np.nan))
    chi_c = np.where(loose, 1.0, np.where(settled, chi_c, np.nan))
    xi_c = _depth(chi_c)
    correlation = np.select(
        [settled & np.isfinite(xi_c), settled & np.isinf(xi_c), loose & kinked, loose],
        [EXPONENTIAL, POLYNOMIAL, POLYNOMIAL, FROZEN], NO_CORRELATION)
    if _homogeneous(act):
        slope = w * moments(act, 1.0)[0] + np.where(np.isnan(q), np.nan, 0.0)
    else:
        slope = np.where(fate == ZERO, w * moments(act, 0.0)[0] / Q_TINY,
                         w * moment_slope(act, np.where(np.isfinite(q), q, 1.0)))
    slope = np.where(np.isfinite(q), slope, np.nan)
    xi_grad = _gradient_depth(chi)
    trainable_from = np.where(np.isfinite(xi_c), 1, np.where(np.isfinite(xi_grad), 2, 0))
    trainable = DEPTH_FACTOR * np.where(np.isfinite(xi_c), xi_c, xi_grad)
    return {"q_star": q, "q_fate": fate, "chi1": chi, "c_star": c, "chi_c": chi_c,
            "xi_c": xi_c, "correlation": correlation, "xi_grad": xi_grad,
            "xi_q": _depth(slope), "trainable_depth": trainable,
            "trainable_from": trainable_from}


def propagate(activation, weight_var, bias_var, q0, c0, depth: int) -> dict:
    """The mean-field recursion itself, layer by layer, for two inputs whose layer-1
    pre-activations have variance q0 each and correlation c0 in [0, 1] (for c >= 0,
    E[φ(u₁)φ(u₂)] = E_z[(E_y φ)²] >= 0, so c stays there): arrays over l = 1..depth of
    ``q`` (q_1 = q0), ``c`` (c_1 = c0) and ``chi`` (σ_w²·E[φ'(√q_l z)²], the factor a
    gradient's mean square takes from layer l+1 to l). What the fixed-point analysis
    predicts the limit of; the tests compare it with wide networks."""
    act = _act(activation)
    q, c = [float(q0)], [float(c0)]
    for _ in range(depth - 1):
        e12 = float(pair_moments(act, q[-1], c[-1])[0])
        q_next = float(q_map(act, q[-1], weight_var, bias_var))
        c.append((weight_var * e12 + bias_var) / q_next if q_next > 0 else math.nan)
        q.append(q_next)
    q_arr = np.array(q)
    return {"q": q_arr, "c": np.array(c),
            "chi": weight_var * moments(act, q_arr)[1]}


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


def critical_weight_var(activation, bias_var, q0=None):
    """σ_w² where χ₁ = 1 at the fate of q from ``q0`` (Q0 when None), per σ_b² (NaN where
    there is none for σ_w² up to 1e3).

    Homogeneous φ: 1/E[φ'(z)²] for every σ_b² (ReLU 2, linear 1). Otherwise _line_along_q,
    kept where the fate of q from q⁰ there is that very fixed point (χ₁ = 1 at it); else the
    first σ_w² on WEIGHT_GRID where χ₁ at the fate passes 1, refined (_solve): along q*,
    GELU and swish land on fixed points of the q map that are unstable, which no network
    reaches. NaN where χ₁ jumps over 1: the fate jumps between branches (GELU at σ_b² = 0
    from q⁰ = 1 goes from q → 0 with χ₁ near ½ straight to q → ∞ with χ₁ > 1)."""
    act = _act(activation)
    b = np.asarray(bias_var, float)
    if _homogeneous(act):
        return np.full(b.shape, 1.0 / float(moments(act, 1.0)[1]))

    b_ = b.ravel()
    s_ = np.broadcast_to(np.asarray(Q0 if q0 is None else q0, float), b.shape).ravel()

    def h(w, rows):  # >= 0 below the line, < 0 above it
        return 1.0 - chi1(act, w, b_[rows], q0=s_[rows])

    along_q = _line_along_q(act, b_)
    stable = np.abs(chi1(act, np.nan_to_num(along_q, nan=1.0), b_, q0=s_) - 1) <= 1e-9
    out = along_q.copy()
    if not stable.all():
        rows = np.flatnonzero(~stable)
        h_grid = 1.0 - chi1(act, WEIGHT_GRID[None, :], b_[rows, None], q0=s_[rows, None])
        h_grid = np.where(np.isnan(h_grid), -1.0, h_grid)
        found = _grid_root(lambda w, at: h(w, rows[at]), h_grid, WEIGHT_GRID, np.nan)
        # a jump of χ₁ over 1 (the fate changes branch) brackets like a root: not one
        crosses = np.abs(h(np.nan_to_num(found, nan=1.0), rows)) <= 1e-9
        out[rows] = np.where(crosses, found, np.nan)
    return out.reshape(b.shape)


# ---------------------------------------------------------------------- the plane


@dataclass(frozen=True)
class Plane:
    """The mean-field quantities over a grid: arrays (len(bias_var), len(weight_var)), for
    inputs of layer-1 variance ``q0``. ``depth_scale`` is trainable_depth / DEPTH_FACTOR:
    ξ_c where correlations decay exponentially, else ξ_∇ (inf on the critical line, NaN
    where gradients grow and ξ_c is infinite); ``q_fate`` codes into FATES."""

    activation: str
    weight_var: np.ndarray
    bias_var: np.ndarray
    q_star: np.ndarray
    chi1: np.ndarray
    c_star: np.ndarray
    xi_c: np.ndarray
    xi_q: np.ndarray
    xi_grad: np.ndarray
    depth_scale: np.ndarray
    q_fate: np.ndarray
    q0: float = Q0


def plane(activation, weight_var=None, bias_var=None, points: int = 41, q0=None) -> Plane:
    """mean_field over the grid weight_var × bias_var (``points`` evenly spaced over
    WEIGHT_VAR_RANGE and BIAS_VAR_RANGE when not given), from q⁰ = ``q0`` (Q0 when None)."""
    act = _act(activation)
    wv = np.linspace(*WEIGHT_VAR_RANGE, points) if weight_var is None else np.asarray(
        weight_var, float)
    bv = np.linspace(*BIAS_VAR_RANGE, points) if bias_var is None else np.asarray(
        bias_var, float)
    q0 = Q0 if q0 is None else float(q0)
    W, B = np.meshgrid(wv, bv)
    m = mean_field(act, W, B, q0)
    return Plane(act.name, wv, bv, m["q_star"], m["chi1"], m["c_star"], m["xi_c"], m["xi_q"],
                 m["xi_grad"], m["trainable_depth"] / DEPTH_FACTOR, m["q_fate"], q0)


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


TRAINABLE_FROM = (None, "xi_c", "xi_grad")

XI_C_REASONS = {  # (fate, correlation) → why ξ_c is infinite
    ("finite", "polynomial"): "on the critical line the correlation map's slope at c* = 1 "
    "is exactly 1, so 1 - c falls only polynomially",
    ("zero", "polynomial"): "q -> 0 (no biases), and near 0 the activation has a kink, like "
    "ReLU's: the correlation map's slope at c = 1 is exactly 1, so 1 - c falls only "
    "polynomially",
    ("zero", "frozen"): "q -> 0 (no biases), and near 0 the activation is linear: the "
    "network becomes linear, and two inputs keep the correlation they had",
    ("unbounded", "polynomial"): "q grows without bound, and at large q the activation looks "
    "like a ReLU: the correlation map's slope at c = 1 is exactly 1, so 1 - c falls only "
    "polynomially",
    ("unbounded", "frozen"): "q grows without bound and the activation is linear there: two "
    "inputs keep the correlation they had",
    ("marginal", "polynomial"): "every q is a fixed point (on the critical line without "
    "biases): the correlation map's slope at c = 1 is exactly 1, so 1 - c falls only "
    "polynomially",
    ("marginal", "frozen"): "the network is linear: two inputs keep the correlation they had",
}


def point(activation, weight_var: float, bias_var: float, q0: float | None = None) -> dict:
    """Every quantity of one point, for inputs whose layer-1 pre-activations have variance
    ``q0`` (Q0 when None; network_point takes a network's own), as plain values; None where
    infinite or undefined (the fields around it tell which):

    - ``weight_var``, ``bias_var``, ``q0``;
    - ``q_star`` and ``q_fate`` ("finite", "zero", "unbounded", "marginal", "undefined"):
      where the variance goes (q_star None where it grows without bound);
    - ``chi1`` at that fate and ``phase``: "ordered" (χ₁ < 1), "critical", "chaotic"
      (χ₁ > 1) or "undefined";
    - ``xi_c``, the correlation depth scale: finite only where correlations decay
      exponentially (None: infinite); ``correlation`` ("exponential", "polynomial",
      "frozen") and ``xi_c_reason`` (None where finite) say why; ``c_star``, ``chi_c``;
    - ``xi_grad``: ξ_∇ = -1/ln χ₁, a gradient's mean square falls e-fold per ξ_∇ layers
      (None where χ₁ >= 1: it keeps or grows);
    - ``xi_q``: how fast the variance settles (None where it does not);
    - ``trainable_depth``: DEPTH_FACTOR·ξ_c where ξ_c is finite (Schoenholz et al.), else
      DEPTH_FACTOR·ξ_∇ where gradients fade, else None (infinite on the critical line,
      undefined where gradients grow); ``trainable_depth_from``: "xi_c", "xi_grad" or None.
    """
    m = mean_field(activation, weight_var, bias_var, q0)
    fate = FATES[int(m["q_fate"])]
    corr = CORRELATIONS[int(m["correlation"])]
    out = {"weight_var": float(weight_var), "bias_var": float(bias_var),
           "q0": float(Q0 if q0 is None else q0)}
    for key in ("q_star", "chi1", "c_star", "chi_c", "xi_c", "xi_grad", "xi_q",
                "trainable_depth"):
        out[key] = _json(m[key])
    out.update(q_fate=fate, correlation=corr if corr != "undefined" else None,
               xi_c_reason=XI_C_REASONS.get((fate, corr)) if out["xi_c"] is None else None,
               phase=_phase_name(float(m["chi1"])),
               trainable_depth_from=TRAINABLE_FROM[int(m["trainable_from"])])
    if fate == "undefined":
        out["xi_c_reason"] = "the variance map has no defined fate here"
    return out


def network_q0(cfg) -> float:
    """q⁰ of a RunConfig's network: the variance of layer 1's pre-activations over its
    units, averaged over the training inputs, s₁·mean|x|² + v₁ (s₁ = Var(W₁)·init_scale²,
    v₁ = Var(b₁); zero means, as you_are_here assumes). Depth 0 has no hidden layer: Q0."""
    if cfg.depth == 0:
        return Q0
    data = datasets.make(cfg.dataset, cfg.n_samples, cfg.noise, cfg.test_fraction,
                         cfg.data_seed)
    n_in = data.X_train.shape[1]
    name, params = cfg.layer_init(1)
    s1 = initializers.moments(name, params, (n_in, cfg.width))[1] * cfg.init_scale**2
    b_name, b_params = cfg.layer_bias_init(1)
    fans = (n_in, cfg.width) if b_name == "torch_default" else None
    v1 = initializers.moments(b_name, b_params, (cfg.width,), fans)[1]
    return float(s1 * np.mean(np.sum(data.X_train**2, axis=1)) + v1)


def network_point(cfg) -> dict:
    """point() of a RunConfig's own network: its (σ_w², σ_b²) (you_are_here) and its own
    inputs' q⁰ (network_q0), which decides the phase where the q map has two attractors
    (GELU, swish)."""
    return point(cfg.activation, *you_are_here(cfg), q0=network_q0(cfg))


def _g(x) -> str:
    return f"{x:.3g}"


def describe(here: dict, depth: int | None = None, head: bool = True) -> list[str]:
    """The facts of a point() in sentences, each naming the depth scale it means: the
    correlation depth scale ξ_c (how fast two inputs' correlation approaches its limit),
    the gradient depth scale ξ_∇ (how fast a gradient's mean square fades on its way down)
    and the trainable depth; ``depth``: the network's, to set against the latter.
    ``head``: begin with where the point is (σ_w², σ_b², phase, χ₁); a page that says so
    itself leaves it out. Plain text: markdown-safe."""
    chi, phase_name, fate = here["chi1"], here["phase"], here["q_fate"]
    out = []
    if fate == "undefined" or chi is None:
        return ["Mean-field theory has no answer here."]
    if here["weight_var"] == 0:
        return ["These weights are not random (σ_w² = 0), and mean-field theory is a theory "
                "of random ones: symmetry, not the phase, decides what happens."]
    name = {"ordered": "ordered (χ₁ < 1)", "critical": "critical (χ₁ = 1)",
            "chaotic": "chaotic (χ₁ > 1)"}[phase_name]
    if head:
        out.append(f"σ_w² = {_g(here['weight_var'])}, σ_b² = {_g(here['bias_var'])}: "
                   f"{name}, χ₁ = {_g(chi)}.")
    out.append({
        "finite": f"The pre-activation variance settles at q* = {_g(here['q_star'] or 0)}.",
        "zero": "Without biases the signal dies out: the pre-activation variance shrinks "
                "towards 0" + (", where the activation is linear, so the network acts more "
                               "and more like a linear one." if here["correlation"] == "frozen"
                               else "."),
        "unbounded": f"From these inputs (q⁰ = {_g(here['q0'])}) the signal grows without "
                     "bound: the pre-activation variance keeps rising layer after layer.",
        "marginal": f"Every variance is a fixed point: it stays at q⁰ = {_g(here['q0'])}.",
    }[fate])
    corr = here["correlation"]
    if here["xi_c"] is not None:
        c = here["c_star"]
        where = ("all inputs come to look alike (c* = 1)" if c is not None and c >= 1 else
                 f"nearby inputs come apart (towards c* = {_g(0.0 if abs(c) < 1e-9 else c)})")
        out.append(f"Two inputs' correlation decays exponentially: {where}, the gap "
                   f"shrinking e-fold every ξ_c = {_g(here['xi_c'])} layers (the "
                   "correlation depth scale).")
    elif corr == "frozen":
        out.append("Two inputs keep the correlation they start with: the correlation depth "
                   "scale ξ_c is infinite (correlations do not decay).")
    else:
        out.append("Two inputs' correlation creeps towards 1 more slowly than any "
                   "exponential: the correlation depth scale ξ_c is infinite.")
    if here["xi_grad"] is not None:
        out.append(f"A gradient's mean square shrinks ×{_g(chi)} per layer on its way down, "
                   f"e-fold every ξ_∇ = {_g(here['xi_grad'])} layers (the gradient depth "
                   "scale).")
    elif phase_name == "critical":
        out.append("A gradient keeps its mean square from layer to layer: the gradient "
                   "depth scale ξ_∇ is infinite.")
    elif chi > 1:
        out.append(f"A gradient's mean square grows ×{_g(chi)} per layer on its way down "
                   f"(e-fold every {_g(1 / math.log(chi))} layers).")
    trainable, source = here["trainable_depth"], here["trainable_depth_from"]
    versus = ""
    if trainable is not None and depth is not None:
        versus = (f": this network's {depth} is "
                  f"{'deeper than' if depth > trainable else 'within'} that")
    if source == "xi_c":
        out.append(f"A network trains to a depth of about 6·ξ_c = {_g(trainable)} layers "
                   f"(Schoenholz et al.){versus}.")
    elif source == "xi_grad":
        out.append(f"With ξ_c infinite, the same rule on the gradients: about 6·ξ_∇ = "
                   f"{_g(trainable)} layers train{versus}.")
    elif phase_name == "critical":
        out.append("Mean-field theory sets no depth limit here" + (
            f": this network's {depth} layers included." if depth is not None else "."))
    else:
        out.append("Mean-field theory gives no trainable depth here: gradients grow, and "
                   "no correlation scale limits the depth.")
    return out


def phase_document(cfg, bias_vars=DEFAULT_BIAS_VARS, points: int = 31) -> dict:
    """``python -m core phase``: for cfg's activation the critical line at ``bias_vars``,
    the point of cfg's own network (network_point: its own q⁰) with the facts in words
    (describe), and, unless ``points`` is 0, the plane's ξ_c, ξ_∇, ξ_q, the depth scale
    and χ₁ on a points × points grid (rows: bias_var, columns: weight_var), from the
    network's q⁰ (as the critical line is)."""
    act = cfg.activation
    bias_vars = [float(b) for b in bias_vars]
    here = network_point(cfg)
    line = critical_weight_var(act, np.array(bias_vars), here["q0"])
    doc = {
        "activation": act,
        "depth_factor": DEPTH_FACTOR,
        "q0": here["q0"],
        "critical": [{"bias_var": b, "weight_var": _json(w)}
                     for b, w in zip(bias_vars, line, strict=True)],
        "network": {**here, "depth": cfg.depth, "init": cfg.init,
                    "init_scale": cfg.init_scale, "facts": describe(here, cfg.depth)},
    }
    if points:
        p = plane(act, points=points, q0=here["q0"])
        doc["grid"] = {"weight_var": _json(p.weight_var), "bias_var": _json(p.bias_var),
                       "xi_c": _json(p.xi_c), "xi_grad": _json(p.xi_grad),
                       "depth_scale": _json(p.depth_scale), "xi_q": _json(p.xi_q),
                       "chi1": _json(p.chi1)}
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
    """The trainable depth (mean_field's: DEPTH_FACTOR·ξ_c, or DEPTH_FACTOR·ξ_∇ where ξ_c is
    infinite) against init_scale, for a sweep whose axes are init_scale and depth (either
    way round, each increasing; None otherwise): the network's (σ_w², σ_b²) at each scale
    (you_are_here, at the sweep's largest depth) and its inputs' q⁰ (network_q0, which
    grows with the scale²), as positions on the map's category axes. Keys: x, y
    (positions), init_scale, depth (the trainable depth: inf on the critical line, NaN
    where there is none)."""
    axes = {x.name: x, y.name: y}
    if set(axes) != {"init_scale", "depth"}:
        return None
    scales, depths = (np.asarray(axes[k].values, float) for k in ("init_scale", "depth"))
    if np.any(np.diff(scales) <= 0) or np.any(np.diff(depths) <= 0):
        return None
    deepest = base.replace(depth=int(depths.max()))
    s = np.linspace(scales.min(), scales.max(), samples)
    w, b = np.array([you_are_here(deepest.replace(init_scale=float(v))) for v in s]).T
    q_bias = network_q0(deepest.replace(init_scale=0.0))  # layer 1's biases alone
    q0 = q_bias + (network_q0(deepest.replace(init_scale=1.0)) - q_bias) * s**2
    depth = mean_field(base.activation, w, b, q0)["trainable_depth"]
    shown = np.minimum(np.nan_to_num(depth, nan=np.nan, posinf=LINE_DEPTH_CAP), LINE_DEPTH_CAP)
    pos_s, pos_d = category_position(scales, s), category_position(depths, shown)
    xs, ys = (pos_s, pos_d) if x.name == "init_scale" else (pos_d, pos_s)
    return {"x": xs, "y": ys, "init_scale": s, "depth": depth}
