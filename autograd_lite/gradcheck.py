"""gradcheck: prove backward's gradients right by comparing them with central differences.

For every input x and every checked element i (φ is f's scalar output, or wᵀ·f(x) for a fixed
random w when f returns a non-scalar tensor):

    numeric_i  = (φ(x + ε·eᵢ) − φ(x − ε·eᵢ)) / 2ε          error O(ε²)
    analytic_i = (∂φ/∂x)_i                                 from one backward() pass

Per input the report gives the relative error ‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖)
with a verdict on the course's scale (< 1e-7 great, < 1e-5 acceptable, ≥ 1e-5 probably a bug),
and the worst element. An input *passes* when every checked element satisfies
|analytic − numeric| ≤ atol + rtol·|numeric| (this absolute floor is what keeps tiny gradients,
whose relative error is all noise, from failing).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.engine import topological_order
from autograd_lite.grad_mode import enable_grad, no_grad
from autograd_lite.storage import Tensor

InputLike = Tensor | np.ndarray | float
GREAT = 1e-7
ACCEPTABLE = 1e-5
# Two evaluations of a deterministic f at the same point agree to the last bit; allow a few ulps.
_SAME_VALUE_RTOL = 1e-13


def verdict(relative_error: float) -> str:
    """The course's reading of a relative error: great / acceptable / probably a bug."""
    if relative_error < GREAT:
        return "great"
    if relative_error < ACCEPTABLE:
        return "acceptable"
    return "probably a bug"  # also NaN


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a − n‖ / (‖a‖ + ‖n‖), and 0 when both are zero."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)


@dataclass
class InputCheck:
    """The comparison for one input. `indices` are the flat indices checked; `analytic` and
    `numeric` hold the two gradients at those indices."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    indices: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    atol: float
    rtol: float

    @property
    def checked(self) -> int:
        return int(self.indices.size)

    @property
    def total(self) -> int:
        return math.prod(self.shape)

    @property
    def relative_error(self) -> float:
        return relative_error(self.analytic, self.numeric)

    @property
    def verdict(self) -> str:
        reading = verdict(self.relative_error)
        if reading == "probably a bug" and self.passed:
            # Gradients so small that the difference quotient's rounding noise dominates the
            # relative error, while every element is within atol: not evidence of a bug.
            return "tiny (within atol)"
        return reading

    def _excess(self) -> np.ndarray:
        """|a − n| / (atol + rtol·|n|): above 1 means the element fails."""
        with np.errstate(invalid="ignore", divide="ignore"):
            excess = np.abs(self.analytic - self.numeric) / (
                self.atol + self.rtol * np.abs(self.numeric)
            )
        return np.where(np.isnan(excess), np.inf, excess)

    @property
    def passed(self) -> bool:
        return bool(np.all(self._excess() <= 1.0))

    @property
    def worst(self) -> int:
        """Position (in the checked arrays) of the element furthest outside the tolerance."""
        return int(np.argmax(self._excess())) if self.checked else 0

    @property
    def worst_index(self) -> tuple[int, ...]:
        """The worst element's index into the input (a tuple; () for a 0-d input)."""
        if not self.checked:
            return ()
        return tuple(int(i) for i in np.unravel_index(self.indices[self.worst], self.shape))

    @property
    def worst_analytic(self) -> float:
        return float(self.analytic[self.worst]) if self.checked else 0.0

    @property
    def worst_numeric(self) -> float:
        return float(self.numeric[self.worst]) if self.checked else 0.0


