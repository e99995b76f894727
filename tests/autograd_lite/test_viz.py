"""draw_graph / save_svg: every op and named parameter in the SVG, leaves distinct from
constants, gradient colours after backward, module clusters, graphs drawn from the record an
ordinary backward keeps, the max_nodes summary, folded repeated chains, leaves drawn at each
use, the time limit on `dot`, and a helpful error when Graphviz's `dot` is missing."""

import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections import Counter

import graphviz
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.viz import (
    GRAD_BANDS,
    NONFINITE_GRAD,
    ZERO_GRAD,
    GraphvizNotFoundError,
    GraphvizTimeoutError,
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


def heading(graph):
    """The picture's heading (notes and legend) as plain text."""
    text = re.sub(r"<[^>]+>", " ", graph.graph_attr.get("label", ""))
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").split())


def fill(attrs):
    match = re.search(r'fillcolor="?([#\w]+)"?', attrs)
    return match.group(1) if match else None


def svg_text(svg):
    root = ET.fromstring(svg)
    return " ".join(el.text or "" for el in root.iter() if el.tag.endswith("text"))


def small_model(rows=5):
    import nn

    model = nn.Sequential(nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 1), nn.Sigmoid())
    X = ag.Tensor(np.random.default_rng(0).standard_normal((rows, 3)), name="X")
    Y = np.resize([[1.0], [0.0], [1.0], [1.0], [0.0]], (rows, 1))
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
    # 3 leaves + 3 results + 3 ops + the constant 3 (the legend is in the heading, not a node)
    assert len(nodes(graph)) == 10


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
    graph = draw_graph(J)
    assert "double border" in heading(graph) and "constant" in heading(graph)
    assert "<1e-6" in heading(graph) and "≥1e4" in heading(graph)
    assert GRAD_BANDS[0][1] in graph.graph_attr["label"]
    assert "‖grad‖ colour" not in heading(draw_graph(J, show_grads=False))
    assert "label" not in draw_graph(J, legend=False).graph_attr  # nothing to note either


# ----------------------------------------------------------------------------- freed graphs


def test_after_an_ordinary_backward_the_whole_graph_is_drawn_from_its_record():
    *_, J = classic()
    J.backward()
    graph = draw_graph(J)
    labels = " ".join(nodes(graph).values())
    assert labels.count("label=mul ") == 2 and "label=add " in labels and "label=3 " in labels
    for name, norm in (("a", "3"), ("b", "6"), ("c", "9")):
        assert f"‖grad‖ = {norm}" in node_labelled(graph, name)
    text = heading(graph)
    assert "after backward()" in text and "retain_grads(y)" in text
    assert "freed: record ends" not in graph.source


def test_after_backward_a_model_keeps_ops_shapes_names_clusters_and_leaf_gradients():
    model, loss = small_model(rows=1000)  # arrays large enough to be released
    loss.backward()
    graph = draw_graph(loss, show_values=True)
    source = graph.source
    for op in ("linear", "tanh", "sigmoid", "binary_cross_entropy"):
        assert f"label={op} " in source
    assert "0: Dense(3→4)" in source and "1: Tanh" in source
    for name, parameter in model.named_parameters():
        norm = float(np.linalg.norm(parameter.grad.data))
        assert f"‖grad‖ = {norm:.3g}" in node_labelled(graph, name)
    assert "(1000, 4) float64\\nvalues released" in source  # released, and said so
    assert "intermediate values were released" in heading(graph)


def test_retained_gradients_colour_every_node_after_an_ordinary_backward():
    x = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    y = (x.tanh() * 3.0).sum()
    retain_grads(y)
    y.backward()
    results = [attrs for attrs in nodes(draw_graph(y)).values() if "rounded,filled" in attrs]
    assert len(results) == 3 and all("‖grad‖" in attrs for attrs in results)


@needs_dot
def test_a_freed_graph_still_renders_to_svg():
    *_, J = classic()
    J.backward()
    text = svg_text(draw_graph(J).pipe(format="svg", encoding="utf-8"))
    assert "mul" in text and "add" in text and "‖grad‖ = 9" in text


def test_beyond_the_record_the_picture_says_where_the_freed_graph_ends():
    y = ag.Tensor(np.ones(2), requires_grad=True, name="x")
    for _ in range(ag.graph.RECORD_NODES + 50):
        y = y.tanh()
    y.sum().backward()
    graph = draw_graph(y, max_nodes=5000, fold_repeats=False)
    assert graph.source.count("(freed: record ends)") == 1
    assert "retain_graph=True" in heading(graph)


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
    graph = draw_graph(y, max_nodes=200, fold_repeats=False)
    drawn = nodes(graph)
    assert len(drawn) <= 200 + 1  # + the "not drawn" box
    assert len(graph.source) < 60_000
    text = heading(graph)
    assert "summarised" in text and "20,000 ops" in text
    assert "hidden" in drawn and "mul ×" in drawn["hidden"]
    assert graph.source.count("hidden -> o") == 1


