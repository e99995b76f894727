"""The compiled function: signatures, the cache of programs, guards, and the fallback to eager.

A call's *signature* is what the trace depends on and can be checked before running anything:
the shape, dtype, memory layout and requires_grad of each Tensor or ndarray argument (which
arguments are the same object), the value of every other argument (numbers, strings: a new
value means a new trace), and the thread's grad mode. Each signature keeps the programs
traced for it; a program also has *guards*, checked on every call: the nn modules it called
are in the train/eval mode they were traced in and no module attribute changed since
(`graph.module_version`), and every external tensor (a parameter) still holds an array of the
traced shape, dtype and layout and requires grad as it did. A failing guard means a new trace.

Arguments that are ndarrays reach the function as Tensors (sharing the array), so that what
the function does with them is recorded like everything else.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.grad_mode import state
from autograd_lite.ops._core import Op, _make_node
from autograd_lite.storage import NO_SAVED, Tensor, make, to_array

from .replay import Program
from .trace import Tracer, tracing

__all__ = ["CompileWarning", "Compiled", "compile"]

# The node standing for a data argument that requires grad inside a traced call: the
# function sees its own tensor (so the trace tells the argument from any other use of the
# same tensor, such as a closure), and gradients flow through to the caller's tensor.
ARGUMENT = Op("argument", lambda xp, g, y, a: g)

_DATA = object()  # marks a data argument's place in a flattened structure


class CompileWarning(UserWarning):
    """autograd_lite.compile runs a function eagerly instead of replaying it."""


def compile(function: Callable | None = None, *, cache_size: int = 8) -> Any:
    """`function`, traced on its first call and replayed afterwards (see `Compiled`).

    Usable as a decorator (``@autograd_lite.compile`` or ``@autograd_lite.compile(
    cache_size=4)``). `cache_size` bounds the programs kept (one per signature and guard
    state); a function retraced more than four times that often runs eagerly from then on,
    with a warning.
    """
    if function is None:
        return lambda f: Compiled(f, cache_size=cache_size)
    return Compiled(function, cache_size=cache_size)


class Compiled:
    """A function traced once per signature and replayed as NumPy calls.

    The first call with a new signature runs the function eagerly (its result is the eager
    result, graph and all) and records it; later calls replay the recording on the new
    arguments' values. A function that cannot be replayed faithfully (it reads a tensor's
    value into Python, changes a tensor in place, draws random numbers outside an op, calls
    backward(), uses an op without a replay kernel, ...) runs eagerly from its first call on,
    with one `CompileWarning` naming the line that caused it (`fallback` holds the reason).

    `traces` counts the traces so far; `clear()` forgets them (for instance after changing a
    Python value the function reads, which a trace keeps as it was).
    """

    def __init__(self, function: Callable, cache_size: int = 8) -> None:
        if not callable(function):
            raise TypeError(f"compile: expected a function, got {type(function).__name__}")
        if not isinstance(cache_size, int) or isinstance(cache_size, bool) or cache_size < 1:
            raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
        functools.update_wrapper(self, function)
        self.function = function
        self.cache_size = cache_size
        self.fallback: str | None = None
        self.traces = 0
        self._cache: dict[tuple, list[tuple[Program, Any]]] = {}
        self._order: list[tuple] = []  # the keys of the kept programs, oldest first
        self._name = getattr(function, "__qualname__", None) or repr(function)

    def clear(self) -> None:
        """Forget every trace (the next call traces again)."""
        self._cache.clear()
        self._order.clear()

    def __repr__(self) -> str:
        return f"<compiled {self._name}>"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """As a method decorator: bound to the instance (which is then a static argument)."""
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fallback is not None or state.tracer is not None or state.anomaly is not None:
            # Eager: a function compile cannot replay, a call inside another trace (which then
            # records these ops itself), or anomaly detection (which checks every op).
            return self.function(*args, **kwargs)
        key = _quick_signature(args) if not kwargs else None
        if key is not None:
            leaves = list(args)
        else:
            leaves = []
            key = _signature((args, kwargs), leaves)
        key = (state.grad_enabled, key)
        for program, structure in self._cache.get(key, ()):
            if program.guards_hold():
                outputs = program.forward(leaves)
                if structure is _DATA:
                    return outputs[0]
                return _rebuild(structure, iter(outputs))
        return self._trace(key, args, kwargs, leaves)

    # ------------------------------------------------------------------------- tracing

    def _trace(self, key: tuple, args: tuple, kwargs: dict, leaves: list) -> Any:
        self.traces += 1
        if self.traces > 4 * self.cache_size:
            self._give_up(
                f"has been traced {self.traces - 1} times (its signature or guards keep "
                "changing: new shapes, new argument values, modules changed between calls)"
            )
            return self.function(*args, **kwargs)
        proxies: dict[int, Tensor] = {}
        tracer = Tracer(self.function)
        seen = []
        for position, leaf in enumerate(leaves):
            proxy = proxies.get(id(leaf))
            if proxy is None:
                proxy = proxies[id(leaf)] = _proxy(leaf)
                tracer.argument(proxy, position)
            seen.append(proxy)
        given = iter(seen)
        proxied_args, proxied_kwargs = _replace((args, kwargs), given)
        with tracing(tracer):
            result = self.function(*proxied_args, **proxied_kwargs)
            tracer.finish()
            outputs: list[Tensor] = []
            structure = _structure(result, outputs)
            owners = []
            for tensor in outputs:
                slot = tracer.slot(tensor)
                owners.append(tracer.slots[slot].owner is tensor)
        if tracer.problem is not None:
            self._give_up(tracer.problem)
            return result
        program = Program(tracer, list(zip(outputs, owners)), self._name)
        self._cache.setdefault(key, []).append((program, structure))
        self._order.append(key)
        if len(self._order) > self.cache_size:
            oldest = self._order.pop(0)
            programs = self._cache[oldest]
            programs.pop(0)
            if not programs:
                del self._cache[oldest]
        return result

    def _give_up(self, reason: str) -> None:
        """Run the function eagerly from now on, and say why, once."""
        self.fallback = reason
        self.clear()
        warnings.warn(
            f"compile: {self._name} {reason}; a replay could not reproduce that, so "
            f"{self._name} runs eagerly (uncompiled) from now on",
            CompileWarning,
            stacklevel=4,
        )


def _proxy(leaf: Any) -> Tensor:
    """The tensor the traced function sees for a data argument (see `ARGUMENT`)."""
    if isinstance(leaf, Tensor):
        if leaf._requires_grad and state.grad_enabled:
            proxy = _make_node(leaf._data, ARGUMENT, (leaf,), NO_SAVED)
        else:
            proxy = make(leaf._data)
        proxy._name = leaf._name
        return proxy
    return make(to_array(leaf, "compile"))


# ---------------------------------------------------------------------------------------------
# Signatures and structures


def _quick_signature(args: tuple) -> tuple | None:
    """The signature of positional arguments that are all distinct Tensors (the common case,
    computed faster than `_signature`, and never equal to its result); None otherwise."""
    key = []
    for arg in args:
        if type(arg) is not Tensor:
            return None
        data = arg._data
        key.append((data.shape, data.dtype, arg._requires_grad, data.flags.c_contiguous))
    if len(args) > 1 and len(set(map(id, args))) < len(args):
        return None
    return ("tensors", *key)


def _signature(value: Any, leaves: list) -> tuple:
    """The hashable signature of an argument structure; its data arguments (Tensors and
    ndarrays) are appended to `leaves`."""
    if isinstance(value, Tensor):
        data = value._data
        leaves.append(value)
        return (
            "T",
            data.shape,
            data.dtype.str,
            value._requires_grad,
            _layout(data),
            _alias(value, leaves),
        )
    if isinstance(value, np.ndarray):
        leaves.append(value)
        return ("A", value.shape, value.dtype.str, _layout(value), _alias(value, leaves))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *(_signature(item, leaves) for item in value))
    if isinstance(value, dict):
        return ("dict", *((k, _signature(v, leaves)) for k, v in value.items()))
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, (float, complex, np.generic)):
        return (type(value).__name__, repr(value))
    return ("object", id(value))  # a module, a function: the very object


def _layout(array: np.ndarray) -> int:
    return 2 * array.flags.c_contiguous + array.flags.f_contiguous


def _alias(value: Any, leaves: list) -> int:
    """The position of the first data argument that is this very object (-1: none before)."""
    for position, leaf in enumerate(leaves[:-1]):
        if leaf is value:
            return position
    return -1


def _replace(value: Any, proxies: Any) -> Any:
    """The argument structure with each data argument replaced by the next proxy."""
    if isinstance(value, (Tensor, np.ndarray)):
        return next(proxies)
    if isinstance(value, tuple):
        return tuple(_replace(item, proxies) for item in value)
    if isinstance(value, list):
        return [_replace(item, proxies) for item in value]
    if isinstance(value, dict):
        return {k: _replace(v, proxies) for k, v in value.items()}
    return value


def _structure(result: Any, outputs: list) -> Any:
    """The result with its Tensors replaced by `_DATA` (appended to `outputs`)."""
    if isinstance(result, Tensor):
        outputs.append(result)
        return _DATA
    if isinstance(result, (tuple, list)):
        items = [_structure(item, outputs) for item in result]
        return tuple(items) if isinstance(result, tuple) else ("list", items)
    if isinstance(result, dict):
        return ("dict", {k: _structure(v, outputs) for k, v in result.items()})
    return ("value", result)


def _rebuild(structure: Any, outputs: Any) -> Any:
    """The inverse of `_structure`, with the replay's output tensors."""
    if structure is _DATA:
        return next(outputs)
    if isinstance(structure, tuple) and structure and structure[0] in ("list", "dict", "value"):
        kind, body = structure
        if kind == "list":
            return [_rebuild(item, outputs) for item in body]
        if kind == "dict":
            return {k: _rebuild(v, outputs) for k, v in body.items()}
        return body
    return tuple(_rebuild(item, outputs) for item in structure)
