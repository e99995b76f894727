"""explain: the backward pass as the chain rule in words and numbers, node by node."""

import io

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.explain import Explanation, explain


def scalar(value, name):
    return ag.Tensor(value, requires_grad=True, name=name)


def classic():
    """The course's computation graph: J = 3(a + bc) with a=5, b=3, c=2."""
    a, b, c = scalar(5.0, "a"), scalar(3.0, "b"), scalar(2.0, "c")
    return a, b, c, 3 * (a + b * c)


def test_classic_example_prints_each_chain_rule_step_with_its_numbers(capsys):
    *_, J = classic()
    result = explain(J)
    printed = capsys.readouterr().out
    expected = [
        "dJ/dJ = 1",
        "J = mul(3, v) = 33",
        "  dJ/dv = dJ/dJ · dJ/dv = 1 · 3 = 3",
        "v = add(a, u) = 11",
        "  dJ/da = dJ/dv · dv/da = 3 · 1 = 3",
        "  dJ/du = dJ/dv · dv/du = 3 · 1 = 3",
        "u = mul(b, c) = 6",
        "  dJ/db = dJ/du · du/db = 3 · 2 = 6",
        "  dJ/dc = dJ/du · du/dc = 3 · 3 = 9",
        "result: dJ/da = 3, dJ/db = 6, dJ/dc = 9",
    ]
    assert result.lines[1:] == expected
    assert printed.splitlines()[1:] == expected
    assert isinstance(result, Explanation) and str(result) == printed.rstrip("\n")


def test_classic_example_returns_gradients_and_steps_and_accumulates_grads():
    a, b, c, J = classic()
    result = explain(J, quiet=True)
    assert {k: float(v) for k, v in result.gradients.items()} == {"a": 3.0, "b": 6.0, "c": 9.0}
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)
    steps = {(s.child, s.parent): s for s in result.steps}
    assert set(steps) == {("J", "v"), ("v", "a"), ("v", "u"), ("u", "b"), ("u", "c")}
    assert steps[("u", "c")].local == 3.0 and steps[("u", "c")].op == "mul"
    assert float(steps[("u", "c")].upstream) == 3.0
    assert float(steps[("u", "c")].contribution) == 9.0


def test_backward_explain_true_prints_the_same_story(capsys):
    *_, c, J = classic()
    J.backward(explain=True)
    printed = capsys.readouterr().out
    assert "  dJ/dc = dJ/du · du/dc = 3 · 3 = 9" in printed
    assert c.grad.item() == 9.0


def test_a_tensor_used_several_times_sums_its_contributions():
    x = scalar(2.0, "x")
    y = x * x + x
    lines = explain(y, quiet=True).lines
    assert "  dJ/dx (via J) = dJ/dJ · dJ/dx = 1 · 1 = 1" in lines
    assert "  dJ/dx (via u, input 0) = dJ/du · du/dx = 1 · 2 = 2" in lines
    assert "dJ/dx = 1 + 2 + 2 = 5   (x is used 3 times: contributions add)" in lines
    assert lines[-1] == "result: dJ/dx = 5"


def test_arrays_are_described_by_shape_and_norm():
    W = ag.Tensor(np.ones((2, 3)), requires_grad=True, name="W")
    X = ag.Tensor(np.arange(12.0).reshape(4, 3))
    loss = (X @ W.T).sum()
    loss.name = "L"
    result = explain(loss, quiet=True)
    text = str(result)
    assert "backward pass of L" in text
    assert "shape (4, 2), ‖·‖ = " in text
    norm = np.linalg.norm(np.ones((2, 4)) @ np.arange(12.0).reshape(4, 3))  # (dL/dZ)ᵀ·X
    assert f"dL/dW = shape (2, 3), ‖·‖ = {norm:.4g}" in result.lines[-1]
    np.testing.assert_allclose(result.gradients["W"], W.grad.data)
    assert all(step.local is None for step in result.steps)  # no single number for arrays


