"""Activation functions as modules, each a thin call to the Tensor method of the same name.

Their derivatives live in the engine next to the forward computation; nothing here
re-derives one.
"""

from __future__ import annotations

from typing import Any

from autograd_lite import Tensor
from autograd_lite.validation import integer, real_number

from .module import Module, as_tensor


class Sigmoid(Module):
    """σ(z) = 1 / (1 + e^(−z)); σ'(z) = σ(z)(1 − σ(z))."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).sigmoid()


class Tanh(Module):
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)); tanh'(z) = 1 − tanh(z)²."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).tanh()


class ReLU(Module):
    """relu(z) = max(0, z); relu'(z) = 1 if z > 0 else 0 (0 at z = 0, like PyTorch)."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).relu()


class LeakyReLU(Module):
    """leaky_relu(z) = z if z > 0 else negative_slope · z."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = real_number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """softmax(z)_i = e^(z_i) / Σ_j e^(z_j) along ``axis`` (computed with the max subtracted).

    For training a classifier prefer raw logits with CrossEntropyLoss, which is more stable
    than Softmax followed by a log.
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = integer(axis, "axis", "Softmax")

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).softmax(axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
