"""The functional API composes: grad of grad, Jacobians, Hessians, Hessian-vector products,
`gradients` (torch.autograd.grad) and differentiable vector-Jacobian products; every result is
checked against central differences of plain NumPy (or of first derivatives the first-order
tests already check)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numerical import central_difference

import autograd_lite as ag
from autograd_lite import Tensor

SETTINGS = settings(deadline=None, max_examples=20)
VECTORS = st.integers(1, 4).flatmap(
    lambda n: st.integers(0, 2**32 - 1).map(lambda s: np.random.default_rng(s).uniform(-1, 1, n))
)


def f_engine(x):
    """A smooth scalar function mixing several ops: Σ tanh(x)·exp(x/2) + (Σx)³/6."""
    return (x.tanh() * (x * 0.5).exp()).sum() + x.sum() ** 3 / 6


def f_numpy(x):
    return float(np.sum(np.tanh(x) * np.exp(x / 2)) + np.sum(x) ** 3 / 6)


def numpy_gradient(x):
    return central_difference(f_numpy, [x], 0)


# ----------------------------------------------------------------------------- grad nests


@pytest.mark.parametrize(
    ("f", "derivatives"),
    [
        (lambda x: x**3, (lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6.0)),
        (lambda x: x.exp() * 2.0, (lambda x: 2 * np.exp(x),) * 3),
        (
            lambda x: x.tanh(),
            (
                lambda x: 1 - np.tanh(x) ** 2,
                lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
                lambda x: (6 * np.tanh(x) ** 2 - 2) * (1 - np.tanh(x) ** 2),
            ),
        ),
    ],
    ids=["cube", "2exp", "tanh"],
)
@pytest.mark.parametrize("x", [-0.7, 0.3, 1.9])
def test_grad_of_grad_of_grad_gives_the_first_three_derivatives(f, derivatives, x):
    first, second, third = derivatives
    d1 = ag.grad(f)
    d2 = ag.grad(d1)
    d3 = ag.grad(d2)
    assert isinstance(d1(x), np.ndarray) and isinstance(d3(x), np.ndarray)  # top level: arrays
    np.testing.assert_allclose(d1(x), first(x), rtol=1e-12)
    np.testing.assert_allclose(d2(x), second(x), rtol=1e-12)
    np.testing.assert_allclose(d3(x), third(x), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(x=VECTORS)
def test_grad_of_a_sum_of_a_gradient_matches_differences_of_the_gradient(x):
    # d/dx Σ ∇f(x) = H·1, against central differences of ∇f (itself checked against NumPy)
    outer = ag.grad(lambda t: ag.grad(f_engine)(t).sum())(x)
    np.testing.assert_allclose(ag.grad(f_engine)(x), numpy_gradient(x), rtol=1e-6, atol=1e-8)
    expected = central_difference(lambda a: float(np.sum(ag.grad(f_engine)(a))), [x], 0)
    np.testing.assert_allclose(outer, expected, rtol=1e-5, atol=1e-7)


def test_inside_an_outer_derivative_grad_returns_recorded_tensors():
    seen = []

    def outer(x):
        inner = ag.grad(lambda t: (t**3).sum())(x)
        seen.append(inner)
        return inner.sum()

    ag.grad(outer)(np.array([1.0, 2.0]))
    assert isinstance(seen[0], Tensor) and seen[0].requires_grad


def test_value_and_grad_nested_returns_a_recorded_value_too():
    def outer(x):
        value, g = ag.value_and_grad(lambda t: (t**2).sum())(x)
        assert isinstance(value, Tensor) and value.requires_grad
        return value + g.sum()

    # d/dx (Σx² + Σ2x) = 2x + 2
    np.testing.assert_allclose(ag.grad(outer)(np.array([1.0, -3.0])), [4.0, -4.0])


def test_grad_leaves_the_callers_tensor_and_its_grad_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = Tensor([5.0, 5.0])
    g = ag.grad(lambda t: (t**2).sum())(x)
    np.testing.assert_allclose(g.data, [2.0, 4.0])  # x requires grad: nested form, a Tensor
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


def test_grad_of_a_vector_valued_function_points_to_jacobian():
    with pytest.raises(TypeError, match="jacobian"):
        ag.grad(lambda x: x * 2.0)(np.ones(3))


def test_grad_refuses_the_same_argument_twice():
    with pytest.raises(ValueError, match="same argument twice"):
        ag.grad(lambda x, y: (x * y).sum(), argnums=(0, -2))(np.ones(2), np.ones(2))


# ----------------------------------------------------------------------------- jacobian


@SETTINGS
@given(x=VECTORS)
def test_jacobian_matches_central_differences_of_each_output(x):
    def vector_f(t):
        return ag.stack([(t * t).sum(), t.tanh().sum() * t[0], (t * 2.0).exp()[-1]])

    def vector_numpy(a):
        return np.array([np.sum(a * a), np.sum(np.tanh(a)) * a[0], np.exp(2 * a)[-1]])

    jac = ag.jacobian(vector_f)(x)
    assert jac.shape == (3, *x.shape)
    for i in range(3):
        expected = central_difference(lambda a, i=i: vector_numpy(a)[i], [x], 0)
        np.testing.assert_allclose(jac[i], expected, rtol=1e-6, atol=1e-8)


def test_jacobian_of_several_arguments_and_matrix_outputs_has_the_stacked_shapes():
    a0, b0 = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    ja, jb = ag.jacobian(lambda a, b: a * b, argnums=(0, 1))(a0, b0)
    assert ja.shape == (2, 3, 2, 3) and jb.shape == (2, 3, 3)
    np.testing.assert_array_equal(ja.reshape(6, 6), np.diag(np.broadcast_to(b0, (2, 3)).ravel()))
    np.testing.assert_array_equal(jb[1], np.diag(a0[1]))


# ----------------------------------------------------------------------------- hessian / hvp


@SETTINGS
@given(x=VECTORS)
def test_hessian_matches_differences_of_the_numpy_checked_gradient_and_is_symmetric(x):
    hess = ag.hessian(f_engine)(x)
    assert hess.shape == (x.size, x.size)
    for j in range(x.size):
        expected = central_difference(lambda a, j=j: float(ag.grad(f_engine)(a)[j]), [x], 0)
        np.testing.assert_allclose(hess[j], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(x=VECTORS, seed=st.integers(0, 100))
def test_hvp_equals_the_hessian_times_the_vector(x, seed):
    v = np.random.default_rng(seed).standard_normal(x.shape)
    np.testing.assert_allclose(
        ag.hvp(f_engine)(x, v), ag.hessian(f_engine)(x) @ v, rtol=1e-10, atol=1e-12
    )


def test_hvp_refuses_a_vector_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"hvp: v has shape \(2,\) but argument 0 has shape"):
        ag.hvp(f_engine)(np.ones(3), np.ones(2))


# ----------------------------------------------------------------------------- gradients


def test_gradients_returns_tensors_and_touches_no_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).retain_grad()
    y = (h * h).sum()
    gx, gh = ag.gradients(y, [x, h])
    np.testing.assert_allclose(gh.data, 2 * np.array([3.0, 6.0]))
    np.testing.assert_allclose(gx.data, 18 * np.array([1.0, 2.0]))
    assert x.grad is None and h.grad is None


def test_gradients_of_several_outputs_sums_their_weighted_contributions():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * x, x.sum() * 2.0
    (g,) = ag.gradients([y1, y2], x, grad_outputs=[np.array([1.0, 10.0]), None])
    np.testing.assert_allclose(g.data, [2.0 * 1 + 2, 4.0 * 10 + 2])


def test_gradients_of_an_unused_input_raises_unless_allowed():
    x, unused = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match=r"input 1 .* was not used"):
        ag.gradients(y, [x, unused], retain_graph=True)
    gx, gu = ag.gradients(y, [x, unused], allow_unused=True)
    assert gu is None and gx.data.tolist() == [2.0]


def test_gradients_with_create_graph_can_be_differentiated_again():
    x = Tensor([0.5, -1.0], requires_grad=True)
    (g,) = ag.gradients((x**3).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_gradients_refuses_an_input_that_needs_no_grad():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="input 0 must be a Tensor that requires grad"):
        ag.gradients((x * 2.0).sum(), Tensor([1.0]))


# ----------------------------------------------------------------------------- VJP in v


@SETTINGS
@given(x=VECTORS, seed=st.integers(0, 100))
def test_backward_with_a_gradient_that_requires_grad_is_differentiable_in_it(x, seed):
    """backward(gradient=v, create_graph=True) gives x.grad = Jᵀv; d/dv Σ w·(Jᵀv) = J·w."""
    rng = np.random.default_rng(seed)
    v0, w = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    t = Tensor(x, requires_grad=True)
    v = Tensor(v0, requires_grad=True)
    (t.tanh() * t).backward(gradient=v, create_graph=True)
    (t.grad * w).sum().backward()

    def vjp_numpy(v_values):  # Σ w·(Jᵀv) for the elementwise map x ↦ x·tanh x
        jacobian_diagonal = np.tanh(x) + x * (1 - np.tanh(x) ** 2)
        return float(np.sum(w * jacobian_diagonal * v_values))

    np.testing.assert_allclose(v.grad.data, central_difference(vjp_numpy, [v0], 0), rtol=1e-6)


# ----------------------------------------------------------------------------- grad modes


def test_set_grad_enabled_as_a_decorator_switches_only_inside_the_call():
    @ag.set_grad_enabled(False)
    def inference(x):
        assert not ag.is_grad_enabled()
        return x * 2.0

    assert ag.is_grad_enabled()  # decorating changed nothing
    out = inference(Tensor([1.0], requires_grad=True))
    assert not out.requires_grad and ag.is_grad_enabled()


def test_set_grad_enabled_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError), ag.set_grad_enabled(False):
        raise KeyError
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def failing():
        raise KeyError

    with pytest.raises(KeyError):
        failing()
    assert ag.is_grad_enabled()


def test_set_grad_enabled_called_alone_switches_until_switched_back():
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_set_grad_enabled_refuses_a_mode_that_is_not_a_bool():
    with pytest.raises(TypeError, match="mode must be True or False"):
        ag.set_grad_enabled("no")
