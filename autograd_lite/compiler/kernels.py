"""Replay kernels: for every op, the NumPy computation its eager function runs, without the
argument checks, conversions and Tensor wrapping around it.

`KERNELS[op](record)` is called once, while tracing, with what the op's call recorded (its
inputs, result, saved data and side inputs: `trace.Record`), and returns a `trace.Kernel`: a
function of the inputs' arrays that gives the same array (and, where the op's saved data
depends on the values, the same saved data) as the eager op gives for them, bit for bit. That
is the rule every kernel here follows, and `tests/autograd_lite/test_compile.py` checks it op
by op against the op table's rows: each kernel calls the NumPy functions the eager op calls,
in the same order, on operands of the same types (a 0-d operand as a NumPy scalar where the
op computes on scalars). Where an op's result is a fresh C-contiguous array, its ufunc writes
into a buffer kept from one replay to the next instead of allocating (`buffer=True`).

Ops whose eager function also does some checking that depends on values (probabilities in
[0, 1], class labels in range) share a ``*_forward`` function with the kernel, so the checks
run on every replay too.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.compiler.trace import Kernel, Record, Refused
from autograd_lite.ops import elementwise as ew
from autograd_lite.ops import linalg as la
from autograd_lite.ops import losses as lo
from autograd_lite.ops import matrix_functions as mf
from autograd_lite.ops import ordering as od
from autograd_lite.ops import reductions as rd
from autograd_lite.ops import shape as sh
from autograd_lite.ops._core import NumpyMath
from autograd_lite.storage import Tensor, to_array

KERNELS: dict[Any, Callable[[Record], Kernel]] = {}


def kernel_for(*ops: Any) -> Callable:
    def declare(factory: Callable[[Record], Kernel]) -> Callable[[Record], Kernel]:
        for op in ops:
            KERNELS[op] = factory
        return factory

    return declare


def _side(record: Record, name: str, convert: Callable[[Any], Any] = lambda v: v):
    """A side input of the op: ``(tensor, None)`` when it is a Tensor (its values are an input
    of the kernel), else ``(None, convert(value))``, a constant."""
    value = record.side.get(name) if record.side else None
    if isinstance(value, Tensor):
        return value, None
    return None, convert(value)


# ----------------------------------------------------------------------------- elementwise


# The Python operator of each arithmetic function (the generated replay writes ``x * y``).
SYMBOLS = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.mod: "%",
}


def _binary(fn: Callable, ufunc: np.ufunc) -> Callable[[Record], Kernel]:
    """Two tensors, computed as ``fn(a, b)`` on NumPy scalars when both are 0-d (`_core`)."""
    symbol = SYMBOLS.get(fn)
    names = {"f": fn, "u": ufunc}

    def factory(record: Record) -> Kernel:
        a, b = record.parents
        if not a._data.shape and not b._data.shape:
            expression = f"{{s0}} {symbol} {{s1}}" if symbol else "{f}({s0}, {s1})"
            return Kernel(
                lambda x, y: fn(x[()], y[()]), scalar=True, expression=expression, names=names
            )
        if record.can_write_into_buffer():
            return Kernel(
                lambda x, y, out: ufunc(x, y, out=out),
                buffer=True,
                expression="{u}({x0}, {x1}, out={out})",
                names=names,
            )
        return Kernel(fn, expression="{f}({x0}, {x1})", names=names)

    return factory


for _op, _fn, _ufunc in (
    (ew.ADD, operator.add, np.add),
    (ew.SUB, operator.sub, np.subtract),
    (ew.MUL, operator.mul, np.multiply),
    (ew.DIV, operator.truediv, np.true_divide),
    (ew.REMAINDER, operator.mod, np.remainder),
    (ew.POW, np.power, np.power),
    (ew.MAXIMUM, np.maximum, np.maximum),
    (ew.MINIMUM, np.minimum, np.minimum),
):
    KERNELS[_op] = _binary(_fn, _ufunc)


@kernel_for(ew.ARCTAN2)
def _arctan2(record: Record) -> Kernel:
    y, x = record.parents
    if not y._data.shape and not x._data.shape:
        return Kernel(lambda a, b: ew._float_arctan2(a[()], b[()]))
    return Kernel(ew._float_arctan2)


def _scalar(fn: Callable, ufunc: np.ufunc) -> Callable[[Record], Kernel]:
    """One tensor and a Python number c (the saved data), c on the op's side."""

    symbol = SYMBOLS[fn]

    def factory(record: Record) -> Kernel:
        c, first = record.saved, record.op.scalar_first
        names = {"c": c, "u": ufunc}
        (a,) = record.parents
        if not a._data.shape:
            if first:
                run, expression = (lambda x: fn(c, x[()])), f"{{c}} {symbol} {{s0}}"
            else:
                run, expression = (lambda x: fn(x[()], c)), f"{{s0}} {symbol} {{c}}"
            return Kernel(run, scalar=True, expression=expression, names=names)
        if record.can_write_into_buffer():
            if first:
                run, expression = (lambda x, out: ufunc(c, x, out=out)), "{u}({c}, {x0}, out={out})"
            else:
                run, expression = (lambda x, out: ufunc(x, c, out=out)), "{u}({x0}, {c}, out={out})"
            return Kernel(run, buffer=True, expression=expression, names=names)
        if first:
            return Kernel(lambda x: fn(c, x), expression=f"{{c}} {symbol} {{x0}}", names=names)
        return Kernel(lambda x: fn(x, c), expression=f"{{x0}} {symbol} {{c}}", names=names)

    return factory


