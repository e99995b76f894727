"""Elementwise primitives: the forward NumPy call and the local derivative side by side.

Each `Op(...)` lists one partial derivative per input, `partial(xp, g, y, *inputs)` = g · ∂y/∂input
(see `_core`). Broadcasting is undone by the engine, so a partial may return a gradient of the
broadcast shape.

A unary op is one declaration, its NumPy function and its derivative:

    sin = unary_op("sin", np.sin, lambda xp, g, y, a: g * xp.cos(a), doc="sin a; (sin a)' = cos a")

Ops with more arguments, Python-number operands or checks of their own are written out and
declared with `register`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.ops._core import (
    Op,
    ScalarOp,
    arithmetic,
    as_tensor,
    binary,
    operands,
    record,
    to_array,
)
from autograd_lite.ops.shape import astype
from autograd_lite.ops.table import POSITIVE, REALS, Domain, register
from autograd_lite.storage import Tensor
from autograd_lite.validation import boolean, integer, real_number

AWAY_FROM_0 = Domain(avoid=(0.0,))
NONZERO = Domain(avoid=(0.0,), gap=0.5)  # a divisor: |b| ≥ 0.5 keeps b's gradient tame

# ----------------------------------------------------------------------------- arithmetic

ADD = Op(
    "add",  # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
    lambda xp, g, y, a, b: g,
    lambda xp, g, y, a, b: g,
)
SUB = Op(
    "sub",  # ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1
    lambda xp, g, y, a, b: g,
    lambda xp, g, y, a, b: -g,
)
MUL = Op(
    "mul",  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    lambda xp, g, y, a, b: g * b,
    lambda xp, g, y, a, b: g * a,
)
DIV = Op(
    "div",  # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b² = −y/b
    lambda xp, g, y, a, b: g / b,
    lambda xp, g, y, a, b: -g * y / b,
)
NEG = Op("neg", lambda xp, g, y, a: -g)  # ∂(−a)/∂a = −1


def _pow_base_partial(xp, g, y, a, b):
    # ∂(aᵇ)/∂a = b·aᵇ⁻¹, taken as 0 where b = 0 (aᵇ is constant there), as PyTorch does.
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(b == 0, 0, g * b * a ** (b - 1))


def _pow_exponent_partial(xp, g, y, a, b):
    # ∂(aᵇ)/∂b = aᵇ·ln a; at a = 0 the limit along b > 0 is 0, so ln a is replaced by 0 there.
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * y * xp.log(xp.where(a == 0, 1, a))


POW = Op("pow", _pow_base_partial, _pow_exponent_partial)


def _pow_scalar_partial(xp, g, y, a, scalar):
    # ∂(aᵖ)/∂a = p·aᵖ⁻¹ for a constant Python exponent p (common small cases without a pow call)
    p = scalar
    if p == 0:
        return g * 0
    if p == 1:
        return g
    if p == 2:
        return g * (a + a)
    return g * (p * a ** (p - 1))


POW_SCALAR = ScalarOp("pow", _pow_scalar_partial)


# A Python number as the other operand (x * 2.0, 1 - y) is kept as a saved constant rather
# than wrapped in a constant tensor: one op with one input, no 0-d array, the same partials
# (`_core.arithmetic` picks the op).
ADD_SCALAR = ScalarOp("add", lambda xp, g, y, a, scalar: g)  # ∂(a + c)/∂a = 1
RADD_SCALAR = ScalarOp("add", ADD_SCALAR.partials[0], scalar_first=True)  # c + a
SUB_SCALAR = ScalarOp("sub", lambda xp, g, y, a, scalar: g)  # ∂(a − c)/∂a = 1
RSUB_SCALAR = ScalarOp("sub", lambda xp, g, y, a, scalar: -g, scalar_first=True)  # c − a
MUL_SCALAR = ScalarOp("mul", lambda xp, g, y, a, scalar: g * scalar)  # ∂(a·c)/∂a = c
RMUL_SCALAR = ScalarOp("mul", MUL_SCALAR.partials[0], scalar_first=True)  # c·a
DIV_SCALAR = ScalarOp("div", lambda xp, g, y, a, scalar: g / scalar)  # ∂(a/c)/∂a = 1/c
RDIV_SCALAR = ScalarOp(  # ∂(c/a)/∂a = −c/a² = −y/a
    "div", lambda xp, g, y, a, scalar: -g * y / a, scalar_first=True
)


@register(
    kind="elementwise",
    method=True,
    operators=("__add__",),
    reflected=("__radd__",),
    numpy=np.add,
    dtypes="numeric",
)
def add(a: Any, b: Any):
    """a + b with NumPy broadcasting."""
    return arithmetic(operator.add, a, b, ADD, ADD_SCALAR, RADD_SCALAR)


@register(
    kind="elementwise",
    method=True,
    operators=("__sub__",),
    reflected=("__rsub__",),
    aliases=("subtract",),
    numpy=np.subtract,
    dtypes="numeric",
)
def sub(a: Any, b: Any):
    """a − b with broadcasting (a primitive rather than add(a, −b): one node and array less)."""
    return arithmetic(operator.sub, a, b, SUB, SUB_SCALAR, RSUB_SCALAR)


@register(
    kind="elementwise",
    method=True,
    operators=("__mul__",),
    reflected=("__rmul__",),
    aliases=("multiply",),
    numpy=np.multiply,
    dtypes="numeric",
)
def mul(a: Any, b: Any):
    """a · b elementwise, with broadcasting."""
    return arithmetic(operator.mul, a, b, MUL, MUL_SCALAR, RMUL_SCALAR)


@register(
    kind="elementwise",
    method=True,
    operators=("__truediv__",),
    reflected=("__rtruediv__",),
    aliases=("divide", "true_divide"),
    numpy=np.divide,
    domain=(REALS, NONZERO),
)
def div(a: Any, b: Any):
    """a / b elementwise, with broadcasting (true division; ints give floats)."""
    return arithmetic(operator.truediv, a, b, DIV, DIV_SCALAR, RDIV_SCALAR)


@register(
    kind="elementwise",
    method=True,
    operators=("__neg__",),
    aliases=("negative",),
    numpy=np.negative,
    dtypes="numeric",
)
def neg(a: Any):
    """−a."""
    a = as_tensor(a, "neg")
    if a._data.dtype == np.bool_:
        raise TypeError("neg: cannot negate a bool tensor; use ~ for logical not")
    return record(np.negative(a._data), NEG, a)


@register(
    kind="elementwise",
    method=True,
    operators=("__pow__",),
    reflected=("__rpow__",),
    aliases=("power",),
    numpy=np.power,
    domain=(Domain(0.5, 2.0), REALS),
)
def pow(a: Any, b: Any):
    """aᵇ elementwise. A Python-number exponent is a constant (x ** 2); a tensor exponent also
    gets a gradient, ∂(aᵇ)/∂b = aᵇ·ln a."""
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        a = as_tensor(a, "pow")
        data = a._data ** (b if a._data.dtype.kind == "f" else float(b))
        return record(data, POW_SCALAR, a, saved=b)
    a, b = operands(a, b, "pow")
    if a._data.dtype.kind != "f" and b._data.dtype.kind != "f":
        # Integer powers are computed in float64 (NumPy refuses negative integer exponents,
        # and that refusal must not surface as a broadcasting error).
        b = astype(b, np.float64)
    a, b, data = binary(np.power, a, b, "pow")
    return record(data, POW, a, b)


def _remainder_divisor_partial(xp, g, y, a, b):
    # ∂(a mod b)/∂b = −⌊a/b⌋, since a mod b = a − b·⌊a/b⌋ and ⌊a/b⌋ is piecewise constant
    # (PyTorch's choice at the jumps too). NumPy's floor division is the quotient its
    # remainder uses, so the two agree next to the jumps; b = 0 gives ∓inf or nan, no warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        return -g * xp.constant(np.floor_divide(xp.raw(a), xp.raw(b)))


REMAINDER = Op("remainder", lambda xp, g, y, a, b: g, _remainder_divisor_partial)  # ∂/∂a = 1
MOD_SCALAR = ScalarOp("remainder", lambda xp, g, y, a, scalar: g)  # a mod c
RMOD_SCALAR = ScalarOp(  # c mod a: ∂/∂a = −⌊c/a⌋
    "remainder",
    lambda xp, g, y, a, scalar: _remainder_divisor_partial(xp, g, y, scalar, a),
    scalar_first=True,
)


@register(
    kind="elementwise",
    method=True,
    operators=("__mod__",),
    reflected=("__rmod__",),
    aliases=("mod",),
    numpy=np.remainder,  # np.mod is the same ufunc
    domain=(REALS, NONZERO),
    dtypes="numeric",
)
def remainder(a: Any, b: Any):
    """a mod b = a − b·⌊a/b⌋ elementwise, with broadcasting: NumPy's `remainder` (Python's %),
    whose result has the sign of the divisor b (−7 % 3 = 2, 7 % −3 = −2). ``x % y`` on Tensors.

    ∂/∂a = 1 and ∂/∂b = −⌊a/b⌋ (PyTorch's); both jump where a/b is an integer. A zero divisor
    gives NumPy's value and RuntimeWarning, no exception: nan for floats, 0 for integers.
    """
    return arithmetic(operator.mod, a, b, REMAINDER, MOD_SCALAR, RMOD_SCALAR)


# ----------------------------------------------------------------------------- unary functions

ABS = Op("abs", lambda xp, g, y, a: g * xp.constant(np.sign(xp.raw(a))))  # |a|' = sign a (0 at 0)
SIGMOID = Op("sigmoid", lambda xp, g, y, a: g * (y * (1 - y)))  # σ' = σ(1 − σ) = y(1 − y)
RELU = Op("relu", lambda xp, g, y, a: g * (a > 0))  # relu' = 1 where a > 0, else 0 (also at 0)
LEAKY_RELU = Op(
    "leaky_relu",  # 1 where a > 0, else the negative slope
    lambda xp, g, y, a, *, negative_slope: xp.where(a > 0, g, g * negative_slope),
)


def _float(a: Any, name: str):
    """The operand as a Tensor, and its data to compute with: floating point (ints and bools
    become float64), a 0-d array as a NumPy scalar."""
    a = as_tensor(a, name)
    data = a._data
    if data.dtype.kind != "f":
        data = data.astype(np.float64)
    return a, data if data.shape else data[()]  # 0-d as NumPy scalars (see _core)


def _numeric(a: Any, name: str):
    """The operand as a Tensor, and its data as it is (integers stay integers), a 0-d array as
    a NumPy scalar."""
    a = as_tensor(a, name)
    data = a._data
    return a, data if data.shape else data[()]  # 0-d as NumPy scalars (see _core)


# The NumPy function of each op declared with `unary_op`, and whether integer inputs are
# computed in float64 (what `autograd_lite.compile` replays).
UNARY_FORWARDS: dict[Op, tuple[Callable[[Any], Any], bool]] = {}


def unary_op(
    name: str,
    forward: Callable[[Any], Any],
    derivative: Callable[..., Any],
    *,
    doc: str,
    domain: Domain = REALS,
    dtypes: str = "float",
    numpy: Any = None,
    aliases: tuple[str, ...] = (),
) -> Callable[[Any], Tensor]:
    """Declare a unary elementwise op in one statement:

        sin = unary_op("sin", np.sin, lambda xp, g, y, a: g * xp.cos(a), doc="sin a; sin' = cos")

    `forward` computes the op on NumPy data; `derivative` is its partial, g · f'(a) (see
    `_core`); `doc` becomes the docstring. Returns the public function ``sin(a)``, declared in
    the op table as a Tensor method (``x.sin()``) whose NumPy counterpart is `numpy` (by
    default `forward`), with `aliases`, and the `domain` its tests draw from. With `dtypes`
    "float" integer and bool inputs are computed in float64; with "numeric" they are passed
    to `forward` as they are (NumPy's integer results kept). 0-d data is computed as a NumPy
    scalar, like every op here. The function's `op` attribute is its `Op`.
    """
    op = Op(name, derivative)
    operand = _float if dtypes == "float" else _numeric
    UNARY_FORWARDS[op] = (forward, dtypes == "float")

    def function(a: Any) -> Tensor:
        a, x = operand(a, name)
        try:
            data = forward(x)
        except TypeError as error:  # a dtype NumPy has no loop for (sign of a bool)
            raise TypeError(f"{name}: unsupported dtype {a.dtype} ({error})") from None
        return record(data, op, a)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    function.op = op  # type: ignore[attr-defined]
    return register(
        function,
        kind="elementwise",
        method=True,
        aliases=aliases,
        numpy=forward if numpy is None else numpy,
        domain=domain,
        dtypes=dtypes,
    )


exp = unary_op("exp", np.exp, lambda xp, g, y, a: g * y, doc="eᵃ elementwise; (eᵃ)' = eᵃ = y.")
log = unary_op(
    "log",
    np.log,
    lambda xp, g, y, a: g / a,
    domain=POSITIVE,
    doc="Natural logarithm ln a elementwise (−inf at 0, nan below, as NumPy); (ln a)' = 1/a.",
)
sqrt = unary_op(
    "sqrt",
    np.sqrt,
    lambda xp, g, y, a: g / (y + y),
    domain=POSITIVE,
    doc="√a elementwise; (√a)' = 1/(2√a) = 1/(2y).",
)
tanh = unary_op(
    "tanh",
    np.tanh,
    lambda xp, g, y, a: g * (1 - y * y),
    doc="tanh a elementwise; (tanh a)' = 1 − tanh² a = 1 − y².",
)


@register(
    kind="elementwise",
    method=True,
    operators=("__abs__",),
    aliases=("absolute",),
    numpy=np.abs,
    domain=AWAY_FROM_0,
    dtypes="numeric",
)
def abs(a: Any):
    """|a| elementwise; its derivative at 0 is taken as 0 (PyTorch's choice)."""
    a = as_tensor(a, "abs")
    return record(np.abs(a._data), ABS, a)


@register(kind="elementwise", method=True)
def sigmoid(a: Any):
    """σ(a) = 1 / (1 + e⁻ᵃ), computed as exp(−log(1 + e⁻ᵃ)) with `logaddexp` so that it is
    finite and accurate for any input (no overflow at a = −1000, full precision in the tails)."""
    a, x = _float(a, "sigmoid")
    if type(x) is not np.ndarray:  # 0-d: a NumPy scalar
        return record(np.exp(-np.logaddexp(0, -x)), SIGMOID, a)
    data = np.negative(x)  # the same four steps in one buffer
    np.logaddexp(0, data, out=data)
    np.negative(data, out=data)
    return record(np.exp(data, out=data), SIGMOID, a)


@register(kind="elementwise", method=True, domain=AWAY_FROM_0, dtypes="numeric")
def relu(a: Any):
    """max(a, 0) elementwise; relu'(0) = 0."""
    a = as_tensor(a, "relu")
    return record(np.maximum(a._data, 0), RELU, a)


@register(kind="elementwise", method=True, domain=AWAY_FROM_0)
def leaky_relu(a: Any, negative_slope: float = 0.01):
    """a where a > 0, negative_slope · a elsewhere."""
    real_number(negative_slope, "negative_slope", "leaky_relu")
    a, x = _float(a, "leaky_relu")
    data = np.where(x > 0, x, x * negative_slope)
    return record(data, LEAKY_RELU, a, saved={"negative_slope": negative_slope})


# ----------------------------------------------------------------------------- trigonometric

BELOW_HALF_PI = Domain(avoid=(-math.pi / 2, math.pi / 2), gap=0.25)  # tan's poles
INSIDE_UNIT = Domain(-1.0, 1.0, avoid=(-1.0, 1.0), gap=0.05)  # arcsin' and arccos' blow up at ±1

sin = unary_op(
    "sin", np.sin, lambda xp, g, y, a: g * xp.cos(a), doc="sin a elementwise; (sin a)' = cos a."
)
cos = unary_op(
    "cos", np.cos, lambda xp, g, y, a: -g * xp.sin(a), doc="cos a elementwise; (cos a)' = −sin a."
)
tan = unary_op(
    "tan",
    np.tan,
    lambda xp, g, y, a: g * (1 + y * y),
    domain=BELOW_HALF_PI,
    doc="tan a elementwise; (tan a)' = 1/cos² a = 1 + tan² a = 1 + y².",
)
arcsin = unary_op(
    "arcsin",
    np.arcsin,
    lambda xp, g, y, a: g / xp.sqrt(1 - a * a),
    domain=INSIDE_UNIT,
    aliases=("asin",),
    doc="""arcsin a elementwise, in [−π/2, π/2]; (arcsin a)' = 1/√(1 − a²).

    nan outside [−1, 1] (NumPy's value and warning); the derivative is +inf at ±1, as in
    NumPy's formula and PyTorch.""",
)
arccos = unary_op(
    "arccos",
    np.arccos,
    lambda xp, g, y, a: -g / xp.sqrt(1 - a * a),
    domain=INSIDE_UNIT,
    aliases=("acos",),
    doc="""arccos a elementwise, in [0, π]; (arccos a)' = −1/√(1 − a²).

    nan outside [−1, 1] (NumPy's value and warning); the derivative is −inf at ±1.""",
)
arctan = unary_op(
    "arctan",
    np.arctan,
    lambda xp, g, y, a: g / (1 + a * a),
    aliases=("atan",),
    doc="arctan a elementwise, in (−π/2, π/2); (arctan a)' = 1/(1 + a²).",
)

ARCTAN2 = Op(
    "arctan2",  # ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²)
    lambda xp, g, angle, y, x: g * x / (x * x + y * y),
    lambda xp, g, angle, y, x: -g * y / (x * x + y * y),
)


def _float_arctan2(y: Any, x: Any) -> Any:
    if y.dtype.kind != "f":
        y = y.astype(np.float64)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return np.arctan2(y, x)


@register(kind="elementwise", method=True, aliases=("atan2",), numpy=np.arctan2)
def arctan2(y: Any, x: Any):
    """The angle of the point (x, y) from the positive x axis, in [−π, π], elementwise with
    broadcasting (NumPy's argument order: y first). Integer inputs are computed in float64.

    ∂/∂y = x/(x² + y²) and ∂/∂x = −y/(x² + y²); both are nan at the origin (as PyTorch).
    """
    y, x, data = binary(_float_arctan2, y, x, "arctan2")
    return record(data, ARCTAN2, y, x)


# ----------------------------------------------------------------------------- hyperbolic

sinh = unary_op(
    "sinh",
    np.sinh,
    lambda xp, g, y, a: g * xp.cosh(a),
    doc="sinh a = (eᵃ − e⁻ᵃ)/2 elementwise; (sinh a)' = cosh a.",
)
cosh = unary_op(
    "cosh",
    np.cosh,
    lambda xp, g, y, a: g * xp.sinh(a),
    doc="cosh a = (eᵃ + e⁻ᵃ)/2 elementwise; (cosh a)' = sinh a.",
)

# ----------------------------------------------------------------------------- logarithms, powers

ABOVE_MINUS_1 = Domain(-1.0, 3.0, avoid=(-1.0,), gap=0.1)  # log1p's pole at −1
LN_2, LN_10 = math.log(2.0), math.log(10.0)

log1p = unary_op(
    "log1p",
    np.log1p,
    lambda xp, g, y, a: g / (a + 1),
    domain=ABOVE_MINUS_1,
    doc="""ln(1 + a) elementwise, accurate for tiny a (where 1 + a would round to 1);
    (ln(1 + a))' = 1/(1 + a). −inf at −1 and nan below, as NumPy.""",
)
expm1 = unary_op(
    "expm1",
    np.expm1,
    lambda xp, g, y, a: g * (y + 1),
    doc="""eᵃ − 1 elementwise, accurate for tiny a; (eᵃ − 1)' = eᵃ = y + 1.""",
)
log2 = unary_op(
    "log2",
    np.log2,
    lambda xp, g, y, a: g / (a * LN_2),
    domain=POSITIVE,
    doc="log₂ a elementwise (−inf at 0, nan below, as NumPy); (log₂ a)' = 1/(a ln 2).",
)
log10 = unary_op(
    "log10",
    np.log10,
    lambda xp, g, y, a: g / (a * LN_10),
    domain=POSITIVE,
    doc="log₁₀ a elementwise (−inf at 0, nan below, as NumPy); (log₁₀ a)' = 1/(a ln 10).",
)
square = unary_op(
    "square",
    np.square,
    lambda xp, g, y, a: g * (a + a),
    dtypes="numeric",
    doc="a² elementwise (integers stay integers, as NumPy); (a²)' = 2a.",
)
reciprocal = unary_op(
    "reciprocal",
    np.reciprocal,
    lambda xp, g, y, a: -g * (y * y),
    domain=NONZERO,
    doc="""1/a elementwise; (1/a)' = −1/a² = −y².

    Integer inputs are computed in float64, like 1 / a here and torch.reciprocal: NumPy's
    integer reciprocal truncates (1/2 gives 0), a silent wrong answer. ±inf at 0 (NumPy's
    value and warning).""",
)

# ----------------------------------------------------------------------------- rounding
# Piecewise constant: the derivative is 0 wherever it exists, and taken as 0 at the jumps too
# (NumPy-style libraries and PyTorch agree). Integer inputs keep their dtype.


def _zero_derivative(xp, g, y, a):
    # `where` rather than g·0: exactly 0 even where g is inf or nan, in g's shape and dtype,
    # and under create_graph still a node of g's graph (its own derivative is 0 too).
    return xp.where(False, g, 0)


def _keeping_integers(round_floats: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`round_floats` on floating-point data; integer and bool data returned as they are (a
    copy), as NumPy ≥ 2.1 does for floor and ceil (2.0 returned floats)."""

    def rounded(x: Any) -> Any:
        return round_floats(x) if x.dtype.kind == "f" else x.copy()

    return rounded


AWAY_FROM_INTEGERS = Domain(off_integers=True)

sign = unary_op(
    "sign",
    np.sign,
    _zero_derivative,
    domain=AWAY_FROM_0,
    dtypes="numeric",
    doc="""−1, 0 or 1 by the sign of a (nan for nan), as NumPy; integers stay integers, bools
    are refused (as NumPy). Derivative 0 (taken as 0 at a = 0 too, as PyTorch).""",
)
floor = unary_op(
    "floor",
    _keeping_integers(np.floor),
    _zero_derivative,
    domain=AWAY_FROM_INTEGERS,
    dtypes="numeric",
    numpy=np.floor,
    doc="""⌊a⌋, the largest integer ≤ a, elementwise; integer inputs keep their dtype (NumPy
    ≥ 2.1). Derivative 0 (taken as 0 at the integers too, as PyTorch).""",
)
ceil = unary_op(
    "ceil",
    _keeping_integers(np.ceil),
    _zero_derivative,
    domain=AWAY_FROM_INTEGERS,
    dtypes="numeric",
    numpy=np.ceil,
    doc="""⌈a⌉, the smallest integer ≥ a, elementwise; integer inputs keep their dtype (NumPy
    ≥ 2.1). Derivative 0 (taken as 0 at the integers too, as PyTorch).""",
)

ROUND = Op("round", _zero_derivative)


@register(
    kind="elementwise",
    method=True,
    aliases=("around",),
    numpy=(np.round, np.around),
    domain=Domain(off_halves=True),
    dtypes="numeric",
)
def round(a: Any, decimals: int = 0):
    """a rounded to `decimals` decimal places (negative: to tens, hundreds, ...) elementwise,
    halves to even as NumPy and PyTorch do: round(0.5) = 0, round(1.5) = round(2.5) = 2.
    Integers stay integers. Derivative 0 (taken as 0 at the halves too, as PyTorch).

    Python's built-in ``round(x)`` on a one-element Tensor is ``Tensor.__round__``: a number.
    """
    decimals = integer(decimals, "decimals", "round")
    a, x = _numeric(a, "round")
    if storage.trace_hooks:  # what autograd_lite.compile needs to replay it
        storage.trace_event("side", ROUND, {"decimals": decimals})
    return record(np.round(x, decimals), ROUND, a)


# ----------------------------------------------------------------------------- piecewise


def _tie_split(xp, g, a, b, *, first: bool):
    # ∂max(a,b)/∂a = 1 where a > b, ½ where a = b (ties split evenly, like PyTorch), else 0.
    wins = (a > b) if first else (b > a)
    return g * wins + (g * 0.5) * (a == b)


MAXIMUM = Op(
    "maximum",
    lambda xp, g, y, a, b: _tie_split(xp, g, a, b, first=True),
    lambda xp, g, y, a, b: _tie_split(xp, g, a, b, first=False),
)
MINIMUM = Op(
    "minimum",
    lambda xp, g, y, a, b: _tie_split(xp, g, b, a, first=True),
    lambda xp, g, y, a, b: _tie_split(xp, g, b, a, first=False),
)


@register(kind="elementwise", method=True, numpy=np.maximum, dtypes="numeric")
def maximum(a: Any, b: Any):
    """Elementwise max(a, b) with broadcasting; where a = b each gets half the gradient."""
    a, b, data = binary(np.maximum, a, b, "maximum")
    return record(data, MAXIMUM, a, b)


@register(kind="elementwise", method=True, numpy=np.minimum, dtypes="numeric")
def minimum(a: Any, b: Any):
    """Elementwise min(a, b) with broadcasting; where a = b each gets half the gradient."""
    a, b, data = binary(np.minimum, a, b, "minimum")
    return record(data, MINIMUM, a, b)


def _clip_partial(xp, g, y, a, *, lo, hi):
    # The gradient passes where lo ≤ a ≤ hi (bounds included, like PyTorch's clamp).
    x = xp.raw(a)
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return g * xp.constant(inside)


CLIP = Op("clip", _clip_partial)


@register(
    kind="elementwise",
    method=True,
    aliases=("clamp",),
    keyword_aliases={"min": "lo", "max": "hi", "a_min": "lo", "a_max": "hi"},
    numpy=np.clip,
    dtypes="numeric",
)
def clip(a: Any, lo: float | None = None, hi: float | None = None):
    """Clamp a to [lo, hi] (either bound may be None); gradient 1 where lo ≤ a ≤ hi, else 0."""
    a = as_tensor(a, "clip")
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    for bound, what in ((lo, "lo"), (hi, "hi")):
        if bound is not None:
            real_number(bound, what, "clip", finite=False)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo ({lo}) is greater than hi ({hi})")
    return record(np.clip(a._data, lo, hi), CLIP, a, saved={"lo": lo, "hi": hi})


WHERE = Op(
    "where",  # ∂/∂a = 1 where cond, ∂/∂b = 1 elsewhere
    lambda xp, g, y, a, b, *, condition: xp.where(condition, g, 0),
    lambda xp, g, y, a, b, *, condition: xp.where(condition, 0, g),
)


@register(kind="elementwise", numpy=np.where, dtypes="numeric")
def where(condition: Any, a: Any, b: Any):
    """Elementwise choice: a where `condition` is true, b elsewhere (all three broadcast)."""
    cond = to_array(condition, "where").astype(bool, copy=False)
    a, b = operands(a, b, "where")
    if storage.trace_hooks:  # the condition is an input autograd_lite.compile replays
        storage.trace_event("side", WHERE, {"condition": condition})
    try:
        data = np.where(cond, a._data, b._data)
    except ValueError:
        raise ValueError(
            f"where: condition of shape {cond.shape} cannot be broadcast with shapes "
            f"{a.shape} and {b.shape}"
        ) from None
    return record(data, WHERE, a, b, saved={"condition": cond})


# ----------------------------------------------------------------------------- random

DROPOUT = Op("dropout", lambda xp, g, y, a, *, mask: g * xp.constant(mask))  # ∂y/∂a = mask


def dropout_mask(shape: tuple, p: float, dtype: np.dtype, generator: Any) -> np.ndarray:
    """The inverted-dropout mask: 1/(1 − p) where a uniform draw falls below 1 − p (kept),
    0 elsewhere (dropped), in `dtype`."""
    keep_prob = 1.0 - p
    return (generator.random(shape) < keep_prob).astype(dtype) / dtype.type(keep_prob)


def dropout_generator(generator: Any) -> Any:
    """`generator`, or the stream `manual_seed` sets when it is None."""
    if generator is None:
        from autograd_lite import creation

        return creation._generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"dropout: generator must be a numpy.random.Generator or None, got {generator!r}"
        )
    return generator


@register(kind="elementwise", domain=Domain(-2.0, 2.0))
def dropout(a: Any, p: float = 0.5, training: bool = True, generator: Any = None):
    """Inverted dropout: a · mask, each value dropped with probability p, survivors × 1/(1 − p).

    mask = [u < 1 − p] / (1 − p) with u uniform on [0, 1), so the expected output is the
    input; the identity when not `training` or when p = 0. The mask is drawn from
    `generator` (a numpy.random.Generator; `manual_seed`'s stream when None), afresh on every
    call, also when `autograd_lite.compile` replays the call. ∂y/∂a = mask. Integer inputs
    give float64 results. (PyTorch's torch.nn.functional.dropout.)"""
    p = real_number(
        p, "p (the drop probability)", "dropout", minimum=0.0, maximum=1.0, open_max=True
    )
    training = boolean(training, "training", "dropout")
    a = as_tensor(a, "dropout")
    if not training or p == 0.0:
        return a
    x = a._data
    dtype = np.dtype(x.dtype if x.dtype.kind == "f" else np.float64)
    mask = dropout_mask(x.shape, p, dtype, dropout_generator(generator))
    if storage.trace_hooks:  # the draw autograd_lite.compile repeats on every replay
        storage.trace_event("side", DROPOUT, {"p": p, "generator": generator})
    data = x[()] * mask[()] if not x.shape else x * mask  # 0-d as NumPy scalars
    return record(data, DROPOUT, a, saved={"mask": mask})
