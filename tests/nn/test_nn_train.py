"""fit, evaluate, EarlyStopping, History and the accuracy functions."""

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import Tensor


def blobs(m=120, seed=0):
    """Two well-separated Gaussian blobs in 2-D with labels (m, 1)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=m)
    centres = np.where(labels[:, None] == 1, [2.0, 2.0], [-2.0, -2.0])
    return centres + 0.5 * rng.normal(size=(m, 2)), labels[:, None].astype(float)


def three_classes(m=150, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=m)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])[labels]
    return centres + 0.5 * rng.normal(size=(m, 2)), labels


def binary_net(seed=0):
    return nn.Sequential(
        nn.Dense(2, 4, init="xavier", seed=seed), nn.Tanh(), nn.Dense(4, 1, seed=seed + 1)
    )


def test_fit_reduces_the_loss_on_a_separable_problem():
    X, Y = blobs()
    model = nn.Sequential(binary_net(), nn.Sigmoid())
    history = nn.fit(
        model, nn.BCELoss(), nn.Adam(model.parameters(), lr=0.05), X, Y, 15, 16, verbose=False
    )
    assert history.epochs == 15
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.train_loss[-1] < 0.1
    predictions = model(Tensor(X)).data > 0.5
    assert np.mean(predictions == (Y > 0.5)) == 1.0


def test_fit_records_dev_metrics_that_match_an_independent_evaluation():
    X, labels = three_classes()
    Xd, labels_d = three_classes(60, seed=1)
    model = nn.Sequential(nn.Dense(2, 8, seed=0), nn.ReLU(), nn.Dense(8, 3, seed=1))
    history = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        nn.SGD(model.parameters(), lr=0.1, momentum=0.9),
        X,
        labels,
        epochs=10,
        batch_size=32,
        dev=(Xd, labels_d),
        verbose=False,
        seed=0,
    )
    assert len(history.dev_loss) == len(history.dev_accuracy) == len(history.train_accuracy) == 10
    logits = model(Tensor(Xd)).data
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected_loss = -np.mean(log_probabilities[np.arange(len(labels_d)), labels_d])
    assert history.dev_loss[-1] == pytest.approx(expected_loss, rel=1e-10)
    assert history.dev_accuracy[-1] == np.mean(logits.argmax(axis=1) == labels_d)
    assert history.dev_accuracy[-1] > 0.95


def test_fit_with_bce_with_logits_thresholds_logits_at_zero():
    X, Y = blobs()
    model = binary_net()
    history = nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.Adam(model.parameters(), lr=0.05),
        X,
        Y,
        epochs=5,
        batch_size=16,
        dev=(X, Y),
        verbose=False,
    )
    expected = np.mean((model(Tensor(X)).data > 0) == (Y > 0.5))
    assert history.dev_accuracy[-1] == expected


def test_fit_is_reproducible_with_seeds():
    X, Y = blobs()
    histories = []
    for _ in range(2):
        model = binary_net(seed=3)
        histories.append(
            nn.fit(
                model,
                nn.BCEWithLogitsLoss(),
                nn.SGD(model.parameters(), lr=0.1),
                X,
                Y,
                epochs=3,
                batch_size=10,
                verbose=False,
                seed=7,
            )
        )
    assert histories[0].train_loss == histories[1].train_loss


def test_fit_with_mse_records_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = nn.Sequential(nn.Dense(3, 1, seed=0))
    history = nn.fit(
        model, nn.MSELoss(), nn.SGD(model.parameters(), lr=0.1), X, Y, 20, 8, verbose=False
    )
    assert history.train_accuracy == [] and history.dev_accuracy == []
    assert history.train_loss[-1] < 0.01 * history.train_loss[0]


def test_train_loss_is_the_example_weighted_mean_of_batch_losses():
    # with lr = 0 the weights never change, so the epoch loss equals the full-batch loss
    X, Y = blobs(m=25)
    model = binary_net()
    history = nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.SGD(model.parameters(), lr=0.0),
        X,
        Y,
        1,
        10,
        verbose=False,
    )
    z = model(Tensor(X)).data
    expected = np.mean(np.logaddexp(0, z) - Y * z)
    assert history.train_loss[0] == pytest.approx(expected, rel=1e-12)


def test_fit_honours_early_stopping_and_restores_the_best_weights():
    X, Y = blobs()
    flipped_dev = (X, 1.0 - Y)  # the better the model gets, the worse this dev loss

    def train(epochs, **settings):
        model = binary_net(seed=5)
        optimizer = nn.Adam(model.parameters(), lr=0.05)
        loss = nn.BCEWithLogitsLoss()
        history = nn.fit(
            model, loss, optimizer, X, Y, epochs, 16, verbose=False, seed=1, **settings
        )
        return model, history

    after_first_epoch, _ = train(1)
    model, history = train(50, dev=flipped_dev, early_stopping=3)
    assert history.stopped_early
    assert history.best_epoch == 0
    assert history.epochs == 4  # the best epoch, then `patience` epochs without improvement
    assert all(b > a for a, b in zip(history.dev_loss, history.dev_loss[1:]))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, after_first_epoch.state_dict()[key])


def test_fit_without_restore_best_keeps_the_last_weights():
    X, Y = blobs()
    model = binary_net(seed=5)
    stopper = nn.EarlyStopping(patience=2, restore_best=False)
    nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.Adam(model.parameters(), lr=0.05),
        X,
        Y,
        50,
        16,
        dev=(X, 1.0 - Y),
        early_stopping=stopper,
        verbose=False,
    )
    assert stopper.best_epoch == 0
    loss_now = nn.evaluate(model, nn.BCEWithLogitsLoss(), X, 1.0 - Y)[0]
    assert loss_now > stopper.best_loss


def test_early_stopping_counts_epochs_without_improvement():
    model = binary_net()
    stopper = nn.EarlyStopping(patience=2)
    decisions = [stopper.update(e, loss, model) for e, loss in enumerate([1.0, 0.9, 0.95, 0.91])]
    assert decisions == [False, False, False, True]
    assert (stopper.best_epoch, stopper.best_loss) == (1, 0.9)


def test_early_stopping_ignores_improvements_smaller_than_min_delta():
    model = binary_net()
    stopper = nn.EarlyStopping(patience=2, min_delta=0.05)
    decisions = [stopper.update(e, loss, model) for e, loss in enumerate([1.0, 0.97, 0.96])]
    assert decisions == [False, False, True]
    plain = nn.EarlyStopping(patience=2)
    assert [plain.update(e, loss, model) for e, loss in enumerate([1.0, 0.97, 0.96])] == [
        False,
        False,
        False,
    ]


def test_early_stopping_validates_its_settings():
    with pytest.raises(ValueError, match="patience"):
        nn.EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta"):
        nn.EarlyStopping(min_delta=-1.0)


def test_fit_is_silent_when_not_verbose(capsys):
    X, Y = blobs(m=20)
    model = binary_net()
    nn.fit(model, nn.BCEWithLogitsLoss(), nn.SGD(model.parameters(), lr=0.1), X, Y, 2, 5,
           verbose=False)  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_fit_writes_plain_progress_lines_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    X, Y = blobs(m=20)
    model = binary_net()
    fit = lambda epochs, **kw: nn.fit(  # noqa: E731
        model, nn.BCEWithLogitsLoss(), nn.SGD(model.parameters(), lr=0.1), X, Y, epochs, 5, **kw
    )
    fit(3)  # under pytest stderr is not a terminal: a short run prints one line at the end
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fit: done, 3 epochs in ")
    assert " loss " in lines[0] and " acc " in lines[0] and "\r" not in lines[0]
    monkeypatch.setattr(nn.progress, "LINE_EVERY", 0.0)  # a line after every epoch
    fit(3)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines[:2]] == ["fit: epoch 1/3", "fit: epoch 2/3"]
    assert lines[2].startswith("fit: done, 3 epochs")

    def stop(epoch, history):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(3, on_epoch_end=stop)
    assert capsys.readouterr().err.splitlines()[-1].startswith("fit: interrupted, 1 epoch in")


def test_fit_draws_a_bar_on_a_terminal_and_knows_it_is_not_in_a_notebook(monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    report = nn.progress.reporter(4, True, stream=screen)
    assert isinstance(report, nn.progress.BarProgress) and not nn.progress.in_notebook()
    history = nn.History(train_loss=[0.5])
    with report:
        for epoch in range(4):
            report(epoch, history)
    assert "fit: 100%" in screen.getvalue() and "4/4" in screen.getvalue()
    assert type(nn.progress.reporter(4, False)) is nn.progress.Progress


def test_fit_and_evaluate_restore_the_models_mode():
    X, Y = blobs(m=20)
    model = nn.Sequential(binary_net(), nn.Dropout(0.5, seed=0))
    model.eval()
    nn.fit(
        model, nn.BCEWithLogitsLoss(), nn.SGD(model.parameters(), lr=0.1), X, Y, 1, 5, verbose=False
    )
    assert not any(m.training for m in model.modules())
    model.train()
    nn.evaluate(model, nn.BCEWithLogitsLoss(), X, Y)
    assert all(m.training for m in model.modules())


def test_evaluate_runs_in_eval_mode_without_recording_a_graph():
    X, Y = blobs(m=20)
    net = binary_net()
    model = nn.Sequential(net, nn.Dropout(0.5, seed=0))
    loss, accuracy = nn.evaluate(model, nn.BCEWithLogitsLoss(), X, Y)
    z = net(Tensor(X)).data  # dropout is off in eval: the output is the net's
    assert loss == pytest.approx(np.mean(np.logaddexp(0, z) - Y * z), rel=1e-12)
    assert accuracy == np.mean((z > 0) == (Y > 0.5))
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    "settings, error, message",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 2.5}, ValueError, "batch_size"),
        ({"Y": np.zeros((7, 1))}, ValueError, "20 examples but Y has 7"),
        ({"dev": np.zeros(3)}, ValueError, "pair"),
        ({"early_stopping": 3}, ValueError, "needs dev"),
        ({"early_stopping": "yes"}, TypeError, "early_stopping"),
    ],
)
def test_fit_rejects_bad_arguments(settings, error, message):
    X, Y = blobs(m=20)
    model = binary_net()
    arguments = {"X": X, "Y": Y, "epochs": 1, "batch_size": 4, "verbose": False} | settings
    with pytest.raises(error, match=message):
        nn.fit(model, nn.BCEWithLogitsLoss(), nn.SGD(model.parameters(), lr=0.1), **arguments)


def test_fit_needs_a_loss_that_returns_one_number():
    X, Y = blobs(m=20)
    model = binary_net()

    def elementwise_loss(out, y):
        return (out - Tensor(y)) * (out - Tensor(y))

    with pytest.raises(ValueError, match="one number"):
        nn.fit(
            model, elementwise_loss, nn.SGD(model.parameters(), lr=0.1), X, Y, 1, 4, verbose=False
        )


def test_binary_accuracy_thresholds_outputs():
    outputs = np.array([[0.9], [0.4], [0.6], [0.1]])
    targets = np.array([[1.0], [1.0], [0.0], [0.0]])
    assert nn.binary_accuracy(outputs, targets) == 0.5
    assert nn.binary_accuracy(outputs, targets, threshold=0.05) == 0.5
    assert nn.binary_accuracy(outputs[:, 0], targets) == 0.5
    with pytest.raises(ValueError, match="different numbers"):
        nn.binary_accuracy(outputs, targets[:3])


def test_multiclass_accuracy_takes_the_argmax_against_labels_or_one_hot():
    outputs = np.array([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    labels = np.array([1, 2, 2])
    assert nn.multiclass_accuracy(outputs, labels) == pytest.approx(2 / 3)
    assert nn.multiclass_accuracy(outputs, np.eye(3)[labels]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2,\)"):
        nn.multiclass_accuracy(outputs, labels[:2])


def test_custom_accuracy_function_is_used_for_other_losses():
    X, Y = blobs(m=20)
    model = binary_net()

    def loss_with_penalty(out, y):
        return nn.BCEWithLogitsLoss()(out, y) + nn.l2_penalty(model, 0.1, len(X))

    history = nn.fit(
        model,
        loss_with_penalty,
        nn.SGD(model.parameters(), lr=0.1),
        X,
        Y,
        2,
        5,
        dev=(X, Y),
        verbose=False,
        accuracy_fn=lambda out, y: nn.binary_accuracy(out, y, threshold=0.0),
    )
    assert len(history.train_accuracy) == len(history.dev_accuracy) == 2


def test_fit_calls_on_epoch_end_after_each_epoch_with_the_history_so_far():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    Y = (X[:, :1] > 0).astype(float)
    model = nn.Sequential(nn.Dense(2, 1, seed=0), nn.Sigmoid())
    seen = []
    nn.fit(
        model,
        nn.BCELoss(),
        nn.SGD(model.parameters(), lr=0.1),
        X,
        Y,
        epochs=3,
        batch_size=8,
        dev=(X, Y),
        verbose=False,
        seed=0,
        on_epoch_end=lambda epoch, history: seen.append((epoch, len(history.dev_loss))),
    )
    assert seen == [(0, 1), (1, 2), (2, 3)]


def test_an_exception_from_on_epoch_end_ends_training():
    X, Y = np.ones((4, 1)), np.ones((4, 1))
    model = nn.Sequential(nn.Dense(1, 1, seed=0), nn.Sigmoid())

    class Pruned(Exception):
        pass

    def prune(epoch, history):
        if epoch == 1:
            raise Pruned

    with pytest.raises(Pruned):
        nn.fit(
            model,
            nn.BCELoss(),
            nn.SGD(model.parameters(), lr=0.1),
            X,
            Y,
            epochs=5,
            batch_size=2,
            verbose=False,
            on_epoch_end=prune,
        )


# ----------------------------------------------------------------------------- fit under faults


def mixed_mode_model():
    """A model with one sub-module in eval mode and the rest training: fit must give back
    exactly this mixture, not a uniform mode."""
    model = nn.Sequential(nn.Dense(2, 4, seed=0), nn.Dropout(0.5, seed=0), nn.Dense(4, 1, seed=1))
    model[1].eval()
    return model


def modes(model):
    return [m.training for m in model.modules()]


def params_snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


class LossThatFailsOnBatch:
    def __init__(self, failing_batch, error):
        self.calls, self.failing_batch, self.error = 0, failing_batch, error

    def __call__(self, outputs, targets):
        self.calls += 1
        if self.calls == self.failing_batch:
            raise self.error
        return nn.BCEWithLogitsLoss()(outputs, targets)


@pytest.mark.parametrize("grad_mode", [True, False])
def test_a_loss_that_raises_on_the_third_batch_leaves_modes_and_grad_mode_as_they_were(grad_mode):
    X, Y = blobs(m=40)
    model = mixed_mode_model()
    before = modes(model)
    loss_fn = LossThatFailsOnBatch(3, RuntimeError("loss exploded"))
    with ag.set_grad_enabled(grad_mode):
        with pytest.raises(RuntimeError, match="loss exploded"):
            nn.fit(model, loss_fn, nn.SGD(model.parameters(), lr=0.1), X, Y, 2, 8, verbose=False)
        assert ag.is_grad_enabled() is grad_mode
    assert loss_fn.calls == 3
    assert modes(model) == before


def test_fit_trains_with_grad_mode_on_even_inside_no_grad():
    X, Y = blobs(m=20)
    model = binary_net()
    before = params_snapshot(model)
    with ag.no_grad():
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.SGD(model.parameters(), lr=0.1),
            X,
            Y,
            1,
            5,
            verbose=False,
        )
        assert not ag.is_grad_enabled()
    assert not np.allclose(model.state_dict()["0.W"], before["0.W"])


def test_a_keyboard_interrupt_from_on_epoch_end_restores_modes_and_grad_mode():
    X, Y = blobs(m=20)
    model = mixed_mode_model()
    before = modes(model)

    def interrupt(epoch, history):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.Adam(model.parameters(), lr=0.1),
            X,
            Y,
            3,
            5,
            dev=(X, Y),
            verbose=False,
            on_epoch_end=interrupt,
        )
    assert modes(model) == before
    assert ag.is_grad_enabled()


def test_an_optimiser_step_refused_on_a_bad_gradient_leaves_weights_modes_and_grad_mode():
    X, Y = blobs(m=20)
    model = mixed_mode_model()
    before_modes, before_weights = modes(model), params_snapshot(model)
    bias = model[2].b

    class BreaksTheBiasGradient(nn.SGD):
        def step(self):
            bias._grad = Tensor(np.ones(3))  # the wrong shape, as a buggy custom step might leave
            super().step()

    optimizer = BreaksTheBiasGradient(model.parameters(), lr=0.1)
    with pytest.raises(
        ValueError,
        match=r"BreaksTheBiasGradient\.step: the gradient of parameter 3 \('2\.b'\) has shape "
        r"\(3,\) but the parameter has shape \(1,\)",
    ):
        nn.fit(model, nn.BCEWithLogitsLoss(), optimizer, X, Y, 1, 5, verbose=False)
    assert modes(model) == before_modes
    assert ag.is_grad_enabled()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before_weights[key], err_msg=key)
    assert optimizer.step_count == 0


def test_fit_zeroes_gradients_once_per_batch_through_the_optimiser(monkeypatch):
    X, Y = blobs(m=20)
    model = binary_net()
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    calls = {"optimizer": 0, "model": 0}
    real_optimizer_zero, real_model_zero = optimizer.zero_grad, model.zero_grad

    def count(name, real):
        def wrapper():
            calls[name] += 1
            real()

        return wrapper

    monkeypatch.setattr(optimizer, "zero_grad", count("optimizer", real_optimizer_zero))
    monkeypatch.setattr(model, "zero_grad", count("model", real_model_zero))
    nn.fit(model, nn.BCEWithLogitsLoss(), optimizer, X, Y, 2, 5, verbose=False)
    assert calls == {"optimizer": 2 * 4, "model": 0}


def test_gradients_of_a_tensor_the_optimiser_holds_outside_the_model_do_not_accumulate():
    X, Y = blobs(m=20)
    model = binary_net()
    temperature = Tensor(np.ones(1), requires_grad=True, name="temperature")
    seen = []

    def tempered_loss(outputs, targets):
        seen.append(None if temperature.grad is None else temperature.grad.data.copy())
        return nn.BCEWithLogitsLoss()(outputs * temperature, targets)

    optimizer = nn.SGD([*model.parameters(), temperature], lr=0.0)  # lr 0: nothing moves
    nn.fit(model, tempered_loss, optimizer, X, Y, 1, 5, verbose=False)
    assert all(g is None for g in seen)  # zeroed before every batch, not summed over batches


def test_fit_refuses_an_optimiser_that_holds_none_of_the_models_parameters():
    X, Y = blobs(m=20)
    model, other = binary_net(seed=0), binary_net(seed=1)
    other_names = nn.Sequential(nn.Dense(2, 2))
    before = params_snapshot(model)
    with pytest.raises(
        ValueError,
        match=r"fit: the optimizer holds none of the model's parameters \(the model has 0\.W, "
        r"0\.b, 2\.W, 2\.b; the optimizer holds 0\.W, 0\.b\)",
    ):
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.SGD(other_names.parameters(), lr=0.1),
            X,
            Y,
            1,
            5,
            verbose=False,
        )
    with pytest.raises(ValueError, match="holds none of the model's parameters"):
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.SGD(other.parameters(), lr=0.1),
            X,
            Y,
            1,
            5,
            verbose=False,
        )
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_fit_accepts_an_optimiser_over_part_of_the_model():
    X, Y = blobs(m=20)
    model = binary_net()
    frozen = model[0].W.data.copy()
    nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.SGD(model[2].parameters(), lr=0.1),
        X,
        Y,
        1,
        5,
        verbose=False,
    )
    np.testing.assert_array_equal(model[0].W.data, frozen)


@pytest.mark.parametrize(
    "where, bad_row",
    [("X", 7), ("Y", 0), ("X_dev", 3), ("Y_dev", 11)],
)
@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_fit_refuses_nan_or_inf_in_the_data_before_touching_the_weights(where, bad_row, bad_value):
    X, Y = blobs(m=20)
    arrays = {"X": X.copy(), "Y": Y.copy(), "X_dev": X.copy(), "Y_dev": Y.copy()}
    arrays[where][bad_row, 0] = bad_value
    model = mixed_mode_model()
    before, before_modes = params_snapshot(model), modes(model)
    with pytest.raises(
        ValueError,
        match=rf"fit: {where} \(.*\) holds NaN or inf values, the first in row {bad_row} "
        rf"\(value {bad_value}\)",
    ):
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.SGD(model.parameters(), lr=0.1),
            arrays["X"],
            arrays["Y"],
            1,
            5,
            dev=(arrays["X_dev"], arrays["Y_dev"]),
            verbose=False,
        )
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    assert modes(model) == before_modes


@pytest.mark.parametrize(
    "settings, error, message",
    [
        (
            {"X": None},
            TypeError,
            r"fit: X \(training inputs\) must be an array of real numbers, got None",
        ),
        (
            {"Y": np.array(["a"] * 20)},
            TypeError,
            r"fit: Y \(training targets\) must be an array of real numbers, got dtype <U1",
        ),
        ({"X": np.ones((20, 2)) + 1j}, TypeError, r"fit: X .* got dtype complex128"),
        ({"X": 3.0}, ValueError, r"fit: X needs a first axis of examples"),
        ({"optimizer": "sgd"}, TypeError, r"fit: optimizer must be an nn optimiser .*got 'sgd'"),
        ({"loss_fn": "bce"}, TypeError, r"fit: loss_fn must be callable, got 'bce'"),
        ({"model": lambda x: x}, TypeError, r"fit: model must be a Module, got function"),
        ({"epochs": 2.0}, TypeError, r"fit: epochs must be an integer, got 2\.0"),
        ({"epochs": True}, TypeError, r"fit: epochs must be an integer, got True"),
        ({"batch_size": -3}, ValueError, r"fit: batch_size must lie in \[1, inf\), got -3"),
        ({"verbose": "no"}, TypeError, r"fit: verbose must be True or False, got 'no'"),
        ({"schedule": 0.1}, TypeError, r"fit: schedule must be callable or None, got 0\.1"),
        ({"on_epoch_end": "print"}, TypeError, r"fit: on_epoch_end must be callable or None"),
        ({"accuracy_fn": 1}, TypeError, r"fit: accuracy_fn must be callable or None, got 1"),
        ({"seed": "zero"}, TypeError, r"fit: seed must be None, an int >= 0 .*got 'zero'"),
        ({"early_stopping": True}, TypeError, r"fit: early_stopping must be .*got True"),
        (
            {"dev": (np.ones((3, 2)), np.ones((4, 1)))},
            ValueError,
            r"fit: X_dev has 3 examples but Y_dev has 4",
        ),
        (
            {"dev": (np.ones((0, 2)), np.ones((0, 1)))},
            ValueError,
            r"X_dev and Y_dev have no examples",
        ),
    ],
)
def test_fit_refuses_bad_arguments_naming_them_and_what_it_got(settings, error, message):
    X, Y = blobs(m=20)
    model = binary_net()
    before = params_snapshot(model)
    arguments = {
        "model": model,
        "loss_fn": nn.BCEWithLogitsLoss(),
        "optimizer": nn.SGD(model.parameters(), lr=0.1),
        "X": X,
        "Y": Y,
        "epochs": 1,
        "batch_size": 4,
        "verbose": False,
    } | settings
    with pytest.raises(error, match=message):
        nn.fit(**arguments)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_a_schedule_that_returns_a_bad_rate_is_refused_naming_lr():
    X, Y = blobs(m=20)
    model = binary_net()
    with pytest.raises(ValueError, match=r"SGD: lr must be a finite real number, got nan"):
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.SGD(model.parameters(), lr=0.1),
            X,
            Y,
            2,
            5,
            schedule=lambda epoch: float("nan"),
            verbose=False,
        )


def test_a_loss_that_does_not_depend_on_the_parameters_is_refused():
    X, Y = blobs(m=20)
    model = binary_net()

    def detached(outputs, targets):
        return nn.BCEWithLogitsLoss()(outputs.detach(), targets)

    with pytest.raises(ValueError, match=r"fit: the loss does not require grad"):
        nn.fit(model, detached, nn.SGD(model.parameters(), lr=0.1), X, Y, 1, 5, verbose=False)


@pytest.mark.parametrize(
    "settings, error, message",
    [
        ({"patience": 0}, ValueError, r"EarlyStopping: patience must lie in \[1, inf\), got 0"),
        ({"patience": 2.5}, TypeError, r"EarlyStopping: patience must be an integer, got 2\.5"),
        (
            {"min_delta": float("nan")},
            ValueError,
            r"EarlyStopping: min_delta must be a finite real number, got nan",
        ),
        ({"min_delta": -0.1}, ValueError, r"min_delta must lie in \[0, inf\), got -0\.1"),
        ({"min_delta": 1j}, TypeError, r"min_delta must be a real number, got 1j"),
        ({"restore_best": "yes"}, TypeError, r"restore_best must be True or False, got 'yes'"),
    ],
)
def test_early_stopping_refuses_bad_settings_naming_them(settings, error, message):
    with pytest.raises(error, match=message):
        nn.EarlyStopping(**settings)


def test_evaluate_restores_a_mixed_train_eval_tree():
    X, Y = blobs(m=20)
    model = mixed_mode_model()
    before = modes(model)
    nn.evaluate(model, nn.BCEWithLogitsLoss(), X, Y)
    assert modes(model) == before
    with pytest.raises(TypeError, match=r"evaluate: loss_fn must be callable, got None"):
        nn.evaluate(model, None, X, Y)
