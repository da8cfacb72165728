"""Dynamical isometry: the singular values of the end-to-end Jacobian of the hidden layers.

For one input x, with h_l = φ(z_l), z_l = h_{l-1} W_l + b_l (row vectors, W_l of shape
(fan_in, fan_out)), the Jacobian of the top hidden layer h_L with respect to the first h_1 is

    J(x) = ∂h_L/∂h_1 = Π_{l=L..2} diag(φ′(z_l(x))) W_lᵀ        (an n × n matrix, n = width)

(the factor for layer L leftmost). A network is dynamically isometric (Saxe, McClelland &
Ganguli 2014; Pennington, Schoenholz & Ganguli 2017) when every singular value of J(x) is
near 1: a perturbation, and a back-propagated error, then keep their length through every
layer, in every direction, not only on average. Orthogonal weights in a linear network give
exactly 1; Gaussian weights of the same variance spread the singular values over decades as
depth grows, although the mean squared singular value stays 1.

Where tanh near its critical line is close to isometric (measured at step 0 on the default
data, 3 seeds, depth 10-30, width 32-256; tests/unit/test_spectrum.py holds each bound):
only at the critical point without biases (σ_w² = 1, σ_b² = 0), only with orthogonal
weights in every layer, and only because the signal then shrinks (q⁰ = |x|²/width from an
orthogonal first layer, q → 0 after it) so that tanh acts linearly. There at least 70 % of
the singular values lie within a factor 2 of 1 at width 32 (75-97 %) and at least 90 % from
width 64 to 256 (92-100 %). Gaussian weights of the same variance leave fewer than a quarter
there (5-20 %); at the critical point with biases (σ_b² = 0.05, σ_w² = 1.76) even orthogonal
weights leave at most 40 % (15-38 %, about 16 % at depth 30: q* > 0, so tanh's slope varies
from unit to unit); and a first layer that starts the signal at q⁰ near 1 leaves at most
60 % (18-58 %).

Depth 1 has h_L = h_1, so J = I (all ones); depth 0 has no hidden layer and no J (empty).

Cost: J(x) for a batch of B inputs is L - 1 batched products (B, n, n), then one batched SVD:
about B·L·n³ multiply-adds. ``MAX_WORK`` caps it: the first ``inputs_cap(depth, width)``
inputs of the batch are used (at most ``MAX_INPUTS``, at least one).
"""

from __future__ import annotations

import numpy as np

from core import activations
from core.trainer import Trainer

MAX_INPUTS = 256
MAX_WORK = 2**31  # multiply-adds of one spectrum: a few tenths of a second
LIVE_WORK = 2**26  # one spectrum of a live chart, redrawn while training plays: milliseconds
LIVE_INPUTS = 64
FLOOR = 1e-30  # a singular value below it (a ReLU that is off: exactly 0) counts as FLOOR
EPS = np.finfo(np.float64).eps


