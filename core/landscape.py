"""The loss from the first weights: along the line θ0 → θ, and on a 2-D slice around θ.

Goodfellow, Vinyals & Saxe (2015) drew the training loss on the straight line from the
initial parameters θ0 to the trained ones θ,

    θ(α) = (1 − α)·θ0 + α·θ,   α ∈ [−0.25, 1.25]   (α = 0: the first weights, α = 1: now),

and Li et al. (2018) a plane around θ spanned by two random, *filter-normalised* directions,

    L(θ + a·d1 + b·d2),   a, b ∈ [−1, 1].

Each point is a whole network, and all of them have one shape: they are evaluated as the
members of one stack (network.forward over an (M, P) parameter array), in chunks whose
buffers stay under MEMORY_CAP bytes.

The loss is the trainer's own ``train_loss``/``test_loss``: the data loss on the full
training (test) set, without dropout and *without* the L2 penalty l2/2·Σ‖W‖² (which the
trainer adds to the gradient but never to the loss it records). The line is written
(1 − α)·θ0 + α·θ so that α = 0 and α = 1 give θ0 and θ bit for bit, and the slice's grid
holds a = b = 0 exactly: the ends of the line and the centre of the slice are the losses
the trainer reports.

Symmetric networks (zeros or constant initialisation: every hidden unit of a layer a copy
of the others). The loss is unchanged when the units of a hidden layer are permuted (their
incoming weights and biases, and their outgoing weights, together). The points left fixed
by every such permutation form the *symmetric subspace* S: in it, each hidden layer's units
have equal incoming weights and biases and equal outgoing weights. At θ ∈ S the gradient is
itself in S, so its component along any direction orthogonal to S is exactly 0: gradient
descent never leaves S. ``slice_2d`` then takes d1 inside S (one perturbation shared by
every unit of a layer) and d2 orthogonal to S (per-unit perturbations that sum to zero over
the units of a layer), and reports the slope ∇L·d along each.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from core import activations, datasets, network
from core.trainer import PROBE_SIZE, Trainer

# Line: α = k/40 for k = −10 … 50, i.e. −0.25 to 1.25 in steps of 0.025, with 0 and 1 exact.
ALPHAS = np.arange(-10, 51) / 40
GRID = 21  # points per side of the slice (odd: the centre a = b = 0 is on the grid)
SPAN = 1.0  # the slice covers a, b ∈ [−SPAN, SPAN]
# Bytes of forward-pass buffers (pre-activations, activations, logits, parameter rows) one
# chunk of members may hold: a slice of 441 networks is evaluated a chunk at a time.
MEMORY_CAP = 64 * 2**20
# Multiply-adds one slice on demand may take (about a second of NumPy on one core): a larger
# network gets fewer points per side (grid_for).
SLICE_WORK = 2e9
# A filter of θ shorter than this is a zero filter (zeros init, plus rounding noise).
ZERO_FILTER = 1e-8
SYMMETRY_RTOL = 1e-9  # θ is in S when ‖θ − P_S θ‖ ≤ this · ‖θ‖ (telemetry's DISTINCT_RTOL)
KINDS = {
    "random": "random direction {k} (filter-normalised)",
    "symmetric": "symmetric direction",
    "symmetry_breaking": "symmetry-breaking direction",
}


@dataclass(frozen=True)
class Problem:
    """What a loss needs besides the parameters: layer sizes, activation, loss, data."""

    sizes: tuple
    act: activations.Activation
    loss: str
    data: datasets.Dataset

    @classmethod
    def of(cls, trainer: Trainer) -> Problem:
        return cls(tuple(trainer.sizes), trainer.act, trainer.config.loss, trainer.data)

    @classmethod
    def from_config(cls, cfg) -> Problem:
        """The network and data a Trainer(cfg) would build (without building one)."""
        data = datasets.make(cfg.dataset, cfg.n_samples, cfg.noise, cfg.test_fraction,
                             cfg.data_seed)
        n_out = data.n_classes if data.classification and cfg.loss == "softmax_ce" else 1
        return cls(tuple(network.layer_sizes(2, cfg.depth, cfg.width, n_out)),
                   activations.get(cfg.activation), cfg.loss, data)


def initial_params(trainer: Trainer, member: int = 0) -> np.ndarray:
    """θ0 of a trainer's member, (P,): drawn again from its configuration and seed exactly
    as Trainer.__init__ drew it (LSUV included), since the trainer keeps only θ."""
    Ws, bs = network.init_params([trainer.members[member]], trainer.sizes)
    flat, Ws, bs = network.pack(Ws, bs)
    flags = network.uses_lsuv(trainer.config)
    if any(flags):
        network.apply_lsuv(Ws, bs, trainer.data.X_train[:PROBE_SIZE], trainer.act, flags)
    return flat[0]


# ------------------------------------------------------------------ evaluation


def chunk_size(problem: Problem, n_points: int) -> int:
    """Members per chunk: MEMORY_CAP / bytes per member, where a member holds
    8·(2·depth·B·width + 3·B·n_out + P) bytes (Z and A, the logits and loss terms, its
    parameter row) for the larger of the training and test sets (B points); at least 1."""
    s, d = problem.sizes, problem.data
    B = max(len(d.y_train), len(d.y_test), 1)
    per_member = 8 * (2 * (len(s) - 2) * B * s[1] + 3 * B * s[-1] + network.n_params(s))
    return int(max(1, min(n_points, MEMORY_CAP // per_member)))


def evaluate(problem: Problem, rows, n_points: int, X, y) -> np.ndarray:
    """The loss on (X, y) of n_points networks, (n_points,): ``rows(start, stop)`` gives
    the parameter rows (stop − start, P) of networks start … stop − 1. Non-finite losses
    (an overflowing network) stay NaN or inf."""
    out = np.full(n_points, np.nan)
    if not len(y):
        return out
    step, workspace = chunk_size(problem, n_points), {}
    with np.errstate(all="ignore"):
        for start in range(0, n_points, step):
            stop = min(start + step, n_points)
            Ws, bs = network.flat_views(np.ascontiguousarray(rows(start, stop)),
                                        list(problem.sizes))
            p = network.forward(Ws, bs, X, y, problem.act, problem.loss,
                                problem.data.classification, workspace=workspace)
            out[start:stop] = p.loss
    return out


def gradient(problem: Problem, theta) -> np.ndarray:
    """∇L(θ), (P,): the data loss on the full training set, no dropout, no L2."""
    Ws, bs = network.flat_views(np.array(theta, dtype=float)[None], list(problem.sizes))
    d = problem.data
    with np.errstate(all="ignore"):
        p = network.forward(Ws, bs, d.X_train, d.y_train, problem.act, problem.loss,
                            d.classification)
        return network.backward(p, Ws, problem.act, 0.0).grads[0].copy()


# ------------------------------------------------------------------ the line


def line_between(problem: Problem, theta0, theta, alphas=ALPHAS) -> dict:
    """Training and test loss at θ(α) = (1 − α)·θ0 + α·θ for each α: {"alphas",
    "train_loss", "test_loss"} as arrays (NaN where the test set is empty)."""
    alphas = np.asarray(alphas, dtype=float)
    theta0, theta = np.asarray(theta0, dtype=float), np.asarray(theta, dtype=float)
    if alphas.ndim != 1 or not len(alphas) or not np.all(np.isfinite(alphas)):
        raise ValueError("alphas: must be a non-empty list of finite numbers")

    def rows(start, stop):
        a = alphas[start:stop, None]
        return (1 - a) * theta0 + a * theta

    d = problem.data
    return {"alphas": alphas,
            "train_loss": evaluate(problem, rows, len(alphas), d.X_train, d.y_train),
            "test_loss": evaluate(problem, rows, len(alphas), d.X_test, d.y_test)}


def line(trainer: Trainer, alphas=ALPHAS, member: int = 0) -> dict:
    """``line_between`` from a trainer's member's θ0 (initial_params) to its weights now,
    with "step": the trainer's step."""
    out = line_between(Problem.of(trainer), initial_params(trainer, member),
                       trainer.params[member], alphas)
    return {**out, "step": trainer.step}


