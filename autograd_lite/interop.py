"""NumPy's protocols on Tensors (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``):
code written against ``numpy`` differentiates.

    np.exp(t), np.sum(t, axis=0), np.dot(W, x), np.concatenate([a, b]), np.linalg.norm(t)

each run the recorded op of the op table whose ``numpy=`` names that function or ufunc, so the
result is a Tensor with history. The mapping is built from the op table: an op declared with a
NumPy counterpart dispatches from it, with nothing else to write.

- ``out=``: an ndarray out receives the values (``arr -= t`` stays an ndarray, as NumPy users
  expect: values, no graph); a Tensor out is an in-place update with PyTorch's rules (see
  `autograd_lite.inplace`).
- ``dtype=`` converts the result; ``where=`` on a ufunc keeps `out`'s values where False (it
  needs `out`, as in NumPy), and on sum/mean/prod reduces only where True.
- A ufunc's ``reduce``/``accumulate`` (``np.add.reduce``, ``np.maximum.reduce``,
  ``np.add.accumulate``) map to the matching reduction.
- A NumPy function with no rule here, applied to a Tensor that requires grad while grad mode is
  on, raises a TypeError naming the function; on tensors that need no gradient it computes on
  their values and returns NumPy's result (a constant). Functions whose results carry no
  gradient by their nature (np.shape, np.isnan, np.allclose, np.argwhere, ...) always compute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import creation, storage
from autograd_lite.grad_mode import state
from autograd_lite.inplace import assign
from autograd_lite.ops import REGISTRY
from autograd_lite.ops import sum as total
from autograd_lite.ops import where as select
from autograd_lite.storage import Tensor, make

__all__ = ["array_function", "array_ufunc", "dispatch_table"]


def dispatch_table() -> tuple[dict[Any, Callable], dict[Any, Callable]]:
    """(ufunc → op function, NumPy function → op function), from the op table."""
    ufuncs: dict[Any, Callable] = {}
    functions: dict[Any, Callable] = {}
    for info in REGISTRY.values():
        for counterpart in info.numpy:
            target = ufuncs if isinstance(counterpart, np.ufunc) else functions
            target.setdefault(counterpart, info.function)
    return ufuncs, functions


UFUNCS, FUNCTIONS = dispatch_table()

# ufunc.reduce / ufunc.accumulate → the op of the table that computes them
REDUCTIONS = {np.add: "sum", np.multiply: "prod", np.maximum: "max", np.minimum: "min"}
ACCUMULATIONS = {np.add: "cumsum", np.multiply: "cumprod"}

# NumPy functions whose results carry no gradient whatever their inputs: shapes, truth values,
# positions, counts. They compute on the values even when a tensor requires grad.
NO_GRADIENT_FUNCTIONS = {
    getattr(np, name)
    for name in (
        "shape",
        "ndim",
        "size",
        "result_type",
        "can_cast",
        "iscomplexobj",
        "isrealobj",
        "all",
        "any",
        "allclose",
        "isclose",
        "array_equal",
        "array_equiv",
        "count_nonzero",
        "nonzero",
        "argwhere",
        "flatnonzero",
        "searchsorted",
        "digitize",
        "bincount",
        "shares_memory",
        "may_share_memory",
        "array_repr",
        "array_str",
        "array2string",
        "argmax",
        "argmin",
        "argsort",
        "isin",
        "in1d",
        "sign",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
    )
    if hasattr(np, name)
}
_LIKE = {np.zeros_like: "zeros_like", np.ones_like: "ones_like", np.full_like: "full_like"}


def _tensors_in(value: Any) -> list[Tensor]:
    """The Tensors in an argument (possibly a list or tuple of them, as concatenate takes)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors_in(item)]
    return []


def _needs_gradient(args: Any, kwargs: dict) -> bool:
    if not state.grad_enabled:
        return False
    tensors = _tensors_in(list(args)) + _tensors_in(list(kwargs.values()))
    return any(t._requires_grad for t in tensors)


def _note_reads(values: Any) -> None:
    """NumPy computing on tensors' values outside the op table: values read into NumPy, which
    autograd_lite.compile cannot replay (see `storage.trace_hooks`)."""
    if storage.trace_hooks:
        for tensor in _tensors_in(values):
            storage.trace_event("read", tensor, "a NumPy function without an op")


