"""save / load: exact round trips, atomic writes, optimiser state, clean failures."""

import errno
import io
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

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


# ----------------------------------------------------------------------------- save under faults


REPO = Path(__file__).resolve().parents[2]

KILLED_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import nn

    model = nn.Sequential(nn.Dense(3, 4), nn.ReLU(), nn.Dense(4, 2))
    real_write = np.lib.format.write_array
    written = []

    def write_then_die(fp, array, *args, **kwargs):
        real_write(fp, array, *args, **kwargs)
        written.append(1)
        if len(written) == 2:
            os._exit(3)  # killed half-way: no cleanup runs

    np.lib.format.write_array = write_then_die
    nn.save(model, sys.argv[1])
    """
)


def kill_a_writer_half_way(path):
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 3, result.stderr


def test_temporary_files_are_named_after_the_target_with_pid(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spying_replace(source, target):
        seen.append(os.path.basename(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spying_replace)
    nn.save(make_model(), tmp_path / "model.npz")
    assert re.fullmatch(rf"\.model\.npz\.{os.getpid()}-[0-9a-f]+\.tmp", seen[0]), seen


def test_the_next_save_removes_the_temporary_file_a_killed_writer_left(tmp_path):
    path = tmp_path / "model.npz"
    kill_a_writer_half_way(path)
    leftovers = os.listdir(tmp_path)
    assert len(leftovers) == 1 and re.fullmatch(
        r"\.model\.npz\.\d+-[0-9a-f]+\.tmp", leftovers[0]
    ), leftovers
    model = make_model(2)
    nn.save(model, path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    target = make_model(9)
    nn.load(target, path)
    assert_same_parameters(model, target)


def test_cleanup_spares_live_writers_other_targets_and_other_files(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        kill_a_writer_half_way(tmp_path / "model.npz")
        (dead,) = os.listdir(tmp_path)
        keep = [
            f".model.npz.{live.pid}-abc123.tmp",  # a writer still at work
            f".model.npz.{os.getpid()}-abc123.tmp",  # this process (another thread)
            ".other.npz.999999999-abc123.tmp",  # another target
            "model.npz.bak",
            ".model.npz.notapid-abc.tmp",
            ".model.npz.0123456789ab.tmp",  # the old naming: its writer is unknown
        ]
        for name in keep:
            (tmp_path / name).write_bytes(b"x")
        nn.save(make_model(), tmp_path / "model.npz")
        assert sorted(os.listdir(tmp_path)) == sorted([*keep, "model.npz"])
        assert dead not in os.listdir(tmp_path)
    finally:
        live.kill()
        live.wait()


def test_a_failed_rename_names_the_users_path_not_the_temporary_and_keeps_the_old_file(
    tmp_path, monkeypatch
):
    path = tmp_path / "m.npz"
    original = make_model(0)
    nn.save(original, path)

    def failing_replace(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link", source)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError) as info:
        nn.save(make_model(5), path)
    monkeypatch.undo()
    assert str(info.value) == f"save: cannot write {path}: Invalid cross-device link"
    assert info.value.errno == errno.EXDEV
    assert ".tmp" not in str(info.value)
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    target = make_model(9)
    nn.load(target, path)
    assert_same_parameters(original, target)


def test_a_failed_write_names_the_users_path_with_a_save_prefix(tmp_path, monkeypatch):
    def failing_write_array(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    path = tmp_path / "m.npz"
    with pytest.raises(OSError, match=rf"^save: cannot write {re.escape(str(path))}: No space"):
        nn.save(make_model(), path)
    assert os.listdir(tmp_path) == []


def test_an_interrupted_save_removes_its_temporary_file(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nn.save(make_model(), tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "make_path, error, message",
    [
        (lambda d: "", ValueError, r"^save: path is empty"),
        (
            lambda d: d / "file.txt" / "model.npz",
            NotADirectoryError,
            r"^save: cannot write .*file\.txt/model\.npz: .*file\.txt is a file, not a directory",
        ),
        (
            lambda d: d / "file.txt" / "sub" / "model.npz",
            NotADirectoryError,
            r"file\.txt is a file, not a directory",
        ),
        (lambda d: d, IsADirectoryError, r"^save: cannot write .*: it is a directory"),
        (lambda d: 3, TypeError, r"^save: path must be a str or os\.PathLike, got 3"),
        (
            lambda d: b"model.npz",
            TypeError,
            r"^save: path must be a str or os\.PathLike, got b'model\.npz'",
        ),
    ],
)
def test_save_refuses_paths_it_cannot_write_clearly(tmp_path, make_path, error, message):
    (tmp_path / "file.txt").write_text("not a directory")
    with pytest.raises(error, match=message):
        nn.save(make_model(), make_path(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["file.txt"]


# ----------------------------------------------------------------------------- load under faults


def write_archive(path, members):
    """An .npz whose members are given as raw bytes (forged headers included)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def forged_npy(shape, descr="<f8", payload=b"\0" * 64, version=(1, 0)):
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buffer, header)
    else:
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue() + payload


def good_members(model, optimizer=None):
    state = dict(model.state_dict())
    if optimizer is not None:
        state |= {"optimizer:" + k: v for k, v in optimizer.state_dict().items()}
    return {f"{key}.npy": npy_bytes(value) for key, value in state.items()}


