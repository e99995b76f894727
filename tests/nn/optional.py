"""Optional dependencies in tests: skipped only on a developer's machine without them."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(module: str) -> ModuleType:
    """Import an optional dependency (an extra: export, search) or skip the test, but only on
    a developer's machine: under CI (`make test` installs the extras, for the source tree and
    for the installed wheel) a missing one fails."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)
