"""Optimisers: update rules that turn gradients into parameter changes.

An update rule is not a derivative: ``step()`` reads each parameter's ``.grad`` and changes the
parameter's values in place with NumPy (nothing is recorded in the graph). Parameters whose
``.grad`` is None are skipped. Each optimiser keeps its state arrays (velocities, squared
averages) per parameter, in the order the parameters were given.

``step()`` is atomic: it first checks every gradient (a Tensor or ndarray of exactly its
parameter's shape, no broadcasting, real numbers), then computes every new value, and only then
writes them; a refused step changes no parameter, no state array and not the step count. A
built-in rule's new weights become the parameter's array when nothing else holds the old one
(no copy; see ``storage.write_values``); otherwise they are copied into it. Every write into a
tensor's values in nn (steps, ``load_state_dict``, batch norm's running statistics) goes
through ``_assign``.

Weight decay and the L2 penalty. ``weight_decay`` = wd adds wd·W to every parameter's gradient
before the update rule (coupled decay, as in torch.optim; AdamW's decoupled decay is a
different rule). The course's penalty ``nn.l2_penalty(model, lambd, m)`` = λ/(2m)·Σ‖W‖²_F has
the gradient (λ/m)·W, so for the weights the two are the same update when wd = λ/m, for every
optimiser here; the one difference is that weight_decay also decays the biases, which
l2_penalty leaves out.

State: ``opt.state_dict()`` returns a flat dict of the hyperparameters, the step count and the
state arrays (keys "<param index>.<buffer>", e.g. "0.v"); ``opt.load_state_dict(d)`` checks
it with the constructor's own checks and restores it, or changes nothing.
``nn.save(model, path, optimizer=opt)`` stores it beside the weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from autograd_lite import Tensor, storage
from autograd_lite.validation import ArgumentTypeError, integer, real_number

from .module import Module, check_same_keys


def _assign(param: Tensor, new_values: Any, fresh: bool = False) -> None:
    """Write ``new_values`` into ``param``'s values in place (the Tensor stays the same object,
    and so does its ndarray wherever anything else could see it): the one place nn changes a
    tensor's values. `fresh`: ``new_values`` is a new array of nn's own (see
    `storage.write_values`).

    The write is dated on the engine's clock like ``x[...] = v`` (`storage.write_values`), so
    a backward() through a graph recorded before the write raises instead of returning
    gradients for values that no longer exist.
    """
    storage.write_values(param, new_values, fresh)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view, so that an update rule cannot change what it is given."""
    view = array.view()
    view.flags.writeable = False
    return view


def _check_written(owner: str, what: str, values: Any, target: np.ndarray, where: str) -> None:
    """Raise unless `values` can be written into `target` as it is (same shape, a dtype that
    casts to it within its kind), before any parameter is written."""
    shape, dtype = np.shape(values), np.asarray(values).dtype
    if shape != target.shape:
        raise ValueError(
            f"{owner} returned {what} of shape {shape} for {where} of shape {target.shape} "
            "(nothing was updated)"
        )
    if not np.can_cast(dtype, target.dtype, casting="same_kind"):
        raise TypeError(
            f"{owner} returned {what} of dtype {dtype}, which cannot be stored in {where} of "
            f"dtype {target.dtype} (nothing was updated)"
        )


def _label(index: int, param: Tensor) -> str:
    return f"parameter {index} ('{param.name}')" if param.name else f"parameter {index}"


_PROBABILITY = {"minimum": 0.0, "maximum": 1.0, "open_max": True}  # 0 <= β < 1
_NON_NEGATIVE = {"minimum": 0.0}


