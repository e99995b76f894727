"""The backward engine: order the graph, then apply the chain rule node by node.

    dL/d(input) = Σ over the ops that used `input` of  partial_op(dL/d(output))

`backward` visits the nodes from the output back in reverse creation order (every op's
result is stamped from one clock when it is made, so a node comes after all the ops that used
it; a heap keeps that order, no recursion: a 1,000,000-node chain works), calls each op's
partial derivatives for the parents that require grad, undoes broadcasting, and sums gradients
that arrive from several children (fan-out). Leaves' `.grad` are written only when the whole
pass has succeeded, so a failed backward changes nothing. `topological_order` lists a graph
parents-first for the tools that need the whole of it (gradcheck, explain).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from heapq import heappop, heappush, heapreplace
from sys import getrefcount
from typing import Any

import numpy as np

from autograd_lite import grad_mode, record, storage
from autograd_lite.grad_mode import set_grad_enabled, state
from autograd_lite.ops import numpy_math, tensor_math
from autograd_lite.ops._core import unbroadcast
from autograd_lite.storage import NO_SAVED, ReleasedArray, Tensor, make, to_array
from autograd_lite.validation import boolean

Observer = Callable[[Tensor, int, Tensor, Any, Any], None]


def _freed_graph_error(tensor: Tensor) -> RuntimeError:
    return RuntimeError(
        f"backward: the graph behind this tensor was already freed by an earlier backward() "
        f"(at op '{tensor._op.name}' producing shape {tensor.shape}). Pass retain_graph=True to "
        "the first backward() if you need to go through the graph twice."
    )


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on that requires grad, each after all its parents
    (iterative depth-first post-order). Raises if part of the graph was freed.

    Tensors hash by identity, so they serve directly as set members. A leaf is listed as soon
    as it is found: it has no parents to wait for.
    """
    order: list[Tensor] = []
    visited: set[Tensor] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        tensor, parents_done = stack.pop()
        if parents_done:
            order.append(tensor)
            continue
        if tensor in visited:
            continue
        visited.add(tensor)
        if tensor._op is None:
            order.append(tensor)
            continue
        parents = tensor._parents
        if parents is None:
            raise _freed_graph_error(tensor)
        stack.append((tensor, True))
        for parent in parents:
            if parent._requires_grad and parent not in visited:
                if parent._op is None:
                    visited.add(parent)
                    order.append(parent)
                else:
                    stack.append((parent, False))
    return order


def _seed_gradient(root: Tensor, gradient: Any, create_graph: bool, where: str = "backward") -> Any:
    """dL/d(root): ones for a one-element root, else the caller's `gradient` of root's shape.

    Under create_graph a Tensor `gradient` is used as it is, so the gradients that come out are
    differentiable with respect to it too (a vector-Jacobian product that can be
    differentiated in v); otherwise it is copied into a private array of root's dtype.
    """
    if gradient is None:
        if root._data.size != 1:
            raise ValueError(
                f"{where}: gradient can be implicit only for a tensor with one element, but this "
                f"tensor has shape {root.shape}; pass gradient= of that shape, or reduce first "
                "(e.g. y.sum().backward())"
            )
        seed = np.empty(root.shape, dtype=root.dtype)
        seed.fill(1)  # np.ones costs four times as much for one element
        return make(seed) if create_graph else seed
    array = to_array(gradient, where)
    if array.shape != root.shape:
        raise ValueError(
            f"{where}: gradient= has shape {array.shape} but the tensor has shape {root.shape}"
        )
    if create_graph and isinstance(gradient, Tensor):
        return gradient if gradient.dtype == root.dtype else gradient.astype(root.dtype)
    seed = np.array(array, dtype=root.dtype)  # a private copy: grads may be stored in place later
    return make(seed) if create_graph else seed


def _check_flags(where: str, retain_graph: Any, create_graph: Any) -> None:
    if retain_graph is not None:
        boolean(retain_graph, "retain_graph", where)
    if create_graph is not False:  # the default needs no check
        boolean(create_graph, "create_graph", where)


