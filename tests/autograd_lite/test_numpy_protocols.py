"""NumPy code on Tensors never silently loses a gradient (NEP 13 / NEP 18).

Every op with a NumPy counterpart is checked by the op table's dispatch family (the NumPy
reference run on Tensors); this file covers NumPy's keywords, mixed operands, functions with no
rule, and the things a NumPy user does by reflex."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Tensor, no_grad


def leaf(values):
    return Tensor(np.asarray(values, dtype=float), requires_grad=True)


def test_a_numpy_written_loss_differentiates_like_the_same_loss_in_tensor_methods():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 3)), rng.random(5)
    start = rng.standard_normal(3)
    w1, w2 = leaf(start), leaf(start)
    z = np.matmul(X, w1)
    p = 1 / (1 + np.exp(-z))
    loss_numpy = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    p2 = ((Tensor(X) @ w2) * -1).exp().__radd__(1) ** -1
    loss_tensor = -(y * p2.log() + (1 - y) * (1 - p2).log()).mean()
    loss_numpy.backward()
    loss_tensor.backward()
    assert isinstance(loss_numpy, Tensor)
    np.testing.assert_allclose(w1.grad.data, w2.grad.data, rtol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: np.sum(t, axis=0),
        lambda t: np.mean(t, axis=1, keepdims=True),
        lambda t: np.max(t, axis=-1),
        lambda t: np.add.reduce(t, axis=0),
        lambda t: np.maximum.reduce(t, axis=1),
        lambda t: np.transpose(t),
        lambda t: np.reshape(t, (3, 2)),
        lambda t: np.clip(t, -0.5, 0.5),
        lambda t: np.where(t > 0, t, 0.1 * t),
        lambda t: np.concatenate([t, t * 2], axis=1),
        lambda t: np.stack([t, t], axis=0),
    ],
    ids=[
        "sum",
        "mean",
        "max",
        "add.reduce",
        "maximum.reduce",
        "transpose",
        "reshape",
        "clip",
        "where",
        "concatenate",
        "stack",
    ],
)
def test_numpy_functions_equal_the_tensor_ops_and_carry_gradients(call):
    values = np.array([[0.3, -1.2, 2.0], [1.5, -0.7, 0.9]])
    t = leaf(values)
    out = call(t)
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, call(values))
    out.sum().backward()
    assert t.grad is not None and t.grad.shape == values.shape


def test_ndarray_on_the_left_gives_a_tensor_with_the_gradient():
    t = leaf([1.0, 2.0])
    out = np.array([3.0, 4.0]) * t + np.array([1.0, 1.0]) / t
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(t.grad.data, [3.0 - 1.0, 4.0 - 0.25])


def test_in_place_ndarray_minus_tensor_updates_the_ndarray_with_values():
    params = np.array([1.0, 2.0])
    params -= 0.5 * Tensor([2.0, 4.0])
    assert type(params) is np.ndarray
    np.testing.assert_allclose(params, [0.0, 0.0])


def test_out_into_an_ndarray_writes_values_and_returns_it():
    t = leaf([0.0, 1.0])
    out = np.empty(2)
    result = np.exp(t, out=out)
    assert result is out
    np.testing.assert_allclose(out, np.exp([0.0, 1.0]))


def test_out_into_a_tensor_is_a_recorded_in_place_update():
    t = leaf([0.0, 1.0])
    target = Tensor(np.zeros(2))
    np.exp(t, out=target)
    np.testing.assert_allclose(target.data, np.exp([0.0, 1.0]))
    target.sum().backward()
    np.testing.assert_allclose(t.grad.data, np.exp([0.0, 1.0]))


def test_where_keyword_of_a_ufunc_keeps_out_where_false():
    t = leaf([1.0, 2.0, 3.0])
    out = np.full(3, -1.0)
    np.multiply(t, 10.0, out=out, where=np.array([True, False, True]))
    np.testing.assert_allclose(out, [10.0, -1.0, 30.0])
    with pytest.raises(TypeError, match="where= needs out="):
        np.multiply(t, 10.0, where=np.array([True, False, True]))


@pytest.mark.parametrize(
    ("function", "expected", "grad"),
    [
        (np.sum, 4.0, [1.0, 0.0, 1.0]),
        (np.mean, 2.0, [0.5, 0.0, 0.5]),
        (np.prod, 3.0, [3.0, 0.0, 1.0]),
    ],
)
def test_where_keyword_of_sum_mean_prod_reduces_the_kept_elements(function, expected, grad):
    if function is np.prod and "prod" not in ag.ops.REGISTRY:
        pytest.skip("prod is not an op yet")
    t = leaf([1.0, 2.0, 3.0])
    out = function(t, where=np.array([True, False, True]))
    assert out.item() == pytest.approx(expected)
    out.backward()
    np.testing.assert_allclose(t.grad.data, grad)


def test_dtype_keyword_converts_the_result():
    out = np.sum(leaf([1.5, 2.5]), dtype=np.float32)
    assert out.dtype == np.float32 and out.requires_grad


def test_a_numpy_function_without_a_rule_refuses_a_tensor_that_requires_grad():
    t = leaf([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"np\.median: autograd_lite has no gradient"):
        np.median(t)
    with pytest.raises(TypeError, match=r"np\.fft\.fft: autograd_lite has no gradient"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match=r"np\.sinc: autograd_lite has no gradient"):
        np.sinc(t)  # a ufunc-like function with no rule


def test_a_ufunc_without_a_rule_refuses_a_tensor_that_requires_grad():
    t = leaf([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"np\.cbrt: autograd_lite has no gradient"):
        np.cbrt(t)


def test_without_a_gradient_to_lose_numpy_functions_compute_constants():
    t = Tensor([3.0, 1.0, 2.0])
    assert np.median(t) == 2.0
    with no_grad():
        assert np.median(leaf([3.0, 1.0, 2.0])) == 2.0
    np.testing.assert_allclose(np.cbrt(Tensor([8.0])).data, [2.0])


def test_functions_whose_results_carry_no_gradient_always_compute():
    t = leaf([[1.0, np.nan], [3.0, 4.0]])
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2 and np.size(t) == 4
    mask = np.isnan(t)
    assert isinstance(mask, Tensor) and mask.dtype == bool and not mask.requires_grad
    assert not np.allclose(t, t)  # NaN ≠ NaN, as in NumPy
    assert np.count_nonzero(t > 1) == 2
    np.testing.assert_array_equal(np.argwhere(t > 1), [[1, 0], [1, 1]])


def test_zeros_like_of_a_tensor_is_a_constant_tensor():
    t = leaf([1.0, 2.0])
    z = np.zeros_like(t)
    assert isinstance(z, Tensor) and not z.requires_grad and z.data.tolist() == [0.0, 0.0]


def test_numpy_errors_name_the_numpy_function():
    with pytest.raises(TypeError, match=r"np\.sum"):
        np.sum(leaf([1.0]), axis="rows")
