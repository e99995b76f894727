"""Special cases of the elementwise math ops (trigonometric, hyperbolic, logarithms, powers,
rounding, remainder) that the op table's generic families do not reach: edge values against
NumPy, ties and jumps, zero divisors, exact zero gradients, dtypes, the operator forms of %,
and the one-declaration helper `unary_op`. Expected values are written out by hand or taken
from NumPy, never from the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.ops import REGISTRY, Op
from autograd_lite.ops.elementwise import unary_op

NEW_UNARY = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "square",
    "reciprocal",
    "sign",
    "floor",
    "ceil",
    "round",
]


def leaf(values, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.array(values, dtype=dtype), requires_grad=True)


def gradient(fn, values, dtype=np.float64, seed=None) -> ag.Tensor:
    x = leaf(values, dtype)
    y = fn(x)
    y.backward(gradient=np.ones(y.shape) if seed is None else seed)
    return x.grad


# ----------------------------------------------------------------------------- declarations


@pytest.mark.parametrize("name", NEW_UNARY)
def test_each_new_op_is_a_function_a_method_and_has_a_numpy_counterpart(name):
    info = REGISTRY[name]
    assert getattr(ag, name) is info.function
    assert getattr(ag.Tensor, name) is info.function
    assert getattr(np, name) in info.numpy
    assert info.function.__name__ == name
    assert "'" in info.function.__doc__ or "erivative" in info.function.__doc__


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("asin", "arcsin"),
        ("acos", "arccos"),
        ("atan", "arctan"),
        ("atan2", "arctan2"),
        ("mod", "remainder"),
        ("around", "round"),
    ],
)
def test_numpy_2_and_pytorch_spellings_are_aliases(alias, name):
    assert getattr(ag, alias) is getattr(ag, name)
    assert getattr(ag.Tensor, alias) is getattr(ag, name)


def test_mod_and_around_dispatch_from_their_numpy_names_too():
    assert np.mod in REGISTRY["remainder"].numpy  # the same ufunc as np.remainder
    assert np.around in REGISTRY["round"].numpy


def test_unary_op_builds_the_op_the_function_and_its_docstring():
    assert isinstance(ag.sin.op, Op) and ag.sin.op.name == "sin"
    assert ag.sin.__doc__.startswith("sin a")
    y = ag.sin(leaf([0.5]))
    assert y._op is ag.sin.op


def test_an_op_declared_with_unary_op_is_registered_and_differentiates(monkeypatch):
    """A declaration like the library's own, into a copy of the op table."""
    monkeypatch.setattr("autograd_lite.ops.table.REGISTRY", dict(REGISTRY))
    cube = unary_op("cube_for_test", lambda x: x**3, lambda xp, g, y, a: g * 3 * a * a, doc="a³")
    x = leaf([2.0, -1.0])
    cube(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [12.0, 3.0])
    assert cube(ag.Tensor(np.array([2, 3]))).dtype == np.float64  # "float": ints in float64
    info = ag.ops.table.REGISTRY["cube_for_test"]
    assert info.function is cube and info.method == ("cube_for_test",) and info.numpy


# ----------------------------------------------------------------------------- trigonometric


@pytest.mark.parametrize("fn", [ag.sin, ag.cos, ag.tan, ag.arctan])
def test_large_arguments_give_numpys_finite_values_and_gradients(fn):
    x = np.array([-1000.0, 1000.0, 1e6])
    np.testing.assert_array_equal(fn(ag.Tensor(x)).data, getattr(np, fn.__name__)(x))
    assert np.all(np.isfinite(gradient(fn, x).data))


def test_sin_and_cos_derivatives_at_known_points():
    x = [0.0, math.pi / 2, math.pi]
    np.testing.assert_allclose(gradient(ag.sin, x).data, [1.0, 0.0, -1.0], atol=1e-15)
    np.testing.assert_allclose(gradient(ag.cos, x).data, [0.0, -1.0, 0.0], atol=1e-15)


