"""Module.register_buffer: non-trainable state that is saved and loaded but never trained."""

import numpy as np
import pytest

import nn
from autograd_lite import Tensor


class Counter(nn.Module):
    """A layer with a trainable scale and two buffers, one of them not persistent."""

    def __init__(self):
        super().__init__()
        self.scale = Tensor(np.ones(3), requires_grad=True)
        self.register_buffer("total", np.zeros(3))
        self.register_buffer("calls", np.array(0, dtype=np.int64))
        self.register_buffer("cache", np.full(3, 7.0), persistent=False)

    def forward(self, x):
        return x * self.scale


def test_a_buffer_is_a_tensor_without_gradient_readable_as_an_attribute():
    layer = Counter()
    assert isinstance(layer.total, Tensor)
    assert not layer.total.requires_grad
    np.testing.assert_array_equal(layer.total.data, np.zeros(3))
    assert layer.calls.dtype == np.int64 and layer.calls.shape == ()
    assert layer.total.name == "total"


def test_buffers_are_listed_by_buffers_and_never_by_parameters():
    model = nn.Sequential(nn.Dense(3, 3, seed=0), Counter())
    assert [name for name, _ in model.named_buffers()] == ["1.total", "1.calls", "1.cache"]
    assert model.buffers()[0] is model[1].total
    assert [name for name, _ in model.named_parameters()] == ["0.W", "0.b", "1.scale"]
    assert all(not any(b is p for p in model.parameters()) for b in model.buffers())


def test_buffer_names_follow_the_module_when_it_is_nested():
    layer = Counter()
    model = nn.Sequential(nn.ReLU(), layer)
    assert layer.total.name == "1.total"
    nn.Sequential(model)
    assert layer.calls.name == "0.1.calls"


def test_state_dict_holds_persistent_buffers_after_each_modules_parameters():
    model = nn.Sequential(Counter(), nn.Dense(3, 2, seed=0))
    assert list(model.state_dict()) == ["0.scale", "0.total", "0.calls", "1.W", "1.b"]
    state = model.state_dict()
    state["0.total"][...] = 5.0
    np.testing.assert_array_equal(model[0].total.data, np.zeros(3))  # a copy


def test_load_state_dict_restores_buffers_in_place():
    source, target = Counter(), Counter()
    source.total.data[...] = [1.0, 2.0, 3.0]
    source.calls.data[...] = 4
    total = target.total
    target.load_state_dict(source.state_dict())
    assert target.total is total
    np.testing.assert_array_equal(target.total.data, [1.0, 2.0, 3.0])
    assert target.calls.data == 4 and target.calls.dtype == np.int64
    np.testing.assert_array_equal(target.cache.data, np.full(3, 7.0))  # not persistent


def test_a_buffer_of_the_wrong_shape_is_refused_naming_key_and_shapes_and_nothing_changes():
    model = Counter()
    state = model.state_dict()
    state["scale"] = np.full(3, 2.0)
    state["total"] = np.zeros(4)
    with pytest.raises(
        ValueError, match=r"'total' has shape \(4,\) but the model's buffer has shape \(3,\)"
    ):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.scale.data, np.ones(3))


def test_an_integer_buffer_refuses_fractional_values():
    model = Counter()
    state = model.state_dict()
    state["calls"] = np.array(2.5)
    with pytest.raises(ValueError, match=r"'calls' holds float64 data.*int64 takes integers"):
        model.load_state_dict(state)
    assert model.calls.data == 0


def test_buffers_go_through_save_and_load(tmp_path):
    source = nn.Sequential(Counter(), nn.Dense(3, 2, seed=0))
    source[0].total.data[...] = [0.5, -1.0, 2.0]
    source[0].calls.data[...] = 9
    nn.save(source, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as archive:
        assert "0.total" in archive.files and "0.cache" not in archive.files
    target = nn.Sequential(Counter(), nn.Dense(3, 2, seed=1))
    nn.load(target, tmp_path / "m.npz")
    np.testing.assert_array_equal(target[0].total.data, [0.5, -1.0, 2.0])
    assert target[0].calls.data == 9


def test_optimisers_never_touch_buffers():
    model = Counter()
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    model(Tensor(np.ones(3))).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(model.total.data, np.zeros(3))
    assert len(optimizer.params) == 1


def test_train_and_eval_do_not_touch_buffers():
    model = Counter()
    model.eval()
    model.train()
    np.testing.assert_array_equal(model.total.data, np.zeros(3))


def test_assigning_a_tensor_replaces_the_buffer_and_none_empties_it():
    layer = Counter()
    new = Tensor(np.ones(3))
    layer.total = new
    assert layer.total is new and layer.buffers()[0] is new
    layer.total = None
    assert "total" not in layer.state_dict()
    assert [name for name, _ in layer.named_buffers()] == ["calls", "cache"]


def test_a_buffer_declared_as_none_is_registered_but_not_saved():
    layer = nn.Module()
    layer.register_buffer("running", None)
    assert layer.running is None
    assert layer.state_dict() == {} and layer.buffers() == []
    layer.running = Tensor(np.zeros(2))
    assert list(layer.state_dict()) == ["running"]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda m: m.register_buffer(3, np.zeros(2)),
            TypeError,
            r"register_buffer: name must be a str, got 3",
        ),
        (lambda m: m.register_buffer("", np.zeros(2)), ValueError, r"name .*got ''"),
        (lambda m: m.register_buffer("a.b", np.zeros(2)), ValueError, r"without dots, got 'a\.b'"),
        (lambda m: m.register_buffer("scale", np.zeros(2)), ValueError, r"'scale' already exists"),
        (
            lambda m: m.register_buffer("forward", np.zeros(2)),
            ValueError,
            r"'forward' already exists",
        ),
        (
            lambda m: m.register_buffer("s", Tensor(np.ones(2), requires_grad=True)),
            ValueError,
            r"buffer 's' got a Tensor that requires grad",
        ),
        (
            lambda m: m.register_buffer("s", np.array(["a"])),
            TypeError,
            r"buffer 's' must hold real numbers",
        ),
        (
            lambda m: m.register_buffer("s", np.ones(2) + 1j),
            TypeError,
            r"buffer 's' must hold real numbers.*complex128",
        ),
        (
            lambda m: m.register_buffer("s", np.ones(2), persistent="yes"),
            TypeError,
            r"persistent must be True or False, got 'yes'",
        ),
        (
            lambda m: setattr(m, "total", np.ones(3)),
            TypeError,
            r"cannot assign a ndarray .* to buffer 'total'",
        ),
    ],
)
def test_register_buffer_refuses_bad_arguments(call, error, message):
    model = Counter()
    with pytest.raises(error, match=message):
        call(model)


def test_register_buffer_needs_super_init():
    class Broken(nn.Module):
        def __init__(self):
            self.register_buffer("x", np.zeros(2))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Broken()
