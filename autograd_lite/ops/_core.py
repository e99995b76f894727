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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import grad_mode, storage
from autograd_lite.grad_mode import state
from autograd_lite.storage import (
    HANDED_OUT_UNUSED,
    NO_SAVED,
    Origin,
    Tensor,
    as_tensor,
    constant_for,
    guard_input,
    is_tensor,
    make,
    memory_of,
    operands,
    recorded_inputs,
    to_array,
)

__all__ = [
    "NO_SAVED",
    "NumpyMath",
    "Op",
    "ScalarOp",
    "VariadicOp",
    "apply_partial",
    "arithmetic",
    "as_tensor",
    "binary",
    "constant_for",
    "is_tensor",
    "keepdims_shape",
    "normalize_axis",
    "operands",
    "operands_of",
    "record",
    "record_many",
    "to_array",
    "unbroadcast",
]

Partial = Callable[..., Any]


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
    tensors, and the Python number of a `ScalarOp` on its side; also once backward has freed
    the node, from its record. Empty for a leaf or a node beyond the record."""
    inputs = recorded_inputs(tensor)
    if inputs is None:
        return []
    operands: list[Any] = list(inputs)
    op = tensor._op
    if isinstance(op, ScalarOp):
        operands.insert(0 if op.scalar_first else len(operands), tensor._saved)
    return operands


def apply_partial(partial: Partial, xp: Any, g: Any, y: Any, inputs: Sequence, saved: Any) -> Any:
    """Call a partial derivative with what its node saved: nothing, keyword arguments (a
    dict), or a `ScalarOp`'s number as the last argument. (The engine spells this out inline.)"""
    if saved is NO_SAVED:
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


# What `record` stores on a result is described in `autograd_lite.storage`: the op, its inputs
# in slots, `_saved` (keyword arguments such as an axis or a mask, or a ScalarOp's number: see
# `apply_partial`) and the clock's `_stamp`.


def is_freed(tensor: Tensor) -> bool:
    """True for a tensor made by an op whose graph a backward pass has freed."""
    return tensor._op is not None and tensor._parent0 is None


def record(
    data: np.ndarray, op: Op, a: Tensor, b: Tensor | None = None, saved: Any = NO_SAVED
) -> Tensor:
    """Wrap `data`, the NumPy result of `op` on input `a` (and `b` for a binary op), in a
    Tensor, recording the op when it is needed: grad mode is on and some input requires grad.
    Otherwise the result is a plain constant. `saved` holds what the partials need besides
    the inputs and output. (`record_many` serves ops with any number of inputs.)
    """
    if grad_mode.extras_active:  # some thread has grad mode off, a scope, anomaly or profiler
        return _record_with_extras(data, op, (a,) if b is None else (a, b), saved)
    if a._requires_grad or (b is not None and b._requires_grad):
        # The memory guard (autograd_lite.storage): inputs with a Memory record are counted
        # and checked.
        if a._memory is not None or (b is not None and b._memory is not None):
            return _make_node(data, op, (a,) if b is None else (a, b), saved)
        return make(data, op, a, b, None, saved)
    return make(data)


def record_many(
    data: np.ndarray, op: Op, parents: tuple[Tensor, ...], saved: Any = NO_SAVED
) -> Tensor:
    """`record` for an op with any number of inputs (concatenate, stack, linear with bias)."""
    if len(parents) <= 2:
        return record(data, op, *parents, saved=saved)
    if grad_mode.extras_active:
        return _record_with_extras(data, op, parents, saved)
    for parent in parents:  # (a loop costs less than any() over a generator)
        if parent._requires_grad:
            return _make_node(data, op, parents, saved)
    return make(data)


