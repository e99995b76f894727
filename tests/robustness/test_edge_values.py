"""Edge values: NaN and ±inf (propagating like NumPy, caught by detect_anomaly), very large and
very small magnitudes in the stable ops, integer and bool inputs, and dtype promotion (NumPy 2:
Python scalars are weak, arrays are strong).

Expected values are NumPy's; expected derivatives are the textbook formulas evaluated in NumPy
(or central differences from `differences.py`).
"""

from __future__ import annotations

import numpy as np
import pytest
from differences import central_difference

import autograd_lite as ag
import nn
from autograd_lite import Tensor
from autograd_lite.anomaly import AnomalyError, detect_anomaly

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own nan/inf warnings

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, -2.0])


def leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def expit(x: np.ndarray) -> np.ndarray:
    """σ(x) without overflow, branch by branch (a different formula from the engine's)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    out[np.isnan(x)] = np.nan
    return out


# ---------------------------------------------------------------------------------------------
# NaN and ±inf: forward and backward like NumPy

# name: (forward in NumPy, derivative in NumPy)
SMOOTH = {
    "exp": (np.exp, np.exp),
    "log": (np.log, lambda x: 1 / x),
    "sqrt": (np.sqrt, lambda x: 1 / (2 * np.sqrt(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid": (expit, lambda x: expit(x) * (1 - expit(x))),
    "abs": (np.abs, np.sign),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_nan_and_inf_go_through_forward_and_backward_like_numpy(name):
    forward, derivative = SMOOTH[name]
    x = leaf(SPECIAL)
    y = getattr(x, name)()
    np.testing.assert_allclose(y.data, forward(SPECIAL), rtol=1e-15, atol=0)  # nan ↔ nan
    y.backward(gradient=np.ones_like(SPECIAL))
    np.testing.assert_allclose(x.grad.data, derivative(SPECIAL), rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "forward"),
    [
        ("relu", lambda x: np.maximum(x, 0)),
        ("leaky_relu", lambda x: np.where(x > 0, x, 0.01 * x)),
        ("clip", lambda x: np.clip(x, -1, 1)),
        ("neg", np.negative),
    ],
)
def test_piecewise_ops_keep_nan_and_inf_in_their_forward_like_numpy(name, forward):
    x = Tensor(SPECIAL)
    y = {"clip": lambda t: t.clip(-1, 1), "neg": lambda t: -t}.get(
        name, lambda t: getattr(t, name)()
    )(x)
    np.testing.assert_array_equal(y.data, forward(SPECIAL))


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_a_nan_input_spoils_only_its_own_gradient_in_elementwise_ops(name):
    values = np.array([0.5, np.nan, 2.0, 1.5])
    x = leaf(values)
    getattr(x, name)().sum().backward()
    assert np.isnan(x.grad.data[1])
    assert np.all(np.isfinite(x.grad.data[[0, 2, 3]]))


def test_a_nan_in_one_operand_of_mul_reaches_only_the_other_operands_gradient_there():
    a, b = leaf([1.0, np.nan, 3.0]), leaf([4.0, 5.0, 6.0])
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [4.0, 5.0, 6.0])  # ∂/∂a = b: finite
    np.testing.assert_array_equal(b.grad.data, [1.0, np.nan, 3.0])  # ∂/∂b = a


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "max", "sum", "mean"])
def test_a_nan_in_one_row_leaves_the_other_rows_of_a_reduction_untouched(name):
    values = np.array([[0.1, np.nan, 0.3], [0.4, 0.5, 0.6]])
    x = leaf(values)
    y = getattr(x, name)(axis=1)
    assert np.all(np.isfinite(y.data[1]))
    y.backward(gradient=np.ones(y.shape))
    assert np.all(np.isfinite(x.grad.data[1]))


def test_the_gradient_of_a_sum_does_not_depend_on_the_values_even_when_they_are_nan():
    x = leaf([np.nan, np.inf, -np.inf])
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(3))


def test_a_nan_cotangent_flows_back_to_exactly_the_elements_it_came_from():
    x = leaf([0.5, 1.0, 2.0])
    y = (x * 3.0).tanh().exp() + x.log()
    y.backward(gradient=np.array([1.0, np.nan, 1.0]))
    assert np.isnan(x.grad.data[1])
    assert np.all(np.isfinite(x.grad.data[[0, 2]]))


def test_infinite_inputs_to_saturating_ops_give_zero_not_nan_gradients():
    x = leaf([np.inf, -np.inf])
    for name in ["sigmoid", "tanh"]:
        x.grad = None
        getattr(x, name)().sum().backward()
        np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    x.grad = None
    x.exp().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [np.inf, 0.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_minus_infinity_masks_an_entry_of_the_softmax_family_with_finite_gradients(name):
    values = np.array([1.0, -np.inf, 2.0])
    finite = np.array([1.0, 2.0])
    x = leaf(values)
    y = getattr(x, name)()
    y.backward(gradient=np.array([0.3, 0.0, -0.7]) if y.ndim else None)
    assert np.all(np.isfinite(x.grad.data))
    assert x.grad.data[1] == 0.0  # the masked entry gets no gradient
    e = np.exp(finite - finite.max())
    if name == "softmax":
        np.testing.assert_allclose(y.data[[0, 2]], e / e.sum(), rtol=1e-12)
        assert y.data[1] == 0.0
    if name == "logsumexp":
        np.testing.assert_allclose(y.data, np.log(np.exp(finite).sum()), rtol=1e-12)
        np.testing.assert_allclose(x.grad.data[[0, 2]], e / e.sum(), rtol=1e-12)


def test_cross_entropy_with_a_minus_infinity_logit_for_a_wrong_class_is_finite():
    logits = leaf([[1.0, -np.inf, 2.0]])
    loss = ag.softmax_cross_entropy(logits, [2])
    p = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    np.testing.assert_allclose(loss.data, -np.log(p[1]), rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(logits.grad.data, [[p[0], 0.0, p[1] - 1]], rtol=1e-12)


def test_division_by_zero_gives_infinities_like_numpy_in_forward_and_backward():
    a, b = leaf([1.0, -1.0, 0.0]), leaf([0.0, 0.0, 0.0])
    y = a / b
    np.testing.assert_array_equal(y.data, np.array([1.0, -1.0, 0.0]) / 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, 1 / np.zeros(3))  # 1/b
    np.testing.assert_array_equal(b.grad.data, -y.data / 0.0)  # −y/b


def test_detect_anomaly_names_the_op_that_first_made_a_nan_in_forward():
    x = leaf([1.0, -1.0])
    with detect_anomaly(), pytest.raises(AnomalyError, match="'sqrt'") as error:
        x.sqrt()
    assert error.value.phase == "forward"


def test_detect_anomaly_names_the_op_whose_partial_derivative_made_an_inf():
    x = leaf([0.0, 4.0])
    with detect_anomaly():
        y = x.sqrt().sum()  # √0 = 0 is finite; its derivative 1/(2√0) is not
        with pytest.raises(AnomalyError, match="'sqrt'") as error:
            y.backward()
    assert error.value.phase == "backward"
    assert x.grad is None


# ---------------------------------------------------------------------------------------------
# large and tiny magnitudes in the stable ops


@pytest.mark.parametrize("z", [-1000.0, -745.0, -40.0, -1e-10, 0.0, 1e-10, 40.0, 1000.0])
def test_sigmoid_and_its_gradient_are_accurate_at_every_magnitude(z):
    x = leaf([z])
    y = x.sigmoid()
    np.testing.assert_allclose(y.data, expit(np.array([z])), rtol=1e-12, atol=0)
    y.backward(gradient=np.ones(1))
    s = expit(np.array([z]))
    np.testing.assert_allclose(x.grad.data, s * (1 - s), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("shift", [-1e6, -1e3, 1e3, 1e4, 1e6])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_is_shift_invariant_for_huge_shifts(name, shift):
    base = np.array([[0.5, -1.0, 2.0, 0.0]])
    w = np.array([[0.3, -0.2, 0.5, 1.0]])
    x, shifted = leaf(base), leaf(base + shift)
    y, y_shifted = getattr(x, name)(axis=1), getattr(shifted, name)(axis=1)
    expected = y.data + (shift if name == "logsumexp" else 0.0)
    rtol = 1e-12 if name == "softmax" else 1e-9
    np.testing.assert_allclose(y_shifted.data, expected, rtol=rtol, atol=1e-9)
    cot = w if name != "logsumexp" else np.ones((1,))
    y.backward(gradient=cot)
    y_shifted.backward(gradient=cot)
    np.testing.assert_allclose(shifted.grad.data, x.grad.data, rtol=1e-8, atol=1e-10)


def test_log_softmax_is_exact_for_a_gap_of_1000():
    x = leaf([[0.0, -1000.0]])
    np.testing.assert_array_equal(x.log_softmax(axis=1).data, [[0.0, -1000.0]])


@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_cross_entropy_losses_are_finite_with_the_right_gradient_for_huge_logits(scale):
    logits = leaf([[scale, -scale, 0.0], [0.0, scale, -scale]])
    loss = ag.softmax_cross_entropy(logits, [1, 1])
    np.testing.assert_allclose(loss.data, scale, rtol=1e-12)  # the first row pays 2·scale
    loss.backward()
    np.testing.assert_allclose(logits.grad.data, [[0.5, -0.5, 0], [0, 0, 0]], atol=1e-12)
    z = leaf([scale, -scale])
    bce = ag.binary_cross_entropy_with_logits(z, [0.0, 1.0])
    np.testing.assert_allclose(bce.data, scale, rtol=1e-12)
    bce.backward()
    np.testing.assert_allclose(z.grad.data, [0.5, -0.5], rtol=1e-12)


def test_var_of_values_with_a_huge_common_offset_is_not_destroyed_by_cancellation():
    values = 1e9 + np.array([1.0, 2.0, 3.0, 4.0])
    x = leaf(values)
    y = x.var()
    np.testing.assert_allclose(y.data, 1.25, rtol=1e-9)  # Σ(x − x̄)²/n, not E[x²] − x̄²
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (values - values.mean()) / 4, rtol=1e-9)


def test_tiny_positive_inputs_to_log_and_sqrt_give_huge_but_finite_gradients():
    x = leaf([1e-300, 1e-150])
    x.log().sum().backward()
    np.testing.assert_allclose(x.grad.data, [1e300, 1e150], rtol=1e-12)
    x.grad = None
    x.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.5 / np.sqrt([1e-300, 1e-150]), rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax", "log_softmax", "logsumexp"])
def test_float32_stable_ops_stay_finite_and_float32_at_magnitude_100(name):
    x = leaf([[-100.0, 0.0, 100.0]], dtype=np.float32)
    y = getattr(x, name)()
    assert y.dtype == np.float32 and np.all(np.isfinite(y.data))
    y.backward(gradient=np.ones(y.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32 and np.all(np.isfinite(x.grad.data))


def test_binary_cross_entropy_of_exact_zero_and_one_probabilities_is_finite_in_float32():
    p = leaf([0.0, 1.0, 0.5], dtype=np.float32)
    loss = ag.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0], dtype=np.float32))
    assert loss.dtype == np.float32 and np.isfinite(loss.data)
    loss.backward()
    assert np.all(np.isfinite(p.grad.data))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_keeps_its_precision_for_confident_right_answers(dtype):
    # Found by review: computing y·(log p − log(1−p)) + log(1−p) cancels for y = 1 and p near
    # 1, which gave −0.0 for float32 p = 1 − 2⁻²⁴ (the loss is −log p ≈ 6e-8).
    tiny = np.finfo(dtype).epsneg
    p = np.array([1 - tiny, 1 - 1e-5, 1 - 1e-3, tiny, 1e-5], dtype=dtype)
    y = np.array([1.0, 1.0, 1.0, 0.0, 0.0], dtype=dtype)
    wide = p.astype(np.float64)
    exact = np.where(y == 1, -np.log(wide), -np.log1p(-wide))  # per element, in float64
    for k in range(len(p)):
        loss = ag.binary_cross_entropy(Tensor(p[k : k + 1]), y[k : k + 1]).item()
        assert loss == pytest.approx(exact[k], rel=1e-5 if dtype == np.float32 else 1e-12)


# ---------------------------------------------------------------------------------------------
# integer and bool inputs


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "abs", "relu"])
def test_integer_inputs_give_the_same_values_as_numpy_on_their_float_version(name):
    ints = np.array([1, 2, 3])
    reference = {
        "exp": np.exp,
        "log": np.log,
        "sqrt": np.sqrt,
        "tanh": np.tanh,
        "sigmoid": expit,
        "abs": np.abs,
        "relu": lambda v: np.maximum(v, 0),
    }[name]
    np.testing.assert_allclose(getattr(Tensor(ints), name)().data, reference(ints.astype(float)))


def test_integer_data_requiring_grad_becomes_float64_and_gets_float64_gradients():
    x = Tensor(np.array([1, 2, 3]), requires_grad=True)
    assert x.dtype == np.float64
    (x * x).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])


def test_an_integer_constant_times_a_float_leaf_gives_the_integers_as_gradient():
    counts = Tensor(np.array([[1, 0], [3, 2]]))
    x = leaf(np.ones((2, 2)))
    y = counts * x + np.array([1, 2]) - x / np.array([2, 4])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, -0.25], [2.5, 1.75]])


def test_a_bool_mask_selects_gradients_like_multiplying_by_ones_and_zeros():
    mask = np.array([True, False, True])
    x = leaf([1.0, 2.0, 3.0])
    (x * mask).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])
    x.grad = None
    (x * Tensor(mask)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])


def test_sum_and_mean_of_bool_and_int_tensors_follow_numpy():
    flags = np.array([True, True, False])
    assert Tensor(flags).sum().item() == np.sum(flags) == 2
    assert Tensor(flags).sum().dtype == np.sum(flags).dtype
    ints = np.array([1, 2, 4])
    assert Tensor(ints).mean().item() == pytest.approx(np.mean(ints))
    assert Tensor(ints).mean().dtype == np.float64


def test_integer_powers_with_negative_exponents_are_computed_in_float64():
    y = Tensor(np.array([2, 4])) ** Tensor(np.array([-1, -2]))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, [0.5, 0.0625])
    np.testing.assert_array_equal((2 ** Tensor(np.array([-1, 3]))).data, [0.5, 8.0])


def test_mse_of_integer_predictions_against_float_targets_uses_the_exact_targets():
    prediction = Tensor(np.array([[1], [2]]))
    target = np.array([[0.5], [1.0]])
    loss = nn.MSELoss()(prediction, target)
    np.testing.assert_allclose(loss.item(), np.mean((prediction.data - target) ** 2))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.uint8])
def test_a_model_accepts_integer_and_bool_features_and_trains_in_float64(dtype):
    model = nn.Sequential(nn.Dense(3, 2), nn.Tanh(), nn.Dense(2, 1))
    x = np.array([[1, 0, 1], [0, 1, 1]], dtype=dtype)
    out = model(x)
    assert out.dtype == np.float64
    expected = model(x.astype(np.float64))
    np.testing.assert_array_equal(out.data, expected.data)
    out.sum().backward()
    assert all(p.grad.dtype == np.float64 for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# dtype promotion: NumPy 2 rules

F32 = np.float32


MASK = np.array([True, False])

# form: (with autograd_lite, with NumPy); the operators are the same code for both
FORMS = {
    "x + s": (lambda x, s: x + s,) * 2,
    "s + x": (lambda x, s: s + x,) * 2,
    "x - s": (lambda x, s: x - s,) * 2,
    "s - x": (lambda x, s: s - x,) * 2,
    "x * s": (lambda x, s: x * s,) * 2,
    "s * x": (lambda x, s: s * x,) * 2,
    "x / s": (lambda x, s: x / s,) * 2,
    "s / x": (lambda x, s: s / x,) * 2,
    "x ** s": (lambda x, s: x**s,) * 2,
    "s ** x": (lambda x, s: s**x,) * 2,
    "maximum": (ag.maximum, np.maximum),
    "minimum": (lambda x, s: ag.minimum(s, x), lambda x, s: np.minimum(s, x)),
    "where": (lambda x, s: ag.where(MASK, x, s), lambda x, s: np.where(MASK, x, s)),
}


@pytest.mark.parametrize("scalar", [2, 2.5], ids=["int", "float"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_float32_with_a_python_scalar_stays_float32_in_both_directions(form, scalar):
    engine, numpy = FORMS[form]
    values = np.array([1.5, 2.0], dtype=F32)
    assert np.asarray(numpy(values, scalar)).dtype == F32  # what NumPy 2 does
    x = leaf(values, dtype=F32)
    y = engine(x, scalar)
    assert y.dtype == F32, f"{form}: {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == F32


@pytest.mark.parametrize(
    "other",
    [np.array([1.0, 2.0]), np.array(2.0), Tensor([1.0, 2.0]), np.array([1, 2])],
    ids=["float64 array", "0-d float64 array", "float64 tensor", "int64 array"],
)
@pytest.mark.parametrize("form", ["x + s", "s * x", "x / s", "s - x", "x ** s", "maximum"])
def test_float32_with_a_float64_or_int64_array_becomes_float64_like_numpy(form, other):
    engine, numpy = FORMS[form]
    values = np.array([1.5, 2.0], dtype=F32)
    plain = other.data if isinstance(other, Tensor) else other
    numpy_dtype = np.asarray(numpy(values, plain)).dtype
    # NumPy 2.0's `float32 ** 0-d float64` fast path keeps float32 (np.power and NumPy >= 2.1
    # give float64); the engine computes with np.power, so float64 on every NumPy.
    assert numpy_dtype == np.float64 or (form == "x ** s" and plain.ndim == 0)
    x = leaf(values, dtype=F32)
    y = engine(x, other)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == F32  # the leaf's gradient keeps the leaf's dtype


def test_float32_with_a_numpy_float64_scalar_becomes_float64_like_numpy():
    values = np.array([1.5, 2.0], dtype=F32)
    assert (values * np.float64(2.0)).dtype == np.float64
    assert (Tensor(values) * np.float64(2.0)).dtype == np.float64


def test_create_graph_gradient_of_a_float32_leaf_mixed_with_float64_is_float32():
    x = leaf([1.5, 2.0], dtype=F32)
    (x * np.array([1.0, 3.0])).sum().backward(create_graph=True)
    assert x.grad.dtype == F32


def test_float32_leaf_gradients_match_central_differences_of_the_float64_function():
    values = np.array([0.3, -1.2, 2.0])
    x = leaf(values, dtype=F32)
    (x.tanh() * 2.0 + x.sigmoid() * x).sum().backward()

    def f(v):
        return np.sum(np.tanh(v) * 2.0 + expit(v) * v)

    expected = central_difference(f, values.astype(F32).astype(np.float64))
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# targets at the edge of what the losses accept


@pytest.mark.parametrize(
    "targets",
    [
        np.array([[1.0, 1.0, 0.0], [0.2, 0.2, 0.2]]),  # multi-label, and a row summing to 0.6
        np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.0]]),  # a row of zeros, a row summing to ½
        np.array([[0.1, 0.2, 0.7], [1.0, 0.0, 0.0]]),  # rows summing to 1 (0.1+0.2+0.7 ≠ 1.0)
    ],
    ids=["multi-label", "zero and half rows", "probability rows"],
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_gradient_is_right_for_target_rows_that_do_not_sum_to_one(
    targets, create_graph
):
    z_values = np.array([[0.2, -1.0, 0.5], [1.0, 0.3, -0.4]])

    def loss(z):
        log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.sum(targets * log_softmax) / len(z)

    z = leaf(z_values)
    value = ag.softmax_cross_entropy(z, targets)
    np.testing.assert_allclose(value.data, loss(z_values), rtol=1e-12)
    value.backward(create_graph=create_graph)
    np.testing.assert_allclose(z.grad.data, central_difference(loss, z_values), rtol=1e-6)
    logits = leaf(z_values)
    nn.CrossEntropyLoss()(logits, targets).backward()
    np.testing.assert_allclose(logits.grad.data, z.grad.data, rtol=1e-12)


@pytest.mark.parametrize("targets", [np.array([-0.5, 2.0]), np.array([0.3, 0.7])])
def test_bce_gradients_follow_their_formulas_even_for_targets_outside_zero_one(targets):
    z_values, p_values = np.array([0.4, -1.3]), np.array([0.3, 0.8])
    z, p = leaf(z_values), leaf(p_values)
    ag.binary_cross_entropy_with_logits(z, targets).backward()
    ag.binary_cross_entropy(p, targets).backward()

    def bce_logits(v):
        return np.mean(np.maximum(v, 0) - v * targets + np.log1p(np.exp(-np.abs(v))))

    def bce(v):
        return -np.mean(targets * np.log(v) + (1 - targets) * np.log(1 - v))

    np.testing.assert_allclose(z.grad.data, central_difference(bce_logits, z_values), rtol=1e-6)
    np.testing.assert_allclose(p.grad.data, central_difference(bce, p_values), rtol=1e-6)
