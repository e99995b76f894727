"""The primitive ops, grouped like a formula table: elementwise, reductions, shape, linear
algebra, fused losses. Every function takes Tensors (or numbers / arrays, which become
constants) and returns a Tensor that records its op when an input requires grad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.ops._core import NumpyMath, Op, VariadicOp, _raw, unbroadcast
from autograd_lite.ops.elementwise import (
    abs,
    add,
    clip,
    div,
    exp,
    leaky_relu,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from autograd_lite.ops.linalg import linear, matmul
from autograd_lite.ops.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    softmax_cross_entropy,
)
from autograd_lite.ops.reductions import (
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sum,
    var,
)
from autograd_lite.ops.shape import (
    astype,
    broadcast_to,
    concatenate,
    getitem,
    reshape,
    scatter_add,
    stack,
    swapaxes,
    transpose,
)


class TensorMath:
    """`xp` under ``create_graph=True``: the same functions as `NumpyMath`, but recorded."""

    where = staticmethod(where)
    exp = staticmethod(exp)
    log = staticmethod(log)
    maximum = staticmethod(maximum)
    broadcast_to = staticmethod(broadcast_to)
    scatter_add = staticmethod(scatter_add)
    raw = staticmethod(_raw)

    @staticmethod
    def constant(array: np.ndarray) -> Any:
        """A value that carries no gradient, as a constant Tensor."""
        from autograd_lite.ops._core import _make_tensor

        return _make_tensor(array)

    @staticmethod
    def saved(array: np.ndarray, recompute: Callable[[], Any]) -> Any:
        """A forward intermediate, recomputed as graph nodes so it can be differentiated."""
        return recompute()


numpy_math = NumpyMath
tensor_math = TensorMath

__all__ = [
    "Op",
    "VariadicOp",
    "abs",
    "add",
    "astype",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "clip",
    "concatenate",
    "div",
    "exp",
    "getitem",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "numpy_math",
    "pow",
    "relu",
    "reshape",
    "scatter_add",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "sqrt",
    "stack",
    "sub",
    "sum",
    "swapaxes",
    "tanh",
    "tensor_math",
    "transpose",
    "unbroadcast",
    "var",
    "where",
]
