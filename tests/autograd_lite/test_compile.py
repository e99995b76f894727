"""`autograd_lite.compile`: replays equal eager, never silently stale, or refuse.

The op-by-op and random-program comparisons are in `test_compile_ops.py` and
`test_compile_fuzz.py`; this file checks the machinery around them: what a replay picks up
(new argument values, parameters assigned or stepped in place, fresh dropout masks, train and
eval mode), what makes a new trace (new shapes, dtypes, grad mode, modules changed), what
makes the function run eagerly with one warning naming the line (a value read into Python,
an in-place write, randomness outside an op, backward() inside), that returned tensors are
never overwritten by a later call, the memory guard, profiling, and nn.fit(compile=True).
"""

from __future__ import annotations

import inspect
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Tensor, nn
from autograd_lite.compiler import CompileWarning

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from test_memory_guard import ALIASES


@pytest.fixture(autouse=True)
def compile_warnings_are_errors():
    """Any CompileWarning a test does not expect with pytest.warns fails it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        yield


def line_of(marker: str) -> int:
    """The line of this file holding `marker` (in a comment)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    (number,) = [i + 1 for i, text in enumerate(lines) if text.rstrip().endswith(marker)]
    return number


def dense_loss(W, b):
    def loss(x):
        return ag.linear(x, W, b).tanh().sum()

    return loss


