"""The computation graph: forward builds it, backward walks it (the course's "computation
graph" and "derivatives with a computation graph" lectures), drawn to SVG.

1. The lecture's example J = 3(a + bc) with a = 5, b = 3, c = 2, in three steps

       u = b·c = 6,    v = a + u = 11,    J = 3·v = 33

   Each Tensor records the op that made it and its inputs, so J knows its whole history.
   ``autograd_lite.explain(J)`` runs backward and narrates the chain rule node by node:

       dJ/dv = 3,  dJ/da = dJ/dv · dv/da = 3 · 1 = 3,  dJ/du = 3 · 1 = 3,
       dJ/db = dJ/du · du/db = 3 · c = 6,  dJ/dc = dJ/du · du/dc = 3 · b = 9

2. A 2-layer network's graph (the planar model, 2 → 4 tanh → 1 sigmoid, on a batch of 5
   points), drawn before backward (ops, shapes, dtypes; parameters named by their module path
   ``0.W``, ``0.b``, ``2.W``, ``2.b``; ops grouped by module) and after backward, when every
   tensor also shows the norm of its gradient ‖dJ/dt‖, colour-coded on a log scale so vanishing
   or exploding gradients stand out.

``retain_grads(J)`` asks every intermediate tensor to keep its gradient (normally only leaves
do); backward frees the graph but keeps a record of it, so it can still be drawn.

3. The backward pass to step through: ``save_html`` writes ``outputs/backward_stepper.html``,
   a page where "next" moves from node to node and shows each chain-rule product in numbers.

Writes outputs/graph_J.svg, graph_J_grads.svg, graph_network.svg, graph_network_grads.svg
(rendering needs Graphviz's ``dot``: ``apt-get install graphviz``; without it the DOT source
is written instead, ``.dot`` files any Graphviz viewer opens) and backward_stepper.html.

Run: ``python examples/computation_graph.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cli import parse_options

import autograd_lite as ag
from autograd_lite import Tensor, nn
from autograd_lite.nn.datasets import planar_flower
from autograd_lite.viz import GraphvizNotFoundError

COURSE = {"J": 33.0, "a": 3.0, "b": 6.0, "c": 9.0}  # the lecture's numbers


def write_drawing(y: Tensor, path: Path, **options) -> Path:
    """Save y's graph as SVG; without Graphviz's ``dot``, save the DOT source next to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return ag.save_svg(y, path, **options)
    except GraphvizNotFoundError as error:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(ag.draw_graph(y, **options).source, encoding="utf-8")
        print(f"   ({error}; wrote the DOT source instead)")
        return dot_path


def lecture_graph(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> tuple[Tensor, ...]:
    """Build J = 3(a + bc) in the lecture's three steps; returns (a, b, c, u, v, J)."""
    a_ = Tensor(a, requires_grad=True, name="a")
    b_ = Tensor(b, requires_grad=True, name="b")
    c_ = Tensor(c, requires_grad=True, name="c")
    u = b_ * c_  # u = bc: a node "mul" with parents b and c
    u.name = "u"
    v = a_ + u  # v = a + u
    v.name = "v"
    J = 3 * v  # J = 3v; the constant 3 is a leaf that needs no gradient
    J.name = "J"
    return a_, b_, c_, u, v, J


def main(quick: bool = False, out_dir: str | Path = "outputs") -> dict:
    """Build, explain and draw both graphs; return J's value, the gradients and the files."""
    out = Path(out_dir)
    files: list[Path] = []

    print("1. J = 3(a + bc)")
    a, b, c, u, v, J = lecture_graph()
    print(f"   forward: u = bc = {u.item():g}, v = a + u = {v.item():g}, J = 3v = {J.item():g}")
    files.append(write_drawing(J, out / "graph_J.svg", show_values=True))

    print("   backward, explained:")
    ag.retain_grads(J)  # keep dJ/du and dJ/dv too, for the picture
    ag.explain(J)  # runs backward, narrated; the record it keeps can still be drawn
    grads = {name: float(t.grad.item()) for name, t in (("a", a), ("b", b), ("c", c))}
    print(f"   lecture: J = 33, dJ/da = 3, dJ/db = 6, dJ/dc = 9; ours: J = {J.item():g}, "
          + ", ".join(f"dJ/d{k} = {g:g}" for k, g in grads.items()))  # fmt: skip
    files.append(write_drawing(J, out / "graph_J_grads.svg", show_values=True))

    print("\n2. a 2-layer network [2, 4 tanh, 1 sigmoid] on 5 points, cross-entropy cost")
    X, Y = planar_flower()
    rows = np.arange(0, 400, 80)  # 5 points from both classes
    model = nn.Sequential(
        nn.Dense(2, 4, init="xavier", seed=0), nn.Tanh(), nn.Dense(4, 1, seed=1), nn.Sigmoid()
    )
    inputs = Tensor(X[rows], name="X")  # a name shows in the picture
    cost = nn.BCELoss()(model(inputs), Y[rows])
    cost.name = "J"
    files.append(write_drawing(cost, out / "graph_network.svg"))
    ag.retain_grads(cost)
    cost.backward()
    files.append(write_drawing(cost, out / "graph_network_grads.svg"))
    norms = {name: float(np.linalg.norm(p.grad.data)) for name, p in model.named_parameters()}
    print("   gradient norms: " + ", ".join(f"‖dJ/d{k}‖ = {n:.3g}" for k, n in norms.items()))

    print("\n3. the backward pass of J, to step through in a browser")
    *_, J = lecture_graph()
    try:
        stepper = ag.save_html(J, out / "backward_stepper.html")
        print(f"   {stepper}: open it and press next")
    except GraphvizNotFoundError as error:
        stepper = None
        print(f"   no stepper: {error}")

    print("\nwrote " + ", ".join(str(f) for f in files))
    return {
        "J": J.item(),
        "grads": grads,
        "network_grad_norms": norms,
        "files": files,
        "stepper": stepper,
    }


if __name__ == "__main__":
    options = parse_options(__doc__)
    main(quick=options.quick, out_dir=options.out_dir)