def _make_node(data: np.ndarray, op: Op, parents: tuple[Tensor, ...], saved: Any) -> Tensor:
    """The recorded result of `op`, its inputs `parents` put in the Tensor's slots; inputs whose
    memory was handed out to the user are checked first (the memory guard in
    `autograd_lite.storage`)."""
    guarded = False
    for parent in parents:
        memory = parent._memory
        if memory is None:
            continue
        if memory is HANDED_OUT_UNUSED:
            memory = memory_of(parent)
        memory.users += 1  # counted, so a later hand-out knows whether a live op holds it
        if (memory.handed_out or memory.snapshot is not None) and guard_input(memory):
            guarded = True
    second = parents[1] if len(parents) > 1 else None
    more = parents if len(parents) > 2 else None
    node = make(data, op, parents[0], second, more, saved)
    if guarded:  # make backward check this op (and the older ones) against the snapshots
        storage.last_change = storage.tick()
    return node


def _record_with_extras(data: np.ndarray, op: Op, parents: tuple, saved: Any) -> Tensor:
    """`record` when this thread may have grad mode off, a graph scope, anomaly detection, a
    profiler or a compile tracer: each is read from the thread's state, and the hooks they
    installed are called (`state.anomaly` is the anomaly checker; `state.profiler` the active
    profile; `state.tracer` the tracer of `autograd_lite.compile`)."""
    checker = state.anomaly
    if checker is not None:
        checker.check_forward(op, parents, data)
    if state.grad_enabled and any(parent._requires_grad for parent in parents):
        result = _make_node(data, op, parents, saved)
        trace = checker.creation_trace() if checker is not None else ()
        if trace or state.scope is not None:
            result._origin = Origin(state.scope, trace, ())
    else:
        result = make(data)
    if state.tracer is not None:  # autograd_lite.compile is tracing: it records every op
        state.tracer.on_record(op, parents, data, saved, result)
    if state.profiler is not None:
        state.profiler.on_forward(op, result)
    return result


# ---------------------------------------------------------------------------------------------
# Operands of binary ops


# 0-d data is computed on as a NumPy scalar (``array[()]``; the result goes back into a 0-d
# array in the Tensor). NumPy's scalar arithmetic gives the same results as its 0-d array
# arithmetic and is several times faster (about 0.1 µs against 1 µs for a multiply), which
# graphs of scalars feel on every op. The lines marked "0-d as NumPy scalars" do this.


def binary(fn: Callable, a: Any, b: Any, name: str) -> tuple[Tensor, Tensor, np.ndarray]:
    """Convert the operands of a broadcasting binary op and compute ``fn(a, b)`` in NumPy,
    turning NumPy's shape and dtype complaints into errors that name the op and both shapes."""
    if type(a) is not Tensor or type(b) is not Tensor:  # fast path: two Tensors
        a, b = operands(a, b, name)
    x, y = a._data, b._data
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
    if type(a) is Tensor and type(b) is Tensor:
        # The common case: `binary`'s computation spelt out, because calling it here made
        # tensor * tensor about 0.3-0.5 µs slower per op (measured against this version).
        x, y = a._data, b._data
        if not x.shape and not y.shape:
            x, y = x[()], y[()]  # 0-d as NumPy scalars
        try:
            data = fn(x, y)
        except (ValueError, TypeError) as error:
            raise _binary_error(error, a, b, op.name) from None
        return record(data, op, a, b)
    if type(b) in _PYTHON_NUMBERS:  # exact types: not bool, not NumPy scalars (strong)
        if type(a) is Tensor:
            return _scalar_op(fn, a, b, scalar_op)
    elif type(a) in _PYTHON_NUMBERS and type(b) is Tensor:
        return _scalar_op(fn, b, a, reflected)
    a, b, data = binary(fn, a, b, op.name)
    return record(data, op, a, b)


def _scalar_op(fn: Callable, tensor: Tensor, scalar: Any, op: ScalarOp):
    """`fn(tensor, scalar)` (or `fn(scalar, tensor)` for a reflected op), recorded."""
    x = tensor._data
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
    return x._data if isinstance(x, Tensor) else x


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
