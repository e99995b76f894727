"""Optimisers: update rules that turn gradients into parameter changes.

An update rule is not a derivative: ``step()`` reads each parameter's ``.grad`` and changes the
parameter's values in place with NumPy (nothing is recorded in the graph). Parameters whose
``.grad`` is None are skipped. Each optimiser keeps its state arrays (velocities, squared
averages) per parameter, in the order the parameters were given.

``weight_decay`` = λ adds λ·W to every parameter's gradient before the update (coupled L2, as
in torch.optim; it applies to biases too). For the course's weights-only penalty
λ/(2m)·Σ‖W‖² add ``nn.l2_penalty(model, lambd, m)`` to the loss instead.

State: ``opt.state_dict()`` returns a flat dict of the hyperparameters, the step count and the
state arrays (keys "<param index>.<buffer>", e.g. "0.v"); ``opt.load_state_dict(d)`` checks and
restores it. ``nn.save(model, path, optimizer=opt)`` stores it beside the weights.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from autograd_lite import Tensor

from .module import Module, check_same_keys


def _check_real(owner: str, name: str, value: Any, low: float, high: float | None = None) -> float:
    """Validate low <= value (< high when given) and return it as a float."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
    if ok:
        ok = value >= low and (high is None or value < high)
    if not ok:
        bound = f"{low} <= {name}" + (f" < {high}" if high is not None else "")
        raise ValueError(f"{owner}: {name} must be a finite number with {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Base class: holds the parameter list and the learning rate; subclasses define
    ``buffers`` (the names of their per-parameter state arrays) and ``update``."""

    buffers: tuple[str, ...] = ()
    hyperparameters: tuple[str, ...] = ("lr", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0) -> None:
        owner = type(self).__name__
        if isinstance(params, Module):
            raise TypeError(f"{owner}: pass model.parameters(), not the model itself")
        if isinstance(params, Tensor):
            params = [params]
        try:
            params = list(params)
        except TypeError:
            raise TypeError(
                f"{owner}: params must be an iterable of Tensors, got {type(params).__name__}"
            ) from None
        if not params:
            raise ValueError(f"{owner} got an empty parameter list")
        for i, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{owner}: parameter {i} is a {type(param).__name__}, not a Tensor")
            if not param.requires_grad:
                raise ValueError(f"{owner}: parameter {i} ({param.name}) does not require grad")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{owner}: the same parameter appears more than once")
        self.params: list[Tensor] = params
        self.lr = lr
        self.weight_decay = _check_real(owner, "weight_decay", weight_decay, 0.0)
        self.step_count = 0
        self.state: list[dict[str, np.ndarray]] = [
            {name: np.zeros_like(p.data) for name in self.buffers} for p in params
        ]

    @property
    def lr(self) -> float:
        """The learning rate α; settable (schedules set it every epoch)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_real(type(self).__name__, "lr", value, 0.0)

    def zero_grad(self) -> None:
        """Reset the gradients of every parameter to None."""
        for param in self.params:
            param.grad = None

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        self.step_count += 1
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = np.asarray(param.grad.data)
            if self.weight_decay:
                grad = grad + self.weight_decay * param.data
            self.update(param.data, grad, state)

    def update(self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Change ``weights`` in place given the gradient ``grad``; subclasses define it."""
        raise NotImplementedError

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters, step count and copies of the per-parameter state arrays."""
        state: dict[str, Any] = {"type": type(self).__name__, "step_count": self.step_count}
        for name in self.hyperparameters:
            state[name] = getattr(self, name)
        for i, buffers in enumerate(self.state):
            for name, values in buffers.items():
                state[f"{i}.{name}"] = values.copy()
        return state

    def check_state_dict(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``state`` against this optimiser without changing anything; raise
        ValueError naming the problem key (and both shapes for a mis-shaped array)."""
        owner = type(self).__name__
        if not isinstance(state, Mapping):
            raise TypeError(f"{owner} state must be a mapping, got {type(state).__name__}")
        expected = self.state_dict()
        check_same_keys(expected, state, f"{owner} state does not match")
        saved_type = str(np.asarray(state["type"]))
        if saved_type != owner:
            raise ValueError(
                f"optimizer state was saved from {saved_type}, cannot load into {owner}"
            )
        checked: dict[str, Any] = {}
        for key, reference in expected.items():
            if key == "type":
                continue
            value = np.asarray(state[key])
            if value.dtype.kind not in "iuf":  # real numbers only (complex, str, object refused)
                raise ValueError(
                    f"{owner} state key '{key}' holds non-numeric data ({value.dtype})"
                )
            reference_shape = np.shape(reference)
            if value.shape != reference_shape:
                raise ValueError(
                    f"{owner} state key '{key}' has shape {value.shape} but the optimizer "
                    f"expects shape {reference_shape}"
                )
            checked[key] = value
        step_count = checked["step_count"]
        if step_count != int(step_count) or step_count < 0:
            raise ValueError(f"{owner} state key 'step_count' must be a whole number >= 0")
        for name in self.hyperparameters:
            _check_real(owner, name, checked[name].item(), 0.0)
        return checked

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore hyperparameters, step count and state arrays; nothing changes on error."""
        checked = self.check_state_dict(state)
        self.step_count = int(checked["step_count"])
        for name in self.hyperparameters:
            setattr(self, name, float(checked[name]))
        for i, buffers in enumerate(self.state):
            for name in buffers:
                buffers[name][...] = checked[f"{i}.{name}"]

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)}" for name in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


class SGD(Optimizer):
    """Gradient descent, optionally with momentum (the course's exponential moving average):

        momentum = 0:   W ← W − α·dW
        momentum = β:   v ← β·v + (1 − β)·dW,   W ← W − α·v

    (v starts at zero; with weight_decay λ, dW is replaced by dW + λ·W.)
    """

    buffers = ("v",)
    hyperparameters = ("lr", "momentum", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        self.momentum = _check_real("SGD", "momentum", momentum, 0.0, 1.0)
        super().__init__(params, lr, weight_decay)

    def update(self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.momentum == 0.0:
            weights -= self.lr * grad
            return
        velocity = state["v"]
        velocity *= self.momentum
        velocity += (1.0 - self.momentum) * grad
        weights -= self.lr * velocity


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root mean square of the gradient.

    s ← β·s + (1 − β)·dW²,   W ← W − α·dW / (√s + ε)
    """

    buffers = ("s",)
    hyperparameters = ("lr", "beta", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        beta: float = 0.9,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.beta = _check_real("RMSprop", "beta", beta, 0.0, 1.0)
        self.eps = _check_real("RMSprop", "eps", eps, 0.0)
        super().__init__(params, lr, weight_decay)

    def update(self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        squares = state["s"]
        squares *= self.beta
        squares += (1.0 - self.beta) * grad * grad
        weights -= self.lr * grad / (np.sqrt(squares) + self.eps)


class Adam(Optimizer):
    """Adam: momentum and RMSprop together, with bias correction. With t the number of
    ``step()`` calls so far (one per mini-batch, starting at 1):

        m ← β₁·m + (1 − β₁)·dW,        v ← β₂·v + (1 − β₂)·dW²
        m̂ = m / (1 − β₁ᵗ),             v̂ = v / (1 − β₂ᵗ)
        W ← W − α·m̂ / (√v̂ + ε)
    """

    buffers = ("m", "v")
    hyperparameters = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.beta1 = _check_real("Adam", "beta1", beta1, 0.0, 1.0)
        self.beta2 = _check_real("Adam", "beta2", beta2, 0.0, 1.0)
        self.eps = _check_real("Adam", "eps", eps, 0.0)
        super().__init__(params, lr, weight_decay)

    @property
    def t(self) -> int:
        """The number of steps taken (Adam's t in the bias correction)."""
        return self.step_count

    def update(self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        t = self.step_count
        first, second = state["m"], state["v"]
        first *= self.beta1
        first += (1.0 - self.beta1) * grad
        second *= self.beta2
        second += (1.0 - self.beta2) * grad * grad
        first_hat = first / (1.0 - self.beta1**t)
        second_hat = second / (1.0 - self.beta2**t)
        weights -= self.lr * first_hat / (np.sqrt(second_hat) + self.eps)
