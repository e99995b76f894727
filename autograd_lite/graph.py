"""A read-only view of the recorded graph, for tools and for curious users.

    >>> from autograd_lite import Tensor, graph
    >>> x = Tensor(2.0, requires_grad=True, name="x")
    >>> y = (x * 3.0).exp()
    >>> node = graph.node(y)
    >>> node.op, [graph.node(t).op for t in node.inputs]
    ('exp', ['mul'])

`node(t)` describes the op that made `t`: its name, inputs, operands as written (with the
Python numbers an op was given), what its partial derivatives saved, where it was created (while
anomaly detection is on), the module it ran in, and whether a backward pass freed it. `walk`
and `topological_order` visit a whole graph without recursion. The drawing, explanation,
profiling and anomaly tools read graphs only through this module.

Freed graphs. A backward pass without retain_graph frees each node it goes through (its saved
arrays are dropped, so a second pass cannot run), but it keeps a light record of the structure
of the `RECORD_NODES` nodes nearest the output: their ops, inputs, shapes, dtypes, names,
module calls and a ScalarOp's number. So ``loss.backward(); save_svg(loss, ...)`` still draws
the whole graph. The record holds no arrays that only the graph held: an intermediate result
nothing else holds has its values *released* (`Node.released`; reading them raises an error
saying so), and so does a constant input only the graph held (an input batch). Arrays of up to
`KEEP_BYTES` bytes stay (releasing a small array costs more time than its memory is worth; see
`autograd_lite.record`). Beyond the record, a freed node has no recorded inputs
(`Node.record_ends`); so has every node of a record that was dropped (the records of the
latest `RECORDS_KEPT` or more graphs whose outputs are held are kept: `autograd_lite.record`).

Module calls. `nn` marks each module call on its output with `begin_call` / `end_call`: the
clock's ticks before and after the call bracket the stamps of every op the call recorded, so a
drawing can group a module's ops without tagging each op as it runs (which would cost every op
inside a model a little). `module_calls(root)` gathers those records, innermost last.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from autograd_lite import storage
from autograd_lite.ops import numpy_math
from autograd_lite.ops._core import apply_partial, is_freed, operands_of
from autograd_lite.record import KEEP_BYTES, RECORD_DROPPED, RECORD_NODES, RECORDS_KEPT
from autograd_lite.storage import NO_SAVED, Origin, Tensor, is_released, recorded_inputs, tick

__all__ = [
    "KEEP_BYTES",
    "RECORDS_KEPT",
    "RECORD_NODES",
    "ModuleCall",
    "Node",
    "begin_call",
    "calls_of",
    "end_call",
    "module_calls",
    "node",
    "topological_order",
    "walk",
]


_new_tuple = tuple.__new__


class ModuleCall(NamedTuple):
    """One call of an `nn` module: ops stamped in (start, end] ran inside it. (A named tuple:
    every module call makes one, and a frozen dataclass costs three times as much to make.)"""

    start: int
    end: int
    path: str
    module: Any

    def contains(self, stamp: int) -> bool:
        return self.start < stamp <= self.end


class Node:
    """What a tensor's graph node records, read-only. Cheap: a view, nothing is copied."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"graph.node: expected a Tensor, got {type(tensor).__name__}")
        self.tensor = tensor

    @property
    def op(self) -> str | None:
        """The op's name ("mul", "linear", ...); None for a leaf."""
        op = self.tensor._op
        return None if op is None else op.name

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op made (inputs, parameters, constants)."""
        return self.tensor._op is None

    @property
    def freed(self) -> bool:
        """True once a backward pass without retain_graph has freed this node: its saved
        arrays are gone, so no further backward pass can go through it. Its structure may
        still be on record (`inputs`; see the module docstring)."""
        return is_freed(self.tensor)

    @property
    def released(self) -> bool:
        """True when backward released this tensor's values (only the graph held them):
        `shape` and `dtype` remain, reading the values raises."""
        return is_released(self.tensor)

    @property
    def record_ends(self) -> bool:
        """True for a freed node beyond the record backward keeps, or whose record was dropped
        (`record_dropped`): its inputs are unknown."""
        tensor = self.tensor
        return is_freed(tensor) and recorded_inputs(tensor) is None

    @property
    def record_dropped(self) -> bool:
        """True for a freed node whose record was dropped: backward keeps the records of the
        latest `RECORDS_KEPT` or more graphs whose outputs are held (`autograd_lite.record`)."""
        return self.tensor._saved is RECORD_DROPPED

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The op's input tensors, also after backward freed the node (from its record);
        empty for a leaf and for a node beyond the record."""
        return recorded_inputs(self.tensor) or ()

    @property
    def operands(self) -> list[Any]:
        """The op's operands in the order they were written: input tensors, and the Python
        number of an op such as ``3 * x`` on its side. Empty for a leaf or beyond the record."""
        return operands_of(self.tensor)

    @property
    def numbers(self) -> list[Any]:
        """The Python numbers among the operands (the 3 in ``3 * x``)."""
        return [operand for operand in self.operands if not isinstance(operand, Tensor)]

    @property
    def saved(self) -> Mapping[str, Any]:
        """What the op kept for its partial derivatives besides inputs and output (an axis, a
        mask, a ScalarOp's number as "scalar"), read-only; empty once freed, but for the
        number."""
        saved = self.tensor._saved
        if saved is NO_SAVED:
            return MappingProxyType({})
        if type(saved) is dict:
            return MappingProxyType(saved)
        return MappingProxyType({"scalar": saved})

    @property
    def stamp(self) -> int:
        """The clock's tick when the op ran (creation order; 0 for a leaf)."""
        return self.tensor._stamp

    @property
    def scope(self) -> str | None:
        """The `graph_scope` the op was recorded in, if any (nn modules: see `module_calls`)."""
        origin = self.tensor._origin
        return None if origin is None else origin.scope

    @property
    def calls(self) -> tuple[ModuleCall, ...]:
        """The nn module calls this tensor is the output of (see `module_calls`)."""
        origin = self.tensor._origin
        return () if origin is None else origin.calls

    @property
    def trace(self) -> tuple[Any, ...]:
        """Where the op was created (user frames, innermost first) if it was recorded while
        anomaly detection was on; else empty."""
        origin = self.tensor._origin
        return () if origin is None else tuple(origin.trace)

    @property
    def arity(self) -> int:
        """How many input tensors the op has (0 for a leaf or beyond the record)."""
        return len(self.inputs)

    @property
    def grad_norm(self) -> float | None:
        """‖grad‖₂ computed in float64, or None when the tensor holds no gradient (after
        backward: leaves, and intermediates that retain their gradient)."""
        grad = self.tensor._grad
        if grad is None:
            return None
        values = grad._data
        return float(np.sqrt(np.vdot(values, values).real)) if values.size else 0.0

    def local_gradient(self, index: int, upstream: Any) -> Any:
        """The op's partial derivative for input `index` applied to `upstream` = dL/d(output)
        as plain NumPy (nothing recorded): dL/d(input) before broadcasting is undone."""
        tensor = self.tensor
        if tensor._parents is None:
            raise RuntimeError(f"graph.node: the graph behind op '{self.op}' was freed")
        inputs = [parent._data for parent in tensor._parents]
        partial = tensor._op.partials[index]
        return apply_partial(partial, numpy_math, upstream, tensor._data, inputs, tensor._saved)

    def __repr__(self) -> str:
        if self.is_leaf:
            return f"Node(leaf, shape={self.tensor.shape})"
        state = ", freed" if self.freed else ""
        state += ", values released" if self.released else ""
        return f"Node({self.op}, shape={self.tensor.shape}, inputs={self.arity}{state})"


