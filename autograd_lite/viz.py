"""draw_graph: the graph behind a value as a `graphviz.Digraph` (DOT source, SVG with `dot`).

The picture reads the same nodes the engine walks. Data flows left to right:

    [input / parameter] ──► (op) ──► [result] ──► (op) ──► [output]

* tensors are boxes: name (user-given or the nn parameter path such as ``0.W``), shape, dtype
  and, on request, a value summary. Leaves that require grad (inputs, parameters) have a double
  bold border; constants a dashed one; intermediate results rounded corners.
* ops are grey ellipses. Ops made inside an `nn` module (the scope `record` stores) are grouped
  in a box named after the module path, together with that module's parameters.
* after backward, every tensor holding a gradient shows ‖grad‖ and is filled with a colour
  on a log₁₀ scale, from dark blue (vanishing, < 1e-6) to dark red (exploding, ≥ 1e4).

To see gradients on the whole graph (the engine frees the graph after backward, and keeps
`.grad` only on leaves), draw like this::

    loss = model_loss(...)
    retain_grads(loss)                    # every intermediate keeps its gradient
    loss.backward(retain_graph=True)      # keep the graph so it can still be walked
    save_svg(loss, "graph.svg")

A graph that has already been freed is drawn up to the freed node, with a note saying so.
Graphs with more than `max_nodes` nodes are drawn in summarised form: the nodes nearest the
output, plus one box that counts (and lists the ops of) everything not drawn.
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite import graph
from autograd_lite.storage import Tensor

if TYPE_CHECKING:
    import graphviz

INSTALL_HINT = (
    "rendering needs Graphviz's `dot` program, which was not found on PATH. Install the system "
    "package `graphviz` (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install "
    "graphviz`). Building the drawing works without it: draw_graph(y).source is the DOT text."
)

# (upper bound of log10 ‖grad‖, fill colour, font colour, legend text), from vanishing to
# exploding. A diverging blue → yellow → red palette: the middle decades are the healthy ones.
GRAD_BANDS: tuple[tuple[float, str, str, str], ...] = (
    (-6.0, "#313695", "white", "‖grad‖ < 1e-6  (vanishing)"),
    (-4.0, "#4575b4", "white", "1e-6 ≤ ‖grad‖ < 1e-4"),
    (-2.0, "#abd9e9", "black", "1e-4 ≤ ‖grad‖ < 1e-2"),
    (0.0, "#ffffbf", "black", "1e-2 ≤ ‖grad‖ < 1"),
    (2.0, "#fdae61", "black", "1 ≤ ‖grad‖ < 1e2"),
    (4.0, "#f46d43", "black", "1e2 ≤ ‖grad‖ < 1e4"),
    (math.inf, "#a50026", "white", "‖grad‖ ≥ 1e4  (exploding)"),
)
ZERO_GRAD = ("#e0e0e0", "black", "‖grad‖ = 0")
NONFINITE_GRAD = ("#ff00ff", "white", "grad has nan / inf")
OP_FILL = "#e8e8e8"


class GraphvizNotFoundError(RuntimeError):
    """Raised when a drawing is rendered and Graphviz's `dot` binary is not installed."""


@contextlib.contextmanager
def _dot_errors() -> Iterator[None]:
    import graphviz

    try:
        yield
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error


@functools.cache
def _drawing_class() -> type:
    """`graphviz.Digraph` with rendering errors that name the package providing `dot`
    (created on first use, so `import autograd_lite` does not import graphviz)."""
    import graphviz

    class GraphDrawing(graphviz.Digraph):
        """A `graphviz.Digraph`; `pipe`/`render` raise `GraphvizNotFoundError` without `dot`."""

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_errors():
                return super().pipe(*args, **kwargs)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_errors():
                return super().render(*args, **kwargs)

    return GraphDrawing


# ---------------------------------------------------------------------------------------------
# Public API


def retain_grads(y: Tensor) -> Tensor:
    """Make every intermediate tensor behind `y` keep its gradient after backward (see
    `Tensor.retain_grad`), so that `draw_graph` can show ‖dL/dt‖ on every node. Returns `y`."""
    for tensor in graph.walk(y):
        if not tensor.is_leaf:
            tensor.retain_grad()
    return y


