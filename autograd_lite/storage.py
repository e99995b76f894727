"""The bottom of the house: the `Tensor` class with its storage and graph-node slots, the clock
that orders what happens to tensors, and the conversion of user data into operands.

Nothing here computes: the ops (`autograd_lite.ops`) import this module to wrap their results,
the engine imports it to walk the graph, and `autograd_lite.methods` attaches the operators
and methods (generated from the op table). Imports flow one way: storage → ops → engine →
methods → tools.

A tensor is its own graph node. A recorded result keeps the op that made it, its inputs and
what the op's partial derivatives need, in the slots below, so one op costs one Python object:

    _op             the `Op` (None for a leaf)
    _parent0/1      the first two inputs (most ops have one or two)
    _more_parents   all inputs as a tuple, for ops with three or more
    _saved          non-tensor data the partials need (keyword arguments, or a ScalarOp's number)
    _stamp          the clock's tick when the op ran (0 for a leaf)
    _origin         the `graph_scope` the op ran in, where it was created, and the nn module
                    calls this tensor is the output of (an `Origin`; None when none of these
                    was asked for)

A backward pass without retain_graph frees every node it went through: `_parent0 is None` on a
tensor with an `_op` marks the graph behind it as freed, and its saved data is dropped. Within
the record backward keeps (`autograd_lite.record`), a freed node keeps its
inputs: the first in `_more_parents` and the second in `_parent1` for an op with one or two
inputs, all of them in `_more_parents` for more (`recorded_inputs` reads both forms); beyond
it, all three slots are None. An intermediate only the graph holds has its array replaced by a
`ReleasedArray`.
"""

from __future__ import annotations

import itertools
import math
import numbers
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

# ---------------------------------------------------------------------------------------------
# The clock
#
# One clock orders what happens to tensors: a recorded result takes the next tick when its op
# runs (`_stamp`), and a change of a tensor's values takes one as well (its memory's
# `written_at`, see the memory guard below).
# - An op's inputs exist before it runs, so decreasing stamps are a reverse topological order:
#   the engine processes nodes in that order (as PyTorch's engine orders by sequence number).
# - An input whose memory was written later than the op's `_stamp` was changed after the op
#   used it, which would silently give a wrong gradient, so backward refuses it (the idea behind
#   PyTorch's version counters, with one global clock).

tick: Callable[[], int] = itertools.count(1).__next__
last_change = 0  # the tick of the latest in-place change anywhere (0: none yet)


def next_change() -> int:
    """Take a tick for an in-place change and remember it as the latest change."""
    global last_change
    last_change = tick()
    return last_change


# ---------------------------------------------------------------------------------------------
# Trace hooks
#
# While some thread traces a function for `autograd_lite.compile`, `trace_hooks` holds the
# tracer's callback, and the few places where a tensor's value could leave the recorded
# computation report it: a value read into Python (`item()`, `float()`, `.data`, ...), an
# in-place write, a tensor created from another one (`Tensor(t)`, `detach()`), a leaf that
# requires grad made inside the function. Each place costs one check of an empty list
# otherwise. (The callback ignores events from threads that are not tracing.)

trace_hooks: list[Callable[..., None]] = []


def trace_event(kind: str, *detail: Any) -> None:
    """Report `kind` (with `detail`) to the tracers (see above)."""
    for hook in trace_hooks:
        hook(kind, *detail)


def mark_changed(tensor: Tensor) -> None:
    """Date a change of what `tensor` holds (`x.data = new_array`): ops recorded before it that
    used the tensor will refuse to run backward. The new array is a memory of its own, whose
    history starts with that change."""
    if trace_hooks:
        trace_event("write", tensor)
    memory = tensor._memory = Memory(tensor._data, assume_used=False)
    memory.written_at = next_change()
    memory.change = "data"