def test_second_derivative_of_sin_is_minus_sin():
    x = leaf([0.3, -1.2])
    ag.sin(x).sum().backward(create_graph=True)
    first, x.grad = x.grad, None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.sin([0.3, -1.2]), rtol=1e-14)


def test_tan_at_its_pole_is_numpys_large_finite_value():
    x = np.array([math.pi / 2, -math.pi / 2])
    np.testing.assert_array_equal(ag.tan(ag.Tensor(x)).data, np.tan(x))
    np.testing.assert_allclose(gradient(ag.tan, [math.pi / 4]).data, [2.0], rtol=1e-14)


@pytest.mark.parametrize(
    ("fn", "at_minus_1", "at_1", "slope"),
    [(ag.arcsin, -math.pi / 2, math.pi / 2, np.inf), (ag.arccos, math.pi, 0.0, -np.inf)],
)
def test_arcsin_and_arccos_at_plus_minus_1_have_values_and_infinite_derivatives(
    fn, at_minus_1, at_1, slope
):
    """Like NumPy's formula and PyTorch: ±inf, not an exception (NumPy's divide warning)."""
    np.testing.assert_allclose(fn(ag.Tensor([-1.0, 1.0])).data, [at_minus_1, at_1], atol=1e-15)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        grad = gradient(fn, [-1.0, 1.0])
    np.testing.assert_array_equal(grad.data, [slope, slope])


def test_arcsin_outside_its_domain_is_nan_like_numpy():
    with pytest.warns(RuntimeWarning, match="invalid value"):
        out = ag.arcsin(ag.Tensor([1.5, -2.0]))
    assert np.all(np.isnan(out.data))


def test_arcsin_and_arctan_derivatives_at_known_points():
    np.testing.assert_allclose(gradient(ag.arcsin, [0.0, 0.6]).data, [1.0, 1.25], rtol=1e-14)
    np.testing.assert_allclose(gradient(ag.arccos, [0.6]).data, [-1.25], rtol=1e-14)
    np.testing.assert_allclose(gradient(ag.arctan, [0.0, 1.0]).data, [1.0, 0.5], rtol=1e-14)


# ----------------------------------------------------------------------------- arctan2


def test_arctan2_takes_y_first_and_covers_the_four_quadrants_like_numpy():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0])
    x = np.array([1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 0.0])
    out = ag.arctan2(ag.Tensor(y), ag.Tensor(x))
    np.testing.assert_array_equal(out.data, np.arctan2(y, x))
    quarter = math.pi / 4
    np.testing.assert_allclose(
        out.data[:6], [quarter, 3 * quarter, -3 * quarter, -quarter, math.pi, -math.pi]
    )


def test_arctan2_partials_at_a_known_point():
    y, x = leaf([1.0]), leaf([2.0])
    ag.arctan2(y, x).backward(gradient=np.ones(1))
    np.testing.assert_allclose(y.grad.data, [2 / 5], rtol=1e-15)  # x / (x² + y²)
    np.testing.assert_allclose(x.grad.data, [-1 / 5], rtol=1e-15)  # −y / (x² + y²)


def test_arctan2_broadcasts_and_sums_gradients_back():
    y, x = leaf([[1.0], [2.0]]), leaf([1.0, -1.0, 3.0])
    ag.arctan2(y, x).sum().backward()
    yy, xx = np.array([[1.0], [2.0]]), np.array([1.0, -1.0, 3.0])
    r2 = xx * xx + yy * yy
    np.testing.assert_allclose(y.grad.data, (xx / r2).sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, (-yy / r2).sum(axis=0), rtol=1e-14)


def test_arctan2_gradient_at_the_origin_is_nan_like_pytorch():
    y, x = leaf([0.0]), leaf([0.0])
    with np.errstate(invalid="ignore"):
        ag.arctan2(y, x).backward(gradient=np.ones(1))
    assert np.isnan(y.grad.data).all() and np.isnan(x.grad.data).all()


