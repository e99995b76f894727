"""The course's hyperparameter search (course 2, week 3), run on Optuna.

The course's method: don't search a grid, **sample at random**, and sample each
hyperparameter **on the scale where it matters**. A learning rate between 0.0001 and 1 is
10^r with r uniform in [−4, 0] (a uniform draw would spend 90% of the trials above 0.1); a
momentum β between 0.9 and 0.999 is 1 − 10^r with r uniform in [−3, −1], because β near 1
is where small changes matter (1/(1 − β) is the number of steps averaged).

    from autograd_lite import nn
    from autograd_lite.nn import search

    space = search.Space(
        lr=search.log_uniform(1e-4, 1.0),                # α = 10^r, r ~ U[−4, 0]
        hidden=search.int_uniform(2, 50, log=True),      # units per hidden layer
        beta=search.one_minus_log_uniform(0.9, 0.999),   # β = 1 − 10^r, r ~ U[−3, −1]
        lambd=search.log_uniform(1e-4, 1.0),             # L2 strength λ
        batch_size=search.choice([32, 64, 128, 256]),
    )
    study = search.run(space, X_train, Y_train, dev=(X_dev, Y_dev), epochs=50, n_trials=40)
    print(study.best_value, space.decode(study.best_params))

Each trial builds a network from its hyperparameters (``default_model``, or your own
``build``), trains it with ``nn.fit`` and returns its dev loss (the data loss, without the
L2 term, so trials with different λ compare fairly). ``run`` returns the ``optuna.Study``.

- Samplers: ``"random"`` (default; the course's method, seeded per trial number so that trial
  n gets the same hyperparameters, weights and mini-batches whichever process runs it) or
  ``"tpe"`` (Optuna's Bayesian TPE, which proposes from the trials finished so far: seeded,
  it is reproducible in one process only), or any Optuna sampler object (one process only).
- Pruning: after each epoch the dev loss is reported to Optuna; with ``pruner="median"``
  (default) a trial whose dev loss is worse than the median of earlier trials at the same
  epoch is stopped there. ``pruner=None`` trains every trial to the end.
- Parallel: ``n_workers=k`` runs k processes that share ``storage``, a journal file (a path)
  or a database URL (``sqlite:///search.db``, ``postgresql://...``). Several machines share a
  search by running the same script with the same ``storage`` and ``study_name``; each call
  adds its ``n_trials`` to the study.

Optuna is optional (``pip install 'autograd-lite[search]'``) and imported only when a search
runs; describing a Space needs nothing beyond NumPy.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import socket
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np

from autograd_lite.validation import boolean, integer, is_integer, real_number

from . import schedules
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .layers import Dense, Dropout
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, l2_penalty
from .module import Module, Sequential
from .optim import SGD, Adam, Optimizer, RMSprop
from .train import History, default_accuracy, fit

__all__ = [
    "Choice",
    "Distribution",
    "IntUniform",
    "LogUniform",
    "Objective",
    "OneMinusLogUniform",
    "Space",
    "Uniform",
    "choice",
    "default_loss",
    "default_model",
    "int_uniform",
    "log_uniform",
    "make_optimizer",
    "one_minus_log_uniform",
    "open_storage",
    "random_sampler",
    "run",
    "train",
    "trial_seed",
    "uniform",
]

# ============================================================================ distributions


class Distribution:
    """How one hyperparameter is drawn. Made by ``uniform``, ``log_uniform``, ``int_uniform``,
    ``one_minus_log_uniform`` and ``choice``."""

    def suggest(self, trial: Any, name: str) -> Any:
        """Draw the value for ``name`` in an Optuna trial (recorded in ``trial.params``)."""
        raise NotImplementedError

    def stored_name(self, name: str) -> str:
        """The key under which the trial records the draw (``name`` unless it is transformed)."""
        return name

    def decode(self, stored: Any) -> Any:
        """The hyperparameter's value from what the trial recorded."""
        return stored


def _bounds(
    where: str, low: Any, high: Any, *, minimum: float | None = None
) -> tuple[float, float]:
    low = real_number(low, "low", where, minimum=minimum, open_min=minimum is not None)
    high = real_number(high, "high", where)
    if not low < high:
        raise ValueError(f"{where}: low must be below high, got low={low!r}, high={high!r}")
    return low, high


