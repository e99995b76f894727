"""Tracing: run a function once, eagerly, and write down every op it runs.

While a trace is on in a thread, every op of that thread reports itself (`ops._core` calls
`Tracer.on_record` for recorded and unrecorded results alike), and the places where a value
could leave the recorded computation report an event through `storage.trace_hooks`:

    read           a tensor's value read into Python (item(), float(), bool(), .data, ...)
    write          a tensor changed in place
    created        a tensor made from a value (Tensor(...), detach(), a constant operand)
    requires_grad  requires_grad switched on inside the function
    retain_grad    an intermediate asked to keep its gradient
    random         random numbers drawn outside an op (ag.rand, manual_seed)
    backward       backward() called inside the function
    module         an nn module was called (its train/eval mode is guarded)
    side           an op's input that is not one of its tensors (where's condition, a loss's
                   targets): reported just before the op records
    computed       a result without gradient made outside `record` (comparisons, argmax)
    check          a check of a tensor's values (a loss's targets in [0, 1]) to repeat

Each tensor the trace meets gets a *slot*: an argument of the function, an *external* tensor
that existed before the call (a parameter: replay reads its array anew each time), a
constant made inside the function from Python values, or the result of an instruction. A
tensor made inside the function from another one's very array (``detach()``) shares that
tensor's slot. Anything the trace cannot replay faithfully becomes a *problem*: the first one
is kept, with the place in the user's code that caused it, and the function then runs
eagerly.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_lite
from autograd_lite import graph, storage
from autograd_lite.grad_mode import _count_extras, state
from autograd_lite.storage import NO_SAVED, Tensor

ARG, EXTERNAL, CONST, OUT = "argument", "external", "constant", "result"

_PACKAGE = os.path.dirname(os.path.abspath(autograd_lite.__file__)) + os.sep
_NN = os.path.join(_PACKAGE, "nn") + os.sep  # library code worth naming in a warning


class Refused(Exception):
    """A kernel factory cannot replay this op as it was called (the message says why)."""


@dataclass(slots=True)
class Slot:
    """Where a value of the trace comes from at replay (see the module docstring)."""

    kind: str
    owner: Tensor | None  # the tensor this slot stands for (None for a constant array)
    shape: tuple
    dtype: np.dtype
    requires_grad: bool = False
    value: Any = None  # a constant's array
    index: int = -1  # an argument's position among the data arguments; a result's instruction
    contiguous: bool = True
    scalar: bool = False  # held as a NumPy scalar at replay (a 0-d result computed on scalars)


@dataclass(slots=True)
class Instruction:
    """One step of the forward replay: ``values[out] = run(*values[ins])``.

    `run` may take a preallocated output buffer as its last argument (`buffer`), and may
    return ``(data, saved)`` (`returns_saved`); otherwise the op's saved data is `saved`, as
    recorded. `op` is None for results without gradient (comparisons, checks: `out` None).
    """

    name: str
    op: Any
    run: Callable
    ins: tuple[int, ...]
    nparents: int
    out: int | None
    buffer: bool = False
    returns_saved: bool = False
    saved: Any = field(default_factory=lambda: NO_SAVED)
    recorded: bool = False
    grad_flags: tuple[bool, ...] = ()
    buffer_index: int | None = None  # set by `replay.Program`
    expression: str | None = None  # see `Kernel`
    names: dict = field(default_factory=dict)


@dataclass(slots=True)
class Kernel:
    """What a kernel factory returns for one recorded op (see `compiler.kernels`).

    `run(*parent values, *extra values[, out])`; `extra` are tensors whose values the kernel
    also reads (side inputs); `buffer` asks for a preallocated output array; `returns_saved`
    says `run` returns ``(data, saved)``; `arrays` asks for 0-d inputs as 0-d arrays (the
    replay may hold them as NumPy scalars); `scalar` says the result is a NumPy scalar.

    `expression`, when given, is the same computation as Python source for the generated
    replay (`compiler.codegen`), which then needs no call of `run`: ``{x0}`` is input 0,
    ``{s0}`` input 0 as a NumPy scalar, ``{out}`` the buffer, and ``{name}`` stands for each
    object of `names` (a ufunc, a constant)."""

    run: Callable
    extra: tuple = ()
    buffer: bool = False
    returns_saved: bool = False
    arrays: bool = False
    scalar: bool = False
    expression: str | None = None
    names: dict = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """What a kernel factory sees of one op call at trace time."""

    op: Any
    parents: tuple[Tensor, ...]
    data: Any
    saved: Any
    result: Tensor
    side: dict = field(default_factory=dict)

    @property
    def shapes(self) -> list[tuple]:
        return [p._data.shape for p in self.parents]

    @property
    def dtypes(self) -> list[np.dtype]:
        return [p._data.dtype for p in self.parents]

    def can_write_into_buffer(self) -> bool:
        """True when the op's result is a fresh C-contiguous array of at least one element (a
        ufunc's result then equals what it writes into a buffer of that shape, bit for bit)."""
        data = self.data
        return (
            type(data) is np.ndarray
            and data.ndim > 0
            and data.size > 0
            and data.flags.c_contiguous
            and data.base is None
            and all(p._data.flags.c_contiguous for p in self.parents)
        )


