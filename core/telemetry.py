"""Per-layer measurements of a training step (DESIGN.md's telemetry table) and their tables.

``measure`` turns one forward/backward pass, the weights it used and the step it took into
an array (M, layers, FIELDS); ``Record`` collects those and gives tidy pandas frames. A field
is addressed by name: ``values[..., Field.grad_norm]``, ``metrics[..., Metric.test_loss]``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd

from core import network

FIELDS = (
    "grad_norm", "weight_norm", "update_ratio", "preact_std", "act_mean", "act_std",
    "backprop_std", "saturated_frac", "inactive_frac", "dead_frac", "distinct_units",
    "unit_spread",
)
STEP_FIELDS = ("train_loss", "test_loss", "train_acc", "test_acc")
Field = IntEnum("Field", FIELDS, start=0)  # the last axis of a layer record
Metric = IntEnum("Metric", STEP_FIELDS, start=0)  # the last axis of a step record
# An output within 5% of its activation's range from a bound it approaches counts as
# saturated (tanh: |a| >= 0.9; sigmoid: a <= 0.05 or a >= 0.95), where its slope is small.
SATURATION = 0.05
DISTINCT_RTOL = 1e-9
_TINY = np.finfo(float).tiny


def _row_sq(rows):
    """Each row's dot product with itself, (..., n) -> (...): one BLAS dot per row, in one
    call (a third to two thirds faster than einsum here). Each row's sum is the same dot
    product whatever the stack around it, so a member of a stack measures exactly what it
    measures alone."""
    return (rows[..., None, :] @ rows[..., :, None])[..., 0, 0]


def sq_norms(a):
    """Squared Frobenius norm of each member's slice: (M,)."""
    return _row_sq(a.reshape(a.shape[0], -1))


# Below this share of the second moment, E[x²] - E[x]² has lost most of its digits to
# cancellation: those rows are measured again about their mean.
_CANCELLED = 1e-6


def _moments(x, sums=None):
    """Mean and std over everything but the leading axes (layers, members): one pass each,
    or one in all when the sums (layers, members) are already known. A std far below the
    mean (outputs nearly equal, yet not equal) is measured again about the mean, so a
    tiny spread never reads as exactly 0."""
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    n = flat.shape[2]
    mean = (flat.sum(axis=2) if sums is None else sums) / n
    second = _row_sq(flat) / n
    var = second - mean * mean
    for i, j in zip(*np.nonzero(var <= _CANCELLED * second), strict=True):
        if np.isfinite(second[i, j]):
            centred = flat[i, j] - mean[i, j]
            var[i, j] = centred @ centred / n
    return mean, np.sqrt(np.maximum(var, 0.0))


def layer_sq_norms(flat, sizes, groups=None):
    """Squared Frobenius norm of each layer's weights in a flat (M, P) array (the layout of
    network.flat_views): (layers, M). ``groups``: network.layer_groups(flat, sizes), if
    already made."""
    per_group = []
    for _, W, _ in groups or network.layer_groups(flat, sizes):
        per_group.append(_row_sq(W.reshape(W.shape[0], W.shape[1], -1)).T)
    return np.concatenate(per_group)


_PROBES: dict[int, tuple[np.ndarray, float]] = {}


def _probe(n):
    """A fixed random direction in R^n and its L1 norm (which bounds |r·(u - v)|/max|u - v|)."""
    if n not in _PROBES:
        r = np.random.default_rng(n).standard_normal(n)
        _PROBES[n] = r, float(np.abs(r).sum())
    return _PROBES[n]


def _count_exactly(units, order, gaps, tol):
    count = 0
    for group in np.split(order, np.flatnonzero(gaps) + 1):
        rest = units[group]
        while len(rest):
            rest = rest[np.abs(rest - rest[0]).max(axis=1) > tol]
            count += 1
    return count


def _all_identical(W, b, tol, k, layers, candidates, counts, exact):
    """The symmetric case (zeros, a constant) for all members of one layer at once: where
    every unit lies within tol of the first, the count is 1 and needs no exact check.

    The test is _count_exactly's own (max |u - u₀| ≤ tol), vectorised over members: a stack
    of many seeds of a symmetric column would otherwise be checked one member at a time.
    """
    ms = np.flatnonzero(candidates)
    units = np.concatenate([W[ms], b[ms][:, None, :]], axis=1)  # (m, fan_in + 1, units)
    spread = np.abs(units - units[:, :, :1]).max(axis=(1, 2))
    same = spread <= tol[ms] / _probe(units.shape[1])[1]
    counts[layers[k], ms[same]] = 1
    exact[k, ms[same]] = False


