"""Gradients of reductions and of the softmax family against central differences (float64)."""

import numpy as np
import pytest
from hypothesis import settings
from numerical import (
    assert_gradients_match,
    np_log_softmax,
    np_softmax,
)

import autograd_lite as ag

SETTINGS = settings(deadline=None, max_examples=30)


def test_var_defaults_to_population_variance():
    x0 = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    np.testing.assert_allclose(ag.Tensor(x0).var().data, np.var(x0))
    np.testing.assert_allclose(ag.Tensor(x0).var(axis=1).data, np.var(x0, axis=1))
    np.testing.assert_allclose(ag.Tensor(x0).var(axis=0, ddof=1).data, np.var(x0, axis=0, ddof=1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_default_to_the_last_axis(name):
    x0 = np.random.default_rng(0).standard_normal((3, 4, 5))
    ref = {"softmax": np_softmax, "log_softmax": np_log_softmax}[name]
    assert_gradients_match(lambda t: getattr(t, name)(), lambda a: ref(a, axis=-1), x0)


# ------------------------------------------------------------------------------------- ties


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_split_the_gradient_evenly_among_ties_over_all_elements(name):
    x0 = np.array([1.0, 3.0, -2.0, 3.0, -2.0, 3.0])
    x = ag.Tensor(x0 if name == "max" else -x0, requires_grad=True)
    getattr(x, name)().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [0, 1 / 3, 0, 1 / 3, 0, 1 / 3])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_and_min_split_the_gradient_evenly_among_ties_along_an_axis(name, keepdims):
    x0 = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [5.0, 5.0, 5.0]])
    sign = 1.0 if name == "max" else -1.0
    x = ag.Tensor(sign * x0, requires_grad=True)
    out = getattr(x, name)(axis=1, keepdims=keepdims)
    upstream = np.array([1.0, 2.0, 3.0]).reshape(out.shape)
    out.backward(gradient=upstream)
    expected = np.array([[0, 0.5, 0.5], [1.0, 1.0, 0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(np.asarray(x.grad), expected)


def test_max_tie_gradient_splits_along_axis_zero_of_a_3d_tensor():
    x0 = np.zeros((2, 2, 2))
    x0[1, 0, 0] = 1.0  # one clear winner in column (0, 0); ties of two everywhere else
    x = ag.Tensor(x0, requires_grad=True)
    x.max(axis=0).sum().backward()
    expected = np.full((2, 2, 2), 0.5)
    expected[:, 0, 0] = [0.0, 1.0]
    np.testing.assert_allclose(np.asarray(x.grad), expected)
