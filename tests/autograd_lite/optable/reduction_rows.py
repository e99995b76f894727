"""Rows for reductions and normalisations over axes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from numerical import np_log_softmax, np_logsumexp, np_softmax

import autograd_lite as ag
from optable import SHAPES, Case, Rows, custom, distinct_values, reduction

ROWS = Rows()


def with_zeros(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Magnitudes in [0.5, 1.5] with random signs (products stay moderate), and in about half
    the draws one or several zeros: the case where the shortcut y/a of products is 0/0."""
    x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if x.size and rng.random() < 0.5:
        zeros = rng.choice(x.size, size=rng.integers(1, min(x.size, 3) + 1), replace=False)
        x.reshape(-1)[zeros] = 0.0
    return x


def running(name: str, reference, values=None):
    """A row for cumsum/cumprod: axis None (flattened, even for 0-d), an int (maybe negative)
    as keyword, positional or PyTorch's dim=, function and method."""

    def sample(draw, rng) -> Case:
        shape = draw(SHAPES)
        x = values(rng, shape) if values else rng.uniform(-2, 2, size=shape)
        options = [st.none()] + ([st.integers(-len(shape), len(shape) - 1)] if shape else [])
        axis = draw(st.one_of(options))
        form = draw(st.sampled_from(["keyword", "positional", "dim"]))
        function = getattr(ag, name)
        if form == "positional":
            call, method = (lambda t: function(t, axis)), (lambda t: getattr(t, name)(axis))
        elif form == "dim":
            call, method = (lambda t: function(t, dim=axis)), (lambda t: getattr(t, name)(dim=axis))
        else:
            call = lambda t: function(t, axis=axis)  # noqa: E731
            method = lambda t: getattr(t, name)(axis=axis)  # noqa: E731
        return Case(
            (x,),
            call,
            lambda a: reference(a, axis=axis),
            f"{name}{shape} axis={axis} {form}",
            method=method,
        )

    return custom(name, sample)


ROWS.add(
    reduction("sum", np.sum),
    reduction("prod", np.prod, values=with_zeros),
    reduction("std", np.std, extra=({}, {"ddof": 1}), values=distinct_values),
    running("cumsum", np.cumsum),
    running("cumprod", np.cumprod, values=with_zeros),
    reduction("mean", np.mean),
    reduction("var", np.var, extra=({}, {"ddof": 1}), values=distinct_values),
    reduction("max", np.max, values=distinct_values),
    reduction("min", np.min, values=distinct_values),
    reduction("logsumexp", np_logsumexp),
    reduction("softmax", np_softmax, single_axis=True),
    reduction("log_softmax", np_log_softmax, single_axis=True),
)