def distinct_units(Ws, bs, rtol=DISTINCT_RTOL):
    """Distinct units per layer and member: (layers, M). Units whose (incoming weights,
    bias) agree within rtol·max|W, b| of their layer count as one."""
    params = network.pack(Ws, bs)[0]
    return _distinct_units(network.layer_groups(params, network.sizes_of(Ws)), len(Ws),
                           rtol)


def _distinct_units(groups, n_layers, rtol=DISTINCT_RTOL):
    """distinct_units over network.layer_groups.

    Candidates come from sorting a random projection (equal units project equal, so only
    neighbours in that order can be equal), checked exactly only where two are close: the
    usual case costs one matrix-vector product and one sort per group of same-shape layers
    (the hidden layers of a deep network are one group).
    """
    M = groups[0][1].shape[0]
    counts = np.empty((n_layers, M), dtype=np.int64)
    for first, W, b in groups:
        layers = np.arange(first, first + W.shape[1])
        counts[layers] = W.shape[3]
        if W.shape[3] == 1:
            continue  # one unit is one distinct unit
        W, b = W.swapaxes(0, 1), b.swapaxes(0, 1)  # (layers, M, fan_in, units), (layers, M, units)
        r, r_l1 = _probe(W.shape[2] + 1)
        # max |x| as max(max x, -min x): no temporary |W| as large as the weights
        rows = W.reshape(W.shape[0], W.shape[1], -1)
        scale = np.maximum(np.maximum(rows.max(axis=2), -rows.min(axis=2)),
                           np.maximum(b.max(axis=2), -b.min(axis=2)))
        tols = rtol * np.maximum(scale, _TINY) * r_l1  # (layers, M)
        proj = r[:-1] @ W + b * r[-1]  # (layers, M, units)
        gaps = np.diff(np.sort(proj, axis=2), axis=2) > tols[:, :, None]
        exact = ~gaps.all(axis=2)  # (layers, M): where two units may be equal
        if not exact.any():
            continue  # every unit apart from its neighbours: the usual case
        for k in np.flatnonzero(~gaps.any(axis=2).all(axis=1)):
            _all_identical(W[k], b[k], tols[k], k, layers, ~gaps[k].any(axis=1), counts,
                           exact)
        for k, m in zip(*np.nonzero(exact), strict=True):
            order = np.argsort(proj[k, m], kind="stable")
            units = np.vstack([W[k, m], b[k, m][None, :]]).T
            tol = tols[k, m] / _probe(units.shape[1])[1]
            counts[layers[k], m] = _count_exactly(units, order, gaps[k, m], tol)
    return counts


FLOW_RATIO = 100.0  # a layer 100x below (above) the output layer is vanishing (exploding)
# Above this a value is exploding whatever the output layer shows: when every layer has
# blown up together, no layer stands out from the others. A healthy layer's gradient norm,
# error or activation std is of order 1 (He, Glorot), far below it.
FLOW_CEILING = 1e3
# The update's size against the weights' is scale-free, so it is judged on its own, not
# against the output layer (whose few, small weights make its ratio the largest): a step
# that moves the weights by less than a millionth barely moves them in a thousand steps;
# one that moves them by a tenth is a jump (Karpathy's rule of thumb: about 1e-3 is healthy).
UPDATE_BAND = (1e-6, 1e-1)


def flow_reference(values):
    """What gradients are measured against: the output layer's value (the last), or the
    median of the positive values when that one is not positive, or 1."""
    v = np.asarray(values, dtype=float)
    positive = v[np.isfinite(v) & (v > 0)]
    if np.isfinite(v[-1]) and v[-1] > 0:
        return float(v[-1])
    return float(np.median(positive)) if len(positive) else 1.0


def flow_band(values, field="grad_norm") -> tuple[float, float]:
    """The healthy range of a per-layer field: FLOW_RATIO either side of the output
    layer's gradient (below FLOW_CEILING), or UPDATE_BAND for the update ratio."""
    if field == "update_ratio":
        return UPDATE_BAND
    ref = flow_reference(values)
    return ref / FLOW_RATIO, min(ref * FLOW_RATIO, FLOW_CEILING)


def step_scale(cfg) -> float | None:
    """How far a step moves the weights per unit of gradient: the learning rate for SGD,
    lr/(1 - momentum) once momentum has built up; None for Adam, whose step is about lr
    whatever the gradient's size."""
    if cfg.optimizer == "adam":
        return None
    return cfg.lr / (1 - cfg.momentum) if cfg.optimizer == "momentum" else cfg.lr