@dataclass
class GradcheckReport:
    """What `gradcheck` found: truthy when f is deterministic and every input passes.

    ``print(report)`` shows a table; ``report["0.W"]`` or ``report[0]`` gives one `InputCheck`.
    """

    inputs: list[InputCheck]
    eps: float
    atol: float
    rtol: float
    output_shape: tuple[int, ...]
    nondeterminism: str | None = None
    notes: list[str] = field(default_factory=list)
    low_precision: str | None = None  # the lower-precision dtype f computes in, if any

    @property
    def deterministic(self) -> bool:
        return self.nondeterminism is None

    @property
    def passed(self) -> bool:
        return self.deterministic and all(check.passed for check in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, key: int | str) -> InputCheck:
        if isinstance(key, int):
            return self.inputs[key]
        for check in self.inputs:
            if check.name == key:
                return check
        raise KeyError(f"gradcheck report: no input named {key!r}")

    def _repr_html_(self) -> str:
        """The report as a coloured HTML table, for Jupyter (`autograd_lite.notebook`)."""
        from autograd_lite.notebook import gradcheck_html

        return gradcheck_html(self)

    def __repr__(self) -> str:
        if not self.deterministic:
            return "<GradcheckReport NOT CHECKED: f is not deterministic>"
        worst = max((c.relative_error for c in self.inputs), default=0.0)
        status = "PASS" if self.passed else "FAIL"
        return (
            f"<GradcheckReport {status}: {len(self.inputs)} input(s), "
            f"worst relative error {worst:.2g}>"
        )

    def __str__(self) -> str:
        head = (
            f"gradcheck: backward vs central differences (eps={self.eps:g}, in float64)\n"
            f"an element passes when |backward − numeric| ≤ {self.atol:g} + {self.rtol:g}·|num.|\n"
            "rel. error = ‖backward − numeric‖ / (‖backward‖ + ‖numeric‖): "
            "< 1e-7 great, < 1e-5 acceptable, else probably a bug"
        )
        if not self.deterministic:
            return f"{head}\nNOT CHECKED: {self.nondeterminism}"
        output = (
            "scalar output"
            if math.prod(self.output_shape) == 1
            else f"output of shape {self.output_shape}: checked along a random projection wᵀ·f"
        )
        rows = [
            (
                "input",
                "shape",
                "elements",
                "rel. error",
                "verdict",
                "worst at",
                "backward",
                "numeric",
            )
        ]
        for c in self.inputs:
            counted = f"{c.checked}" if c.checked == c.total else f"{c.checked} of {c.total}"
            rows.append(
                (
                    c.name,
                    str(c.shape),
                    counted,
                    f"{c.relative_error:.2e}",
                    c.verdict + ("" if c.passed else " (FAIL)"),
                    str(c.worst_index),
                    f"{c.worst_analytic:.8g}",
                    f"{c.worst_numeric:.8g}",
                )
            )
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        failed = [c.name for c in self.inputs if not c.passed]
        result = (
            f"PASS: all {len(self.inputs)} input(s) agree with central differences"
            if not failed
            else f"FAIL: {', '.join(failed)} disagree(s) with central differences"
        )
        if failed and self.low_precision:
            result += (
                f" — but f computes in {self.low_precision}: its rounding (about "
                f"{np.finfo(self.low_precision).eps:.0e} relative) divided by 2·eps swamps "
                "the differences, so the rounding, not backward, likely explains the error; "
                "check f in float64"
            )
        return "\n".join([head, output, *table, *self.notes, result])


# ---------------------------------------------------------------------------------------------


def gradcheck(
    f: Callable[..., Tensor],
    inputs: InputLike | Sequence[InputLike],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    max_elements: int | None = None,
    seed: int | None = 0,
    pass_inputs: bool | None = None,
) -> GradcheckReport:
    """Compare the gradients backward() computes for `f` with central differences.

    Two ways to hand over what is differentiated:

    * ``gradcheck(f, [x, y])`` calls ``f(x64, y64)`` with float64 *copies* of the inputs (Tensors,
      ndarrays or numbers) made into fresh leaves; the caller's tensors are never touched.
    * ``gradcheck(lambda: loss_fn(model(X), Y), list(model.parameters()))`` — `f` takes no
      arguments and closes over the inputs (nn parameters). For the duration of the check each
      input's `.data` is swapped for a float64 copy (and `.grad` set aside); everything is put
      back afterwards, even when f raises.

    By default the style is chosen from f's signature (it is called with the inputs unless it
    cannot accept them but can be called with no arguments); ``pass_inputs=True/False`` forces
    it. Gradients that f's graph would accumulate into other leaves (e.g. parameters f closes
    over) are restored too, so a check has no side effects on `.grad`.

    f must return a Tensor: a scalar is checked directly, anything else along a random
    projection φ = Σ w ⊙ f with w ~ N(0, 1) drawn from `seed`. Before differencing, f is
    evaluated twice at the same point: if the values differ (dropout left in training mode,
    randomness inside f) the report says so and nothing is compared.

    `max_elements` checks at most that many randomly chosen elements per input (chosen with
    `seed`), so a 100,000-parameter model is checked in seconds instead of 200,000 forward
    passes. The report is truthy when every checked element passes
    |backward − numeric| ≤ atol + rtol·|numeric|; ``print(report)`` shows the table.
    """
    items = _as_input_list(inputs)
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if max_elements is not None and max_elements < 1:
        raise ValueError(f"gradcheck: max_elements must be at least 1, got {max_elements}")
    if pass_inputs is None:
        pass_inputs = _accepts_inputs(f, len(items))
    rng = np.random.default_rng(seed)
    subject = _Subject(f, items, pass_inputs)
    try:
        return _check(subject, eps, atol, rtol, max_elements, rng)
    finally:
        subject.restore()


