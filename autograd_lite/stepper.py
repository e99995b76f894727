"""save_html: the backward pass as a page you step through, node by node.

    a, b, c = (Tensor(v, requires_grad=True, name=n) for v, n in [(5, "a"), (3, "b"), (2, "c")])
    J = 3 * (a + b * c)
    save_html(J, "backward.html")        # open it in any browser

The page shows the graph and a panel. Each press of "next" (or →) moves to the next node the
engine processes: that node is highlighted in orange, the ops whose partial derivatives produced
its gradient in blue, and nodes whose gradient is complete turn green. The panel shows the
chain-rule products that made the gradient, in numbers, exactly as `explain` prints them::

    dJ/db = dJ/du · du/db = 3 · 2 = 6

(shapes and norms ‖·‖ for arrays, and the sum when a tensor is used several times), then the
node's formula and what it passes on to its own inputs. The whole narration sits below with
the current lines marked. "back" (←) goes back; Home and End jump to the ends.

It runs the backward pass itself, like `explain` (it is explain's narration laid over the
drawing): the numbers come from the partial derivatives as the engine applies them, and a
graph freed by an earlier backward has released the saved arrays they need. So call it *in
place of* ``y.backward()``: gradients accumulate into `.grad` exactly as backward would, and the
graph is freed afterwards unless ``retain_graph=True``.

The file is self-contained: the graph is an inline SVG drawn by Graphviz's `dot` (needed when
saving, not when viewing), the style and script are inline, nothing is fetched from anywhere,
and no server is needed.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from autograd_lite import graph
from autograd_lite.explain import Narration, display_names, narrate
from autograd_lite.storage import Tensor
from autograd_lite.validation import integer
from autograd_lite.viz import DOT_TIMEOUT, _checked_timeout, layout, run_dot
from autograd_lite.viz_plan import Fold, Plan, is_copy

__all__ = ["save_html"]


def save_html(
    y: Tensor,
    path: str | Path,
    gradient: Any = None,
    *,
    retain_graph: bool | None = None,
    root_name: str = "J",
    max_nodes: int = 300,
    timeout: float | None = DOT_TIMEOUT,
) -> Path:
    """Run y's backward pass and write it to `path` as a self-contained HTML page to step
    through node by node (see the module docstring). `gradient`, `retain_graph` and
    `root_name` are as in `explain`; `max_nodes` bounds the drawing (as in `draw_graph`) and
    `timeout` the seconds `dot` may take. Returns the path written."""
    where = "save_html"
    if not isinstance(y, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(y).__name__}")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"{where}: path must be a str or Path, got {type(path).__name__}")
    max_nodes = integer(max_nodes, "max_nodes", where, minimum=1)
    timeout = _checked_timeout(timeout, where)
    if not isinstance(root_name, str) or not root_name:
        raise TypeError(f"{where}: root_name must be a non-empty string, got {root_name!r}")
    if not y.requires_grad:
        raise RuntimeError(
            f"{where}: this tensor does not require grad, so there is no backward pass to show; "
            "create its inputs with requires_grad=True"
        )
    if any(graph.node(t).freed for t in graph.walk(y)):
        raise RuntimeError(
            f"{where}: the graph behind this tensor was already freed by backward(); call "
            f"save_html(y, path) in place of y.backward() (it runs the backward pass itself), or "
            "call backward(retain_graph=True) first"
        )
    small = all(t.size <= 1 for t in graph.walk(y))
    names = display_names(y, root_name)  # the names the narration will use, u, v, ...
    drawing, plan = layout(
        y, show_values=small, show_grads=False, legend=False, max_nodes=max_nodes,
        where=where, names=names,
    )  # fmt: skip
    svg = run_dot(drawing.source, "svg", timeout, plan.nodes).decode("utf-8")
    story = narrate(y, gradient, retain_graph=retain_graph, root_name=root_name)
    steps = _steps(story, plan)
    page = _page(story, steps, _inline(svg))
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Steps


def _drawn_as(plan: Plan) -> dict[int, list[str]]:
    """id(tensor) -> the Graphviz nodes that show it (its box and op, its copies beside each
    op that uses it, or the fold that hides it)."""
    shown: dict[int, list[str]] = {}
    for k, item in enumerate(plan.drawn):
        if isinstance(item, Fold):
            for member in item.members:
                shown.setdefault(id(member), []).append(f"f{k}")
            continue
        names = shown.setdefault(id(item), [])
        names.append(f"t{k}")
        if item._op is not None:
            names.append(f"o{k}")
            for i, parent in enumerate(plan.inputs[id(item)]):
                if is_copy(plan, parent, item):
                    shown.setdefault(id(parent), []).append(f"s{k}_{i}")
    return shown


def _steps(story: Narration, plan: Plan) -> list[dict[str, Any]]:
    """One step per tensor in the order its gradient becomes complete: the output, each node
    as the engine processes it, then the leaves. For each: the lines that made its gradient,
    the lines it passes on, and the Graphviz nodes to highlight."""
    shown = _drawn_as(plan)
    order: list[int] = []
    made: dict[int, list[int]] = {}
    passes: dict[int, list[int]] = {}
    sources: dict[int, list[int]] = {}
    for line, (kind, about, to) in enumerate(story.events):
        if kind == "start" and about is not None:
            order.append(about)
            made.setdefault(about, []).append(line)
        elif kind == "node" and about is not None:
            if about not in order:
                order.append(about)
            passes.setdefault(about, []).append(line)
        elif kind == "partial" and about is not None and to is not None:
            passes.setdefault(about, []).append(line)
            made.setdefault(to, []).append(line)
            sources.setdefault(to, []).append(about)
        elif kind == "total" and about is not None:
            made.setdefault(about, []).append(line)
    leaves = [key for key in made if key not in order]
    tensors = {id(t): t for t in story.tensors}
    lines = story.explanation.lines
    steps = []
    for key in order + leaves:
        tensor = tensors.get(key)
        name = story.names.get(key, "?")
        if tensor is not None and tensor.is_leaf:
            after = [f"{name} is a leaf: its gradient is added to {name}.grad"]
        else:
            after = [lines[i] for i in passes.get(key, [])]
        ops = []
        for source in dict.fromkeys(sources.get(key, [])):
            ops += [n for n in shown.get(source, []) if n.startswith(("o", "f"))]
        what = "" if tensor is None else _shape(tensor)
        steps.append(
            {
                "name": name,
                "what": what,
                "made": [lines[i].strip() for i in made.get(key, [])],
                "passes": after,
                "lines": sorted(made.get(key, []) + passes.get(key, [])),
                "nodes": shown.get(key, []),
                "sources": ops,
                "drawn": bool(shown.get(key)),
            }
        )
    return steps


def _shape(tensor: Tensor) -> str:
    node = graph.node(tensor)
    kind = "leaf" if node.is_leaf else f"result of {node.op}"
    shape = "scalar" if tensor.ndim == 0 else f"shape {tensor.shape}"
    return f"{kind}, {shape}, {tensor.dtype}"


def _inline(svg: str) -> str:
    """The SVG element alone (no XML prolog or DOCTYPE), to sit inside the page."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S)