@dataclass(frozen=True)
class Uniform(Distribution):
    """A real number uniform in [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _bounds("uniform", self.low, self.high)

    def suggest(self, trial: Any, name: str) -> float:
        return trial.suggest_float(name, float(self.low), float(self.high))

    def __repr__(self) -> str:
        return f"uniform({self.low!r}, {self.high!r})"


@dataclass(frozen=True)
class LogUniform(Distribution):
    """A positive real number whose logarithm is uniform: 10^r, r ~ U[log10 low, log10 high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _bounds("log_uniform", self.low, self.high, minimum=0.0)

    def suggest(self, trial: Any, name: str) -> float:
        return trial.suggest_float(name, float(self.low), float(self.high), log=True)

    def __repr__(self) -> str:
        return f"log_uniform({self.low!r}, {self.high!r})"


@dataclass(frozen=True)
class IntUniform(Distribution):
    """An integer in [low, high] (both included), uniform, or log-uniform with ``log=True``
    (as many draws in 2..5 as in 20..50)."""

    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        low = integer(self.low, "low", "int_uniform", minimum=1 if self.log is True else None)
        high = integer(self.high, "high", "int_uniform")
        boolean(self.log, "log", "int_uniform")
        if low > high:
            raise ValueError(f"int_uniform: low must not exceed high, got low={low}, high={high}")

    def suggest(self, trial: Any, name: str) -> int:
        return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)

    def __repr__(self) -> str:
        return f"int_uniform({self.low!r}, {self.high!r}{', log=True' if self.log else ''})"


@dataclass(frozen=True)
class OneMinusLogUniform(Distribution):
    """β = 1 − 10^r with r uniform: the course's way to sample a momentum or Adam β in
    [low, high] (0 ≤ low < high < 1). The trial records 1 − β under the name "1-<name>"."""

    low: float
    high: float

    def __post_init__(self) -> None:
        where = "one_minus_log_uniform"
        low, high = _bounds(where, self.low, self.high, minimum=None)
        if low < 0 or high >= 1:
            raise ValueError(
                f"{where}: needs 0 <= low < high < 1 (β is 1 − a positive number), got "
                f"low={self.low!r}, high={self.high!r}"
            )

    def stored_name(self, name: str) -> str:
        return f"1-{name}"

    def suggest(self, trial: Any, name: str) -> float:
        gap = trial.suggest_float(
            self.stored_name(name), 1.0 - float(self.high), 1.0 - float(self.low), log=True
        )
        return self.decode(gap)

    def decode(self, stored: Any) -> float:
        return 1.0 - float(stored)

    def __repr__(self) -> str:
        return f"one_minus_log_uniform({self.low!r}, {self.high!r})"


_PRIMITIVE = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Choice(Distribution):
    """One of ``options``, each equally likely. Options that Optuna cannot store as they are
    (a tuple of layer sizes, say) are recorded as their ``repr``: "(20, 10)"."""

    options: tuple

    def __post_init__(self) -> None:
        options = self.options
        if isinstance(options, str | bytes) or not isinstance(options, Sequence):
            raise TypeError(
                f"choice: options must be a list or tuple of values, got {type(options).__name__}"
            )
        if len(options) == 0:
            raise ValueError("choice: options is empty; give at least one value")
        labels = [self._label(option) for option in options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"choice: the options must be distinct, got {list(options)!r}")
        object.__setattr__(self, "options", tuple(options))

    @staticmethod
    def _label(option: Any) -> Any:
        if isinstance(option, np.generic):
            option = option.item()
        return option if isinstance(option, _PRIMITIVE) else repr(option)

    def suggest(self, trial: Any, name: str) -> Any:
        return self.decode(trial.suggest_categorical(name, [self._label(o) for o in self.options]))

    def decode(self, stored: Any) -> Any:
        for option in self.options:
            if self._label(option) == stored and type(self._label(option)) is type(stored):
                return option
        raise ValueError(f"choice: {stored!r} is not one of the options {list(self.options)!r}")

    def __repr__(self) -> str:
        return f"choice({list(self.options)!r})"


def uniform(low: float, high: float) -> Uniform:
    """A real number uniform in [low, high]: for quantities that matter on a linear scale."""
    return Uniform(low, high)


def log_uniform(low: float, high: float) -> LogUniform:
    """10^r with r uniform in [log10 low, log10 high] (0 < low < high): learning rates, λ."""
    return LogUniform(low, high)


def int_uniform(low: int, high: int, log: bool = False) -> IntUniform:
    """An integer in [low, high], uniform, or log-uniform with ``log=True`` (low >= 1)."""
    return IntUniform(low, high, log)