def test_arctan2_with_numbers_arrays_and_integers():
    t = ag.Tensor([1.0, -2.0])
    np.testing.assert_array_equal(ag.arctan2(t, 2.0).data, np.arctan2([1.0, -2.0], 2.0))
    np.testing.assert_array_equal(ag.arctan2(3, t).data, np.arctan2(3, [1.0, -2.0]))
    ints = ag.arctan2(ag.Tensor(np.array([1, -1])), ag.Tensor(np.array([0, 0])))
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints.data, [math.pi / 2, -math.pi / 2])
    assert ag.arctan2(ag.Tensor(np.float32([1.0])), 2.0).dtype == np.float32
    with pytest.raises(ValueError, match=r"arctan2: shapes \(3,\) and \(2,\)"):
        ag.arctan2(ag.Tensor(np.ones(3)), ag.Tensor(np.ones(2)))


# ----------------------------------------------------------------------------- log and exp


def test_log1p_at_minus_1_is_minus_inf_and_below_is_nan_like_numpy():
    with pytest.warns(RuntimeWarning):
        out = ag.log1p(ag.Tensor([-1.0, -2.0]))
    assert out.data[0] == -np.inf and np.isnan(out.data[1])


def test_log1p_and_expm1_keep_tiny_arguments_exactly():
    tiny = np.array([1e-20, -3e-18])
    np.testing.assert_array_equal(ag.log1p(ag.Tensor(tiny)).data, tiny)  # log(1 + a) gives 0
    np.testing.assert_array_equal(ag.expm1(ag.Tensor(tiny)).data, tiny)
    np.testing.assert_array_equal(gradient(ag.log1p, tiny).data, [1.0, 1.0])


def test_expm1_derivative_is_e_to_the_a():
    np.testing.assert_allclose(gradient(ag.expm1, [0.0, 1.0]).data, [1.0, math.e], rtol=1e-15)


def test_log2_and_log10_values_and_derivatives():
    np.testing.assert_array_equal(ag.log2(ag.Tensor([1.0, 8.0])).data, [0.0, 3.0])
    np.testing.assert_array_equal(ag.log10(ag.Tensor([1.0, 1000.0])).data, [0.0, 3.0])
    np.testing.assert_allclose(gradient(ag.log2, [4.0]).data, [1 / (4 * math.log(2))])
    np.testing.assert_allclose(gradient(ag.log10, [10.0]).data, [1 / (10 * math.log(10))])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert ag.log2(ag.Tensor([0.0])).data[0] == -np.inf


def test_sinh_and_cosh_derivatives_at_0():
    np.testing.assert_array_equal(gradient(ag.sinh, [0.0]).data, [1.0])
    np.testing.assert_array_equal(gradient(ag.cosh, [0.0]).data, [0.0])


# ----------------------------------------------------------------------------- powers


def test_square_keeps_integers_and_its_derivative_is_2a():
    out = ag.square(ag.Tensor(np.array([-3, 4])))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, [9, 16])
    np.testing.assert_array_equal(gradient(ag.square, [3.0, -0.5]).data, [6.0, -1.0])


def test_reciprocal_of_integers_is_true_division_not_numpys_truncation():
    out = ag.reciprocal(ag.Tensor(np.array([2, -4, 1])))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, [0.5, -0.25, 1.0])


def test_reciprocal_values_derivative_and_zero():
    np.testing.assert_array_equal(gradient(ag.reciprocal, [2.0, -0.5]).data, [-0.25, -4.0])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        out = ag.reciprocal(ag.Tensor([0.0, -0.0]))
    np.testing.assert_array_equal(out.data, [np.inf, -np.inf])


# ----------------------------------------------------------------------------- rounding

ZERO_GRADIENT = [
    ("sign", ag.sign, [-2.0, 0.0, 0.5, 3.0]),  # 0: the jump
    ("floor", ag.floor, [-1.5, -1.0, 0.0, 2.7]),  # the integers: jumps
    ("ceil", ag.ceil, [-1.5, -1.0, 0.0, 2.7]),
    ("round", ag.round, [-2.5, -0.5, 0.5, 1.2]),  # the halves: jumps
]


