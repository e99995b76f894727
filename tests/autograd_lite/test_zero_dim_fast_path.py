"""0-d tensors are computed on NumPy scalars (see `ops._core`: several times faster than 0-d
arrays). These tests hold that path to the array path: for every op it serves, a 0-d
result must equal the same op on shape-(1,) data in value and dtype, and still be an ndarray."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import autograd_lite as ag

DTYPES = [np.float64, np.float32, np.int64, np.bool_]

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, ag.maximum, ag.minimum]


def _pair(value, dtype):
    """The same number as a 0-d tensor and as a shape-(1,) tensor."""
    return ag.Tensor(np.asarray(value, dtype=dtype)), ag.Tensor(np.asarray([value], dtype=dtype))


def _assert_same(zero_d: ag.Tensor, one: ag.Tensor) -> None:
    assert type(zero_d.data) is np.ndarray
    assert zero_d.shape == ()
    assert zero_d.dtype == one.dtype
    np.testing.assert_array_equal(zero_d.data.reshape(1), one.data)


@pytest.mark.parametrize("dtype_a", DTYPES)
@pytest.mark.parametrize("dtype_b", DTYPES)
@pytest.mark.parametrize("fn", BINARY, ids=lambda f: getattr(f, "__name__", str(f)))
def test_binary_op_on_0d_tensors_matches_the_array_path(fn, dtype_a, dtype_b):
    a0, a1 = _pair(1.5 if np.dtype(dtype_a).kind == "f" else 1, dtype_a)
    b0, b1 = _pair(2.0 if np.dtype(dtype_b).kind == "f" else 1, dtype_b)
    if fn is operator.sub and dtype_a is np.bool_ and dtype_b is np.bool_:
        for a, b in ((a0, b0), (a1, b1)):  # NumPy refuses bool − bool: the same error for both
            with pytest.raises(TypeError, match="sub: unsupported dtypes bool and bool"):
                fn(a, b)
        return
    with np.errstate(all="ignore"):
        _assert_same(fn(a0, b0), fn(a1, b1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("number", [2, 0.5, -3.25])
@pytest.mark.parametrize("fn", [operator.add, operator.sub, operator.mul, operator.truediv])
def test_python_number_with_a_0d_tensor_matches_the_array_path(fn, number, dtype):
    if dtype is np.bool_ and fn is operator.sub:
        number = 0.5  # bool − int is refused by NumPy; bool − float is not
    x0, x1 = _pair(3 if np.dtype(dtype).kind != "f" else 0.75, dtype)
    _assert_same(fn(x0, number), fn(x1, number))
    _assert_same(fn(number, x0), fn(number, x1))


def test_a_0d_result_owns_its_array():
    x = ag.Tensor(2.0)
    y = x * 1.0
    y.data[...] = 7.0
    assert x.data == 2.0
    assert y.data.flags.writeable


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_of_a_deep_0d_chain_equal_those_of_the_shape_1_chain(dtype):
    def chain(x, w):
        y = x
        for _ in range(50):
            y = (y * w + 0.01).tanh() * 1.5 - 0.1 / (1.0 + y * y)
        return y.sum()

    x0, x1 = (ag.Tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in (0.4, [0.4]))
    w0, w1 = (ag.Tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in (0.9, [0.9]))
    chain(x0, w0).backward()
    chain(x1, w1).backward()
    for zero_d, one in ((x0, x1), (w0, w1)):
        assert type(zero_d.grad.data) is np.ndarray and zero_d.grad.shape == ()
        assert zero_d.grad.dtype == dtype
        np.testing.assert_allclose(zero_d.grad.data.reshape(1), one.grad.data, rtol=1e-6)
