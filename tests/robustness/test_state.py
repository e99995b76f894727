"""State: grad mode belongs to a thread, a failed backward changes no gradient, gradients
accumulate exactly as documented, and nn.save is atomic even when the writer is killed.

Threads are synchronised with events and barriers (never with sleeps), and subprocesses are
stopped at a known point of the write (a hook that reports where it is), so every test is
deterministic.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import Tensor
from autograd_lite.anomaly import AnomalyError, detect_anomaly

WAIT = 60  # seconds: a generous bound for a hung thread or child, not a timing assertion


def run_in_thread(target: Callable[[], None]) -> tuple[threading.Thread, list]:
    """Start `target` in a thread; exceptions are collected in the returned list."""
    errors: list[BaseException] = []

    def body() -> None:
        try:
            target()
        except BaseException as error:  # re-raised in the main thread by join_all
            errors.append(error)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread, errors


def join_all(*started: tuple[threading.Thread, list]) -> None:
    for thread, errors in started:
        thread.join(WAIT)
        assert not thread.is_alive(), "a thread did not finish"
        if errors:
            raise errors[0]


# ---------------------------------------------------------------------------------------------
# grad mode is per thread


def test_no_grad_in_one_thread_does_not_stop_recording_in_another_while_it_is_open():
    inside = threading.Event()
    checked = threading.Event()
    results: dict[str, bool] = {}

    def quiet_thread() -> None:
        with ag.no_grad():
            inside.set()  # the other thread now runs while this no_grad is open
            assert checked.wait(WAIT)
            x = Tensor([1.0], requires_grad=True)
            results["recorded under no_grad"] = (x * 2).requires_grad

    def busy_thread() -> None:
        assert inside.wait(WAIT)
        x = Tensor([1.0], requires_grad=True)
        results["recorded while the other thread is in no_grad"] = (x * 2).requires_grad
        results["grad enabled here"] = ag.is_grad_enabled()
        checked.set()

    join_all(run_in_thread(quiet_thread), run_in_thread(busy_thread))
    assert results == {
        "recorded under no_grad": False,
        "recorded while the other thread is in no_grad": True,
        "grad enabled here": True,
    }
    assert ag.is_grad_enabled()


def test_enable_grad_inside_a_threads_no_grad_does_not_leak_into_the_main_thread():
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with ag.no_grad(), ag.enable_grad():
            inside.set()
            assert release.wait(WAIT)

    with ag.no_grad():
        started = run_in_thread(worker)
        assert inside.wait(WAIT)
        x = Tensor([1.0], requires_grad=True)
        assert not (x * 2).requires_grad  # the worker's enable_grad is not ours
        release.set()
        join_all(started)
    assert ag.is_grad_enabled()


def test_a_new_thread_starts_with_grad_enabled_even_if_its_parent_is_in_no_grad():
    seen: list[bool] = []
    with ag.no_grad():
        join_all(run_in_thread(lambda: seen.append(ag.is_grad_enabled())))
    assert seen == [True]


def test_no_grad_as_a_decorator_restores_the_mode_per_thread_after_an_exception():
    @ag.no_grad()
    def fails() -> None:
        assert not ag.is_grad_enabled()
        raise KeyError("boom")

    def worker() -> None:
        with pytest.raises(KeyError):
            fails()
        assert ag.is_grad_enabled()

    join_all(run_in_thread(worker), run_in_thread(worker))
    assert ag.is_grad_enabled()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns, then we raise
def test_anomaly_detection_in_one_thread_does_not_raise_in_another():
    inside = threading.Event()
    done = threading.Event()

    def detecting() -> None:
        with detect_anomaly():
            inside.set()
            assert done.wait(WAIT)
            with pytest.raises(AnomalyError):
                Tensor([-1.0]).log()

    def ordinary() -> None:
        assert inside.wait(WAIT)
        with np.errstate(invalid="ignore"):
            assert np.isnan(Tensor([-1.0]).log().data[0])  # no anomaly error here
        done.set()

    join_all(run_in_thread(detecting), run_in_thread(ordinary))


def test_two_threads_training_their_own_graphs_get_exactly_their_own_gradients():
    barrier = threading.Barrier(2)
    expected = {}

    def train(k: int) -> None:
        rng = np.random.default_rng(k)
        for step in range(50):
            x_values, w_values = rng.standard_normal((4, 3)), rng.standard_normal(3)
            w = Tensor(w_values, requires_grad=True)
            barrier.wait(WAIT)  # both threads build and differentiate graphs at the same time
            ((Tensor(x_values) @ w).tanh() * (k + 1)).sum().backward()
            y = np.tanh(x_values @ w_values)
            np.testing.assert_allclose(w.grad.data, (k + 1) * x_values.T @ (1 - y**2))
            expected[(k, step)] = True

    join_all(run_in_thread(lambda: train(0)), run_in_thread(lambda: train(1)))
    assert len(expected) == 100


def test_one_no_grad_object_entered_twice_restores_grad_mode_after_the_outer_block():
    quiet = ag.no_grad()
    with quiet:
        with quiet:
            pass
        assert not ag.is_grad_enabled()
    try:
        assert ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)


def test_one_no_grad_object_shared_by_two_threads_restores_each_threads_own_mode():
    shared = ag.no_grad()
    a_inside = threading.Event()
    b_inside = threading.Event()
    b_done = threading.Event()
    seen: dict[str, bool] = {}

    def thread_a() -> None:  # grad enabled before, so grad enabled after
        with shared:
            a_inside.set()
            assert b_inside.wait(WAIT)
        seen["a after"] = ag.is_grad_enabled()
        b_done.wait(WAIT)

    def thread_b() -> None:  # already in no_grad: enters the shared object while A is inside
        assert a_inside.wait(WAIT)
        with ag.no_grad(), shared:
            b_inside.set()
        b_done.set()

    join_all(run_in_thread(thread_a), run_in_thread(thread_b))
    assert seen == {"a after": True}


# ---------------------------------------------------------------------------------------------
# a failed backward leaves every .grad as it was


def leaves_with_grads() -> tuple[Tensor, Tensor]:
    a = Tensor([1.0, 4.0], requires_grad=True)
    b = Tensor([2.0, 3.0], requires_grad=True)
    a.grad, b.grad = Tensor([10.0, 20.0]), Tensor([30.0, 40.0])
    return a, b


def assert_grads(a: Tensor, b: Tensor) -> None:
    np.testing.assert_array_equal(a.grad.data, [10.0, 20.0])
    np.testing.assert_array_equal(b.grad.data, [30.0, 40.0])


def test_backward_through_a_freed_graph_fails_without_touching_the_grads():
    a, b = leaves_with_grads()
    y = (a * b).sum()
    y.backward()
    snapshot = a.grad.data.copy(), b.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(a.grad.data, snapshot[0])
    np.testing.assert_array_equal(b.grad.data, snapshot[1])


def test_a_partly_freed_graph_is_detected_before_any_gradient_is_written():
    a, b = leaves_with_grads()
    shared = a * b
    first = shared.sum()
    second = (shared * 2.0 + a).sum()
    first.backward()  # frees `shared`'s node, which `second` also needs
    snapshot = a.grad.data.copy(), b.grad.data.copy()
    with pytest.raises(RuntimeError, match="freed"):
        second.backward()
    np.testing.assert_array_equal(a.grad.data, snapshot[0])
    np.testing.assert_array_equal(b.grad.data, snapshot[1])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns, then we raise
@pytest.mark.parametrize("create_graph", [False, True])
def test_an_anomaly_raised_half_way_through_backward_leaves_every_grad_unchanged(create_graph):
    a, b = leaves_with_grads()
    b.data[...] = [0.0, 3.0]
    with detect_anomaly():
        # a's gradient path is computed first and is finite; √b has an infinite derivative at 0
        y = (a * 3.0).sum() + b.sqrt().sum()
        with pytest.raises(AnomalyError):
            y.backward(create_graph=create_graph)
    assert_grads(a, b)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda y: y.backward(gradient=np.ones(3)), ValueError),
        (lambda y: y.backward(gradient="a"), TypeError),
        (lambda y: y.backward(gradient=np.ones(2, dtype=complex)), TypeError),
        (lambda y: y.backward(), ValueError),  # not a scalar
    ],
)
def test_a_backward_refused_for_its_arguments_leaves_every_grad_unchanged(call, error):
    a, b = leaves_with_grads()
    with pytest.raises(error):
        call(a * b)
    assert_grads(a, b)


def test_a_mis_shaped_grad_is_refused_when_assigned_and_nothing_changes():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    a.grad = Tensor([10.0, 10.0])
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(2,\) cannot belong to a "):
        b.grad = Tensor([5.0, 5.0])
    assert b.grad is None
    (a.sum() * b.sum()).backward()
    np.testing.assert_array_equal(a.grad.data, [10.0 + 6.0, 10.0 + 6.0])


@pytest.mark.parametrize(
    ("leaf_shape", "grad_shape"), [((1,), (2,)), ((2,), (1,)), ((2, 3), (3,)), ((), (1,))]
)
def test_a_grad_that_merely_broadcasts_is_refused_not_silently_reshaped(leaf_shape, grad_shape):
    x = Tensor(np.ones(leaf_shape), requires_grad=True)
    with pytest.raises(ValueError, match=re.escape(str(grad_shape))):
        x.grad = Tensor(np.full(grad_shape, 7.0))
    assert x.grad is None


@pytest.mark.parametrize("value", [[1.0, 2.0], np.array([1.0, 2.0]), 3.0, "grad"])
def test_only_a_tensor_or_none_can_be_assigned_to_grad(value):
    x = Tensor([0.0, 0.0], requires_grad=True)
    with pytest.raises(TypeError, match="grad: can only be set to a Tensor or None"):
        x.grad = value
    x.grad = Tensor([1.0, 1.0])
    x.grad = None
    assert x.grad is None


def test_changing_a_saved_constant_in_place_after_the_forward_is_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (x * c).sum()  # y = 3·x0 + 4·x1, so dy/dx = [3, 4]
    c[0] = 100.0
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) of op 'mul' was changed"):
        y.backward()
    assert x.grad is None  # nothing was written


# ---------------------------------------------------------------------------------------------
# accumulation


def test_gradients_accumulate_over_backward_calls_until_reset():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 3 * 2 * np.array([1.0, 2.0]))
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_retain_graph_allows_a_second_backward_that_adds_the_same_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * once)


def test_a_gradient_held_by_the_user_is_not_changed_by_later_accumulation():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    kept = x.grad
    kept_values = kept.data.copy()
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(kept.data, kept_values)
    np.testing.assert_array_equal(x.grad.data, [8.0, 8.0])


def test_a_non_leaf_keeps_its_gradient_only_when_asked_to():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    kept = (x * 3.0).retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad.data, h.data)


# ---------------------------------------------------------------------------------------------
# nn.save is atomic: kill the writer half-way, the old file survives intact

CHILD_PRELUDE = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import nn

    def model_with(value, width):
        model = nn.Sequential(nn.Dense(width, width), nn.Tanh(), nn.Dense(width, 2))
        for p in model.parameters():
            p.data[...] = value
        return model

    path = sys.argv[1]
    """
)


