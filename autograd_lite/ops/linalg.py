"""Linear algebra: matmul for 1-D, 2-D and batched N-D operands, the dense layer's x @ Wᵀ + b,
NumPy's dot, outer, tensordot and einsum, and the diagonal ops trace, diagonal, diag."""

from __future__ import annotations

import collections
import string
from typing import Any

import numpy as np

from autograd_lite.ops._core import (
    Op,
    VariadicOp,
    as_tensor,
    normalize_axis,
    record,
    record_many,
)
from autograd_lite.ops.shape import scatter_add
from autograd_lite.ops.table import register
from autograd_lite.storage import Tensor


def _matmul_partial_a(xp, g, y, a, b):
    # y = a @ b  ⇒  ∂L/∂a = g @ bᵀ; 1-D operands are treated as a row (a) or column (b) and the
    # batch axes that broadcasting added are summed away by the engine.
    if b.ndim == 1:
        if a.ndim == 1:
            return g * b  # a·b is a scalar: ∂/∂a = b
        return g.reshape((*g.shape, 1)) * b  # (…, n, 1) · (k,) → (…, n, k)
    if a.ndim == 1:
        return (b @ g.reshape((*g.shape, 1))).reshape((*b.shape[:-2], b.shape[-2]))
    return g @ b.mT


def _matmul_partial_b(xp, g, y, a, b):
    # y = a @ b  ⇒  ∂L/∂b = aᵀ @ g
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return a.reshape((-1, 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))  # (…, k, m)
    if b.ndim == 1:
        return (a.mT @ g.reshape((*g.shape, 1))).reshape((*a.shape[:-2], a.shape[-1]))
    return a.mT @ g


MATMUL = Op("matmul", _matmul_partial_a, _matmul_partial_b)


@register(
    kind="linalg",
    method=True,
    operators=("__matmul__",),
    reflected=("__rmatmul__",),
    numpy=np.matmul,
    dtypes="numeric",
)
def matmul(a: Any, b: Any):
    """Matrix product a @ b with NumPy's rules: 1-D·1-D is a dot product, 1-D operands act as
    row/column vectors, and leading (batch) axes broadcast."""
    a, b = as_tensor(a, "matmul"), as_tensor(b, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        b_axis = "axis 0" if b.ndim == 1 else "axis -2"
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
            f"{inner_a} (last axis of a) != {inner_b} ({b_axis} of b)"
        )
    try:
        data = np.matmul(a._data, b._data)
    except ValueError:
        raise ValueError(
            f"matmul: batch axes of shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    return record(data, MATMUL, a, b)


def _linear_partial_x(xp, g, y, x, weight, *bias):
    return g @ weight  # y = x Wᵀ + b  ⇒  ∂L/∂x = g W


def _linear_partial_weight(xp, g, y, x, weight, *bias):
    # ∂L/∂W = gᵀ x, summed over every example (all axes but the last): (n_out, n_in) directly,
    # as the course writes dW = dZ·Aᵀ, with no transpose to copy afterwards.
    if g.ndim == 2 and x.ndim == 2:  # a batch of rows, the common case: no reshape needed
        return g.T @ x
    n_out, n_in = weight.shape
    return g.reshape((-1, n_out)).T @ x.reshape((-1, n_in))


def _linear_partial_bias(xp, g, y, x, weight, bias):
    # ∂L/∂b = Σ over examples of g (summed here rather than by the engine's generic unbroadcast)
    return g.sum(axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g


LINEAR = Op("linear", _linear_partial_x, _linear_partial_weight, _linear_partial_bias)


@register(kind="linalg", dtypes="numeric")
def linear(x: Any, weight: Any, bias: Any = None):
    """The dense layer y = x @ Wᵀ + b, with W of shape (n_out, n_in) and b of shape (n_out,)
    (the course's Z = W·A + b for examples stored as rows).

    A primitive rather than matmul + transpose + add for speed: its partials are the course's
    dX = dZ·W, dW = dZᵀ·X, db = Σ dZ, computed in the layout the parameters have.
    """
    x, weight = as_tensor(x, "linear"), as_tensor(weight, "linear")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (n_out, n_in), got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {weight.shape} "
            f"(expected the input's last axis to be n_in = {weight.shape[1]})"
        )
    data = x._data @ weight._data.T
    if bias is None:
        return record(data, LINEAR, x, weight)
    bias = as_tensor(bias, "linear")
    if bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape} "
            f"(expected ({weight.shape[0]},))"
        )
    if np.result_type(data, bias._data) == data.dtype:
        data += bias._data  # the product is a fresh array: add the bias in place
    else:
        data = data + bias._data
    return record_many(data, LINEAR, (x, weight, bias))


