"""Reductions and normalisations over axes: sum, mean, var, max, min, logsumexp, softmax,
log_softmax. `axis` is None (all axes), an int or a tuple of ints, negatives allowed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.ops._core import Op, as_tensor, keepdims_shape, normalize_axis, record
from autograd_lite.ops.table import register

REDUCTION = {"dim": "axis", "keepdim": "keepdims"}  # PyTorch spellings of the keywords


def _as_keepdims(value: Any, input_shape: tuple, axes: tuple | None, keepdims: bool) -> Any:
    """A reduction's output (or its gradient) reshaped so it broadcasts against the input."""
    return value if keepdims else value.reshape(keepdims_shape(input_shape, axes))


def _float_data(a: Any) -> np.ndarray:
    return a._data if a._data.dtype.kind == "f" else a._data.astype(np.float64)


# ----------------------------------------------------------------------------- sum / mean / var

SUM = Op(
    "sum",  # ∂(Σᵢ aᵢ)/∂aⱼ = 1: the gradient is broadcast back over the summed axes
    lambda xp, g, y, a, *, axes, keepdims: xp.broadcast_to(
        _as_keepdims(g, a.shape, axes, keepdims), a.shape
    ),
)


@register(kind="reduction", method=True, keyword_aliases=REDUCTION, numpy=np.sum, dtypes="numeric")
def sum(a: Any, axis: Any = None, keepdims: bool = False):
    """Σ a over `axis` (all axes when None)."""
    a = as_tensor(a, "sum")
    axes = normalize_axis(axis, a.ndim, "sum", a.shape)
    x = a._data
    if x.dtype.kind == "f":  # the ufunc's own reduce: np.sum adds a Python layer (~1 µs)
        data = np.add.reduce(x, axis=axes, keepdims=keepdims)
    else:  # np.sum promotes bools and small ints to a wider integer; bools sum as int64
        data = np.sum(
            x, axis=axes, keepdims=keepdims, dtype=np.int64 if x.dtype.kind == "b" else None
        )
    return record(data, SUM, a, saved={"axes": axes, "keepdims": keepdims})


@register(kind="reduction", method=True, keyword_aliases=REDUCTION, numpy=np.mean)
def mean(a: Any, axis: Any = None, keepdims: bool = False):
    """Arithmetic mean over `axis`: sum(a, axis) / n, n the number of elements reduced
    (nan for an empty reduction, like NumPy)."""
    a = as_tensor(a, "mean")
    axes = normalize_axis(axis, a.ndim, "mean", a.shape)
    count = a.size if axes is None else math.prod(a.shape[i] for i in axes)
    total = sum(a if a.dtype.kind == "f" else a.astype(np.float64), axes, keepdims)
    return total * (1.0 / count if count else math.nan)


@register(
    kind="reduction",
    method=True,
    keyword_aliases={**REDUCTION, "correction": "ddof"},
    numpy=np.var,
)
def var(a: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0):
    """Variance Σ(a − ā)² / (n − ddof) over `axis`; ddof=0 is NumPy's population variance."""
    a = as_tensor(a, "var")
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"var: ddof must be a number, got {ddof!r}")
    axes = normalize_axis(axis, a.ndim, "var", a.shape)
    count = a.size if axes is None else math.prod(a.shape[i] for i in axes)
    centred = a - mean(a, axes, keepdims=True)
    divisor = count - ddof
    return sum(centred * centred, axes, keepdims) * (1.0 / divisor if divisor > 0 else math.nan)


# ----------------------------------------------------------------------------- max / min


def _extremum_partial(xp, g, y, a, *, axes, keepdims):
    # The gradient goes to the elements equal to the extremum, split evenly among ties
    # (PyTorch's rule for max/min over an axis). The tie weights are constants.
    x = xp.raw(a)
    hit = x == _as_keepdims(xp.raw(y), x.shape, axes, keepdims)
    weights = (hit / hit.sum(axis=axes, keepdims=True)).astype(x.dtype, copy=False)
    return _as_keepdims(g, x.shape, axes, keepdims) * xp.constant(weights)


MAX = Op("max", _extremum_partial)
MIN = Op("min", _extremum_partial)


def _extremum(a: Any, axis: Any, keepdims: bool, op: Op, fn: Any):
    a = as_tensor(a, op.name)
    axes = normalize_axis(axis, a.ndim, op.name, a.shape)
    # Like NumPy: an empty batch reduced along a non-empty axis gives an empty result; only
    # taking the extremum of nothing (a reduced axis of length 0) has no answer.
    if (a.size if axes is None else math.prod(a.shape[i] for i in axes)) == 0:
        raise ValueError(
            f"{op.name}: cannot reduce over an empty axis (tensor of shape {a.shape}, axis {axis})"
        )
    data = np.asarray(fn(a._data, axis=axes, keepdims=keepdims))
    return record(data, op, a, saved={"axes": axes, "keepdims": keepdims})


