"""Gradients of @ / matmul and of linear(x, W, b) = x @ W.T + b (float64)."""

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from numerical import assert_gradients_match

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)
SIDES = st.integers(1, 4)


def matmul(a, b):
    return a @ b


MATMUL_CASES = {
    "1-D @ 1-D": ((3,), (3,)),
    "1-D @ 2-D": ((3,), (3, 4)),
    "2-D @ 1-D": ((2, 3), (3,)),
    "2-D @ 2-D": ((2, 3), (3, 4)),
    "3-D @ 3-D": ((5, 2, 3), (5, 3, 4)),
    "3-D @ 2-D (batch broadcast)": ((5, 2, 3), (3, 4)),
    "2-D @ 3-D (batch broadcast)": ((2, 3), (5, 3, 4)),
    "batch (2,1) @ batch (5,)": ((2, 1, 2, 3), (5, 3, 4)),
    "1-D @ 3-D": ((3,), (5, 3, 4)),
    "3-D @ 1-D": ((5, 2, 3), (3,)),
}


@pytest.mark.parametrize("shapes", MATMUL_CASES.values(), ids=MATMUL_CASES.keys())
def test_matmul_grad_matches_central_difference_for_explicit_shapes(shapes):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    assert_gradients_match(matmul, np.matmul, a, b)
    assert_gradients_match(lambda s, t: s.matmul(t), np.matmul, a, b)
    assert_gradients_match(lambda s, t: ag.matmul(s, t), np.matmul, a, b)


def test_linear_computes_x_times_W_transposed_plus_b_for_a_batch_of_rows():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((6, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    out = ag.linear(ag.Tensor(x), ag.Tensor(w), ag.Tensor(b))
    assert out.shape == (6, 4)
    np.testing.assert_allclose(out.data, x @ w.T + b, rtol=1e-12)
