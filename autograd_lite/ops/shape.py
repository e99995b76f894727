"""Shape primitives: reshape, transpose, broadcast_to, indexing and its adjoint scatter_add,
concatenate, stack, astype, squeeze, expand_dims, flatten, ravel, copy, repeat, tile, roll,
flip, pad, take, take_along_axis. Their derivatives only move numbers around: an op that
reads an element several times (repeat, tile, pad, take) adds up the gradients of its copies
(a scatter-add back to the positions read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lite import storage
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
from autograd_lite.storage import link_view, make

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
    return link_view(record(data, RESHAPE, a), a)


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
    return link_view(record(a._data.transpose(axes), TRANSPOSE, a, saved={"axes": axes}), a)


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
    return link_view(record(data, BROADCAST_TO, a), a)


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
    if storage.trace_hooks:  # tensors in the index are inputs autograd_lite.compile replays
        storage.trace_event("side", GETITEM, {"index": index})
    index = normalize_index(index)
    try:
        data = a._data[index]
    except IndexError as error:
        raise IndexError(f"getitem: {error} (tensor of shape {a.shape})") from None
    return link_view(record(np.asarray(data), GETITEM, a, saved={"index": index}), a)


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
    if storage.trace_hooks:  # tensors in the index are inputs autograd_lite.compile replays
        storage.trace_event("side", SCATTER_ADD, {"index": index})
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
def concatenate(seq: Sequence[Any], axis: int | None = 0):
    """Join tensors along an existing axis; each input's gradient is its slice of the output's.
    ``axis=None`` flattens every input first, as NumPy does."""
    tensors = _tensors(seq, "concatenate")
    if axis is None:
        tensors = tuple(reshape(t, -1) for t in tensors)
        axis = 0
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
    """The tensor converted to `dtype`. Between float dtypes the gradient is converted back to
    the input's dtype; a cast to an integer or bool dtype is not differentiable (its result is
    piecewise constant), so, as in PyTorch, the result is a constant: no gradient flows."""
    a = as_tensor(a, "astype")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"astype: {dtype!r} is not a NumPy dtype") from None
    to_array(np.empty(0, dtype), "astype")  # refuses complex/object/str targets
    if dtype == a._data.dtype:
        return a
    if dtype.kind != "f":
        return make(a._data.astype(dtype))
    return record(a._data.astype(dtype), ASTYPE, a)


# ----------------------------------------------------------------------------- axes in, axes out


def _one_axis(axis: Any, ndim: int, name: str, shape: tuple) -> int:
    """A single axis (negative allowed) as a non-negative int."""
    if axis is None or isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be a single int, got {axis!r}")
    return normalize_axis(axis, ndim, name, shape)[0]


def _reshape_back(xp, g, y, a):
    return g.reshape(a.shape)


SQUEEZE = Op("squeeze", _reshape_back)  # the same elements: the gradient takes a's shape back
EXPAND_DIMS = Op("expand_dims", _reshape_back)
RAVEL = Op("ravel", _reshape_back)


@register(
    kind="shape",
    method=True,
    keyword_aliases={"dim": "axis"},
    numpy=np.squeeze,
    dtypes="numeric",
)
def squeeze(a: Any, axis: Any = None):
    """`a` without its axes of length 1: all of them when `axis` is None, else the given
    ones (int or tuple, negatives allowed). ∂y/∂a is the identity on the elements, so the
    gradient is g reshaped to a's shape.

    Like NumPy, naming an axis whose length is not 1 is an error (PyTorch's ``squeeze(dim)``
    silently leaves such an axis alone).
    """
    a = as_tensor(a, "squeeze")
    axes = normalize_axis(axis, a.ndim, "squeeze", a.shape)
    if axes is None:
        axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
    for ax in axes:
        if a.shape[ax] != 1:
            raise ValueError(
                f"squeeze: axis {ax} of a tensor of shape {a.shape} has length {a.shape[ax]}; "
                "only axes of length 1 can be squeezed"
            )
    shape = tuple(n for i, n in enumerate(a.shape) if i not in axes)
    return link_view(record(a._data.reshape(shape), SQUEEZE, a), a)


@register(
    kind="shape",
    method=True,
    aliases=("unsqueeze",),
    keyword_aliases={"dim": "axis"},
    numpy=np.expand_dims,
    dtypes="numeric",
)
def expand_dims(a: Any, axis: Any):
    """`a` with new axes of length 1 inserted at `axis` (int or tuple), counted in the
    result's axes, negatives from its end (NumPy's rule; PyTorch's ``unsqueeze(dim)`` is the
    one-int case). The gradient is g reshaped to a's shape.
    """
    a = as_tensor(a, "expand_dims")
    if axis is None:
        raise TypeError("expand_dims: axis must be an int or a tuple of ints, got None")
    given = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = a.ndim + len(given)
    for ax in given:
        number = isinstance(ax, (int, np.integer)) and not isinstance(ax, bool)
        if number and not -ndim <= ax < ndim:
            raise ValueError(
                f"expand_dims: axis {ax} is out of bounds for the {ndim}-D result of adding "
                f"{len(given)} axis(es) to a tensor of shape {a.shape}"
            )
    axes = normalize_axis(axis, ndim, "expand_dims", a.shape)
    rest = iter(a.shape)
    shape = tuple(1 if i in axes else next(rest) for i in range(ndim))
    return link_view(record(a._data.reshape(shape), EXPAND_DIMS, a), a)


def _flat_order(order: Any, name: str) -> str:
    if isinstance(order, str) and order in ("C", "F"):
        return order
    hint = ""
    if isinstance(order, (int, np.integer)):
        hint = f"; for PyTorch's flatten(start_dim) write {name}(start_dim={order})"
    raise ValueError(
        f"{name}: order must be 'C' (row-major) or 'F' (column-major), got {order!r}{hint}"
    )


FLATTEN = Op(
    "flatten",  # element k of the result is a.flat[k] in C order (or column-major in F order)
    lambda xp, g, y, a, *, order: (
        g.reshape(a.shape) if order == "C" else g.reshape(a.shape[::-1]).transpose()
    ),
)


@register(kind="shape", method=True, dtypes="numeric")
def flatten(a: Any, order: str = "C", *, start_dim: int | None = None, end_dim: int | None = None):
    """A copy of `a` as a 1-D tensor (ndarray.flatten): its elements in row-major order ('C')
    or column-major order ('F'). The gradient is g put back in a's shape in the same order.

    PyTorch's ``flatten(start_dim=, end_dim=)`` (keywords here) merges only the axes
    start_dim..end_dim into one; a 0-d tensor counts as shape (1,) there, as in PyTorch.
    """
    a = as_tensor(a, "flatten")
    order = _flat_order(order, "flatten")
    if start_dim is None and end_dim is None:
        shape: tuple = (a._data.size,)
    else:
        if order != "C":
            raise ValueError("flatten: start_dim/end_dim merge axes in row-major order only")
        full = a.shape or (1,)
        start = _one_axis(0 if start_dim is None else start_dim, len(full), "flatten", a.shape)
        end = _one_axis(-1 if end_dim is None else end_dim, len(full), "flatten", a.shape)
        if start > end:
            raise ValueError(
                f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                f"(tensor of shape {a.shape})"
            )
        shape = (*full[:start], int(np.prod(full[start : end + 1])), *full[end + 1 :])
    data = a._data.flatten("F") if order == "F" else a._data.reshape(shape).copy()
    return record(data, FLATTEN, a, saved={"order": order})


@register(kind="shape", method=True, numpy=np.ravel, dtypes="numeric")
def ravel(a: Any, order: str = "C"):
    """`a` as a 1-D tensor in row-major ('C') or column-major ('F') order: like np.ravel a
    view of a's data when the layout allows (flatten always copies). The gradient is g put
    back in a's shape."""
    a = as_tensor(a, "ravel")
    order = _flat_order(order, "ravel")
    if order == "F":
        return flatten(a, "F")
    return link_view(record(a._data.reshape(-1), RAVEL, a), a)


