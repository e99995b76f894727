"""nn.search: log-scale sampling (checked statistically), β = 1 − 10^r, the space's argument
checks, a real search, pruning, reproducibility from a seed, and worker processes sharing one
storage (journal file and SQLite) without losing a trial."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from optional import require

from autograd_lite import nn
from autograd_lite.nn import search


@pytest.fixture
def optuna():
    module = require("optuna")
    module.logging.set_verbosity(module.logging.WARNING)
    return module


def draws(optuna, space: search.Space, n: int, seed: int = 0) -> list[dict]:
    """n draws of the space through Optuna with the search's random sampler."""
    study = optuna.create_study(sampler=search.random_sampler(seed))
    return [space.suggest(study.ask()) for _ in range(n)]


def ks_distance_from_uniform(values: np.ndarray, low: float, high: float) -> float:
    """Kolmogorov–Smirnov distance between the values' empirical CDF and U[low, high]."""
    u = np.sort((values - low) / (high - low))
    n = len(u)
    return float(max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n)))


N = 4000
KS_BOUND = 1.63 / math.sqrt(N)  # the 1% critical value: a log scale passes, a linear one fails


def flower_split():
    X, Y = nn.datasets.planar_flower()
    (Xtr, Ytr), (Xd, Yd), _ = nn.train_dev_test_split(X, Y, dev_size=0.25, test_size=0.0, seed=0)
    return Xtr, Ytr, (Xd, Yd)


# ============================================================================ sampling


def test_log_uniform_samples_are_uniform_in_log10(optuna):
    lr = np.array([d["lr"] for d in draws(optuna, search.Space(lr=search.log_uniform(1e-4, 1)), N)])
    assert lr.min() >= 1e-4 and lr.max() <= 1.0
    assert ks_distance_from_uniform(np.log10(lr), -4, 0) < KS_BOUND
    decades = np.histogram(np.log10(lr), bins=[-4, -3, -2, -1, 0])[0] / N
    np.testing.assert_allclose(decades, 0.25, atol=0.03)  # each decade gets a quarter
    # ... which a linear draw does not: 90% of it lands above 0.1
    linear = np.array([d["lr"] for d in draws(optuna, search.Space(lr=search.uniform(1e-4, 1)), N)])
    assert ks_distance_from_uniform(np.log10(linear), -4, 0) > 10 * KS_BOUND
    assert np.mean(linear > 0.1) == pytest.approx(0.9, abs=0.03)


def test_beta_is_one_minus_a_log_uniform_draw(optuna):
    space = search.Space(beta=search.one_minus_log_uniform(0.9, 0.999))
    study = optuna.create_study(sampler=search.random_sampler(1))
    trials = [study.ask() for _ in range(N)]
    beta = np.array([space.suggest(trial)["beta"] for trial in trials])
    assert beta.min() >= 0.9 and beta.max() <= 0.999
    assert ks_distance_from_uniform(np.log10(1 - beta), -3, -1) < KS_BOUND
    assert np.mean(beta < 0.99) == pytest.approx(0.5, abs=0.03)  # as many in [0.9, 0.99] ...
    # the trial records 1 − β under "1-beta"; decode gives β back
    assert set(trials[0].params) == {"1-beta"}
    assert space.decode(trials[0].params)["beta"] == pytest.approx(beta[0], abs=1e-15)


def test_integers_choices_and_constants(optuna):
    space = search.Space(
        hidden=search.int_uniform(2, 50, log=True),
        layers=search.int_uniform(1, 3),
        sizes=search.choice([(20,), (20, 10), (40, 20, 10)]),
        batch_size=search.choice([32, 64, 128]),
        optimizer="adam",
    )
    drawn = draws(optuna, space, N)
    hidden = np.array([d["hidden"] for d in drawn])
    assert all(type(d["hidden"]) is int and type(d["layers"]) is int for d in drawn)
    assert hidden.min() == 2 and hidden.max() == 50
    assert np.mean(hidden <= 10) == pytest.approx(0.5, abs=0.05)  # log scale: 2..10 ≈ 10..50
    assert {d["layers"] for d in drawn} == {1, 2, 3}
    assert {d["sizes"] for d in drawn} == {(20,), (20, 10), (40, 20, 10)}  # tuples, not strings
    assert {d["batch_size"] for d in drawn} == {32, 64, 128}
    assert {d["optimizer"] for d in drawn} == {"adam"}