# ---------------------------------------------------------------------------------------------
# The memory guard
#
# A graph keeps its inputs' arrays to compute gradients later, so a write into one of those
# arrays between forward and backward would silently give gradients for values that no longer
# exist. Every write is made either dated or seen, per block of memory: tensors that share one
# (a tensor and its views made by view ops — a transpose, a slice, a reshape — or by detach())
# share one `Memory` record in their `_memory` slot. Most tensors never need one (None).
#
# - Writes through autograd_lite (x[i] = v, in-place operators, out=, optimiser steps, writes
#   into a view or a detached copy) set the memory's `written_at`. Backward refuses an op
#   recorded before a write into the memory of its inputs or output.
# - An array handed to the user (`.data`, `.numpy()`) can be written by NumPy behind our back.
#   If ops not yet freed hold that memory, the memory keeps a snapshot, compared when an op
#   records it (a difference is dated as a write, before the op) and at backward (a difference
#   makes backward raise). An op recording a handed-out memory while the user still holds the
#   array takes a snapshot too. When nobody outside autograd_lite refers to the array any more
#   (reference count), the hand-out is over.
# - To know whether ops not yet freed hold a memory, a `Memory` counts the recorded ops using
#   it (`users`), decremented when backward frees them. Only tensors that have a `Memory` pay
#   for this; a memory handed out for the first time is assumed held (one snapshot, a copy).
#
# Costs for the ordinary op: a slot read per input when it records, and per input when backward
# frees it. (`np.asarray(t)` hands out a read-only view: nothing to guard.)


class Memory:
    """What the guard knows about one block of memory shared by some tensors."""

    __slots__ = (
        "array",
        "change",
        "created_at",
        "handed_out",
        "snapshot",
        "users",
        "written_at",
    )

    def __init__(self, array: np.ndarray, assume_used: bool) -> None:
        self.array = array  # the array owning the memory
        self.created_at = tick()  # ops recorded before this were not counted in `users`
        self.users = 0
        self.written_at = 0
        self.change = "written"  # how the latest write came: see `changed_after`
        self.handed_out = False
        self.snapshot: np.ndarray | None = None
        if assume_used:  # earlier ops may hold it: keep what they used
            self.snapshot = array.copy()

    def in_use(self, tensor: Tensor) -> bool:
        """Whether ops not yet freed may hold this memory (counted users, or the node of a
        result that is not freed: its own partial may use its output)."""
        return self.users > 0 or (tensor._op is not None and tensor._parent0 is not None)


# In `_memory`: handed out while no op could hold it (`w.grad.data`), not yet recorded. A real
# Memory is made when an op records it or it is written.
HANDED_OUT_UNUSED = Memory(np.empty(0), assume_used=False)  # a marker, shared, never counted
HANDED_OUT_UNUSED.handed_out = True
HANDED_OUT_UNUSED.created_at = sys.maxsize  # no op is ever counted (or released) on it


def memory_of(tensor: Tensor, assume_used: bool = False) -> Memory:
    """The tensor's `Memory`, made on first need."""
    memory = tensor._memory
    if memory is None:
        memory = tensor._memory = Memory(tensor._data, assume_used)
    elif memory is HANDED_OUT_UNUSED:
        memory = tensor._memory = Memory(tensor._data, False)
        memory.handed_out = True
    return memory


def link_view(result: Tensor, source: Tensor) -> Tensor:
    """Record that `result` (made by a view op or detach) shares `source`'s memory when NumPy
    gave a view; returns `result`."""
    if result._data.base is not None and result is not source:
        result._memory = memory_of(source, assume_used=True)
    return result


def mark_written(tensor: Tensor, through_hand_out: bool = False) -> None:
    """Date a write into `tensor`'s memory (through autograd_lite, or `through_hand_out`: seen
    in an array handed out by `.data`): ops recorded before it that used this memory refuse
    backward. A snapshot of it is refreshed."""
    memory = memory_of(tensor)
    memory.written_at = next_change()
    memory.change = "exposed" if through_hand_out else "written"
    if memory.snapshot is not None:
        np.copyto(memory.snapshot, memory.array)


