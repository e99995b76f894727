"""Reductions and normalisations over axes: sum, prod, mean, var, std, max, min, logsumexp,
softmax, log_softmax, and the running sums and products cumsum, cumprod. `axis` is None (all
axes), an int or a tuple of ints, negatives allowed (one int or None for the running ones)."""

from __future__ import annotations

import builtins
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


def _divisor(a: Any, axes: tuple | None, ddof: Any, name: str) -> float:
    """n − ddof for a variance over `axes`, as a Python float, clamped at 0 like NumPy (whose
    variance is then Σ(a − ā)²/0: inf, or nan when every element equals the mean)."""
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: ddof must be a number, got {ddof!r}")
    count = a.size if axes is None else math.prod(a.shape[i] for i in axes)
    return float(builtins.max(count - ddof, 0))


@register(
    kind="reduction",
    method=True,
    keyword_aliases={**REDUCTION, "correction": "ddof"},
    numpy=np.var,
)
def var(a: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0):
    """Variance Σ(a − ā)² / (n − ddof) over `axis`; ddof=0 is NumPy's population variance
    (PyTorch's default is correction=1). When n − ddof ≤ 0 the value is NumPy's: inf, or nan
    when every element equals the mean. ∂/∂aᵢ = 2(aᵢ − ā)/(n − ddof)."""
    a = as_tensor(a, "var")
    axes = normalize_axis(axis, a.ndim, "var", a.shape)
    divisor = _divisor(a, axes, ddof, "var")
    centred = a - mean(a, axes, keepdims=True)
    with np.errstate(invalid="ignore"):  # n − ddof ≤ 0 with equal elements: 0 · inf = nan
        return sum(centred * centred, axes, keepdims) * (1.0 / divisor if divisor else math.inf)