@register(
    kind="reduction",
    method=True,
    aliases=("amax",),
    keyword_aliases=REDUCTION,
    numpy=np.max,
    dtypes="numeric",
)
def max(a: Any, axis: Any = None, keepdims: bool = False):
    """Largest element over `axis`; tied maxima share the gradient evenly."""
    return _extremum(a, axis, keepdims, MAX, np.max)


@register(
    kind="reduction",
    method=True,
    aliases=("amin",),
    keyword_aliases=REDUCTION,
    numpy=np.min,
    dtypes="numeric",
)
def min(a: Any, axis: Any = None, keepdims: bool = False):
    """Smallest element over `axis`; tied minima share the gradient evenly."""
    return _extremum(a, axis, keepdims, MIN, np.min)


# ----------------------------------------------------------------------------- softmax family


def _stable_shift(x: np.ndarray, axes: tuple | None) -> np.ndarray:
    # Subtracting the max before exp keeps exp() ≤ 1: no overflow at 1000. Infinite maxima
    # (all -inf rows) are replaced by 0 so that -inf - -inf does not produce nan.
    shift = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    return np.where(np.isfinite(shift), shift, 0)


LOGSUMEXP = Op(
    "logsumexp",  # ∂ log Σ eᵃ / ∂aᵢ = eᵃⁱ / Σ eᵃ = exp(aᵢ − y)
    lambda xp, g, y, a, *, axes, keepdims: (
        _as_keepdims(g, a.shape, axes, keepdims)
        * xp.exp(a - _as_keepdims(y, a.shape, axes, keepdims))
    ),
)


@register(kind="reduction", method=True, keyword_aliases=REDUCTION)
def logsumexp(a: Any, axis: Any = None, keepdims: bool = False):
    """log Σ exp(a) over `axis`, computed as m + log Σ exp(a − m) with m = max a (stable)."""
    a = as_tensor(a, "logsumexp")
    axes = normalize_axis(axis, a.ndim, "logsumexp", a.shape)
    x = _float_data(a)
    shift = _stable_shift(x, axes)
    with np.errstate(divide="ignore"):
        data = np.log(np.sum(np.exp(x - shift), axis=axes, keepdims=True)) + shift
    if not keepdims:
        data = data.reshape(
            [n for i, n in enumerate(x.shape) if axes is not None and i not in axes]
        )
    return record(data, LOGSUMEXP, a, saved={"axes": axes, "keepdims": keepdims})


def _single_axis(a: Any, axis: int, name: str) -> tuple:
    if a.ndim == 0:
        raise ValueError(f"{name}: needs at least one axis, got a 0-d tensor")
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be a single int, got {axis!r}")
    return normalize_axis(axis, a.ndim, name, a.shape)


SOFTMAX = Op(
    "softmax",  # ∂yᵢ/∂aⱼ = yᵢ(δᵢⱼ − yⱼ), so the VJP is y ⊙ (g − Σ g ⊙ y)
    lambda xp, g, y, a, *, axes: y * (g - (g * y).sum(axis=axes, keepdims=True)),
)


@register(kind="reduction", method=True, keyword_aliases={"dim": "axis"})
def softmax(a: Any, axis: int = -1):
    """softmax(a)ᵢ = exp(aᵢ − m) / Σⱼ exp(aⱼ − m) along `axis` (m = max: stable at ±1000)."""
    a = as_tensor(a, "softmax")
    axes = _single_axis(a, axis, "softmax")
    x = _float_data(a)
    e = np.exp(x - _stable_shift(x, axes))
    return record(e / e.sum(axis=axes, keepdims=True), SOFTMAX, a, saved={"axes": axes})


LOG_SOFTMAX = Op(
    "log_softmax",  # ∂yᵢ/∂aⱼ = δᵢⱼ − softmax(a)ⱼ, so the VJP is g − exp(y) Σ g
    lambda xp, g, y, a, *, axes: g - xp.exp(y) * g.sum(axis=axes, keepdims=True),
)


@register(kind="reduction", method=True, keyword_aliases={"dim": "axis"})
def log_softmax(a: Any, axis: int = -1):
    """log softmax(a) = a − logsumexp(a) along `axis`, without forming softmax (stable)."""
    a = as_tensor(a, "log_softmax")
    axes = _single_axis(a, axis, "log_softmax")
    x = _float_data(a)
    shifted = x - _stable_shift(x, axes)
    data = shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))
    return record(data, LOG_SOFTMAX, a, saved={"axes": axes})
