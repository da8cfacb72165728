"""Update rules: each turns gradients into the step ΔW to add, keeping its own state.

Learning rates (and momenta) are per member, shaped to broadcast over each array.
"""

from __future__ import annotations

import numpy as np


def _per_member(values, like):
    return np.asarray(values, dtype=np.float64).reshape((-1,) + (1,) * (like.ndim - 1))


class SGD:
    def __init__(self, lr, momentum=None):
        self.lr = np.asarray(lr, dtype=np.float64)

    def deltas(self, grads):
        return [-_per_member(self.lr, g) * g for g in grads]


class Momentum(SGD):
    """PyTorch's heavy ball: v ← μv + g, ΔW = -lr·v."""

    def __init__(self, lr, momentum):
        super().__init__(lr)
        self.momentum = np.asarray(momentum, dtype=np.float64)
        self.velocity = None

    def deltas(self, grads):
        if self.velocity is None:
            self.velocity = [np.zeros_like(g) for g in grads]
        out = []
        for v, g in zip(self.velocity, grads, strict=True):
            v *= _per_member(self.momentum, v)
            v += g
            out.append(-_per_member(self.lr, g) * v)
        return out


class Adam(SGD):
    """Kingma & Ba with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, lr, momentum=None):
        super().__init__(lr)
        self.t, self.m, self.v = 0, None, None

    def deltas(self, grads):
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.v = [np.zeros_like(g) for g in grads]
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        out = []
        for m, v, g in zip(self.m, self.v, grads, strict=True):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            out.append(-_per_member(self.lr, g) * (m / c1) / (np.sqrt(v / c2) + self.eps))
        return out


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make(name, lr, momentum):
    return OPTIMIZERS[name](lr, momentum)
