"""grad and value_and_grad: functional derivatives returned as ndarrays of the inputs' shapes."""

import numpy as np
import pytest
from numerical import central_difference

import autograd_lite as ag
from autograd_lite import grad, value_and_grad

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 2))
B = RNG.standard_normal((2,))


def f(a, b):
    return ((a * b).tanh() + a).sum()


def np_f(a, b):
    return np.sum(np.tanh(a * b) + a)


def test_grad_with_argnums_0_returns_the_ndarray_gradient_of_the_first_argument():
    g = grad(f, argnums=0)(A, B)
    assert isinstance(g, np.ndarray)
    assert g.shape == A.shape
    np.testing.assert_allclose(g, central_difference(np_f, [A, B], 0), rtol=1e-6, atol=1e-8)


def test_grad_defaults_to_argnums_0():
    np.testing.assert_allclose(grad(f)(A, B), central_difference(np_f, [A, B], 0), rtol=1e-6)


def test_grad_with_argnums_1_differentiates_the_second_argument():
    g = grad(f, argnums=1)(A, B)
    assert g.shape == B.shape
    np.testing.assert_allclose(g, central_difference(np_f, [A, B], 1), rtol=1e-6, atol=1e-8)


def test_grad_with_a_tuple_of_argnums_returns_a_tuple_of_ndarrays():
    ga, gb = grad(f, argnums=(0, 1))(A, B)
    assert isinstance(ga, np.ndarray) and isinstance(gb, np.ndarray)
    assert ga.shape == A.shape and gb.shape == B.shape
    np.testing.assert_allclose(ga, central_difference(np_f, [A, B], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, central_difference(np_f, [A, B], 1), rtol=1e-6, atol=1e-8)


def test_grad_accepts_tensors_and_python_floats():
    g = grad(lambda x: x * x * x)(2.0)
    np.testing.assert_allclose(np.asarray(g), 12.0)
    g = grad(f)(ag.Tensor(A), ag.Tensor(B))
    np.testing.assert_allclose(g, central_difference(np_f, [A, B], 0), rtol=1e-6, atol=1e-8)


def test_grad_does_not_touch_the_grad_of_tensors_passed_in():
    a = ag.Tensor(A, requires_grad=True)
    grad(f)(a, B)
    grad(f)(a, B)
    assert a.grad is None or np.allclose(np.asarray(a.grad), 0.0)


def test_grad_called_twice_gives_the_same_answer_not_an_accumulated_one():
    first = grad(f)(A, B)
    second = grad(f)(A, B)
    np.testing.assert_array_equal(first, second)


def test_value_and_grad_returns_the_value_and_the_gradients():
    value, g = value_and_grad(f, argnums=(0, 1))(A, B)
    np.testing.assert_allclose(float(np.asarray(value)), np_f(A, B), rtol=1e-12)
    assert isinstance(g, tuple) and len(g) == 2
    np.testing.assert_allclose(g[0], central_difference(np_f, [A, B], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g[1], central_difference(np_f, [A, B], 1), rtol=1e-6, atol=1e-8)


def test_value_and_grad_with_an_int_argnums_returns_a_single_ndarray():
    value, g = value_and_grad(f)(A, B)
    np.testing.assert_allclose(float(np.asarray(value)), np_f(A, B), rtol=1e-12)
    assert isinstance(g, np.ndarray) and g.shape == A.shape


def test_grad_of_a_function_returning_a_non_scalar_raises():
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        grad(lambda a: a * 2.0)(A)
