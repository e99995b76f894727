"""Replay: a traced call turned into a flat program, run again on new values.

A `Program` holds the instructions of one trace (`compiler.trace`), where every value comes
from (the function's data arguments, external tensors read afresh, constants, instruction
results), which results may be written into buffers kept from call to call, and, for every
output that requires grad, the backward plan: the recorded instructions that lead to it, in
reverse order, each with the partial derivatives of its op.

`Program.forward` runs the instructions and returns the outputs. An output that requires
grad is one graph node of the engine, whose op is `CompiledOutput`: its parents are the
tensors the output depends on (the arguments and external tensors its recorded instructions
read), and its partial derivative runs the backward plan with the very partials the eager
graph's nodes would have run, in the same order, accumulating fan-out the same way, so
`backward()` gives the same gradients, into the same leaves' `.grad`, through the engine's
own accumulation, memory guard and freeing. The values the backward needs stay in the
`Call` (one per forward replay) until its output nodes are freed or collected; then its
buffers go back to the program's pool for the next call, so a training loop reuses them,
and a call whose outputs are still waiting for backward never has its values overwritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import graph, storage
from autograd_lite.engine import _IN_PLACE_MIN_SIZE, _owned, _unshared
from autograd_lite.grad_mode import state
from autograd_lite.ops import numpy_math
from autograd_lite.ops._core import Op, unbroadcast
from autograd_lite.storage import NO_SAVED, Tensor, make

from . import codegen
from .trace import ARG, CONST, EXTERNAL, OUT, Instruction, Slot, Tracer

_NOTHING, _KEYWORDS, _LAST = 0, 1, 2  # how a partial takes its op's saved data
_POOL_SIZE = 2  # buffer sets a program keeps for its next calls (more are made when needed)


def _saved_kind(saved: Any) -> int:
    if saved is NO_SAVED:
        return _NOTHING
    return _KEYWORDS if type(saved) is dict else _LAST


class Call:
    """The values of one forward replay, kept for its backward; gives its buffers back to the
    program's pool when the last output node lets go of it."""

    __slots__ = ("__weakref__", "buffers", "last", "program", "saveds", "values")

    def __init__(self, program: Program, values: list, saveds: list, buffers: list | None):
        self.program = program
        self.values = values
        self.saveds = saveds
        self.buffers = buffers
        self.last: Any = None  # (output, seed, gradients) of the latest backward

    def __del__(self) -> None:
        pool = self.program.pool
        if self.buffers is not None and len(pool) < _POOL_SIZE:
            pool.append(self.buffers)


class BackwardStep:
    """One recorded instruction in a backward plan."""

    __slots__ = ("index", "ins", "out", "partials", "returns_saved", "saved", "saved_kind")

    def __init__(self, index: int, instruction: Instruction, partials: list) -> None:
        self.index = index
        self.out = instruction.out
        self.ins = instruction.ins[: instruction.nparents]
        self.returns_saved = instruction.returns_saved
        self.saved = instruction.saved
        self.saved_kind = _saved_kind(instruction.saved)
        self.partials = partials  # (input position, target slot, partial, unary, shape)


class Plan:
    """The backward of one output: the steps, and the sources that get gradients."""

    def __init__(self, output: int, steps: list, parents: list[int], grad_parents: list[bool]):
        self.run: Callable = lambda *args: None  # the generated backward (`codegen`)
        self.output = output
        self.steps = steps
        self.parents = parents  # the output node's parents: source slots
        self.grad_parents = grad_parents  # which of them get a gradient


class CompiledOutput(Op):
    """The op of an output node of a replay: its partial derivatives run the backward plan
    (see the module docstring). One per output of a program."""

    __slots__ = ("plan", "program")

    def __init__(self, program: Program, plan: Plan) -> None:
        name = f"compiled {program.name}"
        super().__init__(name)
        self.program = program
        self.plan = plan
        self.partials = [self._partial(i) for i in range(len(plan.parents))]
        self.unary = False

    def _partial(self, index: int) -> Callable:
        def partial(xp: Any, g: Any, y: Any, *inputs_and_call: Any) -> Any:
            call = inputs_and_call[-1]
            last = call.last
            if last is None or last[0] is not self or last[1] is not g:
                if xp is numpy_math:
                    gradients = self.program.backward(call, self.plan, g)
                else:  # create_graph: the eager graph of this call, differentiated as usual
                    parents = inputs_and_call[:-1]
                    gradients = self.program.recorded_backward(call, self.plan, g, parents)
                last = call.last = (self, g, gradients)
            return last[2][index]

        return partial


