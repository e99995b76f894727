"""``tanh`` for micrograd's ``Value``, which ships only +, *, ** and relu.

Written in micrograd's own style (a forward value plus a closure that accumulates the local
derivative), so the comparison measures micrograd's engine and not a different one.
"""

from __future__ import annotations

import math
from typing import Any


def tanh(v: Any) -> Any:
    """tanh(v), with d tanh(v)/dv = 1 - tanh(v)²."""
    from micrograd.engine import Value

    t = math.tanh(v.data)
    out = Value(t, (v,), "tanh")

    def _backward() -> None:
        v.grad += (1.0 - t * t) * out.grad

    out._backward = _backward
    return out
