"""`autograd_lite.compile` over the fuzz suite's random programs: a program compiled as a
function of its leaves, traced once and replayed on new leaf values (the same values
permuted), gives what the program gives eagerly on those values, bit for bit — every node
it returns and every leaf's gradient (the same ops run the same NumPy calls; fan-out is
summed in the engine's order). An error the eager program raises (a probability outside
[0, 1] after the permutation) is raised by the replay too.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import FUZZ_SETTINGS, OPS, PROFILE, Leaf, Program, programs

import autograd_lite as ag
from autograd_lite.compiler import CompileWarning

GRAPHS = {"ci": 120, "long": 3000}[PROFILE]


def build(program: Program, leaves: list) -> list:
    """Every step's tensor, from the leaves' tensors."""
    nodes: list = []
    given_leaves = iter(leaves)
    for step in program.steps:
        if isinstance(step, Leaf):
            nodes.append(next(given_leaves))
        else:
            nodes.append(OPS[step.op].engine(*(nodes[k] for k in step.inputs), **step.params))
    return nodes


def function_of(program: Program):
    """The program as a function of its leaves: (the nodes it outputs, the loss or None)."""

    def run(*leaves):
        nodes = build(program, list(leaves))
        outputs = tuple(nodes[k] for k, _ in program.outputs)
        if program.seed_with_gradient:
            return outputs, None
        loss = None
        for k, c in program.outputs:
            term = (nodes[k] * c).sum()
            loss = term if loss is None else loss + term
        return outputs, loss

    return run


def leaf_tensors(program: Program, values: list) -> list:
    leaves = [s for s in program.steps if isinstance(s, Leaf)]
    return [ag.Tensor(v.copy(), requires_grad=s.requires_grad) for s, v in zip(leaves, values)]


def outcome(function, program: Program, values: list):
    """(outputs' values, leaves' gradients) of one call, or the error it raised."""
    leaves = leaf_tensors(program, values)
    try:
        with np.errstate(all="ignore"):
            outputs, loss = function(*leaves)
            if loss is None:
                ((_, c),) = program.outputs
                outputs[0].backward(gradient=c)
            elif loss.requires_grad:
                loss.backward()
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        return type(error), str(error)
    values_out = [o.data.copy() for o in outputs]
    grads = [None if t.grad is None else t.grad.data.copy() for t in leaves]
    return values_out, grads


def assert_same(got, expected, note: str) -> None:
    if isinstance(expected[0], type):  # the eager program raised
        assert got == expected, note
        return
    for k, (a, b) in enumerate(zip(got[0], expected[0])):
        assert a.dtype == b.dtype and a.shape == b.shape, f"output {k}\n{note}"
        np.testing.assert_array_equal(a, b, err_msg=f"output {k}\n{note}")
    for k, (a, b) in enumerate(zip(got[1], expected[1])):
        assert (a is None) == (b is None), f"gradient {k} presence\n{note}"
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=f"gradient of leaf {k}\n{note}")


@settings(max_examples=GRAPHS, **FUZZ_SETTINGS)
@given(program=programs(), seed=st.integers(0, 2**32 - 1))
def test_a_compiled_random_program_replays_the_eager_values_and_gradients(program, seed):
    note = f"program:\n{program.describe()}"
    rng = np.random.default_rng(seed)
    first = [s.values for s in program.steps if isinstance(s, Leaf)]
    second = [rng.permutation(v.ravel()).reshape(v.shape) for v in first]
    eager = function_of(program)
    compiled = ag.compile(function_of(program))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for values in (first, second, first):
            assert_same(outcome(compiled, program, values), outcome(eager, program, values), note)
    assert compiled.traces == 1, note
