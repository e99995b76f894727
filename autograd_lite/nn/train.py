"""The training loop: epochs × mini-batches, with a progress bar, a history, an optional
learning-rate schedule and early stopping on the dev loss."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor
from autograd_lite.validation import (
    ArgumentTypeError,
    boolean,
    integer,
    is_integer,
    real_array,
    real_number,
)

from . import progress
from .data import Seed, minibatches, random_generator
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss
from .module import Module
from .optim import Optimizer

AccuracyFn = Callable[[np.ndarray, np.ndarray], float]


def binary_accuracy(outputs: Any, targets: Any, threshold: float = 0.5) -> float:
    """Fraction of examples with (output > threshold) == target, for outputs (m,) or (m, 1).

    Use threshold 0.5 for probabilities (after a Sigmoid) and 0 for logits.
    """
    threshold = real_number(threshold, "threshold", "binary_accuracy")
    outputs = real_array(outputs, "outputs", "binary_accuracy")
    targets = real_array(targets, "targets", "binary_accuracy")
    if outputs.size != targets.size:
        raise ValueError(
            f"binary_accuracy: outputs of shape {outputs.shape} and targets of shape "
            f"{targets.shape} hold different numbers of examples"
        )
    predicted = outputs.reshape(-1) > threshold
    return float(np.mean(predicted == (targets.reshape(-1) > 0.5)))


def multiclass_accuracy(outputs: Any, targets: Any) -> float:
    """Fraction of rows whose argmax output is the label; targets are labels (m,) or one-hot
    (m, k)."""
    outputs = real_array(outputs, "outputs", "multiclass_accuracy")
    targets = real_array(targets, "targets", "multiclass_accuracy")
    labels = targets.argmax(axis=-1) if targets.ndim == 2 else targets
    if outputs.ndim != 2 or labels.shape != (outputs.shape[0],):
        raise ValueError(
            f"multiclass_accuracy: expected outputs (m, k) and labels (m,) or one-hot (m, k), "
            f"got {outputs.shape} and {targets.shape}"
        )
    return float(np.mean(outputs.argmax(axis=-1) == labels))


def default_accuracy(loss_fn: Callable) -> AccuracyFn | None:
    """The accuracy that fits a loss: threshold 0.5 after BCELoss (probabilities), threshold
    0 after BCEWithLogitsLoss (logits), argmax after CrossEntropyLoss; None otherwise."""
    if isinstance(loss_fn, BCELoss):
        return binary_accuracy
    if isinstance(loss_fn, BCEWithLogitsLoss):
        return lambda outputs, targets: binary_accuracy(outputs, targets, threshold=0.0)
    if isinstance(loss_fn, CrossEntropyLoss):
        return multiclass_accuracy
    return None


@dataclass
class EarlyStopping:
    """Stop training when the dev loss has not improved by more than ``min_delta`` for
    ``patience`` epochs in a row. An epoch improves when dev_loss < best − min_delta.

    With ``restore_best`` (the default) the model's parameters (and buffers) are set back to
    those of the best epoch when training stops or ends.
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    best_loss: float = field(default=math.inf, init=False)
    best_epoch: int | None = field(default=None, init=False)
    best_state: dict[str, np.ndarray] | None = field(default=None, init=False, repr=False)
    epochs_without_improvement: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.patience = integer(self.patience, "patience", "EarlyStopping", minimum=1)
        self.min_delta = real_number(self.min_delta, "min_delta", "EarlyStopping", minimum=0.0)
        self.restore_best = boolean(self.restore_best, "restore_best", "EarlyStopping")

    def reset(self) -> None:
        """Forget what was seen so far (``fit`` calls this when it starts)."""
        self.best_loss, self.best_epoch, self.best_state = math.inf, None, None
        self.epochs_without_improvement = 0

    def update(self, epoch: int, dev_loss: float, model: Module) -> bool:
        """Record one epoch's dev loss; return True when training should stop. A NaN dev loss
        never counts as an improvement."""
        if dev_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = dev_loss, epoch
            self.epochs_without_improvement = 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return False
        self.epochs_without_improvement += 1
        return self.epochs_without_improvement >= self.patience


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch run.

    train_loss / train_accuracy are averaged over the epoch's mini-batches (weighted by batch
    size, measured in training mode as the weights changed); dev_loss / dev_accuracy are
    measured on the whole dev set in eval mode after the epoch. Accuracy lists stay empty when
    the loss has no accuracy (e.g. MSELoss); dev lists stay empty without a dev set.
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    dev_loss: list[float] = field(default_factory=list)
    dev_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    stopped_early: bool = False
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.train_loss)

    def record(self, split: str, loss: float, accuracy: float | None) -> None:
        """Append one epoch's loss (and accuracy, when there is one) for "train" or "dev"."""
        getattr(self, f"{split}_loss").append(loss)
        if accuracy is not None:
            getattr(self, f"{split}_accuracy").append(accuracy)

    def latest(self) -> dict[str, str]:
        """The last epoch's metrics, formatted for the progress bar."""
        columns = {
            "loss": self.train_loss,
            "acc": self.train_accuracy,
            "dev_loss": self.dev_loss,
            "dev_acc": self.dev_accuracy,
        }
        return {name: f"{values[-1]:.4g}" for name, values in columns.items() if values}

    def _repr_html_(self) -> str:
        """The cost curves and the last epoch, for Jupyter (`autograd_lite.notebook`)."""
        from autograd_lite.notebook import history_html

        return history_html(self)


