"""The record an ordinary backward keeps of the graph it frees: the structure stays (ops,
inputs, shapes, dtypes, names, module calls, a ScalarOp's number), the arrays that only the
graph held go (reading them raises, never zeros), what the user holds is untouched, and the
record is bounded."""

import gc
import threading
import weakref

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import graph
from autograd_lite.record import KEEP_BYTES, RECORD_NODES, RECORDS_KEPT
from autograd_lite.storage import ReleasedArray

BIG = KEEP_BYTES // 8 + 100  # float64 elements: an array large enough to be released


def leaf(values, name=None):
    return ag.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True, name=name)


def lecture():
    a, b, c = leaf(5.0, "a"), leaf(3.0, "b"), leaf(2.0, "c")
    return a, b, c, 3 * (a + b * c)


def test_backward_keeps_the_structure_of_the_graph_it_frees():
    a, b, c, J = lecture()
    J.backward()
    node = graph.node(J)
    assert node.freed and not node.record_ends
    assert node.op == "mul" and node.numbers == [3] and node.operands[0] == 3
    v = node.inputs[0]
    assert graph.node(v).op == "add" and graph.node(v).inputs[0] is a
    u = graph.node(v).inputs[1]
    assert graph.node(u).inputs == (b, c) and graph.node(u).freed
    assert {t.name for t in graph.walk(J) if t.is_leaf} == {"a", "b", "c"}
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)


def test_a_second_backward_through_the_record_still_raises_and_changes_nothing():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    before = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, before)


def test_an_intermediate_only_the_graph_held_is_released_and_says_so():
    x = leaf(np.linspace(-1, 1, BIG))
    h = x.tanh()
    values = weakref.ref(np.asarray(h).base)
    y = (h * 2.0).sum()
    del h
    y.backward()
    gc.collect()
    assert values() is None, "the array must be freed, as before the record existed"
    h = graph.node(graph.node(y).inputs[0]).inputs[0]
    node = graph.node(h)
    assert node.released and node.op == "tanh" and h.shape == (BIG,) and h.dtype == np.float64
    for use in (lambda: h.data, lambda: h.numpy(), lambda: np.asarray(h), lambda: h * 2,
                lambda: h[0], lambda: h.sum(), lambda: h.tolist()):  # fmt: skip
        with pytest.raises(RuntimeError, match=r"released by backward\(\).*retain_graph=True"):
            use()
    assert "values released" in repr(h) and "op=tanh" in repr(h)


def test_a_tensor_the_user_holds_keeps_its_values():
    x = leaf(np.linspace(-1, 1, BIG))
    h = x.tanh()
    expected = np.tanh(np.linspace(-1, 1, BIG))
    (h * 2.0).sum().backward()
    assert not graph.node(h).released and graph.node(h).freed
    np.testing.assert_array_equal(h.data, expected)


def test_an_array_the_user_holds_stays_valid_while_the_tensor_is_released():
    x = leaf(np.linspace(-1, 1, BIG))
    values = x.tanh().data  # the array, not the tensor
    np.testing.assert_array_equal(values, np.tanh(x.data))


def test_an_intermediate_used_twice_is_released_too():
    x = leaf(np.linspace(-1, 1, BIG))
    e = x.exp()
    values = weakref.ref(np.asarray(e).base)
    y = (e * e).sum()
    del e
    y.backward()
    gc.collect()
    assert values() is None
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * x.data))


def test_an_input_batch_only_the_graph_held_is_released_one_the_user_holds_is_not():
    W = leaf(np.ones((3, 4)), "W")
    batch = np.ones((BIG, 4))
    kept = ag.Tensor(batch.copy(), name="kept")
    y = (ag.linear(ag.Tensor(batch.copy(), name="X"), W) + ag.linear(kept, W)).sum()
    y.backward()
    leaves = {t.name: t for t in graph.walk(y) if t.is_leaf}
    assert graph.node(leaves["X"]).released and leaves["X"].shape == (BIG, 4)
    assert not graph.node(kept).released and kept.data.sum() == BIG * 4
    assert not graph.node(W).released


def test_a_retained_gradient_stays_while_the_values_go():
    x = leaf(np.linspace(-1, 1, BIG))
    y = (x.tanh() * 2.0).sum()
    ag.retain_grads(y)
    y.backward()
    h = graph.node(graph.node(y).inputs[0]).inputs[0]
    assert graph.node(h).released
    np.testing.assert_allclose(h.grad.data, np.full(BIG, 2.0))
    assert graph.node(h).grad_norm == pytest.approx(2.0 * np.sqrt(BIG))


