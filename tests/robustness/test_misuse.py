"""Misuse of the engine: odd values follow NumPy and PyTorch, non-differentiable steps pass no
gradient, and every bad argument is named with what it got."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Tensor

# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.uint8])
def test_a_cast_to_an_integer_dtype_passes_no_gradient_like_pytorch(dtype):
    x = Tensor([1.4, 2.6], requires_grad=True)
    cast = x.astype(dtype)
    assert not cast.requires_grad and cast.is_leaf
    ((cast * 1.0).sum() + (x * 2.0).sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])  # only the differentiable path


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 0])
def test_the_gradient_of_max_and_min_goes_to_the_nan_they_return(name, axis):
    x = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    out = getattr(x, name)(axis=axis)
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])  # PyTorch gives the same


def test_nan_along_one_row_does_not_spill_into_other_rows():
    x = Tensor([[1.0, np.nan], [4.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0], [1.0, 0.0]])


# ----------------------------------------------------------------------------- edge values


@pytest.mark.parametrize(
    ("logit", "target", "loss", "grad"),
    [
        (np.inf, 0.0, np.inf, 1.0),
        (np.inf, 1.0, 0.0, 0.0),
        (-np.inf, 0.0, 0.0, 0.0),
        (-np.inf, 1.0, np.inf, -1.0),
        (np.inf, 0.25, np.inf, 0.75),
    ],
)
def test_bce_with_logits_at_infinite_logits_takes_the_limit(logit, target, loss, grad):
    z = Tensor([logit], requires_grad=True)
    out = ag.binary_cross_entropy_with_logits(z, np.array([target]))
    assert out.item() == loss
    out.backward()
    np.testing.assert_array_equal(z.grad.data, [grad])  # (σ(z) − y)/n


@pytest.mark.parametrize("function", [ag.binary_cross_entropy, ag.binary_cross_entropy_with_logits])
@pytest.mark.parametrize("target", [np.nan, np.inf, -np.inf])
def test_binary_losses_refuse_nan_and_infinite_targets_naming_the_loss(function, target):
    with pytest.raises(ValueError, match=f"{function.__name__}: targets must be finite"):
        function(Tensor([0.5, 0.5]), np.array([1.0, target]))


def test_concatenate_with_axis_none_flattens_like_numpy():
    a, b = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True), Tensor([7.0, 8.0, 9.0])
    out = ag.concatenate([a, b], axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([a.data, b.data], axis=None))
    (out * np.arange(7.0)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[0.0, 1.0], [2.0, 3.0]])


@pytest.mark.parametrize(("values", "ddof"), [([1.0, 2.0], 2), ([1.0, 3.0], 3), ([5.0], 1)])
def test_var_and_std_with_ddof_at_least_n_give_numpys_value(values, ddof):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "Degrees of freedom <= 0"
        for name in ("var", "std"):
            expected = getattr(np, name)(values, ddof=ddof)
            got = getattr(Tensor(values), name)(ddof=ddof).item()
            assert (np.isnan(got) and np.isnan(expected)) or got == expected


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Tensor(2**70), OverflowError, "Tensor: the integer .* does not fit in 64 bits"),
        (lambda: Tensor([1 + 2j]), TypeError, r"Tensor: complex numbers \(complex128\)"),
        (lambda: Tensor("1.0"), TypeError, "Tensor: expected numbers"),
        (lambda: Tensor([1.0], name=3), TypeError, "name must be a string or None, got 3"),
        (lambda: Tensor([1.0], requires_grad="yes"), TypeError, "requires_grad must be True"),
        (lambda: Tensor([1.0], dtype="complex64"), TypeError, "complex"),
        (
            lambda: setattr(Tensor([1.0], requires_grad=True), "grad", [0.0]),
            TypeError,
            "grad: can only be set to a Tensor or None, got list",
        ),
        (
            lambda: Tensor([1.0]).leaky_relu(float("nan")),
            ValueError,
            "leaky_relu: negative_slope must be a finite real number, got nan",
        ),
        (lambda: Tensor([1.0]).clip(float("nan"), 1.0), ValueError, "clip: lo must be"),
        (lambda: Tensor([1.0]).sum(axis="rows"), TypeError, "sum: axis must be an int"),
        (lambda: Tensor([[1.0]]).mean(axis=2), ValueError, "mean: axis 2 is out of bounds"),
        (lambda: Tensor([1.0]).reshape(2), ValueError, "reshape: cannot reshape"),
        (lambda: ag.concatenate([]), ValueError, "concatenate: needs at least one tensor"),
        (lambda: Tensor([1.0, 2.0]) + Tensor([1.0, 2.0, 3.0]), ValueError, r"add: shapes \(2,\)"),
        (
            lambda: ag.softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 3])),
            ValueError,
            r"labels must lie in \[0, 2\]",
        ),
        (
            lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2) * 1j]),
            TypeError,
            "gradcheck: input .* holds complex128 values",
        ),
        (
            lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2)], eps=-1.0),
            ValueError,
            "eps must be positive",
        ),
        (
            lambda: Tensor([1.0], requires_grad=True).sum().backward(retain_graph="x"),
            TypeError,
            "retain_graph",
        ),
        (lambda: ag.grad(lambda x: x.sum(), argnums="0"), TypeError, "argnums"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_are_refused_naming_the_function_and_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_gradcheck_of_a_float32_computation_says_the_rounding_explains_the_error():
    x = Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    report = ag.gradcheck(lambda: (x.astype(np.float32) ** 3).sum(), [x])
    text = str(report)
    assert "f computes in float32" in text
    if not report:
        assert "the rounding, not backward, likely explains the error" in text