def one_minus_log_uniform(low: float, high: float) -> OneMinusLogUniform:
    """β = 1 − 10^r, r uniform in [log10(1 − high), log10(1 − low)]: momentum and Adam's β.

    ``one_minus_log_uniform(0.9, 0.999)`` draws r in [−3, −1]: as many trials between 0.9 and
    0.99 as between 0.99 and 0.999."""
    return OneMinusLogUniform(low, high)


def choice(options: Sequence[Any]) -> Choice:
    """One of ``options`` (a list or tuple), each equally likely: mini-batch sizes, optimisers,
    activations, tuples of hidden layer sizes."""
    return Choice(tuple(options) if isinstance(options, list) else options)


# ============================================================================ the space


class Space(Mapping):
    """The hyperparameters to search, by name: a Distribution to draw from, or a constant
    that every trial gets (``optimizer="adam"``).

    ``space.suggest(trial)`` draws a dict of values in an Optuna trial; ``space.decode(params)``
    turns a trial's recorded ``params`` back into those values (β from the recorded 1 − β,
    tuples from their repr) and adds the constants.
    """

    def __init__(self, **hyperparameters: Any) -> None:
        if not hyperparameters:
            raise ValueError(
                "Space: give at least one hyperparameter, e.g. lr=log_uniform(1e-4, 1)"
            )
        for name, value in hyperparameters.items():
            if isinstance(value, type) and issubclass(value, Distribution):
                raise TypeError(f"Space: '{name}' is the class {value.__name__}; call it")
            if callable(value) and not isinstance(value, Distribution):
                raise TypeError(
                    f"Space: '{name}' is {value!r}, a function; call it to make a distribution "
                    "(e.g. log_uniform(1e-4, 1))"
                )
        stored = [
            d.stored_name(n) for n, d in hyperparameters.items() if isinstance(d, Distribution)
        ]
        if len(set(stored)) != len(stored):  # beta=one_minus_log_uniform(...) records "1-beta"
            raise ValueError(f"Space: two draws would be recorded under one name: {stored}")
        self._items = dict(hyperparameters)

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self._items.items())
        return f"Space({inner})"

    def __reduce__(self) -> tuple:
        return _space_from_dict, (self._items,)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Draw every hyperparameter in the Optuna ``trial``; constants are passed through."""
        return {
            name: value.suggest(trial, name) if isinstance(value, Distribution) else value
            for name, value in self._items.items()
        }

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The hyperparameters of a trial from its recorded ``params`` (e.g. ``study.best_params``
        or ``trial.params``), constants included."""
        values = {}
        for name, value in self._items.items():
            if isinstance(value, Distribution):
                key = value.stored_name(name)
                if key not in params:
                    raise KeyError(f"Space.decode: the trial's params have no '{key}' (for {name})")
                values[name] = value.decode(params[key])
            else:
                values[name] = value
        return values


def _space_from_dict(items: dict[str, Any]) -> Space:
    return Space(**items)


# ============================================================================ model and training

TRAINING_NAMES = ("lr", "optimizer", "beta", "beta2", "lambd", "batch_size", "decay_rate")
MODEL_NAMES = ("hidden", "layers", "activation", "dropout")
OPTIMIZERS = ("adam", "momentum", "sgd", "rmsprop")
ACTIVATIONS = {
    # name: (layer, initialisation that keeps its activations' variance steady)
    "relu": (ReLU, "he"),
    "leaky_relu": (LeakyReLU, "he"),
    "tanh": (Tanh, "xavier"),
    "sigmoid": (Sigmoid, "xavier"),
}
BuildFn = Callable[[dict[str, Any], int, int, np.random.Generator], Module]


