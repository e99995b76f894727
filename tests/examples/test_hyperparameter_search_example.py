"""examples/hyperparameter_search.py in quick mode: in this process, and from the command line
with two worker processes sharing a journal file."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from example_loader import EXAMPLES, load_example

PNG = b"\x89PNG\r\n\x1a\n"


def require(module: str):
    """Optuna and matplotlib (the `search` and `examples` extras): skipped when missing on a
    developer's machine, a failure under CI, where `make test` installs them."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


def test_the_search_reports_its_best_trial_retrains_it_and_draws_the_search(tmp_path, capsys):
    require("optuna")
    require("matplotlib")
    result = load_example("hyperparameter_search").main(quick=True, out_dir=tmp_path)
    printed = capsys.readouterr().out
    assert f"best trial: #{result['best_number']}, dev loss {result['best_value']:.4f}" in printed
    assert "lr=" in printed and "beta=" in printed and "the five best trials" in printed
    assert len(result["states"]) == 8  # quick: 8 trials
    assert result["best_value"] < 0.6  # quick: 0.37 (chance is log 2 = 0.69)
    # the winner retrained with its trial's seed is the very run the search scored
    assert result["retrained_dev_loss"] == pytest.approx(result["best_value"], rel=1e-12)
    assert result["test_accuracy"] > 0.75  # quick 87.5%
    assert 0.9 <= result["best"]["beta"] <= 0.999
    assert result["picture"] == tmp_path / "hyperparameter_search.png"
    assert result["picture"].read_bytes()[:8] == PNG


def test_two_worker_processes_from_the_command_line(tmp_path):
    require("optuna")
    require("matplotlib")
    journal = tmp_path / "search.journal"
    command = [sys.executable, str(EXAMPLES / "hyperparameter_search.py"), "--quick"]
    command += ["--out", str(tmp_path), "--workers", "2", "--storage", str(journal)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=True, cwd=tmp_path
    )
    assert "8 trials of 10 epochs, 2 process(es)" in completed.stdout
    assert "best trial: #" in completed.stdout
    assert journal.stat().st_size > 0
    assert (tmp_path / "hyperparameter_search.png").read_bytes()[:8] == PNG
