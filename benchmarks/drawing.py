"""How long graph pictures take: building the DOT text, and Graphviz's `dot` laying it out.

    python -m benchmarks.drawing                   # every case, dot limited to 60 s each
    python -m benchmarks.drawing --timeout 700 --repeat 1 --cases fan_in_grads

Issue 17 found `dot` still running after 11 minutes on a 100-link chain that reuses its input
at every link, and taking 7-11 s on a 10,000-link chain summarised to 500 nodes, while building
the DOT text took 0.02 s. The cases below are those graphs, the README's picture, and a plain
chain with as many drawn nodes as the largest case, which shows what `dot` costs for a graph of
that size without the hard parts (long edges into one node, many clusters).

Each case is built fresh, its DOT text is made once (timed), then `dot -Tsvg` runs `--repeat`
times in a subprocess (wall time; the median is reported) and is stopped after `--timeout`
seconds. Nothing here asserts a speed: run it, on main and on a branch, and compare. It works
with older versions of `draw_graph` too (options they lack are left out), so the same script
gives the before and after figures.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import autograd_lite as ag


@dataclass(frozen=True)
class Case:
    """A graph to draw: `build()` returns its output tensor; `options` go to draw_graph."""

    name: str
    description: str
    build: Callable[[], ag.Tensor]
    options: dict


def fan_in(links: int = 100, grads: bool = True, backward: str = "retain") -> ag.Tensor:
    """``y = (y * 1.01).tanh() + x`` `links` times: x is used by every link (high fan-in)."""
    x = ag.Tensor(np.linspace(0.1, 0.3, 3), requires_grad=True, name="x")
    y = x
    for _ in range(links):
        y = (y * 1.01).tanh() + x
    y = y.sum()
    if grads:
        if backward == "retain":
            ag.retain_grads(y)
            y.backward(retain_graph=True)
        else:
            y.backward()
    return y


def long_chain(links: int = 10_000) -> ag.Tensor:
    """``y = y * 1.0001 + x`` `links` times on scalars: 20,000 ops, summarised to 500 nodes."""
    x = ag.Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(links):
        y = y * 1.0001 + x
    return y


def reused_intermediate(links: int = 100) -> ag.Tensor:
    """Like `fan_in`, but the reused tensor is an op's result (h = tanh(x)), not a leaf."""
    x = ag.Tensor(np.linspace(0.1, 0.3, 3), requires_grad=True, name="x")
    h = x.tanh()
    y = h
    for _ in range(links):
        y = (y * 1.01).tanh() + h
    y = y.sum()
    ag.retain_grads(y)
    y.backward(retain_graph=True)
    return y


def deep_model(layers: int = 40) -> ag.Tensor:
    """An nn model of `layers` Dense+ReLU pairs: 80 module clusters, no two links alike."""
    from autograd_lite import nn

    modules: list = []
    for k in range(layers):
        modules += [nn.Dense(8, 8, seed=k), nn.ReLU()]
    loss = nn.Sequential(*modules)(np.ones((4, 8))).sum()
    ag.retain_grads(loss)
    loss.backward()
    return loss


def wide_op(inputs: int = 150) -> ag.Tensor:
    """One op (stack) with `inputs` inputs, each ``tanh(x · k)``: fan-in into an op."""
    x = ag.Tensor(np.linspace(0.1, 0.3, 3), requires_grad=True, name="x")
    return ag.stack([(x * float(k)).tanh() for k in range(inputs)]).sum()


def random_dag(ops: int = 300, seed: int = 0) -> ag.Tensor:
    """Each op multiplies two earlier tensors picked at random: crossings everywhere."""
    rng = np.random.default_rng(seed)
    tensors = [ag.Tensor(np.ones(2), requires_grad=True, name=f"l{k}") for k in range(5)]
    for _ in range(ops):
        a, b = rng.integers(0, len(tensors), 2)
        tensors.append((tensors[a] * tensors[b]).tanh())
    return ag.stack(tensors[-20:]).sum()


def plain_chain(ops: int = 250) -> ag.Tensor:
    """A chain of `ops` tanh ops, nothing reused: the reference for a graph of that size."""
    y = ag.Tensor(np.linspace(0.1, 0.3, 3), requires_grad=True, name="x")
    for _ in range(ops):
        y = y.tanh()
    y = y.sum()
    ag.retain_grads(y)
    y.backward(retain_graph=True)
    return y


