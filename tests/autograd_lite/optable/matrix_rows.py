"""Rows for the ops of autograd_lite/ops/matrix_functions.py (``autograd_lite.linalg``): norm,
inv, det, solve."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import SHAPES, Case, Rows, custom

ROWS = Rows()
SIDES = st.integers(1, 4)
BATCH = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)

VECTOR_ORDS = [None, 2, 1, 3, 1.5, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", 1, -1, np.inf, -np.inf]


def _away_from_ties(rng, shape: tuple) -> np.ndarray:
    """Distinct magnitudes in [0.2, 2] with random signs: no two |x| tie (max|x|, min|x|) and
    none is near the kink of |x| at 0."""
    n = int(np.prod(shape, dtype=int))
    magnitudes = np.linspace(0.2, 2.0, max(n, 2))[:n] + rng.uniform(0, 0.01, size=n)
    signs = rng.choice([-1.0, 1.0], size=n)
    return (rng.permutation(magnitudes) * signs).reshape(shape)


def _norm_sample(draw, rng) -> Case:
    """Vector norms along an axis (or of a 1-D x), matrix norms over an axis pair (or of a 2-D
    x), the 2-norm of everything (ord and axis None, any rank), keepdims both ways, function
    and method, PyTorch's dim=/keepdim=."""
    kind = draw(st.sampled_from(["vector", "matrix", "all"]))
    kw: dict = {}
    if kind == "all":
        shape = draw(SHAPES)
    elif kind == "vector":
        shape = tuple(draw(SIDES) for _ in range(draw(st.integers(1, 3))))
        kw["ord"] = draw(st.sampled_from(VECTOR_ORDS))
        if len(shape) > 1 or draw(st.booleans()):
            kw["axis"] = draw(st.integers(-len(shape), len(shape) - 1))
    else:
        shape = tuple(draw(SIDES) for _ in range(draw(st.integers(2, 3))))
        kw["ord"] = draw(st.sampled_from(MATRIX_ORDS))
        if len(shape) > 2 or draw(st.booleans()):
            first, second = draw(st.permutations(range(len(shape))))[:2]
            kw["axis"] = (first, second - len(shape) if draw(st.booleans()) else second)
    if draw(st.booleans()):
        kw["keepdims"] = draw(st.booleans())
    x = _away_from_ties(rng, shape)
    torch_kw = dict(kw)
    if "axis" in kw and draw(st.booleans()):
        torch_kw["dim"] = torch_kw.pop("axis")
        if "keepdims" in torch_kw:
            torch_kw["keepdim"] = torch_kw.pop("keepdims")
    return Case(
        (x,),
        lambda t: ag.linalg.norm(t, **torch_kw),
        lambda a: np.linalg.norm(a, **kw),
        f"linalg.norm{shape} {torch_kw}",
        method=lambda t: t.norm(**kw),
    )


def _well_conditioned(rng, shape: tuple) -> np.ndarray:
    """Square matrices (..., n, n) made diagonally dominant: far from singular."""
    n = shape[-1]
    return rng.uniform(-1, 1, size=shape) + np.eye(n) * (n + 1) * rng.choice([-1.0, 1.0])


def _square_shape(draw) -> tuple:
    n = draw(SIDES)
    return (*draw(BATCH), n, n)


def _inv_sample(draw, rng) -> Case:
    a = _well_conditioned(rng, _square_shape(draw))
    return Case(
        (a,), ag.linalg.inv, np.linalg.inv, f"linalg.inv{a.shape}", method=lambda t: t.inverse()
    )


def _det_sample(draw, rng) -> Case:
    a = rng.standard_normal(_square_shape(draw))
    return Case(
        (a,), ag.linalg.det, np.linalg.det, f"linalg.det{a.shape}", method=lambda t: t.det()
    )


def _solve_sample(draw, rng) -> Case:
    """b a vector (n,) or matrices (..., n, k); the batch axes of a and b broadcast."""
    n = draw(SIDES)
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    ).input_shapes
    a = _well_conditioned(rng, (*batch_a, n, n))
    b_shape = draw(st.sampled_from([(n,), (*batch_b, n, draw(SIDES))]))
    b = rng.standard_normal(b_shape)
    return Case((a, b), ag.linalg.solve, np.linalg.solve, f"linalg.solve{a.shape}, {b.shape}")


ROWS.add(
    custom("norm", _norm_sample),
    custom("inv", _inv_sample, rtol=1e-4),
    custom("det", _det_sample, rtol=1e-4),
    custom("solve", _solve_sample, rtol=1e-4),
)
