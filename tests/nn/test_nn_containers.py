"""ModuleList, ModuleDict, and the attribute rules that keep every parameter registered."""

import itertools

import numpy as np
import pytest

import nn
from autograd_lite import Tensor


def names(module):
    return [name for name, _ in module.named_parameters()]


class Tower(nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Dense(a, b, seed=i) for i, (a, b) in enumerate(itertools.pairwise(widths))
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).tanh()
        return x


# ----------------------------------------------------------------------------- ModuleList


def test_module_list_registers_children_by_position():
    model = Tower([2, 3, 4])
    assert names(model) == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    assert [p.name for p in model.parameters()] == names(model)
    assert names(model.layers) == ["0.W", "0.b", "1.W", "1.b"]
    assert len(model.parameters()) == 4


def test_module_list_forward_uses_its_layers_and_gradients_reach_them():
    model = Tower([2, 3, 1])
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    W1, b1 = model.layers[0].W.data, model.layers[0].b.data
    W2, b2 = model.layers[1].W.data, model.layers[1].b.data
    expected = np.tanh(np.tanh(x @ W1.T + b1) @ W2.T + b2)
    out = model(Tensor(x))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_module_list_state_dict_and_optimiser_see_every_layer():
    model = Tower([2, 3, 4])
    assert list(model.state_dict()) == names(model)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    assert len(optimizer.params) == 4


def test_module_list_append_extend_insert_renumber_the_names():
    a, b, c, d = (nn.Dense(2, 2, seed=i) for i in range(4))
    layers = nn.ModuleList([a])
    assert layers.append(b) is layers
    assert layers.extend([c]) is layers
    layers.insert(1, d)
    assert list(layers) == [a, d, b, c]
    assert [a.W.name, d.W.name, b.W.name, c.W.name] == ["0.W", "1.W", "2.W", "3.W"]
    layers.insert(-1, nn.ReLU())  # like list.insert: before the last
    assert isinstance(layers[3], nn.ReLU) and layers[4] is c
    layers.insert(100, nn.Tanh())  # clamped to the end
    assert isinstance(layers[-1], nn.Tanh)


def test_module_list_indexing_negative_indices_and_slices():
    modules = [nn.Dense(2, 2, seed=i) for i in range(4)]
    layers = nn.ModuleList(modules)
    assert layers[0] is modules[0]
    assert layers[-1] is modules[3]
    assert layers[np.int64(2)] is modules[2]
    part = layers[1:3]
    assert isinstance(part, nn.ModuleList)
    assert list(part) == modules[1:3]
    assert names(part) == ["0.W", "0.b", "1.W", "1.b"]
    # a slice does not take the modules away from their list: their names stay
    assert modules[1].W.name == "1.W"
    assert list(layers[::-1]) == modules[::-1]
    assert len(layers[10:]) == 0
    assert modules[2] in layers and nn.ReLU() not in layers


def test_module_list_setitem_and_delitem():
    modules = [nn.Dense(2, 2, seed=i) for i in range(3)]
    layers = nn.ModuleList(modules)
    replacement = nn.Dense(2, 2, seed=9)
    layers[-1] = replacement
    assert layers[2] is replacement and replacement.W.name == "2.W"
    del layers[0]
    assert list(layers) == [modules[1], replacement]
    assert modules[1].W.name == "0.W" and replacement.W.name == "1.W"
    del layers[:]
    assert len(layers) == 0 and layers.parameters() == []


