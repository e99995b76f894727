"""Workload 3: the course's planar model trained to the end.

A 2-4-1 network (tanh hidden layer, sigmoid output) on the 400-point two-class "flower"
data set, mean binary cross-entropy, 1000 full-batch gradient-descent iterations at learning
rate 1.2, from the same small random start for every contender.  One step is the whole
training run; every contender must reach the same final cost and parameters.  The arrays
are tiny, so this measures per-op overhead inside a realistic training loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Case, Runner, Workload
from .mlp import set_dense_params

EXAMPLES = 400
HIDDEN = 4
ITERATIONS = 1000
QUICK_ITERATIONS = 100
LR = 1.2


@dataclass(frozen=True)
class PlanarProblem:
    """Points X (400, 2), labels Y (400, 1), initial (W1, b1, W2, b2), iteration count."""

    X: np.ndarray
    Y: np.ndarray
    params: tuple[np.ndarray, ...]
    iterations: int
    lr: float


def flower(m: int = EXAMPLES, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved noisy petal curves r = 4·sin(4t) in polar form, one per class."""
    rng = np.random.default_rng(seed)
    half = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for label in range(2):
        t = np.linspace(label * 3.12, (label + 1) * 3.12, half) + 0.2 * rng.standard_normal(half)
        r = 4.0 * np.sin(4.0 * t) + 0.2 * rng.standard_normal(half)
        rows = slice(label * half, (label + 1) * half)
        X[rows] = np.column_stack([r * np.sin(t), r * np.cos(t)])
        Y[rows] = label
    return X, Y


def make_case(variant: str, quick: bool) -> Case:
    """The single case (100 iterations instead of 1000 with ``--quick``)."""
    X, Y = flower()
    rng = np.random.default_rng(2)
    params = (
        0.01 * rng.standard_normal((HIDDEN, 2)),
        np.zeros(HIDDEN),
        0.01 * rng.standard_normal((1, HIDDEN)),
        np.zeros(1),
    )
    iterations = QUICK_ITERATIONS if quick else ITERATIONS
    problem = PlanarProblem(X, Y, params, iterations, LR)
    return Case("planar", variant, problem, "float64", 1, "run")


def _outputs(cost: Any, params: Any) -> dict[str, np.ndarray]:
    out = {"final_cost": np.asarray(cost, dtype=np.float64)}
    out.update({n: np.asarray(a) for n, a in zip(("W1", "b1", "W2", "b2"), params)})
    return out


