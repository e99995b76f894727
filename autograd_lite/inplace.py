"""In-place updates with PyTorch's rules: ``x += v``, ``x[i] = v``, ``np.exp(a, out=x)``.

- When nothing records (grad mode is off, or neither side requires grad), the values are
  written into `x`'s array in place: ``with no_grad(): W -= lr * W.grad`` keeps `W` the same
  leaf, and every view of that array sees the change.
- With recording on, changing a leaf that requires grad in place raises PyTorch's error (the
  gradient would have to be taken with respect to a value that no longer exists).
- With recording on and `x` a result of ops (or a constant updated with a value that requires
  grad), the update is recorded: `x` becomes the output of the update op, its old value lives
  on as that op's input, and the new values are written into `x`'s array in place.
- Any op recorded *before* the update that used `x` refuses to run backward (the values it
  used are gone), as PyTorch's version counters do: the change is dated on the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.grad_mode import no_grad, state
from autograd_lite.ops._core import Op, record, unbroadcast
from autograd_lite.ops.elementwise import where as select
from autograd_lite.ops.shape import normalize_index
from autograd_lite.storage import Tensor, make, to_array

__all__ = ["assign", "set_item", "update"]

LEAF_ERROR = (
    "{op}: a leaf tensor that requires grad{name} is being changed in place while gradients "
    "are recorded (PyTorch raises the same). Update parameters under no_grad() "
    "(with no_grad(): w -= lr * w.grad), or through .data"
)


def _records(target: Tensor, value: Any) -> bool:
    """Whether an in-place update of `target` with `value` must be recorded."""
    if not state.grad_enabled:
        return False
    return target._requires_grad or (isinstance(value, Tensor) and value._requires_grad)


def _refuse_leaf(target: Tensor, op: str) -> None:
    if target._op is None and target._requires_grad:
        name = f" ('{target._name}')" if target._name else ""
        raise RuntimeError(LEAF_ERROR.format(op=op, name=name))


def _write(target: Tensor, values: np.ndarray, op: str, where: Any = None) -> None:
    """Write `values` into target's array (its shape, a same-kind cast) and date the change."""
    if storage.trace_hooks:
        storage.trace_event("write", target)
    if (
        values.shape != target._data.shape
        and np.broadcast_shapes(values.shape, target._data.shape) != target._data.shape
    ):
        raise ValueError(
            f"{op}: the result has shape {values.shape}, which does not fit the tensor updated "
            f"in place, of shape {target.shape}"
        )
    if not np.can_cast(values.dtype, target._data.dtype, casting="same_kind"):
        raise TypeError(
            f"{op}: the result has dtype {values.dtype}, which cannot be stored in place into a "
            f"tensor of dtype {target.dtype} (PyTorch refuses this too); convert first with "
            "astype()"
        )
    if not target._data.flags.writeable:
        raise ValueError(
            f"{op}: the tensor's array is read-only (a broadcast view, or a guarded array): "
            "cannot change it in place"
        )
    if where is None:
        np.copyto(target._data, values, casting="same_kind")
    else:
        np.copyto(target._data, values, casting="same_kind", where=where)
    storage.mark_written(target)


def _former_self(target: Tensor) -> Tensor:
    """A new Tensor standing for `target` as it was: its node (op, inputs, saved data, stamp)
    and a copy of its values, which the update is about to overwrite."""
    old = make(target._data.copy())
    old._op, old._saved, old._stamp = target._op, target._saved, target._stamp
    old._parent0, old._parent1 = target._parent0, target._parent1
    old._more_parents = target._more_parents
    old._requires_grad = target._requires_grad
    old._origin = target._origin
    return old


def _become(target: Tensor, result: Tensor, op: str) -> Tensor:
    """Make `target` the recorded `result` of the update, keeping the target object (so every
    reference and view sees it) and writing the values into its array."""
    _write(target, result._data, op)
    # Stamped after the write: the update is this node's own making, not a change behind it.
    target._op, target._saved, target._stamp = result._op, result._saved, storage.tick()
    target._parent0, target._parent1 = result._parent0, result._parent1
    target._more_parents = result._more_parents
    target._requires_grad = result._requires_grad
    target._origin = result._origin  # (a fresh result: no module calls yet)
    return target


def update(target: Tensor, function: Callable[[Any, Any], Tensor], value: Any, op: str) -> Tensor:
    """``target OP= value`` with `function` the out-of-place op (add for +=): the body of the
    in-place operators."""
    if not _records(target, value):
        with no_grad():
            result = function(target, value)
        _write(target, result._data, op)
        return target
    _refuse_leaf(target, op)
    result = function(_former_self(target), value)
    return _become(target, result, op)


