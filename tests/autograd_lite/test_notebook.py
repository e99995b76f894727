"""Rich display in Jupyter, checked by executing a real notebook in a real kernel (nbclient):
a Tensor, a profile, a gradcheck report and a History render as HTML, fit draws tqdm's
notebook bar, and a graph drawing renders as SVG. Plus the HTML builders themselves."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.notebook import curves_svg, history_html, tensor_html

CELLS = {
    "tensor": """
import numpy as np
import autograd_lite as ag
from autograd_lite import nn
x = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
x""",
    "after_backward": """
y = (x.tanh() * 2.0).sum()
y.backward()
x""",
    "profile": """
with ag.profile() as prof:
    (x.tanh() * 2.0).sum().backward()
prof""",
    "gradcheck": """
ag.gradcheck(lambda t: (t.tanh() ** 2).sum(), [np.linspace(-1, 1, 4)])""",
    "fit": """
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 2)); Y = (X[:, :1] > 0).astype(float)
model = nn.Sequential(nn.Dense(2, 4, seed=0), nn.Tanh(), nn.Dense(4, 1, seed=1), nn.Sigmoid())
history = nn.fit(model, nn.BCELoss(), nn.Adam(model.parameters(), lr=0.05), X, Y,
                 epochs=5, batch_size=16, dev=(X, Y), seed=0)""",
    "history": "history",
    "drawing": "ag.draw_graph(y)",
}


def run_notebook(tmp_path):
    """Execute CELLS in a fresh kernel; returns {cell name: its outputs}. Skipped only outside
    CI when the notebook extra is missing (make test installs it)."""
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI must have the notebook extra: pip install -e '.[notebook]'")
        pytest.skip("the notebook extra (nbclient, ipykernel, nbformat) is not installed")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source.strip()) for source in CELLS.values()]
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = {name: cell.outputs for name, cell in zip(CELLS, notebook.cells)}
    widgets = notebook.metadata.get("widgets", {})
    outputs["widget states"] = widgets.get("application/vnd.jupyter.widget-state+json", {})
    return outputs


def data_of(outputs, mime):
    """The `mime` payload of the cell's displayed result (or displays)."""
    found = [o["data"][mime] for o in outputs if mime in o.get("data", {})]
    assert found, f"no {mime} output in {outputs}"
    return found[-1]


def test_a_notebook_shows_tensors_reports_history_progress_and_graphs(tmp_path):
    outputs = run_notebook(tmp_path)
    tensor = data_of(outputs["tensor"], "text/html")
    for fact in (
        "shape</span>(2, 3)",
        "float64",
        "requires_grad</span>True",
        "leaf",
        "&#x27;x&#x27;",
    ):
        assert fact in tensor
    assert "[[0., 1., 2.]," in tensor and "‖grad‖" not in tensor
    assert "‖grad‖</span>" in data_of(outputs["after_backward"], "text/html")
    profile = data_of(outputs["profile"], "text/html")
    assert "<table" in profile and "tanh" in profile and "bwd ms" in profile
    report = data_of(outputs["gradcheck"], "text/html")
    assert "PASS" in report and "input 0" in report and "great" in report
    widgets = [
        o for o in outputs["fit"] if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "fit shows tqdm's notebook bar (a widget) in Jupyter"
    states = [model["state"] for model in outputs["widget states"]["state"].values()]
    progress = [state for state in states if state.get("_model_name") == "FloatProgressModel"]
    assert [(p["value"], p["max"]) for p in progress] == [(5, 5)]  # the bar ran to the end
    assert any("5/5" in str(state.get("value", "")) for state in states)
    history = data_of(outputs["history"], "text/html")
    assert "<svg" in history and "polyline" in history and "epochs</span>5" in history
    if shutil.which("dot") or os.environ.get("CI"):
        assert "linear" in data_of(outputs["drawing"], "image/svg+xml") or "tanh" in data_of(
            outputs["drawing"], "image/svg+xml"
        )


# ----------------------------------------------------------------------------- the builders


def test_tensor_html_summarises_large_arrays_and_says_when_values_were_released():
    big = ag.Tensor(np.arange(10_000.0), requires_grad=True)
    text = tensor_html(big)
    assert "..." in text and "(10000,)" in text and len(text) < 2000
    h = big.tanh()
    page = tensor_html((h * 2.0).sum())
    assert "op</span>sum" in page
    loss = (big.tanh() * 2.0).sum()
    loss.backward()
    released = ag.graph.node(loss).inputs[0]
    assert "values released by backward()" in tensor_html(released)
    assert "(graph freed)" in tensor_html(released)
    assert tensor_html(ag.Tensor(3.0, name="<b>")).count("&lt;b&gt;") == 1  # escaped


def test_curves_svg_draws_each_curve_and_leaves_gaps_for_non_finite_values():
    svg = curves_svg({"train": [1.0, 0.5, float("nan"), 0.2, 0.1], "dev": [1.1, 0.6, 0.4]})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 3  # train split by the NaN, and dev
    assert ">train<" in svg and ">dev<" in svg
    assert "no finite values" in curves_svg({"train": [float("inf")]})
    assert "<circle" in curves_svg({"train": [0.5]})


def test_history_html_shows_the_curve_and_the_last_epoch():
    X = np.random.default_rng(0).normal(size=(32, 2))
    Y = (X[:, :1] > 0).astype(float)
    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh(), nn.Dense(3, 1, seed=1))
    history = nn.fit(model, nn.BCEWithLogitsLoss(), nn.SGD(model.parameters(), lr=0.1), X, Y,
                     epochs=4, batch_size=8, verbose=False)  # fmt: skip
    page = history_html(history)
    assert history._repr_html_() == page
    assert "<svg" in page and "epochs</span>4" in page and f"{history.train_loss[-1]:.4g}" in page