def _as_input_list(inputs: Any) -> list[Any]:
    if isinstance(inputs, (Tensor, np.ndarray, int, float)):
        return [inputs]
    items = list(inputs)
    if not items:
        raise ValueError("gradcheck: no inputs to check")
    return items


def _accepts_inputs(f: Callable[..., Any], count: int) -> bool:
    """True unless f's signature rejects `count` positional arguments but accepts none."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(*range(count))
        return True
    except TypeError:
        pass
    try:
        signature.bind()
        return False
    except TypeError:
        return True


class _Subject:
    """The tensors to perturb (float64, contiguous) and how to evaluate f at them."""

    def __init__(self, f: Callable[..., Tensor], items: list[Any], pass_inputs: bool) -> None:
        self.f = f
        self.pass_inputs = pass_inputs
        self.originals: list[tuple[Tensor, np.ndarray, Any, bool]] = []
        self.names: list[str] = []
        self.dtypes: list[np.dtype] = []
        self.leaves: list[Tensor] = []
        for i, item in enumerate(items):
            name = getattr(item, "name", None) or f"input {i}"
            self.names.append(name)
            data = item._data if isinstance(item, Tensor) else np.asarray(item)
            if data.dtype.kind not in "fiub":
                raise TypeError(
                    f"gradcheck: input {name!r} holds {data.dtype} values; gradients here are "
                    "for real numbers (a complex input would lose its imaginary part)"
                )
            self.dtypes.append(data.dtype)
            copy = np.array(data, dtype=np.float64, copy=True, order="C")
            if pass_inputs:
                self.leaves.append(Tensor(copy, requires_grad=True, name=name))
                continue
            if not isinstance(item, Tensor):
                raise TypeError(
                    f"gradcheck: when f takes no arguments, inputs must be the Tensors f uses; "
                    f"input {i} is a {type(item).__name__}"
                )
            if not item.is_leaf:
                raise ValueError(
                    f"gradcheck: input {name!r} was produced by an op; only leaves (inputs, "
                    "parameters) can be perturbed"
                )
            self.originals.append((item, item._data, item.grad, item.requires_grad))
            item._data, item.grad, item.requires_grad = copy, None, True
            self.leaves.append(item)

    def __call__(self) -> Tensor:
        out = self.f(*self.leaves) if self.pass_inputs else self.f()
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        if out.dtype.kind != "f":
            raise TypeError(f"gradcheck: f must return a floating-point Tensor, got {out.dtype}")
        return out

    def restore(self) -> None:
        for tensor, data, grad, requires_grad in reversed(self.originals):
            tensor._data, tensor.grad = data, grad
            tensor.requires_grad = requires_grad
        self.originals.clear()


def _check(
    subject: _Subject,
    eps: float,
    atol: float,
    rtol: float,
    max_elements: int | None,
    rng: np.random.Generator,
) -> GradcheckReport:
    with enable_grad():
        out = subject()
    projection = None if out.size == 1 else rng.standard_normal(out.shape)

    def phi(tensor: Tensor) -> float:
        values = tensor._data.astype(np.float64)
        return float(values.sum() if projection is None else np.sum(projection * values))

    report = GradcheckReport([], eps, atol, rtol, out.shape)
    report.low_precision = _lower_precision(out)  # before backward frees the graph
    analytic = _backward_gradients(subject, out, projection, report.notes)
    with no_grad():
        first, second = phi(subject()), phi(subject())
    value = phi(out)
    if not _same(first, second) or not _same(value, first, rtol=1e-8):
        other = second if not _same(first, second) else first
        report.nondeterminism = (
            f"f is not deterministic: evaluated at the same point it gave {value:.10g} and then "
            f"{other:.10g} (difference {abs(other - value):.2g}), so central differences would "
            "be noise. Usual causes: dropout (or another random layer) in training mode — call "
            "model.eval() — or random numbers drawn inside f without a fixed seed."
        )
        return report
    if report.low_precision:
        report.notes.append(
            f"note: f computes in {report.low_precision} (some values on its graph have that "
            "dtype), so central differences carry its rounding error"
        )
    upcast = [n for n, d in zip(subject.names, subject.dtypes) if d != np.float64]
    if upcast:
        report.notes.append(f"note: up-cast to float64 for the check: {', '.join(upcast)}")
    for leaf, name, dtype, grad in zip(subject.leaves, subject.names, subject.dtypes, analytic):
        indices = _chosen_indices(leaf.size, max_elements, rng)
        numeric = _central_differences(subject, leaf, indices, eps, phi)
        report.inputs.append(
            InputCheck(
                name, leaf.shape, dtype, indices, grad.reshape(-1)[indices], numeric, atol, rtol
            )
        )
    return report


def _lower_precision(out: Tensor) -> str | None:
    """The name of a float dtype below float64 that f's result or graph computes in, if any."""
    tensors = [out] + (graph.topological_order(out) if out.requires_grad else [])
    for tensor in tensors:
        dtype = tensor.dtype
        if dtype.kind == "f" and dtype.itemsize < 8:
            return dtype.name
    return None


