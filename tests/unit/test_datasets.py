"""core.datasets: shapes, exact class balance, seeds, and where the points lie."""

import math

import numpy as np
import pytest

from core import datasets
from core.datasets import DOMAIN


@pytest.mark.parametrize("name", datasets.NAMES)
@pytest.mark.parametrize(("n", "test_fraction"), [(400, 0.3), (100, 0.5), (20, 0.9)])
def test_shapes_and_split(name, n, test_fraction):
    d = datasets.make(name, n, 0.1, test_fraction, seed=0)
    assert d.name == name
    assert d.X_train.shape == (len(d.y_train), 2) and d.X_test.shape == (len(d.y_test), 2)
    assert len(d.y_train) + len(d.y_test) == n
    assert d.X_train.dtype == np.float64
    assert np.isfinite(d.X_train).all() and np.isfinite(d.X_test).all()
    assert d.classification == (name in datasets.CLASSIFICATION)
    if d.classification:
        assert d.n_classes == 2 and d.y_train.dtype == np.int64
        # Exact balance: half of each class is n/2, and each is split separately.
        per_class_test = round(test_fraction * n / 2)
        assert np.bincount(d.y_test, minlength=2).tolist() == [per_class_test] * 2
        assert np.bincount(d.y_train, minlength=2).tolist() == [n // 2 - per_class_test] * 2
    else:
        assert d.n_classes == 0 and d.y_train.dtype == np.float64
        assert len(d.y_test) == round(test_fraction * n)


@pytest.mark.parametrize("name", datasets.NAMES)
def test_seeded(name):
    a, b = datasets.make(name, 200, 0.1, 0.3, 7), datasets.make(name, 200, 0.1, 0.3, 7)
    c = datasets.make(name, 200, 0.1, 0.3, 8)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", [n for n in datasets.NAMES if n != "gauss"])
def test_noise_free_points_lie_in_the_square(name):
    d = datasets.make(name, 1000, 0.0, 0.3, 0)
    X = np.vstack([d.X_train, d.X_test])
    assert np.abs(X).max() <= DOMAIN
    # and they fill a good part of it (not squashed into a corner)
    assert np.abs(X).max() > 0.8 * DOMAIN and abs(X.mean()) < 0.5


def test_gauss_blobs():
    """Two Gaussian blobs at ±DOMAIN/2 with std 0.3 (noise-free): every point within 6 std
    of its centre (P(any of 2000 coordinates beyond) ~ 2000·2e-9) and the class means there."""
    d = datasets.make("gauss", 1000, 0.0, 0.3, 0)
    X = np.vstack([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    for label, centre in ((0, -DOMAIN / 2), (1, DOMAIN / 2)):
        pts = X[y == label]
        assert np.abs(pts - centre).max() < 6 * 0.3
        assert np.abs(pts.mean(axis=0) - centre).max() < 6 * 0.3 / math.sqrt(len(pts))


@pytest.mark.parametrize("name", datasets.NAMES)
def test_noisy_points_stay_near_the_square(name):
    """Noise of std noise·DOMAIN on top: within 6 std (plus the blobs' own 6 std for gauss)."""
    noise = 0.1
    d = datasets.make(name, 1000, noise, 0.3, 1)
    X = np.vstack([d.X_train, d.X_test])
    spread = math.hypot(noise * DOMAIN, 0.3) if name == "gauss" else noise * DOMAIN
    assert np.abs(X).max() < (DOMAIN / 2 + 6 * spread if name == "gauss" else
                              DOMAIN + 6 * spread)


@pytest.mark.parametrize("name", datasets.REGRESSION)
def test_regression_targets_in_unit_range(name):
    d = datasets.make(name, 1000, 0.0, 0.3, 0)
    y = np.concatenate([d.y_train, d.y_test])
    # plane is (x1 + x2)/4 in [-1, 1]; reg_gauss adds four unit bumps whose overlaps at any
    # point are below exp(-8/0.72) = 1.5e-5.
    assert np.abs(y).max() <= 1 + 1e-4
    assert np.abs(y).max() > 0.5


def test_regression_target_noise():
    clean = datasets.make("plane", 2000, 0.0, 0.3, 0)
    noisy = datasets.make("plane", 2000, 0.2, 0.3, 0)
    # Same points? Not necessarily (the noise draw shifts the split), so compare residuals.
    resid = noisy.y_train - noisy.X_train.sum(axis=1) / (2 * DOMAIN)
    assert resid.std() == pytest.approx(0.2, rel=6 / math.sqrt(2 * len(resid)))
    assert np.allclose(clean.y_train, clean.X_train.sum(axis=1) / (2 * DOMAIN))


def test_classification_labels_follow_the_rule():
    d = datasets.make("xor", 1000, 0.0, 0.3, 0)
    assert np.array_equal(d.y_train, (d.X_train[:, 0] * d.X_train[:, 1] > 0).astype(int))
    assert np.abs(d.X_train).min(axis=1).min() >= 0.05 * DOMAIN
    c = datasets.make("circle", 1000, 0.0, 0.3, 0)
    r = np.hypot(*c.X_train.T)
    assert (r[c.y_train == 1] <= 0.5 * 0.85 * DOMAIN + 1e-12).all()
    assert (r[c.y_train == 0] >= 0.7 * 0.85 * DOMAIN - 1e-12).all()


def test_unknown_dataset():
    with pytest.raises(ValueError, match="valid choices"):
        datasets.make("swissroll", 100, 0.1, 0.3, 0)