def test_a_long_repeated_chain_is_folded_into_one_box():
    y = chain(20_000)
    graph = draw_graph(y)
    folds = [attrs for attrs in nodes(graph).values() if "more links like this" in attrs]
    # the first link reads x (a leaf), the 19,999 others the previous link: 2 + fold + 1 drawn
    assert len(folds) == 1 and "× 19,996 more links like this" in folds[0]
    assert "summarised" not in heading(graph) and len(nodes(graph)) < 20
    assert "fold_repeats=False" in heading(graph)


def test_a_chain_reusing_its_input_folds_and_draws_the_input_at_each_use():
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    y = x
    for _ in range(100):
        y = (y * 1.01).tanh() + x
    graph = draw_graph(y.sum())
    fold = next(attrs for attrs in nodes(graph).values() if "more links" in attrs)
    assert "(each: mul → tanh → add)" in fold
    unfolded = draw_graph(y.sum(), fold_repeats=False)
    copies = [attrs for attrs in nodes(unfolded).values() if attrs.startswith('label="x\\n')]
    assert len(copies) > 50 and all("(used by 101 ops)" in attrs for attrs in copies)
    out_degree = Counter(line.split(" -> ")[0].strip() for line in unfolded.source.splitlines()
                         if " -> " in line)  # fmt: skip
    assert max(out_degree.values()) <= 2  # no node with an edge into every link


def test_a_result_used_by_many_ops_is_drawn_once_and_referred_to_at_each_other_use():
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    h = x.tanh()
    y = h
    for _ in range(60):
        y = (y * 1.01).tanh() + h
    graph = draw_graph(y.sum(), fold_repeats=False)
    drawn = nodes(graph)
    references = [attrs for attrs in drawn.values() if attrs.startswith('label="↪ result of tanh')]
    assert len(references) > 20 and all("(used by 61 ops)" in attrs for attrs in references)
    assert sum(attrs.startswith("label=tanh ") for attrs in drawn.values()) == 61  # h's op once
    out_degree = Counter(line.split(" -> ")[0].strip() for line in graph.source.splitlines()
                         if " -> " in line)  # fmt: skip
    assert max(out_degree.values()) <= 2


def test_max_nodes_holds_with_many_ops_whose_inputs_are_not_drawn():
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    y = ag.stack([(x * float(k)).tanh() for k in range(150)]).sum()
    for limit in (40, 200, 500):
        graph = draw_graph(y, max_nodes=limit)
        assert len(nodes(graph)) <= limit, limit
        assert "not drawn" in graph.source


def test_small_chains_are_not_folded():
    assert "more links" not in draw_graph(chain(12)).source  # 11 identical links
    assert "more links" in draw_graph(chain(13)).source


def test_small_graphs_are_drawn_whole():
    graph = draw_graph(chain(10))
    assert "summarised" not in graph.source
    assert "hidden" not in nodes(graph)
    ops = [attrs for attrs in nodes(graph).values() if attrs.startswith("label=mul ")]
    assert len(ops) == 10


@needs_dot
def test_a_summarised_graph_renders():
    graph = draw_graph(chain(5_000), max_nodes=60, fold_repeats=False)
    assert "summarised" in svg_text(graph.pipe(format="svg", encoding="utf-8"))


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
    y = ag.Tensor(1.0)
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(np.ones(2))
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(y, max_nodes=0)
    with pytest.raises(TypeError, match="draw_graph: max_nodes must be an integer, got 'x'"):
        draw_graph(y, max_nodes="x")
    with pytest.raises(TypeError, match="max_nodes"):
        draw_graph(y, max_nodes=2.5)
    with pytest.raises(TypeError, match="show_values"):
        draw_graph(y, show_values="yes")
    with pytest.raises(TypeError, match="fold_repeats"):
        draw_graph(y, fold_repeats=1)
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_graph(y, rankdir="sideways")
    with pytest.raises(ValueError, match="save_svg: timeout"):
        save_svg(y, "never.svg", timeout=0)
    with pytest.raises(TypeError, match="save_svg: timeout"):
        save_svg(y, "never.svg", timeout="10")
    with pytest.raises(TypeError, match="retain_grads"):
        retain_grads([y])


def test_a_lone_leaf_is_one_node():
    drawn = nodes(draw_graph(ag.Tensor([1.0, 2.0], requires_grad=True, name="w")))
    assert set(drawn) == {"t0"}


def test_data_flows_top_down_by_default():
    *_, J = classic()
    assert "rankdir=TB" in draw_graph(J).source
    assert "rankdir=LR" in draw_graph(J, rankdir="lr").source


def test_a_dot_that_runs_too_long_is_stopped_with_advice(monkeypatch, tmp_path):
    slow = tmp_path / "dot"
    slow.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    *_, J = classic()
    started = time.perf_counter()
    with pytest.raises(GraphvizTimeoutError, match=r"time limit of 0.5 s.*max_nodes=") as info:
        save_svg(J, tmp_path / "g.svg", timeout=0.5)
    assert time.perf_counter() - started < 10
    assert "timeout=120" in str(info.value) and not (tmp_path / "g.svg").exists()
    with pytest.raises(GraphvizTimeoutError):
        draw_graph(J).pipe(format="svg", timeout=0.5)
