"""Ordering: sort (differentiable: the gradient follows each value to where it came from),
and argsort, argmax, argmin (integer results, no gradient).

Sorting is stable everywhere (NumPy's ``kind="stable"``): equal values keep their order, so
argsort is the permutation sort applies and sort's gradient sends each tied value's gradient
back to the element it came from."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.ops._core import Op, as_tensor, normalize_axis, record
from autograd_lite.ops.reductions import REDUCTION
from autograd_lite.ops.table import register
from autograd_lite.storage import Tensor, make

AXIS = {"dim": "axis"}  # PyTorch's spelling of the keyword


def _one_axis(a: Tensor, axis: Any, name: str) -> int | None:
    """None (the flattened tensor) or one axis, checked against a's shape."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be an int or None, got {axis!r}")
    return normalize_axis(axis, a.ndim, name, a.shape)[0]


def _stable_order(x: np.ndarray, axis: int | None) -> np.ndarray:
    """The stable sorting permutation along `axis` (of the flattened array for None), int64."""
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)


# ----------------------------------------------------------------------------- sort

SORT = Op(
    "sort",  # y = a[order] along the axis ⇒ ∂L/∂a = g read back through the inverse permutation
    lambda xp, g, y, a, *, inverse: g[inverse].reshape(a.shape),
)


@register(kind="ordering", method=True, keyword_aliases=AXIS, numpy=np.sort, dtypes="numeric")
def sort(a: Any, axis: int | None = -1):
    """The values of `a` sorted in ascending order along `axis` (the flattened tensor for
    None), NaNs last, as ``np.sort``. Unlike ``ndarray.sort`` this returns a new tensor (it does
    not sort in place), and unlike PyTorch's ``sort`` it returns only the values (use
    `argsort` for the indices).

    The gradient goes back through the sorting permutation: ∂L/∂aᵢ = g at the position aᵢ was
    sorted to. The order is stable, so among tied values each keeps its own gradient (sorted
    position k of a tie goes to the k-th of the tied elements in the input's order)."""
    a = as_tensor(a, "sort")
    axis = _one_axis(a, axis, "sort")
    if storage.trace_hooks:  # what autograd_lite.compile needs to replay it
        storage.trace_event("side", SORT, {"axis": axis})
    data, inverse = sort_forward(a._data, axis)
    return record(data, SORT, a, saved={"inverse": inverse})


def sort_forward(x: np.ndarray, axis: int | None) -> tuple[np.ndarray, Any]:
    """`sort` on an array: the sorted values (stable order; flattened when `axis` is None) and
    the index that reads a gradient of the sorted values back in the input's order."""
    order = _stable_order(x, axis)
    if axis is None:
        data = x.reshape(-1)[order]
        inverse: Any = np.empty_like(order)
        inverse[order] = np.arange(order.size)
    else:
        data = np.take_along_axis(x, order, axis)
        positions = np.arange(x.shape[axis]).reshape(
            [-1 if i == axis else 1 for i in range(x.ndim)]
        )
        where = np.empty_like(order)
        np.put_along_axis(where, order, positions, axis)
        # An index that reads g back in the input's order: g[..., inverse[..., i], ...].
        inverse = tuple(
            where
            if i == axis
            else np.arange(n).reshape([-1 if j == i else 1 for j in range(x.ndim)])
            for i, n in enumerate(x.shape)
        )
    return data, inverse


# ----------------------------------------------------------------------------- indices


@register(
    kind="ordering",
    method=True,
    keyword_aliases=AXIS,
    numpy=np.argsort,
    differentiable=False,
    dtypes="any",
)
def argsort(a: Any, axis: int | None = -1) -> Tensor:
    """The indices that sort `a` along `axis` (the flattened tensor for None), int64. Always a
    stable sort (NumPy's default kind is not): tied values keep their order, matching
    `sort`'s gradient. No gradient (an integer result)."""
    a = as_tensor(a, "argsort")
    axis = _one_axis(a, axis, "argsort")
    result = make(_stable_order(a._data, axis))
    if storage.trace_hooks:  # autograd_lite.compile replays it
        storage.trace_event("computed", result, "argsort", lambda x: _stable_order(x, axis), (a,))
    return result


def _arg_extremum(a: Any, axis: Any, keepdims: bool, fn: Any, name: str) -> Tensor:
    a = as_tensor(a, name)
    axis = _one_axis(a, axis, name)
    if (a.size if axis is None else a.shape[axis]) == 0:
        raise ValueError(
            f"{name}: cannot take the {name} of an empty axis (tensor of shape {a.shape}, "
            f"axis {axis})"
        )
    keepdims = bool(keepdims)
    result = make(np.asarray(fn(a._data, axis=axis, keepdims=keepdims), dtype=np.int64))
    if storage.trace_hooks:  # autograd_lite.compile replays it

        def kernel(x: np.ndarray) -> np.ndarray:
            return np.asarray(fn(x, axis=axis, keepdims=keepdims), dtype=np.int64)

        storage.trace_event("computed", result, name, kernel, (a,))
    return result


@register(
    kind="ordering",
    method=True,
    keyword_aliases=REDUCTION,
    numpy=np.argmax,
    differentiable=False,
    dtypes="any",
)
def argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element along `axis` (into the flattened tensor for None), int64;
    the first one among ties, and the first NaN if there is one (like NumPy and PyTorch).
    No gradient (an integer result)."""
    return _arg_extremum(a, axis, keepdims, np.argmax, "argmax")


@register(
    kind="ordering",
    method=True,
    keyword_aliases=REDUCTION,
    numpy=np.argmin,
    differentiable=False,
    dtypes="any",
)
def argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest element along `axis` (into the flattened tensor for None), int64;
    the first one among ties, and the first NaN if there is one. No gradient."""
    return _arg_extremum(a, axis, keepdims, np.argmin, "argmin")
