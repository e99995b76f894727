"""The machinery every primitive shares: `Op` (a name and one partial derivative per input),
`record` (which stores the op and its inputs on the result), operand conversion, and the two
array namespaces that partial derivatives are written against.

A partial derivative is a vector-Jacobian product, one per input, with the signature

    partial(xp, g, y, *inputs, **saved) -> gradient for that input

where `g` is dL/dy, `y` the op's output and `inputs` its inputs. The engine calls it with plain
ndarrays and ``xp = numpy_math`` for an ordinary backward pass (fast: nothing is recorded), and
with Tensors and ``xp = tensor_math`` under ``create_graph=True`` (the backward pass is itself
recorded, so gradients of gradients work). Partials therefore use only operators, methods that
ndarray and Tensor share (`sum`, `reshape`, `transpose`, `mT`, `shape`, ...) and `xp.*`: each
derivative is written once and serves both modes (the idea HIPS autograd uses).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite import grad_mode
from autograd_lite.grad_mode import state

if TYPE_CHECKING:
    from autograd_lite.tensor import Tensor

Partial = Callable[..., Any]

_NO_SAVED: dict[str, Any] = {}

# One clock orders what happens to tensors: a recorded result takes the next tick when its op
# runs (`_stamp`), a tensor assigned into in place takes one as well (`_changed_at`).
# - An op's inputs exist before it runs, so decreasing stamps are a reverse topological order:
#   the engine processes nodes in that order (as PyTorch's engine orders by sequence number).
# - A parent whose `_changed_at` is later than its child's `_stamp` was changed after the op
#   used it, which would silently give a wrong gradient, so backward refuses it (the idea
#   behind PyTorch's version counters, with one global clock).
tick: Callable[[], int] = itertools.count(1).__next__
last_change = 0  # the tick of the latest in-place assignment anywhere (0: none yet)


def next_change() -> int:
    """Take a tick for an in-place assignment and remember it as the latest change."""
    global last_change
    last_change = tick()
    return last_change


class Op:
    """A primitive: its `name` and a tuple `partials`, one partial derivative per input.

    Ops with several inputs may broadcast them, so the engine sums their gradients back to each
    input's shape. An op with a single input must return a gradient of exactly that input's
    shape (`unary` lets the engine skip the shape check on that hot path).
    """

    __slots__ = ("name", "partials", "unary")

    def __init__(self, name: str, *partials: Partial) -> None:
        self.name = name
        self.partials: Sequence[Partial] = partials
        self.unary = len(partials) == 1

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


class ScalarOp(Op):
    """A binary op whose other operand is a Python number c, kept as the node's saved data
    rather than wrapped in a constant tensor (one input, no 0-d array), and passed to the
    partial as its last argument: ``partial(xp, g, y, a, c)`` (see `apply_partial`: no dict
    per op, which deep scalar graphs feel). `scalar_first` records the side c stood on, for
    pictures and explanations: ``2 - x`` versus ``x - 2``."""

    __slots__ = ("scalar_first",)

    def __init__(self, name: str, partial: Partial, scalar_first: bool = False) -> None:
        super().__init__(name, partial)
        self.scalar_first = scalar_first


def operands_of(tensor: Tensor) -> list[Any]:
    """The operands of the op that made `tensor`, in the order they were written: parent
    tensors, and the Python number of a `ScalarOp` on its side. Empty for a leaf or a freed
    graph."""
    if tensor._parents is None:
        return []
    operands: list[Any] = list(tensor._parents)
    op = tensor._op
    if isinstance(op, ScalarOp):
        operands.insert(0 if op.scalar_first else len(operands), tensor._saved)
    return operands


def apply_partial(partial: Partial, xp: Any, g: Any, y: Any, inputs: Sequence, saved: Any) -> Any:
    """Call a partial derivative with what its node saved: nothing, keyword arguments (a
    dict), or a `ScalarOp`'s number as the last argument. (The engine spells this out inline.)"""
    if saved is _NO_SAVED:
        return partial(xp, g, y, *inputs)
    if type(saved) is dict:
        return partial(xp, g, y, *inputs, **saved)
    return partial(xp, g, y, *inputs, saved)


