"""create_graph=True beyond single ops (every op's Hessian-vector product is checked by the
op table's second-order family in test_op_table.py)."""

import numpy as np

import autograd_lite as ag


def test_create_graph_retains_the_graph_so_a_second_backward_works():
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    y = (x.tanh() * x).sum()
    y.backward(create_graph=True)
    first = x.grad.data.copy()
    x.grad = None
    y.backward()  # retain_graph defaults to create_graph
    np.testing.assert_allclose(x.grad.data, first)