def run_child(body: str, path, *, stop: str | None = None) -> subprocess.CompletedProcess:
    """Run the prelude + `body` in a fresh interpreter with `path` as argv[1]. With `stop`,
    wait for the child to print `stop` and then SIGKILL it."""
    script = CHILD_PRELUDE + textwrap.dedent(body)
    command = [sys.executable, "-c", script, str(path)]
    if stop is None:
        return subprocess.run(command, capture_output=True, text=True, timeout=WAIT)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()  # blocks until the child reports where it is
        assert line.strip() == stop, f"child said {line!r}; stderr: {child.stderr.read()}"
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WAIT)
    return subprocess.CompletedProcess(command, child.returncode, "", child.stderr.read())


def saved_value(path, width: int) -> float:
    """The single value every parameter of the saved model holds (asserting they agree)."""
    model = nn.Sequential(nn.Dense(width, width), nn.Tanh(), nn.Dense(width, 2))
    nn.load(model, path)
    values = np.concatenate([p.data.ravel() for p in model.parameters()])
    assert np.all(values == values[0]), "the file mixes two versions"
    return float(values[0])


WRITE_HOOK = textwrap.dedent(
    """
    import numpy.lib.format as npy_format
    real_write = npy_format.write_array
    written = []

    def write_then_stop(fp, array, *args, **kwargs):
        real_write(fp, array, *args, **kwargs)
        written.append(1)
        if len(written) == 2:  # two of the four arrays of the new version are on disk
            fp.flush()
            {stop}

    npy_format.write_array = write_then_stop
    np.lib.format.write_array = write_then_stop
    """
)
EXIT = "os._exit(3)"
REPORT_AND_WAIT = "print('writing', flush=True); __import__('threading').Event().wait()"