for _ops, _fn, _ufunc in (
    ((ew.ADD_SCALAR, ew.RADD_SCALAR), operator.add, np.add),
    ((ew.SUB_SCALAR, ew.RSUB_SCALAR), operator.sub, np.subtract),
    ((ew.MUL_SCALAR, ew.RMUL_SCALAR), operator.mul, np.multiply),
    ((ew.DIV_SCALAR, ew.RDIV_SCALAR), operator.truediv, np.true_divide),
    ((ew.MOD_SCALAR, ew.RMOD_SCALAR), operator.mod, np.remainder),
):
    for _op in _ops:
        KERNELS[_op] = _scalar(_fn, _ufunc)


@kernel_for(ew.POW_SCALAR)
def _pow_scalar(record: Record) -> Kernel:
    (a,) = record.parents
    p = record.saved
    exponent = p if a._data.dtype.kind == "f" else float(p)
    return Kernel(lambda x: x**exponent, arrays=True)  # on the array, as `pow` computes


def _exact(ufunc: np.ufunc, *constants: Any) -> Callable[[Record], Kernel]:
    """An op computing ``ufunc(a._data, *constants)``: exact, on an array or a scalar alike."""

    names = {"u": ufunc, **{f"c{k}": c for k, c in enumerate(constants)}}
    tail = "".join(f", {{c{k}}}" for k in range(len(constants)))

    def factory(record: Record) -> Kernel:
        if record.can_write_into_buffer():
            return Kernel(
                lambda x, out: ufunc(x, *constants, out=out),
                buffer=True,
                expression=f"{{u}}({{x0}}{tail}, out={{out}})",
                names=names,
            )
        return Kernel(
            lambda x: ufunc(x, *constants),
            arrays=True,
            expression=f"{{u}}({{x0}}{tail})",
            names=names,
        )

    return factory


KERNELS[ew.NEG] = _exact(np.negative)
KERNELS[ew.ABS] = _exact(np.abs)
KERNELS[ew.RELU] = _exact(np.maximum, 0)


def _float_operand(record: Record) -> tuple[bool, bool]:
    """(0-d, needs a float64 conversion) for ops computing on `_float`'s operand."""
    (a,) = record.parents
    return not a._data.shape, a._data.dtype.kind != "f"


