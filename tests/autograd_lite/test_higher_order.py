"""create_graph=True: the backward pass is itself recorded, so gradients of gradients work."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numerical import central_difference

import autograd_lite as ag


def first_derivative_as_tensor(f, x0):
    """x.grad after f(x).backward(create_graph=True), plus the leaf x."""
    x = ag.Tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    f(x).sum().backward(create_graph=True)
    return x, x.grad


def second_derivative(f, x0):
    """d²/dx² of sum(f(x)) elementwise (f elementwise), through create_graph."""
    x, g = first_derivative_as_tensor(f, x0)
    assert isinstance(g, ag.Tensor)
    assert g.requires_grad, "with create_graph=True the gradient must itself be differentiable"
    x.grad = None
    g.sum().backward()
    return np.asarray(x.grad)


@pytest.mark.parametrize("cube", [lambda x: x**3, lambda x: x * x * x], ids=["x**3", "x*x*x"])
def test_second_derivative_of_x_cubed_is_6x(cube):
    x0 = np.array([-1.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(second_derivative(cube, x0), 6 * x0, rtol=1e-12, atol=1e-12)


def test_second_derivative_of_tanh_is_minus_2_tanh_times_1_minus_tanh_squared():
    x0 = np.array([-2.0, -0.3, 0.0, 0.7, 1.5])
    t = np.tanh(x0)
    np.testing.assert_allclose(
        second_derivative(lambda x: x.tanh(), x0), -2 * t * (1 - t**2), rtol=1e-10, atol=1e-15
    )


def test_third_derivative_of_x_to_the_fourth_is_24x():
    x = ag.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    (x**4).sum().backward(create_graph=True)
    g1 = x.grad
    x.grad = None
    g1.sum().backward(create_graph=True)
    g2 = x.grad
    x.grad = None
    g2.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 24 * np.array([0.5, -1.0, 2.0]), rtol=1e-12)


def test_first_derivative_with_create_graph_has_the_right_value():
    _, g = first_derivative_as_tensor(lambda x: x**3, [2.0])
    np.testing.assert_allclose(np.asarray(g), [12.0])


SECOND_ORDER_CASES = {
    # name: (Tensor function, derivative of the NumPy function, input range)
    "exp": (lambda t: t.exp(), np.exp, (-2, 2)),
    "log": (lambda t: t.log(), lambda a: 1 / a, (0.2, 3)),
    "sqrt": (lambda t: t.sqrt(), lambda a: 0.5 / np.sqrt(a), (0.2, 3)),
    "tanh": (lambda t: t.tanh(), lambda a: 1 - np.tanh(a) ** 2, (-2, 2)),
    "sigmoid": (
        lambda t: t.sigmoid(),
        lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2,
        (-4, 4),
    ),
    "reciprocal": (lambda t: 1.0 / t, lambda a: -1 / a**2, (0.3, 2)),
    "pow 2.5": (lambda t: t**2.5, lambda a: 2.5 * a**1.5, (0.3, 2)),
    "x * exp(x)": (lambda t: t * t.exp(), lambda a: (1 + a) * np.exp(a), (-2, 2)),
    "abs * x": (lambda t: t.abs() * t, lambda a: 2 * np.abs(a), (0.2, 2)),
}


@pytest.mark.parametrize("name", SECOND_ORDER_CASES)
@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_second_derivative_matches_central_difference_of_the_first(name, seed):
    f, df, (low, high) = SECOND_ORDER_CASES[name]
    x0 = np.random.default_rng(seed).uniform(low, high, size=4)
    # d/dx of f'(x), elementwise, by central differences of the hand-written f'
    expected = central_difference(lambda a: np.sum(df(a)), [x0], 0)
    np.testing.assert_allclose(second_derivative(f, x0), expected, rtol=1e-5, atol=1e-6)


def test_mixed_second_derivative_of_a_product():
    # f(x, y) = x² y³  →  ∂²f/∂y∂x = 6 x y²
    x = ag.Tensor(1.5, requires_grad=True)
    y = ag.Tensor(-0.5, requires_grad=True)
    (x**2 * y**3).backward(create_graph=True)
    dfdx = x.grad
    x.grad = None
    y.grad = None
    dfdx.backward()
    np.testing.assert_allclose(y.grad.item(), 6 * 1.5 * 0.25, rtol=1e-12)
    np.testing.assert_allclose(x.grad.item(), 2 * (-0.5) ** 3, rtol=1e-12)  # ∂²f/∂x²


# ------------------------------------------------------------ Hessian-vector product of a net


def net_data():
    rng = np.random.default_rng(42)
    X = rng.standard_normal((6, 3))
    Y = rng.standard_normal((6, 2))
    W1 = rng.standard_normal((4, 3)) * 0.7
    W2 = rng.standard_normal((2, 4)) * 0.7
    V1 = rng.standard_normal(W1.shape)
    V2 = rng.standard_normal(W2.shape)
    return X, Y, W1, W2, V1, V2


def np_loss_gradient(X, Y, W1, W2):
    """Hand-derived backprop of L = mean((tanh(X W1ᵀ) W2ᵀ − Y)²), the independent oracle."""
    H = np.tanh(X @ W1.T)
    R = H @ W2.T - Y
    dR = 2 * R / R.size
    dW2 = dR.T @ H
    dZ = (dR @ W2) * (1 - H**2)
    dW1 = dZ.T @ X
    return dW1, dW2


def test_hand_written_gradient_of_the_net_matches_central_differences():
    # the oracle itself is checked, so that the next test means something
    X, Y, W1, W2, _, _ = net_data()

    def loss(w1, w2):
        return np.mean((np.tanh(X @ w1.T) @ w2.T - Y) ** 2)

    dW1, dW2 = np_loss_gradient(X, Y, W1, W2)
    np.testing.assert_allclose(dW1, central_difference(loss, [W1, W2], 0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dW2, central_difference(loss, [W1, W2], 1), rtol=1e-6, atol=1e-9)


def test_hessian_vector_product_of_a_two_layer_tanh_net_matches_central_differences():
    X, Y, W1, W2, V1, V2 = net_data()
    w1 = ag.Tensor(W1, requires_grad=True)
    w2 = ag.Tensor(W2, requires_grad=True)
    loss = (((ag.Tensor(X) @ w1.T).tanh() @ w2.T - Y) ** 2).mean()
    loss.backward(create_graph=True)
    g1, g2 = w1.grad, w2.grad
    dW1, dW2 = np_loss_gradient(X, Y, W1, W2)
    np.testing.assert_allclose(np.asarray(g1), dW1, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(g2), dW2, rtol=1e-10)

    w1.grad = None
    w2.grad = None
    ((g1 * V1).sum() + (g2 * V2).sum()).backward()
    hv1, hv2 = np.asarray(w1.grad), np.asarray(w2.grad)

    # H·v ≈ (∇L(w + εv) − ∇L(w − εv)) / 2ε, with the hand-written gradient
    eps = 1e-6
    plus = np_loss_gradient(X, Y, W1 + eps * V1, W2 + eps * V2)
    minus = np_loss_gradient(X, Y, W1 - eps * V1, W2 - eps * V2)
    np.testing.assert_allclose(hv1, (plus[0] - minus[0]) / (2 * eps), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hv2, (plus[1] - minus[1]) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_backward_without_create_graph_gives_a_grad_with_no_history():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward()
    assert not x.grad.requires_grad