class VariadicOp(Op):
    """An op with any number of inputs whose partials differ only by the input's position.

    `partial(xp, g, y, *inputs, index=i, **saved)` serves every input ``i``.
    """

    __slots__ = ()

    def __init__(self, name: str, partial: Partial) -> None:
        super().__init__(name)
        self.partials = _IndexedPartials(partial)


class _IndexedPartials:
    __slots__ = ("_partial",)

    def __init__(self, partial: Partial) -> None:
        self._partial = partial

    def __getitem__(self, index: int) -> Partial:
        return functools.partial(self._partial, index=index)


# What `record` stores on a result, in the Tensor itself (one object per op for the cycle
# collector to track, which deep graphs feel): `_op`; the parent tensors, in slots `_parent0`
# and `_parent1` (most ops have one or two inputs) or, for ops with more, all of them as the
# tuple `_more_parents` (`Tensor._parents` gives them as a tuple in every case); non-tensor
# data the partials need, `_saved` (keyword arguments such as an axis or a mask, or a
# ScalarOp's number: see `apply_partial`); `_stamp`, the clock's tick when
# the op ran; and, only while a scope or anomaly detection is open, `_scope` and `_trace`.
# A backward pass without retain_graph releases every node it went through (the engine drops
# its parents and saved data): `_parent0 is None` on a tensor with an `_op` then marks the
# graph as freed.


def is_freed(tensor: Tensor) -> bool:
    """True for a tensor made by an op whose graph a backward pass has freed."""
    return tensor._op is not None and tensor._parent0 is None


def record(
    data: np.ndarray, op: Op, a: Tensor, b: Tensor | None = None, saved: Any = _NO_SAVED
) -> Tensor:
    """Wrap `data`, the NumPy result of `op` on input `a` (and `b` for a binary op), in a
    Tensor, recording the op when it is needed: grad mode is on and some input requires grad.
    Otherwise the result is a plain constant. `saved` holds what the partials need besides
    the inputs and output. (`record_many` serves ops with any number of inputs.)
    """
    if grad_mode.extras_active:  # some thread has grad mode off, a scope, anomaly or profiler
        return _record_with_extras(data, op, (a,) if b is None else (a, b), saved)
    if a._requires_grad or (b is not None and b._requires_grad):
        return _make_tensor(data, op, a, b, None, saved)
    return _make_tensor(data)


def record_many(
    data: np.ndarray, op: Op, parents: tuple[Tensor, ...], saved: dict = _NO_SAVED
) -> Tensor:
    """`record` for an op with any number of inputs (concatenate, stack, linear with bias)."""
    if len(parents) <= 2:
        return record(data, op, *parents, saved=saved)
    if grad_mode.extras_active:
        return _record_with_extras(data, op, parents, saved)
    if any(parent._requires_grad for parent in parents):
        return _make_node(data, op, parents, saved)
    return _make_tensor(data)


def _make_node(data: np.ndarray, op: Op, parents: tuple[Tensor, ...], saved: Any) -> Tensor:
    """The recorded result of `op`, its inputs `parents` put in the Tensor's slots."""
    second = parents[1] if len(parents) > 1 else None
    more = parents if len(parents) > 2 else None
    return _make_tensor(data, op, parents[0], second, more, saved)


def _record_with_extras(data: np.ndarray, op: Op, parents: tuple, saved: dict) -> Tensor:
    """`record` when this thread may have grad mode off, a graph scope, anomaly detection or
    a profiler: each is read from the thread's state."""
    anomaly_on = state.anomaly_enabled
    if anomaly_on:
        from autograd_lite import anomaly

        anomaly.check_forward(op, parents, data)
    if state.grad_enabled and any(parent._requires_grad for parent in parents):
        result = _make_node(data, op, parents, saved)
        result._scope = state.scope
        if anomaly_on:
            from autograd_lite import anomaly

            result._trace = anomaly.creation_trace()
    else:
        result = _make_tensor(data)
    if state.profiler is not None:
        state.profiler.on_forward(op, result)
    return result


# Set by autograd_lite.tensor at import time (avoids an import cycle on the hot path).
_make_tensor: Callable[..., Tensor]
Tensor_: type


def is_tensor(value: Any) -> bool:
    """True for autograd_lite Tensors."""
    return isinstance(value, Tensor_)


