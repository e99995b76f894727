"""The functional API: turn a function of arrays into the function computing its derivatives,
in the style of HIPS autograd and JAX.

    grad(f)(x)            ∂f/∂x for a scalar-valued f
    value_and_grad(f)(x)  (f(x), ∂f/∂x)
    jacobian(f)(x)        ∂f(x)ᵢ/∂xⱼ, shape f(x).shape + x.shape
    hessian(f)(x)         ∂²f/∂xᵢ∂xⱼ, shape x.shape + x.shape
    hvp(f)(x, v)          the Hessian-vector product H·v without forming H

They compose: ``grad(grad(f))(x)`` is f'' and ``grad(lambda x: grad(f)(x).sum())`` works.
Called on plain numbers or arrays (the top level) they return ndarrays; called on Tensors that
require grad, as happens inside an outer `grad`, they return recorded Tensors, so the outer
derivative sees through them. (`gradients` is the same machinery for tensors you already have,
like ``torch.autograd.grad``.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite.engine import gradients
from autograd_lite.grad_mode import enable_grad
from autograd_lite.ops._core import Op, record
from autograd_lite.storage import Tensor

__all__ = ["grad", "gradients", "hessian", "hvp", "jacobian", "value_and_grad"]

# A fresh node standing for an argument that is itself being differentiated by an outer
# transform: the inner derivative is taken with respect to this node, and stays connected to
# the outer argument through it.
_ARGUMENT = Op("argument", lambda xp, g, y, a: g)


def _argnums_tuple(argnums: int | Sequence[int], where: str) -> tuple[int, ...]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    try:
        nums = tuple(argnums)
    except TypeError:
        nums = ()
    if not nums or not all(isinstance(n, int) and not isinstance(n, bool) for n in nums):
        raise TypeError(
            f"{where}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}"
        )
    return nums


def _check_callable(f: Any, where: str) -> None:
    if not callable(f):
        raise TypeError(f"{where}: f must be a callable returning a Tensor, got {type(f).__name__}")


def _variables(args: tuple, nums: tuple[int, ...], where: str) -> tuple[list, list[Tensor], bool]:
    """The argument list with the differentiated arguments replaced by fresh variables, those
    variables, and whether this call is nested inside an outer derivative (some argument is a
    Tensor that requires grad: then the variables stay connected to it)."""
    args_list = list(args)
    for n in nums:
        if not -len(args_list) <= n < len(args_list):
            raise IndexError(f"{where}: argnums {n} is out of range for {len(args_list)} arguments")
    if len({n % len(args_list) for n in nums}) != len(nums):
        # A second variable for the same argument would hide the first: its gradient would
        # silently come back as zeros.
        raise ValueError(f"{where}: argnums {nums!r} names the same argument twice")
    nested = any(isinstance(args_list[n], Tensor) and args_list[n].requires_grad for n in nums)
    variables = []
    for n in nums:
        value = args_list[n]
        if nested and isinstance(value, Tensor) and value.requires_grad:
            with enable_grad():
                variable = record(value._data, _ARGUMENT, value)
        else:
            data = value._data if isinstance(value, Tensor) else value
            variable = Tensor(data, requires_grad=True)
            if variable.dtype.kind != "f":
                variable = Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
        args_list[n] = variable
        variables.append(variable)
    return args_list, variables, nested


def _call(f: Callable, args_list: list, kwargs: dict, where: str) -> Tensor:
    with enable_grad():
        out = f(*args_list, **kwargs)
    if not isinstance(out, Tensor):
        raise TypeError(f"{where}: f must return a Tensor, got {type(out).__name__}")
    return out


def _result(values: Sequence[Any], nested: bool, single: bool) -> Any:
    """Recorded Tensors when nested, else ndarrays; one value or a tuple."""
    if not nested:
        values = [v._data if isinstance(v, Tensor) else v for v in values]
    return values[0] if single else tuple(values)


def value_and_grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ``(f(*args), ∂f/∂args[argnums])``.

    `f` must return a one-element Tensor. The arguments named by `argnums` (numbers, arrays or
    Tensors) are differentiated as fresh variables: the caller's tensors' `.grad` is not
    touched. At the top level the gradients are ndarrays of the arguments' shapes (a tuple when
    `argnums` is a tuple) and the value a Tensor without history; nested inside an outer
    derivative both are recorded Tensors.
    """
    _check_callable(f, "grad")
    nums = _argnums_tuple(argnums, "grad")

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        args_list, variables, nested = _variables(args, nums, "grad")
        out = _call(f, args_list, kwargs, "grad")
        if out.size != 1:
            raise TypeError(
                f"grad: f must return a one-element Tensor, got a Tensor of shape {out.shape} "
                "(use jacobian for vector-valued functions)"
            )
        if out.requires_grad:
            found = gradients(out, variables, create_graph=nested, allow_unused=True)
        else:
            found = (None,) * len(variables)
        grads = [
            g if g is not None else Tensor(np.zeros(v.shape, dtype=v.dtype))
            for g, v in zip(found, variables)
        ]
        value = out if nested else out.detach()
        return value, _result(grads, nested, isinstance(argnums, int))

    return wrapper


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ∂f/∂args[argnums] (see `value_and_grad`)."""
    value_and_grad_f = value_and_grad(f, argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_f(*args, **kwargs)[1]

    return wrapper


def jacobian(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing the Jacobian J[i..., j...] = ∂f(x)[i...]/∂x[j...], of shape
    ``f(x).shape + x.shape`` (a tuple of them for a tuple `argnums`): one backward pass per
    output element, each seeded with a one-hot cotangent."""
    _check_callable(f, "jacobian")
    nums = _argnums_tuple(argnums, "jacobian")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args_list, variables, nested = _variables(args, nums, "jacobian")
        out = _call(f, args_list, kwargs, "jacobian")
        rows: list[list[Any]] = [[] for _ in variables]
        for k in range(out.size):
            one_hot = np.zeros(out.shape, dtype=out.dtype)
            one_hot.flat[k] = 1
            if out.requires_grad:
                found = gradients(
                    out,
                    variables,
                    grad_outputs=one_hot,
                    retain_graph=True,
                    create_graph=nested,
                    allow_unused=True,
                )
            else:
                found = (None,) * len(variables)
            for row, g, v in zip(rows, found, variables):
                row.append(g if g is not None else Tensor(np.zeros(v.shape, dtype=v.dtype)))
        results = []
        for row, v in zip(rows, variables):
            if not row:  # f returned an empty tensor
                results.append(Tensor(np.zeros(out.shape + v.shape, dtype=v.dtype)))
            elif nested:
                from autograd_lite.ops import stack

                results.append(stack(row).reshape(out.shape + v.shape))
            else:
                stacked = np.stack([g._data for g in row])
                results.append(Tensor(stacked.reshape(out.shape + v.shape)))
        return _result(results, nested, isinstance(argnums, int))

    return wrapper


