"""An independent gradient oracle for the engine's tests.

Everything here is plain NumPy in float64: central differences of a *NumPy reference function*
(never the engine's forward, never the engine's own ``gradcheck``), plus the hypothesis
strategies the gradient tests draw their inputs from.

The check behind almost every gradient test is::

    assert_gradients_match(f, ref, a, b)

where ``f`` maps Tensors to a Tensor and ``ref`` maps ndarrays to an ndarray (often the same
lambda works for both). It checks the forward value against ``ref``, then back-propagates a
random cotangent ``w`` through ``f`` and compares every input's ``.grad`` with the central
difference of ``sum(w * ref(...))``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def central_difference(
    scalar_fn: Callable[..., float], arrays: Sequence[np.ndarray], index: int, eps: float = EPS
) -> np.ndarray:
    """∂scalar_fn/∂arrays[index] by central differences: (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    x = arrays[index]
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)  # a view: writing into it perturbs x in place
    flat_grad = grad.reshape(-1)
    for j in range(flat_x.size):
        original = flat_x[j]
        flat_x[j] = original + eps
        plus = float(scalar_fn(*arrays))
        flat_x[j] = original - eps
        minus = float(scalar_fn(*arrays))
        flat_x[j] = original
        flat_grad[j] = (plus - minus) / (2 * eps)
    return grad


def numerical_vjp(
    ref: Callable[..., np.ndarray], arrays: Sequence[np.ndarray], cotangent: np.ndarray
) -> list[np.ndarray]:
    """The vector-Jacobian product wᵀ·J of ``ref`` for every input, by central differences."""

    def projected(*xs: np.ndarray) -> float:
        return float(np.sum(cotangent * np.asarray(ref(*xs), dtype=np.float64)))

    return [central_difference(projected, arrays, i) for i in range(len(arrays))]


def assert_gradients_match(
    f: Callable[..., ag.Tensor],
    ref: Callable[..., np.ndarray],
    *arrays: np.ndarray,
    rtol: float = RTOL,
    atol: float = ATOL,
    seed: int = 0,
    forward_rtol: float = 1e-10,
) -> None:
    """Forward of ``f`` equals ``ref``, and its backward equals central differences of ``ref``.

    Every input is a float64 leaf with ``requires_grad=True``; the output is back-propagated with
    a random cotangent (``backward(gradient=w)``) so that every output element matters.
    """
    arrays = tuple(np.array(a, dtype=np.float64) for a in arrays)
    leaves = [ag.Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*leaves)
    expected = np.asarray(ref(*arrays), dtype=np.float64)

    assert isinstance(out, ag.Tensor), f"expected a Tensor, got {type(out).__name__}"
    assert out.shape == expected.shape, f"forward shape {out.shape} != NumPy's {expected.shape}"
    np.testing.assert_allclose(out.data, expected, rtol=forward_rtol, atol=1e-12, err_msg="forward")

    cotangent = np.random.default_rng(seed).standard_normal(expected.shape)
    out.backward(gradient=cotangent)
    numerical = numerical_vjp(ref, arrays, cotangent)

    for i, (leaf, num) in enumerate(zip(leaves, numerical)):
        assert leaf.grad is not None, f"input {i} got no gradient"
        assert isinstance(leaf.grad, ag.Tensor), f"grad of input {i} is not a Tensor"
        got = np.asarray(leaf.grad)
        assert got.shape == arrays[i].shape, (
            f"grad of input {i} has shape {got.shape}, input has {arrays[i].shape}"
        )
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol, err_msg=f"grad of input {i}")


# --------------------------------------------------------------------------------------------
# Input strategies. Values come from a drawn seed so that they can be kept away from kinks
# (|x| > 1e-3), kept positive, or made distinct, while hypothesis still shrinks the shapes.
# --------------------------------------------------------------------------------------------

SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
NONSCALAR_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def values(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    *,
    low: float = -2.0,
    high: float = 2.0,
    min_abs: float = 0.0,
) -> np.ndarray:
    """Uniform float64 values in [low, high]; with ``min_abs``, none in (−min_abs, min_abs)."""
    if min_abs <= 0.0:
        return rng.uniform(low, high, size=shape)
    magnitude = rng.uniform(min_abs, max(abs(low), abs(high)), size=shape)
    sign = np.where(rng.random(size=shape) < 0.5, -1.0, 1.0)
    out = np.clip(sign * magnitude, low, high)
    return np.where(np.abs(out) < min_abs, np.copysign(min_abs, out), out)


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values whose pairwise gaps are all > 0.05, so no ties exist even after ±ε perturbation."""
    n = int(np.prod(shape, dtype=int))
    grid = np.linspace(-2.0, 2.0, max(n, 2))[:n] + rng.uniform(0, 0.01, size=n)
    return rng.permutation(grid).reshape(shape)


@st.composite
def arrays(draw, shapes=SMALL_SHAPES, **kwargs) -> np.ndarray:
    """A float64 array of a drawn shape; keyword arguments go to :func:`values`."""
    shape = draw(shapes) if isinstance(shapes, st.SearchStrategy) else tuple(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return values(rng, shape, **kwargs)


@st.composite
def broadcastable_pair(draw, min_dims=0, max_dims=3, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Two float64 arrays whose shapes broadcast together (NumPy rules)."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4
        )
    ).input_shapes
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return values(rng, shapes[0], **kwargs), values(rng, shapes[1], **kwargs)


def assume_apart(a: np.ndarray, b: np.ndarray, gap: float = 1e-3) -> None:
    """Discard the example unless a and b differ by more than ``gap`` everywhere (no kinks)."""
    assume(bool(np.all(np.abs(np.subtract(a, b)) > gap)))


@st.composite
def axes_for(draw, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True):
    """An ``axis`` argument valid for ``ndim`` dims: None, an int (maybe negative) or a tuple."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return draw(st.one_of(options))


def reduced_count(shape: tuple[int, ...], axis) -> int:
    """How many elements each output of a reduction over ``axis`` combines."""
    if axis is None:
        return int(np.prod(shape, dtype=int))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=int))


# NumPy references for the ops NumPy does not have under the same name.


def np_sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z) for z ≥ 0 and e^z / (1 + e^z) for z < 0: no overflow, no
    cancellation."""
    a = np.asarray(a, dtype=np.float64)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


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


def np_leaky_relu(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(a > 0, a, negative_slope * a)