def params(seed=0, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    W = Tensor(rng.normal(size=shape), requires_grad=True, name="W")
    b = Tensor(np.zeros(shape[0]), requires_grad=True, name="b")
    return W, b


def grads_after(loss, *leaves):
    for t in leaves:
        t.grad = None
    loss.backward()
    return [t.grad.data.copy() for t in leaves]


# ----------------------------------------------------------------------------- replay = eager


def test_the_first_call_is_eager_and_later_calls_replay_with_the_same_results():
    W, b = params()
    f = dense_loss(W, b)
    step = ag.compile(f)
    rng = np.random.default_rng(1)
    for i in range(4):
        x = Tensor(rng.normal(size=(5, 4)))
        loss = step(x)
        assert loss.op_name == ("sum" if i == 0 else "compiled dense_loss.<locals>.loss")
        got = grads_after(loss, W, b)
        expected_loss = f(x)
        expected = grads_after(expected_loss, W, b)
        assert np.array_equal(loss.data, expected_loss.data)
        assert all(np.array_equal(g, e) for g, e in zip(got, expected))
    assert step.traces == 1 and step.fallback is None


@pytest.mark.parametrize("shape", [(), (8,), (3, 4)])
def test_long_repeated_chains_replay_bit_for_bit(shape):
    """Repeated blocks are replayed as loops (`compiler.codegen`): the chain's shared `a` and
    `b` collect one gradient per round, summed in the engine's order."""

    def chain(x, a, b):
        y = x
        for _ in range(40):
            y = (y * a + b).tanh() * 0.9 + 0.05
        return y.sum()

    rng = np.random.default_rng(0)
    step = ag.compile(chain)
    for _ in range(3):
        values = [rng.normal(size=shape) for _ in range(3)]
        leaves = [Tensor(v.copy(), requires_grad=True) for v in values]
        step(*leaves).backward()
        again = [Tensor(v.copy(), requires_grad=True) for v in values]
        chain(*again).backward()
        for got, want in zip(leaves, again):
            np.testing.assert_array_equal(got.grad.data, want.grad.data)
    assert step.traces == 1


def test_gradients_accumulate_into_the_leaves_as_in_eager_mode():
    W, b = params()
    step = ag.compile(dense_loss(W, b))
    x = Tensor(np.ones((2, 4)))
    step(x)  # trace
    W.grad = None
    step(x).backward()
    once = W.grad.data.copy()
    step(x).backward()  # no reset: the two gradients add up
    np.testing.assert_array_equal(W.grad.data, once + once)


def test_a_second_backward_through_a_replay_needs_retain_graph_like_eager():
    W, b = params()
    step = ag.compile(dense_loss(W, b))
    x = Tensor(np.ones((2, 4)))
    step(x)
    loss = step(x)
    loss.backward(retain_graph=True)
    loss.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        loss.backward()


def test_arguments_that_require_grad_get_their_gradients():
    step = ag.compile(lambda x, w: (x * w).sin().sum())
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = Tensor(rng.normal(size=4), requires_grad=True)
        w = Tensor(rng.normal(size=4), requires_grad=True)
        step(x, w).backward()
        x2, w2 = (Tensor(t.data.copy(), requires_grad=True) for t in (x, w))
        (x2 * w2).sin().sum().backward()
        np.testing.assert_array_equal(x.grad.data, x2.grad.data)
        np.testing.assert_array_equal(w.grad.data, w2.grad.data)


def test_ndarray_arguments_reach_the_function_as_tensors_and_are_replayed():
    W, b = params()
    seen = []

    def f(x):
        seen.append(type(x))
        return ag.linear(x, W, b).sum()

    step = ag.compile(f)
    for k in range(3):
        x = np.full((2, 4), float(k))
        np.testing.assert_array_equal(step(x).data, ag.linear(x, W, b).sum().data)
    assert seen == [Tensor]  # traced once, with a Tensor


def test_outputs_can_be_structures_of_tensors_and_python_values():
    W, b = params()

    def f(x):
        h = ag.linear(x, W, b)
        return {"h": h, "parts": [h.tanh(), x], "note": "fixed", "loss": h.sum()}

    step = ag.compile(f)
    x1, x2 = Tensor(np.ones((2, 4))), Tensor(np.full((2, 4), 2.0))
    step(x1)
    out = step(x2)
    expected = f(x2)
    assert out["note"] == "fixed" and out["parts"][1] is x2
    for key in ("h", "loss"):
        np.testing.assert_array_equal(out[key].data, expected[key].data)
    np.testing.assert_array_equal(out["parts"][0].data, expected["parts"][0].data)


def test_returned_tensors_are_never_overwritten_by_a_later_call():
    W, b = params()
    step = ag.compile(lambda x: (ag.linear(x, W, b).tanh(), (ag.linear(x, W, b) * 2).sum()))
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(4):
        h, loss = step(Tensor(rng.normal(size=(3, 4))))
        loss.backward()
        kept.append((h, h.data.copy(), loss, loss.data.copy()))
    for h, h_values, loss, loss_values in kept:
        np.testing.assert_array_equal(h.data, h_values)
        np.testing.assert_array_equal(loss.data, loss_values)


def test_calls_waiting_for_backward_keep_their_own_values():
    W, b = params()
    f = dense_loss(W, b)
    step = ag.compile(f)
    x1, x2, x3 = (Tensor(np.full((2, 4), v)) for v in (0.1, 0.2, 0.3))
    step(x1)
    first, second, third = step(x1), step(x2), step(x3)  # three replays, none backwarded yet
    got = [grads_after(loss, W, b) for loss in (third, first, second)]
    expected = [grads_after(f(x), W, b) for x in (x3, x1, x2)]
    for g, e in zip(got, expected):
        assert all(np.array_equal(a, c) for a, c in zip(g, e))


def test_several_outputs_backward_like_eager():
    W, b = params()

    def f(x):
        h = ag.linear(x, W, b)
        return h.tanh().sum(), (h * h).mean()

    step = ag.compile(f)
    x = Tensor(np.linspace(-1, 1, 8).reshape(2, 4))
    step(x)
    a, c = step(x)
    got = grads_after(a + 3 * c, W, b)
    a_e, c_e = f(x)
    expected = grads_after(a_e + 3 * c_e, W, b)
    for g, e in zip(got, expected):  # summed across the outputs in another order
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


def test_a_closure_over_the_argument_itself_is_told_apart_from_the_argument():
    W = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    f = lambda a: (a * W).sum()  # noqa: E731
    step = ag.compile(f)
    step(W)  # traced with the argument being W itself
    V = Tensor(np.array([-1.0, 0.5, 4.0]), requires_grad=True)
    out = step(V)
    assert out.item() == f(V).item()
    W.grad = V.grad = None
    out.backward()
    np.testing.assert_array_equal(V.grad.data, W.data)
    np.testing.assert_array_equal(W.grad.data, V.data)


def test_the_same_tensor_twice_is_a_different_signature_from_two_tensors():
    step = ag.compile(lambda a, b: (a * b).sum())
    x, y = Tensor(np.array([2.0, 3.0])), Tensor(np.array([5.0, 7.0]))
    assert step(x, x).item() == 13.0
    assert step(x, y).item() == 31.0
    assert step(y, y).item() == 74.0
    assert step.traces == 2


# ----------------------------------------------------------------------------- retracing


def test_new_shapes_dtypes_and_grad_mode_retrace_and_each_trace_is_reused():
    W, b = params()
    step = ag.compile(lambda x: ag.linear(x, W, b).sum())
    shapes = [(2, 4), (3, 4), (2, 4), (3, 4)]
    for shape in shapes:
        x = Tensor(np.ones(shape))
        assert step(x).item() == ag.linear(x, W, b).sum().item()
    assert step.traces == 2
    with ag.no_grad():
        out = step(Tensor(np.ones((2, 4))))
    assert not out.requires_grad and step.traces == 3
    step(Tensor(np.ones((2, 4), dtype=np.float32)))
    assert step.traces == 4


def test_python_arguments_are_part_of_the_signature():
    step = ag.compile(lambda x, scale, mode: (x * scale).sum() if mode == "sum" else x * scale)
    x = Tensor(np.arange(3.0))
    assert step(x, 2.0, "sum").item() == 6.0
    assert step(x, 3.0, "sum").item() == 9.0
    np.testing.assert_array_equal(step(x, 3.0, "none").data, [0.0, 3.0, 6.0])
    assert step(x, 2.0, "sum").item() == 6.0
    assert step.traces == 3


def test_the_cache_is_bounded_and_a_function_that_keeps_retracing_runs_eagerly():
    step = ag.compile(lambda x: x.sum(), cache_size=2)
    for n in range(1, 9):
        assert step(Tensor(np.ones(n))).item() == n
    assert sum(len(v) for v in step._cache.values()) == 2
    with pytest.warns(CompileWarning, match="traced 8 times"):
        assert step(Tensor(np.ones(9))).item() == 9
    assert step.fallback is not None
    assert step(Tensor(np.ones(10))).item() == 10  # eager, no second warning


def test_clear_forgets_the_traces():
    scale = [2.0]
    step = ag.compile(lambda x: x * scale[0])  # a Python value: kept by the trace
    x = Tensor(np.ones(2))
    step(x)
    scale[0] = 5.0
    assert step(x).data[0] == 2.0  # the documented behaviour: Python values are traced
    step.clear()
    assert step(x).data[0] == 5.0


# ----------------------------------------------------------------------------- parameters


def test_a_parameter_assigned_a_new_array_is_picked_up():
    W, b = params()
    f = dense_loss(W, b)
    step = ag.compile(f)
    x = Tensor(np.ones((2, 4)))
    step(x)
    W.data = np.full((3, 4), 0.5)  # a new array
    assert step(x).item() == f(x).item()
    W.data[...] = -0.25  # written through the handed-out array
    assert step(x).item() == f(x).item()
    W.data = np.ones((4, 4))  # another shape: a new trace
    b.data = np.zeros(4)
    assert step(x).item() == f(x).item()
    assert step.traces == 2


def test_optimiser_steps_and_load_state_dict_are_picked_up():
    model = nn.Sequential(nn.Dense(4, 3, seed=0), nn.Tanh(), nn.Dense(3, 1, seed=1))
    loss_fn = nn.MSELoss()
    X, Y = np.random.default_rng(0).normal(size=(6, 4)), np.zeros((6, 1))
    step = ag.compile(lambda: loss_fn(model(X), Y))
    opt = nn.Adam(model.parameters(), lr=0.1)
    start = model.state_dict()
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = step()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.load_state_dict(start)
    assert step().item() == losses[0]
    opt2 = nn.Adam(model.parameters(), lr=0.1)
    eager = []
    for _ in range(5):
        opt2.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt2.step()
        eager.append(loss.item())
    assert losses == eager


def test_replacing_a_module_or_a_parameter_tensor_retraces():
    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh())
    step = ag.compile(lambda x: model(x).sum())
    x = Tensor(np.ones((1, 2)))
    step(x)
    model[0].W = Tensor(np.zeros((3, 2)), requires_grad=True)  # a new parameter tensor
    assert step(x).item() == model(x).sum().item()
    model.append(nn.Sigmoid())
    assert step(x).item() == model(x).sum().item()
    assert step.traces == 3


