"""The test side of the op table, in the spirit of PyTorch's OpInfo: one row per op.

A row says how to draw inputs for the op and what NumPy computes for them; the generic test
families in ``test_op_table.py`` run every row through the same checks:

- gradients against central differences of the NumPy reference, over hypothesis shapes
  (broadcasting included), forward values against NumPy on the way;
- float32 inputs give float32 values and float32 gradients;
- second derivatives through ``create_graph`` (Hessian-vector products against differences of
  first derivatives);
- 0-d tensors give the same as one-element arrays (the NumPy-scalar fast path);
- method, function and alias forms agree;
- the fuzz suite draws random programs from the elementwise rows.

Every op in `autograd_lite.ops.REGISTRY` needs a row (a test fails otherwise), so an op cannot
skip a family. Most rows are one line: for an elementwise op the default sampler draws shapes
and values from the op's declared `Domain`, and the reference is its NumPy counterpart.

Rows live in the modules of this package, one per op kind (``elementwise_rows``, ...);
`all_rows` gathers them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.ops import REGISTRY, Domain

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
NONSCALAR_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@dataclass(frozen=True)
class Case:
    """One drawn call of an op.

    `arrays` are the differentiable inputs (float64 values); `call(*tensors)` runs the op on
    Tensors made from them and `reference(*arrays)` is NumPy's answer. Anything else the call
    needs (an axis, labels, an index) is fixed inside both callables, and `label` says what.
    `method` calls the same thing through the Tensor method, when there is one.
    """

    arrays: tuple[np.ndarray, ...]
    call: Callable[..., Any]
    reference: Callable[..., Any]
    label: str = ""
    method: Callable[..., Any] | None = None
    float32: bool = True  # False when a float64 constant takes part (NumPy then gives float64)


Sampler = Callable[[Any, np.random.Generator], Case]


@dataclass(frozen=True)
class OpTest:
    """How to test one op.

    name            the op's name in the registry
    sample          draws a `Case`: ``sample(draw, rng)`` with hypothesis's ``draw``
    float32         float32 inputs give float32 results and gradients
    zero_dim        compare 0-d inputs with one-element arrays (elementwise ops)
    second_order    check Hessian-vector products (default: the op is differentiable)
    fuzz            (arity, NumPy reference, safe(values) -> bool) for the fuzz suite
    rtol, atol      tolerances of the gradient check
    forward_rtol    tolerance of the forward check against NumPy (float64)
    hvp_eps         step of the differences of gradients in the second-order check
    """

    name: str
    sample: Sampler
    float32: bool = True
    zero_dim: bool = False
    second_order: bool | None = None
    fuzz: tuple[int, Callable, Callable] | None = None
    rtol: float = 1e-5
    atol: float = 1e-6
    forward_rtol: float = 1e-10
    hvp_eps: float = 1e-6

    @property
    def info(self) -> Any:
        return REGISTRY[self.name]

    @property
    def differentiable(self) -> bool:
        return self.info.differentiable

    @property
    def checks_second_order(self) -> bool:
        if self.second_order is not None:
            return self.second_order
        return self.differentiable and self.info.second_order


# ---------------------------------------------------------------------------------------------
# Values from a domain


def values_in(rng: np.random.Generator, shape: tuple, domain: Domain) -> np.ndarray:
    """Uniform values in [domain.low, domain.high], at least `gap` away from each avoided
    point (and from the integers / half-integers when asked), float64."""
    x = rng.uniform(domain.low, domain.high, size=shape)
    points = list(domain.avoid)
    for _ in range(20):
        bad = np.zeros(x.shape, dtype=bool)
        for p in points:
            bad |= np.abs(x - p) < domain.gap
        if domain.off_integers:
            bad |= np.abs(x - np.round(x)) < domain.gap
        if domain.off_halves:
            bad |= np.abs(x - np.round(x) - 0.5 * np.sign(x - np.round(x))) < domain.gap
        if not bad.any():
            return x
        x = np.where(bad, rng.uniform(domain.low, domain.high, size=shape), x)
    raise AssertionError(f"could not draw values away from {points} in {domain}")


def arities(info: Any) -> int:
    """The number of tensor inputs of an elementwise op: its parameters without defaults."""
    parameters = inspect.signature(info.function).parameters.values()
    return sum(
        p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in parameters
    )


# ---------------------------------------------------------------------------------------------
# Samplers for the common shapes of ops


def function_of(name: str) -> Callable[..., Any]:
    return getattr(ag, name) if hasattr(ag, name) else REGISTRY[name].function


def method_of(name: str) -> str | None:
    methods = REGISTRY[name].method
    return methods[0] if methods else None


def elementwise(
    name: str,
    reference: Callable | None = None,
    *,
    arity: int | None = None,
    kwargs: Sequence[dict] = ({},),
    apart: float = 0.0,
    **options: Any,
) -> OpTest:
    """A row for an elementwise op: shapes broadcast together (arity 2), values from the op's
    declared domain, NumPy's counterpart as the reference unless one is given. `apart` keeps
    the two operands at least that far apart (ties of maximum/minimum)."""
    info = REGISTRY[name]
    arity = arity or arities(info)
    reference = reference or info.numpy[0]
    domains = info.domains(arity)

    def sample(draw: Any, rng: np.random.Generator) -> Case:
        if arity == 1:
            shapes = [draw(SHAPES)]
        else:
            shapes = draw(
                hnp.mutually_broadcastable_shapes(
                    num_shapes=arity, min_dims=0, max_dims=3, min_side=1, max_side=4
                )
            ).input_shapes
        arrays = [values_in(rng, shape, domain) for shape, domain in zip(shapes, domains)]
        if apart:
            assume(bool(np.all(np.abs(np.subtract(*arrays)) > apart)))
        kw = draw(st.sampled_from(list(kwargs)))
        function = function_of(name)
        method = method_of(name)
        return Case(
            tuple(arrays),
            lambda *t: function(*t, **kw),
            lambda *a: reference(*a, **kw),
            label=f"{name}{tuple(s for s in shapes)} {kw or ''}",
            method=(lambda *t: getattr(t[0], method)(*t[1:], **kw)) if method else None,
        )

    fuzz = options.pop("fuzz", None)
    if fuzz is None and arity == 1:
        fuzz = (1, lambda x, **kw: reference(x), lambda x: _inside(x, domains[0]))
    return OpTest(name, sample, zero_dim=True, fuzz=fuzz, **options)


def _inside(x: np.ndarray, domain: Domain) -> bool:
    """True when every value lies in the domain, away from its avoided points."""
    if not np.all((x >= domain.low) & (x <= domain.high)):
        return False
    for p in domain.avoid:
        if np.any(np.abs(x - p) < max(domain.gap, 1e-2)):
            return False
    if domain.off_integers and np.any(np.abs(x - np.round(x)) < 1e-2):
        return False
    return not (domain.off_halves and np.any(np.abs(np.abs(x - np.floor(x)) - 0.5) < 1e-2))


def axis_for(draw: Any, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True) -> Any:
    """An axis argument valid for `ndim` axes: None, an int (maybe negative) or a tuple."""
    options = [st.none()] if allow_none else []
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return draw(st.one_of(options))


def reduction(
    name: str,
    reference: Callable,
    *,
    values: Callable[[np.random.Generator, tuple], np.ndarray] | None = None,
    single_axis: bool = False,
    keepdims: bool = True,
    extra: Sequence[dict] = ({},),
    **options: Any,
) -> OpTest:
    """A row for an op over axes: a nonscalar input, an axis (None, int, negative, tuple; one
    int when `single_axis`), keepdims both ways (when the op has it), extra keyword sets."""

    def sample(draw: Any, rng: np.random.Generator) -> Case:
        shape = draw(NONSCALAR_SHAPES)
        x = values(rng, shape) if values else rng.uniform(-2, 2, size=shape)
        if single_axis:
            kw: dict = {"axis": draw(st.integers(-len(shape), len(shape) - 1))}
        else:
            kw = {"axis": axis_for(draw, len(shape))}
            if keepdims:
                kw["keepdims"] = draw(st.booleans())
        kw.update(draw(st.sampled_from(list(extra))))
        if "ddof" in kw:  # a variance needs more elements than the degrees of freedom removed
            axes = range(len(shape)) if kw["axis"] is None else np.atleast_1d(kw["axis"])
            assume(int(np.prod([shape[a] for a in axes])) > kw["ddof"])
        function = function_of(name)
        return Case(
            (x,),
            lambda t: function(t, **kw),
            lambda a: reference(a, **kw),
            label=f"{name}{shape} {kw}",
            method=lambda t: getattr(t, name)(**kw),
        )

    return OpTest(name, sample, **options)


def custom(name: str, sample: Sampler, **options: Any) -> OpTest:
    """A row with its own sampler."""
    return OpTest(name, sample, **options)


def distinct_values(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values whose pairwise gaps are all > 0.05: no ties even after a ±ε perturbation."""
    n = int(np.prod(shape, dtype=int))
    grid = np.linspace(-2.0, 2.0, max(n, 2))[:n] + rng.uniform(0, 0.01, size=n)
    return rng.permutation(grid).reshape(shape)


@dataclass
class Rows:
    """The rows of one module, by op name."""

    rows: dict[str, OpTest] = field(default_factory=dict)

    def add(self, *rows: OpTest) -> None:
        for row in rows:
            if row.name in self.rows:
                raise ValueError(f"optable: two rows for {row.name!r}")
            self.rows[row.name] = row


def all_rows() -> dict[str, OpTest]:
    """Every row of the package's modules, by op name."""
    from optable import (
        elementwise_rows,
        linalg_rows,
        logic_rows,
        loss_rows,
        matrix_rows,
        ordering_rows,
        reduction_rows,
        shape_rows,
    )

    rows: dict[str, OpTest] = {}
    modules = (
        elementwise_rows,
        reduction_rows,
        shape_rows,
        linalg_rows,
        matrix_rows,
        ordering_rows,
        loss_rows,
        logic_rows,
    )
    for module in modules:
        for name, row in module.ROWS.rows.items():
            if name in rows:
                raise ValueError(f"optable: two rows for {name!r}")
            rows[name] = row
    return rows