def write_values(tensor: Tensor, values: Any, fresh: bool = False) -> None:
    """Write `values` into `tensor`'s array in place, recording nothing, and date the write:
    the sanctioned way to change parameters (optimisers, loading weights) — views of the
    array see the change, and a graph recorded before it refuses backward.

    `fresh` says that `values` is a new array nobody else holds (what the built-in optimiser
    rules return). When nothing else holds the tensor's array either (no view, no user, no
    saved copy: its reference count says so), the tensor takes `values` as its array instead
    of copying them: nobody can tell the difference, and a large parameter's update makes one
    pass over its memory fewer."""
    if trace_hooks:
        trace_event("write", tensor)
    target = tensor._data
    memory = tensor._memory
    if (
        fresh
        and type(values) is np.ndarray
        and values.base is None
        and values.dtype == target.dtype
        and values.shape == target.shape
        and values.strides == target.strides  # the same layout: later results stay bit for bit
        and target.base is None
        and target.flags.writeable
        # References: the tensor's slot and `target` (as measured at import), the Memory's own.
        and sys.getrefcount(target)
        == _WRITE_ALONE + (memory is not None and memory.array is target)
    ):
        tensor._data = values
        if memory is not None and memory is not HANDED_OUT_UNUSED:
            memory.array = values
        mark_written(tensor)
    elif target.flags.writeable:
        np.copyto(target, values, casting="same_kind")
        mark_written(tensor)
    else:  # a read-only array (a broadcast view): give the tensor a fresh array instead
        tensor._data = np.array(np.broadcast_to(values, target.shape), dtype=target.dtype)
        mark_changed(tensor)


def expose(tensor: Tensor, references: int) -> np.ndarray:
    """Hand out `tensor`'s array for the user to read or write (`.data`, `.numpy()`): when
    ops not yet freed hold its memory, keep a snapshot, first checking that an earlier one
    still matches (a write through an earlier hand-out is dated now). `references` is what
    the getter counted to `tensor`: at the minimum (``w.grad.data``: only its holder's slot)
    no other op can hold it, so a first hand-out of a leaf or a freed result needs no
    snapshot (a live result's own op may still read its output: ``exp``, ``sigmoid``)."""
    first = tensor._memory is None
    unused = references <= _GETTER_MINIMUM and (tensor._op is None or tensor._parent0 is None)
    if first and unused:
        tensor._memory = HANDED_OUT_UNUSED  # no op holds it: nothing to keep, nothing to date
        return tensor._data
    memory = memory_of(tensor, assume_used=not unused)
    if not first:
        if memory.snapshot is not None:
            if not _unchanged(memory.array, memory.snapshot):
                mark_written(tensor, through_hand_out=True)  # refreshes the snapshot too
        elif memory.in_use(tensor):
            memory.snapshot = memory.array.copy()
    memory.handed_out = True
    global last_change
    last_change = tick()  # ops recorded before now check the snapshot at backward
    return tensor._data


# The reference counts below are measured at import on probes that make exactly the calls
# Tensor's `data` property makes, so the checks hold whatever the Python version's stack does.


def _measured(count: int, *_: Any) -> int:
    return count


def _alias_free_count() -> int:
    """References a `data` setter sees to its value in ``x.data -= v`` when nobody else holds
    the array: as `Tensor.data`'s setter counts them."""

    class Probe:
        __slots__ = ("_data",)

        def __init__(self) -> None:
            self._data = np.zeros(1)

        @property
        def data(self) -> np.ndarray:
            return self._data

        @data.setter
        def data(self, value: np.ndarray) -> None:
            seen.append(_measured(sys.getrefcount(value), self))

    seen: list[int] = []
    probe = Probe()
    probe.data -= 0
    return seen[0]


def _minimum_getter_count() -> int:
    """References a `data` getter sees to its tensor in ``w.grad.data`` when only `w`'s slot
    refers to that tensor: as `Tensor.data`'s getter counts them."""

    class Child:
        __slots__ = ()

        @property
        def data(self) -> int:
            return _record(self, sys.getrefcount(self))

    class Holder:
        __slots__ = ("_child",)

        def __init__(self) -> None:
            self._child = Child()

        @property
        def child(self) -> Child:
            return self._child

    def _record(child: Any, count: int) -> int:
        seen.append(count)
        return 0

    seen: list[int] = []
    holder = Holder()
    _ = holder.child.data
    return seen[0]


def _fresh_value_count() -> int:
    """References a `data` setter sees to a new array nobody else holds (``x.data =
    np.zeros(3)``): as `Tensor.data`'s setter counts them."""

    class Probe:
        __slots__ = ()

        @property
        def data(self) -> None:
            return None

        @data.setter
        def data(self, value: Any) -> None:
            array = to_array(value, "data")
            seen.append(sys.getrefcount(array))

    seen: list[int] = []
    Probe().data = np.zeros(1)
    return seen[0]


