"""The extension API: write your own primitive op, with its derivative, the way the built-in
ones are written.

    import numpy as np
    from autograd_lite import Tensor
    from autograd_lite.extend import Op, as_tensor, record

    CUBE = Op("cube", lambda xp, g, y, a: g * 3 * a * a)   # (a³)' = 3a²

    def cube(a):
        a = as_tensor(a, "cube")
        return record(a.data ** 3, CUBE, a)

    x = Tensor([1.0, 2.0], requires_grad=True)
    cube(x).sum().backward()            # x.grad = [3, 12]

An `Op` is a name and one **partial derivative** per input. A partial is a vector-Jacobian
product with the signature

    partial(xp, g, y, *inputs, **saved) -> dL/d(input)

- `g` is dL/d(output), `y` the op's output, `inputs` its inputs, `saved` the keyword
  arguments you passed to `record(..., saved={...})` (for data that is neither an input nor
  the output: an axis, a mask). With `ScalarOp` the saved value is one Python number, passed
  last.
- In an ordinary `backward()`, `g`, `y` and the inputs are ndarrays and ``xp`` is plain NumPy;
  under ``backward(create_graph=True)`` they are Tensors and every step is recorded, so the
  same partial gives second derivatives. Write partials with operators (``+ - * / ** @``,
  comparisons), with methods ndarray and Tensor share (``sum(axis=, keepdims=)``,
  ``reshape``, ``transpose``, ``swapaxes``, ``mT``, ``T``, ``shape``, ``ndim``, ``astype``), and
  with the ``xp`` vocabulary:
  ``xp.where(cond, a, b)``, ``xp.exp``, ``xp.log``, ``xp.maximum``,
  ``xp.broadcast_to(g, shape)`` (a fresh array the engine may add into),
  ``xp.scatter_add(values, shape, index)`` (zeros with values added at index),
  ``xp.raw(t)`` (the ndarray behind a value), ``xp.constant(array)`` (a value that carries no
  gradient: a mask, a sign), ``xp.saved(array, recompute)`` (a forward intermediate you kept:
  used as it is by an ordinary backward, recomputed as graph nodes by ``recompute()`` under
  create_graph).
- **Return g itself, a view of it, or a fresh array — never an array the node saved or an
  input's data.** The engine sums the gradients a tensor receives from several uses in place
  into arrays it owns, so returning a saved array would let a later sum overwrite it.
- A partial may return a gradient of the broadcast shape: the engine sums it back to the
  input's shape (`unbroadcast`). An op with one input must return exactly that input's shape.

To make your op a first-class member (``autograd_lite.cube``, ``x.cube()``, ``np.cube``-style
NumPy dispatch, the test families), declare it in the op table with `register`:

    cube = register(kind="elementwise", method=True)(cube)

`record(data, op, a, b=None, saved=...)` wraps the NumPy result `data` in a Tensor and records
`op` when grad mode is on and an input requires grad; `record_many(data, op, inputs, saved)`
serves ops with three or more inputs. `as_tensor(value, name)` turns numbers and arrays into
constant Tensors; `operands(a, b, name)` does it for a binary op (Python numbers take the
other operand's dtype, like NumPy 2's weak scalars); `unbroadcast(grad, shape)` undoes
broadcasting; `normalize_axis(axis, ndim, name, shape)` checks an axis argument.
`examples/gradient_checking.py` builds a (deliberately wrong) op this way and catches it with
`gradcheck`.
"""

from __future__ import annotations

from autograd_lite.ops._core import (
    Op,
    ScalarOp,
    VariadicOp,
    keepdims_shape,
    normalize_axis,
    record,
    record_many,
    unbroadcast,
)
from autograd_lite.ops.table import REGISTRY, Domain, OpInfo, register
from autograd_lite.storage import as_tensor, operands, to_array

__all__ = [
    "REGISTRY",
    "Domain",
    "Op",
    "OpInfo",
    "ScalarOp",
    "VariadicOp",
    "as_tensor",
    "keepdims_shape",
    "normalize_axis",
    "operands",
    "record",
    "record_many",
    "register",
    "to_array",
    "unbroadcast",
]