def draw_graph(
    y: Tensor,
    *,
    show_values: bool = False,
    show_grads: bool = True,
    rankdir: str = "LR",
    max_nodes: int = 500,
    legend: bool = True,
) -> graphviz.Digraph:
    """The computation graph behind `y` as a `graphviz.Digraph` (no `dot` needed to build it).

    `show_values` adds a value summary to each tensor (the values when ≤ 6 elements, else
    min / mean / max); `show_grads` adds ‖grad‖ = √(Σ gᵢ²) and a log-scale fill colour to every
    tensor that holds a gradient; `rankdir` is Graphviz's layout direction ("LR", "TB", ...).
    At most `max_nodes` nodes (tensors and ops) are drawn: a larger graph is summarised, and
    the picture says so. Render with ``.pipe(format="svg")``, ``.render(...)`` or `save_svg`.
    """
    if not isinstance(y, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(y).__name__}")
    if max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes}")
    layout = _layout(y, max_nodes)
    drawing = _drawing_class()(name="autograd_lite")
    drawing.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", labelloc="t")
    drawing.attr("node", fontname="Helvetica", fontsize="10")
    drawing.attr("edge", color="#555555", arrowsize="0.7")
    notes = _notes(layout, show_grads)
    if notes:
        drawing.attr(label="\\n".join(notes))
    clusters: dict[str | None, list[tuple[str, dict[str, str]]]] = {}
    for k, tensor in enumerate(layout.drawn):
        scope = _scope_of(tensor, layout)
        box = _tensor_style(tensor, tensor is y, show_values, show_grads)
        clusters.setdefault(scope, []).append((f"t{k}", box))
        if not tensor.is_leaf:
            clusters[scope].append((f"o{k}", _op_style(tensor)))
            for number in graph.node(tensor).numbers:  # the 3 in 3·(a + bc)
                clusters[scope].append((f"c{k}", _number_style(number)))
    _emit(drawing, clusters, layout.labels)
    if layout.summarised:
        drawing.node(
            "hidden", _hidden_label(layout), shape="note", style="filled", fillcolor="#f5f5f5"
        )
    for source, target in _edges(layout):
        drawing.edge(source, target)
    if legend:
        _add_legend(drawing, show_grads)
    return drawing


def save_svg(y: Tensor, path: str | Path, **options: Any) -> Path:
    """Write the drawing of `y`'s graph to `path` as SVG (needs Graphviz's `dot`); `options`
    go to `draw_graph`. Returns the path written."""
    svg = draw_graph(y, **options).pipe(format="svg", encoding="utf-8")
    path = Path(path)
    path.write_text(svg, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Walking the graph


@dataclass
class _Layout:
    """What will be drawn: the first tensors breadth-first from the output within the node
    budget, and counts of the whole graph."""

    drawn: list[Tensor] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)
    total_tensors: int = 0
    total_ops: int = 0
    hidden_ops: Counter = field(default_factory=Counter)
    hidden_tensors: int = 0
    freed: int = 0
    scopes: set[str] = field(default_factory=set)
    max_nodes: int = 0
    calls: list[graph.ModuleCall] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # cluster path -> its label

    @property
    def summarised(self) -> bool:
        return self.hidden_tensors > 0


def _layout(root: Tensor, max_nodes: int) -> _Layout:
    layout = _Layout(max_nodes=max_nodes)
    budget = max_nodes
    calls: set[graph.ModuleCall] = set()
    for tensor in graph.walk(root):
        node = graph.node(tensor)
        op = node.op
        layout.total_tensors += 1
        layout.total_ops += op is not None
        # a result is drawn with the op that made it, and with any number the op was given
        cost = 1 if op is None else 2 + len(node.numbers)
        if not layout.hidden_tensors and cost <= budget:
            budget -= cost
            layout.index[id(tensor)] = len(layout.drawn)
            layout.drawn.append(tensor)
            calls.update(node.calls)
        else:
            layout.hidden_tensors += 1  # once the budget is spent, everything further is hidden
            if op is not None:
                layout.hidden_ops[op] += 1
    layout.calls = sorted(calls, key=lambda call: (call.start, -call.end))
    for tensor in layout.drawn:
        node = graph.node(tensor)
        if not node.is_leaf:
            layout.freed += node.freed
            scope = _op_scope(node, layout)
            if scope:
                layout.scopes.add(scope)
    return layout


def _op_scope(node: graph.Node, layout: _Layout) -> str | None:
    """The module an op ran in: the innermost nn module call around its stamp, else the
    `graph_scope` it was recorded in."""
    call = graph.innermost_call(node.stamp, layout.calls)
    if call is None:
        return node.scope
    path = call.path
    if path not in layout.labels:
        layout.labels[path] = _call_label(call)
    return path


