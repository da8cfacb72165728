"""Two-dimensional toy data sets, seeded, with noise and a stratified train/test split.

Coordinates lie in the square [-DOMAIN, DOMAIN]²; binary classes are exactly balanced
(so a constant predictor's loss is exactly ln 2), regression targets lie roughly in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DOMAIN = 2.0


def _two_classes(n, rng, draw):
    """Stack ``draw(k, label, rng)`` for label 0 and 1 with n//2 and n - n//2 points."""
    k0 = n // 2
    X = np.vstack([draw(k0, 0, rng), draw(n - k0, 1, rng)])
    return X, np.repeat([0, 1], [k0, n - k0])


def _labelled_by(rule):
    """A class sampler for uniform points labelled by ``rule(X)``: rejection until k found."""

    def draw(k, label, rng):
        found = np.empty((0, 2))
        while len(found) < k:
            X = rng.uniform(-DOMAIN, DOMAIN, size=(4 * k + 8, 2))
            found = np.vstack([found, X[rule(X) == label]])
        return found[:k]

    return draw


def _polar(r, t):
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def circle(n, rng, noise):
    R = 0.85 * DOMAIN

    def draw(k, label, rng):
        lo, hi = (0.0, 0.5) if label == 1 else (0.7, 1.0)
        return _polar(R * rng.uniform(lo, hi, k), rng.uniform(0, 2 * np.pi, k))

    return _two_classes(n, rng, draw)


def _xor_label(X):
    label = (X[:, 0] * X[:, 1] > 0).astype(int)
    label[np.abs(X).min(axis=1) < 0.05 * DOMAIN] = -1  # a gap along the axes, as drawn
    return label


def xor(n, rng, noise):
    return _two_classes(n, rng, _labelled_by(_xor_label))


def gauss(n, rng, noise):
    std = 0.25 * DOMAIN

    def draw(k, label, rng):
        centre = (1 if label == 1 else -1) * DOMAIN / 2
        return rng.normal(centre, std * 0.6, size=(k, 2))

    return _two_classes(n, rng, draw)


def spiral(n, rng, noise):
    def draw(k, label, rng):
        s = rng.uniform(0, 1, k)
        r = 0.9 * DOMAIN * s
        return _polar(r, 1.75 * 2 * np.pi * s + label * np.pi)

    return _two_classes(n, rng, draw)


def moons(n, rng, noise):
    def draw(k, label, rng):
        t = rng.uniform(0, np.pi, k)
        if label == 0:
            X = np.column_stack([np.cos(t), np.sin(t)])
        else:
            X = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
        return (X - [0.5, 0.25]) * DOMAIN / 1.6

    return _two_classes(n, rng, draw)


def checkerboard(n, rng, noise):
    cell = DOMAIN / 2
    rule = lambda X: (np.floor(X[:, 0] / cell) + np.floor(X[:, 1] / cell)).astype(int) % 2  # noqa: E731
    return _two_classes(n, rng, _labelled_by(rule))


def plane(n, rng, noise):
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    return X, (X[:, 0] + X[:, 1]) / (2 * DOMAIN)


def reg_gauss(n, rng, noise):
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    bumps = [(-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0)]
    y = sum(
        sign * np.exp(-((X[:, 0] - cx * DOMAIN) ** 2 + (X[:, 1] - cy * DOMAIN) ** 2)
                      / (2 * (0.3 * DOMAIN) ** 2))
        for cx, cy, sign in bumps
    )
    return X, y


CLASSIFICATION = {f.__name__: f for f in (circle, xor, gauss, spiral, moons, checkerboard)}
REGRESSION = {f.__name__: f for f in (plane, reg_gauss)}
NAMES = tuple(CLASSIFICATION) + tuple(REGRESSION)


@dataclass(frozen=True)
class Dataset:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classification: bool
    n_classes: int  # 0 for regression


def make(name, n_samples, noise, test_fraction, seed) -> Dataset:
    """Draw ``n_samples`` points with coordinate noise of std ``noise·DOMAIN``, then split."""
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; valid choices: {', '.join(NAMES)}")
    rng = np.random.default_rng(seed)
    classification = name in CLASSIFICATION
    X, y = (CLASSIFICATION if classification else REGRESSION)[name](n_samples, rng, noise)
    if classification:
        X = X + rng.normal(0, noise * DOMAIN, size=X.shape)
    else:
        y = y + rng.normal(0, noise, size=y.shape)
    # Split each class separately so both halves stay exactly balanced.
    groups = [np.flatnonzero(y == c) for c in (0, 1)] if classification else [np.arange(len(y))]
    test = np.concatenate([
        rng.permutation(g)[: int(round(test_fraction * len(g)))] for g in groups
    ])
    is_test = np.zeros(len(y), bool)
    is_test[test] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = np.flatnonzero(is_test)
    y_dtype = np.int64 if classification else np.float64
    return Dataset(
        name, X[train_idx], y[train_idx].astype(y_dtype), X[test_idx], y[test_idx].astype(y_dtype),
        classification, 2 if classification else 0,
    )
