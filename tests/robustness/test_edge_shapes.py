"""Edge shapes: 0-d tensors, size-1 axes, zero-size axes, very long axes, non-contiguous
inputs, and broadcasting between every pair of ranks up to 4-D.

Expected values come from NumPy; expected gradients from `differences.py` (central differences,
or tracking which input element each broadcast output came from).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from differences import central_difference, unbroadcast_by_index

import autograd_lite as ag
import nn
from autograd_lite import Tensor


def leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def grad_of(x: Tensor) -> np.ndarray:
    assert x.grad is not None, "no gradient reached the leaf"
    assert x.grad.shape == x.shape, f"gradient shape {x.grad.shape} != leaf shape {x.shape}"
    return x.grad.data


# ---------------------------------------------------------------------------------------------
# 0-d tensors

UNARY_0D = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
}


@pytest.mark.parametrize("name", sorted(UNARY_0D))
def test_unary_ops_on_a_0d_tensor_give_0d_values_and_0d_gradients(name):
    x = leaf(0.7)
    y = getattr(x, name)()
    y.backward()
    assert y.shape == () and isinstance(y.data, np.ndarray)
    np.testing.assert_allclose(y.data, UNARY_0D[name](0.7), rtol=1e-12)
    expected = central_difference(lambda v: UNARY_0D[name](v), np.array(0.7))
    assert isinstance(x.grad.data, np.ndarray) and x.grad.shape == ()
    np.testing.assert_allclose(grad_of(x), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var"])
@pytest.mark.parametrize("axis", [None, ()])
def test_reductions_of_a_0d_tensor_are_0d_like_numpy(name, axis):
    x = leaf(1.5)
    y = getattr(x, name)(axis=axis)
    reference = {
        "sum": np.sum,
        "mean": np.mean,
        "max": np.max,
        "min": np.min,
        "var": np.var,
        "logsumexp": lambda v, axis: np.log(np.sum(np.exp(v), axis=axis)),
    }[name](np.array(1.5), axis=axis)
    assert y.shape == np.shape(reference) == ()
    np.testing.assert_allclose(y.data, reference)
    y.backward()
    expected_grad = 0.0 if name == "var" else 1.0
    np.testing.assert_allclose(grad_of(x), expected_grad)


def test_a_0d_tensor_broadcasts_against_every_rank_and_gets_the_summed_gradient():
    for shape in [(), (3,), (2, 3), (2, 1, 3), (1, 2, 2, 3)]:
        s = leaf(2.0)
        y = leaf(np.arange(np.prod(shape), dtype=float).reshape(shape))
        (s * y).sum().backward()
        assert s.grad.shape == ()
        np.testing.assert_allclose(grad_of(s), y.data.sum())
        np.testing.assert_allclose(grad_of(y), np.full(shape, 2.0))


def test_indexing_a_0d_tensor_with_empty_tuple_none_and_ellipsis_follows_numpy():
    base = np.array(3.0)
    for index in [(), None, Ellipsis, (None, None)]:
        x = leaf(3.0)
        y = x[index]
        assert y.shape == base[index].shape
        y.sum().backward()
        assert grad_of(x) == 1.0


def test_reshaping_a_0d_tensor_to_and_from_size_one_shapes_round_trips_the_gradient():
    x = leaf(4.0)
    y = x.reshape(1, 1, 1).reshape(()).reshape(-1)
    assert y.shape == (1,)
    (y * 3.0).sum().backward()
    assert x.grad.shape == () and grad_of(x) == 3.0


def test_0d_tensors_stack_into_a_vector_and_each_gets_its_own_gradient():
    a, b = leaf(1.0), leaf(2.0)
    y = ag.stack([a, b, a])
    assert y.shape == (3,)
    (y * Tensor([10.0, 20.0, 30.0])).sum().backward()
    assert grad_of(a) == 40.0 and grad_of(b) == 20.0


def test_concatenate_refuses_0d_tensors_naming_the_op():
    with pytest.raises(ValueError, match="concatenate"):
        ag.concatenate([leaf(1.0), leaf(2.0)])


def test_softmax_of_a_0d_tensor_is_refused_naming_the_op():
    with pytest.raises(ValueError, match=r"softmax.*0-d"):
        leaf(1.0).softmax()


# ---------------------------------------------------------------------------------------------
# size-1 axes


def test_softmax_over_a_size_1_axis_is_one_and_passes_no_gradient():
    x = leaf([[0.3], [-2.0]])
    y = x.softmax(axis=1)
    np.testing.assert_array_equal(y.data, np.ones((2, 1)))
    (y * Tensor([[5.0], [7.0]])).sum().backward()
    np.testing.assert_allclose(grad_of(x), np.zeros((2, 1)), atol=1e-15)


def test_logsumexp_max_and_mean_over_a_size_1_axis_are_the_identity():
    values = np.array([[0.3, -2.0, 5.0]])
    for name in ["logsumexp", "max", "min", "mean", "sum"]:
        x = leaf(values)
        y = getattr(x, name)(axis=0)
        np.testing.assert_allclose(y.data, values[0], rtol=1e-12, err_msg=name)
        y.sum().backward()
        np.testing.assert_allclose(grad_of(x), np.ones((1, 3)), rtol=1e-12, err_msg=name)


def test_var_over_a_size_1_axis_is_0_with_ddof_0_and_nan_with_ddof_1_like_numpy():
    values = np.array([[1.0, 2.0]])
    x = leaf(values)
    np.testing.assert_array_equal(x.var(axis=0).data, np.var(values, axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.var(values, axis=0, ddof=1)
    np.testing.assert_array_equal(x.var(axis=0, ddof=1).data, expected)


@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_several_axes_with_size_1_axes_keep_numpys_shapes(keepdims):
    values = np.random.default_rng(0).standard_normal((1, 3, 1, 2))
    references = {
        "sum": np.sum,
        "mean": np.mean,
        "max": np.max,
        "min": np.min,
        "var": np.var,
        "logsumexp": lambda v, axis, keepdims: np.log(
            np.sum(np.exp(v), axis=axis, keepdims=keepdims)
        ),
    }
    for name, reference in references.items():
        for axis in [(0, 2), (1, 3), (-1, 0), None, 2]:
            x = leaf(values)
            y = getattr(x, name)(axis=axis, keepdims=keepdims)
            ref = reference(values, axis=axis, keepdims=keepdims)
            assert y.shape == np.shape(ref), (name, axis)
            np.testing.assert_allclose(y.data, ref, rtol=1e-12, err_msg=f"{name} {axis}")
            y.sum().backward()
            assert x.grad.shape == values.shape


def test_matmul_with_size_1_inner_and_outer_axes_matches_numpy_and_central_differences():
    rng = np.random.default_rng(1)
    a_values, b_values = rng.standard_normal((1, 1)), rng.standard_normal((1, 4))
    a, b = leaf(a_values), leaf(b_values)
    w = rng.standard_normal((1, 4))
    (a @ b * w).sum().backward()
    np.testing.assert_allclose(grad_of(a), (w * b_values).sum(keepdims=True).reshape(1, 1))
    expected_b = central_difference(lambda v: np.sum((a_values @ v) * w), b_values)
    np.testing.assert_allclose(grad_of(b), expected_b, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# zero-size axes: sums are 0, means are nan (like NumPy), gradients have the input's shape

EMPTY = np.zeros((0, 3))


def test_sum_of_an_empty_batch_is_zero_and_the_gradient_is_empty_of_the_same_shape():
    x = leaf(EMPTY)
    y = x.sum()
    assert y.data == 0.0
    y.backward()
    assert x.grad.shape == (0, 3)


def test_sum_over_the_empty_axis_gives_zeros_per_feature():
    x = leaf(EMPTY)
    y = x.sum(axis=0)
    np.testing.assert_array_equal(y.data, np.zeros(3))
    (y * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_mean_and_var_of_an_empty_batch_equal_numpys_nan_or_empty_results(axis):
    for name in ["mean", "var"]:
        x = leaf(EMPTY)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = getattr(np, name)(EMPTY, axis=axis)
            y = getattr(x, name)(axis=axis)
        assert y.shape == np.shape(expected)
        np.testing.assert_array_equal(y.data, expected)  # nan where NumPy has nan
        y.sum().backward()
        assert x.grad.shape == (0, 3)


def test_max_over_the_non_empty_axis_of_an_empty_batch_is_empty_like_numpy():
    x = leaf(EMPTY)
    for name in ["max", "min"]:
        y = getattr(x, name)(axis=1)
        assert y.shape == getattr(np, name)(EMPTY, axis=1).shape == (0,)
        y.sum().backward()
        assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("axis", [None, 0])
def test_max_over_an_empty_axis_raises_value_error_naming_the_op_like_numpy(axis):
    with pytest.raises(ValueError):
        np.max(EMPTY, axis=axis)
    with pytest.raises(ValueError, match=r"max.*\(0, 3\)"):
        leaf(EMPTY).max(axis=axis)


def test_logsumexp_of_nothing_is_minus_infinity_like_log_of_an_empty_sum():
    x = leaf(EMPTY)
    y = x.logsumexp(axis=0)
    with np.errstate(divide="ignore"):
        expected = np.log(np.sum(np.exp(EMPTY), axis=0))
    np.testing.assert_array_equal(y.data, expected)
    x.logsumexp(axis=1).sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_family_of_an_empty_batch_is_empty_with_an_empty_gradient(name, axis):
    x = leaf(EMPTY)
    y = getattr(x, name)(axis=axis)
    assert y.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_matmul_with_an_empty_inner_axis_gives_zeros_and_empty_gradients():
    a, b = leaf(np.zeros((3, 0))), leaf(np.zeros((0, 2)))
    y = a @ b
    np.testing.assert_array_equal(y.data, np.zeros((3, 2)))
    y.sum().backward()
    assert a.grad.shape == (3, 0) and b.grad.shape == (0, 2)


def test_an_empty_batch_through_a_dense_layer_gives_zero_weight_gradients():
    x = Tensor(EMPTY)
    w, bias = leaf(np.ones((2, 3))), leaf(np.ones(2))
    ag.linear(x, w, bias).sum().backward()
    np.testing.assert_array_equal(grad_of(w), np.zeros((2, 3)))
    np.testing.assert_array_equal(grad_of(bias), np.zeros(2))


def test_broadcasting_a_size_1_axis_against_a_zero_size_axis_gives_a_zero_gradient():
    a, b = leaf(np.ones((1, 3))), leaf(np.zeros((0, 1)))
    y = a + b
    assert y.shape == (0, 3)
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(a), np.zeros((1, 3)))
    assert b.grad.shape == (0, 1)


def test_indexing_an_empty_selection_gives_a_zero_gradient_of_the_input_shape():
    x = leaf(np.arange(6.0).reshape(2, 3))
    for index in [slice(2, None), np.array([], dtype=int), np.zeros((2, 3), dtype=bool)]:
        x.grad = None
        y = x[index]
        assert y.size == 0
        y.sum().backward()
        np.testing.assert_array_equal(grad_of(x), np.zeros((2, 3)))


def test_concatenating_an_empty_tensor_leaves_the_other_gradients_in_place():
    a, e = leaf(np.ones((2, 3))), leaf(EMPTY)
    y = ag.concatenate([e, a, e], axis=0)
    assert y.shape == (2, 3)
    (y * Tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(grad_of(a), np.arange(6.0).reshape(2, 3))
    assert e.grad.shape == (0, 3)


def test_reshape_of_an_empty_tensor_with_minus_one_follows_numpy():
    x = leaf(EMPTY)
    assert x.reshape(-1, 3).shape == np.reshape(EMPTY, (-1, 3)).shape
    assert x.reshape(3, 0).shape == (3, 0)
    with pytest.raises(ValueError):
        np.reshape(EMPTY, (0, -1))
    with pytest.raises(ValueError, match="reshape"):
        x.reshape(0, -1)


@pytest.mark.parametrize(
    ("loss", "make_target"),
    [
        (ag.softmax_cross_entropy, lambda: np.zeros(0, dtype=int)),
        (ag.softmax_cross_entropy, lambda: np.zeros((0, 3))),
        (ag.binary_cross_entropy_with_logits, lambda: np.zeros((0, 3))),
        (ag.binary_cross_entropy, lambda: np.zeros((0, 3))),
    ],
)
def test_fused_losses_of_an_empty_batch_are_nan_with_an_empty_gradient(loss, make_target):
    x = leaf(np.full((0, 3), 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nan like NumPy's mean of nothing, but no warning
        y = loss(x, make_target())
    assert np.isnan(y.data) and y.shape == ()
    y.backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize(
    ("loss", "target", "last"),
    [
        (nn.MSELoss(), np.zeros((0, 1)), None),
        (nn.BCEWithLogitsLoss(), np.zeros((0, 1)), None),
        (nn.BCELoss(), np.zeros((0, 1)), nn.Sigmoid()),
        (nn.CrossEntropyLoss(), np.zeros(0, dtype=int), "3 classes"),
    ],
)
def test_an_nn_model_trained_on_an_empty_batch_gets_nan_loss_and_zero_shaped_grads(
    loss, target, last
):
    n_out = 3 if last == "3 classes" else 1
    layers = [nn.Dense(4, 5), nn.Tanh(), nn.Dense(5, n_out)]
    if isinstance(last, nn.Module):
        layers.append(last)
    model = nn.Sequential(*layers)
    value = loss(model(np.zeros((0, 4))), target)
    assert np.isnan(value.item())
    value.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.shape == param.shape, name


# ---------------------------------------------------------------------------------------------
# very long axes

LONG = 1_000_000


def test_sum_mean_and_max_over_a_million_elements_match_numpy_with_exact_gradients():
    values = np.random.default_rng(2).standard_normal(LONG)
    for name in ["sum", "mean", "max"]:
        x = leaf(values)
        y = getattr(x, name)()
        np.testing.assert_allclose(y.data, getattr(np, name)(values), rtol=1e-12)
        y.backward()
        expected = {
            "sum": np.ones(LONG),
            "mean": np.full(LONG, 1 / LONG),
            "max": (values == values.max()).astype(float),
        }[name]
        np.testing.assert_allclose(grad_of(x), expected, rtol=1e-12)


def test_softmax_and_logsumexp_over_a_million_elements_are_normalised():
    x = leaf(np.zeros((2, LONG)))
    y = x.logsumexp(axis=1)
    np.testing.assert_allclose(y.data, np.log(LONG), rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), np.full((2, LONG), 1 / LONG), rtol=1e-9)
    p = leaf(np.linspace(-5, 5, LONG)).softmax()
    np.testing.assert_allclose(p.data.sum(), 1.0, rtol=1e-12)


def test_a_dot_product_over_a_million_elements_has_exact_gradients():
    rng = np.random.default_rng(3)
    a_values, b_values = rng.standard_normal(LONG), rng.standard_normal(LONG)
    a, b = leaf(a_values), leaf(b_values)
    y = a @ b
    np.testing.assert_allclose(y.data, a_values @ b_values, rtol=1e-10)
    y.backward()
    np.testing.assert_array_equal(grad_of(a), b_values)
    np.testing.assert_array_equal(grad_of(b), a_values)


def test_broadcasting_a_row_over_a_million_rows_sums_its_gradient():
    row = leaf(np.ones((1, 2)))
    y = row * Tensor(np.ones((LONG, 1)))
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(row), np.full((1, 2), float(LONG)))


# ---------------------------------------------------------------------------------------------
# non-contiguous inputs

BASE = np.arange(1.0, 49.0).reshape(6, 8) / 10


def _views():
    return {
        "strided slice": BASE[::2, 1::3],
        "transpose": BASE.T,
        "reversed": BASE[::-1, ::-1],
        "fortran order": np.asfortranarray(BASE),
        "broadcast view (zero strides)": np.broadcast_to(BASE[0], (3, 8)),
        "column": BASE[:, 2],
    }


@pytest.mark.parametrize("kind", sorted(_views()))
def test_non_contiguous_leaves_give_the_same_values_and_grads_as_contiguous_copies(kind):
    view = _views()[kind]
    assert not view.flags.c_contiguous  # the leaf really is a strided view

    def f(t):
        return ((t * t).tanh() + t.sigmoid().log()).sum(axis=0).logsumexp()

    x_view, x_copy = leaf(view), leaf(np.ascontiguousarray(view))
    y_view, y_copy = f(x_view), f(x_copy)
    np.testing.assert_array_equal(y_view.data, y_copy.data)
    y_view.backward()
    y_copy.backward()
    np.testing.assert_allclose(grad_of(x_view), grad_of(x_copy), rtol=1e-15)


def test_non_contiguous_matmul_operands_match_numpy():
    a_values, b_values = BASE.T[::2], BASE[:, ::3]  # (4, 6) and (6, 3), both strided views
    assert not a_values.flags.c_contiguous and not b_values.flags.c_contiguous
    a, b = leaf(a_values), leaf(b_values)
    y = a @ b
    np.testing.assert_allclose(y.data, a_values @ b_values, rtol=1e-12)
    w = np.random.default_rng(4).standard_normal((4, 3))
    (y * w).sum().backward()
    np.testing.assert_allclose(grad_of(a), w @ b_values.T, rtol=1e-12)
    np.testing.assert_allclose(grad_of(b), a_values.T @ w, rtol=1e-12)


def test_a_non_contiguous_gradient_argument_is_used_by_value():
    x = leaf(np.ones((3, 4)))
    seed = np.arange(24.0).reshape(4, 6)[:, ::2].T  # (3, 4), non-contiguous
    (x * 2.0).backward(gradient=seed)
    np.testing.assert_array_equal(grad_of(x), 2 * np.ascontiguousarray(seed))


def test_two_leaves_viewing_the_same_memory_get_independent_gradients():
    memory = np.arange(12.0).reshape(3, 4)
    a, b = leaf(memory), Tensor(memory[:, ::-1], requires_grad=True)
    (a * 2.0 + b * 3.0).sum().backward()
    np.testing.assert_array_equal(grad_of(a), np.full((3, 4), 2.0))
    np.testing.assert_array_equal(grad_of(b), np.full((3, 4), 3.0))


def test_gradients_of_views_are_never_aliases_of_each_other_or_of_the_data():
    x = leaf(np.ones((2, 3)))
    y = leaf(np.ones((2, 3)))
    (x + y).sum().backward()  # add passes the same incoming gradient to both
    x.grad.data[0, 0] = 100.0
    assert y.grad.data[0, 0] == 1.0
    assert not np.shares_memory(x.grad.data, x.data)


# ---------------------------------------------------------------------------------------------
# broadcasting: every pair of ranks from 0-D to 4-D

RANK_SHAPES = {0: (), 1: (3,), 2: (2, 1), 3: (1, 2, 3), 4: (2, 1, 1, 3)}
RANK_PAIRS = list(itertools.product(RANK_SHAPES, repeat=2))

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a**b, np.power),
    "maximum": (lambda a, b: ag.maximum(a, b), np.maximum),
    "where": (lambda a, b: ag.where(a.data > 1.2, a, b), lambda a, b: np.where(a > 1.2, a, b)),
}


@pytest.mark.parametrize(("rank_a", "rank_b"), RANK_PAIRS)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_broadcast_every_rank_pair_and_return_grads_in_input_shapes(
    name, rank_a, rank_b
):
    rng = np.random.default_rng(10 * rank_a + rank_b)
    shape_a, shape_b = RANK_SHAPES[rank_a], RANK_SHAPES[rank_b]
    a_values = rng.uniform(0.5, 2.0, size=shape_a)
    b_values = rng.uniform(0.5, 2.0, size=shape_b) + 0.01  # never tied with a
    engine, numpy = BINARY[name]
    a, b = leaf(a_values), leaf(b_values)
    y = engine(a, b)
    expected = numpy(a_values, b_values)
    assert y.shape == expected.shape == np.broadcast_shapes(shape_a, shape_b)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)

    w = rng.standard_normal(expected.shape)
    y.backward(gradient=w)

    def loss_a(v):
        return np.sum(w * numpy(v, b_values))

    def loss_b(v):
        return np.sum(w * numpy(a_values, v))

    if name == "where":  # the condition reads a's values: keep it fixed for the differences
        cond = a_values > 1.2
        loss_a = lambda v: np.sum(w * np.where(cond, v, b_values))  # noqa: E731
        loss_b = lambda v: np.sum(w * np.where(cond, a_values, v))  # noqa: E731
    np.testing.assert_allclose(
        grad_of(a), central_difference(loss_a, a_values), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        grad_of(b), central_difference(loss_b, b_values), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize(("rank_a", "rank_b"), RANK_PAIRS)
def test_the_gradient_of_a_broadcast_input_adds_up_every_output_it_reached(rank_a, rank_b):
    """Gradients of a + b equal the cotangent summed per source element, found by index."""
    shape_a, shape_b = RANK_SHAPES[rank_a], RANK_SHAPES[rank_b]
    a, b = leaf(np.zeros(shape_a)), leaf(np.zeros(shape_b))
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    w = np.random.default_rng(rank_a * 7 + rank_b).standard_normal(out_shape)
    (a + b).backward(gradient=w)
    np.testing.assert_allclose(grad_of(a), unbroadcast_by_index(w, shape_a), rtol=1e-12)
    np.testing.assert_allclose(grad_of(b), unbroadcast_by_index(w, shape_b), rtol=1e-12)


MATMUL_SHAPES = {1: (3,), 2: (2, 3), 3: (1, 2, 3), 4: (2, 1, 2, 3)}


@pytest.mark.parametrize(("rank_a", "rank_b"), list(itertools.product(MATMUL_SHAPES, repeat=2)))
def test_matmul_broadcasts_batch_axes_for_every_rank_pair_up_to_4d(rank_a, rank_b):
    rng = np.random.default_rng(rank_a * 5 + rank_b)
    shape_a = MATMUL_SHAPES[rank_a]
    shape_b = {1: (3,), 2: (3, 2), 3: (2, 3, 2), 4: (1, 2, 3, 2)}[rank_b]
    a_values, b_values = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    expected = np.matmul(a_values, b_values)
    a, b = leaf(a_values), leaf(b_values)
    y = a @ b
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)
    w = rng.standard_normal(expected.shape)
    y.backward(gradient=w)
    np.testing.assert_allclose(
        grad_of(a),
        central_difference(lambda v: np.sum(w * np.matmul(v, b_values)), a_values),
        rtol=1e-6,
        atol=1e-8,
    )
    np.testing.assert_allclose(
        grad_of(b),
        central_difference(lambda v: np.sum(w * np.matmul(a_values, v)), b_values),
        rtol=1e-6,
        atol=1e-8,
    )


# ---------------------------------------------------------------------------------------------
# every kind of index: the gradient scatters back to exactly the elements read (repeats add)

CUBE = np.arange(24.0).reshape(2, 3, 4) / 10

INDEXES = {
    "int": 1,
    "negative int": -1,
    "NumPy int": np.int64(1),
    "0-d int array": np.array(1),
    "reversed slice": slice(None, None, -1),
    "ints and a strided slice": (1, slice(0, 3, 2), -1),
    "ellipsis": (Ellipsis, 2),
    "new axes": (None, 0, Ellipsis, None),
    "list with repeats": [1, 0, 1],
    "nested list": [[0, 1], [1, 1]],
    "empty list": [],
    "int tensor": Tensor(np.array([1, 1])),
    "bool scalar True": True,
    "bool scalar False": False,
    "bool array of the full shape": CUBE > 1.0,
    "bool array on axis 0": np.array([True, False]),
    "bool array selecting nothing": np.zeros(2, dtype=bool),
    "bool tensor": Tensor(CUBE > 0.5),
    "separated advanced indices": (np.array([0, 1, 1]), slice(None), np.array([3, 3, 0])),
    "adjacent advanced indices": (slice(None), np.array([0, 2, 2]), np.array([1, 1, 3])),
    "broadcast advanced indices": (np.array([[0], [1]]), np.array([0, 2, 2])),
    "int and advanced": (1, np.array([2, 2, 0])),
    "new axis and advanced": (None, np.array([1, 0, 1])),
    "ellipsis and advanced": (Ellipsis, np.array([3, 3])),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_indexing_reads_like_numpy_and_scatters_the_gradient_back(kind, create_graph):
    index = INDEXES[kind]
    plain = index.data if isinstance(index, Tensor) else index
    expected = CUBE[plain]
    w = np.random.default_rng(0).standard_normal(expected.shape)
    # which element of CUBE each output element was read from, by flat position
    sources = np.arange(CUBE.size).reshape(CUBE.shape)[plain]
    expected_grad = np.bincount(sources.ravel(), weights=w.ravel(), minlength=CUBE.size)

    x = leaf(CUBE)
    y = x[index]
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    (y * w).sum().backward(create_graph=create_graph)
    np.testing.assert_allclose(grad_of(x), expected_grad.reshape(CUBE.shape), atol=1e-12)