def test_a_parameter_switched_to_requires_grad_false_retraces():
    W, b = params()
    step = ag.compile(dense_loss(W, b))
    x = Tensor(np.ones((2, 4)))
    step(x)
    W.requires_grad = False
    W.grad = b.grad = None
    step(x).backward()
    assert W.grad is None and b.grad is not None and step.traces == 2


# ----------------------------------------------------------------------------- dropout, modes


def dropout_model(seed):
    return nn.Sequential(
        nn.Dense(4, 8, seed=seed), nn.ReLU(), nn.Dropout(0.5, seed=seed), nn.Dense(8, 1, seed=1)
    )


def test_dropout_draws_fresh_masks_on_every_replay_the_ones_eager_draws():
    compiled_model, eager_model = dropout_model(0), dropout_model(0)
    step = ag.compile(lambda x: compiled_model(x))
    x = Tensor(np.ones((3, 4)))
    outputs = [step(x).data.copy() for _ in range(5)]
    expected = [eager_model(x).data.copy() for _ in range(5)]
    assert not np.array_equal(outputs[1], outputs[2])  # a new mask each call
    for got, want in zip(outputs, expected):
        np.testing.assert_array_equal(got, want)
    assert step.traces == 1


def test_switching_between_train_and_eval_uses_one_trace_per_mode():
    compiled_model, eager_model = dropout_model(3), dropout_model(3)
    step = ag.compile(lambda x: compiled_model(x).sum())
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    for mode in ["train", "eval", "train", "train", "eval", "train"]:
        for model in (compiled_model, eager_model):
            model.train(mode == "train")
        got, want = step(x), eager_model(x).sum()
        assert got.item() == want.item(), mode
        grads = grads_after(got, *compiled_model.parameters())
        expected = grads_after(want, *eager_model.parameters())
        assert all(np.array_equal(g, e) for g, e in zip(grads, expected))
    assert step.traces == 2