def docs_graph(retain: bool = True) -> ag.Tensor:
    """The README's picture: the planar 2-4-1 model's cost on 20 points, every tensor's
    gradient kept; after backward(retain_graph=True) (how it was drawn before issue 17) or an
    ordinary backward() (`retain=False`)."""
    from autograd_lite import nn
    from autograd_lite.nn.datasets import planar_flower

    X, Y = planar_flower()
    model = nn.Sequential(
        nn.Dense(2, 4, init="small", seed=2),
        nn.Tanh(),
        nn.Dense(4, 1, init="small", seed=3),
        nn.Sigmoid(),
    )
    cost = nn.BCELoss()(model(ag.Tensor(X[::20], name="X")), Y[::20])
    cost.name = "J"
    ag.retain_grads(cost)
    cost.backward(retain_graph=retain)
    return cost


CASES = (
    Case("fan_in_grads", "fan-in chain, 100 links, every ‖grad‖", fan_in, {}),
    Case("fan_in_unfolded", "the same, folding off", fan_in, {"fold_repeats": False}),
    Case(
        "fan_in_record",
        "the same after an ordinary backward()",
        lambda: fan_in(backward="plain"),
        {},
    ),
    Case("long_chain", "y = y·1.0001 + x, 10,000 links", long_chain, {}),
    Case("long_unfolded", "the same, folding off", long_chain, {"fold_repeats": False}),
    Case(
        "reused_intermediate",
        "fan-in chain reusing an op's result, folding off",
        reused_intermediate,
        {"fold_repeats": False},
    ),
    Case("deep_model", "40 × (Dense, ReLU): 80 module clusters", deep_model, {}),
    Case("wide_op", "one op with 150 inputs", wide_op, {}),
    Case("random_dag", "300 ops on random earlier tensors", random_dag, {}),
    Case(
        "plain_chain",
        "250 tanh ops, nothing reused, folding off (reference)",
        plain_chain,
        {"fold_repeats": False},
    ),
    Case("docs_graph", "README picture: planar model, retain_graph=True", docs_graph, {}),
    Case(
        "docs_record",
        "the same after an ordinary backward()",
        lambda: docs_graph(retain=False),
        {},
    ),
)


def supported(options: dict) -> dict:
    """The options this version of draw_graph accepts (older ones lack some)."""
    parameters = inspect.signature(ag.draw_graph).parameters
    return {k: v for k, v in options.items() if k in parameters}


def measure(case: Case, repeat: int, timeout: float) -> dict:
    """Build the case, time the DOT text and `dot -Tsvg` (median over `repeat` runs)."""
    y = case.build()
    started = time.perf_counter()
    source = ag.draw_graph(y, **supported(case.options)).source
    build = time.perf_counter() - started
    nodes = sum(1 for line in source.splitlines() if "[label=" in line and "->" not in line)
    times: list[float] = []
    status = "ok"
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            subprocess.run(
                ["dot", "-Tsvg", "-o", "/dev/null"],
                input=source.encode("utf-8"),
                check=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            status = f"> {timeout:g} s (stopped)"
            break
        times.append(time.perf_counter() - started)
    return {
        "case": case.name,
        "what": case.description,
        "nodes": nodes,
        "build_s": build,
        "dot_s": statistics.median(times) if times else None,
        "status": status,
    }


def table(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| case | what | drawn nodes | DOT text | dot -Tsvg (median) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        dot = f"{row['dot_s']:.2f} s" if row["dot_s"] is not None else row["status"]
        lines.append(
            f"| {row['case']} | {row['what']} | {row['nodes']} | {row['build_s']:.3f} s | {dot} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drawing", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="dot runs per case (median)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before dot stops")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    args = parser.parse_args(argv)
    wanted = {name for name in args.cases.split(",") if name}
    unknown = wanted - {case.name for case in CASES}
    if unknown:
        raise SystemExit(f"unknown cases {sorted(unknown)}; known: {[c.name for c in CASES]}")
    if shutil.which("dot") is None:
        raise SystemExit("Graphviz's dot is not installed (apt-get install graphviz)")
    rows = []
    for case in CASES:
        if wanted and case.name not in wanted:
            continue
        rows.append(measure(case, args.repeat, args.timeout))
        print(f"{case.name}: done", flush=True)
    print(f"\nautograd_lite {ag.__version__} from {ag.__file__}\n")
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
