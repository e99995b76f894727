"""Errors are raised where the user called the op, with the op's name and the shapes involved."""

import re

import numpy as np
import pytest

import autograd_lite as ag


def shape_pattern(shape):
    """A regex for a shape as Python prints it, e.g. (2, 3) or (4,)."""
    return re.escape(str(tuple(shape)))


def assert_message_names(excinfo, *patterns):
    message = str(excinfo.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not found in error message {message!r}"


# ----------------------------------------------------------------------------- shape errors


def test_matmul_shape_mismatch_raises_value_error_naming_matmul_and_both_shapes():
    a, b = ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError) as excinfo:
        a @ b
    assert_message_names(excinfo, r"(?i)matmul|@", shape_pattern((2, 3)), shape_pattern((4, 5)))


def test_matmul_of_1d_vectors_of_different_lengths_names_both_shapes():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(np.ones(3)) @ ag.Tensor(np.ones(4))
    assert_message_names(excinfo, r"(?i)matmul|@", shape_pattern((3,)), shape_pattern((4,)))


def test_matmul_batch_dimension_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(np.ones((2, 3, 4))) @ ag.Tensor(np.ones((5, 4, 2)))
    assert_message_names(
        excinfo, r"(?i)matmul|@", shape_pattern((2, 3, 4)), shape_pattern((5, 4, 2))
    )


def test_matmul_of_a_0d_tensor_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(2.0) @ ag.Tensor(np.ones(3))
    assert_message_names(excinfo, r"(?i)matmul|@")


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, r"(?i)add|\+"),
        (lambda a, b: a - b, r"(?i)sub|-|add"),
        (lambda a, b: a * b, r"(?i)mul|\*"),
        (lambda a, b: a / b, r"(?i)div|/|true_divide|mul"),
        (lambda a, b: a.maximum(b), r"(?i)maximum"),
    ],
    ids=["add", "sub", "mul", "div", "maximum"],
)
def test_broadcast_mismatch_raises_value_error_naming_the_op_and_both_shapes(op, name):
    a, b = ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((4,)))
    with pytest.raises(ValueError) as excinfo:
        op(a, b)
    assert_message_names(excinfo, name, shape_pattern((2, 3)), shape_pattern((4,)))


def test_broadcast_mismatch_with_a_plain_ndarray_names_both_shapes():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(np.ones((2, 3))) * np.ones((3, 2))
    assert_message_names(excinfo, shape_pattern((2, 3)), shape_pattern((3, 2)))


def test_linear_with_mismatched_weight_names_the_shapes():
    x, w = ag.Tensor(np.ones((5, 3))), ag.Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError) as excinfo:
        ag.linear(x, w, ag.Tensor(np.zeros(2)))
    assert_message_names(excinfo, shape_pattern((5, 3)))


def test_concatenate_with_mismatched_shapes_raises_value_error_naming_concatenate():
    with pytest.raises(ValueError) as excinfo:
        ag.concatenate([ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((2, 4)))], axis=0)
    assert_message_names(excinfo, r"(?i)concatenate")


def test_stack_with_mismatched_shapes_raises_value_error_naming_stack():
    with pytest.raises(ValueError) as excinfo:
        ag.stack([ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((3, 2)))])
    assert_message_names(excinfo, r"(?i)stack")


def test_reshape_to_an_incompatible_size_names_reshape_and_the_shapes():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(np.ones((2, 3))).reshape(4, 2)
    assert_message_names(excinfo, r"(?i)reshape", shape_pattern((2, 3)))


@pytest.mark.parametrize(
    "name", ["sum", "mean", "max", "min", "var", "logsumexp", "softmax", "log_softmax"]
)
def test_bad_axis_raises_an_error_naming_the_op(name):
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises((ValueError, IndexError)) as excinfo:
        getattr(x, name)(axis=2)
    assert_message_names(excinfo, rf"(?i){name}")


