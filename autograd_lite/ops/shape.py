"""Shape primitives: reshape, transpose, broadcast_to, indexing and its adjoint scatter_add,
concatenate, stack, astype. Their derivatives only move numbers around."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lite.ops._core import (
    NumpyMath,
    Op,
    VariadicOp,
    as_tensor,
    is_tensor,
    normalize_axis,
    record,
    record_many,
    to_array,
    unbroadcast,
)
from autograd_lite.ops.table import register

JOIN = {"dim": "axis"}  # PyTorch's spelling of the keyword


def _shape_argument(shape: tuple) -> tuple:
    """Accept reshape(2, 3) and reshape((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


RESHAPE = Op("reshape", lambda xp, g, y, a: g.reshape(a.shape))


@register(kind="shape", method=True, aliases=("view",), numpy=np.reshape, dtypes="numeric")
def reshape(a: Any, *shape: Any):
    """The same elements in a new shape (one dimension may be -1)."""
    a = as_tensor(a, "reshape")
    shape = _shape_argument(shape)
    try:
        data = a._data.reshape(shape)
    except (ValueError, TypeError):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
            f"into shape {shape}"
        ) from None
    return record(data, RESHAPE, a)


TRANSPOSE = Op(
    "transpose",  # the gradient is permuted back with the inverse permutation
    lambda xp, g, y, a, *, axes: g.transpose(tuple(np.argsort(axes))),
)


@register(kind="shape", method=True, aliases=("permute",), numpy=np.transpose, dtypes="numeric")
def transpose(a: Any, *axes: Any):
    """Permute the axes (reverse them when none are given), like ndarray.transpose."""
    a = as_tensor(a, "transpose")
    axes = _shape_argument(axes)
    if not axes:
        axes = tuple(range(a.ndim))[::-1]
    if sorted(normalize_axis(axes, a.ndim, "transpose", a.shape) or ()) != list(range(a.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of a {a.ndim}-D tensor")
    axes = tuple(ax % a.ndim for ax in axes)
    return record(a._data.transpose(axes), TRANSPOSE, a, saved={"axes": axes})


@register(kind="shape", method=True, numpy=np.swapaxes, dtypes="numeric")
def swapaxes(a: Any, axis1: int, axis2: int):
    """Exchange two axes (a transpose)."""
    a = as_tensor(a, "swapaxes")
    i, j = (normalize_axis(ax, a.ndim, "swapaxes", a.shape)[0] for ax in (axis1, axis2))
    order = list(range(a.ndim))
    order[i], order[j] = order[j], order[i]
    return transpose(a, tuple(order))


BROADCAST_TO = Op("broadcast_to", lambda xp, g, y, a: unbroadcast(g, a.shape))


@register(kind="shape", numpy=np.broadcast_to, dtypes="numeric")
def broadcast_to(a: Any, shape: Sequence[int]):
    """A read-only view of `a` broadcast to `shape`; the gradient is summed back (unbroadcast)."""
    a = as_tensor(a, "broadcast_to")
    target = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(target, (Sequence, np.ndarray)) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in target
    ):
        raise TypeError(f"broadcast_to: shape must be a tuple of ints, got {shape!r}")
    shape = tuple(target)
    try:
        data = np.broadcast_to(a._data, shape)
    except ValueError:
        raise ValueError(
            f"broadcast_to: cannot broadcast shape {a.shape} to {tuple(shape)}"
        ) from None
    return record(data, BROADCAST_TO, a)


# ----------------------------------------------------------------------------- indexing


def normalize_index(index: Any) -> Any:
    """Tensors in an index become their arrays, lists become arrays (advanced indexing)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(item) for item in index)
    if is_tensor(index):
        return index._data
    if isinstance(index, list):
        # An empty list selects nothing, like NumPy (np.asarray([]) alone would be float64).
        return np.asarray(index) if index else np.asarray(index, dtype=np.intp)
    return index


GETITEM = Op(
    "getitem",  # the gradient is scattered back to the positions read; repeated indices add up
    lambda xp, g, y, a, *, index: xp.scatter_add(g, a.shape, index),
)


@register(kind="shape", operators=("__getitem__",), export=False, dtypes="numeric")
def getitem(a: Any, index: Any):
    """a[index] with NumPy's basic and advanced indexing."""
    a = as_tensor(a, "getitem")
    index = normalize_index(index)
    try:
        data = a._data[index]
    except IndexError as error:
        raise IndexError(f"getitem: {error} (tensor of shape {a.shape})") from None
    return record(np.asarray(data), GETITEM, a, saved={"index": index})


SCATTER_ADD = Op(
    "scatter_add",  # the adjoint of indexing: ∂/∂values is the gradient read back at `index`
    # (summed over the positions a broadcast `values` was spread to)
    lambda xp, g, y, values, *, shape, index: unbroadcast(g[index], values.shape),
)


@register(kind="shape", dtypes="numeric", export=False)
def scatter_add(values: Any, shape: Sequence[int], index: Any):
    """zeros(shape) with `values` added at `index` (repeated indices accumulate)."""
    values = as_tensor(values, "scatter_add")
    shape = tuple(shape)
    data = NumpyMath.scatter_add(values._data, shape, index)
    return record(data, SCATTER_ADD, values, saved={"shape": shape, "index": index})


# ----------------------------------------------------------------------------- joining


def _concatenate_partial(xp, g, y, *inputs, index, axis, bounds):
    selector = [slice(None)] * g.ndim
    selector[axis] = slice(bounds[index], bounds[index + 1])
    return g[tuple(selector)]


CONCATENATE = VariadicOp("concatenate", _concatenate_partial)


def _tensors(seq: Sequence[Any], name: str) -> tuple:
    if is_tensor(seq) or isinstance(seq, np.ndarray) or not isinstance(seq, Sequence):
        raise TypeError(f"{name}: expected a sequence of tensors, got {type(seq).__name__}")
    if len(seq) == 0:
        raise ValueError(f"{name}: needs at least one tensor")
    return tuple(as_tensor(item, name) for item in seq)


@register(
    kind="shape", aliases=("cat",), keyword_aliases=JOIN, numpy=np.concatenate, dtypes="numeric"
)
def concatenate(seq: Sequence[Any], axis: int = 0):
    """Join tensors along an existing axis; each input's gradient is its slice of the output's."""
    tensors = _tensors(seq, "concatenate")
    first = tensors[0]
    if first.ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    (axis,) = normalize_axis(axis, first.ndim, "concatenate", first.shape)
    try:
        data = np.concatenate([t._data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"concatenate: shapes {shapes} do not match off axis {axis}") from None
    bounds = tuple(np.cumsum([0] + [t.shape[axis] if t.ndim else 0 for t in tensors]).tolist())
    return record_many(data, CONCATENATE, tensors, {"axis": axis, "bounds": bounds})


def _stack_partial(xp, g, y, *inputs, index, axis):
    return g[(slice(None),) * axis + (index,)]


STACK = VariadicOp("stack", _stack_partial)


@register(kind="shape", keyword_aliases=JOIN, numpy=np.stack, dtypes="numeric")
def stack(seq: Sequence[Any], axis: int = 0):
    """Join equally shaped tensors along a new axis; each input's gradient is its slice."""
    tensors = _tensors(seq, "stack")
    first = tensors[0]
    (axis,) = normalize_axis(axis, first.ndim + 1, "stack", first.shape)
    try:
        data = np.stack([t._data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"stack: all tensors need the same shape, got {shapes}") from None
    return record_many(data, STACK, tensors, {"axis": axis})


ASTYPE = Op("astype", lambda xp, g, y, a: g.astype(a.dtype))


@register(kind="shape", method=True, dtypes="any")
def astype(a: Any, dtype: Any):
    """The tensor converted to `dtype` (gradients are converted back to the input's dtype)."""
    a = as_tensor(a, "astype")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"astype: {dtype!r} is not a NumPy dtype") from None
    to_array(np.empty(0, dtype), "astype")  # refuses complex/object/str targets
    if dtype == a._data.dtype:
        return a
    return record(a._data.astype(dtype), ASTYPE, a)
