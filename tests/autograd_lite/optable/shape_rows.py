"""Rows for the ops that move numbers around: reshape, transposes, broadcasting, indexing,
joining, dtype conversion."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import NONSCALAR_SHAPES, SHAPES, Case, Rows, custom

ROWS = Rows()


def _reshape_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    n = x.size
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    first = draw(st.sampled_from(divisors))
    target = draw(st.sampled_from([(n,), (first, -1), (-1, first), (first, n // first, 1)]))
    form = draw(st.sampled_from(["args", "tuple", "view"]))
    if form == "args":
        call = lambda t: t.reshape(*target)  # noqa: E731
    elif form == "tuple":
        call = lambda t: ag.reshape(t, target)  # noqa: E731
    else:
        call = lambda t: t.view(*target)  # noqa: E731  (PyTorch's name)
    return Case((x,), call, lambda a: a.reshape(target), f"reshape{shape}->{target} {form}")


def _transpose_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    axes = tuple(draw(st.permutations(range(len(shape)))))
    form = draw(st.sampled_from(["axes", "reversed", ".T", "permute"]))
    if form == "reversed":
        return Case((x,), lambda t: t.transpose(), np.transpose, "transpose()")
    if form == ".T":
        return Case((x,), lambda t: t.T, lambda a: a.T, ".T")
    if form == "permute":
        return Case((x,), lambda t: t.permute(*axes), lambda a: a.transpose(axes), "permute")
    return Case(
        (x,),
        lambda t: ag.transpose(t, axes),
        lambda a: np.transpose(a, axes),
        f"transpose{axes}",
        method=lambda t: t.transpose(*axes),
    )


def _swapaxes_sample(draw, rng) -> Case:
    shape = draw(NONSCALAR_SHAPES)
    x = rng.standard_normal(shape)
    i, j = (draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(2))
    form = draw(st.sampled_from(["swapaxes", ".mT"]))
    if form == ".mT" and len(shape) >= 2:
        return Case((x,), lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2), ".mT")
    return Case(
        (x,),
        lambda t: ag.swapaxes(t, i, j),
        lambda a: np.swapaxes(a, i, j),
        f"swapaxes({i}, {j})",
        method=lambda t: t.swapaxes(i, j),
    )


def _broadcast_to_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    target = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=1, base_shape=shape, max_dims=4)
    ).result_shape
    assume(np.broadcast_shapes(shape, target) == target)
    x = rng.standard_normal(shape)
    return Case(
        (x,),
        lambda t: ag.broadcast_to(t, target),
        lambda a: np.broadcast_to(a, target),
        f"broadcast_to{shape}->{target}",
    )


def _getitem_sample(draw, rng) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    x = rng.standard_normal(shape)
    kind = draw(st.sampled_from(["basic", "integer arrays", "bool mask", "list"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True))
    elif kind == "integer arrays":
        index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2)))
    elif kind == "bool mask":
        index = rng.random(shape[: draw(st.integers(1, len(shape)))]) < 0.5
    else:
        index = draw(st.lists(st.integers(-shape[0], shape[0] - 1), max_size=5))  # repeats
    return Case(
        (x,),
        lambda t: t[index],
        lambda a: a[np.asarray(index, dtype=np.intp)] if isinstance(index, list) else a[index],
        f"x[{kind}]",
    )


def _scatter_add_sample(draw, rng) -> Case:
    """scatter_add(values, shape, index): the adjoint of indexing, repeated indices add up."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))
    index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2)))
    values = rng.standard_normal(np.zeros(shape)[index].shape)

    def reference(v):
        out = np.zeros(shape, dtype=v.dtype)
        np.add.at(out, index, v)
        return out

    return Case(
        (values,),
        lambda t: ag.ops.scatter_add(t, shape, index),
        reference,
        f"scatter_add{shape}",
    )


def _join_sample(name: str):
    def sample(draw, rng) -> Case:
        shape = draw(NONSCALAR_SHAPES)
        count = draw(st.integers(1, 3))
        if name == "concatenate":
            axis = draw(st.integers(-len(shape), len(shape) - 1))
            lengths = [draw(st.integers(1, 3)) for _ in range(count)]
            shapes = [
                tuple(n if k != axis % len(shape) else m for k, n in enumerate(shape))
                for m in lengths
            ]
        else:
            axis = draw(st.integers(-len(shape) - 1, len(shape)))
            shapes = [shape] * count
        arrays = tuple(rng.standard_normal(s) for s in shapes)
        function = getattr(ag, name)
        form = draw(st.sampled_from(["axis", "dim"]))
        if form == "dim":  # PyTorch's keyword
            call = lambda *ts: function(list(ts), dim=axis)  # noqa: E731
        else:
            call = lambda *ts: function(list(ts), axis=axis)  # noqa: E731
        return Case(
            arrays,
            call,
            lambda *arrays: getattr(np, name)(arrays, axis=axis),
            f"{name}({count} × {shapes[0]}, axis={axis}) {form}",
        )

    return sample


def _astype_sample(draw, rng) -> Case:
    x = rng.standard_normal(draw(SHAPES))
    return Case(
        (x,),
        lambda t: t.astype(np.float32),
        lambda a: a,  # float32 rounding aside, the identity: the gradient converts back
        "astype(float32)",
    )


ROWS.add(
    custom("reshape", _reshape_sample),
    custom("transpose", _transpose_sample),
    custom("swapaxes", _swapaxes_sample),
    custom("broadcast_to", _broadcast_to_sample),
    custom("getitem", _getitem_sample),
    custom("scatter_add", _scatter_add_sample),
    custom("concatenate", _join_sample("concatenate")),
    custom("stack", _join_sample("stack")),
    # The float32 rounding makes differences with ε = 1e-6 noisy; the op is linear, so a
    # large step loses nothing.
    custom("astype", _astype_sample, float32=False, forward_rtol=1e-6, rtol=1e-4, hvp_eps=1e-2),
)