def test_module_list_of_a_nested_model_names_with_the_full_path():
    model = nn.Sequential(nn.Dense(2, 2, seed=0), Tower([2, 3]))
    assert names(model) == ["0.W", "0.b", "1.layers.0.W", "1.layers.0.b"]
    assert model[1].layers[0].W.name == "1.layers.0.W"


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: nn.ModuleList([nn.ReLU(), 3]), TypeError, r"ModuleList.*int 3 at position 1"),
        (lambda: nn.ModuleList(5), TypeError, r"ModuleList.extend .*iterable.*int 5"),
        (lambda: nn.ModuleList(nn.ReLU()), TypeError, r"ModuleList.extend .*got ReLU"),
        (lambda: nn.ModuleList([nn.ReLU()])[1], IndexError, r"index 1 is out of range for 1"),
        (lambda: nn.ModuleList([nn.ReLU()])[-2], IndexError, r"index -2 .* 1 modules"),
        (lambda: nn.ModuleList([nn.ReLU()])["0"], TypeError, r"ModuleList: index .*'0'"),
        (lambda: nn.ModuleList([nn.ReLU()])[True], TypeError, r"index must be an integer"),
    ],
)
def test_module_list_refuses_bad_input(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_module_list_extend_checks_everything_before_adding_anything():
    layers = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError, match="position 2"):
        layers.extend([nn.Tanh(), "relu"])
    assert len(layers) == 1


def test_module_list_repr_shows_its_children():
    assert repr(nn.ModuleList([nn.ReLU(), nn.Tanh()])).splitlines() == [
        "ModuleList(",
        "  (0): ReLU()",
        "  (1): Tanh()",
        ")",
    ]


# ----------------------------------------------------------------------------- ModuleDict


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Dense(3, 4, seed=0)
        self.heads = nn.ModuleDict({"cls": nn.Dense(4, 2, seed=1), "box": nn.Dense(4, 4, seed=2)})

    def forward(self, x):
        h = self.body(x).relu()
        return {key: head(h) for key, head in self.heads.items()}


def test_module_dict_registers_children_by_key():
    model = TwoHeads()
    assert names(model) == [
        "body.W",
        "body.b",
        "heads.cls.W",
        "heads.cls.b",
        "heads.box.W",
        "heads.box.b",
    ]
    assert model.heads["box"].W.name == "heads.box.W"
    assert list(model.state_dict()) == names(model)
    out = model(Tensor(np.ones((2, 3))))
    assert out["cls"].shape == (2, 2) and out["box"].shape == (2, 4)


def test_module_dict_mapping_interface():
    relu, tanh, sig = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    heads = nn.ModuleDict([("a", relu), ("b", tanh)])
    assert len(heads) == 2
    assert "a" in heads and "c" not in heads
    assert list(heads) == heads.keys() == ["a", "b"]
    assert heads.values() == [relu, tanh]
    assert heads.items() == [("a", relu), ("b", tanh)]
    assert heads.a is relu  # attribute access to a key, like PyTorch
    heads.update({"c": sig, "a": tanh})
    assert heads.keys() == ["a", "b", "c"] and heads["a"] is tanh
    assert heads.pop("b") is tanh
    assert heads.pop("zzz", None) is None
    assert heads.keys() == ["a", "c"]
    heads["d"] = relu
    del heads["a"]
    assert heads.keys() == ["c", "d"]
    heads.clear()
    assert len(heads) == 0


def test_module_dict_keys_that_are_method_names_do_not_shadow_the_methods():
    heads = nn.ModuleDict({"keys": nn.ReLU(), "train": nn.Tanh()})
    assert heads.keys() == ["keys", "train"]
    assert heads.train() is heads
    assert isinstance(heads["train"], nn.Tanh)


def test_module_dict_update_with_a_pair_list_keeps_order_and_replaces_names():
    model = TwoHeads()
    new_head = nn.Dense(4, 3, seed=5)
    model.heads.update([("cls", new_head)])
    assert new_head.W.name == "heads.cls.W"
    assert model.heads.keys() == ["cls", "box"]