def _unary(forward: Callable, to_float: bool) -> Callable[[Record], Kernel]:
    """An op declared with `elementwise.unary_op`: ``forward`` on `_float`'s (or `_numeric`'s)
    operand, a 0-d one as a NumPy scalar."""

    names = {"f": forward}
    ufunc = isinstance(forward, np.ufunc)

    def factory(record: Record) -> Kernel:
        scalar, integers = _float_operand(record)
        convert = to_float and integers
        if scalar:
            if convert:
                return Kernel(lambda x: forward(x.astype(np.float64)[()]))
            return Kernel(
                lambda x: forward(x[()]), scalar=ufunc, expression="{f}({s0})", names=names
            )
        if convert:
            return Kernel(lambda x: forward(x.astype(np.float64)))
        if ufunc and record.can_write_into_buffer():
            return Kernel(
                lambda x, out: forward(x, out=out),
                buffer=True,
                expression="{f}({x0}, out={out})",
                names=names,
            )
        return Kernel(forward, expression="{f}({x0})", names=names)

    return factory


for _op, (_forward, _to_float) in ew.UNARY_FORWARDS.items():
    KERNELS[_op] = _unary(_forward, _to_float)


def _sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """exp(−logaddexp(0, −x)), the ufuncs of `sigmoid` one after another in `out`."""
    np.negative(x, out=out)
    np.logaddexp(0, out, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


@kernel_for(ew.SIGMOID)
def _sigmoid(record: Record) -> Kernel:
    scalar, integers = _float_operand(record)
    if scalar:
        if integers:
            return Kernel(lambda x: np.exp(-np.logaddexp(0, -x.astype(np.float64)[()])))
        return Kernel(lambda x: np.exp(-np.logaddexp(0, -x[()])))
    if integers:
        return Kernel(lambda x: np.exp(-np.logaddexp(0, -x.astype(np.float64))))
    if record.can_write_into_buffer():
        return Kernel(_sigmoid_into, buffer=True)
    return Kernel(lambda x: np.exp(-np.logaddexp(0, -x)))


@kernel_for(ew.LEAKY_RELU)
def _leaky_relu(record: Record) -> Kernel:
    slope = record.saved["negative_slope"]
    scalar, integers = _float_operand(record)

    def run(x: Any) -> Any:
        if integers:
            x = x.astype(np.float64)
        if scalar:
            x = x[()]
        return np.where(x > 0, x, x * slope)

    return Kernel(run)


@kernel_for(ew.ROUND)
def _round(record: Record) -> Kernel:
    decimals = record.side["decimals"]
    scalar = not record.parents[0]._data.shape
    if scalar:
        return Kernel(lambda x: np.round(x[()], decimals))
    return Kernel(lambda x: np.round(x, decimals))


@kernel_for(ew.CLIP)
def _clip(record: Record) -> Kernel:
    lo, hi = record.saved["lo"], record.saved["hi"]
    return Kernel(lambda x: np.clip(x, lo, hi), arrays=True)


@kernel_for(ew.WHERE)
def _where(record: Record) -> Kernel:
    condition, constant = _side(
        record, "condition", lambda c: to_array(c, "where").astype(bool, copy=False)
    )
    if condition is None:
        return Kernel(lambda a, b: np.where(constant, a, b), arrays=True)

    def run(a: Any, b: Any, c: Any) -> tuple:
        mask = np.asarray(c).astype(bool, copy=False)
        return np.where(mask, a, b), {"condition": mask}

    return Kernel(run, extra=(condition,), returns_saved=True, arrays=True)


@kernel_for(ew.DROPOUT)
def _dropout(record: Record) -> Kernel:
    p, generator = record.side["p"], record.side["generator"]
    (a,) = record.parents
    shape, kind = a._data.shape, a._data.dtype.kind
    dtype = np.dtype(a._data.dtype if kind == "f" else np.float64)

    def run(x: Any) -> tuple:
        mask = ew.dropout_mask(shape, p, dtype, ew.dropout_generator(generator))
        data = x[()] * mask[()] if not shape else x * mask
        return data, {"mask": mask}

    return Kernel(run, returns_saved=True)


# ----------------------------------------------------------------------------- reductions


def _axes(record: Record) -> tuple:
    return record.saved["axes"], record.saved["keepdims"]


@kernel_for(rd.SUM)
def _sum(record: Record) -> Kernel:
    axes, keepdims = _axes(record)
    kind = record.parents[0]._data.dtype.kind
    if kind == "f":
        return Kernel(
            lambda x: np.add.reduce(x, axis=axes, keepdims=keepdims),
            arrays=True,
            expression="{r}({x0}, axis={axes}, keepdims={keepdims})",
            names={"r": np.add.reduce, "axes": axes, "keepdims": keepdims},
        )
    dtype = np.int64 if kind == "b" else None
    return Kernel(lambda x: np.sum(x, axis=axes, keepdims=keepdims, dtype=dtype), arrays=True)


def _float_data(x: np.ndarray) -> np.ndarray:
    return x if x.dtype.kind == "f" else x.astype(np.float64)


@kernel_for(rd.STD)
def _std(record: Record) -> Kernel:
    axes, keepdims = _axes(record)
    divisor = record.saved["divisor"]

    def run(a: np.ndarray) -> Any:
        x = _float_data(a)
        count = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
        with np.errstate(divide="ignore", invalid="ignore"):
            centred = x - np.sum(x, axis=axes, keepdims=True) / count
            data = np.sqrt(np.sum(centred * centred, axis=axes, keepdims=keepdims) / divisor)
        return np.asarray(data)

    return Kernel(run, arrays=True)


@kernel_for(rd.PROD)
def _prod(record: Record) -> Kernel:
    axes, keepdims = _axes(record)
    return Kernel(lambda x: np.asarray(np.prod(x, axis=axes, keepdims=keepdims)), arrays=True)


@kernel_for(rd.CUMSUM, rd.CUMPROD)
def _running(record: Record) -> Kernel:
    axis = record.saved["axis"]
    fn = np.cumsum if record.op is rd.CUMSUM else np.cumprod
    return Kernel(lambda x: fn(x, axis=axis), arrays=True)


@kernel_for(rd.MAX, rd.MIN)
def _extremum(record: Record) -> Kernel:
    axes, keepdims = _axes(record)
    fn = np.max if record.op is rd.MAX else np.min
    return Kernel(lambda x: np.asarray(fn(x, axis=axes, keepdims=keepdims)), arrays=True)


@kernel_for(rd.LOGSUMEXP)
def _logsumexp(record: Record) -> Kernel:
    axes, keepdims = _axes(record)

    def run(a: np.ndarray) -> Any:
        x = _float_data(a)
        shift = rd._stable_shift(x, axes)
        with np.errstate(divide="ignore"):
            data = np.log(np.sum(np.exp(x - shift), axis=axes, keepdims=True)) + shift
        if not keepdims:
            data = data.reshape(
                [n for i, n in enumerate(x.shape) if axes is not None and i not in axes]
            )
        return data

    return Kernel(run, arrays=True)


@kernel_for(rd.SOFTMAX)
def _softmax(record: Record) -> Kernel:
    axes = record.saved["axes"]

    def run(a: np.ndarray) -> Any:
        x = _float_data(a)
        e = np.exp(x - rd._stable_shift(x, axes))
        return e / e.sum(axis=axes, keepdims=True)

    return Kernel(run, arrays=True)


@kernel_for(rd.LOG_SOFTMAX)
def _log_softmax(record: Record) -> Kernel:
    axes = record.saved["axes"]

    def run(a: np.ndarray) -> Any:
        x = _float_data(a)
        shifted = x - rd._stable_shift(x, axes)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))

    return Kernel(run, arrays=True)