# ------------------------------------------------------------------ directions


def _views(v, sizes):
    return network.flat_views(v.reshape(1, -1), list(sizes))


def filter_normalise(direction, theta, sizes) -> np.ndarray:
    """``direction`` with each filter rescaled to the norm of θ's filter (Li et al. 2018).

    In an MLP a filter is one unit's incoming weight vector *with its bias*: (W[:, j], b[j])
    of every layer, the output units' included; biases are thus perturbed, in proportion to
    the unit they belong to. A filter of θ with norm below ZERO_FILTER (0 after zeros
    initialisation, or rounding noise around 0) gets norm 1, the expected norm of a
    LeCun-normal filter (E‖w‖² = fan_in · 1/fan_in), so a zero layer still moves in the
    slice. A zero filter of the direction stays zero.
    """
    d = np.array(direction, dtype=float)
    t = np.asarray(theta, dtype=float)
    for dW, db, tW, tb in zip(*_views(d, sizes), *_views(t, sizes), strict=True):
        target = np.sqrt((tW[0] ** 2).sum(axis=0) + tb[0] ** 2)
        target = np.where(target >= ZERO_FILTER, target, 1.0)
        norm = np.sqrt((dW[0] ** 2).sum(axis=0) + db[0] ** 2)
        scale = np.divide(target, norm, out=np.zeros_like(norm), where=norm > 0)
        dW *= scale
        db *= scale
    return d