def _check_root(root: Any, where: str) -> None:
    if not isinstance(root, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(root).__name__}")
    if root._data.dtype.kind != "f":
        raise TypeError(
            f"{where}: cannot differentiate a tensor of dtype {root.dtype}; only floating-point "
            "tensors have gradients"
        )
    if not root._requires_grad:
        raise RuntimeError(
            f"{where}: this tensor does not require grad and has no graph; create its inputs "
            "with requires_grad=True (and not under no_grad())"
        )


def backward(
    root: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    observer: Observer | None = None,
) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad (see
    `Tensor.backward`).

    `observer(tensor, index, parent, grad, parent_grad)`, when given, is called after every
    partial derivative: `grad` is dL/d(tensor), `parent_grad` what flows to parent number
    `index` (used by `explain` to narrate the chain rule).
    """
    _check_root(root, "backward")
    if retain_graph is not None or create_graph is not False:
        _check_flags("backward", retain_graph, create_graph)
    if storage.trace_hooks:  # inside a function autograd_lite.compile traces
        storage.trace_event("backward")
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed_gradient(root, gradient, create_graph)
    results = _sweep([(root, seed)], retain_graph, create_graph, observer, None)
    _check_existing_grads(results)
    _accumulate(results, create_graph)


def gradients(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) as a tuple of Tensors, one per input, without touching any
    `.grad` (PyTorch's ``torch.autograd.grad``).

    Σₖ ⟨grad_outputs[k], d outputs[k]⟩ is differentiated: `grad_outputs` may be omitted for
    one-element outputs (ones). Inputs may be leaves or intermediate tensors. With
    `create_graph` the results are recorded (differentiable again, also with respect to
    Tensor `grad_outputs`). An input the outputs do not depend on raises unless
    `allow_unused`, which gives None for it. The graph is freed unless `retain_graph`
    (default: `create_graph`).
    """
    where = "gradients"
    if storage.trace_hooks:  # inside a function autograd_lite.compile traces
        storage.trace_event("backward")
    outputs_list = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs_list = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not outputs_list or not inputs_list:
        raise ValueError(f"{where}: needs at least one output and one input")
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outputs_list)
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs_list):
        raise ValueError(
            f"{where}: {len(grad_outputs)} grad_outputs for {len(outputs_list)} outputs"
        )
    _check_flags(where, retain_graph, create_graph)
    boolean(allow_unused, "allow_unused", where)
    for output in outputs_list:
        _check_root(output, where)
    for k, tensor in enumerate(inputs_list):
        if not isinstance(tensor, Tensor) or not tensor._requires_grad:
            detail = " with requires_grad=False" if isinstance(tensor, Tensor) else ""
            raise TypeError(
                f"{where}: input {k} must be a Tensor that requires grad, got "
                f"{type(tensor).__name__}{detail}"
            )
    if retain_graph is None:
        retain_graph = create_graph
    roots = [
        (output, _seed_gradient(output, g, create_graph, where))
        for output, g in zip(outputs_list, grad_outputs)
    ]
    found = dict(_sweep(roots, retain_graph, create_graph, None, set(inputs_list)))
    results: list[Tensor | None] = []
    for k, tensor in enumerate(inputs_list):
        grad = found.get(tensor)
        if grad is None:
            if not allow_unused:
                raise RuntimeError(
                    f"{where}: input {k} (shape {tensor.shape}) was not used to compute the "
                    "outputs; pass allow_unused=True to get None for it"
                )
            results.append(None)
            continue
        if grad.dtype != tensor._data.dtype:
            grad = grad.astype(tensor._data.dtype)
        results.append(grad if create_graph else make(grad))
    return tuple(results)