COPY = Op("copy", lambda xp, g, y, a: g)  # ∂y/∂a = I


@register(kind="shape", method=True, aliases=("clone",), numpy=np.copy, dtypes="numeric")
def copy(a: Any):
    """A new tensor with a's values in its own memory (np.copy; PyTorch's clone): writing into
    the copy never changes `a`. y = a, so the gradient passes through unchanged."""
    a = as_tensor(a, "copy")
    return record(a._data.copy(), COPY, a)


# ----------------------------------------------------------------------------- repeating


def _gathered(xp, g, shape: tuple, axis: int, source: np.ndarray):
    """The adjoint of ``y = take(x, source, axis)`` for x of `shape`: g scattered back along
    `axis` to the positions it was read from, repeated positions adding up."""
    return xp.scatter_add(g, shape, (slice(None),) * axis + (source,))


def _repeat_partial(xp, g, y, a, *, axis, base, count, source):
    # Each a element feeds its run of copies: its gradient is the sum of g over that run.
    if count is not None:  # every run has the same length: sum over a new axis of that length
        runs = (*base[:axis], base[axis], count, *base[axis + 1 :])
        return g.reshape(runs).sum(axis=axis + 1).reshape(a.shape)
    return _gathered(xp, g, base, axis, source).reshape(a.shape)


