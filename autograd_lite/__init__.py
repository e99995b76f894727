"""autograd_lite: reverse-mode automatic differentiation over NumPy, readable and fast.

Write a model with ordinary operators on `Tensor`s, call `.backward()`, read `.grad`.
"""

from autograd_lite import extend, graph, linalg
from autograd_lite._version import __version__
from autograd_lite.anomaly import AnomalyError, detect_anomaly
from autograd_lite.compiler import compile
from autograd_lite.creation import (
    arange,
    eye,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from autograd_lite.explain import explain
from autograd_lite.functional import grad, gradients, hessian, hvp, jacobian, value_and_grad
from autograd_lite.grad_mode import (
    enable_grad,
    graph_scope,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd_lite.gradcheck import gradcheck
from autograd_lite.methods import Tensor  # the class, with its operators and methods
from autograd_lite.ops.table import exports as _op_exports
from autograd_lite.profiler import profile
from autograd_lite.stepper import save_html
from autograd_lite.viz import draw_graph, retain_grads, save_svg

# Every op of the op table under its public name and aliases (autograd_lite.exp, .clamp, ...).
globals().update(_op_exports())


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
    "arange",
    "compile",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "explain",
    "extend",
    "eye",
    "full",
    "full_like",
    "grad",
    "gradcheck",
    "gradients",
    "graph",
    "graph_scope",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "linalg",
    "linspace",
    "manual_seed",
    "no_grad",
    "ones",
    "ones_like",
    "profile",
    "rand",
    "randn",
    "retain_grads",
    "save_html",
    "save_svg",
    "set_grad_enabled",
    "tensor",
    "value_and_grad",
    "zeros",
    "zeros_like",
    *_op_exports(),
]