def _sweep(
    roots: list[tuple[Tensor, Any]],
    retain_graph: bool,
    create_graph: bool,
    observer: Any,
    targets: set[Tensor] | None,
) -> list[tuple[Tensor, Any]]:
    """Run the reverse sweep in the right mode, recorded (create_graph) or plain NumPy, with
    the cycle collector paused. The sweep makes no reference cycles (reference counting frees
    all it drops), but its short-lived arrays and tuples trigger collections that re-scan
    every live node of a large graph: on a 100,000-link scalar chain the backward pass took
    about 30 % less process time with the collector paused."""
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        if create_graph:
            with set_grad_enabled(True):
                return _run(roots, tensor_math, retain_graph, observer, targets)
        if state.profiler is not None:
            state.profiler.on_backward_start()
        return _run(roots, numpy_math, retain_graph, observer, targets)
    finally:
        if create_graph:
            state.differentiating = None
        if collector_was_on:
            gc.enable()


def _accumulate(results: list[tuple[Tensor, Any]], create_graph: bool) -> None:
    """Add each gradient into its tensor's `.grad` (all checks done before)."""
    for tensor, grad in results:
        if grad.dtype != tensor._data.dtype:
            grad = grad.astype(tensor._data.dtype)  # recorded under create_graph
        previous = tensor._grad
        if create_graph:
            tensor._grad = grad if previous is None else previous + grad
        else:
            tensor._grad = make(grad) if previous is None else make(previous._data + grad)


def _check_existing_grads(results: list[tuple[Tensor, Any]]) -> None:
    """Refuse to accumulate into a `.grad` the user replaced with one of another shape, before
    any leaf is written (a failed backward leaves every `.grad` as it was)."""
    for tensor, _ in results:
        existing = tensor._grad
        if existing is not None and existing.shape != tensor.shape:
            name = f" '{tensor.name}'" if tensor.name else ""
            raise ValueError(
                f"backward: cannot accumulate into the .grad of tensor{name} of shape "
                f"{tensor.shape}: its existing .grad has shape {existing.shape} (reset it with "
                "x.grad = None)"
            )


# Below this many elements a fresh sum is cheaper than checking whether `+=` would be safe.
_IN_PLACE_MIN_SIZE = 1024


_CHANGES = {
    "data": "had its .data replaced",
    "written": "was changed in place (x[...] = v, an in-place operator, out=, an optimiser "
    "step, or a write into a view or detached copy sharing its memory)",
    "exposed": "was changed through an array obtained from .data or .numpy()",
}


def _check_unchanged(tensor: Tensor) -> None:
    """Refuse to differentiate through an op whose inputs or output changed after it ran (the
    memory guard in `autograd_lite.storage`)."""
    stamp = tensor._stamp
    checks = [(f"input {i} (shape {p.shape})", p) for i, p in enumerate(tensor._parents)]
    checks.append((f"the output (shape {tensor.shape})", tensor))
    for what, checked in checks:
        how = storage.changed_after(checked, stamp)
        if how is not None:
            raise RuntimeError(
                f"backward: {what} of op '{tensor._op.name}' {_CHANGES[how]} after the op used "
                "it, so the recorded graph no longer matches the values and its gradient would "
                "be wrong. Change values before using them, or into a copy (x.copy(), "
                "ag.tensor(x))"
            )


def _owned(array: Any, addend: Any, shared: set[int]) -> bool:
    """True when `array` can take `+= addend` in place: a fresh array of the sweep's own (not
    passed through, not a view) with the result's dtype and shape."""
    return (
        type(array) is np.ndarray
        and array.base is None
        and id(array) not in shared
        and array.flags.writeable
        and array.dtype == addend.dtype
        and array.shape == addend.shape
    )


def _partial_hook(observer: Observer | None) -> Observer | None:
    """What to call after each partial derivative: the profiler, anomaly checks, the observer."""
    if not grad_mode.extras_active:  # no profiler and no anomaly detection anywhere
        return observer
    hooks = [observer] if observer is not None else []
    checker = state.anomaly
    if checker is not None:
        hooks.insert(
            0, lambda tensor, index, parent, grad, pg: checker.check_backward(tensor, index, pg)
        )
    if state.profiler is not None:
        hooks.insert(0, state.profiler.on_partial)
    if len(hooks) <= 1:
        return hooks[0] if hooks else None

    def call_all(tensor: Tensor, index: int, parent: Tensor, grad: Any, pg: Any) -> None:
        for hook in hooks:
            hook(tensor, index, parent, grad, pg)

    return call_all


