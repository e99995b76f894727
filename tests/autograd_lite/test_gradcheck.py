"""gradcheck: passes on correct ops, fails with the right worst element on a wrong partial
derivative, refuses a non-deterministic f, works on copies in float64, checks nn parameters
in place without side effects, projects non-scalar outputs, and samples big inputs."""

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.extend import Op, record
from autograd_lite.gradcheck import GradcheckReport, gradcheck, relative_error, verdict

RNG = np.random.default_rng(1234)


def randn(*shape, name=None, dtype=np.float64):
    return ag.Tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=True, name=name)


def square_with_a_wrong_partial_at(bad_index):
    """x² with ∂/∂x = 2x everywhere except at `bad_index`, where it is off by 0.5."""

    def partial(xp, g, y, a):
        error = np.zeros(np.shape(a))
        error[bad_index] = 0.5
        return g * (2 * a + error)

    op = Op("wrong_square", partial)
    return lambda x: record(x.data * x.data, op, x)


# ----------------------------------------------------------------------------- correct ops


def test_correct_ops_pass_with_great_verdicts():
    x, w, b = randn(3, 4, name="x"), randn(2, 4, name="w"), randn(2, name="b")
    report = gradcheck(lambda x, w, b: ((x @ w.T + b).tanh() ** 2).mean(), [x, w, b])
    assert isinstance(report, GradcheckReport)
    assert report and report.passed and report.deterministic
    assert [c.name for c in report.inputs] == ["x", "w", "b"]
    for check in report.inputs:
        assert check.relative_error < 1e-7
        assert check.verdict == "great"
        assert check.checked == check.total


def test_the_printed_table_names_every_input_and_its_verdict():
    x, y = randn(3, name="x"), randn(3, name="y")
    text = str(gradcheck(lambda x, y: (x * y).sigmoid().sum(), [x, y]))
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("input"))
    for column in ("shape", "rel. error", "verdict", "worst at", "backward", "numeric"):
        assert column in header
    assert any(line.startswith("x ") and "great" in line and "(3,)" in line for line in lines)
    assert any(line.startswith("y ") for line in lines)
    assert lines[-1].startswith("PASS")


def test_inputs_may_be_arrays_and_numbers_and_get_default_names():
    report = gradcheck(lambda a, s: (a * s).exp().sum(), [np.array([0.1, -0.2]), 1.5])
    assert report
    assert [c.name for c in report.inputs] == ["input 0", "input 1"]
    assert report["input 1"].shape == ()


# ----------------------------------------------------------------------------- wrong partials


@pytest.mark.parametrize("bad_index", [(0, 0), (1, 2), (2, 3)])
def test_a_wrong_partial_fails_and_the_worst_index_points_at_it(bad_index):
    x = randn(3, 4, name="x")
    report = gradcheck(lambda x: square_with_a_wrong_partial_at(bad_index)(x).sum(), x)
    assert not report
    check = report["x"]
    assert not check.passed
    assert check.worst_index == bad_index
    expected = 2 * x.data[bad_index]
    assert check.worst_numeric == pytest.approx(expected, abs=1e-6)
    assert check.worst_analytic == pytest.approx(expected + 0.5, abs=1e-12)
    assert check.verdict == "probably a bug"
    text = str(report)
    assert "FAIL" in text and str(bad_index) in text


def test_only_the_wrong_input_fails():
    x, y = randn(2, 3, name="x"), randn(2, 3, name="y")
    wrong = square_with_a_wrong_partial_at((1, 1))
    report = gradcheck(lambda x, y: (wrong(x) * y.exp()).sum(), [x, y])
    assert not report
    assert not report["x"].passed
    assert report["y"].passed


def test_a_missing_gradient_is_caught():
    """f's output depends on x, but through a detached path: backward gives zero."""
    x = randn(3, name="x")
    report = gradcheck(lambda x: (x.detach() * x.detach()).sum() + x.sum() * 0, x)
    assert not report
    assert report["x"].worst_analytic == 0.0


# ----------------------------------------------------------------------------- non-determinism


def test_dropout_in_training_mode_is_reported_as_non_deterministic():
    import nn

    model = nn.Sequential(nn.Dense(4, 3), nn.Dropout(0.5))
    X = ag.Tensor(RNG.standard_normal((5, 4)))
    report = gradcheck(lambda: (model(X) ** 2).sum(), list(model.parameters()))
    assert not report
    assert not report.deterministic
    assert report.inputs == []  # nothing compared
    text = str(report)
    assert "not deterministic" in text and "model.eval()" in text

    model.eval()
    assert gradcheck(lambda: (model(X) ** 2).sum(), list(model.parameters()))


def test_randomness_drawn_inside_f_is_caught():
    rng = np.random.default_rng(0)
    x = randn(4)
    report = gradcheck(lambda x: (x * rng.standard_normal(4)).sum(), x)
    assert not report.deterministic


# ----------------------------------------------------------------------------- float64 copies


def test_float32_inputs_are_checked_in_float64_and_left_untouched():
    x = randn(3, 3, name="x", dtype=np.float32)
    original = x.data
    snapshot = original.copy()
    report = gradcheck(lambda x: (x @ x).tanh().sum(), x)
    assert report
    assert report["x"].relative_error < 1e-7  # unreachable in float32 arithmetic
    assert report["x"].dtype == np.float32
    assert "up-cast to float64" in str(report)
    assert x.data is original and x.dtype == np.float32
    np.testing.assert_array_equal(x.data, snapshot)
    assert x.grad is None


def test_leaves_f_closes_over_keep_their_gradients():
    w = randn(3, name="w")
    w.grad = ag.Tensor(np.full(3, 7.0))
    x = randn(3, name="x")
    assert gradcheck(lambda x: (x * w).sum(), x)
    np.testing.assert_array_equal(w.grad.data, np.full(3, 7.0))


