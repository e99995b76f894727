"""The generated replay: a program's forward and backward as Python source, compiled once.

Running a program instruction by instruction from a list costs a loop iteration, a tuple
unpacking and an argument list per instruction, about as much as the NumPy call itself on a
small array. So `Program` writes each replay out as source code, one line per NumPy call or
kernel call with the slot numbers filled in:

    v[3] = n0(v[0], v[1], v[2], b[0])            # linear, into buffer 0
    v[4] = n1(v[3], out=b[1])                    # tanh (n1 is np.tanh)
    v[6], S[3] = n2(v[5], v[9])                  # an op whose saved data depends on values

and the backward of each output the same way, calling each op's own partial derivatives
with the arguments the engine gives them (`engine._run`), and summing fan-out with the
engine's rule:

    g = G[6]; G[6] = None                        # dL/d(value 6), popped as the engine pops it
    p = n7(xp, g, v[6], v[5], v[9], **S[3])
    if p is g: shared.add(id(g))
    G[5] = p                                     # the first gradient value 5 receives

Objects the lines need (ufuncs, constants, kernels, partials) get one name per distinct
object or value, so that repeated steps give identical lines up to their slot numbers: a
block of lines that repeats with slot numbers advancing by fixed steps (a layer applied
again, a chain of links) is written once, as a loop,

    for d in range(0, 300000, 3):
        v[2+d] = v[1+d][()] * n0
        ...

which keeps a long chain's code small (Python compiles it at once, and it stays in cache).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.engine import _IN_PLACE_MIN_SIZE, _owned
from autograd_lite.ops import numpy_math
from autograd_lite.ops._core import unbroadcast

MAX_PERIOD = 24  # the longest block of steps looked for as a repeating unit
MIN_REPEATS = 3  # a block repeated fewer times is written out
_FIELD = re.compile(r"\{(\d+)\}")


def _accumulate(previous: Any, addend: Any, shared: set[int]) -> Any:
    """The engine's fan-out sum: in place into an array only the sweep holds, if large."""
    if previous.size < _IN_PLACE_MIN_SIZE or not _owned(previous, addend, shared):
        return previous + addend
    previous += addend
    return previous


class _Names:
    """One name in the generated code per distinct object (by value for numbers, strings,
    tuples and the like; by identity for the rest)."""

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace
        self.known: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
        key = _value_key(value)
        name = self.known.get(key)
        if name is None:
            name = self.known[key] = f"n{len(self.known)}"
            self.namespace[name] = value
        return name


def _value_key(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, bytes, np.generic)):
        return (type(value), value if value == value else "nan")
    if isinstance(value, tuple) and all(
        x is None or isinstance(x, (bool, int, float, str)) for x in value
    ):
        return (tuple, tuple(_value_key(x) for x in value))
    if type(value) is dict and all(_hashable(x) for x in value.values()):
        return (dict, tuple((k, _value_key(v)) for k, v in value.items()))
    return ("object", id(value))


def _hashable(value: Any) -> bool:
    return _value_key(value)[0] != "object"


class _Unit:
    """The lines of one step: a template with `{0}`, `{1}`, ... where its numbers go (slots,
    buffers, saved data), and those numbers."""

    __slots__ = ("numbers", "template")

    def __init__(self, template: str, numbers: list[int]) -> None:
        self.template = template
        self.numbers = tuple(numbers)


class _Writer:
    """Builds a unit's template: ``writer.number(5)`` puts a placeholder for 5."""

    def __init__(self) -> None:
        self.numbers: list[int] = []

    def number(self, value: int) -> str:
        self.numbers.append(value)
        return f"{{{len(self.numbers) - 1}}}"


def _roll(units: list[_Unit]) -> list[str]:
    """The units as lines, runs of a block repeated with its numbers advancing by fixed
    steps as loops (see the module docstring)."""
    lines: list[str] = []
    templates = [u.template for u in units]
    n = len(units)
    k = 0
    while k < n:
        best = None
        for period in range(1, MAX_PERIOD + 1):
            if k + MIN_REPEATS * period > n:
                break
            if (
                templates[k + period] != templates[k]
                or templates[k : k + period] != templates[k + period : k + 2 * period]
            ):
                continue
            steps = [
                tuple(b - a for a, b in zip(units[k + j].numbers, units[k + period + j].numbers))
                for j in range(period)
            ]
            repeats = _repeats(units, templates, k, period, steps)
            if repeats >= MIN_REPEATS and (best is None or repeats * period > best[0] * best[1]):
                best = (repeats, period, steps)
        if best is None:
            unit = units[k]
            lines.extend(_fill(unit.template, [str(x) for x in unit.numbers]))
            k += 1
            continue
        repeats, period, steps = best
        strides = {s for block in steps for s in block if s}
        if len(strides) == 1:  # one stride (the usual case): the loop counts in it
            (stride,) = strides
            lines.append(f"for r in range(0, {repeats * stride}, {stride}):")
            offset = lambda a, s: str(a) if s == 0 else f"{a}+r"  # noqa: E731
        else:
            lines.append(f"for r in range({repeats}):")
            offset = lambda a, s: str(a) if s == 0 else f"{a}+{s}*r"  # noqa: E731
        for j in range(period):
            unit = units[k + j]
            filled = [offset(a, s) for a, s in zip(unit.numbers, steps[j])]
            lines.extend("    " + line for line in _fill(unit.template, filled))
        k += repeats * period
    return lines


