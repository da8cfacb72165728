"""What the mean-field theory predicts at initialisation, to draw beside what is measured.

Mean-field theory (Poole et al. 2016; Schoenholz et al. 2017) treats each pre-activation
of a wide layer as Gaussian over the units, with a variance q_l(x) of its own for each
input x. With s_l the mean square of layer l's drawn weights, b_l its biases (mean m_l,
variance v_l over the units) and n_l its width:

    q_1(x)     = s_1·|x|² + v_1
    q_{l+1}(x) = n_l·s_{l+1}·E_{z~N(m_l, q_l(x))}[f(z)²]·E[mask²] + v_{l+1}

and backwards, for the summed square of the back-propagated error δ_l(x) = Σ_i (dL/dz_li)²,
seeded by the real dL/dlogits of each input:

    δ_l(x) = n_l·s_{l+1}·E[f'(z)²]·E[mask²]·δ_{l+1}(x).

Every expectation is exact (core.activations.gaussian_moments). The telemetry measures
stds over the whole (batch, units) block, centred by its own mean; so the prediction is of
that too: the spread over inputs and units of z_l is mean_x q_l(x) less the part that the
centring removes, s_l·|h̄|²/n_l, where h̄ is the batch mean of the layer's input. That part
is negligible in a wide hidden layer (1/n_l of the rest) but not at the output, whose one
logit is centred over the batch: the logits' std is what the inputs still differ by. It
needs the covariance of two inputs' pre-activations, which the same theory propagates
(the q_ab of Poole et al.): for pairs of inputs (all of them in a small batch, PAIRS drawn
at random in a large one) through E[f(u)f(v)] and E[f'(u)f'(v)], (u, v) jointly Gaussian.

Where its assumptions fail (weights with a non-zero mean, identical units, a narrow layer)
the measurement departs from it, and that departure is itself the lesson; ``seed_band``
measures the spread that a finite width gives, to read a single network against.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from core import initializers, network
from core.activations import gaussian_moments, gaussian_nodes, gaussian_smoothing
from core.config import MAX_SEED
from core.telemetry import Field
from core.trainer import Trainer

DENSITY_SAMPLES = 200_000
MAX_DRAWS = 2000  # of one layer, for the density: a 2 x 8 layer still gets 32,000 values
PAIRS = 256  # pairs of distinct inputs for the cross-input terms (all when fewer)
PAIR_SEED = 0


def _pairs(B, limit=PAIRS):
    """Index arrays (a, b), a != b: every unordered pair of B inputs when there are at most
    ``limit``, else ``limit`` pairs drawn uniformly (a fixed seed: a prediction is a
    function of its inputs)."""
    if B * (B - 1) // 2 <= limit:
        a, b = np.triu_indices(B, 1)
        return a, b
    rng = np.random.default_rng(PAIR_SEED)
    a = rng.integers(0, B, limit)
    b = (a + rng.integers(1, B, limit)) % B
    return a, b


# Where a smoothing's or an outer expectation's σ is this small against f's own scale (about
# 1: tanh's poles sit at ±iπ/2), a plain Gauss-Hermite rule is exact to ~1e-10 for a
# smooth f, at a tenth of the cost of the split rule.
HERMITE_SIGMA = 0.5
_HX, _HW = np.polynomial.hermite_e.hermegauss(24)
_HW = _HW / _HW.sum()


def _smooth(act, mean, q):
    """E[f], E[f'] over N(mean, q) for a smooth f: Hermite where σ is small, else split."""
    mean, q = np.broadcast_arrays(mean, q)
    g, gd = np.empty(mean.shape), np.empty(mean.shape)
    small = q <= (HERMITE_SIGMA**2 if act.analytic else -1.0)
    z = mean[small][:, None] + np.sqrt(q[small])[:, None] * _HX
    fz = act.f(z)
    g[small], gd[small] = fz @ _HW, act.df(z, fz) @ _HW
    if not small.all():
        g[~small], gd[~small] = gaussian_smoothing(act, q[~small], mean[~small], coarse=True)
    return g, gd


def pair_expectations(act, mean, qa, qb, cov):
    """E[f(u)f(v)] and E[f'(u)f'(v)] for (u, v) Gaussian with means ``mean``, variances
    qa, qb and covariance ``cov`` (1-D arrays of one length).

    By conditioning: E[f(u)·E[f(v) | u]], where v | u ~ N(mean + β(u - mean), τ²) and
    E[f(v) | u] is a Gaussian smoothing of f: closed form for the piecewise-linear and
    exponential activations (kinked: the outer quadrature is then cut at u = 0, f's kink,
    and where the conditional mean crosses 0, the smoothed kink of E[f(v) | u]); for the
    smooth ones, quadrature nested in quadrature, the coarse rules (good to ~1e-7).
    """
    mean, qa, qb, cov = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in
                                              (mean, qa, qb, cov)))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(qa > 0, cov / np.where(qa > 0, qa, 1.0), 0.0)
        u_star = np.where(beta != 0, mean - mean / np.where(beta != 0, beta, 1.0), np.nan)
    tau2 = np.maximum(qb - beta * cov, 0.0)
    c, cd = np.empty(mean.shape), np.empty(mean.shape)
    if act.smoothing is not None:
        groups = [(np.arange(len(mean)), None)]
    else:
        small = qa <= (HERMITE_SIGMA**2 if act.analytic else -1.0)
        groups = [(np.flatnonzero(small), "hermite"), (np.flatnonzero(~small), "coarse")]
    for rows, rule in groups:
        if not len(rows):
            continue
        m, q, b = mean[rows], qa[rows], beta[rows]
        if rule is None:
            u, w = gaussian_nodes(m, q, extra_cuts=u_star[rows, None])
        elif rule == "hermite":
            u = m[:, None] + np.sqrt(q)[:, None] * _HX
            w = np.broadcast_to(_HW, u.shape)
        else:
            u, w = gaussian_nodes(m, q, extra_cuts=u_star[rows, None], coarse=True)
        fu = act.f(u)
        dfu = act.df(u, fu)
        mv = m[:, None] + b[:, None] * (u - m[:, None])
        t2 = np.broadcast_to(tau2[rows, None], mv.shape)
        g, gd = act.smoothing(mv, t2) if rule is None else _smooth(act, mv, t2)
        c[rows], cd[rows] = np.sum(w * fu * g, -1), np.sum(w * dfu * gd, -1)
    return c, cd


