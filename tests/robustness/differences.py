"""Independent oracles for the robustness tests, in plain NumPy (never the engine).

- `central_difference(f, x)`: ∂f/∂x of a scalar NumPy function by central differences.
- `unbroadcast_by_index(grad, shape)`: the gradient of an input of `shape` that NumPy broadcast
  to `grad.shape`, found by tracking which input element every output element came from
  (a different route from the engine's sum-over-axes `unbroadcast`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_difference(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6):
    """(f(x + εeᵢ) − f(x − εeᵢ)) / 2ε for every element i, in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        plus = float(f(x))
        flat_x[i] = original - eps
        minus = float(f(x))
        flat_x[i] = original
        flat_grad[i] = (plus - minus) / (2 * eps)
    return grad


def unbroadcast_by_index(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` back onto an input of `shape`: label each input element with its flat index,
    broadcast the labels like NumPy does, and add up the gradient per label."""
    size = int(np.prod(shape, dtype=int))
    labels = np.broadcast_to(np.arange(size).reshape(shape), grad.shape)
    return np.bincount(labels.ravel(), weights=grad.ravel(), minlength=size).reshape(shape)