def hessian(f: Callable[..., Tensor], argnum: int = 0) -> Callable:
    """Return a function computing the Hessian ∂²f/∂xᵢ∂xⱼ of a scalar f with respect to
    argument `argnum`, of shape ``x.shape + x.shape``: the Jacobian of the gradient."""
    _check_callable(f, "hessian")
    nums = _argnums_tuple(argnum, "hessian")
    if len(nums) != 1:
        raise TypeError(f"hessian: argnum must be one int, got {argnum!r}")
    return jacobian(grad(f, nums[0]), nums[0])


def hvp(f: Callable[..., Tensor], argnum: int = 0) -> Callable:
    """Return a function ``(*args, v) ↦ H·v``, the Hessian of scalar f with respect to argument
    `argnum` applied to a vector v of that argument's shape, by differentiating ⟨∇f, v⟩ — two
    backward passes, without forming H (Pearlmutter's trick)."""
    _check_callable(f, "hvp")
    nums = _argnums_tuple(argnum, "hvp")
    if len(nums) != 1:
        raise TypeError(f"hvp: argnum must be one int, got {argnum!r}")

    def wrapper(*args_and_v: Any, **kwargs: Any) -> Any:
        if len(args_and_v) < 2:
            raise TypeError("hvp: call it with the function's arguments followed by v")
        *args, v = args_and_v
        n = nums[0] % len(args)
        shape = np.shape(args[n].data if isinstance(args[n], Tensor) else args[n])
        if np.shape(v.data if isinstance(v, Tensor) else v) != shape:
            raise ValueError(f"hvp: v has shape {np.shape(v)} but argument {n} has shape {shape}")

        def directional(*inner: Any, **kw: Any) -> Tensor:
            g = grad(f, n)(*inner, **kw)
            return (g * v).sum()

        return grad(directional, n)(*args, **kwargs)

    return wrapper
