"""`autograd_lite.compile` against eager, op by op: every row of the op table, traced on one
draw of its inputs and replayed on other values of the same shapes (the inputs permuted,
so they stay in the op's domain), must give the eager op's values and gradients bit for bit
(each replay kernel calls the NumPy functions the eager op calls: see `compiler.kernels`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optable import SEEDS, all_rows

import autograd_lite as ag
from autograd_lite.compiler import CompileWarning

ROWS = all_rows()
SETTINGS = settings(
    deadline=None, max_examples=15, suppress_health_check=[HealthCheck.filter_too_much]
)


def eager_run(call, arrays, cotangent, differentiable: bool):
    """The op on fresh leaves: its output, and the leaves' gradients of Σ c·output."""
    leaves = [ag.Tensor(np.array(a), requires_grad=differentiable) for a in arrays]
    out = call(*leaves)
    if not differentiable:
        return out.data.copy(), []
    (out * cotangent).sum().backward()
    return out.data.copy(), [None if t.grad is None else t.grad.data.copy() for t in leaves]


def compiled_run(step, arrays, differentiable: bool):
    leaves = [ag.Tensor(np.array(a), requires_grad=differentiable) for a in arrays]
    out, loss = step(*leaves)
    if not differentiable:
        return out.data.copy(), []
    loss.backward()
    return out.data.copy(), [None if t.grad is None else t.grad.data.copy() for t in leaves]


def assert_same(got, expected, what: str) -> None:
    (out, grads), (out_e, grads_e) = got, expected
    assert out.dtype == out_e.dtype and out.shape == out_e.shape, what
    np.testing.assert_array_equal(out, out_e, err_msg=f"forward, {what}")
    for i, (g, e) in enumerate(zip(grads, grads_e)):
        assert (g is None) == (e is None), f"gradient {i} presence, {what}"
        if g is not None:
            assert g.dtype == e.dtype, what
            np.testing.assert_array_equal(g, e, err_msg=f"gradient of input {i}, {what}")


def permuted(arrays, rng):
    return [rng.permutation(np.ravel(a)).reshape(np.shape(a)) for a in arrays]


@pytest.mark.parametrize("name", sorted(ROWS))
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_replaying_an_op_gives_the_eager_values_and_gradients_bit_for_bit(name, data, seed):
    rng = np.random.default_rng(seed)
    case = ROWS[name].sample(data.draw, rng)
    differentiable = ROWS[name].differentiable
    eager_out = case.call(*(ag.Tensor(np.array(a)) for a in case.arrays))
    cotangent = rng.standard_normal(eager_out.shape)

    def function(*tensors):
        out = case.call(*tensors)
        return out, ((out * cotangent).sum() if differentiable else out)

    step = ag.compile(function)
    others = permuted(case.arrays, rng)
    if name == "dropout":  # the row draws from a generator it makes on every call
        with pytest.warns(CompileWarning, match="generator it makes on every call"):
            compiled_run(step, case.arrays, differentiable)
        for arrays in (others, case.arrays):  # eager from now on: the eager results
            expected = eager_run(case.call, arrays, cotangent, differentiable)
            assert_same(compiled_run(step, arrays, differentiable), expected, case.label)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for arrays in (case.arrays, others, case.arrays, others):
            expected = eager_run(case.call, arrays, cotangent, differentiable)
            assert_same(compiled_run(step, arrays, differentiable), expected, case.label)
    assert step.traces == 1, case.label
