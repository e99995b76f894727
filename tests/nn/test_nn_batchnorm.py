"""BatchNorm1d against a NumPy reference: forward in train and eval, running statistics against
PyTorch's update rule, gradients against central differences, state and files."""

import numpy as np
import pytest
from central_difference import numerical_gradient, relative_error

import autograd_lite as ag
import nn
from autograd_lite import Tensor

EPS = 1e-5


def reference(x, gamma, beta, mean=None, var=None, eps=EPS):
    """y = γ (x − μ) / √(σ² + ε) + β per channel (axis 1), with the batch's biased variance
    over axis 0 (and 2 for 3-D input) unless mean and var are given."""
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    normalised = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * normalised + beta.reshape(shape)


def batches(count, shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(loc=3.0, scale=2.0, size=shape) for _ in range(count)]


def layer_with_affine(n=3, seed=1, **settings):
    """A BatchNorm1d whose γ and β are not the trivial ones and the same for every call."""
    layer = nn.BatchNorm1d(n, **settings)
    rng = np.random.default_rng(seed)
    layer.weight.data[...] = rng.uniform(0.5, 2.0, size=n)
    layer.bias.data[...] = rng.normal(size=n)
    return layer


# ----------------------------------------------------------------------------- forward


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_training_forward_normalises_with_the_batch_statistics(shape):
    layer = layer_with_affine()
    (x,) = batches(1, shape)
    expected = reference(x, layer.weight.data, layer.bias.data)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)


def test_training_output_has_zero_mean_and_unit_variance_per_feature_before_the_affine_part():
    layer = nn.BatchNorm1d(4)
    (x,) = batches(1, (16, 4))
    y = layer(x).data
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0 / (1.0 + EPS / x.var(axis=0)), rtol=1e-10)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_eval_forward_uses_the_running_statistics(shape):
    layer = layer_with_affine()
    for x in batches(3, shape):
        layer(Tensor(x))
    layer.eval()
    (x,) = batches(1, shape, seed=9)
    mean, var = layer.running_mean.data.copy(), layer.running_var.data.copy()
    expected = reference(x, layer.weight.data, layer.bias.data, mean, var)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layer.running_mean.data, mean)  # eval does not update
    assert layer.num_batches_tracked.data == 3


def test_a_fresh_layer_in_eval_mode_is_gamma_x_over_sqrt_one_plus_eps_plus_beta():
    layer = layer_with_affine().eval()
    x = np.array([[1.0, -2.0, 0.5]])  # one example is fine in eval mode
    expected = layer.weight.data * x / np.sqrt(1.0 + EPS) + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)


# ----------------------------------------------------------------------------- running statistics


@pytest.mark.parametrize("shape", [(6, 3), (3, 3, 4)])
def test_running_statistics_follow_pytorchs_momentum_rule_with_the_unbiased_variance(shape):
    momentum = 0.3
    layer = nn.BatchNorm1d(3, momentum=momentum)
    axes = (0,) if len(shape) == 2 else (0, 2)
    running_mean, running_var = np.zeros(3), np.ones(3)
    for x in batches(4, shape):
        layer(Tensor(x))
        running_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=axes)
        unbiased = x.var(axis=axes, ddof=1)
        running_var = (1 - momentum) * running_var + momentum * unbiased
    np.testing.assert_allclose(layer.running_mean.data, running_mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.data, running_var, rtol=1e-12)
    assert layer.num_batches_tracked.data == 4
    assert layer.num_batches_tracked.dtype == np.int64 and layer.num_batches_tracked.shape == ()


def test_momentum_none_keeps_the_cumulative_average_of_the_batch_statistics():
    layer = nn.BatchNorm1d(2, momentum=None)
    data = batches(5, (7, 2))
    for x in data:
        layer(x)
    np.testing.assert_allclose(
        layer.running_mean.data, np.mean([x.mean(axis=0) for x in data], axis=0), rtol=1e-12
    )
    np.testing.assert_allclose(
        layer.running_var.data, np.mean([x.var(axis=0, ddof=1) for x in data], axis=0), rtol=1e-12
    )


def test_running_statistics_update_under_no_grad_in_training_mode():
    layer = nn.BatchNorm1d(2)
    with ag.no_grad():
        layer(batches(1, (5, 2))[0])
    assert layer.num_batches_tracked.data == 1
    assert not np.allclose(layer.running_mean.data, 0.0)


