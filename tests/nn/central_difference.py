"""Central-difference gradients for checking backpropagation in the nn tests.

    ∂f/∂x_i ≈ (f(x + ε·e_i) − f(x − ε·e_i)) / (2ε)

The array is perturbed in place and restored, so parameters of a model can be checked
through the model itself.
"""

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference estimate of df/dx, where f reads x (a float64 array) when called."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a − b|| / (||a|| + ||b||), 0 when both are zero."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)
