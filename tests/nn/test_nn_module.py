"""Module and Sequential: registration, dotted names, modes, state dicts, repr, graph scopes."""

import numpy as np
import pytest

import nn
import nn.module
from autograd_lite import Tensor, grad_mode, graph


def two_layer_net(seed=0):
    return nn.Sequential(
        nn.Dense(2, 4, init="xavier", seed=seed), nn.Tanh(), nn.Dense(4, 1, seed=seed + 1)
    )


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = Tensor(np.ones(3), requires_grad=True)
        self.layers = nn.Sequential(nn.Dense(3, 3, seed=0), nn.ReLU(), nn.Dense(3, 2, seed=1))

    def forward(self, x):
        return self.layers(x * self.scale)


def test_named_parameters_are_dotted_paths_in_layer_order():
    names = [name for name, _ in two_layer_net().named_parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]


def test_parameters_carry_their_path_as_name():
    model = two_layer_net()
    assert [p.name for p in model.parameters()] == ["0.W", "0.b", "2.W", "2.b"]


def test_names_are_reprefixed_when_a_module_is_nested_after_being_built():
    encoder = Encoder()
    assert encoder.layers[2].W.name == "layers.2.W"
    outer = nn.Sequential(nn.Dense(3, 3, seed=2), encoder)
    names = [name for name, _ in outer.named_parameters()]
    assert names == [
        "0.W",
        "0.b",
        "1.scale",
        "1.layers.0.W",
        "1.layers.0.b",
        "1.layers.2.W",
        "1.layers.2.b",
    ]
    assert [p.name for p in outer.parameters()] == names


def test_named_parameters_of_a_submodule_are_relative_to_it():
    outer = nn.Sequential(Encoder())
    names = [name for name, _ in outer[0].layers.named_parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]


def test_dense_without_bias_has_only_a_weight():
    model = nn.Sequential(nn.Dense(3, 2, bias=False))
    assert [name for name, _ in model.named_parameters()] == ["0.W"]


def test_shared_parameter_is_listed_once():
    layer = nn.Dense(2, 2, seed=0)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert len(model.parameters()) == 2


def test_reassigning_an_attribute_replaces_the_parameter():
    layer = nn.Dense(2, 2, seed=0)
    layer.b = None
    assert [name for name, _ in layer.named_parameters()] == ["W"]


def test_tensor_without_requires_grad_is_not_a_parameter():
    layer = nn.Dense(2, 2, seed=0)
    layer.constant = Tensor(np.ones(2))
    assert len(layer.parameters()) == 2


def test_module_subclass_must_call_super_init_first():
    class Broken(nn.Module):
        def __init__(self):
            self.W = Tensor(np.ones(2), requires_grad=True)

    with pytest.raises(AttributeError, match=r"super\(\).__init__"):
        Broken()


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="position 1"):
        nn.Sequential(nn.Tanh(), lambda x: x)


def test_sequential_indexing_len_and_iteration():
    model = two_layer_net()
    assert len(model) == 3
    assert isinstance(model[1], nn.Tanh)
    assert model[-1] is list(model)[2]
    with pytest.raises(TypeError):
        model["0"]


def test_sequential_applies_layers_in_order():
    model = two_layer_net()
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    W1, b1 = model[0].W.data, model[0].b.data
    W2, b2 = model[2].W.data, model[2].b.data
    expected = np.tanh(x @ W1.T + b1) @ W2.T + b2
    np.testing.assert_allclose(model(Tensor(x)).data, expected, rtol=1e-12)


