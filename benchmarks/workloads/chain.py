"""Workload 1: a chain of elementwise ops on an (8,) array, forward + backward.

``y = x``, then ``rounds`` times ``y = tanh(y * a + b)``, then ``loss = sum(y)``; ``x``, ``a``
and ``b`` all need gradients, so ``a`` and ``b`` fan out into every round and their
gradients accumulate.  67 rounds make 201 ops: the "200-op chain" of issues 2 and 6.  With
arrays this small every op is pure per-op overhead, which is what this workload measures.
Figures are per op (one op = one elementwise op on the (8,) array).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import micrograd_ops
from .base import Case, Runner, Workload

ROUNDS = 67
SIZE = 8
OPS_PER_ROUND = 3


@dataclass(frozen=True)
class ChainProblem:
    """The inputs of the chain; every implementation copies them before use."""

    x: np.ndarray
    a: np.ndarray
    b: np.ndarray
    rounds: int


def make_case(variant: str, quick: bool) -> Case:
    """The single case: float64 (8,) arrays, seeded."""
    rng = np.random.default_rng(0)
    problem = ChainProblem(
        x=rng.standard_normal(SIZE),
        a=rng.uniform(0.5, 1.5, SIZE),
        b=0.1 * rng.standard_normal(SIZE),
        rounds=ROUNDS,
    )
    return Case("chain", variant, problem, "float64", ROUNDS * OPS_PER_ROUND, "op")


def _outputs(loss: Any, dx: Any, da: Any, db: Any) -> dict[str, np.ndarray]:
    return {
        "loss": np.asarray(loss),
        "dx": np.asarray(dx),
        "da": np.asarray(da),
        "db": np.asarray(db),
    }


def numpy_runner(p: ChainProblem) -> Runner:
    """By hand: keep each round's input and output, then walk the rounds backwards.

    With u = y·a + b and t = tanh(u): dL/du = g·(1 − t²), dL/db += dL/du,
    dL/da += dL/du · y, and the gradient flowing to y is dL/du · a.
    """
    x, a, b = p.x.copy(), p.a.copy(), p.b.copy()

    def step() -> tuple[Any, ...]:
        ys = [x]
        y = x
        for _ in range(p.rounds):
            y = np.tanh(y * a + b)
            ys.append(y)
        loss = y.sum()
        g = np.ones_like(y)
        da = np.zeros_like(a)
        db = np.zeros_like(b)
        for k in range(p.rounds, 0, -1):
            t = ys[k]
            du = g * (1.0 - t * t)
            db += du
            da += du * ys[k - 1]
            g = du * a
        return loss, g, da, db

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_runner(p: ChainProblem) -> Runner:
    """autograd_lite Tensors; gradients reset to None before each step."""
    import autograd_lite as ag

    x, a, b = (ag.Tensor(v.copy(), requires_grad=True) for v in (p.x, p.a, p.b))

    def step() -> Any:
        x.grad = a.grad = b.grad = None
        y = x
        for _ in range(p.rounds):
            y = (y * a + b).tanh()
        loss = y.sum()
        loss.backward()
        return loss

    return Runner(step, lambda loss: _outputs(loss.data, x.grad, a.grad, b.grad))


def autograd_lite_compiled_runner(p: ChainProblem) -> Runner:
    """The same chain through ``autograd_lite.compile``, traced when the runner is made."""
    import autograd_lite as ag

    x, a, b = (ag.Tensor(v.copy(), requires_grad=True) for v in (p.x, p.a, p.b))

    def chain(x: Any, a: Any, b: Any) -> Any:
        y = x
        for _ in range(p.rounds):
            y = (y * a + b).tanh()
        return y.sum()

    compiled = ag.compile(chain)

    def step() -> Any:
        x.grad = a.grad = b.grad = None
        loss = compiled(x, a, b)
        loss.backward()
        return loss

    step()  # the trace (the eager first call): replays only from here on
    return Runner(step, lambda loss: _outputs(loss.data, x.grad, a.grad, b.grad))


def torch_runner(p: ChainProblem) -> Runner:
    """PyTorch float64 tensors, eager mode."""
    import torch

    x, a, b = (torch.tensor(v, requires_grad=True) for v in (p.x, p.a, p.b))

    def step() -> Any:
        x.grad = a.grad = b.grad = None
        y = x
        for _ in range(p.rounds):
            y = torch.tanh(y * a + b)
        loss = y.sum()
        loss.backward()
        return loss

    return Runner(
        step, lambda loss: _outputs(loss.item(), x.grad.numpy(), a.grad.numpy(), b.grad.numpy())
    )


def hips_autograd_runner(p: ChainProblem) -> Runner:
    """HIPS autograd: ``value_and_grad`` of a function written with ``autograd.numpy``."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    def loss_fn(x: Any, a: Any, b: Any) -> Any:
        y = x
        for _ in range(p.rounds):
            y = anp.tanh(y * a + b)
        return anp.sum(y)

    value_and_grads = value_and_grad(loss_fn, argnum=(0, 1, 2))
    x, a, b = p.x.copy(), p.a.copy(), p.b.copy()

    def step() -> Any:
        return value_and_grads(x, a, b)

    return Runner(step, lambda r: _outputs(r[0], *r[1]))


def mygrad_runner(p: ChainProblem) -> Runner:
    """mygrad tensors (memory guarding off, as its docs advise for speed)."""
    import mygrad as mg

    mg.turn_memory_guarding_off()
    x, a, b = (mg.tensor(v.copy()) for v in (p.x, p.a, p.b))

    def step() -> Any:
        y = x
        for _ in range(p.rounds):
            y = mg.tanh(y * a + b)
        loss = mg.sum(y)
        loss.backward()
        return loss

    return Runner(step, lambda loss: _outputs(loss.item(), x.grad, a.grad, b.grad))


def micrograd_runner(p: ChainProblem) -> Runner:
    """micrograd: one scalar ``Value`` per element, so each op is 8 scalar ops."""
    from micrograd.engine import Value

    leaves = [[Value(float(v)) for v in arr] for arr in (p.x, p.a, p.b)]
    xs, as_, bs = leaves

    def step() -> Any:
        for group in leaves:
            for v in group:
                v.grad = 0.0
        ys = list(xs)
        for _ in range(p.rounds):
            ys = [micrograd_ops.tanh(y * ai + bi) for y, ai, bi in zip(ys, as_, bs)]
        loss = sum(ys)
        loss.backward()
        return loss

    def outputs(loss: Any) -> dict[str, np.ndarray]:
        grads = [np.array([v.grad for v in group]) for group in leaves]
        return _outputs(loss.data, *grads)

    return Runner(step, outputs)


WORKLOAD = Workload(
    name="chain",
    title="elementwise chain, 201 ops on (8,) float64",
    description=__doc__ or "",
    variants=lambda quick: [""],
    make_case=make_case,
    implementations={
        "numpy": numpy_runner,
        "autograd_lite": autograd_lite_runner,
        "autograd_lite.compile": autograd_lite_compiled_runner,
        "torch": torch_runner,
        "hips_autograd": hips_autograd_runner,
        "mygrad": mygrad_runner,
        "micrograd": micrograd_runner,
    },
    not_applicable={
        "autograd_lite.nn": "no layers in a bare elementwise chain",
        "autograd_lite.nn.compile": "no layers in a bare elementwise chain",
    },
)
