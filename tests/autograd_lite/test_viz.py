"""draw_graph / save_svg: every op and named parameter in the SVG, leaves distinct from
constants, gradient colours after backward, module clusters, freed graphs, the max_nodes
summary, and a helpful error when Graphviz's `dot` is missing."""

import os
import re
import shutil
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.viz import (
    GRAD_BANDS,
    NONFINITE_GRAD,
    ZERO_GRAD,
    GraphvizNotFoundError,
    draw_graph,
    grad_colour,
    retain_grads,
    save_svg,
)

# Skipped only outside CI: `make test` installs Graphviz, so in CI a missing `dot` must fail.
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz `dot` not installed",
)
NODE = re.compile(r"^\s*(\w+) \[(.*)\]\s*$")


def nodes(graph):
    """{node id: attribute text} parsed from the DOT source."""
    found = {}
    for line in graph.source.splitlines():
        match = NODE.match(line)
        if match and match.group(1) not in ("node", "edge", "graph"):
            found[match.group(1)] = match.group(2)
    return found


def node_labelled(graph, first_line):
    """The attribute text of the one node whose label starts with `first_line`."""
    hits = [
        attrs
        for attrs in nodes(graph).values()
        if attrs.startswith(f'label="{first_line}\\n') or attrs.startswith(f"label={first_line} ")
    ]
    assert len(hits) == 1, (first_line, hits)
    return hits[0]


def fill(attrs):
    match = re.search(r'fillcolor="?([#\w]+)"?', attrs)
    return match.group(1) if match else None


def svg_text(svg):
    root = ET.fromstring(svg)
    return " ".join(el.text or "" for el in root.iter() if el.tag.endswith("text"))


def small_model():
    import nn

    model = nn.Sequential(nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 1), nn.Sigmoid())
    X = ag.Tensor(np.random.default_rng(0).standard_normal((5, 3)), name="X")
    Y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    return model, nn.BCELoss()(model(X), Y)


def classic():
    """J = 3(a + bc) with a=5, b=3, c=2."""
    a, b, c = (
        ag.Tensor(v, requires_grad=True, name=n) for v, n in ((5.0, "a"), (3.0, "b"), (2.0, "c"))
    )
    return a, b, c, 3 * (a + b * c)


# ----------------------------------------------------------------------------- content


def test_draw_graph_returns_a_digraph_with_every_op_and_tensor():
    *_, J = classic()
    graph = draw_graph(J)
    assert isinstance(graph, graphviz.Digraph)
    labels = " ".join(nodes(graph).values())
    for op in ("mul", "add"):
        assert f"label={op} " in labels
    for name in ("a", "b", "c"):
        node_labelled(graph, name)
    assert "label=3 " in labels  # the constant as a number
    # 3 leaves + 3 results + 3 ops + the constant 3 + the legend
    assert len(nodes(graph)) == 11


