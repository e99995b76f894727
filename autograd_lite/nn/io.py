"""Saving and loading a model's parameters (and optionally an optimiser's state) as .npz.

File layout: one array per parameter under its dotted path ("0.W", "0.b", ...), exactly
``model.state_dict()``, so ``np.load(path)`` reads it without this package. With
``optimizer=opt`` the entries of ``opt.state_dict()`` are added under the prefix
"optimizer:" ("optimizer:lr", "optimizer:step_count", "optimizer:0.m", ...).

``save`` writes a temporary file in the same directory, flushes it to disk and renames it
over ``path`` (an atomic replace), so a crash leaves either the old file or the new one,
never half of one. ``load`` reads and validates everything before assigning anything: a
corrupt, truncated or non-npz file, or one that does not match the model, raises ValueError
and leaves the model and optimiser untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zipfile
import zlib
from typing import Any

import numpy as np

from .module import Module
from .optim import Optimizer

OPTIMIZER_PREFIX = "optimizer:"
PathLike = str | os.PathLike


def save(model: Module, path: PathLike, optimizer: Optimizer | None = None) -> None:
    """Write the model's parameters (and ``optimizer``'s state, if given) to exactly ``path``."""
    if not isinstance(model, Module):
        raise TypeError(f"save: model must be a Module, got {type(model).__name__}")
    arrays: dict[str, Any] = dict(model.state_dict())
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"save: optimizer must be an Optimizer, got {type(optimizer).__name__}")
        for key, value in optimizer.state_dict().items():
            arrays[OPTIMIZER_PREFIX + key] = value
    _write_npz_atomically(os.fspath(path), arrays)


def load(model: Module, path: PathLike, optimizer: Optimizer | None = None) -> None:
    """Restore the parameters saved by ``save`` into ``model`` (in place), and the optimiser's
    state into ``optimizer`` when given (the file must then hold it)."""
    if not isinstance(model, Module):
        raise TypeError(f"load: model must be a Module, got {type(model).__name__}")
    path = os.fspath(path)
    arrays = _read_npz(path)
    model_state = {k: v for k, v in arrays.items() if not k.startswith(OPTIMIZER_PREFIX)}
    optimizer_state = {
        k[len(OPTIMIZER_PREFIX) :]: v for k, v in arrays.items() if k.startswith(OPTIMIZER_PREFIX)
    }
    try:
        model.check_state_dict(model_state)
        if optimizer is not None:
            if not optimizer_state:
                raise ValueError("it holds no optimizer state (save it with optimizer=...)")
            optimizer.check_state_dict(optimizer_state)
    except ValueError as error:
        raise ValueError(f"cannot load {path}: {error}") from error
    model.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)


def _write_npz_atomically(path: str, arrays: dict[str, Any]) -> None:
    """Write an uncompressed .npz to a temporary sibling of ``path``, fsync it, rename it."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write {path}: directory {directory} does not exist")
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as file:
            with zipfile.ZipFile(file, "w") as archive:
                for key, value in arrays.items():
                    with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
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


def _read_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of the archive at ``path``, read eagerly; ValueError if it is unreadable."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an .npz archive")
        with loaded:
            return {key: loaded[key] for key in loaded.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"cannot load {path}: not a readable .npz archive ({error})") from error
