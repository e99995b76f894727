"""Bad input gets a clear TypeError or ValueError that names the op and what was wrong —
never a NumPy traceback from deep inside, never a silent wrong answer.

Each row of the tables is: what the user did, the exception type, and the phrases the message
must contain (the op's name first, then the detail: both shapes, the dtype, the bad axis...).
The nn part also checks that a refused load leaves the model exactly as it was.
"""

from __future__ import annotations

import os
import pickle
import re

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import Tensor


def x23() -> Tensor:
    return Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


def assert_raises_naming(fn, error: type, *phrases: str) -> None:
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} missing from {type(info.value).__name__}: {message}"
    assert type(info.value).__module__ != "numpy", "a raw NumPy error leaked out"


# ---------------------------------------------------------------------------------------------
# Data the engine cannot hold: strings, objects, complex numbers, None

UNSUPPORTED_DATA = {
    "a string": ("abc", ["Tensor", "'abc'"]),
    "bytes": (b"abc", ["Tensor"]),
    "None": (None, ["Tensor", "None"]),
    "a list with None": ([1.0, None], ["Tensor", "object"]),
    "a list of strings": (["a", "b"], ["Tensor", "<U1"]),
    "an object array": (np.array([1, "a"], dtype=object), ["Tensor", "object"]),
    "a complex number": (1 + 2j, ["Tensor", "complex"]),
    "a complex array": (np.ones(2, dtype=complex), ["Tensor", "complex128"]),
    "a ragged list": ([[1.0, 2.0], [3.0]], ["Tensor", "list"]),
    "a dict": ({"a": 1}, ["Tensor", "object"]),
    "datetimes": (np.array(["2020-01-01"], dtype="datetime64[D]"), ["Tensor", "datetime64"]),
}


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED_DATA))
def test_a_tensor_refuses_data_that_is_not_real_numbers(kind):
    data, phrases = UNSUPPORTED_DATA[kind]
    assert_raises_naming(lambda: Tensor(data), TypeError, *phrases)


OPERAND_CASES = {
    "x + 'a'": (lambda x: x + "a", ["add", "'a'"]),
    "'a' - x": (lambda x: "a" - x, ["sub", "'a'"]),
    "x * None": (lambda x: x * None, ["mul", "None"]),
    "None / x": (lambda x: None / x, ["div", "None"]),
    "x * 1j": (lambda x: x * 1j, ["mul", "complex"]),
    "x + complex array": (lambda x: x + np.ones(3, dtype=complex), ["add", "complex128"]),
    "x + object array": (lambda x: x + np.array([1, 2, 3], dtype=object), ["add", "object"]),
    "x ** 'a'": (lambda x: x ** "a", ["pow", "'a'"]),
    "x @ 'a'": (lambda x: x @ "a", ["matmul", "'a'"]),
    "maximum(x, None)": (lambda x: ag.maximum(x, None), ["maximum", "None"]),
    "where('a', x, 0)": (lambda x: ag.where("a", x, 0.0), ["where", "'a'"]),
    "where(c, x, None)": (lambda x: ag.where(x.data > 0, x, None), ["where", "None"]),
    "concatenate([x, None])": (lambda x: ag.concatenate([x, None]), ["concatenate", "None"]),
    "stack([x, 'a'])": (lambda x: ag.stack([x, "a"]), ["stack", "'a'"]),
    "concatenate(None)": (lambda x: ag.concatenate(None), ["concatenate", "sequence"]),
    "stack(x)": (lambda x: ag.stack(x), ["stack", "sequence"]),
    "x < 'a'": (lambda x: x < "a", ["<", "str"]),
    "x >= None": (lambda x: x >= None, [">=", "None"]),
    "clip(x, 'a', 1)": (lambda x: x.clip("a", 1), ["clip", "lo", "'a'"]),
    "clip(x, 0, tensor)": (lambda x: x.clip(0, Tensor(1.0)), ["clip", "hi"]),
    "leaky_relu(x, 'a')": (lambda x: x.leaky_relu("a"), ["leaky_relu", "negative_slope"]),
    "var(x, ddof='a')": (lambda x: x.var(ddof="a"), ["var", "ddof", "'a'"]),
    "astype('bogus')": (lambda x: x.astype("bogus"), ["astype", "'bogus'"]),
    "astype(complex)": (lambda x: x.astype(complex), ["astype", "complex"]),
    "astype(str)": (lambda x: x.astype(str), ["astype", "<U"]),
    "broadcast_to(x, 'ab')": (lambda x: ag.broadcast_to(x, "ab"), ["broadcast_to", "'ab'"]),
    "broadcast_to(x, None)": (lambda x: ag.broadcast_to(x, None), ["broadcast_to", "None"]),
    "-bool tensor": (lambda x: -Tensor(np.array([True, False])), ["neg:", "bool"]),
    "bool - bool": (lambda x: Tensor([True]) - Tensor([False]), ["sub", "bool"]),
    "softmax_cross_entropy(x, 'ab')": (
        lambda x: ag.softmax_cross_entropy(x, "ab"),
        ["softmax_cross_entropy", "'ab'"],
    ),
    "bce(x, None)": (lambda x: ag.binary_cross_entropy(x * 0, None), ["binary_cross_entropy"]),
    "grad(3)": (lambda x: ag.grad(3), ["grad", "callable", "int"]),
    "grad(f)('abc')": (lambda x: ag.grad(lambda a: a.sum())("abc"), ["Tensor", "'abc'"]),
    "grad(f, argnums='a')": (lambda x: ag.grad(lambda a: a.sum(), argnums="a"), ["argnums"]),
    "backward(gradient='a')": (lambda x: (x * 2).backward(gradient="a"), ["backward", "'a'"]),
    "backward(gradient=1j)": (lambda x: (x * 2).sum().backward(gradient=1j), ["backward"]),
}


