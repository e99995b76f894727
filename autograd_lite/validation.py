"""Argument checks shared by the engine and nn: one place that says what "a real number" means.

Every check names the function (`where`) and the argument (`name`) and shows what it got:

    >>> real_number(float("nan"), "lr", "SGD")
    Traceback (most recent call last):
    ValueError: SGD: lr must be a finite real number, got nan

A bool is never a number here (``True`` as a learning rate is a bug, not 1.0), complex numbers
are refused (their imaginary part would be dropped silently), and NumPy scalars count like
Python ones. A value of the wrong type raises `ArgumentTypeError`, which is a TypeError and
also a ValueError: nn raised ValueError for every bad argument before these checks existed, so
code that catches ValueError keeps working (NumPy's AxisError is a ValueError and an IndexError
for the same reason).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

import numpy as np

__all__ = [
    "ArgumentTypeError",
    "boolean",
    "choice",
    "integer",
    "is_integer",
    "is_real_number",
    "real_array",
    "real_number",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a TypeError that is also a ValueError, see above)."""


def is_real_number(value: Any) -> bool:
    """True for int, float and NumPy integer/floating scalars; False for bool and complex."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_integer(value: Any) -> bool:
    """True for int and NumPy integer scalars; False for bool (and for floats such as 3.0)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _interval(minimum: float | None, maximum: float | None, open_min: bool, open_max: bool) -> str:
    low = "(" if open_min or minimum is None else "["
    high = ")" if open_max or maximum is None else "]"
    lo = "-inf" if minimum is None else f"{minimum:g}"
    hi = "inf" if maximum is None else f"{maximum:g}"
    return f"{low}{lo}, {hi}{high}"


def real_number(
    value: Any,
    name: str,
    where: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_min: bool = False,
    open_max: bool = False,
    finite: bool = True,
) -> float:
    """`value` as a float after checking that it is a real number (not a bool, not complex),
    finite unless ``finite=False`` (NaN is refused either way), and within
    [minimum, maximum] (``open_min``/``open_max`` exclude the bound)."""
    if not is_real_number(value):
        raise ArgumentTypeError(f"{where}: {name} must be a real number, got {value!r}")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{where}: {name} must be a finite real number, got {value!r}")
    below = minimum is not None and (number <= minimum if open_min else number < minimum)
    above = maximum is not None and (number >= maximum if open_max else number > maximum)
    if below or above:
        interval = _interval(minimum, maximum, open_min, open_max)
        raise ValueError(f"{where}: {name} must lie in {interval}, got {value!r}")
    return number


def integer(
    value: Any, name: str, where: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """`value` as an int after checking that it is an integer (Python or NumPy, not a bool, not
    a float such as 3.0) within [minimum, maximum]."""
    if not is_integer(value):
        raise ArgumentTypeError(f"{where}: {name} must be an integer, got {value!r}")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        interval = _interval(minimum, maximum, False, False)
        raise ValueError(f"{where}: {name} must lie in {interval}, got {value!r}")
    return number


def boolean(value: Any, name: str, where: str) -> bool:
    """`value` if it is a bool (Python or NumPy), else a TypeError: ``keepdims="no"`` is a bug."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


def choice(value: Any, choices: Collection[Any], name: str, where: str) -> Any:
    """`value` if it is one of `choices`, else a ValueError listing them."""
    try:
        ok = value in choices
    except TypeError:  # an unhashable value looked up in a set
        ok = False
    if not ok:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where}: {name} must be one of {options}, got {value!r}")
    return value


def real_array(value: Any, name: str, where: str, *, finite: bool = False) -> np.ndarray:
    """`value` as an ndarray (no copy when it already is one) after checking that it holds real
    numbers (bool, int, unsigned or float; not complex, strings, objects or None) and, with
    ``finite=True``, no NaN or inf: the error then names the first bad row (index along the
    first axis) and its value."""
    if value is None:
        raise ArgumentTypeError(f"{where}: {name} must be an array of real numbers, got None")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists, objects without __array__
        raise ArgumentTypeError(
            f"{where}: {name} must be an array of real numbers, got {type(value).__name__} "
            f"that NumPy cannot convert ({error})"
        ) from None
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(
            f"{where}: {name} must be an array of real numbers, got dtype {array.dtype}"
        )
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        index = np.unravel_index(np.argmax(~np.isfinite(array)), array.shape)
        where_bad = f"row {index[0]}" if array.ndim else "its only value"
        raise ValueError(
            f"{where}: {name} holds NaN or inf values, the first in {where_bad} "
            f"(value {array[index].item()!r}); clean the data before training"
        )
    return array