def _repeats(units: list[_Unit], templates: list[str], k: int, period: int, steps: list) -> int:
    """How many times the block of `period` units at `k` repeats (at least 2, known), each
    repetition's numbers those of the one before plus `steps`."""
    expected = [units[k + period + j].numbers for j in range(period)]
    repeats, start, n = 2, k + 2 * period, len(units)
    while start + period <= n:
        for j in range(period):
            unit = units[start + j]
            following = tuple([a + s for a, s in zip(expected[j], steps[j])])
            if unit.numbers != following or templates[start + j] != templates[k + j]:
                return repeats
            expected[j] = following
        repeats += 1
        start += period
    return repeats


def _fill(template: str, numbers: list[str]) -> list[str]:
    return _FIELD.sub(lambda m: numbers[int(m.group(1))], template).split("\n")


def _compile(lines: list[str], header: str, namespace: dict, name: str) -> Callable:
    source = f"def {name}{header}:\n" + "".join(f"    {line}\n" for line in lines or ["pass"])
    exec(compile(source, f"<compiled {name}>", "exec"), namespace)  # our own generated source
    return namespace[name]


def forward_function(program: Any) -> Callable[[list, Any, list], None]:
    """``run(v, b, S)``: every instruction of `program`, values in `v` (sources filled in),
    buffers `b`, saved data of instructions that compute it into `S`."""
    namespace: dict[str, Any] = {}
    names = _Names(namespace)
    slots = program.slots
    units = []
    for k, instruction in enumerate(program.instructions):
        writer = _Writer()
        ins = instruction.ins
        if instruction.expression is not None:
            fields: dict[str, str] = {}
            for position, slot in enumerate(ins):
                value = f"v[{writer.number(slot)}]"
                fields[f"x{position}"] = value
                fields[f"s{position}"] = value if slots[slot].scalar else f"{value}[()]"
            for key, value in instruction.names.items():
                fields[key] = names(value)
            if instruction.buffer_index is not None:
                fields["out"] = f"b[{writer.number(instruction.buffer_index)}]"
            call = instruction.expression.format(**fields)
        else:
            arguments = [f"v[{writer.number(slot)}]" for slot in ins]
            if instruction.buffer_index is not None:
                arguments.append(f"b[{writer.number(instruction.buffer_index)}]")
            call = f"{names(instruction.run)}({', '.join(arguments)})"
        if instruction.out is None:
            line = call
        elif instruction.returns_saved:
            line = f"v[{writer.number(instruction.out)}], S[{writer.number(k)}] = {call}"
        else:
            line = f"v[{writer.number(instruction.out)}] = {call}"
        units.append(_Unit(line, writer.numbers))
    return _compile(_roll(units), "(v, b, S)", namespace, "forward")


def backward_function(program: Any, plan: Any) -> Callable[[list, list, list, set], None]:
    """``run(v, S, G, shared)``: the backward plan of one output; G holds the gradients by
    slot (the output's seed in place), `shared` the ids of arrays that may be shared."""
    namespace: dict[str, Any] = {
        "xp": numpy_math,
        "unbroadcast": unbroadcast,
        "accumulate": _accumulate,
    }
    names = _Names(namespace)
    received: set[int] = set()
    units = []
    for step in plan.steps:
        writer = _Writer()
        out = writer.number(step.out)
        lines = [f"g = G[{out}]; G[{out}] = None"]
        inputs = "".join(f", v[{writer.number(slot)}]" for slot in step.ins)
        if step.returns_saved:
            saved = f", **S[{writer.number(step.index)}]"
        elif step.saved_kind == 0:
            saved = ""
        else:
            saved = f", **{names(step.saved)}" if step.saved_kind == 1 else f", {names(step.saved)}"
        for _, target, partial, unary, shape in step.partials:
            lines.append(f"p = {names(partial)}(xp, g, v[{out}]{inputs}{saved})")
            if not unary:
                shape_name = names(shape)
                lines.append(f"if p.shape != {shape_name}: p = unbroadcast(p, {shape_name})")
            lines.append("if p is g: shared.add(id(g))")
            place = writer.number(target)
            if target in received:
                lines.append(f"G[{place}] = accumulate(G[{place}], p, shared)")
            else:
                lines.append(f"G[{place}] = p")
                received.add(target)
        units.append(_Unit("\n".join(lines), writer.numbers))
    return _compile(_roll(units), "(v, S, G, shared)", namespace, "backward")