def _write_alone_count() -> int:
    """References `write_values` sees to a tensor's array that only the tensor holds (no
    Memory): as its check counts them."""

    class Probe:
        __slots__ = ("_data",)

    def write(tensor: Any) -> int:
        target = tensor._data
        return sys.getrefcount(target)

    probe = Probe()
    probe._data = np.zeros(1)
    return write(probe)


_SETTER_ALIAS_FREE = _alias_free_count()
_GETTER_MINIMUM = _minimum_getter_count()
_WRITE_ALONE = _write_alone_count()


def written_through_alias(references: int, tensor: Tensor) -> None:
    """``x.data -= v`` (and ``+=``, ...): the array was changed in place through the array the
    getter handed out, and is handed back to the setter, which saw `references` to it. Date the
    write; when nobody else holds the array, the hand-out is over."""
    memory = memory_of(tensor)
    if memory.users or memory.snapshot is not None or tensor._op is not None:
        # (with no live op holding the memory, no op needs the date)
        mark_written(tensor, through_hand_out=True)
    # The Memory's own `array` slot is one more reference than the probe had.
    if memory.array is tensor._data and references <= _SETTER_ALIAS_FREE + 1:
        memory.handed_out = False
        if not memory.in_use(tensor):
            memory.snapshot = None


_BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _unchanged(array: np.ndarray, snapshot: np.ndarray) -> bool:
    """True when the memory still holds the snapshot, bit for bit (so NaN equals NaN)."""
    if array.nbytes <= 65536:  # small: one bytes comparison is cheapest
        return array.tobytes() == snapshot.tobytes()
    bits = _BITS.get(array.dtype.itemsize)
    if bits is not None and array.flags.c_contiguous:
        return bool(np.array_equal(array.view(bits), snapshot.view(bits)))
    return bool(np.array_equal(array, snapshot, equal_nan=array.dtype.kind == "f"))


def guard_input(memory: Memory) -> bool:
    """Called as an op records an input with a `Memory` that is handed out or has a snapshot
    (the op is already counted as a user): date any unseen write (before the op's stamp, so
    the op itself is not refused) and, while the array is handed out, keep a snapshot of what
    the op uses. True when backward must compare."""
    if memory.snapshot is not None and not _unchanged(memory.array, memory.snapshot):
        memory.written_at = next_change()
        memory.change = "exposed"
        np.copyto(memory.snapshot, memory.array)
    if not memory.handed_out:
        return memory.snapshot is not None
    # References: `array`, getrefcount's argument, the Memory's slot and the owning tensor's
    # slot. More means someone else (the user, or a view) still holds the array.
    array = memory.array
    if sys.getrefcount(array) <= 4:
        memory.handed_out = False
        return memory.snapshot is not None
    if memory.snapshot is None:
        memory.snapshot = array.copy()
    return True


def changed_after(tensor: Tensor, stamp: int) -> str | None:
    """How `tensor`'s values may have changed since the op stamped `stamp` used them: "data"
    (`.data` replaced), "written" (a write through autograd_lite into its memory), "exposed"
    (its memory differs from the snapshot kept while it was handed out), or None."""
    memory = tensor._memory
    if memory is None or memory is HANDED_OUT_UNUSED:
        return None
    if memory.written_at > stamp:
        return memory.change
    if memory.snapshot is not None and not _unchanged(memory.array, memory.snapshot):
        return "exposed"
    return None


def check_values(tensor: Tensor, check: Callable[[np.ndarray], None]) -> None:
    """Run `check` on `tensor`'s array (it raises on values it refuses, such as targets outside
    [0, 1]); a function that autograd_lite.compile traces runs it again on every replay."""
    check(tensor._data)
    if trace_hooks:
        trace_event("check", tensor, check)


NO_SAVED: dict[str, Any] = {}  # `_saved` of a node whose partials need nothing but the inputs


