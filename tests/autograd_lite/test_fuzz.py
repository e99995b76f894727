"""Fuzzing the whole public API: random graphs checked against central differences.

Hypothesis draws a *program*: leaves of random broadcast-compatible shapes, then a random
sequence of public-API ops (operators, methods and functions, including their reflected forms
with numbers and ndarrays), each taking its operands from everything built so far, so
intermediate nodes are reused (fan-out). The program's output is a scalar
``L = Σₖ sum(cₖ · nodeₖ)`` over the last node and a few earlier ones, with random cotangents cₖ.

Every program runs twice:
- on the engine (Tensors, ``backward``), and
- on a plain NumPy reference interpreter with *naive* textbook formulas (``1/(1 + e⁻ˣ)``,
  ``log Σ eˣ``, ...), which never touches autograd_lite.

The oracle is our own central difference of the NumPy program in float64:
``∂L/∂xᵢ ≈ (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε``. Checked: forward values of every node, and every
leaf's gradient (shape, dtype, value; ``None`` exactly for the leaves that cannot receive one).
The second-order test takes ``g = ∇L`` with ``create_graph=True``, back-propagates
``S = Σ sum(v · g)`` for a random direction v and compares the result (the Hessian-vector
product Hv) with central differences of first derivatives, ``(∇L(x + εv) − ∇L(x − εv)) / 2ε``.

Domains are kept safe by drawing each op only where it is smooth on the current values:
log/sqrt of values > 0.1, division by |b| > 0.3, relu/abs/clip/maximum/max at least ``KINK``
away from their kinks and ties, exp of values < 3, and every node bounded by ``BOUND``.

Profiles: ``FUZZ_PROFILE=ci`` (the default, a couple of hundred graphs) and
``FUZZ_PROFILE=long`` (``make fuzz``, thousands). Run with ``--hypothesis-show-statistics``
to see how many graphs were checked and how often each op was drawn.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from optable import all_rows

import autograd_lite as ag
from autograd_lite import Tensor

PROFILE = os.environ.get("FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    raise ValueError(f"FUZZ_PROFILE must be 'ci' or 'long', got {PROFILE!r}")

FIRST_ORDER_GRAPHS = {"ci": 200, "long": 5000}[PROFILE]
SECOND_ORDER_GRAPHS = {"ci": 80, "long": 2000}[PROFILE]

FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}

MAX_SIZE = 48  # elements per node
MAX_NDIM = 4
BOUND = 50.0  # |value| of every node
KINK = 1e-2  # distance kept from kinks and ties
EPS = 1e-6  # central-difference step for first derivatives
EPS_SECOND = 1e-5  # step for differences of first derivatives

# ---------------------------------------------------------------------------------------------
# Programs


@dataclass(frozen=True)
class Leaf:
    """A leaf tensor: float64 values, and whether it requires grad."""

    values: np.ndarray
    requires_grad: bool


@dataclass(frozen=True)
class Apply:
    """One op applied to earlier steps (by index) with fixed extra parameters."""

    op: str
    inputs: tuple[int, ...]
    params: dict = field(default_factory=dict)


@dataclass
class Program:
    steps: list  # Leaf | Apply
    outputs: list  # (step index, cotangent)
    seed_with_gradient: bool = False  # backward(gradient=c) instead of a scalar sum

    @property
    def grad_leaves(self) -> list[int]:
        return [i for i, s in enumerate(self.steps) if isinstance(s, Leaf) and s.requires_grad]

    def describe(self) -> str:
        lines = []
        for i, step in enumerate(self.steps):
            if isinstance(step, Leaf):
                lines.append(f"  {i}: leaf {step.values.shape} requires_grad={step.requires_grad}")
            else:
                shown = {k: _short(v) for k, v in step.params.items()}
                lines.append(f"  {i}: {step.op}{step.inputs} {shown}")
        lines.append(f"  outputs: {[k for k, _ in self.outputs]}")
        return "\n".join(lines)


def _short(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}:{value.dtype}"
    return value


# ---------------------------------------------------------------------------------------------
# The ops: for each, the engine form, the NumPy reference form, and a `draw` that picks
# operands and parameters where the op is smooth. `draw(b)` returns (inputs, params) or None.


@dataclass(frozen=True)
class OpSpec:
    engine: Callable[..., Tensor]
    numpy: Callable[..., np.ndarray]
    draw: Callable[[Builder], tuple | None]


OPS: dict[str, OpSpec] = {}


def op(name: str, engine: Callable, numpy: Callable) -> Callable:
    def register(draw: Callable) -> Callable:
        OPS[name] = OpSpec(engine, numpy, draw)
        return draw

    return register


class Builder:
    """Draws a program step by step, keeping the NumPy value of every step to decide where
    each op is safe."""

    def __init__(self, draw: Callable, rng: np.random.Generator) -> None:
        self.draw = draw
        self.rng = rng
        self.steps: list = []
        self.values: list[np.ndarray] = []
        self.needs_grad: list[bool] = []

    # -- leaves and values
    def leaf(self, shape: tuple, *, requires_grad: bool | None = None, kind: str | None = None):
        if requires_grad is None:
            requires_grad = self.draw(st.sampled_from([True, True, True, False]))
        if kind is None:
            kind = self.draw(st.sampled_from(["signed", "signed", "positive"]))
        values = self.values_of(shape, kind)
        self.steps.append(Leaf(values, requires_grad))
        self.values.append(values)
        self.needs_grad.append(requires_grad)
        return len(self.steps) - 1

    def values_of(self, shape: tuple, kind: str) -> np.ndarray:
        if kind == "positive":
            return self.rng.uniform(0.5, 2.0, size=shape)
        magnitude = self.rng.uniform(0.1, 2.0, size=shape)
        return np.where(self.rng.random(size=shape) < 0.5, -magnitude, magnitude)

    def apply(self, name: str, inputs: tuple, params: dict) -> int | None:
        """Append the step if its value is finite, bounded and small; else drop it."""
        with np.errstate(all="ignore"):
            value = np.asarray(OPS[name].numpy(*(self.values[i] for i in inputs), **params))
        if (
            value.size > MAX_SIZE
            or value.ndim > MAX_NDIM
            or not np.all(np.isfinite(value))
            or (value.size and np.max(np.abs(value)) > BOUND)
        ):
            return None
        self.steps.append(Apply(name, tuple(inputs), params))
        self.values.append(value.astype(np.float64))
        self.needs_grad.append(any(self.needs_grad[i] for i in inputs))
        return len(self.steps) - 1

    # -- choices
    def pick(self, candidates: list[int] | None = None) -> int:
        """An earlier step, recent ones more likely (deep graphs), any of them possible."""
        pool = list(range(len(self.steps))) if candidates is None else candidates
        if self.draw(st.booleans()):
            return pool[-1]
        return pool[self.draw(st.integers(0, len(pool) - 1))]

    def choice(self, options: list) -> Any:
        return self.draw(st.sampled_from(options))

    def value(self, i: int) -> np.ndarray:
        return self.values[i]

    def constant_like(self, shape: tuple) -> Any:
        """A constant operand broadcastable to `shape`: a Python number or an ndarray."""
        kind = self.choice(["float", "int", "array", "int_array"])
        if kind == "float":
            return float(np.round(self.rng.uniform(-2, 2), 3)) or 0.5
        if kind == "int":
            return int(self.rng.integers(1, 4)) * int(self.rng.choice([-1, 1]))
        cshape = broadcast_variant(self, shape)
        if kind == "int_array":
            return self.rng.integers(-3, 4, size=cshape)
        return self.values_of(cshape, "signed")


def broadcast_variant(b: Builder, shape: tuple) -> tuple:
    """A shape that broadcasts to `shape`: a suffix of it with some axes set to 1 (usually
    all of its axes)."""
    keep = len(shape) if b.draw(st.integers(0, 3)) else b.draw(st.integers(0, len(shape)))
    suffix = shape[len(shape) - keep :]
    return tuple(1 if b.draw(st.booleans()) and b.draw(st.booleans()) else n for n in suffix)


def far_from(values: np.ndarray, points: list[float]) -> bool:
    return all(np.all(np.abs(values - p) > KINK) for p in points)


def axis_argument(b: Builder, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True):
    options = ["none"] if allow_none else []
    if ndim:
        options += ["int", "negative"] + (["tuple"] if allow_tuple else [])
    if not options:
        return None
    kind = b.choice(options)
    if kind == "none":
        return None
    if kind == "int":
        return b.draw(st.integers(0, ndim - 1))
    if kind == "negative":
        return b.draw(st.integers(-ndim, -1))
    axes = b.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if b.draw(st.booleans()) else a for a in axes)


def normalized_axes(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def reduced_rows(x: np.ndarray, axis: Any) -> np.ndarray:
    """x rearranged to (outputs, elements reduced into each output)."""
    axes = normalized_axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    count = math.prod(x.shape[a] for a in axes)
    return moved.reshape(-1, count)


# ----------------------------------------------------------------------------- elementwise

UNARY_FORMS = ["method", "function"]


def unary(name: str, numpy: Callable, safe: Callable[[np.ndarray], bool]) -> None:
    def engine(x, *, form):
        return getattr(x, name)() if form == "method" else getattr(ag, name)(x)

    def draw(b: Builder):
        candidates = [j for j, v in enumerate(b.values) if safe(v)]
        if not candidates:
            return None
        return (b.pick(candidates),), {"form": b.choice(UNARY_FORMS)}

    OPS[name] = OpSpec(engine, lambda x, *, form: numpy(x), draw)


unary("exp", np.exp, lambda x: np.all(x < 3))
unary("log", np.log, lambda x: np.all(x > 0.1))
unary("sqrt", np.sqrt, lambda x: np.all(x > 0.1))
unary("abs", np.abs, lambda x: far_from(x, [0.0]))
unary("tanh", np.tanh, lambda x: True)
unary("sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x)), lambda x: True)
unary("relu", lambda x: np.where(x > 0, x, 0.0), lambda x: far_from(x, [0.0]))


def _unary_ops_from_the_op_table() -> None:
    """Every other elementwise op of the op table joins the fuzz through its test row: its
    NumPy reference, and its domain as the test of where it is safe to apply."""
    for name, row in all_rows().items():
        if row.fuzz is not None and name not in OPS:
            arity, reference, safe = row.fuzz
            if arity == 1:
                unary(name, reference, safe)


_unary_ops_from_the_op_table()


@op("neg", lambda x: -x, lambda x: -x)
def _draw_neg(b: Builder):
    return (b.pick(),), {}


@op(
    "leaky_relu",
    lambda x, *, slope: x.leaky_relu(slope) if slope != 0.01 else x.leaky_relu(),
    lambda x, *, slope: np.where(x > 0, x, slope * x),
)
def _draw_leaky_relu(b: Builder):
    i = b.pick()
    if not far_from(b.value(i), [0.0]):
        return None
    return (i,), {"slope": b.choice([0.01, 0.2, 0.5])}


@op(
    "pow_scalar",
    lambda x, *, p: x**p,
    lambda x, *, p: np.power(x, p),
)
def _draw_pow_scalar(b: Builder):
    i = b.pick()
    x = b.value(i)
    p = b.choice([0, 1, 2, 3, -1, 0.5, 1.5, -0.5, 2.5])
    if isinstance(p, float) and not np.all(x > 0.1):
        return None
    if p < 0 and not np.all(np.abs(x) > 0.3):
        return None
    return (i,), {"p": p}


@op(
    "rpow",  # a number raised to a tensor: Tensor.__rpow__
    lambda x, *, base: base**x,
    lambda x, *, base: np.power(base, x),
)
def _draw_rpow(b: Builder):
    i = b.pick()
    if not np.all(np.abs(b.value(i)) < 3):
        return None
    return (i,), {"base": b.choice([2.0, 0.5, math.e, 3])}


@op(
    "clip",
    lambda x, *, lo, hi: x.clip(lo, hi),
    lambda x, *, lo, hi: np.clip(x, lo, hi),
)
def _draw_clip(b: Builder):
    i = b.pick()
    x = b.value(i).ravel()
    cuts = np.sort(np.concatenate([x, [x.min() - 1, x.max() + 1]]))
    gaps = [(lo + hi) / 2 for lo, hi in itertools.pairwise(cuts) if hi - lo > 2 * KINK]
    lo, hi = sorted(b.draw(st.lists(st.sampled_from(gaps), min_size=2, max_size=2)))
    kind = b.choice(["both", "lo", "hi"])
    return (i,), {
        "lo": None if kind == "hi" else float(lo),
        "hi": None if kind == "lo" else float(hi),
    }


def _arith(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "+":
        return left + right
    if symbol == "-":
        return left - right
    if symbol == "*":
        return left * right
    return left / right


@op(
    "arith_constant",  # tensor with a number or ndarray on either side (reflected operators)
    lambda x, *, symbol, constant, tensor_left: (
        _arith(symbol, x, constant) if tensor_left else _arith(symbol, constant, x)
    ),
    lambda x, *, symbol, constant, tensor_left: (
        _arith(symbol, x, np.asarray(constant, dtype=np.float64))
        if tensor_left
        else _arith(symbol, np.asarray(constant, dtype=np.float64), x)
    ),
)
def _draw_arith_constant(b: Builder):
    i = b.pick()
    x = b.value(i)
    symbol = b.choice(["+", "-", "*", "/"])
    tensor_left = b.draw(st.booleans())
    constant = b.constant_like(x.shape)
    denominator = constant if tensor_left else x
    if symbol == "/" and not np.all(np.abs(np.asarray(denominator, dtype=np.float64)) > 0.3):
        return None
    return (i,), {"symbol": symbol, "constant": constant, "tensor_left": tensor_left}


# ----------------------------------------------------------------------------- binary


def broadcast_partner(b: Builder, i: int) -> int:
    """An earlier step whose shape broadcasts with step i's (i itself always qualifies), or a
    fresh leaf of a broadcast-compatible shape."""
    shape = b.value(i).shape
    if b.draw(st.integers(0, 3)) == 0:
        return b.leaf(broadcast_variant(b, shape))
    fits = []
    for j, v in enumerate(b.values):
        try:
            if math.prod(np.broadcast_shapes(shape, v.shape)) <= MAX_SIZE:
                fits.append(j)
        except ValueError:
            pass
    return b.pick(fits)


def binary(name: str, engine: Callable, numpy: Callable, safe: Callable) -> None:
    def draw(b: Builder):
        i = b.pick()
        j = broadcast_partner(b, i)
        if b.draw(st.booleans()):
            i, j = j, i
        if not safe(b.value(i), b.value(j)):
            return None
        return (i, j), {"form": b.choice(["operator", "function"])}

    OPS[name] = OpSpec(engine, lambda x, y, *, form: numpy(x, y), draw)


binary(
    "add",
    lambda x, y, *, form: x + y if form == "operator" else ag.add(x, y),
    np.add,
    lambda x, y: True,
)
binary(
    "sub",
    lambda x, y, *, form: x - y if form == "operator" else ag.sub(x, y),
    np.subtract,
    lambda x, y: True,
)
binary(
    "mul",
    lambda x, y, *, form: x * y if form == "operator" else ag.mul(x, y),
    np.multiply,
    lambda x, y: True,
)
binary(
    "div",
    lambda x, y, *, form: x / y if form == "operator" else ag.div(x, y),
    np.divide,
    lambda x, y: np.all(np.abs(y) > 0.3),
)
binary(
    "pow",  # both base and exponent get gradients
    lambda x, y, *, form: x**y if form == "operator" else ag.pow(x, y),
    np.power,
    lambda x, y: np.all(x > 0.2) and np.all(x < 5) and np.all(np.abs(y) < 3),
)
binary(
    "maximum",
    lambda x, y, *, form: x.maximum(y) if form == "operator" else ag.maximum(x, y),
    np.maximum,
    lambda x, y: np.all(np.abs(x - y) > KINK),
)
binary(
    "minimum",
    lambda x, y, *, form: x.minimum(y) if form == "operator" else ag.minimum(x, y),
    np.minimum,
    lambda x, y: np.all(np.abs(x - y) > KINK),
)


def _where_condition(condition: np.ndarray, kind: str) -> Any:
    if kind == "tensor":
        return Tensor(condition)
    if kind == "list":
        return condition.tolist()
    return condition


@op(
    "where",
    lambda x, y, *, condition, kind: ag.where(_where_condition(condition, kind), x, y),
    lambda x, y, *, condition, kind: np.where(condition, x, y),
)
def _draw_where(b: Builder):
    i = b.pick()
    j = broadcast_partner(b, i)
    shape = np.broadcast_shapes(b.value(i).shape, b.value(j).shape)
    condition = b.rng.random(size=broadcast_variant(b, shape)) < 0.5
    return (i, j), {"condition": condition, "kind": b.choice(["array", "tensor", "list"])}


# ----------------------------------------------------------------------------- reductions


def reduction(name: str, numpy: Callable, safe: Callable[[np.ndarray, Any], bool]) -> None:
    def engine(x, *, axis, keepdims, form):
        if form == "method":
            return getattr(x, name)(axis=axis, keepdims=keepdims)
        return getattr(ag, name)(x, axis, keepdims)

    def draw(b: Builder):
        i = b.pick()
        x = b.value(i)
        axis = axis_argument(b, x.ndim)
        if not safe(x, axis):
            return None
        return (i,), {
            "axis": axis,
            "keepdims": b.draw(st.booleans()),
            "form": b.choice(UNARY_FORMS),
        }

    OPS[name] = OpSpec(engine, lambda x, *, axis, keepdims, form: numpy(x, axis, keepdims), draw)


def _apart_at_the_top(x: np.ndarray, axis: Any) -> bool:
    rows = np.sort(reduced_rows(x, axis), axis=1)
    return rows.shape[1] < 2 or bool(np.all(rows[:, -1] - rows[:, -2] > KINK))


def _apart_at_the_bottom(x: np.ndarray, axis: Any) -> bool:
    rows = np.sort(reduced_rows(x, axis), axis=1)
    return rows.shape[1] < 2 or bool(np.all(rows[:, 1] - rows[:, 0] > KINK))


reduction("sum", lambda x, a, k: np.sum(x, axis=a, keepdims=k), lambda x, a: True)
reduction("mean", lambda x, a, k: np.mean(x, axis=a, keepdims=k), lambda x, a: True)
reduction("max", lambda x, a, k: np.max(x, axis=a, keepdims=k), _apart_at_the_top)
reduction("min", lambda x, a, k: np.min(x, axis=a, keepdims=k), _apart_at_the_bottom)
reduction(
    "logsumexp",
    lambda x, a, k: np.log(np.sum(np.exp(x), axis=a, keepdims=k)),  # naive: values are bounded
    lambda x, a: True,
)


@op(
    "var",
    lambda x, *, axis, keepdims, ddof: x.var(axis=axis, keepdims=keepdims, ddof=ddof),
    lambda x, *, axis, keepdims, ddof: np.var(x, axis=axis, keepdims=keepdims, ddof=ddof),
)
def _draw_var(b: Builder):
    i = b.pick()
    x = b.value(i)
    axis = axis_argument(b, x.ndim)
    count = math.prod(x.shape[a] for a in normalized_axes(axis, x.ndim))
    ddof = b.choice([0, 1])
    if count - ddof < 1:
        return None
    return (i,), {"axis": axis, "keepdims": b.draw(st.booleans()), "ddof": ddof}


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def along_axis(name: str, numpy: Callable) -> None:
    def engine(x, *, axis, form):
        return getattr(x, name)(axis) if form == "method" else getattr(ag, name)(x, axis=axis)

    def draw(b: Builder):
        i = b.pick()
        ndim = b.value(i).ndim
        if ndim == 0:
            return None
        return (i,), {"axis": b.draw(st.integers(-ndim, ndim - 1)), "form": b.choice(UNARY_FORMS)}

    OPS[name] = OpSpec(engine, lambda x, *, axis, form: numpy(x, axis), draw)


along_axis("softmax", _softmax)
along_axis("log_softmax", _log_softmax)


# ----------------------------------------------------------------------------- shape ops


def _factorize(n: int) -> list[int]:
    factors, d = [], 2
    while d * d <= n:
        while n % d == 0:
            factors.append(d)
            n //= d
        d += 1
    return factors + ([n] if n > 1 else [])


def _reshape(x, *, shape, form):
    if form == "varargs":
        return x.reshape(*shape)
    if form == "tuple":
        return x.reshape(shape)
    return ag.reshape(x, shape)


@op("reshape", _reshape, lambda x, *, shape, form: np.reshape(x, shape))
def _draw_reshape(b: Builder):
    i = b.pick()
    size = b.value(i).size
    ndim = b.draw(st.integers(0 if size == 1 else 1, MAX_NDIM))
    dims = [1] * ndim
    for factor in _factorize(size):
        dims[b.draw(st.integers(0, ndim - 1))] *= factor
    if ndim and b.draw(st.booleans()):
        dims[b.draw(st.integers(0, ndim - 1))] = -1
    form = b.choice(["varargs", "tuple", "function"])
    if form == "varargs" and ndim == 0:
        form = "tuple"
    return (i,), {"shape": tuple(dims), "form": form}


def _transpose(x, *, axes, form):
    if form == "T":
        return x.T
    if form == "mT":
        return x.mT
    if form == "swapaxes":
        return x.swapaxes(*axes)
    if form == "varargs":
        return x.transpose(*axes)
    return ag.transpose(x, axes)


def _np_transpose(x, *, axes, form):
    if form == "T":
        return x.T
    if form == "mT":
        return np.swapaxes(x, -1, -2)
    if form == "swapaxes":
        return np.swapaxes(x, *axes)
    return np.transpose(x, axes)


@op("transpose", _transpose, _np_transpose)
def _draw_transpose(b: Builder):
    i = b.pick()
    ndim = b.value(i).ndim
    forms = ["T", "varargs", "function"] + (["mT", "swapaxes"] if ndim >= 2 else [])
    form = b.choice(forms)
    if form == "swapaxes":
        axes = (b.draw(st.integers(-ndim, ndim - 1)), b.draw(st.integers(-ndim, ndim - 1)))
    else:
        axes = tuple(b.draw(st.permutations(range(ndim))))
    if form == "varargs" and ndim == 0:
        form = "T"
    return (i,), {"axes": axes, "form": form}


@op(
    "broadcast_to",
    lambda x, *, shape: ag.broadcast_to(x, shape),
    lambda x, *, shape: np.broadcast_to(x, shape),
)
def _draw_broadcast_to(b: Builder):
    i = b.pick()
    shape = b.value(i).shape
    grown = tuple(b.choice([1, 2, 3]) if n == 1 else n for n in shape)
    lead = tuple(b.draw(st.lists(st.integers(1, 3), max_size=MAX_NDIM - len(shape))))
    return (i,), {"shape": lead + grown}


def _index_for(b: Builder, shape: tuple) -> Any:
    """A basic or advanced index valid for `shape` that selects at least one element."""
    n0 = shape[0]
    kind = b.choice(["int", "slice", "int_array", "list", "mask", "tuple", "ellipsis", "newaxis"])
    if kind == "int":
        return b.draw(st.integers(-n0, n0 - 1))
    if kind == "slice":
        step = b.choice([1, 2, -1])
        start = b.draw(st.integers(0, n0 - 1))
        return slice(start, None, step) if step > 0 else slice(start, None, -1)
    if kind in ("int_array", "list"):
        picks = b.draw(st.lists(st.integers(-n0, n0 - 1), min_size=1, max_size=5))  # repeats
        return picks if kind == "list" else np.array(picks)
    if kind == "mask":
        mask = b.rng.random(size=shape) < 0.6
        mask.flat[b.draw(st.integers(0, mask.size - 1))] = True
        return mask
    if kind == "tuple" and len(shape) >= 2:
        return (slice(None), b.draw(st.integers(-shape[1], shape[1] - 1)))
    if kind == "ellipsis":
        return (Ellipsis, b.draw(st.integers(-shape[-1], shape[-1] - 1)))
    return (None, slice(None))


@op("getitem", lambda x, *, index: x[index], lambda x, *, index: x[index])
def _draw_getitem(b: Builder):
    i = b.pick()
    shape = b.value(i).shape
    if not shape:
        return (i,), {"index": b.choice([(), None, Ellipsis])}
    return (i,), {"index": _index_for(b, shape)}


def _join_candidates(b: Builder, shape: tuple, axis: int | None) -> list[int]:
    """Steps that can be joined with one of shape `shape` (concatenate along `axis`, or stack
    when `axis` is None)."""
    out = []
    for j, v in enumerate(b.values):
        if axis is None:
            if v.shape == shape:
                out.append(j)
        elif v.ndim == len(shape) and all(
            m == n for k, (m, n) in enumerate(zip(v.shape, shape)) if k != axis
        ):
            out.append(j)
    return out


@op(
    "concatenate",
    lambda *xs, axis: ag.concatenate(list(xs), axis=axis),
    lambda *xs, axis: np.concatenate(xs, axis=axis),
)
def _draw_concatenate(b: Builder):
    i = b.pick()
    shape = b.value(i).shape
    if not shape:
        return None
    axis = b.draw(st.integers(-len(shape), len(shape) - 1))
    candidates = _join_candidates(b, shape, axis % len(shape))
    others = [b.pick(candidates) for _ in range(b.draw(st.integers(1, 2)))]
    return (i, *others), {"axis": axis}


@op(
    "stack",
    lambda *xs, axis: ag.stack(xs, axis=axis),
    lambda *xs, axis: np.stack(xs, axis=axis),
)
def _draw_stack(b: Builder):
    i = b.pick()
    shape = b.value(i).shape
    others = [b.pick(_join_candidates(b, shape, None)) for _ in range(b.draw(st.integers(1, 2)))]
    return (i, *others), {"axis": b.draw(st.integers(-len(shape) - 1, len(shape)))}


# ----------------------------------------------------------------------------- linear algebra


def _matmul(x, y, *, form):
    if form == "operator":
        return x @ y
    if form == "method":
        return x.matmul(y)
    return ag.matmul(x, y)


@op("matmul", _matmul, lambda x, y, *, form: np.matmul(x, y))
def _draw_matmul(b: Builder):
    i = b.pick()
    a = b.value(i).shape
    if not a:
        return None
    left = b.draw(st.booleans())  # is the existing step the left operand?
    inner = a[-1] if left else (a[0] if len(a) == 1 else a[-2])
    batch = a[:-2] if len(a) > 2 else ()
    other_kind = b.choice(["vector", "matrix", "batched"])
    k = b.draw(st.integers(1, 3))
    if other_kind == "vector":
        other = (inner,)
    elif other_kind == "matrix":
        other = (inner, k) if left else (k, inner)
    else:
        lead = broadcast_variant(b, batch) if batch else (b.draw(st.integers(1, 2)),)
        other = (*lead, inner, k) if left else (*lead, k, inner)
    fits = [j for j, v in enumerate(b.values) if v.shape == other]
    j = b.pick(fits) if fits and b.draw(st.booleans()) else b.leaf(other)
    operands = (i, j) if left else (j, i)
    return operands, {"form": b.choice(["operator", "method", "function"])}


@op(
    "linear",
    lambda x, w, *bias: ag.linear(x, w, *bias),
    lambda x, w, *bias: x @ w.T + (bias[0] if bias else 0.0),
)
def _draw_linear(b: Builder):
    i = b.pick()
    shape = b.value(i).shape
    if not shape:
        return None
    n_out = b.draw(st.integers(1, 3))
    w = b.leaf((n_out, shape[-1]))
    if b.draw(st.booleans()):
        return (i, w), {}
    return (i, w, b.leaf((n_out,))), {}


# ----------------------------------------------------------------------------- fused losses


@op(
    "softmax_cross_entropy",
    lambda z, *, labels: ag.softmax_cross_entropy(z, labels),
    lambda z, *, labels: (
        -np.mean(np.sum(_one_hot(labels, z.shape) * _log_softmax(z, axis=1), axis=1))
    ),
)
def _draw_softmax_cross_entropy(b: Builder):
    candidates = [j for j, v in enumerate(b.values) if v.ndim == 2 and v.shape[1] >= 2]
    if candidates:
        i = b.pick(candidates)
    else:  # logits (m, k) made by reshaping a node of at least two elements
        i = b.pick([j for j, v in enumerate(b.values) if v.size >= 2] or [b.leaf((2, 3))])
        size = b.value(i).size
        k = b.choice([d for d in range(2, size + 1) if size % d == 0])
        i = b.apply("reshape", (i,), {"shape": (size // k, k), "form": "tuple"})
    m, k = b.value(i).shape
    kind = b.choice(["indices", "probability rows", "unnormalised rows"])
    if kind == "indices":
        labels = b.rng.integers(0, k, size=m)
    elif kind == "probability rows":
        labels = b.rng.dirichlet(np.ones(k), size=m)
    else:  # multi-label or unnormalised soft targets: rows need not sum to 1
        labels = b.rng.uniform(0, 1, size=(m, k)).round(1)
    return (i,), {"labels": labels}


def _one_hot(labels: np.ndarray, shape: tuple) -> np.ndarray:
    if labels.ndim == 2:
        return labels
    return np.eye(shape[1])[labels]


@op(
    "bce_with_logits",
    lambda z, *, targets: ag.binary_cross_entropy_with_logits(z, targets),
    lambda z, *, targets: (
        -np.mean(
            targets * np.log(1 / (1 + np.exp(-z)))
            + (1 - targets) * np.log(1 - 1 / (1 + np.exp(-z)))
        )
    ),
)
def _draw_bce_with_logits(b: Builder):
    i = b.pick()
    z = b.value(i)
    if not np.all(np.abs(z) < 15):
        return None
    return (i,), {"targets": b.rng.uniform(0, 1, size=z.shape)}


@op(
    "bce",
    lambda p, *, targets: ag.binary_cross_entropy(p, targets),
    lambda p, *, targets: -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)),
)
def _draw_bce(b: Builder):
    candidates = [j for j, v in enumerate(b.values) if np.all(v > 0.05) and np.all(v < 0.95)]
    if candidates:
        i = b.pick(candidates)
    else:  # probabilities made by a sigmoid of a node
        i = b.pick([j for j, v in enumerate(b.values) if np.all(np.abs(v) < 2.9)] or [0])
        i = b.apply("sigmoid", (i,), {"form": "method"})
        if i is None or not (np.all(b.value(i) > 0.05) and np.all(b.value(i) < 0.95)):
            return None
    p = b.value(i)
    return (i,), {"targets": b.rng.uniform(0, 1, size=p.shape).round(1)}


OP_NAMES = sorted(OPS)

# ---------------------------------------------------------------------------------------------
# Drawing a program


@st.composite
def shapes(draw) -> tuple:
    ndim = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))
    dims = draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=ndim, max_size=ndim))
    while math.prod(dims) > 24:
        dims[dims.index(max(dims))] -= 1
    return tuple(dims)


@st.composite
def programs(draw, max_ops: int = 10) -> Program:
    b = Builder(draw, np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    universe = draw(shapes())
    b.leaf(broadcast_variant(b, universe), requires_grad=True)
    for _ in range(draw(st.integers(0, 2))):
        b.leaf(broadcast_variant(b, universe))
    n_ops = max_ops if draw(st.booleans()) else draw(st.integers(1, max_ops))
    # A fresh order per program: hypothesis favours the first option, so no op is favoured.
    op_order = [str(name) for name in b.rng.permutation(OP_NAMES)]
    for _ in range(n_ops):
        for _attempt in range(4):
            name = draw(st.sampled_from(op_order))
            drawn = OPS[name].draw(b)
            if drawn is not None and b.apply(name, *drawn) is not None:
                event(f"op: {name}")
                break
    # Outputs: the last step, plus up to two earlier ones; at least one must need grad.
    last = len(b.steps) - 1
    outputs = [last, *draw(st.lists(st.integers(0, last), max_size=2, unique=True))]
    outputs = list(dict.fromkeys(outputs))
    if not any(b.needs_grad[k] for k in outputs):
        outputs.append(next(k for k in range(len(b.steps)) if b.needs_grad[k]))
    cotangents = [b.rng.standard_normal(b.values[k].shape) for k in outputs]
    seed_with_gradient = len(outputs) == 1 and draw(st.booleans())
    return Program(b.steps, list(zip(outputs, cotangents)), seed_with_gradient)


# ---------------------------------------------------------------------------------------------
# Running a program: on the engine, and in plain NumPy


def run_engine(program: Program, leaf_values: dict[int, np.ndarray] | None = None):
    """Build the graph; return (every step's Tensor, the scalar loss or None if seeded)."""
    nodes: list[Tensor] = []
    for i, step in enumerate(program.steps):
        if isinstance(step, Leaf):
            values = step.values if leaf_values is None else leaf_values.get(i, step.values)
            nodes.append(Tensor(values.copy(), requires_grad=step.requires_grad))
        else:
            nodes.append(OPS[step.op].engine(*(nodes[k] for k in step.inputs), **step.params))
    if program.seed_with_gradient:
        return nodes, None
    loss = None
    for k, c in program.outputs:
        term = (nodes[k] * c).sum()
        loss = term if loss is None else loss + term
    return nodes, loss


def engine_backward(program: Program, nodes: list, loss: Tensor | None, **kwargs) -> None:
    if loss is None:
        ((k, c),) = program.outputs
        nodes[k].backward(gradient=c, **kwargs)
    else:
        loss.backward(**kwargs)


def run_numpy(program: Program, leaf_values: dict[int, np.ndarray]) -> list[np.ndarray]:
    values: list[np.ndarray] = []
    for i, step in enumerate(program.steps):
        if isinstance(step, Leaf):
            values.append(leaf_values.get(i, step.values))
        else:
            args = (values[k] for k in step.inputs)
            values.append(np.asarray(OPS[step.op].numpy(*args, **step.params), dtype=np.float64))
    return values


def numpy_loss(program: Program, leaf_values: dict[int, np.ndarray]) -> float:
    values = run_numpy(program, leaf_values)
    return float(sum(np.sum(c * values[k]) for k, c in program.outputs))


def central_difference(program: Program, leaf: int, eps: float = EPS) -> np.ndarray:
    """∂L/∂leaf by central differences of the NumPy program, one element at a time."""
    x = np.array(program.steps[leaf].values, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for j in range(x.size):
        original = flat_x[j]
        flat_x[j] = original + eps
        plus = numpy_loss(program, {leaf: x})
        flat_x[j] = original - eps
        minus = numpy_loss(program, {leaf: x})
        flat_x[j] = original
        flat_grad[j] = (plus - minus) / (2 * eps)
    return grad


def reaches_loss(program: Program) -> set[int]:
    """Steps the loss depends on (our own walk over the program, not the engine's)."""
    live = {k for k, _ in program.outputs}
    for i in range(len(program.steps) - 1, -1, -1):
        step = program.steps[i]
        if i in live and isinstance(step, Apply):
            live.update(step.inputs)
    return live


def assert_close(actual: np.ndarray, expected: np.ndarray, *, rtol: float, what: str) -> None:
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


# ---------------------------------------------------------------------------------------------
# The properties


@settings(max_examples=FIRST_ORDER_GRAPHS, **FUZZ_SETTINGS)
@given(program=programs())
def test_random_graph_gradients_match_central_differences(program: Program) -> None:
    note = f"program:\n{program.describe()}"
    nodes, loss = run_engine(program)

    # Forward: every node equals the NumPy reference, in float64.
    reference = run_numpy(program, {})
    for i, (node, expected) in enumerate(zip(nodes, reference)):
        assert isinstance(node, Tensor), f"step {i} is a {type(node).__name__}\n{note}"
        assert node.dtype == np.float64, f"step {i} has dtype {node.dtype}\n{note}"
        assert node.shape == expected.shape, f"step {i}: {node.shape} != {expected.shape}\n{note}"
        np.testing.assert_allclose(
            node.data, expected, rtol=1e-9, atol=1e-12, err_msg=f"forward of step {i}\n{note}"
        )

    # Under no_grad the same program gives the same values and records nothing.
    with ag.no_grad():
        quiet, _ = run_engine(program)
    for i, (node, step) in enumerate(zip(quiet, program.steps)):
        assert node.is_leaf, f"step {i} was recorded under no_grad\n{note}"
        assert node.requires_grad == (isinstance(step, Leaf) and step.requires_grad)
        np.testing.assert_array_equal(node.data, nodes[i].data, err_msg=f"no_grad step {i}")

    # Backward twice through a retained graph: the second pass adds exactly the same again.
    engine_backward(program, nodes, loss, retain_graph=True)
    first = {i: n.grad.data.copy() for i, n in enumerate(nodes) if n.grad is not None}
    engine_backward(program, nodes, loss)

    live = reaches_loss(program)
    for i, step in enumerate(program.steps):
        if not isinstance(step, Leaf):
            continue
        grad = nodes[i].grad
        if not step.requires_grad or i not in live:
            assert grad is None, f"leaf {i} should get no gradient\n{note}"
            continue
        assert isinstance(grad, Tensor), f"leaf {i} got {type(grad).__name__}\n{note}"
        assert grad.shape == step.values.shape, f"leaf {i} grad shape {grad.shape}\n{note}"
        assert grad.dtype == np.float64, f"leaf {i} grad dtype {grad.dtype}\n{note}"
        np.testing.assert_array_equal(grad.data, 2 * first[i], err_msg=f"second pass, leaf {i}")
        expected = central_difference(program, i)
        assert_close(first[i], expected, rtol=1e-5, what=f"gradient of leaf {i}\n{note}")


def first_derivatives(program: Program, leaf_values: dict[int, np.ndarray]) -> dict:
    """∇L at `leaf_values` by the engine's plain backward (checked by the test above)."""
    nodes, loss = run_engine(program, leaf_values)
    engine_backward(program, nodes, loss)
    return {
        i: (np.zeros(nodes[i].shape) if nodes[i].grad is None else nodes[i].grad.data)
        for i in program.grad_leaves
    }


@settings(max_examples=SECOND_ORDER_GRAPHS, **FUZZ_SETTINGS)
@given(program=programs(max_ops=7), direction_seed=st.integers(0, 2**32 - 1))
def test_random_graph_second_derivatives_match_differences_of_first_derivatives(
    program: Program, direction_seed: int
) -> None:
    note = f"program:\n{program.describe()}"
    leaves = program.grad_leaves
    x = {i: program.steps[i].values for i in leaves}
    rng = np.random.default_rng(direction_seed)
    v = {i: rng.standard_normal(x[i].shape) for i in leaves}

    nodes, loss = run_engine(program)
    engine_backward(program, nodes, loss, create_graph=True)
    grads = {i: nodes[i].grad for i in leaves}

    # The recorded first derivatives equal the plain ones.
    plain = first_derivatives(program, {})
    for i in leaves:
        got = np.zeros(x[i].shape) if grads[i] is None else grads[i].data
        assert_close(got, plain[i], rtol=1e-10, what=f"create_graph grad of leaf {i}\n{note}")

    # Hv by back-propagating S = Σ sum(v · g) through the recorded backward pass.
    s = None
    for i in leaves:
        if grads[i] is not None:
            term = (grads[i] * v[i]).sum()
            s = term if s is None else s + term
        nodes[i].grad = None
    if s is not None and s.requires_grad:
        s.backward()
    hv = {i: np.zeros(x[i].shape) if nodes[i].grad is None else nodes[i].grad.data for i in leaves}

    plus = first_derivatives(program, {i: x[i] + EPS_SECOND * v[i] for i in leaves})
    minus = first_derivatives(program, {i: x[i] - EPS_SECOND * v[i] for i in leaves})
    for i in leaves:
        expected = (plus[i] - minus[i]) / (2 * EPS_SECOND)
        assert hv[i].shape == x[i].shape, f"Hv of leaf {i} has shape {hv[i].shape}\n{note}"
        assert_close(hv[i], expected, rtol=1e-4, what=f"Hv for leaf {i}\n{note}")


# ---------------------------------------------------------------------------------------------
# The fuzzer itself must be able to fail.


def test_the_oracle_catches_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program whose engine op is sabotaged (tanh' taken as 1) fails the gradient check."""
    from autograd_lite.ops import elementwise

    x = np.array([[0.3, -1.2], [0.7, 1.9]])
    program = Program(
        steps=[Leaf(x, True), Apply("tanh", (0,), {"form": "method"})],
        outputs=[(1, np.ones((2, 2)))],
    )
    monkeypatch.setattr(elementwise.tanh.op, "partials", (lambda xp, g, y, a: g,))
    nodes, loss = run_engine(program)
    loss.backward()
    with pytest.raises(AssertionError):
        assert_close(nodes[0].grad.data, central_difference(program, 0), rtol=1e-5, what="")


def test_every_op_is_drawn_in_a_fixed_sample_of_programs() -> None:
    """The generator reaches every op of the table (none is silently unreachable)."""
    seen: set[str] = set()

    @settings(max_examples=300, database=None, derandomize=True, **FUZZ_SETTINGS)
    @given(program=programs())
    def collect(program: Program) -> None:
        seen.update(s.op for s in program.steps if isinstance(s, Apply))

    collect()
    assert seen == set(OPS), f"never drawn: {sorted(set(OPS) - seen)}"
