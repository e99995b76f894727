"""The package as a user gets it: one version, `nn` reachable unambiguously, typed, complete.

`scripts/test-installed` runs this file against the installed wheel (with
AUTOGRAD_LITE_INSTALLED set to the venv), where it also insists that the import came from there
and not from a checkout.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_lite

PACKAGE_DIR = Path(autograd_lite.__file__).resolve().parent
INSTALLED = os.environ.get("AUTOGRAD_LITE_INSTALLED")


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if not INSTALLED:  # a source-tree run: let the subprocess find the checkout
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_DIR.parent), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.skipif(
    not INSTALLED, reason="only in the installed-wheel run (scripts/test-installed)"
)
def test_the_installed_run_imports_the_wheel_not_the_checkout():
    venv = Path(INSTALLED).resolve()
    assert venv in PACKAGE_DIR.parents, f"autograd_lite was imported from {PACKAGE_DIR}"
    assert importlib.metadata.version("autograd-lite") == autograd_lite.__version__


@pytest.mark.parametrize("name", ["autograd_lite.ops", "autograd_lite.nn"])
def test_every_subpackage_ships_inside_the_package(name):
    module = importlib.import_module(name)
    assert PACKAGE_DIR in Path(module.__file__).resolve().parents


def test_type_hints_are_marked_as_shipped_with_py_typed():
    assert (PACKAGE_DIR / "py.typed").is_file()


def test_nn_is_one_module_under_both_names_with_the_engine_version():
    import nn
    from autograd_lite import nn as nn_from_package

    assert nn_from_package is nn
    assert nn.__version__ == autograd_lite.__version__
    from autograd_lite.nn.layers import Dense as DenseFromPackage
    from nn.layers import Dense

    assert Dense is DenseFromPackage
    assert isinstance(nn.Dense(2, 3), DenseFromPackage)


def test_importing_the_engine_does_not_import_nn(tmp_path):
    result = _run(
        "import sys, autograd_lite; assert 'autograd_lite.nn' not in sys.modules, 'nn loaded'; "
        "assert autograd_lite.nn.Sequential; print('ok')",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_users_own_nn_py_does_not_shadow_the_documented_spelling(tmp_path):
    (tmp_path / "nn.py").write_text("mine = True\n")
    result = _run(
        "import nn; assert nn.mine\n"
        "from autograd_lite import nn as real\n"
        "model = real.Sequential(real.Dense(2, 1))\n"
        "print(type(model).__module__)\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "autograd_lite.nn.module"


def test_submodules_of_the_short_name_are_the_package_modules(tmp_path):
    result = _run(
        "import sys, nn.optim, nn.schedules\n"
        "import autograd_lite.nn.optim as real\n"
        "assert nn.optim is real and sys.modules['nn.optim'] is real\n"
        "assert real.__spec__.name == 'autograd_lite.nn.optim'\n"
        "print('ok')\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
