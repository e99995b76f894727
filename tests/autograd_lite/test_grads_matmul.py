"""Gradients of @ / matmul and of linear(x, W, b) = x @ W.T + b (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numerical import assert_gradients_match

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)
SIDES = st.integers(1, 4)


def matmul(a, b):
    return a @ b


@st.composite
def matmul_operands(draw):
    """Operands for every case of NumPy's matmul: 1-D·1-D, 1-D·N-D, N-D·1-D, N-D·N-D with
    broadcasting of the batch dimensions."""
    m, n, p = draw(SIDES), draw(SIDES), draw(SIDES)
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    ).input_shapes
    a_shape = draw(st.sampled_from([(n,), (*batch_a, m, n)]))
    b_shape = draw(st.sampled_from([(n,), (*batch_b, n, p)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(a_shape), rng.standard_normal(b_shape)


@SETTINGS
@given(operands=matmul_operands())
def test_matmul_grad_matches_central_difference_for_all_rank_combinations(operands):
    assert_gradients_match(matmul, np.matmul, *operands)


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


@pytest.mark.parametrize("side", ["left", "right"])
def test_matmul_with_a_plain_ndarray_operand_returns_a_tensor_with_correct_grad(side):
    rng = np.random.default_rng(1)
    arr = rng.standard_normal((3, 3))
    x0 = rng.standard_normal((3, 2)) if side == "left" else rng.standard_normal((2, 3))
    if side == "left":
        assert isinstance(arr @ ag.Tensor(x0), ag.Tensor)
        assert_gradients_match(lambda t: arr @ t, lambda a: arr @ a, x0)
    else:
        assert isinstance(ag.Tensor(x0) @ arr, ag.Tensor)
        assert_gradients_match(lambda t: t @ arr, lambda a: a @ arr, x0)


@st.composite
def linear_operands(draw):
    n_in, n_out = draw(SIDES), draw(SIDES)
    leading = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((*leading, n_in))
    return x, rng.standard_normal((n_out, n_in)), rng.standard_normal((n_out,))


@SETTINGS
@given(operands=linear_operands())
def test_linear_grad_matches_central_difference(operands):
    assert_gradients_match(ag.linear, lambda x, w, b: x @ w.T + b, *operands)


def test_linear_computes_x_times_W_transposed_plus_b_for_a_batch_of_rows():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((6, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    out = ag.linear(ag.Tensor(x), ag.Tensor(w), ag.Tensor(b))
    assert out.shape == (6, 4)
    np.testing.assert_allclose(out.data, x @ w.T + b, rtol=1e-12)