def predict(Ws, bs, X, act, dlogits=None, keep=1.0, masks=None, top_grad_sq=None,
            pairs=None):
    """Per layer (hidden, then output) predicted preact_std, act_mean, act_std, backprop_std.

    ``Ws``/``bs``: one network's weights (fan_in, fan_out) and biases; ``X``: the batch the
    telemetry measures on (B, d). ``dlogits``: dL/dlogits on that batch (B, K), which seeds
    the backward recursion input by input; or ``top_grad_sq``, one mean square of it for
    every input (the older form). ``masks``: the batch's dropout masks per hidden layer
    (B, width), or ``keep`` for their expected effect. Without either gradient seed the
    backprop_std are NaN. ``pairs``: how many input pairs the cross-input terms average
    over (PAIRS when None).
    """
    Ws = [np.asarray(W, float).reshape(np.shape(W)[-2:]) for W in Ws]
    bs = [np.asarray(b, float).reshape(-1) for b in bs]
    X = np.asarray(X, float)
    n, B = len(Ws), X.shape[0]
    a_idx, b_idx = _pairs(B, PAIRS if pairs is None else pairs)
    P = len(a_idx)
    s = [float(np.mean(W * W)) for W in Ws]
    mb = [float(np.mean(b)) for b in bs]
    vb = [float(np.var(b)) for b in bs]

    # The input of layer 1: its rows' squares, dot products and distances, exactly.
    diag = np.einsum("ij,ij->i", X, X)
    pair = np.einsum("ij,ij->i", X[a_idx], X[b_idx])
    dist = np.einsum("ij,ij->i", X[a_idx] - X[b_idx], X[a_idx] - X[b_idx])
    mean_h = X.mean(axis=0)
    hbar2 = float(mean_h @ mean_h)  # |h̄|², exact for the input

    preact, act_mean, act_std = [], [], []
    kept = []  # per hidden layer: E[f'²] (B,), E[f'f'] (P,), width, mask terms
    for layer in range(n):
        width = Ws[layer].shape[1]
        q = s[layer] * diag + vb[layer]
        preact.append(vb[layer] + s[layer] * (diag.mean() - hbar2 / width))
        if layer == n - 1:
            break
        delta = s[layer] * dist  # E[(z(x) - z(x'))²]: the biases cancel
        qa, qb = q[a_idx], q[b_idx]
        cov = np.clip(0.5 * (qa + qb - delta), -np.sqrt(qa * qb), np.sqrt(qa * qb))
        e1, e2, d2 = gaussian_moments(act, q, mb[layer])
        e1, e2, d2 = (np.broadcast_to(v, q.shape) for v in (e1, e2, d2))
        if P:
            c, cd = pair_expectations(act, mb[layer], qa, qb, cov)
        else:
            c = cd = np.zeros(0)
        pair_c = float(c.mean()) if P else 0.0
        mean_a = float(e1.mean())
        # Units' batch means spread by 1/width around the layer mean: the centring.
        unit_means_sq = (e2.sum() + (B * B - B) * pair_c) / (B * B)
        var_a = e2.mean() - mean_a**2 - (unit_means_sq - mean_a**2) / width
        act_mean.append(mean_a)
        act_std.append(math.sqrt(max(var_a, 0.0)))
        if masks is not None:
            m = np.asarray(masks[layer], float).reshape(B, -1)
            m_diag = np.einsum("ij,ij->i", m, m) / m.shape[1]
            m_pair = np.einsum("ij,ij->i", m[a_idx], m[b_idx]) / m.shape[1]
        else:
            m_diag = np.full(B, 1.0 / keep)
            m_pair = np.ones(P)
        # What the next layer sees: h = f(z)·mask, summed over this layer's units.
        d_pair = e2[a_idx] + e2[b_idx] - 2 * c  # E[(f(u) - f(v))²]
        dist = width * ((m_diag[a_idx] - m_pair) * e2[a_idx]
                        + (m_diag[b_idx] - m_pair) * e2[b_idx] + m_pair * d_pair)
        diag = width * m_diag * e2
        pair = width * m_pair * c
        hbar2 = (diag.sum() + (B * B - B) * (pair.mean() if P else 0.0)) / (B * B)
        kept.append((d2, cd, width, m_diag, m_pair))
    act_mean.append(math.nan)
    act_std.append(math.nan)

    back = [math.nan] * n
    if dlogits is not None or top_grad_sq is not None:
        if dlogits is not None:
            g = np.asarray(dlogits, float).reshape(B, -1)
            delta_sq = np.einsum("ij,ij->i", g, g)
            g_pair = np.einsum("ij,ij->i", g[a_idx], g[b_idx])
            back[-1] = float(np.var(g))
        else:
            delta_sq = np.full(B, Ws[-1].shape[1] * float(top_grad_sq))
            g_pair = np.zeros(P)
            back[-1] = float(top_grad_sq)
        for layer in range(n - 2, -1, -1):
            d2, cd, width, m_diag, m_pair = kept[layer]
            delta_sq = width * m_diag * d2 * s[layer + 1] * delta_sq
            g_pair = width * m_pair * cd * s[layer + 1] * g_pair
            mean_sq = delta_sq.mean() / width
            sq_mean = (delta_sq.sum() + (B * B - B) * (g_pair.mean() if P else 0.0)) / (
                B * width) ** 2
            back[layer] = float(mean_sq - sq_mean)
    return {
        "layer": np.arange(1, n + 1),
        "preact_std": np.sqrt(np.maximum(preact, 0.0)),
        "act_mean": np.array(act_mean),
        "act_std": np.array(act_std),
        "backprop_std": np.sqrt(np.maximum(back, 0.0)),
    }


