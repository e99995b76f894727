"""Optimisers against their update formulas, step by step, on a small quadratic.

The quadratic f(w) = ½ Σ a·w² − Σ c·w has the gradient a·w − c, which the tests compute in
plain NumPy to replay each update rule independently of the optimiser under test.
"""

import numpy as np
import pytest

import nn
from autograd_lite import Tensor

A = np.array([[1.0, 3.0], [0.5, 2.0]])
C = np.array([[0.2, -1.0], [1.5, 0.0]])
W0 = np.array([[1.0, -2.0], [0.5, 3.0]])
STEPS = 6


def quadratic_grad(w):
    return A * w - C


def run(optimizer_cls, **settings):
    """Take STEPS optimiser steps on the quadratic; return the weights after every step."""
    w = Tensor(W0.copy(), requires_grad=True)
    optimizer = optimizer_cls([w], **settings)
    trajectory = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        (0.5 * (Tensor(A) * w * w).sum() - (Tensor(C) * w).sum()).backward()
        optimizer.step()
        trajectory.append(w.data.copy())
    return trajectory


def assert_trajectory(actual, expected):
    assert len(actual) == len(expected) == STEPS
    for step, (a, e) in enumerate(zip(actual, expected), start=1):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")


def test_sgd_follows_w_minus_lr_times_grad():
    lr, w, expected = 0.1, W0.copy(), []
    for _ in range(STEPS):
        w = w - lr * quadratic_grad(w)
        expected.append(w)
    assert_trajectory(run(nn.SGD, lr=lr), expected)


def test_sgd_momentum_is_the_exponential_moving_average_of_gradients():
    lr, beta, w, v, expected = 0.1, 0.9, W0.copy(), np.zeros_like(W0), []
    for _ in range(STEPS):
        v = beta * v + (1 - beta) * quadratic_grad(w)
        w = w - lr * v
        expected.append(w)
    assert_trajectory(run(nn.SGD, lr=lr, momentum=beta), expected)


def test_rmsprop_divides_by_the_root_mean_square_of_gradients():
    lr, beta, eps, w, s, expected = 0.01, 0.9, 1e-8, W0.copy(), np.zeros_like(W0), []
    for _ in range(STEPS):
        g = quadratic_grad(w)
        s = beta * s + (1 - beta) * g**2
        w = w - lr * g / (np.sqrt(s) + eps)
        expected.append(w)
    assert_trajectory(run(nn.RMSprop, lr=lr, beta=beta, eps=eps), expected)


def test_adam_uses_bias_corrected_moments():
    lr, b1, b2, eps = 0.05, 0.8, 0.99, 1e-8
    w, m, v, expected = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for t in range(1, STEPS + 1):
        g = quadratic_grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        expected.append(w)
    assert_trajectory(run(nn.Adam, lr=lr, beta1=b1, beta2=b2, eps=eps), expected)


def test_adam_first_step_moves_each_weight_by_about_lr():
    # with bias correction m̂ = g and v̂ = g², so the first step is lr·g/|g| per element
    (w1,) = run(nn.Adam, lr=0.01)[:1]
    np.testing.assert_allclose(W0 - w1, 0.01 * np.sign(quadratic_grad(W0)), rtol=1e-6)


def test_adam_counts_steps():
    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.Adam([w], lr=0.1)
    for _ in range(3):
        w.grad = Tensor(np.ones(2))
        optimizer.step()
    assert optimizer.t == 3


@pytest.mark.parametrize("optimizer_cls", [nn.SGD, nn.Adam])
def test_weight_decay_adds_lambda_w_to_the_gradient(optimizer_cls):
    decay = 0.3
    reference = run(optimizer_cls, lr=0.05)  # same rule, gradient replaced below

    def decayed_run():
        w = Tensor(W0.copy(), requires_grad=True)
        plain = optimizer_cls([w], lr=0.05)
        out = []
        for _ in range(STEPS):
            w.grad = Tensor(quadratic_grad(w.data) + decay * w.data)
            plain.step()
            out.append(w.data.copy())
        return out

    decayed = run(optimizer_cls, lr=0.05, weight_decay=decay)
    assert_trajectory(decayed, decayed_run())
    assert not np.allclose(decayed[-1], reference[-1])


def test_sgd_with_weight_decay_matches_its_formula():
    lr, decay, w, expected = 0.1, 0.5, W0.copy(), []
    for _ in range(STEPS):
        w = w - lr * (quadratic_grad(w) + decay * w)
        expected.append(w)
    assert_trajectory(run(nn.SGD, lr=lr, weight_decay=decay), expected)


@pytest.mark.parametrize("optimizer_cls", [nn.SGD, nn.RMSprop, nn.Adam])
def test_parameters_without_a_gradient_are_left_alone(optimizer_cls):
    used = Tensor(np.ones(2), requires_grad=True)
    unused = Tensor(np.full(3, 7.0), requires_grad=True)
    optimizer = optimizer_cls([used, unused], lr=0.1)
    (used * used).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(unused.data, np.full(3, 7.0))
    assert not np.allclose(used.data, 1.0)