class Tracer:
    """Records one call of a function; see the module docstring."""

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.slots: list[Slot] = []
        self.slot_of: dict[int, int] = {}  # id(tensor) -> slot
        self.keep: list[Any] = []  # every tensor met, so that ids stay unique
        self.created: dict[int, Any] = {}  # id(tensor made inside) -> its source value
        self.instructions: list[Instruction] = []
        self.side: tuple[Any, dict] | None = None
        self.problem: str | None = None
        self.modules: dict[int, Any] = {}
        self.module_version = graph.module_version
        self.generators: list[Any] = []  # random generators ops drew from (dropout)

    # ------------------------------------------------------------------------- slots

    def add_slot(self, slot: Slot, tensor: Tensor | None = None) -> int:
        self.slots.append(slot)
        index = len(self.slots) - 1
        if tensor is not None:
            self.slot_of[id(tensor)] = index
            self.keep.append(tensor)
        return index

    def argument(self, proxy: Tensor, position: int) -> int:
        """A slot for the data argument at `position`, seen inside the function as `proxy`."""
        data = proxy._data
        slot = Slot(
            ARG,
            proxy,
            data.shape,
            data.dtype,
            proxy._requires_grad,
            index=position,
            contiguous=data.flags.c_contiguous,
        )
        return self.add_slot(slot, proxy)

    def slot(self, tensor: Tensor) -> int:
        """The slot of a tensor met as an op's input (made on first meeting)."""
        index = self.slot_of.get(id(tensor))
        if index is not None:
            return index
        if id(tensor) in self.created:
            source = self.created[id(tensor)]
            if isinstance(source, Tensor):
                if source._data is tensor._data:  # detach(), Tensor(t): t's values
                    index = self.slot(source)
                    self.slot_of[id(tensor)] = index
                    self.keep.append(tensor)
                    return index
                self.refuse("makes a tensor from another tensor's values outside an op")
            data = tensor._data
            slot = Slot(CONST, None, data.shape, data.dtype, value=data)
            return self.add_slot(slot, tensor)
        data = tensor._data
        slot = Slot(
            EXTERNAL,
            tensor,
            data.shape,
            data.dtype,
            tensor._requires_grad,
            contiguous=data.flags.c_contiguous,
        )
        return self.add_slot(slot, tensor)

    # ------------------------------------------------------------------------- events

    def refuse(self, reason: str) -> None:
        """Keep the first problem, with where it happened."""
        if self.problem is None:
            self.problem = f"{reason}{where_in_user_code()}"

    def event(self, kind: str, *detail: Any) -> None:
        if kind == "created":
            tensor, source, requires_grad = detail
            if requires_grad:
                self.refuse("creates a tensor that requires grad inside the function")
            self.created[id(tensor)] = source
            self.keep.append(tensor)
        elif kind == "module":
            module = detail[0]
            self.modules.setdefault(id(module), module)
        elif kind == "side":
            self.side = detail[0], detail[1]
            generator = detail[1].get("generator")
            if generator is not None:
                self.generators.append((generator, where_in_user_code()))
        elif kind == "read":
            self.refuse(f"reads a tensor's value into Python ({detail[1]})")
        elif kind == "write":
            self.refuse("changes a tensor in place")
        elif kind == "requires_grad":
            self.refuse("switches requires_grad on inside the function")
        elif kind == "retain_grad":
            self.refuse("asks a tensor inside the function to retain its gradient")
        elif kind == "random":
            self.refuse(f"draws random numbers outside an op ({detail[0]})")
        elif kind == "backward":
            self.refuse("runs backward() inside the function")
        elif kind == "computed":
            self.on_computed(*detail)
        elif kind == "check":
            self.on_check(*detail)

    def finish(self) -> None:
        """After the function returned: a random generator that only the trace still holds was
        made inside the function (a fresh one per call, drawing the same numbers each time),
        which a replay, drawing on from the traced one, would not reproduce."""
        for generator, where in self.generators:
            # Held by the tuple in this list, the loop variable, the op's kernel and
            # getrefcount's argument: nothing else.
            if sys.getrefcount(generator) <= 4 and self.problem is None:
                self.problem = (
                    "draws random numbers from a generator it makes on every call (as in "
                    f"dropout(x, generator=np.random.default_rng(0))){where}; make the "
                    "generator once, outside the function"
                )

    def on_record(self, op: Any, parents: tuple, data: Any, saved: Any, result: Tensor) -> None:
        """An op ran (recorded or not): make its instruction."""
        side = self.side
        self.side = None
        if self.problem is not None:
            return
        from autograd_lite.compiler.kernels import KERNELS

        factory = KERNELS.get(op)
        if factory is None:
            self.refuse(f"uses the op '{op.name}', which compile cannot replay")
            return
        record = Record(op, tuple(parents), data, saved, result)
        if side is not None and side[0] is op:
            record.side = side[1]
        try:
            kernel = factory(record)
        except Refused as reason:
            self.refuse(f"calls '{op.name}' in a way compile cannot replay: {reason}")
            return
        ins = tuple(self.slot(p) for p in parents) + tuple(self.slot(t) for t in kernel.extra)
        recorded = result._op is not None
        run, expression = kernel.run, kernel.expression
        if kernel.arrays and any(not self.slots[i].shape for i in ins):
            run, expression = _as_arrays(run), None
        out = self.add_result(result, len(self.instructions))
        self.slots[out].scalar = kernel.scalar
        self.instructions.append(
            Instruction(
                op.name,
                op,
                run,
                ins,
                len(parents),
                out,
                buffer=kernel.buffer,
                returns_saved=kernel.returns_saved,
                saved=saved,
                recorded=recorded,
                grad_flags=tuple(p._requires_grad for p in parents) if recorded else (),
                expression=expression,
                names=kernel.names,
            )
        )

    def add_result(self, result: Tensor, instruction: int) -> int:
        data = result._data
        slot = Slot(
            OUT,
            result,
            data.shape,
            data.dtype,
            result._requires_grad,
            index=instruction,
            contiguous=data.flags.c_contiguous,
        )
        return self.add_slot(slot, result)

    def on_computed(self, result: Tensor, name: str, kernel: Callable, operands: tuple) -> None:
        """A result without gradient computed outside `record` (a comparison, argmax)."""
        if self.problem is not None:
            return
        tensors = [x for x in operands if isinstance(x, Tensor)]
        run = _with_constants(kernel, operands)
        ins = tuple(self.slot(t) for t in tensors)
        if any(not self.slots[i].shape for i in ins):
            run = _as_arrays(run)
        out = self.add_result(result, len(self.instructions))
        self.instructions.append(Instruction(name, None, run, ins, len(ins), out))

    def on_check(self, tensor: Tensor, check: Callable) -> None:
        """A check of a tensor's values to repeat on every replay."""
        if self.problem is not None:
            return
        ins = (self.slot(tensor),)
        run = _as_arrays(check) if not tensor._data.shape else check
        self.instructions.append(Instruction("check", None, run, ins, 1, None))