@pytest.mark.parametrize("case", sorted(OPERAND_CASES))
def test_operands_of_the_wrong_kind_raise_type_error_naming_the_op(case):
    fn, phrases = OPERAND_CASES[case]
    assert_raises_naming(lambda: fn(x23()), TypeError, *phrases)


# ---------------------------------------------------------------------------------------------
# Shapes that do not fit: both shapes named

SHAPE_CASES = {
    "add": (lambda: x23() + np.ones(4), ["add", "(2, 3)", "(4,)"]),
    "mul (reflected)": (lambda: np.ones((3, 2)) * x23(), ["mul", "(3, 2)", "(2, 3)"]),
    "sub of tensors": (lambda: x23() - Tensor(np.ones(2)), ["sub", "(2, 3)", "(2,)"]),
    "div by a list": (lambda: x23() / [1.0, 2.0], ["div", "(2, 3)", "(2,)"]),
    "pow": (lambda: x23() ** np.ones((3, 3)), ["pow", "(2, 3)", "(3, 3)"]),
    "maximum": (lambda: ag.maximum(x23(), np.ones(2)), ["maximum", "(2, 3)", "(2,)"]),
    "matmul": (lambda: x23() @ x23(), ["matmul", "(2, 3)", "(2, 3)"]),
    "matmul batch": (
        lambda: Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 4))),
        ["matmul", "(2, 2, 3)", "(3, 3, 4)"],
    ),
    "matmul 0-d": (lambda: x23() @ 2.0, ["matmul", "(2, 3)", "()"]),
    "where": (
        lambda: ag.where(np.ones(4, dtype=bool), x23(), 0.0),
        ["where", "(4,)", "(2, 3)"],
    ),
    "comparison": (lambda: x23() < np.ones(4), ["<", "(2, 3)", "(4,)"]),
    "concatenate": (
        lambda: ag.concatenate([x23(), Tensor(np.ones((2, 4)))]),
        ["concatenate", "(2, 3)", "(2, 4)"],
    ),
    "stack": (lambda: ag.stack([x23(), Tensor(np.ones((3, 2)))]), ["stack", "(2, 3)", "(3, 2)"]),
    "reshape": (lambda: x23().reshape(4, 2), ["reshape", "(2, 3)", "(4, 2)"]),
    "broadcast_to": (lambda: ag.broadcast_to(x23(), (3, 3)), ["broadcast_to", "(2, 3)", "(3, 3)"]),
    "linear": (lambda: ag.linear(x23(), np.ones((4, 2))), ["linear", "(2, 3)", "(4, 2)"]),
    "linear bias": (
        lambda: ag.linear(x23(), np.ones((4, 3)), np.ones(3)),
        ["linear", "(3,)", "(4, 3)"],
    ),
    "softmax_cross_entropy": (
        lambda: ag.softmax_cross_entropy(x23(), np.ones((2, 4))),
        ["softmax_cross_entropy", "(2, 4)", "(2, 3)"],
    ),
    "bce with logits": (
        lambda: ag.binary_cross_entropy_with_logits(x23(), np.ones((3, 2))),
        ["binary_cross_entropy_with_logits", "(2, 3)", "(3, 2)"],
    ),
    "backward gradient": (
        lambda: (x23() * 2).backward(gradient=np.ones((3, 2))),
        ["backward", "(3, 2)", "(2, 3)"],
    ),
    "backward broadcastable gradient": (
        lambda: (x23() * 2).backward(gradient=np.ones(3)),
        ["backward", "(3,)", "(2, 3)"],
    ),
    "implicit gradient": (lambda: (x23() * 2).backward(), ["backward", "(2, 3)"]),
    "Dense": (lambda: nn.Dense(3, 2)(np.ones((4, 5))), ["Dense", "(4, 5)", "(2, 3)"]),
    "MSELoss": (
        lambda: nn.MSELoss()(Tensor(np.ones((2, 1))), np.ones(2)),
        ["MSELoss", "(2, 1)", "(2,)"],
    ),
    "CrossEntropyLoss": (
        lambda: nn.CrossEntropyLoss()(Tensor(np.ones((2, 3))), np.ones(3, dtype=int)),
        ["CrossEntropyLoss", "(2, 3)", "(3,)"],
    ),
}


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_mismatched_shapes_raise_value_error_naming_the_op_and_both_shapes(case):
    fn, phrases = SHAPE_CASES[case]
    assert_raises_naming(fn, ValueError, *phrases)