def test_a_writer_that_exits_half_way_through_save_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "model.npz"
    body = (
        "nn.save(model_with(1.0, 3), path)\n"
        + WRITE_HOOK.format(stop=EXIT)
        + "nn.save(model_with(2.0, 3), path)\n"
    )
    result = run_child(body, path)
    assert result.returncode == 3, result.stderr
    assert saved_value(path, 3) == 1.0
    leftovers = [name for name in os.listdir(tmp_path) if name != "model.npz"]
    assert all(name.startswith(".model.npz.") for name in leftovers), leftovers


def test_a_writer_killed_with_sigkill_half_way_through_save_leaves_the_old_file_intact(
    tmp_path,
):
    path = tmp_path / "model.npz"
    body = (
        "nn.save(model_with(1.0, 3), path)\n"
        + WRITE_HOOK.format(stop=REPORT_AND_WAIT)
        + "nn.save(model_with(2.0, 3), path)\n"
    )
    result = run_child(body, path, stop="writing")
    assert result.returncode == -signal.SIGKILL
    assert saved_value(path, 3) == 1.0
    leftovers = [name for name in os.listdir(tmp_path) if name != "model.npz"]
    assert all(name.startswith(".model.npz.") for name in leftovers), leftovers


def test_a_writer_of_a_large_model_killed_at_an_arbitrary_moment_leaves_one_whole_version(
    tmp_path,
):
    """Saves of a ~32 MB model in a loop; SIGKILL lands wherever the writer happens to be once
    a newer version has started. Whatever that moment was, the file holds one whole version."""
    path = tmp_path / "model.npz"
    body = """
        model = model_with(0.0, 2000)
        nn.save(model, path)
        print("saved", flush=True)
        for version in range(1, 1000):
            for p in model.parameters():
                p.data[...] = version
            nn.save(model, path)
    """
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(body), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "saved", child.stderr.read()
        # wait until a newer version is being written (a temporary file exists), then kill
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and child.poll() is None:
            if any(name.endswith(".tmp") for name in os.listdir(tmp_path)):
                break
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WAIT)
    value = saved_value(path, 2000)
    assert value == int(value) and 0 <= value < 1000


def test_assigning_into_a_constant_before_using_it_is_fine():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    c[0] = 100.0
    (x * c).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [100.0, 4.0])


def test_a_change_to_a_tensor_outside_the_graph_does_not_block_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * Tensor([3.0, 4.0])).sum()
    other = Tensor([0.0, 0.0])
    other[1] = 5.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
