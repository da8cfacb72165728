"""The multilayer perceptron: parameters, forward and backward passes, by hand.

Every array carries a leading *member* axis M: a stack of networks of one shape that train
together as one computation (for restarts and comparisons). A single network is M = 1.
Weights are (M, fan_in, fan_out), biases (M, fan_out); the input X (B, d) is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import initializers, losses


def layer_sizes(n_in, depth, width, n_out):
    return [n_in] + [width] * depth + [n_out]


def _draw_layer(cfg, layer, fan_in, fan_out):
    name, params = cfg["layer_inits"].get(layer, (cfg["init"], cfg["init_params"]))
    # A generator per layer and role: overriding layer 3 leaves the other draws unchanged.
    w_rng = np.random.default_rng([cfg["init_seed"], layer, 0])
    b_rng = np.random.default_rng([cfg["init_seed"], layer, 1])
    W = initializers.get(name, **params)((fan_in, fan_out), w_rng) * cfg["init_scale"]
    bias_init = initializers.get(cfg["bias_init"], **cfg["bias_init_params"])
    b = bias_init((fan_out,), b_rng, fans=(fan_in, fan_out))
    return W, b


def init_params(member_cfgs, sizes):
    """Stacked (Ws, bs) with each member drawn from its own configuration and seed."""
    Ws, bs = [], []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
        drawn = [_draw_layer(cfg, layer, fan_in, fan_out) for cfg in member_cfgs]
        Ws.append(np.stack([w for w, _ in drawn]))
        bs.append(np.stack([b for _, b in drawn]))
    return Ws, bs


def uses_lsuv(cfg, depth):
    names = [cfg["layer_inits"].get(layer, (cfg["init"],))[0] for layer in range(1, depth + 2)]
    return [name == "lsuv" for name in names]


def apply_lsuv(Ws, bs, X, act, flags, tol=0.01, max_iter=20):
    """Mishkin & Matas: rescale each flagged layer, bottom up, until Var(z) = 1 on X."""
    h = X
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        if flags[layer]:
            for _ in range(max_iter):
                var = (h @ W + b[:, None, :]).var(axis=(1, 2))
                if np.all(np.abs(var - 1) < tol) or not np.all(var > 0):
                    break
                W *= (1 / np.sqrt(np.where(var > 0, var, 1)))[:, None, None]
        h = act.f(h @ W + b[:, None, :])


@dataclass
class Pass:
    """What one forward (and backward) pass computed, kept for telemetry and backprop.

    Hidden layers all have one width, so their arrays live in stacked buffers of shape
    (depth, M, B, width) and the per-layer lists are views into them: telemetry can then
    reduce over every layer in one call instead of one call per layer.
    """

    z: list  # pre-activations per layer, (M, B, units); the last is the logits
    a: list  # activations per hidden layer, before dropout
    h: list  # inputs to each layer: X, then the hidden activations after dropout
    masks: list | None  # dropout masks per hidden layer
    loss: np.ndarray  # (M,)
    dlogits: np.ndarray
    outputs: np.ndarray
    Z: np.ndarray  # the stacked buffers behind z[:-1], a, df and dz[:-1]
    A: np.ndarray
    DF: np.ndarray | None = None
    DZ: np.ndarray | None = None
    dz: list | None = None  # back-propagated dL/dz per layer
    df: list | None = None  # f'(z) per hidden layer
    dW: list | None = None
    db: list | None = None


def _buffer(workspace, name, shape):
    """An array of ``shape`` to write into, reused from ``workspace`` when it has one.

    Large fresh arrays are mapped from the OS and fault on first write: for a 1000-point
    evaluation that cost more than the arithmetic. A trainer keeps one workspace, so
    each pass overwrites the previous pass of the same shape.
    """
    if workspace is None:
        return np.empty(shape)
    key = (name, shape)
    if key not in workspace:
        workspace[key] = np.empty(shape)
    return workspace[key]


def forward(Ws, bs, X, y, act, loss_name, classification, masks=None, workspace=None):
    depth = len(Ws) - 1
    M, B = Ws[0].shape[0], X.shape[0]
    width = Ws[0].shape[2] if depth else 0
    Z = _buffer(workspace, "Z", (depth, M, B, width))
    A = _buffer(workspace, "A", (depth, M, B, width))
    h, hs = X, [X]
    for layer in range(depth):
        z = np.matmul(h, Ws[layer], out=Z[layer])
        z += bs[layer][:, None, :]
        A[layer] = act.f(z)
        h = A[layer] if masks is None else A[layer] * masks[layer]
        hs.append(h)
    logits = h @ Ws[-1]
    logits += bs[-1][:, None, :]
    loss, dlogits, outputs = losses.evaluate(loss_name, classification, logits, y)
    return Pass(list(Z) + [logits], list(A), hs, masks, loss, dlogits, outputs, Z, A)


def backward(p: Pass, Ws, act, l2=0.0, workspace=None):
    """Fill in dz, df, dW, db of ``p``; ``l2`` adds l2·W to each weight gradient."""
    n = len(Ws)
    p.DF = _buffer(workspace, "DF", p.Z.shape)
    p.DZ = _buffer(workspace, "DZ", p.Z.shape)
    dW, db = [None] * n, [None] * n
    g = p.dlogits
    penalised = l2 is not None and bool(np.any(l2))
    for layer in range(n - 1, -1, -1):
        h = p.h[layer]
        dW[layer] = (h.T if h.ndim == 2 else np.swapaxes(h, -1, -2)) @ g
        if penalised:
            dW[layer] += l2 * Ws[layer]
        db[layer] = g.sum(axis=-2)
        if layer == 0:
            break
        below = layer - 1
        back = g @ np.swapaxes(Ws[layer], -1, -2)
        if p.masks is not None:
            back *= p.masks[below]
        p.DF[below] = act.df(p.z[below], p.a[below])
        g = np.multiply(back, p.DF[below], out=p.DZ[below])
    p.dz = list(p.DZ) + [p.dlogits]
    p.df, p.dW, p.db = list(p.DF), dW, db
    return p


def predict(Ws, bs, X, act, loss_name, classification):
    """Network outputs (probability of class 1, or value) on X: (M, N)."""
    y = np.zeros(X.shape[0], np.int64 if classification else np.float64)
    return forward(Ws, bs, X, y, act, loss_name, classification).outputs
