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

from autograd_lite import engine, storage
from autograd_lite.ops import REGISTRY, getitem, swapaxes, transpose
from autograd_lite.ops.shape import normalize_index
from autograd_lite.storage import Tensor, to_array

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


def _set_item(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value`` on a tensor that requires no gradient (a constant)."""
    if self._requires_grad:
        raise RuntimeError(
            "setitem: in-place assignment into a tensor that requires grad is not supported "
            "(the recorded graph would go stale); build a new tensor with where() or "
            "concatenate(), or assign into .data under no_grad for updates"
        )
    self._data[normalize_index(index)] = to_array(value, "setitem")
    self._changed_at = storage.next_change()


Tensor.backward = backward
Tensor.T = property(_transposed)
Tensor.mT = property(_matrix_transposed)
Tensor.__pos__ = _positive
Tensor.__iter__ = _iterate
Tensor.__setitem__ = _set_item
# Make NumPy defer to Tensor's reflected operators (ndarray * Tensor -> Tensor.__rmul__).
Tensor.__array_ufunc__ = None
