"""Every op through the same families of checks, driven by the rows of `optable` (one row per
op of the library's op table; a missing row fails `test_every_op_has_a_test_row`).

- gradients against central differences of the NumPy reference (float64), forward on the way
- ops without a gradient (comparisons): values against NumPy, nothing recorded
- the Tensor method gives exactly what the function gives
- float32 in: float32 values and float32 gradients, close to the float64 ones
- Hessian-vector products through create_graph against differences of first derivatives
- 0-d tensors (computed on NumPy scalars) against one-element arrays
- aliases and PyTorch keyword spellings
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numerical import assert_gradients_match
from optable import SEEDS, all_rows

import autograd_lite as ag
from autograd_lite.ops import REGISTRY

ROWS = all_rows()
SETTINGS = settings(
    deadline=None, max_examples=25, suppress_health_check=[HealthCheck.filter_too_much]
)


def names(predicate) -> list[str]:
    return sorted(name for name, row in ROWS.items() if predicate(row))


DIFFERENTIABLE = names(lambda row: row.differentiable)
CONSTANT = names(lambda row: not row.differentiable)
FLOAT32 = names(lambda row: row.differentiable and row.float32)
SECOND_ORDER = names(lambda row: row.checks_second_order)
ZERO_DIM = names(lambda row: row.zero_dim)


def draw_case(name: str, data: st.DataObject, seed: int):
    return ROWS[name].sample(data.draw, np.random.default_rng(seed))


def leaves(arrays, dtype=np.float64) -> list[ag.Tensor]:
    return [ag.Tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]


# ----------------------------------------------------------------------------- coverage


def test_every_op_has_a_test_row():
    missing = sorted(set(REGISTRY) - set(ROWS))
    assert not missing, f"ops without a row in tests/autograd_lite/optable: {missing}"


def test_every_row_tests_a_declared_op():
    assert not sorted(set(ROWS) - set(REGISTRY))


# ----------------------------------------------------------------------------- first order


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_gradient_matches_central_differences_of_numpy(name, data, seed):
    row, case = ROWS[name], draw_case(name, data, seed)
    assert_gradients_match(
        case.call,
        case.reference,
        *case.arrays,
        rtol=row.rtol,
        atol=row.atol,
        forward_rtol=row.forward_rtol,
    )


@pytest.mark.parametrize("name", CONSTANT)
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_op_without_gradient_matches_numpy_and_records_nothing(name, data, seed):
    case = draw_case(name, data, seed)
    out = case.call(*(ag.Tensor(a) for a in case.arrays))
    expected = np.asarray(case.reference(*case.arrays))
    assert isinstance(out, ag.Tensor)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    float_inputs = [ag.Tensor(np.asarray(a, dtype=float), requires_grad=True) for a in case.arrays]
    if all(np.asarray(a).dtype.kind == "f" for a in case.arrays):
        assert not case.call(*float_inputs).requires_grad


@pytest.mark.parametrize("name", sorted(ROWS))
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_method_form_equals_function_form(name, data, seed):
    case = draw_case(name, data, seed)
    if case.method is None:
        return
    by_function = case.call(*(ag.Tensor(a) for a in case.arrays))
    by_method = case.method(*(ag.Tensor(a) for a in case.arrays))
    assert by_method.dtype == by_function.dtype
    np.testing.assert_array_equal(by_method.data, by_function.data)


@pytest.mark.parametrize("name", FLOAT32)
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_float32_inputs_give_float32_values_and_gradients(name, data, seed):
    case = draw_case(name, data, seed)
    if not case.float32:
        return
    x32 = leaves(case.arrays, np.float32)
    out = case.call(*x32)
    assert out.dtype == np.float32, f"{case.label}: {out.dtype}"
    expected = np.asarray(case.reference(*(np.float32(a).astype(float) for a in case.arrays)))
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(out.data, expected, rtol=1e-4, atol=1e-5 * scale)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(gradient=weights)
    x64 = leaves([np.float32(a).astype(float) for a in case.arrays])
    case.call(*x64).backward(gradient=weights)
    for t32, t64 in zip(x32, x64):
        assert t32.grad.dtype == np.float32
        scale = max(1.0, float(np.max(np.abs(t64.grad.data), initial=0.0)))
        np.testing.assert_allclose(t32.grad.data, t64.grad.data, rtol=1e-3, atol=1e-4 * scale)


# ----------------------------------------------------------------------------- second order


def _first_gradients(case, arrays, weights):
    tensors = leaves(arrays)
    out = case.call(*tensors)
    (weights * out * out).sum().backward()
    return [t.grad.data for t in tensors]


@pytest.mark.parametrize("name", SECOND_ORDER)
@settings(deadline=None, max_examples=10)
@given(data=st.data(), seed=SEEDS)
def test_hessian_vector_product_matches_differences_of_gradients(name, data, seed):
    """For L = Σ w·f(x)², H·v by a second backward through create_graph equals the central
    difference of first-order gradients along v (whose own correctness the first-order family
    checks against NumPy)."""
    case = draw_case(name, data, seed)
    rng = np.random.default_rng(seed)
    tensors = leaves(case.arrays)
    out = case.call(*tensors)
    weights = rng.uniform(0.5, 1.5, size=out.shape)
    (weights * out * out).sum().backward(create_graph=True)
    grads = [t.grad for t in tensors]
    directions = [rng.standard_normal(np.shape(a)) for a in case.arrays]
    for t in tensors:
        t.grad = None
    ag.stack([(g * v).sum() for g, v in zip(grads, directions)]).sum().backward()
    hvp = [t.grad.data if t.grad is not None else np.zeros(t.shape) for t in tensors]

    eps = ROWS[name].hvp_eps
    plus = _first_gradients(case, [a + eps * v for a, v in zip(case.arrays, directions)], weights)
    minus = _first_gradients(case, [a - eps * v for a, v in zip(case.arrays, directions)], weights)
    for got, p, m in zip(hvp, plus, minus):
        np.testing.assert_allclose(got, (p - m) / (2 * eps), rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- 0-d fast path


@pytest.mark.parametrize("name", ZERO_DIM)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_0d_inputs_give_what_one_element_arrays_give(name, dtype, data, seed):
    """0-d tensors compute on NumPy scalars (several times faster); values, dtypes and
    gradients must be those of the same numbers held in shape-(1,) arrays."""
    case = draw_case(name, data, seed)
    scalars = [np.asarray(a).reshape(-1)[:1].reshape(()) for a in case.arrays]
    if any(np.asarray(a).size == 0 for a in case.arrays) or not case.float32:
        return
    zero_d = leaves(scalars, dtype)
    one_el = leaves([s.reshape(1) for s in scalars], dtype)
    out0, out1 = case.call(*zero_d), case.call(*one_el)
    assert out0.dtype == out1.dtype
    np.testing.assert_array_equal(out0.data.reshape(-1), out1.data.reshape(-1))
    out0.sum().backward()
    out1.sum().backward()
    for a, b in zip(zero_d, one_el):
        assert a.grad.shape == () and a.grad.dtype == b.grad.dtype
        np.testing.assert_array_equal(a.grad.data.reshape(1), b.grad.data)


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_aliases_are_the_same_function_and_method(name):
    info = REGISTRY[name]
    for alias in info.aliases:
        assert getattr(ag, alias) is info.function
        if info.method:
            assert getattr(ag.Tensor, alias) is info.function
    for method in info.method:
        assert getattr(ag.Tensor, method) is info.function


# Ops whose axis needs another shape (squeeze: length 1) or more arguments than the tensor.
KEYWORD_SHAPES = {"squeeze": (3, 1)}
KEYWORD_ARGS = {"repeat": ([1, 0, 2, 3],), "take_along_axis": (np.array([[3, 0, 0, 1]] * 3),)}


@pytest.mark.parametrize(
    "name", sorted(n for n, info in REGISTRY.items() if "dim" in info.keyword_aliases)
)
def test_pytorch_keyword_spellings_give_the_numpy_keywords_results(name):
    x = ag.Tensor(np.random.default_rng(0).standard_normal(KEYWORD_SHAPES.get(name, (3, 4))))
    function = REGISTRY[name].function
    if name in ("concatenate", "stack"):
        np.testing.assert_array_equal(function([x, x], dim=1).data, function([x, x], axis=1).data)
        return
    args = KEYWORD_ARGS.get(name, ())
    numpy_form = function(x, *args, axis=1)
    assert np.array_equal(function(x, *args, dim=1).data, numpy_form.data)
    assert np.array_equal(getattr(x, name)(*args, dim=1).data, numpy_form.data)
    if "keepdim" in REGISTRY[name].keyword_aliases:
        kept = function(x, dim=1, keepdim=True)
        assert np.array_equal(kept.data, function(x, axis=1, keepdims=True).data)
    with pytest.raises(TypeError, match="both axis= and its alias dim="):
        function(x, axis=1, dim=1)


# ----------------------------------------------------------------------------- integer inputs

INTEGER_INPUTS = names(lambda row: row.differentiable and row.info.dtypes != "any")


@pytest.mark.parametrize("name", INTEGER_INPUTS)
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_integer_inputs_follow_the_ops_dtype_rule(name, data, seed):
    """ "float" ops compute integer inputs in float64; "numeric" ops keep NumPy's integer
    result dtype. Values equal NumPy's on the same integers."""
    case = draw_case(name, data, seed)
    integers = [np.round(np.asarray(a) * 2).astype(np.int64) for a in case.arrays]
    with np.errstate(all="ignore"):
        try:
            expected = np.asarray(case.reference(*integers))
        except (ValueError, ZeroDivisionError):
            return  # NumPy refuses these integers too (a negative integer power, ...)
    if not np.all(np.isfinite(expected)):
        return  # a pole (log 0, 1/0): not what this family is about
    out = case.call(*(ag.Tensor(a) for a in integers))
    if ROWS[name].info.dtypes == "float":
        assert out.dtype == np.float64, f"{case.label}: {out.dtype}"
    else:
        assert out.dtype == expected.dtype, f"{case.label}: {out.dtype} != {expected.dtype}"
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-14)


