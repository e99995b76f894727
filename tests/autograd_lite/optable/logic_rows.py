"""Rows for comparisons and logic: forward values only (they have no gradient)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import Case, Rows, custom

ROWS = Rows()

OPERATORS = {
    "less": lambda a, b: a < b,
    "less_equal": lambda a, b: a <= b,
    "greater": lambda a, b: a > b,
    "greater_equal": lambda a, b: a >= b,
    "equal": lambda a, b: a == b,
    "not_equal": lambda a, b: a != b,
    "logical_and": lambda a, b: a & b,
    "logical_or": lambda a, b: a | b,
}


def _comparison(name: str):
    operator = OPERATORS[name]
    reference = getattr(np, name)

    def sample(draw, rng) -> Case:
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3)).input_shapes
        # small integers as floats: ties happen, so == and <= are exercised
        a, b = (rng.integers(-2, 3, size=s).astype(float) for s in shapes)
        if name.startswith("logical"):
            a, b = a > 0, b > 0
        form = draw(st.sampled_from(["operator", "function", "number right"]))
        if form == "number right":
            number = True if name.startswith("logical") else 1.0
            return Case(
                (a,), lambda t: operator(t, number), lambda x: reference(x, number), "x ⋄ 1"
            )
        call = operator if form == "operator" else getattr(ag, name)
        return Case((a, b), call, reference, f"{name}{shapes} {form}")

    return sample


def _logical_not_sample(draw, rng) -> Case:
    a = rng.random(draw(hnp.array_shapes(min_dims=0, max_dims=3))) < 0.5
    return Case((a,), lambda t: ~t, np.logical_not, "~x")


ROWS.add(*(custom(name, _comparison(name), float32=False) for name in OPERATORS))
ROWS.add(custom("logical_not", _logical_not_sample, float32=False))
