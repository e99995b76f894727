"""Rows for the ops that move numbers around: reshape, transposes, broadcasting, indexing,
joining, dtype conversion, squeezing and flattening, repeating, rolling and flipping, padding,
taking."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from optable import NONSCALAR_SHAPES, SHAPES, Case, Rows, axis_for, custom

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


# ----------------------------------------------------------------------------- squeeze & co.


def _negated(draw, axis: int, ndim: int) -> int:
    """`axis` or its negative spelling (counted from the end)."""
    return axis - ndim if draw(st.booleans()) else axis


def _squeeze_sample(draw, rng) -> Case:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    x = rng.standard_normal(shape)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = None
    if ones and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
        axis = tuple(_negated(draw, ax, len(shape)) for ax in chosen)
        if len(axis) == 1 and draw(st.booleans()):
            axis = axis[0]
    form = draw(st.sampled_from(["function", "method", "dim"]))
    if form == "function":
        call = lambda t: ag.squeeze(t, axis=axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.squeeze(axis)  # noqa: E731
    else:
        call = lambda t: t.squeeze(dim=axis)  # noqa: E731  (PyTorch's keyword)
    return Case(
        (x,),
        call,
        lambda a: np.squeeze(a, axis=axis),
        f"squeeze{shape} axis={axis} {form}",
        method=lambda t: t.squeeze(axis),
    )


def _expand_dims_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    count = draw(st.integers(1, 2))
    ndim = len(shape) + count
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=count, max_size=count, unique=True))
    axis = tuple(_negated(draw, ax, ndim) for ax in chosen)
    if count == 1:
        axis = axis[0]
        form = draw(st.sampled_from(["function", "method", "unsqueeze", "unsqueeze(dim=)"]))
    else:
        form = draw(st.sampled_from(["function", "method"]))
    if form == "function":
        call = lambda t: ag.expand_dims(t, axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.expand_dims(axis=axis)  # noqa: E731
    elif form == "unsqueeze":
        call = lambda t: ag.unsqueeze(t, axis)  # noqa: E731
    else:
        call = lambda t: t.unsqueeze(dim=axis)  # noqa: E731
    return Case(
        (x,),
        call,
        lambda a: np.expand_dims(a, axis),
        f"expand_dims{shape} axis={axis} {form}",
        method=lambda t: t.expand_dims(axis),
    )


def _torch_flatten(a: np.ndarray, start: int, end: int) -> np.ndarray:
    """PyTorch's flatten(start_dim, end_dim) in NumPy (0-d counts as shape (1,))."""
    shape = a.shape or (1,)
    start, end = start % len(shape), end % len(shape)
    merged = int(np.prod(shape[start : end + 1]))
    return a.reshape((*shape[:start], merged, *shape[end + 1 :]))


def _flatten_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    form = draw(st.sampled_from(["method", "function", "F", "start_dim"]))
    if form == "start_dim":
        ndim = max(len(shape), 1)
        start, end = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2)))
        start, end = _negated(draw, start, ndim), _negated(draw, end, ndim)
        return Case(
            (x,),
            lambda t: t.flatten(start_dim=start, end_dim=end),
            lambda a: _torch_flatten(a, start, end),
            f"flatten{shape} start_dim={start} end_dim={end}",
        )
    if form == "F":
        return Case(
            (x,),
            lambda t: ag.flatten(t, "F"),
            lambda a: a.flatten("F"),
            f"flatten{shape} order F",
            method=lambda t: t.flatten(order="F"),
        )
    function = (lambda t: t.flatten()) if form == "method" else ag.flatten
    return Case((x,), function, lambda a: a.flatten(), f"flatten{shape} {form}")


def _ravel_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    transposed = draw(st.booleans())  # a transposed view: C order differs from memory order
    order = draw(st.sampled_from(["C", "F"]))

    def call(t):
        return ag.ravel(t.T if transposed else t, order)

    def reference(a):
        return np.ravel(a.T if transposed else a, order)

    def method(t):
        return (t.T if transposed else t).ravel(order=order)

    return Case((x,), call, reference, f"ravel{shape} {order} T={transposed}", method=method)


def _copy_sample(draw, rng) -> Case:
    x = rng.standard_normal(draw(SHAPES))
    name = draw(st.sampled_from(["copy", "clone"]))
    return Case(
        (x,),
        lambda t: getattr(ag, name)(t),
        np.copy,
        f"{name}{x.shape}",
        method=lambda t: getattr(t, name)(),
    )