def test_the_running_statistics_are_updated_in_place():
    layer = nn.BatchNorm1d(2)
    mean, var, count = layer.running_mean, layer.running_var, layer.num_batches_tracked
    layer(batches(1, (5, 2))[0])
    assert layer.running_mean is mean and layer.running_var is var
    assert layer.num_batches_tracked is count


def test_a_batch_of_one_in_training_raises_like_pytorch_and_changes_nothing():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(
        ValueError, match=r"expected more than 1 value per channel when training.*\(1, 3\)"
    ):
        layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3, 1\)"):
        layer(np.ones((1, 3, 1)))
    assert layer.num_batches_tracked.data == 0
    np.testing.assert_array_equal(layer.running_mean.data, np.zeros(3))
    layer(np.arange(6.0).reshape(1, 3, 2))  # one sequence of two steps: two values per channel


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_gradients_of_gamma_beta_and_input_match_central_differences(shape, training):
    layer = layer_with_affine()
    for x in batches(2, shape, seed=3):  # non-trivial running statistics for eval mode
        layer(x)
    layer.train(training)
    rng = np.random.default_rng(4)
    x = rng.normal(size=shape)
    weights = rng.normal(size=shape)  # J = Σ w·y: a plain sum of BN's output has dJ/dx = 0

    def loss_value():
        return float((layer(Tensor(x)).data * weights).sum())

    xt = Tensor(x, requires_grad=True)
    (layer(xt) * Tensor(weights)).sum().backward()
    for name, analytic, values in [
        ("x", xt.grad.data, x),
        ("gamma", layer.weight.grad.data, layer.weight.data),
        ("beta", layer.bias.grad.data, layer.bias.data),
    ]:
        numeric = numerical_gradient(loss_value, values)
        assert relative_error(analytic, numeric) < 1e-7, name


def test_gradient_check_of_a_network_with_batch_norm():
    model = nn.Sequential(
        nn.Dense(3, 4, seed=0), nn.BatchNorm1d(4), nn.Tanh(), nn.Dense(4, 1, seed=1)
    )
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    report = ag.gradcheck(lambda: nn.MSELoss()(model(X), Y), model.parameters())
    assert report


# ----------------------------------------------------------------------------- options


def test_affine_false_has_no_parameters_and_returns_the_normalised_input():
    layer = nn.BatchNorm1d(3, affine=False)
    assert layer.parameters() == [] and layer.weight is None and layer.gamma is None
    (x,) = batches(1, (6, 3))
    np.testing.assert_allclose(layer(x).data, reference(x, np.ones(3), np.zeros(3)), rtol=1e-12)
    assert list(layer.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_without_running_statistics_eval_uses_the_batch_statistics_too():
    layer = layer_with_affine(track_running_stats=False)
    assert layer.running_mean is None and layer.buffers() == []
    assert list(layer.state_dict()) == ["weight", "bias"]
    (x,) = batches(1, (6, 3))
    layer.eval()
    np.testing.assert_allclose(
        layer(x).data, reference(x, layer.weight.data, layer.bias.data), rtol=1e-12
    )


def test_gamma_and_beta_are_weight_and_bias():
    layer = nn.BatchNorm1d(3)
    assert layer.gamma is layer.weight and layer.beta is layer.bias
    np.testing.assert_array_equal(layer.gamma.data, np.ones(3))
    np.testing.assert_array_equal(layer.beta.data, np.zeros(3))
    new = Tensor(np.full(3, 2.0), requires_grad=True)
    layer.gamma = new
    assert layer.weight is new and new.name == "weight"


def test_pytorchs_names_and_attributes():
    layer = nn.BatchNorm1d(5, eps=1e-3, momentum=0.2)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in layer.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert (layer.num_features, layer.eps, layer.momentum) == (5, 1e-3, 0.2)
    assert layer.affine is True and layer.track_running_stats is True
    assert repr(layer) == (
        "BatchNorm1d(5, eps=0.001, momentum=0.2, affine=True, track_running_stats=True)"
    )


def test_float32_stays_float32():
    layer = nn.BatchNorm1d(3, dtype=np.float32)
    x = batches(1, (4, 3))[0].astype(np.float32)
    assert layer(x).dtype == np.float32
    layer.eval()
    assert layer(x).dtype == np.float32
    assert layer.running_mean.dtype == np.float32


def test_optimisers_train_gamma_and_beta_but_not_the_running_statistics():
    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.BatchNorm1d(3), nn.Dense(3, 1, seed=1))
    assert [name for name, _ in model.named_parameters()] == [
        "0.W",
        "0.b",
        "1.weight",
        "1.bias",
        "2.W",
        "2.b",
    ]
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    nn.MSELoss()(model(rng.normal(size=(8, 2))), rng.normal(size=(8, 1))).backward()
    optimizer.step()
    assert not np.allclose(model[1].weight.data, 1.0)
    assert model[1].num_batches_tracked.data == 1  # from the forward pass only


