"""The primitive ops, grouped like a formula table: elementwise, reductions, shape, linear
algebra, fused losses. Every function takes Tensors (or numbers / arrays, which become
constants) and returns a Tensor that records its op when an input requires grad.

Each op is declared once, in its module, with `table.register`; this package's names are
generated from that table (`table.REGISTRY`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.ops import (
    elementwise,
    linalg,
    logic,
    losses,
    matrix_functions,
    ordering,
    reductions,
    shape,
)
from autograd_lite.ops._core import NumpyMath, Op, ScalarOp, VariadicOp, _raw, unbroadcast
from autograd_lite.ops.table import REGISTRY, Domain, OpInfo, exports, register
from autograd_lite.storage import make

# Every op by name (getitem and scatter_add too, which autograd_lite itself does not export).
globals().update({name: info.function for name, info in REGISTRY.items()})
globals().update(exports())


class TensorMath:
    """`xp` under ``create_graph=True``: the same functions as `NumpyMath`, but recorded."""

    where = staticmethod(elementwise.where)
    exp = staticmethod(elementwise.exp)
    log = staticmethod(elementwise.log)
    maximum = staticmethod(elementwise.maximum)
    broadcast_to = staticmethod(shape.broadcast_to)
    scatter_add = staticmethod(shape.scatter_add)
    raw = staticmethod(_raw)

    @staticmethod
    def constant(array: np.ndarray) -> Any:
        """A value that carries no gradient, as a constant Tensor."""
        return make(array)

    @staticmethod
    def saved(array: np.ndarray, recompute: Callable[[], Any]) -> Any:
        """A forward intermediate, recomputed as graph nodes so it can be differentiated."""
        return recompute()


def _extend_namespaces() -> None:
    """Every op of the table joins the `xp` vocabulary of partial derivatives: ``xp.cos`` is
    NumPy's counterpart in an ordinary backward and the recorded op under create_graph. Names
    the two classes define themselves (broadcast_to, scatter_add, ...) are kept."""
    for name, info in REGISTRY.items():
        if info.numpy and name not in vars(NumpyMath):
            setattr(NumpyMath, name, staticmethod(info.numpy[0]))
        if name not in vars(TensorMath):
            setattr(TensorMath, name, staticmethod(info.function))


_extend_namespaces()
numpy_math = NumpyMath
tensor_math = TensorMath

__all__ = [
    "REGISTRY",
    "Domain",
    "Op",
    "OpInfo",
    "ScalarOp",
    "VariadicOp",
    "elementwise",
    "exports",
    "linalg",
    "logic",
    "losses",
    "matrix_functions",
    "ordering",
    "numpy_math",
    "reductions",
    "register",
    "shape",
    "tensor_math",
    "unbroadcast",
    *REGISTRY,
    *exports(),
]
