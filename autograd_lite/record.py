"""The light record an ordinary backward keeps of the graph it frees (see `autograd_lite.graph`
for what it holds and `autograd_lite.storage` for how a freed node stores it).

The engine frees each node as its backward pass goes through it. For the first `RECORD_NODES`
nodes (those nearest the output: what a picture shows) it keeps the node's inputs, its op and a
ScalarOp's number, and it releases the arrays only the graph holds (intermediate results and
constant inputs larger than `KEEP_BYTES`). Beyond that, nodes are freed as they always were.
`close` runs once when the record is full.

Only the records of the latest graphs whose outputs are still held are kept (`keep`): at
least the last `RECORDS_KEPT`, at most twice as many (held outputs are counted once in
`RECORDS_KEPT` backward passes, not at each), the oldest dropped first. Without that bound,
a training loop that keeps its losses (``losses.append(loss)``, the habit PyTorch's FAQ warns
about) would keep every step's graph and the arrays its variables held during that step's
backward: about 10 KB per step on a small MLP, and more time in the cycle collector for every
live node. A graph whose output is gone needs no dropping: it is freed with the output.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any

import numpy as np

from autograd_lite.storage import ReleasedArray, Tensor, make, recorded_inputs

# A backward pass without retain_graph keeps the structure of at most this many nodes nearest
# the output (more than a drawing shows at its default size). Keeping every node would defer
# freeing a deep graph of scalars to when its output dies, which costs more than freeing them
# as the sweep goes (the cache is cold by then), and would keep memory for each of them.
RECORD_NODES = 500
# Arrays up to this many bytes (512 float64 numbers) stay with a freed node. Releasing one
# costs a stand-in object and a reference count (about 0.3 µs), which is a noticeable share
# of the op that made a small array: on the planar benchmark (arrays of 400 to 1,600 numbers)
# releasing every array made backward about 5 % slower, releasing those over 4 KiB about 3 %.
# Larger arrays, where the memory is, are always released.
KEEP_BYTES = 4096
# At least this many records of graphs whose outputs are held are kept (see the docstring).
RECORDS_KEPT = 8

# The outputs of each backward pass that left a record, oldest pass first.
_kept: deque[tuple[weakref.ref[Tensor], ...]] = deque()
_kept_lock = threading.Lock()


_NOTHING = np.empty(0)
# `_saved` of a freed node whose record was dropped (`graph.Node.record_dropped`): an empty dict
# of its own, so that everything reading `_saved` sees "nothing saved".
RECORD_DROPPED: dict[str, Any] = {}


def close(roots: list[tuple[Tensor, Any]], heap: list[tuple[int, Tensor]]) -> None:
    """The record of a freed graph is full. The nodes the sweep has not reached yet (`heap`)
    will be freed without a record, but the record's links keep them alive: when one of them
    holds a large array, the record's links go to stand-ins instead (the op's name, shape,
    dtype, name and module call, no inputs), so that it is freed as before when nothing else
    holds it. (Small arrays cost nothing worth the walk.)"""
    if all(tensor._data.nbytes <= KEEP_BYTES for _, tensor in heap):
        return
    stand_ins: dict[Tensor, Tensor] = {}
    seen: set[Tensor] = set()
    stack = [root for root, _ in roots if root._op is not None]
    while stack:
        tensor = stack.pop()
        if tensor in seen:
            continue
        seen.add(tensor)
        parents = recorded_inputs(tensor)
        if tensor._parent0 is not None or not parents:
            continue  # not freed by this sweep, or beyond the record
        if any(p._parent0 is not None for p in parents):
            if type(tensor._more_parents) is tuple:
                tensor._more_parents = tuple(
                    _stand_in(p, stand_ins) if p._parent0 is not None else p for p in parents
                )
            else:
                first, second = tensor._more_parents, tensor._parent1
                if first._parent0 is not None:
                    tensor._more_parents = _stand_in(first, stand_ins)
                if second is not None and second._parent0 is not None:
                    tensor._parent1 = _stand_in(second, stand_ins)
        stack.extend(p for p in parents if p._op is not None and p._parent0 is None)


def _stand_in(tensor: Tensor, stand_ins: dict[Tensor, Tensor]) -> Tensor:
    """A freed copy of node `tensor` without inputs (the record ends there)."""
    copy = stand_ins.get(tensor)
    if copy is None:
        data = tensor._data
        if type(data) is np.ndarray and data.nbytes > KEEP_BYTES:
            data = ReleasedArray(data)
        copy = stand_ins[tensor] = make(_NOTHING)
        copy._data = data
        copy._op, copy._stamp, copy._requires_grad = tensor._op, tensor._stamp, True
        copy._name, copy._origin = tensor._name, tensor._origin
        if type(tensor._saved) in (float, int):
            copy._saved = tensor._saved
    return copy


def keep(roots: list[tuple[Tensor, Any]]) -> None:
    """Note that a backward pass from `roots` ((output, seed) pairs) left a record: one entry
    per pass, so that the outputs of one `gradients` call, which share their graph, are kept
    or dropped together. Once 2·`RECORDS_KEPT` passes are noted, the records of passes whose
    outputs are all gone are forgotten (they were freed with their outputs) and those beyond
    the latest `RECORDS_KEPT` of the others are dropped."""
    if len(roots) == 1:  # backward(): one output, a recorded result
        entry: tuple[weakref.ref[Tensor], ...] = (weakref.ref(roots[0][0]),)
    else:
        outputs = {id(root): root for root, _ in roots if root._op is not None}
        entry = tuple(weakref.ref(output) for output in outputs.values())
    _kept.append(entry)  # atomic: the lock guards only the compaction
    if len(_kept) <= 2 * RECORDS_KEPT:  # look at the outputs once in RECORDS_KEPT passes
        return
    with _kept_lock:
        # Taken one by one from the left while other threads may append on the right.
        passes = [_kept.popleft() for _ in range(len(_kept))]
        held = [entry for entry in passes if any(ref() is not None for ref in entry)]
        _kept.extendleft(reversed(held[-RECORDS_KEPT:]))
    for entry in held[:-RECORDS_KEPT]:
        for ref in entry:
            output = ref()
            if output is not None:
                drop(output)


def drop(output: Tensor) -> None:
    """Forget the record behind `output`: each freed node on it becomes a node whose record
    was dropped (no inputs: `graph.Node.record_ends` and `record_dropped`), and what only the
    record held is freed. An output changed in place after its backward (``loss += 1``) is a
    live node again whose input is its former, recorded self: the walk goes through it."""
    stack = [output]
    while stack:
        tensor = stack.pop()
        if tensor._parent0 is not None:  # not freed: not part of a record
            if tensor is output:
                stack.extend(recorded_inputs(tensor) or ())
            continue
        inputs = recorded_inputs(tensor)
        if inputs:
            stack.extend(inputs)
            tensor._more_parents = tensor._parent1 = None
            tensor._saved = RECORD_DROPPED
