"""Rows for linear algebra: matmul in every rank combination, the dense layer's linear, dot,
outer, tensordot, einsum and the diagonal ops."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import SHAPES, Case, Rows, custom

ROWS = Rows()
SIDES = st.integers(1, 4)


def _matmul_sample(draw, rng) -> Case:
    """1-D·1-D, 1-D·N-D, N-D·1-D and N-D·N-D with broadcast batch axes, as @, method and
    function."""
    m, n, p = draw(SIDES), draw(SIDES), draw(SIDES)
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    ).input_shapes
    a = rng.standard_normal(draw(st.sampled_from([(n,), (*batch_a, m, n)])))
    b = rng.standard_normal(draw(st.sampled_from([(n,), (*batch_b, n, p)])))
    form = draw(st.sampled_from(["@", "function", "ndarray @ tensor"]))
    if form == "ndarray @ tensor":
        return Case(
            (b,), lambda t: a @ t, lambda y: a @ y, f"ndarray{a.shape} @ {b.shape}", float32=False
        )
    call = (lambda s, t: s @ t) if form == "@" else (lambda s, t: ag.matmul(s, t))
    return Case((a, b), call, np.matmul, f"{a.shape} @ {b.shape}", method=lambda s, t: s.matmul(t))


def _linear_sample(draw, rng) -> Case:
    n_in, n_out = draw(SIDES), draw(SIDES)
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    x = rng.standard_normal((*batch, n_in))
    weight = rng.standard_normal((n_out, n_in))
    if draw(st.booleans()):
        bias = rng.standard_normal(n_out)
        return Case(
            (x, weight, bias),
            lambda x, w, b: ag.linear(x, w, b),
            lambda x, w, b: x @ w.T + b,
            f"linear{x.shape} with bias",
        )
    return Case((x, weight), lambda x, w: ag.linear(x, w), lambda x, w: x @ w.T, f"linear{x.shape}")


ROWS.add(custom("matmul", _matmul_sample), custom("linear", _linear_sample))


def _dot_sample(draw, rng) -> Case:
    """Every rank pair NumPy's dot defines: 0-d scales, 1-D·1-D, N-D·1-D, 1-D·M-D, N-D·M-D (the
    last axis of a with the second-to-last of b: not matmul's batch broadcast)."""
    n = draw(SIDES)
    rank_a, rank_b = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    lead_a = tuple(draw(SIDES) for _ in range(max(rank_a - 1, 0)))
    lead_b = tuple(draw(SIDES) for _ in range(max(rank_b - 2, 0)))
    shape_a = () if rank_a == 0 else (*lead_a, n)
    shape_b = {0: (), 1: (n,)}.get(rank_b, (*lead_b, n, draw(SIDES)))
    if rank_a == 0:  # a 0-d a scales any b
        shape_b = draw(SHAPES)
    elif rank_b == 0:
        shape_b = ()
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    form = draw(st.sampled_from(["function", "method"]))
    call = (lambda s, t: ag.dot(s, t)) if form == "function" else (lambda s, t: s.dot(t))
    return Case(
        (a, b), call, np.dot, f"dot{shape_a}·{shape_b} {form}", method=lambda s, t: s.dot(t)
    )


def _outer_sample(draw, rng) -> Case:
    a, b = rng.standard_normal(draw(SHAPES)), rng.standard_normal(draw(SHAPES))
    return Case(
        (a, b), ag.outer, np.outer, f"outer{a.shape}, {b.shape}", method=lambda s, t: s.outer(t)
    )


def _tensordot_sample(draw, rng) -> Case:
    """axes as an int N (last N of a with the first N of b) or as two sequences pairing axes in
    any order, negatives included."""
    summed = tuple(draw(SIDES) for _ in range(draw(st.integers(0, 2))))
    free_a = tuple(draw(SIDES) for _ in range(draw(st.integers(0, 2))))
    free_b = tuple(draw(SIDES) for _ in range(draw(st.integers(0, 2))))
    if draw(st.booleans()):
        shape_a, shape_b, axes = (*free_a, *summed), (*summed, *free_b), len(summed)
    else:
        rank_a, rank_b = len(free_a) + len(summed), len(free_b) + len(summed)
        place_a = draw(st.permutations(range(rank_a)))[: len(summed)]
        place_b = draw(st.permutations(range(rank_b)))[: len(summed)]
        shape_a, shape_b = [0] * rank_a, [0] * rank_b
        free_a_iter, free_b_iter = iter(free_a), iter(free_b)
        for i in range(rank_a):
            shape_a[i] = summed[place_a.index(i)] if i in place_a else next(free_a_iter)
        for i in range(rank_b):
            shape_b[i] = summed[place_b.index(i)] if i in place_b else next(free_b_iter)
        negative = draw(st.booleans())
        axes = (
            [ax - rank_a if negative else ax for ax in place_a],
            [ax - rank_b if negative else ax for ax in place_b],
        )
    a, b = rng.standard_normal(tuple(shape_a)), rng.standard_normal(tuple(shape_b))
    return Case(
        (a, b),
        lambda s, t: ag.tensordot(s, t, axes=axes),
        lambda x, y: np.tensordot(x, y, axes=axes),
        f"tensordot{a.shape}, {b.shape}, axes={axes}",
    )


