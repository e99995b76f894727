"""Saving and loading a model's state (and optionally an optimiser's) as .npz.

File layout: one array per parameter and persistent buffer under its dotted path ("0.W",
"0.b", "1.running_mean", ...), exactly ``model.state_dict()``, so ``np.load(path)`` reads it
without this package. With ``optimizer=opt`` the entries of ``opt.state_dict()`` are added
under the prefix "optimizer:" ("optimizer:lr", "optimizer:step_count", "optimizer:0.m", ...).

``save`` writes a temporary file ``.{name}.{pid}-{random}.tmp`` in the same directory, flushes
it to disk and renames it over ``path`` (an atomic replace), so a crash leaves either the old
file or the new one, never half of one. A writer killed before its rename leaves its
temporary file behind; the next ``save`` to the same path removes the ones whose process is
gone. Every error names the path you gave (never the temporary file) after "save:".

``load`` reads and validates everything before assigning anything. It first reads each
array's .npy header (shape and dtype) inside the archive and checks it against the model and
the optimiser, so a file that claims a huge array is refused naming the key before any data
is read or allocated; then it reads the data and checks the values (optimiser
hyperparameters with the optimiser's own checks). A corrupt, truncated or non-npz file, or
one that does not match the model, raises ValueError and leaves the model and optimiser
untouched.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import zipfile
import zlib
from typing import IO, Any

import numpy as np

from autograd_lite.validation import ArgumentTypeError

from .module import Module, check_same_keys, check_state_entry
from .optim import Optimizer

OPTIMIZER_PREFIX = "optimizer:"
PathLike = str | os.PathLike


def _user_path(path: Any, where: str) -> str:
    """``path`` as a non-empty str, or an error naming the function."""
    if not isinstance(path, str | os.PathLike):
        raise ArgumentTypeError(f"{where}: path must be a str or os.PathLike, got {path!r}")
    text = os.fspath(path)
    if not isinstance(text, str):
        raise ArgumentTypeError(f"{where}: path must be a str or os.PathLike, got {path!r}")
    if not text:
        raise ValueError(f"{where}: path is empty; give a file name such as 'model.npz'")
    return text


def save(model: Module, path: PathLike, optimizer: Optimizer | None = None) -> None:
    """Write the model's state (and ``optimizer``'s, if given) to exactly ``path``."""
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"save: model must be a Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError(
            f"save: optimizer must be an Optimizer, got {type(optimizer).__name__}"
        )
    path = _user_path(path, "save")
    arrays: dict[str, Any] = dict(model.state_dict())
    if optimizer is not None:
        for key, value in optimizer.state_dict().items():
            arrays[OPTIMIZER_PREFIX + key] = value
    _write_npz_atomically(path, arrays)


def load(model: Module, path: PathLike, optimizer: Optimizer | None = None) -> None:
    """Restore the state saved by ``save`` into ``model`` (in place), and the optimiser's
    state into ``optimizer`` when given (the file must then hold it)."""
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"load: model must be a Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError(
            f"load: optimizer must be an Optimizer, got {type(optimizer).__name__}"
        )
    path = _user_path(path, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: {path} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"load: {path} is a directory, not a file saved by nn.save")
    try:
        file = open(path, "rb")  # noqa: SIM115  (closed below; opening errors named here)
    except OSError as error:
        raise _renamed(error, f"load: cannot read {path}") from error
    try:
        with file:
            model_state, optimizer_state = _read_checked(file, model, optimizer)
        model.check_state_dict(model_state)
        if optimizer is not None:
            optimizer.check_state_dict(optimizer_state)
    except ValueError as error:
        raise ValueError(f"load: cannot load {path}: {error}") from error
    model.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)


# ------------------------------------------------------------------------------------ reading
_UNREADABLE = (
    OSError,
    EOFError,
    KeyError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unsupported compression method
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
)


def _read_checked(
    file: IO[bytes], model: Module, optimizer: Optimizer | None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The model's (and optimiser's) arrays from the archive in ``file``, each header checked
    against what it must fit before any data is read; ValueError otherwise."""
    try:
        archive = zipfile.ZipFile(file)
    except _UNREADABLE as error:
        raise ValueError(f"not a readable .npz archive ({error})") from error
    with archive:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in members:
                raise ValueError(f"key '{key}' appears twice in the archive")
            members[key] = info
        model_members = {k: i for k, i in members.items() if not k.startswith(OPTIMIZER_PREFIX)}
        optimizer_members = {
            k[len(OPTIMIZER_PREFIX) :]: i
            for k, i in members.items()
            if k.startswith(OPTIMIZER_PREFIX)
        }
        expected = model._state_tensors()
        check_same_keys(
            expected, model_members, f"state dict does not match {type(model).__name__}"
        )
        if optimizer is not None:
            if not optimizer_members:
                raise ValueError("it holds no optimizer state (save it with optimizer=...)")
            check_same_keys(
                optimizer.expected_state(),
                optimizer_members,
                f"{type(optimizer).__name__} state does not match",
            )
        for key, info in model_members.items():
            shape, dtype, offset = _header(archive, info, key)
            check_state_entry(key, shape, dtype, *expected[key])
            _check_length(info, key, shape, dtype, offset)
        if optimizer is not None:
            for key, info in optimizer_members.items():
                shape, dtype, offset = _header(archive, info, OPTIMIZER_PREFIX + key)
                optimizer.check_state_entry(key, shape, dtype)
                _check_length(info, OPTIMIZER_PREFIX + key, shape, dtype, offset)
        model_state = {key: _data(archive, info, key) for key, info in model_members.items()}
        optimizer_state = {}
        if optimizer is not None:
            optimizer_state = {
                key: _data(archive, info, OPTIMIZER_PREFIX + key)
                for key, info in optimizer_members.items()
            }
    return model_state, optimizer_state


