"""Tensor: an ndarray plus what autograd needs — whether it requires a gradient, its gradient,
a name, and the node (op and parents) that made it. Operators and methods are thin calls into
`autograd_lite.ops`; `backward` hands over to `autograd_lite.engine`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd_lite import ops
from autograd_lite.ops import _core


class Tensor:
    """An n-dimensional array that records the operations made with it.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad.data
    array([2., 4.])

    `data` is the wrapped ndarray (no copy of an ndarray argument). Python numbers default to
    float64, an ndarray keeps its dtype, and integer/bool data becomes float64 when it requires
    a gradient.
    """

    __slots__ = (
        "__weakref__",
        "_changed_at",
        "_more_parents",
        "_op",
        "_parent0",
        "_parent1",
        "_requires_grad",
        "_retains_grad",
        "_saved",
        "_scope",
        "_stamp",
        "_trace",
        "data",
        "grad",
        "name",
    )
    # Make NumPy defer to Tensor's reflected operators (ndarray * Tensor -> Tensor.__rmul__).
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None) -> None:
        array = _core.to_array(data, "Tensor")
        if requires_grad and array.dtype.kind != "f":
            array = array.astype(np.float64)
        self.data: np.ndarray = array
        self.grad: Tensor | None = None
        self.name = name
        self._requires_grad = bool(requires_grad)
        self._retains_grad = False
        self._changed_at = 0  # the clock's tick at this tensor's last in-place change
        # The op that made this tensor (None for a leaf) and what its partials need: see
        # `_core.record`. A tensor is its own graph node, so a recorded op costs one object.
        self._op: _core.Op | None = None
        self._parent0: Tensor | None = None
        self._parent1: Tensor | None = None
        self._more_parents: tuple[Tensor, ...] | None = None  # all parents when 3 or more
        self._saved: Any = _core._NO_SAVED  # see _core.apply_partial
        self._stamp = 0
        self._scope: str | None = None
        self._trace: Any = None

    # ----------------------------------------------------------------------------- autograd

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to (leaf) or through (non-leaf) this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._op is not None and not value:
            raise RuntimeError(
                "requires_grad: cannot switch off a tensor that an op produced; use detach()"
            )
        if value and self.data.dtype.kind != "f":
            self.data = self.data.astype(np.float64)
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        self.requires_grad = value
        return self

    @property
    def _parents(self) -> tuple[Tensor, ...] | None:
        """The inputs of the op that made this tensor; None for a leaf or a freed graph."""
        first = self._parent0
        if first is None:
            return None
        if self._parent1 is None:
            return (first,)
        return (first, self._parent1) if self._more_parents is None else self._more_parents

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op produced (inputs, parameters, constants)."""
        return self._op is None

    @property
    def op_name(self) -> str | None:
        """The name of the op that produced this tensor, or None for a leaf."""
        return None if self._op is None else self._op.name

    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        self._retains_grad = True
        return self

    def detach(self) -> Tensor:
        """The same data (shared, no copy) with no history and no gradient."""
        return _make(self.data)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        explain: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` by the chain rule.

        `gradient` is dL/d(self) (required unless self has one element); the graph is freed
        afterwards unless `retain_graph` (default: `create_graph`); `create_graph=True` records
        the backward pass so that the gradients can be differentiated again. `explain=True`
        also prints the pass as the chain rule, node by node (see `autograd_lite.explain`).
        """
        if explain:
            from autograd_lite.explain import explain as narrate

            narrate(self, gradient, retain_graph=retain_graph, create_graph=create_graph)
            return
        _engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # ----------------------------------------------------------------------------- array-likeness

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return ops.transpose(self)

    @property
    def mT(self) -> Tensor:
        """The transpose of the last two axes (a stack of matrices transposed)."""
        return ops.swapaxes(self, -1, -2)

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (no copy)."""
        return self.data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors convert to a number, got shape {self.shape}"
            )
        return self.data.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements (shape {self.shape}) "
                "is ambiguous; use .any() or .all() on .data, or compare a reduction"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op.name}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    def __setitem__(self, index: Any, value: Any) -> None:
        if self._requires_grad:
            raise RuntimeError(
                "setitem: in-place assignment into a tensor that requires grad is not supported "
                "(the recorded graph would go stale); build a new tensor with where() or "
                "concatenate(), or assign into .data under no_grad for updates"
            )
        self.data[ops.shape.normalize_index(index)] = _core.to_array(value, "setitem")
        self._changed_at = _core.next_change()

    # ----------------------------------------------------------------------------- operators
    # Forward operators are the ops themselves (one call less on the hot path).

    __add__ = ops.add

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    __sub__ = ops.sub

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    __mul__ = ops.mul

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    __truediv__ = ops.div

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.pow(other, self)  # a Python-number base is weak, like the other operators

    __matmul__ = ops.matmul

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    # Comparisons and logic: no gradient, bool results (like NumPy).
    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other, "<")

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other, ">")

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other, ">=")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other, "!=")

    def __and__(self, other: Any) -> Tensor:
        return _compare(np.logical_and, self, other, "&")

    def __or__(self, other: Any) -> Tensor:
        return _compare(np.logical_or, self, other, "|")

    def __invert__(self) -> Tensor:
        return _make(np.logical_not(self.data))

    # ----------------------------------------------------------------------------- methods

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Σ over `axis` (all axes when None)."""
        return ops.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`."""
        return ops.mean(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance Σ(x − x̄)²/(n − ddof) over `axis`."""
        return ops.var(self, axis, keepdims, ddof)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis` (ties share the gradient)."""
        return ops.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum over `axis` (ties share the gradient)."""
        return ops.min(self, axis, keepdims)

    # Elementwise functions are the ops themselves, like the operators.
    exp = ops.exp
    log = ops.log
    sqrt = ops.sqrt
    abs = ops.abs
    tanh = ops.tanh
    sigmoid = ops.sigmoid
    relu = ops.relu

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x for x > 0, negative_slope·x otherwise."""
        return ops.leaky_relu(self, negative_slope)

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x)/Σexp(x) along `axis`."""
        return ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x − logsumexp(x) along `axis`."""
        return ops.log_softmax(self, axis)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """log Σ exp(x) over `axis`, stable."""
        return ops.logsumexp(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """Same elements, new shape."""
        return ops.reshape(self, *shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes (reverse when none given)."""
        return ops.transpose(self, *axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes."""
        return ops.swapaxes(self, axis1, axis2)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp to [lo, hi]."""
        return ops.clip(self, lo, hi)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max(self, other)."""
        return ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min(self, other)."""
        return ops.minimum(self, other)

    def matmul(self, other: Any) -> Tensor:
        """self @ other."""
        return ops.matmul(self, other)

    def astype(self, dtype: Any) -> Tensor:
        """Converted to `dtype`; gradients convert back."""
        return ops.astype(self, dtype)


def _make(
    data: np.ndarray,
    op: _core.Op | None = None,
    parent0: Tensor | None = None,
    parent1: Tensor | None = None,
    more_parents: tuple[Tensor, ...] | None = None,
    saved: Any = _core._NO_SAVED,
) -> Tensor:
    """Build a Tensor around `data` without validation (the ops' fast path): a constant, or
    with `op` and its inputs (see `_core.record`) the recorded result of an op."""
    if type(data) is not np.ndarray:  # NumPy scalars (ufuncs on 0-d arrays return them)
        data = np.asarray(data)
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.name = None
    t._op = op
    t._parent0 = parent0
    t._parent1 = parent1
    t._more_parents = more_parents
    t._saved = saved
    t._stamp = 0 if op is None else _tick()
    t._scope = None
    t._trace = None
    t._requires_grad = op is not None
    t._retains_grad = False
    t._changed_at = 0
    return t


def _compare(fn: Any, a: Tensor, b: Any, symbol: str) -> Tensor:
    other = b.data if isinstance(b, Tensor) else b
    try:
        return _make(np.asarray(fn(a.data, other)))
    except ValueError:
        shape_b = getattr(other, "shape", ())
        raise ValueError(
            f"{symbol}: shapes {a.shape} and {shape_b} cannot be broadcast together"
        ) from None
    except TypeError:
        raise TypeError(
            f"{symbol}: cannot compare a tensor of dtype {a.dtype} with {type(b).__name__} {b!r}"
        ) from None


_tick = _core.tick
_core.set_tensor_class(Tensor, _make)

# Imported last, once Tensor and _make exist: the engine needs them, and Tensor.backward needs
# the engine (an import inside backward() would cost a few µs on every call).
from autograd_lite import engine as _engine  # noqa: E402