# einsum subscripts with the shape of each operand, written with letters standing for lengths
# drawn per example; "1" is a broadcast length of 1.
EINSUM_FORMS = [
    ("ij,jk->ik", ["ij", "jk"]),  # matmul
    ("ij,jk", ["ij", "jk"]),  # implicit output
    ("ij->ji", ["ij"]),
    ("ij->", ["ij"]),
    ("ij->j", ["ij"]),  # a subscript summed inside one operand
    ("ii->i", ["ii"]),  # diagonal
    ("ii", ["ii"]),  # trace
    ("iij,jk->ik", ["iij", "jk"]),
    ("iji->j", ["iji"]),
    ("i,i", ["i", "i"]),
    ("i,j->ij", ["i", "j"]),
    ("i,j,k->ijk", ["i", "j", "k"]),
    ("bij,bjk->bik", ["bij", "bjk"]),
    ("ijk,jil->kl", ["ijk", "jil"]),
    ("...ij,...jk->...ik", ["bij", "jk"]),  # ellipsis: leading batch axes
    ("...ij,...jk", ["cbij", "bjk"]),
    ("i...->...", ["ijk"]),
    ("ij,ij->ij", ["ij", "1j"]),  # a length of 1 broadcast
    ("ij,j->i", ["ij", "1"]),
    ("ij,jk,kl->il", ["ij", "jk", "kl"]),
    (",->", ["", ""]),
    ("i,->i", ["i", ""]),
]


def _einsum_sample(draw, rng) -> Case:
    subscripts, shapes = draw(st.sampled_from(EINSUM_FORMS))
    lengths = {c: draw(SIDES) for c in "bcijkl"}
    lengths["1"] = 1
    arrays = tuple(rng.standard_normal(tuple(lengths[c] for c in shape)) for shape in shapes)
    return Case(
        arrays,
        lambda *t: ag.einsum(subscripts, *t),
        lambda *x: np.einsum(subscripts, *x),
        f"einsum({subscripts!r}, {[x.shape for x in arrays]})",
    )


def _diagonal_arguments(draw, ndim: int) -> dict:
    """offset (above, on or below the main diagonal, or past the edge) and two distinct axes,
    maybe negative, maybe left at their defaults."""
    kw: dict = {}
    if draw(st.booleans()):
        kw["offset"] = draw(st.integers(-3, 3))
    if ndim > 2 or draw(st.booleans()):
        axis1, axis2 = draw(st.permutations(range(ndim)))[:2]
        kw["axis1"] = axis1 - ndim if draw(st.booleans()) else axis1
        kw["axis2"] = axis2 - ndim if draw(st.booleans()) else axis2
    return kw


def _diagonal_op(name: str):
    def sample(draw, rng) -> Case:
        shape = tuple(draw(SIDES) for _ in range(draw(st.integers(2, 3))))
        x = rng.standard_normal(shape)
        kw = _diagonal_arguments(draw, len(shape))
        reference = getattr(np, name)
        return Case(
            (x,),
            lambda t: getattr(ag, name)(t, **kw),
            lambda a: reference(a, **kw),
            f"{name}{shape} {kw}",
            method=lambda t: getattr(t, name)(**kw),
        )

    return sample


def _diag_sample(draw, rng) -> Case:
    shape = tuple(draw(SIDES) for _ in range(draw(st.integers(1, 2))))
    x = rng.standard_normal(shape)
    k = draw(st.integers(-2, 2))
    if draw(st.booleans()):
        call, method = (lambda t: ag.diag(t, k)), (lambda t: t.diag(k))
    else:
        call, method = (lambda t: ag.diag(t, k=k)), (lambda t: t.diag(k=k))
    return Case((x,), call, lambda a: np.diag(a, k), f"diag{shape} k={k}", method=method)


ROWS.add(
    custom("dot", _dot_sample),
    custom("outer", _outer_sample),
    custom("tensordot", _tensordot_sample),
    custom("einsum", _einsum_sample),
    custom("diagonal", _diagonal_op("diagonal")),
    custom("trace", _diagonal_op("trace")),
    custom("diag", _diag_sample),
)
