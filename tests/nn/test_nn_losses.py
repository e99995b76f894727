"""Losses against their formulas, finite at the extremes, with clear shape errors."""

import numpy as np
import pytest
from central_difference import numerical_gradient, relative_error

import nn
from autograd_lite import Tensor


def log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


def bce_formula(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def cross_entropy_formula(z, labels):
    log_probabilities = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(log_probabilities[np.arange(len(labels)), labels])


RNG = np.random.default_rng(0)
Y_BINARY = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
P = np.array([[0.9], [0.2], [0.6], [0.35], [0.01]])
LOGITS = RNG.normal(size=(6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 3])


# ----------------------------------------------------------------------------- values


def test_bce_matches_its_formula():
    loss = nn.BCELoss()(Tensor(P), Y_BINARY)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), bce_formula(P, Y_BINARY), rtol=1e-12)


def test_bce_accepts_vectors_of_shape_m():
    loss = nn.BCELoss()(Tensor(P[:, 0]), Y_BINARY[:, 0])
    np.testing.assert_allclose(loss.item(), bce_formula(P, Y_BINARY), rtol=1e-12)


def test_bce_with_logits_matches_bce_of_the_sigmoid():
    z = np.array([[2.0], [-1.5], [0.0], [0.3], [-4.0]])
    expected = -np.mean(Y_BINARY * log_sigmoid(z) + (1 - Y_BINARY) * log_sigmoid(-z))
    loss = nn.BCEWithLogitsLoss()(Tensor(z), Y_BINARY)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)


def test_cross_entropy_with_integer_labels_matches_its_formula():
    loss = nn.CrossEntropyLoss()(Tensor(LOGITS), LABELS)
    np.testing.assert_allclose(loss.item(), cross_entropy_formula(LOGITS, LABELS), rtol=1e-12)


def test_cross_entropy_with_one_hot_targets_equals_integer_labels():
    one_hot = np.eye(4)[LABELS]
    loss = nn.CrossEntropyLoss()(Tensor(LOGITS), one_hot)
    np.testing.assert_allclose(loss.item(), cross_entropy_formula(LOGITS, LABELS), rtol=1e-12)


def test_cross_entropy_accepts_whole_number_float_labels():
    loss = nn.CrossEntropyLoss()(Tensor(LOGITS), LABELS.astype(float))
    np.testing.assert_allclose(loss.item(), cross_entropy_formula(LOGITS, LABELS), rtol=1e-12)


def test_mse_is_the_mean_over_all_elements():
    prediction = RNG.normal(size=(4, 3))
    target = RNG.normal(size=(4, 3))
    loss = nn.MSELoss()(Tensor(prediction), target)
    np.testing.assert_allclose(loss.item(), np.sum((prediction - target) ** 2) / 12, rtol=1e-12)


# ----------------------------------------------------------------------------- extremes


def test_bce_is_finite_for_probabilities_of_exactly_zero_and_one():
    p = Tensor(np.array([[0.0], [1.0], [0.0], [1.0]]), requires_grad=True)
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    loss = nn.BCELoss()(p, y)
    loss.backward()
    assert np.all(np.isfinite(p.grad.data))
    # right certainties cost 0; wrong ones cost 100 each (log clamped at -100); mean over 4
    np.testing.assert_allclose(loss.item(), (0 + 0 + 100 + 100) / 4, rtol=1e-12)


def test_bce_of_perfect_predictions_is_zero():
    p = np.array([0.0, 1.0, 1.0])
    assert nn.BCELoss()(Tensor(p), p).item() == pytest.approx(0.0, abs=1e-12)


def test_bce_with_logits_is_finite_and_exact_for_logits_of_1000():
    z = Tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0]), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = nn.BCEWithLogitsLoss()(z, y)
    loss.backward()
    # right with certainty costs 0, wrong with certainty costs |z| = 1000
    np.testing.assert_allclose(loss.item(), (0 + 0 + 1000 + 1000) / 4, rtol=1e-12)
    # dL/dz = (σ(z) − y) / m
    np.testing.assert_allclose(z.grad.data, np.array([0.0, 0.0, 1.0, -1.0]) / 4, atol=1e-12)


