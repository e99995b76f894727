"""Initialisation: zeros vs large random vs He (the course's "Initialization" assignment).

Data: two noisy concentric circles (``nn.datasets.circles``), 300 training and 100 test
points. Model: the course's 3-layer network [2, 10, 5, 1] — ReLU, ReLU, sigmoid — trained by
full-batch gradient descent on the cross-entropy cost. Only the starting weights differ:

zeros — W = 0 everywhere. Every unit of a layer computes the same value and receives the same
    gradient, so the units stay identical forever (nothing breaks the symmetry): with ReLU the
    hidden activations are 0, their gradients are 0, and only the output bias could move —
    it stays at the value that predicts 0.5 for a balanced set. Accuracy stays at 50%.
large random — W = 10·randn. Symmetry is broken, but the first output is enormous (|z| in
    the hundreds): the sigmoid saturates, confidently wrong points cost a great deal, and
    gradient descent spends its time undoing the bad start. It learns, slowly and poorly.
He — W = randn·√(2 / n_in) (He et al., 2015). The scale keeps the variance of each ReLU
    layer's output near that of its input, so signals and gradients neither vanish nor
    explode: the network trains well.

A detail that matters for the large-random run: the model's last layer returns the logit z
and the loss is ``nn.BCEWithLogitsLoss``, whose derivative is dJ/dz = (σ(z) − y)/m — exactly
the course's ``dZ3 = A3 − Y``. Putting a separate ``nn.Sigmoid`` before ``nn.BCELoss``
would be the same function, but in float64 σ(z) is exactly 1.0 for z > 37, so σ'(z) = 0
and a saturated, wrong prediction would get no gradient at all.

The course trains 15,000 iterations at α = 0.01; we train 10,000 so the example stays well
under a minute. Run: ``python examples/initialization.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cli import parse_options
from figures import MATPLOTLIB_MISSING, probabilities_of, save_decision_boundaries

from autograd_lite import Tensor, nn
from autograd_lite.nn.datasets import circles

# The course's published accuracies: (train, test).
COURSE = {"zeros": (0.50, 0.50), "large random": (0.83, 0.86), "He": (0.9933, 0.96)}


def large_random(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """W = 10·randn: the course's "too large" initialisation (a custom ``init=`` callable)."""
    return 10.0 * rng.standard_normal(shape)


INITIALISERS = {"zeros": "zeros", "large random": large_random, "He": "he"}


def three_layer_net(init, seed: int = 1) -> nn.Sequential:
    """Layers [2, 10, 5, 1] with ReLU, ReLU and a logit output (the sigmoid is in the loss)."""
    return nn.Sequential(
        nn.Dense(2, 10, init=init, seed=seed),
        nn.ReLU(),
        nn.Dense(10, 5, init=init, seed=seed + 1),
        nn.ReLU(),
        nn.Dense(5, 1, init=init, seed=seed + 2),
    )


def main(quick: bool = False, out_dir: str | Path = "outputs", pictures: bool = True) -> dict:
    """Train once per initialisation; return {name: (train accuracy, test accuracy)}."""
    X_train, Y_train = circles(300, noise=0.05, seed=1)
    X_test, Y_test = circles(100, noise=0.05, seed=2)
    # quick mode: a fifth of the iterations at five times the learning rate
    iterations, lr = (2000, 0.05) if quick else (10_000, 0.01)
    print(f"circles: {len(X_train)} train / {len(X_test)} test points; [2, 10, 5, 1] network")
    print(f"full-batch gradient descent, {iterations} iterations at α = {lr}\n")

    loss_fn = nn.BCEWithLogitsLoss()
    results: dict[str, tuple[float, float]] = {}
    models: dict[str, nn.Module] = {}
    for name, init in INITIALISERS.items():
        model = three_layer_net(init)
        optimizer = nn.SGD(model.parameters(), lr=lr)
        inputs = Tensor(X_train)
        first_cost = None
        for _ in range(iterations):
            optimizer.zero_grad()
            cost = loss_fn(model(inputs), Y_train)
            cost.backward()
            optimizer.step()
            first_cost = cost.item() if first_cost is None else first_cost
        _, train_accuracy = nn.evaluate(model, loss_fn, X_train, Y_train)
        _, test_accuracy = nn.evaluate(model, loss_fn, X_test, Y_test)
        results[name], models[name] = (train_accuracy, test_accuracy), model
        print(f"{name:13} cost {first_cost:9.4f} -> {cost.item():.4f}")

    print(f"\n{'init':13} {'train':>7} {'test':>7}   course (train / test)")
    for name, (train_accuracy, test_accuracy) in results.items():
        course_train, course_test = COURSE[name]
        print(
            f"{name:13} {train_accuracy:7.1%} {test_accuracy:7.1%}   "
            f"{course_train:.1%} / {course_test:.0%}"
        )

    if pictures:
        panels = [
            (f"{name}: train {results[name][0]:.0%}", probabilities_of(m, logits=True))
            for name, m in models.items()
        ]
        path = save_decision_boundaries(
            panels, X_train, Y_train, Path(out_dir) / "initialization.png"
        )
        print(f"\ndecision boundaries: {path}" if path else f"\n{MATPLOTLIB_MISSING}")
    return {
        "train": {k: v[0] for k, v in results.items()},
        "test": {k: v[1] for k, v in results.items()},
    }


if __name__ == "__main__":
    options = parse_options(__doc__)
    main(quick=options.quick, out_dir=options.out_dir)