@pytest.mark.parametrize(("name", "fn", "values"), ZERO_GRADIENT, ids=lambda v: str(v)[:6])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_piecewise_constant_ops_have_an_exactly_zero_gradient(name, fn, values, dtype):
    x = leaf(np.reshape(values, (2, 2)), dtype)
    y = fn(x)
    y.backward(gradient=np.array([[1.0, -3.0], [np.inf, np.nan]], dtype=dtype))
    assert x.grad.shape == (2, 2) and x.grad.dtype == dtype
    assert np.all(x.grad.data == 0), f"{name}: {x.grad.data}"


@pytest.mark.parametrize(("name", "fn", "values"), ZERO_GRADIENT, ids=lambda v: str(v)[:6])
def test_piecewise_constant_ops_have_zero_second_derivatives(name, fn, values):
    expected = getattr(np, name)(np.array(values))
    x = leaf(values)
    (fn(x) * x).sum().backward(create_graph=True)  # d(f(x)·x)/dx = f'(x)·x + f(x) = f(x)
    first, x.grad = x.grad, None
    np.testing.assert_array_equal(first.data, expected)
    (first * x).sum().backward()  # d(first·x)/dx = first + x·(f'(x) + f''(x)·x) = f(x)
    np.testing.assert_array_equal(x.grad.data, expected)


def test_round_halves_to_even_like_numpy():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
    out = ag.round(ag.Tensor(x))
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0])
    np.testing.assert_array_equal(out.data, np.round(x))
    assert np.signbit(out.data[3])  # −0.5 rounds to −0.0, as NumPy


def test_round_with_decimals_positive_and_negative():
    x = ag.Tensor([0.125, 0.375, 1234.5])  # 12.5 and 37.5 hundredths: exact ties
    np.testing.assert_array_equal(ag.round(x, 2).data[:2], [0.12, 0.38])
    np.testing.assert_array_equal(x.round(decimals=-2).data[2], 1200.0)
    ints = ag.round(ag.Tensor(np.array([25, 35, -25])), decimals=-1)
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.data, [20, 40, -20])


@pytest.mark.parametrize("decimals", [1.0, True, "1", None])
def test_round_refuses_a_decimals_that_is_not_an_integer(decimals):
    with pytest.raises(TypeError, match="round: decimals must be an integer"):
        ag.round(ag.Tensor([1.25]), decimals)


@pytest.mark.parametrize(("fn", "expected"), [(ag.floor, [-2, 3]), (ag.ceil, [-2, 3])])
def test_floor_and_ceil_keep_integer_dtypes(fn, expected):
    """NumPy ≥ 2.1's rule (2.0 returned float64), on every supported NumPy."""
    out = fn(ag.Tensor(np.array([-2, 3])))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, expected)
    assert fn(ag.Tensor(np.array([-2, 3], dtype=np.int8))).dtype == np.int8
    flags = fn(ag.Tensor(np.array([True, False])))
    assert flags.dtype == np.bool_
    np.testing.assert_array_equal(flags.data, [True, False])


def test_floor_and_ceil_values_at_edges():
    x = np.array([-0.5, 0.5, -2.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(ag.floor(ag.Tensor(x)).data, np.floor(x))
    np.testing.assert_array_equal(ag.ceil(ag.Tensor(x)).data, np.ceil(x))
    assert np.signbit(ag.ceil(ag.Tensor([-0.5])).data[0])  # −0.0, as NumPy


def test_sign_values_integers_nan_and_bool():
    x = np.array([-3.0, -0.0, 0.0, 2.0, np.inf, np.nan])
    np.testing.assert_array_equal(ag.sign(ag.Tensor(x)).data, np.sign(x))
    ints = ag.sign(ag.Tensor(np.array([-5, 0, 7])))
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.data, [-1, 0, 1])
    with pytest.raises(TypeError, match="sign: unsupported dtype bool"):
        ag.sign(ag.Tensor(np.array([True, False])))


@pytest.mark.parametrize("name", ["sin", "floor", "round", "square", "reciprocal", "log1p"])
def test_empty_inputs_give_empty_results_and_gradients(name):
    x = leaf(np.zeros((0, 3)))
    y = getattr(ag, name)(x)
    assert y.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("name", [*NEW_UNARY, "arctan2", "remainder"])
def test_complex_inputs_are_refused_naming_the_op(name):
    args = (np.array([1 + 1j]),) * (2 if name in ("arctan2", "remainder") else 1)
    with pytest.raises(TypeError, match=f"{name}: complex"):
        getattr(ag, name)(*args)


# ----------------------------------------------------------------------------- remainder


def test_remainder_takes_the_sign_of_the_divisor_like_numpy_and_python():
    a = np.array([7.0, -7.0, 7.0, -7.0, 7.5, -7.5])
    b = np.array([3.0, 3.0, -3.0, -3.0, 2.0, 2.0])
    out = ag.Tensor(a) % ag.Tensor(b)
    np.testing.assert_array_equal(out.data, [1.0, 2.0, -2.0, -1.0, 1.5, 0.5])
    np.testing.assert_array_equal(out.data, np.remainder(a, b))
    np.testing.assert_array_equal(out.data, [x % y for x, y in zip(a, b)])


def test_remainder_of_integers_keeps_them():
    out = ag.remainder(ag.Tensor(np.array([-7, 7])), 3)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, [2, 1])