def _std_partial(xp, g, y, a, *, axes, keepdims, divisor):
    # ∂σ/∂aᵢ = (aᵢ − ā) / ((n − ddof)·σ). Where σ = 0 (every element equal: one element, or
    # constant data) this is 0/0; the gradient there is 0, PyTorch's choice.
    std = _as_keepdims(y, a.shape, axes, keepdims)
    zero = xp.raw(std) == 0
    centred = a - a.mean(axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # n − ddof ≤ 0: σ is inf or nan
        scaled = (
            _as_keepdims(g, a.shape, axes, keepdims) * centred / (divisor * xp.where(zero, 1, std))
        )
    return xp.where(zero, 0, scaled)


STD = Op("std", _std_partial)


@register(
    kind="reduction",
    method=True,
    keyword_aliases={**REDUCTION, "correction": "ddof"},
    numpy=np.std,
)
def std(a: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0):
    """Standard deviation σ = √(Σ(a − ā)² / (n − ddof)) over `axis`; ddof=0 like NumPy
    (PyTorch's default is correction=1). ∂σ/∂aᵢ = (aᵢ − ā) / ((n − ddof)·σ), taken as 0 where
    σ = 0 (a single element, or all elements equal), as PyTorch does. When n − ddof ≤ 0 the
    value is NumPy's (inf, or nan) and so is the gradient (nan)."""
    a = as_tensor(a, "std")
    axes = normalize_axis(axis, a.ndim, "std", a.shape)
    divisor = _divisor(a, axes, ddof, "std")
    x = _float_data(a)
    count = x.size if axes is None else math.prod(x.shape[i] for i in axes)
    with np.errstate(divide="ignore", invalid="ignore"):  # empty: nan, like NumPy
        centred = x - np.sum(x, axis=axes, keepdims=True) / count
        data = np.sqrt(np.sum(centred * centred, axis=axes, keepdims=keepdims) / divisor)
    saved = {"axes": axes, "keepdims": keepdims, "divisor": divisor}
    return record(np.asarray(data), STD, a, saved=saved)


# ----------------------------------------------------------------------------- prod


def _exclusive_cumprod(xp, t):
    """Along the last axis: out[..., i] = Π_{j<i} t[..., j] (1 for i = 0), with no division."""
    ones = np.ones((*t.shape[:-1], 1), dtype=t.dtype)
    return xp.concatenate([ones, xp.cumprod(t[..., :-1], axis=-1)], axis=-1)


def _products_of_the_others(xp, a, axes: tuple | None):
    """For every element aᵢ, the product of the other elements of its group along `axes`:
    Π_{j≠i} aⱼ, as (product of those before) × (product of those after). Exact where a holds
    zeros, where the shortcut y/aᵢ is 0/0, and where y under- or overflows."""
    if a.size == 0:
        return xp.constant(np.ones(a.shape, dtype=a.dtype))
    reduced = tuple(range(a.ndim)) if axes is None else axes
    kept = tuple(i for i in range(a.ndim) if i not in reduced)
    order = kept + reduced
    moved = a.transpose(order)
    n = math.prod(a.shape[i] for i in reduced)
    flat = moved.reshape((*moved.shape[: len(kept)], n))
    before = _exclusive_cumprod(xp, flat)
    after = _exclusive_cumprod(xp, flat[..., ::-1])[..., ::-1]
    return (before * after).reshape(moved.shape).transpose(tuple(np.argsort(order)))


PROD = Op(
    "prod",  # ∂(Πⱼ aⱼ)/∂aᵢ = Π_{j≠i} aⱼ
    lambda xp, g, y, a, *, axes, keepdims: (
        _as_keepdims(g, a.shape, axes, keepdims) * _products_of_the_others(xp, a, axes)
    ),
)


@register(kind="reduction", method=True, keyword_aliases=REDUCTION, numpy=np.prod, dtypes="numeric")
def prod(a: Any, axis: Any = None, keepdims: bool = False):
    """Π a over `axis` (all axes when None; 1 for an empty product). ∂/∂aᵢ = Π_{j≠i} aⱼ,
    computed from prefix and suffix products rather than y/aᵢ, so it is exact when a holds one
    zero (only that element gets a gradient) or several (all gradients 0)."""
    a = as_tensor(a, "prod")
    axes = normalize_axis(axis, a.ndim, "prod", a.shape)
    data = np.prod(a._data, axis=axes, keepdims=keepdims)
    return record(np.asarray(data), PROD, a, saved={"axes": axes, "keepdims": keepdims})


# ----------------------------------------------------------------------------- cumsum / cumprod


def _running_axis(a: Any, axis: Any, name: str) -> int | None:
    """The axis of a running sum or product: None (the flattened tensor) or one int."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be an int or None, got {axis!r}")
    return normalize_axis(axis, a.ndim, name, a.shape)[0]


def _reversed(t, axis: int):
    """`t` reversed along `axis` (a view)."""
    return t[(slice(None),) * axis + (slice(None, None, -1),)]


def _cumsum_partial(xp, g, y, a, *, axis):
    # yₖ = Σ_{i≤k} aᵢ  ⇒  ∂L/∂aᵢ = Σ_{k≥i} gₖ: a running sum of g from the end.
    along = 0 if axis is None else axis
    return _reversed(xp.cumsum(_reversed(g, along), axis=along), along).reshape(a.shape)


CUMSUM = Op("cumsum", _cumsum_partial)


@register(
    kind="reduction",
    method=True,
    keyword_aliases={"dim": "axis"},
    numpy=np.cumsum,
    dtypes="numeric",
)
def cumsum(a: Any, axis: int | None = None):
    """Running sum yₖ = Σ_{i≤k} aᵢ along `axis`; axis=None runs over the flattened tensor (a 1-D
    result, like NumPy; PyTorch requires dim). ∂L/∂aᵢ = Σ_{k≥i} gₖ."""
    a = as_tensor(a, "cumsum")
    axis = _running_axis(a, axis, "cumsum")
    return record(np.cumsum(a._data, axis=axis), CUMSUM, a, saved={"axis": axis})


def _cumprod_partial(xp, g, y, a, *, axis):
    # yₖ = Π_{j≤k} aⱼ  ⇒  ∂L/∂aᵢ = Σ_{k≥i} gₖ Π_{j≤k, j≠i} aⱼ, computed along the last axis.
    if a.size == 0:
        return g.reshape(a.shape)
    if axis is None:
        x, yy, gg = a.reshape(-1), y, g
    else:
        x, yy, gg = a.swapaxes(axis, -1), y.swapaxes(axis, -1), g.swapaxes(axis, -1)
    raw_x, raw_y = xp.raw(x), xp.raw(y)
    if np.all(raw_x != 0) and np.all(raw_y != 0) and np.all(np.isfinite(raw_y)):
        # Every running product is a true nonzero number: Π_{j≤k, j≠i} aⱼ = yₖ / aᵢ.
        grad = _reversed(xp.cumsum(_reversed(gg * yy, x.ndim - 1), axis=-1), x.ndim - 1) / x
    else:
        # A zero in a (yₖ/aᵢ is 0/0), or a running product that under- or overflowed: the
        # gradient as (Π_{j<i} aⱼ) · Sᵢ with Sᵢ = Σ_{k≥i} gₖ Π_{i<j≤k} aⱼ, by the recurrence
        # Sᵢ = gᵢ + aᵢ₊₁ Sᵢ₊₁ (no division anywhere).
        n = x.shape[-1]
        s = gg[..., n - 1]
        sums = [s]
        for i in range(n - 2, -1, -1):
            s = gg[..., i] + x[..., i + 1] * s
            sums.append(s)
        grad = _exclusive_cumprod(xp, x) * xp.stack(sums[::-1], axis=-1)
    return grad.reshape(a.shape) if axis is None else grad.swapaxes(axis, -1)


CUMPROD = Op("cumprod", _cumprod_partial)


@register(
    kind="reduction",
    method=True,
    keyword_aliases={"dim": "axis"},
    numpy=np.cumprod,
    dtypes="numeric",
)
def cumprod(a: Any, axis: int | None = None):
    """Running product yₖ = Π_{j≤k} aⱼ along `axis`; axis=None runs over the flattened tensor
    (like NumPy). ∂L/∂aᵢ = Σ_{k≥i} gₖ Π_{j≤k, j≠i} aⱼ: computed as Σ_{k≥i} gₖyₖ/aᵢ only when
    no aᵢ is 0 and no yₖ under- or overflowed, otherwise by a division-free recurrence, so it is
    exact with zeros (one or several) and at second order too."""
    a = as_tensor(a, "cumprod")
    axis = _running_axis(a, axis, "cumprod")
    return record(np.cumprod(a._data, axis=axis), CUMPROD, a, saved={"axis": axis})


# ----------------------------------------------------------------------------- max / min


def _extremum_partial(xp, g, y, a, *, axes, keepdims):
    # The gradient goes to the elements equal to the extremum, split evenly among ties
    # (PyTorch's rule for max/min over an axis). The tie weights are constants.
    x = xp.raw(a)
    extremum = _as_keepdims(xp.raw(y), x.shape, axes, keepdims)
    hit = x == extremum
    if x.dtype.kind == "f":  # a NaN is the extremum (NumPy propagates it): it gets the gradient
        hit |= np.isnan(x) & np.isnan(extremum)
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
