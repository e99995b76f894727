"""The backward engine: fan-out, accumulation, retain_graph, freeing, very deep graphs."""

import gc
import weakref

import numpy as np
import pytest
from numerical import assert_gradients_match

import autograd_lite as ag


def leaf(values):
    return ag.Tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ----------------------------------------------------------------------------- fan-out


def test_diamond_x_times_x_plus_x_sums_the_gradient_of_every_use():
    x = leaf([1.0, -2.0, 3.0])
    y = x * x + x
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.array([1.0, -2.0, 3.0]) + 1)


def test_node_used_by_many_consumers_gets_every_contribution():
    x = leaf(0.7)
    h = x.tanh()  # one intermediate used five times
    y = h * h + h.exp() - h / 2.0 + h * 3.0
    y.backward()
    t = np.tanh(0.7)
    dy_dh = 2 * t + np.exp(t) - 0.5 + 3.0
    np.testing.assert_allclose(x.grad.item(), dy_dh * (1 - t**2), rtol=1e-12)


def test_deep_diamond_lattice_gradient_is_two_to_the_depth():
    # each level uses the previous node twice: y = 2^depth · x, a count that only correct
    # summation over fan-out (visiting each node once, after all its consumers) gets right
    x = leaf(1.5)
    y = x
    depth = 40
    for _ in range(depth):
        y = y + y
    y.backward()
    assert x.grad.item() == 2.0**depth


def test_gradient_through_two_paths_of_different_lengths():
    def f(a):  # a reaches the output directly, through b, and through c = exp(b)
        b = a * 2.0
        c = b.exp() if isinstance(b, ag.Tensor) else np.exp(b)
        return c * a + b * c

    assert_gradients_match(f, f, np.array([0.3, -0.8]))


# ------------------------------------------------------------------------ accumulation


def test_grads_accumulate_across_two_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 3.0 + 2 * np.array([1.0, 2.0]))


def test_setting_grad_to_none_resets_accumulation():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.array([1.0, 2.0]))


def test_grad_is_none_before_backward_and_a_tensor_of_the_leafs_shape_after():
    x = leaf([[1.0, 2.0, 3.0]])
    assert x.grad is None
    (x * 2.0).sum().backward()
    assert isinstance(x.grad, ag.Tensor)
    assert x.grad.shape == (1, 3)


def test_leaf_that_does_not_require_grad_gets_no_grad():
    x = leaf([1.0, 2.0])
    c = ag.Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(np.asarray(x.grad), [3.0, 4.0])


def test_intermediate_tensors_do_not_get_grad():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    assert not h.is_leaf
    (h * h).sum().backward()
    assert h.grad is None


def test_backward_with_explicit_gradient_computes_the_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 40.0, 600.0])


def test_backward_accepts_the_gradient_as_a_tensor():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=ag.Tensor([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 40.0, 600.0])


def test_backward_of_a_one_element_non_0d_tensor_seeds_with_one():
    x = leaf([[2.0]])
    (x * x).backward()
    np.testing.assert_allclose(np.asarray(x.grad), [[4.0]])


def test_backward_on_a_leaf_sets_its_grad_to_ones():
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


# ------------------------------------------------------------------------ retain_graph


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf([1.0, -1.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = np.asarray(x.grad).copy()
    y.backward()
    expected = np.exp([1.0, -1.0]) * (1 + np.array([1.0, -1.0]))
    np.testing.assert_allclose(first, expected)
    np.testing.assert_allclose(np.asarray(x.grad), 2 * expected)


def test_second_backward_without_retain_graph_raises_a_clear_error():
    x = leaf([1.0, -1.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"(?i)retain_graph|freed"):
        y.backward()


def test_backward_through_a_freed_subgraph_from_another_output_raises():
    x = leaf([1.0, 2.0])
    h = x.tanh() * x
    h.sum().backward()
    with pytest.raises(RuntimeError, match=r"(?i)retain_graph|freed"):
        (h * 2.0).sum().backward()


def test_failed_backward_leaves_the_grads_as_they_were():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    before = np.asarray(x.grad).copy()
    with pytest.raises(RuntimeError):
        y.backward()
    np.testing.assert_array_equal(np.asarray(x.grad), before)


def test_backward_with_a_wrong_shape_gradient_leaves_grads_unchanged():
    x = leaf([1.0, 2.0])
    (x * 2.0).sum().backward()
    before = np.asarray(x.grad).copy()
    with pytest.raises((ValueError, RuntimeError)):
        (x * x).backward(gradient=np.ones(3))
    np.testing.assert_array_equal(np.asarray(x.grad), before)


# ------------------------------------------------------------------------ freeing memory


def _graph_with_an_intermediate():
    """A graph x → e = exp(x) → y = sum(e · e); returns (x, y, weakref to e's array)."""
    x = leaf(np.linspace(-1.0, 1.0, 1000))
    e = x.exp()
    y = (e * e).sum()
    return x, y, weakref.ref(e.data)


def test_graph_holds_the_saved_intermediate_before_backward():
    _, y, saved = _graph_with_an_intermediate()
    gc.collect()
    assert saved() is not None, "the graph must keep what its backward needs"
    del y


def test_saved_arrays_are_freed_after_backward():
    x, y, saved = _graph_with_an_intermediate()
    y.backward()
    gc.collect()
    assert saved() is None, "backward without retain_graph must release the saved arrays"
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.exp(2 * np.asarray(x.data)))


def test_saved_arrays_are_kept_with_retain_graph():
    _, y, saved = _graph_with_an_intermediate()
    y.backward(retain_graph=True)
    gc.collect()
    assert saved() is not None
    y.backward()
    gc.collect()
    assert saved() is None


def test_dropping_the_output_frees_the_whole_graph():
    _, y, saved = _graph_with_an_intermediate()
    del y
    gc.collect()
    assert saved() is None


# --------------------------------------------------------------------- very deep graphs

CHAIN_LENGTH = 1_000_000


def test_backward_through_a_million_node_chain_has_no_recursion_error():
    # The cyclic GC's full collections over a million live objects would dominate the run
    # time; they have nothing to do with what is tested, so they are paused while it runs.
    gc.disable()
    try:
        x = leaf([1.0])
        y = x
        for _ in range(CHAIN_LENGTH):
            y = y * 1.0000001
        y.backward(gradient=np.ones(1))
    finally:
        gc.enable()
    # d/dx (x · c^n) = c^n, accumulated one multiplication at a time like the forward
    expected = 1.0000001**CHAIN_LENGTH
    np.testing.assert_allclose(x.grad.item(), expected, rtol=1e-6)
    np.testing.assert_allclose(y.item(), expected, rtol=1e-6)
    del y
    gc.collect()


def test_deep_chain_of_mixed_ops_with_fan_out_at_every_step():
    x = leaf([0.5, -0.5])
    y = x
    for _ in range(20_000):
        y = y * 0.5 + y * 0.5  # identity, but every node has two consumers
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [1.0, 1.0], rtol=1e-9)
