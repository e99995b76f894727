"""Gradients of the elementwise ops against central differences of NumPy (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from numerical import (
    SMALL_SHAPES,
    arrays,
    assert_gradients_match,
    assume_apart,
)

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)

EXPLICIT_BROADCAST_PAIRS = [((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ())]


def pair_of_shapes(shapes, *, low=-2.0, high=2.0, min_abs=0.0, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, size=shapes[0])
    b = rng.uniform(low, high, size=shapes[1])
    if min_abs:
        a = np.where(np.abs(a) < min_abs, min_abs, a)
        b = np.where(np.abs(b) < min_abs, min_abs, b)
    return a, b


# ----------------------------------------------------------------------------- binary arithmetic


@pytest.mark.parametrize("shapes", EXPLICIT_BROADCAST_PAIRS, ids=str)
def test_broadcast_grads_come_back_in_each_inputs_shape(shapes):
    a = ag.Tensor(np.ones(shapes[0]), requires_grad=True)
    b = ag.Tensor(np.ones(shapes[1]), requires_grad=True)
    (a * b + a).sum().backward()
    out_size = np.broadcast_shapes(*shapes)
    assert a.grad.shape == shapes[0]
    assert b.grad.shape == shapes[1]
    # d/da of sum(a*b + a) = (b + 1) summed over the broadcast axes
    n_out = int(np.prod(out_size, dtype=int))
    np.testing.assert_allclose(a.grad.data, np.full(shapes[0], 2.0 * n_out / a.size))
    np.testing.assert_allclose(b.grad.data, np.full(shapes[1], 1.0 * n_out / b.size))


REFLECTED_WITH_ARRAY = {
    "arr + x": lambda arr, x: arr + x,
    "arr - x": lambda arr, x: arr - x,
    "arr * x": lambda arr, x: arr * x,
    "arr / x": lambda arr, x: arr / x,
    "x / arr": lambda arr, x: x / arr,
    "arr ** x": lambda arr, x: np.abs(arr) ** x,
}


@pytest.mark.parametrize("name", REFLECTED_WITH_ARRAY)
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((4,), (3, 4)), ((2, 3), (2, 3))], ids=str)
def test_reflected_ops_with_ndarrays_return_tensors_with_correct_grads(name, shapes):
    op = REFLECTED_WITH_ARRAY[name]
    arr, x0 = pair_of_shapes(shapes, min_abs=0.5, seed=1)
    out = op(arr, ag.Tensor(x0))
    assert isinstance(out, ag.Tensor), f"{name} returned {type(out).__name__}, not a Tensor"
    assert_gradients_match(lambda x: op(arr, x), lambda x: op(arr, x), x0)


# ----------------------------------------------------------------------------------- power


@pytest.mark.parametrize("shapes", EXPLICIT_BROADCAST_PAIRS, ids=str)
def test_pow_with_tensor_exponent_for_explicit_broadcast_pairs(shapes):
    a, b = pair_of_shapes(shapes, low=0.3, high=2.0, seed=3)
    assert_gradients_match(lambda a, b: a**b, lambda a, b: a**b, a, b)


def test_pow_with_zero_exponent_has_zero_grad_even_at_zero():
    x = ag.Tensor([0.0, 2.0, -3.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 0.0, 0.0])


def test_where_accepts_a_bool_tensor_condition_and_python_number_branch():
    x0 = np.array([[-1.5, 0.5, 2.0], [0.25, -0.75, 3.0]])
    x = ag.Tensor(x0, requires_grad=True)
    out = ag.where(x > 0, x, 0.1 * x)
    np.testing.assert_allclose(out.data, np.where(x0 > 0, x0, 0.1 * x0))
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.where(x0 > 0, 1.0, 0.1))

    y = ag.Tensor(x0, requires_grad=True)
    out = ag.where(x0 > 0, y, 0.0)
    np.testing.assert_allclose(out.data, np.where(x0 > 0, x0, 0.0))
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(y.grad), (x0 > 0).astype(float))


def _composite(a):
    """An expression mixing several ops, written once for Tensors and once for NumPy."""
    if isinstance(a, np.ndarray):
        return np.abs(np.tanh(a * a) + np.exp(a / 3.0) * 0.5 - a)
    return ((a * a).tanh() + (a / 3.0).exp() * 0.5 - a).abs()


@SETTINGS
@given(x=arrays(SMALL_SHAPES))
def test_composite_expression_grad_matches_central_difference(x):
    assume_apart(_composite(x), 0.0)
    assert_gradients_match(_composite, _composite, x)


# ---------------------------------------------------------------------------- kinks and ties


def test_relu_grad_at_zero_is_zero():
    x = ag.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 0.0, 1.0])


def test_abs_grad_at_zero_is_zero():
    x = ag.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [-1.0, 0.0, 1.0])


def test_clip_passes_the_gradient_at_both_bounds_inclusive():
    x = ag.Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_forward_matches_numpy():
    x0 = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(ag.Tensor(x0).clip(-1.0, 2.0).data, np.clip(x0, -1.0, 2.0))


def test_leaky_relu_grad_at_zero_is_the_negative_slope_like_pytorch():
    x = ag.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.leaky_relu(0.1).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [0.1, 0.1, 1.0])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_split_the_gradient_evenly_on_ties(name):
    a = ag.Tensor([1.0, 1.0, 3.0], requires_grad=True)
    b = ag.Tensor([1.0, 2.0, 2.0], requires_grad=True)
    getattr(a, name)(b).sum().backward()
    a_wins = [0.5, 0.0, 1.0] if name == "maximum" else [0.5, 1.0, 0.0]
    np.testing.assert_allclose(np.asarray(a.grad), a_wins)
    np.testing.assert_allclose(np.asarray(b.grad), 1.0 - np.array(a_wins))


def test_pow_with_tensor_exponent_at_zero_base_gives_finite_grads():
    # d/de 0**e = 0**e · ln 0 is taken as 0 for e > 0 (like PyTorch), not 0 · (−inf) = nan
    x = ag.Tensor([0.0, 2.0], requires_grad=True)
    e = ag.Tensor([2.0, 3.0], requires_grad=True)
    (x**e).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [0.0, 3.0 * 4.0])
    np.testing.assert_allclose(np.asarray(e.grad), [0.0, 8.0 * np.log(2.0)])
