"""What a graph drawing shows: the tensors near the output, long repeated chains folded into one
box, heavily reused leaves drawn once per use, and what did not fit counted.

`draw_graph` (in `autograd_lite.viz`) turns a `Plan` into DOT; everything that decides the
picture's size lives here, because the size is what decides whether Graphviz's `dot` lays it
out in a fraction of a second or in minutes. Three choices keep it fast:

* **Repeated chains fold.** A loop such as ``for _ in range(100): y = (y * 1.01).tanh() + x``
  records the same few ops a hundred times. The ops are cut into *segments* at tensors that
  every path from the output to the inputs goes through (cut points, found in one pass in
  reverse creation order); segments whose ops, shapes, numbers and leaves repeat with a period
  of up to `MAX_PERIOD` segments form *links*, and a run of at least `MIN_RUN` identical links
  is drawn as its first `KEEP_FIRST` links, one box "× 97 more links like this" and its last
  `KEEP_LAST` link, the one that shows how the chain starts.
* **A heavily reused tensor is drawn at each use.** A parameter used by every link of a chain
  would otherwise have one edge to every link, each spanning many ranks; `dot` routes such
  edges through a virtual node per rank they cross, and laying those out took minutes. A leaf
  used by more than `SHARED_USES` ops becomes one copy beside each op that uses it; an op's
  result used that often is drawn where it is made, linked to its first user, and referred to
  by a small copy beside each other user.
* **A budget.** At most `max_nodes` nodes (tensors, ops, numbers, copies, boxes), breadth
  first from the output; whatever is left is counted by op. The ops whose inputs were left
  out point at one "not drawn" box when they are few (`MARKERS`), else each at a small "⋯" of
  its own (one box with edges to many ops would be the slow pattern above).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.storage import Tensor, is_released

MIN_RUN = 12  # identical links in a row before a chain is folded
KEEP_FIRST = 2  # links drawn before the fold (nearest the output)
KEEP_LAST = 1  # links drawn after it (how the chain starts)
MAX_PERIOD = 8  # the longest link, in segments, looked for
SHARED_USES = 3  # a tensor used by more ops than this is drawn at each use
MARKERS = 3  # up to this many ops with inputs not drawn share one "not drawn" box


@dataclass(eq=False)
class Fold:
    """A run of identical links drawn as one box: `links` of them, holding `ops` (op name →
    count) and `tensors` tensors. `top` is the first folded tensor (the output side: its users
    get an edge from the box) and `bottom` the drawn tensor that feeds the fold."""

    links: int
    ops: Counter
    tensors: int
    top: Tensor
    bottom: Tensor
    per_link: tuple[str, ...]
    members: list[Tensor] = field(repr=False, default_factory=list)


Item = Any  # a Tensor or a Fold


@dataclass
class Plan:
    """What will be drawn. `drawn` lists tensors and folds in breadth-first order from the
    output; `index` maps id(item) to its position; `inputs` gives each drawn op's inputs as
    items (a fold stands for its folded tensors). Counts are of the whole graph."""

    root: Tensor
    max_nodes: int
    drawn: list[Item] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)
    inputs: dict[int, list[Item]] = field(default_factory=dict)
    shared: set[int] = field(default_factory=set)  # ids of tensors drawn at each use
    uses: Counter = field(default_factory=Counter)  # id(tensor) -> ops using it, whole graph
    home: dict[int, int] = field(default_factory=dict)  # shared result -> id(its first user)
    total_tensors: int = 0
    total_ops: int = 0
    hidden_ops: Counter = field(default_factory=Counter)
    hidden_tensors: int = 0
    folds: list[Fold] = field(default_factory=list)
    folded: dict[int, Fold] = field(default_factory=dict)  # id(tensor) -> the fold hiding it
    cut: list[Tensor] = field(default_factory=list)  # drawn ops with inputs not drawn
    record_ends: int = 0  # drawn ops beyond the record a freed graph keeps
    record_dropped: int = 0  # those of them whose record was dropped
    freed: bool = False  # the graph was freed by backward (drawn from its record)
    released: int = 0  # drawn tensors whose values backward released
    nodes: int = 0  # Graphviz nodes the plan needs

    @property
    def summarised(self) -> bool:
        return self.hidden_tensors > 0


def make_plan(root: Tensor, max_nodes: int, fold: bool = True) -> Plan:
    """Decide what to draw of the graph behind `root` (see the module docstring)."""
    plan = Plan(root, max_nodes)
    tensors = list(graph.walk(root))
    ops = sorted((t for t in tensors if t._op is not None), key=lambda t: -t._stamp)
    plan.total_tensors, plan.total_ops = len(tensors), len(ops)
    uses = plan.uses
    for tensor in reversed(ops):  # oldest first: a result's first user is its home
        for parent in graph.node(tensor).inputs:
            uses[id(parent)] += 1
            if parent._op is not None:
                plan.home.setdefault(id(parent), id(tensor))
    plan.shared = {key for key, n in uses.items() if n > SHARED_USES}
    folded = plan.folded
    if fold:
        plan.folds = _find_folds(ops)
        for found in plan.folds:
            for member in found.members:
                folded[id(member)] = found
    budget = max_nodes
    for _ in range(4):  # leave room for the markers of what is not drawn
        _select(plan, folded, budget)
        extra = len(plan.cut) if len(plan.cut) > MARKERS else min(len(plan.cut), 1)
        if plan.nodes + extra <= max_nodes or budget <= 1:
            break
        budget = max(1, max_nodes - extra)
    plan.nodes += extra
    return plan


# ---------------------------------------------------------------------------------------------
# Choosing what fits


def _inputs_as_items(tensor: Tensor, folded: dict[int, Fold]) -> list[Item]:
    """The op's inputs, a folded one replaced by its fold (once per fold)."""
    items: list[Item] = []
    for parent in graph.node(tensor).inputs:
        item = folded.get(id(parent), parent)
        if isinstance(item, Fold) and any(i is item for i in items):
            continue
        items.append(item)
    return items


