"""Special cases of the reductions, ordering and linear-algebra ops that the op-table families
do not reach: zeros in products, σ = 0, ddof ≥ n, ties in sort/argmax, singular matrices, the
zero vector's norm, repeated einsum subscripts, and the errors each op gives for bad input.

Expected values come from NumPy, from explicit loops (products of the other elements, minors)
or from central differences; never from the code under test."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numerical import assert_gradients_match, central_difference

import autograd_lite as ag

linalg = ag.linalg


def grad_of(f, x0, weights=None):
    """dL/dx for L = Σ weights · f(x) (weights 1 by default)."""
    x = ag.Tensor(np.array(x0, dtype=float), requires_grad=True)
    out = f(x)
    out.backward(gradient=np.ones(out.shape) if weights is None else weights)
    return x.grad.data


def hessian_rows(f, x0, weights=None):
    """The Hessian of L = Σ weights · f(x) by a create_graph backward, then one backward per
    entry of the gradient (each gives a row)."""
    x = ag.Tensor(np.array(x0, dtype=float), requires_grad=True)
    out = f(x)
    out.backward(gradient=np.ones(out.shape) if weights is None else weights, create_graph=True)
    grad = x.grad.reshape(-1)
    rows = []
    for i in range(grad.shape[0]):
        x.grad = None
        grad[i].backward(retain_graph=True)
        rows.append(np.zeros(x.size) if x.grad is None else x.grad.data.reshape(-1).copy())
    return np.array(rows)


# ============================================================================ prod / cumprod


def others_product(x):
    """Π_{j≠i} xⱼ for each i, by an explicit loop."""
    return np.array([math.prod(np.delete(x, i)) for i in range(len(x))])


def prod_hessian(x):
    """∂²Πx/∂xᵢ∂xₗ = Π_{j∉{i,l}} xⱼ (0 on the diagonal: Πx is linear in each xᵢ)."""
    n = len(x)
    return np.array(
        [[0.0 if i == l else math.prod(np.delete(x, [i, l])) for l in range(n)] for i in range(n)]
    )


PROD_POINTS = {
    "no zero": [1.5, -2.0, 0.5, 3.0],
    "one zero": [1.5, 0.0, -2.0, 3.0],
    "two zeros": [0.0, 2.0, 0.0, 3.0],
    "all zeros": [0.0, 0.0, 0.0],
    "one element": [0.0],
}


@pytest.mark.parametrize("label", PROD_POINTS)
def test_prod_gradient_is_the_product_of_the_others_with_zeros(label):
    x0 = np.array(PROD_POINTS[label])
    np.testing.assert_array_equal(grad_of(ag.prod, x0), others_product(x0))
    assert ag.prod(ag.Tensor(x0)).item() == np.prod(x0)


def test_prod_gradient_with_one_zero_goes_to_that_element_only():
    grad = grad_of(lambda t: t.prod(), [2.0, 0.0, 3.0])
    np.testing.assert_array_equal(grad, [0.0, 6.0, 0.0])  # not nan (0/0), not 0


def test_prod_gradient_with_zeros_along_an_axis():
    x0 = np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0], [4.0, 5.0, -1.0]])
    for axis in (0, 1, -1):
        moved = np.moveaxis(x0, axis, -1)
        expected = np.moveaxis(np.array([others_product(row) for row in moved]), -1, axis)
        np.testing.assert_array_equal(grad_of(lambda t, a=axis: t.prod(axis=a), x0), expected)
    keep = grad_of(lambda t: ag.prod(t, dim=1, keepdim=True), x0)
    np.testing.assert_array_equal(keep, np.array([others_product(row) for row in x0]))


@pytest.mark.parametrize("label", PROD_POINTS)
def test_prod_second_derivatives_with_zeros(label):
    x0 = np.array(PROD_POINTS[label])
    np.testing.assert_allclose(hessian_rows(ag.prod, x0), prod_hessian(x0), atol=1e-12)


def test_prod_over_a_tuple_of_axes_with_zeros_matches_differences():
    x0 = np.random.default_rng(1).uniform(-1.5, 1.5, size=(2, 3, 2))
    x0[0, 1, 0] = x0[1, 2, 1] = x0[1, 0, 1] = 0.0
    assert_gradients_match(
        lambda t: t.prod(axis=(0, 2)), lambda a: np.prod(a, axis=(0, 2)), x0, atol=1e-9
    )


def test_prod_gradient_survives_an_underflowing_product():
    # Π x underflows to 0 although no factor is 0: y/xᵢ would give 0 for every gradient.
    x0 = np.array([1e-200, 1e-200, 2.0])
    grad = grad_of(ag.prod, x0)
    np.testing.assert_allclose(grad, [2e-200, 2e-200, 0.0], rtol=1e-12)


def test_prod_of_an_empty_tensor_is_one_and_its_gradient_is_empty():
    x = ag.Tensor(np.zeros((0, 3)), requires_grad=True)
    out = x.prod(axis=0)
    np.testing.assert_array_equal(out.data, np.ones(3))
    out.sum().backward()
    assert x.grad.shape == (0, 3)


def cumprod_gradient(x, w):
    """Σ_{k≥i} wₖ Π_{j≤k, j≠i} xⱼ, by an explicit loop."""
    n = len(x)
    return np.array(
        [sum(w[k] * math.prod(x[j] for j in range(k + 1) if j != i) for k in range(i, n))
         for i in range(n)]
    )  # fmt: skip


def cumprod_hessian(x, w):
    """∂²(Σ wₖ yₖ)/∂xᵢ∂xₗ = Σ_{k≥max(i,l)} wₖ Π_{j≤k, j∉{i,l}} xⱼ for i ≠ l, 0 for i = l."""
    n = len(x)
    hessian = np.zeros((n, n))
    for i in range(n):
        for l in range(n):
            if i != l:
                hessian[i, l] = sum(
                    w[k] * math.prod(x[j] for j in range(k + 1) if j not in (i, l))
                    for k in range(max(i, l), n)
                )
    return hessian


CUMPROD_POINTS = {
    "no zero": [1.5, -2.0, 0.5, 3.0],
    "zero first": [0.0, 2.0, -1.5, 3.0],
    "zero inside": [1.5, 2.0, 0.0, 3.0],
    "zero last": [1.5, 2.0, -1.0, 0.0],
    "two zeros": [2.0, 0.0, 3.0, 0.0, 1.5],
    "all zeros": [0.0, 0.0, 0.0],
}
WEIGHTS = np.array([1.0, -2.0, 0.5, 3.0, 1.5])


@pytest.mark.parametrize("label", CUMPROD_POINTS)
def test_cumprod_gradient_with_zeros(label):
    x0 = np.array(CUMPROD_POINTS[label])
    w = WEIGHTS[: len(x0)]
    np.testing.assert_allclose(grad_of(ag.cumprod, x0, w), cumprod_gradient(x0, w), atol=1e-12)


@pytest.mark.parametrize("label", CUMPROD_POINTS)
def test_cumprod_second_derivatives_with_zeros(label):
    x0 = np.array(CUMPROD_POINTS[label])
    w = WEIGHTS[: len(x0)]
    np.testing.assert_allclose(
        hessian_rows(lambda t: t.cumprod(), x0, w), cumprod_hessian(x0, w), atol=1e-12
    )


def test_cumprod_gradient_with_zeros_along_each_axis_of_a_matrix():
    x0 = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [4.0, 0.5, -1.0]])
    w = np.arange(1.0, 10.0).reshape(3, 3)
    for axis in (0, 1, -2):
        moved_x, moved_w = np.moveaxis(x0, axis, -1), np.moveaxis(w, axis, -1)
        rows = [cumprod_gradient(r, v) for r, v in zip(moved_x, moved_w)]
        expected = np.moveaxis(np.array(rows), -1, axis)
        grad = grad_of(lambda t, a=axis: t.cumprod(axis=a), x0, w)
        np.testing.assert_allclose(grad, expected, atol=1e-12)


def test_cumprod_gradient_survives_underflowing_running_products():
    # y₁ = 1e-400 underflows to 0: (Σ_{k≥1} gₖyₖ)/x₁ would be 0, the true value is x₀ = 1e-200.
    x0 = np.array([1e-200, 1e-200, 1e-200])
    grad = grad_of(ag.cumprod, x0)
    np.testing.assert_allclose(grad, [1.0 + 1e-200, 1e-200, 0.0], rtol=1e-12)


def test_cumsum_and_cumprod_with_axis_none_run_over_the_flattened_tensor():
    x0 = np.arange(1.0, 7.0).reshape(2, 3)
    for name in ("cumsum", "cumprod"):
        out = getattr(ag, name)(ag.Tensor(x0))
        assert out.shape == (6,)
        np.testing.assert_array_equal(out.data, getattr(np, name)(x0))
        assert_gradients_match(getattr(ag, name), getattr(np, name), x0)
        zero_d = getattr(ag, name)(ag.Tensor(2.5))
        assert zero_d.shape == (1,)


def test_cumsum_gradient_is_a_running_sum_from_the_end():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(grad_of(ag.cumsum, np.zeros(4), w), [10.0, 9.0, 7.0, 4.0])


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_running_ops_refuse_a_tuple_axis_and_a_bad_axis(name):
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=f"{name}: axis must be an int or None"):
        getattr(ag, name)(x, axis=(0, 1))
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of bounds.*\(2, 3\)"):
        getattr(ag, name)(x, axis=2)


@pytest.mark.parametrize("name", ["prod", "std"])
def test_reductions_refuse_a_bad_axis(name):
    with pytest.raises(ValueError, match=rf"{name}: axis -3 is out of bounds.*\(2, 3\)"):
        getattr(ag, name)(ag.Tensor(np.ones((2, 3))), axis=-3)


# ============================================================================ std / var


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_std_of_one_element_has_gradient_zero_not_nan(dtype):
    x = ag.Tensor(np.array([3.0], dtype=dtype), requires_grad=True)
    out = x.std()
    assert out.item() == 0.0
    out.backward()
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.data, [0.0])


def test_std_of_equal_elements_has_gradient_zero_along_each_reduced_row():
    x0 = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    x = ag.Tensor(x0, requires_grad=True)
    x.std(axis=1).sum().backward()
    centred = x0[1] - x0[1].mean()
    expected_row = centred / (3 * np.std(x0[1]))  # (xᵢ − x̄)/(n σ)
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.0, 0.0], expected_row])
    single = ag.Tensor(np.ones((3, 1)), requires_grad=True)
    ag.std(single, dim=1, keepdim=True).sum().backward()
    np.testing.assert_array_equal(single.grad.data, np.zeros((3, 1)))


def test_std_gradient_matches_differences_with_ddof_and_the_correction_alias():
    x0 = np.array([[0.5, -1.0, 2.0, 0.25], [1.0, 3.0, -2.0, 0.0]])
    assert_gradients_match(
        lambda t: ag.std(t, dim=1, correction=1), lambda a: np.std(a, axis=1, ddof=1), x0
    )
    assert_gradients_match(lambda t: t.std(ddof=2), lambda a: np.std(a, ddof=2), x0)


def numpy_quietly(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize(
    "values, ddof", [([1.0, 2.0], 2), ([1.0, 1.0], 2), ([1.0, 2.0], 3), ([3.0], 1), ([], 0)]
)
def test_var_and_std_with_no_degrees_of_freedom_give_numpys_value(name, values, ddof):
    # NumPy divides by max(n − ddof, 0): Σ(x − x̄)²/0 is inf, or nan when that sum is 0.
    expected = numpy_quietly(getattr(np, name), np.array(values), ddof=ddof)
    got = getattr(ag, name)(ag.Tensor(np.array(values)), ddof=ddof).data
    np.testing.assert_array_equal(got, expected)


def test_std_with_no_degrees_of_freedom_has_a_nan_gradient_as_documented():
    # σ is inf or nan there (NumPy's value); its derivative is undefined, and said so.
    for values in ([1.0, 2.0], [1.0, 1.0]):
        x = ag.Tensor(values, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and quietly: no RuntimeWarning from inside
            x.std(ddof=2).backward()
        assert np.all(np.isnan(x.grad.data))


def test_var_with_ddof_equal_to_n_is_inf_as_in_numpy():
    assert numpy_quietly(np.var, [1.0, 2.0], ddof=2) == np.inf  # the brief's example
    assert ag.var(ag.Tensor([1.0, 2.0]), ddof=2).item() == np.inf


def test_std_refuses_a_ddof_that_is_not_a_number():
    with pytest.raises(TypeError, match="std: ddof must be a number"):
        ag.std(ag.Tensor([1.0, 2.0]), ddof="1")


# ============================================================================ ordering


def test_sort_ties_follow_the_stable_order():
    # [2, 1, 2, 1] sorts (stably) as x[1], x[3], x[0], x[2]: position k's gradient goes there.
    grad = grad_of(ag.sort, [2.0, 1.0, 2.0, 1.0], np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(grad, [30.0, 10.0, 40.0, 20.0])


def test_sort_returns_a_new_tensor_and_leaves_its_input_alone():
    x0 = np.array([3.0, 1.0, 2.0])
    x = ag.Tensor(x0.copy())
    out = x.sort()
    np.testing.assert_array_equal(out.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.data, x0)
    assert isinstance(out, ag.Tensor)  # the values only, not (values, indices)


def test_sort_puts_nans_last_like_numpy_and_flattens_for_axis_none():
    x0 = np.array([[2.0, np.nan, -1.0], [0.5, 3.0, np.nan]])
    np.testing.assert_array_equal(ag.sort(ag.Tensor(x0)).data, np.sort(x0))
    np.testing.assert_array_equal(ag.sort(ag.Tensor(x0), axis=None).data, np.sort(x0, axis=None))
    np.testing.assert_array_equal(ag.sort(ag.Tensor(x0), dim=0).data, np.sort(x0, axis=0))


def test_sort_second_derivative_follows_the_permutation():
    x0 = np.array([0.5, -1.0, 2.0])
    w = np.array([1.0, 2.0, 3.0])
    # L = Σ wₖ sort(x)ₖ²: ∂²L/∂xᵢ² = 2 w at the position xᵢ was sorted to.
    np.testing.assert_allclose(
        hessian_rows(lambda t: t.sort() * t.sort(), x0, w), np.diag([4.0, 2.0, 6.0])
    )


def test_argsort_is_stable_int64_and_records_nothing():
    x0 = np.array([[2.0, 1.0, 2.0, 1.0], [0.0, 0.0, -1.0, 0.0]])
    x = ag.Tensor(x0, requires_grad=True)
    out = x.argsort()
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.argsort(x0, kind="stable"))
    np.testing.assert_array_equal(out.data, [[1, 3, 0, 2], [2, 0, 1, 3]])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_and_argmin_pick_the_first_of_ties_and_of_nans(name):
    ties = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]])
    reference = getattr(np, name)
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}, {"axis": -1}):
        got = getattr(ag.Tensor(ties, requires_grad=True), name)(**kw)
        assert got.dtype == np.int64 and not got.requires_grad
        np.testing.assert_array_equal(got.data, reference(ties, **kw))
    with_nan = np.array([1.0, np.nan, 5.0, np.nan])
    assert getattr(ag, name)(ag.Tensor(with_nan)).item() == reference(with_nan) == 1


@pytest.mark.parametrize("name", ["argmax", "argmin", "sort", "argsort"])
def test_ordering_ops_refuse_bad_axes(name):
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=f"{name}: axis must be an int or None"):
        getattr(ag, name)(x, axis=(0, 1))
    with pytest.raises(ValueError, match=rf"{name}: axis 5 is out of bounds.*\(2, 3\)"):
        getattr(ag, name)(x, axis=5)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_and_argmin_of_nothing_raise_naming_the_op(name):
    with pytest.raises(ValueError, match=f"{name}: cannot take the {name} of an empty axis"):
        getattr(ag, name)(ag.Tensor(np.zeros((2, 0))), axis=1)
    out = getattr(ag, name)(ag.Tensor(np.zeros((0, 3))), axis=1)  # empty batch: empty answer
    assert out.shape == (0,)


# ============================================================================ dot / tensordot


def test_dot_follows_numpy_for_every_rank():
    rng = np.random.default_rng(0)
    pairs = [((), (2, 3)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3, 4)),
             ((2, 2, 3), (4, 3, 5)), ((2, 3), (3, 4))]  # fmt: skip
    for shape_a, shape_b in pairs:
        a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
        out = ag.dot(ag.Tensor(a), ag.Tensor(b))
        assert out.shape == np.dot(a, b).shape
        np.testing.assert_allclose(out.data, np.dot(a, b), rtol=1e-12)


def test_dot_of_integers_stays_integer():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(2, 3, 2)
    out = ag.Tensor(a).dot(ag.Tensor(b))
    assert out.dtype == np.dot(a, b).dtype
    np.testing.assert_array_equal(out.data, np.dot(a, b))


@pytest.mark.parametrize(
    "shape_a, shape_b", [((2, 3), (4,)), ((3,), (4, 5)), ((2, 3), (2, 4, 5)), ((4,), (3,))]
)
def test_dot_names_both_shapes_when_they_do_not_align(shape_a, shape_b):
    pattern = rf"dot: shapes {re_shape(shape_a)} and {re_shape(shape_b)} are not aligned"
    with pytest.raises(ValueError, match=pattern):
        ag.dot(ag.Tensor(np.ones(shape_a)), ag.Tensor(np.ones(shape_b)))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_tensordot_errors_name_the_op_and_the_shapes():
    a, b = ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"tensordot: shapes \(2, 3\) and \(4, 5\) are not"):
        ag.tensordot(a, b, axes=1)
    with pytest.raises(ValueError, match="tensordot: axes=3 needs"):
        ag.tensordot(a, b, axes=3)
    with pytest.raises(ValueError, match=r"tensordot: axis 2 is out of bounds for a"):
        ag.tensordot(a, b, axes=([2], [0]))
    with pytest.raises(ValueError, match="pair 2 axes of a with 1 of b"):
        ag.tensordot(a, b, axes=([0, 1], [0]))
    with pytest.raises(TypeError, match="tensordot: axes must be an int or a pair"):
        ag.tensordot(a, b, axes="ij")


def test_outer_flattens_both_operands():
    a, b = np.arange(6.0).reshape(2, 3), np.array([[1.0], [2.0]])
    out = ag.outer(ag.Tensor(a), ag.Tensor(b))
    assert out.shape == (6, 2)
    np.testing.assert_array_equal(out.data, np.outer(a, b))


# ============================================================================ einsum


def test_einsum_diagonal_gradient_lives_on_the_diagonal():
    x0 = np.arange(9.0).reshape(3, 3)
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad_of(lambda t: ag.einsum("ii->i", t), x0, w), np.diag(w))
    np.testing.assert_array_equal(grad_of(lambda t: ag.einsum("ii", t), x0), np.eye(3))
    assert ag.einsum("ii", ag.Tensor(x0)).item() == np.trace(x0)


def test_einsum_second_derivatives_of_a_product_with_a_repeated_subscript():
    # L = Σᵢ (Σⱼ Aᵢⱼ Aⱼᵢ)... here 'ij,ji->' = tr(A·A): ∂²L/∂A∂A pairs Aᵢⱼ with Aⱼᵢ (twice).
    x0 = np.random.default_rng(0).standard_normal((2, 2))
    hessian = hessian_rows(lambda t: ag.einsum("ij,ji->", t, t), x0)
    expected = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            expected[2 * i + j, 2 * j + i] += 2.0
    np.testing.assert_allclose(hessian, expected)


def test_einsum_batch_ellipsis_and_implicit_output_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 4, 2, 3)), rng.standard_normal((4, 3, 5))
    for subscripts in ("...ij,...jk->...ik", "...ij,...jk", "bcij,cjk->bcik"):
        assert_gradients_match(
            lambda s, t, sub=subscripts: ag.einsum(sub, s, t),
            lambda x, y, sub=subscripts: np.einsum(sub, x, y),
            a,
            b,
        )


@pytest.mark.parametrize(
    "subscripts, shapes, error, pattern",
    [
        ("ij,jk->ik", [(2, 3), (4, 5)], ValueError, r"einsum: subscript 'j' has length 3 in "
         r"operand 0 \(shape \(2, 3\)\) but 4 in operand 1 \(shape \(4, 5\)\)"),
        ("ij,jk->ik", [(2, 3)], ValueError, "describe 2 operand"),
        ("ij->ik", [(2, 3)], ValueError, "output subscript 'k' appears in no operand"),
        ("ij->ii", [(2, 2)], ValueError, "an output subscript is repeated"),
        ("ijk", [(2, 3)], ValueError, r"operand 0 has shape \(2, 3\) \(2-D\) but subscripts"),
        ("i1", [(2, 3)], ValueError, "may hold only letters"),
        ("...i->i", [(2, 3)], ValueError, "has no '...'"),
        ("ii", [(2, 3)], ValueError, r"length 2 in operand 0 \(shape \(2, 3\)\) but 3"),
        ("ij->j->i", [(2, 3)], ValueError, "more than one '->'"),
    ],
)  # fmt: skip
def test_einsum_errors_name_the_op_and_the_shapes(subscripts, shapes, error, pattern):
    with pytest.raises(error, match=pattern):
        ag.einsum(subscripts, *(ag.Tensor(np.ones(s)) for s in shapes))


def test_einsum_refuses_the_sublist_form_and_no_operands():
    with pytest.raises(TypeError, match="einsum: the first argument must be the subscripts"):
        ag.einsum(ag.Tensor(np.ones(2)), [0])
    with pytest.raises(ValueError, match="einsum: needs at least one operand"):
        ag.einsum("i")


# ============================================================================ diagonals


def test_diagonal_is_its_own_writable_tensor():
    x0 = np.arange(6.0).reshape(2, 3)
    x = ag.Tensor(x0.copy())
    d = x.diagonal(offset=1)
    np.testing.assert_array_equal(d.data, [1.0, 5.0])
    d.data[0] = 100.0  # NumPy's diagonal would be a read-only view
    np.testing.assert_array_equal(x.data, x0)


def test_diagonal_gradient_is_g_on_the_diagonal_and_zero_elsewhere():
    x0 = np.zeros((3, 4))
    grad = grad_of(lambda t: t.diagonal(offset=-1), x0, np.array([5.0, 7.0]))
    expected = np.zeros((3, 4))
    expected[1, 0], expected[2, 1] = 5.0, 7.0
    np.testing.assert_array_equal(grad, expected)
    np.testing.assert_array_equal(grad_of(lambda t: t.trace(), np.zeros((2, 2))), np.eye(2))


def test_trace_and_diag_keep_integer_dtypes_like_numpy():
    a = np.arange(9).reshape(3, 3)
    assert ag.trace(a).dtype == np.trace(a).dtype and ag.trace(a).item() == np.trace(a)
    assert ag.diag(np.arange(3)).dtype == np.diag(np.arange(3)).dtype


def test_diagonal_ops_accept_pytorchs_keyword_spellings():
    x0 = np.arange(24.0).reshape(2, 3, 4)
    x = ag.Tensor(x0)
    np.testing.assert_array_equal(
        x.diagonal(1, dim1=2, dim2=1).data, np.diagonal(x0, 1, axis1=2, axis2=1)
    )
    v = ag.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(ag.diag(v, diagonal=-1).data, np.diag([1.0, 2.0], k=-1))
    np.testing.assert_array_equal(
        ag.tensordot(x, x, dims=([0, 1], [0, 1])).data, np.tensordot(x0, x0, ([0, 1], [0, 1]))
    )


def test_diagonal_ops_refuse_bad_input():
    with pytest.raises(ValueError, match=r"diagonal: needs a tensor of at least 2 dimensions"):
        ag.diagonal(ag.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="diagonal: axis1 and axis2 are the same axis"):
        ag.diagonal(ag.Tensor(np.ones((2, 2))), axis1=0, axis2=-2)
    with pytest.raises(ValueError, match=r"trace: |diagonal: axis 2 is out of bounds"):
        ag.trace(ag.Tensor(np.ones((2, 2))), axis2=2)
    with pytest.raises(ValueError, match=r"diag: expects a 1-D tensor .* got shape \(2, 2, 2\)"):
        ag.diag(ag.Tensor(np.ones((2, 2, 2))))
    with pytest.raises(TypeError, match="diag: k must be an int"):
        ag.diag(ag.Tensor(np.ones(2)), k=1.5)


# ============================================================================ linalg.norm


@pytest.mark.parametrize(
    "kw", [{}, {"ord": 2}, {"ord": 1}, {"ord": 3}, {"ord": 1.5}, {"ord": np.inf}, {"ord": -np.inf}]
)
def test_norm_of_the_zero_vector_has_gradient_zero_not_nan(kw):
    x = ag.Tensor(np.zeros(3), requires_grad=True)
    out = linalg.norm(x, **kw)
    assert out.item() == 0.0
    out.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


def test_norm_of_zero_rows_and_of_the_zero_matrix_has_gradient_zero():
    x0 = np.array([[0.0, 0.0], [3.0, 4.0]])
    grad = grad_of(lambda t: t.norm(axis=1), x0)
    np.testing.assert_allclose(grad, [[0.0, 0.0], [0.6, 0.8]])
    frobenius = grad_of(lambda t: linalg.norm(t, "fro"), np.zeros((2, 3)))
    np.testing.assert_array_equal(frobenius, np.zeros((2, 3)))


def test_norm_second_derivative_matches_differences_of_its_gradient():
    x0 = np.array([0.3, -1.2, 2.0])
    for ord in (None, 3):
        hessian = hessian_rows(lambda t, o=ord: linalg.norm(t, o), x0)

        def gradient(x, o=ord):
            return grad_of(lambda t: linalg.norm(t, o), x)

        expected = np.array(
            [central_difference(lambda x, i=i: gradient(x)[i], [x0], 0) for i in range(3)]
        )
        np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "shape, kw, pattern",
    [
        ((3,), {"ord": 0}, "ord=0 counts the nonzero elements"),
        ((3,), {"ord": 0.5}, r"vector norm ord=0.5 is not supported \(supported: None/2, 1"),
        ((3,), {"ord": -1}, "vector norm ord=-1 is not supported"),
        ((3,), {"ord": "fro"}, "invalid norm order 'fro' for vectors"),
        ((2, 2), {"ord": 2}, r"the matrix norm ord=2 needs singular values .* None/'fro', 1, -1"),
        ((2, 2), {"ord": "nuc"}, "the matrix norm ord='nuc' needs singular values"),
        ((2, 2), {"ord": 3}, "invalid norm order 3 for matrices"),
        ((2, 2, 2), {"ord": 1}, r"ord=1 with axis=None needs a 1-D or 2-D tensor.*\(2, 2, 2\)"),
        ((2, 2, 2), {"axis": (0, 1, 2)}, "axis must be an int or a pair of ints"),
        ((2, 2), {"axis": (0, -2)}, "repeated axis"),
        ((2, 2), {"axis": 2}, r"axis 2 is out of bounds .*\(2, 2\)"),
    ],
)
def test_norm_refuses_what_it_does_not_support_clearly(shape, kw, pattern):
    with pytest.raises(ValueError, match="linalg.norm: " + pattern):
        linalg.norm(ag.Tensor(np.ones(shape)), **kw)


def test_norm_of_integers_is_computed_in_float64():
    x = np.array([[3, -4], [0, 1]])
    for kw in ({}, {"ord": np.inf}, {"ord": 1}, {"axis": 0, "ord": -np.inf}):
        out = linalg.norm(x, **kw)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, np.linalg.norm(x, **kw))


# ============================================================================ inv / det / solve


def cofactors(a):
    """(−1)^(i+j) det(minor ij), by explicit minors."""
    n = a.shape[0]
    return np.array(
        [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)]
         for i in range(n)]
    )  # fmt: skip


SINGULAR = {
    "rank 2 of 3": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
    "rank 1 of 2": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "a zero row": np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.5], [-1.0, 3.0, 2.0]]),
    "rank 1 of 3": np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0]),
    "zero matrix": np.zeros((3, 3)),
}


@pytest.mark.parametrize("label", SINGULAR)
def test_det_of_a_singular_matrix_is_numpys_and_its_gradient_the_cofactors(label):
    a = SINGULAR[label]
    out = linalg.det(ag.Tensor(a))
    np.testing.assert_array_equal(out.data, np.linalg.det(a))
    assert abs(out.item()) < 1e-12
    grad = grad_of(linalg.det, a)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, cofactors(a), atol=1e-12)


@pytest.mark.parametrize("label", SINGULAR)
def test_det_second_derivatives_at_a_singular_matrix(label):
    a = SINGULAR[label]
    n = a.shape[0]
    expected = np.array(
        [central_difference(lambda m, k=k: cofactors(m).reshape(-1)[k], [a], 0).reshape(-1)
         for k in range(n * n)]
    )  # fmt: skip
    np.testing.assert_allclose(hessian_rows(linalg.det, a), expected, atol=1e-6)


def test_det_gradient_of_a_batch_with_singular_and_regular_matrices():
    batch = np.stack([SINGULAR["rank 2 of 3"], np.diag([1.0, 2.0, 3.0])])
    grad = grad_of(linalg.det, batch)
    np.testing.assert_allclose(grad[0], cofactors(batch[0]), atol=1e-12)
    np.testing.assert_allclose(grad[1], np.diag([6.0, 3.0, 2.0]), atol=1e-12)


def test_det_gradient_of_a_matrix_holding_nan_or_inf_is_nan_without_an_svd_error():
    batch = np.stack([np.diag([2.0, 3.0]), [[1.0, np.nan], [0.0, 1.0]], [[np.inf, 0.0], [1, 1]]])
    x = ag.Tensor(batch, requires_grad=True)
    with np.errstate(invalid="ignore"):
        linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad.data[0], np.diag([3.0, 2.0]))
    assert np.all(np.isnan(x.grad.data[1:]))


@pytest.mark.parametrize("name", ["inv", "det"])
@pytest.mark.parametrize("shape", [(2, 3), (3,), (), (2, 3, 2)])
def test_inv_and_det_refuse_non_square_input(name, shape):
    with pytest.raises(ValueError, match=rf"linalg.{name}: expected a square matrix .*{shape}"):
        getattr(linalg, name)(ag.Tensor(np.ones(shape)))


def test_inv_and_solve_of_a_singular_matrix_raise_linalg_error_naming_op_and_shapes():
    a = ag.Tensor(SINGULAR["rank 1 of 2"])
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.inv: .*\(2, 2\).* is singular"):
        linalg.inv(a)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.solve: a \(shape \(2, 2\), b of"):
        linalg.solve(a, ag.Tensor(np.ones(2)))


@pytest.mark.parametrize("shape_b", [(3,), (3, 2), (2, 3, 1), ()])
def test_solve_names_both_shapes_when_b_does_not_match(shape_b):
    pattern = rf"linalg.solve: a of shape \(2, 2\) and b of shape {re_shape(shape_b)} do not"
    with pytest.raises(ValueError, match=pattern):
        linalg.solve(ag.Tensor(np.eye(2)), ag.Tensor(np.ones(shape_b)))
    with pytest.raises(ValueError, match="batch axes"):
        linalg.solve(ag.Tensor(np.ones((3, 2, 2)) + np.eye(2)), ag.Tensor(np.ones((4, 2, 1))))


def test_solve_treats_b_as_a_vector_only_when_it_is_1_d():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3, 3)) + 4 * np.eye(3)
    for b in (rng.standard_normal(3), rng.standard_normal((3, 2)), rng.standard_normal((4, 3, 1))):
        out = linalg.solve(ag.Tensor(a), ag.Tensor(b))
        np.testing.assert_allclose(out.data, np.linalg.solve(a, b), rtol=1e-12)
        assert_gradients_match(linalg.solve, np.linalg.solve, a, b, rtol=1e-4)


def test_inverse_method_and_det_method_are_the_linalg_functions():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(ag.Tensor(a).inverse().data, np.linalg.inv(a))
    assert ag.Tensor(a).det().item() == pytest.approx(np.linalg.det(a))


# ============================================================================ dtypes


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda z: ag.prod(z), "prod"),
        (lambda z: ag.std(z), "std"),
        (lambda z: ag.cumsum(z), "cumsum"),
        (lambda z: ag.sort(z), "sort"),
        (lambda z: ag.argmax(z), "argmax"),
        (lambda z: ag.dot(z, z), "dot"),
        (lambda z: ag.einsum("i,i", z, z), "einsum"),
        (lambda z: ag.tensordot(z, z, 1), "tensordot"),
        (lambda z: ag.diag(z), "diag"),
        (lambda z: linalg.norm(z), "linalg.norm"),
        (lambda z: linalg.det(np.diag(z)), "linalg.det"),
        (lambda z: linalg.inv(np.diag(z)), "linalg.inv"),
        (lambda z: linalg.solve(np.diag(z), z), "linalg.solve"),
    ],
)
def test_complex_input_is_refused_naming_the_op(call, name):
    with pytest.raises(TypeError, match=f"{name}: complex numbers"):
        call(np.array([1.0 + 1j, 2.0]))
