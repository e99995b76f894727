"""Gradients of reshape, transpose, concatenate, stack and indexing (float64)."""

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from numerical import assert_gradients_match

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)
SEEDS = st.integers(0, 2**32 - 1)


def test_reshape_accepts_a_shape_tuple_like_numpy():
    x0 = np.arange(6.0)
    assert_gradients_match(lambda t: t.reshape((2, 3)), lambda a: a.reshape((2, 3)), x0)


def test_transpose_accepts_an_axes_tuple_like_numpy():
    x0 = np.random.default_rng(0).standard_normal((2, 3, 4))
    assert_gradients_match(lambda t: t.transpose((2, 0, 1)), lambda a: a.transpose((2, 0, 1)), x0)


def test_concatenate_and_stack_default_to_axis_zero_and_accept_lists():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert_gradients_match(
        lambda s, t: ag.concatenate([s, t]), lambda s, t: np.concatenate([s, t]), a, b
    )
    assert_gradients_match(lambda s, t: ag.stack([s, t]), lambda s, t: np.stack([s, t]), a, b)


def test_concatenate_of_one_tensor_used_twice_adds_both_gradients():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    ag.concatenate([x, x * 3.0]).backward(gradient=np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_allclose(np.asarray(x.grad), [1.0 + 300.0, 10.0 + 3000.0])


# -------------------------------------------------------------------------------- indexing

X_SHAPE = (4, 5, 3)
BASIC_INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "slice with step": slice(None, None, 2),
    "negative step": slice(None, None, -1),
    "negative step from -2": slice(-2, None, -2),
    "two ints": (1, -2),
    "int and slice": (2, slice(1, 4)),
    "all ints": (3, 4, 2),
    "None": None,
    "newaxis in the middle": (slice(None), np.newaxis, 1),
    "Ellipsis": (Ellipsis, 0),
    "Ellipsis then slice": (1, Ellipsis, slice(None, None, -1)),
    "empty slice": slice(2, 2),
}
ADVANCED_INDICES = {
    "int array": np.array([0, 2, 3]),
    "int array with repeats": np.array([1, 1, 3, 1]),
    "list with repeats": [0, 0, 2],
    "negative ints with repeats": np.array([-1, 3, -1]),
    "2-D int array with repeats": np.array([[0, 1], [1, 0]]),
    "paired arrays with repeated pairs": (np.array([0, 0, 3, 0]), np.array([1, 1, 4, 1])),
    "array and slice": (slice(None), np.array([4, 4, 0])),
    "array, int, array": (np.array([1, 1]), 2, np.array([0, 0])),
    "bool mask over all": np.random.default_rng(0).random(X_SHAPE) > 0.5,
    "bool mask over first axis": np.array([True, False, True, True]),
    "bool mask over two axes": np.random.default_rng(1).random((4, 5)) > 0.3,
}


@pytest.mark.parametrize(
    "index",
    list(BASIC_INDICES.values()) + list(ADVANCED_INDICES.values()),
    ids=list(BASIC_INDICES) + list(ADVANCED_INDICES),
)
def test_indexing_grad_matches_central_difference(index):
    x0 = np.random.default_rng(2).standard_normal(X_SHAPE)
    assert_gradients_match(lambda t: t[index], lambda a: a[index], x0)


def test_advanced_indexing_with_repeated_indices_adds_the_gradients():
    x = ag.Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 0, 0])].backward(gradient=np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0 + 3.0 + 4.0, 0.0, 2.0])


def test_indexing_a_0d_result_and_summing_slices_of_the_same_tensor():
    x0 = np.arange(6.0).reshape(2, 3)
    x = ag.Tensor(x0, requires_grad=True)
    (x[0, 1] * 2.0 + x[:, 1].sum() + x[-1]).sum().backward()
    expected = np.zeros((2, 3))  # the two 0-d terms are broadcast over the 3 elements of x[-1]
    expected[0, 1] += 2.0 * 3
    expected[:, 1] += 1.0 * 3
    expected[-1] += 1.0
    np.testing.assert_allclose(np.asarray(x.grad), expected)