# ---------------------------------------------------------------------------------------------
# Bad axes

AXIS_OPS = ["sum", "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax"]


@pytest.mark.parametrize("name", AXIS_OPS)
@pytest.mark.parametrize("axis", [2, -3])
def test_an_out_of_range_axis_raises_value_error_naming_the_op_axis_and_shape(name, axis):
    assert_raises_naming(
        lambda: getattr(x23(), name)(axis=axis), ValueError, name, str(axis), "(2, 3)"
    )


@pytest.mark.parametrize("name", AXIS_OPS)
@pytest.mark.parametrize("axis", ["a", 1.0, True])
def test_an_axis_that_is_not_an_integer_raises_type_error_naming_the_op(name, axis):
    assert_raises_naming(lambda: getattr(x23(), name)(axis=axis), TypeError, name, repr(axis))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "max", "min", "logsumexp"])
def test_a_repeated_axis_raises_value_error_naming_the_op(name):
    assert_raises_naming(lambda: getattr(x23(), name)(axis=(0, -2)), ValueError, name, "repeated")


@pytest.mark.parametrize(
    ("call", "phrases"),
    [
        (lambda x: x.transpose(0, 2), ["transpose", "2"]),
        (lambda x: x.transpose(0), ["transpose", "permutation"]),
        (lambda x: x.transpose(0, 0), ["transpose", "repeated"]),
        (lambda x: x.swapaxes(0, 3), ["swapaxes", "3"]),
        (lambda x: ag.concatenate([x, x], axis=2), ["concatenate", "2"]),
        (lambda x: ag.stack([x, x], axis=4), ["stack", "4"]),
        (lambda x: x.softmax(axis=(0, 1)), ["softmax", "single"]),
    ],
)
def test_bad_axes_of_shape_ops_name_the_op(call, phrases):
    with pytest.raises((ValueError, TypeError)) as info:
        call(x23())
    for phrase in phrases:
        assert phrase in str(info.value)


def test_indexing_out_of_range_names_getitem_and_the_shape():
    assert_raises_naming(lambda: x23()[5], IndexError, "getitem", "(2, 3)")
    assert_raises_naming(lambda: x23()["a"], IndexError, "getitem", "(2, 3)")


# ---------------------------------------------------------------------------------------------
# Misuse of tensors and of backward