# ----------------------------------------------------------------------------- tensordot / dot


def _tensordot_axes(a: Tensor, b: Tensor, axes: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """NumPy's `axes` argument of tensordot as two tuples of non-negative axes (summed pairs):
    an int N pairs the last N axes of a with the first N of b, in order."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(
                f"tensordot: axes={axes} needs 0 ≤ axes ≤ the rank of both operands "
                f"(shapes {a.shape} and {b.shape})"
            )
        return tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes))
    try:
        if isinstance(axes, str):
            raise TypeError
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise TypeError(
            f"tensordot: axes must be an int or a pair of sequences of axes, got {axes!r}"
        ) from None
    axes_a = (axes_a,) if isinstance(axes_a, (int, np.integer)) else tuple(axes_a)
    axes_b = (axes_b,) if isinstance(axes_b, (int, np.integer)) else tuple(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(
            f"tensordot: axes {axes!r} pair {len(axes_a)} axes of a with {len(axes_b)} of b"
        )
    normalized = []
    for which, tensor, given in (("a", a, axes_a), ("b", b, axes_b)):
        for ax in given:
            if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
                raise TypeError(f"tensordot: axes must be ints, got {axes!r}")
            if not -tensor.ndim <= ax < tensor.ndim:
                raise ValueError(
                    f"tensordot: axis {ax} is out of bounds for {which} of shape {tensor.shape}"
                )
        axes_norm = tuple(int(ax) % tensor.ndim for ax in given)
        if len(set(axes_norm)) != len(axes_norm):
            raise ValueError(f"tensordot: repeated axis of {which} in {axes!r}")
        normalized.append(axes_norm)
    return normalized[0], normalized[1]


def _tensordot_partial_a(xp, g, y, a, b, *, axes_a, axes_b):
    # y[free_a, free_b] = Σₖ a[free_a, k] b[k, free_b]  ⇒  ∂L/∂a[free_a, k] = Σ g[free_a, free_b]
    # b[k, free_b]: a tensordot of g with b over b's free axes. Its axes come out as a's free
    # axes, then a's summed axes in the order their partners sit in b; transposed back.
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    grad = xp.tensordot(g, b, axes=(list(range(len(free_a), g.ndim)), free_b))
    came_from = free_a + [axes_a[j] for j in np.argsort(axes_b)]
    return grad.transpose(tuple(np.argsort(came_from)))


def _tensordot_partial_b(xp, g, y, a, b, *, axes_a, axes_b):
    # ∂L/∂b[k, free_b] = Σ a[free_a, k] g[free_a, free_b]: a tensordot of a with g over a's
    # free axes, whose axes are b's summed axes (in the order of their partners in a), then
    # b's free axes.
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    grad = xp.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    came_from = [axes_b[j] for j in np.argsort(axes_a)] + free_b
    return grad.transpose(tuple(np.argsort(came_from)))


TENSORDOT = Op("tensordot", _tensordot_partial_a, _tensordot_partial_b)


@register(kind="linalg", keyword_aliases={"dims": "axes"}, numpy=np.tensordot, dtypes="numeric")
def tensordot(a: Any, b: Any, axes: Any = 2):
    """Σ over paired axes: axes=N sums the last N axes of a with the first N of b; axes=(axes
    of a, axes of b) pairs them explicitly (like NumPy). The result's axes are a's free axes
    then b's (PyTorch's dims= is accepted for axes=). ∂L/∂a is the tensordot of g with b over
    b's free axes, ∂L/∂b that of a with g over a's free axes (each transposed back into its
    operand's axis order)."""
    a, b = as_tensor(a, "tensordot"), as_tensor(b, "tensordot")
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: shapes {a.shape} and {b.shape} are not aligned: axis {i} of a "
                f"has length {a.shape[i]}, axis {j} of b has length {b.shape[j]}"
            )
    data = np.tensordot(a._data, b._data, axes=(axes_a, axes_b))
    return record(np.asarray(data), TENSORDOT, a, b, saved={"axes_a": axes_a, "axes_b": axes_b})


