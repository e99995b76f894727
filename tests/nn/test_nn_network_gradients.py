"""A two-layer network's parameter gradients agree with central differences.

Backpropagation through Dense, the activations, the losses and the L2 penalty must give
the same ∂L/∂W and ∂L/∂b as perturbing each parameter by ±ε. Dropout is in the networks
but the check runs in eval mode, where it is the identity.
"""

import numpy as np
import pytest
from central_difference import numerical_gradient, relative_error

import autograd_lite as ag
import nn
from autograd_lite import Tensor

RNG = np.random.default_rng(42)
X = RNG.normal(size=(7, 3))
Y_BINARY = RNG.integers(0, 2, size=(7, 1)).astype(float)
LABELS = RNG.integers(0, 4, size=7)


def binary_logits_net():
    return nn.Sequential(
        nn.Dense(3, 5, init="xavier", seed=0), nn.Tanh(), nn.Dropout(0.5), nn.Dense(5, 1, seed=1)
    )


def binary_probability_net():
    return nn.Sequential(
        nn.Dense(3, 5, init="glorot", seed=2),
        nn.LeakyReLU(0.1),
        nn.Dense(5, 1, init="small", seed=3),
        nn.Sigmoid(),
    )


def multiclass_net():
    return nn.Sequential(
        nn.Dense(3, 6, seed=4), nn.ReLU(), nn.Dropout(0.3), nn.Dense(6, 4, init="xavier", seed=5)
    )


CASES = {
    "tanh_bce_with_logits_l2": (
        binary_logits_net,
        lambda model, out: nn.BCEWithLogitsLoss()(out, Y_BINARY) + nn.l2_penalty(model, 0.7, 7),
    ),
    "leaky_relu_sigmoid_bce": (
        binary_probability_net,
        lambda model, out: nn.BCELoss()(out, Y_BINARY),
    ),
    "relu_cross_entropy": (multiclass_net, lambda model, out: nn.CrossEntropyLoss()(out, LABELS)),
    "tanh_mse": (binary_logits_net, lambda model, out: nn.MSELoss()(out, Y_BINARY)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_two_layer_net_parameter_gradients_match_central_differences(case):
    build, objective = CASES[case]
    model = build().eval()

    def loss_value():
        with ag.no_grad():
            return objective(model, model(Tensor(X))).item()

    model.zero_grad()
    objective(model, model(Tensor(X))).backward()
    for name, param in model.named_parameters():
        numeric = numerical_gradient(loss_value, param.data)
        assert param.grad is not None, name
        assert param.grad.shape == param.shape, name
        assert relative_error(param.grad.data, numeric) < 1e-7, name


def test_gradients_flow_to_every_parameter_and_accumulate_until_zeroed():
    model = binary_logits_net().eval()
    loss_fn = nn.BCEWithLogitsLoss()
    loss_fn(model(Tensor(X)), Y_BINARY).backward()
    first = {name: p.grad.data.copy() for name, p in model.named_parameters()}
    loss_fn(model(Tensor(X)), Y_BINARY).backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.data, 2 * first[name], rtol=1e-12, err_msg=name)
    model.zero_grad()
    loss_fn(model(Tensor(X)), Y_BINARY).backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.data, first[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", list(CASES))
def test_two_layer_net_passes_the_engines_gradcheck(case):
    build, objective = CASES[case]
    model = build().eval()
    report = ag.gradcheck(lambda: objective(model, model(Tensor(X))), model.parameters())
    assert report, str(report)
    assert all(p.grad is None for p in model.parameters())  # the check leaves no side effects