def node(tensor: Tensor) -> Node:
    """The read-only view of the graph node that made `tensor`."""
    return Node(tensor)


def walk(root: Tensor) -> Iterator[Tensor]:
    """Every tensor behind `root` once, breadth first from the root (no recursion); a freed
    graph is walked through its record."""
    if not isinstance(root, Tensor):
        raise TypeError(f"graph.walk: expected a Tensor, got {type(root).__name__}")
    seen = {id(root)}
    queue = deque([root])
    while queue:
        tensor = queue.popleft()
        yield tensor
        for parent in recorded_inputs(tensor) or ():
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on that requires grad, each after all its parents
    (iterative depth-first post-order). Raises if part of the graph was freed."""
    from autograd_lite.engine import topological_order as order

    return order(root)


# ---------------------------------------------------------------------------------------------
# Module calls (used by nn.Module.__call__)


module_version = 0  # counts changes of modules' attributes (see `module_changed`)


def module_changed() -> None:
    """nn reports a change of a module's attributes (a parameter or sub-module replaced, a
    setting such as Dropout's p): functions compiled by autograd_lite.compile that call
    modules retrace, since their recorded steps may no longer be what the module computes."""
    global module_version
    module_version += 1


def begin_call() -> int:
    """A tick before a module call: every op the call records is stamped later."""
    return tick()


def end_call(output: Any, start: int, path: str, module: Any) -> None:
    """Mark `output` as the result of a module call that began at tick `start` (no-op for an
    output that is not a Tensor the call made, such as an identity module's input)."""
    if storage.trace_hooks:  # autograd_lite.compile guards the module's train/eval mode
        storage.trace_event("module", module)
    if type(output) is not Tensor or output._stamp <= start:
        return
    call = _new_tuple(ModuleCall, (start, tick(), path, module))  # (skips the named tuple's
    # Python-level __new__: 0.15 instead of 0.25 us, paid by every module call)
    origin = output._origin
    if origin is None:
        output._origin = _new_tuple(Origin, (None, (), (call,)))
    else:
        output._origin = _new_tuple(Origin, (origin.scope, origin.trace, (*origin.calls, call)))


def module_calls(root: Tensor) -> list[ModuleCall]:
    """The module calls recorded on the tensors behind `root`, outermost first (ordered by
    start, then by span, widest first)."""
    return calls_of(walk(root))


def calls_of(tensors: Iterable[Tensor]) -> list[ModuleCall]:
    """The module calls recorded on `tensors`, once each, outermost first (as `module_calls`)."""
    calls = {call for tensor in tensors for call in Node(tensor).calls}
    return sorted(calls, key=lambda call: (call.start, -call.end))


def innermost_call(stamp: int, calls: list[ModuleCall]) -> ModuleCall | None:
    """The innermost of `calls` that ran the op stamped `stamp` (None outside every call)."""
    found = None
    for call in calls:
        if call.contains(stamp) and (found is None or call.start >= found.start):
            found = call
    return found