def test_cross_entropy_is_finite_for_logits_of_1000():
    z = Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]]), requires_grad=True)
    labels = np.array([1, 2])
    loss = nn.CrossEntropyLoss()(z, labels)
    loss.backward()
    # row 0: the label's logit is 2000 below the max; row 1: two tied maxima give log 2
    np.testing.assert_allclose(loss.item(), (2000.0 + np.log(2)) / 2, rtol=1e-12)
    expected_grad = np.array([[1.0, -1.0, 0.0], [0.0, 0.5, -0.5]]) / 2
    np.testing.assert_allclose(z.grad.data, expected_grad, atol=1e-12)


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(
    "loss_fn, prediction, target",
    [
        (nn.BCELoss(), P, Y_BINARY),
        (nn.BCEWithLogitsLoss(), RNG.normal(size=(5, 1)), Y_BINARY),
        (nn.CrossEntropyLoss(), LOGITS, LABELS),
        (nn.CrossEntropyLoss(), LOGITS, np.eye(4)[LABELS]),
        (nn.MSELoss(), RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))),
    ],
    ids=["bce", "bce_logits", "ce_labels", "ce_one_hot", "mse"],
)
def test_loss_gradient_matches_central_difference(loss_fn, prediction, target):
    x = Tensor(prediction.copy(), requires_grad=True)
    loss_fn(x, target).backward()
    numeric = numerical_gradient(lambda: loss_fn(Tensor(x.data), target).item(), x.data)
    assert relative_error(x.grad.data, numeric) < 1e-7


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("loss_cls", [nn.BCELoss, nn.BCEWithLogitsLoss, nn.MSELoss])
def test_loss_names_itself_and_both_shapes_when_they_differ(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}.*\(4, 1\).*\(4,\)"):
        loss_cls()(Tensor(np.full((4, 1), 0.5)), np.ones(4))


@pytest.mark.parametrize("loss_cls", [nn.BCELoss, nn.BCEWithLogitsLoss])
def test_binary_losses_reject_multi_column_predictions(loss_cls):
    with pytest.raises(ValueError, match=r"\(m,\) or \(m, 1\)"):
        loss_cls()(Tensor(np.full((4, 2), 0.5)), np.ones((4, 2)))


def test_bce_rejects_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        nn.BCELoss()(Tensor(np.array([0.5, 1.5])), np.array([1.0, 0.0]))


def test_binary_losses_reject_targets_outside_zero_one():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        nn.BCEWithLogitsLoss()(Tensor(np.zeros(2)), np.array([1.0, 2.0]))


def test_losses_reject_non_numeric_targets():
    with pytest.raises(TypeError, match="numeric"):
        nn.MSELoss()(Tensor(np.zeros(2)), np.array(["a", "b"]))


def test_cross_entropy_names_both_shapes_for_mismatched_labels():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*\(6, 4\).*\(5,\)"):
        nn.CrossEntropyLoss()(Tensor(LOGITS), LABELS[:5])
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*\(6, 4\).*\(6, 3\)"):
        nn.CrossEntropyLoss()(Tensor(LOGITS), np.eye(3)[LABELS % 3])


def test_cross_entropy_rejects_labels_out_of_range_or_fractional():
    with pytest.raises(ValueError, match=r"\[0, 3\] for 4 classes"):
        nn.CrossEntropyLoss()(Tensor(LOGITS), np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(ValueError, match="whole numbers"):
        nn.CrossEntropyLoss()(Tensor(LOGITS), np.array([0, 1, 2, 3, 0.5, 0]))


def test_cross_entropy_needs_two_dimensional_logits():
    with pytest.raises(ValueError, match=r"\(m, k\)"):
        nn.CrossEntropyLoss()(Tensor(np.zeros(4)), np.zeros(4, dtype=int))


# ----------------------------------------------------------------------------- L2 penalty


def test_l2_penalty_is_lambda_over_2m_times_squared_weights_without_biases():
    model = nn.Sequential(nn.Dense(3, 4, seed=0), nn.ReLU(), nn.Dense(4, 2, seed=1))
    model[0].b.data[...] = 100.0  # biases must not count
    lambd, m = 0.7, 10
    squares = np.sum(model[0].W.data ** 2) + np.sum(model[2].W.data ** 2)
    penalty = nn.l2_penalty(model, lambd, m)
    np.testing.assert_allclose(penalty.item(), lambd / (2 * m) * squares, rtol=1e-12)


def test_l2_penalty_gradient_is_lambda_over_m_times_w():
    model = nn.Sequential(nn.Dense(3, 2, seed=0))
    nn.l2_penalty(model, 0.5, 4).backward()
    np.testing.assert_allclose(model[0].W.grad.data, 0.5 / 4 * model[0].W.data, rtol=1e-12)
    assert model[0].b.grad is None or not np.any(model[0].b.grad.data)


def test_l2_penalty_validates_its_arguments():
    model = nn.Sequential(nn.Dense(2, 2))
    with pytest.raises(ValueError, match="lambd"):
        nn.l2_penalty(model, -1.0, 5)
    with pytest.raises(ValueError, match="m"):
        nn.l2_penalty(model, 0.1, 0)
    with pytest.raises(TypeError, match="Module"):
        nn.l2_penalty([np.ones(2)], 0.1, 5)
