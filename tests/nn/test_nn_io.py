"""save / load: exact round trips, atomic writes, optimiser state, clean failures."""

import os

import numpy as np
import pytest

import nn
from autograd_lite import Tensor


def make_model(seed=0, hidden=4, dtype=np.float64):
    return nn.Sequential(
        nn.Dense(3, hidden, seed=seed, dtype=dtype),
        nn.ReLU(),
        nn.Dense(hidden, 2, seed=seed + 1, dtype=dtype),
    )


def assert_same_parameters(a, b):
    state_a, state_b = a.state_dict(), b.state_dict()
    assert list(state_a) == list(state_b)
    for key in state_a:
        assert state_a[key].dtype == state_b[key].dtype
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)


def snapshot(model):
    return {key: value.copy() for key, value in model.state_dict().items()}


def assert_unchanged(model, before):
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_then_load_round_trips_exactly(tmp_path, dtype):
    source, target = make_model(seed=0, dtype=dtype), make_model(seed=10, dtype=dtype)
    source[0].b.data[...] = np.random.default_rng(0).normal(size=4)
    path = tmp_path / "model.npz"
    nn.save(source, path)
    nn.load(target, path)
    assert_same_parameters(source, target)


def test_load_keeps_the_same_parameter_tensors(tmp_path):
    source, target = make_model(0), make_model(1)
    weight = target[2].W
    nn.save(source, tmp_path / "m.npz")
    nn.load(target, str(tmp_path / "m.npz"))
    assert target[2].W is weight


def test_save_writes_exactly_the_given_path_and_nothing_else(tmp_path):
    path = tmp_path / "weights.bin"
    nn.save(make_model(), path)
    assert sorted(os.listdir(tmp_path)) == ["weights.bin"]


def test_saved_file_is_a_plain_npz_keyed_by_parameter_path(tmp_path):
    model = make_model()
    nn.save(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["0.W", "0.b", "2.W", "2.b"]
        np.testing.assert_array_equal(archive["2.W"], model[2].W.data)


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(make_model(0), path)
    newer = make_model(5)
    nn.save(newer, path)
    target = make_model(9)
    nn.load(target, path)
    assert_same_parameters(newer, target)


def test_a_save_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    original = make_model(0)
    nn.save(original, path)
    real_write_array = np.lib.format.write_array
    calls = []

    def failing_write_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="disk full"):
        nn.save(make_model(5), path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    target = make_model(9)
    nn.load(target, path)
    assert_same_parameters(original, target)


# ----------------------------------------------------------------------------- optimiser


def train_steps(model, optimizer, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        X, labels = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(Tensor(X)), labels).backward()
        optimizer.step()


def test_saved_optimiser_state_resumes_training_identically(tmp_path):
    model = make_model(0)
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    train_steps(model, optimizer, 3)
    nn.save(model, tmp_path / "checkpoint.npz", optimizer=optimizer)
    train_steps(model, optimizer, 3, seed=1)

    resumed = make_model(7)
    resumed_optimizer = nn.Adam(resumed.parameters(), lr=0.5)
    nn.load(resumed, tmp_path / "checkpoint.npz", optimizer=resumed_optimizer)
    assert resumed_optimizer.t == 3 and resumed_optimizer.lr == 0.01
    train_steps(resumed, resumed_optimizer, 3, seed=1)
    assert_same_parameters(model, resumed)


def test_a_file_with_optimiser_state_still_loads_into_a_model_alone(tmp_path):
    model = make_model(0)
    nn.save(model, tmp_path / "c.npz", optimizer=nn.SGD(model.parameters(), lr=0.1, momentum=0.9))
    target = make_model(3)
    nn.load(target, tmp_path / "c.npz")
    assert_same_parameters(model, target)


def test_loading_optimiser_state_from_a_file_without_it_fails_cleanly(tmp_path):
    nn.save(make_model(0), tmp_path / "m.npz")
    target = make_model(3)
    before = snapshot(target)
    with pytest.raises(ValueError, match="no optimizer state"):
        nn.load(target, tmp_path / "m.npz", optimizer=nn.Adam(target.parameters(), lr=0.1))
    assert_unchanged(target, before)


def test_a_mismatched_optimiser_state_leaves_model_and_optimiser_untouched(tmp_path):
    model = make_model(0)
    nn.save(model, tmp_path / "c.npz", optimizer=nn.RMSprop(model.parameters(), lr=0.1))
    target = make_model(3)
    optimizer = nn.Adam(target.parameters(), lr=0.2)
    before = snapshot(target)
    with pytest.raises(ValueError, match="missing keys"):
        nn.load(target, tmp_path / "c.npz", optimizer=optimizer)
    assert_unchanged(target, before)
    assert optimizer.lr == 0.2 and optimizer.t == 0


# ----------------------------------------------------------------------------- bad files


def write_corrupt(path, kind, good_file):
    data = good_file.read_bytes()
    if kind == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(300))
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "flipped bytes":
        middle = len(data) // 3
        path.write_bytes(
            data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 8]) + data[middle + 8 :]
        )
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("0.W = [[1, 2, 3]]\n")
    elif kind == "single array":
        with open(path, "wb") as file:
            np.save(file, np.zeros((4, 3)))


@pytest.mark.parametrize(
    "kind", ["random bytes", "truncated", "flipped bytes", "empty", "text", "single array"]
)
def test_a_corrupt_file_raises_value_error_and_leaves_the_model_untouched(tmp_path, kind):
    good = tmp_path / "good.npz"
    nn.save(make_model(0), good)
    bad = tmp_path / "bad.npz"
    write_corrupt(bad, kind, good)
    model = make_model(3)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"cannot load .*bad\.npz"):
        nn.load(model, bad)
    assert_unchanged(model, before)


def test_a_file_for_another_architecture_names_the_key_and_both_shapes(tmp_path):
    nn.save(make_model(0, hidden=5), tmp_path / "wide.npz")
    model = make_model(3, hidden=4)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"'0\.W' has shape \(5, 3\).*shape \(4, 3\)"):
        nn.load(model, tmp_path / "wide.npz")
    assert_unchanged(model, before)


def test_a_file_with_missing_or_extra_parameters_is_refused(tmp_path):
    deeper = nn.Sequential(nn.Dense(3, 4), nn.ReLU(), nn.Dense(4, 2), nn.Dense(2, 2))
    nn.save(deeper, tmp_path / "deeper.npz")
    model = make_model(3)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"unexpected keys \['3\.W', '3\.b'\]"):
        nn.load(model, tmp_path / "deeper.npz")
    assert_unchanged(model, before)
    nn.save(model, tmp_path / "shallow.npz")
    with pytest.raises(ValueError, match=r"missing keys \['3\.W', '3\.b'\]"):
        nn.load(deeper, tmp_path / "shallow.npz")


def test_loading_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(make_model(), tmp_path / "nowhere.npz")


def test_save_and_load_check_their_argument_types(tmp_path):
    with pytest.raises(TypeError, match="Module"):
        nn.save({"0.W": np.zeros(2)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="Optimizer"):
        nn.save(make_model(), tmp_path / "x.npz", optimizer="adam")
    with pytest.raises(TypeError, match="Module"):
        nn.load("model", tmp_path / "x.npz")