def _unwrap(value: Any) -> Any:
    """Tensors (also inside lists and tuples) replaced by their arrays."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_unwrap(item) for item in value)
    return value


def _name(func: Any) -> str:
    """How a user wrote it: np.sum, np.linalg.norm, np.fft.fft, ..."""
    name = getattr(func, "__name__", repr(func))
    for prefix, module in (("np.linalg", np.linalg), ("np.fft", np.fft), ("np", np)):
        if getattr(module, name, None) is func:
            return f"{prefix}.{name}"
    return f"{getattr(func, '__module__', 'numpy')}.{name}"


def _no_rule(name: str) -> TypeError:
    return TypeError(
        f"{name}: autograd_lite has no gradient for this NumPy function, and a tensor passed to "
        "it requires grad, so its result would silently cut the graph. Use an autograd_lite op "
        "(see the README's list), or compute on values with x.detach() or under no_grad() if "
        "you want a constant."
    )


# ---------------------------------------------------------------------------------------------
# ufuncs


def _write_out(result: Any, out: Any, where: Any) -> Any:
    """Put `result` into the single `out` target (respecting `where`) and return the target."""
    if isinstance(out, Tensor):
        return assign(out, result, where=where, op="out=")
    values = result._data if isinstance(result, Tensor) else np.asarray(result)
    if where is True:
        out[...] = values
    else:
        np.copyto(out, values, where=np.asarray(_unwrap(where), dtype=bool))
    return out


def array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """`Tensor.__array_ufunc__`: run the recorded op for `ufunc` (see the module docstring)."""
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    out = kwargs.pop("out", None)
    where = kwargs.pop("where", True)
    dtype = kwargs.pop("dtype", None)
    for key in ("casting", "order", "subok", "signature"):
        if key in kwargs and not (key == "casting" and kwargs[key] == "same_kind"):
            raise TypeError(f"{name}: the {key}= argument is not supported on Tensors")
        kwargs.pop(key, None)
    if out is not None:
        if len(out) != 1:
            raise TypeError(f"{name}: only one out= target is supported, got {len(out)}")
        out = out[0]
    function = _ufunc_function(ufunc, method)
    if function is None:
        return _ufunc_without_rule(ufunc, method, name, inputs, kwargs, out, where, dtype)
    if where is not True and method == "__call__" and out is None:
        raise TypeError(f"{name}: where= needs out= (NumPy leaves the other elements unset)")
    if where is not True and method == "reduce":
        kwargs["where"] = where
    try:
        result = function(*inputs, **kwargs)
    except TypeError as error:
        raise TypeError(f"{name}: {error}") from None
    if dtype is not None:
        result = result.astype(dtype)
    if out is not None:
        return _write_out(result, out, where if method == "__call__" else True)
    return result


def _ufunc_function(ufunc: np.ufunc, method: str) -> Callable | None:
    if method == "__call__":
        return UFUNCS.get(ufunc)
    table = {"reduce": REDUCTIONS, "accumulate": ACCUMULATIONS}.get(method, {})
    op_name = table.get(ufunc)
    if op_name is None or op_name not in REGISTRY:
        return None
    function = REGISTRY[op_name].function
    if method == "reduce":
        return lambda a, axis=0, keepdims=False, **kw: function(
            a, axis=axis, keepdims=keepdims, **kw
        )
    return lambda a, axis=0, **kw: function(a, axis=axis, **kw)


def _ufunc_without_rule(
    ufunc: np.ufunc,
    method: str,
    name: str,
    inputs: tuple,
    kwargs: dict,
    out: Any,
    where: Any,
    dtype: Any,
) -> Any:
    """A ufunc the op table does not know: boolean results (np.isnan) and tensors that need no
    gradient compute on the values; anything else would cut the graph, so it is refused."""
    _note_reads(inputs)
    arrays = _unwrap(inputs)
    call_kwargs = dict(kwargs)
    if dtype is not None:
        call_kwargs["dtype"] = dtype
    if where is not True:
        call_kwargs["where"] = _unwrap(where)
    if out is not None and not isinstance(out, Tensor):
        call_kwargs["out"] = (out,)
    values = getattr(ufunc, method)(*arrays, **call_kwargs)
    result_dtype = np.asarray(values).dtype
    if _needs_gradient(inputs, kwargs) and result_dtype.kind in "fc":
        raise _no_rule(name)
    if out is not None and not isinstance(out, Tensor):
        return out
    if out is not None:
        return _write_out(values, out, True)
    return make(np.asarray(values)) if isinstance(values, (np.ndarray, np.generic)) else values


# ---------------------------------------------------------------------------------------------
# functions


def array_function(self: Tensor, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    """`Tensor.__array_function__`: run the recorded op for NumPy function `func`."""
    function = FUNCTIONS.get(func)
    name = _name(func)
    if function is not None:
        return _call_with_numpy_keywords(function, func, name, args, dict(kwargs))
    if func in _LIKE:
        return getattr(creation, _LIKE[func])(*args, **kwargs)
    if func not in NO_GRADIENT_FUNCTIONS and _needs_gradient(args, kwargs):
        raise _no_rule(name)
    _note_reads((args, tuple(kwargs.values())))
    result = func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
    return result


def _call_with_numpy_keywords(
    function: Callable, func: Any, name: str, args: tuple, kwargs: dict
) -> Any:
    """Call the op with NumPy's arguments: out=, dtype= and where= are handled here."""
    out = kwargs.pop("out", None)
    dtype = kwargs.pop("dtype", None)
    where = kwargs.pop("where", True)
    for key, value in list(kwargs.items()):
        if value is np._NoValue:  # NumPy's marker for "not given"
            del kwargs[key]
    try:
        if where is True:
            result = function(*args, **kwargs)
        else:
            result = _masked_reduction(function, func, name, args, kwargs, where)
    except TypeError as error:
        message = str(error)
        raise TypeError(message if message.startswith(name) else f"{name}: {message}") from None
    if dtype is not None:
        result = result.astype(dtype)
    if out is not None:
        return _write_out(result, out, True)
    return result


def _masked_reduction(
    function: Callable, func: Any, name: str, args: tuple, kwargs: dict, where: Any
) -> Any:
    """sum/prod/mean with where=: the masked-out elements count as the identity (0 or 1), and
    mean divides by the number of elements kept, as NumPy does."""
    a, *rest = args
    mask = np.asarray(_unwrap(where), dtype=bool)
    if func is np.sum:
        return function(select(mask, a, 0.0), *rest, **kwargs)
    if func is np.prod:
        return function(select(mask, a, 1.0), *rest, **kwargs)
    if func is np.mean:
        axis = kwargs.get("axis", rest[0] if rest else None)
        keepdims = kwargs.get("keepdims", False)
        count = np.sum(np.broadcast_to(mask, np.shape(_unwrap(a))), axis=axis, keepdims=keepdims)
        return total(select(mask, a, 0.0), axis=axis, keepdims=keepdims) / count
    raise TypeError(f"{name}: where= is supported for sum, prod and mean only")
