"""Data utilities: mini-batches, a train/dev/test split, and feature standardisation.

Examples are rows: X has shape (m, n_features) and Y has m rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd_lite.validation import (
    ArgumentTypeError,
    boolean,
    integer,
    is_integer,
    real_array,
    real_number,
)

Seed = int | np.random.Generator | None


def random_generator(seed: Any, where: str) -> np.random.Generator:
    """A NumPy Generator from ``seed``: None (fresh entropy), an int >= 0, or a Generator
    (returned as is, so successive calls continue its stream); anything else is refused."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if not is_integer(seed):
        raise ArgumentTypeError(
            f"{where}: seed must be None, an int >= 0 or a numpy.random.Generator, got {seed!r}"
        )
    return np.random.default_rng(integer(seed, "seed", where, minimum=0))


def _rows(name: str, values: Any, where: str) -> np.ndarray:
    array = real_array(values, name, where)
    if array.ndim == 0:
        raise ValueError(f"{where}: {name} must have a first axis of examples, got a scalar")
    return array


def _check_same_length(X: np.ndarray, Y: np.ndarray, where: str) -> None:
    if len(X) != len(Y):
        raise ValueError(
            f"{where}: X and Y must have the same number of examples (rows): X has shape "
            f"{X.shape}, Y has shape {Y.shape}"
        )


def minibatches(
    X: Any, Y: Any, batch_size: int, shuffle: bool = True, seed: Seed = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, Y_batch)`` pairs of ``batch_size`` rows covering every example once.

    The last batch holds the remaining m mod batch_size examples when m is not a multiple of
    batch_size. With ``shuffle`` the rows are visited in a random permutation drawn from
    ``seed`` (an int, or a Generator to draw a fresh permutation on each call).
    """
    where = "minibatches"
    X, Y = _rows("X", X, where), _rows("Y", Y, where)
    _check_same_length(X, Y, where)
    batch_size = integer(batch_size, "batch_size", where, minimum=1)
    shuffle = boolean(shuffle, "shuffle", where)
    rng = random_generator(seed, where)
    m = len(X)
    order = rng.permutation(m) if shuffle else np.arange(m)
    for start in range(0, m, batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], Y[rows]


def _count(name: str, size: Any, m: int) -> int:
    """An int ``size`` is a count of examples, a float a fraction of m (rounded)."""
    where = "train_dev_test_split"
    if is_integer(size):
        return integer(size, name, where, minimum=0)
    fraction = real_number(size, name, where, minimum=0.0, maximum=1.0, open_max=True)
    return round(fraction * m)


def train_dev_test_split(
    X: Any,
    Y: Any,
    dev_size: float = 0.1,
    test_size: float = 0.1,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Split the examples into ``(X_train, Y_train), (X_dev, Y_dev), (X_test, Y_test)``.

    ``dev_size`` and ``test_size`` are fractions of m (rounded to whole examples) or, as ints,
    counts. The rows are shuffled first (seeded by ``seed``) unless ``shuffle=False``, in which
    case train, dev and test are consecutive blocks in the original order.
    """
    where = "train_dev_test_split"
    X, Y = _rows("X", X, where), _rows("Y", Y, where)
    _check_same_length(X, Y, where)
    shuffle = boolean(shuffle, "shuffle", where)
    rng = random_generator(seed, where)
    m = len(X)
    n_dev, n_test = _count("dev_size", dev_size, m), _count("test_size", test_size, m)
    if n_dev + n_test >= m:
        raise ValueError(
            f"{where}: dev ({n_dev}) and test ({n_test}) examples leave none of the {m} "
            "for training"
        )
    order = rng.permutation(m) if shuffle else np.arange(m)
    n_train = m - n_dev - n_test
    parts = np.split(order, [n_train, n_train + n_dev])
    return tuple((X[rows], Y[rows]) for rows in parts)


class Standardizer:
    """Per-feature standardisation, fitted on the training set and applied to every set:

        μ = mean of X_train over examples,  σ = std of X_train (population, ddof = 0)
        transform(X) = (X − μ) / σ

    A feature with zero variance on the training set is only centred (σ is taken as 1), so
    it becomes 0 instead of NaN.
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, X: Any) -> Standardizer:
        """Learn μ and σ from the rows of X; returns self."""
        X = real_array(X, "X", "Standardizer.fit", finite=True).astype(np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"Standardizer.fit expects a non-empty (m, n) array, got {X.shape}")
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def _check_fitted(self, X: np.ndarray, method: str) -> None:
        if self.mean is None:
            raise RuntimeError(f"Standardizer.{method} called before fit")
        if X.ndim != 2 or X.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"Standardizer.{method}: expected shape (m, {self.mean.shape[0]}) as fitted, "
                f"got {X.shape}"
            )

    def transform(self, X: Any) -> np.ndarray:
        """(X − μ) / σ with the fitted μ and σ."""
        X = real_array(X, "X", "Standardizer.transform").astype(np.float64)
        self._check_fitted(X, "transform")
        return (X - self.mean) / self.std

    def fit_transform(self, X: Any) -> np.ndarray:
        """fit(X) then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Z · σ + μ: back to the original units."""
        Z = real_array(Z, "Z", "Standardizer.inverse_transform").astype(np.float64)
        self._check_fitted(Z, "inverse_transform")
        return Z * self.std + self.mean