@pytest.mark.parametrize("shape", [(2,), (2, 3), (0,)])
def test_a_tensor_with_other_than_one_element_refuses_to_be_a_python_bool(shape):
    t = Tensor(np.ones(shape))
    assert_raises_naming(lambda: bool(t), ValueError, "ambiguous", str(shape))
    with pytest.raises(ValueError, match="ambiguous"):
        if t > 0:
            pass
    with pytest.raises(ValueError, match="ambiguous"):
        _ = t and t


def test_a_one_element_tensor_is_a_python_bool_like_numpy():
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_backward_on_an_integer_or_bool_tensor_raises_type_error_naming_the_dtype(dtype):
    t = Tensor(np.ones(3, dtype=dtype))
    name = np.dtype(dtype).name
    assert_raises_naming(lambda: t.backward(gradient=np.ones(3)), TypeError, "backward", name)
    assert_raises_naming(lambda: t[0].backward(), TypeError, "backward", name)


def test_backward_on_a_tensor_without_a_graph_says_how_to_get_one():
    assert_raises_naming(
        lambda: Tensor([1.0]).sum().backward(), RuntimeError, "backward", "requires_grad"
    )


def test_item_and_float_of_a_multi_element_tensor_name_the_shape():
    assert_raises_naming(lambda: x23().item(), ValueError, "item", "(2, 3)")
    assert_raises_naming(lambda: float(x23()), ValueError, "(2, 3)")


def test_len_and_iteration_of_a_0d_tensor_raise_type_error_like_numpy():
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(Tensor(1.0))


def test_in_place_assignment_into_a_tensor_that_requires_grad_is_refused():
    assert_raises_naming(lambda: x23().__setitem__(0, 1.0), RuntimeError, "setitem")


# ---------------------------------------------------------------------------------------------
# nn: optimisers, modules, losses


@pytest.mark.parametrize("optimizer", [nn.SGD, nn.RMSprop, nn.Adam])
def test_an_optimiser_refuses_an_empty_parameter_list(optimizer):
    assert_raises_naming(lambda: optimizer([], lr=0.1), ValueError, optimizer.__name__, "empty")
    assert_raises_naming(lambda: optimizer(iter([]), lr=0.1), ValueError, "empty")


@pytest.mark.parametrize("optimizer", [nn.SGD, nn.RMSprop, nn.Adam])
@pytest.mark.parametrize(
    ("params", "phrases"),
    [
        ([np.ones(3)], ["parameter 0", "ndarray"]),
        ([Tensor(np.ones(2), requires_grad=True), "w"], ["parameter 1", "str"]),
        (None, ["NoneType"]),
        (3.0, ["float"]),
    ],
)
def test_an_optimiser_names_the_parameter_that_is_not_a_tensor(optimizer, params, phrases):
    assert_raises_naming(lambda: optimizer(params, lr=0.1), TypeError, *phrases)


def test_an_optimiser_given_the_model_itself_asks_for_its_parameters():
    model = nn.Dense(2, 1)
    assert_raises_naming(lambda: nn.SGD(model, lr=0.1), TypeError, "parameters()")


@pytest.mark.parametrize("lr", ["a", -0.1, float("nan"), float("inf"), None])
def test_an_optimiser_refuses_a_learning_rate_that_is_not_a_finite_non_negative_number(lr):
    assert_raises_naming(lambda: nn.Adam(nn.Dense(2, 1).parameters(), lr=lr), ValueError, "lr")


@pytest.mark.parametrize(
    ("build", "phrases"),
    [
        (lambda: nn.Dense(0, 2), ["Dense", "n_in"]),
        (lambda: nn.Dense(2, 2.5), ["Dense", "n_out"]),
        (lambda: nn.Dense(2, 2, init="bogus"), ["init", "'bogus'"]),
        (lambda: nn.Dropout(1.0), ["Dropout", "p"]),
        (lambda: nn.Sequential(nn.Dense(2, 2), 3), ["Sequential", "int"]),
        (lambda: nn.l2_penalty(nn.Dense(2, 2), -1.0, 4), ["l2_penalty", "lambd"]),
    ],
)
def test_bad_layer_settings_are_refused_when_the_layer_is_built(build, phrases):
    with pytest.raises((ValueError, TypeError)) as info:
        build()
    for phrase in phrases:
        assert phrase in str(info.value)


