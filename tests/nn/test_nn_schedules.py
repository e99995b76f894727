"""Learning-rate schedules against their formulas, epoch by epoch, and plugged into fit."""

import math

import numpy as np
import pytest

import nn
from nn import schedules

EPOCHS = range(0, 12)


def test_inverse_time_decay_is_lr0_over_one_plus_rate_times_epoch():
    for epoch in EPOCHS:
        expected = 0.2 / (1 + 0.5 * epoch)
        assert schedules.inverse_time_decay(0.2, epoch, decay_rate=0.5) == pytest.approx(expected)


def test_inverse_time_decay_course_example():
    # α₀ = 0.2, decay_rate = 1: 0.2, 0.1, 0.0667, 0.05, 0.04
    rates = [schedules.inverse_time_decay(0.2, epoch, 1.0) for epoch in range(5)]
    assert rates == pytest.approx([0.2, 0.1, 0.2 / 3, 0.05, 0.04])


def test_exponential_decay_is_lr0_times_rate_to_the_epoch():
    for epoch in EPOCHS:
        expected = 0.1 * math.exp(epoch * math.log(0.95))
        assert schedules.exponential_decay(0.1, epoch, 0.95) == pytest.approx(expected)


def test_inverse_sqrt_decay_is_lr0_times_k_over_root_of_epoch_number():
    for epoch in EPOCHS:
        expected = 0.3 * 2.0 / math.sqrt(epoch + 1)
        assert schedules.inverse_sqrt_decay(0.3, epoch, k=2.0) == pytest.approx(expected)


def test_staircase_decay_changes_only_every_time_interval_epochs():
    rates = [schedules.staircase_decay(0.1, epoch, 1.0, time_interval=4) for epoch in EPOCHS]
    expected = [0.1] * 4 + [0.1 / 2] * 4 + [0.1 / 3] * 4
    assert rates == pytest.approx(expected)
    assert schedules.step_decay is schedules.staircase_decay


def test_every_schedule_starts_at_lr0():
    assert schedules.inverse_time_decay(0.07, 0, 3.0) == 0.07
    assert schedules.exponential_decay(0.07, 0, 0.5) == 0.07
    assert schedules.inverse_sqrt_decay(0.07, 0) == 0.07
    assert schedules.staircase_decay(0.07, 0, 3.0, 10) == 0.07


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: schedules.inverse_time_decay(-0.1, 1, 1.0), "lr0"),
        (lambda: schedules.inverse_time_decay(0.1, -1, 1.0), "epoch"),
        (lambda: schedules.inverse_time_decay(0.1, 1.5, 1.0), "epoch"),
        (lambda: schedules.inverse_time_decay(0.1, 1, -1.0), "decay_rate"),
        (lambda: schedules.exponential_decay(0.1, 1, 1.5), "decay_rate"),
        (lambda: schedules.exponential_decay(0.1, 1, 0.0), "decay_rate"),
        (lambda: schedules.inverse_sqrt_decay(0.1, 1, k=0), "k"),
        (lambda: schedules.staircase_decay(0.1, 1, 1.0, time_interval=0), "time_interval"),
    ],
)
def test_schedules_reject_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_fit_sets_the_scheduled_rate_at_the_start_of_every_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2))
    Y = (X[:, :1] > 0).astype(float)
    model = nn.Sequential(nn.Dense(2, 1, seed=0), nn.Sigmoid())
    optimizer = nn.Adam(model.parameters(), lr=1.0)
    history = nn.fit(
        model,
        nn.BCELoss(),
        optimizer,
        X,
        Y,
        epochs=6,
        batch_size=4,
        schedule=lambda epoch: schedules.staircase_decay(0.1, epoch, 1.0, time_interval=2),
        verbose=False,
        seed=0,
    )
    assert history.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.1 / 3, 0.1 / 3])
    assert optimizer.lr == pytest.approx(0.1 / 3)