@pytest.mark.parametrize(
    "build, error, message",
    [
        (
            lambda: nn.ModuleDict({"a.b": nn.ReLU()}),
            ValueError,
            r"key must be .*without dots.*'a\.b'",
        ),
        (lambda: nn.ModuleDict({"": nn.ReLU()}), ValueError, r"ModuleDict: key .*got ''"),
        (lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError, r"ModuleDict: key must be a str, got 1"),
        (
            lambda: nn.ModuleDict({"a": 3.0}),
            TypeError,
            r"Module values, got float 3\.0 for key 'a'",
        ),
        (lambda: nn.ModuleDict([("a",)]), TypeError, r"\(key, module\) pairs.*position 0"),
        (lambda: nn.ModuleDict(nn.ReLU()), TypeError, r"mapping or an iterable.*ReLU"),
        (lambda: nn.ModuleDict({"a": nn.ReLU()})["b"], KeyError, r"no key 'b'.*\['a'\]"),
        (lambda: nn.ModuleDict().pop("b"), KeyError, r"no key 'b'"),
        (lambda: nn.ModuleDict().missing, AttributeError, r"no attribute or key 'missing'"),
    ],
)
def test_module_dict_refuses_bad_input(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_module_dict_update_checks_everything_before_adding_anything():
    heads = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(TypeError, match="key 'c'"):
        heads.update({"b": nn.Tanh(), "c": "tanh"})
    assert heads.keys() == ["a"]


# ----------------------------------------------------------------------------- attribute rules


@pytest.mark.parametrize(
    "container",
    [
        lambda: [nn.Dense(2, 2), nn.ReLU()],
        lambda: (nn.Dense(2, 2),),
        lambda: {"encoder": nn.Dense(2, 2)},
        lambda: {nn.ReLU()},
        lambda: [Tensor(np.ones(2), requires_grad=True)],
        lambda: {"scale": Tensor(np.ones(2), requires_grad=True)},
        lambda: [[1.0, 2.0], [nn.ReLU()]],  # nested
    ],
)
def test_a_python_container_of_modules_or_parameters_is_refused_naming_the_attribute(container):
    model = nn.Module()
    value = container()
    with pytest.raises(
        TypeError, match=r"Module: attribute 'blocks' .*nn\.ModuleList or nn\.ModuleDict"
    ):
        model.blocks = value
    assert not hasattr(model, "blocks")
    assert model.parameters() == []


@pytest.mark.parametrize(
    "value",
    [
        [1.0, 2.0, 3.0],
        (3, 4),
        {"widths": [2, 3]},
        {1, 2},
        [Tensor(np.ones(2))],  # constants (no grad) are not parameters
        [],
    ],
)
def test_plain_containers_of_numbers_or_constants_stay_allowed(value):
    model = nn.Module()
    model.settings = value
    assert model.settings is value
    assert model.parameters() == []


def test_a_subclass_that_stores_layers_in_a_list_is_told_what_to_use():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Dense(2, 2), nn.Dense(2, 2)]

    with pytest.raises(TypeError, match=r"Broken: attribute 'layers' would be a list"):
        Broken()


def test_a_parameter_slot_takes_only_a_parameter_or_none():
    layer = nn.Dense(2, 3, seed=0)
    with pytest.raises(TypeError, match=r"Dense: cannot assign a ndarray .* to parameter 'W'"):
        layer.W = np.zeros((3, 2))
    with pytest.raises(TypeError, match=r"parameter 'b'.*requires_grad=True"):
        layer.b = Tensor(np.zeros(3))  # a constant would silently stop being trained
    assert names(layer) == ["W", "b"]
    new_weight = Tensor(np.ones((3, 2)), requires_grad=True)
    layer.W = new_weight
    assert layer.W is new_weight and new_weight.name == "W"


def test_a_module_slot_takes_only_a_module_or_none():
    model = nn.Sequential(nn.Dense(2, 2))
    with pytest.raises(TypeError, match=r"Sequential: cannot assign int 3 to sub-module '0'"):
        setattr(model, "0", 3)
    setattr(model, "0", None)
    assert model.parameters() == []


def test_replacing_a_child_or_parameter_keeps_its_place_in_the_order():
    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh(), nn.Dense(3, 1, seed=1))
    setattr(model, "0", nn.Dense(2, 3, seed=5))  # forward order and names must not change
    assert [type(m).__name__ for m in model] == ["Dense", "Tanh", "Dense"]
    assert names(model) == ["0.W", "0.b", "2.W", "2.b"]
    layer = model[0]
    layer.W = Tensor(np.ones((3, 2)), requires_grad=True)
    assert names(layer) == ["W", "b"]
