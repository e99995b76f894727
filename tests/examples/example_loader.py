"""Import the example scripts (examples/*.py, not a package) as modules for the tests."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """``examples/<name>.py`` as a module; its sibling imports (cli, figures) resolve too."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


def has_matplotlib() -> bool:
    """True when the optional ``examples`` extra (matplotlib) is installed."""
    return importlib.util.find_spec("matplotlib") is not None
