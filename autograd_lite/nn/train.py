"""The training loop: epochs × mini-batches, with a progress bar, a history, an optional
learning-rate schedule and early stopping on the dev loss."""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

import autograd_lite as ag
from autograd_lite import Tensor

from .data import Seed, minibatches
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss
from .module import Module
from .optim import Optimizer

AccuracyFn = Callable[[np.ndarray, np.ndarray], float]


def binary_accuracy(outputs: Any, targets: Any, threshold: float = 0.5) -> float:
    """Fraction of examples with (output > threshold) == target, for outputs (m,) or (m, 1).

    Use threshold 0.5 for probabilities (after a Sigmoid) and 0 for logits.
    """
    outputs, targets = np.asarray(outputs), np.asarray(targets)
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
    outputs, targets = np.asarray(outputs), np.asarray(targets)
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

    With ``restore_best`` (the default) the model's parameters are set back to those of the
    best epoch when training stops or ends.
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    best_loss: float = field(default=math.inf, init=False)
    best_epoch: int | None = field(default=None, init=False)
    best_state: dict[str, np.ndarray] | None = field(default=None, init=False, repr=False)
    epochs_without_improvement: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        patience = self.patience
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        if not isinstance(self.min_delta, numbers.Real) or self.min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta!r}")

    def reset(self) -> None:
        """Forget what was seen so far (``fit`` calls this when it starts)."""
        self.best_loss, self.best_epoch, self.best_state = math.inf, None, None
        self.epochs_without_improvement = 0

    def update(self, epoch: int, dev_loss: float, model: Module) -> bool:
        """Record one epoch's dev loss; return True when training should stop."""
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


def evaluate(
    model: Module,
    loss_fn: Callable,
    X: Any,
    Y: Any,
    accuracy_fn: AccuracyFn | None = None,
) -> tuple[float, float | None]:
    """(loss, accuracy) of the model on X, Y in eval mode without recording a graph.

    The accuracy is None when ``accuracy_fn`` is None and the loss has no default accuracy.
    The model's train/eval mode is restored afterwards.
    """
    accuracy_fn = accuracy_fn or default_accuracy(loss_fn)
    was_training = model.training
    model.eval()
    try:
        with ag.no_grad():
            outputs = model(Tensor(np.asarray(X)))
            loss = float(loss_fn(outputs, Y).item())
    finally:
        model.train(was_training)
    accuracy = accuracy_fn(np.asarray(outputs), np.asarray(Y)) if accuracy_fn else None
    return loss, accuracy


def _check_fit_arguments(X: Any, Y: Any, epochs: int, batch_size: int, dev: Any) -> None:
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"fit: {name} must be a positive integer, got {value!r}")
    if len(X) != len(Y):
        raise ValueError(f"fit: X has {len(X)} examples but Y has {len(Y)}")
    if len(X) == 0:
        raise ValueError("fit: X and Y have no examples; there is nothing to train on")
    if dev is not None and (not isinstance(dev, tuple | list) or len(dev) != 2):
        raise ValueError("fit: dev must be a pair (X_dev, Y_dev)")


def _train_epoch(model, loss_fn, optimizer, X, Y, batch_size, rng, accuracy_fn):
    """One pass over the shuffled mini-batches; returns (mean loss, mean accuracy or None)."""
    model.train()
    total_loss = total_correct = 0.0
    for X_batch, Y_batch in minibatches(X, Y, batch_size, shuffle=True, seed=rng):
        optimizer.zero_grad()
        model.zero_grad()
        outputs = model(Tensor(X_batch))
        loss = loss_fn(outputs, Y_batch)
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise ValueError("fit: loss_fn must return a Tensor holding one number")
        loss.backward()
        optimizer.step()
        total_loss += float(loss.item()) * len(X_batch)
        if accuracy_fn is not None:
            total_correct += accuracy_fn(outputs.data, Y_batch) * len(X_batch)
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
) -> History:
    """Train ``model`` by mini-batch gradient descent and return its History.

    Each epoch: set ``optimizer.lr = schedule(epoch)`` (epoch from 0) when a schedule is
    given; shuffle the examples (seeded by ``seed``) into mini-batches; for each batch,
    zero the gradients, compute ``loss_fn(model(X_batch), Y_batch)``, backpropagate and
    ``optimizer.step()``; then evaluate on ``dev = (X_dev, Y_dev)`` when given.

    ``early_stopping`` is an ``EarlyStopping`` or an int patience; it watches the dev loss
    (so it needs ``dev``) and, by default, restores the best epoch's weights. ``accuracy_fn``
    overrides the accuracy chosen from the loss (see ``default_accuracy``). The progress bar
    shows only when ``verbose`` and stderr is a terminal.

    ``on_epoch_end(epoch, history)`` is called after each epoch's evaluation (before early
    stopping decides): a hyperparameter search reports the dev loss from there, and an
    exception it raises (a pruned trial) ends training.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    _check_fit_arguments(X, Y, epochs, batch_size, dev)
    stopper = _as_early_stopping(early_stopping, dev)
    accuracy_fn = accuracy_fn or default_accuracy(loss_fn)
    rng = np.random.default_rng(seed)
    history = History()
    was_training = model.training
    quiet = not verbose or not sys.stderr.isatty()
    with tqdm(range(epochs), desc="fit", unit="epoch", disable=quiet, file=sys.stderr) as bar:
        for epoch in bar:
            if schedule is not None:
                optimizer.lr = schedule(epoch)
            history.lr.append(optimizer.lr)
            history.record(
                "train",
                *_train_epoch(model, loss_fn, optimizer, X, Y, batch_size, rng, accuracy_fn),
            )
            if dev is not None:
                history.record("dev", *evaluate(model, loss_fn, dev[0], dev[1], accuracy_fn))
            bar.set_postfix(history.latest())
            if on_epoch_end is not None:
                on_epoch_end(epoch, history)
            if stopper is not None and stopper.update(epoch, history.dev_loss[-1], model):
                history.stopped_early = True
                break
    if stopper is not None:
        history.best_epoch = stopper.best_epoch
        if stopper.restore_best and stopper.best_state is not None:
            model.load_state_dict(stopper.best_state)
    model.train(was_training)
    return history


def _as_early_stopping(early_stopping: Any, dev: Any) -> EarlyStopping | None:
    """Turn fit's ``early_stopping`` argument into a fresh EarlyStopping (or None)."""
    if early_stopping is None:
        return None
    if isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if not isinstance(early_stopping, EarlyStopping):
        raise TypeError("fit: early_stopping must be an EarlyStopping, an int patience or None")
    if dev is None:
        raise ValueError("fit: early_stopping watches the dev loss, so it needs dev=(X_dev, Y_dev)")
    early_stopping.reset()
    return early_stopping