def test_zero_grad_clears_every_parameter_gradient():
    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.SGD([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.zero_grad()
    assert w.grad is None


def test_lr_is_settable_and_used_by_the_next_step():
    w = Tensor(np.array([1.0]), requires_grad=True)
    optimizer = nn.SGD([w], lr=0.1)
    optimizer.lr = 0.5
    w.grad = Tensor(np.array([2.0]))
    optimizer.step()
    np.testing.assert_allclose(w.data, [1.0 - 0.5 * 2.0])
    with pytest.raises(ValueError, match="lr"):
        optimizer.lr = -1.0


def test_optimiser_accepts_a_generator_of_parameters():
    model = nn.Sequential(nn.Dense(2, 2))
    optimizer = nn.Adam((p for p in model.parameters()), lr=0.1)
    assert len(optimizer.params) == 2


# ----------------------------------------------------------------------------- bad input


def test_optimiser_rejects_an_empty_parameter_list():
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.SGD([], lr=0.1)


def test_optimiser_names_a_parameter_that_is_not_a_tensor():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        nn.Adam([w, np.ones(2)], lr=0.1)


def test_optimiser_asks_for_model_parameters_when_given_the_model():
    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        nn.SGD(nn.Sequential(nn.Dense(2, 2)), lr=0.1)


def test_optimiser_rejects_non_iterables_and_frozen_or_repeated_tensors():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="iterable"):
        nn.SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        nn.SGD([Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        nn.SGD([w, w], lr=0.1)


@pytest.mark.parametrize(
    "optimizer_cls, settings, name",
    [
        (nn.SGD, {"lr": -0.1}, "lr"),
        (nn.SGD, {"lr": float("nan")}, "lr"),
        (nn.SGD, {"lr": 0.1, "momentum": 1.0}, "momentum"),
        (nn.SGD, {"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
        (nn.RMSprop, {"lr": 0.1, "beta": 1.2}, "beta"),
        (nn.RMSprop, {"lr": 0.1, "eps": -1e-8}, "eps"),
        (nn.Adam, {"lr": 0.1, "beta1": -0.1}, "beta1"),
        (nn.Adam, {"lr": 0.1, "beta2": 1.0}, "beta2"),
        (nn.Adam, {"lr": "0.1"}, "lr"),
    ],
)
def test_optimiser_rejects_hyperparameters_out_of_range(optimizer_cls, settings, name):
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=f"{optimizer_cls.__name__}: {name}"):
        optimizer_cls([w], **settings)


# ----------------------------------------------------------------------------- state


def train_steps(optimizer, w, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * (Tensor(A) * w * w).sum() - (Tensor(C) * w).sum()).backward()
        optimizer.step()


@pytest.mark.parametrize(
    "optimizer_cls, settings",
    [(nn.SGD, {"momentum": 0.9}), (nn.RMSprop, {}), (nn.Adam, {"beta1": 0.7})],
)
def test_restored_optimiser_state_continues_the_same_trajectory(optimizer_cls, settings):
    w = Tensor(W0.copy(), requires_grad=True)
    original = optimizer_cls([w], lr=0.05, **settings)
    train_steps(original, w, 3)
    saved_weights, saved_state = w.data.copy(), original.state_dict()
    train_steps(original, w, 3)

    w2 = Tensor(saved_weights, requires_grad=True)
    restored = optimizer_cls([w2], lr=1.0)  # hyperparameters come back from the state too
    restored.load_state_dict(saved_state)
    assert restored.lr == 0.05
    train_steps(restored, w2, 3)
    np.testing.assert_array_equal(w2.data, w.data)


def test_optimiser_state_dict_is_a_copy():
    w = Tensor(W0.copy(), requires_grad=True)
    optimizer = nn.Adam([w], lr=0.1)
    train_steps(optimizer, w, 1)
    state = optimizer.state_dict()
    state["0.m"][...] = 99.0
    assert not np.any(optimizer.state_dict()["0.m"] == 99.0)


def test_optimiser_state_mismatch_names_the_key_and_both_shapes_and_changes_nothing():
    w = Tensor(W0.copy(), requires_grad=True)
    optimizer = nn.Adam([w], lr=0.1)
    train_steps(optimizer, w, 2)
    before = optimizer.state_dict()
    bad = dict(before)
    bad["lr"] = 0.5
    bad["0.v"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'0\.v'.*\(3,\).*\(2, 2\)"):
        optimizer.load_state_dict(bad)
    assert optimizer.lr == 0.1
    np.testing.assert_array_equal(optimizer.state_dict()["0.m"], before["0.m"])


def test_optimiser_state_of_another_kind_is_refused():
    w = Tensor(W0.copy(), requires_grad=True)
    state = nn.RMSprop([w], lr=0.1).state_dict()
    state["type"] = "SGD"
    with pytest.raises(ValueError, match="saved from SGD"):
        nn.RMSprop([w], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="missing keys"):
        nn.Adam([w], lr=0.1).load_state_dict(nn.RMSprop([w], lr=0.1).state_dict())