def _backward_gradients(
    subject: _Subject, out: Tensor, projection: np.ndarray | None, notes: list[str]
) -> list[np.ndarray]:
    """dφ/d(input) for every input by one backward pass, leaving every other leaf's `.grad`
    exactly as it was."""
    if not out.requires_grad:
        notes.append(
            "note: f's output does not depend on any input through recorded ops (no_grad or "
            "detach inside f?); backward gradients are taken as zero"
        )
        return [np.zeros(leaf.shape) for leaf in subject.leaves]
    others = [t for t in topological_order(out) if t.is_leaf]
    saved = [(t, t.grad) for t in others]
    for leaf in subject.leaves:
        leaf.grad = None
    try:
        out.backward(gradient=projection)
        return [
            np.zeros(leaf.shape)
            if leaf.grad is None
            else np.array(leaf.grad._data, dtype=np.float64, copy=True)
            for leaf in subject.leaves
        ]
    finally:
        for tensor, grad in saved:
            tensor.grad = grad
        for leaf in subject.leaves:
            leaf.grad = None


def _same(a: float, b: float, rtol: float = _SAME_VALUE_RTOL) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b or abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def _chosen_indices(size: int, max_elements: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_elements is None or size <= max_elements:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_elements, replace=False))


def _central_differences(
    subject: _Subject,
    leaf: Tensor,
    indices: np.ndarray,
    eps: float,
    phi: Callable[[Tensor], float],
) -> np.ndarray:
    """(φ(x + ε·eᵢ) − φ(x − ε·eᵢ)) / 2ε for each flat index i, perturbing `leaf` in place."""
    flat = leaf._data.reshape(-1)  # a view: leaf._data is a C-contiguous float64 copy
    numeric = np.empty(indices.size)
    with no_grad():
        for k, i in enumerate(indices):
            original = flat[i]
            try:
                flat[i] = original + eps
                plus = phi(subject())
                flat[i] = original - eps
                minus = phi(subject())
            finally:
                flat[i] = original
            numeric[k] = (plus - minus) / (2 * eps)
    return numeric
