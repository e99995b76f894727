"""Comparisons and logic: boolean results, no gradient (like NumPy's, they record nothing).

``x > 0`` is `greater(x, 0)`: a bool Tensor that can mask (`where`, indexing) but not be
differentiated. Shapes broadcast as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.ops.table import register
from autograd_lite.storage import Tensor, make, to_array


def _compare(fn: Any, a: Any, b: Any, name: str) -> Tensor:
    """``fn(a, b)`` on the operands' values as a constant bool Tensor; NumPy's complaints become
    errors naming the op and both shapes."""
    x = a._data if isinstance(a, Tensor) else to_array(a, name)
    y = b._data if isinstance(b, Tensor) else b
    try:
        result = make(np.asarray(fn(x, y)))
        if storage.trace_hooks:  # autograd_lite.compile replays the comparison
            operands = (a if isinstance(a, Tensor) else x, b)
            storage.trace_event(
                "computed", result, name, lambda x, y: np.asarray(fn(x, y)), operands
            )
        return result
    except ValueError:
        raise ValueError(
            f"{name}: shapes {np.shape(x)} and {np.shape(y)} cannot be broadcast together"
        ) from None
    except TypeError:
        raise TypeError(
            f"{name}: cannot compare a tensor of dtype {x.dtype} with {type(b).__name__} {b!r}"
        ) from None


@register(kind="logic", operators=("__lt__",), numpy=np.less, differentiable=False, dtypes="any")
def less(a: Any, b: Any) -> Tensor:
    """a < b elementwise (bool)."""
    return _compare(np.less, a, b, "less (<)")


@register(
    kind="logic", operators=("__le__",), numpy=np.less_equal, differentiable=False, dtypes="any"
)
def less_equal(a: Any, b: Any) -> Tensor:
    """a ≤ b elementwise (bool)."""
    return _compare(np.less_equal, a, b, "less_equal (<=)")


@register(kind="logic", operators=("__gt__",), numpy=np.greater, differentiable=False, dtypes="any")
def greater(a: Any, b: Any) -> Tensor:
    """a > b elementwise (bool)."""
    return _compare(np.greater, a, b, "greater (>)")


@register(
    kind="logic", operators=("__ge__",), numpy=np.greater_equal, differentiable=False, dtypes="any"
)
def greater_equal(a: Any, b: Any) -> Tensor:
    """a ≥ b elementwise (bool)."""
    return _compare(np.greater_equal, a, b, "greater_equal (>=)")


@register(kind="logic", operators=("__eq__",), numpy=np.equal, differentiable=False, dtypes="any")
def equal(a: Any, b: Any) -> Tensor:
    """a = b elementwise (bool)."""
    return _compare(np.equal, a, b, "equal (==)")


@register(
    kind="logic", operators=("__ne__",), numpy=np.not_equal, differentiable=False, dtypes="any"
)
def not_equal(a: Any, b: Any) -> Tensor:
    """a ≠ b elementwise (bool)."""
    return _compare(np.not_equal, a, b, "not_equal (!=)")


@register(
    kind="logic",
    operators=("__and__",),
    reflected=("__rand__",),
    numpy=np.logical_and,
    differentiable=False,
    dtypes="any",
)
def logical_and(a: Any, b: Any) -> Tensor:
    """a ∧ b elementwise (bool; nonzero numbers count as true)."""
    return _compare(np.logical_and, a, b, "logical_and (&)")


@register(
    kind="logic",
    operators=("__or__",),
    reflected=("__ror__",),
    numpy=np.logical_or,
    differentiable=False,
    dtypes="any",
)
def logical_or(a: Any, b: Any) -> Tensor:
    """a ∨ b elementwise (bool; nonzero numbers count as true)."""
    return _compare(np.logical_or, a, b, "logical_or (|)")


@register(
    kind="logic",
    operators=("__invert__",),
    numpy=np.logical_not,
    differentiable=False,
    dtypes="any",
)
def logical_not(a: Any) -> Tensor:
    """¬a elementwise (bool; ``~x`` on a tensor)."""
    x = a._data if isinstance(a, Tensor) else to_array(a, "logical_not")
    result = make(np.logical_not(x))
    if storage.trace_hooks:  # autograd_lite.compile replays it
        operand = a if isinstance(a, Tensor) else x
        storage.trace_event("computed", result, "logical_not", np.logical_not, (operand,))
    return result