def filter_norms(v, sizes) -> list[np.ndarray]:
    """Per layer, the norm of each unit's filter (W[:, j], b[j]) of a flat vector v."""
    Ws, bs = _views(np.asarray(v, dtype=float), sizes)
    return [np.sqrt((W[0] ** 2).sum(axis=0) + b[0] ** 2) for W, b in zip(Ws, bs, strict=True)]


def symmetrise(v, sizes) -> np.ndarray:
    """P_S v: the orthogonal projection onto the symmetric subspace S (the average of v
    over every permutation of every hidden layer's units). Layer by layer: a weight matrix
    whose units (columns) are hidden units is averaged over its columns, one whose inputs
    (rows) are hidden units over its rows (both for hidden → hidden: a constant matrix);
    a hidden layer's biases are replaced by their mean; the output biases are kept."""
    out = np.array(v, dtype=float)
    Ws, bs = _views(out, sizes)
    n = len(Ws)
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        if layer < n - 1:  # its units are hidden units
            W[...] = W.mean(axis=2, keepdims=True)
            b[...] = b.mean(axis=1, keepdims=True)
        if layer > 0:  # its inputs are hidden units
            W[...] = W.mean(axis=1, keepdims=True)
    return out


def can_be_symmetric(sizes) -> bool:
    """A hidden layer of at least two units: otherwise there is no symmetry to break."""
    return len(sizes) > 2 and sizes[1] >= 2


def is_symmetric(theta, sizes, rtol=SYMMETRY_RTOL) -> bool:
    """θ ∈ S: every hidden layer's units are copies (‖θ − P_S θ‖ ≤ rtol·‖θ‖)."""
    theta = np.asarray(theta, dtype=float)
    if not can_be_symmetric(sizes) or not np.all(np.isfinite(theta)):
        return False
    return bool(np.linalg.norm(theta - symmetrise(theta, sizes)) <= rtol * np.linalg.norm(theta))


def _draw(seed, k, P):
    return np.random.default_rng([seed, 18, k]).standard_normal(P)


