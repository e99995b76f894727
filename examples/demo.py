"""autograd_lite in one minute: train, check, look (``make demo``).

1. Train the course's planar model — a 2-layer network, 2 → 4 tanh → 1 sigmoid — on the
   400-point "flower" data set with ``nn.fit`` (full-batch gradient descent, α = 1.2,
   10,000 epochs, a progress bar in the terminal) and print its accuracy next to the course's
   published figure (90%).
2. Prove its gradients right: ``autograd_lite.gradcheck`` compares backward() with central
   differences for every parameter, prints the report and saves it as
   ``outputs/gradcheck_report.txt``.
3. Look at it: ``outputs/graph.svg`` is the model's computation graph with every tensor's
   gradient norm, colour-coded; ``outputs/decision_boundary.png`` the boundary it learned
   (when matplotlib is installed: ``pip install -e '.[examples]'``).

Run: ``python examples/demo.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

from cli import parse_options
from figures import MATPLOTLIB_MISSING, probabilities_of, save_decision_boundaries

import autograd_lite as ag
from autograd_lite import Tensor, nn
from autograd_lite.nn.datasets import planar_flower

COURSE_ACCURACY = 0.90  # the course's 2-layer network, 4 tanh units, 10,000 iterations


def planar_model(seed: int = 2) -> nn.Sequential:
    """2 → 4 (tanh) → 1 (sigmoid), weights 0.01·randn as in the course."""
    return nn.Sequential(
        nn.Dense(2, 4, init="small", seed=seed),
        nn.Tanh(),
        nn.Dense(4, 1, init="small", seed=seed + 1),
        nn.Sigmoid(),
    )


def save_graph_svg(model: nn.Module, X, Y, path: Path) -> Path | None:
    """Draw the cost's graph after a backward pass, so every tensor shows ‖grad‖."""
    cost = nn.BCELoss()(model(Tensor(X, name="X")), Y)
    cost.name = "J"
    ag.retain_grads(cost)  # intermediates keep their gradients for the picture
    model.zero_grad()
    cost.backward()  # backward keeps a record of the graph it frees: it can still be drawn
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return ag.save_svg(cost, path)
    except ag.viz.GraphvizNotFoundError as error:
        print(f"   no SVG: {error}")
        return None


def main(
    quick: bool = False,
    out_dir: str | Path = "outputs",
    pictures: bool = True,
    panel_width: float = 4.0,
) -> dict:
    """Train, gradcheck and draw; return the accuracy, the report and the files written.

    ``pictures=False`` skips the SVG and PNG; ``panel_width`` sizes the PNG (inches)."""
    started = time.perf_counter()
    out = Path(out_dir)
    X, Y = planar_flower()  # X (400, 2), Y (400, 1)
    epochs = 1000 if quick else 10_000

    print(f"1. training 2 → 4 tanh → 1 sigmoid on the flower ({len(X)} points), {epochs} epochs")
    model = planar_model()
    loss_fn = nn.BCELoss()
    optimizer = nn.SGD(model.parameters(), lr=1.2)
    # Ten rounds of fit, printing the cost after each like the course does; in a terminal each
    # round also shows fit's progress bar (fit stays quiet when its output is a log file).
    rounds = 10
    for done in range(1, rounds + 1):
        history = nn.fit(
            model, loss_fn, optimizer, X, Y, epochs=epochs // rounds, batch_size=len(X), seed=0
        )
        print(f"   cost after epoch {done * epochs // rounds:>5}: {history.train_loss[-1]:.4f}")
    _, accuracy = nn.evaluate(model, loss_fn, X, Y)
    print(f"   accuracy {accuracy:.1%}   (course: {COURSE_ACCURACY:.0%})")

    print("\n2. gradcheck: backward() vs central differences, every parameter")
    # On a batch of 20 points: at the trained weights the gradient of the cost over all 400
    # points is almost zero (that is what training does), and the relative error of numbers
    # that small measures only the rounding noise of the difference quotient.
    X_batch, Y_batch = X[::20], Y[::20]
    model.eval()
    report = ag.gradcheck(lambda: loss_fn(model(X_batch), Y_batch), model.parameters())
    print("   " + str(report).replace("\n", "\n   "))
    out.mkdir(parents=True, exist_ok=True)
    report_path = out / "gradcheck_report.txt"
    report_path.write_text(str(report) + "\n", encoding="utf-8")
    print(f"   (also written to {report_path})")

    print("\n3. pictures")
    files: list[Path] = [report_path]
    svg = save_graph_svg(model, X_batch, Y_batch, out / "graph.svg") if pictures else None
    if svg:
        files.append(svg)
        print(f"   {svg}: the model's graph on that batch, gradient norms colour-coded")
    if pictures:
        title = f"2-layer network, 4 tanh units: {accuracy:.1%}"
        png = save_decision_boundaries(
            [(title, probabilities_of(model))],
            X,
            Y,
            out / "decision_boundary.png",
            columns=1,
            panel_width=panel_width,
        )
        if png:
            files.append(png)
            print(f"   {png}: the decision boundary")
        else:
            print(f"   {MATPLOTLIB_MISSING}")
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return {"accuracy": accuracy, "gradcheck": report, "files": files}


if __name__ == "__main__":
    options = parse_options(__doc__)
    main(quick=options.quick, out_dir=options.out_dir)
