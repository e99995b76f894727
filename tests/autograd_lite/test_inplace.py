"""In-place updates follow PyTorch's rules: they change the tensor's own array when nothing
records, refuse a leaf that requires grad while recording, record the update on an
intermediate result, and make ops recorded before the change refuse backward."""

from __future__ import annotations

import numpy as np
import pytest
from numerical import central_difference

import autograd_lite as ag
from autograd_lite import Tensor, no_grad

OPERATORS = {
    "+=": (lambda t, v: t.__iadd__(v), np.add),
    "-=": (lambda t, v: t.__isub__(v), np.subtract),
    "*=": (lambda t, v: t.__imul__(v), np.multiply),
    "/=": (lambda t, v: t.__itruediv__(v), np.divide),
}


@pytest.mark.parametrize("symbol", OPERATORS)
def test_under_no_grad_an_update_keeps_the_same_leaf_and_array(symbol):
    update, numpy = OPERATORS[symbol]
    w = Tensor([1.0, 2.0, 4.0], requires_grad=True, name="w")
    array, view = w.data, w.data[1:]
    with no_grad():
        result = update(w, Tensor([2.0, 2.0, 2.0]))
    assert result is w and w.is_leaf and w.requires_grad and w.data is array
    np.testing.assert_allclose(w.data, numpy([1.0, 2.0, 4.0], 2.0))
    np.testing.assert_allclose(view, w.data[1:])  # views of the array see the change


def test_the_course_update_loop_trains_a_leaf_in_place():
    w = Tensor([3.0], requires_grad=True)
    for _ in range(50):
        loss = ((w - 1.0) ** 2).sum()
        w.grad = None
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
    assert w.is_leaf and abs(w.item() - 1.0) < 1e-4


