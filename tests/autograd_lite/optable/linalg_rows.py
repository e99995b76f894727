"""Rows for linear algebra: matmul in every rank combination, the dense layer's linear."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import Case, Rows, custom

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
