"""Per-layer measurements of a training step (DESIGN.md's telemetry table) and their tables.

``measure`` turns one forward/backward pass, the weights it used and the step it took into
an array (M, layers, FIELDS); ``Record`` collects those and gives tidy pandas frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIELDS = (
    "grad_norm", "weight_norm", "update_ratio", "preact_std", "act_mean", "act_std",
    "backprop_std", "saturated_frac", "dead_frac", "distinct_units",
)
STEP_FIELDS = ("train_loss", "test_loss", "train_acc", "test_acc")
SATURATION = 0.05  # a derivative below 5% of its maximum counts as saturated
DISTINCT_RTOL = 1e-9


def sq_norms(a):
    """Squared Frobenius norm of each member's slice: (M,).

    A batched dot product (BLAS) rather than einsum: a third to two thirds faster on
    these sizes, and the trainer calls it for every layer on every step.
    """
    flat = a.reshape(a.shape[0], 1, -1)
    return (flat @ flat.transpose(0, 2, 1)).reshape(-1)


def _moments(x):
    """Mean and std over everything but the leading axes (layers, members): one pass each.

    The second moment is one BLAS dot product per (layer, member) row, twice as fast as
    einsum here. Row by row, never a batched product as in sq_norms: a batched product's
    summation order depends on the stack's shape, and a member of a stack must measure
    exactly what it measures alone (a layer of identical values: std 0 in both).
    """
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    n = flat.shape[2]
    mean = flat.sum(axis=2) / n
    second = np.array([np.dot(row, row) for row in flat.reshape(-1, n)]) / n
    return mean, np.sqrt(np.maximum(second.reshape(mean.shape) - mean * mean, 0.0))


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
    bias) agree within rtol·max|W, b| of their layer count as one.

    Candidates come from sorting a random projection (equal units project equal, so only
    neighbours in that order can be equal), checked exactly only where two are close: the
    usual case costs one matrix-vector product and one sort per group of same-shape layers
    (the hidden layers of a deep network are one group).
    """
    counts = np.empty((len(Ws), Ws[0].shape[0]), dtype=np.int64)
    groups: dict[tuple, list[int]] = {}
    for layer, W in enumerate(Ws):
        groups.setdefault(W.shape, []).append(layer)
    for shape, layers in groups.items():
        W = np.stack([Ws[k] for k in layers])  # (layers, M, fan_in, units)
        b = np.stack([bs[k] for k in layers])  # (layers, M, units)
        r, r_l1 = _probe(shape[1] + 1)
        scale = np.maximum(np.abs(W).max(axis=(2, 3)), np.abs(b).max(axis=2))
        tols = rtol * np.maximum(scale, np.finfo(float).tiny) * r_l1  # (layers, M)
        proj = r[:-1] @ W + b * r[-1]  # (layers, M, units)
        gaps = np.diff(np.sort(proj, axis=2), axis=2) > tols[:, :, None]
        counts[layers] = shape[2]
        exact = ~gaps.all(axis=2)  # (layers, M): where two units may be equal
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


def flow_state(values, ratio=FLOW_RATIO):
    """Per layer: 'zero', 'vanishing', 'ok' or 'exploding', against the output layer (the
    last value), or against the median of the positive values when that one is 0."""
    v = np.asarray(values, dtype=float)
    positive = v[np.isfinite(v) & (v > 0)]
    ref = v[-1] if np.isfinite(v[-1]) and v[-1] > 0 else (
        float(np.median(positive)) if len(positive) else 1.0)
    states = []
    for x in v:
        if not np.isfinite(x):
            states.append("exploding" if x == np.inf else "vanishing")
        elif x == 0:
            states.append("zero")
        elif x < ref / ratio:
            states.append("vanishing")
        elif x > ref * ratio:
            states.append("exploding")
        else:
            states.append("ok")
    return states


def unit_similarity(W, b):
    """Cosine similarity between the units of one layer, by (incoming weights, bias).

    Two all-zero units count as identical (1): under zeros initialisation they are.
    """
    units = np.vstack([W, b[None, :]]).T
    norms = np.linalg.norm(units, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    sim = (units / safe[:, None]) @ (units / safe[:, None]).T
    zero = norms == 0
    sim[np.ix_(zero, zero)] = 1.0
    return np.clip(sim, -1.0, 1.0)


def measure(p, Ws, bs, deltas, df_max):
    """Telemetry of one step: (M, layers, FIELDS); deltas None means no update (step 0)."""
    M, n = Ws[0].shape[0], len(Ws)
    out = np.full((n, M, len(FIELDS)), np.nan)
    w_norm = np.sqrt([sq_norms(W) for W in Ws])
    out[..., 0] = np.sqrt([sq_norms(g) for g in p.dW])
    out[..., 1] = w_norm
    if deltas is None:
        out[..., 2] = 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., 2] = np.sqrt([sq_norms(d) for d in deltas]) / w_norm
    if n > 1:  # hidden layers, all at once through the stacked buffers
        h = slice(0, n - 1)
        out[h, :, 3] = _moments(p.Z)[1]
        out[h, :, 4], out[h, :, 5] = _moments(p.A)
        out[h, :, 6] = _moments(p.DZ)[1]
        flat = p.DF.reshape(n - 1, M, -1)
        out[h, :, 7] = np.count_nonzero(flat < SATURATION * df_max, axis=2) / flat.shape[2]
        out[h, :, 8] = (p.DF == 0).all(axis=2).mean(axis=2)
    logits, dlogits = p.z[-1][None], p.dlogits[None]
    out[-1, :, 3] = _moments(logits)[1][0]
    out[-1, :, 6] = _moments(dlogits)[1][0]
    out[..., 9] = distinct_units(Ws, bs)
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
