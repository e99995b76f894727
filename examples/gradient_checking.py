"""Gradient checking: prove backpropagation right with central differences, and watch a
deliberately broken derivative get caught (the course's "Gradient Checking" assignment).

For every parameter element θᵢ, ``autograd_lite.gradcheck`` compares the gradient backward()
computes with the two-sided difference quotient

    numeric_i = ( J(θ + ε·eᵢ) − J(θ − ε·eᵢ) ) / 2ε           (error O(ε²), ε = 1e-6)

and reports, per input, the relative error ‖backward − numeric‖ / (‖backward‖ + ‖numeric‖):
below 1e-7 is great, below 1e-5 acceptable, above that probably a bug (the course's scale).

1. A correct network — the planar 2-layer model [2, 4, 1] — passes for every parameter.
2. A broken op. Every primitive of the engine is an ``Op``: a name and one partial derivative
   per input, ``partial(xp, g, y, x) = g · ∂y/∂x`` (``g`` is dJ/dy flowing back, ``y`` the
   op's output). We write our own sigmoid as an ``Op`` and get its derivative wrong the
   classic way — σ'(x) = σ(x)(1 − σ(x)), but we return σ(x), forgetting the (1 − σ) factor.
   gradcheck on the op alone fails, and the report's "worst at" column names the element
   where backward and the difference quotient disagree most, with both values.
3. The broken sigmoid inside a network: the parameters *before* it (0.W, 0.b) fail, the
   ones *after* it (2.W, 2.b) pass — the report says which layer to look at.

The course's figures: a correct backward gives a difference of about 1e-7 or less; its
deliberately broken backward gives 0.285.

Run: ``python examples/gradient_checking.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cli import parse_options

import autograd_lite as ag
from autograd_lite import Tensor, nn
from autograd_lite.extend import Op, as_tensor, record
from autograd_lite.nn.datasets import planar_flower

COURSE = {"correct": 1e-7, "broken": 0.285}  # the course's reported differences

# -------------------------------------------------------------------------- the broken op

BROKEN_SIGMOID = Op(
    "broken_sigmoid",
    # BUG on purpose: ∂σ/∂x = σ(1 − σ) = y·(1 − y), but this returns g·y.
    lambda xp, g, y, x: g * y,
)


def broken_sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^(−x)) forward (correct), with the wrong derivative above."""
    x = as_tensor(x, "broken_sigmoid")
    return record(1.0 / (1.0 + np.exp(-x.data)), BROKEN_SIGMOID, x)


class BrokenSigmoid(nn.Module):
    """An activation module around ``broken_sigmoid``."""

    def forward(self, x: Tensor) -> Tensor:
        return broken_sigmoid(x)


# -------------------------------------------------------------------------- the experiment


def two_layer_net(activation: nn.Module, seed: int = 0) -> nn.Sequential:
    """[2, 4, 1] with the given hidden activation and a sigmoid output."""
    return nn.Sequential(
        nn.Dense(2, 4, init="xavier", seed=seed),
        activation,
        nn.Dense(4, 1, init="xavier", seed=seed + 1),
        nn.Sigmoid(),
    )


def check_network(model: nn.Module, X: np.ndarray, Y: np.ndarray):
    """gradcheck the cost with respect to every parameter of ``model``."""
    loss_fn = nn.BCELoss()
    model.eval()  # deterministic forward (no dropout here, but a good habit)
    return ag.gradcheck(lambda: loss_fn(model(X), Y), model.parameters())


def main(quick: bool = False, out_dir: str | Path = "outputs") -> dict:
    """Run the three checks; return the reports' relative errors and verdicts."""
    X, Y = planar_flower()
    if quick:
        X, Y = X[::8], Y[::8]  # 50 points: each check takes a fraction of a second
    print(f"data: {len(X)} points of the flower set\n")

    print("1. a correct network: [2, 4 tanh, 1 sigmoid], cost = cross-entropy")
    correct = check_network(two_layer_net(nn.Tanh()), X, Y)
    print(correct, "\n")

    print("2. the broken sigmoid on its own, at x = [-2, -1, 0, 1, 2]")
    x = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], name="x")
    op_alone = ag.gradcheck(lambda t: broken_sigmoid(t).sum(), [x])
    print(op_alone)
    worst = op_alone[0]
    print(
        f"-> worst element {worst.worst_index}: x = {x.data[worst.worst_index]:g}, backward "
        f"says {worst.worst_analytic:.4f}, the difference quotient {worst.worst_numeric:.4f} "
        "(σ(2) vs σ(2)(1 − σ(2)))\n"
    )

    print("3. the broken sigmoid as the hidden activation of the same network")
    broken = check_network(two_layer_net(BrokenSigmoid()), X, Y)
    print(broken)
    failing = [check.name for check in broken.inputs if not check.passed]
    print(
        f"-> failing: {failing}. Layer 2 passes, layer 0 fails: the wrong derivative sits "
        "between them, in the hidden activation (1)"
    )
    print(
        f"\ncourse: correct backward ≈ {COURSE['correct']:g} or less, "
        f"broken backward {COURSE['broken']}"
    )
    return {
        "correct_passed": bool(correct),
        "correct_errors": {c.name: c.relative_error for c in correct.inputs},
        "op_passed": bool(op_alone),
        "op_worst_index": worst.worst_index,
        "op_error": worst.relative_error,
        "broken_passed": bool(broken),
        "broken_failing": failing,
        "broken_errors": {c.name: c.relative_error for c in broken.inputs},
    }


if __name__ == "__main__":
    options = parse_options(__doc__)
    main(quick=options.quick, out_dir=options.out_dir)
