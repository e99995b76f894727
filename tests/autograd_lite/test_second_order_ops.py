"""create_graph=True through every op: Hessian-vector products against central differences of
first-order gradients.

For a scalar f, H·v = d/dε ∇f(x + εv) at ε = 0. The left side comes from backward with
create_graph=True followed by a second backward of ⟨∇f, v⟩; the right side is a central
difference of first-order gradients — each of which the first-order tests check against
NumPy central differences, so the second-order check rests on an independent oracle too.
"""

import numpy as np
import pytest

import autograd_lite as ag

RNG = np.random.default_rng(11)
C = RNG.standard_normal((3, 4))
MASK = RNG.random((3, 4)) < 0.5


def squared(op):
    """x ↦ op(x)²: makes second derivatives of linear ops non-trivial."""
    return lambda x: op(x) ** 2


# name: (f: Tensor → Tensor of any shape, input constraints)
SECOND_ORDER_OPS = {
    "add/sub broadcast": (lambda x: (x + x[0] - x[:, :1]) ** 2, {}),
    "mul": (lambda x: x * x[::-1] * x, {}),
    "div": (lambda x: x / (x * x + 1.0), {}),
    "rdiv": (lambda x: 1.0 / x, {"positive": True}),
    "pow tensor exponent": (lambda x: x**x, {"positive": True}),
    "rpow": (lambda x: 2.0 ** (x * x), {}),
    "exp": (lambda x: (x * x).exp(), {}),
    "log": (lambda x: (x * x).log(), {"positive": True}),
    "sqrt": (lambda x: (x * x + 1.0).sqrt(), {}),
    "abs": (lambda x: x.abs() * x, {"away_from_zero": True}),
    "tanh": (lambda x: x.tanh(), {}),
    "sigmoid": (lambda x: x.sigmoid(), {}),
    "relu": (lambda x: x.relu() * x, {"away_from_zero": True}),
    "leaky_relu": (lambda x: x.leaky_relu(0.2) * x, {"away_from_zero": True}),
    "clip": (lambda x: x.clip(-0.5, 0.5) * x, {"away_from_bounds": True}),
    "maximum": (lambda x: x.maximum(C) * x, {"away_from_c": True}),
    "minimum": (lambda x: x.minimum(C) * x, {"away_from_c": True}),
    "where": (lambda x: ag.where(MASK, x * x, x.exp()), {}),
    "sum": (lambda x: x.sum(axis=1) ** 2, {}),
    "mean": (lambda x: x.mean(axis=0, keepdims=True) * x, {}),
    "max": (lambda x: x.max(axis=1) ** 2, {"distinct": True}),
    "min": (lambda x: x.min() * x, {"distinct": True}),
    "var": (lambda x: x.var(axis=1, ddof=1) ** 2, {}),
    "softmax": (lambda x: x.softmax(axis=0), {}),
    "log_softmax": (lambda x: x.log_softmax(), {}),
    "logsumexp": (lambda x: x.logsumexp(axis=1), {}),
    "matmul": (lambda x: x @ x.T, {}),
    "matmul batched": (lambda x: x.reshape(2, 3, 2) @ x.reshape(2, 2, 3), {}),
    "linear": (lambda x: ag.linear(x, x[:2] * 0.5, x[0, :2]).tanh(), {}),
    "reshape": (squared(lambda x: x.reshape(4, 3)), {}),
    "transpose": (squared(lambda x: x.T), {}),
    "index repeats": (squared(lambda x: x[np.array([0, 0, 2]), 1:]), {}),
    "bool mask": (squared(lambda x: x[MASK]), {}),
    "concatenate": (squared(lambda x: ag.concatenate([x, x * x], axis=1)), {}),
    "stack": (squared(lambda x: ag.stack([x, x.exp()], axis=0)), {}),
    "softmax_cross_entropy": (lambda x: ag.softmax_cross_entropy(x * x, np.array([0, 3, 1])), {}),
    "bce_with_logits": (
        lambda x: ag.binary_cross_entropy_with_logits(x * x, MASK.astype(float)),
        {},
    ),
    "bce": (lambda x: ag.binary_cross_entropy(x.sigmoid(), MASK.astype(float)), {}),
}


def make_input(
    seed,
    positive=False,
    away_from_zero=False,
    away_from_bounds=False,
    away_from_c=False,
    distinct=False,
):
    rng = np.random.default_rng(seed)
    if distinct:
        return rng.permutation(np.linspace(-1.5, 1.5, 12)).reshape(3, 4)
    if positive:
        return rng.uniform(0.5, 1.5, size=(3, 4))
    x = rng.uniform(-1.5, 1.5, size=(3, 4))
    if away_from_zero:
        x = np.where(np.abs(x) < 0.05, 0.3, x)
    if away_from_bounds:
        x = np.where(np.abs(np.abs(x) - 0.5) < 0.05, 0.2, x)
    if away_from_c:
        x = np.where(np.abs(x - C) < 0.05, C + 0.3, x)
    return x


def gradient(f, x0, v):
    """∇ of ⟨f(x), v-independent weights⟩ by a first-order backward."""
    x = ag.Tensor(x0, requires_grad=True)
    out = f(x)
    out.backward(gradient=np.linspace(0.5, 1.5, out.size).reshape(out.shape))
    return x.grad.data


@pytest.mark.parametrize("name", SECOND_ORDER_OPS)
@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_vector_product_through_create_graph_matches_differences_of_gradients(name, seed):
    f, constraints = SECOND_ORDER_OPS[name]
    x0 = make_input(seed, **constraints)
    v = np.random.default_rng(seed + 100).standard_normal(x0.shape)

    x = ag.Tensor(x0, requires_grad=True)
    out = f(x)
    out.backward(gradient=np.linspace(0.5, 1.5, out.size).reshape(out.shape), create_graph=True)
    g = x.grad
    assert g.requires_grad, "the gradient must carry a graph under create_graph=True"
    x.grad = None
    (g * v).sum().backward()
    hvp = x.grad.data

    eps = 1e-6
    expected = (gradient(f, x0 + eps * v, v) - gradient(f, x0 - eps * v, v)) / (2 * eps)
    np.testing.assert_allclose(hvp, expected, rtol=1e-5, atol=1e-6)


def test_create_graph_retains_the_graph_so_a_second_backward_works():
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    y = (x.tanh() * x).sum()
    y.backward(create_graph=True)
    first = x.grad.data.copy()
    x.grad = None
    y.backward()  # retain_graph defaults to create_graph
    np.testing.assert_allclose(x.grad.data, first)