def step_ratios(grad_norms, weight_norms, scale: float | None) -> np.ndarray | None:
    """Per layer, how far the step a weight gradient takes moves the layer's weights, as a
    share of their size: scale·‖∂L/∂W‖ / ‖W‖ (None without a scale). What a layer needs to
    learn is a step that moves it, whatever the other layers do: the output layer's
    gradient can be as tiny as the rest (a 30-layer ReLU net with Glorot's weights: every
    layer's step is a billionth of its weights, every layer level with the output's)."""
    if scale is None:
        return None
    g, w = np.asarray(grad_norms, float), np.asarray(weight_norms, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, scale * g / w, np.inf)


def flow_state(values, field="grad_norm", steps=None):
    """Per layer: 'zero', 'vanishing', 'ok' or 'exploding', against flow_band; for weight
    gradients with their ``steps`` (step_ratios), a step that would move the layer by less
    than UPDATE_BAND's low end of its weights is vanishing too: it cannot learn."""
    v = np.asarray(values, dtype=float)
    low, high = flow_band(v, field)
    states = []
    for k, x in enumerate(v):
        if not np.isfinite(x):
            states.append("exploding" if x == np.inf else "vanishing")
        elif x == 0:
            states.append("zero")
        elif x > high:
            states.append("exploding")
        elif x < low or (steps is not None and steps[k] < UPDATE_BAND[0]):
            states.append("vanishing")
        else:
            states.append("ok")
    return states


def saturated(A, bounds) -> np.ndarray:
    """Per row of A (layers, M, B, units): the share of outputs within SATURATION of the
    activation's range from a bound it approaches (``bounds``: (low, high), None for an
    open side). An activation without a bound never saturates: 0."""
    low, high = bounds
    if low is None and high is None:
        return np.zeros(A.shape[:2])
    span = (high - low) if low is not None and high is not None else abs(low if low is not
                                                                         None else high)
    pinned = np.zeros(A.shape, bool)
    if low is not None:
        np.less_equal(A, low + SATURATION * span, out=pinned)
    if high is not None:
        pinned |= A >= high - SATURATION * span
    return _share(pinned)


def _share(mask) -> np.ndarray:
    """Per row (layers, M) of a boolean (layers, M, ...): the share of True."""
    rows = mask.reshape(mask.shape[0] * mask.shape[1], -1)
    # Row by row: count_nonzero over a whole row is a popcount, along an axis a sum.
    counts = np.array([np.count_nonzero(row) for row in rows])
    return (counts / rows.shape[1]).reshape(mask.shape[:2])


def unit_spread(groups, n_layers, workspace=None) -> np.ndarray:
    """How far a layer's units are from being one unit copied, (layers, M): the root mean
    square distance of the units' (incoming weights, bias) from their mean, relative to
    their root mean square size. 0: every unit is the same (zeros, a constant); about 1:
    as different as random units; in between: near-copies (a constant broken by dropout).
    ``workspace``: where the units and their deviations are written (network.scratch)."""
    M = groups[0][1].shape[0]
    out = np.zeros((n_layers, M))
    for first, W, b in groups:
        shape = (M, W.shape[1], W.shape[2] + 1, W.shape[3])  # (M, count, fan_in + 1, units)
        units = np.concatenate([W, b[:, :, None, :]], axis=2,
                               out=network.scratch(workspace, "units", shape))
        centred = np.subtract(units, units.mean(axis=3, keepdims=True),
                              out=network.scratch(workspace, "centred", shape))
        size = _row_sq(units.reshape(M, W.shape[1], -1))
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.sqrt(_row_sq(centred.reshape(M, W.shape[1], -1)) / size)
        out[first:first + W.shape[1]] = np.where(size > 0, spread, 0.0).T
    if W.shape[3] == 1:  # the output of a one-output network: one unit, nothing to compare
        out[-1] = np.nan
    return out


