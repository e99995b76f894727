"""Loss functions (means over the batch) and the L2 weight penalty.

The cross-entropy losses call the engine's fused, numerically stable primitives, whose
derivatives are defined in the engine; this file only checks shapes and values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor, storage
from autograd_lite.validation import ArgumentTypeError, integer, real_number

from .module import Module, as_tensor


def _targets(loss: str, target: Any) -> Tensor:
    """The targets as a Tensor: a Tensor as it is (its values are not read here, so
    autograd_lite.compile replays the loss on new targets), anything else as a constant."""
    if isinstance(target, Tensor):
        return target
    values = np.asarray(target)
    if values.dtype.kind not in "biuf":  # complex targets would lose their imaginary part
        raise ArgumentTypeError(
            f"{loss}: targets must be numeric (real numbers), got dtype {values.dtype}"
        )
    return Tensor(values)


def _check_same_shape(loss: str, what: str, prediction: Tensor, target: Tensor) -> None:
    if prediction.shape != target.shape:
        hint = ""
        if prediction.size == target.size:
            hint = f" (reshape the targets with .reshape{prediction.shape})"
        raise ValueError(
            f"{loss}: {what} have shape {prediction.shape} but targets have shape "
            f"{target.shape}; they must match{hint}"
        )


def _check_binary_shape(loss: str, what: str, prediction: Tensor) -> None:
    if prediction.ndim not in (1, 2) or (prediction.ndim == 2 and prediction.shape[1] != 1):
        raise ValueError(f"{loss}: {what} must have shape (m,) or (m, 1), got {prediction.shape}")


def _float_targets(loss: str, target: Tensor, dtype: np.dtype) -> Tensor:
    """The targets, checked to lie in [0, 1] (on every call, compiled ones too), in the
    predictions' float dtype."""

    def in_unit_interval(values: np.ndarray) -> None:
        if values.size and (values.min() < 0 or values.max() > 1):
            raise ValueError(
                f"{loss}: targets must lie in [0, 1], got values from {values.min()} to "
                f"{values.max()}"
            )

    storage.check_values(target, in_unit_interval)
    float_dtype = dtype if dtype.kind == "f" else np.float64
    return target if target.dtype == float_dtype else target.astype(float_dtype)


class BCELoss(Module):
    """Binary cross-entropy of probabilities p against targets y (same shape (m,) or (m, 1)):

        L = −(1/m) Σ [ y·log(p) + (1 − y)·log(1 − p) ]

    Each log is clamped at −100 (as in PyTorch), so p of exactly 0 or 1 gives a finite loss.
    For raw scores use BCEWithLogitsLoss, which is exact where this one clamps.
    """

    def forward(self, prediction: Any, target: Any) -> Tensor:
        p = as_tensor(prediction)
        y = _targets("BCELoss", target)
        _check_binary_shape("BCELoss", "predictions", p)
        _check_same_shape("BCELoss", "predictions", p, y)
        targets = _float_targets("BCELoss", y, p.dtype)  # its errors name BCELoss already
        try:  # the engine checks that predictions are probabilities; name the module in it
            return ag.binary_cross_entropy(p, targets)
        except ValueError as error:
            message = str(error).replace("binary_cross_entropy_with_logits", "BCEWithLogitsLoss")
            raise ValueError(f"BCELoss: {message}") from None


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy of logits z (p = σ(z)) against targets y, same shape (m,) or (m, 1):

        L = (1/m) Σ [ max(z, 0) − z·y + log(1 + e^(−|z|)) ]

    which equals BCELoss(σ(z), y) but stays exact and finite for |z| = 1000.
    """

    def forward(self, logits: Any, target: Any) -> Tensor:
        z = as_tensor(logits)
        y = _targets("BCEWithLogitsLoss", target)
        _check_binary_shape("BCEWithLogitsLoss", "logits", z)
        _check_same_shape("BCEWithLogitsLoss", "logits", z, y)
        return ag.binary_cross_entropy_with_logits(
            z, _float_targets("BCEWithLogitsLoss", y, z.dtype)
        )


class CrossEntropyLoss(Module):
    """Softmax cross-entropy of logits Z (m, k) against integer labels (m,) or one-hot /
    probability targets Y (m, k):

        L = −(1/m) Σ_i Σ_j Y_ij · log softmax(Z_i)_j,
        log softmax(z)_j = z_j − logsumexp(z),  logsumexp(z) = max(z) + log Σ e^(z − max(z))

    computed in the log-sum-exp form, so logits of ±1000 give a finite loss.
    """

    def forward(self, logits: Any, target: Any) -> Tensor:
        y = _targets("CrossEntropyLoss", target)
        try:  # the engine's fused loss checks shapes and labels; name the module in its errors
            return ag.softmax_cross_entropy(as_tensor(logits), y)
        except ValueError as error:
            raise ValueError(f"CrossEntropyLoss: {error}") from None


class MSELoss(Module):
    """Mean squared error over all elements: L = (1/N) Σ (ŷ − y)²."""

    def forward(self, prediction: Any, target: Any) -> Tensor:
        y_hat = as_tensor(prediction)
        y = _targets("MSELoss", target)
        _check_same_shape("MSELoss", "predictions", y_hat, y)
        # Targets take the predictions' float dtype; integer predictions compare in float64
        # (casting float targets to int would truncate them).
        dtype = y_hat.dtype if y_hat.dtype.kind == "f" else np.float64
        error = y_hat - (y if y.dtype == dtype else y.astype(dtype))
        return (error * error).mean()


def l2_penalty(model: Module, lambd: float, m: int) -> Tensor:
    """L2 regularisation cost (λ / (2m)) · Σ_l ‖W_l‖²_F over the model's weights.

    Weights are the parameters with two or more dimensions (Dense.W); biases (and batch
    norm's γ, β, which are vectors) are excluded. Its gradient with respect to each W is
    (λ / m) · W. Add it to the data loss: ``loss = bce(out, y) + nn.l2_penalty(model, lambd,
    m)``.

    The optimisers' ``weight_decay`` = wd adds wd · W to every gradient instead, which for the
    weights is exactly this penalty's gradient when wd = λ / m: SGD(weight_decay=λ/m) takes the
    same steps as SGD on the loss plus l2_penalty(model, λ, m), except that weight_decay also
    decays the biases.
    """
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"l2_penalty: model must be a Module, got {type(model).__name__}")
    lambd = real_number(lambd, "lambd", "l2_penalty", minimum=0.0)
    m = integer(m, "m (the number of examples)", "l2_penalty", minimum=1)
    total = None
    for param in model.parameters():
        if param.ndim >= 2:
            squares = (param * param).sum()
            total = squares if total is None else total + squares
    if total is None:
        return Tensor(0.0)
    return total * (lambd / (2.0 * m))