def _modes(model: Module) -> list[tuple[Module, bool]]:
    """Every module of the tree with its train/eval flag, to put back afterwards."""
    return [(module, module.training) for module in model.modules()]


def _restore_modes(modes: list[tuple[Module, bool]]) -> None:
    for module, training in modes:  # module by module: a mixed tree comes back mixed
        object.__setattr__(module, "training", training)


def _callable_or_none(value: Any, name: str) -> None:
    if value is not None and not callable(value):
        raise ArgumentTypeError(f"fit: {name} must be callable or None, got {value!r}")


def evaluate(
    model: Module,
    loss_fn: Callable,
    X: Any,
    Y: Any,
    accuracy_fn: AccuracyFn | None = None,
) -> tuple[float, float | None]:
    """(loss, accuracy) of the model on X, Y in eval mode without recording a graph.

    The accuracy is None when ``accuracy_fn`` is None and the loss has no default accuracy.
    The train/eval mode of every module is restored afterwards.
    """
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"evaluate: model must be a Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ArgumentTypeError(f"evaluate: loss_fn must be callable, got {loss_fn!r}")
    if accuracy_fn is not None and not callable(accuracy_fn):
        raise ArgumentTypeError(f"evaluate: accuracy_fn must be callable, got {accuracy_fn!r}")
    X = real_array(X, "X", "evaluate")
    accuracy_fn = accuracy_fn or default_accuracy(loss_fn)
    modes = _modes(model)
    model.eval()
    try:
        with ag.no_grad():
            outputs = model(Tensor(X))
            loss = float(loss_fn(outputs, Y).item())
    finally:
        _restore_modes(modes)
    accuracy = accuracy_fn(np.asarray(outputs), np.asarray(Y)) if accuracy_fn else None
    return loss, accuracy