def _header(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str
) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length) from the .npy header of one member, reading nothing
    beyond the header."""
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
            return tuple(shape), dtype, member.tell()
    except (ValueError, *_UNREADABLE) as error:
        raise ValueError(f"key '{key}' does not hold a readable .npy array ({error})") from error


def _check_length(
    info: zipfile.ZipInfo, key: str, shape: tuple[int, ...], dtype: np.dtype, offset: int
) -> None:
    """Refuse a member shorter than its header says (truncated or forged) before reading it."""
    needed = offset + math.prod(shape) * dtype.itemsize
    if info.file_size < needed:
        raise ValueError(
            f"key '{key}' is truncated: its header promises {needed} bytes, the archive holds "
            f"{info.file_size}"
        )


def _data(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> np.ndarray:
    try:
        with archive.open(info) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, *_UNREADABLE) as error:
        raise ValueError(f"key '{key}' could not be read ({error})") from error


# ------------------------------------------------------------------------------------ writing
def _renamed(error: OSError, message: str) -> OSError:
    """An OSError of the same class (and errno) as ``error`` whose text is ``message`` and
    the reason, without the file names the operating system reported."""
    reason = error.strerror or str(error)
    try:
        renamed = type(error)(f"{message}: {reason}")
    except TypeError:  # a subclass with another constructor
        renamed = OSError(f"{message}: {reason}")
    renamed.errno = error.errno
    return renamed


def _check_target(path: str, directory: str) -> None:
    """Refuse a path that is a directory or lies under a missing directory or a file."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: cannot write {path}: it is a directory")
    if os.path.isdir(directory):
        return
    ancestor = directory
    while not os.path.lexists(ancestor) and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if os.path.lexists(ancestor) and not os.path.isdir(ancestor):
        raise NotADirectoryError(
            f"save: cannot write {path}: {ancestor} is a file, not a directory"
        )
    raise FileNotFoundError(f"save: cannot write {path}: directory {directory} does not exist")


def _temporary_pattern(base: str) -> re.Pattern[str]:
    """The names of ``save``'s temporary files for the target file named ``base``."""
    return re.compile(re.escape(f".{base}.") + r"(\d+)-[0-9a-f]+\.tmp")


def _process_is_gone(pid: int) -> bool:
    """True only when no process ``pid`` exists (POSIX); unsure means alive."""
    if os.name != "posix" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return True
    except OSError:  # e.g. PermissionError: it exists, under another user
        return False
    return False


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Delete temporary files that killed writers of ``base`` left in ``directory``; a live
    writer's (another process saving the same path right now) is left alone."""
    pattern = _temporary_pattern(base)
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            match = pattern.fullmatch(name)
            if match and _process_is_gone(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(directory, name))


def _write_npz_atomically(path: str, arrays: dict[str, Any]) -> None:
    """Write an uncompressed .npz to a temporary sibling of ``path``, fsync it, rename it."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _check_target(path, directory)
    _remove_stale_temporaries(directory, base)
    temporary = os.path.join(directory, f".{base}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as file:
            with zipfile.ZipFile(file, "w") as archive:
                for key, value in arrays.items():
                    with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise _renamed(error, f"save: cannot write {path}") from error
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable where the platform allows opening a directory."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
