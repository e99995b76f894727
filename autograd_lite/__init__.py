"""autograd_lite: reverse-mode automatic differentiation over NumPy, readable and fast.

Write a model with ordinary operators on `Tensor`s, call `.backward()`, read `.grad`.
"""

from autograd_lite._version import __version__
from autograd_lite.anomaly import AnomalyError, detect_anomaly
from autograd_lite.explain import explain
from autograd_lite.functional import grad, value_and_grad
from autograd_lite.grad_mode import (
    enable_grad,
    graph_scope,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd_lite.gradcheck import gradcheck
from autograd_lite.ops import (
    abs,
    add,
    astype,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    broadcast_to,
    clip,
    concatenate,
    div,
    exp,
    leaky_relu,
    linear,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    sqrt,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    var,
    where,
)
from autograd_lite.profiler import profile
from autograd_lite.tensor import Tensor
from autograd_lite.viz import draw_graph, retain_grads, save_svg


def __getattr__(name: str) -> object:
    """`autograd_lite.nn` on first use: the engine does not import nn at start-up."""
    if name == "nn":
        import importlib

        return importlib.import_module("autograd_lite.nn")
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")


__all__ = [
    "AnomalyError",
    "Tensor",
    "__version__",
    "abs",
    "add",
    "astype",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "clip",
    "concatenate",
    "detect_anomaly",
    "div",
    "draw_graph",
    "enable_grad",
    "exp",
    "explain",
    "grad",
    "gradcheck",
    "graph_scope",
    "is_grad_enabled",
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
    "no_grad",
    "pow",
    "profile",
    "relu",
    "reshape",
    "retain_grads",
    "save_svg",
    "set_grad_enabled",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "sqrt",
    "stack",
    "sub",
    "sum",
    "swapaxes",
    "tanh",
    "transpose",
    "value_and_grad",
    "var",
    "where",
]
