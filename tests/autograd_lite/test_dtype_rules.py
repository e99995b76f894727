"""dtype rules: float32 stays float32 (forward and grads), Python numbers give float64,
int/bool data work in forward and become float64 when they need a gradient."""

import numpy as np
import pytest

import autograd_lite as ag

F32 = np.float32


def f32_leaf(shape=(3, 4), seed=0, positive=False):
    data = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape).astype(F32)
    if not positive:
        data[..., ::2] *= -1
    return ag.Tensor(data, requires_grad=True)


def test_float32_binary_ops_and_linear_keep_float32_grads_for_every_input():
    x, w, b = f32_leaf((5, 3), 1), f32_leaf((2, 3), 2), f32_leaf((2,), 3)
    out = ag.linear(x, w, b) * x[:, :2] / (b.abs() + 1.0) - w[:, 0].abs() ** b.abs()
    assert out.dtype == np.float32
    out.sum().backward()
    assert (x.grad.dtype, w.grad.dtype, b.grad.dtype) == (F32, F32, F32)


def test_python_numbers_give_float64():
    assert ag.Tensor(1.5).dtype == np.float64
    assert ag.Tensor([1.0, 2.0]).dtype == np.float64
    assert ag.Tensor([[1.0], [2.5]]).dtype == np.float64


def test_a_numpy_float32_array_keeps_its_dtype():
    x = ag.Tensor(np.ones(3, dtype=F32))
    assert x.dtype == np.float32
    assert x.data.dtype == np.float32
    assert ag.Tensor(np.ones(3, dtype=F32), requires_grad=True).dtype == np.float32


def test_float32_with_a_python_scalar_stays_float32():
    x = ag.Tensor(np.ones(3, dtype=F32))
    for out in (x + 1.5, 2.5 * x, x / 3, x - 0.1, x**2.0, 1e-3 - x):
        assert out.dtype == np.float32


def test_float32_with_a_float64_array_becomes_float64():
    x = ag.Tensor(np.ones(3, dtype=F32))
    assert (x + np.ones(3)).dtype == np.float64
    assert (x * ag.Tensor(np.ones(3))).dtype == np.float64
    assert (np.ones(3) - x).dtype == np.float64


def test_grad_of_a_float32_leaf_mixed_with_float64_is_float32():
    x = f32_leaf((3,))
    y = ag.Tensor(np.ones(3), requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype == np.float32
    assert y.grad.dtype == np.float64


def test_int_and_bool_arrays_work_in_forward_like_numpy():
    a = np.array([[1, 2, 3], [4, 5, 6]])
    b = np.array([True, False, True])
    x, m = ag.Tensor(a), ag.Tensor(b)
    np.testing.assert_array_equal((x + x).data, a + a)
    np.testing.assert_array_equal((x * m).data, a * b)
    np.testing.assert_array_equal(x.sum(axis=0).data, a.sum(axis=0))
    np.testing.assert_allclose(x.mean().data, a.mean())
    np.testing.assert_allclose((x / 2).data, a / 2)
    np.testing.assert_array_equal((x @ x.T).data, a @ a.T)
    np.testing.assert_array_equal(x.max(axis=1).data, a.max(axis=1))
    np.testing.assert_allclose(x.exp().data, np.exp(a))


@pytest.mark.parametrize("data", [np.array([1, 2, 3]), np.array([True, False, True]), [1, 2, 3]])
def test_int_and_bool_tensors_requiring_grad_become_float64(data):
    x = ag.Tensor(data, requires_grad=True)
    assert x.dtype == np.float64
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.asarray(data, dtype=np.float64))
    assert x.grad.dtype == np.float64


def test_int_constant_times_float_leaf_gives_float_grad():
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    k = ag.Tensor(np.array([2, 3, 4]))
    (x * k).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [2.0, 3.0, 4.0])
    assert x.grad.dtype == np.float64


def test_grad_of_a_float32_leaf_mixed_with_float64_is_float32_with_create_graph_too():
    x = f32_leaf((3,))
    y = ag.Tensor(np.ones(3), requires_grad=True)
    (x * y).sum().backward(create_graph=True)
    assert x.grad.dtype == np.float32


def test_float32_grads_with_create_graph_stay_float32():
    x = f32_leaf((3,))
    (x.tanh() * x).sum().backward(create_graph=True)
    assert x.grad.dtype == np.float32
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.dtype == np.float32