class Program:
    """One traced call, ready to replay (see the module docstring)."""

    def __init__(self, tracer: Tracer, outputs: list[tuple[Tensor, bool]], name: str) -> None:
        self.name = name
        self.slots = tracer.slots
        self.instructions = tracer.instructions
        self.modules = list(tracer.modules.values())
        self.module_training = [getattr(m, "training", None) for m in self.modules]
        self.module_version = tracer.module_version
        self.pool: list[list] = []
        slots = self.slots
        self.template: list[Any] = [s.value if s.kind == CONST else None for s in slots]
        self.arguments = [(i, s.index) for i, s in enumerate(slots) if s.kind == ARG]
        self.externals = [
            (i, s.owner, s.shape, s.dtype, s.contiguous, s.requires_grad)
            for i, s in enumerate(slots)
            if s.kind == EXTERNAL
        ]
        self._choose_buffers(outputs)
        # Memory the replay's own steps read: an output sharing it is handed out as a copy,
        # so that a write into what the caller got can never change what a backward reads.
        read = {id(_base(_traced_array(slots[i]))) for ins in self.instructions for i in ins.ins}
        self.output_copies = {
            tracer.slot_of[id(t)] for t, _ in outputs if id(_base(t._data)) in read
        }
        self.steps = [
            (ins.run, ins.ins, ins.out, ins.buffer_index, ins.returns_saved)
            for ins in self.instructions
        ]  # for the interpreted replay that times each op under ag.profile()
        self.output_owners = [owner for _, owner in outputs]  # the slot's own tensor, or not
        self.output_slots = [tracer.slot_of[id(t)] for t, _ in outputs]
        self.plans: dict[int, CompiledOutput] = {}
        # Each output node's parents: the tensors themselves when they are all external
        # (fixed), else where each comes from: (tensor, -1) or (None, argument position).
        self.node_parents: list[tuple[CompiledOutput, tuple, bool]] = []
        for slot in set(self.output_slots):
            if slots[slot].kind == OUT and slots[slot].requires_grad:
                self.plans[slot] = CompiledOutput(self, self._plan(slot))
        self.run_forward = codegen.forward_function(self)
        for output in self.plans.values():
            output.plan.run = codegen.backward_function(self, output.plan)
        # One maker per distinct output (an output listed twice is one tensor, as in eager).
        self.makers: list[Callable] = []
        self.output_index: list[int] = []
        seen: dict[int, int] = {}
        for slot, owner in zip(self.output_slots, self.output_owners):
            if owner and slot in seen:
                self.output_index.append(seen[slot])
                continue
            self.output_index.append(len(self.makers))
            if owner:
                seen[slot] = len(self.makers)
            self.makers.append(self._maker(slot, owner))
        self._forget_the_trace()

    # ------------------------------------------------------------------------- building

    def _forget_the_trace(self) -> None:
        """Drop what only the trace needed: the traced call's tensors and saved data (a
        program keeps its external tensors and constants, not the traced call's graph)."""
        for slot in self.slots:
            if slot.kind in (OUT, ARG):
                slot.owner = None
        for instruction in self.instructions:
            if instruction.returns_saved:
                instruction.saved = None

    def _choose_buffers(self, outputs: list[tuple[Tensor, bool]]) -> None:
        """Give a kept buffer to every instruction that asked for one, unless its result
        reaches the caller (an output, or a view an output shares memory with): a returned
        array is never overwritten by the next call."""
        escaping = {id(_base(t._data)) for t, _ in outputs}
        self.buffer_specs: list[tuple[tuple, np.dtype]] = []
        for instruction in self.instructions:
            instruction.buffer_index = None
            if not instruction.buffer:
                continue
            slot = self.slots[instruction.out]
            result = slot.owner._data
            if id(_base(result)) in escaping:
                instruction.run = _allocating(instruction.run, slot)
                instruction.expression = None
                continue
            instruction.buffer_index = len(self.buffer_specs)
            self.buffer_specs.append((slot.shape, slot.dtype))

    def _plan(self, output: int) -> Plan:
        """The backward plan of one output slot."""
        live = {output}
        steps = []
        direct: set[int] = set()
        for index in range(len(self.instructions) - 1, -1, -1):
            instruction = self.instructions[index]
            if not instruction.recorded or instruction.out not in live:
                continue
            op = instruction.op
            partials = []
            for position, (slot, flag) in enumerate(
                zip(instruction.ins[: instruction.nparents], instruction.grad_flags)
            ):
                direct.add(slot)
                if not flag:
                    continue
                live.add(slot)
                shape = self.slots[slot].shape
                partials.append((position, slot, op.partials[position], op.unary, shape))
            steps.append(BackwardStep(index, instruction, partials))
        # The memory guard checks what the graph's values came from: the recorded steps'
        # inputs, and what the steps without gradient that made them read (a reshaped view
        # of a constant shares the constant's memory).
        producers = {ins.out: ins for ins in self.instructions if ins.out is not None}
        reached, stack = set(direct | live), list(direct)
        while stack:
            made_by = producers.get(stack.pop())
            if made_by is not None and not made_by.recorded:
                for slot in made_by.ins:
                    if slot not in reached:
                        reached.add(slot)
                        stack.append(slot)
        sources = sorted(
            slot
            for slot in reached
            if self.slots[slot].kind in (ARG, EXTERNAL)
            and (slot in live or not self.slots[slot].requires_grad)
        )
        grad_parents = [slot in live and self.slots[slot].requires_grad for slot in sources]
        return Plan(output, steps, sources, grad_parents)

    # ------------------------------------------------------------------------- guards

    def guards_hold(self) -> bool:
        """The modules are in the mode they were traced in, and every external tensor holds
        an array of the traced shape, dtype and layout (and requires grad as it did)."""
        if graph.module_version != self.module_version:
            return False
        for module, training in zip(self.modules, self.module_training):
            if getattr(module, "training", None) != training:
                return False
        for _, tensor, shape, dtype, contiguous, requires_grad in self.externals:
            data = tensor._data
            if (
                tensor._requires_grad is not requires_grad
                or data.shape != shape
                or data.dtype != dtype
                or data.flags.c_contiguous is not contiguous
            ):
                return False
        return True

    # ------------------------------------------------------------------------- forward

    def forward(self, leaves: list[Any]) -> list[Tensor]:
        """Replay on the data arguments `leaves` (Tensors or ndarrays, in order); returns the
        output tensors (in trace order)."""
        parents = [
            (op, spec, None)
            if fixed
            else (op, tuple(e if e is not None else _as_tensor(leaves[i]) for e, i in spec), None)
            for op, spec, fixed in self.node_parents
        ]
        if parents:  # the memory guard's check of the inputs, as `_core._make_node` does it,
            # before the replay's values hold their arrays (as in eager mode, the guard stops
            # watching an array handed out to the user once nobody else holds it)
            parents = [(op, tensors, _guard(tensors)) for op, tensors, _ in parents]
        values = self.template.copy()
        for slot, position in self.arguments:
            leaf = leaves[position]
            values[slot] = leaf._data if isinstance(leaf, Tensor) else leaf
        for slot, tensor, *_ in self.externals:
            values[slot] = tensor._data
        buffers = self._take_buffers()
        saveds: list[Any] = [None] * len(self.instructions)
        if state.profiler is None:
            self.run_forward(values, buffers, saveds)
        else:
            self._forward_profiled(values, saveds, buffers)
        call = Call(self, values, saveds, buffers)
        made = [maker(call, values, leaves, parents) for maker in self.makers]
        return [made[i] for i in self.output_index]

    def _forward_profiled(self, values: list, saveds: list, buffers: list | None) -> None:
        profiler = state.profiler
        for k, (run, ins, out, buffer, returns_saved) in enumerate(self.steps):
            start = time.perf_counter()
            if buffer is None:
                result = run(*[values[i] for i in ins])
            else:
                result = run(*[values[i] for i in ins], buffers[buffer])
            if returns_saved:
                result, saveds[k] = result
            if out is not None:
                values[out] = result
            profiler.on_replay(self.instructions[k].name, "forward", time.perf_counter() - start)

    def _take_buffers(self) -> list | None:
        if not self.buffer_specs:
            return None
        try:
            return self.pool.pop()
        except IndexError:
            return [np.empty(shape, dtype) for shape, dtype in self.buffer_specs]

    def _maker(self, slot: int, owner: bool) -> Callable:
        """How a replay makes one output: ``maker(call, values, leaves, parents)``."""
        info = self.slots[slot]
        if owner and info.kind == ARG:
            position = info.index

            def argument(call: Call, values: list, leaves: list, parents: list) -> Tensor:
                leaf = leaves[position]
                return leaf if isinstance(leaf, Tensor) else make(values[slot])

            return argument
        if owner and info.kind == EXTERNAL:
            tensor = info.owner
            return lambda call, values, leaves, parents: tensor
        if info.kind == CONST or slot in self.output_copies:  # see `output_copies`
            value_of = lambda values: np.array(values[slot])  # noqa: E731
        else:
            value_of = lambda values: values[slot]  # noqa: E731
        output = self.plans.get(slot) if owner else None
        if output is None:
            return lambda call, values, leaves, parents: make(value_of(values))
        spec = tuple(
            (self.slots[s].owner, -1)
            if self.slots[s].kind == EXTERNAL
            else (None, self.slots[s].index)
            for s in output.plan.parents
        )
        number = len(self.node_parents)
        if all(e is not None for e, _ in spec):  # external tensors only: the same every call
            self.node_parents.append((output, tuple(e for e, _ in spec), True))
        else:
            self.node_parents.append((output, spec, False))

        def node(call: Call, values: list, leaves: list, parents: list) -> Tensor:
            _, tensors, guarded = parents[number]
            for parent in tensors:  # counted as a user of its memory (`_core._make_node`)
                memory = parent._memory
                if memory is not None:
                    memory.users += 1
            tensor = make(
                value_of(values),
                output,
                tensors[0],
                tensors[1] if len(tensors) > 1 else None,
                tensors if len(tensors) > 2 else None,
                call,
            )
            if guarded:  # make backward check this node against the snapshots
                storage.last_change = storage.tick()
            return tensor

        return node

    # ------------------------------------------------------------------------- backward

    def backward(self, call: Call, plan: Plan, seed: Any) -> list:
        """The gradients of the plan's output (dL/d(output) = `seed`) with respect to its
        parents: the engine's sweep over the recorded instructions (`engine._run`), spelt out
        for a fixed order."""
        values, saveds = call.values, call.saveds
        shared = {id(seed)}
        if state.profiler is None:
            gradients: list[Any] = [None] * len(self.slots)
            gradients[plan.output] = seed
            plan.run(values, saveds, gradients, shared)
            return self._results(plan, gradients, shared)
        grads: dict[int, Any] = {plan.output: seed}
        profiler = state.profiler
        xp = numpy_math
        for step in plan.steps:
            grad = grads.pop(step.out, None)
            if grad is None:
                continue
            inputs = [values[i] for i in step.ins]
            output = values[step.out]
            saved = saveds[step.index] if step.returns_saved else step.saved
            kind = step.saved_kind if not step.returns_saved else _saved_kind(saved)
            for _, target, partial, unary, shape in step.partials:
                start = time.perf_counter()
                if kind == _NOTHING:
                    parent_grad = partial(xp, grad, output, *inputs)
                elif kind == _KEYWORDS:
                    parent_grad = partial(xp, grad, output, *inputs, **saved)
                else:
                    parent_grad = partial(xp, grad, output, *inputs, saved)
                if not unary and parent_grad.shape != shape:
                    parent_grad = unbroadcast(parent_grad, shape)
                name = self.instructions[step.index].name
                profiler.on_replay(name, "backward", time.perf_counter() - start)
                if parent_grad is grad:
                    shared.add(id(grad))
                previous = grads.get(target)
                if previous is None:
                    grads[target] = parent_grad
                elif previous.size < _IN_PLACE_MIN_SIZE or not _owned(
                    previous, parent_grad, shared
                ):
                    grads[target] = previous + parent_grad
                else:
                    previous += parent_grad
        return self._results(plan, grads, shared)

    def recorded_backward(self, call: Call, plan: Plan, seed: Tensor, parents: tuple) -> list:
        """The backward of ``backward(create_graph=True)``: the recorded steps of the plan
        rebuilt as the engine's nodes (on copies of the call's values, which a later call may
        overwrite), then swept by the engine in recording mode, so the gradients are graphs
        that can be differentiated again, as in eager mode."""
        from autograd_lite.engine import _run
        from autograd_lite.ops import tensor_math

        values, saveds = call.values, call.saveds
        tensors: dict[int, Tensor] = dict(zip(plan.parents, parents))
        steps = sorted(plan.steps, key=lambda step: step.index)

        def tensor_of(slot: int) -> Tensor:
            tensor = tensors.get(slot)
            if tensor is None:  # a constant, or a value computed without gradient
                tensor = tensors[slot] = make(np.array(values[slot]))
            return tensor

        for step in steps:
            inputs = tuple(tensor_of(slot) for slot in step.ins)
            instruction = self.instructions[step.index]
            saved = saveds[step.index] if step.returns_saved else step.saved
            tensors[step.out] = make(
                np.array(values[step.out]),
                instruction.op,
                inputs[0],
                inputs[1] if len(inputs) > 1 else None,
                inputs if len(inputs) > 2 else None,
                saved,
            )
        targets = {t for t, gets in zip(parents, plan.grad_parents) if gets}
        found = dict(_run([(tensors[plan.output], seed)], tensor_math, True, None, targets))
        return [found.get(t) if gets else None for t, gets in zip(parents, plan.grad_parents)]

    def _results(self, plan: Plan, grads: Any, shared: set[int]) -> list:
        """The gradients of the output node's parents, none aliasing another (`_unshared`)."""
        results = []
        for slot, gets in zip(plan.parents, plan.grad_parents):
            grad = grads[slot] if gets else None
            if grad is not None:
                grad = _unshared(grad, shared)
                if type(grad) is np.ndarray:
                    shared.add(id(grad))  # the same array is never handed out twice
            results.append(grad)
        return results


