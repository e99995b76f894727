"""explain: the backward pass told as the chain rule, node by node, in words and numbers.

For J = 3(a + bc) with a=5, b=3, c=2 (u = bc and v = a + u get the course's names)::

    >>> explain(J)
    backward pass of J, node by node (chain rule: dJ/dx = dJ/dy · dy/dx)
    dJ/dJ = 1
    J = mul(3, v) = 33
      dJ/dv = dJ/dJ · dJ/dv = 1 · 3 = 3
    v = add(a, u) = 11
      dJ/da = dJ/dv · dv/da = 3 · 1 = 3
      dJ/du = dJ/dv · dv/du = 3 · 1 = 3
    u = mul(b, c) = 6
      dJ/db = dJ/du · du/db = 3 · 2 = 6
      dJ/dc = dJ/du · du/dc = 3 · 3 = 9
    result: dJ/da = 3, dJ/db = 6, dJ/dc = 9

Each line is one partial derivative the engine applies (its `observer` hook): the upstream
gradient dJ/d(output) times the op's local derivative d(output)/d(input). Scalars are shown with
their numbers; arrays with their shapes and norms ‖·‖ = √(Σ xᵢ²). A tensor used several times
receives one contribution per use, and the contributions add (the multivariable chain rule).

Names: a tensor's `.name` when set; otherwise the output is J, intermediates are u, v, w, p, q,
r, s, h1, h2, ... and unnamed leaves x1, x2, ... in the order they were computed.

After an ordinary ``J.backward()`` the graph is freed, so the chain rule's numbers cannot be
recomputed; ``explain(J)`` then tells what the record backward keeps (`autograd_lite.graph`):
each node's formula, shape and value when it was kept, and the gradients held in `.grad`.

`narrate` is the machinery without the printing: it also returns, for each line, the tensors it
is about (`Narration.events`), which the backward-pass stepper (`autograd_lite.stepper`) uses
to highlight the node being processed.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd_lite import graph
from autograd_lite.engine import backward
from autograd_lite.storage import Tensor

_INTERMEDIATE_NAMES = ("u", "v", "w", "p", "q", "r", "s")


@dataclass(frozen=True)
class ChainStep:
    """One partial derivative: dJ/d(parent) ∋ dJ/d(child) · d(child)/d(parent).

    `upstream` is dJ/d(child), `contribution` what reaches the parent (after undoing
    broadcasting), `local` the number d(child)/d(parent) when child and parent are scalars.
    """

    child: str
    parent: str
    op: str
    index: int
    upstream: np.ndarray
    contribution: np.ndarray
    local: float | None


@dataclass
class Explanation:
    """What `explain` printed (`lines`, ``str(explanation)``), the `steps`, and each leaf's
    total gradient from this pass in `gradients` (by display name)."""

    root: str
    lines: list[str] = field(default_factory=list)
    steps: list[ChainStep] = field(default_factory=list)
    gradients: dict[str, np.ndarray] = field(default_factory=dict)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def explain(
    y: Tensor,
    gradient: Any = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    root_name: str = "J",
    file: TextIO | None = None,
    quiet: bool = False,
) -> Explanation:
    """Run ``y.backward(gradient, retain_graph, create_graph)`` and narrate it (printed to
    `file`, default stdout, unless `quiet`). Gradients accumulate into `.grad` exactly as with
    `backward`. `root_name` is y's symbol when y has no `.name`. Returns an `Explanation`."""
    if not isinstance(y, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(y).__name__}")
    if not isinstance(root_name, str) or not root_name:
        raise TypeError(f"explain: root_name must be a non-empty string, got {root_name!r}")
    if y.requires_grad and any(graph.node(t).freed for t in graph.walk(y)):
        explanation = _describe_record(y, root_name)
    else:
        explanation = narrate(y, gradient, retain_graph, create_graph, root_name).explanation
    if not quiet:
        print(str(explanation), file=file if file is not None else sys.stdout)
    return explanation


@dataclass
class Narration:
    """What `narrate` found: the `explanation`, and `events`, one per line of it, each
    ``(kind, tensor_id, parent_id)``: kind "start" (the seed dJ/dJ), "node" (the formula of the
    node being processed), "partial" (a chain-rule product from tensor to parent), "total" (a
    tensor's contributions added up), "result"; ids are ``id()`` of the tensors (None when
    not about one). `names` maps ``id(tensor)`` to the name used; `tensors` keeps the tensors
    alive so that the ids stay meaningful."""

    explanation: Explanation
    events: list[tuple[str, int | None, int | None]]
    names: dict[int, str]
    tensors: list[Tensor]


def display_names(y: Tensor, root_name: str = "J") -> dict[int, str]:
    """The names `narrate` gives the tensors behind `y`, by ``id()`` (see the module
    docstring), without running anything."""
    order = graph.topological_order(y) if y.requires_grad else []
    return _names(y, order, root_name)


