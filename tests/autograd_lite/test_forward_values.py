"""Forward values in special situations (no_grad, empty batches, non-contiguous inputs, NaN/inf);
every op's values against NumPy are checked by the op table (test_op_table.py)."""

import warnings

import numpy as np
from numerical import np_softmax

import autograd_lite as ag

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
P = RNG.uniform(0.1, 2.0, size=(3, 4))  # positive, for log/sqrt/pow
V = RNG.standard_normal(4)


def test_forward_under_no_grad_matches_numpy():
    with ag.no_grad():
        out = (ag.Tensor(X, requires_grad=True).tanh() @ ag.Tensor(Y.T)).softmax()
    np.testing.assert_allclose(out.data, np_softmax(np.tanh(X) @ Y.T), rtol=1e-12)


def test_sum_over_all_axes_of_a_3d_tensor_with_keepdims():
    a = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(
        ag.Tensor(a).sum(keepdims=True).data, a.sum(keepdims=True), rtol=1e-12
    )
    assert ag.Tensor(a).sum(keepdims=True).shape == (1, 1, 1)


# --------------------------------------------------------------------------- edge shapes


def test_zero_size_batch_sums_to_zero_and_gradient_keeps_the_shape():
    x = ag.Tensor(np.zeros((0, 3)), requires_grad=True)
    s = x.sum(axis=0)
    np.testing.assert_array_equal(s.data, np.zeros(3))
    s.backward(gradient=np.ones(3))
    assert x.grad.shape == (0, 3)


def test_zero_size_batch_mean_is_nan_like_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns about the empty mean
        expected = np.zeros((0, 3)).mean(axis=0)
        got = ag.Tensor(np.zeros((0, 3))).mean(axis=0)
    assert np.all(np.isnan(expected))
    np.testing.assert_array_equal(got.data, expected)


def test_zero_size_matmul_gives_zeros_and_shaped_grads():
    a = ag.Tensor(np.zeros((0, 3)), requires_grad=True)
    w = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    out = a @ w
    assert out.shape == (0, 2)
    out.sum().backward()
    assert a.grad.shape == (0, 3)
    np.testing.assert_array_equal(w.grad.data, np.zeros((3, 2)))


def test_non_contiguous_inputs_give_correct_values_and_grads():
    base = RNG.standard_normal((4, 6))
    strided = base[::2, ::-2]  # a non-contiguous view
    transposed = base.T
    assert not strided.flags.c_contiguous and not transposed.flags.c_contiguous
    a = ag.Tensor(strided, requires_grad=True)
    b = ag.Tensor(transposed, requires_grad=True)
    out = (a * 2.0).sum() + (b @ base).tanh().sum()
    np.testing.assert_allclose(
        out.item(), (strided * 2).sum() + np.tanh(base.T @ base).sum(), rtol=1e-12
    )
    out.backward()
    np.testing.assert_allclose(a.grad.data, np.full(strided.shape, 2.0))
    np.testing.assert_allclose(b.grad.data, (1 - np.tanh(base.T @ base) ** 2) @ base.T, rtol=1e-10)


def test_nan_and_inf_propagate_through_forward_and_backward_like_numpy():
    data = np.array([np.nan, np.inf, -np.inf, 1.0])
    x = ag.Tensor(data, requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = x * 2.0 + 1.0
        np.testing.assert_array_equal(out.data, data * 2.0 + 1.0)
        (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 3.0, 3.0])
    y = ag.Tensor([np.nan, 1.0], requires_grad=True)
    (y * y).sum().backward()
    assert np.isnan(y.grad.data[0]) and y.grad.data[1] == 2.0
