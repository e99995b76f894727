"""nn.datasets: shapes, labels, determinism and the geometry each generator promises."""

from __future__ import annotations

import numpy as np
import pytest

from nn import datasets

BINARY_SETS = {
    "planar_flower": lambda seed: datasets.planar_flower(seed=seed),
    "moons": lambda seed: datasets.moons(seed=seed),
    "circles": lambda seed: datasets.circles(seed=seed),
    "noisy_sine": lambda seed: datasets.noisy_sine(seed=seed),
}


@pytest.mark.parametrize("name", sorted(BINARY_SETS))
def test_binary_sets_are_rows_of_points_with_column_labels(name):
    X, Y = BINARY_SETS[name](seed=0)
    m = len(X)
    assert X.shape == (m, 2) and Y.shape == (m, 1)
    assert X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", sorted(BINARY_SETS))
def test_binary_sets_are_deterministic_per_seed(name):
    X1, Y1 = BINARY_SETS[name](seed=5)
    X2, Y2 = BINARY_SETS[name](seed=5)
    X3, _ = BINARY_SETS[name](seed=6)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


def test_planar_flower_has_two_equal_classes_of_petals_within_the_rose():
    X, Y = datasets.planar_flower()
    assert X.shape == (400, 2)
    assert Y[:200].sum() == 0 and Y[200:].sum() == 200  # first half class 0, second class 1
    radius = np.linalg.norm(X, axis=1)
    assert radius.max() < 4.0 + 1.0  # |r| ≤ a + noise
    assert np.median(radius) > 1.5  # points lie on the petals, not at the centre


def test_planar_flower_rejects_an_odd_number_of_points():
    with pytest.raises(ValueError, match="even"):
        datasets.planar_flower(m=401)


def test_circles_put_class_1_on_the_inner_circle():
    X, Y = datasets.circles(m=400, noise=0.0, factor=0.5)
    radius = np.linalg.norm(X, axis=1)
    assert np.allclose(radius[Y[:, 0] == 0], 1.0)
    assert np.allclose(radius[Y[:, 0] == 1], 0.5)
    with pytest.raises(ValueError, match="factor"):
        datasets.circles(factor=1.5)


def test_moons_without_noise_lie_on_their_half_circles():
    X, Y = datasets.moons(m=200, noise=0.0)
    top, bottom = X[Y[:, 0] == 0], X[Y[:, 0] == 1]
    assert len(top) == len(bottom) == 100
    assert np.allclose(np.linalg.norm(top, axis=1), 1.0)
    assert np.allclose(np.linalg.norm(bottom - [1.0, 0.5], axis=1), 1.0)


def test_noisy_sine_flips_about_the_requested_fraction_of_labels():
    X, Y = datasets.noisy_sine(m=4000, flip=0.0, noise=0.0, seed=3)
    clean = X[:, 1] > 0.35 * np.sin(3.0 * X[:, 0])
    assert np.array_equal(Y[:, 0] == 1, clean)
    X, Y = datasets.noisy_sine(m=4000, flip=0.1, noise=0.0, seed=3)
    disagree = np.mean((Y[:, 0] == 1) != (X[:, 1] > 0.35 * np.sin(3.0 * X[:, 0])))
    assert 0.08 < disagree < 0.12


def test_synthetic_digits_are_balanced_8x8_images_in_the_unit_interval():
    X, y = datasets.synthetic_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert y.dtype == np.int64
    assert np.bincount(y).min() >= 179 and np.bincount(y).max() <= 180
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert datasets.digit_images(X).shape == (1797, 8, 8)
    X2, y2 = datasets.synthetic_digits()
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_synthetic_digits_classes_are_distinct_but_not_trivial():
    # A nearest-class-mean classifier, fitted on one draw and scored on another: well above
    # chance (10%) because the glyphs differ, well below 100% because the "hand" varies.
    X_fit, y_fit = datasets.synthetic_digits(1000, seed=1)
    X_new, y_new = datasets.synthetic_digits(1000, seed=2)
    means = np.stack([X_fit[y_fit == d].mean(axis=0) for d in range(10)])
    distances = ((X_new[:, None, :] - means[None]) ** 2).sum(axis=-1)
    accuracy = np.mean(distances.argmin(axis=1) == y_new)
    assert 0.5 < accuracy < 0.98