def narrate(
    y: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    root_name: str = "J",
) -> Narration:
    """Run ``y.backward(gradient, retain_graph, create_graph)`` and record it as the chain
    rule, without printing (see `explain`). Raises if y's graph was freed."""
    order = graph.topological_order(y) if y.requires_grad else []
    names = _names(y, order, root_name)
    story = _Narrator(names[id(y)], names, _use_counts(order))
    leaves = _leaves_as_written(y)  # before backward frees the graph
    story.start(y, gradient)
    backward(y, gradient, retain_graph=retain_graph, create_graph=create_graph, observer=story)
    story.finish(leaves)
    return Narration(story.explanation, story.events, names, [y, *order])


# ---------------------------------------------------------------------------------------------


def _fresh(candidates: Iterator[str], used: set[str]) -> str:
    for name in candidates:
        if name not in used:
            used.add(name)
            return name
    raise AssertionError("unreachable: the candidate names are infinite")


def _names(root: Tensor, order: list[Tensor], root_name: str) -> dict[int, str]:
    """A display name for every tensor in the graph (parents-first `order`)."""
    used = {t.name for t in order if t.name}
    intermediates = itertools.chain(_INTERMEDIATE_NAMES, (f"h{k}" for k in itertools.count(1)))
    leaves = (f"x{k}" for k in itertools.count(1))
    names: dict[int, str] = {}
    for tensor in order:
        if tensor.name:
            name = tensor.name
        elif tensor is root:
            name = _fresh(iter([root_name, *(f"{root_name}{k}" for k in range(2, 99))]), used)
        else:
            name = _fresh(leaves if tensor.is_leaf else intermediates, used)
        names[id(tensor)] = name
    names.setdefault(id(root), root.name or root_name)
    return names


def _use_counts(order: list[Tensor]) -> dict[int, int]:
    """How many gradient contributions each tensor receives (its uses by recorded ops)."""
    counts: dict[int, int] = {}
    for tensor in order:
        for parent in graph.node(tensor).inputs:
            if parent.requires_grad:
                counts[id(parent)] = counts.get(id(parent), 0) + 1
    return counts


def _leaves_as_written(root: Tensor) -> list[Tensor]:
    """The leaves behind `root` in the order they appear when its formula is read left to
    right (depth-first pre-order over each op's inputs; iterative)."""
    leaves: list[Tensor] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen or not tensor.requires_grad:
            continue
        seen.add(id(tensor))
        if tensor.is_leaf:
            leaves.append(tensor)
        else:
            stack.extend(reversed(graph.node(tensor).inputs))
    return leaves


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _number(value: Any) -> str:
    return f"{float(np.asarray(value).reshape(-1)[0]):.6g}"


def _describe(value: Any) -> str:
    array = _array(value)
    if array.size == 1:
        return _number(array)
    norm = float(np.linalg.norm(array.astype(np.float64)))
    return f"shape {array.shape}, ‖·‖ = {norm:.4g}"


class _Narrator:
    """The engine's observer: turns each partial derivative into a `ChainStep` and a line."""

    def __init__(self, root: str, names: dict[int, str], uses: dict[int, int]) -> None:
        self.J = root
        self.names = names
        self.uses = uses
        self.explanation = Explanation(root)
        self.events: list[tuple[str, int | None, int | None]] = []
        self.current: Tensor | None = None
        self.received: dict[int, list[np.ndarray]] = {}

    def say(
        self, line: str, kind: str, about: Tensor | None = None, to: Tensor | None = None
    ) -> None:
        """Add a line and what it is about (see `Narration.events`)."""
        self.explanation.lines.append(line)
        self.events.append(
            (kind, None if about is None else id(about), None if to is None else id(to))
        )

    def d(self, name: str) -> str:
        return f"d{self.J}/d{name}"

    def _label(self, tensor: Tensor) -> str:
        name = self.names.get(id(tensor))
        if name is not None:
            return name
        if tensor.name:
            return tensor.name
        return _number(tensor.data) if tensor.size == 1 else f"const{tensor.shape}"

    def start(self, root: Tensor, gradient: Any) -> None:
        self.say(
            f"backward pass of {self.J}, node by node "
            f"(chain rule: {self.d('x')} = {self.d('y')} · dy/dx)",
            "title",
        )
        if gradient is None:
            self.say(f"{self.d(self.J)} = 1", "start", root)
        else:
            self.say(f"{self.d(self.J)} = the given gradient: {_describe(gradient)}", "start", root)

    def _open_node(self, tensor: Tensor) -> None:
        self.current = tensor
        name = self.names[id(tensor)]
        self._total_line(tensor)
        args = ", ".join(
            self._label(operand) if isinstance(operand, Tensor) else _number(np.asarray(operand))
            for operand in graph.node(tensor).operands
        )
        value = f" = {_number(tensor.data)}" if tensor.size == 1 else f"  (shape {tensor.shape})"
        self.say(f"{name} = {graph.node(tensor).op}({args}){value}", "node", tensor)

    def _total_line(self, tensor: Tensor) -> None:
        parts = self.received.get(id(tensor), [])
        if len(parts) < 2:
            return
        name = self.names[id(tensor)]
        total = sum(parts[1:], parts[0])
        if all(p.size == 1 for p in parts):
            terms = " + ".join(_number(p) for p in parts)
            body = f"{terms} = {_number(total)}"
        else:
            body = f"sum of {len(parts)} contributions: {_describe(total)}"
        self.say(
            f"{self.d(name)} = {body}   ({name} is used {len(parts)} times: contributions add)",
            "total",
            tensor,
        )

    def __call__(
        self, tensor: Tensor, index: int, parent: Tensor, grad: Any, parent_grad: Any
    ) -> None:
        upstream, contribution = _array(grad), _array(parent_grad)
        if tensor is not self.current:
            self._open_node(tensor)
        child, name = self.names[id(tensor)], self.names[id(parent)]
        scalar = upstream.size == 1 and contribution.size == 1
        local = _local_derivative(tensor, index, upstream, contribution) if scalar else None
        step = ChainStep(child, name, graph.node(tensor).op, index, upstream, contribution, local)
        self.explanation.steps.append(step)
        self.received.setdefault(id(parent), []).append(contribution)
        target = self.d(name)
        if self.uses.get(id(parent), 1) > 1:
            # by identity: Tensor == compares values elementwise
            repeated = sum(p is parent for p in graph.node(tensor).inputs) > 1
            target += f" (via {child}, input {index})" if repeated else f" (via {child})"
        chain = f"{self.d(child)} · d{child}/d{name}"
        if scalar:
            shown_local = "?" if local is None else _number(local)
            numbers = f"{_number(upstream)} · {shown_local} = {_number(contribution)}"
        else:
            numbers = f"{_describe(upstream)} → {_describe(contribution)}"
        separator = " = " if scalar else ": "
        self.say(f"  {target} = {chain}{separator}{numbers}", "partial", tensor, parent)

    def finish(self, leaves: list[Tensor]) -> None:
        results = []
        for tensor in leaves:
            if id(tensor) not in self.received:
                continue
            self._total_line(tensor)
            parts = self.received[id(tensor)]
            total = sum(parts[1:], parts[0])
            name = self.names[id(tensor)]
            self.explanation.gradients[name] = np.array(total)
            results.append(f"{self.d(name)} = {_describe(total)}")
        if results:
            self.say("result: " + ", ".join(results), "result")