def test_the_sampler_depends_only_on_the_seed_and_the_trial_number(optuna):
    space = search.Space(
        lr=search.log_uniform(1e-4, 1), beta=search.one_minus_log_uniform(0.9, 0.99)
    )
    assert draws(optuna, space, 5, seed=7) == draws(optuna, space, 5, seed=7)
    assert draws(optuna, space, 5, seed=7) != draws(optuna, space, 5, seed=8)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: search.log_uniform(0, 1), ValueError, r"log_uniform: low must lie in \(0, inf\)"),
        (lambda: search.log_uniform(-1e-3, 1), ValueError, "log_uniform: low must lie in"),
        (lambda: search.log_uniform(1, 0.1), ValueError, "low must be below high, got low=1"),
        (lambda: search.log_uniform("1e-3", 1), TypeError, "log_uniform: low must be a real"),
        (lambda: search.uniform(0, float("nan")), ValueError, "uniform: high must be a finite"),
        (lambda: search.uniform(True, 2), TypeError, "uniform: low must be a real number"),
        (lambda: search.int_uniform(1.5, 3), TypeError, "int_uniform: low must be an integer"),
        (lambda: search.int_uniform(0, 8, log=True), ValueError, r"low must lie in \[1, inf\)"),
        (lambda: search.int_uniform(5, 2), ValueError, "low must not exceed high"),
        (lambda: search.int_uniform(1, 2, log="yes"), TypeError, "log must be True or False"),
        (lambda: search.one_minus_log_uniform(0.9, 1), ValueError, "0 <= low < high < 1"),
        (lambda: search.one_minus_log_uniform(-0.1, 0.9), ValueError, "0 <= low < high < 1"),
        (lambda: search.choice([]), ValueError, "choice: options is empty"),
        (lambda: search.choice("adam"), TypeError, "choice: options must be a list or tuple"),
        (lambda: search.choice([32, 32]), ValueError, "the options must be distinct"),
        (lambda: search.Space(), ValueError, "Space: give at least one hyperparameter"),
        (lambda: search.Space(lr=search.log_uniform), TypeError, "'lr' is .*a function; call it"),
        (lambda: search.Space(lr=search.LogUniform), TypeError, "'lr' is the class LogUniform"),
    ],
)
def test_the_space_checks_its_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_space_reads_like_what_it_draws_and_decodes_constants():
    space = search.Space(
        lr=search.log_uniform(1e-4, 0.1),
        beta=search.one_minus_log_uniform(0.9, 0.999),
        optimizer="momentum",
    )
    assert repr(space) == (
        "Space(lr=log_uniform(0.0001, 0.1), beta=one_minus_log_uniform(0.9, 0.999), "
        "optimizer='momentum')"
    )
    assert list(space) == ["lr", "beta", "optimizer"]
    decoded = space.decode({"lr": 0.01, "1-beta": 0.05})
    assert decoded == {"lr": 0.01, "beta": pytest.approx(0.95), "optimizer": "momentum"}
    with pytest.raises(KeyError, match="no '1-beta'"):
        space.decode({"lr": 0.01})


# ============================================================================ training


def test_the_loss_and_output_size_follow_the_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    cases = {
        "binary (m, 1)": (rng.integers(0, 2, (40, 1)).astype(float), nn.BCEWithLogitsLoss, 1),
        "binary (m,)": (rng.integers(0, 2, 40).astype(float), nn.BCEWithLogitsLoss, 1),
        "labels": (rng.integers(0, 4, 40), nn.CrossEntropyLoss, 4),
        "one-hot": (np.eye(3)[rng.integers(0, 3, 40)], nn.CrossEntropyLoss, 3),
        "regression": (rng.normal(size=(40, 2)), nn.MSELoss, 2),
    }
    for name, (Y, loss, n_out) in cases.items():
        model, history = search.train({"lr": 0.01, "hidden": 4}, X, Y, epochs=2, dev=(X, Y))
        assert isinstance(model[-1], nn.Dense) and model[-1].n_out == n_out, name
        assert model[-1].n_in == 4 and isinstance(model[1], nn.ReLU)
        assert len(history.dev_loss) == 2 and all(map(math.isfinite, history.dev_loss))
        assert type(search.default_loss(Y)[0]) is loss, name


def test_default_model_reads_hidden_layers_activation_and_dropout():
    rng = np.random.default_rng(0)
    model = search.default_model(
        {"hidden": 5, "layers": 2, "activation": "tanh", "dropout": 0.2}, 3, 1, rng
    )
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Dense", "Tanh", "Dropout", "Dense", "Tanh", "Dropout", "Dense"]
    model = search.default_model({"hidden": (6, 4)}, 3, 2, rng)
    assert [(m.n_in, m.n_out) for m in model if isinstance(m, nn.Dense)] == [(3, 6), (6, 4), (4, 2)]
    assert len(search.default_model({}, 3, 1, rng)) == 1  # no hidden layer: logistic regression
    with pytest.raises(ValueError, match="activation must be one of"):
        search.default_model({"hidden": 3, "activation": "gelu"}, 3, 1, rng)
    with pytest.raises(ValueError, match="'layers' goes with an int 'hidden'"):
        search.default_model({"hidden": (3, 2), "layers": 2}, 3, 1, rng)