# ---------------------------------------------------------------------------------------------
# The page

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { padding: 10px 16px 4px; }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: #555; font-size: 14px; }
#controls { padding: 8px 16px; display: flex; gap: 8px; align-items: center;
  position: sticky; top: 0; background: #fafafa; border-bottom: 1px solid #ddd; z-index: 1; }
#controls button { font-size: 15px; padding: 4px 12px; cursor: pointer; }
#counter { font-weight: bold; min-width: 120px; text-align: center; }
main { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
#graph { flex: 1 1 55%; overflow: auto; }
#graph svg { max-width: 100%; height: auto; }
#panel { flex: 1 1 45%; min-width: 320px; }
#panel h2 { font-size: 18px; margin: 0 0 2px; }
#what { color: #555; font-size: 13px; margin-bottom: 10px; }
.label { font-size: 13px; color: #555; margin: 10px 0 2px; }
.lines { font-family: Menlo, Consolas, monospace; font-size: 14px; white-space: pre-wrap;
  background: #fff8e1; border-left: 4px solid #e65100; padding: 6px 8px; }
.lines.passes { background: #e3f2fd; border-left-color: #1565c0; }
#story { font-family: Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap;
  color: #777; margin-top: 16px; border-top: 1px solid #ddd; padding-top: 8px; }
#story span.on { background: #ffe0b2; color: #222; }
g.node.done > polygon, g.node.done > ellipse, g.node.done > path { fill: #c8e6c9; }
g.node.source > polygon, g.node.source > ellipse, g.node.source > path {
  stroke: #1565c0; stroke-width: 3px; }
g.node.current > polygon, g.node.current > ellipse, g.node.current > path {
  stroke: #e65100; stroke-width: 4px; fill: #ffe0b2; }
"""

_SCRIPT = """
const steps = JSON.parse(document.getElementById('steps').textContent);
const byTitle = {};
for (const g of document.querySelectorAll('#graph g.node')) {
  const title = g.querySelector('title');
  if (title) byTitle[title.textContent] = g;
}
const story = document.querySelectorAll('#story span');
let current = 0;
function mark(names, cls) {
  for (const name of names) { if (byTitle[name]) byTitle[name].classList.add(cls); }
}
function show(k) {
  current = Math.max(0, Math.min(steps.length - 1, k));
  const step = steps[current];
  for (const g of Object.values(byTitle)) g.classList.remove('current', 'source', 'done');
  for (let j = 0; j < current; j++) mark(steps[j].nodes, 'done');
  mark(step.sources, 'source');
  mark(step.nodes, 'current');
  document.getElementById('counter').textContent = `step ${current + 1} of ${steps.length}`;
  document.getElementById('title').textContent = step.name;
  document.getElementById('what').textContent =
    step.what + (step.drawn ? '' : ' (not drawn: the graph was summarised)');
  document.getElementById('made').textContent = step.made.join('\\n');
  document.getElementById('passes').textContent = step.passes.join('\\n');
  document.getElementById('passes-label').style.display = step.passes.length ? '' : 'none';
  story.forEach((span, i) => span.classList.toggle('on', step.lines.includes(i)));
  document.getElementById('back').disabled = current === 0;
  document.getElementById('next').disabled = current === steps.length - 1;
}
document.getElementById('next').onclick = () => show(current + 1);
document.getElementById('back').onclick = () => show(current - 1);
document.getElementById('first').onclick = () => show(0);
document.getElementById('last').onclick = () => show(steps.length - 1);
document.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowRight') show(current + 1);
  else if (event.key === 'ArrowLeft') show(current - 1);
  else if (event.key === 'Home') show(0);
  else if (event.key === 'End') show(steps.length - 1);
});
show(0);
"""


def _page(story: Narration, steps: list[dict[str, Any]], svg: str) -> str:
    """The HTML page: heading, controls, the drawing, the panel and the whole narration."""
    J = story.explanation.root
    title = html.escape(f"Backward pass of {J}, node by node")
    spans = "\n".join(f"<span>{html.escape(line)}</span>" for line in story.explanation.lines)
    data = json.dumps(steps, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Chain rule: d{html.escape(J)}/dx = d{html.escape(J)}/dy · dy/dx. Each step is the next node
whose gradient is complete: <b style="color:#e65100">orange</b> is that node,
<b style="color:#1565c0">blue</b> the ops whose partial derivatives made its gradient,
<b style="color:#2e7d32">green</b> the nodes already done. Keys: → next, ← back.</p>
</header>
<div id="controls">
<button id="first" title="first step (Home)">« first</button>
<button id="back" title="previous step (←)">◀ back</button>
<span id="counter"></span>
<button id="next" title="next step (→)">next ▶</button>
<button id="last" title="last step (End)">last »</button>
</div>
<main>
<section id="graph">
{svg}
</section>
<aside id="panel">
<h2 id="title"></h2>
<div id="what"></div>
<div class="label">how its gradient was made</div>
<div id="made" class="lines"></div>
<div class="label" id="passes-label">then the engine applies its local derivatives</div>
<div id="passes" class="lines passes"></div>
<div id="story">{spans}</div>
</aside>
</main>
<script type="application/json" id="steps">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