def inputs_cap(depth: int, width: int, work: int = MAX_WORK, most: int = MAX_INPUTS) -> int:
    """How many inputs one spectrum uses: ⌊work / (depth·width³)⌋, within 1..most."""
    per_input = max(depth, 1) * max(width, 1) ** 3
    return int(min(most, max(1, work // per_input)))


def _activation(activation):
    return activations.get(activation) if isinstance(activation, str) else activation


def _derivatives(Ws, bs, X, act):
    """φ′(z_l) on X for each hidden layer l = 1..L: a list of (B, n) arrays."""
    h, dfs = X, []
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        z = h @ W + b
        h = act.f(z)
        dfs.append(act.df(z, h))
    return dfs


def jacobians(Ws, bs, X, activation) -> np.ndarray:
    """J(x) = ∂h_L/∂h_1 for every row x of X: shape (B, n, n), entry [b, i, j] = ∂h_L,i/∂h_1,j.

    ``Ws``, ``bs``: one network's weights (fan_in, fan_out) and biases (fan_out,), hidden
    layers then the output layer (which J does not involve). Built from the bottom up,
    J ← diag(φ′(z_l)) W_lᵀ J, one batched product per layer. Depth 0: shape (B, 0, 0).
    """
    act = _activation(activation)
    X = np.asarray(X, dtype=np.float64)
    depth = len(Ws) - 1
    n = Ws[0].shape[1] if depth else 0
    J = np.broadcast_to(np.eye(n), (len(X), n, n)).copy()
    if depth < 2:
        return J
    dfs = _derivatives(Ws, bs, X, act)
    for W, df in zip(Ws[1:-1], dfs[1:], strict=True):
        J = np.matmul(W.T, J)  # (n, n) @ (B, n, n)
        J *= df[:, :, None]
    return J


def singular_values(Ws, bs, X, activation, max_inputs: int | None = None) -> np.ndarray:
    """Every singular value of J(x), pooled over the first inputs of X: a 1-D array,
    each input's n values in descending order, input after input.

    At most ``max_inputs`` inputs (default ``inputs_cap(depth, width)``). An input whose
    J overflowed (a diverged network) is left out. Depth 0: an empty array.
    """
    depth = len(Ws) - 1
    if depth == 0:
        return np.empty(0)
    cap = inputs_cap(depth, Ws[0].shape[1]) if max_inputs is None else max_inputs
    with np.errstate(all="ignore"):
        J = jacobians(Ws, bs, np.asarray(X)[:cap], activation)
    J = J[np.isfinite(J).all(axis=(1, 2))]
    if not len(J):
        return np.empty(0)
    return np.linalg.svd(J, compute_uv=False).ravel()


def current_batch(trainer):
    """The inputs of the batch the trainer's next step uses: at step 0 the batch that
    step 0's telemetry was measured on (core.theory.first_batch), later the one the
    current weights are about to be trained on. Dropout masks are not applied: J is the
    deterministic network's."""
    idx, _masks = trainer.next_batch
    return trainer.data.X_train[idx]


def trainer_singular_values(trainer, member: int = 0, max_inputs: int | None = None):
    """singular_values for one member of a Trainer: its current weights, its current batch."""
    Ws = [W[member] for W in trainer.Ws]
    bs = [b[member] for b in trainer.bs]
    return singular_values(Ws, bs, current_batch(trainer), trainer.act, max_inputs)


def _quantile(log_sv, q):
    return float(np.quantile(log_sv, q))


def summary(sv) -> dict:
    """Statistics of a spectrum for display, all of log10 σ (σ below FLOOR counts as FLOOR):

    - ``count``; ``zero_frac``: the fraction below ``resolution`` = n·eps·max σ, the
      rounding level of an SVD (σ there is 0 to the precision of float64);
    - ``q05``, ``q25``, ``median``, ``q75``, ``q95``: quantiles of log10 σ;
    - ``spread``: q95 - q05, decades between the 5 % and 95 % quantiles (0 = isometric);
    - ``within_2``: the fraction of σ in [1/2, 2] (1 = isometric);
    - ``max_min_ratio``: max σ / min σ (inf when the smallest is 0). With ``zero_frac`` > 0
      the smallest σ are rounding noise (an SVD's absolute error is about n·eps·max σ), and
      the ratio says only "beyond about 1/(n·eps)", not how far;
    - ``mean_sq``: mean σ² (1 when the mean squared gain is 1, isometric or not).

    Empty spectrum (depth 0): count 0 and every statistic None.
    """
    sv = np.asarray(sv, dtype=np.float64).ravel()
    keys = ("zero_frac", "q05", "q25", "median", "q75", "q95", "spread", "within_2",
            "max_min_ratio", "mean_sq", "resolution")
    if not sv.size:
        return {"count": 0, **dict.fromkeys(keys)}
    log_sv = np.log10(np.maximum(sv, FLOOR))
    q = {name: _quantile(log_sv, p) for name, p in
         (("q05", 0.05), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("q95", 0.95))}
    top, low = float(sv.max()), float(sv.min())
    resolution = EPS * top * max(1, int(np.sqrt(sv.size)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = top / low if low > 0 else float("inf")
    return {
        "count": int(sv.size),
        "zero_frac": float(np.mean(sv <= resolution)),
        **q,
        "spread": q["q95"] - q["q05"],
        "within_2": float(np.mean((sv >= 0.5) & (sv <= 2.0))),
        "max_min_ratio": float(ratio),
        "mean_sq": float(np.mean(sv * sv)),
        "resolution": resolution,
    }


def spectrum_document(cfg, steps: int = 0, member: int = 0) -> dict:
    """``python -m core spectrum``: train ``cfg`` for ``steps`` steps, then the singular
    values of J(x) over the next batch's inputs (``current_batch``), pooled.

    {"config", "step", "inputs": inputs used, "singular_values", "summary"} (a summary
    value that is not finite, max/min with a zero singular value, is None)."""
    cfg = cfg.replace(steps=int(steps))
    trainer = Trainer(cfg).run(steps)
    sv = trainer_singular_values(trainer, member)
    width = cfg.width if cfg.depth else 0
    return {
        "config": trainer.members[member].as_dict(),
        "step": int(trainer.step),
        "inputs": int(sv.size // width) if width else 0,
        "singular_values": [float(v) for v in sv],
        "summary": {k: v if v is None or np.isfinite(v) else None  # JSON: inf → null
                    for k, v in summary(sv).items()},
    }


def summary_text(doc: dict) -> str:
    """A few lines for the terminal from a spectrum_document."""
    cfg, s = doc["config"], doc["summary"]
    head = (f"{cfg['depth']} x {cfg['width']} {cfg['activation']}, init {cfg['init']}, "
            f"step {doc['step']}: {s['count']} singular values of dh_L/dh_1 "
            f"over {doc['inputs']} inputs")
    if not s["count"]:
        return head + "\n(no hidden layer: no Jacobian)"
    ratio = "inf" if s["max_min_ratio"] is None else f"{s['max_min_ratio']:.3g}"
    return "\n".join([
        head,
        f"log10 quantiles 5/25/50/75/95 %: {s['q05']:.2f} {s['q25']:.2f} {s['median']:.2f} "
        f"{s['q75']:.2f} {s['q95']:.2f}  (spread {s['spread']:.2f} decades)",
        f"within a factor 2 of 1: {100 * s['within_2']:.1f} %; max/min {ratio}; "
        f"mean σ² {s['mean_sq']:.3g}; at rounding level (≈ 0): {100 * s['zero_frac']:.1f} %",
    ])
