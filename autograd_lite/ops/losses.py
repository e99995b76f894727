"""Fused loss primitives. Each exists for numerical stability and speed, and says so: composed
from log/exp they overflow at logits of ±1000 or take log(0) at probabilities of exactly 0 or
1, and their closed-form gradients ((p − y)/m, σ(z) − y) are cheaper than the chain of
elementwise derivatives. All return the mean over the batch as a 0-d tensor; targets are
constants (no gradient flows into them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import storage
from autograd_lite.ops._core import Op, as_tensor, record, to_array
from autograd_lite.ops.elementwise import sigmoid
from autograd_lite.ops.reductions import _stable_shift, softmax
from autograd_lite.ops.table import Domain, register


def _inverse_count(n: int) -> float:
    """1/n, the weight of each example in a mean; nan for an empty batch (like NumPy's mean of
    nothing), so that the loss is nan and its gradient is an empty array, not a crash."""
    return 1.0 / n if n else np.nan


def _softmax_ce_partial(xp, g, y, logits, *, target, probs, mass):
    # ∂/∂z of −(1/m) Σᵢ Σₖ yᵢₖ log softmax(zᵢ)ₖ is (softmax(z)·Σₖ yᵢₖ − y)/m, which is the
    # familiar (softmax(z) − y)/m when every target row sums to 1 (then `mass` is None).
    m = target.shape[0]
    p = xp.saved(probs, lambda: softmax(logits, axis=-1))
    if mass is not None:
        p = p * mass
    return (p - target) * (g * _inverse_count(m))


SOFTMAX_CROSS_ENTROPY = Op("softmax_cross_entropy", _softmax_ce_partial)


@register(kind="loss")
def softmax_cross_entropy(logits: Any, labels: Any):
    """Mean cross-entropy of softmax(logits) against `labels`:
    L = −(1/m) Σᵢ Σₖ yᵢₖ log softmax(zᵢ)ₖ, computed with log-softmax (finite at ±1000).

    `logits` has shape (m, k); `labels` are class indices of shape (m,) or one-hot/probability
    rows of shape (m, k). The gradient is (softmax(z)·Σₖyₖ − y)/m, so (softmax(z) − y)/m when
    every row of y sums to 1.
    """
    logits = as_tensor(logits, "softmax_cross_entropy")
    if logits.ndim != 2:
        raise ValueError(
            f"softmax_cross_entropy: logits must have shape (m, k), got shape {logits.shape}"
        )
    labels_array = to_array(labels, "softmax_cross_entropy")
    data, saved = softmax_cross_entropy_forward(logits._data, labels_array)
    if storage.trace_hooks:  # the labels are an input autograd_lite.compile replays
        storage.trace_event("side", SOFTMAX_CROSS_ENTROPY, {"labels": labels})
    return record(data, SOFTMAX_CROSS_ENTROPY, logits, saved=saved)


def softmax_cross_entropy_forward(x: np.ndarray, labels_array: np.ndarray) -> tuple:
    """The loss of `softmax_cross_entropy` on arrays (logits `x` of shape (m, k)) and what its
    partial saves; checks the labels."""
    m, k = x.shape
    z = x if x.dtype.kind == "f" else x.astype(np.float64)
    if labels_array.ndim == 1:
        if labels_array.shape[0] != m:
            raise ValueError(
                f"softmax_cross_entropy: logits of shape {x.shape} and labels of shape "
                f"{labels_array.shape} disagree on the batch size"
            )
        as_int = labels_array.astype(np.int64)
        if not np.array_equal(as_int, labels_array):
            raise ValueError(
                "softmax_cross_entropy: class labels of shape (m,) must be whole numbers"
            )
        if m and (as_int.min() < 0 or as_int.max() >= k):
            raise ValueError(
                f"softmax_cross_entropy: labels must lie in [0, {k - 1}] for {k} classes "
                f"(logits of shape {x.shape}), got values from {as_int.min()} to "
                f"{as_int.max()}"
            )
        target = np.zeros((m, k), dtype=z.dtype)
        target[np.arange(m), as_int] = 1
    elif labels_array.shape == x.shape:
        target = labels_array.astype(z.dtype, copy=False)
    else:
        raise ValueError(
            f"softmax_cross_entropy: logits of shape {x.shape} do not fit labels of shape "
            f"{labels_array.shape}; expected ({m},) class indices or ({m}, {k}) one-hot rows"
        )
    shifted = z - _stable_shift(z, (1,))
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_norm
    # 0·log 0 counts as 0 (a one-hot row never pays for classes it does not name).
    loss = -np.sum(np.where(target != 0, target * log_probs, 0)) * _inverse_count(m)
    # Target rows that do not sum to 1 (multi-label rows, unnormalised soft labels) need their
    # row sums in the gradient.
    row_sums = target.sum(axis=1, keepdims=True) if labels_array.ndim == 2 else None
    mass = None if row_sums is None or np.all(row_sums == 1) else row_sums
    saved = {"target": target, "probs": np.exp(log_probs), "mass": mass}
    return np.asarray(loss, dtype=z.dtype), saved


def _bce_logits_partial(xp, g, y, logits, *, target, probs):
    # ∂/∂z of mean(softplus(z) − y·z) is (σ(z) − y)/n.
    n = target.size
    return (xp.saved(probs, lambda: sigmoid(logits)) - target) * (g * _inverse_count(n))


BCE_WITH_LOGITS = Op("binary_cross_entropy_with_logits", _bce_logits_partial)


def _same_shape_target(pred: Any, target: Any, name: str) -> np.ndarray:
    """The targets of a binary loss as an array of pred's shape. Values outside [0, 1] are
    allowed, as PyTorch allows them, and the gradients follow the formulas; NaN and inf are
    refused by `_check_finite_targets`."""
    target = to_array(target, name)
    if target.shape != pred.shape:
        raise ValueError(
            f"{name}: predictions of shape {pred.shape} and targets of shape {target.shape} "
            "must have the same shape"
        )
    return target


def _check_finite_targets(loss: np.ndarray, target: np.ndarray, name: str) -> None:
    """Refuse NaN or inf targets, which would make the loss NaN silently. Only a loss that is
    not finite can come from them, so the targets are looked at only then."""
    if not np.isfinite(loss) and target.dtype.kind == "f" and not np.isfinite(target).all():
        raise ValueError(f"{name}: targets must be finite numbers (in [0, 1]), got NaN or inf")


def _binary_losses_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """max(z, 0) − z·y + log(1 + e^−|z|) per element, with the limits at z = ±inf: (1 − y)·∞
    for z = +∞ (0 when y = 1) and y·∞ for z = −∞ (0 when y = 0), as PyTorch gives."""
    softplus_tail = np.log1p(np.exp(-np.abs(z)))
    if np.isfinite(z).all():
        return np.maximum(z, 0) - z * y + softplus_tail
    with np.errstate(invalid="ignore"):
        positive = np.where(y == 1, 0.0, (1 - y) * np.maximum(z, 0))
        negative = np.where(y == 0, 0.0, y * np.maximum(-z, 0))
    return positive + negative + softplus_tail


@register(kind="loss")
def binary_cross_entropy_with_logits(logits: Any, targets: Any):
    """Mean binary cross-entropy of σ(z) against targets y, from logits z:
    L = mean(max(z, 0) − z·y + log(1 + e^−|z|)), the stable form of
    −[y log σ(z) + (1 − y) log(1 − σ(z))] (finite at z = ±1000). Gradient (σ(z) − y)/n."""
    logits = as_tensor(logits, "binary_cross_entropy_with_logits")
    y = _same_shape_target(logits, targets, "binary_cross_entropy_with_logits")
    data, saved = binary_cross_entropy_with_logits_forward(logits._data, y)
    if storage.trace_hooks:  # the targets are an input autograd_lite.compile replays
        storage.trace_event("side", BCE_WITH_LOGITS, {"targets": targets})
    return record(data, BCE_WITH_LOGITS, logits, saved=saved)


def binary_cross_entropy_with_logits_forward(x: np.ndarray, y: np.ndarray) -> tuple:
    """The loss of `binary_cross_entropy_with_logits` on arrays, and what its partial saves."""
    z = x if x.dtype.kind == "f" else x.astype(np.float64)
    y = y.astype(z.dtype, copy=False)
    with np.errstate(invalid="ignore"):  # only infinite targets make NaN: refused below
        losses = _binary_losses_from_logits(z, y)
        loss = np.asarray(losses.mean() if z.size else np.nan, dtype=z.dtype)
    probs = np.exp(-np.logaddexp(0, -z))
    _check_finite_targets(loss, y, "binary_cross_entropy_with_logits")
    return loss, {"target": y, "probs": probs}


_LOG_FLOOR = -100.0  # log(p) is clamped here, as in PyTorch, so p = 0 or 1 gives a finite loss
_GRAD_EPS = 1e-12  # keeps (p − y) / (p(1 − p)) finite at p = 0 or 1


def _bce_partial(xp, g, y, p, *, target):
    # ∂/∂p of −mean(y log p + (1 − y) log(1 − p)) = (p − y) / (p(1 − p)) / n
    n = target.size
    return (p - target) / xp.maximum(p * (1 - p), _GRAD_EPS) * (g * _inverse_count(n))


BCE = Op("binary_cross_entropy", _bce_partial)


def _check_probabilities(data: np.ndarray) -> None:
    """Refuse probabilities outside [0, 1] (NaN is let through, as NumPy would compute it)."""
    if not data.size:
        return
    low, high = np.minimum.reduce(data, axis=None), np.maximum.reduce(data, axis=None)
    if low >= 0 and high <= 1:  # the common case: two fast reductions (the ufuncs' own)
        return
    low, high = np.nanmin(data), np.nanmax(data)  # NaN made the test above fail: look again
    if low < 0 or high > 1:
        raise ValueError(
            f"binary_cross_entropy: probabilities must lie in [0, 1], got values from {low} to "
            f"{high}; use binary_cross_entropy_with_logits for raw scores"
        )


@register(kind="loss", domain=Domain(0.05, 0.95))
def binary_cross_entropy(probabilities: Any, targets: Any):
    """Mean binary cross-entropy of probabilities p in [0, 1] against targets y:
    L = −mean(y log p + (1 − y) log(1 − p)), each log clamped at −100 so that p of exactly 0
    or 1 stays finite. Prefer `binary_cross_entropy_with_logits` when you have logits."""
    p = as_tensor(probabilities, "binary_cross_entropy")
    y = _same_shape_target(p, targets, "binary_cross_entropy")
    data, saved = binary_cross_entropy_forward(p._data, y)
    if storage.trace_hooks:  # the targets are an input autograd_lite.compile replays
        storage.trace_event("side", BCE, {"targets": targets})
    return record(data, BCE, p, saved=saved)


def binary_cross_entropy_forward(x: np.ndarray, y: np.ndarray) -> tuple:
    """The loss of `binary_cross_entropy` on arrays, and what its partial saves; checks that
    the probabilities lie in [0, 1]."""
    data = x if x.dtype.kind == "f" else x.astype(np.float64)
    _check_probabilities(data)
    y = y.astype(data.dtype, copy=False)
    # (invalid: only infinite targets make NaN here, and they are refused below)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.log(data, out=np.empty_like(data))  # (an array also when data is 0-d)
        np.maximum(log_p, _LOG_FLOOR, out=log_p)
        log_q = np.negative(data, out=np.empty_like(data))
        np.log1p(log_q, out=log_q)
        np.maximum(log_q, _LOG_FLOOR, out=log_q)
        log_p *= y  # y·log p + (1 − y)·log(1 − p), in the buffers of the two logs
        log_q *= 1 - y
        log_p += log_q
        loss = np.asarray(
            -np.add.reduce(log_p, axis=None) / data.size if data.size else np.nan,
            dtype=data.dtype,
        )
    _check_finite_targets(loss, y, "binary_cross_entropy")
    return loss, {"target": y}