def test_optimizers_and_an_unused_beta_is_refused():
    params = search.default_model({"hidden": 3}, 2, 1, np.random.default_rng(0)).parameters()
    adam = search.make_optimizer({"lr": 0.1, "beta": 0.8, "beta2": 0.99}, params)
    assert isinstance(adam, nn.Adam) and (adam.beta1, adam.beta2) == (0.8, 0.99)
    momentum = search.make_optimizer({"lr": 0.1, "optimizer": "momentum", "beta": 0.95}, params)
    assert isinstance(momentum, nn.SGD) and momentum.momentum == 0.95
    assert isinstance(
        search.make_optimizer({"lr": 0.1, "optimizer": "rmsprop"}, params), nn.RMSprop
    )
    with pytest.raises(ValueError, match="optimizer 'sgd' has no beta; drop it"):
        search.make_optimizer({"lr": 0.1, "optimizer": "sgd", "beta": 0.9}, params)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        search.make_optimizer({"lr": 0.1, "optimizer": "adagrad"}, params)


def test_lambda_is_added_while_training_and_left_out_of_the_dev_loss():
    X, Y, dev = flower_split()
    hp = {"lr": 0.01, "hidden": 4, "batch_size": 300}
    _, plain_history = search.train(hp, X, Y, epochs=1, dev=dev, seed=0)
    heavy, heavy_history = search.train({**hp, "lambd": 50.0}, X, Y, epochs=1, dev=dev, seed=0)
    # one full-batch step from the same start: the penalty changed the training loss ...
    assert heavy_history.train_loss[0] > plain_history.train_loss[0] + 0.01
    # ... and the dev loss is the plain cross-entropy of the (differently updated) model
    loss, _ = nn.evaluate(heavy, nn.BCEWithLogitsLoss(), *dev)
    assert heavy_history.dev_loss[0] == pytest.approx(loss, rel=1e-12)


def test_an_unknown_hyperparameter_is_refused_before_any_trial(optuna):
    X, Y, dev = flower_split()
    space = search.Space(lr=search.log_uniform(1e-3, 1), learning_rate=search.log_uniform(1e-3, 1))
    with pytest.raises(ValueError, match=r"run: unknown hyperparameters \['learning_rate'\]"):
        search.run(space, X, Y, dev=dev, epochs=1, n_trials=1)
    with pytest.raises(ValueError, match="need 'lr'"):
        search.run(
            search.Space(hidden=search.int_uniform(1, 4)), X, Y, dev=dev, epochs=1, n_trials=1
        )
    with pytest.raises(ValueError, match="dev=\\(X_dev, Y_dev\\) is required"):
        search.run(SPACE, X, Y, dev=None, epochs=1, n_trials=1)


# ============================================================================ searching

SPACE = search.Space(
    lr=search.log_uniform(1e-4, 1.0),
    hidden=search.int_uniform(2, 16, log=True),
    beta=search.one_minus_log_uniform(0.9, 0.999),
    lambd=search.log_uniform(1e-4, 1.0),
    batch_size=search.choice([32, 64, 128]),
    activation="tanh",
)


def test_a_small_search_runs_and_is_reproducible_from_its_seed(optuna):
    X, Y, dev = flower_split()
    study = search.run(SPACE, X, Y, dev=dev, epochs=5, n_trials=6, seed=0)
    assert len(study.trials) == 6
    assert math.isfinite(study.best_value) and study.best_value < 0.69  # learned something
    best = SPACE.decode(study.best_params)
    assert set(best) == set(SPACE) and best["activation"] == "tanh"
    assert study.best_trial.user_attrs["hyperparameters"]["lr"] == best["lr"]
    again = search.run(SPACE, X, Y, dev=dev, epochs=5, n_trials=6, seed=0)
    assert [(t.params, t.value, t.state) for t in again.trials] == [
        (t.params, t.value, t.state) for t in study.trials
    ]
    other = search.run(SPACE, X, Y, dev=dev, epochs=5, n_trials=2, seed=1)
    assert other.trials[0].params != study.trials[0].params