REPEAT = Op("repeat", _repeat_partial)

_TILE_HINT = (
    "NumPy's repeat repeats each element; for PyTorch's Tensor.repeat(*sizes), which tiles "
    "the whole tensor, use tile(a, sizes)"
)


def _counts(value: Any, name: str, what: str) -> np.ndarray:
    """Non-negative integer counts (repeats, reps) from an int, a sequence or an array."""
    if storage.trace_hooks and is_tensor(value):  # the counts decide the result's shape
        storage.trace_event("read", value, f"{name}'s {what}")
    array = np.asarray(value._data if is_tensor(value) else value)
    if array.size == 0 and not isinstance(value, np.ndarray) and not is_tensor(value):
        array = array.astype(np.intp)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: {what} must be ints, got {value!r}")
    if (array < 0).any():
        raise ValueError(f"{name}: {what} must be ≥ 0, got {value!r}")
    return array.astype(np.intp)


@register(
    kind="shape",
    method=True,
    aliases=("repeat_interleave",),
    keyword_aliases={"dim": "axis"},
    numpy=np.repeat,
    dtypes="numeric",
)
def repeat(a: Any, repeats: Any, axis: int | None = None, *sizes: Any):
    """Each element of `a` repeated along `axis` (np.repeat; PyTorch's repeat_interleave):
    `repeats` is one count for all, or one count per element of that axis. With axis None the
    flattened tensor is repeated. The gradient of an element is the sum of g over its copies.

    This is NumPy's meaning of the name: PyTorch's ``Tensor.repeat(*sizes)`` tiles the whole
    tensor, which is `tile` here (calling repeat with more than two numbers says so).
    """
    a = as_tensor(a, "repeat")
    if sizes:
        sizes_text = ", ".join(repr(s) for s in (repeats, axis, *sizes))
        raise TypeError(
            f"repeat: takes repeats and one axis, got {2 + len(sizes)} numbers "
            f"({sizes_text}); {_TILE_HINT}"
        )
    counts = _counts(repeats, "repeat", "repeats")
    if counts.ndim > 1:
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence, got {repeats!r}")
    if axis is None:
        base, ax, x = (a._data.size,), 0, a._data.reshape(-1)
    else:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"repeat: axis must be a single int, got {axis!r}; {_TILE_HINT}")
        if isinstance(axis, (int, np.integer)) and not -a.ndim <= axis < a.ndim:
            raise ValueError(
                f"repeat: axis {axis} is out of bounds for a tensor of shape {a.shape}; "
                f"{_TILE_HINT}"
            )
        ax = _one_axis(axis, a.ndim, "repeat", a.shape)
        base, x = a.shape, a._data
    n = base[ax]
    if counts.ndim == 1 and counts.size not in (1, n):
        where = "the flattened tensor" if axis is None else f"axis {axis}"
        raise ValueError(
            f"repeat: {counts.size} repeats for {where} of length {n} "
            f"(tensor of shape {a.shape}); {_TILE_HINT}"
        )
    data = np.repeat(x, counts, axis=ax)
    uniform = counts.size == 1 or (counts.size > 0 and (counts == counts.flat[0]).all())
    count = int(counts.flat[0]) if uniform else None
    source = None if uniform else np.repeat(np.arange(n), counts)
    saved = {"axis": ax, "base": base, "count": count, "source": source}
    return record(data, REPEAT, a, saved=saved)