def directions(theta, sizes, seed: int = 0, symmetric: bool | None = None):
    """(d1, d2, kinds): two directions around θ, filter-normalised, drawn from ``seed``.

    Generally two independent Gaussian directions, each filter-normalised (kinds
    "random"). When θ is in the symmetric subspace S (``symmetric=None``: detected with
    is_symmetric): d1 = P_S(filter_normalise(P_S r1)), inside S: since θ's units are
    copies, their filters share one norm and the rescaling keeps d1 in S (kind
    "symmetric"); d2 = P⊥(filter_normalise(P⊥ r2)) with P⊥ = 1 − P_S, orthogonal to S,
    then rescaled as a whole to the norm it had before this last projection (the
    projection moves its filters' norms a little off θ's) (kind "symmetry_breaking").
    """
    theta = np.asarray(theta, dtype=float)
    sizes = tuple(sizes)
    if symmetric is None:
        symmetric = is_symmetric(theta, sizes)
    r1, r2 = _draw(seed, 1, theta.size), _draw(seed, 2, theta.size)
    if not symmetric:
        return (filter_normalise(r1, theta, sizes), filter_normalise(r2, theta, sizes),
                ("random", "random"))
    d1 = symmetrise(filter_normalise(symmetrise(r1, sizes), theta, sizes), sizes)
    r2 = r2 - symmetrise(r2, sizes)
    d2 = filter_normalise(r2, theta, sizes)
    norm = np.linalg.norm(d2)
    d2 = d2 - symmetrise(d2, sizes)
    d2 *= norm / np.linalg.norm(d2)
    return d1, d2, ("symmetric", "symmetry_breaking")


def axis_title(kind: str, k: int) -> str:
    """The words for a direction of kind ``kind`` as axis k (1 or 2)."""
    return KINDS[kind].format(k=k)


# ------------------------------------------------------------------ the slice


def grid_for(weights: int, samples: int, work: float = SLICE_WORK, most: int = GRID) -> int:
    """Points per side of a slice that costs at most ``work`` multiply-adds, each point the
    loss of a network of ``weights`` parameters on ``samples`` points: the largest odd
    number up to ``most``, and never fewer than 5."""
    n = min(most, max(5, int(math.sqrt(work / max(1, weights * samples)))))
    return n if n % 2 else n - 1


def grid_axis(n: int = GRID, span: float = SPAN) -> np.ndarray:
    """n points from −span to span with 0 exactly in the middle (n odd, at least 3)."""
    if not (isinstance(n, int | np.integer) and n >= 3 and n % 2):
        raise ValueError(f"grid: {n!r} must be an odd whole number of at least 3")
    if not (math.isfinite(span) and span > 0):
        raise ValueError(f"span: {span!r} must be a positive number")
    half = n // 2
    return np.arange(-half, half + 1) / half * span