# ----------------------------------------------------------------------------- shape


@kernel_for(sh.RESHAPE, sh.SQUEEZE, sh.EXPAND_DIMS, sh.RAVEL)
def _reshape(record: Record) -> Kernel:
    shape = record.data.shape
    return Kernel(lambda x: x.reshape(shape), arrays=True)


@kernel_for(sh.TRANSPOSE)
def _transpose(record: Record) -> Kernel:
    axes = record.saved["axes"]
    return Kernel(lambda x: x.transpose(axes), arrays=True)


@kernel_for(sh.BROADCAST_TO)
def _broadcast_to(record: Record) -> Kernel:
    shape = record.data.shape
    return Kernel(lambda x: np.broadcast_to(x, shape), arrays=True)


def _index_template(index: Any) -> tuple[list[Tensor], Callable[[list], Any]]:
    """The tensors inside an index, and a function building the normalized index from their
    values (constants normalized once)."""
    tensors: list[Tensor] = []

    def template(item: Any) -> Callable[[list], Any]:
        if isinstance(item, tuple):
            parts = [template(x) for x in item]
            return lambda values: tuple(part(values) for part in parts)
        if isinstance(item, Tensor):
            if item._data.dtype.kind == "b":
                raise Refused(
                    "a boolean tensor index selects a number of elements known only from its values"
                )
            position = len(tensors)
            tensors.append(item)
            return lambda values: values[position]
        constant = sh.normalize_index(item)
        return lambda values: constant

    build = template(index)
    return tensors, build