@register(kind="linalg", method=True, numpy=np.dot, dtypes="numeric")
def dot(a: Any, b: Any):
    """NumPy's dot: a 0-d operand scales the other (a · b); 1-D·1-D is the inner product;
    otherwise the last axis of a is summed with the second-to-last of b (the only one when b
    is 1-D): dot(a, b)[i, j, k, m] = Σₙ a[i, j, n] b[k, n, m]. For b of rank ≤ 2 this is
    matmul; beyond, a tensordot whose result has a's free axes then b's (not matmul's
    broadcast batch). The derivative is that of the product it reduces to."""
    a, b = as_tensor(a, "dot"), as_tensor(b, "dot")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    axis_b = 0 if b.ndim == 1 else b.ndim - 2
    if a.shape[-1] != b.shape[axis_b]:
        b_axis = "axis 0" if b.ndim == 1 else "axis -2"
        raise ValueError(
            f"dot: shapes {a.shape} and {b.shape} are not aligned: "
            f"{a.shape[-1]} (last axis of a) != {b.shape[axis_b]} ({b_axis} of b)"
        )
    if b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=((a.ndim - 1,), (axis_b,)))


@register(kind="linalg", method=True, numpy=np.outer, dtypes="numeric")
def outer(a: Any, b: Any):
    """Outer product out[i, j] = aᵢ bⱼ of the flattened operands (like NumPy: any shapes, the
    result is (a.size, b.size)); ∂L/∂aᵢ = Σⱼ gᵢⱼ bⱼ, ∂L/∂bⱼ = Σᵢ gᵢⱼ aᵢ."""
    a, b = as_tensor(a, "outer"), as_tensor(b, "outer")
    return a.reshape(-1, 1) * b.reshape(1, -1)


# ----------------------------------------------------------------------------- einsum


