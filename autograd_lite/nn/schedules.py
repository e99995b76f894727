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

from autograd_lite.validation import integer, real_number


def _rate(value: float, name: str, where: str, *, positive: bool = False) -> float:
    """A finite real number >= 0 (> 0 with ``positive``)."""
    return real_number(value, name, where, minimum=0.0, open_min=positive)


def _epoch(epoch: int, where: str) -> int:
    return integer(epoch, "epoch", where, minimum=0)


def inverse_time_decay(lr0: float, epoch: int, decay_rate: float) -> float:
    """α = α₀ / (1 + decay_rate · epoch)."""
    where = "inverse_time_decay"
    lr0, epoch = _rate(lr0, "lr0", where), _epoch(epoch, where)
    decay_rate = _rate(decay_rate, "decay_rate", where)
    return lr0 / (1.0 + decay_rate * epoch)


def exponential_decay(lr0: float, epoch: int, decay_rate: float = 0.95) -> float:
    """α = α₀ · decay_rate^epoch, with 0 < decay_rate <= 1 (e.g. 0.95 loses 5% per epoch)."""
    where = "exponential_decay"
    lr0, epoch = _rate(lr0, "lr0", where), _epoch(epoch, where)
    decay_rate = real_number(
        decay_rate, "decay_rate", where, minimum=0.0, maximum=1.0, open_min=True
    )
    return lr0 * decay_rate**epoch


def inverse_sqrt_decay(lr0: float, epoch: int, k: float = 1.0) -> float:
    """α = α₀ · k / √(epoch + 1): the course's k/√(epoch number) with epoch numbers from 1."""
    where = "inverse_sqrt_decay"
    lr0, epoch = _rate(lr0, "lr0", where), _epoch(epoch, where)
    k = _rate(k, "k", where, positive=True)
    return lr0 * k / math.sqrt(epoch + 1)


def staircase_decay(lr0: float, epoch: int, decay_rate: float, time_interval: int) -> float:
    """α = α₀ / (1 + decay_rate · ⌊epoch / time_interval⌋): inverse-time decay applied in
    steps, so the rate stays fixed for ``time_interval`` epochs at a time."""
    where = "staircase_decay"
    lr0, epoch = _rate(lr0, "lr0", where), _epoch(epoch, where)
    decay_rate = _rate(decay_rate, "decay_rate", where)
    time_interval = integer(time_interval, "time_interval", where, minimum=1)
    return lr0 / (1.0 + decay_rate * (epoch // time_interval))


step_decay = staircase_decay