def first_batch(trainer, member=0):
    """(X, masks, dlogits) of the batch a trainer measured at step 0, for one member.

    A trainer draws its first batch (and its dropout masks) in its constructor and keeps it
    as ``next_batch`` until the first step; one that has stepped is replayed from the member's
    configuration, which draws the identical weights, batch and masks."""
    if trainer.step != 0:
        trainer, member = Trainer(trainer.members[member]), 0
    idx, masks = trainer.next_batch
    X, y = trainer.data.X_train[idx], trainer.data.y_train[idx]
    Ws = [W[member:member + 1] for W in trainer.Ws]
    bs = [b[member:member + 1] for b in trainer.bs]
    with np.errstate(all="ignore"):
        p = network.forward(Ws, bs, X, y, trainer.act, trainer.config.loss,
                            trainer.data.classification, masks)
    return trainer, member, X, masks, p.dlogits[0]


def at_init(trainer, member=0):
    """The prediction of what ``trainer.record`` holds at step 0 for ``member``: on its
    first batch, with its dropout masks, seeded by that batch's dL/dlogits."""
    trainer, member, X, masks, dlogits = first_batch(trainer, member)
    Ws = [W[member] for W in trainer.Ws]
    bs = [b[member] for b in trainer.bs]
    with np.errstate(all="ignore"):  # weights so large that the scales overflow: inf, shown
        return predict(Ws, bs, X, trainer.act, dlogits=dlogits, masks=masks)


