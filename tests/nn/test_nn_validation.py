"""Bad arguments across nn: every public function and constructor names itself, the argument and
what it got (NaN, inf, complex, bool and wrong types included), through autograd_lite.validation."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

import autograd_lite.nn
import nn
from autograd_lite import Tensor
from autograd_lite.validation import ArgumentTypeError, real_array

NAN, INF = float("nan"), float("inf")


def model():
    return nn.Sequential(nn.Dense(2, 1, seed=0))


def params():
    return model().parameters()


XY = (np.ones((4, 2)), np.ones((4, 1)))

CASES = {
    # layers and activations
    "Dense n_in nan": (lambda: nn.Dense(NAN, 2), r"Dense: n_in must be an integer, got nan"),
    "Dense n_out str": (lambda: nn.Dense(2, "3"), r"Dense: n_out must be an integer, got '3'"),
    "Dense bias": (lambda: nn.Dense(2, 2, bias="no"), r"Dense: bias must be True or False"),
    "Dense seed": (lambda: nn.Dense(2, 2, seed="s"), r"Dense: seed must be None, an int"),
    "Dropout p nan": (lambda: nn.Dropout(p=NAN), r"Dropout: p .* finite real number, got nan"),
    "Dropout p bool": (lambda: nn.Dropout(p=True), r"Dropout: p .* real number, got True"),
    "Dropout p complex": (lambda: nn.Dropout(p=0.5j), r"Dropout: p .* real number, got 0\.5j"),
    "Dropout seed": (lambda: nn.Dropout(seed=1.5), r"Dropout: seed must be None, an int"),
    "LeakyReLU nan": (
        lambda: nn.LeakyReLU(negative_slope=NAN),
        r"LeakyReLU: negative_slope must be a finite real number, got nan",
    ),
    "LeakyReLU inf": (
        lambda: nn.LeakyReLU(negative_slope=INF),
        r"LeakyReLU: negative_slope must be a finite real number, got inf",
    ),
    "LeakyReLU str": (lambda: nn.LeakyReLU("0.1"), r"LeakyReLU: negative_slope .* got '0\.1'"),
    "Softmax axis": (lambda: nn.Softmax(axis=1.0), r"Softmax: axis must be an integer, got 1\.0"),
    "BatchNorm1d eps nan": (
        lambda: nn.BatchNorm1d(3, eps=NAN),
        r"BatchNorm1d: eps must be a finite real number, got nan",
    ),
    "BatchNorm1d momentum complex": (
        lambda: nn.BatchNorm1d(3, momentum=0.1j),
        r"BatchNorm1d: momentum must be a real number, got 0\.1j",
    ),
    "Module.train": (lambda: model().train("no"), r"Sequential\.train: mode must be True or False"),
    # losses
    "l2_penalty lambd nan": (
        lambda: nn.l2_penalty(model(), NAN, 4),
        r"l2_penalty: lambd must be a finite real number, got nan",
    ),
    "l2_penalty lambd complex": (
        lambda: nn.l2_penalty(model(), 1j, 4),
        r"l2_penalty: lambd must be a real number, got 1j",
    ),
    "l2_penalty m float": (
        lambda: nn.l2_penalty(model(), 0.1, 4.0),
        r"l2_penalty: m \(the number of examples\) must be an integer, got 4\.0",
    ),
    "l2_penalty model": (lambda: nn.l2_penalty("net", 0.1, 4), r"l2_penalty: model .* got str"),
    "MSELoss complex targets": (
        lambda: nn.MSELoss()(Tensor(np.ones(2)), np.ones(2) + 1j),
        r"MSELoss: targets must be numeric \(real numbers\), got dtype complex128",
    ),
    # optimisers
    "SGD lr nan": (lambda: nn.SGD(params(), lr=NAN), r"SGD: lr must be a finite real number"),
    "SGD lr complex": (lambda: nn.SGD(params(), lr=0.1j), r"SGD: lr must be a real number"),
    "Adam beta1 nan": (
        lambda: nn.Adam(params(), lr=0.1, beta1=NAN),
        r"Adam: beta1 must be a finite real number, got nan",
    ),
    "Adam beta2 bool": (
        lambda: nn.Adam(params(), lr=0.1, beta2=False),
        r"Adam: beta2 must be a real number, got False",
    ),
    "RMSprop eps nan": (
        lambda: nn.RMSprop(params(), lr=0.1, eps=NAN),
        r"RMSprop: eps must be a finite real number, got nan",
    ),
    # schedules
    "inverse_time_decay lr0 nan": (
        lambda: nn.schedules.inverse_time_decay(NAN, 1, 0.1),
        r"inverse_time_decay: lr0 must be a finite real number, got nan",
    ),
    "exponential_decay rate complex": (
        lambda: nn.schedules.exponential_decay(0.1, 1, 0.5j),
        r"exponential_decay: decay_rate must be a real number, got 0\.5j",
    ),
    "inverse_sqrt_decay epoch bool": (
        lambda: nn.schedules.inverse_sqrt_decay(0.1, True),
        r"inverse_sqrt_decay: epoch must be an integer, got True",
    ),
    "staircase_decay interval": (
        lambda: nn.schedules.staircase_decay(0.1, 3, 1.0, 2.0),
        r"staircase_decay: time_interval must be an integer, got 2\.0",
    ),
    # data
    "minibatches batch_size": (
        lambda: list(nn.minibatches(*XY, batch_size=0)),
        r"minibatches: batch_size must lie in \[1, inf\), got 0",
    ),
    "minibatches shuffle": (
        lambda: list(nn.minibatches(*XY, batch_size=2, shuffle="yes")),
        r"minibatches: shuffle must be True or False, got 'yes'",
    ),
    "minibatches X None": (
        lambda: list(nn.minibatches(None, XY[1], batch_size=2)),
        r"minibatches: X must be an array of real numbers, got None",
    ),
    "split dev_size nan": (
        lambda: nn.train_dev_test_split(*XY, dev_size=NAN),
        r"train_dev_test_split: dev_size must be a finite real number, got nan",
    ),
    "split test_size 1.0": (
        lambda: nn.train_dev_test_split(*XY, test_size=1.0),
        r"train_dev_test_split: test_size must lie in \[0, 1\), got 1\.0",
    ),
    "split seed": (
        lambda: nn.train_dev_test_split(*XY, seed=-2),
        r"train_dev_test_split: seed must lie in \[0, inf\), got -2",
    ),
    "Standardizer strings": (
        lambda: nn.Standardizer().fit(np.array([["a", "b"]])),
        r"Standardizer\.fit: X must be an array of real numbers, got dtype <U1",
    ),
    "Standardizer nan": (
        lambda: nn.Standardizer().fit(np.array([[1.0], [NAN]])),
        r"Standardizer\.fit: X holds NaN or inf values, the first in row 1",
    ),
    # training
    "EarlyStopping min_delta nan": (
        lambda: nn.EarlyStopping(min_delta=NAN),
        r"EarlyStopping: min_delta must be a finite real number, got nan",
    ),
    "fit X None": (
        lambda: nn.fit(model(), nn.MSELoss(), nn.SGD(params(), lr=0.1), None, XY[1], 1, 2),
        r"fit: X \(training inputs\) must be an array of real numbers, got None",
    ),
    "fit optimizer str": (
        lambda: nn.fit(model(), nn.MSELoss(), "sgd", *XY, 1, 2),
        r"fit: optimizer must be an nn optimiser .*got 'sgd'",
    ),
    "fit loss_fn": (
        lambda: nn.fit(model(), "mse", nn.SGD(params(), lr=0.1), *XY, 1, 2),
        r"fit: loss_fn must be callable, got 'mse'",
    ),
    "binary_accuracy threshold": (
        lambda: nn.binary_accuracy(np.ones(2), np.ones(2), threshold=NAN),
        r"binary_accuracy: threshold must be a finite real number, got nan",
    ),
    "multiclass_accuracy": (
        lambda: nn.multiclass_accuracy(None, np.ones(2)),
        r"multiclass_accuracy: outputs must be an array of real numbers, got None",
    ),
    # datasets
    "moons noise nan": (
        lambda: nn.datasets.moons(noise=NAN),
        r"moons: noise must be a finite real number, got nan",
    ),
    "circles factor": (
        lambda: nn.datasets.circles(factor=1.0),
        r"circles: factor \(the inner radius\) must lie in \(0, 1\), got 1\.0",
    ),
    "planar_flower seed": (
        lambda: nn.datasets.planar_flower(seed=1.0),
        r"planar_flower: seed must be an integer, got 1\.0",
    ),
    "digit_images shape": (
        lambda: nn.datasets.digit_images(np.ones((2, 10))),
        r"digit_images: X must have shape \(m, 64\) for size=8, got \(2, 10\)",
    ),
    # containers and files
    "Sequential item": (lambda: nn.Sequential(nn.ReLU(), "relu"), r"Sequential .* at position 1"),
    "save path": (lambda: nn.save(model(), 7), r"save: path must be a str or os\.PathLike, got 7"),
}


@pytest.mark.parametrize("call, message", CASES.values(), ids=list(CASES))
def test_bad_arguments_are_refused_naming_the_function_argument_and_value(call, message):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert re.search(message, str(info.value)), str(info.value)
    assert type(info.value).__module__ != "numpy", "a bare NumPy error leaked out"


def test_a_wrong_type_is_both_a_type_error_and_a_value_error():
    # nn raised ValueError for every bad argument before; code that caught it keeps working
    for call in (lambda: nn.SGD(params(), lr="0.1"), lambda: nn.Dense(2.5, 2)):
        with pytest.raises(ArgumentTypeError) as info:
            call()
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_real_array_names_the_first_bad_row_and_its_value():
    X = np.zeros((5, 3))
    X[3, 2] = -INF
    X[4, 0] = NAN
    message = r"f: X holds NaN or inf values, the first in row 3 \(value -inf\)"
    with pytest.raises(ValueError, match=message):
        real_array(X, "X", "f", finite=True)
    assert real_array(X, "X", "f") is X  # no copy, and finite only when asked
    with pytest.raises(ValueError, match=r"its only value \(value nan\)"):
        real_array(np.array(NAN), "x", "f", finite=True)
    with pytest.raises(TypeError, match=r"f: Y must be an array of real numbers, got list"):
        real_array([[1.0], [2.0, 3.0]], "Y", "f")  # ragged
    np.testing.assert_array_equal(real_array([True, False], "m", "f"), [True, False])
    assert math.isnan(real_array([NAN], "x", "f")[0])


def test_nn_has_no_hand_written_number_checks_left():
    # "a number but not a bool" lives in autograd_lite.validation, nowhere else in nn
    package = Path(autograd_lite.nn.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "import numbers" not in text, source.name
        assert not re.search(r"isinstance\([^)]*, bool\)", text), source.name