@kernel_for(sh.GETITEM)
def _getitem(record: Record) -> Kernel:
    tensors, build = _index_template(record.side["index"])
    if not tensors:
        index = record.saved["index"]
        return Kernel(lambda x: np.asarray(x[index]), arrays=True)

    def run(x: np.ndarray, *values: Any) -> tuple:
        index = build(list(values))
        return np.asarray(x[index]), {"index": index}

    return Kernel(run, extra=tuple(tensors), returns_saved=True, arrays=True)


@kernel_for(sh.SCATTER_ADD)
def _scatter_add(record: Record) -> Kernel:
    shape = record.saved["shape"]
    tensors, build = _index_template(record.side["index"])
    if not tensors:
        index = record.saved["index"]
        return Kernel(lambda v: NumpyMath.scatter_add(v, shape, index), arrays=True)

    def run(v: np.ndarray, *values: Any) -> tuple:
        index = build(list(values))
        return NumpyMath.scatter_add(v, shape, index), {"shape": shape, "index": index}

    return Kernel(run, extra=tuple(tensors), returns_saved=True, arrays=True)


@kernel_for(sh.CONCATENATE)
def _concatenate(record: Record) -> Kernel:
    axis = record.saved["axis"]
    return Kernel(lambda *xs: np.concatenate(xs, axis=axis), arrays=True)


@kernel_for(sh.STACK)
def _stack(record: Record) -> Kernel:
    axis = record.saved["axis"]
    return Kernel(lambda *xs: np.stack(xs, axis=axis), arrays=True)


@kernel_for(sh.ASTYPE)
def _astype(record: Record) -> Kernel:
    dtype = record.data.dtype
    return Kernel(lambda x: x.astype(dtype), arrays=True)


@kernel_for(sh.FLATTEN)
def _flatten(record: Record) -> Kernel:
    shape = record.data.shape
    if record.saved["order"] == "F":
        return Kernel(lambda x: x.flatten("F"), arrays=True)
    return Kernel(lambda x: x.reshape(shape).copy(), arrays=True)


@kernel_for(sh.COPY)
def _copy(record: Record) -> Kernel:
    return Kernel(lambda x: x.copy(), arrays=True)


@kernel_for(sh.REPEAT)
def _repeat(record: Record) -> Kernel:
    saved = record.saved
    axis, base, count, source = saved["axis"], saved["base"], saved["count"], saved["source"]
    counts: Any = count if count is not None else np.bincount(source, minlength=base[axis])
    return Kernel(lambda x: np.repeat(x.reshape(base), counts, axis=axis), arrays=True)


@kernel_for(sh.TILE)
def _tile(record: Record) -> Kernel:
    reps = record.saved["reps"]
    return Kernel(lambda x: np.tile(x, reps), arrays=True)