def test_small_arrays_stay_with_the_record():
    x = leaf([1.0, 2.0])
    y = (x.tanh() * 2.0).sum()
    y.backward()
    h = graph.node(graph.node(y).inputs[0]).inputs[0]
    assert not graph.node(h).released
    np.testing.assert_allclose(h.data, np.tanh([1.0, 2.0]))


@pytest.mark.parametrize("options", [{"retain_graph": True}, {"create_graph": True}])
def test_retain_graph_and_create_graph_release_nothing(options):
    x = leaf(np.linspace(-1, 1, BIG))
    y = (x.tanh() * 2.0).sum()
    y.backward(**options)
    h = graph.node(graph.node(y).inputs[0]).inputs[0]
    assert not graph.node(y).freed and not graph.node(h).released


def test_the_record_is_bounded_and_the_graph_beyond_it_is_freed_as_before():
    x = leaf(np.ones(BIG))
    y = x
    frontier = None
    for k in range(RECORD_NODES + 20):
        y = y.tanh()
        if k == 20:  # the sum and the last 499 tanh fill the record: this one is its edge
            frontier = weakref.ref(np.asarray(y).base)
    total = y.sum()
    total.backward()
    gc.collect()
    assert frontier() is None, "a large array beyond the record is freed"
    ops = [t for t in graph.walk(total) if not t.is_leaf]
    assert len(ops) == RECORD_NODES + 1  # the record, and where it ends
    ends = [t for t in ops if graph.node(t).record_ends]
    assert len(ends) == 1 and ends[0].shape == (BIG,) and graph.node(ends[0]).op == "tanh"


def test_a_graph_of_many_scalars_keeps_a_bounded_record():
    x = leaf(0.5)
    y = x
    for _ in range(3000):
        y = (y * 1.0001 + 0.001).tanh()
    y.backward()
    walked = list(graph.walk(y))
    assert len(walked) <= RECORD_NODES + 2
    assert any(graph.node(t).record_ends for t in walked)


def _training_step(x, w):
    """One step of a tiny model whose hidden layer (a variable of the step, as in a training
    loop) holds a large array during backward: returns the loss and a weak reference to it."""
    hidden = (x * w).tanh()
    loss = (hidden * hidden).sum()
    loss.backward()
    return loss, weakref.ref(np.asarray(hidden).base)


def test_losses_kept_in_a_list_keep_only_the_last_records():
    # PyTorch's FAQ warns against losses.append(loss); here it must not keep every step's graph
    # and the arrays its variables held: only the last RECORDS_KEPT graphs stay on record.
    x, w = leaf(np.linspace(-1.0, 1.0, BIG)), leaf(np.full(BIG, 0.5))
    losses, hidden_arrays = [], []
    for _ in range(3 * RECORDS_KEPT):
        loss, hidden = _training_step(x, w)
        losses.append(loss)
        hidden_arrays.append(hidden)
    gc.collect()
    kept = [not graph.node(loss).record_ends for loss in losses]
    assert kept[-RECORDS_KEPT:] == [True] * RECORDS_KEPT  # the latest can still be drawn
    assert not any(kept[:RECORDS_KEPT])  # the oldest were dropped
    assert all(hidden() is None for hidden in hidden_arrays[:RECORDS_KEPT])
    expected = np.sum(np.tanh(np.linspace(-1.0, 1.0, BIG) * 0.5) ** 2)
    assert losses[0].item() == pytest.approx(expected)  # a dropped record keeps the values
    assert graph.node(losses[0]).op == "sum" and graph.node(losses[0]).freed
    source = ag.draw_graph(losses[0]).source
    assert "record of this freed graph was dropped" in source and "loss.item()" in source


def test_threads_running_backward_together_keep_a_bounded_record():
    # record.keep appends without the lock and compacts under it: passes noted by other
    # threads during a compaction must neither raise nor be lost for good.
    errors, outputs = [], [[] for _ in range(4)]

    def train(mine):
        try:
            x = leaf(np.ones(3))
            for _ in range(300):
                loss = ((x * 2.0).tanh() * 3.0).sum()
                loss.backward()
                mine.append(loss)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=train, args=(mine,)) for mine in outputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    held = [loss for mine in outputs for loss in mine]
    kept = [loss for loss in held if not graph.node(loss).record_dropped]
    assert RECORDS_KEPT <= len(kept) <= 2 * RECORDS_KEPT + len(threads)
    assert graph.node(outputs[0][0]).record_dropped


