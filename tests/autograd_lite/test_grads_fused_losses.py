"""The fused losses: values against NumPy formulas, gradients against central differences.

- softmax_cross_entropy(logits (m, k), labels (m,) int or (m, k) one-hot)
  = mean_i −log softmax(zᵢ)[yᵢ]
- binary_cross_entropy_with_logits(z, y) = mean(max(z, 0) − z·y + log(1 + e^−|z|))
- binary_cross_entropy(p, y) = mean(−(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)))
"""

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from numerical import np_log_softmax

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)
SEEDS = st.integers(0, 2**32 - 1)


def np_softmax_cross_entropy(logits, labels):
    log_p = np_log_softmax(logits, axis=1)
    if labels.ndim == 1:
        return -np.mean(log_p[np.arange(len(labels)), labels])
    return -np.mean(np.sum(labels * log_p, axis=1))


def np_bce_with_logits(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def np_bce(p, y):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_1mp = np.maximum(np.log(1.0 - p), -100.0)
    return np.mean(-(y * log_p + (1.0 - y) * log_1mp))


def test_softmax_cross_entropy_is_the_batch_mean_of_minus_log_probability_of_the_label():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    labels = np.array([0, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -(np.log(p[0, 0]) + np.log(p[1, 2])) / 2
    got = ag.softmax_cross_entropy(ag.Tensor(logits), labels)
    assert got.shape == ()
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)
    # int labels and one-hot labels give the same loss; labels as a Tensor work too
    one_hot = ag.softmax_cross_entropy(ag.Tensor(logits), np.eye(3)[labels])
    np.testing.assert_allclose(one_hot.item(), expected, rtol=1e-12)
    as_tensor = ag.softmax_cross_entropy(ag.Tensor(logits), ag.Tensor(labels))
    np.testing.assert_allclose(as_tensor.item(), expected, rtol=1e-12)


def test_softmax_cross_entropy_grad_is_softmax_minus_one_hot_over_m():
    rng = np.random.default_rng(3)
    logits, labels = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    z = ag.Tensor(logits, requires_grad=True)
    ag.softmax_cross_entropy(z, labels).backward()
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(z.grad), (p - np.eye(3)[labels]) / 4, rtol=1e-10)


def test_binary_cross_entropy_with_logits_grad_is_sigmoid_minus_target_over_n():
    z0 = np.array([[-2.0], [0.5], [3.0]])
    y = np.array([[0.0], [1.0], [1.0]])
    z = ag.Tensor(z0, requires_grad=True)
    ag.binary_cross_entropy_with_logits(z, y).backward()
    np.testing.assert_allclose(np.asarray(z.grad), (1 / (1 + np.exp(-z0)) - y) / 3, rtol=1e-10)


def test_binary_cross_entropy_is_the_mean_over_all_elements():
    p = np.array([[0.9, 0.2], [0.4, 0.6], [0.5, 0.99]])
    y = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    got = ag.binary_cross_entropy(ag.Tensor(p), ag.Tensor(y))
    assert got.shape == ()
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_binary_cross_entropy_clamps_the_log_at_minus_100(target):
    # p = 0 with y = 1 (or p = 1 with y = 0) costs exactly 100, not inf
    p = ag.Tensor([1.0 - target])
    loss = ag.binary_cross_entropy(p, ag.Tensor([target]))
    np.testing.assert_allclose(loss.item(), 100.0)


def test_bce_refuses_probabilities_outside_0_1_even_next_to_a_nan():
    y = np.array([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"\[0, 1\].*from 0.2 to 2.0"):
        ag.binary_cross_entropy(ag.Tensor([np.nan, 0.2, 2.0]), y)
    with np.errstate(invalid="ignore"):
        loss = ag.binary_cross_entropy(ag.Tensor([np.nan, 0.2, 0.9]), y)
    assert np.isnan(loss.item())  # NaN in, NaN out: not an error, as in NumPy