def test_tpe_runs_too(optuna):
    X, Y, dev = flower_split()
    study = search.run(SPACE, X, Y, dev=dev, epochs=2, n_trials=3, sampler="tpe", seed=0)
    assert isinstance(study.sampler, optuna.samplers.TPESampler) and len(study.trials) == 3


def test_the_median_pruner_stops_bad_trials_from_the_dev_loss_of_each_epoch(optuna):
    X, Y, dev = flower_split()
    space = search.Space(lr=search.log_uniform(1e-5, 0.5), hidden=8, activation="tanh")
    study = search.run(space, X, Y, dev=dev, epochs=8, n_trials=10, seed=0)
    states = [t.state for t in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, states
    assert all(states[i] == optuna.trial.TrialState.COMPLETE for i in range(5))  # 5 startup
    for trial in pruned:  # stopped early, after the warm-up quarter, on a reported dev loss
        epochs = sorted(trial.intermediate_values)
        assert 2 <= epochs[-1] < 7
    unpruned = search.run(space, X, Y, dev=dev, epochs=8, n_trials=10, seed=0, pruner=None)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in unpruned.trials)


def nan_model(hp, n_in, n_out, rng):
    """A custom build (module level, so worker processes could use it) that diverges."""
    model = search.default_model(hp, n_in, n_out, rng)
    model[0].W.data[...] = np.nan
    return model


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_a_diverging_trial_scores_inf_and_says_when(optuna):
    X, Y, dev = flower_split()
    study = search.run(
        search.Space(lr=0.1, hidden=3), X, Y, dev=dev, epochs=3, n_trials=1, build=nan_model
    )
    (trial,) = study.trials
    assert trial.value == math.inf and trial.user_attrs["diverged_at"] == 0


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_two_worker_processes_share_one_storage_and_lose_no_trial(kind, optuna, tmp_path):
    X, Y, dev = flower_split()
    storage = tmp_path / "search.journal" if kind == "journal" else f"sqlite:///{tmp_path}/s.db"
    study = search.run(
        SPACE,
        X,
        Y,
        dev=dev,
        epochs=3,
        n_trials=6,
        n_workers=2,
        storage=storage,
        study_name="flower",
        seed=3,
        pruner=None,
    )
    finished = optuna.load_study(study_name="flower", storage=search.open_storage(storage)).trials
    assert sorted(t.number for t in finished) == list(range(6))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in finished)
    workers = {t.user_attrs["worker"] for t in finished}
    assert len(workers) == 2 and not any(w.endswith(f":{os.getpid()}") for w in workers)
    assert len(study.trials) == 6
    # trial n is the same whichever process ran it: a one-process run agrees
    alone = search.run(SPACE, X, Y, dev=dev, epochs=3, n_trials=6, seed=3, pruner=None)
    for ours, theirs in zip(sorted(finished, key=lambda t: t.number), alone.trials):
        assert ours.params == theirs.params
        assert ours.value == pytest.approx(theirs.value, rel=1e-12)


def test_calls_that_share_a_storage_and_name_add_to_one_study(optuna, tmp_path):
    X, Y, dev = flower_split()
    journal = tmp_path / "runs" / "shared.journal"  # the folder is created
    search.run(SPACE, X, Y, dev=dev, epochs=2, n_trials=2, storage=journal, study_name="s", seed=0)
    study = search.run(
        SPACE, X, Y, dev=dev, epochs=2, n_trials=3, storage=journal, study_name="s", seed=0
    )
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]


def local_build(hp, n_in, n_out, rng):
    return search.default_model(hp, n_in, n_out, rng)


def test_parallel_runs_check_their_arguments_before_starting(optuna, tmp_path):
    X, Y, dev = flower_split()
    run = dict(dev=dev, epochs=1, n_trials=2, n_workers=2)
    with pytest.raises(ValueError, match="n_workers=2 processes need a storage they share"):
        search.run(SPACE, X, Y, **run)
    with pytest.raises(TypeError, match="cannot be sent to worker processes"):
        search.run(SPACE, X, Y, **run, storage=tmp_path / "j", build=lambda *a: local_build(*a))
    with pytest.raises(ValueError, match="give sampler by name"):
        search.run(SPACE, X, Y, **run, storage=tmp_path / "j", sampler=optuna.samplers.TPESampler())
    with pytest.raises(ValueError, match="sampler must be one of \\['random', 'tpe'\\]"):
        search.run(SPACE, X, Y, dev=dev, epochs=1, n_trials=1, sampler="grid")
    with pytest.raises(ValueError, match="run: n_trials must lie in"):
        search.run(SPACE, X, Y, dev=dev, epochs=1, n_trials=0)
