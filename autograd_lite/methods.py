"""Tensor's operators and methods.

The class itself (storage, gradient, name, graph-node slots) is defined in
`autograd_lite.storage`; this module gives it its behaviour:

- every op of the op table (`autograd_lite.ops.table.REGISTRY`) declared with a Tensor method,
  an operator or an alias becomes one here (``x.exp()``, ``x + y``, ``2 * x``, ``x.clamp(0)``):
  the method *is* the op's function, so ``x.exp`` costs no extra call;
- `backward`, indexing, iteration, in-place assignment and the transposes are written out
  below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from autograd_lite import engine, inplace, interop, notebook
from autograd_lite.ops import REGISTRY, add, clip, div, getitem, mul, sub, swapaxes, transpose
from autograd_lite.storage import Tensor

__all__ = ["Tensor"]


def _reflected(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``other OP self`` for a binary op: the operands swapped back into their written order."""

    def reflected(self: Tensor, other: Any) -> Any:
        return function(other, self)

    reflected.__name__ = f"r{function.__name__}"
    reflected.__doc__ = f"{function.__name__}(other, self)"
    return reflected


def _attach_ops() -> None:
    """Give Tensor the methods, operators and aliases the op table declares."""
    for info in REGISTRY.values():
        names = info.method + (info.aliases if info.method else ())
        for name in (*names, *info.operators):
            if name in Tensor.__dict__:
                raise RuntimeError(f"op table: Tensor.{name} is declared twice")
            setattr(Tensor, name, info.function)
        for name in info.reflected:
            setattr(Tensor, name, _reflected(info.function))


_attach_ops()


def backward(
    self: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    explain: bool = False,
) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's `.grad` by the chain rule.

    `gradient` is dL/d(self) (required unless self has one element); the graph is freed
    afterwards unless `retain_graph` (default: `create_graph`); `create_graph=True` records
    the backward pass so that the gradients can be differentiated again. `explain=True`
    also prints the pass as the chain rule, node by node (see `autograd_lite.explain`).
    """
    if explain:
        from autograd_lite.explain import explain as narrate  # a tool: imported on demand

        narrate(self, gradient, retain_graph=retain_graph, create_graph=create_graph)
        return
    engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)


def _transposed(self: Tensor) -> Tensor:
    """The transpose (axes reversed)."""
    return transpose(self)


def _matrix_transposed(self: Tensor) -> Tensor:
    """The transpose of the last two axes (a stack of matrices transposed)."""
    return swapaxes(self, -1, -2)


def _positive(self: Tensor) -> Tensor:
    return self


def _iterate(self: Tensor) -> Iterator[Tensor]:
    if self._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (getitem(self, i) for i in range(len(self._data)))


def _in_place(function: Callable[[Any, Any], Tensor], symbol: str) -> Callable:
    """``x OP= value`` with PyTorch's rules (see `autograd_lite.inplace`)."""

    def operator(self: Tensor, value: Any) -> Tensor:
        return inplace.update(self, function, value, symbol)

    operator.__name__ = f"__i{function.__name__}__"
    operator.__doc__ = f"x {symbol} value, in place (see autograd_lite.inplace)"
    return operator


def _method_in_place(function: Callable[[Any, Any], Tensor], name: str) -> Callable:
    """PyTorch's trailing-underscore methods (``x.add_(v)``): the in-place operator, named."""

    def method(self: Tensor, value: Any) -> Tensor:
        return inplace.update(self, function, value, name)

    method.__name__ = name
    method.__doc__ = f"{function.__name__} in place, returning self (PyTorch's {name})"
    return method


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0 in place and return self (``x.grad.zero_()``)."""
    return inplace.assign(self, 0, op="zero_")


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to `value` in place and return self."""
    return inplace.assign(self, value, op="fill_")


def clamp_(self: Tensor, lo: Any = None, hi: Any = None, **bounds: Any) -> Tensor:
    """`clip` in place, returning self (PyTorch's ``clamp_(min, max)``)."""
    return inplace.update(self, lambda old, _: clip(old, lo, hi, **bounds), None, "clamp_")


def detach_(self: Tensor) -> Tensor:
    """Make this tensor a leaf that needs no gradient, in place (its values stay)."""
    self._op = None
    self._parent0 = self._parent1 = self._more_parents = None
    self._requires_grad = False
    return self


def _set_item(self: Tensor, index: Any, value: Any) -> None:
    inplace.set_item(self, index, value)


def _array_ufunc(self: Tensor, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    return interop.array_ufunc(self, ufunc, method, *inputs, **kwargs)


def _array_function(self: Tensor, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    return interop.array_function(self, func, types, args, kwargs)


def _repr_html_(self: Tensor) -> str:
    """What Jupyter shows for a Tensor: shape, dtype, requires_grad, the op that made it,
    ‖grad‖ and a preview of the values (see `autograd_lite.notebook`)."""
    return notebook.tensor_html(self)


Tensor.backward = backward
Tensor._repr_html_ = _repr_html_
Tensor.T = property(_transposed)
Tensor.mT = property(_matrix_transposed)
Tensor.__pos__ = _positive
Tensor.__iter__ = _iterate
Tensor.__setitem__ = _set_item
Tensor.__iadd__ = _in_place(add, "+=")
Tensor.__isub__ = _in_place(sub, "-=")
Tensor.__imul__ = _in_place(mul, "*=")
Tensor.__itruediv__ = _in_place(div, "/=")
Tensor.add_ = _method_in_place(add, "add_")
Tensor.sub_ = _method_in_place(sub, "sub_")
Tensor.mul_ = _method_in_place(mul, "mul_")
Tensor.div_ = _method_in_place(div, "div_")
Tensor.zero_ = zero_
Tensor.fill_ = fill_
Tensor.clamp_ = clamp_
Tensor.detach_ = detach_
# NumPy's protocols: np.exp(t), np.sum(t), np.dot(W, x), ndarray * t record the ops.
Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