# ---------------------------------------------------------------------------------------------
# Released values
#
# A backward pass without retain_graph keeps the graph's structure (so that it can still be
# drawn and explained) but not its arrays: an intermediate result that nothing outside the
# graph holds has its array replaced by a `ReleasedArray`, which remembers the shape and dtype
# and refuses every use of the values with an error that says what happened. (Handing out
# zeros instead would be a silent wrong answer.)

RELEASED_MESSAGE = (
    "the values of this intermediate result (shape {shape}, {dtype}) were released by "
    "backward(): the graph keeps only its structure (ops, shapes, dtypes, names). To keep "
    "them, hold a reference to the tensor before calling backward(), or pass "
    "retain_graph=True"
)


class ReleasedArray:
    """Stands in for the array of a tensor whose values backward() released: it answers
    `shape`, `dtype`, `ndim`, `size`, `itemsize` and `nbytes` (the bytes released), and raises
    a RuntimeError on any use of the values (NumPy conversion, arithmetic, indexing, any other
    attribute)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, array: np.ndarray) -> None:
        self.shape: tuple[int, ...] = array.shape
        self.dtype: np.dtype = array.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    def error(self) -> RuntimeError:
        return RuntimeError(RELEASED_MESSAGE.format(shape=self.shape, dtype=self.dtype))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocol probes (NumPy's __array_interface__, copy, ...)
            raise AttributeError(name)
        raise self.error()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error()

    __array__ = __array_ufunc__ = __array_function__ = _refuse
    __getitem__ = __setitem__ = __iter__ = __len__ = __bool__ = __float__ = __int__ = _refuse
    __index__ = __neg__ = __pos__ = __abs__ = __invert__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _refuse
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _refuse
    __iadd__ = __isub__ = __imul__ = __itruediv__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __eq__ = __ne__ = _refuse  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<released: shape {self.shape}, {self.dtype}>"


def recorded_inputs(tensor: Tensor) -> tuple[Tensor, ...] | None:
    """The inputs of the op that made `tensor`, also once backward has freed its node (from
    the record it keeps); None for a leaf and for a node freed beyond the record."""
    first = tensor._parent0
    if first is not None:
        second = tensor._parent1
        if second is None:
            return (first,)
        more = tensor._more_parents
        return (first, second) if more is None else more
    kept = tensor._more_parents
    if kept is None or type(kept) is tuple:
        return kept
    second = tensor._parent1
    return (kept,) if second is None else (kept, second)


def is_released(tensor: Tensor) -> bool:
    """True when backward() released this tensor's values (see `ReleasedArray`)."""
    return type(tensor._data) is ReleasedArray


# ---------------------------------------------------------------------------------------------
# Operand conversion

_REAL_KINDS = "fiub"


def check_dtype(array: np.ndarray, where: str) -> np.ndarray:
    """Refuse dtypes the engine cannot differentiate or compute with (complex, object, str)."""
    if array.dtype.kind not in _REAL_KINDS:
        kind = "complex numbers" if array.dtype.kind == "c" else "dtype"
        kind = (
            f"{kind} ({array.dtype}) are" if array.dtype.kind == "c" else f"dtype {array.dtype} is"
        )
        raise TypeError(
            f"{where}: {kind} not supported; autograd_lite works with real numbers (float, int "
            "or bool arrays)"
        )
    return array


def to_array(value: Any, where: str = "Tensor") -> np.ndarray:
    """Convert user data to an ndarray: ndarrays keep their dtype (no copy), Python numbers
    become float64, bool stays bool; strings, None, objects and complex numbers are refused."""
    if isinstance(value, np.ndarray):
        return check_dtype(value, where)
    if isinstance(value, Tensor):
        return value._data
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(
            f"{where}: expected numbers, a list of numbers or an ndarray, got {value!r}"
        )
    if isinstance(value, np.generic):
        return check_dtype(np.asarray(value), where)
    integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if integer and not -(2**63) <= value < 2**64:
        raise OverflowError(
            f"{where}: the integer {value} does not fit in 64 bits (int64 holds about "
            "±9.2e18); pass it as a float, e.g. float(x)"
        )
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as error:
        raise TypeError(
            f"{where}: cannot convert {type(value).__name__} to an array: {error}"
        ) from None
    check_dtype(array, where)
    if array.dtype.kind in "iu":
        array = array.astype(np.float64)
    return array


