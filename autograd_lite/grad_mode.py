"""Grad modes: whether operations are recorded for backward, per thread.

`no_grad()` switches recording off, `enable_grad()` switches it back on; both work as context
managers and as decorators. The switch is thread-local, like PyTorch's: a `no_grad` block in one
thread never changes what another thread records.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadState(threading.local):
    """Per-thread switches read on every op; class attributes are each new thread's defaults."""

    grad_enabled: bool = True
    anomaly: Any = None  # the anomaly checker while detect_anomaly is on (autograd_lite.anomaly)
    scope: str | None = None
    profiler: Any = None  # the active autograd_lite.profile, if any
    differentiating: Any = None  # the node whose partials a recorded backward is running
    tracer: Any = None  # the tracer of an autograd_lite.compile call being traced, if any

    def __init__(self) -> None:  # runs once in every thread that touches `state`
        # Modes to restore when no_grad/enable_grad blocks exit, innermost last. Kept per
        # thread, not on the switch object, so one object can be entered twice or shared.
        self.saved_grad_modes: list[bool] = []


state = _ThreadState()

# One entry per departure from the defaults in force over all threads: threads with grad mode
# off, open graph scopes, anomaly-detection blocks and profilers. While it is empty (the common
# case) an op reads no thread-local state at all: grad mode is on everywhere and nothing else
# is asked for. A list rather than an int because append and pop are atomic without a lock
# (`+=` on a global is not), and nn enters a scope on every module call. (A thread that ends
# with grad mode off leaves an entry: ops then take the slower path that reads the thread's
# state, which is still correct.)
extras_active: list[None] = []


def _count_extras(delta: int) -> None:
    if delta > 0:
        extras_active.append(None)
    else:
        extras_active.pop()


def _set_mode(mode: bool) -> None:
    """Set this thread's grad mode, counting a switch off (or back on) in `extras_active`."""
    mode = bool(mode)
    if mode != state.grad_enabled:
        _count_extras(-1 if mode else 1)
        state.grad_enabled = mode


def _in_mode(fn: F, mode: bool) -> F:
    """`fn` wrapped to run in grad mode `mode`, restoring the caller's mode afterwards."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = state.grad_enabled
        _set_mode(mode)
        try:
            return fn(*args, **kwargs)
        finally:
            _set_mode(previous)

    return wrapper  # type: ignore[return-value]


def is_grad_enabled() -> bool:
    """True when new operations in this thread are recorded for backward."""
    return state.grad_enabled


class set_grad_enabled:
    """Set grad mode to `mode` for this thread (like PyTorch's).

    Called on its own it switches the mode until switched again; as a context manager it
    restores the previous mode on exit (exception or not); as a decorator,
    ``@set_grad_enabled(False)``, it leaves the mode as it was and runs each call of the
    function in `mode`, restoring the caller's mode afterwards.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, int)) or (isinstance(mode, int) and mode not in (0, 1)):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        self._mode = bool(mode)
        self._previous = state.grad_enabled
        _set_mode(self._mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _set_mode(self._previous)

    def __call__(self, fn: F) -> F:
        _set_mode(self._previous)  # decorating must not change the mode of the decorating code
        return _in_mode(fn, self._mode)


class _GradModeSwitch:
    """Context manager and decorator that sets grad mode to `mode` and restores it afterwards."""

    mode: bool = True

    def __enter__(self) -> None:
        state.saved_grad_modes.append(state.grad_enabled)
        _set_mode(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_mode(state.saved_grad_modes.pop())

    def __call__(self, fn: F) -> F:
        return _in_mode(fn, self.mode)


class no_grad(_GradModeSwitch):
    """Record nothing inside: results have no history and `requires_grad=False`.

    Use for inference and for parameter updates. Works as `with no_grad():` and `@no_grad()`.
    """

    mode = False


class enable_grad(_GradModeSwitch):
    """Record operations again, e.g. inside a `no_grad` block. Context manager or decorator."""

    mode = True


class graph_scope:
    """Tag every node created inside with `name` (a module path such as ``"encoder.1"``).

    `nn.Module` enters one per call, so `draw_graph` can group a module's nodes in a cluster.
    Scopes nest: the innermost name wins (it is already the full dotted path).
    """

    __slots__ = ("_name", "_previous")

    def __init__(self, name: str) -> None:
        self._name = name

    def __enter__(self) -> None:
        self._previous = state.scope
        state.scope = self._name
        _count_extras(1)

    def __exit__(self, *exc: object) -> None:
        state.scope = self._previous
        _count_extras(-1)
