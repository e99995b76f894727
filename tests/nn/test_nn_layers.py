"""Dense, Dropout and the activation modules."""

import re

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import Tensor

# ----------------------------------------------------------------------------- Dense


def test_dense_has_course_shapes_and_computes_x_wt_plus_b():
    layer = nn.Dense(3, 2, seed=0)
    assert layer.W.shape == (2, 3) and layer.b.shape == (2,)
    layer.b.data[...] = [0.5, -1.0]
    x = np.arange(12.0).reshape(4, 3)
    expected = x @ layer.W.data.T + layer.b.data
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12)


def test_dense_accepts_a_plain_array():
    layer = nn.Dense(2, 1, seed=0)
    x = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data.T, rtol=1e-12)


def test_dense_bias_starts_at_zero_and_can_be_left_out():
    assert np.all(nn.Dense(5, 3, seed=0).b.data == 0)
    layer = nn.Dense(2, 2, bias=False, seed=0)
    assert layer.b is None
    x = np.array([[1.0, -2.0]])
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data.T, rtol=1e-12)


def test_dense_parameters_require_grad_and_receive_gradients():
    layer = nn.Dense(3, 2, seed=0)
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    layer(x).sum().backward()
    # d(sum(X W^T + b))/dW[j, i] = sum over rows of X[:, i]; d/db[j] = m
    np.testing.assert_allclose(layer.W.grad.data, np.tile(x.sum(axis=0), (2, 1)))
    np.testing.assert_allclose(layer.b.grad.data, [2.0, 2.0])


def test_dense_with_the_same_seed_starts_identically():
    a, b = nn.Dense(4, 3, seed=7), nn.Dense(4, 3, seed=7)
    np.testing.assert_array_equal(a.W.data, b.W.data)
    assert not np.array_equal(a.W.data, nn.Dense(4, 3, seed=8).W.data)


def test_dense_uses_the_named_initialiser_with_its_generator():
    expected = nn.init.glorot((3, 4), np.random.default_rng(5))
    np.testing.assert_array_equal(nn.Dense(4, 3, init="glorot", seed=5).W.data, expected)


def test_dense_accepts_a_callable_initialiser():
    layer = nn.Dense(2, 3, init=lambda shape, rng: np.full(shape, 0.5))
    np.testing.assert_array_equal(layer.W.data, np.full((3, 2), 0.5))


def test_dense_rejects_an_initialiser_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        nn.Dense(2, 3, init=lambda shape, rng: np.zeros((2, 3)))


def test_dense_rejects_an_unknown_init_name():
    with pytest.raises(ValueError, match="unknown init 'kaiming'"):
        nn.Dense(2, 3, init="kaiming")


def test_dense_rejects_an_init_that_is_neither_name_nor_callable():
    with pytest.raises(TypeError, match="init"):
        nn.Dense(2, 3, init=0.01)


@pytest.mark.parametrize(
    "n_in, n_out, message",
    [
        (0, 3, r"Dense: n_in must lie in \[1, inf\), got 0"),
        (2, -1, r"Dense: n_out must lie in \[1, inf\), got -1"),
        (2.5, 3, r"Dense: n_in must be an integer, got 2\.5"),
        (True, 3, r"Dense: n_in must be an integer, got True"),
    ],
)
def test_dense_rejects_sizes_that_are_not_positive_integers(n_in, n_out, message):
    with pytest.raises(ValueError, match=message):
        nn.Dense(n_in, n_out)


def test_dense_names_both_shapes_when_the_input_does_not_fit():
    with pytest.raises(ValueError, match=r"Dense.*\(5, 3\).*\(2, 4\)"):
        nn.Dense(4, 2)(np.ones((5, 3)))


def test_dense_keeps_float32_when_asked():
    layer = nn.Dense(3, 2, dtype=np.float32, seed=0)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32


# ----------------------------------------------------------------------------- Linear