def _tile_partial(xp, g, y, a, *, reps, shape):
    # y viewed as (r0, s0, r1, s1, ...) holds a copy of a for each (r0, r1, ...): sum them.
    pairs = tuple(n for pair in zip(reps, shape) for n in pair)
    copies = tuple(range(0, len(pairs), 2))
    return g.reshape(pairs).sum(axis=copies).reshape(a.shape)


TILE = Op("tile", _tile_partial)


@register(
    kind="shape", method=True, keyword_aliases={"dims": "reps"}, numpy=np.tile, dtypes="numeric"
)
def tile(a: Any, reps: Any, *more: int):
    """`a` laid out `reps` times along each axis (np.tile; PyTorch's tile and
    Tensor.repeat): reps is padded with leading 1s to a's ndim, or a gets leading axes of
    length 1 when reps is longer. The gradient is the sum of g over the copies.
    ``x.tile(2, 3)`` is PyTorch's spelling of ``tile(x, (2, 3))``."""
    a = as_tensor(a, "tile")
    counts = _counts((reps, *more) if more else reps, "tile", "reps")
    if counts.ndim > 1:
        raise ValueError(f"tile: reps must be an int or a 1-D sequence, got {reps!r}")
    reps_ = tuple(counts.reshape(-1).tolist())
    d = max(a.ndim, len(reps_))
    shape = (1,) * (d - a.ndim) + a.shape
    reps_ = (1,) * (d - len(reps_)) + reps_
    data = np.tile(a._data, reps_)
    return record(data, TILE, a, saved={"reps": reps_, "shape": shape})


# ----------------------------------------------------------------------------- rearranging

ROLL = Op(
    "roll",  # y = a shifted by s along an axis: the gradient is g shifted back by −s
    lambda xp, g, y, a, *, shift, axes: xp.roll(g, tuple(-s for s in shift), axes),
)


@register(
    kind="shape",
    method=True,
    keyword_aliases={"shifts": "shift", "dims": "axis"},
    numpy=np.roll,
    dtypes="numeric",
)
def roll(a: Any, shift: Any, axis: Any = None):
    """Elements shifted by `shift` places along `axis`, those leaving one end coming back at
    the other: y[(i + s) mod n] = a[i]. `shift` and `axis` are ints or tuples broadcast
    against each other (an axis named twice is shifted by the sum); with axis None the
    flattened tensor is rolled. The gradient is g rolled by −shift.
    """
    a = as_tensor(a, "roll")
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    for s in shifts:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"roll: shift must be an int or a tuple of ints, got {shift!r}")
    if axis is None:
        total = sum(int(s) for s in shifts)
        flat = np.roll(a._data.reshape(-1), total)
        return record(flat.reshape(a.shape), ROLL, a, saved={"shift": (total,), "axes": None})
    given = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    shifts = tuple(shifts)
    if len(shifts) == 1:
        shifts *= len(given)
    elif len(given) == 1:
        given *= len(shifts)
    elif len(shifts) != len(given):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(given)} axes ({shift!r}, {axis!r})")
    total_by_axis: dict[int, int] = {}
    for s, ax in zip(shifts, given):
        (ax,) = normalize_axis(ax, a.ndim, "roll", a.shape)
        total_by_axis[ax] = total_by_axis.get(ax, 0) + int(s)
    axes = tuple(total_by_axis)
    shift = tuple(total_by_axis.values())
    data = np.roll(a._data, shift, axes)
    return record(data, ROLL, a, saved={"shift": shift, "axes": axes})