def assign(target: Tensor, value: Any, where: Any = True, op: str = "assign") -> Tensor:
    """``target[...] = value`` (where `where` is True, when given): NumPy's ``out=``."""
    if where is not True:
        mask = np.asarray(where._data if isinstance(where, Tensor) else where, dtype=bool)
        return update(target, lambda old, new: select(mask, new, old), value, op)
    return update(target, lambda old, new: _replaced(old, new), value, op)


def _assign_new_partial(xp: Any, g: Any, y: Any, old: Any, new: Any) -> Any:
    return g  # the engine sums it back to new's shape when new was broadcast


ASSIGN = Op(
    "assign",  # y = new (broadcast to old's shape): old is overwritten, new flows through
    lambda xp, g, y, old, new: g * 0,
    _assign_new_partial,
)


def _replaced(old: Tensor, new: Any) -> Tensor:
    """The recorded result of ``old[...] = new``: new's values in old's shape and dtype."""
    new = new if isinstance(new, Tensor) else make(to_array(new, "assign"))
    try:
        data = np.broadcast_to(new._data, old.shape).astype(old.dtype, casting="same_kind")
    except ValueError:
        raise ValueError(
            f"assign: a value of shape {new.shape} does not fit a tensor of shape {old.shape}"
        ) from None
    except TypeError:
        raise TypeError(
            f"assign: a value of dtype {new.dtype} cannot be stored into a tensor of dtype "
            f"{old.dtype}"
        ) from None
    return record(data, ASSIGN, old, new)


# ---------------------------------------------------------------------------------------------
# x[index] = value


def _winners(shape: tuple, index: Any, value_shape: tuple) -> np.ndarray:
    """For ``x[index] = v``: at every position of x, which element of (broadcast) v was written
    there last (−1 where nothing was), as NumPy's last-write-wins assignment decides."""
    target_shape = np.zeros(shape, dtype=np.int8)[index].shape
    order = np.arange(int(np.prod(target_shape, dtype=np.int64))).reshape(target_shape)
    winners = np.full(shape, -1, dtype=np.int64)
    winners[index] = order
    return winners


def _setitem_old_partial(xp: Any, g: Any, y: Any, old: Any, value: Any, *, index: Any, winners):
    # ∂/∂old: 1 where the position was not written, 0 where it was overwritten
    return g * xp.constant((winners < 0).astype(xp.raw(g).dtype))


def _setitem_value_partial(xp: Any, g: Any, y: Any, old: Any, value: Any, *, index: Any, winners):
    # ∂/∂value: each element of (broadcast) value receives g at the positions it won
    target_shape = np.zeros(winners.shape, dtype=np.int8)[index].shape
    won = winners[index].reshape(-1) == np.arange(int(np.prod(target_shape, dtype=np.int64)))
    picked = g[index] * xp.constant(won.reshape(target_shape).astype(xp.raw(g).dtype))
    return unbroadcast(picked, value.shape)


SETITEM = Op("setitem", _setitem_old_partial, _setitem_value_partial)


def _setitem(old: Tensor, value: Any, index: Any) -> Tensor:
    """The recorded result of ``old[index] = value``."""
    value = value if isinstance(value, Tensor) else make(to_array(value, "setitem"))
    data = old._data.copy()
    try:
        data[index] = value._data
    except (ValueError, IndexError) as error:
        raise type(error)(f"setitem: {error} (tensor of shape {old.shape})") from None
    winners = _winners(old.shape, index, value.shape)
    return record(data, SETITEM, old, value, saved={"index": index, "winners": winners})


def set_item(target: Tensor, index: Any, value: Any) -> None:
    """``target[index] = value``: a write into target's array (nothing records), or, when
    `value` requires grad or `target` is a recorded result, the recorded setitem op."""
    index = normalize_index(index)
    if not _records(target, value):
        values = value._data if isinstance(value, Tensor) else to_array(value, "setitem")
        try:
            target._data[index] = values
        except (ValueError, IndexError, TypeError) as error:
            raise type(error)(f"setitem: {error} (tensor of shape {target.shape})") from None
        storage.mark_written(target)
        return
    _refuse_leaf(target, "setitem")
    result = _setitem(_former_self(target), value, index)
    _become(target, result, "setitem")
