"""The engine's order and storage: nodes are visited in reverse creation order (a heap on the
stamps the clock gives each result), inputs live in slots (a tuple only for three or more),
and a ScalarOp keeps its number as its saved data. Expected gradients here are closed forms."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import engine


def _visit_order(root: ag.Tensor) -> list[ag.Tensor]:
    """The tensors whose partials the engine ran, in the order it ran them (each once)."""
    order: list[ag.Tensor] = []

    def observe(tensor, index, parent, grad, parent_grad):
        if not order or order[-1] is not tensor:
            order.append(tensor)

    engine.backward(root, observer=observe)
    return order


def test_nodes_are_visited_once_each_newest_first():
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    a = x * 2.0
    b = a.exp()
    c = a * 3.0  # made after b, and uses a: a must wait for both b and c
    d = (b + c).tanh()
    order = _visit_order(d.sum())
    assert len(order) == len({id(t) for t in order}) == 6  # sum, tanh, add, c, b, a
    stamps = [t._stamp for t in order]
    assert stamps == sorted(stamps, reverse=True)
    position = [id(t) for t in order].index  # Tensors compare elementwise: look up by identity
    assert position(id(a)) > max(position(id(b)), position(id(c)))


def test_a_node_used_by_a_much_later_op_gets_every_contribution():
    x = ag.Tensor([0.3, 0.7], requires_grad=True)
    h = x * x  # used at the start and again at the very end
    y = h
    for _ in range(20):
        y = y * 0.9 + 0.01
    loss = (y + h).sum()
    loss.backward()
    # y = 0.9²⁰ h + const, so d loss/dh = 0.9²⁰ + 1 and d loss/dx = (0.9²⁰ + 1) · 2x
    np.testing.assert_allclose(x.grad.data, (0.9**20 + 1) * 2 * x.data, rtol=1e-12)


def test_graphs_built_by_two_threads_at_once_differentiate_correctly():
    x = ag.Tensor([0.2, -0.4, 0.9], requires_grad=True)
    barrier = threading.Barrier(2)
    results: dict[str, ag.Tensor] = {}

    def build(name: str, scale: float) -> None:
        y = x
        for _ in range(30):
            barrier.wait(5)  # interleave the two threads' ops, so their stamps interleave
            y = y * scale
        results[name] = y.sum()

    threads = [threading.Thread(target=build, args=(n, s)) for n, s in (("a", 1.01), ("b", 0.99))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    results["a"].backward()
    np.testing.assert_allclose(x.grad.data, np.full(3, 1.01**30), rtol=1e-12)
    x.grad = None
    results["b"].backward()
    np.testing.assert_allclose(x.grad.data, np.full(3, 0.99**30), rtol=1e-12)


def test_a_graph_freed_by_an_earlier_backward_raises_and_changes_no_gradient():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.exp().sum().backward()  # frees y's node too
    before = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (y * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, before)


def test_ops_with_three_or_more_inputs_keep_them_all_and_free_them():
    a, b, c = (ag.Tensor(np.full(2, v), requires_grad=True) for v in (1.0, 2.0, 3.0))
    s = ag.concatenate([a, b, c])
    assert s._parents == (a, b, c)
    (s * ag.Tensor(np.arange(6.0))).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, 1.0])
    np.testing.assert_array_equal(c.grad.data, [4.0, 5.0])
    assert s._parents is None  # released by backward
    with pytest.raises(RuntimeError, match="retain_graph"):
        s.sum().backward()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda x: x + 0.0, 1.0),
        (lambda x: 0.0 - x, -1.0),
        (lambda x: x * 0, 0.0),
        (lambda x: x**0, 0.0),
        (lambda x: x**1, 1.0),
        (lambda x: 0.0 / (x + 2.0), 0.0),
    ],
    ids=["x+0.0", "0.0-x", "x*0", "x**0", "x**1", "0.0/(x+2)"],
)
def test_a_scalar_operand_of_zero_is_kept_and_used(make, expected):
    x = ag.Tensor([1.5, -0.5], requires_grad=True)
    make(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(2, expected))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int64, np.float32, np.float64])
def test_sum_keeps_numpys_result_dtype(dtype):
    data = np.array([[1, 0, 1], [1, 1, 0]], dtype=dtype)
    for axis in (None, 0, (0, 1)):
        result = ag.Tensor(data).sum(axis=axis)
        expected = np.sum(data, axis=axis, dtype=np.int64 if dtype is np.bool_ else None)
        assert result.dtype == expected.dtype
        np.testing.assert_array_equal(result.data, expected)


def test_the_gradient_of_a_sum_is_a_fresh_writable_array():
    x = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    x.sum(axis=1, keepdims=True).sum().backward()
    assert x.grad.data.base is None and x.grad.data.flags.writeable
    x.grad.data[0, 0] = 5.0  # must not write through into anything else
    np.testing.assert_array_equal(x.grad.data, [[5.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
