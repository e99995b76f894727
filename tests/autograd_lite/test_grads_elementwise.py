"""Gradients of the elementwise ops against central differences of NumPy (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numerical import (
    SMALL_SHAPES,
    arrays,
    assert_gradients_match,
    assume_apart,
    broadcastable_pair,
    np_leaky_relu,
    np_sigmoid,
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

BINARY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", BINARY_OPS)
@SETTINGS
@given(pair=broadcastable_pair(min_abs=0.5))
def test_binary_op_grad_matches_central_difference_over_broadcast_shapes(name, pair):
    op = BINARY_OPS[name]
    assert_gradients_match(op, op, *pair)


@pytest.mark.parametrize("name", BINARY_OPS)
@pytest.mark.parametrize("shapes", EXPLICIT_BROADCAST_PAIRS, ids=str)
def test_binary_op_grad_matches_central_difference_for_explicit_broadcast_pairs(name, shapes):
    op = BINARY_OPS[name]
    assert_gradients_match(op, op, *pair_of_shapes(shapes, min_abs=0.5))


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


REFLECTED_WITH_NUMBER = {
    "2 + x": lambda x: 2 + x,
    "x + 2": lambda x: x + 2,
    "2 - x": lambda x: 2 - x,
    "x - 2": lambda x: x - 2,
    "3 * x": lambda x: 3 * x,
    "x * 3": lambda x: x * 3,
    "2 / x": lambda x: 2 / x,
    "x / 2": lambda x: x / 2,
    "1.5 ** x": lambda x: 1.5**x,
    "-x": lambda x: -x,
    "-(x * 2)": lambda x: -(x * 2),
}


@pytest.mark.parametrize("name", REFLECTED_WITH_NUMBER)
@SETTINGS
@given(x=arrays(min_abs=0.5))
def test_arithmetic_with_python_numbers_grad_matches_central_difference(name, x):
    op = REFLECTED_WITH_NUMBER[name]
    assert_gradients_match(op, op, x)


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


@pytest.mark.parametrize("name", REFLECTED_WITH_ARRAY)
@SETTINGS
@given(pair=broadcastable_pair(min_abs=0.5))
def test_reflected_ops_with_ndarrays_grad_matches_over_broadcast_shapes(name, pair):
    op = REFLECTED_WITH_ARRAY[name]
    arr, x0 = pair
    assert_gradients_match(lambda x: op(arr, x), lambda x: op(arr, x), x0)


# ----------------------------------------------------------------------------------- power


@pytest.mark.parametrize("exponent", [2, 3, 1, -1, -2, 0.5, 1.5, -2.5, 2.0])
@SETTINGS
@given(x=arrays(low=0.3, high=2.0))
def test_pow_with_scalar_exponent_grad_matches_central_difference(exponent, x):
    assert_gradients_match(lambda t: t**exponent, lambda a: a**exponent, x)


@pytest.mark.parametrize("exponent", [2, 3])
@SETTINGS
@given(x=arrays(min_abs=0.3))
def test_pow_with_integer_exponent_grad_matches_for_negative_bases(exponent, x):
    assert_gradients_match(lambda t: t**exponent, lambda a: a**exponent, x)


@SETTINGS
@given(pair=broadcastable_pair(low=0.3, high=2.0))
def test_pow_with_tensor_exponent_grad_matches_central_difference(pair):
    # d/db a**b = a**b · ln a, so the base is kept positive.
    assert_gradients_match(lambda a, b: a**b, lambda a, b: a**b, *pair)


@pytest.mark.parametrize("shapes", EXPLICIT_BROADCAST_PAIRS, ids=str)
def test_pow_with_tensor_exponent_for_explicit_broadcast_pairs(shapes):
    a, b = pair_of_shapes(shapes, low=0.3, high=2.0, seed=3)
    assert_gradients_match(lambda a, b: a**b, lambda a, b: a**b, a, b)


def test_pow_with_zero_exponent_has_zero_grad_even_at_zero():
    x = ag.Tensor([0.0, 2.0, -3.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 0.0, 0.0])


# ---------------------------------------------------------------------------- unary functions

UNARY = {
    # name: (method call, NumPy reference, input constraints)
    "exp": (lambda t: t.exp(), np.exp, {}),
    "log": (lambda t: t.log(), np.log, {"low": 0.1, "high": 3.0}),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, {"low": 0.1, "high": 3.0}),
    "abs": (lambda t: t.abs(), np.abs, {"min_abs": 1e-3}),
    "tanh": (lambda t: t.tanh(), np.tanh, {}),
    "sigmoid": (lambda t: t.sigmoid(), np_sigmoid, {"low": -6.0, "high": 6.0}),
    "relu": (lambda t: t.relu(), lambda a: np.maximum(a, 0.0), {"min_abs": 1e-3}),
    "leaky_relu": (lambda t: t.leaky_relu(), np_leaky_relu, {"min_abs": 1e-3}),
    "leaky_relu(0.2)": (
        lambda t: t.leaky_relu(negative_slope=0.2),
        lambda a: np_leaky_relu(a, 0.2),
        {"min_abs": 1e-3},
    ),
    "leaky_relu(0.3) positional": (
        lambda t: t.leaky_relu(0.3),
        lambda a: np_leaky_relu(a, 0.3),
        {"min_abs": 1e-3},
    ),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_unary_grad_matches_central_difference(name, data):
    method, ref, constraints = UNARY[name]
    x = data.draw(arrays(**constraints))
    assert_gradients_match(method, ref, x)


UNARY_FUNCTIONS = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu"]


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
def test_unary_function_form_grad_matches_central_difference(name):
    _, ref, constraints = UNARY[name]
    x = np.random.default_rng(5).uniform(0.2, 2.0, size=(2, 3)) * np.array([1, -1, 1])
    if "low" in constraints:
        x = np.abs(x)
    function = getattr(ag, name)
    assert_gradients_match(function, ref, x)


@pytest.mark.parametrize(
    ("lo", "hi"), [(-0.5, 0.5), (-1.0, 2.0), (0.0, 1.0), (-10.0, 10.0), (None, 0.5), (-0.5, None)]
)
@SETTINGS
@given(x=arrays())
def test_clip_grad_matches_central_difference(lo, hi, x):
    for bound in (lo, hi):
        if bound is not None:
            assume_apart(x, bound)
    assert_gradients_match(lambda t: t.clip(lo, hi), lambda a: np.clip(a, lo, hi), x)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@SETTINGS
@given(pair=broadcastable_pair())
def test_maximum_minimum_grad_matches_central_difference(name, pair):
    a, b = pair
    assume_apart(a, b)
    ref = getattr(np, name)
    assert_gradients_match(lambda s, t: getattr(s, name)(t), ref, a, b)
    assert_gradients_match(lambda s, t: getattr(ag, name)(s, t), ref, a, b)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("other", [0.25, -0.5])
@SETTINGS
@given(x=arrays())
def test_maximum_minimum_with_a_python_number_grad_matches(name, other, x):
    assume_apart(x, other)
    ref = getattr(np, name)
    assert_gradients_match(lambda t: getattr(t, name)(other), lambda a: ref(a, other), x)


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_where_grad_matches_central_difference_for_both_branches(shapes, seed):
    cond_shape, a_shape, b_shape = shapes.input_shapes
    rng = np.random.default_rng(seed)
    cond = rng.random(cond_shape) < 0.5
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    assert_gradients_match(
        lambda s, t: ag.where(cond, s, t), lambda s, t: np.where(cond, s, t), a, b
    )


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
