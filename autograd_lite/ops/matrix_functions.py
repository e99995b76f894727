"""Functions of matrices, exported as ``autograd_lite.linalg`` like ``numpy.linalg``: norm,
inv, det, solve (batched over leading axes where NumPy is: a stack of matrices (..., n, n))."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite.ops._core import Op, as_tensor, keepdims_shape, normalize_axis, record
from autograd_lite.ops.reductions import REDUCTION, _as_keepdims, _float_data
from autograd_lite.ops.reductions import max as reduce_max
from autograd_lite.ops.reductions import min as reduce_min
from autograd_lite.ops.reductions import sum as reduce_sum
from autograd_lite.ops.table import register
from autograd_lite.storage import Tensor

LinAlgError = np.linalg.LinAlgError

# ----------------------------------------------------------------------------- norm


def _p_norm_partial(xp, g, y, a, *, axes, keepdims, p):
    # ∂‖a‖ₚ/∂aᵢ = sign(aᵢ) (|aᵢ| / ‖a‖ₚ)^(p−1), which is aᵢ/‖a‖ for p = 2. At ‖a‖ = 0 (the zero
    # vector) this is 0/0; the gradient there is 0, PyTorch's subgradient choice.
    norm = _as_keepdims(y, a.shape, axes, keepdims)
    zero = xp.raw(norm) == 0
    safe = xp.where(zero, 1, norm)
    scaled = a / safe if p == 2 else xp.constant(np.sign(xp.raw(a))) * (xp.abs(a) / safe) ** (p - 1)
    return xp.where(zero, 0, _as_keepdims(g, a.shape, axes, keepdims) * scaled)


P_NORM = Op("norm", _p_norm_partial)


def _p_norm(x: Tensor, p: float, axes: tuple | None, keepdims: bool) -> Tensor:
    """(Σ|x|ᵖ)^(1/p) over `axes` (all for None): √Σx² for p = 2 (and the Frobenius norm)."""
    data = _float_data(x)
    if p == 2:
        value = np.sqrt(np.sum(data * data, axis=axes, keepdims=keepdims))
    else:
        with np.errstate(over="ignore"):  # as NumPy: an overflowing Σ|x|ᵖ gives inf
            value = np.sum(np.abs(data) ** p, axis=axes, keepdims=keepdims) ** (1 / p)
    saved = {"axes": axes, "keepdims": keepdims, "p": p}
    return record(np.asarray(value), P_NORM, x, saved=saved)


def _norm_axes(x: Tensor, ord: Any, axis: Any) -> tuple[int, ...] | None:
    """The axes of the norm: one (a vector norm), two in the order given (a matrix norm), or
    None (every element, as one vector: ord=None with axis=None)."""
    name = "linalg.norm"
    if axis is None:
        if ord is None:
            return None
        if x.ndim not in (1, 2):
            raise ValueError(
                f"{name}: ord={ord!r} with axis=None needs a 1-D or 2-D tensor, got shape "
                f"{x.shape}; give the axis (or axes) to take the norm over"
            )
        return tuple(range(x.ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(axes) not in (1, 2):
        raise ValueError(f"{name}: axis must be an int or a pair of ints, got {axis!r}")
    normalized = tuple(normalize_axis(ax, x.ndim, name, x.shape)[0] for ax in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return normalized


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _vector_norm(x: Tensor, ord: Any, axis: int, keepdims: bool) -> Tensor:
    name = "linalg.norm"
    if ord is None or (_is_number(ord) and ord == 2):
        return _p_norm(x, 2, (axis,), keepdims)
    if not _is_number(ord):
        raise ValueError(f"{name}: invalid norm order {ord!r} for vectors")
    if ord == math.inf:
        return reduce_max(abs(x), axis, keepdims)
    if ord == -math.inf:
        return reduce_min(abs(x), axis, keepdims)
    if ord == 1:
        return reduce_sum(abs(x), axis, keepdims)
    if ord == 0:
        raise ValueError(
            f"{name}: ord=0 counts the nonzero elements and has no gradient; "
            "use (x != 0).sum(axis) for the count"
        )
    if ord < 1 or math.isnan(ord):
        raise ValueError(
            f"{name}: vector norm ord={ord!r} is not supported (supported: None/2, 1, any "
            "p ≥ 1, inf, -inf); below 1 the gradient is infinite at zero entries"
        )
    return _p_norm(x, float(ord), (axis,), keepdims)


def _matrix_norm(x: Tensor, ord: Any, axes: tuple[int, int], keepdims: bool) -> Tensor:
    name = "linalg.norm"
    if ord is None or ord == "fro":
        return _p_norm(x, 2, tuple(sorted(axes)), keepdims)
    row, col = axes
    if _is_number(ord) and ord in (1, -1, math.inf, -math.inf):
        # ord ±1: the largest/smallest column sum of |x|; ord ±inf: the same over rows.
        summed, then = (row, col) if ord in (1, -1) else (col, row)
        extremum = reduce_max if ord > 0 else reduce_min
        value = extremum(reduce_sum(abs(x), summed), then - (then > summed))
        return value.reshape(keepdims_shape(x.shape, axes)) if keepdims else value
    if ord in (2, -2, "nuc"):
        raise ValueError(
            f"{name}: the matrix norm ord={ord!r} needs singular values and is not "
            "supported; supported for matrices: None/'fro', 1, -1, inf, -inf"
        )
    raise ValueError(
        f"{name}: invalid norm order {ord!r} for matrices (supported: None/'fro', 1, -1, inf, -inf)"
    )


@register(
    kind="linalg",
    name="norm",
    method=True,
    keyword_aliases=REDUCTION,
    numpy=np.linalg.norm,
    namespace="linalg",
)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False):
    """NumPy's ``linalg.norm``. Vector norms (axis an int, or a 1-D x): ord None/2 √Σx²,
    1 Σ|x|, any p ≥ 1 (Σ|x|ᵖ)^(1/p), inf max|x|, -inf min|x|. Matrix norms (axis a pair, or a
    2-D x with ord given): None/'fro' the Frobenius norm √Σx², 1/-1 the largest/smallest
    column sum of |x|, inf/-inf the same over rows. With ord=None and axis=None, the 2-norm
    of all elements, whatever the rank. Refused with a clear error: ord=0 (a count, no
    gradient), vector ord < 1, matrix ord 2, -2 and 'nuc' (singular values).

    The Tensor method ``x.norm(...)`` takes these same arguments (NumPy's meaning of ord, not
    PyTorch's p: on a matrix, ord=1 is the column-sum norm, not Σ|x|).

    Derivative: ∂‖x‖ₚ/∂xᵢ = sign(xᵢ)(|xᵢ|/‖x‖ₚ)^(p−1) (xᵢ/‖x‖ for p = 2), 0 for the zero
    vector (PyTorch's subgradient, not NaN); Σ|x| gives sign(x) (0 at 0); max/min|x| send
    the gradient to the extreme entries (shared among ties)."""
    x = as_tensor(x, "linalg.norm")
    if x.dtype.kind != "f":  # integers and bools are measured in float64, as NumPy does
        x = x.astype(np.float64)
    axes = _norm_axes(x, ord, axis)
    if axes is None:
        return _p_norm(x, 2, None, keepdims)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    return _matrix_norm(x, ord, axes, keepdims)


# ----------------------------------------------------------------------------- inv / det / solve


def _square(a: Any, name: str) -> Tensor:
    """`a` as a float Tensor holding a square matrix or a stack of them (..., n, n)."""
    a = as_tensor(a, name)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(
            f"{name}: expected a square matrix or a stack of them (shape (..., n, n)), "
            f"got shape {a.shape}"
        )
    return a


def _singular(name: str, detail: str) -> LinAlgError:
    return LinAlgError(f"{name}: {detail} is singular (not invertible)")


INV = Op("inv", lambda xp, g, y, a: -(y.mT @ g @ y.mT))  # d(A⁻¹) = −A⁻¹ dA A⁻¹


@register(kind="linalg", name="inv", method="inverse", numpy=np.linalg.inv, namespace="linalg")
def inv(a: Any):
    """The inverse A⁻¹ of a square matrix, or of each matrix of a stack (..., n, n) (the
    Tensor method is PyTorch's ``inverse``). ∂L/∂A = −A⁻ᵀ g A⁻ᵀ. A singular matrix raises
    numpy.linalg.LinAlgError naming the op and the shape."""
    a = _square(a, "linalg.inv")
    try:
        data = np.linalg.inv(_float_data(a))
    except LinAlgError:
        raise _singular("linalg.inv", f"the matrix (shape {a.shape})") from None
    return record(data, INV, a)


def _others_product(s: np.ndarray) -> np.ndarray:
    """Π_{j≠i} sⱼ along the last axis, from prefix and suffix products (no division)."""
    ones = np.ones((*s.shape[:-1], 1), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix C = ∂det(A)/∂A (the adjugate's transpose), exact for singular A
    too: with A = U S Vᵀ, C = det(U) det(V) · U diag(Π_{j≠i} sⱼ) Vᵀ."""
    if a.shape[-1] == 0:
        return np.zeros(a.shape, dtype=a.dtype)
    finite = np.isfinite(a).all(axis=(-2, -1), keepdims=True)
    if not finite.all():  # the SVD does not converge on nan/inf: those cofactors are nan
        return np.where(finite, _cofactors(np.where(finite, a, 0)), np.nan).astype(a.dtype)
    u, s, vh = np.linalg.svd(a)
    signs = np.sign(np.linalg.det(u) * np.linalg.det(vh))
    return (u * _others_product(s)[..., None, :]) @ vh * signs[..., None, None]


# Beyond this condition number det(A)·A⁻ᵀ loses too many digits; the recorded derivative
# then takes the cofactors as determinants of minors instead.
_WELL_CONDITIONED = 1e7


def _recorded_cofactors(xp, a, y):
    """The cofactor matrix as recorded ops (for create_graph): det(A)·A⁻ᵀ when every matrix
    is well conditioned, else (−1)^(i+j) det(minor ij), which holds for singular A too."""
    n = a.shape[-1]
    raw = xp.raw(a)
    if n and np.all(np.linalg.cond(raw) < _WELL_CONDITIONED):
        return y.reshape((*y.shape, 1, 1)) * xp.inv(a).mT
    keep = np.array([[k for k in range(n) if k != i] for i in range(n)], dtype=np.intp)
    keep = keep.reshape(n, max(n - 1, 0))
    minors = a[..., keep[:, None, :, None], keep[None, :, None, :]]  # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return xp.det(minors) * xp.constant(signs.astype(raw.dtype))


def _det_partial(xp, g, y, a):
    # ∂det(A)/∂A is the cofactor matrix (= det(A)·A⁻ᵀ when A is invertible).
    cofactors = xp.saved(_cofactors(xp.raw(a)), lambda: _recorded_cofactors(xp, a, y))
    return g.reshape((*g.shape, 1, 1)) * cofactors


DET = Op("det", _det_partial)


@register(kind="linalg", name="det", method=True, numpy=np.linalg.det, namespace="linalg")
def det(a: Any):
    """The determinant of a square matrix, or of each matrix of a stack (..., n, n), as
    NumPy computes it (LU; a singular matrix gives 0, or a tiny number from rounding).
    ∂det(A)/∂A is the cofactor matrix det(A)·A⁻ᵀ; it is computed from the SVD, so it is
    exact for singular matrices too (nonzero at rank n − 1, zero below), never NaN."""
    a = _square(a, "linalg.det")
    return record(np.asarray(np.linalg.det(_float_data(a))), DET, a)


def _solve_partial_a(xp, g, y, a, b):
    # x = A⁻¹b  ⇒  ∂L/∂A = −(A⁻ᵀ g) xᵀ
    if b.ndim == 1:
        gb = xp.solve(a.mT, g.reshape((*g.shape, 1)))
        return -(gb * y.reshape((*y.shape[:-1], 1, y.shape[-1])))
    return -(xp.solve(a.mT, g) @ y.mT)


def _solve_partial_b(xp, g, y, a, b):
    # x = A⁻¹b  ⇒  ∂L/∂b = A⁻ᵀ g
    if b.ndim == 1:
        return xp.solve(a.mT, g.reshape((*g.shape, 1))).reshape(g.shape)
    return xp.solve(a.mT, g)


SOLVE = Op("solve", _solve_partial_a, _solve_partial_b)


@register(kind="linalg", name="solve", numpy=np.linalg.solve, namespace="linalg")
def solve(a: Any, b: Any):
    """x with A x = b, like NumPy 2: A is (..., n, n); b is a vector (n,) or a stack of
    matrices (..., n, k) (a 2-D or higher b is always matrices), batch axes broadcast.
    ∂L/∂b = A⁻ᵀ g, ∂L/∂A = −(A⁻ᵀ g) xᵀ. A singular A raises numpy.linalg.LinAlgError naming
    the op and the shapes."""
    a = _square(a, "linalg.solve")
    b = as_tensor(b, "linalg.solve")
    n = a.shape[-1]
    if b.ndim == 0 or (b.shape[0] if b.ndim == 1 else b.shape[-2]) != n:
        raise ValueError(
            f"linalg.solve: a of shape {a.shape} and b of shape {b.shape} do not match: b must "
            f"be ({n},) or (..., {n}, k)"
        )
    try:
        data = np.linalg.solve(_float_data(a), _float_data(b))
    except LinAlgError:
        raise _singular("linalg.solve", f"a (shape {a.shape}, b of shape {b.shape})") from None
    except ValueError:
        raise ValueError(
            f"linalg.solve: the batch axes of a {a.shape} and b {b.shape} cannot be broadcast "
            "together"
        ) from None
    return record(data, SOLVE, a, b)
