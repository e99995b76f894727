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


# ----------------------------------------------------------------------------- atomic steps


def two_parameters(optimizer_cls, **settings):
    """Two named parameters with gradients, an optimiser over both, and a snapshot."""
    first = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="first")
    second = Tensor(np.array([[1.0, -1.0]]), requires_grad=True, name="second")
    optimizer = optimizer_cls([first, second], lr=0.1, **settings)
    first.grad = Tensor(np.array([0.5, 0.5, 0.5]))
    second.grad = Tensor(np.array([[1.0, 1.0]]))
    optimizer.step()  # one good step, so the state arrays are not all zero
    return first, second, optimizer


def snapshot(optimizer):
    return (
        [p.data.copy() for p in optimizer.params],
        {k: np.copy(v) for k, v in optimizer.state_dict().items()},
    )


def assert_untouched(optimizer, before):
    values, state = before
    for param, old in zip(optimizer.params, values):
        np.testing.assert_array_equal(param.data, old)
    after = optimizer.state_dict()
    assert after.keys() == state.keys()
    for key, old in state.items():
        np.testing.assert_array_equal(after[key], old, err_msg=key)


OPTIMISERS = [
    (nn.SGD, {}),
    (nn.SGD, {"momentum": 0.9, "weight_decay": 0.1}),
    (nn.RMSprop, {}),
    (nn.Adam, {}),
]


@pytest.mark.parametrize("optimizer_cls, settings", OPTIMISERS)
def test_a_gradient_of_another_shape_is_refused_not_broadcast_and_nothing_changes(
    optimizer_cls, settings
):
    first, second, optimizer = two_parameters(optimizer_cls, **settings)
    before = snapshot(optimizer)
    first.grad = Tensor(np.array([0.5, 0.5, 0.5]))  # valid, listed first
    with pytest.raises(ValueError, match="grad: a gradient of shape"):
        second.grad = Tensor(np.array([1.0]))  # the grad setter refuses it at once
    # Forced past the setter (a custom step could write the slot), the step refuses it too.
    second._grad = Tensor(np.array([1.0]))  # (1,) for (1, 2): would broadcast
    with pytest.raises(
        ValueError,
        match=rf"{optimizer_cls.__name__}\.step: the gradient of parameter 1 \('second'\) has "
        r"shape \(1,\) but the parameter has shape \(1, 2\)",
    ):
        optimizer.step()
    assert_untouched(optimizer, before)
    assert optimizer.step_count == 1


def test_a_one_element_gradient_for_a_vector_is_refused():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    optimizer = nn.SGD([w], lr=0.1)
    w._grad = Tensor(np.array([1.0]))  # past the grad setter, which refuses it already
    with pytest.raises(
        ValueError, match=r"'w'\) has shape \(1,\) but the parameter has shape \(3,\)"
    ):
        optimizer.step()
    np.testing.assert_array_equal(w.data, np.ones(3))


@pytest.mark.parametrize(
    "bad_grad, message",
    [
        (np.ones((1, 2)) + 1j, r"holds complex128 values"),
        (np.array([["a", "b"]]), r"holds <U1 values"),
        ([[1.0, 1.0]], r"is a list; expected a Tensor of the parameter's shape \(1, 2\)"),
        (2.0, r"is a float; expected a Tensor"),
    ],
)
def test_a_gradient_that_is_not_real_numbers_is_refused_naming_the_parameter(bad_grad, message):
    _, second, optimizer = two_parameters(nn.Adam)
    before = snapshot(optimizer)
    with pytest.raises(TypeError, match="grad: can only be set to a Tensor or None"):
        second.grad = bad_grad  # the grad setter refuses it at once
    second._grad = bad_grad  # forced past it (a custom step could), the step refuses it too
    with pytest.raises(
        (TypeError, ValueError),
        match=r"Adam\.step: the gradient of parameter 1 \('second'\) " + message,
    ):
        optimizer.step()
    assert_untouched(optimizer, before)
    assert optimizer.t == 1


def test_a_gradient_given_as_an_ndarray_past_the_setter_is_used():
    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.SGD([w], lr=0.5)
    w._grad = np.array([2.0, -2.0])
    optimizer.step()
    np.testing.assert_array_equal(w.data, [0.0, 2.0])


def test_an_update_rule_that_fails_on_the_second_parameter_changes_nothing():
    class Fragile(nn.SGD):
        broken = False

        def update(self, weights, grad, state, t):
            if self.broken and weights.ndim == 2:
                raise FloatingPointError("boom")
            return super().update(weights, grad, state, t)

    _, _, optimizer = two_parameters(Fragile, momentum=0.5)
    Fragile.broken = True
    before = snapshot(optimizer)
    with pytest.raises(FloatingPointError):
        optimizer.step()
    assert_untouched(optimizer, before)
    assert optimizer.step_count == 1


