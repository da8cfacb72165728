"""The multilayer perceptron: parameters, forward and backward passes, by hand.

Every array carries a leading *member* axis M: a stack of networks of one shape that train
together as one computation (for restarts and comparisons). A single network is M = 1.
Weights are (M, fan_in, fan_out), biases (M, fan_out); the input X (B, d) is shared.
A trainer keeps them as views into one flat (M, P) array (flat_views), and backward writes
the gradients into another of the same layout: an update is then one in-place addition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import initializers, losses


def layer_sizes(n_in, depth, width, n_out):
    return [n_in] + [width] * depth + [n_out]


def _draw_layer(cfg, layer, fan_in, fan_out):
    name, params = cfg.layer_init(layer)
    # A generator per layer and role: overriding layer 3 leaves the other draws unchanged.
    w_rng = np.random.default_rng([cfg.init_seed, layer, 0])
    b_rng = np.random.default_rng([cfg.init_seed, layer, 1])
    W = initializers.get(name, **params)((fan_in, fan_out), w_rng) * cfg.init_scale
    bias_name, bias_params = cfg.layer_bias_init(layer)
    # Keras's convention: a fan-based initializer sees a bias vector of n units as fan_in =
    # fan_out = n. nn.Linear's bias (torch_default) is the exception: 1/√fan_in of its layer.
    fans = (fan_in, fan_out) if bias_name == "torch_default" else None
    b = initializers.get(bias_name, **bias_params)((fan_out,), b_rng, fans=fans)
    return W, b


def n_weights(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def n_params(sizes):
    return n_weights(sizes) + sum(sizes[1:])


def sizes_of(Ws):
    return [Ws[0].shape[1]] + [W.shape[2] for W in Ws]


def flat_views(flat, sizes):
    """Per-layer weights (M, fan_in, fan_out) and biases (M, fan_out), as views into one
    (M, P) array laid out [W1 … Wn | b1 … bn].

    Parameters, gradients and updates live in such arrays so that an update, a norm or a
    finiteness check is one numpy call over the whole network, not two per layer; layers
    of one shape sit next to each other, so telemetry reduces over them as one block
    (layer_groups).
    """
    M, Ws, bs, at = flat.shape[0], [], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = flat[:, at:at + fan_in * fan_out].view()
        W.shape = (M, fan_in, fan_out)  # assigning .shape refuses to copy, unlike reshape
        Ws.append(W)
        at += fan_in * fan_out
    for fan_out in sizes[1:]:
        bs.append(flat[:, at:at + fan_out])
        at += fan_out
    return Ws, bs


def layer_groups(flat, sizes):
    """Runs of consecutive layers of one shape, as views into a flat (M, P) array:
    [(first layer, weights (M, count, fan_in, fan_out), biases (M, count, fan_out))].

    The hidden layers of a deep network are one run: telemetry reduces over them all in
    one call, without copying them into a stack first.
    """
    M, shapes = flat.shape[0], list(zip(sizes[:-1], sizes[1:], strict=True))
    w_at, b_at = 0, n_weights(sizes)
    groups, layer = [], 0
    while layer < len(shapes):
        count = 1
        while layer + count < len(shapes) and shapes[layer + count] == shapes[layer]:
            count += 1
        fan_in, fan_out = shapes[layer]
        W = flat[:, w_at:w_at + count * fan_in * fan_out].view()
        W.shape = (M, count, fan_in, fan_out)
        b = flat[:, b_at:b_at + count * fan_out].view()
        b.shape = (M, count, fan_out)
        groups.append((layer, W, b))
        w_at, b_at, layer = w_at + count * fan_in * fan_out, b_at + count * fan_out, layer + count
    return groups


def pack(Ws, bs):
    """(flat, Ws, bs): the parameters copied into one flat array, and views into it."""
    sizes = sizes_of(Ws)
    flat = np.empty((Ws[0].shape[0], n_params(sizes)))
    W_views, b_views = flat_views(flat, sizes)
    for view, values in zip(W_views + b_views, Ws + bs, strict=True):
        view[...] = values
    return flat, W_views, b_views


def init_params(member_cfgs, sizes):
    """Stacked (Ws, bs) with each member drawn from its own configuration and seed."""
    Ws, bs = [], []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
        drawn = [_draw_layer(cfg, layer, fan_in, fan_out) for cfg in member_cfgs]
        Ws.append(np.stack([w for w, _ in drawn]))
        bs.append(np.stack([b for _, b in drawn]))
    return Ws, bs


def uses_lsuv(cfg):
    """Per layer (hidden and output): whether its initializer is lsuv."""
    return [cfg.layer_init(layer)[0] == "lsuv" for layer in range(1, cfg.depth + 2)]


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
    grads: np.ndarray | None = None  # (M, P): dW and db are views into it (flat_views)
    dz: list | None = None  # back-propagated dL/dz per layer
    df: list | None = None  # f'(z) per hidden layer
    dW: list | None = None
    db: list | None = None


def _cached(workspace, key, make):
    """``workspace[key]``, made by ``make()`` the first time; a fresh ``make()`` without one.

    Large fresh arrays are mapped from the OS and fault on first write: for a 1000-point
    evaluation that cost more than the arithmetic. A trainer keeps one workspace, so
    each pass overwrites the previous pass of the same shape.
    """
    if workspace is None:
        return make()
    if key not in workspace:
        workspace[key] = make()
    return workspace[key]


def scratch(workspace, name, shape, dtype=np.float64):
    """An array of ``shape`` to write into: the same one from ``workspace`` on every call
    after the first (a fresh one without a workspace). Under the server's malloc settings
    any fresh array above 128 KiB is mapped from the OS and faults in page by page."""
    return _cached(workspace, (name, shape, dtype), lambda: np.empty(shape, dtype))


def _stacked(workspace, name, shape):
    """A stacked (depth, M, B, width) array to write into and the list of its per-layer
    views, both reused from ``workspace`` when it has one: making a layer's view costs
    about what the elementwise work on a 64-unit layer does, so a pass takes them ready."""

    def make():
        stack = np.empty(shape)
        return stack, list(stack)

    return _cached(workspace, (name, shape), make)


def _flat_buffer(workspace, name, M, sizes):
    """A flat (M, P) array, its per-layer views and the hidden layers' biases as one
    (depth, M, width) view (the layout of a stacked product's output)."""

    def make():
        flat = np.empty((M, n_params(sizes)))
        first, depth = n_weights(sizes), len(sizes) - 2  # b1 … b(depth): one block
        hidden_b = flat[:, first:first + depth * sizes[1]].view()
        hidden_b.shape = (M, depth, sizes[1] if depth else 0)
        return (flat, *flat_views(flat, sizes), hidden_b.swapaxes(0, 1))

    return _cached(workspace, (name, M, tuple(sizes)), make)


def _transposed_weights(workspace, M, sizes):
    """Per layer, an array to copy W_l's transpose into; layers of one shape share one."""

    def make():
        by_shape = {}
        return [by_shape.setdefault(shape, np.empty((M, *shape)))
                for shape in zip(sizes[1:], sizes[:-1], strict=True)]

    return _cached(workspace, ("W_T", M, tuple(sizes)), make)


def forward(Ws, bs, X, y, act, loss_name, classification, masks=None, workspace=None):
    depth = len(Ws) - 1
    M, B = Ws[0].shape[0], X.shape[0]
    width = Ws[0].shape[2] if depth else 0
    Z, z = _stacked(workspace, "Z", (depth, M, B, width))
    A, a = _stacked(workspace, "A", (depth, M, B, width))
    h, hs = X, [X]
    for layer in range(depth):
        z_l = np.matmul(h, Ws[layer], out=z[layer])
        z_l += bs[layer][:, None, :]
        h = act.apply(z_l, a[layer])
        if masks is not None:
            h = h * masks[layer]
        hs.append(h)
    logits = h @ Ws[-1]
    logits += bs[-1][:, None, :]
    loss, dlogits, outputs = losses.evaluate(loss_name, classification, logits, y)
    return Pass(z + [logits], list(a), hs, masks, loss, dlogits, outputs, Z, A)


def evaluate(Ws, bs, X, y, act, loss_name, classification, workspace=None):
    """(loss, outputs) of ``forward`` over X, the same numbers, without keeping every
    layer: layer after layer is written into one of two arrays in turn. For a loss over a
    whole data set, where keeping each layer's z and a would take megabytes per trainer
    and push the training step's arrays out of the cache."""
    depth = len(Ws) - 1
    M, B = Ws[0].shape[0], X.shape[0]
    h = X
    if depth:
        shape = (M, B, Ws[0].shape[2])
        pair = _cached(workspace, ("evaluate", shape),
                       lambda: (np.empty(shape), np.empty(shape)))
        for layer in range(depth):
            z = np.matmul(h, Ws[layer], out=pair[layer % 2])
            z += bs[layer][:, None, :]
            h = act.apply(z, z)
    logits = h @ Ws[-1]
    logits += bs[-1][:, None, :]
    loss, _, outputs = losses.evaluate(loss_name, classification, logits, y)
    return loss, outputs


def backward(p: Pass, Ws, act, l2=0.0, workspace=None):
    """Fill in dz, df, dW, db of ``p``; ``l2`` adds l2·W to each weight gradient."""
    n, M = len(Ws), Ws[0].shape[0]
    sizes = sizes_of(Ws)
    p.DF, df = _stacked(workspace, "DF", p.Z.shape)
    act.derivative(p.Z, p.A, p.DF)  # all layers at once
    p.DZ, dz = _stacked(workspace, "DZ", p.Z.shape)
    p.grads, dW, db, hidden_db = _flat_buffer(workspace, "grads", M, sizes)
    # OpenBLAS multiplies by a transposed operand a quarter slower than by a contiguous
    # copy of it, and the copy is a tenth of the product.
    W_T = _transposed_weights(workspace, M, sizes)
    g = p.dlogits
    for layer in range(n - 1, 0, -1):
        np.matmul(p.h[layer].swapaxes(-1, -2), g, out=dW[layer])
        np.copyto(W_T[layer], Ws[layer].swapaxes(-1, -2))
        g = np.matmul(g, W_T[layer], out=dz[layer - 1])
        if p.masks is not None:
            g *= p.masks[layer - 1]
        g *= df[layer - 1]
    np.matmul(p.h[0].swapaxes(-1, -2), g, out=dW[0])
    # Bias gradients are batch sums: the hidden layers' in one product over the stacked dz.
    B = p.dlogits.shape[-2]
    ones = _cached(workspace, ("ones", B), lambda: np.ones(B))
    np.matmul(ones, p.dlogits, out=db[-1])
    if n > 1:
        np.matmul(ones, p.DZ, out=hidden_db)
    if l2 is not None and np.any(l2):
        for layer in range(n):
            dW[layer] += l2 * Ws[layer]
    p.dz = dz + [p.dlogits]
    p.df, p.dW, p.db = list(df), list(dW), list(db)
    return p


def predict(Ws, bs, X, act, loss_name, classification):
    """Network outputs (probability of class 1, or value) on X: (M, N)."""
    y = np.zeros(X.shape[0], np.int64 if classification else np.float64)
    return forward(Ws, bs, X, y, act, loss_name, classification).outputs