# ----------------------------------------------------------------------------- repeating


def _repeat_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    axis = (
        None if not shape or draw(st.booleans()) else draw(st.integers(-len(shape), len(shape) - 1))
    )
    n = x.size if axis is None else shape[axis]
    kind = draw(st.sampled_from(["int", "per element", "one-element list"]))
    if kind == "int":
        repeats = draw(st.integers(0, 3))
    elif kind == "per element":
        repeats = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    else:
        repeats = [draw(st.integers(1, 3))]
    form = draw(st.sampled_from(["function", "method", "repeat_interleave(dim=)"]))
    if form == "function":
        call = lambda t: ag.repeat(t, repeats, axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.repeat(repeats, axis=axis)  # noqa: E731
    else:
        call = lambda t: t.repeat_interleave(repeats, dim=axis)  # noqa: E731  (PyTorch's name)
    return Case(
        (x,),
        call,
        lambda a: np.repeat(a, repeats, axis=axis),
        f"repeat{shape} repeats={repeats} axis={axis} {form}",
        method=lambda t: t.repeat(repeats, axis),
    )


def _tile_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    counts = st.integers(0, 3) if draw(st.integers(0, 4)) == 0 else st.integers(1, 3)
    if draw(st.booleans()):
        reps = draw(counts)
    else:
        reps = tuple(draw(st.lists(counts, min_size=0, max_size=4)))
    forms = ["function", "method", "dims="] + (
        ["*sizes"] if isinstance(reps, tuple) and reps else []
    )
    form = draw(st.sampled_from(forms))
    if form == "function":
        call = lambda t: ag.tile(t, reps)  # noqa: E731
    elif form == "method":
        call = lambda t: t.tile(reps)  # noqa: E731
    elif form == "dims=":
        call = lambda t: ag.tile(t, dims=reps)  # noqa: E731  (PyTorch's keyword)
    else:
        call = lambda t: t.tile(*reps)  # noqa: E731  (PyTorch's Tensor.tile(*sizes))
    return Case(
        (x,),
        call,
        lambda a: np.tile(a, reps),
        f"tile{shape} reps={reps} {form}",
        method=lambda t: t.tile(reps),
    )


# ----------------------------------------------------------------------------- rearranging


def _roll_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    shifts = st.integers(-6, 6)
    if not shape or draw(st.integers(0, 3)) == 0:
        axis, shift = None, draw(shifts)
    elif draw(st.booleans()):
        axis, shift = draw(st.integers(-len(shape), len(shape) - 1)), draw(shifts)
    else:  # a tuple of axes, an axis may come twice (its shifts add up)
        count = draw(st.integers(1, 3))
        axis = tuple(draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(count))
        shift = draw(shifts) if draw(st.booleans()) else tuple(draw(shifts) for _ in axis)
    form = draw(st.sampled_from(["function", "method", "shifts=, dims="]))
    if form == "function":
        call = lambda t: ag.roll(t, shift, axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.roll(shift, axis=axis)  # noqa: E731
    else:
        call = lambda t: t.roll(shifts=shift, dims=axis)  # noqa: E731  (PyTorch's keywords)
    return Case(
        (x,),
        call,
        lambda a: np.roll(a, shift, axis),
        f"roll{shape} shift={shift} axis={axis} {form}",
        method=lambda t: t.roll(shift, axis),
    )


def _flip_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    axis = axis_for(draw, len(shape))
    form = draw(st.sampled_from(["function", "method", "dims="]))
    if form == "function":
        call = lambda t: ag.flip(t, axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.flip(axis=axis)  # noqa: E731
    else:
        call = lambda t: t.flip(dims=axis)  # noqa: E731  (PyTorch's keyword)
    return Case(
        (x,),
        call,
        lambda a: np.flip(a, axis),
        f"flip{shape} axis={axis} {form}",
        method=lambda t: t.flip(axis),
    )


def _pad_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    mode = draw(st.sampled_from(["constant", "constant", "edge", "reflect", "symmetric", "wrap"]))
    widths = st.integers(0, 5)  # wider than the axis too: reflect and wrap then go round again
    kind = draw(st.sampled_from(["int", "pair", "per axis"] if shape else ["int"]))
    if kind == "int":
        pad_width = draw(widths)
    elif kind == "pair":
        pad_width = (draw(widths), draw(widths))
    else:  # different widths on every axis
        pad_width = tuple((draw(widths), draw(widths)) for _ in shape)
    kw: dict = {}
    if mode == "constant" and draw(st.booleans()):
        if draw(st.booleans()):
            kw["constant_values"] = draw(st.floats(-3, 3))
        else:
            kw["constant_values"] = (draw(st.floats(-3, 3)), draw(st.floats(-3, 3)))
    form = draw(st.sampled_from(["keyword", "positional"]))
    if form == "keyword" or mode == "constant":
        call = lambda t: ag.pad(t, pad_width, mode=mode, **kw)  # noqa: E731
    else:
        call = lambda t: ag.pad(t, pad_width, mode)  # noqa: E731
    return Case(
        (x,),
        call,
        lambda a: np.pad(a, pad_width, mode=mode, **kw),
        f"pad{shape} {pad_width} {mode} {kw or ''}",
    )


# ----------------------------------------------------------------------------- taking


def _indices(draw, n: int, low: int | None = None, high: int | None = None):
    """Integer indices into an axis of length n, repeats and negatives included, as an int,
    a list or an array of 1 or 2 axes."""
    values = st.integers(-n if low is None else low, n - 1 if high is None else high)
    kind = draw(st.sampled_from(["int", "list", "array"]))
    if kind == "int":
        return draw(values)
    if kind == "list":
        return draw(st.lists(values, max_size=6))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    return np.array(
        draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    ).reshape(shape)


def _take_sample(draw, rng) -> Case:
    shape = draw(SHAPES)
    x = rng.standard_normal(shape)
    axis = (
        None if not shape or draw(st.booleans()) else draw(st.integers(-len(shape), len(shape) - 1))
    )
    n = x.size if axis is None else shape[axis]
    mode = draw(st.sampled_from(["raise", "raise", "wrap", "clip"]))
    # with 'wrap' and 'clip', out of range on purpose
    low, high = (None, None) if mode == "raise" else (-2 * n, 2 * n)
    indices = _indices(draw, n, low, high)
    form = draw(st.sampled_from(["function", "method", "tensor indices"]))
    if form == "function":
        call = lambda t: ag.take(t, indices, axis=axis, mode=mode)  # noqa: E731
    elif form == "method":
        call = lambda t: t.take(indices, axis, mode)  # noqa: E731
    else:
        call = lambda t: ag.take(t, ag.Tensor(np.asarray(indices, dtype=np.intp)), axis, mode=mode)  # noqa: E731
    return Case(
        (x,),
        call,
        lambda a: np.take(a, np.asarray(indices, dtype=np.intp), axis=axis, mode=mode),
        f"take{shape} indices={indices!r} axis={axis} mode={mode} {form}",
        method=lambda t: t.take(indices, axis=axis, mode=mode),
    )


def _take_along_axis_sample(draw, rng) -> Case:
    shape = draw(NONSCALAR_SHAPES)
    x = rng.standard_normal(shape)
    if draw(st.integers(0, 4)) == 0:
        axis = None
        index_shape: tuple = (draw(st.integers(0, 6)),)
        n = x.size
    else:
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        n = shape[axis]
        # along `axis` any count; elsewhere the tensor's length or 1 (broadcast)
        index_shape = tuple(
            draw(st.integers(0, 4)) if k == axis % len(shape) else draw(st.sampled_from([m, 1]))
            for k, m in enumerate(shape)
        )
    indices = rng.integers(-n, n, size=index_shape)
    form = draw(st.sampled_from(["function", "method", "take_along_dim(dim=)"]))
    if form == "function":
        call = lambda t: ag.take_along_axis(t, indices, axis)  # noqa: E731
    elif form == "method":
        call = lambda t: t.take_along_axis(indices, axis=axis)  # noqa: E731
    else:
        call = lambda t: t.take_along_dim(ag.Tensor(indices), dim=axis)  # noqa: E731
    return Case(
        (x,),
        call,
        lambda a: np.take_along_axis(a, indices, axis),
        f"take_along_axis{shape} indices{index_shape} axis={axis} {form}",
        method=lambda t: t.take_along_axis(indices, axis),
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
    custom("squeeze", _squeeze_sample),
    custom("expand_dims", _expand_dims_sample),
    custom("flatten", _flatten_sample),
    custom("ravel", _ravel_sample),
    custom("copy", _copy_sample),
    custom("repeat", _repeat_sample),
    custom("tile", _tile_sample),
    custom("roll", _roll_sample),
    custom("flip", _flip_sample),
    custom("pad", _pad_sample),
    custom("take", _take_sample),
    custom("take_along_axis", _take_along_axis_sample),
)