@pytest.mark.parametrize(
    "returned, error, message",
    [
        ("state of another shape", ValueError, r"returned state 'v' of shape \(5,\) for its"),
        ("an unknown state", ValueError, r"returned state 'zz', which this optimiser does not"),
        ("complex weights", TypeError, r"returned weights of dtype complex128, which cannot be"),
        ("state that is not a dict", TypeError, r"returned list as the new state"),
    ],
)
def test_what_a_rule_returns_for_the_second_parameter_is_checked_before_any_write(
    returned, error, message
):
    # The first parameter's update is fine; the second's cannot be written: nothing may change
    # (found by review: these failed in the write pass, after the first parameter was written).
    class Faulty(nn.SGD):
        broken = False

        def update(self, weights, grad, state, t):
            new_weights, new_state = super().update(weights, grad, state, t)
            if not self.broken or weights.ndim == 1:
                return new_weights, new_state
            if returned == "state of another shape":
                return new_weights, {"v": np.ones(5)}
            if returned == "an unknown state":
                return new_weights, {"zz": grad}
            if returned == "complex weights":
                return new_weights + 1j, new_state
            return new_weights, [new_state]

    _, _, optimizer = two_parameters(Faulty, momentum=0.5)
    Faulty.broken = True
    before = snapshot(optimizer)
    with pytest.raises(error, match=r"Faulty\.update " + message):
        optimizer.step()
    assert_untouched(optimizer, before)
    assert optimizer.step_count == 1


def test_a_bad_gradient_is_refused_before_any_rule_runs():
    calls = []

    class Counting(nn.SGD):
        def update(self, weights, grad, state, t):
            calls.append(weights.shape)
            return super().update(weights, grad, state, t)

    _, second, optimizer = two_parameters(Counting)
    calls.clear()
    second._grad = Tensor(np.ones(3))  # of the wrong shape, past the setter
    with pytest.raises(ValueError, match="has shape"):
        optimizer.step()
    assert calls == []


def test_an_update_rule_cannot_change_its_inputs_in_place():
    class Sneaky(nn.SGD):
        def update(self, weights, grad, state, t):
            weights -= self.lr * grad  # the old in-place style
            return weights, {}

    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = Sneaky([w], lr=0.1)
    w.grad = Tensor(np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        optimizer.step()
    np.testing.assert_array_equal(w.data, np.ones(2))


def test_every_write_to_a_parameter_goes_through_assign(monkeypatch):
    import nn.optim

    written = []
    real_assign = nn.optim._assign

    def recording_assign(param, values, fresh=False):
        written.append(param)
        real_assign(param, values, fresh)

    monkeypatch.setattr(nn.optim, "_assign", recording_assign)
    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh(), nn.Dense(3, 1, seed=1))
    optimizer = nn.Adam(model.parameters(), lr=0.1)
    model(Tensor(np.ones((4, 2)))).sum().backward()
    optimizer.step()
    assert written == model.parameters()
    written.clear()
    model.load_state_dict(model.state_dict())
    assert written == model.parameters()


@pytest.mark.parametrize("optimizer_cls", [nn.SGD, nn.RMSprop, nn.Adam])
def test_a_step_writes_into_the_array_anyone_else_holds(optimizer_cls):
    # A parameter may take its new values as a new array only when nothing else holds the old
    # one (storage.write_values): the user's array, a view and the parameter stay one memory.
    w = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    held = w.data
    row = w[0]  # a view tensor sharing w's memory
    optimizer = optimizer_cls([w], lr=0.1)
    w.grad = Tensor(np.ones((2, 2)))
    optimizer.step()
    assert held is w.data and np.shares_memory(row.data, w.data)
    np.testing.assert_array_equal(row.data, w.data[0])
    assert np.all(w.data < [[1.0, 2.0], [3.0, 4.0]])


def test_a_parameter_nobody_else_holds_takes_its_new_array_with_the_same_values():
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    before = id(w.data)  # (an id holds nothing)
    optimizer = nn.SGD([w], lr=0.5)
    w.grad = Tensor(np.array([2.0, -2.0, 4.0]))
    loss = (w * w).sum()  # recorded before the step
    optimizer.step()
    np.testing.assert_array_equal(w.data, [0.0, 3.0, 1.0])
    assert id(w.data) != before  # the update's own array, no copy
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()  # still dated as a write: the graph refuses the new values