# ----------------------------------------------------------------------------- state and files


def trained_model(seed=0):
    model = nn.Sequential(nn.Dense(2, 3, seed=seed), nn.BatchNorm1d(3), nn.ReLU())
    for x in batches(3, (8, 2), seed=seed):
        model(x)
    return model


def test_state_dict_holds_parameters_then_buffers_in_pytorchs_order():
    assert list(trained_model().state_dict()) == [
        "0.W",
        "0.b",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]


def test_save_and_load_round_trip_including_the_running_statistics(tmp_path):
    source = trained_model(0)
    source[1].weight.data[...] = [0.5, 1.5, 2.0]
    target = nn.Sequential(nn.Dense(2, 3, seed=7), nn.BatchNorm1d(3), nn.ReLU())
    nn.save(source, tmp_path / "bn.npz")
    nn.load(target, tmp_path / "bn.npz")
    for key, value in source.state_dict().items():
        loaded = target.state_dict()[key]
        assert loaded.dtype == value.dtype, key
        np.testing.assert_array_equal(loaded, value, err_msg=key)
    assert target[1].num_batches_tracked.data == 3
    x = batches(1, (4, 2), seed=11)[0]
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_a_running_statistic_of_the_wrong_shape_is_refused_on_load(tmp_path):
    state = trained_model().state_dict()
    state["1.running_var"] = np.ones(4)
    np.savez(tmp_path / "bad.npz", **state)
    target = trained_model(5)
    before = target.state_dict()
    with pytest.raises(
        ValueError,
        match=r"'1\.running_var' has shape \(4,\) but the model's buffer has shape \(3,\)",
    ):
        nn.load(target, tmp_path / "bad.npz")
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_batch_norm_trains_inside_fit_and_evaluates_in_eval_mode():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=5.0, scale=3.0, size=(64, 2))
    Y = (X[:, :1] - 5.0 > 0).astype(float)
    model = nn.Sequential(
        nn.Dense(2, 4, seed=0), nn.BatchNorm1d(4), nn.Tanh(), nn.Dense(4, 1, seed=1)
    )
    history = nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.Adam(model.parameters(), lr=0.05),
        X,
        Y,
        epochs=5,
        batch_size=16,
        dev=(X, Y),
        verbose=False,
        seed=0,
    )
    assert model[1].num_batches_tracked.data == 5 * 4
    assert history.train_loss[-1] < history.train_loss[0]
    assert model.training


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (
            {"num_features": 0},
            ValueError,
            r"BatchNorm1d: num_features must lie in \[1, inf\), got 0",
        ),
        ({"num_features": 2.0}, TypeError, r"num_features must be an integer, got 2\.0"),
        ({"eps": 0.0}, ValueError, r"BatchNorm1d: eps must lie in \(0, inf\), got 0\.0"),
        ({"eps": float("nan")}, ValueError, r"eps must be a finite real number, got nan"),
        ({"momentum": 1.5}, ValueError, r"momentum must lie in \[0, 1\], got 1\.5"),
        ({"momentum": "0.1"}, TypeError, r"momentum must be a real number, got '0\.1'"),
        ({"affine": "yes"}, TypeError, r"affine must be True or False, got 'yes'"),
        (
            {"track_running_stats": 1},
            TypeError,
            r"track_running_stats must be True or False, got 1",
        ),
        ({"dtype": np.int64}, TypeError, r"BatchNorm1d: dtype must be a floating dtype"),
    ],
)
def test_batch_norm_refuses_bad_settings(arguments, error, message):
    settings = {"num_features": 3} | arguments
    with pytest.raises(error, match=message):
        nn.BatchNorm1d(**settings)


@pytest.mark.parametrize("shape", [(4,), (4, 2), (2, 4, 3, 1), (4, 5, 2)])
def test_batch_norm_names_the_expected_and_actual_input_shapes(shape):
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=rf"\(m, 3\) or \(N, 3, L\).*got {re_shape(shape)}"):
        layer(np.ones(shape))
    assert layer.num_batches_tracked.data == 0


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")