def _einsum_terms(subscripts: Any, shapes: list[tuple]) -> tuple[list[str], str, dict]:
    """Parse NumPy's einsum subscripts for operands of `shapes`. Returns one term per operand
    and the output term, each a string of letters (the axes an ellipsis covers get letters of
    their own, aligned from the right as broadcasting aligns them), and every letter's length
    (after broadcasting lengths of 1)."""
    if not isinstance(subscripts, str):
        raise TypeError(
            "einsum: the first argument must be the subscripts string, e.g. "
            f"einsum('ij,jk->ik', a, b) (the sublist form is not supported), got {subscripts!r}"
        )
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} have more than one '->'")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} describe {len(terms)} operand(s), got {len(shapes)}"
        )
    used = set()
    covered = []  # how many axes each term's ellipsis stands for
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        letters = term.replace("...", "", 1)
        if not all(c in string.ascii_letters for c in letters):
            raise ValueError(
                f"einsum: operand {i}'s subscripts {term!r} may hold only letters and one '...'"
            )
        used.update(letters)
        extra = len(shape) - len(letters)
        if extra < 0 or (extra > 0 and "..." not in term):
            raise ValueError(
                f"einsum: operand {i} has shape {shape} ({len(shape)}-D) but subscripts {term!r}"
            )
        covered.append(extra if "..." in term else 0)
    if arrow and not all(c in string.ascii_letters for c in output.replace("...", "", 1)):
        raise ValueError(f"einsum: output subscripts {output!r} may hold only letters and '...'")
    free = [c for c in string.ascii_letters if c not in used and c not in output]
    broadcast_rank = max(covered, default=0)
    if broadcast_rank > len(free):
        raise ValueError(f"einsum: too many axes for the 52 subscript letters ({subscripts!r})")
    ellipsis = "".join(free[:broadcast_rank])
    terms = [
        term.replace("...", ellipsis[broadcast_rank - extra :], 1)
        for term, extra in zip(terms, covered)
    ]
    if arrow:
        if "..." in output:
            output = output.replace("...", ellipsis, 1)
        elif broadcast_rank:
            raise ValueError(
                f"einsum: the output of {subscripts!r} has no '...' for the axes the operands' "
                "'...' cover"
            )
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: an output subscript is repeated in {subscripts!r}")
        for c in output:
            if c not in used and c not in ellipsis:
                raise ValueError(f"einsum: output subscript {c!r} appears in no operand")
    else:  # implicit: the '...' axes, then the letters used once, in alphabetical order
        counts = collections.Counter("".join(terms))
        output = ellipsis + "".join(sorted(c for c in used if counts[c] == 1))
    sizes: dict[str, int] = {}
    where: dict[str, int] = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        for c, n in zip(term, shape):
            known = sizes.get(c)
            same_operand = where.get(c) == i
            if known is None or (known == 1 and not same_operand):
                sizes[c], where[c] = n, i
            elif n != known and (same_operand or n != 1):
                name = "'...' axis" if c in ellipsis else f"subscript {c!r}"
                j = where[c]
                raise ValueError(
                    f"einsum: {name} has length {known} in operand {j} (shape {shapes[j]}) "
                    f"but {n} in operand {i} (shape {shape})"
                )
    return terms, output, sizes


def _diagonal_mask(term: str, sizes: dict) -> np.ndarray:
    """1 where every repeated subscript of `term` has equal indices (a diagonal), else 0."""
    mask = np.ones([sizes[c] for c in term], dtype=bool)
    for p, c in enumerate(term):
        q = term.index(c)
        if q != p:
            shape = [1] * len(term)
            shape[q] = shape[p] = sizes[c]
            mask &= np.eye(sizes[c], dtype=bool).reshape(shape)
    return mask


def _einsum_partial(xp, g, y, *inputs, index, terms, output, sizes):
    # ∂L/∂(operand i) is the einsum of g with the other operands onto operand i's subscripts.
    # Subscripts only operand i holds (summed inside it) are absent from that einsum: the
    # gradient is constant along them, so it is broadcast. A repeated subscript (a diagonal,
    # 'ii') is written once, and the result is put on the diagonal by a 0/1 mask.
    target = terms[index]
    others = [k for k in range(len(terms)) if k != index]
    unique = "".join(dict.fromkeys(target))
    elsewhere = set(output).union(*(terms[k] for k in others))
    computed = "".join(c for c in unique if c in elsewhere)
    spec = ",".join([output, *(terms[k] for k in others)]) + "->" + computed
    grad = xp.einsum(spec, g, *(inputs[k] for k in others))
    full = tuple(sizes[c] for c in unique)
    if computed != unique:
        grad = grad.reshape(tuple(sizes[c] if c in computed else 1 for c in unique))
    if grad.shape != full:  # letters only this operand holds, or lengths it broadcast
        grad = xp.broadcast_to(grad, full)
    if unique != target:
        first = [target.index(c) == p for p, c in enumerate(target)]
        grad = grad.reshape(tuple(sizes[c] if f else 1 for c, f in zip(target, first)))
        grad = grad * xp.constant(_diagonal_mask(target, sizes).astype(grad.dtype))
    return grad


EINSUM = VariadicOp("einsum", _einsum_partial)