class Optimizer:
    """Base class: holds the parameter list and the hyperparameters; subclasses define
    ``buffers`` (the names of their per-parameter state arrays), ``hyperparameters`` with
    their ``limits``, and ``update``.

    Parameters must be leaf Tensors that require grad (what you created, not the result of an
    op), each given once. Every hyperparameter is checked by ``check_hyperparameters`` when
    the optimiser is built, when it is assigned (``opt.lr = 0.01``) and when a state is
    loaded.
    """

    buffers: ClassVar[tuple[str, ...]] = ()
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "weight_decay")
    # The range of each hyperparameter, as keyword arguments of validation.real_number.
    limits: ClassVar[dict[str, dict[str, Any]]] = {
        "lr": _NON_NEGATIVE,
        "weight_decay": _NON_NEGATIVE,
    }

    def __init__(
        self, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0, **more: float
    ) -> None:
        settings = type(self).check_hyperparameters(
            {"lr": lr, "weight_decay": weight_decay, **more}
        )
        params = self._check_params(params)
        for name, value in settings.items():
            object.__setattr__(self, name, value)
        self.params: list[Tensor] = params
        self.step_count = 0
        self.state: list[dict[str, np.ndarray]] = [
            {name: np.zeros_like(p._data) for name in self.buffers} for p in params
        ]

    @classmethod
    def check_hyperparameters(cls, values: Mapping[str, Any]) -> dict[str, float]:
        """Check every hyperparameter of ``cls`` in ``values`` against its limits and return
        them as floats; the constructor, the setters and ``load_state_dict`` all use this."""
        owner = cls.__name__
        unknown = [name for name in values if name not in cls.hyperparameters]
        if unknown:
            raise ArgumentTypeError(
                f"{owner}: unexpected hyperparameters {unknown}; it takes "
                f"{list(cls.hyperparameters)}"
            )
        return {
            name: real_number(values[name], name, owner, **cls.limits[name])
            for name in cls.hyperparameters
            if name in values
        }

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.hyperparameters:
            value = type(self).check_hyperparameters({name: value})[name]
        object.__setattr__(self, name, value)

    def _check_params(self, params: Any) -> list[Tensor]:
        owner = type(self).__name__
        if isinstance(params, Module):
            raise ArgumentTypeError(f"{owner}: pass model.parameters(), not the model itself")
        if isinstance(params, Tensor):
            params = [params]
        try:
            params = list(params)
        except TypeError:
            raise ArgumentTypeError(
                f"{owner}: params must be an iterable of Tensors, got {type(params).__name__}"
            ) from None
        if not params:
            raise ValueError(f"{owner} got an empty parameter list")
        first_seen: dict[int, int] = {}
        for i, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise ArgumentTypeError(
                    f"{owner}: parameter {i} is a {type(param).__name__}, not a Tensor"
                )
            if not param.requires_grad:
                raise ValueError(
                    f"{owner}: {_label(i, param)} does not require grad, so it never gets a "
                    "gradient to follow"
                )
            if not param.is_leaf:
                raise ValueError(
                    f"{owner}: {_label(i, param)} was made by the op '{param.op_name}'; an "
                    "optimiser updates leaf tensors (the parameters you created), not results "
                    "of operations on them"
                )
            if id(param) in first_seen:
                raise ValueError(
                    f"{owner}: {_label(i, param)} is the same Tensor as parameter "
                    f"{first_seen[id(param)]}; the same parameter appears more than once, "
                    "which would update it twice per step"
                )
            first_seen[id(param)] = i
        return params

    def zero_grad(self) -> None:
        """Reset the gradients of every parameter to None."""
        for param in self.params:
            param.grad = None

    def _checked_gradient(self, index: int, param: Tensor) -> np.ndarray:
        """The gradient of ``param`` as an ndarray, or an error naming the parameter."""
        grad = param.grad
        owner = f"{type(self).__name__}.step"
        values = grad._data if isinstance(grad, Tensor) else grad
        if not isinstance(values, np.ndarray | np.generic):
            raise ArgumentTypeError(
                f"{owner}: the gradient of {_label(index, param)} is a {type(grad).__name__}; "
                f"expected a Tensor of the parameter's shape {param.shape} (nothing was updated)"
            )
        values = np.asarray(values)
        if values.dtype.kind not in "iuf":
            raise ArgumentTypeError(
                f"{owner}: the gradient of {_label(index, param)} holds {values.dtype} values; "
                "expected real numbers (nothing was updated)"
            )
        if values.shape != param.shape:
            raise ValueError(
                f"{owner}: the gradient of {_label(index, param)} has shape {values.shape} but "
                f"the parameter has shape {param.shape}; a gradient is never broadcast "
                "(nothing was updated)"
            )
        return values

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient, or to none.

        All gradients are checked and all new values computed before any is written, so an
        error leaves every parameter, every state array and the step count as they were.
        """
        pending = []
        for i, (param, state) in enumerate(zip(self.params, self.state)):
            grad = param._grad
            if grad is None:
                continue
            # What backward gives is a float Tensor: only its shape can have gone wrong (by
            # assigning param.data an array of another shape).
            values = grad._data if type(grad) is Tensor else None
            if values is None or values.shape != param._data.shape or values.dtype.kind != "f":
                values = self._checked_gradient(i, param)
            pending.append((param, state, values))
        t = self.step_count + 1
        decay, update = self.weight_decay, self.update
        # The built-in rules compute new arrays of the right shapes and dtypes and never write
        # into their arguments; a rule defined elsewhere gets read-only views, so that it
        # cannot change them half-way, and what it returns is checked before anything is written.
        trusted = type(self).update in _BUILT_IN_RULES
        # (No local name holds a parameter's array: `_assign` then lets the parameter take its
        # new array instead of copying it, see `storage.write_values`.)
        results = []
        for param, state, grad in pending:
            if decay:
                grad = grad + decay * param._data
            if trusted:
                new_weights, new_state = update(param._data, grad, state, t)
            else:
                frozen = {name: _read_only(values) for name, values in state.items()}
                new_weights, new_state = update(
                    _read_only(param._data), _read_only(grad), frozen, t
                )
                self._check_update(param, state, new_weights, new_state)
            results.append((param, state, new_weights, new_state))
        for param, state, new_weights, new_state in results:
            _assign(param, new_weights, fresh=trusted)
            if new_state:
                for name, values in new_state.items():
                    state[name][...] = values
        self.step_count = t

    def _check_update(self, param: Tensor, state: dict, new_weights: Any, new_state: Any) -> None:
        """Refuse what an update rule returned unless it can be written as it is: new weights of
        the parameter's shape and a dtype that casts to it, the state arrays it keeps, each of
        its shape."""
        owner = f"{type(self).__name__}.update"
        label = f"the parameter '{param.name}'" if param.name else "the parameter"
        _check_written(owner, "weights", new_weights, param._data, label)
        if not isinstance(new_state, dict):
            raise TypeError(
                f"{owner} returned {type(new_state).__name__} as the new state; expected a dict "
                "of arrays (nothing was updated)"
            )
        for name, values in new_state.items():
            if name not in state:
                raise ValueError(
                    f"{owner} returned state '{name}', which this optimiser does not keep "
                    f"(it keeps {sorted(state)}; nothing was updated)"
                )
            _check_written(owner, f"state '{name}'", values, state[name], "its state array")

    def update(
        self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``(new weights, new state arrays)`` for one parameter at step ``t`` (counted
        from 1) given its gradient (weight decay already added). The arguments are read-only:
        an update rule computes new arrays and ``step`` writes them. Subclasses define it."""
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

    def expected_state(self) -> dict[str, tuple[tuple[int, ...], str]]:
        """``{key: (shape, dtype kinds allowed)}`` of a state this optimiser can load."""
        expected: dict[str, tuple[tuple[int, ...], str]] = {
            "type": ((), "U"),
            "step_count": ((), "iu"),
        }
        for name in self.hyperparameters:
            expected[name] = ((), "iuf")
        for i, buffers in enumerate(self.state):
            for name, values in buffers.items():
                expected[f"{i}.{name}"] = (values.shape, "iuf")
        return expected

    def check_state_entry(self, key: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
        """Raise ValueError unless an entry ``key`` of ``shape`` and ``dtype`` fits this
        optimiser's state; works from the shape and dtype alone (``nn.load`` calls it on a
        file's array headers before reading any data)."""
        owner = type(self).__name__
        reference_shape, kinds = self.expected_state()[key]
        # The optimiser's name as text: a string of a few characters, never a huge one.
        if dtype.kind not in kinds or (kinds == "U" and dtype.itemsize > 4 * 64):
            raise ValueError(
                f"{owner} state key '{key}' holds {dtype} data; it takes "
                + ("a short string" if kinds == "U" else "real numbers")
            )
        if tuple(shape) != reference_shape:
            raise ValueError(
                f"{owner} state key '{key}' has shape {tuple(shape)} but the optimizer "
                f"expects shape {reference_shape}"
            )

    def check_state_dict(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``state`` against this optimiser without changing anything; raise
        ValueError naming the problem key (and both shapes for a mis-shaped array). The
        hyperparameters are checked by ``check_hyperparameters``, as in the constructor."""
        owner = type(self).__name__
        if not isinstance(state, Mapping):
            raise ArgumentTypeError(f"{owner} state must be a mapping, got {type(state).__name__}")
        expected = self.expected_state()
        check_same_keys(expected, state, f"{owner} state does not match")
        checked: dict[str, Any] = {}
        for key in expected:
            value = np.asarray(state[key])
            self.check_state_entry(key, value.shape, value.dtype)
            checked[key] = value
        saved_type = str(checked.pop("type"))
        if saved_type != owner:
            raise ValueError(
                f"optimizer state was saved from {saved_type}, cannot load into {owner}"
            )
        checked["step_count"] = integer(
            checked["step_count"].item(), "step_count", f"{owner} state", minimum=0
        )
        checked.update(
            type(self).check_hyperparameters(
                {name: checked[name].item() for name in self.hyperparameters}
            )
        )
        return checked

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore hyperparameters, step count and state arrays; nothing changes on error."""
        checked = self.check_state_dict(state)
        for name in self.hyperparameters:
            setattr(self, name, checked[name])
        self.step_count = checked["step_count"]
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

    with 0 <= β < 1 and v starting at zero. With weight_decay wd, dW is replaced by
    dW + wd·W: for the weights that is the gradient of the course's L2 penalty
    λ/(2m)·‖W‖² when wd = λ/m (``nn.l2_penalty``), but weight_decay decays the biases too.
    """

    buffers = ("v",)
    hyperparameters = ("lr", "momentum", "weight_decay")
    limits: ClassVar[dict[str, dict[str, Any]]] = {**Optimizer.limits, "momentum": _PROBABILITY}

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, momentum=momentum)

    def update(
        self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if self.momentum == 0.0:
            if grad.dtype != weights.dtype or not grad.shape:  # (0-d: NumPy gives scalars)
                return weights - self.lr * grad, {}
            step = np.multiply(grad, self.lr)  # W − α·dW with one new array
            return np.subtract(weights, step, out=step), {}
        velocity = self.momentum * state["v"] + (1.0 - self.momentum) * grad
        return weights - self.lr * velocity, {"v": velocity}


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root mean square of the gradient.

    s ← β·s + (1 − β)·dW²,   W ← W − α·dW / (√s + ε)      (0 <= β < 1, ε >= 0)
    """

    buffers = ("s",)
    hyperparameters = ("lr", "beta", "eps", "weight_decay")
    limits: ClassVar[dict[str, dict[str, Any]]] = {
        **Optimizer.limits,
        "beta": _PROBABILITY,
        "eps": _NON_NEGATIVE,
    }

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        beta: float = 0.9,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, beta=beta, eps=eps)

    def update(
        self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        squares = self.beta * state["s"] + (1.0 - self.beta) * grad * grad
        return weights - self.lr * grad / (np.sqrt(squares) + self.eps), {"s": squares}


class Adam(Optimizer):
    """Adam: momentum and RMSprop together, with bias correction. With t the number of
    ``step()`` calls so far (one per mini-batch, starting at 1):

        m ← β₁·m + (1 − β₁)·dW,        v ← β₂·v + (1 − β₂)·dW²
        m̂ = m / (1 − β₁ᵗ),             v̂ = v / (1 − β₂ᵗ)
        W ← W − α·m̂ / (√v̂ + ε)

    with 0 <= β₁, β₂ < 1 and ε >= 0. weight_decay is the coupled L2 decay of the module
    docstring (dW + wd·W enters m and v), not AdamW's decoupled decay.
    """

    buffers = ("m", "v")
    hyperparameters = ("lr", "beta1", "beta2", "eps", "weight_decay")
    limits: ClassVar[dict[str, dict[str, Any]]] = {
        **Optimizer.limits,
        "beta1": _PROBABILITY,
        "beta2": _PROBABILITY,
        "eps": _NON_NEGATIVE,
    }

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, beta1=beta1, beta2=beta2, eps=eps)

    @property
    def t(self) -> int:
        """The number of steps taken (Adam's t in the bias correction)."""
        return self.step_count

    def update(
        self, weights: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        first = self.beta1 * state["m"] + (1.0 - self.beta1) * grad
        second = self.beta2 * state["v"] + (1.0 - self.beta2) * grad * grad
        first_hat = first / (1.0 - self.beta1**t)
        second_hat = second / (1.0 - self.beta2**t)
        new_weights = weights - self.lr * first_hat / (np.sqrt(second_hat) + self.eps)
        return new_weights, {"m": first, "v": second}


# Update rules known not to write into their arguments (see Optimizer.step).
_BUILT_IN_RULES = frozenset(rule.update for rule in (SGD, RMSprop, Adam))