def set_tensor_class(cls: type, make: Callable[..., Tensor]) -> None:
    global Tensor_, _make_tensor
    Tensor_ = cls
    _make_tensor = make


# ---------------------------------------------------------------------------------------------
# Operand conversion


_ALLOWED_KINDS = "fiub"


def check_dtype(array: np.ndarray, where: str) -> np.ndarray:
    """Reject dtypes the engine cannot differentiate or compute with (complex, object, str)."""
    if array.dtype.kind not in _ALLOWED_KINDS:
        raise TypeError(
            f"{where}: unsupported dtype {array.dtype}; autograd_lite works with real numbers "
            "(float, int or bool arrays)"
        )
    return array


def to_array(value: Any, where: str = "Tensor") -> np.ndarray:
    """Convert user data to an ndarray: ndarrays keep their dtype (no copy), Python numbers
    become float64, bool stays bool; strings, None, objects and complex numbers are refused."""
    if isinstance(value, np.ndarray):
        return check_dtype(value, where)
    if isinstance(value, Tensor_):
        return value.data
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(
            f"{where}: expected numbers, a list of numbers or an ndarray, got {value!r}"
        )
    if isinstance(value, np.generic):
        return check_dtype(np.asarray(value), where)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"{where}: cannot convert {type(value).__name__} to an array: {error}"
        ) from None
    check_dtype(array, where)
    if array.dtype.kind in "iu":
        array = array.astype(np.float64)
    return array


def as_tensor(value: Any, where: str) -> Tensor:
    """Return `value` if it is a Tensor, else a constant Tensor made from it."""
    if isinstance(value, Tensor_):
        return value
    return _make_tensor(to_array(value, where))


def _constant_for(value: Any, other: Tensor, where: str) -> Tensor:
    """A constant operand for a binary op with Tensor `other`.

    Python scalars are "weak" like in NumPy 2: float32 * 2.0 stays float32, so a scalar takes
    the other operand's float dtype rather than float64.
    """
    if type(value) is float or type(value) is int:  # not bool, not NumPy scalars (strong)
        dtype = other.data.dtype
        if dtype.kind != "f":
            dtype = np.result_type(other.data, value)
        return _make_tensor(np.asarray(value, dtype=dtype))
    return as_tensor(value, where)


