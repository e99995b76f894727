"""Workload 2: one SGD training step of a 784-256-256-10 ReLU MLP with softmax cross-entropy.

Batch 256, in float32 and in float64.  One step = forward, mean softmax cross-entropy,
backward, and the in-place SGD update ``W -= lr · dW`` of all six parameters.  Rows are
examples and a layer computes ``X @ W.T + b`` with ``W`` of shape (n_out, n_in).  The
outputs checked are the loss and the six gradients of the first step from the shared
initial parameters.  Workload 5 (peak memory) runs the same step at batch 4096.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from .base import Case, Runner, Workload

SIZES = (784, 256, 256, 10)
BATCH = 256
LR = 0.01
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


@dataclass(frozen=True)
class MLPProblem:
    """Data, integer labels and He-initialised parameters (W1, b1, W2, b2, W3, b3)."""

    X: np.ndarray
    y: np.ndarray
    params: tuple[np.ndarray, ...]
    lr: float


def make_problem(batch: int, dtype: str, seed: int = 0) -> MLPProblem:
    """Random data and He-initialised weights, generated directly in ``dtype``."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    X = rng.standard_normal((batch, SIZES[0]), dtype=dt)
    y = rng.integers(0, SIZES[-1], size=batch)
    params: list[np.ndarray] = []
    for n_in, n_out in pairwise(SIZES):
        W = rng.standard_normal((n_out, n_in), dtype=dt)
        W *= dt.type(np.sqrt(2.0 / n_in))
        params += [W, np.zeros(n_out, dtype=dt)]
    return MLPProblem(X, y, tuple(params), LR)


def make_case(variant: str, quick: bool) -> Case:
    """``variant`` is the dtype name."""
    return Case("mlp", variant, make_problem(BATCH, variant), variant, 1, "step")


def _outputs(loss: Any, grads: Any) -> dict[str, np.ndarray]:
    out = {"loss": np.asarray(loss, dtype=np.float64)}
    out.update({f"d{n}": np.asarray(g) for n, g in zip(NAMES, grads)})
    return out


def numpy_runner(p: MLPProblem) -> Runner:
    """By hand, as in the course (row form).

    Forward: Z1 = X·W1ᵀ + b1, A1 = relu(Z1), Z2 = A1·W2ᵀ + b2, A2 = relu(Z2), Z3 = A2·W3ᵀ + b3,
    loss = mean(logsumexp(Z3) − Z3[y]).  Backward: dZ3 = (softmax(Z3) − onehot(y)) / m,
    dW3 = dZ3ᵀ·A2, db3 = Σ dZ3, dZ2 = (dZ3·W3) ⊙ [Z2 > 0], and so on down to dW1 = dZ1ᵀ·X.
    """
    params = [a.copy() for a in p.params]
    X, y, lr = p.X, p.y, p.lr
    m = X.shape[0]
    rows = np.arange(m)

    def step() -> tuple[Any, Any]:
        W1, b1, W2, b2, W3, b3 = params
        Z1 = X @ W1.T + b1
        A1 = np.maximum(Z1, 0)
        Z2 = A1 @ W2.T + b2
        A2 = np.maximum(Z2, 0)
        Z3 = A2 @ W3.T + b3
        shifted = Z3 - Z3.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(total[:, 0]) - shifted[rows, y])
        dZ3 = exp / total
        dZ3[rows, y] -= 1
        dZ3 /= m
        dW3, db3 = dZ3.T @ A2, dZ3.sum(axis=0)
        dZ2 = (dZ3 @ W3) * (Z2 > 0)
        dW2, db2 = dZ2.T @ A1, dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2) * (Z1 > 0)
        dW1, db1 = dZ1.T @ X, dZ1.sum(axis=0)
        grads = (dW1, db1, dW2, db2, dW3, db3)
        for param, grad in zip(params, grads):
            param -= lr * grad
        return loss, grads

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_runner(p: MLPProblem) -> Runner:
    """Raw autograd_lite Tensors with the fused ``linear`` and ``softmax_cross_entropy``."""
    import autograd_lite as ag

    params = [ag.Tensor(a.copy(), requires_grad=True) for a in p.params]
    X, y, lr = ag.Tensor(p.X), p.y, p.lr

    def step() -> Any:
        for t in params:
            t.grad = None
        W1, b1, W2, b2, W3, b3 = params
        h = ag.linear(X, W1, b1).relu()
        h = ag.linear(h, W2, b2).relu()
        loss = ag.softmax_cross_entropy(ag.linear(h, W3, b3), y)
        loss.backward()
        for t in params:
            t.data -= lr * t.grad.data
        return loss

    return Runner(step, lambda loss: _outputs(loss.data, [t.grad for t in params]))


def autograd_lite_compiled_runner(p: MLPProblem) -> Runner:
    """The raw-Tensor step with its forward pass through ``autograd_lite.compile`` (traced
    when the runner is made)."""
    import autograd_lite as ag

    params = [ag.Tensor(a.copy(), requires_grad=True) for a in p.params]
    X, y, lr = ag.Tensor(p.X), p.y, p.lr
    W1, b1, W2, b2, W3, b3 = params

    def forward(X: Any) -> Any:
        h = ag.linear(X, W1, b1).relu()
        h = ag.linear(h, W2, b2).relu()
        return ag.softmax_cross_entropy(ag.linear(h, W3, b3), y)

    compiled = ag.compile(forward)
    compiled(X)  # the trace (the eager first call): replays only from here on

    def step() -> Any:
        for t in params:
            t.grad = None
        loss = compiled(X)
        loss.backward()
        for t in params:
            t.data -= lr * t.grad.data
        return loss

    return Runner(step, lambda loss: _outputs(loss.data, [t.grad for t in params]))


