"""Weight initialisers for a weight of shape (n_out, n_in).

Each takes the shape and a NumPy random Generator and returns a new float64 array:

    zeros         W = 0
    small         W = 0.01 · randn
    xavier        W = randn · √(1 / n_in)
    glorot        W = randn · √(2 / (n_in + n_out))
    he            W = randn · √(2 / n_in)          (suits ReLU layers)

A custom initialiser is any callable ``init(shape, rng) -> ndarray`` of that shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(n_in, n_out) of a weight of shape (n_out, n_in); a vector counts as n_out = 1."""
    if len(shape) == 1:
        return shape[0], 1
    return shape[-1], shape[0]


def zeros(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = 0. Fine for biases; for weights it leaves every unit identical (no symmetry breaking)."""
    return np.zeros(shape)


def small(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = 0.01 · randn: small random values that break symmetry."""
    rng = np.random.default_rng() if rng is None else rng
    return 0.01 * rng.standard_normal(shape)


def xavier(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(1 / n_in): keeps the variance of tanh layers' outputs near one."""
    rng = np.random.default_rng() if rng is None else rng
    n_in, _ = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(1.0 / n_in)


def glorot(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(2 / (n_in + n_out)): Glorot's compromise between forward and backward."""
    rng = np.random.default_rng() if rng is None else rng
    n_in, n_out = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(2.0 / (n_in + n_out))


def he(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(2 / n_in): He et al.'s scale for ReLU layers, which halve the variance."""
    rng = np.random.default_rng() if rng is None else rng
    n_in, _ = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(2.0 / n_in)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "small": small,
    "xavier": xavier,
    "glorot": glorot,
    "he": he,
}


def get_initializer(init: str | Initializer) -> Initializer:
    """Look up an initialiser by name ("he", "xavier", "glorot", "small", "zeros") or pass a
    callable ``init(shape, rng) -> ndarray`` through."""
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(
                f"unknown init {init!r}; choose one of {sorted(INITIALIZERS)} or pass a callable"
            )
        return INITIALIZERS[init]
    if callable(init):
        return init
    raise TypeError(f"init must be a name or a callable, got {type(init).__name__}")


def initialize(
    init: str | Initializer, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Run an initialiser and check that it returned finite numbers of the requested shape."""
    values = np.asarray(get_initializer(init)(shape, rng))
    if values.shape != tuple(shape):
        raise ValueError(f"init returned shape {values.shape}, expected {tuple(shape)}")
    if not np.issubdtype(values.dtype, np.number) or not np.all(np.isfinite(values)):
        raise ValueError("init must return finite numbers")
    return values