def operands(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors (at least one of them already is one)."""
    if not isinstance(a, Tensor_):
        if not isinstance(b, Tensor_):
            b = as_tensor(b, name)
        a = _constant_for(a, b, name)
    elif not isinstance(b, Tensor_):
        b = _constant_for(b, a, name)
    return a, b


# 0-d data is computed on as a NumPy scalar (``array[()]``; the result goes back into a 0-d
# array in the Tensor). NumPy's scalar arithmetic gives the same results as its 0-d array
# arithmetic and is several times faster (about 0.1 µs against 1 µs for a multiply), which
# graphs of scalars feel on every op. The lines marked "0-d as NumPy scalars" do this.


def binary(fn: Callable, a: Any, b: Any, name: str) -> tuple[Tensor, Tensor, np.ndarray]:
    """Convert the operands of a broadcasting binary op and compute ``fn(a, b)`` in NumPy,
    turning NumPy's shape and dtype complaints into errors that name the op and both shapes."""
    if type(a) is not Tensor_ or type(b) is not Tensor_:  # fast path: two Tensors
        a, b = operands(a, b, name)
    x, y = a.data, b.data
    if not x.shape and not y.shape:
        x, y = x[()], y[()]  # 0-d as NumPy scalars
    try:
        return a, b, fn(x, y)
    except (ValueError, TypeError) as error:
        raise _binary_error(error, a, b, name) from None


def _binary_error(error: Exception, a: Tensor, b: Tensor, name: str) -> Exception:
    """NumPy's complaint about ``fn(a, b)`` as an error naming the op and both shapes/dtypes."""
    if isinstance(error, ValueError):
        return ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together")
    return TypeError(f"{name}: unsupported dtypes {a.dtype} and {b.dtype} ({error})")


_PYTHON_NUMBERS = (float, int)


def arithmetic(fn: Callable, a: Any, b: Any, op: Op, scalar_op: ScalarOp, reflected: ScalarOp):
    """``fn(a, b)`` recorded as the broadcasting binary `op`, or, when one side is a Python
    number, as the one-input `scalar_op` (number on the right) or `reflected` (on the left)
    with the number kept as the node's saved data."""
    if type(a) is Tensor_ and type(b) is Tensor_:
        # The common case: `binary`'s computation spelt out, because calling it here made
        # tensor * tensor about 0.3-0.5 µs slower per op (measured against this version).
        x, y = a.data, b.data
        if not x.shape and not y.shape:
            x, y = x[()], y[()]  # 0-d as NumPy scalars
        try:
            data = fn(x, y)
        except (ValueError, TypeError) as error:
            raise _binary_error(error, a, b, op.name) from None
        return record(data, op, a, b)
    if type(b) in _PYTHON_NUMBERS:  # exact types: not bool, not NumPy scalars (strong)
        if type(a) is Tensor_:
            return _scalar_op(fn, a, b, scalar_op)
    elif type(a) in _PYTHON_NUMBERS and type(b) is Tensor_:
        return _scalar_op(fn, b, a, reflected)
    a, b, data = binary(fn, a, b, op.name)
    return record(data, op, a, b)


def _scalar_op(fn: Callable, tensor: Tensor, scalar: Any, op: ScalarOp):
    """`fn(tensor, scalar)` (or `fn(scalar, tensor)` for a reflected op), recorded."""
    x = tensor.data
    if not x.shape:
        x = x[()]  # 0-d as NumPy scalars
    try:
        data = fn(scalar, x) if op.scalar_first else fn(x, scalar)
    except TypeError as error:
        raise TypeError(f"{op.name}: unsupported dtype {tensor.dtype} ({error})") from None
    return record(data, op, tensor, saved=scalar)


def normalize_axis(axis: Any, ndim: int, name: str, shape: tuple) -> tuple[int, ...] | None:
    """Turn an axis argument (None, int, or tuple of ints, negatives allowed) into a sorted
    tuple of non-negative axes, or None for "all axes"; bad axes raise ValueError naming the op."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    normalized = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= ax < ndim:
            raise ValueError(
                f"{name}: axis {ax} is out of bounds for a tensor of shape {shape} ({ndim}-D)"
            )
        normalized.append(int(ax) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(normalized))


def keepdims_shape(shape: tuple, axes: tuple[int, ...] | None) -> tuple:
    """The shape a reduction over `axes` has with keepdims=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Undo NumPy broadcasting: sum `grad` over the axes that broadcasting added or stretched
    so that it has `shape`. The one place broadcasting is undone; works on ndarrays and Tensors.

    d(a + b)/da for a of shape (4,) broadcast against (3, 4) is the (3, 4) gradient summed over
    axis 0, because each a[j] contributed to three outputs.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


# ---------------------------------------------------------------------------------------------
# The two namespaces partial derivatives are written against


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor_) else x


class NumpyMath:
    """`xp` for an ordinary backward pass: plain NumPy, nothing recorded."""

    where = staticmethod(np.where)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    maximum = staticmethod(np.maximum)
    raw = staticmethod(_raw)

    @staticmethod
    def broadcast_to(array: Any, shape: tuple) -> np.ndarray:
        """`array` repeated to `shape` as a fresh array: filling one costs a fraction of
        np.broadcast_to's checks, and the engine may then sum into it in place."""
        out = np.empty(shape, dtype=np.result_type(array))
        out[...] = array
        return out

    @staticmethod
    def constant(array: np.ndarray) -> np.ndarray:
        """A value that carries no gradient (a mask, a sign, tie weights)."""
        return array

    @staticmethod
    def saved(array: np.ndarray, recompute: Callable[[], Any]) -> np.ndarray:
        """A forward intermediate the op kept: used as it is when nothing is recorded."""
        return array

    @staticmethod
    def scatter_add(values: np.ndarray, shape: tuple, index: Any) -> np.ndarray:
        """zeros(shape) with `values` added at `index` (repeated indices add up)."""
        out = np.zeros(shape, dtype=values.dtype)
        if is_basic_index(index):
            out[index] = values
        else:
            np.add.at(out, index, values)
        return out


def is_basic_index(index: Any) -> bool:
    """True for indices made only of ints, slices, None and Ellipsis (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))
        for item in items
    ) and not any(isinstance(item, bool) for item in items)


numpy_math = NumpyMath