def test_outputs_of_one_gradients_call_are_kept_or_dropped_together():
    # Found by review: records were counted per output, so dropping one output of a
    # gradients([a, b]) call erased the trunk that the other, still kept, output shares.
    x = leaf(np.ones(3), "x")
    steps = []
    for _ in range(3 * RECORDS_KEPT):
        h = (x * 2.0).tanh()
        a, b = (h * 3.0).sum(), (h * h).sum()
        ag.gradients([a, b], [x])
        steps.append((a, b))
    for a, b in steps:
        assert graph.node(a).record_dropped == graph.node(b).record_dropped
        if not graph.node(b).record_dropped:  # kept: complete down to x
            assert {t.name for t in graph.walk(b) if t.is_leaf} == {"x"}
            assert {t.name for t in graph.walk(a) if t.is_leaf} == {"x"}
    assert not graph.node(steps[-1][0]).record_dropped
    assert graph.node(steps[0][0]).record_dropped


def test_one_gradients_call_with_many_outputs_keeps_its_whole_record():
    x = leaf(np.ones(3), "x")
    h = (x * 2.0).tanh()
    outputs = [(h * float(k)).sum() for k in range(1, 3 * RECORDS_KEPT)]
    ag.gradients(outputs, [x])
    for output in outputs:
        assert {t.name for t in graph.walk(output) if t.is_leaf} == {"x"}


def test_an_output_changed_in_place_after_backward_is_still_bounded():
    # loss += 0 after backward makes loss a live node again, its former self holding the
    # record: the record must still be dropped in its turn.
    x, w = leaf(np.linspace(-1.0, 1.0, BIG)), leaf(np.full(BIG, 0.5))
    hidden_arrays = []
    losses = []
    for _ in range(3 * RECORDS_KEPT):
        loss, hidden = _training_step(x, w)
        loss += 0.0
        losses.append(loss)
        hidden_arrays.append(hidden)
    gc.collect()
    assert all(hidden() is None for hidden in hidden_arrays[:RECORDS_KEPT])


def test_a_node_beyond_the_record_is_not_called_dropped():
    # Found by review: the "dropped" note was given for any held node beyond the record.
    x = leaf(np.ones(2))
    t, middles = x, []
    for _ in range(RECORD_NODES + 200):
        t = t * 1.0
        middles.append(t)
    y = t.sum()
    y.backward()
    node = graph.node(middles[100])
    assert node.record_ends and not node.record_dropped
    source = ag.draw_graph(middles[100]).source
    assert "dropped" not in source and f"{RECORD_NODES} nodes nearest" in source


def test_explain_says_that_a_record_was_dropped(capsys):
    x, w = leaf(np.linspace(-1.0, 1.0, BIG)), leaf(np.full(BIG, 0.5))
    losses = [_training_step(x, w)[0] for _ in range(3 * RECORDS_KEPT)]
    ag.explain(losses[0])
    assert "its record was dropped" in capsys.readouterr().out


def test_a_held_graph_stays_drawable_through_many_backward_passes_of_others():
    # A notebook draws y after a training run whose losses were not kept.
    *_, J = lecture()
    J.backward()
    x = leaf(np.ones(3))
    for _ in range(10 * RECORDS_KEPT):
        (x * 2.0).sum().backward()
    assert not graph.node(J).record_ends
    assert {t.name for t in graph.walk(J) if t.is_leaf} == {"a", "b", "c"}


def test_module_calls_survive_backward():
    from autograd_lite import nn

    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh())
    loss = model(np.ones((BIG, 2))).sum()
    loss.backward()
    assert [call.path for call in graph.module_calls(loss)] == ["Sequential", "0", "1"]


def test_released_array_stand_in_answers_shape_questions_only():
    stand_in = ReleasedArray(np.ones((2, 3), dtype=np.float32))
    assert (stand_in.shape, stand_in.ndim, stand_in.size, stand_in.nbytes) == ((2, 3), 2, 6, 24)
    assert stand_in.dtype == np.float32
    uses = (lambda: stand_in + 1, lambda: stand_in[0], lambda: stand_in.copy(),
            lambda: np.exp(stand_in), lambda: float(stand_in), lambda: stand_in == 0)  # fmt: skip
    for use in uses:
        with pytest.raises(RuntimeError, match="released"):
            use()
    assert not hasattr(stand_in, "__array_interface__")
