"""Workload 4: a deep scalar chain, ``y = tanh(y·1.0001 + 0.001)`` repeated N times.

N = 10³, 10⁴, 10⁵, 10⁶ links (3 graph nodes each: mul, add, tanh), forward + backward of
dy_N/dx.  This measures per-node cost on a graph far deeper than Python's recursion limit,
so it shows which engines stay linear in N and which fail (micrograd's recursive
topological sort raises RecursionError at N = 10³).  Figures are per link.

The NumPy baseline runs the forward loop on NumPy float64 scalars and derives the backward
pass by hand, vectorised: dy_N/dx = Π 1.0001·(1 − t_k²) over the saved outputs t_k.  Every
contender runs in its own subprocess, next to its own NumPy baseline, so a crash or a
multi-gigabyte graph cannot take the main run down.  A contender that failed at some N, or
whose run at some N took longer than ``--skip-after`` seconds, is skipped for larger N.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import micrograd_ops
from .base import Case, Runner, Workload

SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
X0 = 0.5
SCALE = 1.0001
SHIFT = 0.001


@dataclass(frozen=True)
class ScalarChainProblem:
    """The starting value and the number of links."""

    x: float
    n: int


def variant_name(n: int) -> str:
    """``N=1000`` and so on."""
    return f"N={n}"


def make_case(variant: str, quick: bool) -> Case:
    """``variant`` is ``N=<links>``."""
    n = int(variant.split("=")[1])
    return Case("scalar_chain", variant, ScalarChainProblem(X0, n), "float64", n, "link")


def _outputs(y: Any, dx: Any) -> dict[str, np.ndarray]:
    return {"y": np.asarray(y, dtype=np.float64), "dx": np.asarray(dx, dtype=np.float64)}


def numpy_runner(p: ScalarChainProblem) -> Runner:
    """Forward on NumPy scalars saving each t_k; backward Π 1.0001·(1 − t_k²) in one call."""

    def step() -> tuple[Any, Any]:
        saved = np.empty(p.n)
        y = np.float64(p.x)
        for k in range(p.n):
            y = np.tanh(y * SCALE + SHIFT)
            saved[k] = y
        return y, np.prod(SCALE * (1.0 - saved * saved))

    return Runner(step, lambda r: _outputs(*r))


def autograd_lite_runner(p: ScalarChainProblem) -> Runner:
    """0-d autograd_lite Tensors."""
    import autograd_lite as ag

    def step() -> tuple[Any, Any]:
        x = ag.Tensor(p.x, requires_grad=True)
        y = x
        for _ in range(p.n):
            y = (y * SCALE + SHIFT).tanh()
        y.backward()
        return y, x

    return Runner(step, lambda r: _outputs(r[0].data, r[1].grad.data))


def autograd_lite_compiled_runner(p: ScalarChainProblem) -> Runner:
    """The chain through ``autograd_lite.compile``, traced when the runner is made."""
    import autograd_lite as ag

    def chain(x: Any) -> Any:
        y = x
        for _ in range(p.n):
            y = (y * SCALE + SHIFT).tanh()
        return y

    compiled = ag.compile(chain)

    def step() -> tuple[Any, Any]:
        x = ag.Tensor(p.x, requires_grad=True)
        y = compiled(x)
        y.backward()
        return y, x

    step()  # the trace (the eager first call): replays only from here on
    return Runner(step, lambda r: _outputs(r[0].data, r[1].grad.data))


def torch_runner(p: ScalarChainProblem) -> Runner:
    """0-d float64 PyTorch tensors."""
    import torch

    def step() -> tuple[Any, Any]:
        x = torch.tensor(p.x, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(p.n):
            y = torch.tanh(y * SCALE + SHIFT)
        y.backward()
        return y.item(), x.grad.item()

    return Runner(step, lambda r: _outputs(*r))


def hips_autograd_runner(p: ScalarChainProblem) -> Runner:
    """HIPS autograd on a Python float."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    def chain(x: Any) -> Any:
        y = x
        for _ in range(p.n):
            y = anp.tanh(y * SCALE + SHIFT)
        return y

    value_and_derivative = value_and_grad(chain)
    return Runner(lambda: value_and_derivative(p.x), lambda r: _outputs(*r))


def mygrad_runner(p: ScalarChainProblem) -> Runner:
    """0-d mygrad tensors (memory guarding off)."""
    import mygrad as mg

    mg.turn_memory_guarding_off()

    def step() -> tuple[Any, Any]:
        x = mg.tensor(p.x)
        y = x
        for _ in range(p.n):
            y = mg.tanh(y * SCALE + SHIFT)
        y.backward()
        return y.item(), x.grad

    return Runner(step, lambda r: _outputs(*r))


def micrograd_runner(p: ScalarChainProblem) -> Runner:
    """micrograd ``Value``s (with a tanh written in its style)."""
    from micrograd.engine import Value

    def step() -> tuple[Any, Any]:
        x = Value(p.x)
        y = x
        for _ in range(p.n):
            y = micrograd_ops.tanh(y * SCALE + SHIFT)
        y.backward()
        return y.data, x.grad

    return Runner(step, lambda r: _outputs(*r))


WORKLOAD = Workload(
    name="scalar_chain",
    title="scalar chain y = tanh(1.0001·y + 0.001), per link",
    description=__doc__ or "",
    variants=lambda quick: [variant_name(n) for n in (QUICK_SIZES if quick else SIZES)],
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
        "autograd_lite.nn": "no layers in a scalar chain",
        "autograd_lite.nn.compile": "no layers in a scalar chain",
    },
    rtol={"float64": 1e-9},
    isolate=True,
    escalating=True,
)