def _call_label(call: graph.ModuleCall) -> str:
    """ "0: Dense(2→4)": the module's path and what it is."""
    module = call.module
    describe = getattr(module, "graph_label", None)
    what = describe() if callable(describe) else type(module).__name__
    return f"{call.path}: {what}" if call.path and call.path != what else what


def _edges(layout: _Layout) -> Iterator[tuple[str, str]]:
    summary_edges: set[str] = set()
    for k, tensor in enumerate(layout.drawn):
        node = graph.node(tensor)
        if node.is_leaf:
            continue
        yield f"o{k}", f"t{k}"
        if node.numbers:
            yield f"c{k}", f"o{k}"
        for parent in node.inputs:
            j = layout.index.get(id(parent))
            if j is not None:
                yield f"t{j}", f"o{k}"
            elif f"o{k}" not in summary_edges:
                summary_edges.add(f"o{k}")
                yield "hidden", f"o{k}"


def _scope_of(tensor: Tensor, layout: _Layout) -> str | None:
    """The module cluster a tensor belongs in: its op's module, or for a parameter leaf the
    module path in its name ("0.W" → "0") when that module has ops in the drawing."""
    node = graph.node(tensor)
    if not node.is_leaf:
        return _op_scope(node, layout)
    if tensor.name and "." in tensor.name:
        owner = tensor.name.rsplit(".", 1)[0]
        if owner in layout.scopes:
            return owner
    return None


# ---------------------------------------------------------------------------------------------
# Labels and styles


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\")


def _value_summary(array: np.ndarray) -> str:
    if array.size == 1:
        return f"{array.item():.4g}"
    if array.size <= 6:
        text = np.array2string(array, precision=4, separator=", ", max_line_width=60)
        return "\\n".join(line.strip() for line in text.splitlines())
    values = array.astype(np.float64)
    return f"min {values.min():.3g}  mean {values.mean():.3g}  max {values.max():.3g}"


def grad_norm(tensor: Tensor) -> float | None:
    """‖tensor.grad‖₂ computed in float64, or None when the tensor holds no gradient."""
    if tensor.grad is None:
        return None
    return float(np.linalg.norm(np.asarray(tensor.grad.data, dtype=np.float64)))


def grad_colour(norm: float) -> tuple[str, str]:
    """(fill colour, font colour) for a gradient norm, by decade bands of log₁₀ ‖grad‖."""
    if not math.isfinite(norm):
        return NONFINITE_GRAD[:2]
    if norm == 0:
        return ZERO_GRAD[:2]
    exponent = math.log10(norm)
    for upper, fill, font, _ in GRAD_BANDS:
        if exponent < upper:
            return fill, font
    return GRAD_BANDS[-1][1:3]


def _number_style(number: Any) -> dict[str, str]:
    label = _value_summary(np.asarray(number))
    return {"label": label, "shape": "box", "style": "dashed", "color": "#777777"}


def _tensor_style(
    tensor: Tensor, is_root: bool, show_values: bool, show_grads: bool
) -> dict[str, str]:
    leaf = tensor.is_leaf
    constant_number = leaf and not tensor.requires_grad and tensor.size == 1
    if constant_number and not tensor.name:  # a number in a formula, like the 3 in 3·(a + bc)
        return _number_style(tensor.data.reshape(()))
    lines = []
    if tensor.name:
        lines.append(_escape(tensor.name))
    elif is_root:
        lines.append("output")
    elif leaf:
        lines.append("input" if tensor.requires_grad else "constant")
    shape = "scalar" if tensor.ndim == 0 else str(tensor.shape)
    lines.append(f"{shape} {tensor.dtype}")
    if show_values or constant_number:
        lines.append(_value_summary(tensor.data))
    style = {"shape": "box", "fillcolor": "white", "fontcolor": "black"}
    if not leaf:
        style["style"] = "rounded,filled"
    elif tensor.requires_grad:
        style.update(style="filled,bold", peripheries="2")
    else:
        style.update(style="dashed,filled", color="#777777", fontcolor="#444444")
    norm = grad_norm(tensor) if show_grads else None
    if norm is not None:
        lines.append(f"‖grad‖ = {norm:.3g}")
        style["fillcolor"], style["fontcolor"] = grad_colour(norm)
    if is_root:
        style["penwidth"] = "2"
    style["label"] = "\\n".join(lines)
    return style