def measure(p, params, sizes, delta, bounds, workspace=None):
    """Telemetry of one step: (M, layers, FIELDS).

    ``params`` are the weights the pass used and ``delta`` the update the step took, both
    flat (M, P) arrays laid out as network.flat_views; ``delta`` None means no update
    (step 0); ``bounds`` the activation's (core.activations.Activation.bounds);
    ``workspace`` a dict that keeps scratch arrays from one call to the next.
    """
    M, n = params.shape[0], len(sizes) - 1
    out = np.full((n, M, len(FIELDS)), np.nan)
    groups = network.layer_groups(params, sizes)
    w_norm = np.sqrt(layer_sq_norms(params, sizes, groups))
    out[..., Field.grad_norm] = np.sqrt(layer_sq_norms(p.grads, sizes))
    out[..., Field.weight_norm] = w_norm
    if delta is None:
        out[..., Field.update_ratio] = 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., Field.update_ratio] = np.sqrt(layer_sq_norms(delta, sizes)) / w_norm
    if n > 1:  # hidden layers, all at once through the stacked buffers
        h = slice(0, n - 1)
        out[h, :, Field.preact_std] = _moments(p.Z)[1]
        out[h, :, Field.act_mean], out[h, :, Field.act_std] = _moments(p.A)
        # A hidden bias gradient is its dz summed over the batch: dz's sums come for free.
        out[h, :, Field.backprop_std] = _moments(p.DZ, np.stack(p.db[:-1]).sum(axis=2))[1]
        out[h, :, Field.saturated_frac] = saturated(p.A, bounds)
        flat_slope = p.DF == 0  # ReLU's inactive half: no gradient passes these
        inactive = _share(flat_slope)
        out[h, :, Field.inactive_frac] = inactive
        # A dead unit has slope 0 on the whole batch: only where a layer has a batch's
        # worth of zero slopes can one be dead (never for tanh, healthy).
        if (inactive * p.DF.shape[3] >= 1).any():
            out[h, :, Field.dead_frac] = flat_slope.all(axis=2).mean(axis=2)
        else:
            out[h, :, Field.dead_frac] = 0.0
    logits, dlogits = p.z[-1][None], p.dlogits[None]
    out[-1, :, Field.preact_std] = _moments(logits)[1][0]
    out[-1, :, Field.backprop_std] = _moments(dlogits)[1][0]
    out[..., Field.distinct_units] = _distinct_units(groups, n)
    out[..., Field.unit_spread] = unit_spread(groups, n, workspace)
    return out.transpose(1, 0, 2)


class Record:
    """Telemetry of recorded steps for every member, and the frames built from it."""

    def __init__(self, n_members, n_layers):
        self.n_members, self.n_layers = n_members, n_layers
        self.steps: list[int] = []
        self.layers: list[np.ndarray] = []  # each (M, layers, FIELDS)
        self.metrics: list[np.ndarray] = []  # each (M, STEP_FIELDS)
        self._frames = None

    def add(self, step, layer_values, step_values):
        self.steps.append(step)
        self.layers.append(layer_values)
        self.metrics.append(step_values)
        self._frames = None

    def __len__(self):
        return len(self.steps)

    def newest_finite(self, member=0):
        """Index of the newest record whose train loss is finite for ``member``: what a
        diverged run shows, its last finite state (the newest record when none is)."""
        for i in range(len(self.metrics) - 1, -1, -1):
            if np.isfinite(self.metrics[i][member, Metric.train_loss]):
                return i
        return len(self.metrics) - 1

    def thin(self):
        """Keep step 0, the newest and every other record between: memory stays bounded."""
        keep = sorted({0, len(self.steps) - 1, *range(0, len(self.steps), 2)})
        self.steps = [self.steps[i] for i in keep]
        self.layers = [self.layers[i] for i in keep]
        self.metrics = [self.metrics[i] for i in keep]
        self._frames = None

    def arrays(self, start=0):
        """(steps, layers (S, M, L, F), metrics (S, M, 4)) from the start-th recorded step."""
        steps = np.asarray(self.steps[start:], dtype=np.int64)
        if not len(steps):
            return (steps, np.empty((0, self.n_members, self.n_layers, len(FIELDS))),
                    np.empty((0, self.n_members, len(STEP_FIELDS))))
        return steps, np.stack(self.layers[start:]), np.stack(self.metrics[start:])

    def frames(self):
        """Tidy (layer_frame, step_frame): one row per (member, step, layer) / (member, step)."""
        if self._frames is None:
            steps, lay, met = self.arrays()
            S, M, L = len(steps), self.n_members, self.n_layers
            layer_frame = pd.DataFrame(lay.reshape(S * M * L, len(FIELDS)), columns=FIELDS)
            layer_frame.insert(0, "layer", np.tile(np.arange(1, L + 1), S * M))
            layer_frame.insert(0, "step", np.repeat(steps, M * L))
            layer_frame.insert(0, "member", np.tile(np.repeat(np.arange(M), L), S))
            layer_frame["distinct_units"] = layer_frame["distinct_units"].astype("Int64")
            step_frame = pd.DataFrame(met.reshape(S * M, len(STEP_FIELDS)), columns=STEP_FIELDS)
            step_frame.insert(0, "step", np.repeat(steps, M))
            step_frame.insert(0, "member", np.tile(np.arange(M), S))
            self._frames = (layer_frame, step_frame)
        return self._frames