def test_dropout_under_manual_seed_follows_the_seeded_stream():
    step = ag.compile(lambda x: ag.dropout(x, 0.5).sum())
    x = Tensor(np.ones(50))
    ag.manual_seed(4)
    got = [step(x).item() for _ in range(3)]
    ag.manual_seed(4)
    assert got == [ag.dropout(x, 0.5).sum().item() for _ in range(3)]


def test_batchnorm_in_eval_mode_replays_the_current_running_statistics():
    bn = nn.BatchNorm1d(3)
    x = np.random.default_rng(0).normal(size=(8, 3))
    bn(x)  # one training step moves the running statistics
    bn.eval()
    step = ag.compile(lambda x: bn(x))
    step(x)
    bn.train()
    bn(x * 3 + 1)
    bn.eval()
    np.testing.assert_array_equal(step(x).data, bn(x).data)


# ----------------------------------------------------------------------------- refused


def test_a_value_read_in_an_if_falls_back_to_eager_with_one_warning_naming_the_line():
    W, b = params()

    def f(x):
        h = ag.linear(x, W, b)
        if h.sum() > 0:  # the branch taken depends on values  <- branch
            return h.relu().sum()
        return h.tanh().sum()

    step = ag.compile(f)
    line = line_of("<- branch")
    with pytest.warns(CompileWarning) as caught:
        step(Tensor(np.ones((2, 4))))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert f"test_compile.py:{line}" in message and "bool()" in message
    for value in (1.0, -1.0, 2.0):  # eager from now on: each call takes its own branch
        x = Tensor(np.full((2, 4), value))
        assert step(x).item() == f(x).item()
    assert step.fallback is not None and "runs eagerly" not in step.fallback


@pytest.mark.parametrize(
    "read",
    [
        lambda y: y.item(),
        lambda y: float(y),
        lambda y: int(y),
        lambda y: y.tolist(),
        lambda y: y.numpy(),
        lambda y: y.data,
        lambda y: np.asarray(y),
        lambda y: f"{y:.3f}",
    ],
    ids=["item", "float", "int", "tolist", "numpy", "data", "asarray", "format"],
)
def test_every_way_of_reading_a_value_into_python_is_refused(read):
    def f(x):
        y = (x * 2).sum()
        read(y)
        return y

    step = ag.compile(f)
    with pytest.warns(CompileWarning, match="reads a tensor's value into Python"):
        step(Tensor(np.ones(3)))
    assert step(Tensor(np.ones(3))).item() == 6.0


def test_a_value_read_inside_an_nn_layer_names_the_layer_and_the_users_line():
    model = nn.Sequential(nn.Dense(3, 3, seed=0), nn.BatchNorm1d(3))
    step = ag.compile(lambda x: model(x).sum())  # <- batchnorm
    line = line_of("<- batchnorm")
    with pytest.warns(
        CompileWarning, match=rf"layers\.py:\d+ \(.*\), called at .*test_compile\.py:{line}"
    ):
        step(np.ones((4, 3)))