@pytest.mark.parametrize(
    ("loss", "prediction", "target", "phrases"),
    [
        (nn.MSELoss(), np.ones((2, 1)), "ab", ["MSELoss", "numeric"]),
        (nn.BCELoss(), np.full((2, 1), 2.0), np.ones((2, 1)), ["BCELoss", "[0, 1]"]),
        (nn.BCELoss(), np.full((2, 1), 0.5), np.full((2, 1), 3.0), ["BCELoss", "[0, 1]"]),
        (nn.CrossEntropyLoss(), np.ones((2, 3)), [0, 3], ["CrossEntropyLoss", "[0, 2]"]),
        (nn.CrossEntropyLoss(), np.ones((2, 3)), [0.5, 1], ["CrossEntropyLoss", "whole"]),
        (nn.CrossEntropyLoss(), np.ones(3), [0], ["CrossEntropyLoss", "(m, k)"]),
    ],
)
def test_losses_name_themselves_and_the_problem_with_their_inputs(
    loss, prediction, target, phrases
):
    with pytest.raises((ValueError, TypeError)) as info:
        loss(Tensor(prediction), target)
    for phrase in phrases:
        assert phrase in str(info.value)
    assert str(info.value).count(phrases[0]) == 1  # named once, not once per layer it crossed


# ---------------------------------------------------------------------------------------------
# load_state_dict and nn.load: refused loads leave the model exactly as it was


def make_model() -> nn.Module:
    model = nn.Sequential(nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 2))
    for i, param in enumerate(model.parameters()):
        param.data[...] = np.random.default_rng(i).standard_normal(param.shape)
    return model


def snapshot(model: nn.Module) -> dict:
    return {name: (param, param.data.copy()) for name, param in model.named_parameters()}


def assert_unchanged(model: nn.Module, before: dict) -> None:
    after = dict(model.named_parameters())
    assert list(after) == list(before)
    for name, (param, values) in before.items():
        assert after[name] is param, f"{name} was replaced by another tensor"
        np.testing.assert_array_equal(param.data, values, err_msg=f"{name} changed")
        assert param.data.dtype == values.dtype


def _state_with(change: str) -> dict:
    state = make_model().state_dict()
    state = {k: v + 1.0 for k, v in state.items()}  # a valid state with different values
    if change == "missing":
        del state["2.b"]
    elif change == "extra":
        state["3.W"] = np.ones((2, 2))
    elif change == "mis-shaped":
        state["2.W"] = np.ones((4, 2))  # the transpose
    elif change == "broadcastable":
        state["0.b"] = np.ones(1)
    elif change == "complex":
        state["0.W"] = state["0.W"].astype(complex)
    elif change == "strings":
        state["0.b"] = np.array(["a", "b", "c", "d"])
    return state


STATE_PROBLEMS = {
    "missing": ["missing", "2.b"],
    "extra": ["unexpected", "3.W"],
    "mis-shaped": ["2.W", "(4, 2)", "(2, 4)"],
    "broadcastable": ["0.b", "(1,)", "(4,)"],
    "complex": ["0.W", "complex128"],
    "strings": ["0.b"],
}


@pytest.mark.parametrize("change", sorted(STATE_PROBLEMS))
def test_load_state_dict_refuses_a_bad_state_naming_the_key_and_changes_nothing(change):
    model = make_model()
    before = snapshot(model)
    state = _state_with(change)
    assert_raises_naming(lambda: model.load_state_dict(state), ValueError, *STATE_PROBLEMS[change])
    assert_unchanged(model, before)


def test_load_state_dict_of_a_good_state_changes_values_in_place_not_tensors():
    model = make_model()
    before = snapshot(model)
    state = _state_with("nothing")
    model.load_state_dict(state)
    for name, (param, _) in before.items():
        assert dict(model.named_parameters())[name] is param
        np.testing.assert_array_equal(param.data, state[name])


@pytest.mark.parametrize("change", sorted(STATE_PROBLEMS))
def test_nn_load_of_a_file_with_a_bad_state_raises_value_error_and_changes_nothing(
    tmp_path, change
):
    path = tmp_path / "model.npz"
    np.savez(path, **_state_with(change))
    model = make_model()
    before = snapshot(model)
    assert_raises_naming(
        lambda: nn.load(model, path), ValueError, str(path), *STATE_PROBLEMS[change]
    )
    assert_unchanged(model, before)