def _with_constants(kernel: Callable, operands: tuple) -> Callable:
    """`kernel` called with the tensors' values in their places among constant operands."""
    if all(isinstance(x, Tensor) for x in operands):
        return kernel
    places = [isinstance(x, Tensor) for x in operands]
    constants = [None if tensor else x for x, tensor in zip(operands, places)]

    def run(*values: Any) -> Any:
        given = iter(values)
        return kernel(*(next(given) if tensor else c for c, tensor in zip(constants, places)))

    return run


def _as_arrays(run: Callable) -> Callable:
    """`run` given 0-d arrays where the replay holds NumPy scalars (as eager code holds arrays)."""

    def with_arrays(*values: Any) -> Any:
        return run(*(v if type(v) is np.ndarray else np.asarray(v) for v in values))

    return with_arrays


# ---------------------------------------------------------------------------------------------
# The hook, and where a problem happened


def _hook(kind: str, *detail: Any) -> None:
    tracer = state.tracer
    if tracer is not None:
        tracer.event(kind, *detail)


_installed = [0]
_lock = threading.Lock()


class tracing:
    """Context manager: trace this thread's ops into `tracer`."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def __enter__(self) -> Tracer:
        with _lock:
            if not _installed[0]:
                storage.trace_hooks.append(_hook)
            _installed[0] += 1
        self.previous = state.tracer
        state.tracer = self.tracer
        _count_extras(1)
        return self.tracer

    def __exit__(self, *exc: object) -> None:
        state.tracer = self.previous
        _count_extras(-1)
        with _lock:
            _installed[0] -= 1
            if not _installed[0]:
                storage.trace_hooks.remove(_hook)


def where_in_user_code() -> str:
    """ " at FILE:LINE" for the innermost frame outside autograd_lite (with the library's own
    place when the event happened inside it, such as in an nn layer)."""
    frame = sys._getframe(1)
    inside = forward = None
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE):
            place = f" at {frame.f_code.co_filename}:{frame.f_lineno}"
            inside = forward or inside
            if inside is not None:
                place = f" in {inside}, called{place}"
            return place
        if filename.startswith(_NN) and forward is None:  # an nn layer's own line
            relative = os.path.relpath(filename, os.path.dirname(_PACKAGE.rstrip(os.sep)))
            here = f"{relative}:{frame.f_lineno} ({frame.f_code.co_name})"
            if frame.f_code.co_name == "forward":
                forward = here
            elif inside is None:
                inside = here
        frame = frame.f_back
    return ""
