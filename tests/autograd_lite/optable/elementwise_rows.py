"""Rows for the elementwise ops. Most are one line: `elementwise(name)` draws from the op's
declared domain and compares with its NumPy counterpart."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.ops import Domain
from optable import SHAPES, Case, Rows, _inside, custom, elementwise, values_in

ROWS = Rows()


def np_sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(z) without overflow: 1/(1 + e⁻ᶻ) for z ≥ 0, eᶻ/(1 + eᶻ) below."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def np_leaky_relu(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(a > 0, a, negative_slope * a)


# ----------------------------------------------------------------------------- arithmetic
# Each binary arithmetic op is drawn in every form a user writes it: two tensors that
# broadcast, a Python number on either side (the ScalarOp path), an ndarray on the left
# (the reflected operator) and the function form.

NUMBERS = st.sampled_from([2, -3, 0.5, -1.25, 3.0])


def arithmetic(name: str, symbol, divisor_side: int | None = None, valid=None) -> None:
    """`valid(a, b)`, when given, says which drawn operands are smooth points of the op (the
    others are discarded)."""
    reference = ag.ops.REGISTRY[name].numpy[0]
    nonzero = Domain(avoid=(0.0,), gap=0.5)
    keep = valid or (lambda a, b: True)

    def sample(draw, rng) -> Case:
        form = draw(st.sampled_from(["tensors", "number right", "number left", "array left"]))
        if form == "tensors":
            shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3)).input_shapes
            domains = [nonzero if divisor_side == i else Domain() for i in (0, 1)]
            a, b = (values_in(rng, s, d) for s, d in zip(shapes, domains))
            assume(keep(a, b))
            function = getattr(ag, name)
            return Case(
                (a, b),
                lambda s, t: symbol(s, t),
                reference,
                label=f"{name}{shapes}",
                method=lambda s, t: function(s, t),
            )
        shape = draw(SHAPES)
        x = values_in(rng, shape, nonzero if divisor_side is not None else Domain())
        if form == "array left":
            other = values_in(rng, draw(st.sampled_from([shape, shape[1:], ()])), nonzero)
        else:
            other = draw(NUMBERS)
        assume(keep(x, other) if form == "number right" else keep(other, x))
        if form == "number right":
            return Case(
                (x,), lambda t: symbol(t, other), lambda a: reference(a, other), f"x {other}"
            )
        return Case(
            (x,),
            lambda t: symbol(other, t),
            lambda a: reference(other, a),
            f"{other} x",
            float32=form != "array left",
        )

    ROWS.add(custom(name, sample, zero_dim=True))


arithmetic("add", lambda a, b: a + b)
arithmetic("sub", lambda a, b: a - b)
arithmetic("mul", lambda a, b: a * b)
arithmetic("div", lambda a, b: a / b, divisor_side=1)


def quotients_off_integers(a, b) -> bool:
    """a mod b jumps (and −⌊a/b⌋ with it) where a/b is an integer: keep a/b 1e-3 away."""
    q = np.divide(a, b)
    return bool(np.all(np.abs(q - np.round(q)) > 1e-3))


arithmetic("remainder", lambda a, b: a % b, divisor_side=1, valid=quotients_off_integers)


def _neg_sample(draw, rng) -> Case:
    x = values_in(rng, draw(SHAPES), Domain())
    return Case((x,), lambda t: -t, np.negative, "-x", method=lambda t: ag.neg(t))


ROWS.add(custom("neg", _neg_sample, zero_dim=True))


def _pow_sample(draw, rng) -> Case:
    """aᵇ with a tensor exponent (positive base), a Python exponent (any base for integers),
    or a Python base (``2 ** x``)."""
    form = draw(st.sampled_from(["tensors", "number exponent", "number base"]))
    if form == "tensors":
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3)).input_shapes
        a, b = values_in(rng, shapes[0], Domain(0.5, 2.0)), values_in(rng, shapes[1], Domain())
        return Case((a, b), lambda s, t: s**t, np.power, f"pow{shapes}", lambda s, t: s.pow(t))
    shape = draw(SHAPES)
    if form == "number base":
        base = draw(st.sampled_from([2.0, 0.5, np.e, 3]))
        x = values_in(rng, shape, Domain())
        return Case((x,), lambda t: base**t, lambda a: np.power(base, a), f"{base} ** x")
    p = draw(st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.5, -2.5, 2.0]))
    domain = Domain(0.3, 2.0) if isinstance(p, float) else Domain(avoid=(0.0,), gap=0.3)
    x = values_in(rng, shape, domain)
    return Case((x,), lambda t: t**p, lambda a: np.power(a, p), f"x ** {p}")


ROWS.add(custom("pow", _pow_sample, zero_dim=True))

# ----------------------------------------------------------------------------- unary

ROWS.add(
    elementwise("exp"),
    elementwise("log"),
    elementwise("sqrt"),
    elementwise("abs"),
    elementwise("tanh"),
    elementwise("sigmoid", np_sigmoid),
    elementwise("relu", lambda a: np.maximum(a, 0)),
    elementwise(
        "leaky_relu",
        np_leaky_relu,
        kwargs=({}, {"negative_slope": 0.2}, {"negative_slope": 0.5}),
    ),
)

# ----------------------------------------------------------------------------- trigonometric,
# hyperbolic, logarithms, powers

ROWS.add(
    elementwise("sin"),
    elementwise("cos"),
    elementwise("tan"),
    elementwise("arcsin"),
    elementwise("arccos"),
    elementwise("arctan"),
    elementwise("sinh"),
    elementwise("cosh"),
    elementwise("log1p"),
    elementwise("expm1"),
    elementwise("log2"),
    elementwise("log10"),
    elementwise("square"),
    # True division: integers give floats (NumPy's integer reciprocal would truncate)
    elementwise("reciprocal", lambda a: np.divide(1.0, a)),
)


def _arctan2_sample(draw, rng) -> Case:
    """arctan2(y, x) with y away from 0: off the branch cut (y = 0, x < 0, where the angle
    jumps from π to −π) and the origin."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3)).input_shapes
    y = values_in(rng, shapes[0], Domain(avoid=(0.0,), gap=0.25))
    x = values_in(rng, shapes[1], Domain())
    form = draw(st.sampled_from(["function", "method", "atan2"]))
    call = {
        "function": ag.arctan2,
        "method": lambda s, t: s.arctan2(t),
        "atan2": lambda s, t: s.atan2(t),
    }[form]
    return Case((y, x), call, np.arctan2, f"arctan2{shapes} {form}", method=ag.Tensor.arctan2)