def _corrupt(path, kind: str) -> None:
    good = path.with_suffix(".good.npz")
    nn.save(make_model(), good)
    blob = good.read_bytes()
    if kind == "truncated":
        path.write_bytes(blob[: len(blob) // 2])
    elif kind == "truncated to 10 bytes":
        path.write_bytes(blob[:10])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("W = [[1, 2], [3, 4]]\n")
    elif kind == "a single .npy array":
        with open(path, "wb") as file:
            np.save(file, np.ones(3))
    elif kind == "a pickle":
        path.write_bytes(pickle.dumps(make_model().state_dict()))
    elif kind == "flipped bytes":
        middle = len(blob) // 2
        path.write_bytes(blob[:middle] + bytes(b ^ 0xFF for b in blob[middle : middle + 64]))
    elif kind == "an npz of object arrays":
        np.savez(path, **{"0.W": np.array([{"a": 1}], dtype=object)})
    os.remove(good)


CORRUPTIONS = [
    "truncated",
    "truncated to 10 bytes",
    "empty",
    "text",
    "a single .npy array",
    "a pickle",
    "flipped bytes",
    "an npz of object arrays",
]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_nn_load_of_a_truncated_or_non_npz_file_raises_value_error_and_changes_nothing(
    tmp_path, kind
):
    path = tmp_path / "model.npz"
    _corrupt(path, kind)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        nn.load(model, path)
    assert str(path) in str(info.value)
    assert_unchanged(model, before)


def test_nn_load_of_a_missing_file_raises_file_not_found_and_changes_nothing(tmp_path):
    model = make_model()
    before = snapshot(model)
    with pytest.raises(FileNotFoundError):
        nn.load(model, tmp_path / "absent.npz")
    assert_unchanged(model, before)


def test_nn_save_into_a_missing_directory_names_the_directory(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "model.npz"
    pattern = f"{re.escape(str(target.parent))} does not exist"
    with pytest.raises(FileNotFoundError, match=pattern):
        nn.save(make_model(), target)
    assert not (tmp_path / "no").exists()


def test_an_optimizer_state_of_the_wrong_shape_is_refused_and_changes_nothing(tmp_path):
    model = make_model()
    opt = nn.Adam(model.parameters(), lr=0.1)
    other = nn.Sequential(nn.Dense(3, 5), nn.Tanh(), nn.Dense(5, 2))
    other_opt = nn.Adam(other.parameters(), lr=0.1)
    path = tmp_path / "other.npz"
    nn.save(other, path, optimizer=other_opt)
    before = snapshot(model)
    opt_before = opt.state_dict()
    with pytest.raises(ValueError):
        nn.load(model, path, optimizer=opt)
    assert_unchanged(model, before)
    after = opt.state_dict()
    assert after.keys() == opt_before.keys()
    for key, value in opt_before.items():
        np.testing.assert_array_equal(after[key], value)


# ---------------------------------------------------------------------------------------------
# the functional API and the training loop


@pytest.mark.parametrize("argnums", [(0, 0), (1, -1), (0, 1, -2)])
def test_grad_refuses_argnums_that_name_the_same_argument_twice(argnums):
    def f(a, b):
        return (a * b).sum()

    assert_raises_naming(
        lambda: ag.grad(f, argnums=argnums)(np.ones(2), np.full(2, 3.0)),
        ValueError,
        "grad",
        "twice",
    )


def test_grad_with_distinct_argnums_in_any_order_returns_each_gradient_in_that_order():
    def f(a, b):
        return (a * b).sum()

    db, da = ag.grad(f, argnums=(-1, 0))(np.ones(2), np.full(2, 3.0))
    np.testing.assert_array_equal(da, [3.0, 3.0])
    np.testing.assert_array_equal(db, [1.0, 1.0])


def test_fit_on_an_empty_training_set_says_there_is_nothing_to_train_on():
    model = nn.Sequential(nn.Dense(2, 1))
    before = snapshot(model)
    assert_raises_naming(
        lambda: nn.fit(
            model,
            nn.MSELoss(),
            nn.SGD(model.parameters(), lr=0.1),
            np.ones((0, 2)),
            np.ones((0, 1)),
            epochs=1,
            batch_size=4,
            verbose=False,
        ),
        ValueError,
        "fit",
        "no examples",
    )
    assert_unchanged(model, before)