FLIP = Op("flip", lambda xp, g, y, a, *, axes: xp.flip(g, axes))  # a flip is its own inverse


@register(
    kind="shape", method=True, keyword_aliases={"dims": "axis"}, numpy=np.flip, dtypes="numeric"
)
def flip(a: Any, axis: Any = None):
    """The order of elements reversed along `axis` (int or tuple; all axes when None, as
    np.flip; PyTorch's flip(dims) requires dims). y[i] = a[n − 1 − i], so the gradient is g
    flipped the same way. Like np.flip, the result is a view of a's data."""
    a = as_tensor(a, "flip")
    axes = normalize_axis(axis, a.ndim, "flip", a.shape)
    return link_view(record(np.flip(a._data, axes), FLIP, a, saved={"axes": axes}), a)


# ----------------------------------------------------------------------------- padding

# Modes whose padding copies elements of `a` (a gather along each axis), so that the
# gradient is exactly a scatter-add; PyTorch's names for two of them.
_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")
_PYTORCH_MODES = {"replicate": "edge", "circular": "wrap"}


def _pad_partial(xp, g, y, a, *, mode, widths, sources):
    if not widths:  # a 0-d tensor: nothing was padded
        return g
    if mode == "constant":  # the padding is constant: a's gradient is the interior of g
        return g[tuple(slice(before, before + n) for (before, _), n in zip(widths, a.shape))]
    # Axis by axis (as np.pad pads), each padded position hands its gradient back to the
    # element it copies: source[k] along that axis.
    for axis, source in enumerate(sources):
        if source is not None:
            g = _gathered(
                xp, g, (*g.shape[:axis], a.shape[axis], *g.shape[axis + 1 :]), axis, source
            )
    return g


PAD = Op("pad", _pad_partial)


def _pad_widths(pad_width: Any, shape: tuple) -> tuple:
    """NumPy's pad_width (an int, one (before, after) pair, a pair per axis, or a dict
    {axis: int or pair}) as one pair of non-negative ints per axis of `shape`."""
    if isinstance(pad_width, dict):
        pairs = [(0, 0)] * len(shape)
        for axis, width in pad_width.items():
            (ax,) = normalize_axis(axis, len(shape), "pad", shape)
            pairs[ax] = _width_pairs(
                width, 1, f"pad_width[{axis!r}] {width!r} is not an int or a (before, after) pair"
            )[0]
        return tuple(pairs)
    fit = (
        f"pad_width {pad_width!r} does not fit a tensor of shape {shape}: give one int, one "
        f"(before, after) pair, {len(shape)} pairs (one per axis) or a dict {{axis: pair}}"
    )
    return _width_pairs(pad_width, len(shape), fit)


