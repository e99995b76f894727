"""no_grad / enable_grad, detach, requires_grad and is_leaf; grad mode is thread-local."""

import threading

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import enable_grad, grad_mode, no_grad


def leaf(values):
    return ag.Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_leaves_and_results_report_requires_grad_and_is_leaf():
    x = leaf([1.0, 2.0])
    c = ag.Tensor([1.0, 2.0])
    assert x.requires_grad and x.is_leaf
    assert not c.requires_grad and c.is_leaf
    y = x * c
    assert y.requires_grad and not y.is_leaf
    z = c * 2.0
    assert not z.requires_grad and z.is_leaf


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = (x * x).exp().sum()
    assert not y.requires_grad
    assert y.is_leaf
    np.testing.assert_allclose(y.item(), np.exp([1.0, 4.0]).sum())


def test_backward_of_a_result_computed_under_no_grad_raises_and_leaves_x_untouched():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = (x * x).sum()
    with pytest.raises((RuntimeError, ValueError)):
        y.backward()
    assert x.grad is None


def test_no_grad_restores_grad_mode_on_exit_even_after_an_exception():
    x = leaf(2.0)
    with pytest.raises(KeyError), no_grad():
        raise KeyError("boom")
    assert (x * x).requires_grad


def test_enable_grad_re_enables_recording_inside_no_grad():
    x = leaf(3.0)
    with no_grad():
        with enable_grad():
            y = x * x
        z = x * x
    assert y.requires_grad and not y.is_leaf
    assert not z.requires_grad
    y.backward()
    assert x.grad.item() == 6.0


def test_nested_no_grad_blocks_restore_the_outer_mode():
    x = leaf(3.0)
    with no_grad():
        with no_grad():
            pass
        assert not (x * x).requires_grad
    assert (x * x).requires_grad


def test_detach_shares_data_but_cuts_the_graph():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    d = h.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.data, h.data)
    assert np.shares_memory(d.data, h.data)
    (h * d).sum().backward()  # d is a constant: d/dx (3x · d) = 3d
    np.testing.assert_allclose(np.asarray(x.grad), 3 * np.array([3.0, 6.0]))


def test_requires_grad_false_inputs_record_nothing():
    a, b = ag.Tensor([1.0, 2.0]), ag.Tensor([3.0, 4.0])
    out = (a * b).exp() @ b
    assert not out.requires_grad and out.is_leaf


def test_no_grad_in_one_thread_does_not_affect_another():
    x = leaf([1.0, 2.0])
    inside_no_grad = threading.Event()
    checked = threading.Event()
    seen = {}

    def worker_in_no_grad():
        with no_grad():
            inside_no_grad.set()
            checked.wait(timeout=30)
            seen["worker"] = (x * x).requires_grad

    thread = threading.Thread(target=worker_in_no_grad)
    thread.start()
    assert inside_no_grad.wait(timeout=30)
    seen["main"] = (x * x).requires_grad  # the other thread is inside no_grad right now
    checked.set()
    thread.join(timeout=30)
    assert seen == {"main": True, "worker": False}


def test_no_grad_in_the_main_thread_does_not_affect_a_worker_thread():
    x = leaf([1.0, 2.0])
    seen = {}

    def worker():
        seen["worker"] = (x * x).requires_grad

    with no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=30)
        seen["main"] = (x * x).requires_grad
    assert seen == {"main": False, "worker": True}


# --- the global count that lets ops skip reading thread-local state --------------------------


def _count():
    return len(grad_mode.extras_active)


@pytest.mark.parametrize(
    "switch_off",
    [
        lambda: ag.no_grad(),
        lambda: ag.set_grad_enabled(False),
    ],
    ids=["no_grad", "set_grad_enabled"],
)
def test_grad_off_is_counted_while_in_force_and_uncounted_after(switch_off):
    before = _count()
    with switch_off():
        assert _count() == before + 1
        with ag.enable_grad():
            assert _count() == before
        with ag.no_grad():  # already off: not counted twice
            assert _count() == before + 1
    assert _count() == before


def test_the_count_is_restored_when_the_block_raises_and_for_decorators():
    before = _count()

    @ag.no_grad()
    def fails():
        assert _count() == before + 1
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails()
    with pytest.raises(KeyError), ag.no_grad():
        raise KeyError("boom")
    assert _count() == before


def test_an_op_in_no_grad_records_nothing_even_though_other_threads_record():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    inside, go_on = threading.Event(), threading.Event()
    seen = {}

    def other_thread():
        with ag.no_grad():
            inside.set()
            go_on.wait(5)
            seen["other"] = (x * 2).requires_grad

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # this thread still records
    go_on.set()
    worker.join(5)
    assert seen == {"main": True, "other": False}