def test_linear_is_dense_under_pytorchs_name():
    assert nn.Linear is nn.Dense
    layer = nn.Linear(3, 2, seed=0)
    assert isinstance(layer, nn.Dense)
    assert (layer.in_features, layer.out_features) == (3, 2) == (layer.n_in, layer.n_out)


def test_linear_takes_pytorchs_keyword_spellings():
    a = nn.Linear(in_features=4, out_features=3, bias=False, seed=1)
    b = nn.Dense(n_in=4, n_out=3, bias=False, seed=1)
    assert a.W.shape == (3, 4) and a.b is None
    np.testing.assert_array_equal(a.W.data, b.W.data)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"n_in": 2, "in_features": 2, "n_out": 3}, r"Dense: give n_in or in_features, not both"),
        ({"n_out": 3}, r"Dense: missing the size n_in \(or in_features\)"),
        ({"in_features": 2}, r"Dense: missing the size n_out \(or out_features\)"),
    ],
)
def test_linear_refuses_ambiguous_or_missing_sizes(arguments, message):
    with pytest.raises(TypeError, match=message):
        nn.Dense(**arguments)


def test_weight_and_bias_are_the_very_same_tensors_as_w_and_b():
    layer = nn.Linear(3, 2, seed=0)
    assert layer.weight is layer.W and layer.bias is layer.b
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        layer(x).data, ag.linear(Tensor(x), layer.weight, layer.bias).data
    )
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data.T + layer.b.data, rtol=1e-12)


def test_assigning_through_weight_or_bias_replaces_w_or_b_and_keeps_names():
    model = nn.Sequential(nn.Linear(3, 2, seed=0))
    layer = model[0]
    new_weight = Tensor(np.ones((2, 3)), requires_grad=True)
    layer.weight = new_weight
    assert layer.W is new_weight and layer.weight is new_weight
    assert new_weight.name == "0.W"
    new_bias = Tensor(np.full(2, 0.5), requires_grad=True)
    layer.bias = new_bias
    assert layer.b is new_bias and new_bias.name == "0.b"
    assert [name for name, _ in model.named_parameters()] == ["0.W", "0.b"]
    assert model.parameters() == [new_weight, new_bias]
    layer.bias = None
    assert layer.b is None and [n for n, _ in model.named_parameters()] == ["0.W"]
    with pytest.raises(TypeError, match=r"parameter 'W'"):
        layer.weight = np.ones((2, 3))


def test_weight_and_bias_names_are_not_duplicated_in_parameters_or_state():
    layer = nn.Linear(3, 2)
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]
    assert list(layer.state_dict()) == ["W", "b"]
    assert "weight" not in layer.__dict__ and "bias" not in layer.__dict__


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"bias": 1}, TypeError, r"Dense: bias must be True or False, got 1"),
        ({"dtype": np.int32}, TypeError, r"Dense: dtype must be a floating dtype.*int32"),
        ({"dtype": "bogus"}, TypeError, r"Dense: dtype must be a floating dtype.*'bogus'"),
        ({"seed": -1}, ValueError, r"Dense: seed must lie in \[0, inf\), got -1"),
        ({"seed": 1.5}, TypeError, r"Dense: seed must be None, an int >= 0 or a numpy"),
    ],
)
def test_dense_refuses_bad_settings_naming_them(arguments, error, message):
    with pytest.raises(error, match=message):
        nn.Dense(2, 3, **arguments)


def test_dense_float32_parameters():
    layer = nn.Dense(2, 3, dtype=np.float32, seed=0)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32


# ----------------------------------------------------------------------------- Dropout


def test_dropout_keeps_the_mean_within_a_statistical_bound():
    p, n = 0.3, 200_000
    out = nn.Dropout(p, seed=0)(Tensor(np.ones(n))).data
    # each output is 0 or 1/(1-p): mean 1, standard deviation sqrt(p/(1-p)) per element
    standard_error = np.sqrt(p / (1 - p) / n)
    assert abs(out.mean() - 1.0) < 5 * standard_error