@needs_dot
def test_svg_parses_as_xml_and_names_every_op_and_parameter(tmp_path):
    model, loss = small_model()
    path = save_svg(loss, tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    svg = path.read_text(encoding="utf-8")
    text = svg_text(svg)
    for op in ("linear", "tanh", "sigmoid", "binary_cross_entropy"):
        assert op in text
    for name, _ in model.named_parameters():
        assert name in text
    assert {"0.W", "0.b", "2.W", "2.b"} <= set(text.split())


def test_leaves_that_require_grad_look_different_from_constants():
    w = ag.Tensor(np.ones(3), requires_grad=True, name="w")
    k = ag.Tensor(np.arange(3.0), name="k")
    graph = draw_graph((w * k).sum())
    leaf, constant = node_labelled(graph, "w"), node_labelled(graph, "k")
    assert "peripheries=2" in leaf and "bold" in leaf
    assert "dashed" in constant and "peripheries" not in constant
    result = next(a for a in nodes(graph).values() if "output" in a)
    assert "rounded" in result


def test_labels_show_name_shape_dtype_and_optionally_values():
    x = ag.Tensor(np.array([[1.0, 2.0]], dtype=np.float32), requires_grad=True, name="x")
    y = (x * 2.0).sum()
    plain = node_labelled(draw_graph(y), "x")
    assert "(1, 2) float32" in plain and "1." not in plain.split("float32")[1]
    valued = node_labelled(draw_graph(y, show_values=True), "x")
    assert "[[1., 2.]]" in valued
    big = ag.Tensor(np.arange(10.0), requires_grad=True, name="big")
    summary = node_labelled(draw_graph(big.sum(), show_values=True), "big")
    assert "min 0" in summary and "mean 4.5" in summary and "max 9" in summary


def test_parameters_are_labelled_with_their_module_path():
    _, loss = small_model()
    graph = draw_graph(loss)
    for name in ("0.W", "0.b", "2.W", "2.b"):
        node_labelled(graph, name)


# ----------------------------------------------------------------------------- gradients


def test_gradient_norms_and_colours_appear_after_backward():
    x = ag.Tensor(np.full(4, 0.5), requires_grad=True, name="x")
    small = (x * 1e-8).sum()
    before = node_labelled(draw_graph(small), "x")
    assert "‖grad‖" not in before and fill(before) == "white"

    small.backward(retain_graph=True)
    after = node_labelled(draw_graph(small), "x")
    assert "‖grad‖ = 2e-08" in after
    assert fill(after) == GRAD_BANDS[0][1]  # vanishing

    x.grad = None
    large = (x * 1e6).sum()
    large.backward(retain_graph=True)
    assert fill(node_labelled(draw_graph(large), "x")) == GRAD_BANDS[-1][1]  # exploding
    assert fill(node_labelled(draw_graph(large, show_grads=False), "x")) == "white"


def test_retain_grads_colours_every_intermediate():
    x = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    y = (x.tanh() * 3.0).sum()
    retain_grads(y)
    y.backward(retain_graph=True)
    graph = draw_graph(y)
    results = [attrs for attrs in nodes(graph).values() if "rounded,filled" in attrs]
    assert len(results) == 3  # tanh, mul, sum results
    assert all("‖grad‖" in attrs and fill(attrs) != "white" for attrs in results)
    assert "leaves only" not in graph.source


def test_without_retain_grads_the_picture_says_only_leaves_have_gradients():
    x = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    y = (x.tanh() * 3.0).sum()
    y.backward(retain_graph=True)
    assert "retain_grads(y)" in draw_graph(y).source


def test_gradient_colour_scale_is_ordered_by_decade():
    norms = [1e-9, 1e-5, 1e-3, 0.1, 10.0, 1e3, 1e7]
    assert [grad_colour(n)[0] for n in norms] == [band[1] for band in GRAD_BANDS]
    assert grad_colour(0.0)[0] == ZERO_GRAD[0]
    assert grad_colour(float("nan"))[0] == NONFINITE_GRAD[0]
    assert grad_colour(float("inf"))[0] == NONFINITE_GRAD[0]


def test_the_legend_explains_shapes_and_colours():
    *_, J = classic()
    legend = nodes(draw_graph(J))["legend"]
    assert "double border" in legend and "constant" in legend
    assert "vanishing" in legend and "exploding" in legend
    assert "vanishing" not in nodes(draw_graph(J, show_grads=False))["legend"]
    assert "legend" not in nodes(draw_graph(J, legend=False))


# ----------------------------------------------------------------------------- freed graphs


def test_a_graph_freed_by_backward_is_drawn_with_a_note_not_a_crash():
    *_, J = classic()
    J.backward()
    graph = draw_graph(J)
    assert "graph freed" in graph.source and "retain_graph=True" in graph.source
    op = next(attrs for attrs in nodes(graph).values() if "(graph freed)" in attrs)
    assert "mul" in op


@needs_dot
def test_a_freed_graph_still_renders_to_svg():
    *_, J = classic()
    J.backward()
    assert "graph freed" in svg_text(draw_graph(J).pipe(format="svg", encoding="utf-8"))


# ----------------------------------------------------------------------------- clusters


def test_nodes_made_inside_a_module_are_grouped_in_a_cluster_with_its_parameters():
    _, loss = small_model()
    source = draw_graph(loss).source
    block = source.split("subgraph cluster_0 {")[1].split("}")[0]
    assert "label=linear" in block and "0.W" in block and "0.b" in block
    assert "2.W" not in block
    assert "subgraph cluster_2 {" in source


def test_nested_scopes_nest_clusters():
    x = ag.Tensor(np.ones(2), requires_grad=True, name="x")
    with ag.graph_scope("encoder"):
        h = x * 2.0
        with ag.graph_scope("encoder.1"):
            h = h.tanh()
    source = draw_graph(h.sum()).source
    outer = source.index("subgraph cluster_encoder {")
    inner = source.index('subgraph "cluster_encoder.1" {')
    assert outer < inner
    assert source.index("label=tanh") > inner


# ----------------------------------------------------------------------------- size guard


def chain(length):
    y = ag.Tensor(1.0, requires_grad=True, name="x")
    for _ in range(length):
        y = y * 1.0001
    return y


def test_a_20000_node_graph_is_summarised_and_bounded():
    y = chain(20_000)
    graph = draw_graph(y, max_nodes=200)
    drawn = nodes(graph)
    assert len(drawn) <= 200 + 2  # + the "not drawn" box and the legend
    assert len(graph.source) < 60_000
    assert "summarised" in graph.source and "20,000 ops" in graph.source
    assert "hidden" in drawn and "mul ×" in drawn["hidden"]
    assert graph.source.count("-> o") >= 1


def test_small_graphs_are_drawn_whole():
    graph = draw_graph(chain(10))
    assert "summarised" not in graph.source
    assert "hidden" not in nodes(graph)
    ops = [attrs for attrs in nodes(graph).values() if attrs.startswith("label=mul ")]
    assert len(ops) == 10


@needs_dot
def test_a_summarised_graph_renders():
    svg = draw_graph(chain(5_000), max_nodes=60).pipe(format="svg", encoding="utf-8")
    assert "summarised" in svg_text(svg)


# ----------------------------------------------------------------------------- errors


def test_missing_dot_names_the_package_to_install(monkeypatch, tmp_path):
    *_, J = classic()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot`
    graph = draw_graph(J)
    assert graph.source.startswith("digraph")  # building works without dot
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        graph.pipe(format="svg")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        save_svg(J, tmp_path / "g.svg")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        graph.render(tmp_path / "g", format="svg")


def test_bad_arguments():
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(np.ones(2))
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(ag.Tensor(1.0), max_nodes=0)


def test_a_lone_leaf_is_one_node():
    drawn = nodes(draw_graph(ag.Tensor([1.0, 2.0], requires_grad=True, name="w")))
    assert set(drawn) == {"t0", "legend"}