# ----------------------------------------------------------------------------- NumPy dispatch

NUMPY_DISPATCH = names(lambda row: row.differentiable and bool(row.info.numpy))


@pytest.mark.parametrize("name", NUMPY_DISPATCH)
@SETTINGS
@given(data=st.data(), seed=SEEDS)
def test_numpy_code_run_on_tensors_records_the_op(name, data, seed):
    """Each row's NumPy reference, run on Tensors instead of arrays, dispatches to the recorded
    ops (NEP 13/18): a Tensor with NumPy's values and the op's gradients."""
    case = draw_case(name, data, seed)
    tensors = leaves(case.arrays)
    out = case.reference(*tensors)
    assert isinstance(out, ag.Tensor), f"{case.label}: NumPy returned {type(out).__name__}"
    np.testing.assert_allclose(out.data, case.reference(*case.arrays), rtol=1e-12, atol=1e-14)
    if not out.requires_grad:  # e.g. the identity reference of astype returned a leaf
        return
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(gradient=weights)
    expected = leaves(case.arrays)
    case.call(*expected).backward(gradient=weights)
    for got, want in zip(tensors, expected):
        assert (got.grad is None) == (want.grad is None)
        if got.grad is not None:
            np.testing.assert_allclose(got.grad.data, want.grad.data, rtol=1e-10, atol=1e-12)
