"""Making tensors the way PyTorch and NumPy users do:

    tensor(data)         a copy of data (Tensor(ndarray) shares the array instead)
    zeros(2, 3), ones((2, 3)), full((2, 3), 0.5), eye(3), arange(0, 1, 0.1), linspace(0, 1, 5)
    zeros_like(x), ones_like(x), full_like(x, 7)
    rand(2, 3), randn(2, 3)   uniform on [0, 1) / standard normal, from `manual_seed`'s stream

Each takes ``dtype=`` (default float64, NumPy's default float; PyTorch's is float32) and
``requires_grad=``. Shapes are given as separate ints or as one tuple, as in PyTorch and NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.storage import Tensor, _real_dtype, to_array
from autograd_lite.validation import boolean, integer, real_number

__all__ = [
    "arange",
    "eye",
    "full",
    "full_like",
    "linspace",
    "manual_seed",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "tensor",
    "zeros",
    "zeros_like",
]

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the stream `rand` and `randn` draw from (PyTorch's ``torch.manual_seed``);
    returns the new `numpy.random.Generator`."""
    global _generator
    if storage.trace_hooks:  # a reseeding autograd_lite.compile could not repeat on replay
        storage.trace_event("random", "manual_seed")
    _generator = np.random.default_rng(integer(seed, "seed", "manual_seed", minimum=0))
    return _generator


def _shape(size: tuple, where: str) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike, each length a non-negative int."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(integer(n, "size", where, minimum=0) for n in size)


def _make(array: np.ndarray, dtype: Any, requires_grad: bool, where: str) -> Tensor:
    boolean(requires_grad, "requires_grad", where)
    if dtype is not None:
        array = array.astype(_real_dtype(dtype, where), copy=False)
    if requires_grad and array.dtype.kind != "f":
        raise TypeError(
            f"{where}: only floating-point tensors can require grad, got dtype {array.dtype}"
        )
    return Tensor(array, requires_grad=requires_grad)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new Tensor holding a copy of `data` (numbers, nested lists, an ndarray or a Tensor),
    like ``torch.tensor``: writing into the original afterwards changes nothing here."""
    array = np.array(to_array(data, "tensor"), copy=True)
    return _make(array, dtype, requires_grad, "tensor")


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _make(np.zeros(_shape(size, "zeros")), dtype, requires_grad, "zeros")


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    return _make(np.ones(_shape(size, "ones")), dtype, requires_grad, "ones")


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value`."""
    shape = _shape((size,), "full")
    value = real_number(fill_value, "fill_value", "full", finite=False)
    return _make(np.full(shape, value), dtype, requires_grad, "full")


def _like(x: Any, where: str) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else to_array(x, where)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of x's shape and dtype (a constant: no gradient flows to x)."""
    return _make(np.zeros_like(_like(x, "zeros_like")), dtype, requires_grad, "zeros_like")


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of x's shape and dtype (a constant: no gradient flows to x)."""
    return _make(np.ones_like(_like(x, "ones_like")), dtype, requires_grad, "ones_like")


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in x's shape and dtype (a constant)."""
    value = real_number(fill_value, "fill_value", "full_like", finite=False)
    return _make(np.full_like(_like(x, "full_like"), value), dtype, requires_grad, "full_like")


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (m = n by default)."""
    n = integer(n, "n", "eye", minimum=0)
    m = n if m is None else integer(m, "m", "eye", minimum=0)
    return _make(np.eye(n, m), dtype, requires_grad, "eye")


def arange(
    start: Any, stop: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, stop) with `step`, like ``np.arange`` (integer arguments
    give integers unless `dtype` or requires_grad asks for floats)."""
    for value, what in ((start, "start"), (stop, "stop"), (step, "step")):
        if value is not None:
            real_number(value, what, "arange")
    if step == 0:
        raise ValueError("arange: step must not be 0")
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if requires_grad and dtype is None and array.dtype.kind != "f":
        array = array.astype(np.float64)
    return _make(array, dtype, requires_grad, "arange")


def linspace(
    start: Any, stop: Any, num: int = 50, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """`num` evenly spaced values from start to stop, both included."""
    real_number(start, "start", "linspace")
    real_number(stop, "stop", "linspace")
    num = integer(num, "num", "linspace", minimum=0)
    return _make(np.linspace(start, stop, num), dtype, requires_grad, "linspace")


def _generator_for(generator: Any, where: str) -> np.random.Generator:
    if storage.trace_hooks:  # a draw autograd_lite.compile could not repeat on replay
        storage.trace_event("random", where)
    if generator is None:
        return _generator
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(integer(generator, "generator", where, minimum=0))


def rand(
    *size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None
) -> Tensor:
    """Uniform samples on [0, 1). `generator`: a `numpy.random.Generator` or an int seed
    (default: the stream `manual_seed` seeds)."""
    rng = _generator_for(generator, "rand")
    return _make(rng.random(_shape(size, "rand")), dtype, requires_grad, "rand")


def randn(
    *size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None
) -> Tensor:
    """Standard normal samples. `generator`: a `numpy.random.Generator` or an int seed
    (default: the stream `manual_seed` seeds)."""
    rng = _generator_for(generator, "randn")
    return _make(rng.standard_normal(_shape(size, "randn")), dtype, requires_grad, "randn")