def _describe_record(y: Tensor, root_name: str) -> Explanation:
    """What the record of a freed graph tells (see the module docstring): node by node in the
    order backward went through them, each formula with its shape or kept value, and the
    gradients kept in `.grad`."""
    tensors = sorted(graph.walk(y), key=lambda t: (t._op is not None, t._stamp))
    names = _names(y, tensors, root_name)
    J = names[id(y)]
    lines = [
        f"backward pass of {J}: its graph was already freed by backward(), which keeps only a "
        "record of its structure (no values of released intermediates, no saved arrays)",
        f"for the chain rule's numbers call explain({J}) in place of {J}.backward(), or "
        f"{J}.backward(retain_graph=True) first; what the record holds, node by node:",
    ]
    explanation = Explanation(J, lines)

    def label(tensor: Tensor) -> str:
        if id(tensor) in names:
            return names[id(tensor)]
        return _number(np.asarray(tensor)) if tensor.size == 1 else f"const{tensor.shape}"

    def d(tensor: Tensor) -> str:
        return f"d{J}/d{label(tensor)}"

    for tensor in reversed(tensors):
        node = graph.node(tensor)
        if node.is_leaf:
            continue
        args = ", ".join(
            label(o) if isinstance(o, Tensor) else _number(np.asarray(o)) for o in node.operands
        )
        if node.released:
            value = f"  (shape {tensor.shape}, values released)"
        elif tensor.size == 1:
            value = f" = {_number(np.asarray(tensor))}"
        else:
            value = f"  (shape {tensor.shape})"
        if node.record_dropped:
            ends = "  (freed: its record was dropped; keep loss.item(), not loss, across steps)"
        else:
            ends = "  (freed: the record ends here)" if node.record_ends else ""
        lines.append(f"{label(tensor)} = {node.op}({args}){value}{ends}")
        if tensor.grad is not None:
            lines.append(f"  {d(tensor)} = {_describe(np.asarray(tensor.grad))}   (retained)")
    held = [t for t in tensors if t.is_leaf and t.grad is not None]
    for tensor in held:
        explanation.gradients[label(tensor)] = np.array(tensor.grad._data)
    if held:
        kept = ", ".join(f"{label(t)}.grad = {_describe(np.asarray(t.grad))}" for t in held)
        lines.append(f"gradients held by the leaves (summed over every backward so far): {kept}")
    return explanation


def _local_derivative(
    tensor: Tensor, index: int, upstream: np.ndarray, contribution: np.ndarray
) -> float | None:
    """d(child)/d(parent) for scalars: the op's partial with upstream gradient 1 (exact), or
    contribution / upstream when that is not possible."""
    try:
        local = graph.node(tensor).local_gradient(index, np.ones_like(tensor.data))
        return float(np.asarray(local).reshape(-1)[0])
    except Exception:
        upstream_value = float(upstream.reshape(-1)[0])
        if upstream_value == 0:
            return None
        return float(contribution.reshape(-1)[0]) / upstream_value