def default_model(
    hp: Mapping[str, Any], n_in: int, n_out: int, rng: np.random.Generator
) -> Sequential:
    """The course's fully connected network [n_in, hidden..., n_out], ending in logits.

    Reads ``hidden`` (units per hidden layer: an int, or a sequence of ints, one per layer;
    none means logistic/softmax regression), ``layers`` (how many hidden layers of ``hidden``
    units when it is an int; default 1), ``activation`` ("relu" (default, He initialisation),
    "leaky_relu", "tanh" or "sigmoid" (Xavier)) and ``dropout`` (drop probability after each
    hidden activation; default 0). There is no output activation: the loss applies the
    sigmoid or softmax (BCEWithLogitsLoss, CrossEntropyLoss), which is the stable way.
    """
    where = "default_model"
    hidden = hp.get("hidden", ())
    if is_integer(hidden):
        count = integer(hp.get("layers", 1), "layers", where, minimum=0)
        sizes = [integer(hidden, "hidden", where, minimum=1)] * count
    elif isinstance(hidden, Sequence) and not isinstance(hidden, str):
        if "layers" in hp:
            raise ValueError(f"{where}: 'layers' goes with an int 'hidden'; got hidden={hidden!r}")
        sizes = [integer(h, "hidden", where, minimum=1) for h in hidden]
    else:
        raise TypeError(f"{where}: hidden must be an int or a sequence of ints, got {hidden!r}")
    name = hp.get("activation", "relu")
    if name not in ACTIVATIONS:
        raise ValueError(f"{where}: activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    activation, init = ACTIVATIONS[name]
    p = real_number(
        hp.get("dropout", 0.0), "dropout", where, minimum=0.0, maximum=1.0, open_max=True
    )
    layers: list[Module] = []
    for fan_in, fan_out in zip([n_in, *sizes], sizes):
        layers += [Dense(fan_in, fan_out, init=init, seed=rng), activation()]
        if p > 0:
            layers.append(Dropout(p, seed=rng))
    layers.append(Dense(sizes[-1] if sizes else n_in, n_out, init="xavier", seed=rng))
    return Sequential(*layers)


def make_optimizer(hp: Mapping[str, Any], params: list) -> Optimizer:
    """The optimiser ``hp`` asks for: ``optimizer`` "adam" (default; ``beta`` is β₁, ``beta2``
    β₂), "momentum" (SGD with the course's momentum ``beta``), "rmsprop" (``beta``) or "sgd",
    at learning rate ``lr``."""
    kind = hp.get("optimizer", "adam")
    lr, beta = hp["lr"], hp.get("beta", 0.9)
    unused = {"sgd": ("beta", "beta2"), "momentum": ("beta2",), "rmsprop": ("beta2",)}
    for name in unused.get(kind, ()):
        if name in hp:  # searched over but never used: say so rather than waste the trials
            raise ValueError(f"make_optimizer: optimizer {kind!r} has no {name}; drop it")
    if kind == "adam":
        return Adam(params, lr=lr, beta1=beta, beta2=hp.get("beta2", 0.999))
    if kind == "momentum":
        return SGD(params, lr=lr, momentum=beta)
    if kind == "rmsprop":
        return RMSprop(params, lr=lr, beta=beta)
    if kind == "sgd":
        return SGD(params, lr=lr)
    raise ValueError(f"make_optimizer: optimizer must be one of {list(OPTIMIZERS)}, got {kind!r}")


def default_loss(Y: Any, where: str = "default_loss") -> tuple[Module, int]:
    """The loss and the number of outputs that fit the targets Y (for a network that ends in
    logits, like ``default_model``'s):

    integer labels (m,) → CrossEntropyLoss with max + 1 outputs; one-hot rows (m, k) →
    CrossEntropyLoss with k outputs; zeros and ones (m,) or (m, 1) → BCEWithLogitsLoss with
    one output; anything else → MSELoss with one output per target column.
    """
    Y = np.asarray(Y)
    if Y.ndim == 1 and Y.dtype.kind in "iu":
        if Y.min() < 0:
            raise ValueError(f"{where}: integer labels must be >= 0, got {Y.min()}")
        return CrossEntropyLoss(), max(int(Y.max()) + 1, 2)
    binary = bool(np.isin(Y, (0, 1)).all())
    if Y.ndim == 2 and Y.shape[1] > 1 and binary and np.all(Y.sum(axis=1) == 1):
        return CrossEntropyLoss(), Y.shape[1]
    if binary and (Y.ndim == 1 or Y.shape[1] == 1):
        return BCEWithLogitsLoss(), 1
    return MSELoss(), 1 if Y.ndim == 1 else Y.shape[1]


def _check_names(names: Any, build: BuildFn, where: str) -> None:
    """With the default model, every name must be one it or the training reads (a typo such as
    "learning_rate" would otherwise be searched over and silently ignored)."""
    names = set(names)
    if "lr" not in names:
        raise ValueError(f"{where}: the hyperparameters need 'lr', the learning rate")
    if build is default_model:
        unknown = sorted(names - set(TRAINING_NAMES) - set(MODEL_NAMES))
        if unknown:
            known = ", ".join(sorted(TRAINING_NAMES + MODEL_NAMES))
            raise ValueError(
                f"{where}: unknown hyperparameters {unknown}; the default model and training "
                f"read {known} (a custom build= receives any others)"
            )


class _TrainLoss(Module):
    """The data loss plus λ/(2m)·Σ‖W‖² while the model trains; the data loss alone in eval
    mode, so the dev loss that ``fit`` reports (in eval mode) is the plain dev cost."""

    def __init__(self, loss: Module, model: Module, lambd: float, m: int) -> None:
        super().__init__()
        self.loss, self.lambd, self.m = loss, lambd, m
        object.__setattr__(self, "watched", model)  # not a child: not part of this module's tree

    def forward(self, outputs: Any, targets: Any) -> Any:
        cost = self.loss(outputs, targets)
        if self.watched.training and self.lambd > 0:
            cost = cost + l2_penalty(self.watched, self.lambd, self.m)
        return cost


def train(
    hp: Mapping[str, Any],
    X: Any,
    Y: Any,
    *,
    epochs: int,
    dev: tuple[Any, Any] | None = None,
    build: BuildFn = default_model,
    loss: Module | None = None,
    seed: Any = None,
    on_epoch_end: Callable[[int, History], Any] | None = None,
    verbose: bool = False,
) -> tuple[Module, History]:
    """Build a model from the hyperparameters ``hp`` and train it; return (model, history).

    This is one trial of the search, and how to retrain the best one afterwards:
    ``train(space.decode(study.best_params), X, Y, epochs=..., dev=...)``.

    ``build(hp, n_in, n_out, rng)`` makes the model (``default_model`` by default; it gets the
    whole ``hp``). The loss, unless given, follows Y (``default_loss``: 0/1 targets →
    BCEWithLogitsLoss, labels or one-hot → CrossEntropyLoss, else MSELoss), and the model
    ends in logits for it. Training reads ``lr``, ``optimizer``, ``beta``, ``beta2`` (see
    ``make_optimizer``), ``batch_size`` (default 64, the course's), ``lambd`` (L2 strength λ:
    λ/(2m)·Σ‖W‖² with m the number of training examples, added while training; default 0)
    and ``decay_rate`` (inverse-time learning-rate decay per epoch; default none). ``seed``
    (an int, a SeedSequence or None) fixes the initial weights, dropout masks and mini-batches.
    """
    where = "train"
    if not isinstance(hp, Mapping):
        raise TypeError(
            f"{where}: hp must be a mapping of hyperparameters, got {type(hp).__name__}"
        )
    _check_names(hp, build, where)
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2:
        raise ValueError(f"{where}: X must have shape (m, n_features), got {X.shape}")
    base_loss, n_out = (loss, None) if loss is not None else default_loss(Y, where)
    if n_out is None:
        n_out = default_loss(Y, where)[1]
    reshape = isinstance(base_loss, BCEWithLogitsLoss | MSELoss) and Y.ndim == 1
    if reshape:  # the model's outputs are (m, 1): targets of the same shape
        Y = Y.reshape(-1, 1)
        if dev is not None:
            dev = (dev[0], np.asarray(dev[1]).reshape(-1, 1))
    rng = np.random.default_rng(seed)
    model = build(dict(hp), X.shape[1], n_out, rng)
    if not isinstance(model, Module):
        raise TypeError(f"{where}: build must return an nn Module, got {type(model).__name__}")
    optimizer = make_optimizer(hp, model.parameters())
    lambd = real_number(hp.get("lambd", 0.0), "lambd", where, minimum=0.0)
    decay_rate = hp.get("decay_rate")
    schedule = None
    if decay_rate is not None:  # α = α₀ / (1 + decay_rate · epoch)
        schedule = partial(schedules.inverse_time_decay, optimizer.lr, decay_rate=decay_rate)
    history = fit(
        model,
        _TrainLoss(base_loss, model, lambd, len(X)),
        optimizer,
        X,
        Y,
        epochs=epochs,
        batch_size=hp.get("batch_size", 64),
        dev=dev,
        schedule=schedule,
        verbose=verbose,
        seed=rng,
        accuracy_fn=default_accuracy(base_loss),
        on_epoch_end=on_epoch_end,
    )
    return model, history


# ============================================================================ Optuna


def _import_optuna(where: str) -> Any:
    try:
        import optuna
    except ImportError as error:
        raise ImportError(f"{where} runs on Optuna: pip install 'autograd-lite[search]'") from error
    return optuna


class Objective:
    """One trial: draw hyperparameters from ``space``, ``train`` on (X, Y), report the dev loss
    after every epoch (Optuna may prune the trial there), return the final dev loss.

    A run that diverges (a NaN or infinite dev loss, typically a learning rate too large) is
    stopped and scores ``inf``, with the epoch in the trial's user attribute "diverged_at".
    The trial's hyperparameters are also stored as its user attribute "hyperparameters", and
    the process that ran it ("host:pid") as "worker".
    Picklable (for worker processes) as long as ``build`` and ``loss`` are.
    """

    def __init__(
        self,
        space: Space,
        X: Any,
        Y: Any,
        *,
        dev: tuple[Any, Any],
        epochs: int,
        build: BuildFn = default_model,
        loss: Module | None = None,
        seed: int | None = None,
    ) -> None:
        where = "Objective"
        if not isinstance(space, Space):
            raise TypeError(f"{where}: space must be a search.Space, got {type(space).__name__}")
        _check_names(space, build, where)
        if not isinstance(dev, tuple | list) or len(dev) != 2:
            raise ValueError(f"{where}: dev=(X_dev, Y_dev) is required: trials are compared on it")
        self.space, self.X, self.Y = space, np.asarray(X), np.asarray(Y)
        self.dev = (np.asarray(dev[0]), np.asarray(dev[1]))
        self.epochs = integer(epochs, "epochs", where, minimum=1)
        self.build, self.loss = build, loss
        self.seed = None if seed is None else integer(seed, "seed", where, minimum=0)

    def __call__(self, trial: Any) -> float:
        optuna = _import_optuna("Objective")
        hp = self.space.suggest(trial)
        trial.set_user_attr("hyperparameters", _jsonable(hp))
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")

        def report(epoch: int, history: History) -> None:
            dev_loss = history.dev_loss[-1]
            if not math.isfinite(dev_loss):
                trial.set_user_attr("diverged_at", epoch)
                raise _Diverged
            trial.report(dev_loss, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"dev loss {dev_loss:.4g} at epoch {epoch}")

        seed = None if self.seed is None else trial_seed(self.seed, trial.number)
        try:
            _, history = train(
                hp,
                self.X,
                self.Y,
                epochs=self.epochs,
                dev=self.dev,
                build=self.build,
                loss=self.loss,
                seed=seed,
                on_epoch_end=report,
            )
        except _Diverged:
            return math.inf
        return history.dev_loss[-1]


def trial_seed(seed: int, number: int) -> np.random.SeedSequence:
    """The seed with which trial ``number`` of a search run with ``seed`` trains: retrain a
    trial exactly with ``train(hp, ..., seed=trial_seed(seed, trial.number))``."""
    seed = integer(seed, "seed", "trial_seed", minimum=0)
    return np.random.SeedSequence([seed, integer(number, "number", "trial_seed", minimum=0)])


class _Diverged(Exception):
    """A trial's dev loss became NaN or infinite: it ends with the value inf."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@cache
def _seeded_random_sampler_class() -> type:
    """The course's random search as an Optuna sampler whose draws depend only on the seed,
    the trial number and the parameter's name (defined on first use: Optuna is optional)."""
    optuna = _import_optuna("search")
    distributions = optuna.distributions

    class SeededRandomSampler(optuna.samplers.BaseSampler):
        """Independent random draws, each from its own generator seeded with
        (seed, trial number, parameter name): trial n is the same whichever process runs it
        and whatever ran before it. Log-scaled distributions are drawn uniformly in log."""

        def __init__(self, seed: int | None = None) -> None:
            self.entropy = np.random.SeedSequence(seed).entropy

        def reseed_rng(self) -> None:  # nothing to reseed: no generator state is kept
            pass

        def infer_relative_search_space(self, study: Any, trial: Any) -> dict:
            return {}

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict:
            return {}

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            key = [self.entropy, trial.number, zlib.crc32(name.encode())]
            rng = np.random.default_rng(key)
            if isinstance(dist, distributions.CategoricalDistribution):
                return dist.choices[int(rng.integers(len(dist.choices)))]
            low, high = dist.low, dist.high
            is_int = isinstance(dist, distributions.IntDistribution)
            if dist.log:
                # integers: log-uniform over [low − ½, high + ½], then rounded, so that each
                # integer gets the share of the log scale around it
                edges = (low - 0.5, high + 0.5) if is_int else (low, high)
                value = math.exp(rng.uniform(math.log(edges[0]), math.log(edges[1])))
            elif dist.step is not None:
                value = low + dist.step * int(rng.integers(round((high - low) / dist.step) + 1))
            elif is_int:
                value = int(rng.integers(low, high + 1))
            else:
                value = rng.uniform(low, high)
            value = min(max(value, low), high)
            return int(np.rint(value)) if is_int else float(value)

    return SeededRandomSampler


def random_sampler(seed: int | None = None) -> Any:
    """The Optuna sampler behind ``sampler="random"``: independent random draws (log-scaled
    distributions uniformly in log), each from a generator seeded with (seed, trial number,
    parameter name), so trial n gets the same values whichever process runs it. Usable with
    Optuna directly: ``optuna.create_study(sampler=search.random_sampler(0))``."""
    if seed is not None:
        seed = integer(seed, "seed", "random_sampler", minimum=0)
    return _seeded_random_sampler_class()(seed)


def _make_sampler(sampler: Any, seed: int | None, in_worker: bool) -> Any:
    optuna = _import_optuna("run")
    if sampler == "random":
        return random_sampler(seed)
    if sampler == "tpe":
        if seed is not None and in_worker:
            # TPE adapts to whatever trials have finished, so a search in several processes is
            # not reproducible anyway; what matters is that no two processes (here or on
            # another machine) share a stream and propose the same points.
            salt = zlib.crc32(f"{socket.gethostname()}:{os.getpid()}".encode())
            seed = int(np.random.SeedSequence([seed, salt]).generate_state(1)[0])
        return optuna.samplers.TPESampler(seed=seed)
    return sampler


def _make_pruner(pruner: Any, epochs: int) -> Any:
    optuna = _import_optuna("run")
    if pruner == "median":
        # Prune only once 5 trials have finished, and never in a trial's first quarter: the
        # first epochs' dev losses say little about where a run ends up.
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=epochs // 4)
    if pruner is None:
        return optuna.pruners.NopPruner()
    return pruner


def open_storage(storage: str | os.PathLike) -> Any:
    """An Optuna storage from a journal file path (``"runs/search.journal"``; its folder is
    created) or a database URL (anything with "://": ``"sqlite:///search.db"``,
    ``"postgresql://user:password@host/dbname"``).

    A journal file works for several processes on one machine and, on a shared file system,
    for several machines; a database server is the robust choice across machines.
    """
    optuna = _import_optuna("open_storage")
    if not isinstance(storage, str | os.PathLike):
        raise TypeError(
            f"open_storage: storage must be a journal file path or a database URL, got "
            f"{type(storage).__name__}"
        )
    spec = os.fspath(storage)
    if "://" in spec:
        return optuna.storages.RDBStorage(spec)
    try:
        from optuna.storages.journal import JournalFileBackend
    except ImportError:  # Optuna < 4.0 called it JournalFileStorage
        from optuna.storages import JournalFileStorage as JournalFileBackend
    folder = os.path.dirname(os.path.abspath(spec))
    os.makedirs(folder, exist_ok=True)
    with warnings.catch_warnings():  # Optuna 3.x marks JournalStorage experimental; 4 does not
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.JournalStorage(JournalFileBackend(spec))


@contextlib.contextmanager
def _optuna_quiet(verbose: bool) -> Iterator[None]:
    """Optuna logs every trial at INFO; keep that for verbose=True only."""
    optuna = _import_optuna("run")
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO if verbose else optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def _worker(job: dict[str, Any]) -> int:
    """One process of a parallel search: load the shared study and run its share of trials."""
    optuna = _import_optuna("run")
    with _optuna_quiet(job["verbose"]):
        study = optuna.load_study(
            study_name=job["study_name"],
            storage=open_storage(job["storage"]),
            sampler=_make_sampler(job["sampler"], job["seed"], in_worker=True),
            pruner=_make_pruner(job["pruner"], job["objective"].epochs),
        )
        study.optimize(job["objective"], n_trials=job["n_trials"], timeout=job["timeout"])
    return job["n_trials"]


def run(
    space: Space,
    X: Any,
    Y: Any,
    *,
    dev: tuple[Any, Any],
    epochs: int,
    n_trials: int,
    n_workers: int = 1,
    storage: str | os.PathLike | Any | None = None,
    study_name: str = "search",
    sampler: Any = "random",
    pruner: Any = "median",
    seed: int | None = None,
    build: BuildFn = default_model,
    loss: Module | None = None,
    timeout: float | None = None,
    verbose: bool = False,
) -> Any:
    """Search ``space`` for the hyperparameters with the lowest dev loss; return the Optuna
    study (``study.best_value``, ``space.decode(study.best_params)``, ``study.trials``).

    Each of ``n_trials`` trials builds a model (``build``, default ``default_model``), trains it
    for ``epochs`` epochs on (X, Y) with ``train`` and scores it by its final loss on
    ``dev = (X_dev, Y_dev)``.

    - ``sampler``: "random" (the course's random search; default), "tpe" (reproducible from
      ``seed`` in one process; worker processes each get their own stream), or an Optuna
      sampler object (one process only).
    - ``pruner``: "median" (default: stop a trial whose dev loss is worse than the median of
      the earlier trials at the same epoch, after 5 finished trials and a quarter of the
      epochs), None, or an Optuna pruner.
    - ``seed``: with the random sampler, trial n's hyperparameters, initial weights and
      mini-batches depend only on (seed, n), so a search is reproducible, in one process or
      many (which trials get pruned can depend on timing when several processes run).
    - ``n_workers``: processes on this machine, which share ``storage`` and split ``n_trials``
      between them (the script must guard its entry point with ``if __name__ == "__main__":``,
      and a custom ``build`` must be a module-level function, because workers are spawned).
    - ``storage``: None (in memory, one process), a journal file path, a database URL (see
      ``open_storage``) or an Optuna storage object. Workers on several machines share a
      search when they all run with the same ``storage`` and ``study_name``: each call adds
      its ``n_trials`` to the study, which is created by the first and loaded by the others.
    """
    where = "run"
    optuna = _import_optuna(where)
    n_trials = integer(n_trials, "n_trials", where, minimum=1)
    n_workers = integer(n_workers, "n_workers", where, minimum=1)
    if timeout is not None:
        timeout = real_number(timeout, "timeout", where, minimum=0.0, open_min=True)
    if seed is not None:
        seed = integer(seed, "seed", where, minimum=0)
    if not isinstance(study_name, str) or not study_name:
        raise ValueError(f"{where}: study_name must be a non-empty string, got {study_name!r}")
    for name, value, names in (
        ("sampler", sampler, ("random", "tpe")),
        ("pruner", pruner, ("median",)),
    ):
        if isinstance(value, str) and value not in names:
            raise ValueError(
                f"{where}: {name} must be one of {list(names)} or an Optuna object, got {value!r}"
            )
    if not isinstance(space, Space):
        raise TypeError(f"{where}: space must be a search.Space, got {type(space).__name__}")
    _check_names(space, build, where)
    if not isinstance(dev, tuple | list) or len(dev) != 2:
        raise ValueError(f"{where}: dev=(X_dev, Y_dev) is required: trials are compared on it")
    objective = Objective(space, X, Y, dev=dev, epochs=epochs, build=build, loss=loss, seed=seed)
    if n_workers > 1:
        if storage is None or not isinstance(storage, str | os.PathLike):
            raise ValueError(
                f"{where}: n_workers={n_workers} processes need a storage they share: a journal "
                "file path (e.g. 'runs/search.journal') or a database URL, got "
                f"{type(storage).__name__}"
            )
        for name, value in (("sampler", sampler), ("pruner", pruner)):
            if not (value is None or isinstance(value, str)):
                raise ValueError(
                    f"{where}: with n_workers > 1 give {name} by name ('random', 'tpe', "
                    "'median' or None); each process makes its own"
                )
        try:
            pickle.dumps(objective)
        except Exception as error:
            raise TypeError(
                f"{where}: the objective cannot be sent to worker processes ({error}); a custom "
                "build or loss must be defined at module level, not in a function or a lambda"
            ) from error
    opened = (
        storage
        if storage is None or not isinstance(storage, str | os.PathLike)
        else open_storage(storage)
    )
    with _optuna_quiet(verbose):
        study = optuna.create_study(
            study_name=study_name,
            storage=opened,
            sampler=_make_sampler(sampler, seed, in_worker=False),
            pruner=_make_pruner(pruner, objective.epochs),
            direction="minimize",
            load_if_exists=True,
        )
        if n_workers == 1:
            study.optimize(objective, n_trials=n_trials, timeout=timeout)
            return study
    job = {
        "objective": objective,
        "storage": os.fspath(storage),
        "study_name": study_name,
        "sampler": sampler,
        "pruner": pruner,
        "seed": seed,
        "timeout": timeout,
        "verbose": verbose,
    }
    _run_workers(job, n_trials, n_workers)
    return study


def _run_workers(job: dict[str, Any], n_trials: int, n_workers: int) -> None:
    """Spawn the processes, each with its share of the trials, and wait for all of them; an
    exception in one of them is raised here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    shares = [n_trials // n_workers + (i < n_trials % n_workers) for i in range(n_workers)]
    jobs = [dict(job, n_trials=share) for share in shares if share > 0]
    context = multiprocessing.get_context("spawn")  # no fork: safe with threads, any platform
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=context) as pool:
        for future in [pool.submit(_worker, each) for each in jobs]:
            future.result()