def _width_pairs(value: Any, ndim: int, misfit: str) -> tuple:
    if storage.trace_hooks and is_tensor(value):  # the widths decide the result's shape
        storage.trace_event("read", value, "pad's pad_width")
    widths = np.asarray(value._data if is_tensor(value) else value)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be ints, got {value!r}")
    try:
        pairs = np.broadcast_to(widths, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {misfit}") from None
    if (pairs < 0).any():
        raise ValueError(f"pad: pad widths must be ≥ 0, got {value!r}")
    return tuple((int(before), int(after)) for before, after in pairs)


@register(kind="shape", numpy=np.pad, dtypes="numeric")
def pad(a: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0):
    """`a` with `pad_width` = (before, after) elements added at both ends of each axis
    (np.pad's argument: an int, one pair for all axes, one pair per axis, first axis first,
    or a dict {axis: int or pair}). Modes: 'constant' (constant_values, a scalar or per-axis
    pairs), 'edge' (the edge element repeated), 'reflect' (mirrored without the edge),
    'symmetric' (mirrored with it), 'wrap' (periodic). a's gradient is the interior of g,
    plus, in the copying modes, the gradient of every padded position added to the element
    it copies.

    PyTorch's F.pad takes a flat tuple starting from the LAST axis and names two modes
    differently ('replicate' is 'edge', 'circular' is 'wrap'); this is NumPy's pad.
    """
    a = as_tensor(a, "pad")
    widths = _pad_widths(pad_width, a.shape)
    if not isinstance(mode, str) or (mode != "constant" and mode not in _GATHER_MODES):
        hint = (
            f" (PyTorch's {mode!r} is {_PYTORCH_MODES[mode]!r})"
            if isinstance(mode, str) and mode in _PYTORCH_MODES
            else ""
        )
        raise ValueError(
            f"pad: mode {mode!r} is not supported{hint}; supported: 'constant', "
            + ", ".join(repr(m) for m in _GATHER_MODES)
        )
    x = a._data
    if not a.ndim:  # nothing to pad (np.pad returns a copy)
        return record(x.copy(), PAD, a, saved={"mode": "constant", "widths": (), "sources": ()})
    if mode == "constant":
        if storage.trace_hooks:  # constant_values: an input autograd_lite.compile replays
            storage.trace_event("side", PAD, {"constant_values": constant_values})
        if is_tensor(constant_values) and constant_values.requires_grad:
            raise TypeError(
                "pad: constant_values is treated as a constant and would get no gradient; "
                "pass its data (or concatenate tensors to pad with a learned value)"
            )
        values = to_array(constant_values, "pad")
        try:
            data = np.pad(x, widths, mode="constant", constant_values=values)
        except ValueError:
            raise ValueError(
                f"pad: constant_values of shape {values.shape} do not fit a tensor of shape "
                f"{a.shape}: give one value, one (before, after) pair, or one pair per axis"
            ) from None
        return record(data, PAD, a, saved={"mode": mode, "widths": widths, "sources": ()})
    if not (isinstance(constant_values, int) and constant_values == 0):
        raise ValueError(f"pad: constant_values only applies to mode 'constant', not {mode!r}")
    for n, (before, after) in zip(a.shape, widths):
        if n == 0 and before + after:
            raise ValueError(
                f"pad: mode {mode!r} cannot pad an axis of length 0 (tensor of shape {a.shape})"
            )
    data = np.pad(x, widths, mode=mode)
    # Where each padded position along an axis copies from: the same padding of 0..n−1.
    sources = tuple(
        np.pad(np.arange(n), pair, mode=mode) if any(pair) else None
        for n, pair in zip(a.shape, widths)
    )
    return record(data, PAD, a, saved={"mode": mode, "widths": widths, "sources": sources})


# ----------------------------------------------------------------------------- taking


def _integer_indices(indices: Any, name: str) -> np.ndarray:
    """Indices as an intp array (from an int, a list, an ndarray or an integer Tensor)."""
    array = np.asarray(indices._data if is_tensor(indices) else indices)
    if array.size == 0 and isinstance(indices, (list, tuple)):
        array = array.astype(np.intp)  # [] is float64 to NumPy: it selects nothing
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers, got dtype {array.dtype}")
    return array.astype(np.intp, copy=False)


def _checked(index: np.ndarray, n: int, mode: str, name: str, where: str, shape: tuple):
    """`index` into an axis of length n as non-negative positions: 'raise' refuses
    out-of-range indices (negatives count from the end), 'wrap' takes them modulo n, 'clip'
    clips them to [0, n − 1]."""
    if index.size == 0:
        return index
    if n == 0:
        raise IndexError(f"{name}: cannot take from {where} of length 0 (tensor of shape {shape})")
    if mode == "clip":
        return np.clip(index, 0, n - 1)
    if mode == "raise":
        outside = (index < -n) | (index >= n)
        if outside.any():
            raise IndexError(
                f"{name}: index {index[outside].flat[0]} is out of bounds for {where} of "
                f"length {n} (tensor of shape {shape})"
            )
    return index % n


def _take_partial(xp, g, y, a, *, axis, base, source):
    return _gathered(xp, g, base, axis, source).reshape(a.shape)


TAKE = Op("take", _take_partial)  # y = a[source] along axis: scatter g back, repeats adding up


@register(kind="shape", method=True, numpy=np.take, dtypes="numeric")
def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise"):
    """The elements of `a` at `indices` along `axis` (np.take; the flattened tensor when axis
    is None, like PyTorch's take): y[..., j, ...] = a[..., indices[j], ...], the shape
    a.shape[:axis] + indices.shape + a.shape[axis+1:]. The gradient scatters g back to the
    positions read, repeated indices adding up. mode 'raise' (negatives count from the end,
    others are an IndexError), 'wrap' or 'clip' as NumPy."""
    a = as_tensor(a, "take")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    index = _integer_indices(indices, "take")
    if axis is None:
        base, ax, x, where = (a._data.size,), 0, a._data.reshape(-1), "the flattened tensor"
    else:
        ax = _one_axis(axis, a.ndim, "take", a.shape)
        base, x, where = a.shape, a._data, f"axis {axis}"
    source = _checked(index, base[ax], mode, "take", where, a.shape)
    data = np.take(x, source, axis=ax)
    if storage.trace_hooks:  # the indices are an input autograd_lite.compile replays
        storage.trace_event("side", TAKE, {"indices": indices, "mode": mode, "where": where})
    return record(data, TAKE, a, saved={"axis": ax, "base": base, "source": source})


def _take_along_partial(xp, g, y, a, *, base, index):
    return xp.scatter_add(g, base, index).reshape(a.shape)


TAKE_ALONG_AXIS = Op("take_along_axis", _take_along_partial)


@register(
    kind="shape",
    method=True,
    aliases=("take_along_dim",),
    keyword_aliases={"dim": "axis"},
    numpy=np.take_along_axis,
    dtypes="numeric",
)
def take_along_axis(arr: Any, indices: Any, axis: int | None = -1):
    """For each position along the other axes, the elements of `arr` at `indices` along
    `axis` (np.take_along_axis; PyTorch's take_along_dim): y[i, j] = arr[i, indices[i, j]]
    for axis 1 of a matrix. `indices` has arr's number of axes and broadcasts against arr
    off `axis` (with axis None: arr flattened, indices 1-D). The gradient scatters g back,
    repeated indices adding up. PyTorch's gather is the same without broadcasting.
    """
    a = as_tensor(arr, "take_along_axis")
    index = _integer_indices(indices, "take_along_axis")
    if axis is None:
        if index.ndim != 1:
            raise ValueError(
                f"take_along_axis: with axis None indices must be 1-D, got shape {index.shape}"
            )
        base, ax, x = (a._data.size,), 0, a._data.reshape(-1)
    else:
        if index.ndim != a.ndim:
            raise ValueError(
                f"take_along_axis: indices of shape {index.shape} need as many axes as the "
                f"tensor of shape {a.shape}"
            )
        ax = _one_axis(axis, a.ndim, "take_along_axis", a.shape)
        base, x = a.shape, a._data
    where = "the flattened tensor" if axis is None else f"axis {axis}"
    if storage.trace_hooks:  # the indices are an input autograd_lite.compile replays
        storage.trace_event(
            "side", TAKE_ALONG_AXIS, {"indices": indices, "axis": ax, "where": where}
        )
    source = _checked(index, base[ax], "raise", "take_along_axis", where, a.shape)
    ramps = [
        np.arange(n).reshape((1,) * k + (n,) + (1,) * (len(base) - k - 1))
        for k, n in enumerate(base)
    ]
    ramps[ax] = source
    full = tuple(ramps)
    try:
        np.broadcast_shapes(*(r.shape for r in full))
    except ValueError:
        raise ValueError(
            f"take_along_axis: indices of shape {index.shape} do not broadcast against a "
            f"tensor of shape {a.shape} off axis {axis}"
        ) from None
    return record(x[full], TAKE_ALONG_AXIS, a, saved={"base": base, "index": full})