def _run(
    roots: list[tuple[Tensor, Any]],
    xp: Any,
    retain_graph: bool,
    observer: Observer | None = None,
    targets: set[Tensor] | None = None,
) -> list:
    """The reverse sweep from `roots`, (tensor, dL/d(tensor)) pairs. Returns (tensor,
    gradient) pairs: for leaves and retained non-leaves, or only for `targets` when given
    (`gradients`, which touches no `.grad`).

    Nodes are taken from a heap by decreasing creation stamp: a node's consumers were all made
    after it, so by the time it comes off, every gradient it will receive has arrived (the
    node held `ahead` of the heap is taken in the same order). Only nodes that receive a
    gradient are visited; leaves just collect theirs.

    With ``xp = numpy_math`` gradients are ndarrays and nothing is recorded; with
    ``xp = tensor_math`` they are Tensors and every step is itself recorded.
    """
    recording = xp is tensor_math
    free = not retain_graph
    hook = _partial_hook(observer)
    grads: dict[Tensor, Any] = {}
    pop_grad, get_grad = grads.pop, grads.get
    # Intermediates used more than once: references their consumers' links and this dict's
    # key hold (one consumer and no entry: 1), to tell when only the graph holds a tensor.
    links: dict[Tensor, int] = {}
    # Arrays that may be shared (passed through unchanged by add, or views): a leaf gets a copy
    # of these, and fan-out sums into them are not done in place, so that gradients stored in
    # two places never alias.
    shared: set[int] = set()
    results: list[tuple[Tensor, Any]] = []
    leaves: list[Tensor] = []
    heap: list[tuple[int, Tensor]] = []
    for root, seed in roots:
        shared.add(id(seed))
        previous = grads.get(root)
        if previous is not None:
            grads[root] = previous + seed
        else:
            grads[root] = seed
            if root._op is None:
                leaves.append(root)
            else:
                heap.append((-root._stamp, root))
    heap.sort()
    last_change = storage.last_change  # nothing assigns into tensors during the sweep
    release = not retain_graph and not recording  # arrays only a freed graph holds
    room, keep = record.RECORD_NODES, record.KEEP_BYTES  # see autograd_lite.record
    constants = False  # whether the node has constant inputs (set per node, reset when used)
    # The first input the current node reaches is held out of the heap: in a chain it is the
    # next node, taken without a push and a pop (about 10 % of a scalar chain's backward).
    ahead: Tensor | None = None
    while True:
        if ahead is None:
            if not heap:
                break
            tensor = heappop(heap)[1]
        elif heap and heap[0][0] < -ahead._stamp:  # a node made later is waiting: it is next
            tensor, ahead = heapreplace(heap, (-ahead._stamp, ahead))[1], None
        else:
            tensor, ahead = ahead, None
        grad = pop_grad(tensor)
        first, second = tensor._parent0, tensor._parent1
        if first is None:
            raise _freed_graph_error(tensor)
        if tensor._retains_grad if targets is None else tensor in targets:
            results.append((tensor, _unshared(grad, shared)))
        if last_change > tensor._stamp:
            _check_unchanged(tensor)
        if second is None:
            parents = (first,)
            inputs = parents if recording else (first._data,)
        elif tensor._more_parents is None:
            parents = (first, second)
            inputs = parents if recording else (first._data, second._data)
        else:
            parents = tensor._more_parents
            inputs = parents if recording else [parent._data for parent in parents]
        if recording:
            output = tensor
            state.differentiating = tensor  # anomaly detection names the op whose partials run
        else:
            output = tensor._data
        partials, unary, saved = tensor._op.partials, tensor._op.unary, tensor._saved
        for i, parent in enumerate(parents):
            # The memory guard counts the ops using a memory (see `storage`).
            if parent._memory is not None and free and tensor._stamp > parent._memory.created_at:
                parent._memory.users -= 1
            if not parent._requires_grad:  # a constant, such as an input batch:
                if release and parent._data.nbytes > keep:  # released below
                    constants = True  # when only this node holds it
                continue
            if saved is NO_SAVED:  # _core.apply_partial, spelt out
                parent_grad = partials[i](xp, grad, output, *inputs)
            elif type(saved) is dict:
                parent_grad = partials[i](xp, grad, output, *inputs, **saved)
            else:
                parent_grad = partials[i](xp, grad, output, *inputs, saved)
            if not unary and parent_grad.shape != inputs[i].shape:
                parent_grad = unbroadcast(parent_grad, parent._data.shape)
            if hook is not None:
                hook(tensor, i, parent, grad, parent_grad)
                shared.add(id(parent_grad))  # the hook may keep it: never summed into in place
            if parent_grad is grad:
                shared.add(id(grad))
            previous = get_grad(parent)
            if previous is None:
                grads[parent] = parent_grad
                if parent._op is None:
                    leaves.append(parent)
                elif ahead is None:
                    ahead = parent
                else:
                    heappush(heap, (-parent._stamp, parent))
            else:
                if parent._op is not None:  # another link into an intermediate (see below)
                    links[parent] = links.get(parent, 2) + 1  # counting the key's reference
                if (
                    recording
                    or previous.size < _IN_PLACE_MIN_SIZE
                    or not _owned(previous, parent_grad, shared)
                ):
                    grads[parent] = previous + parent_grad
                else:
                    previous += parent_grad  # fan-out sum into an array only this sweep holds
        if free:  # free the node (see `storage` on freed nodes)
            if not room:  # beyond the record: nothing of the graph behind it stays
                tensor._parent0 = tensor._parent1 = tensor._more_parents = None
                tensor._saved = NO_SAVED
                continue
            tensor._parent0 = None
            # Within the record the inputs stay (`storage.recorded_inputs`), saved arrays go
            # (a ScalarOp's number stays, for pictures), and the output's array is released
            # when only the graph holds the tensor: its references are then this frame's two,
            # the consumers' links (`links`) and results' when its gradient is retained.
            room -= 1
            if tensor._more_parents is None:
                tensor._more_parents = first
            else:
                tensor._parent1 = None
            if saved is not NO_SAVED and type(saved) is not float and type(saved) is not int:
                tensor._saved = NO_SAVED
            if (
                release
                and output.nbytes > keep
                and getrefcount(tensor) - 2 - tensor._retains_grad
                == (links.get(tensor, 1) if links else 1)
            ):
                tensor._data = ReleasedArray(output)
                tensor._memory = None  # the memory guard's record holds the array too
            if constants:  # release the large constants only this node holds
                constants, first, second = False, None, None
                # A constant's references: getrefcount's argument, `parent`, the node's link,
                # and `parents` when it is a tuple of its own (one or two inputs).
                alone = 3 if parents is tensor._more_parents else 4
                for parent in parents:
                    if (
                        not parent._requires_grad
                        and getrefcount(parent) == alone
                        and parent._data.nbytes > keep
                    ):
                        parent._data = ReleasedArray(parent._data)
                        parent._memory = None
            if not room:
                record.close(roots, heap if ahead is None else [*heap, (-ahead._stamp, ahead)])
    if free and room < record.RECORD_NODES:  # the sweep left a record: see record.keep
        record.keep(roots)
    if targets is not None:
        leaves = [leaf for leaf in leaves if leaf in targets]
    for leaf in leaves:
        results.append((leaf, _unshared(grads[leaf], shared)))
    return results


def _unshared(grad: Any, shared: set[int]) -> Any:
    """`grad`, or a copy of it when it may be stored elsewhere too (a passed-through or viewed
    array): a gradient written to `.grad` never aliases another one."""
    if type(grad) is np.ndarray and (id(grad) in shared or grad.base is not None):
        return grad.copy()
    return grad