def _cost(plan: Plan, item: Item, inputs: list[Item]) -> int:
    """Graphviz nodes an item needs: a leaf 1 (none when drawn per use), a fold 1, an op's
    result 2 (tensor and op) plus its numbers and a copy per shared tensor it uses."""
    if isinstance(item, Fold):
        return 1
    if item._op is None:
        return 0 if id(item) in plan.shared else 1
    copies = sum(1 for i in inputs if is_copy(plan, i, item))
    return 2 + len(graph.node(item).numbers) + copies


def is_copy(plan: Plan, tensor: Item, user: Tensor) -> bool:
    """Whether `tensor`, an input of op `user`, is drawn as a copy beside it: a shared leaf
    always, a shared result everywhere but at its first user."""
    if isinstance(tensor, Fold) or id(tensor) not in plan.shared:
        return False
    return tensor._op is None or plan.home.get(id(tensor)) != id(user)


def _select(plan: Plan, folded: dict[int, Fold], budget: int) -> None:
    """Breadth first from the output within the budget; everything after the first item that
    does not fit is hidden (so the drawing stays one connected piece). `cut` lists the drawn
    ops with inputs not drawn."""
    plan.drawn, plan.index, plan.inputs, plan.cut = [], {}, {}, []
    plan.hidden_tensors, plan.hidden_ops = 0, Counter()
    plan.released = plan.record_ends = plan.record_dropped = 0
    start = budget
    seen = {id(plan.root)}
    queue: list[Item] = [plan.root]
    head = 0
    while head < len(queue):
        item = queue[head]
        head += 1
        if isinstance(item, Fold):
            inputs: list[Item] = [item.bottom]
        elif item._op is None:
            inputs = []
        else:
            inputs = _inputs_as_items(item, folded)
        cost = _cost(plan, item, inputs)
        if not isinstance(item, Fold) and item._op is None and id(item) in plan.shared:
            pass  # a copy beside each drawn op that uses it (counted in the op's cost)
        elif plan.hidden_tensors or cost > budget:
            _hide(plan, item)
        else:
            budget -= cost
            plan.index[id(item)] = len(plan.drawn)
            plan.drawn.append(item)
            if not isinstance(item, Fold) and item._op is not None:
                plan.inputs[id(item)] = inputs
        for parent in inputs:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    plan.nodes = start - budget
    for item in plan.drawn:
        if isinstance(item, Fold):
            continue
        inputs = plan.inputs.get(id(item), [])
        if any(id(i) not in plan.index and not is_copy(plan, i, item) for i in inputs):
            plan.cut.append(item)
        node = graph.node(item)
        plan.released += node.released
        plan.record_ends += node.record_ends
        plan.record_dropped += node.record_dropped
        plan.freed = plan.freed or node.freed


