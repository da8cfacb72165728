"""Update rules: each turns gradients into the step ΔW to add, keeping its own state.

Learning rates (and momenta) are per member, shaped to broadcast over each array.
``deltas(grads, out=None)`` writes the steps into ``out`` when given: a trainer passes the
same buffers every step, because a fresh array of a network's size is mapped from the OS
and faults in page by page on its first write, every step.
"""

from __future__ import annotations

import numpy as np


def _per_member(values, like):
    return np.asarray(values, dtype=np.float64).reshape((-1,) + (1,) * (like.ndim - 1))


class SGD:
    def __init__(self, lr, momentum=None):
        self.lr = np.asarray(lr, dtype=np.float64)

    def deltas(self, grads, out=None):
        return [np.multiply(g, -_per_member(self.lr, g), out=o)
                for g, o in zip(grads, out or [None] * len(grads), strict=True)]


class Momentum(SGD):
    """PyTorch's heavy ball: v ← μv + g, ΔW = -lr·v."""

    def __init__(self, lr, momentum):
        super().__init__(lr)
        self.momentum = np.asarray(momentum, dtype=np.float64)
        self.velocity = None

    def deltas(self, grads, out=None):
        if self.velocity is None:
            self.velocity = [np.zeros_like(g) for g in grads]
        steps = []
        for v, g, o in zip(self.velocity, grads, out or [None] * len(grads), strict=True):
            v *= _per_member(self.momentum, v)
            v += g
            steps.append(np.multiply(v, -_per_member(self.lr, g), out=o))
        return steps


class Adam(SGD):
    """Kingma & Ba with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, lr, momentum=None):
        super().__init__(lr)
        self.t, self.m, self.v = 0, None, None

    def deltas(self, grads, out=None):
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.v = [np.zeros_like(g) for g in grads]
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        steps = []
        for m, v, g, o in zip(self.m, self.v, grads, out or [None] * len(grads), strict=True):
            o = np.empty_like(g) if o is None else o  # the step, and scratch until then
            m *= self.beta1
            m += np.multiply(g, 1 - self.beta1, out=o)
            v *= self.beta2
            np.multiply(g, g, out=o)
            v += np.multiply(o, 1 - self.beta2, out=o)
            np.divide(v, c2, out=o)
            np.sqrt(o, out=o)
            o += self.eps
            np.divide(m, o, out=o)  # ΔW = -lr·(m/c1)/(√(v/c2) + ε)
            o *= -_per_member(self.lr, g) / c1
            steps.append(o)
        return steps


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make(name, lr, momentum):
    return OPTIMIZERS[name](lr, momentum)