@pytest.fixture
def no_data_reads(monkeypatch):
    """Fail the test if nn.load reads any array's data (headers only are allowed)."""

    def refuse(*args, **kwargs):
        raise AssertionError("array data was read before the headers were checked")

    monkeypatch.setattr(np.lib.format, "read_array", refuse)


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_a_forged_header_claiming_terabytes_is_refused_by_key_before_any_data_is_read(
    tmp_path, no_data_reads, version
):
    model = make_model()
    members = good_members(model)
    members["2.W.npy"] = forged_npy((10**6, 10**6), version=version)  # 8 TB of float64
    write_archive(tmp_path / "forged.npz", members)
    before = snapshot(model)
    with pytest.raises(
        ValueError,
        match=r"load: cannot load .*forged\.npz: state dict key '2\.W' has shape "
        r"\(1000000, 1000000\) but the model's parameter has shape \(2, 4\)",
    ):
        nn.load(model, tmp_path / "forged.npz")
    assert_unchanged(model, before)


def test_a_forged_optimizer_header_is_refused_by_key_before_any_data_is_read(
    tmp_path, no_data_reads
):
    model = make_model()
    optimizer = nn.Adam(model.parameters(), lr=0.1)
    members = good_members(model, optimizer)
    members["optimizer:0.m.npy"] = forged_npy((10**7, 10**6))
    write_archive(tmp_path / "forged.npz", members)
    with pytest.raises(ValueError, match=r"Adam state key '0\.m' has shape \(10000000, 1000000\)"):
        nn.load(model, tmp_path / "forged.npz", optimizer=optimizer)
    members = good_members(model, optimizer)
    members["optimizer:type.npy"] = forged_npy((), descr="<U100000", payload=b"")
    write_archive(tmp_path / "forged_type.npz", members)
    with pytest.raises(
        ValueError, match=r"Adam state key 'type' holds <U100000 data; it takes a short string"
    ):
        nn.load(model, tmp_path / "forged_type.npz", optimizer=optimizer)
    assert optimizer.t == 0 and optimizer.lr == 0.1


def test_a_header_that_promises_more_data_than_the_archive_holds_is_refused(
    tmp_path, no_data_reads
):
    model = make_model()
    members = good_members(model)
    members["0.W.npy"] = forged_npy((4, 3), payload=b"\0" * 8)  # 96 bytes promised
    write_archive(tmp_path / "short.npz", members)
    with pytest.raises(ValueError, match=r"key '0\.W' is truncated: its header promises \d+ bytes"):
        nn.load(model, tmp_path / "short.npz")


@pytest.mark.parametrize(
    "descr, message",
    [
        ("|O", r"'0\.b' holds object data"),
        ("<c16", r"'0\.b' holds complex128 data"),
        ([("a", "<f8")], r"'0\.b' holds \[\('a', '<f8'\)\] data"),
    ],
)
def test_a_header_with_a_dtype_the_model_cannot_hold_is_refused_by_key(
    tmp_path, no_data_reads, descr, message
):
    model = make_model()
    members = good_members(model)
    members["0.b.npy"] = forged_npy((4,), descr=descr, payload=b"\0" * 256)
    write_archive(tmp_path / "odd.npz", members)
    with pytest.raises(ValueError, match=message):
        nn.load(model, tmp_path / "odd.npz")


def test_a_key_stored_twice_is_refused(tmp_path):
    model = make_model()
    members = list(good_members(model).items())
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(tmp_path / "twice.npz", "w") as archive,
    ):
        for name, data in [*members, members[0]]:
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"key '0\.W' appears twice"):
        nn.load(model, tmp_path / "twice.npz")


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("lr", np.nan, r"Adam: lr must be a finite real number, got nan"),
        ("lr", -1.0, r"Adam: lr must lie in \[0, inf\), got -1\.0"),
        ("beta1", 1.0, r"Adam: beta1 must lie in \[0, 1\), got 1\.0"),
        ("eps", np.inf, r"Adam: eps must be a finite real number, got inf"),
        ("beta2", True, r"Adam state key 'beta2' holds bool data"),
        ("step_count", -3, r"Adam state: step_count must lie in \[0, inf\), got -3"),
    ],
)
def test_loaded_hyperparameters_are_checked_as_the_constructor_checks_them(
    tmp_path, key, value, message
):
    model = make_model(0)
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    train_steps(model, optimizer, 2)
    state = {"optimizer:" + k: v for k, v in optimizer.state_dict().items()}
    state["optimizer:" + key] = np.asarray(value)
    np.savez(tmp_path / "bad.npz", **model.state_dict(), **state)
    target = make_model(3)
    target_optimizer = nn.Adam(target.parameters(), lr=0.2)
    before = snapshot(target)
    with pytest.raises(ValueError, match=message):
        nn.load(target, tmp_path / "bad.npz", optimizer=target_optimizer)
    assert_unchanged(target, before)
    assert target_optimizer.lr == 0.2 and target_optimizer.t == 0
    assert not np.any(target_optimizer.state_dict()["0.m"])


@pytest.mark.parametrize(
    "make_path, error, message",
    [
        (lambda d: "", ValueError, r"^load: path is empty"),
        (lambda d: d, IsADirectoryError, r"^load: .* is a directory"),
        (lambda d: d / "absent.npz", FileNotFoundError, r"^load: .*absent\.npz does not exist"),
        (lambda d: None, TypeError, r"^load: path must be a str or os\.PathLike, got None"),
    ],
)
def test_load_refuses_paths_clearly(tmp_path, make_path, error, message):
    model = make_model()
    before = snapshot(model)
    with pytest.raises(error, match=message):
        nn.load(model, make_path(tmp_path))
    assert_unchanged(model, before)


def test_load_refuses_an_optimizer_of_the_wrong_type(tmp_path):
    nn.save(make_model(), tmp_path / "m.npz")
    with pytest.raises(TypeError, match=r"load: optimizer must be an Optimizer, got str"):
        nn.load(make_model(), tmp_path / "m.npz", optimizer="adam")
