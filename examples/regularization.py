"""Regularisation: none vs L2 vs dropout, training vs test accuracy (the course's
"Regularization" assignment).

Data: ``nn.datasets.noisy_sine`` — points in the square [−1, 1]², class 1 above the wavy
line x₂ = 0.35·sin(3x₁), with 10% of the labels flipped at random. The course uses a small
data set of its own (where a goalkeeper's kicks landed); ours plays the same role: few
training points (100) with noisy labels, and a large test set (1,000) drawn independently.
Because the test labels are noisy too, no model can score much above 90% on them.

Model: the course's [2, 20, 3, 1] network — ReLU, ReLU, sigmoid (as a logit into
``nn.BCEWithLogitsLoss``) — Xavier initialisation W = randn·√(1/n_in), full-batch gradient
descent at α = 0.3.

none — the network bends its boundary around the flipped points: high training accuracy,
    lower test accuracy (overfitting).
L2 — add (λ/2m)·Σ‖W‖² to the cost (``nn.l2_penalty``, λ = 0.7). Its gradient λ/m·W pulls
    every weight towards zero at each step ("weight decay"), which keeps the function smooth.
dropout — during training each hidden unit is zeroed with probability 0.14 (keep_prob 0.86,
    ``nn.Dropout(p=0.14)``) and the survivors are scaled by 1/0.86; no unit can rely on any
    single other one. At test time (``model.eval()``) dropout is off.

Both lower the training accuracy and raise the test accuracy. The course trains 30,000
iterations; we train 10,000 to stay well under a minute.

Run: ``python examples/regularization.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

from pathlib import Path

from cli import parse_options
from figures import MATPLOTLIB_MISSING, probabilities_of, save_decision_boundaries

from autograd_lite import Tensor, nn
from autograd_lite.nn.datasets import noisy_sine

LAMBD = 0.7  # L2 strength λ (the course's value)
DROP = 0.14  # dropout probability = 1 − keep_prob, keep_prob = 0.86 (the course's value)

# The course's published accuracies on its own data: (train, test).
COURSE = {"none": (0.948, 0.915), "L2": (0.938, 0.93), "dropout": (0.929, 0.95)}


def network(dropout: float = 0.0, seed: int = 1) -> nn.Sequential:
    """[2, 20, 3, 1] with ReLU hidden layers, optional dropout after each, a logit output."""
    layers: list[nn.Module] = [nn.Dense(2, 20, init="xavier", seed=seed), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout, seed=seed))
    layers += [nn.Dense(20, 3, init="xavier", seed=seed + 1), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout, seed=seed + 1))
    layers.append(nn.Dense(3, 1, init="xavier", seed=seed + 2))
    return nn.Sequential(*layers)


def train(model: nn.Module, X, Y, iterations: int, lambd: float = 0.0, lr: float = 0.3) -> None:
    """Full-batch gradient descent on cross-entropy (+ the L2 penalty when lambd > 0)."""
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = nn.SGD(model.parameters(), lr=lr)
    inputs = Tensor(X)
    model.train()  # dropout on
    for _ in range(iterations):
        optimizer.zero_grad()
        cost = loss_fn(model(inputs), Y)
        if lambd:
            cost = cost + nn.l2_penalty(model, lambd, m=len(X))
        cost.backward()
        optimizer.step()


def main(quick: bool = False, out_dir: str | Path = "outputs", pictures: bool = True) -> dict:
    """Train the three variants; return train and test accuracies."""
    X_train, Y_train = noisy_sine(100, flip=0.1, seed=0)
    X_test, Y_test = noisy_sine(1000, flip=0.1, seed=1)
    iterations = 2500 if quick else 10_000
    print(f"noisy sine: {len(X_train)} train / {len(X_test)} test points, 10% labels flipped")
    print(f"[2, 20, 3, 1] network, {iterations} iterations at α = 0.3\n")

    variants = {
        "none": (network(), 0.0),
        "L2": (network(), LAMBD),
        "dropout": (network(dropout=DROP), 0.0),
    }
    loss_fn = nn.BCEWithLogitsLoss()
    train_accuracy: dict[str, float] = {}
    test_accuracy: dict[str, float] = {}
    print(f"{'regulariser':12} {'train':>7} {'test':>7} {'gap':>6}   course (train / test)")
    for name, (model, lambd) in variants.items():
        train(model, X_train, Y_train, iterations, lambd=lambd)
        _, train_accuracy[name] = nn.evaluate(model, loss_fn, X_train, Y_train)  # eval mode
        _, test_accuracy[name] = nn.evaluate(model, loss_fn, X_test, Y_test)
        gap = train_accuracy[name] - test_accuracy[name]
        course_train, course_test = COURSE[name]
        print(
            f"{name:12} {train_accuracy[name]:7.1%} {test_accuracy[name]:7.1%} {gap:6.1%}   "
            f"{course_train:.1%} / {course_test:.1%}"
        )

    if pictures:
        panels = [
            (f"{name}: train {train_accuracy[name]:.0%}, test {test_accuracy[name]:.0%}",
             probabilities_of(model, logits=True))
            for name, (model, _) in variants.items()
        ]  # fmt: skip
        path = save_decision_boundaries(
            panels, X_train, Y_train, Path(out_dir) / "regularization.png"
        )
        print(f"\ndecision boundaries: {path}" if path else f"\n{MATPLOTLIB_MISSING}")
    return {"train": train_accuracy, "test": test_accuracy}


if __name__ == "__main__":
    options = parse_options(__doc__)
    main(quick=options.quick, out_dir=options.out_dir)
