"""The generated replay: a program's forward and backward as straight-line Python source.

Running a program instruction by instruction from a list costs a loop iteration, a tuple
unpacking and an argument list per instruction, about as much as the NumPy call itself on a
small array. So `Program` writes each replay out as source code, one line per NumPy call or
kernel call with the slot numbers filled in, and compiles it once:

    def forward_0(v, b, S):
        v[3] = k0(v[0], v[1], v[2], b[0])         # linear, into buffer 0
        v[4] = f1(v[3], out=b[1])                # tanh
        v[5] = v[4] * c2                         # a Python number on 0-d values
        v[6], S[3] = k3(v[5], v[9])              # an op whose saved data depends on values

    def backward_0(v, S, G, shared):
        g = G[6]; G[6] = None                    # dL/d(value 6), as the engine pops it
        p = p3_0(xp, g, v[6], v[5], v[9], **S[3])
        if p is g: shared.add(id(g))
        G[5] = p                                 # the first gradient value 5 receives
        ...

The backward calls each op's own partial derivatives with the arguments the engine gives
them (`engine._run`), and sums fan-out with the engine's rule. Programs of thousands of
instructions are cut into functions of `CHUNK` instructions each (one long function would
take Python's compiler a long time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_lite.engine import _IN_PLACE_MIN_SIZE, _owned
from autograd_lite.ops import numpy_math
from autograd_lite.ops._core import unbroadcast

CHUNK = 500


def _accumulate(previous: Any, addend: Any, shared: set[int]) -> Any:
    """The engine's fan-out sum: in place into an array only the sweep holds, if large."""
    if previous.size < _IN_PLACE_MIN_SIZE or not _owned(previous, addend, shared):
        return previous + addend
    previous += addend
    return previous


def _compile(chunks: list[list[str]], header: str, namespace: dict, name: str) -> Callable:
    """Compile the chunks into functions ``header``; return one function calling them all."""
    functions = []
    for number, lines in enumerate(chunks):
        source = f"def {name}_{number}{header}:\n" + "".join(f"    {line}\n" for line in lines)
        if not lines:
            source += "    pass\n"
        code = compile(source, f"<compiled {name} {number}>", "exec")
        exec(code, namespace)  # our own generated source
        functions.append(namespace[f"{name}_{number}"])
    if len(functions) == 1:
        return functions[0]

    def all_of(*args: Any) -> None:
        for function in functions:
            function(*args)

    return all_of


def forward_function(program: Any) -> Callable[[list, Any, list], None]:
    """``run(v, b, S)``: every instruction of `program`, values in `v` (sources filled in),
    buffers `b`, saved data of instructions that compute it into `S`."""
    namespace: dict[str, Any] = {}
    slots = program.slots
    lines: list[str] = []
    chunks = [lines]
    for k, instruction in enumerate(program.instructions):
        if len(lines) >= CHUNK:
            lines = []
            chunks.append(lines)
        ins = instruction.ins
        if instruction.expression is not None:
            fields: dict[str, str] = {}
            for position, slot in enumerate(ins):
                fields[f"x{position}"] = f"v[{slot}]"
                fields[f"s{position}"] = f"v[{slot}]" if slots[slot].scalar else f"v[{slot}][()]"
            for name, value in instruction.names.items():
                namespace[f"{name}{k}"] = value
                fields[name] = f"{name}{k}"
            if instruction.buffer_index is not None:
                fields["out"] = f"b[{instruction.buffer_index}]"
            call = instruction.expression.format(**fields)
        else:
            namespace[f"k{k}"] = instruction.run
            arguments = [f"v[{slot}]" for slot in ins]
            if instruction.buffer_index is not None:
                arguments.append(f"b[{instruction.buffer_index}]")
            call = f"k{k}({', '.join(arguments)})"
        if instruction.out is None:
            lines.append(call)
        elif instruction.returns_saved:
            lines.append(f"v[{instruction.out}], S[{k}] = {call}")
        else:
            lines.append(f"v[{instruction.out}] = {call}")
    return _compile(chunks, "(v, b, S)", namespace, "forward")


def backward_function(program: Any, plan: Any) -> Callable[[list, list, list, set], None]:
    """``run(v, S, G, shared)``: the backward plan of one output; G holds the gradients by
    slot (the output's seed in place), `shared` the ids of arrays that may be shared."""
    namespace: dict[str, Any] = {
        "xp": numpy_math,
        "unbroadcast": unbroadcast,
        "accumulate": _accumulate,
    }
    received: set[int] = set()
    lines: list[str] = []
    chunks = [lines]
    for step in plan.steps:
        if len(lines) >= CHUNK:
            lines = []
            chunks.append(lines)
        k = step.index
        lines.append(f"g = G[{step.out}]; G[{step.out}] = None")
        inputs = "".join(f", v[{slot}]" for slot in step.ins)
        if step.returns_saved:
            saved = f", **S[{k}]"
        elif step.saved_kind == 0:
            saved = ""
        else:
            namespace[f"s{k}"] = step.saved
            saved = f", **s{k}" if step.saved_kind == 1 else f", s{k}"
        for position, target, partial, unary, shape in step.partials:
            name = f"p{k}_{position}"
            namespace[name] = partial
            lines.append(f"p = {name}(xp, g, v[{step.out}]{inputs}{saved})")
            if not unary:
                namespace[f"shape{k}_{position}"] = shape
                lines.append(
                    f"if p.shape != shape{k}_{position}: p = unbroadcast(p, shape{k}_{position})"
                )
            lines.append("if p is g: shared.add(id(g))")
            if target in received:
                lines.append(f"G[{target}] = accumulate(G[{target}], p, shared)")
            else:
                lines.append(f"G[{target}] = p")
                received.add(target)
    return _compile(chunks, "(v, S, G, shared)", namespace, "backward")
