"""The Tensor's NumPy-like surface: attributes, conversion, comparisons."""

import operator

import numpy as np
import pytest

import autograd_lite as ag

X0 = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])


def test_tensor_from_a_list_a_scalar_and_an_ndarray():
    np.testing.assert_array_equal(ag.Tensor([[1.0, 2.0]]).data, np.array([[1.0, 2.0]]))
    assert ag.Tensor(3.0).shape == ()
    np.testing.assert_array_equal(ag.Tensor(X0).data, X0)


def test_tensor_from_a_tensor_has_the_same_values():
    np.testing.assert_array_equal(ag.Tensor(ag.Tensor(X0)).data, X0)


def test_data_is_an_ndarray_returned_without_copy():
    x = ag.Tensor(X0)
    assert isinstance(x.data, np.ndarray)
    assert x.data is x.data


def test_shape_ndim_size_dtype_and_len_match_numpy():
    x = ag.Tensor(X0)
    assert x.shape == (2, 3)
    assert x.ndim == 2
    assert x.size == 6
    assert x.dtype == np.float64
    assert len(x) == 2
    assert len(ag.Tensor(np.zeros((5, 1)))) == 5


def test_len_of_a_0d_tensor_raises_type_error_like_numpy():
    with pytest.raises(TypeError):
        len(ag.Tensor(1.0))


def test_np_asarray_and_numpy_return_the_values():
    x = ag.Tensor(X0, requires_grad=True)
    np.testing.assert_array_equal(np.asarray(x), X0)
    assert isinstance(np.asarray(x), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), X0)
    assert isinstance(x.numpy(), np.ndarray)
    assert np.asarray(x, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda x: x * 2.0, id="mul"),
        pytest.param(lambda x: 2.0 - x, id="rsub"),
        pytest.param(lambda x: -x, id="neg"),
        pytest.param(lambda x: x.exp(), id="exp"),
        pytest.param(lambda x: x.sum(), id="sum"),
        pytest.param(lambda x: x**2, id="pow"),
        pytest.param(lambda x: x.tanh(), id="tanh"),
        pytest.param(lambda x: x.reshape(1), id="reshape"),
    ],
)
def test_0d_results_and_their_grads_hold_0d_ndarrays(make):
    x = ag.Tensor(np.array(1.5), requires_grad=True)
    out = make(x)
    assert isinstance(out.data, np.ndarray), f"data is {type(out.data).__name__}"
    assert np.asarray(out).shape == out.shape
    out.backward()
    assert isinstance(x.grad.data, np.ndarray), f"grad data is {type(x.grad.data).__name__}"
    assert np.asarray(x.grad).shape == ()


def test_item_returns_a_python_float():
    assert ag.Tensor(2.5).item() == 2.5
    assert isinstance(ag.Tensor(2.5).item(), float)
    assert ag.Tensor([[7.0]]).item() == 7.0


def test_name_is_kept():
    assert ag.Tensor(1.0, name="x").name == "x"


def test_T_of_a_matrix_is_its_transpose():
    np.testing.assert_array_equal(ag.Tensor(X0).T.data, X0.T)


def test_repr_mentions_the_values():
    assert "Tensor" in repr(ag.Tensor([1.5]))
    assert "1.5" in repr(ag.Tensor([1.5]))


COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("other", [2.0, np.array([1.0, 5.0, 3.0]), "tensor"], ids=str)
def test_comparisons_return_bool_tensors_without_grad(op, other):
    x = ag.Tensor(X0, requires_grad=True)
    other_np = np.array([4.0, -2.0, 0.0]) if isinstance(other, str) else other
    rhs = ag.Tensor(other_np, requires_grad=True) if isinstance(other, str) else other
    out = op(x, rhs)
    assert isinstance(out, ag.Tensor)
    assert out.dtype == np.bool_
    assert not out.requires_grad
    np.testing.assert_array_equal(out.data, op(X0, other_np))


def test_reflected_comparison_with_a_number():
    x = ag.Tensor(X0)
    out = x > 2.0
    assert isinstance(out, ag.Tensor)
    np.testing.assert_array_equal(out.data, X0 > 2.0)


def test_tensor_can_be_indexed_with_a_bool_tensor_from_a_comparison():
    x = ag.Tensor(X0, requires_grad=True)
    out = x[x > 0]
    np.testing.assert_array_equal(out.data, X0[X0 > 0])
    out.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), (X0 > 0).astype(float))


def test_iterating_over_a_tensor_yields_its_rows():
    rows = list(ag.Tensor(X0))
    assert len(rows) == 2
    np.testing.assert_array_equal(np.asarray(rows[1]), X0[1])