@pytest.mark.parametrize("symbol", OPERATORS)
def test_changing_a_leaf_that_requires_grad_while_recording_raises_pytorchs_error(symbol):
    update, _ = OPERATORS[symbol]
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad \('w'\) .* in place"):
        update(w, 1.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_a_constant_is_updated_in_place_when_nothing_requires_grad():
    c = Tensor([1.0, 2.0])
    array = c.data
    c += 1
    c *= np.array([2.0, 3.0])
    assert c.data is array and c.is_leaf and not c.requires_grad
    np.testing.assert_array_equal(c.data, [4.0, 9.0])


@pytest.mark.parametrize("symbol", OPERATORS)
def test_updating_an_intermediate_is_recorded_and_differentiates_correctly(symbol):
    update, numpy = OPERATORS[symbol]
    x0, v0 = np.array([0.5, -1.2, 2.0]), np.array([1.5, 0.7, -0.4])

    def numpy_loss(x, v):
        h = np.tanh(x) * 2.0
        return float(np.sum(numpy(h, v) ** 2))

    x, v = Tensor(x0, requires_grad=True), Tensor(v0, requires_grad=True)
    h = x.tanh() * 2.0
    array = h.data
    assert update(h, v) is h and h.data is array
    (h**2).sum().backward()
    np.testing.assert_allclose(x.grad.data, central_difference(numpy_loss, [x0, v0], 0), rtol=1e-6)
    np.testing.assert_allclose(v.grad.data, central_difference(numpy_loss, [x0, v0], 1), rtol=1e-6)


def test_a_constant_updated_with_a_value_that_requires_grad_joins_the_graph():
    c = Tensor([1.0, 1.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    c *= w
    assert c.requires_grad and not c.is_leaf
    c.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_an_op_recorded_before_an_update_refuses_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()  # used h's old values
    h += 1.0
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_an_update_that_would_change_the_shape_or_dtype_is_refused_and_changes_nothing():
    c = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\+=: the result has shape \(2, 2\)"):
        c += np.ones((2, 2))
    i = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="cannot be stored in place into a tensor of dtype int64"):
        i += 0.5
    np.testing.assert_array_equal(c.data, [1.0, 2.0])
    np.testing.assert_array_equal(i.data, [1, 2])


def test_pytorchs_underscore_methods_update_in_place_and_return_self():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    g = w.grad
    assert g.zero_() is g and g.data.tolist() == [0.0, 0.0]
    with no_grad():
        assert w.add_(1.0) is w and w.mul_(2.0) is w and w.sub_(1.0) is w and w.div_(2.0) is w
        assert w.clamp_(0.0, 2.0) is w and w.fill_(0.25) is w
    assert w.data.tolist() == [0.25, 0.25] and w.is_leaf


def test_detach_in_place_makes_a_leaf():
    x = Tensor([1.0], requires_grad=True)
    h = x * 2.0
    assert h.detach_() is h and h.is_leaf and not h.requires_grad


def test_data_minus_equals_grad_updates_the_parameter():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    array = w.data
    w.data -= 0.5 * w.grad
    assert w.data is array and w.is_leaf
    np.testing.assert_allclose(w.data, [0.0, 0.0])


# ----------------------------------------------------------------------------- x[i] = v


def test_assigning_a_value_that_requires_grad_into_a_constant_records_it():
    c = ag.zeros(4)
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    c[np.array([0, 0, 2])] = w * 10.0  # repeated index: the last write wins, as in NumPy
    np.testing.assert_array_equal(c.data, [20.0, 0.0, 30.0, 0.0])
    c.backward(gradient=np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_array_equal(w.grad.data, [0.0, 10.0, 1000.0])


def test_setitem_gradients_match_central_differences_for_both_sides():
    x0, v0 = np.array([0.3, -0.8, 1.1, 0.5]), np.array([0.9, -0.2])

    def numpy_loss(x, v):
        h = np.exp(x)
        h[1:3] = v * v
        return float(np.sum(np.tanh(h)))

    x, v = Tensor(x0, requires_grad=True), Tensor(v0, requires_grad=True)
    h = x.exp()
    h[1:3] = v * v
    loss = h.tanh().sum()
    loss.backward()
    np.testing.assert_allclose(x.grad.data, central_difference(numpy_loss, [x0, v0], 0), rtol=1e-6)
    np.testing.assert_allclose(v.grad.data, central_difference(numpy_loss, [x0, v0], 1), rtol=1e-6)


def test_setitem_second_derivatives_through_create_graph():
    v = Tensor([2.0], requires_grad=True)
    c = ag.zeros(2)
    c[0] = (v**3).sum()
    c.sum().backward(create_graph=True)
    (g,) = (v.grad,)
    v.grad = None
    g.sum().backward()
    np.testing.assert_allclose(v.grad.data, [6.0 * 2.0])  # d²(v³)/dv²


def test_setitem_into_a_leaf_that_requires_grad_while_recording_is_refused():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        w[0] = 5.0
    with no_grad():
        w[0] = 5.0
    assert w.data.tolist() == [5.0, 2.0]


def test_setitem_errors_name_the_op_and_the_shape():
    c = ag.zeros(3)
    with pytest.raises(IndexError, match=r"setitem: .*\(tensor of shape \(3,\)\)"):
        c[5] = 1.0


# ----------------------------------------------------------------------------- creation


def test_creation_functions_take_pytorch_and_numpy_shapes_dtype_and_requires_grad():
    assert ag.zeros(2, 3).shape == ag.zeros((2, 3)).shape == (2, 3)
    assert ag.ones(3, dtype=np.float32).dtype == np.float32
    assert ag.full((2,), 0.5).data.tolist() == [0.5, 0.5]
    x = ag.randn(4, 2, requires_grad=True, generator=0)
    assert x.requires_grad and x.is_leaf and x.shape == (4, 2)
    np.testing.assert_array_equal(x.data, np.random.default_rng(0).standard_normal((4, 2)))
    assert ag.rand(3, generator=np.random.default_rng(1)).data.min() >= 0
    assert ag.eye(2).data.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert ag.arange(3).data.tolist() == [0, 1, 2]
    assert ag.arange(0, 1, 0.5, requires_grad=True).dtype == np.float64
    assert ag.linspace(0, 1, 3).data.tolist() == [0.0, 0.5, 1.0]
    w = Tensor([1.0, 2.0], requires_grad=True)
    z = ag.zeros_like(w)
    assert not z.requires_grad and z.shape == (2,)
    assert ag.ones_like(w).data.tolist() == [1.0, 1.0] and ag.full_like(w, 3).data.tolist() == [
        3.0,
        3.0,
    ]


def test_manual_seed_makes_randn_repeatable():
    ag.manual_seed(7)
    first = ag.randn(3).data
    ag.manual_seed(7)
    np.testing.assert_array_equal(ag.randn(3).data, first)


def test_tensor_copies_its_data_unlike_the_constructor():
    source = np.array([1.0, 2.0])
    copied, shared = ag.tensor(source), Tensor(source)
    source[0] = 99.0
    assert copied.data[0] == 1.0 and shared.data[0] == 99.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ag.zeros(-1), "zeros: size must lie in"),
        (lambda: ag.ones(2.5), "ones: size must be an integer"),
        (lambda: ag.zeros(2, dtype="text"), "zeros"),
        (lambda: ag.arange(0, 1, 0), "arange: step must not be 0"),
        (lambda: ag.arange(5, requires_grad=True, dtype=np.int64), "only floating-point"),
        (lambda: ag.full(2, float("nan")), "full: fill_value must be a finite"),
        (lambda: ag.randn(2, requires_grad="yes"), "requires_grad must be True or False"),
    ],
)
def test_creation_refuses_bad_arguments_naming_them(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
