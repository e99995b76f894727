"""Comparisons and logic: boolean results, no gradient (like NumPy's, they record nothing).

``x > 0`` is `greater(x, 0)`: a bool Tensor that can mask (`where`, indexing) but not be
differentiated. Shapes broadcast as in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _comparison(
    name: str, ufunc: np.ufunc, symbol: str, meaning: str, reflected: str | None = None
) -> Callable[[Any, Any], Tensor]:
    """Declare the comparison `name` (``a <symbol> b`` on Tensors): one op of the table."""

    def compare(a: Any, b: Any) -> Tensor:
        return _compare(ufunc, a, b, f"{name} ({symbol})")

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"{meaning} elementwise, with broadcasting (bool; no gradient)."
    return register(
        compare,
        kind="logic",
        operators=(_DUNDERS[symbol],),
        reflected=(reflected,) if reflected else (),
        numpy=ufunc,
        differentiable=False,
        dtypes="any",
    )


_DUNDERS = {
    "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__", "==": "__eq__",
    "!=": "__ne__", "&": "__and__", "|": "__or__",
}  # fmt: skip

less = _comparison("less", np.less, "<", "a < b")
less_equal = _comparison("less_equal", np.less_equal, "<=", "a ≤ b")
greater = _comparison("greater", np.greater, ">", "a > b")
greater_equal = _comparison("greater_equal", np.greater_equal, ">=", "a ≥ b")
equal = _comparison("equal", np.equal, "==", "a = b")
not_equal = _comparison("not_equal", np.not_equal, "!=", "a ≠ b")
logical_and = _comparison(
    "logical_and", np.logical_and, "&", "a ∧ b (nonzero counts as true)", "__rand__"
)
logical_or = _comparison(
    "logical_or", np.logical_or, "|", "a ∨ b (nonzero counts as true)", "__ror__"
)


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
