"""Rows for reductions and normalisations over axes."""

from __future__ import annotations

import numpy as np

from optable import Rows, distinct_values, reduction

ROWS = Rows()


def np_logsumexp(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


def np_log_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    return a - np_logsumexp(a, axis=axis, keepdims=True)


def np_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(np_log_softmax(a, axis=axis))


ROWS.add(
    reduction("sum", np.sum),
    reduction("mean", np.mean),
    reduction("var", np.var, extra=({}, {"ddof": 1}), values=distinct_values),
    reduction("max", np.max, values=distinct_values),
    reduction("min", np.min, values=distinct_values),
    reduction("logsumexp", np_logsumexp),
    reduction("softmax", np_softmax, single_axis=True),
    reduction("log_softmax", np_log_softmax, single_axis=True),
)
