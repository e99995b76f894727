"""Gradients of reshape, transpose, concatenate, stack and indexing (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numerical import SMALL_SHAPES, assert_gradients_match, values

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)
SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def array_and_new_shape(draw):
    shape = draw(SMALL_SHAPES)
    x = values(np.random.default_rng(draw(SEEDS)), shape)
    n = x.size
    new_shape = draw(
        st.sampled_from([(n,), (-1,), (1, n), (n, 1), (1, -1, 1), shape[::-1], (*shape, 1)])
    )
    return x, new_shape


@SETTINGS
@given(case=array_and_new_shape())
def test_reshape_grad_matches_central_difference(case):
    x, new_shape = case
    assert_gradients_match(lambda t: t.reshape(*new_shape), lambda a: a.reshape(new_shape), x)
    assert_gradients_match(lambda t: ag.reshape(t, *new_shape), lambda a: a.reshape(new_shape), x)


def test_reshape_accepts_a_shape_tuple_like_numpy():
    x0 = np.arange(6.0)
    assert_gradients_match(lambda t: t.reshape((2, 3)), lambda a: a.reshape((2, 3)), x0)


@st.composite
def array_and_permutation(draw):
    shape = draw(SMALL_SHAPES)
    x = values(np.random.default_rng(draw(SEEDS)), shape)
    return x, tuple(draw(st.permutations(range(x.ndim))))


@SETTINGS
@given(case=array_and_permutation())
def test_transpose_with_axes_grad_matches_central_difference(case):
    x, axes = case
    assert_gradients_match(lambda t: t.transpose(*axes), lambda a: a.transpose(axes), x)
    assert_gradients_match(lambda t: ag.transpose(t, *axes), lambda a: a.transpose(axes), x)


@SETTINGS
@given(case=array_and_permutation())
def test_transpose_without_axes_and_dot_T_reverse_the_axes(case):
    x, _ = case
    assert_gradients_match(lambda t: t.transpose(), lambda a: a.transpose(), x)
    assert_gradients_match(lambda t: t.T, lambda a: a.T, x)


def test_transpose_accepts_an_axes_tuple_like_numpy():
    x0 = np.random.default_rng(0).standard_normal((2, 3, 4))
    assert_gradients_match(lambda t: t.transpose((2, 0, 1)), lambda a: a.transpose((2, 0, 1)), x0)


@st.composite
def arrays_to_join(draw, stack=False):
    ndim = draw(st.integers(1, 3))
    base = list(draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=4)))
    count = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(SEEDS))
    if stack:
        axis = draw(st.integers(-(ndim + 1), ndim))
        return [values(rng, tuple(base)) for _ in range(count)], axis
    axis = draw(st.integers(-ndim, ndim - 1))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = draw(st.integers(1, 3))
        parts.append(values(rng, tuple(shape)))
    return parts, axis


@SETTINGS
@given(case=arrays_to_join())
def test_concatenate_grad_matches_central_difference(case):
    parts, axis = case
    assert_gradients_match(
        lambda *ts: ag.concatenate(ts, axis=axis),
        lambda *arrs: np.concatenate(arrs, axis=axis),
        *parts,
    )


@SETTINGS
@given(case=arrays_to_join(stack=True))
def test_stack_grad_matches_central_difference(case):
    parts, axis = case
    assert_gradients_match(
        lambda *ts: ag.stack(ts, axis=axis), lambda *arrs: np.stack(arrs, axis=axis), *parts
    )


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


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
    seed=SEEDS,
    data=st.data(),
)
def test_basic_indexing_grad_matches_central_difference_for_drawn_indices(shape, seed, data):
    x0 = values(np.random.default_rng(seed), shape)
    index = data.draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True))
    assert_gradients_match(lambda t: t[index], lambda a: a[index], x0)


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    seed=SEEDS,
    data=st.data(),
)
def test_integer_array_indexing_grad_matches_central_difference_for_drawn_indices(
    shape, seed, data
):
    x0 = values(np.random.default_rng(seed), shape)
    index = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2)))
    assert_gradients_match(lambda t: t[index], lambda a: a[index], x0)