def numpy_runner(p: PlanarProblem) -> Runner:
    """By hand, as in the course: dZ2 = (A2 − Y)/m, dZ1 = (dZ2·W2) ⊙ (1 − A1²)."""
    X, Y, lr = p.X, p.Y, p.lr
    m = X.shape[0]

    def step() -> tuple[Any, Any]:
        W1, b1, W2, b2 = (a.copy() for a in p.params)
        cost = None
        for _ in range(p.iterations):
            A1 = np.tanh(X @ W1.T + b1)
            A2 = 1.0 / (1.0 + np.exp(-(A1 @ W2.T + b2)))
            cost = -np.mean(Y * np.log(A2) + (1.0 - Y) * np.log(1.0 - A2))
            dZ2 = (A2 - Y) / m
            dW2, db2 = dZ2.T @ A1, dZ2.sum(axis=0)
            dZ1 = (dZ2 @ W2) * (1.0 - A1 * A1)
            dW1, db1 = dZ1.T @ X, dZ1.sum(axis=0)
            W1 -= lr * dW1
            b1 -= lr * db1
            W2 -= lr * dW2
            b2 -= lr * db2
        return cost, (W1, b1, W2, b2)

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_runner(p: PlanarProblem) -> Runner:
    """Raw Tensors: ``linear``, ``tanh``, ``sigmoid``, ``binary_cross_entropy``."""
    import autograd_lite as ag

    X, Y, lr = ag.Tensor(p.X), ag.Tensor(p.Y), p.lr

    def step() -> tuple[Any, Any]:
        params = [ag.Tensor(a.copy(), requires_grad=True) for a in p.params]
        W1, b1, W2, b2 = params
        cost = None
        for _ in range(p.iterations):
            for t in params:
                t.grad = None
            A1 = ag.linear(X, W1, b1).tanh()
            A2 = ag.linear(A1, W2, b2).sigmoid()
            cost = ag.binary_cross_entropy(A2, Y)
            cost.backward()
            for t in params:
                t.data -= lr * t.grad.data
        return cost.data, [t.data for t in params]

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_nn_runner(p: PlanarProblem) -> Runner:
    """nn: Sequential(Dense, Tanh, Dense, Sigmoid), BCELoss, SGD."""
    import autograd_lite as ag
    from autograd_lite import nn

    hidden, out = nn.Dense(2, HIDDEN), nn.Dense(HIDDEN, 1)
    model = nn.Sequential(hidden, nn.Tanh(), out, nn.Sigmoid())
    loss_fn = nn.BCELoss()
    X, Y = ag.Tensor(p.X), ag.Tensor(p.Y)

    def step() -> tuple[Any, Any]:
        set_dense_params(hidden, p.params[0], p.params[1])
        set_dense_params(out, p.params[2], p.params[3])
        optimizer = nn.SGD(model.parameters(), lr=p.lr)
        cost = None
        for _ in range(p.iterations):
            optimizer.zero_grad()
            cost = loss_fn(model(X), Y)
            cost.backward()
            optimizer.step()
        return cost.data, [hidden.W.data, hidden.b.data, out.W.data, out.b.data]

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_compiled_runner(p: PlanarProblem) -> Runner:
    """Raw Tensors, the cost through ``autograd_lite.compile`` (traced when the runner is
    made; the parameters are its arguments, made afresh for each run)."""
    import autograd_lite as ag

    X, Y, lr = ag.Tensor(p.X), ag.Tensor(p.Y), p.lr

    def cost_of(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        A1 = ag.linear(X, W1, b1).tanh()
        A2 = ag.linear(A1, W2, b2).sigmoid()
        return ag.binary_cross_entropy(A2, Y)

    compiled = ag.compile(cost_of)
    compiled(*(ag.Tensor(a.copy(), requires_grad=True) for a in p.params))  # the trace

    def step() -> tuple[Any, Any]:
        params = [ag.Tensor(a.copy(), requires_grad=True) for a in p.params]
        cost = None
        for _ in range(p.iterations):
            for t in params:
                t.grad = None
            cost = compiled(*params)
            cost.backward()
            for t in params:
                t.data -= lr * t.grad.data
        return cost.data, [t.data for t in params]

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_nn_compiled_runner(p: PlanarProblem) -> Runner:
    """nn with the cost ``loss_fn(model(X), Y)`` through ``autograd_lite.compile``."""
    import autograd_lite as ag
    from autograd_lite import nn

    hidden, out = nn.Dense(2, HIDDEN), nn.Dense(HIDDEN, 1)
    model = nn.Sequential(hidden, nn.Tanh(), out, nn.Sigmoid())
    loss_fn = nn.BCELoss()
    X, Y = ag.Tensor(p.X), ag.Tensor(p.Y)
    compiled = ag.compile(lambda: loss_fn(model(X), Y))
    compiled()  # the trace (the eager first call): replays only from here on

    def step() -> tuple[Any, Any]:
        set_dense_params(hidden, p.params[0], p.params[1])
        set_dense_params(out, p.params[2], p.params[3])
        optimizer = nn.SGD(model.parameters(), lr=p.lr)
        cost = None
        for _ in range(p.iterations):
            optimizer.zero_grad()
            cost = compiled()
            cost.backward()
            optimizer.step()
        return cost.data, [hidden.W.data, hidden.b.data, out.W.data, out.b.data]

    return Runner(step, lambda r: _outputs(*r))


def torch_runner(p: PlanarProblem) -> Runner:
    """PyTorch eager, float64, in-place update under ``torch.no_grad()``."""
    import torch
    import torch.nn.functional as F

    X, Y, lr = torch.from_numpy(p.X), torch.from_numpy(p.Y), p.lr

    def step() -> tuple[Any, Any]:
        params = [torch.tensor(a, requires_grad=True) for a in p.params]
        W1, b1, W2, b2 = params
        cost = None
        for _ in range(p.iterations):
            for t in params:
                t.grad = None
            A1 = torch.tanh(F.linear(X, W1, b1))
            A2 = torch.sigmoid(F.linear(A1, W2, b2))
            cost = F.binary_cross_entropy(A2, Y)
            cost.backward()
            with torch.no_grad():
                for t in params:
                    t -= lr * t.grad
        return cost.item(), [t.detach().numpy() for t in params]

    return Runner(step, lambda r: _outputs(*r))


def hips_autograd_runner(p: PlanarProblem) -> Runner:
    """HIPS autograd: ``value_and_grad`` of the course's cost, written with autograd.numpy."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    X, Y, lr = p.X, p.Y, p.lr

    def cost_fn(params: list[Any]) -> Any:
        W1, b1, W2, b2 = params
        A1 = anp.tanh(X @ W1.T + b1)
        A2 = 1.0 / (1.0 + anp.exp(-(A1 @ W2.T + b2)))
        return -anp.mean(Y * anp.log(A2) + (1.0 - Y) * anp.log(1.0 - A2))

    value_and_grads = value_and_grad(cost_fn)

    def step() -> tuple[Any, Any]:
        params = [a.copy() for a in p.params]
        cost = None
        for _ in range(p.iterations):
            cost, grads = value_and_grads(params)
            for param, grad in zip(params, grads):
                param -= lr * grad
        return cost, params

    return Runner(step, lambda r: _outputs(*r))


def mygrad_runner(p: PlanarProblem) -> Runner:
    """mygrad tensors with its ``sigmoid``; the BCE is written out (memory guarding off)."""
    import mygrad as mg
    from mygrad.nnet.activations import sigmoid

    mg.turn_memory_guarding_off()
    X, Y, lr = p.X, p.Y, p.lr

    def step() -> tuple[Any, Any]:
        params = [mg.tensor(a.copy()) for a in p.params]
        W1, b1, W2, b2 = params
        cost = None
        for _ in range(p.iterations):
            A1 = mg.tanh(X @ W1.T + b1)
            A2 = sigmoid(A1 @ W2.T + b2)
            cost = -mg.mean(Y * mg.log(A2) + (1.0 - Y) * mg.log(1.0 - A2))
            cost.backward()
            for t in params:
                t.data -= lr * t.grad
        return cost.item(), [t.data for t in params]

    return Runner(step, lambda r: _outputs(*r))


WORKLOAD = Workload(
    name="planar",
    title="planar 2-4-1 model, 400 points, 1000 GD iterations",
    description=__doc__ or "",
    variants=lambda quick: [""],
    make_case=make_case,
    implementations={
        "numpy": numpy_runner,
        "autograd_lite": autograd_lite_runner,
        "autograd_lite.nn": autograd_lite_nn_runner,
        "autograd_lite.compile": autograd_lite_compiled_runner,
        "autograd_lite.nn.compile": autograd_lite_nn_compiled_runner,
        "torch": torch_runner,
        "hips_autograd": hips_autograd_runner,
        "mygrad": mygrad_runner,
    },
    not_applicable={
        "micrograd": "scalar engine: ~14M Value nodes per run (about a minute); too big",
    },
    rtol={"float64": 1e-6},
)