def test_unnamed_tensors_get_course_style_names():
    a, b = ag.Tensor(1.5, requires_grad=True), ag.Tensor(-2.0, requires_grad=True)
    lines = explain((a * b).exp(), quiet=True).lines
    assert "J = exp(u) = 0.0497871" in lines
    assert "u = mul(x1, x2) = -3" in lines or "u = mul(x2, x1) = -3" in lines


def test_explain_writes_to_a_given_file_and_honours_retain_graph():
    *_, J = classic()
    buffer = io.StringIO()
    explain(J, file=buffer, retain_graph=True)
    assert "dJ/db = dJ/du · du/db = 3 · 2 = 6" in buffer.getvalue()
    explain(J, quiet=True)  # the graph was kept: a second pass works
    freed = explain(J, quiet=True)  # now it is freed: the record is told instead
    assert "already freed" in freed.lines[0] and "retain_graph=True" in freed.lines[1]


def test_after_an_ordinary_backward_explain_tells_what_the_record_holds():
    a, b, c, J = classic()
    J.backward()
    result = explain(J, quiet=True)
    assert result.lines[2:5] == ["J = mul(3, v) = 33", "v = add(a, u) = 11", "u = mul(b, c) = 6"]
    assert "a.grad = 3, b.grad = 6, c.grad = 9" in result.lines[-1]
    assert {k: float(v) for k, v in result.gradients.items()} == {"a": 3.0, "b": 6.0, "c": 9.0}
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)  # no second pass


def test_the_record_of_a_model_shows_shapes_released_values_and_retained_gradients():
    from autograd_lite import nn

    model = nn.Sequential(nn.Dense(2, 4, seed=0), nn.Tanh(), nn.Dense(4, 1, seed=1))
    loss = model(np.ones((1000, 2))).sum()  # arrays large enough to be released
    ag.retain_grads(loss)
    loss.backward()
    text = str(explain(loss, quiet=True))
    assert "= tanh(u)  (shape (1000, 4), values released)" in text
    assert "= linear(v, 2.W, 2.b)" in text and "(retained)" in text
    assert "0.W.grad = shape (4, 2), ‖·‖ = " in text


def test_a_given_gradient_seeds_the_pass():
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    result = explain(x * 3.0, gradient=np.array([1.0, -1.0]), quiet=True)
    assert "the given gradient: shape (2,)" in result.lines[1]
    np.testing.assert_allclose(result.gradients["x"], [3.0, -3.0])


def test_explain_needs_a_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        explain(3.0)


def test_an_array_used_by_several_ops_next_to_other_arrays_is_explained():
    # tuple.count would compare the other inputs with == (elementwise for Tensors) and fail
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    y = ((x * 2.0).tanh() + x).sum()
    lines = explain(y, quiet=True).lines
    assert any(line.startswith("  dJ/dx (via w) = dJ/dw · dw/dx: shape (3,)") for line in lines)
    assert "dJ/dx = sum of 2 contributions: shape (3,)" in " ".join(lines)


@pytest.mark.parametrize("use_linear", [False, True])
def test_a_gradient_summed_from_two_uses_is_narrated_as_computed(use_linear):
    # Found by review: the engine adds a second contribution into the first in place when the
    # arrays are large (1024 elements or more), and explain had kept the first: its narrated
    # gradient then included the second twice.
    n = 2048
    b = ag.Tensor(np.zeros(n), requires_grad=True, name="b")
    if use_linear:  # linear's bias partial is a fresh sum, as mul's is a fresh product
        x = ag.Tensor(np.ones((3, 2)))
        w1 = ag.Tensor(np.full((n, 2), 0.01), requires_grad=True)
        w2 = ag.Tensor(np.full((n, 2), 0.02), requires_grad=True)
        y = (ag.linear(x, w1, b) + 2 * ag.linear(x, w2, b)).sum()
        expected = 3.0 + 2 * 3.0  # three rows each
    else:
        y = (b * ag.Tensor(np.full(n, 1.0)) + b * ag.Tensor(np.full(n, 2.0))).sum()
        expected = 3.0
    e = ag.explain(y, quiet=True)
    np.testing.assert_array_equal(e.gradients["b"], np.full(n, expected))
    np.testing.assert_array_equal(b.grad.data, np.full(n, expected))