def test_bad_negative_axis_in_a_tuple_raises_an_error_naming_the_op():
    with pytest.raises((ValueError, IndexError)) as excinfo:
        ag.Tensor(np.ones((2, 3))).sum(axis=(0, -3))
    assert_message_names(excinfo, r"(?i)sum")


def test_transpose_with_a_wrong_number_of_axes_names_transpose():
    with pytest.raises(ValueError) as excinfo:
        ag.Tensor(np.ones((2, 3))).transpose(1, 0, 2)
    assert_message_names(excinfo, r"(?i)transpose")


# --------------------------------------------------------------------------- backward errors


def test_backward_on_a_non_scalar_without_gradient_raises_naming_the_shape():
    y = ag.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises((RuntimeError, ValueError)) as excinfo:
        y.backward()
    assert_message_names(excinfo, r"(?i)scalar|gradient", shape_pattern((2, 3)))


def test_backward_with_gradient_of_the_wrong_shape_names_both_shapes():
    y = ag.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises((ValueError, RuntimeError)) as excinfo:
        y.backward(gradient=np.ones((3, 2)))
    assert_message_names(excinfo, r"(?i)gradient", shape_pattern((2, 3)), shape_pattern((3, 2)))


def test_backward_with_a_broadcastable_but_wrong_shape_gradient_is_refused():
    # (3,) would silently broadcast against (2, 3); it must be rejected instead
    y = ag.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises((ValueError, RuntimeError)) as excinfo:
        y.backward(gradient=np.ones(3))
    assert_message_names(excinfo, shape_pattern((2, 3)), shape_pattern((3,)))


def test_backward_through_a_freed_graph_raises_runtime_error_mentioning_retain_graph():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as excinfo:
        y.backward()
    assert_message_names(excinfo, r"(?i)retain_graph|freed")


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises((RuntimeError, ValueError)) as excinfo:
        ag.Tensor(3.0).backward()
    assert_message_names(excinfo, r"(?i)requires_grad|require grad|does not require")


def test_backward_on_an_integer_tensor_raises_naming_the_dtype():
    with pytest.raises((TypeError, RuntimeError, ValueError)) as excinfo:
        ag.Tensor(np.array(3)).backward()
    assert_message_names(excinfo, r"(?i)int")


# --------------------------------------------------------------------------- bad input data


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (["a", "b"], r"(?i)str|<U|unicode"),
        (np.array(["x", "y"]), r"(?i)str|<U|unicode"),
        ("hello", r"(?i)str|<U|unicode|'hello'"),
        (np.array([1.0, "a"], dtype=object), r"(?i)object"),
        (np.array([{}, []], dtype=object), r"(?i)object"),
        (np.array([1 + 2j, 3j]), r"(?i)complex"),
        (1 + 2j, r"(?i)complex"),
        (None, r"None"),
    ],
    ids=[
        "list of str",
        "str array",
        "str",
        "object array",
        "object array of dicts",
        "complex",
        "python complex",
        "None",
    ],
)
def test_tensor_of_unsupported_data_raises_type_error_naming_the_type(data, pattern):
    with pytest.raises(TypeError) as excinfo:
        ag.Tensor(data)
    assert_message_names(excinfo, pattern)


def test_arithmetic_with_a_string_raises_type_error():
    with pytest.raises(TypeError):
        ag.Tensor([1.0, 2.0]) + "a"


def test_bool_of_a_multi_element_tensor_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        bool(ag.Tensor([1.0, 2.0]))
    assert_message_names(excinfo, r"(?i)ambiguous|element")


def test_bool_of_a_one_element_tensor_is_its_truth_value():
    assert bool(ag.Tensor([2.0])) is True
    assert bool(ag.Tensor(0.0)) is False


def test_item_of_a_multi_element_tensor_raises_value_error():
    with pytest.raises(ValueError):
        ag.Tensor([1.0, 2.0]).item()