def test_modules_start_in_train_mode_and_switch_recursively():
    model = nn.Sequential(nn.Dense(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_resets_every_gradient():
    model = two_layer_net()
    model(Tensor(np.ones((3, 2)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_is_a_copy_keyed_by_path():
    model = two_layer_net()
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "2.W", "2.b"]
    state["0.W"][...] = 123.0
    assert not np.any(model[0].W.data == 123.0)


def test_load_state_dict_copies_values_into_the_same_tensors():
    source, target = two_layer_net(seed=0), two_layer_net(seed=10)
    weight_before = target[0].W
    target.load_state_dict(source.state_dict())
    assert target[0].W is weight_before
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def _assert_unchanged(model, before):
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_names_the_key_and_both_shapes_on_mismatch():
    model = two_layer_net()
    before = model.state_dict()
    bad = dict(before)
    bad["2.W"] = np.zeros((1, 5))
    bad["0.b"] = np.ones(4)  # valid, listed earlier: must not be assigned either
    with pytest.raises(ValueError, match=r"'2\.W'.*\(1, 5\).*\(1, 4\)"):
        model.load_state_dict(bad)
    _assert_unchanged(model, before)


def test_load_state_dict_reports_missing_and_unexpected_keys():
    model = two_layer_net()
    before = model.state_dict()
    state = dict(before)
    del state["2.b"]
    state["3.W"] = np.zeros((1, 1))
    with pytest.raises(ValueError, match=r"missing keys \['2\.b'\].*unexpected keys \['3\.W'\]"):
        model.load_state_dict(state)
    _assert_unchanged(model, before)


def test_load_state_dict_rejects_non_numeric_values():
    model = two_layer_net()
    state = model.state_dict()
    state["0.b"] = np.array(["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"0\.b"):
        model.load_state_dict(state)


def test_load_state_dict_rejects_a_non_mapping():
    with pytest.raises(TypeError):
        two_layer_net().load_state_dict([np.zeros(2)])


def test_repr_shows_the_tree_and_layer_settings():
    text = repr(nn.Sequential(nn.Dense(2, 4, init="xavier"), nn.Dropout(0.25), nn.Sigmoid()))
    assert text.splitlines() == [
        "Sequential(",
        "  (0): Dense(n_in=2, n_out=4, bias=True, init='xavier')",
        "  (1): Dropout(p=0.25)",
        "  (2): Sigmoid()",
        ")",
    ]


def test_repr_indents_nested_modules():
    text = repr(nn.Sequential(nn.Sequential(nn.ReLU())))
    assert text.splitlines() == ["Sequential(", "  (0): Sequential(", "    (0): ReLU()", "  )", ")"]


def test_each_module_call_is_marked_on_its_output_with_the_module_path():
    outer = nn.Sequential(nn.Dense(3, 3, seed=0), Encoder())
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    calls = graph.module_calls(outer(x).sum())
    assert [call.path for call in calls] == [
        "Sequential",
        "0",
        "1",
        "1.layers",
        "1.layers.0",
        "1.layers.1",
        "1.layers.2",
    ]
    assert all(isinstance(call.module, nn.Module) for call in calls)


def test_every_op_of_a_module_call_lies_inside_its_call_and_no_other_op_does():
    model = nn.Sequential(nn.Dense(3, 4, seed=0), nn.Tanh(), nn.Dense(4, 1, seed=1))
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    outside = x * 2.0
    loss = (model(outside) ** 2).sum()
    calls = {call.path: call for call in graph.module_calls(loss)}
    ops = {graph.node(t).op: graph.node(t).stamp for t in graph.walk(loss) if not t.is_leaf}
    assert calls["0"].contains(ops["linear"]) or calls["2"].contains(ops["linear"])
    assert calls["1"].contains(ops["tanh"]) and not calls["0"].contains(ops["tanh"])
    for call in calls.values():
        assert not call.contains(ops["mul"])  # x * 2.0 ran before the model
        assert not call.contains(ops["sum"])  # and the loss after it


def test_a_module_call_costs_no_graph_scope_per_op():
    model = nn.Sequential(nn.Dense(3, 4, seed=0), nn.Tanh())
    before = len(grad_mode.extras_active)
    seen = []
    original = model[1].forward

    def forward(x):
        seen.append(len(grad_mode.extras_active))
        return original(x)

    model[1].forward = forward
    model(Tensor(np.ones((2, 3)), requires_grad=True))
    assert seen == [before]  # ops inside a module stay on the fast path


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Bare"):
        type("Bare", (nn.Module,), {})()(1.0)
