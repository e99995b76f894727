"""Layers with state: Dense (alias Linear, a fully connected layer), Dropout and BatchNorm1d."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor
from autograd_lite.validation import ArgumentTypeError, boolean, integer, real_number

from .data import Seed, random_generator
from .init import Initializer, initialize
from .module import Module, as_tensor
from .optim import _assign


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a NumPy floating dtype (parameters hold floats), else an error."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise ArgumentTypeError(
            f"{where}: dtype must be a floating dtype such as numpy.float64 or numpy.float32, "
            f"got {dtype!r}"
        )
    return resolved


def _one_of(value: Any, alias: Any, name: str, alias_name: str) -> Any:
    """The size given under either spelling (Dense's n_in or Linear's in_features)."""
    if value is not None and alias is not None:
        raise TypeError(f"Dense: give {name} or {alias_name}, not both")
    if value is None and alias is None:
        raise TypeError(f"Dense: missing the size {name} (or {alias_name})")
    return value if alias is None else alias


class Dense(Module):
    """Fully connected layer: ``Z = X @ W.T + b`` for a batch of rows X of shape (m, n_in).

    In the course's column-per-example notation this is ``Z = W·A + b`` with ``W`` of shape
    (n_out, n_in) and ``b`` of shape (n_out,). ``init`` chooses W's starting values ("he" by
    default, or "xavier", "glorot", "small", "zeros", or ``callable(shape, rng)``; see
    ``nn.init`` for the scales, and for why "xavier" is the course's randn·√(1/n_in) while
    PyTorch's ``xavier_normal_`` is "glorot"); b starts at zero. ``seed`` (an int or a NumPy
    Generator) makes the initialisation reproducible; ``dtype`` is the parameters' float dtype.

    One layer, two vocabularies. ``nn.Linear`` is this very class under PyTorch's name:
    ``Linear(in_features, out_features, bias=True)`` builds a Dense, and the keyword
    spellings ``in_features``/``out_features`` are accepted for ``n_in``/``n_out``, which are
    also readable as ``layer.in_features``/``layer.out_features``. ``layer.weight`` and
    ``layer.bias`` are the very same Tensors as ``layer.W`` and ``layer.b`` (assigning through
    either name replaces both), and ``weight`` has PyTorch's layout (out_features,
    in_features), so the layer computes exactly the engine's fused op

        layer(x) == autograd_lite.linear(x, layer.weight, layer.bias) == x @ W.T + b

    (``torch.nn.functional.linear``'s convention). ``named_parameters()`` and
    ``state_dict()`` keep the course's names: "W" and "b" ("0.W", "0.b" in a Sequential);
    note that ``layer.bias`` is the bias Tensor (None without one) while the constructor's
    ``bias`` argument is a bool, as in PyTorch.
    """

    def __init__(
        self,
        n_in: int | None = None,
        n_out: int | None = None,
        bias: bool = True,
        init: str | Initializer = "he",
        seed: Seed = None,
        dtype: type | np.dtype = np.float64,
        *,
        in_features: int | None = None,
        out_features: int | None = None,
    ) -> None:
        super().__init__()
        n_in = _one_of(n_in, in_features, "n_in", "in_features")
        n_out = _one_of(n_out, out_features, "n_out", "out_features")
        self.n_in = integer(n_in, "n_in", "Dense", minimum=1)
        self.n_out = integer(n_out, "n_out", "Dense", minimum=1)
        bias = boolean(bias, "bias", "Dense")
        dtype = _float_dtype(dtype, "Dense")
        self.init_name = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        rng = random_generator(seed, "Dense")
        weights = initialize(init, (self.n_out, self.n_in), rng, "Dense").astype(dtype)
        self.W = Tensor(weights, requires_grad=True)
        self.b = Tensor(np.zeros(self.n_out, dtype=dtype), requires_grad=True) if bias else None

    # PyTorch's names for the same things: properties, so there is one Tensor under two names.
    @property
    def weight(self) -> Tensor:
        """The weight W, shape (out_features, in_features): the same Tensor as ``W``."""
        return self.W

    @weight.setter
    def weight(self, value: Tensor) -> None:
        self.W = value

    @property
    def bias(self) -> Tensor | None:
        """The bias b, shape (out_features,), or None: the same Tensor as ``b``."""
        return self.b

    @bias.setter
    def bias(self, value: Tensor | None) -> None:
        self.b = value

    @property
    def in_features(self) -> int:
        """n_in, the number of input features (PyTorch's name)."""
        return self.n_in

    @property
    def out_features(self) -> int:
        """n_out, the number of output units (PyTorch's name)."""
        return self.n_out

    def forward(self, x: Any) -> Tensor:
        """X @ W.T + b (the engine's ``linear``)."""
        x = as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.n_in:
            raise ValueError(
                f"Dense: input of shape {x.shape} does not fit W of shape {self.W.shape}: "
                f"expected the last axis to have n_in = {self.n_in} features"
            )
        return ag.linear(x, self.W, self.b)

    def graph_label(self) -> str:
        return f"{type(self).__name__}({self.n_in}→{self.n_out})"

    def extra_repr(self) -> str:
        return (
            f"n_in={self.n_in}, n_out={self.n_out}, bias={self.b is not None}, "
            f"init={self.init_name!r}"
        )


Linear = Dense  # PyTorch's name: the same class (see Dense's docstring)


class Dropout(Module):
    """Inverted dropout: in training each value is dropped with probability ``p`` and the
    survivors are scaled by ``1 / (1 − p)``, so the expected output equals the input:

        mask ~ Bernoulli(keep_prob = 1 − p),   y = x · mask / keep_prob

    In eval mode it is the identity. The mask is a constant multiplied in with a Tensor
    operation, so the gradient flows through the graph (dy/dx = mask / keep_prob). ``seed``
    seeds the layer's own generator, making the masks reproducible. ``p`` is the drop
    probability, 0 <= p < 1 (the course's keep_prob is 1 − p).
    """

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        super().__init__()
        self.p = real_number(
            p, "p (the drop probability)", "Dropout", minimum=0.0, maximum=1.0, open_max=True
        )
        self.rng = random_generator(seed, "Dropout")

    def forward(self, x: Any) -> Tensor:
        """x · mask / (1 − p) in training; x in eval."""
        x = as_tensor(x)
        if not self.training or self.p == 0.0:
            return x
        return ag.dropout(x, self.p, generator=self.rng)  # an op: compile replays the draw

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalisation over a batch of rows (m, C), or of sequences (N, C, L) like
    PyTorch, per feature (channel) c:

        μ_c = mean of x[:, c] (over the batch, and over L for 3-D input)
        σ²_c = mean of (x[:, c] − μ_c)²                  (biased: divided by the count n)
        x̂ = (x − μ_c) / √(σ²_c + ε),     y = γ_c · x̂ + β_c

    Built from the engine's mean and arithmetic ops only, so its gradient (through μ and σ²
    too) comes from the graph; nothing is derived by hand.

    In training mode it normalises with the batch's μ and σ² and updates the running
    statistics with the *unbiased* batch variance σ²·n/(n − 1), as PyTorch does:

        running_mean ← (1 − momentum)·running_mean + momentum·μ
        running_var  ← (1 − momentum)·running_var  + momentum·σ²·n/(n − 1)

    ``momentum=None`` makes them the cumulative average over all batches seen (momentum =
    1/num_batches_tracked). In eval mode it normalises with the running statistics instead
    (so one example at a time works). Training on a batch with a single value per channel
    raises, like PyTorch: its variance says nothing.

    Parameters ``weight`` (γ, ones) and ``bias`` (β, zeros), also readable as ``gamma`` and
    ``beta``; with ``affine=False`` there are none (y = x̂). Buffers ``running_mean`` (zeros),
    ``running_var`` (ones) and ``num_batches_tracked`` (int64, 0-d), all in ``state_dict()``
    and ``nn.save``; with ``track_running_stats=False`` they are None and the batch statistics
    are used in eval mode too. These names and the attributes ``num_features``, ``eps``,
    ``momentum``, ``affine`` and ``track_running_stats`` are PyTorch's, and exporters rely on
    them.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        where = "BatchNorm1d"
        self.num_features = integer(num_features, "num_features", where, minimum=1)
        self.eps = real_number(eps, "eps", where, minimum=0.0, open_min=True)
        self.momentum = (
            None
            if momentum is None
            else real_number(momentum, "momentum", where, minimum=0.0, maximum=1.0)
        )
        self.affine = boolean(affine, "affine", where)
        self.track_running_stats = boolean(track_running_stats, "track_running_stats", where)
        dtype = _float_dtype(dtype, where)
        n = self.num_features
        if self.affine:
            self.weight = Tensor(np.ones(n, dtype=dtype), requires_grad=True)
            self.bias = Tensor(np.zeros(n, dtype=dtype), requires_grad=True)
        else:
            self.weight = None
            self.bias = None
        stats = self.track_running_stats
        self.register_buffer("running_mean", np.zeros(n, dtype=dtype) if stats else None)
        self.register_buffer("running_var", np.ones(n, dtype=dtype) if stats else None)
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64) if stats else None)

    @property
    def gamma(self) -> Tensor | None:
        """γ, the scale: the same Tensor as ``weight``."""
        return self.weight

    @gamma.setter
    def gamma(self, value: Tensor | None) -> None:
        self.weight = value

    @property
    def beta(self) -> Tensor | None:
        """β, the shift: the same Tensor as ``bias``."""
        return self.bias

    @beta.setter
    def beta(self, value: Tensor | None) -> None:
        self.bias = value

    def forward(self, x: Any) -> Tensor:
        """γ · (x − μ) / √(σ² + ε) + β with the batch's statistics (training) or the running
        ones (eval); training also updates the running statistics."""
        x = as_tensor(x)
        n = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != n:
            raise ValueError(
                f"BatchNorm1d: expected input of shape (m, {n}) or (N, {n}, L) for "
                f"num_features={n}, got {x.shape}"
            )
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, n) if x.ndim == 2 else (1, n, 1)
        count = x.size // n  # values per channel
        if self.training and count <= 1:
            raise ValueError(
                "BatchNorm1d: expected more than 1 value per channel when training, got input "
                f"of shape {x.shape}"
            )
        if self.training or not self.track_running_stats:
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            variance = (centred * centred).mean(axis=axes, keepdims=True)
        else:
            float_dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
            # Copies made by ops (not by reading .data): autograd_lite.compile replays them
            # on the running statistics of the moment.
            mean = self.running_mean.astype(float_dtype).reshape(shape).copy()
            variance = self.running_var.astype(float_dtype).reshape(shape).copy()
            centred = x - mean
        y = centred / (variance + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if self.training and self.track_running_stats:
            self._update_running_stats(mean._data.reshape(n), variance._data.reshape(n), count)
        return y

    def _update_running_stats(self, mean: np.ndarray, variance: np.ndarray, count: int) -> None:
        """The running averages of the batch mean and the unbiased batch variance."""
        batches = int(self.num_batches_tracked._data) + 1
        factor = 1.0 / batches if self.momentum is None else self.momentum
        unbiased = variance * (count / (count - 1))
        new_mean = (1.0 - factor) * self.running_mean._data + factor * mean
        new_var = (1.0 - factor) * self.running_var._data + factor * unbiased
        _assign(self.running_mean, new_mean)
        _assign(self.running_var, new_var)
        _assign(self.num_batches_tracked, batches)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )
