"""Anomaly detection: stop at the first op that makes a NaN or an infinity.

    with autograd_lite.detect_anomaly():
        loss = model(X)          # a forward op whose output is not finite raises here
        loss.backward()          # a partial derivative that is not finite raises here

The error (`AnomalyError`, a `RuntimeError`) names the op, the shapes of its inputs and the line
of *your* code that created it (the first stack frame outside `autograd_lite/` and `nn/`).
Like grad mode the switch is per thread. While it is on, every op pays for a finiteness check
and a short stack walk, so use it to find a bug, not to train.

How it plugs in: `detect_anomaly` installs `CHECKER` as the thread's `state.anomaly` hook.
While it is set, `ops._core` calls `check_forward` for every op and stores `creation_trace()`
on each recorded op, and the engine calls `check_backward` after every partial derivative
(passing the node explicitly; under ``create_graph`` it also names the node whose partials are
running in `state.differentiating`). `detect_anomaly` keeps `grad_mode.extras_active` counted
so the ops leave their fast path while any thread has detection on.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import numpy as np

from autograd_lite import grad_mode, graph
from autograd_lite.grad_mode import state
from autograd_lite.storage import is_tensor

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Frames from these directories are library code (nn lives inside the package), never "where
# the user created the op".
_LIBRARY_DIRS = (_PACKAGE_DIR + os.sep,)
_TRACE_DEPTH = 3


class Frame(NamedTuple):
    """One line of user code: where an op was created."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        code = linecache.getline(self.filename, self.lineno).strip()
        where = f"{self.filename}:{self.lineno} in {self.function}"
        return f"{where}\n    {code}" if code else where


class AnomalyError(RuntimeError):
    """A NaN or an infinity appeared while `detect_anomaly` was on.

    Attributes: `phase` ("forward" or "backward"), `op_name`, `input_shapes`, `trace` (user
    frames, innermost first; empty when unknown) and `location` (the innermost frame or None).
    """

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        op_name: str,
        input_shapes: Sequence[tuple[int, ...]],
        trace: Sequence[Frame] = (),
    ) -> None:
        super().__init__(message)
        self.phase = phase
        self.op_name = op_name
        self.input_shapes = list(input_shapes)
        self.trace = tuple(trace)

    @property
    def location(self) -> Frame | None:
        return self.trace[0] if self.trace else None


class detect_anomaly:
    """Raise `AnomalyError` when an op produces NaN/inf in forward or backward (this thread).

    Works as ``with detect_anomaly():`` and as a decorator ``@detect_anomaly()``; blocks nest,
    and ``detect_anomaly(False)`` switches detection off inside an enclosing block. Forward
    outputs are checked for every op, even under `no_grad`; backward checks need the
    ``backward()`` call itself to run inside the block. Nodes recorded inside remember where
    they were created, so a bad gradient is traced to the line that built the op.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = bool(enabled)
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(state.anomaly)
        state.anomaly = CHECKER if self._enabled else None
        grad_mode._count_extras(1)

    def __exit__(self, *exc: object) -> None:
        state.anomaly = self._previous.pop()
        grad_mode._count_extras(-1)

    def __call__(self, fn: F) -> F:
        enabled = self._enabled

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on in this thread."""
    return state.anomaly is not None


# ---------------------------------------------------------------------------------------------
# Hooks called by the ops and the engine


def creation_trace() -> tuple[Frame, ...]:
    """The innermost few frames of the caller's stack outside autograd_lite/ and nn/."""
    frames: list[Frame] = []
    frame = sys._getframe(1)
    while frame is not None and len(frames) < _TRACE_DEPTH:
        filename = frame.f_code.co_filename
        if not filename.startswith(_LIBRARY_DIRS):
            frames.append(Frame(filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    return tuple(frames)


def _nonfinite_kinds(array: np.ndarray) -> str | None:
    """'nan', 'inf' or 'nan and inf' when `array` has such values, else None."""
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    has_nan = bool(np.isnan(array).any())
    has_inf = bool(np.isinf(array).any())
    return " and ".join(kind for kind, present in (("nan", has_nan), ("inf", has_inf)) if present)


def _format_trace(trace: Sequence[Frame]) -> str:
    if not trace:
        return "created at an unknown location (the op was recorded outside detect_anomaly)"
    lines = [f"created at {trace[0]}"]
    lines += [f"  called from {frame}" for frame in trace[1:]]
    return "\n".join(lines)


def check_forward(op: Any, parents: Sequence[Any], data: np.ndarray) -> None:
    """Raise `AnomalyError` if the output `data` of `op` holds NaN or inf."""
    kinds = _nonfinite_kinds(np.asarray(data))
    if kinds is None:
        return
    shapes = [parent.shape for parent in parents]
    inherited = [i for i, parent in enumerate(parents) if _nonfinite_kinds(np.asarray(parent.data))]
    if inherited:
        cause = (
            f"input(s) {inherited} already held non-finite values when they reached it (made "
            "outside detect_anomaly, or a constant you passed in)"
        )
    else:
        cause = "all its inputs were finite, so this op produced them"
    trace = creation_trace()
    message = (
        f"detect_anomaly: forward of op '{op.name}' gave {kinds} in its output of shape "
        f"{np.shape(data)}, from inputs of shapes {_shapes_text(shapes)}; {cause}."
        f"{_recorded_backward_note()}\nThe op was {_format_trace(trace)}"
    )
    raise AnomalyError(message, phase="forward", op_name=op.name, input_shapes=shapes, trace=trace)


def _recorded_backward_note() -> str:
    """When an op runs inside ``backward(create_graph=True)`` it is part of some op's partial
    derivative: name that op (the engine says which node it is differentiating), since the user
    never wrote it."""
    node = state.differentiating
    if node is None:
        return ""
    return (
        f" It ran inside backward(create_graph=True), while computing the partial derivatives "
        f"of op '{graph.node(node).op}'."
    )


def check_backward(tensor: Any, parent_index: int, grad: Any) -> None:
    """Raise `AnomalyError` if the gradient flowing from `tensor` to its parent number
    `parent_index` (an ndarray, or a Tensor under ``create_graph``) holds NaN or inf."""
    array = np.asarray(grad.data if is_tensor(grad) else grad)
    kinds = _nonfinite_kinds(array)
    if kinds is None:
        return
    node = graph.node(tensor)
    shapes = [parent.shape for parent in node.inputs]
    trace = node.trace
    message = (
        f"detect_anomaly: backward of op '{node.op}' gave {kinds} in the gradient for its "
        f"input {parent_index} (shape {array.shape}); the op's inputs have shapes "
        f"{_shapes_text(shapes)} and its output shape {tensor.shape}.\n"
        f"The op was {_format_trace(trace)}"
    )
    raise AnomalyError(message, phase="backward", op_name=node.op, input_shapes=shapes, trace=trace)


def _shapes_text(shapes: Sequence[tuple[int, ...]]) -> str:
    return ", ".join(str(tuple(shape)) for shape in shapes) or "(no inputs)"


class _Checker:
    """The hooks `state.anomaly` offers the ops and the engine."""

    check_forward = staticmethod(check_forward)
    check_backward = staticmethod(check_backward)
    creation_trace = staticmethod(creation_trace)


CHECKER = _Checker()