def set_dense_params(layer: Any, W: np.ndarray, b: np.ndarray) -> None:
    """Give an ``nn.Dense`` these exact starting values, keeping their dtype."""
    layer.W.data = W.copy()
    layer.b.data = b.copy()


def autograd_lite_nn_runner(p: MLPProblem) -> Runner:
    """autograd_lite's nn: Sequential of Dense/ReLU, CrossEntropyLoss, SGD."""
    import autograd_lite as ag
    from autograd_lite import nn

    dense = [nn.Dense(n_in, n_out) for n_in, n_out in pairwise(SIZES)]
    for layer, k in zip(dense, range(0, 6, 2)):
        set_dense_params(layer, p.params[k], p.params[k + 1])
    model = nn.Sequential(dense[0], nn.ReLU(), dense[1], nn.ReLU(), dense[2])
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.parameters(), lr=p.lr)
    X, y = ag.Tensor(p.X), p.y

    def step() -> Any:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss

    def outputs(loss: Any) -> dict[str, np.ndarray]:
        grads = [g for layer in dense for g in (layer.W.grad, layer.b.grad)]
        return _outputs(loss.data, grads)

    return Runner(step, outputs)


def autograd_lite_nn_compiled_runner(p: MLPProblem) -> Runner:
    """nn with the forward pass ``loss_fn(model(X), y)`` through ``autograd_lite.compile``."""
    import autograd_lite as ag
    from autograd_lite import nn

    dense = [nn.Dense(n_in, n_out) for n_in, n_out in pairwise(SIZES)]
    for layer, k in zip(dense, range(0, 6, 2)):
        set_dense_params(layer, p.params[k], p.params[k + 1])
    model = nn.Sequential(dense[0], nn.ReLU(), dense[1], nn.ReLU(), dense[2])
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.parameters(), lr=p.lr)
    X, y = ag.Tensor(p.X), p.y
    compiled = ag.compile(lambda X: loss_fn(model(X), y))
    compiled(X)  # the trace (the eager first call): replays only from here on

    def step() -> Any:
        optimizer.zero_grad()
        loss = compiled(X)
        loss.backward()
        optimizer.step()
        return loss

    def outputs(loss: Any) -> dict[str, np.ndarray]:
        grads = [g for layer in dense for g in (layer.W.grad, layer.b.grad)]
        return _outputs(loss.data, grads)

    return Runner(step, outputs)


def torch_runner(p: MLPProblem) -> Runner:
    """PyTorch eager: ``F.linear``, ``F.relu``, ``F.cross_entropy``, ``torch.optim.SGD``."""
    import torch
    import torch.nn.functional as F

    params = [torch.tensor(a, requires_grad=True) for a in p.params]
    X, y = torch.from_numpy(p.X), torch.from_numpy(p.y).long()
    optimizer = torch.optim.SGD(params, lr=p.lr)

    def step() -> Any:
        optimizer.zero_grad()
        W1, b1, W2, b2, W3, b3 = params
        h = F.relu(F.linear(X, W1, b1))
        h = F.relu(F.linear(h, W2, b2))
        loss = F.cross_entropy(F.linear(h, W3, b3), y)
        loss.backward()
        optimizer.step()
        return loss

    return Runner(step, lambda loss: _outputs(loss.item(), [t.grad.numpy() for t in params]))


def hips_autograd_runner(p: MLPProblem) -> Runner:
    """HIPS autograd: ``value_and_grad`` of a loss written with ``autograd.numpy``."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    X, y, lr = p.X, p.y, p.lr
    rows = np.arange(X.shape[0])

    def loss_fn(params: list[Any]) -> Any:
        W1, b1, W2, b2, W3, b3 = params
        h = anp.maximum(X @ W1.T + b1, 0.0)
        h = anp.maximum(h @ W2.T + b2, 0.0)
        logits = h @ W3.T + b3
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(shifted), axis=1))
        return anp.mean(lse - shifted[rows, y])

    value_and_grads = value_and_grad(loss_fn)
    params = [a.copy() for a in p.params]

    def step() -> Any:
        loss, grads = value_and_grads(params)
        for param, grad in zip(params, grads):
            param -= lr * grad
        return loss, grads

    return Runner(step, lambda r: _outputs(*r))


def mygrad_runner(p: MLPProblem) -> Runner:
    """mygrad with its fused ``softmax_crossentropy`` and ``relu`` (memory guarding off)."""
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    mg.turn_memory_guarding_off()
    params = [mg.tensor(a.copy()) for a in p.params]
    X, y, lr = p.X, p.y, p.lr

    def step() -> Any:
        W1, b1, W2, b2, W3, b3 = params
        h = relu(X @ W1.T + b1)
        h = relu(h @ W2.T + b2)
        loss = softmax_crossentropy(h @ W3.T + b3, y)
        loss.backward()
        for t in params:
            t.data -= lr * t.grad
        return loss

    return Runner(step, lambda loss: _outputs(loss.item(), [t.grad for t in params]))


IMPLEMENTATIONS = {
    "numpy": numpy_runner,
    "autograd_lite": autograd_lite_runner,
    "autograd_lite.nn": autograd_lite_nn_runner,
    "autograd_lite.compile": autograd_lite_compiled_runner,
    "autograd_lite.nn.compile": autograd_lite_nn_compiled_runner,
    "torch": torch_runner,
    "hips_autograd": hips_autograd_runner,
    "mygrad": mygrad_runner,
}

WORKLOAD = Workload(
    name="mlp",
    title="MLP 784-256-256-10 training step, batch 256",
    description=__doc__ or "",
    variants=lambda quick: ["float32", "float64"],
    make_case=make_case,
    implementations=IMPLEMENTATIONS,
    not_applicable={"micrograd": "scalar engine: one step would build ~10⁸ Value nodes"},
)
