"""Forward values of every op against plain NumPy, through the method and the function form."""

import warnings

import numpy as np
import pytest
from numerical import np_leaky_relu, np_log_softmax, np_logsumexp, np_sigmoid, np_softmax

import autograd_lite as ag

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
P = RNG.uniform(0.1, 2.0, size=(3, 4))  # positive, for log/sqrt/pow
V = RNG.standard_normal(4)

# name: (call on Tensors, call on ndarrays, inputs)
FORWARD_CASES = {
    "add": (lambda a, b: a + b, np.add, (X, V)),
    "sub": (lambda a, b: a - b, np.subtract, (X, Y)),
    "mul": (lambda a, b: a * b, np.multiply, (X, V)),
    "div": (lambda a, b: a / b, np.divide, (X, P)),
    "pow scalar": (lambda a: a**3, lambda a: a**3, (X,)),
    "pow tensor": (lambda a, b: a**b, np.power, (P, X)),
    "rpow": (lambda a: 2.0**a, lambda a: 2.0**a, (X,)),
    "neg": (lambda a: -a, np.negative, (X,)),
    "matmul": (lambda a, b: a @ b, np.matmul, (X, Y.T)),
    "sum": (lambda a: a.sum(axis=1), lambda a: a.sum(axis=1), (X,)),
    "mean keepdims": (lambda a: a.mean(0, keepdims=True), lambda a: a.mean(0, keepdims=True), (X,)),
    "max": (lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), (X,)),
    "min": (lambda a: a.min(), lambda a: a.min(), (X,)),
    "var ddof": (lambda a: a.var(axis=0, ddof=1), lambda a: a.var(axis=0, ddof=1), (X,)),
    "exp": (lambda a: a.exp(), np.exp, (X,)),
    "log": (lambda a: a.log(), np.log, (P,)),
    "sqrt": (lambda a: a.sqrt(), np.sqrt, (P,)),
    "abs": (lambda a: a.abs(), np.abs, (X,)),
    "tanh": (lambda a: a.tanh(), np.tanh, (X,)),
    "sigmoid": (lambda a: a.sigmoid(), np_sigmoid, (X,)),
    "relu": (lambda a: a.relu(), lambda a: np.maximum(a, 0), (X,)),
    "leaky_relu": (lambda a: a.leaky_relu(0.1), lambda a: np_leaky_relu(a, 0.1), (X,)),
    "softmax": (lambda a: a.softmax(axis=0), lambda a: np_softmax(a, axis=0), (X,)),
    "log_softmax": (lambda a: a.log_softmax(), np_log_softmax, (X,)),
    "logsumexp": (lambda a: a.logsumexp(axis=1), lambda a: np_logsumexp(a, axis=1), (X,)),
    "reshape": (lambda a: a.reshape(2, -1), lambda a: a.reshape(2, -1), (X,)),
    "transpose": (lambda a: a.transpose(), np.transpose, (X,)),
    "T": (lambda a: a.T, np.transpose, (X,)),
    "clip": (lambda a: a.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), (X,)),
    "maximum": (lambda a, b: a.maximum(b), np.maximum, (X, Y)),
    "minimum": (lambda a, b: a.minimum(b), np.minimum, (X, V)),
    "where": (lambda a, b: ag.where(X > 0, a, b), lambda a, b: np.where(X > 0, a, b), (X, V)),
    "concatenate": (
        lambda a, b: ag.concatenate([a, b], axis=1),
        lambda a, b: np.concatenate([a, b], axis=1),
        (X, Y),
    ),
    "stack": (lambda a, b: ag.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1), (X, Y)),
    "index": (lambda a: a[::-1, [0, 0, 2]], lambda a: a[::-1, [0, 0, 2]], (X,)),
    "linear": (
        lambda a, w, b: ag.linear(a, w, b),
        lambda a, w, b: a @ w.T + b,
        (X, Y[:2], V[:2]),
    ),
}


@pytest.mark.parametrize("name", FORWARD_CASES)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_forward_matches_numpy(name, requires_grad):
    call, ref, inputs = FORWARD_CASES[name]
    out = call(*(ag.Tensor(a, requires_grad=requires_grad) for a in inputs))
    expected = ref(*inputs)
    assert isinstance(out, ag.Tensor)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)
    assert out.requires_grad == requires_grad


def test_forward_under_no_grad_matches_numpy():
    with ag.no_grad():
        out = (ag.Tensor(X, requires_grad=True).tanh() @ ag.Tensor(Y.T)).softmax()
    np.testing.assert_allclose(out.data, np_softmax(np.tanh(X) @ Y.T), rtol=1e-12)


FUNCTION_FORMS = {
    # ag.NAME(x, ...) and x.NAME(...) are the same op
    "sum": ((), {"axis": 0}),
    "mean": ((), {"axis": (0, 1), "keepdims": True}),
    "max": ((), {"axis": 1}),
    "min": ((), {}),
    "var": ((), {"ddof": 1}),
    "exp": ((), {}),
    "log": ((), {}),
    "sqrt": ((), {}),
    "abs": ((), {}),
    "tanh": ((), {}),
    "sigmoid": ((), {}),
    "relu": ((), {}),
    "leaky_relu": ((), {"negative_slope": 0.2}),
    "softmax": ((), {"axis": 0}),
    "log_softmax": ((), {"axis": -1}),
    "logsumexp": ((), {"axis": -1, "keepdims": True}),
    "reshape": ((4, 3), {}),
    "transpose": ((1, 0), {}),
    "clip": ((0.5, 1.0), {}),
    "maximum": ((1.0,), {}),
    "minimum": ((1.0,), {}),
    "matmul": ((P.T,), {}),
}


@pytest.mark.parametrize("name", FUNCTION_FORMS)
def test_function_form_equals_method_form(name):
    args, kwargs = FUNCTION_FORMS[name]
    x = ag.Tensor(P)
    by_function = getattr(ag, name)(x, *args, **kwargs)
    by_method = getattr(x, name)(*args, **kwargs)
    np.testing.assert_array_equal(by_function.data, by_method.data)


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
