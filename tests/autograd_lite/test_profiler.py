"""autograd_lite.profile counts ops, times them and measures what the graph keeps alive."""

import threading

import numpy as np
import pytest

import autograd_lite as ag


def _two_layer_step(x: ag.Tensor, w1: ag.Tensor, w2: ag.Tensor) -> ag.Tensor:
    return (ag.linear(x, w1).tanh() @ w2.T).sum()


def test_profile_counts_forward_ops_and_backward_partials_per_op_type():
    x = ag.Tensor(np.ones((4, 3)))
    w1 = ag.Tensor(np.full((5, 3), 0.1), requires_grad=True)
    w2 = ag.Tensor(np.full((2, 5), 0.1), requires_grad=True)
    with ag.profile() as prof:
        loss = _two_layer_step(x, w1, w2)
        loss.backward()
    stats = prof.stats
    assert stats["linear"].forward_calls == 1
    assert stats["tanh"].forward_calls == 1
    assert stats["transpose"].forward_calls == 1  # from w2.T
    assert stats["matmul"].forward_calls == 1
    assert stats["sum"].forward_calls == 1
    # backward: one partial per input that needs a gradient (x is a constant: linear gives 1)
    assert stats["linear"].backward_calls == 1
    assert stats["matmul"].backward_calls == 2
    assert stats["tanh"].backward_calls == 1
    assert all(s.forward_seconds >= 0 and s.backward_seconds >= 0 for s in stats.values())


def test_profile_reports_bytes_kept_for_backward_counting_each_array_once():
    x = ag.Tensor(np.ones(1000), requires_grad=True)  # 8000 bytes
    with ag.profile() as prof:
        y = x * x  # keeps x once, although it is both inputs
    assert prof.stats["mul"].saved_bytes == 8000
    assert y.requires_grad


def test_profile_records_nothing_saved_under_no_grad():
    x = ag.Tensor(np.ones(10), requires_grad=True)
    with ag.profile() as prof, ag.no_grad():
        x.exp()
    assert prof.stats["exp"].forward_calls == 1
    assert prof.stats["exp"].saved_bytes == 0


def test_profile_table_lists_every_op_and_rejects_unknown_sort_keys():
    x = ag.Tensor(np.ones(3), requires_grad=True)
    with ag.profile() as prof:
        (x.exp() + x).sum().backward()
    text = str(prof)
    for name in ("exp", "add", "sum"):
        assert name in text
    with pytest.raises(ValueError, match="sort_by"):
        prof.table(sort_by="colour")


def test_profile_is_off_after_the_block_and_in_other_threads():
    x = ag.Tensor(np.ones(3), requires_grad=True)
    seen_in_thread = {}
    with ag.profile() as prof:

        def work():
            (x * 2).sum()
            seen_in_thread["ok"] = True

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    (x * 3).sum()
    assert seen_in_thread["ok"]
    assert "mul" not in prof.stats  # neither the other thread's op nor the later one counted


def test_profiles_do_not_nest():
    with ag.profile(), pytest.raises(RuntimeError, match="nested"), ag.profile():
        pass
