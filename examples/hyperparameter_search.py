"""Hyperparameter search on the planar "flower" (course 2, week 3), run on Optuna.

The course's advice, followed here by ``nn.search``:

1. Try random values, not a grid: with a grid of 5 × 5 you try only 5 learning rates; with
   25 random trials you try 25.
2. Sample on the right scale. The learning rate α between 0.0001 and 1 is 10^r, r uniform in
   [−4, 0] (``log_uniform``), so each decade gets as many trials; momentum β between 0.9 and
   0.999 is 1 − 10^r, r uniform in [−3, −1] (``one_minus_log_uniform``), because near 1 a
   small change of β changes a lot: 1/(1 − β) is how many steps the average spans.
3. Compare the trials on the dev set, and stop the hopeless ones early (Optuna's median
   pruner, fed the dev loss after every epoch).

Each trial trains a [2, hidden, 1] tanh network with Adam on 60% of the flower's 400 points
and is scored by its cross-entropy on the next 20% (the dev set); the best one is then
trained again and measured on the last 20% (the test set), which the search never saw.

The picture (``outputs/hyperparameter_search.png``) plots each trial's dev loss against its
learning rate on a log axis: the good rates form a valley a decade or two wide, and the
pruned trials (crosses) are the ones Optuna stopped early.

Run: ``python examples/hyperparameter_search.py [--quick] [--out DIR]``, and in parallel:

    python examples/hyperparameter_search.py --workers 2 --storage outputs/search.journal

(two processes on this machine sharing a journal file; on several machines, run the same
command on each with ``--storage`` pointing at one database URL or a journal file on a
shared disk, and the same ``--study`` name).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from cli import DEFAULT_OUT_DIR, QUICK_ENV, quick_from_environment
from figures import MATPLOTLIB_MISSING, pyplot

from autograd_lite import nn
from autograd_lite.nn import search

# What to search: every hyperparameter on the scale where it matters.
SPACE = search.Space(
    lr=search.log_uniform(1e-4, 1.0),  # α = 10^r, r ~ U[−4, 0]
    hidden=search.int_uniform(1, 50, log=True),  # units in the hidden layer
    beta=search.one_minus_log_uniform(0.9, 0.999),  # Adam's β₁ = 1 − 10^r, r ~ U[−3, −1]
    lambd=search.log_uniform(1e-4, 10.0),  # L2 strength λ
    batch_size=search.choice([16, 32, 64, 128]),
    activation="tanh",  # constants: every trial gets them
    optimizer="adam",
)


def flower_data(seed: int = 0) -> tuple:
    """The flower, split 60 / 20 / 20 into train, dev and test sets."""
    X, Y = nn.datasets.planar_flower()
    return nn.train_dev_test_split(X, Y, dev_size=0.2, test_size=0.2, seed=seed)


def save_search_picture(study, path: Path) -> Path | None:
    """Dev loss against learning rate (log x-axis): finished trials as dots coloured by the
    hidden layer's size, pruned ones as crosses at their last reported dev loss."""
    plt = pyplot()
    if plt is None:
        return None
    finished, pruned = [], []
    for trial in study.trials:
        hp = SPACE.decode(trial.params)
        if trial.state.name == "COMPLETE" and math.isfinite(trial.value):
            finished.append((hp["lr"], trial.value, hp["hidden"]))
        elif trial.state.name == "PRUNED" and trial.intermediate_values:
            last = max(trial.intermediate_values)
            pruned.append((hp["lr"], trial.intermediate_values[last]))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    if finished:
        lr, loss, hidden = zip(*finished)
        dots = ax.scatter(lr, loss, c=hidden, cmap="viridis", norm="log", s=28, label="finished")
        fig.colorbar(dots, ax=ax, label="hidden units")
    if pruned:
        ax.scatter(*zip(*pruned), marker="x", c="#c0392b", s=24, label="pruned (last dev loss)")
    best_hp = SPACE.decode(study.best_params)
    ax.scatter(
        [best_hp["lr"]],
        [study.best_value],
        s=160,
        facecolors="none",
        edgecolors="k",
        label=f"best: α = {best_hp['lr']:.3g}",
    )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate α (log scale)")
    ax.set_ylabel("dev loss (cross-entropy)")
    ax.set_title(f"random search on the flower: {len(study.trials)} trials", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(
    quick: bool = False,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    trials: int | None = None,
    workers: int = 1,
    storage: str | None = None,
    study_name: str = "flower",
    seed: int = 0,
) -> dict:
    """Search, report the best trial, retrain it and measure it on the test set."""
    (X_train, Y_train), dev, (X_test, Y_test) = flower_data()
    epochs = 10 if quick else 60
    trials = trials or (8 if quick else 60)
    print(f"flower: {len(X_train)} train, {len(dev[0])} dev, {len(X_test)} test points")
    print(f"searching {SPACE}")
    print(f"{trials} trials of {epochs} epochs, {workers} process(es), seed {seed}\n")

    study = search.run(
        SPACE,
        X_train,
        Y_train,
        dev=dev,
        epochs=epochs,
        n_trials=trials,
        n_workers=workers,
        storage=storage,
        study_name=study_name,
        seed=seed,
    )

    states = [trial.state.name for trial in study.trials]
    print(f"{states.count('COMPLETE')} finished, {states.count('PRUNED')} pruned")
    print("the five best trials:")
    print("   #   dev loss        lr   hidden    beta     lambd   batch")
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    for trial in sorted(done, key=lambda t: t.value)[:5]:
        hp = SPACE.decode(trial.params)
        print(
            f"{trial.number:4d}   {trial.value:8.4f}  {hp['lr']:8.2e}   {hp['hidden']:6d}"
            f"  {hp['beta']:6.4f}  {hp['lambd']:8.2e}   {hp['batch_size']:5d}"
        )
    best = SPACE.decode(study.best_params)
    shown = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in best.items()
    )
    print(f"\nbest trial: #{study.best_trial.number}, dev loss {study.best_value:.4f}: {shown}")

    # Train the winner again (its own seed: the same run as in the search) and test it once.
    trial_seed = search.trial_seed(seed, study.best_trial.number)
    model, _ = search.train(best, X_train, Y_train, epochs=epochs, dev=dev, seed=trial_seed)
    loss_fn = nn.BCEWithLogitsLoss()
    dev_loss, dev_accuracy = nn.evaluate(model, loss_fn, *dev)
    _, test_accuracy = nn.evaluate(model, loss_fn, X_test, Y_test)
    print(
        f"retrained: dev loss {dev_loss:.4f}, dev accuracy {dev_accuracy:.1%}, "
        f"test accuracy {test_accuracy:.1%}"
    )

    picture = save_search_picture(study, Path(out_dir) / "hyperparameter_search.png")
    print(f"picture of the search: {picture}" if picture else MATPLOTLIB_MISSING)
    return {
        "best_value": study.best_value,
        "best": best,
        "best_number": study.best_trial.number,
        "retrained_dev_loss": dev_loss,
        "test_accuracy": test_accuracy,
        "states": states,
        "picture": picture,
    }


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The examples' --quick and --out, plus where and how widely to search."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a short run (or {QUICK_ENV}=1)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="folder for the PNG")
    parser.add_argument("--trials", type=int, default=None, help="trials this run adds")
    parser.add_argument("--workers", type=int, default=1, help="processes on this machine")
    parser.add_argument(
        "--storage",
        default=None,
        help="journal file path or database URL the workers share (default: in memory)",
    )
    parser.add_argument("--study", default="flower", help="study name within the storage")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":  # needed: worker processes import this file without running it
    args = parse_arguments()
    main(
        quick=args.quick or quick_from_environment(),
        out_dir=args.out,
        trials=args.trials,
        workers=args.workers,
        storage=args.storage,
        study_name=args.study,
        seed=args.seed,
    )