def test_backward_through_a_graph_recorded_before_a_step_raises():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    nn.SGD([w], lr=0.1).step()
    w.grad = None
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()  # the values the graph saw are gone: no silent stale gradient


def test_a_step_keeps_the_parameter_tensor_and_its_array():
    w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    array = w.data
    optimizer = nn.Adam([w], lr=0.1)
    w.grad = Tensor(np.ones(2, dtype=np.float32))
    optimizer.step()
    assert w.data is array and w.dtype == np.float32


# ----------------------------------------------------------------------------- parameter checks


def test_an_optimiser_refuses_a_tensor_made_by_an_op():
    w = Tensor(np.ones(2), requires_grad=True, name="w")
    doubled = w * 2
    with pytest.raises(ValueError, match=r"SGD: parameter 1 was made by the op 'mul'.*leaf"):
        nn.SGD([w, doubled], lr=0.1)


def test_an_optimiser_refuses_a_tensor_that_does_not_require_grad_naming_it():
    frozen = Tensor(np.ones(2), name="0.W")
    with pytest.raises(ValueError, match=r"Adam: parameter 0 \('0\.W'\) does not require grad"):
        nn.Adam([frozen], lr=0.1)


def test_an_optimiser_refuses_the_same_tensor_twice_naming_both_positions():
    model = nn.Sequential(nn.Dense(2, 2, seed=0))
    params = model.parameters()
    with pytest.raises(
        ValueError, match=r"RMSprop: parameter 2 \('0\.W'\) is the same Tensor as parameter 0"
    ):
        nn.RMSprop([*params, params[0]], lr=0.1)


# ----------------------------------------------------------------------------- hyperparameters

BAD_VALUES = [
    (float("nan"), ValueError, r"must be a finite real number, got nan"),
    (float("inf"), ValueError, r"must be a finite real number, got inf"),
    (True, TypeError, r"must be a real number, got True"),
    (0.1 + 0j, TypeError, r"must be a real number, got \(0\.1\+0j\)"),
    ("0.1", TypeError, r"must be a real number, got '0\.1'"),
    (None, TypeError, r"must be a real number, got None"),
]
HYPERPARAMETERS = [
    (nn.SGD, "lr"),
    (nn.SGD, "momentum"),
    (nn.SGD, "weight_decay"),
    (nn.RMSprop, "beta"),
    (nn.RMSprop, "eps"),
    (nn.Adam, "beta1"),
    (nn.Adam, "beta2"),
    (nn.Adam, "eps"),
    (nn.Adam, "weight_decay"),
]


@pytest.mark.parametrize("optimizer_cls, name", HYPERPARAMETERS)
@pytest.mark.parametrize("value, error, message", BAD_VALUES)
def test_every_hyperparameter_refuses_nan_inf_bool_complex_and_non_numbers(
    optimizer_cls, name, value, error, message
):
    w = Tensor(np.ones(2), requires_grad=True)
    settings = {"lr": 0.1, name: value}
    pattern = rf"{optimizer_cls.__name__}: {name} {message}"
    with pytest.raises(error, match=pattern):
        optimizer_cls([w], **settings)
    optimizer = optimizer_cls([w], lr=0.1)
    with pytest.raises(error, match=pattern):
        setattr(optimizer, name, value)


@pytest.mark.parametrize(
    "optimizer_cls, name, value",
    [
        (nn.SGD, "lr", -0.1),
        (nn.SGD, "momentum", 1.0),
        (nn.RMSprop, "beta", -0.5),
        (nn.Adam, "beta2", 1.0),
        (nn.Adam, "eps", -1e-8),
    ],
)
def test_setters_and_load_state_dict_refuse_exactly_what_the_constructor_refuses(
    optimizer_cls, name, value
):
    w = Tensor(W0.copy(), requires_grad=True)
    with pytest.raises(ValueError) as from_constructor:
        optimizer_cls([w], **{"lr": 0.1, name: value})

    optimizer = optimizer_cls([w], lr=0.1)
    train_steps(optimizer, w, 2)
    before = (w.data.copy(), optimizer.state_dict())
    with pytest.raises(ValueError) as from_setter:
        setattr(optimizer, name, value)
    bad_state = dict(optimizer.state_dict())
    bad_state[name] = value
    bad_state["0." + optimizer.buffers[0]] = np.full((2, 2), 5.0)  # valid: must not be loaded
    bad_state["step_count"] = 7
    with pytest.raises(ValueError) as from_load:
        optimizer.load_state_dict(bad_state)
    assert str(from_constructor.value) == str(from_setter.value) == str(from_load.value)
    np.testing.assert_array_equal(w.data, before[0])
    for key, old in before[1].items():
        np.testing.assert_array_equal(optimizer.state_dict()[key], old, err_msg=key)


