"""Rows for the ops of autograd_lite/ops/ordering.py: sort (differentiable), argsort, argmax,
argmin (integer results)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import autograd_lite as ag
from optable import NONSCALAR_SHAPES, Case, Rows, custom, distinct_values

ROWS = Rows()


def _axis_call(name: str, draw, shape: tuple, *, keepdims: bool = False):
    """An axis argument (None, an int, a negative int) in one of the spellings a user writes:
    keyword, positional, PyTorch's dim=; `keepdims` (or keepdim=) both ways when the op has it.
    Returns (call, method, keywords for the NumPy reference)."""
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    form = draw(st.sampled_from(["keyword", "positional", "dim"]))
    kept = draw(st.booleans()) if keepdims else None
    numpy_kw: dict = {"axis": axis} if kept is None else {"axis": axis, "keepdims": kept}
    if form == "positional":
        args, kw = (axis,) if kept is None else (axis, kept), {}
    elif form == "dim":
        args, kw = (), ({"dim": axis} if kept is None else {"dim": axis, "keepdim": kept})
    else:
        args, kw = (), dict(numpy_kw)
    function = getattr(ag, name)
    return (
        lambda t: function(t, *args, **kw),
        lambda t: getattr(t, name)(*args, **kw),
        numpy_kw,
        f"{name}{shape} {form} {numpy_kw}",
    )


def _sort_sample(draw, rng) -> Case:
    # Distinct values: the permutation (and so the gradient) does not change under ±ε.
    shape = draw(NONSCALAR_SHAPES)
    x = distinct_values(rng, shape)
    call, method, kw, label = _axis_call("sort", draw, shape)
    return Case((x,), call, lambda a: np.sort(a, **kw), label, method=method)


def _ties(rng, shape: tuple) -> np.ndarray:
    """Small integers as floats: ties are common, so stable order and first-of-ties count."""
    return rng.integers(-2, 3, size=shape).astype(float)


def _argsort_sample(draw, rng) -> Case:
    shape = draw(NONSCALAR_SHAPES)
    x = _ties(rng, shape)
    call, method, kw, label = _axis_call("argsort", draw, shape)
    reference = lambda a: np.argsort(a, kind="stable", **kw).astype(np.int64)  # noqa: E731
    return Case((x,), call, reference, label, method=method, float32=False)


def _arg_extremum(name: str):
    reference = getattr(np, name)

    def sample(draw, rng) -> Case:
        shape = draw(NONSCALAR_SHAPES)
        x = _ties(rng, shape)
        call, method, kw, label = _axis_call(name, draw, shape, keepdims=True)
        return Case(
            (x,),
            call,
            lambda a: np.asarray(reference(a, **kw)).astype(np.int64),
            label,
            method=method,
            float32=False,
        )

    return sample


ROWS.add(
    custom("sort", _sort_sample),
    custom("argsort", _argsort_sample, float32=False),
    custom("argmax", _arg_extremum("argmax"), float32=False),
    custom("argmin", _arg_extremum("argmin"), float32=False),
)