# ----------------------------------------------------------------------------- nn parameters


def test_closure_style_checks_nn_parameters_in_place_and_restores_them():
    import nn

    model = nn.Sequential(nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 1), nn.Sigmoid())
    params = list(model.parameters())
    for p in params:
        p.data = p.data.astype(np.float32)
    originals = [p.data for p in params]
    snapshots = [p.data.copy() for p in params]
    earlier = ag.Tensor(np.ones_like(params[0].data))
    params[0].grad = earlier
    X = ag.Tensor(RNG.standard_normal((6, 3)))
    Y = (RNG.random((6, 1)) > 0.5).astype(np.float64)
    loss = nn.BCELoss()

    report = gradcheck(lambda: loss(model(X), Y), params)
    assert report
    assert [c.name for c in report.inputs] == ["0.W", "0.b", "2.W", "2.b"]
    for p, data, snapshot in zip(params, originals, snapshots):
        assert p.data is data and p.dtype == np.float32
        np.testing.assert_array_equal(p.data, snapshot)
    assert params[0].grad is earlier
    assert all(p.grad is None for p in params[1:])


def test_closure_style_restores_parameters_when_f_raises():
    w = randn(2, name="w")
    original = w.data
    calls = []

    def f():
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("boom")
        return (w * w).sum()

    with pytest.raises(RuntimeError, match="boom"):
        gradcheck(f, [w])
    assert w.data is original and w.grad is None


def test_pass_inputs_overrides_the_signature_guess():
    w = randn(2, name="w")
    seen = []

    def f(*args):
        seen.append(len(args))
        return (w * w).sum() if not args else (args[0] ** 3).sum()

    assert gradcheck(f, [w], pass_inputs=False)
    assert set(seen) == {0}
    seen.clear()
    assert gradcheck(f, [w])  # f(*args) accepts the inputs: they are passed
    assert set(seen) == {1}


def test_closure_inputs_must_be_leaf_tensors():
    x = randn(2)
    y = x * 2
    with pytest.raises(ValueError, match="leaves"):
        gradcheck(lambda: y.sum(), [y])
    with pytest.raises(TypeError, match="Tensors"):
        gradcheck(lambda: x.sum(), [np.zeros(2)], pass_inputs=False)


# ----------------------------------------------------------------------------- outputs


def test_non_scalar_output_is_checked_along_a_random_projection():
    x = randn(2, 3, name="x")
    report = gradcheck(lambda x: x.softmax(axis=-1), x)
    assert report
    assert report.output_shape == (2, 3)
    assert "random projection" in str(report)
    wrong = square_with_a_wrong_partial_at((0, 1))
    assert not gradcheck(lambda x: wrong(x), x)


def test_f_must_return_a_tensor():
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda x: 3.0, randn(2))


# ----------------------------------------------------------------------------- big inputs


def test_max_elements_checks_a_reproducible_random_subset():
    x = randn(40, 25, name="x")
    f = lambda x: (x.tanh() * x).sum()  # noqa: E731
    report = gradcheck(f, x, max_elements=30, seed=3)
    check = report["x"]
    assert report
    assert check.checked == 30 and check.total == 1000
    assert len(set(check.indices.tolist())) == 30
    assert check.indices.min() >= 0 and check.indices.max() < 1000
    assert "30 of 1000" in str(report)
    again = gradcheck(f, x, max_elements=30, seed=3)
    np.testing.assert_array_equal(again["x"].indices, check.indices)
    other = gradcheck(f, x, max_elements=30, seed=4)
    assert not np.array_equal(other["x"].indices, check.indices)


def test_a_sampled_check_still_catches_a_systematically_wrong_partial():
    x = randn(50, 50, name="x")
    op = Op("half_square", lambda xp, g, y, a: g * a)  # should be 2a
    report = gradcheck(lambda x: record(x.data**2, op, x).sum(), x, max_elements=10)
    assert not report and report["x"].checked == 10


def test_a_100k_parameter_model_is_checked_through_a_sample():
    import nn

    model = nn.Sequential(nn.Dense(100, 500), nn.Tanh(), nn.Dense(500, 100)).eval()
    assert sum(p.size for p in model.parameters()) > 100_000
    X = ag.Tensor(RNG.standard_normal((8, 100)))
    Y = RNG.standard_normal((8, 100))
    loss = nn.MSELoss()
    report = gradcheck(lambda: loss(model(X), Y), list(model.parameters()), max_elements=5)
    assert report
    assert [c.checked for c in report.inputs] == [5, 5, 5, 5]


# ----------------------------------------------------------------------------- the scale


def test_relative_error_and_the_courses_verdict_scale():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert verdict(5e-8) == "great"
    assert verdict(1e-7) == "acceptable"
    assert verdict(5e-6) == "acceptable"
    assert verdict(1e-5) == "probably a bug"
    assert verdict(float("nan")) == "probably a bug"


def test_tiny_gradients_pass_through_the_absolute_tolerance():
    x = randn(3, name="x")
    report = gradcheck(lambda x: (x * 1e-12).sum(), x)
    assert report  # relative error may be large noise, but |a − n| ≤ atol


def test_a_large_relative_error_that_passes_by_atol_is_called_tiny_not_a_bug():
    x = ag.Tensor([3e-5], name="x")
    report = gradcheck(lambda t: (t * t).sum() * 1e-3 + 0.5, [x])
    (check,) = report.inputs
    assert report
    assert check.relative_error > 1e-5  # noise dominates numbers this small
    assert check.verdict == "tiny (within atol)"