def _examples(X: Any, Y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """X and Y as arrays of real, finite numbers with the same number of rows."""
    x_name, y_name = ("X", "Y") if what == "training" else ("X_dev", "Y_dev")
    X = real_array(X, f"{x_name} ({what} inputs)", "fit", finite=True)
    Y = real_array(Y, f"{y_name} ({what} targets)", "fit", finite=True)
    for name, array in ((x_name, X), (y_name, Y)):
        if array.ndim == 0:
            raise ValueError(f"fit: {name} needs a first axis of examples, got a scalar")
    if len(X) != len(Y):
        raise ValueError(f"fit: {x_name} has {len(X)} examples but {y_name} has {len(Y)}")
    if len(X) == 0:
        task = "train on" if what == "training" else "evaluate"
        raise ValueError(f"fit: {x_name} and {y_name} have no examples; there is nothing to {task}")
    return X, Y


def _check_optimizer_holds_model(model: Module, optimizer: Optimizer) -> None:
    """Refuse an optimiser that would update none of the model's parameters (one built for
    another model): training would silently change nothing."""
    named = list(model.named_parameters())
    if not named:
        raise ValueError(f"fit: the model ({type(model).__name__}) has no parameters to train")
    held = {id(param) for param in optimizer.params}
    if not any(id(param) in held for _, param in named):

        def listing(names: list[str]) -> str:
            shown = ", ".join(names[:6])
            return shown + (f", ... ({len(names)} in all)" if len(names) > 6 else "")

        model_names = listing([name for name, _ in named])
        held_names = listing([str(param.name) for param in optimizer.params])
        raise ValueError(
            f"fit: the optimizer holds none of the model's parameters (the model has "
            f"{model_names}; the optimizer holds {held_names}); build the optimizer from "
            "this model's parameters(), e.g. nn.Adam(model.parameters(), lr=...)"
        )


def _forward(model: Module, loss_fn: Callable) -> Callable[[Any, Any], tuple[Tensor, Any]]:
    """One batch's forward pass, (outputs, loss): what ``fit(compile=True)`` compiles."""

    def forward(X_batch: Any, Y_batch: Any) -> tuple[Tensor, Any]:
        outputs = model(X_batch if isinstance(X_batch, Tensor) else Tensor(X_batch))
        return outputs, loss_fn(outputs, Y_batch)

    return forward


def _train_epoch(model, loss_fn, optimizer, X, Y, batch_size, rng, accuracy_fn, step=None):
    """One pass over the shuffled mini-batches; returns (mean loss, mean accuracy or None).

    Each batch: ``optimizer.zero_grad()``, forward, ``backward()``, ``optimizer.step()``. The
    optimiser's zero_grad is the one that matters: it clears every tensor the step will read
    (including any it holds beyond the model, such as a parameter of the loss), while the
    model's parameters that the optimiser does not hold are not trained here anyway.
    """
    model.train()
    total_loss = total_correct = 0.0
    for X_batch, Y_batch in minibatches(X, Y, batch_size, shuffle=True, seed=rng):
        optimizer.zero_grad()
        if step is None:
            outputs = model(Tensor(X_batch))
            loss = loss_fn(outputs, Y_batch)
        else:  # the compiled forward pass (fit(compile=True))
            outputs, loss = step(X_batch, Y_batch)
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise ValueError("fit: loss_fn must return a Tensor holding one number")
        if not loss.requires_grad:
            raise ValueError(
                "fit: the loss does not require grad, so it does not depend on any parameter "
                "(did loss_fn detach its input or compute with NumPy?)"
            )
        loss.backward()
        optimizer.step()
        total_loss += float(loss.item()) * len(X_batch)
        if accuracy_fn is not None:
            total_correct += accuracy_fn(outputs._data, Y_batch) * len(X_batch)
    m = len(X)
    return total_loss / m, (total_correct / m if accuracy_fn is not None else None)


def fit(
    model: Module,
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: Optimizer,
    X: Any,
    Y: Any,
    epochs: int,
    batch_size: int,
    dev: tuple[Any, Any] | None = None,
    schedule: Callable[[int], float] | None = None,
    early_stopping: EarlyStopping | int | None = None,
    verbose: bool = True,
    seed: Seed = None,
    accuracy_fn: AccuracyFn | None = None,
    on_epoch_end: Callable[[int, History], Any] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` by mini-batch gradient descent and return its History.

    Each epoch: set ``optimizer.lr = schedule(epoch)`` (epoch from 0) when a schedule is
    given; shuffle the examples (seeded by ``seed``) into mini-batches; for each batch,
    ``optimizer.zero_grad()``, compute ``loss_fn(model(X_batch), Y_batch)``, backpropagate and
    ``optimizer.step()``; then evaluate on ``dev = (X_dev, Y_dev)`` when given.

    ``early_stopping`` is an ``EarlyStopping`` or an int patience; it watches the dev loss
    (so it needs ``dev``) and, by default, restores the best epoch's weights. ``accuracy_fn``
    overrides the accuracy chosen from the loss (see ``default_accuracy``). With ``verbose``,
    progress shows as a bar in a terminal or a Jupyter notebook, and as a plain line every few
    seconds when stderr is a log file (``nn.progress``); ``verbose=False`` prints nothing.

    ``on_epoch_end(epoch, history)`` is called after each epoch's evaluation (before early
    stopping decides): a hyperparameter search reports the dev loss from there, and an
    exception it raises (a pruned trial) ends training.

    ``compile=True`` runs each batch's forward pass (``loss_fn(model(X_batch), Y_batch)``)
    through ``autograd_lite.compile``: traced on the first batch of each shape, replayed
    afterwards, with the same losses, gradients and weights as without it (or eagerly, with a
    warning, when the model cannot be replayed, such as a BatchNorm1d in training).

    Everything is checked before any weight changes: the arguments' types and values, X, Y
    and the dev set (real numbers, no NaN or inf: the error names the array and the first bad
    row), and that the optimiser holds at least one of the model's parameters. Training runs
    with grad mode on (even inside ``no_grad``). However fit ends, by returning or by an
    exception (from the loss, the optimiser, ``on_epoch_end``, or a KeyboardInterrupt), every
    module's train/eval mode and the thread's grad mode are restored; the weights are those
    of the last completed step (an interrupted run does not restore the best epoch's).
    """
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"fit: model must be a Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ArgumentTypeError(f"fit: loss_fn must be callable, got {loss_fn!r}")
    if not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError(
            f"fit: optimizer must be an nn optimiser such as nn.SGD(model.parameters(), lr=0.1), "
            f"got {optimizer!r}"
        )
    epochs = integer(epochs, "epochs", "fit", minimum=1)
    batch_size = integer(batch_size, "batch_size", "fit", minimum=1)
    verbose = boolean(verbose, "verbose", "fit")
    step = ag.compile(_forward(model, loss_fn)) if boolean(compile, "compile", "fit") else None
    for name, value in (
        ("schedule", schedule),
        ("accuracy_fn", accuracy_fn),
        ("on_epoch_end", on_epoch_end),
    ):
        _callable_or_none(value, name)
    X, Y = _examples(X, Y, "training")
    if dev is not None:
        if not isinstance(dev, tuple | list) or len(dev) != 2:
            raise ValueError(f"fit: dev must be a pair (X_dev, Y_dev), got {type(dev).__name__}")
        dev = _examples(dev[0], dev[1], "dev")
    stopper = _as_early_stopping(early_stopping, dev)
    rng = random_generator(seed, "fit")
    _check_optimizer_holds_model(model, optimizer)
    accuracy_fn = accuracy_fn or default_accuracy(loss_fn)
    history = History()
    modes, grad_mode = _modes(model), ag.is_grad_enabled()
    try:
        with ag.enable_grad(), progress.reporter(epochs, verbose) as report:
            for epoch in range(epochs):
                if schedule is not None:
                    optimizer.lr = schedule(epoch)
                history.lr.append(optimizer.lr)
                history.record(
                    "train",
                    *_train_epoch(
                        model, loss_fn, optimizer, X, Y, batch_size, rng, accuracy_fn, step
                    ),
                )
                if dev is not None:
                    history.record("dev", *evaluate(model, loss_fn, dev[0], dev[1], accuracy_fn))
                report(epoch, history)
                if on_epoch_end is not None:
                    on_epoch_end(epoch, history)
                if stopper is not None and stopper.update(epoch, history.dev_loss[-1], model):
                    history.stopped_early = True
                    break
        if stopper is not None:
            history.best_epoch = stopper.best_epoch
            if stopper.restore_best and stopper.best_state is not None:
                model.load_state_dict(stopper.best_state)
    finally:
        _restore_modes(modes)
        if ag.is_grad_enabled() != grad_mode:
            ag.set_grad_enabled(grad_mode)
    return history


def _as_early_stopping(early_stopping: Any, dev: Any) -> EarlyStopping | None:
    """Turn fit's ``early_stopping`` argument into a fresh EarlyStopping (or None)."""
    if early_stopping is None:
        return None
    if is_integer(early_stopping):
        early_stopping = EarlyStopping(patience=early_stopping)
    if not isinstance(early_stopping, EarlyStopping):
        raise ArgumentTypeError(
            "fit: early_stopping must be an EarlyStopping, an int patience or None, got "
            f"{early_stopping!r}"
        )
    if dev is None:
        raise ValueError("fit: early_stopping watches the dev loss, so it needs dev=(X_dev, Y_dev)")
    early_stopping.reset()
    return early_stopping