@pytest.mark.parametrize(
    "body, reason",
    [
        (lambda x: x.__iadd__(1.0), "changes a tensor in place"),
        (lambda x: x * ag.randn(3), "draws random numbers outside an op"),
        (lambda x: (x * 2).sum().backward(), "runs backward"),
        (
            lambda x: Tensor(np.ones(3), requires_grad=True) * x,
            "creates a tensor that requires grad",
        ),
        (lambda x: (x * 2).retain_grad(), "retain its gradient"),
    ],
    ids=["in-place", "random", "backward", "new leaf", "retain_grad"],
)
def test_side_effects_a_replay_would_skip_are_refused(body, reason):
    def f(x):
        y = x * 1.0
        body(y if reason != "runs backward" else x)
        return y

    step = ag.compile(f)
    with pytest.warns(CompileWarning, match=reason):
        step(Tensor(np.ones(3), requires_grad=True))
    assert step.fallback is not None


def test_an_op_without_a_replay_kernel_is_refused_naming_it():
    from autograd_lite.extend import Op, as_tensor, record

    CUBE = Op("cube", lambda xp, g, y, a: g * 3 * a * a)

    def cube(a):
        a = as_tensor(a, "cube")
        return record(a._data**3, CUBE, a)

    step = ag.compile(lambda x: cube(x).sum())
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.warns(CompileWarning, match="'cube'"):
        step(x).backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])


def test_a_numpy_function_applied_to_an_argument_is_refused():
    step = ag.compile(lambda x: x * np.mean(np.asarray(x)))
    with pytest.warns(CompileWarning, match=r"np\.asarray"):
        step(np.array([1.0, 3.0]))


def test_anomaly_detection_runs_the_function_eagerly():
    step = ag.compile(lambda x: x.log().sum())
    step(Tensor(np.ones(2)))
    with ag.detect_anomaly(), np.errstate(invalid="ignore"), pytest.raises(ag.AnomalyError):
        step(Tensor(np.array([-1.0, 1.0])))


def test_a_compiled_function_called_inside_another_trace_is_inlined():
    inner = ag.compile(lambda x: x.exp())
    outer = ag.compile(lambda x: inner(x).sum() * 2)
    for v in (0.0, 1.0, 2.0):
        assert outer(Tensor(np.full(2, v))).item() == np.exp(v) * 4
    assert outer.traces == 1 and inner.traces == 0


# ----------------------------------------------------------------------------- memory guard


def test_writing_a_parameter_between_forward_and_backward_makes_backward_raise():
    W, b = params()
    step = ag.compile(dense_loss(W, b))
    x = Tensor(np.ones((2, 4)))
    step(x)
    for write in (
        lambda: W.data.__setitem__(0, 5.0),  # through the handed-out array
        lambda: setattr(W, "data", np.zeros((3, 4))),  # a new array
        lambda: nn.SGD([W], lr=0.1).step() if W.grad is not None else None,
    ):
        loss = step(x)
        W.grad = Tensor(np.ones((3, 4)))
        write()
        with pytest.raises(RuntimeError, match="backward: input"):
            loss.backward()


def _graph(a, x, c):
    """A small function: an argument `a`, a parameter `x`, a constant `c` (both closed over),
    and an output `h` (exp's partial uses its output) that a second output also uses."""
    h = a.exp()
    return ((x * c) * h).sum(), h


@pytest.mark.parametrize("role", ["constant", "parameter", "argument", "output"])
@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_a_write_between_a_replay_and_its_backward_never_gives_a_silent_wrong_gradient(role, alias):
    """Every alias of the memory guard's tests: the write is refused, or backward raises as
    in eager mode, or (an output the replay hands out as a copy) cannot change what the
    backward reads: then the gradients are those of the values the forward used."""

    def run(compiled: bool):
        x = Tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        c = Tensor([[3.0, 4.0], [5.0, 6.0]])
        a = Tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
        f = lambda a: _graph(a, x, c)  # noqa: E731
        if compiled:
            f = ag.compile(f)
            f(a)  # the trace; the replay is next
        loss, h = f(a)
        target = {"constant": c, "parameter": x, "argument": a, "output": h}[role]
        try:
            ALIASES[alias](target, 100.0)
        except (RuntimeError, ValueError, TypeError):
            return "refused"
        try:
            loss.backward()
        except RuntimeError as error:
            assert "after the op used it" in str(error)
            return "backward raised"
        return x.grad.data.copy(), a.grad.data.copy()

    got, eager = run(True), run(False)
    if isinstance(got, str) or (isinstance(eager, str) and role != "output"):
        assert got == eager
    else:  # the copy the replay handed out was written: the gradients of the forward's values
        x = Tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        a = Tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
        _graph(a, x, Tensor([[3.0, 4.0], [5.0, 6.0]]))[0].backward()
        np.testing.assert_array_equal(got[0], x.grad.data)
        np.testing.assert_array_equal(got[1], a.grad.data)


