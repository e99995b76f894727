"""The examples' models trained through ``nn.fit(compile=True)`` give exactly what they give
without it: the same loss every epoch, the same weights, the same accuracies (the compiled
forward and backward run the same NumPy calls, and dropout draws the same masks from the
same generators).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from example_loader import load_example

from autograd_lite import nn
from autograd_lite.compiler import CompileWarning


def both_ways(build, loss_fn, make_optimizer, X, Y, **fit_options):
    """Train a fresh model from `build` without and with compile; return both runs."""
    runs = []
    for compile in (False, True):
        model = build()
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)  # nothing falls back to eager
            history = nn.fit(
                model, loss_fn, make_optimizer(model), X, Y, verbose=False, compile=compile,
                **fit_options,
            )  # fmt: skip
        _, accuracy = nn.evaluate(model, loss_fn, X, Y)
        runs.append((history, model.state_dict(), accuracy))
    return runs


def assert_identical(runs) -> None:
    (h1, s1, a1), (h2, s2, a2) = runs
    assert h1.train_loss == h2.train_loss
    assert h1.train_accuracy == h2.train_accuracy
    assert h1.dev_loss == h2.dev_loss
    assert a1 == a2
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key], err_msg=key)


def test_the_planar_model_trains_identically_compiled():
    planar = load_example("planar_classification")
    X, Y = nn.datasets.planar_flower()
    runs = both_ways(
        lambda: planar.two_layer_net(4),
        nn.BCELoss(),
        lambda model: nn.SGD(model.parameters(), lr=1.2),
        X,
        Y,
        epochs=300,
        batch_size=len(X),  # full batch, as in the course
        seed=0,
    )
    assert_identical(runs)
    assert runs[1][2] > 0.85  # it learns the flower (quick mode of the example: 89.75%)


@pytest.mark.parametrize("name", ["2-layer", "L-layer"])
def test_the_deep_networks_train_identically_compiled(name):
    deep = load_example("deep_network")
    X, digits = nn.datasets.synthetic_digits(1797, seed=0)
    (X_train, y_train), (X_dev, y_dev), _ = nn.train_dev_test_split(
        X, digits, dev_size=0.1, test_size=0.1, seed=0
    )
    runs = both_ways(
        lambda: deep.deep_network(deep.ARCHITECTURES[name]),
        nn.CrossEntropyLoss(),
        lambda model: nn.Adam(model.parameters(), lr=0.005),
        X_train,
        y_train,
        epochs=5,
        batch_size=64,  # 21 full batches and a partial one: two traces
        seed=0,
        dev=(X_dev, y_dev),
    )
    assert_identical(runs)
    assert runs[1][2] > 0.5  # learning (chance is 10%); 5 epochs only


def test_the_dropout_network_trains_identically_compiled():
    regularization = load_example("regularization")
    X, Y = nn.datasets.noisy_sine(100, flip=0.1, seed=0)
    runs = both_ways(
        lambda: regularization.network(dropout=0.14),
        nn.BCEWithLogitsLoss(),
        lambda model: nn.SGD(model.parameters(), lr=0.3),
        X,
        Y,
        epochs=60,
        batch_size=32,
        seed=0,
        dev=(X[:40], Y[:40]),  # evaluated in eval mode after every epoch: train, eval, train...
    )
    assert_identical(runs)
