"""draw_graph: the graph behind a value as a `graphviz.Digraph` (DOT source, SVG with `dot`).

The picture reads the same nodes the engine walks. Data flows from the top down:

    [input / parameter]
            │
          (op) ──► [result] ──► (op) ──► ... ──► [output]

* tensors are boxes: name (user-given or the nn parameter path such as ``0.W``), shape, dtype
  and, on request, a value summary. Leaves that require grad (inputs, parameters) have a double
  bold border; constants a dashed one; intermediate results rounded corners.
* ops are grey ellipses. Ops made inside an `nn` module are grouped in a box named after the
  module ("0: Dense(2→4)"), together with that module's parameters.
* after backward, every tensor holding a gradient shows ‖grad‖ and is filled with a colour
  on a log₁₀ scale, from dark blue (vanishing, < 1e-6) to dark red (exploding, ≥ 1e4).

The most natural code draws the whole graph::

    loss.backward()
    save_svg(loss, "graph.svg")

because backward keeps a light record of the graph it frees (`autograd_lite.graph`): every op,
shape, dtype, name and module, with ‖grad‖ on the leaves. Intermediate gradients are not kept
(computing their norms during every backward made the elementwise-chain benchmark's backward
45 % slower); to see them too, call ``retain_grads(loss)`` before ``loss.backward()``, which
the picture reminds you of.

Pictures stay readable and fast to lay out (`autograd_lite.viz_plan`): a chain that repeats the
same ops is folded ("× 97 more links like this"), a leaf used by many ops is drawn beside each
of them, and graphs over `max_nodes` nodes are summarised. Rendering runs `dot` with a time
limit (`timeout`, default `DOT_TIMEOUT` seconds) and says what to do when it is exceeded.
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite import graph
from autograd_lite.record import RECORD_NODES, RECORDS_KEPT
from autograd_lite.storage import Tensor
from autograd_lite.validation import ArgumentTypeError, boolean, choice, integer, real_number
from autograd_lite.viz_plan import MARKERS, Fold, Plan, is_copy, make_plan

if TYPE_CHECKING:
    import graphviz

INSTALL_HINT = (
    "rendering needs Graphviz's `dot` program, which was not found on PATH. Install the system "
    "package `graphviz` (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install "
    "graphviz`). Building the drawing works without it: draw_graph(y).source is the DOT text."
)
DOT_TIMEOUT = 30.0  # seconds `dot` may take before rendering gives up with an explanation
RANKDIRS = ("TB", "LR", "BT", "RL")

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
# The legend's short names for the bands, in the same order.
BAND_KEYS = ("<1e-6", "<1e-4", "<0.01", "<1", "<100", "<1e4", "≥1e4")
ZERO_GRAD = ("#e0e0e0", "black", "‖grad‖ = 0")
NONFINITE_GRAD = ("#ff00ff", "white", "grad has nan / inf")
OP_FILL = "#e8e8e8"
SPINE = "4"  # edge weight between results and ops: dot keeps the data path straight
NOTE_WIDTH = 80  # characters per line of the notes above the picture


class GraphvizNotFoundError(RuntimeError):
    """Raised when a drawing is rendered and Graphviz's `dot` binary is not installed."""


class GraphvizTimeoutError(RuntimeError):
    """Raised when `dot` does not finish laying out a drawing within its time limit."""


@contextlib.contextmanager
def _dot_errors() -> Iterator[None]:
    import graphviz

    try:
        yield
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error


def _checked_timeout(timeout: Any, where: str) -> float | None:
    if timeout is None:
        return None
    return real_number(timeout, "timeout", where, minimum=0.0, open_min=True)