def test_writes_into_a_returned_output_behave_as_in_eager():
    W, b = params()
    f = lambda x: ag.linear(x, W, b).tanh()  # noqa: E731
    step = ag.compile(f)
    x = Tensor(np.ones((2, 4)))
    step(x)
    out, expected = step(x), f(x)
    for t in (out, expected):
        t[0, 0] = 3.0  # recorded: backward goes through the assignment
    np.testing.assert_array_equal(grads_after(out.sum(), W)[0], grads_after(expected.sum(), W)[0])
    outcomes = []
    for out in (step(x), f(x)):
        out.data[0, 0] = 3.0  # behind the graph's back: as the memory guard rules in eager mode
        try:
            out.sum().backward()
            outcomes.append("no error")
        except RuntimeError as error:
            outcomes.append(str(error).split(" of op")[0])
    assert outcomes[0] == outcomes[1]


def test_create_graph_through_a_replay_gives_gradients_of_gradients():
    W, b = params()

    def f(x):
        return (ag.linear(x, W, b).tanh() ** 3).sum()

    step = ag.compile(f)
    x = Tensor(np.linspace(-1, 1, 8).reshape(2, 4), requires_grad=True)
    step(x)
    results = []
    for g in (step, f):
        for t in (x, W, b):
            t.grad = None
        g(x).backward(create_graph=True)
        first = [t.grad.data.copy() for t in (x, W, b)]
        hv = (x.grad * x.grad).sum() + (W.grad * 2).sum()
        for t in (x, W, b):
            t.grad = None
        hv.backward()
        results.append((first, [t.grad.data.copy() for t in (x, W, b)]))
    (first_c, second_c), (first_e, second_e) = results
    for got, want in zip(first_c + second_c, first_e + second_e):
        np.testing.assert_array_equal(got, want)


# ----------------------------------------------------------------------------- profile


def test_profile_attributes_replayed_time_to_each_op():
    W, b = params()
    step = ag.compile(dense_loss(W, b))
    x = Tensor(np.ones((2, 4)))
    step(x).backward()
    with ag.profile() as prof:
        step(x).backward()
    for name in ("linear", "tanh", "sum"):
        stats = prof.stats[name]
        assert stats.forward_calls == 1 and stats.backward_calls >= 1, name
        assert stats.forward_seconds > 0 and stats.backward_seconds > 0, name


# ----------------------------------------------------------------------------- nn.fit


def test_fit_with_compile_gives_the_same_history_and_weights():
    X, Y = nn.datasets.planar_flower()

    def train(compile):
        model = nn.Sequential(
            nn.Dense(2, 5, seed=2), nn.Tanh(), nn.Dropout(0.1, seed=7), nn.Dense(5, 1, seed=3)
        )
        opt = nn.Adam(model.parameters(), lr=0.05)
        history = nn.fit(
            model, nn.BCEWithLogitsLoss(), opt, X, Y, epochs=4, batch_size=48, seed=0,
            dev=(X[:50], Y[:50]), verbose=False, compile=compile,
        )  # fmt: skip
        return history, model.state_dict()

    (h1, s1), (h2, s2) = train(False), train(True)
    assert h1.train_loss == h2.train_loss and h1.dev_loss == h2.dev_loss
    assert all(np.array_equal(s1[k], s2[k]) for k in s1)


def test_fit_with_compile_refuses_a_bad_compile_flag():
    model = nn.Sequential(nn.Dense(2, 1))
    with pytest.raises(TypeError, match="compile"):
        nn.fit(model, nn.MSELoss(), nn.SGD(model.parameters(), lr=0.1), np.ones((2, 2)),
               np.ones((2, 1)), epochs=1, batch_size=2, compile="yes")  # fmt: skip
