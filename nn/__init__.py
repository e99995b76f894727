"""`nn`, the short name of `autograd_lite.nn`: the very same module objects, not a copy.

``import nn`` and ``from autograd_lite import nn`` give the same module, and ``nn.layers`` is
``autograd_lite.nn.layers``, so classes, isinstance checks and pickles agree. The code lives in
``autograd_lite/nn/``; prefer ``from autograd_lite import nn``, which a file of your own named
``nn.py`` cannot shadow (and which cannot be confused with the unrelated ``nn`` on PyPI).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

_REAL = "autograd_lite.nn"


class _AliasLoader(importlib.abc.Loader):
    """Hands out the already imported ``autograd_lite.nn.X`` for ``nn.X``."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module; give it back its own.
        module.__spec__ = self._spec

    def set_spec(self, spec: importlib.machinery.ModuleSpec | None) -> None:
        self._spec = spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``nn.X`` to ``autograd_lite.nn.X`` so that no module is loaded twice."""

    def find_spec(
        self, name: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not name.startswith("nn."):
            return None
        module = importlib.import_module(_REAL + name[2:])
        loader = _AliasLoader(module)
        loader.set_spec(module.__spec__)
        return importlib.machinery.ModuleSpec(name, loader)


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

_real = importlib.import_module(_REAL)
for _name, _module in list(sys.modules.items()):
    if _name.startswith(_REAL + "."):
        sys.modules["nn" + _name[len(_REAL) :]] = _module
sys.modules[__name__] = _real