BAND_FIELDS = ("preact_std", "backprop_std")
MAX_BAND_VALUES = 4 * 10**7  # floats in one hidden-layer buffer of a stack of seeds


def seed_band(config, seeds=8):
    """The finite-width spread: the measured step-0 preact_std and backprop_std per layer
    over ``seeds`` initialisations (init_seed, init_seed + 1, …; the same data, batch and
    masks). Returns per layer the lowest, the median and the highest of them (the whole
    range: with 8 seeds a 10-90 % percentile band would be the second lowest and highest,
    which hides half of what it is meant to show), as ``{field}_low``, ``{field}_median``
    and ``{field}_high``, and ``seeds``.

    The seeds train as members of stacked Trainers, a few at a time so that the stack's
    buffers stay bounded."""
    cfg = config
    seeds = int(seeds)
    if seeds < 1:
        raise ValueError(f"seeds: {seeds} must be at least 1")
    batch = cfg.batch_size or cfg.n_samples
    per_member = max(1, cfg.depth * cfg.width * batch)
    group = max(1, MAX_BAND_VALUES // per_member)
    init_seeds = [(cfg.init_seed + k) % (MAX_SEED + 1) for k in range(seeds)]
    rows = []
    for start in range(0, seeds, group):
        members = [cfg.replace(init_seed=s) for s in init_seeds[start:start + group]]
        trainer = Trainer(cfg, members=members)
        rows.append(trainer.record.arrays()[1][0])  # (M, layers, FIELDS) at step 0
    values = np.concatenate(rows)
    out = {"layer": np.arange(1, values.shape[1] + 1), "seeds": seeds}
    for field in BAND_FIELDS:
        v = values[:, :, Field[field]]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN layers stay NaN
            out[f"{field}_low"] = np.nanmin(v, axis=0)
            out[f"{field}_median"] = np.nanmedian(v, axis=0)
            out[f"{field}_high"] = np.nanmax(v, axis=0)
    return out


def init_density(name, params, fans, bins=60, scale=1.0):
    """The initializer's density for a layer with ``fans``, its weights multiplied by
    ``scale``: (bin edges, density).

    A uniform initializer's density is exact: flat, 1/(b − a) on its [a, b] (drawn, its
    60 bins wobbled by several per cent, and a student reads a wobble as a shape). The
    others are drawn from DENSITY_SAMPLES values with the layer's own shape repeated, so
    they are exact to the eye, including the shape-dependent ones (orthogonal, identity,
    sparse) that have no simple closed form.
    """
    if scale == 0:  # every weight is 0: one narrow bar of total mass 1
        return np.array([-0.01, 0.01]), np.array([50.0])
    bounds = initializers.uniform_bounds(name, params, fans)
    if bounds is not None and bounds[1] > bounds[0]:
        edges = np.linspace(*bounds, bins + 1)
        return edges * scale, np.full(bins, 1.0 / (bounds[1] - bounds[0]) / scale)
    init = initializers.get(name, **params)
    rng = np.random.default_rng(0)
    # A small layer is drawn many times: 128 values x 50 left the 60 bins of a uniform
    # ragged by 10%, where the density is flat.
    repeats = max(1, min(MAX_DRAWS, -(-DENSITY_SAMPLES // (fans[0] * fans[1]))))
    values = np.concatenate([init(fans, rng).ravel() for _ in range(repeats)])
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:  # a constant: one narrow bar of total mass 1
        lo, hi = lo - 0.01 * max(abs(lo), 1), hi + 0.01 * max(abs(hi), 1)
    density, edges = np.histogram(values, bins=bins, range=(lo, hi), density=True)
    return edges * scale, density / scale
