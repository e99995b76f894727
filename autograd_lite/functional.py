"""The functional API: `grad(f)` and `value_and_grad(f)` turn a scalar function of arrays into
a function that returns its gradient, in the style of HIPS autograd and JAX."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite.grad_mode import enable_grad
from autograd_lite.tensor import Tensor


def _argnums_tuple(argnums: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(argnums, int):
        return (argnums,)
    nums = tuple(argnums)
    if not nums or not all(isinstance(n, int) for n in nums):
        raise TypeError(
            f"grad: argnums must be an int or a non-empty tuple of ints, got {argnums!r}"
        )
    return nums


def value_and_grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ``(f(*args), ∂f/∂args[argnums])``.

    `f` must return a one-element Tensor. The arguments named by `argnums` (ndarrays, numbers
    or Tensors) are differentiated as fresh leaves, so the caller's tensors are not touched.
    Gradients are ndarrays of the arguments' shapes (a tuple when `argnums` is a tuple); the
    value is returned as a Tensor without history.
    """
    if not callable(f):
        raise TypeError(f"grad: f must be a callable returning a Tensor, got {type(f).__name__}")
    nums = _argnums_tuple(argnums)

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        args_list = list(args)
        for n in nums:
            if not -len(args_list) <= n < len(args_list):
                raise IndexError(
                    f"grad: argnums {n} is out of range for {len(args_list)} arguments"
                )
        if len({n % len(args_list) for n in nums}) != len(nums):
            # A second leaf for the same argument would hide the first: its gradient would
            # silently come back as zeros.
            raise ValueError(f"grad: argnums {argnums!r} names the same argument twice")
        leaves = []
        for n in nums:
            value = args_list[n]
            leaf = Tensor(value.data if isinstance(value, Tensor) else value, requires_grad=True)
            args_list[n] = leaf
            leaves.append(leaf)
        with enable_grad():
            out = f(*args_list, **kwargs)
        if not isinstance(out, Tensor) or out.size != 1:
            shape = getattr(out, "shape", None)
            raise TypeError(
                f"grad: f must return a one-element Tensor, got {type(out).__name__}"
                + (f" of shape {shape}" if shape is not None else "")
            )
        if out.requires_grad:
            out.backward()
        grads = tuple(
            leaf.grad.data if leaf.grad is not None else np.zeros_like(leaf.data) for leaf in leaves
        )
        return out.detach(), grads[0] if isinstance(argnums, int) else grads

    return wrapper


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ∂f/∂args[argnums] as ndarray(s) (see `value_and_grad`)."""
    value_and_grad_f = value_and_grad(f, argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_f(*args, **kwargs)[1]

    return wrapper