def test_remainder_by_zero_gives_numpys_values_without_an_exception():
    with pytest.warns(RuntimeWarning):
        floats = ag.Tensor([1.0, -2.0]) % ag.Tensor([0.0, 0.0])
    assert np.all(np.isnan(floats.data))
    with pytest.warns(RuntimeWarning):
        ints = ag.Tensor(np.array([5, -3])) % 0
    with np.errstate(all="ignore"):
        expected = np.remainder(np.array([5, -3]), 0)
    np.testing.assert_array_equal(ints.data, expected)
    with pytest.warns(RuntimeWarning):
        assert np.isnan((ag.Tensor(1.0) % 0.0).data)  # the 0-d path too


def test_remainder_gradients_at_known_points():
    a, b = leaf([5.5, -5.5, 1.0]), leaf([2.0, 2.0, -3.0])
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0, 1.0])
    # −⌊a/b⌋: ⌊2.75⌋ = 2, ⌊−2.75⌋ = −3, ⌊−1/3⌋ = −1
    np.testing.assert_array_equal(b.grad.data, [-2.0, 3.0, 1.0])


def test_x_mod_a_number_and_a_number_mod_x():
    x = leaf([5.5, -1.25])
    y = x % 3
    np.testing.assert_array_equal(y.data, [2.5, 1.75])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    x = leaf([2.5, -4.0])
    y = 7 % x
    np.testing.assert_array_equal(y.data, [2.0, -1.0])  # 7 − 2.5·2, 7 − (−4)·(−2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-2.0, 2.0])  # −⌊7/2.5⌋, −⌊7/(−4)⌋


def test_an_ndarray_mod_a_tensor_is_a_tensor_with_gradient():
    x = leaf([2.5, -4.0])
    y = np.array([7.0, 7.0]) % x
    assert isinstance(y, ag.Tensor)
    np.testing.assert_array_equal(y.data, [2.0, -1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-2.0, 2.0])


def test_remainder_forms_agree_and_keep_float32():
    x = ag.Tensor(np.float32([5.5, -1.25]))
    assert (x % 3).dtype == np.float32 and (3 % x).dtype == np.float32
    for out in (x.mod(3), x.remainder(3), ag.mod(x, 3), ag.remainder(x, 3)):
        np.testing.assert_array_equal(out.data, (x % 3).data)


def test_remainder_broadcasts_and_names_itself_on_bad_shapes():
    a, b = leaf([[5.5], [-5.5]]), leaf([2.0, -3.0, 4.0])
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[3.0], [3.0]])
    quotients = np.floor(np.array([[5.5], [-5.5]]) / np.array([2.0, -3.0, 4.0]))
    np.testing.assert_array_equal(b.grad.data, -quotients.sum(axis=0))
    with pytest.raises(ValueError, match=r"remainder: shapes \(3,\) and \(2,\)"):
        ag.Tensor(np.ones(3)) % ag.Tensor(np.ones(2))