def test_dropout_drops_a_fraction_p_and_scales_survivors_by_one_over_keep_prob():
    p, n = 0.25, 100_000
    x = np.linspace(1.0, 2.0, n)
    out = nn.Dropout(p, seed=1)(Tensor(x)).data
    dropped = out == 0
    assert abs(dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - p), rtol=1e-12)


def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.9, seed=0).eval()
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_dropout_gradient_is_the_scaled_mask():
    p = 0.5
    x = Tensor(np.random.default_rng(0).normal(size=(50, 4)) + 3.0, requires_grad=True)
    out = nn.Dropout(p, seed=3)(x)
    out.sum().backward()
    kept = out.data != 0
    expected = np.where(kept, 1 / (1 - p), 0.0)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_dropout_with_the_same_seed_draws_the_same_masks():
    x = Tensor(np.ones((10, 10)))
    a, b = nn.Dropout(0.5, seed=42), nn.Dropout(0.5, seed=42)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_dropout_draws_a_new_mask_every_call():
    layer, x = nn.Dropout(0.5, seed=0), Tensor(np.ones(100))
    assert not np.array_equal(layer(x).data, layer(x).data)


def test_dropout_with_p_zero_changes_nothing():
    x = Tensor(np.arange(5.0))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


def test_dropout_keeps_float32():
    out = nn.Dropout(0.5, seed=0)(Tensor(np.ones(8, dtype=np.float32)))
    assert out.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", None, float("nan"), 0.5 + 0j])
def test_dropout_rejects_a_drop_probability_outside_zero_to_one(p):
    with pytest.raises(
        ValueError, match=r"Dropout: p \(the drop probability\) must .*got " + re.escape(repr(p))
    ):
        nn.Dropout(p)


# ----------------------------------------------------------------------------- activations

Z = np.array([[-3.0, -0.5, 0.0], [0.5, 2.0, 40.0]])


@pytest.mark.parametrize(
    "module, formula",
    [
        (nn.Sigmoid(), lambda z: 1 / (1 + np.exp(-z))),
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda z: np.maximum(z, 0)),
        (nn.LeakyReLU(), lambda z: np.where(z > 0, z, 0.01 * z)),
        (nn.LeakyReLU(0.2), lambda z: np.where(z > 0, z, 0.2 * z)),
        (nn.Softmax(), lambda z: np.exp(z - z.max(1, keepdims=True))),
    ],
    ids=["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.2", "softmax"],
)
def test_activation_matches_its_formula(module, formula):
    expected = formula(Z)
    if isinstance(module, nn.Softmax):
        expected = expected / expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(module(Tensor(Z)).data, expected, rtol=1e-12, atol=1e-300)


def test_softmax_normalises_along_the_chosen_axis():
    out = nn.Softmax(axis=0)(Tensor(Z)).data
    np.testing.assert_allclose(out.sum(axis=0), np.ones(3), rtol=1e-12)


def test_activation_derivatives_match_their_formulas():
    z = np.array([-2.0, -0.3, 0.4, 1.7])
    sigma = 1 / (1 + np.exp(-z))
    cases = [
        (nn.Sigmoid(), sigma * (1 - sigma)),
        (nn.Tanh(), 1 - np.tanh(z) ** 2),
        (nn.ReLU(), (z > 0).astype(float)),
        (nn.LeakyReLU(0.1), np.where(z > 0, 1.0, 0.1)),
    ]
    for module, derivative in cases:
        x = Tensor(z.copy(), requires_grad=True)
        module(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, derivative, rtol=1e-12, err_msg=repr(module))


def test_activation_settings_are_validated():
    with pytest.raises(TypeError, match="negative_slope"):
        nn.LeakyReLU("0.1")
    with pytest.raises(TypeError, match="axis"):
        nn.Softmax(axis=0.5)