def _hide(plan: Plan, item: Item) -> None:
    if isinstance(item, Fold):
        plan.hidden_tensors += item.tensors
        plan.hidden_ops.update(item.ops)
        return
    plan.hidden_tensors += 1
    if item._op is not None:
        plan.hidden_ops[item._op.name] += 1


# ---------------------------------------------------------------------------------------------
# Repeated chains


def _cut_points(ops: list[Tensor], index: dict[int, int]) -> list[int]:
    """Positions (in `ops`, newest first) of the tensors every path from the output down to
    the leaves goes through: when the walk reaches such a tensor, every edge from the ops
    already passed into the ops still ahead ends in it."""
    into = [0] * len(ops)
    pending = 0
    cuts = []
    for k, tensor in enumerate(ops):
        if pending == into[k]:
            cuts.append(k)
        pending -= into[k]
        for parent in graph.node(tensor).inputs:
            j = index.get(id(parent))
            if j is not None:
                into[j] += 1
                pending += 1
    return cuts


def _leaf_key(leaf: Tensor) -> tuple:
    """How a leaf takes part in a link's signature: by identity when it is a parameter or named
    (a shared weight repeats, two different weights do not), by value when it is a small
    constant (a fresh Tensor(2.0) in each link repeats)."""
    if leaf.requires_grad or leaf.name or is_released(leaf) or leaf.size > 16:
        return ("leaf", id(leaf))
    return ("constant", leaf.shape, str(leaf.dtype), np.asarray(leaf).tobytes())


def _signature(segment: list[Tensor], start: int, index: dict[int, int]) -> tuple:
    """What a segment is, independent of where it is: each op with its shape, dtype, name,
    numbers, module call and inputs (as positions relative to the segment, or leaf keys)."""
    parts = []
    for tensor in segment:
        node = graph.node(tensor)
        inputs = []
        for parent in node.inputs:
            j = index.get(id(parent))
            inputs.append(("op", j - start) if j is not None else _leaf_key(parent))
        paths = tuple(call.path for call in node.calls)
        numbers = tuple(repr(n) for n in node.numbers)
        parts.append(
            (node.op, tensor.shape, str(tensor.dtype), tensor.name, numbers, paths, tuple(inputs))
        )
    return tuple(parts)


def _find_folds(ops: list[Tensor]) -> list[Fold]:
    """Runs of at least MIN_RUN identical links (see the module docstring), greedily from the
    output, each as a Fold of its middle links."""
    if len(ops) < MIN_RUN:
        return []
    index = {id(t): k for k, t in enumerate(ops)}
    cuts = _cut_points(ops, index)
    bounds = [*cuts, len(ops)]
    ids: dict[tuple, int] = {}
    kinds = [
        ids.setdefault(_signature(ops[a:b], a, index), len(ids))
        for a, b in itertools.pairwise(bounds)
    ]
    folds: list[Fold] = []
    i, n = 0, len(kinds)
    while i < n:
        best_period, best_links = 0, 0
        for period in range(1, MAX_PERIOD + 1):
            length = 0
            while i + length + period < n and kinds[i + length] == kinds[i + length + period]:
                length += 1
            links = (length + period) // period
            if links >= MIN_RUN and links * period > best_links * best_period:
                best_period, best_links = period, links
        if not best_period:
            i += 1
            continue
        first = i + KEEP_FIRST * best_period  # first folded segment
        last = i + (best_links - KEEP_LAST) * best_period  # first segment of the last link
        members = ops[bounds[first] : bounds[last]]
        per_link = tuple(t._op.name for t in ops[bounds[i] : bounds[i + best_period]])
        folds.append(
            Fold(
                links=best_links - KEEP_FIRST - KEEP_LAST,
                ops=Counter(t._op.name for t in members),
                tensors=len(members),
                top=ops[bounds[first]],
                bottom=ops[bounds[last]],
                per_link=tuple(reversed(per_link)),
                members=members,
            )
        )
        i += best_links * best_period
    return folds