@kernel_for(sh.ROLL)
def _roll(record: Record) -> Kernel:
    shift, axes = record.saved["shift"], record.saved["axes"]
    if axes is None:
        return Kernel(lambda x: np.roll(x.reshape(-1), shift[0]).reshape(x.shape), arrays=True)
    return Kernel(lambda x: np.roll(x, shift, axes), arrays=True)


@kernel_for(sh.FLIP)
def _flip(record: Record) -> Kernel:
    axes = record.saved["axes"]
    return Kernel(lambda x: np.flip(x, axes), arrays=True)


@kernel_for(sh.PAD)
def _pad(record: Record) -> Kernel:
    mode, widths = record.saved["mode"], record.saved["widths"]
    if not widths:
        return Kernel(lambda x: x.copy(), arrays=True)
    if mode != "constant":
        return Kernel(lambda x: np.pad(x, widths, mode=mode), arrays=True)
    values, constant = _side(record, "constant_values", lambda v: to_array(v, "pad"))
    if values is None:
        return Kernel(
            lambda x: np.pad(x, widths, mode="constant", constant_values=constant), arrays=True
        )
    return Kernel(
        lambda x, v: np.pad(x, widths, mode="constant", constant_values=v),
        extra=(values,),
        arrays=True,
    )


@kernel_for(sh.TAKE)
def _take(record: Record) -> Kernel:
    axis, base, source = record.saved["axis"], record.saved["base"], record.saved["source"]
    indices, _ = _side(record, "indices")
    if indices is None:
        return Kernel(lambda x: np.take(x.reshape(base), source, axis=axis), arrays=True)
    mode, where, shape = record.side["mode"], record.side["where"], record.shapes[0]

    def run(x: np.ndarray, values: Any) -> tuple:  # `take` on new indices, checks included
        index = sh._integer_indices(values, "take")
        source = sh._checked(index, base[axis], mode, "take", where, shape)
        return np.take(x.reshape(base), source, axis=axis), {
            "axis": axis,
            "base": base,
            "source": source,
        }

    return Kernel(run, extra=(indices,), returns_saved=True, arrays=True)


@kernel_for(sh.TAKE_ALONG_AXIS)
def _take_along_axis(record: Record) -> Kernel:
    base, index = record.saved["base"], record.saved["index"]
    indices, _ = _side(record, "indices")
    if indices is None:
        return Kernel(lambda x: x.reshape(base)[index], arrays=True)
    axis, where, shape = record.side["axis"], record.side["where"], record.shapes[0]

    def run(x: np.ndarray, values: Any) -> tuple:  # `take_along_axis` on new indices
        positions = sh._integer_indices(values, "take_along_axis")
        source = sh._checked(positions, base[axis], "raise", "take_along_axis", where, shape)
        full = list(index)
        full[axis] = source
        full = tuple(full)
        return x.reshape(base)[full], {"base": base, "index": full}

    return Kernel(run, extra=(indices,), returns_saved=True, arrays=True)


# ----------------------------------------------------------------------------- linear algebra


@kernel_for(la.MATMUL)
def _matmul(record: Record) -> Kernel:
    if record.can_write_into_buffer():
        return Kernel(lambda a, b, out: np.matmul(a, b, out=out), buffer=True)
    return Kernel(np.matmul)


