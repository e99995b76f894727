"""Layers with state: Dense (a fully connected layer) and Dropout."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor

from .init import Initializer, initialize
from .module import Module, as_tensor

Seed = int | np.random.Generator | None


def _check_size(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


class Dense(Module):
    """Fully connected layer: ``Z = X @ W.T + b`` for a batch of rows X of shape (m, n_in).

    In the course's column-per-example notation this is ``Z = W·A + b`` with ``W`` of shape
    (n_out, n_in) and ``b`` of shape (n_out,). ``init`` chooses W's starting values ("he" by
    default, or "xavier", "glorot", "small", "zeros", or ``callable(shape, rng)``); b starts at
    zero. ``seed`` (an int or a NumPy Generator) makes the initialisation reproducible.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        bias: bool = True,
        init: str | Initializer = "he",
        seed: Seed = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.n_in = _check_size("Dense", "n_in", n_in)
        self.n_out = _check_size("Dense", "n_out", n_out)
        self.init_name = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        rng = np.random.default_rng(seed)
        weights = initialize(init, (self.n_out, self.n_in), rng).astype(dtype)
        self.W = Tensor(weights, requires_grad=True)
        self.b = Tensor(np.zeros(self.n_out, dtype=dtype), requires_grad=True) if bias else None

    def forward(self, x: Any) -> Tensor:
        """X @ W.T + b."""
        x = as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.n_in:
            raise ValueError(
                f"Dense: input of shape {x.shape} does not fit W of shape {self.W.shape}: "
                f"expected the last axis to have n_in = {self.n_in} features"
            )
        return ag.linear(x, self.W, self.b)

    def graph_label(self) -> str:
        return f"{type(self).__name__}({self.n_in}→{self.n_out})"

    def extra_repr(self) -> str:
        return (
            f"n_in={self.n_in}, n_out={self.n_out}, bias={self.b is not None}, "
            f"init={self.init_name!r}"
        )


class Dropout(Module):
    """Inverted dropout: in training each value is dropped with probability ``p`` and the
    survivors are scaled by ``1 / (1 − p)``, so the expected output equals the input:

        mask ~ Bernoulli(keep_prob = 1 − p),   y = x · mask / keep_prob

    In eval mode it is the identity. The mask is a constant multiplied in with a Tensor
    operation, so the gradient flows through the graph (dy/dx = mask / keep_prob). ``seed``
    seeds the layer's own generator, making the masks reproducible.
    """

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p is the drop probability and needs 0 <= p < 1, got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(seed)

    def forward(self, x: Any) -> Tensor:
        """x · mask / (1 − p) in training; x in eval."""
        x = as_tensor(x)
        if not self.training or self.p == 0.0:
            return x
        keep_prob = 1.0 - self.p
        dtype = np.dtype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
        mask = (self.rng.random(x.shape) < keep_prob).astype(dtype) / dtype.type(keep_prob)
        return x * Tensor(mask)

    def extra_repr(self) -> str:
        return f"p={self.p}"