ROWS.add(custom("arctan2", _arctan2_sample, zero_dim=True))

# ----------------------------------------------------------------------------- rounding
# Piecewise constant, gradient 0: drawn away from the jumps, where differences are 0 too.


def keeping_integers(rounding):
    """NumPy ≥ 2.1's floor and ceil: integer inputs are returned with their dtype (2.0 gave
    floats)."""
    return lambda a: rounding(a) if np.asarray(a).dtype.kind == "f" else np.array(a)


ROWS.add(
    elementwise("sign"),
    elementwise("floor", keeping_integers(np.floor)),
    elementwise("ceil", keeping_integers(np.ceil)),
)


def _round_sample(draw, rng) -> Case:
    """round(x), round(x, decimals) for decimals 0, 1, 2, −1 (positional or keyword), as a
    method and as NumPy's alias `around`; values away from the ties of that many decimals."""
    decimals = draw(st.sampled_from([None, 0, 1, 2, -1]))
    x = values_in(rng, draw(SHAPES), Domain(off_halves=True)) * 10.0 ** -(decimals or 0)
    kw = {} if decimals is None else {"decimals": decimals}
    form = draw(st.sampled_from(["keyword", "positional", "around"]))
    function = ag.around if form == "around" else ag.round
    args, kwargs = ((decimals,), {}) if form == "positional" and kw else ((), kw)
    return Case(
        (x,),
        lambda t: function(t, *args, **kwargs),
        lambda a: np.round(a, **kw),
        f"round {kw} {form}",
        method=lambda t: t.round(**kw),
    )


ROWS.add(
    custom(
        "round",
        _round_sample,
        zero_dim=True,
        fuzz=(1, np.round, lambda x: _inside(x, Domain(off_halves=True))),
    )
)

# ----------------------------------------------------------------------------- piecewise

ROWS.add(
    elementwise("maximum", apart=1e-3),
    elementwise("minimum", apart=1e-3),
)


def _clip_sample(draw, rng) -> Case:
    lo, hi = sorted(
        draw(
            st.lists(
                st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.5]), min_size=2, max_size=2, unique=True
            )
        )
    )
    kind = draw(st.sampled_from(["both", "lo only", "hi only", "min/max keywords"]))
    x = values_in(rng, draw(SHAPES), Domain(avoid=(lo, hi)))
    if kind == "lo only":
        return Case((x,), lambda t: t.clip(lo), lambda a: np.clip(a, lo, None), f"clip({lo})")
    if kind == "hi only":
        return Case((x,), lambda t: t.clip(hi=hi), lambda a: np.clip(a, None, hi), f"clip(hi={hi})")
    if kind == "min/max keywords":  # PyTorch's clamp(min=, max=)
        return Case((x,), lambda t: t.clamp(min=lo, max=hi), lambda a: np.clip(a, lo, hi), "clamp")
    return Case(
        (x,),
        lambda t: ag.clip(t, lo, hi),
        lambda a: np.clip(a, lo, hi),
        f"clip({lo}, {hi})",
        method=lambda t: t.clip(lo, hi),
    )


ROWS.add(custom("clip", _clip_sample, zero_dim=True))


def _where_sample(draw, rng) -> Case:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3)).input_shapes
    condition = rng.random(shapes[0]) < 0.5
    a, b = rng.standard_normal(shapes[1]), rng.standard_normal(shapes[2])
    assume(a.size and b.size)
    return Case(
        (a, b),
        lambda s, t: ag.where(condition, s, t),
        lambda s, t: np.where(condition, s, t),
        f"where{shapes}",
    )


ROWS.add(custom("where", _where_sample))


# ----------------------------------------------------------------------------- random


def _dropout_sample(draw, rng) -> Case:
    """Dropout with a generator seeded afresh on every call, so every call draws the same mask
    (the central differences need a fixed function). p = 0 is the identity, tested in nn."""
    p = draw(st.sampled_from([0.2, 0.5, 0.9]))
    seed = draw(st.integers(0, 2**32 - 1))
    x = values_in(rng, draw(SHAPES), Domain())

    def reference(a: np.ndarray) -> np.ndarray:
        keep = np.random.default_rng(seed).random(a.shape) < 1 - p
        return a * keep / (1 - p)

    return Case(
        (x,),
        lambda t: ag.dropout(t, p, generator=np.random.default_rng(seed)),
        reference,
        label=f"dropout(p={p}){x.shape}",
    )


ROWS.add(custom("dropout", _dropout_sample, zero_dim=True))