def run_dot(
    source: str, fmt: str = "svg", timeout: float | None = DOT_TIMEOUT, nodes: int | None = None
) -> bytes:
    """Lay out DOT `source` with `dot -T<fmt>` in a subprocess stopped after `timeout` seconds
    (None: no limit); returns its output. `nodes` (how many the drawing has) goes into the
    timeout's explanation."""
    executable = shutil.which("dot")
    if executable is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    try:
        done = subprocess.run(
            [executable, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        size = f"{nodes:,} nodes" if nodes is not None else "this graph"
        smaller = max(20, (nodes or 500) // 4)
        raise GraphvizTimeoutError(
            f"Graphviz's dot did not finish laying out {size} within the time limit of "
            f"{timeout:g} s (timeout=), so it was stopped. Draw fewer nodes, e.g. "
            f"draw_graph(y, max_nodes={smaller}) (repeated chains are folded unless "
            "fold_repeats=False), or allow more time: save_svg(y, path, timeout=120)"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed (exit code {done.returncode}): {message}")
    return done.stdout


@functools.cache
def _drawing_class() -> type:
    """`graphviz.Digraph` whose rendering runs `dot` with a time limit and names the package
    providing `dot` when it is missing (created on first use, so `import autograd_lite` does
    not import graphviz)."""
    import graphviz

    class GraphDrawing(graphviz.Digraph):
        """A `graphviz.Digraph`; `pipe`/`render` (and a notebook's display) run `dot` for at
        most `timeout` seconds (`DOT_TIMEOUT` by default) and raise `GraphvizTimeoutError`
        past it, `GraphvizNotFoundError` without `dot`."""

        plan_nodes: int | None = None

        def pipe(
            self,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: Any = None,
            quiet: bool = False,
            *,
            engine: str | None = None,
            encoding: str | None = None,
            timeout: float | None = DOT_TIMEOUT,
        ) -> Any:
            timeout = _checked_timeout(timeout, "pipe")
            if renderer or formatter or neato_no_op or (engine or self.engine) != "dot":
                with _dot_errors():
                    return super().pipe(
                        format, renderer, formatter, neato_no_op, quiet,
                        engine=engine, encoding=encoding,
                    )  # fmt: skip
            output = run_dot(self.source, format or self.format, timeout, self.plan_nodes)
            return output.decode(encoding) if encoding else output

        def render(
            self,
            filename: Any = None,
            directory: Any = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,
            *,
            timeout: float | None = DOT_TIMEOUT,
            **options: Any,
        ) -> str:
            if view or options or self.engine != "dot":
                with _dot_errors():
                    return super().render(
                        filename, directory, view, cleanup, format, **options
                    )  # fmt: skip
            fmt = format or self.format
            output = self.pipe(format=fmt, timeout=timeout)  # before writing anything
            source = Path(self.save(filename, directory))
            target = source.with_name(f"{source.name}.{fmt}")
            target.write_bytes(output)
            if cleanup:
                source.unlink()
            return str(target)

    return GraphDrawing


# ---------------------------------------------------------------------------------------------
# Public API


def retain_grads(y: Tensor) -> Tensor:
    """Make every intermediate tensor behind `y` keep its gradient after backward (see
    `Tensor.retain_grad`), so that `draw_graph` can show ‖dL/dt‖ on every node. Returns `y`."""
    if not isinstance(y, Tensor):
        raise TypeError(f"retain_grads: expected a Tensor, got {type(y).__name__}")
    for tensor in graph.walk(y):
        if not tensor.is_leaf:
            tensor.retain_grad()
    return y


def draw_graph(
    y: Tensor,
    *,
    show_values: bool = False,
    show_grads: bool = True,
    rankdir: str = "TB",
    max_nodes: int = 500,
    legend: bool = True,
    fold_repeats: bool = True,
) -> graphviz.Digraph:
    """The computation graph behind `y` as a `graphviz.Digraph` (no `dot` needed to build it).

    `show_values` adds a value summary to each tensor (the values when ≤ 6 elements, else
    min / mean / max); `show_grads` adds ‖grad‖ = √(Σ gᵢ²) and a log-scale fill colour to every
    tensor that holds a gradient; `rankdir` is the direction data flows ("TB" top to bottom,
    which reads at page width; "LR", "BT", "RL"). At most `max_nodes` nodes are drawn: a larger
    graph is summarised, and the picture says so. `fold_repeats` folds a chain of at least 12
    identical links into its first two, a box "× N more links like this", and its last.
    Render with ``.pipe(format="svg")``, ``.render(...)`` or `save_svg`; works after an
    ordinary ``backward()`` too (see the module docstring).
    """
    return layout(
        y, show_values=show_values, show_grads=show_grads, rankdir=rankdir,
        max_nodes=max_nodes, legend=legend, fold_repeats=fold_repeats,
    )[0]  # fmt: skip


def layout(
    y: Tensor,
    *,
    show_values: bool = False,
    show_grads: bool = True,
    rankdir: str = "TB",
    max_nodes: int = 500,
    legend: bool = True,
    fold_repeats: bool = True,
    where: str = "draw_graph",
    names: dict[int, str] | None = None,
) -> tuple[graphviz.Digraph, Plan]:
    """`draw_graph`'s drawing together with its `viz_plan.Plan`, which says which Graphviz
    node shows which tensor: ``t{k}`` is the tensor at ``plan.index[id(tensor)] == k`` and
    ``o{k}`` the op that made it, ``s{k}_{i}`` a copy of a shared leaf beside op ``o{k}``,
    ``f{k}`` a fold (the backward-pass stepper highlights nodes by these names). `names`
    labels unnamed tensors by ``id()`` (the stepper passes explain's u, v, w, ...)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(y).__name__}")
    show_values = boolean(show_values, "show_values", where)
    show_grads = boolean(show_grads, "show_grads", where)
    legend = boolean(legend, "legend", where)
    fold_repeats = boolean(fold_repeats, "fold_repeats", where)
    if not isinstance(rankdir, str):
        raise ArgumentTypeError(f"{where}: rankdir must be a string, got {rankdir!r}")
    rankdir = choice(rankdir.upper(), RANKDIRS, "rankdir", where)
    max_nodes = integer(max_nodes, "max_nodes", where, minimum=1)
    plan = make_plan(y, max_nodes, fold=fold_repeats)
    drawing = _drawing_class()(name="autograd_lite")
    drawing.plan_nodes = plan.nodes
    drawing.attr(
        rankdir=rankdir, fontname="Helvetica", fontsize="10", labelloc="t", labeljust="l",
        nodesep="0.2", ranksep="0.25", margin="0.1",
    )  # fmt: skip
    drawing.attr("node", fontname="Helvetica", fontsize="10", margin="0.06,0.03", height="0.3")
    drawing.attr("edge", color="#555555", arrowsize="0.6")
    _emit(drawing, plan, show_values, show_grads, names or {})
    heading = _heading(_notes(plan, show_grads), legend, show_grads)
    if heading:
        drawing.graph_attr["label"] = heading
    return drawing, plan


def save_svg(
    y: Tensor, path: str | Path, *, timeout: float | None = DOT_TIMEOUT, **options: Any
) -> Path:
    """Write the drawing of `y`'s graph to `path` as SVG (needs Graphviz's `dot`, given at most
    `timeout` seconds); `options` go to `draw_graph`. Returns the path written."""
    timeout = _checked_timeout(timeout, "save_svg")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"save_svg: path must be a str or Path, got {type(path).__name__}")
    svg = draw_graph(y, **options).pipe(format="svg", encoding="utf-8", timeout=timeout)
    path = Path(path)
    path.write_text(svg, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Labels and styles


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _value_summary(array: np.ndarray) -> str:
    if array.size == 1:
        return f"{array.item():.6g}"
    if array.size <= 6:
        text = np.array2string(array, precision=4, separator=", ", max_line_width=60)
        return "\\n".join(line.strip() for line in text.splitlines())
    values = array.astype(np.float64)
    return f"min {values.min():.3g}  mean {values.mean():.3g}  max {values.max():.3g}"


def grad_norm(tensor: Tensor) -> float | None:
    """‖tensor.grad‖₂ computed in float64, or None when the tensor holds no gradient."""
    return graph.node(tensor).grad_norm


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
    tensor: Tensor,
    is_root: bool,
    show_values: bool,
    show_grads: bool,
    uses: int = 0,
    label: str | None = None,
) -> dict[str, str]:
    node = graph.node(tensor)
    leaf = node.is_leaf
    constant_number = leaf and not tensor.requires_grad and tensor.size == 1
    if constant_number and not tensor.name:  # a number in a formula, like the 3 in 3·(a + bc)
        return _number_style(np.asarray(tensor).reshape(()))
    lines = []
    if tensor.name or label:
        lines.append(_escape(tensor.name or label or ""))
    elif is_root:
        lines.append("output")
    elif leaf:
        lines.append("input" if tensor.requires_grad else "constant")
    shape = "scalar" if tensor.ndim == 0 else str(tensor.shape)
    lines.append(f"{shape} {tensor.dtype}")
    if uses:
        lines.append(f"(used by {uses} ops)")
    if show_values or constant_number:
        lines.append("values released" if node.released else _value_summary(np.asarray(tensor)))
    style = {"shape": "box", "fillcolor": "white", "fontcolor": "black"}
    if not leaf:
        style["style"] = "rounded,filled"
    elif tensor.requires_grad:
        style.update(style="filled,bold", peripheries="2")
    else:
        style.update(style="dashed,filled", color="#777777", fontcolor="#444444")
    norm = node.grad_norm if show_grads else None
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
    if node.record_ends:
        return {
            "label": f"{name}\\n(freed: record {'dropped' if node.record_dropped else 'ends'})",
            "shape": "ellipse",
            "style": "dashed",
            "color": "#c00000",
            "fontcolor": "#c00000",
        }
    return {"label": name, "shape": "ellipse", "style": "filled", "fillcolor": OP_FILL}


def _fold_style(fold: Fold) -> dict[str, str]:
    link = " → ".join(fold.per_link)
    return {
        "label": f"⋯ × {fold.links:,} more links like this\\n(each: {link})",
        "shape": "box",
        "style": "rounded,dashed,filled",
        "fillcolor": "#f5f5f5",
        "color": "#666666",
    }


def _counts(ops: Any, top: int) -> str:
    return ", ".join(f"{name} ×{n:,}" for name, n in ops.most_common(top)) or "leaves only"


def _notes(plan: Plan, show_grads: bool) -> list[str]:
    """What the picture needs to say about itself, wrapped to NOTE_WIDTH characters."""
    notes = []
    if plan.summarised:
        notes.append(
            f"summarised: the graph has {plan.total_tensors:,} tensors and "
            f"{plan.total_ops:,} ops, more than max_nodes={plan.max_nodes}; drawn: those "
            f"nearest the output. Not drawn: {plan.hidden_tensors:,} tensors "
            f"({_counts(plan.hidden_ops, 6)})"
        )
    if any(id(fold) in plan.index for fold in plan.folds):
        notes.append(
            "repeated links are folded into a dashed box (draw_graph(y, fold_repeats=False) "
            "draws each one)"
        )
    if plan.freed:
        notes.append(
            "drawn after backward() from the record of the freed graph"
            + (": intermediate values were released" if plan.released else "")
        )
    if plan.record_dropped:
        notes.append(
            f"the record of this freed graph was dropped: backward() keeps the records of the "
            f"latest {RECORDS_KEPT} or more graphs whose outputs are held (keep loss.item(), "
            "not loss, across training steps); call backward(retain_graph=True) to draw it later"
        )
    if plan.record_ends > plan.record_dropped:
        notes.append(
            f"backward() keeps the structure of the {RECORD_NODES} nodes nearest the output; "
            "the graph behind the red dashed op(s) was freed: call backward(retain_graph=True) "
            "to draw all of it"
        )
    if show_grads:
        drawn = [item for item in plan.drawn if isinstance(item, Tensor)]
        results = [t for t in drawn if not t.is_leaf]
        copies = [i for t in results for i in plan.inputs[id(t)] if is_copy(plan, i, t)]
        some_grads = any(t.grad is not None for t in drawn + copies)
        if some_grads and results and all(t.grad is None for t in results):
            notes.append(
                "‖grad‖ is shown on leaves only: call retain_grads(y) before backward() to "
                "see every intermediate's gradient"
            )
    return [line for note in notes for line in textwrap.wrap(note, NOTE_WIDTH)]


# ---------------------------------------------------------------------------------------------
# Emitting DOT


def _op_scope(tensor: Tensor, calls: list[graph.ModuleCall], labels: dict[str, str]) -> Any:
    """The module an op ran in: the innermost nn module call around its stamp, else the
    `graph_scope` it was recorded in."""
    node = graph.node(tensor)
    call = graph.innermost_call(node.stamp, calls)
    if call is None:
        return node.scope
    if call.path not in labels:
        labels[call.path] = _call_label(call)
    return call.path


def _call_label(call: graph.ModuleCall) -> str:
    """ "0: Dense(2→4)": the module's path and what it is."""
    module = call.module
    describe = getattr(module, "graph_label", None)
    what = describe() if callable(describe) else type(module).__name__
    return f"{call.path}: {what}" if call.path and call.path != what else what


def _emit(
    drawing: graphviz.Digraph,
    plan: Plan,
    show_values: bool,
    show_grads: bool,
    labels_of: dict[int, str],
) -> None:
    """Nodes grouped by module (clusters), then the edges. `labels_of` names unnamed tensors
    by id."""
    calls = graph.calls_of(item for item in plan.drawn if isinstance(item, Tensor))
    labels: dict[str, str] = {}
    scopes: dict[int, Any] = {}
    for item in plan.drawn:
        if isinstance(item, Tensor) and item._op is not None:
            scopes[id(item)] = _op_scope(item, calls, labels)
    drawn_scopes = {scope for scope in scopes.values() if scope}
    clusters: dict[Any, list[tuple[str, dict[str, str]]]] = {}
    edges: list[tuple[str, ...]] = []
    one_hidden_box = len(plan.cut) <= MARKERS
    for k, item in enumerate(plan.drawn):
        if isinstance(item, Fold):
            clusters.setdefault(None, []).append((f"f{k}", _fold_style(item)))
            continue
        scope = scopes.get(id(item)) or _leaf_scope(item, drawn_scopes)
        members = clusters.setdefault(scope, [])
        uses = plan.uses[id(item)] if id(item) in plan.shared else 0
        style = _tensor_style(
            item, item is plan.root, show_values, show_grads, uses, labels_of.get(id(item))
        )
        members.append((f"t{k}", style))
        if item._op is None:
            continue
        op = f"o{k}"
        members.append((op, _op_style(item)))
        edges.append((op, f"t{k}", SPINE))
        for number in graph.node(item).numbers:  # the 3 in 3·(a + bc)
            members.append((f"c{k}", _number_style(number)))
            edges.append((f"c{k}", op))
        for i, parent in enumerate(plan.inputs[id(item)]):
            j = plan.index.get(id(parent))
            if is_copy(plan, parent, item):
                uses = plan.uses[id(parent)]
                label = labels_of.get(id(parent))
                copy = _tensor_style(parent, False, show_values, show_grads, uses, label)
                if parent._op is not None:  # a reference to a result drawn where it is made
                    name = parent.name or label or f"result of {parent._op.name}"
                    lines = copy["label"].split("\\n")
                    rest = "\\n".join(lines[1:] if parent.name or label else lines)
                    copy["label"] = f"↪ {_escape(name)}\\n{rest}"
                    copy["style"] = "rounded,dashed,filled"
                members.append((f"s{k}_{i}", copy))
                edges.append((f"s{k}_{i}", op))
            elif j is not None:
                spine = isinstance(parent, Fold) or parent._op is not None
                edges.append(
                    (f"{'f' if isinstance(parent, Fold) else 't'}{j}", op, *spine * [SPINE])
                )
            elif one_hidden_box:
                edges.append(("hidden", op))
            else:
                members.append((f"h{k}", {"label": "⋯ not drawn", "shape": "plaintext"}))
                edges.append((f"h{k}", op))
    for k, item in enumerate(plan.drawn):
        if isinstance(item, Fold) and id(item.bottom) in plan.index:
            edges.append((f"t{plan.index[id(item.bottom)]}", f"f{k}", SPINE))
    _emit_clusters(drawing, clusters, labels)
    if plan.summarised and one_hidden_box and plan.cut:
        counts = _counts(plan.hidden_ops, 4)
        label = f"⋯ {plan.hidden_tensors:,} more tensors not drawn\\n({counts})"
        drawing.node("hidden", label, shape="note", style="filled", fillcolor="#f5f5f5")
    for source, target, *weight in dict.fromkeys(edges):  # one edge per pair, in order
        drawing.edge(source, target, weight=weight[0] if weight else None)


def _leaf_scope(tensor: Tensor, scopes: set[Any]) -> Any:
    """A parameter leaf's module cluster: the module path in its name ("0.W" → "0") when that
    module has ops in the drawing."""
    if tensor._op is None and tensor.name and "." in tensor.name:
        owner = tensor.name.rsplit(".", 1)[0]
        if owner in scopes:
            return owner
    return None


def _emit_clusters(drawing: graphviz.Digraph, clusters: dict, labels: dict[str, str]) -> None:
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
        sub.attr(
            label=label, style="rounded,dashed", color="#8888aa", fontcolor="#444466",
            labeljust="l", fontsize="9",
        )  # fmt: skip
        for name, attrs in clusters.get(path, []):
            sub.node(name, **attrs)
        for child in children.get(path, []):
            _emit_cluster(sub, child, clusters, children, labels)


def _heading(notes: list[str], legend: bool, show_grads: bool) -> str | None:
    """The picture's heading, one HTML-like label above the graph (not a node, so `dot` has
    nothing to place): the notes, then a two-line legend of borders and gradient colours."""
    rows = []
    if notes:
        lines = '<BR ALIGN="LEFT"/>'.join(html.escape(line) for line in notes)
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{lines}<BR ALIGN="LEFT"/></TD></TR>')
    if legend:
        shapes = (
            "legend: double border = input / parameter, dashed = constant, "
            "rounded = result of an op, ellipse = op"
        )
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8">{html.escape(shapes)}</FONT></TD></TR>'
        )
        if show_grads:
            keys = [(key, fill, font) for key, (_, fill, font, _) in zip(BAND_KEYS, GRAD_BANDS)]
            keys += [("0", *ZERO_GRAD[:2]), ("nan", *NONFINITE_GRAD[:2])]
            swatches = "".join(
                f'<TD BGCOLOR="{fill}"><FONT POINT-SIZE="8" COLOR="{font}">'
                f"{html.escape(key)}</FONT></TD>"
                for key, fill, font in keys
            )
            rows.append(
                '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="1" CELLPADDING="1"><TR>'
                '<TD><FONT POINT-SIZE="8">‖grad‖ colour:</FONT></TD>'
                f"{swatches}</TR></TABLE></TD></TR>"
            )
    if not rows:
        return None
    return '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
