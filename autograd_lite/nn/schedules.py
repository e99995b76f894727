"""Learning-rate decay: functions from the starting rate α₀ and the epoch number to a rate.

``epoch`` counts from 0, so every schedule gives α₀ (times k for inverse_sqrt_decay) in the
first epoch. To use one with ``nn.fit`` pass a function of the epoch alone:

    schedule = lambda epoch: nn.schedules.inverse_time_decay(0.1, epoch, decay_rate=1.0)
    nn.fit(model, loss_fn, opt, X, Y, epochs=20, batch_size=64, schedule=schedule)

``fit`` sets ``optimizer.lr = schedule(epoch)`` at the start of every epoch; any optimiser
works, since they all have a settable ``lr``. Outside ``fit`` do the same by hand.
"""

from __future__ import annotations

import math
import numbers


def _check(name: str, value: float, *, positive: bool = False, integer: bool = False) -> None:
    kind = numbers.Integral if integer else numbers.Real
    ok = not isinstance(value, bool) and isinstance(value, kind) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):
        need = "a positive" if positive else "a non-negative"
        raise ValueError(
            f"{name} must be {need} {'integer' if integer else 'number'}, got {value!r}"
        )


def inverse_time_decay(lr0: float, epoch: int, decay_rate: float) -> float:
    """α = α₀ / (1 + decay_rate · epoch)."""
    _check("lr0", lr0)
    _check("epoch", epoch, integer=True)
    _check("decay_rate", decay_rate)
    return lr0 / (1.0 + decay_rate * epoch)


def exponential_decay(lr0: float, epoch: int, decay_rate: float = 0.95) -> float:
    """α = α₀ · decay_rate^epoch, with 0 < decay_rate <= 1 (e.g. 0.95 loses 5% per epoch)."""
    _check("lr0", lr0)
    _check("epoch", epoch, integer=True)
    _check("decay_rate", decay_rate, positive=True)
    if decay_rate > 1:
        raise ValueError(f"decay_rate must be at most 1 for a decay, got {decay_rate!r}")
    return lr0 * decay_rate**epoch


def inverse_sqrt_decay(lr0: float, epoch: int, k: float = 1.0) -> float:
    """α = α₀ · k / √(epoch + 1): the course's k/√(epoch number) with epoch numbers from 1."""
    _check("lr0", lr0)
    _check("epoch", epoch, integer=True)
    _check("k", k, positive=True)
    return lr0 * k / math.sqrt(epoch + 1)


def staircase_decay(lr0: float, epoch: int, decay_rate: float, time_interval: int) -> float:
    """α = α₀ / (1 + decay_rate · ⌊epoch / time_interval⌋): inverse-time decay applied in
    steps, so the rate stays fixed for ``time_interval`` epochs at a time."""
    _check("lr0", lr0)
    _check("epoch", epoch, integer=True)
    _check("decay_rate", decay_rate)
    _check("time_interval", time_interval, positive=True, integer=True)
    return lr0 / (1.0 + decay_rate * (epoch // time_interval))


step_decay = staircase_decay