def _guard(parents: tuple[Tensor, ...]) -> bool:
    """The memory guard's check of an output node's parents (`storage.guard_input`): whether
    backward must compare some memory with its snapshot."""
    guarded = False
    for parent in parents:
        memory = parent._memory
        if memory is None:
            continue
        if memory is storage.HANDED_OUT_UNUSED:
            memory = storage.memory_of(parent)
        if (memory.handed_out or memory.snapshot is not None) and storage.guard_input(memory):
            guarded = True
    return guarded


def _traced_array(slot: Slot) -> Any:
    """The array a slot held in the traced call."""
    return slot.value if slot.kind == CONST else slot.owner._data


def _base(array: np.ndarray) -> np.ndarray:
    """The array owning `array`'s memory (itself, or the base its views share)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _as_tensor(leaf: Any) -> Tensor:
    """A data argument as a parent of an output node (an ndarray as a constant tensor)."""
    return leaf if isinstance(leaf, Tensor) else make(leaf)


def _allocating(run: Callable, slot: Slot) -> Callable:
    """A buffer-writing kernel given a fresh array each time (for results that escape)."""
    shape, dtype = slot.shape, slot.dtype

    def fresh(*values: Any) -> Any:
        return run(*values, np.empty(shape, dtype))

    return fresh
