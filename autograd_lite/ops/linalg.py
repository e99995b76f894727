"""Linear algebra: matmul for 1-D, 2-D and batched N-D operands, and the dense layer's
x @ Wᵀ + b."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.ops._core import Op, as_tensor, record, record_many
from autograd_lite.ops.table import register


def _matmul_partial_a(xp, g, y, a, b):
    # y = a @ b  ⇒  ∂L/∂a = g @ bᵀ; 1-D operands are treated as a row (a) or column (b) and the
    # batch axes that broadcasting added are summed away by the engine.
    if b.ndim == 1:
        if a.ndim == 1:
            return g * b  # a·b is a scalar: ∂/∂a = b
        return g.reshape((*g.shape, 1)) * b  # (…, n, 1) · (k,) → (…, n, k)
    if a.ndim == 1:
        return (b @ g.reshape((*g.shape, 1))).reshape((*b.shape[:-2], b.shape[-2]))
    return g @ b.mT


def _matmul_partial_b(xp, g, y, a, b):
    # y = a @ b  ⇒  ∂L/∂b = aᵀ @ g
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return a.reshape((-1, 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))  # (…, k, m)
    if b.ndim == 1:
        return (a.mT @ g.reshape((*g.shape, 1))).reshape((*a.shape[:-2], a.shape[-1]))
    return a.mT @ g


MATMUL = Op("matmul", _matmul_partial_a, _matmul_partial_b)


@register(
    kind="linalg",
    method=True,
    operators=("__matmul__",),
    reflected=("__rmatmul__",),
    numpy=np.matmul,
    dtypes="numeric",
)
def matmul(a: Any, b: Any):
    """Matrix product a @ b with NumPy's rules: 1-D·1-D is a dot product, 1-D operands act as
    row/column vectors, and leading (batch) axes broadcast."""
    a, b = as_tensor(a, "matmul"), as_tensor(b, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        b_axis = "axis 0" if b.ndim == 1 else "axis -2"
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
            f"{inner_a} (last axis of a) != {inner_b} ({b_axis} of b)"
        )
    try:
        data = np.matmul(a._data, b._data)
    except ValueError:
        raise ValueError(
            f"matmul: batch axes of shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    return record(data, MATMUL, a, b)


def _linear_partial_x(xp, g, y, x, weight, *bias):
    return g @ weight  # y = x Wᵀ + b  ⇒  ∂L/∂x = g W


def _linear_partial_weight(xp, g, y, x, weight, *bias):
    # ∂L/∂W = gᵀ x, summed over every example (all axes but the last): (n_out, n_in) directly,
    # as the course writes dW = dZ·Aᵀ, with no transpose to copy afterwards.
    n_out, n_in = weight.shape
    return g.reshape((-1, n_out)).T @ x.reshape((-1, n_in))


def _linear_partial_bias(xp, g, y, x, weight, bias):
    return g  # ∂L/∂b = Σ over examples of g: the engine's unbroadcast does the sum


LINEAR = Op("linear", _linear_partial_x, _linear_partial_weight, _linear_partial_bias)


@register(kind="linalg", dtypes="numeric")
def linear(x: Any, weight: Any, bias: Any = None):
    """The dense layer y = x @ Wᵀ + b, with W of shape (n_out, n_in) and b of shape (n_out,)
    (the course's Z = W·A + b for examples stored as rows).

    A primitive rather than matmul + transpose + add for speed: its partials are the course's
    dX = dZ·W, dW = dZᵀ·X, db = Σ dZ, computed in the layout the parameters have.
    """
    x, weight = as_tensor(x, "linear"), as_tensor(weight, "linear")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (n_out, n_in), got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {weight.shape} "
            f"(expected the input's last axis to be n_in = {weight.shape[1]})"
        )
    data = x._data @ weight._data.T
    if bias is None:
        return record(data, LINEAR, x, weight)
    bias = as_tensor(bias, "linear")
    if bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape} "
            f"(expected ({weight.shape[0]},))"
        )
    if np.result_type(data, bias._data) == data.dtype:
        data += bias._data  # the product is a fresh array: add the bias in place
    else:
        data = data + bias._data
    return record_many(data, LINEAR, (x, weight, bias))
