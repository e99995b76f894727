"""detect_anomaly: a NaN/inf made in forward or backward raises an error naming the op, its
input shapes and the user's line that created it; the switch is per thread."""

import os
import sys
import threading

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import grad_mode
from autograd_lite.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled

THIS_FILE = os.path.abspath(__file__)


def leaf(values):
    return ag.Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def next_line() -> int:
    """The line number just after the caller's current line."""
    return sys._getframe(1).f_lineno + 1


@pytest.fixture(autouse=True)
def quiet_numpy():
    with np.errstate(all="ignore"):
        yield


def test_forward_nan_names_the_op_its_input_shapes_and_the_users_line():
    x = leaf([[1.0, -1.0, 2.0]])
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        (x * 2.0).log()
    error = info.value
    assert error.phase == "forward"
    assert error.op_name == "log"
    assert error.input_shapes == [(1, 3)]
    assert os.path.abspath(error.location.filename) == THIS_FILE
    assert error.location.lineno == line
    message = str(error)
    assert "'log'" in message and "(1, 3)" in message and "nan" in message
    assert f"test_anomaly.py:{line}" in message
    assert "(x * 2.0).log()" in message  # the source line is quoted


def test_backward_inf_is_traced_to_the_line_that_created_the_op_not_to_backward():
    x = leaf([0.0, 4.0])
    with detect_anomaly():
        line = next_line()
        root = x.sqrt()
        loss = (root * 3.0).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    error = info.value
    assert error.phase == "backward"
    assert error.op_name == "sqrt"
    assert error.input_shapes == [(2,)]
    assert error.location.lineno == line
    assert "inf" in str(error) and f"test_anomaly.py:{line}" in str(error)
    assert x.grad is None  # a failed backward leaves the leaves untouched


def test_forward_is_checked_even_under_no_grad_and_for_constants():
    c = ag.Tensor([1.0, 0.0])
    with detect_anomaly(), ag.no_grad(), pytest.raises(AnomalyError, match="'div'"):
        _ = 1.0 / c


def test_without_detection_nan_propagates_silently():
    x = leaf([-1.0])
    y = x.log().sum()
    y.backward()
    assert np.isnan(y.item())


def test_nan_arriving_from_a_leaf_is_reported_as_inherited():
    x = leaf([np.nan, 1.0])
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        _ = x * 2.0
    assert "input(s) [0] already held non-finite values" in str(info.value)


def test_errors_point_past_nn_frames_to_the_users_call():
    import nn

    model = nn.Sequential(nn.Dense(2, 1), nn.Tanh())
    model[0].W.data[0, 0] = np.inf
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        model(ag.Tensor(np.array([[1.0, 2.0]])))
    assert os.path.abspath(info.value.location.filename) == THIS_FILE
    assert info.value.location.lineno == line


def test_create_graph_backward_is_checked_too():
    x = leaf([0.0])
    with detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(AnomalyError) as info:
            line = next_line()
            y.backward(create_graph=True)
    # the partial of sqrt is itself recorded: the failing op is its division, and the message
    # says that it ran inside backward (naming sqrt when the engine's frame reveals it)
    message = str(info.value)
    assert "derivatives of op 'sqrt'" in message or "recorded backward pass" in message
    assert info.value.location.lineno == line


def test_switch_is_restored_and_counted_even_when_the_block_raises():
    before = len(grad_mode.extras_active)
    with pytest.raises(AnomalyError), detect_anomaly():
        assert is_anomaly_enabled()
        assert len(grad_mode.extras_active) == before + 1
        _ = ag.Tensor([-1.0]).log()
    assert not is_anomaly_enabled()
    assert len(grad_mode.extras_active) == before


def test_nested_detect_anomaly_false_switches_it_off_inside():
    with detect_anomaly():
        with detect_anomaly(False):
            assert np.isnan(ag.Tensor([-1.0]).log().item())
        with pytest.raises(AnomalyError):
            ag.Tensor([-1.0]).log()


def test_decorator_form():
    @detect_anomaly()
    def bad():
        return ag.Tensor([0.0]).log()

    with pytest.raises(AnomalyError, match="inf"):
        bad()
    assert not is_anomaly_enabled()


def test_detection_is_thread_local():
    results = {}

    def other_thread():
        results["enabled"] = is_anomaly_enabled()
        with np.errstate(all="ignore"):
            results["value"] = ag.Tensor([-1.0]).log().item()  # must not raise here

    with detect_anomaly():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with pytest.raises(AnomalyError):
            ag.Tensor([-1.0]).log()
    assert results["enabled"] is False
    assert np.isnan(results["value"])

    def detecting_thread():
        with detect_anomaly(), np.errstate(all="ignore"):
            try:
                ag.Tensor([-1.0]).log()
            except AnomalyError:
                results["raised"] = True

    worker = threading.Thread(target=detecting_thread)
    worker.start()
    worker.join()
    assert results.get("raised") is True
    assert np.isnan(ag.Tensor([-1.0]).log().item())  # this thread was never switched on