@pytest.mark.parametrize("step_count", [-1, 2.5, True])
def test_load_state_dict_refuses_a_step_count_that_is_not_a_whole_number(step_count):
    w = Tensor(W0.copy(), requires_grad=True)
    optimizer = nn.Adam([w], lr=0.1)
    state = optimizer.state_dict()
    state["step_count"] = step_count
    with pytest.raises(ValueError, match=r"Adam state.*step_count"):
        optimizer.load_state_dict(state)
    assert optimizer.t == 0


# ----------------------------------------------------------------------------- weight decay vs L2


@pytest.mark.parametrize("optimizer_cls", [nn.SGD, nn.Adam])
def test_weight_decay_lambda_over_m_equals_l2_penalty_on_weights_but_also_decays_biases(
    optimizer_cls,
):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    lambd, m = 0.7, 8

    def train(bias, decay):
        layer = nn.Dense(3, 2, bias=bias, seed=0)
        if bias:
            layer.b.data[...] = 1.0  # a bias far from zero, so that decaying it shows
        weight_decay = lambd / m if decay else 0.0
        optimizer = optimizer_cls(layer.parameters(), lr=0.05, weight_decay=weight_decay)
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.MSELoss()(layer(Tensor(X)), Y)
            if not decay:
                loss = loss + nn.l2_penalty(layer, lambd, m)
            loss.backward()
            optimizer.step()
        return layer

    decayed, penalised = train(bias=False, decay=True), train(bias=False, decay=False)
    np.testing.assert_allclose(decayed.W.data, penalised.W.data, rtol=1e-12, atol=1e-15)
    with_bias_decayed, with_bias_penalised = train(True, True), train(True, False)
    assert not np.allclose(with_bias_decayed.b.data, with_bias_penalised.b.data, rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: nn.SGD(p, lr=0.1, momentum=0.9),
        lambda p: nn.RMSprop(p, lr=0.1),
        lambda p: nn.Adam(p, lr=0.1),
    ],
)
def test_the_built_in_rules_never_write_into_their_arguments(make):
    # step() hands the built-in rules writeable arrays (no read-only views): they must compute
    # new arrays. Read-only arguments make any write raise.
    w = Tensor(np.ones(3), requires_grad=True)
    optimizer = make([w])

    def frozen(array):
        view = array.view()
        view.flags.writeable = False
        return view

    for t in (1, 2):
        state = {name: frozen(values) for name, values in optimizer.state[0].items()}
        new_weights, new_state = optimizer.update(frozen(w.data), frozen(np.full(3, 0.5)), state, t)
        assert not np.shares_memory(new_weights, w.data)
        for name, values in new_state.items():
            assert not np.shares_memory(values, optimizer.state[0][name])


def test_sgd_fits_parameters_that_are_single_numbers():
    # Found by review: SGD's one-array update gave NumPy scalars for 0-d parameters and raised.
    w, b = Tensor(0.0, requires_grad=True), Tensor(0.0, requires_grad=True)
    x = Tensor(np.linspace(0.0, 1.0, 20))
    y = 3.0 * x + 1.0
    optimizer = nn.SGD([w, b], lr=0.5)
    for _ in range(300):
        optimizer.zero_grad()
        ((w * x + b - y) ** 2).mean().backward()
        optimizer.step()
    assert w.item() == pytest.approx(3.0, abs=1e-3) and b.item() == pytest.approx(1.0, abs=1e-3)
    assert w.shape == () and b.shape == ()


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("grad_order", ["C", "F"])
@pytest.mark.parametrize("optimizer_cls", [nn.SGD, nn.Adam])
def test_a_step_keeps_the_parameters_memory_layout(order, grad_order, optimizer_cls):
    # The layout decides the rounding of later reductions: a step must not change it (found
    # by review: a parameter taking its new array took that array's layout too).
    values = np.arange(12.0).reshape(3, 4)
    w = Tensor(np.asarray(values, order=order), requires_grad=True)
    w.grad = Tensor(np.asarray(np.ones((3, 4)), order=grad_order))
    optimizer_cls([w], lr=0.1).step()
    assert w.data.flags.f_contiguous == (order == "F")
    assert w.data.flags.c_contiguous == (order == "C")


def test_a_subclass_sees_the_step_count_assigned():
    seen = []

    class Watched(nn.SGD):
        def __setattr__(self, name, value):
            if name == "step_count":
                seen.append(value)
            super().__setattr__(name, value)

    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = Watched([w], lr=0.1)
    for _ in range(2):
        w.grad = Tensor(np.ones(2))
        optimizer.step()
    assert seen == [0, 1, 2]