@register(kind="linalg", numpy=np.einsum, dtypes="numeric")
def einsum(subscripts: str, *operands: Any):
    """Einstein summation with NumPy's subscripts: 'ij,jk->ik' (explicit output), 'ij,jk'
    (implicit: the subscripts used once, alphabetically), repeated subscripts in one operand
    (a diagonal: 'ii->i', or the trace 'ii'), '...' for broadcast axes ('...ij,...jk->...ik'),
    lengths of 1 broadcast. ∂L/∂(operand i) is the einsum of g with the other operands onto
    operand i's subscripts (broadcast along subscripts only operand i holds; put back on the
    diagonal for repeated ones)."""
    if not operands:
        raise ValueError("einsum: needs at least one operand after the subscripts")
    tensors = tuple(as_tensor(operand, "einsum") for operand in operands)
    terms, output, sizes = _einsum_terms(subscripts, [t.shape for t in tensors])
    spec = ",".join(terms) + "->" + output
    data = np.asarray(np.einsum(spec, *(t._data for t in tensors)))
    saved = {"terms": tuple(terms), "output": output, "sizes": sizes}
    return record_many(data, EINSUM, tensors, saved)


# ----------------------------------------------------------------------------- diagonals


def _integer(value: Any, what: str, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name}: {what} must be an int, got {value!r}")
    return int(value)


@register(
    kind="linalg",
    method=True,
    keyword_aliases={"dim1": "axis1", "dim2": "axis2"},
    numpy=np.diagonal,
    dtypes="numeric",
)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal a[..., i, i + offset] of the matrices spanned by `axis1` and `axis2`,
    as its own (writable) tensor, where NumPy returns a read-only view. Like NumPy, those two
    axes are removed and the diagonal is the last axis; offset > 0 is above the main diagonal
    (PyTorch's dim1=/dim2= are accepted for axis1=/axis2=). The gradient is g put back on that
    diagonal, zero elsewhere."""
    a = as_tensor(a, "diagonal")
    offset = _integer(offset, "offset", "diagonal")
    if a.ndim < 2:
        raise ValueError(f"diagonal: needs a tensor of at least 2 dimensions, got shape {a.shape}")
    (i,), (j,) = (normalize_axis(ax, a.ndim, "diagonal", a.shape) for ax in (axis1, axis2))
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 are the same axis ({axis1}, {axis2})")
    rest = tuple(k for k in range(a.ndim) if k not in (i, j))
    order = (*rest, i, j)
    moved = a if order == tuple(range(a.ndim)) else a.transpose(order)
    rows, cols = a.shape[i], a.shape[j]
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = np.arange(length)
    return moved[..., steps + max(-offset, 0), steps + max(offset, 0)]


@register(kind="linalg", method=True, numpy=np.trace, dtypes="numeric")
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Σᵢ a[..., i, i + offset]: the sum of `diagonal(a, offset, axis1, axis2)` (over the
    matrices spanned by axis1 and axis2, like NumPy). ∂L/∂a is g on that diagonal, 0
    elsewhere."""
    return diagonal(a, offset, axis1, axis2).sum(axis=-1)


@register(
    kind="linalg", method=True, keyword_aliases={"diagonal": "k"}, numpy=np.diag, dtypes="numeric"
)
def diag(v: Any, k: int = 0):
    """Like np.diag: a 1-D v gives the square matrix with v on its k-th diagonal (zeros
    elsewhere; k > 0 above the main one); a 2-D v gives its k-th diagonal (`diagonal`).
    PyTorch's diagonal= is accepted for k=.
    The gradient reads g on that diagonal (1-D v), or puts g back on it (2-D v)."""
    v = as_tensor(v, "diag")
    k = _integer(k, "k", "diag")
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(
            "diag: expects a 1-D tensor (to build a diagonal matrix) or a 2-D one (to read "
            f"its diagonal), got shape {v.shape}"
        )
    n = v.shape[0]
    steps = np.arange(n)
    return scatter_add(v, (n + abs(k), n + abs(k)), (steps + max(-k, 0), steps + max(k, 0)))