@kernel_for(la.LINEAR)
def _linear(record: Record) -> Kernel:
    buffer = record.can_write_into_buffer()
    if len(record.parents) == 2:
        if buffer:
            return Kernel(lambda x, w, out: np.matmul(x, w.T, out=out), buffer=True)
        return Kernel(lambda x, w: x @ w.T)
    x, w, b = (p._data for p in record.parents)
    product = np.result_type(x.dtype, w.dtype)
    if np.result_type(product, b.dtype) == product:  # `linear` adds the bias in place
        if buffer:

            def into(x: np.ndarray, w: np.ndarray, b: np.ndarray, out: np.ndarray) -> Any:
                np.matmul(x, w.T, out=out)
                out += b
                return out

            return Kernel(into, buffer=True)

        def in_place(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> Any:
            data = x @ w.T
            data += b
            return data

        return Kernel(in_place)
    return Kernel(lambda x, w, b: x @ w.T + b)


@kernel_for(la.TENSORDOT)
def _tensordot(record: Record) -> Kernel:
    axes = (record.saved["axes_a"], record.saved["axes_b"])
    return Kernel(lambda a, b: np.asarray(np.tensordot(a, b, axes=axes)), arrays=True)


@kernel_for(la.EINSUM)
def _einsum(record: Record) -> Kernel:
    spec = ",".join(record.saved["terms"]) + "->" + record.saved["output"]
    return Kernel(lambda *xs: np.asarray(np.einsum(spec, *xs)), arrays=True)


@kernel_for(mf.P_NORM)
def _norm(record: Record) -> Kernel:
    axes, keepdims, p = record.saved["axes"], record.saved["keepdims"], record.saved["p"]

    def run(a: np.ndarray) -> Any:
        data = _float_data(a)
        if p == 2:
            value = np.sqrt(np.sum(data * data, axis=axes, keepdims=keepdims))
        else:
            with np.errstate(over="ignore"):
                value = np.sum(np.abs(data) ** p, axis=axes, keepdims=keepdims) ** (1 / p)
        return np.asarray(value)

    return Kernel(run, arrays=True)


@kernel_for(mf.INV)
def _inv(record: Record) -> Kernel:
    shape = record.parents[0].shape

    def run(a: np.ndarray) -> Any:
        try:
            return np.linalg.inv(_float_data(a))
        except mf.LinAlgError:
            raise mf._singular("linalg.inv", f"the matrix (shape {shape})") from None

    return Kernel(run, arrays=True)


@kernel_for(mf.DET)
def _det(record: Record) -> Kernel:
    return Kernel(lambda a: np.asarray(np.linalg.det(_float_data(a))), arrays=True)


@kernel_for(mf.SOLVE)
def _solve(record: Record) -> Kernel:
    a_shape, b_shape = record.shapes

    def run(a: np.ndarray, b: np.ndarray) -> Any:
        try:
            return np.linalg.solve(_float_data(a), _float_data(b))
        except mf.LinAlgError:
            raise mf._singular(
                "linalg.solve", f"a (shape {a_shape}, b of shape {b_shape})"
            ) from None

    return Kernel(run, arrays=True)


@kernel_for(od.SORT)
def _sort(record: Record) -> Kernel:
    axis = record.side["axis"]

    def run(x: np.ndarray) -> tuple:
        data, inverse = od.sort_forward(x, axis)
        return data, {"inverse": inverse}

    return Kernel(run, returns_saved=True, arrays=True)


# ----------------------------------------------------------------------------- losses


def _targets(record: Record, name: str, where: str) -> tuple:
    """The targets (or labels) of a loss: a tensor input, or a constant array."""
    return _side(record, name, lambda v: to_array(v, where))


@kernel_for(lo.SOFTMAX_CROSS_ENTROPY)
def _softmax_cross_entropy(record: Record) -> Kernel:
    labels, constant = _targets(record, "labels", "softmax_cross_entropy")
    forward = lo.softmax_cross_entropy_forward
    if labels is None:
        return Kernel(lambda z: forward(z, constant), returns_saved=True)
    return Kernel(forward, extra=(labels,), returns_saved=True, arrays=True)


@kernel_for(lo.BCE_WITH_LOGITS, lo.BCE)
def _binary_cross_entropy(record: Record) -> Kernel:
    where = record.op.name
    targets, constant = _targets(record, "targets", where)
    if record.op is lo.BCE:
        forward = lo.binary_cross_entropy_forward
    else:
        forward = lo.binary_cross_entropy_with_logits_forward
    if targets is None:
        return Kernel(lambda x: forward(x, constant), returns_saved=True, arrays=True)
    return Kernel(forward, extra=(targets,), returns_saved=True, arrays=True)
