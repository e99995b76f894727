"""Weight initialisers for a weight of shape (n_out, n_in).

Each takes the shape and a NumPy random Generator and returns a new float64 array:

    zeros     W = 0
    small     W = 0.01 · randn
    xavier    W = randn · √(1 / n_in)             (the course's "Xavier")
    glorot    W = randn · √(2 / (n_in + n_out))   (Glorot & Bengio's; PyTorch's xavier_normal_)
    he        W = randn · √(2 / n_in)             (for ReLU layers; PyTorch's kaiming_normal_)

"xavier" and "glorot" are not the same scale. The course calls randn·√(1/n_in) "Xavier
initialization" and this library keeps that meaning, since it follows the course. Glorot and
Bengio's paper (the original "Xavier"), and PyTorch's ``torch.nn.init.xavier_normal_``, use the
variance 2/(n_in + n_out), which averages the fan-in and the fan-out: that is "glorot" here.
The two agree only when n_in = n_out. To reproduce a PyTorch model initialised with
``xavier_normal_``, use ``init="glorot"``.

A custom initialiser is any callable ``init(shape, rng) -> ndarray`` of that shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.validation import ArgumentTypeError, is_integer

Initializer = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]


def _checked(shape: Any, rng: Any, where: str) -> tuple[tuple[int, ...], np.random.Generator]:
    """``shape`` as a tuple of integers >= 1 (one or more of them) and ``rng`` as a Generator
    (a fresh one for None), or an error naming the initialiser."""
    sizes = tuple(shape) if isinstance(shape, tuple | list) else None
    if not sizes or not all(is_integer(n) and n >= 1 for n in sizes):
        raise ArgumentTypeError(
            f"{where}: shape must be a non-empty tuple of integers >= 1, got {shape!r}"
        )
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(
            f"{where}: rng must be a numpy.random.Generator or None, got {rng!r}"
        )
    return tuple(int(n) for n in sizes), np.random.default_rng() if rng is None else rng


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(n_in, n_out) of a weight of shape (n_out, n_in); a vector counts as n_out = 1."""
    if len(shape) == 1:
        return shape[0], 1
    return shape[-1], shape[0]


def zeros(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = 0. Fine for biases; for weights it leaves every unit identical (no symmetry breaking)."""
    shape, _ = _checked(shape, rng, "init.zeros")
    return np.zeros(shape)


def small(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = 0.01 · randn: small random values that break symmetry."""
    shape, rng = _checked(shape, rng, "init.small")
    return 0.01 * rng.standard_normal(shape)


def xavier(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(1 / n_in): the course's "Xavier initialization" (variance 1/n_in), which
    keeps the variance of tanh layers' outputs near one.

    Not the paper's (or PyTorch's ``xavier_normal_``) variance 2/(n_in + n_out): that is
    ``glorot``. The two are equal only for square weights (n_in = n_out).
    """
    shape, rng = _checked(shape, rng, "init.xavier")
    n_in, _ = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(1.0 / n_in)


def glorot(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(2 / (n_in + n_out)): Glorot and Bengio's scale, a compromise between
    keeping the variance in the forward pass (fan-in) and in the backward pass (fan-out).

    This is what the paper and PyTorch (``torch.nn.init.xavier_normal_`` with gain 1) call
    Xavier initialisation; the course's "Xavier", randn · √(1 / n_in), is ``xavier`` here.
    """
    shape, rng = _checked(shape, rng, "init.glorot")
    n_in, n_out = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(2.0 / (n_in + n_out))


def he(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """W = randn · √(2 / n_in): He et al.'s scale for ReLU layers, which halve the variance."""
    shape, rng = _checked(shape, rng, "init.he")
    n_in, _ = _fans(shape)
    return rng.standard_normal(shape) * np.sqrt(2.0 / n_in)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "small": small,
    "xavier": xavier,
    "glorot": glorot,
    "he": he,
}


def get_initializer(init: str | Initializer, where: str = "get_initializer") -> Initializer:
    """Look up an initialiser by name ("he", "xavier", "glorot", "small", "zeros") or pass a
    callable ``init(shape, rng) -> ndarray`` through; ``where`` names the caller in errors."""
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(
                f"{where}: unknown init {init!r}; choose one of {sorted(INITIALIZERS)} or pass "
                "a callable init(shape, rng)"
            )
        return INITIALIZERS[init]
    if callable(init):
        return init
    raise ArgumentTypeError(f"{where}: init must be a name or a callable, got {init!r}")


def initialize(
    init: str | Initializer, shape: tuple[int, ...], rng: np.random.Generator, where: str = "init"
) -> np.ndarray:
    """Run an initialiser and check that it returned finite real numbers of the requested
    shape; ``where`` names the caller in errors."""
    values = np.asarray(get_initializer(init, where)(shape, rng))
    if values.shape != tuple(shape):
        raise ValueError(f"{where}: init returned shape {values.shape}, expected {tuple(shape)}")
    if values.dtype.kind not in "biuf" or not np.all(np.isfinite(values)):
        raise ValueError(
            f"{where}: init must return finite real numbers, got dtype {values.dtype}"
            + ("" if values.dtype.kind not in "biuf" else " with NaN or inf values")
        )
    return values
