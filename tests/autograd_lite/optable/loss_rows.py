"""Rows for the fused losses, against their textbook NumPy formulas."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from numerical import np_log_softmax

import autograd_lite as ag
from optable import Case, Rows, custom

ROWS = Rows()


def np_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    log_p = np_log_softmax(logits, axis=1)
    if labels.ndim == 1:
        return -np.mean(log_p[np.arange(len(labels)), labels])
    return -np.mean(np.sum(labels * log_p, axis=1))


def np_bce_with_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def np_bce(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_q = np.maximum(np.log(1.0 - p), -100.0)
    return np.mean(-(y * log_p + (1.0 - y) * log_q))


def _softmax_ce_sample(draw, rng) -> Case:
    """Integer labels, one-hot rows, or soft (probability) rows."""
    m, k = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    logits = rng.standard_normal((m, k)) * 3.0
    kind = draw(st.sampled_from(["int labels", "one-hot", "soft rows"]))
    labels = rng.integers(0, k, size=m)
    if kind == "one-hot":
        labels = np.eye(k)[labels]
    elif kind == "soft rows":
        labels = rng.dirichlet(np.ones(k), size=m)
    return Case(
        (logits,),
        lambda z: ag.softmax_cross_entropy(z, labels),
        lambda z: np_softmax_cross_entropy(z, labels),
        f"softmax_cross_entropy({m}, {k}) {kind}",
    )


def _targets(draw, rng, shape) -> np.ndarray:
    if draw(st.booleans()):
        return (rng.random(shape) < 0.5).astype(float)
    return rng.random(shape)  # soft targets


def _bce_logits_sample(draw, rng) -> Case:
    shape = draw(st.sampled_from([(4,), (3, 1), (2, 3), ()]))
    z = rng.standard_normal(shape) * 3.0
    y = _targets(draw, rng, shape)
    return Case(
        (z,),
        lambda t: ag.binary_cross_entropy_with_logits(t, y),
        lambda a: np_bce_with_logits(a, y),
        f"bce_with_logits{shape}",
    )


def _bce_sample(draw, rng) -> Case:
    shape = draw(st.sampled_from([(4,), (3, 1), (2, 3), ()]))
    p = rng.uniform(0.05, 0.95, size=shape)
    y = _targets(draw, rng, shape)
    return Case(
        (p,),
        lambda t: ag.binary_cross_entropy(t, y),
        lambda a: np_bce(a, y),
        f"bce{shape}",
    )


ROWS.add(
    custom("softmax_cross_entropy", _softmax_ce_sample),
    custom("binary_cross_entropy_with_logits", _bce_logits_sample),
    custom("binary_cross_entropy", _bce_sample),
)
