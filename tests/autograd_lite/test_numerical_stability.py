"""The stable ops stay finite (values and gradients) for inputs of ±1000."""

import numpy as np
import pytest
from numerical import np_sigmoid

import autograd_lite as ag

EXTREME = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
EXTREME_ROWS = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0], [-1000.0, -1000.0, 0.0]])


def backward_of_weighted_sum(out):
    weights = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
    out.backward(gradient=weights)


def assert_finite(array, what):
    array = np.asarray(array)
    assert np.all(np.isfinite(array)), f"{what} is not finite: {array}"


def test_sigmoid_is_finite_and_exact_for_inputs_of_1000():
    x = ag.Tensor(EXTREME, requires_grad=True)
    out = x.sigmoid()
    assert_finite(out.data, "sigmoid")
    np.testing.assert_allclose(out.data, np_sigmoid(EXTREME), rtol=1e-12, atol=0)
    backward_of_weighted_sum(out)
    assert_finite(x.grad, "sigmoid grad")
    np.testing.assert_allclose(np.asarray(x.grad)[[0, -1]], [0.0, 0.0], atol=1e-300)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "log_softmax", "logsumexp"])
def test_stable_ops_do_not_overflow_inside_for_inputs_of_1000(name):
    x = ag.Tensor(EXTREME_ROWS, requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        out = getattr(x, name)()
        backward_of_weighted_sum(out)
    assert_finite(x.grad, f"{name} grad")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_are_finite_for_logits_of_1000(name):
    x = ag.Tensor(EXTREME_ROWS, requires_grad=True)
    out = getattr(x, name)(axis=1)
    shifted = EXTREME_ROWS - EXTREME_ROWS.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = log_p if name == "log_softmax" else np.exp(log_p)
    assert_finite(out.data, name)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-300)
    backward_of_weighted_sum(out)
    assert_finite(x.grad, f"{name} grad")


@pytest.mark.parametrize("axis", [None, 1])
def test_logsumexp_is_finite_for_inputs_of_1000(axis):
    x = ag.Tensor(EXTREME_ROWS, requires_grad=True)
    out = x.logsumexp(axis=axis)
    m = EXTREME_ROWS.max(axis=axis, keepdims=True)
    expected = (m + np.log(np.exp(EXTREME_ROWS - m).sum(axis=axis, keepdims=True))).squeeze()
    assert_finite(out.data, "logsumexp")
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    backward_of_weighted_sum(out)
    assert_finite(x.grad, "logsumexp grad")


def test_logsumexp_of_two_equal_large_values_is_the_value_plus_log_2():
    out = ag.Tensor([1000.0, 1000.0]).logsumexp()
    np.testing.assert_allclose(out.item(), 1000.0 + np.log(2.0), rtol=1e-15)


def test_cross_entropy_is_finite_for_logits_of_1000():
    logits = ag.Tensor(EXTREME_ROWS, requires_grad=True)
    labels = np.array([2, 0, 1])
    loss = ag.softmax_cross_entropy(logits, labels)
    shifted = EXTREME_ROWS - EXTREME_ROWS.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(3), labels].mean()  # ≈ (2000 + log(1 + e^-1)... ) / 3
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    assert_finite(logits.grad, "cross-entropy grad")
    np.testing.assert_allclose(np.asarray(logits.grad).sum(axis=1), 0.0, atol=1e-12)


def test_cross_entropy_with_one_hot_labels_is_finite_for_logits_of_1000():
    logits = ag.Tensor(EXTREME_ROWS, requires_grad=True)
    loss = ag.softmax_cross_entropy(logits, np.eye(3)[[2, 0, 1]])
    assert np.isfinite(loss.item())
    loss.backward()
    assert_finite(logits.grad, "cross-entropy grad")


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bce_with_logits_is_finite_for_logits_of_1000(target):
    z0 = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    y = np.full_like(z0, target)
    z = ag.Tensor(z0, requires_grad=True)
    loss = ag.binary_cross_entropy_with_logits(z, y)
    expected = np.mean(np.maximum(z0, 0) - z0 * y + np.log1p(np.exp(-np.abs(z0))))
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    assert_finite(z.grad, "bce-with-logits grad")
    np.testing.assert_allclose(np.asarray(z.grad), (np_sigmoid(z0) - y) / 5, atol=1e-15)


def test_binary_cross_entropy_is_finite_for_probabilities_of_exactly_0_and_1():
    p0 = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = ag.Tensor(p0, requires_grad=True)
    loss = ag.binary_cross_entropy(p, y)
    # right answers cost 0, wrong answers are clamped at 100, and p = 0.5 costs log 2
    np.testing.assert_allclose(loss.item(), (0 + 0 + 100 + 100 + np.log(2)) / 5, rtol=1e-12)
    loss.backward()
    assert_finite(p.grad, "binary cross-entropy grad")