def _op_style(tensor: Tensor) -> dict[str, str]:
    node = graph.node(tensor)
    name = node.op
    if node.freed:
        return {
            "label": f"{name}\\n(graph freed)",
            "shape": "ellipse",
            "style": "dashed",
            "color": "#c00000",
            "fontcolor": "#c00000",
        }
    return {"label": name, "shape": "ellipse", "style": "filled", "fillcolor": OP_FILL}


def _hidden_label(layout: _Layout) -> str:
    top = ", ".join(f"{name} ×{n:,}" for name, n in layout.hidden_ops.most_common(4))
    return f"⋯ {layout.hidden_tensors:,} more tensors not drawn\\n({top or 'leaves only'})"


def _notes(layout: _Layout, show_grads: bool) -> list[str]:
    notes = []
    if layout.summarised:
        top = ", ".join(f"{name} ×{n:,}" for name, n in layout.hidden_ops.most_common(6))
        notes.append(
            f"summarised: the graph has {layout.total_tensors:,} tensors and "
            f"{layout.total_ops:,} ops, more than max_nodes={layout.max_nodes}; drawing the "
            f"{len(layout.drawn):,} tensors nearest the output"
        )
        notes.append(f"not drawn: {layout.hidden_tensors:,} tensors ({top or 'leaves only'})")
    if layout.freed:
        notes.append(
            "graph freed: backward() has released the graph behind the red dashed op(s); "
            "call backward(retain_graph=True) to draw it after backward"
        )
    if show_grads:
        results = [t for t in layout.drawn if not t.is_leaf]
        some_grads = any(t.grad is not None for t in layout.drawn)
        if some_grads and results and all(t.grad is None for t in results):
            notes.append(
                "gradients shown on leaves only: call retain_grads(y) before backward() to "
                "see every intermediate's gradient"
            )
    return notes


# ---------------------------------------------------------------------------------------------
# Emitting DOT


def _emit(drawing: graphviz.Digraph, clusters: dict[str | None, list], labels: dict) -> None:
    """Nodes outside any module go at top level; module clusters nest by dotted path
    ("encoder" contains "encoder.1") and are labelled by what they are ("0: Dense(2→4)")."""
    for name, attrs in clusters.get(None, []):
        drawing.node(name, **attrs)
    paths = sorted(p for p in clusters if p is not None)
    every = set(paths)
    for path in paths:  # ancestors of a scope get a (possibly empty) cluster too
        parts = path.split(".")
        every.update(".".join(parts[:i]) for i in range(1, len(parts)))
    children: dict[str | None, list[str]] = {}
    for path in sorted(every):
        parent = path.rsplit(".", 1)[0] if "." in path else None
        children.setdefault(parent if parent in every else None, []).append(path)
    for path in children.get(None, []):
        _emit_cluster(drawing, path, clusters, children, labels)


def _emit_cluster(
    drawing: graphviz.Digraph,
    path: str,
    clusters: dict,
    children: dict[str | None, list[str]],
    labels: dict[str, str],
) -> None:
    # Recursion depth is the module nesting depth (a handful), not the graph size.
    with drawing.subgraph(name=f"cluster_{path}") as sub:
        label = _escape(labels.get(path, path))
        sub.attr(label=label, style="rounded,dashed", color="#8888aa", fontcolor="#444466")
        for name, attrs in clusters.get(path, []):
            sub.node(name, **attrs)
        for child in children.get(path, []):
            _emit_cluster(sub, child, clusters, children, labels)


def _add_legend(drawing: graphviz.Digraph, show_grads: bool) -> None:
    """One node holding a table: what the node styles mean and, with gradients, the colours."""
    rows = [
        ("double border", "input / parameter (requires grad)", None),
        ("dashed border", "constant", None),
        ("rounded box", "result of an op", None),
        ("grey ellipse", "op", None),
    ]
    if show_grads:
        rows += [("", text, (fill, font)) for _, fill, font, text in GRAD_BANDS]
        rows += [("", ZERO_GRAD[2], ZERO_GRAD[:2]), ("", NONFINITE_GRAD[2], NONFINITE_GRAD[:2])]
    cells = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
    for key, text, colours in rows:
        if colours is None:
            left = f'<TD ALIGN="LEFT">{html.escape(key)}</TD>'
        else:
            left = f'<TD BGCOLOR="{colours[0]}" BORDER="1">      </TD>'
        cells.append(f'<TR>{left}<TD ALIGN="LEFT">{html.escape(text)}</TD></TR>')
    table = (
        '<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
        + "".join(cells)
        + "</TABLE>>"
    )
    drawing.node("legend", table, shape="plaintext", fontsize="9")