_SETTER_FRESH_VALUE = _fresh_value_count()  # (measured here: the probe calls to_array)


def as_tensor(value: Any, where: str) -> Tensor:
    """Return `value` if it is a Tensor, else a constant Tensor made from it."""
    if isinstance(value, Tensor):
        return value
    result = make(to_array(value, where))
    if trace_hooks:
        trace_event("created", result, value, False)
    return result


def constant_for(value: Any, other: Tensor, where: str) -> Tensor:
    """A constant operand for a binary op with Tensor `other`.

    Python scalars are "weak" like in NumPy 2: float32 * 2.0 stays float32, so a scalar takes
    the other operand's float dtype rather than float64.
    """
    if type(value) is float or type(value) is int:  # not bool, not NumPy scalars (strong)
        dtype = other._data.dtype
        if dtype.kind != "f":
            dtype = np.result_type(other._data, value)
        result = make(np.asarray(value, dtype=dtype))
        if trace_hooks:
            trace_event("created", result, value, False)
        return result
    return as_tensor(value, where)


def operands(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors (at least one of them already is one)."""
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = as_tensor(b, name)
        a = constant_for(a, b, name)
    elif not isinstance(b, Tensor):
        b = constant_for(b, a, name)
    return a, b


def is_tensor(value: Any) -> bool:
    """True for autograd_lite Tensors."""
    return isinstance(value, Tensor)


# ---------------------------------------------------------------------------------------------
# The Tensor


class _Size(int):
    """`x.size`: NumPy's element count, an int; called like PyTorch's ``x.size()`` it gives the
    shape, and ``x.size(dim)`` one axis's length."""

    def __new__(cls, size: int, shape: tuple[int, ...]) -> _Size:
        instance = super().__new__(cls, size)
        instance._shape = shape
        return instance

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self._shape
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
            raise TypeError(f"size: dim must be an int, got {dim!r}")
        if not -len(self._shape) <= dim < len(self._shape):
            raise IndexError(f"size: dim {dim} is out of range for shape {self._shape}")
        return self._shape[dim]


class Origin(NamedTuple):
    """Where a tensor came from, kept (in `_origin`) only when something asked for it: the
    `graph_scope` its op ran in, the user's frames that created it (while anomaly detection is
    on), and the nn module calls it is the output of (`autograd_lite.graph.ModuleCall`). One
    slot for the three keeps every tensor smaller: the cycle collector walks every slot of
    every live tensor, about a third of a 100,000-link scalar chain's forward."""

    scope: str | None
    trace: tuple[Any, ...]
    calls: tuple[Any, ...]


class Tensor:
    """An n-dimensional array that records the operations made with it.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad.data
    array([2., 4.])

    `data` is the wrapped ndarray (no copy of an ndarray argument). Python numbers default to
    float64, an ndarray keeps its dtype unless `dtype` is given, and integer/bool data becomes
    float64 when it requires a gradient.
    """

    __slots__ = (
        "__weakref__",
        "_data",
        "_grad",
        "_memory",
        "_more_parents",
        "_name",
        "_op",
        "_origin",
        "_parent0",
        "_parent1",
        "_requires_grad",
        "_retains_grad",
        "_saved",
        "_stamp",
    )
    __hash__ = object.__hash__

    def __init__(
        self, data: Any, requires_grad: bool = False, name: str | None = None, dtype: Any = None
    ) -> None:
        array = to_array(data, "Tensor")
        if dtype is not None:
            array = array.astype(_real_dtype(dtype, "Tensor"), copy=False)
        if requires_grad and array.dtype.kind != "f":
            array = array.astype(np.float64)
        self._data: np.ndarray = array
        self._grad: Tensor | None = None
        # (the defaults need no check: two calls fewer for every tensor made from data)
        self._name = None if name is None else _checked_name(name)
        self._requires_grad = (
            False if requires_grad is False else _checked_flag(requires_grad, "requires_grad")
        )
        self._retains_grad = False
        self._op: Any = None
        self._parent0: Tensor | None = None
        self._parent1: Tensor | None = None
        self._more_parents: tuple[Tensor, ...] | None = None
        self._saved: Any = NO_SAVED
        self._stamp = 0
        self._origin: Origin | None = None
        self._memory: Memory | None = None
        if trace_hooks:
            trace_event("created", self, data, requires_grad)

    # ----------------------------------------------------------------------------- storage

    @property
    def data(self) -> np.ndarray:
        """The wrapped ndarray (no copy), to read or to change without recording anything
        (like PyTorch's ``.data``). Assigning a new array replaces the values; writing into the
        array (``x.data[...] = v``, ``x.data -= lr * g``) changes them in place. Either way a
        graph recorded before the change refuses to run backward (see the memory guard)."""
        if trace_hooks:
            trace_event("read", self, ".data")
        memory = self._memory
        if self._op is None:  # `expose`'s commonest cases, spelt out: a leaf no live op holds
            if memory is None:
                if sys.getrefcount(self) <= _GETTER_MINIMUM:  # ``w.grad.data``
                    self._memory = HANDED_OUT_UNUSED
                    return self._data
            elif not memory.users and memory.snapshot is None:  # nothing to keep: note it
                memory.handed_out = True
                return self._data
        return expose(self, sys.getrefcount(self))

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:  # x.data -= ...: NumPy already wrote into the array
            memory = self._memory
            if (  # `written_through_alias`'s commonest case: a leaf no live op holds
                memory is not None
                and not memory.users
                and memory.snapshot is None
                and self._op is None
                and memory.array is value
                and sys.getrefcount(value) <= _SETTER_ALIAS_FREE + 1
            ):
                memory.handed_out = False  # nobody else holds the array: the hand-out is over
                return
            written_through_alias(sys.getrefcount(value), self)
            return
        array = to_array(value, "data")
        if self._requires_grad and array.dtype.kind != "f":
            raise TypeError(
                f"data: a tensor that requires grad holds floating-point values, got an "
                f"array of dtype {array.dtype}"
            )
        shared = array is value and sys.getrefcount(array) > _SETTER_FRESH_VALUE
        self._data = array
        mark_changed(self)  # another block of memory, whose history starts here
        if shared:  # the caller holds the array too: guarded as one handed out by the getter
            self._memory.handed_out = True

    @property
    def grad(self) -> Tensor | None:
        """dL/d(self) accumulated by backward (None until then); a Tensor of self's shape."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad: can only be set to a Tensor or None, got {type(value).__name__} "
                    "(wrap an array with Tensor(...))"
                )
            if value.shape != self._data.shape:
                raise ValueError(
                    f"grad: a gradient of shape {value.shape} cannot belong to a tensor of "
                    f"shape {self._data.shape}"
                )
            if value._data.dtype.kind != "f":
                raise TypeError(f"grad: gradients are floating point, got dtype {value.dtype}")
        self._grad = value

    @property
    def name(self) -> str | None:
        """A label for pictures, explanations and error messages (nn sets parameter paths)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = _checked_name(value)

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to (leaf) or through (non-leaf) this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = _checked_flag(value, "requires_grad")
        if self._op is not None and not value:
            raise RuntimeError(
                "requires_grad: cannot switch off a tensor that an op produced; use detach()"
            )
        if trace_hooks and value and not self._requires_grad:
            trace_event("requires_grad", self)
        if value and self._data.dtype.kind != "f":
            self._data = self._data.astype(np.float64)
        self._requires_grad = value

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        self.requires_grad = value
        return self

    @property
    def op_name(self) -> str | None:
        """The name of the op that produced this tensor, or None for a leaf."""
        return None if self._op is None else self._op.name

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op produced (inputs, parameters, constants)."""
        return self._op is None

    @property
    def _parents(self) -> tuple[Tensor, ...] | None:
        """The inputs of the op that made this tensor; None for a leaf or a freed graph."""
        first = self._parent0
        if first is None:
            return None
        if self._parent1 is None:
            return (first,)
        return (first, self._parent1) if self._more_parents is None else self._more_parents

    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if trace_hooks:
            trace_event("retain_grad", self)
        self._retains_grad = True
        return self

    def detach(self) -> Tensor:
        """The same data (shared, no copy) with no history and no gradient."""
        detached = make(self._data)
        detached._memory = memory_of(self, assume_used=True)
        if trace_hooks:
            trace_event("created", detached, self, False)
        return detached

    # ----------------------------------------------------------------------------- array-likeness

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> _Size:
        """The number of elements (NumPy); ``x.size()`` gives the shape (PyTorch)."""
        return _Size(self._data.size, self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def numel(self) -> int:
        """The number of elements (PyTorch's name for `size`)."""
        return self._data.size

    def dim(self) -> int:
        """The number of axes (PyTorch's name for `ndim`)."""
        return self._data.ndim

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (no copy; writes into it are seen like `.data`'s)."""
        if trace_hooks:
            trace_event("read", self, "numpy()")
        return expose(self, sys.getrefcount(self))

    def tolist(self) -> Any:
        """The values as (nested lists of) Python numbers."""
        if trace_hooks:
            trace_event("read", self, "tolist()")
        return self._data.tolist()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if trace_hooks:
            trace_event("read", self, "item()")
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element tensors convert to a number, got shape {self.shape}"
            )
        return self._data.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)``: a read-only view of the values (``np.array(t)`` copies; `.data`
        is the writable array)."""
        if trace_hooks:
            trace_event("read", self, "np.asarray()")
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        if copy:
            return self._data.copy()
        view = self._data.view()
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __bool__(self) -> bool:
        if trace_hooks:
            trace_event("read", self, "bool(), as in an if or a comparison")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements (shape "
                f"{self.shape}) is ambiguous; use .any() or .all(), or compare a reduction"
            )
        return bool(self._data)

    def __float__(self) -> float:
        if trace_hooks:
            trace_event("read", self, "float()")
        return float(self.item())

    def __int__(self) -> int:
        if trace_hooks:
            trace_event("read", self, "int()")
        return int(self.item())

    def __index__(self) -> int:
        if trace_hooks:
            trace_event("read", self, "an index")
        if self._data.dtype.kind not in "iub":
            raise TypeError(
                f"only integer tensors of one element can be used as an index, got dtype "
                f"{self.dtype}"
            )
        return int(self.item())

    def __format__(self, spec: str) -> str:
        if trace_hooks:
            trace_event("read", self, "format()")
        if spec and self._data.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __round__(self, ndigits: int | None = None) -> Any:
        if trace_hooks:
            trace_event("read", self, "round()")
        return round(self.item(), ndigits)

    def __repr__(self) -> str:
        if trace_hooks:
            trace_event("read", self, "repr() or print()")
        if type(self._data) is ReleasedArray:
            body = f"<values released by backward(), shape {self.shape}>"
        else:
            body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = []
        if self._data.dtype != np.float64:
            extras.append(f"dtype={self._data.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op.name}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self._name:
            extras.append(f"name={self._name!r}")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"


def make(
    data: np.ndarray,
    op: Any = None,
    parent0: Tensor | None = None,
    parent1: Tensor | None = None,
    more_parents: tuple[Tensor, ...] | None = None,
    saved: Any = NO_SAVED,
) -> Tensor:
    """Build a Tensor around `data` without validation (the ops' fast path): a constant, or
    with `op` and its inputs (see the module docstring) the recorded result of an op."""
    if type(data) is not np.ndarray:  # NumPy scalars (ufuncs on 0-d arrays return them)
        data = np.asarray(data)
    t = object.__new__(Tensor)
    t._data = data
    t._grad = None
    t._name = None
    t._op = op
    t._parent0 = parent0
    t._parent1 = parent1
    t._more_parents = more_parents
    t._saved = saved
    t._stamp = 0 if op is None else tick()
    t._origin = None
    t._memory = None
    t._requires_grad = op is not None
    t._retains_grad = False
    return t


def _checked_name(name: Any) -> str | None:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"Tensor: name must be a string or None, got {name!r}")
    return name


def _checked_flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Tensor: {what} must be True or False, got {value!r}")
    return bool(value)


def _real_dtype(dtype: Any, where: str) -> np.dtype:
    """`dtype` as a NumPy dtype of real numbers, or a TypeError naming `where`."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a NumPy dtype") from None
    check_dtype(np.empty(0, resolved), where)
    return resolved


Tensor.__module__ = "autograd_lite"  # shown and pickled as autograd_lite.Tensor, its public home