def coordinates(points, theta, d1, d2) -> np.ndarray:
    """Other networks (K, P) projected onto the slice's plane: per point (a, b, distance
    off the plane), the least-squares a·d1 + b·d2 closest to point − θ."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    D = np.column_stack([d1, d2])
    diff = (points - theta).T
    ab, *_ = np.linalg.lstsq(D, diff, rcond=None)
    off = np.linalg.norm(diff - D @ ab, axis=0)
    return np.column_stack([ab.T, off])


def slice_around(problem: Problem, theta, n: int = GRID, span: float = SPAN, seed: int = 0,
                 others=None) -> dict:
    """L(θ + a·d1 + b·d2) on an n × n grid of (a, b) ∈ [−span, span]²: {"a", "b", "loss"
    (n_b, n_a): row i is b[i]), "centre_loss", "d1", "d2", "directions": {"d1", "d2" (the
    kinds), "symmetric", "slope_d1", "slope_d2" (∇L(θ)·d, the loss's slope along each
    direction at the centre), "titles"}}, and with ``others`` (K, P) "others": their
    coordinates (a, b, distance off the plane). Training loss only."""
    theta = np.asarray(theta, dtype=float)
    axis = grid_axis(n, span)
    d1, d2, kinds = directions(theta, problem.sizes, seed)
    B, A = np.meshgrid(axis, axis, indexing="ij")
    a_flat, b_flat = A.ravel(), B.ravel()

    def rows(start, stop):
        return (theta + a_flat[start:stop, None] * d1) + b_flat[start:stop, None] * d2

    d = problem.data
    loss = evaluate(problem, rows, a_flat.size, d.X_train, d.y_train).reshape(n, n)
    g = gradient(problem, theta)
    out = {
        "a": axis, "b": axis, "loss": loss, "centre_loss": float(loss[n // 2, n // 2]),
        "d1": d1, "d2": d2,
        "directions": {"d1": kinds[0], "d2": kinds[1], "symmetric": kinds[0] == "symmetric",
                       "slope_d1": float(g @ d1), "slope_d2": float(g @ d2),
                       "titles": [axis_title(kinds[0], 1), axis_title(kinds[1], 2)]},
    }
    if others is not None:
        out["others"] = coordinates(others, theta, d1, d2)
    return out


def slice_2d(trainer: Trainer, n: int = GRID, span: float = SPAN, seed: int = 0,
             member: int = 0) -> dict:
    """``slice_around`` a trainer's member's weights now, with "step"; the other members'
    weights (restarts of one stack) projected onto the plane as "others"."""
    others = np.delete(trainer.params, member, axis=0) if trainer.n_members > 1 else None
    out = slice_around(Problem.of(trainer), trainer.params[member], n, span, seed, others)
    return {**out, "step": trainer.step}


# ------------------------------------------------------------------ command line


def _json(values):
    """A list (of lists) of floats with every non-finite value written as null."""
    return [_json(v) if np.ndim(v) else (float(v) if math.isfinite(v) else None)
            for v in values]


def document(cfg, kind: str = "line", seed: int | None = None) -> dict:
    """``python -m core landscape``: train cfg for cfg.steps steps, then its line
    ({"alphas", "train_loss", "test_loss"}) or its slice ({"a", "b", "loss",
    "directions"}), with "config" and "step". The slice's directions are drawn from
    ``seed`` (default: the run's train_seed)."""
    if kind not in ("line", "slice"):
        raise ValueError(f"kind: {kind!r} is not valid; allowed: line, slice")
    trainer = Trainer(cfg).run(cfg.steps)
    head = {"config": trainer.config.as_dict(), "step": trainer.step}
    if kind == "line":
        r = line(trainer)
        return head | {k: _json(r[k]) for k in ("alphas", "train_loss", "test_loss")}
    r = slice_2d(trainer, seed=cfg.train_seed if seed is None else seed)
    dirs = r["directions"]
    return head | {"a": _json(r["a"]), "b": _json(r["b"]), "loss": _json(r["loss"]),
                   "directions": {**dirs, "slope_d1": _json([dirs["slope_d1"]])[0],
                                  "slope_d2": _json([dirs["slope_d2"]])[0]}}


def summary(doc: dict) -> str:
    """A few lines for the terminal."""
    def text(v):
        return "-" if v is None else f"{v:.4g}"

    if "alphas" in doc:
        a, tr = doc["alphas"], doc["train_loss"]
        finite = [(v, x) for v, x in zip(tr, a, strict=True) if v is not None]
        low = min(finite) if finite else (None, None)
        return "\n".join([
            f"training loss from the first weights (alpha 0) to step {doc['step']} (alpha 1)",
            f"alpha 0: {text(tr[a.index(0.0)])}   alpha 1: {text(tr[a.index(1.0)])}   "
            f"lowest: {text(low[0])} at alpha {text(low[1])}"])
    d, flat = doc["directions"], [v for row in doc["loss"] for v in row if v is not None]
    n = len(doc["a"]) // 2
    return "\n".join([
        f"training loss on a {len(doc['a'])} x {len(doc['b'])} slice around step {doc['step']}",
        f"axes: {d['titles'][0]} / {d['titles'][1]}",
        f"centre {text(doc['loss'][n][n])}, range {text(min(flat, default=None))} to "
        f"{text(max(flat, default=None))}",
        f"slope at the centre: {text(d['slope_d1'])} along d1, {text(d['slope_d2'])} along d2"])


def run_command(cfg, kind: str = "line", out: str | None = None) -> str:
    """What ``python -m core landscape`` does after parsing: the document written to
    ``out`` (a .json file) or summarised; returns the line to print."""
    if out and not out.endswith(".json"):
        raise ValueError(f"out: {out!r} must end in .json")
    doc = document(cfg, kind)
    if not out:
        return summary(doc)
    with open(out, "w") as f:
        json.dump(doc, f, allow_nan=False)
    return f"wrote {out}: {kind} at step {doc['step']}"
