"""The libraries compared, and how to tell whether each one can run here."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass

BASELINE = "numpy"


@dataclass(frozen=True)
class Contender:
    """A library under test.

    The contender is available when ``module`` imports and has every name in ``needs``.
    ``distribution`` names the installed package whose version is reported.  ``isolate``
    forces every measurement of this contender into its own subprocess (PyTorch's thread
    pool would otherwise share the process with NumPy's).
    """

    name: str
    label: str
    module: str
    needs: tuple[str, ...]
    distribution: str
    install_hint: str
    isolate: bool = False

    def installed(self) -> bool:
        """Whether the top-level module can be found (without importing it)."""
        return importlib.util.find_spec(self.module.split(".")[0]) is not None

    def unavailable_reason(self) -> str | None:
        """``None`` when the contender can run, else a one-line explanation."""
        if not self.installed():
            return f"not installed ({self.install_hint})"
        try:
            module = importlib.import_module(self.module)
        except Exception as exc:  # an engine still being written fails in many ways
            return f"does not import: {type(exc).__name__}: {exc}"
        missing = [n for n in self.needs if not hasattr(module, n)]
        if missing:
            return f"{self.module} lacks {', '.join(missing)} (not written yet?)"
        return None

    def reason_to_skip_here(self) -> str | None:
        """Like :meth:`unavailable_reason`, but never imports an ``isolate`` contender here.

        The main process only checks that such a contender is installed; its subprocess
        does the full check.
        """
        if self.isolate:
            return None if self.installed() else f"not installed ({self.install_hint})"
        return self.unavailable_reason()

    def version(self) -> str:
        """The installed version, or ``"?"``."""
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "?"


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender("numpy", "NumPy by hand", "numpy", ("ndarray",), "numpy", "pip install numpy"),
        Contender(
            "autograd_lite",
            "autograd_lite",
            "autograd_lite",
            ("Tensor", "linear", "softmax_cross_entropy", "binary_cross_entropy"),
            "autograd-lite",
            "pip install -e .",
        ),
        Contender(
            "autograd_lite.nn",
            "autograd_lite nn",
            "nn",
            (
                "Dense",
                "ReLU",
                "Tanh",
                "Sigmoid",
                "Sequential",
                "CrossEntropyLoss",
                "BCELoss",
                "SGD",
            ),
            "autograd-lite",
            "pip install -e .",
        ),
        Contender(
            "autograd_lite.compile",
            "autograd_lite compiled",
            "autograd_lite",
            ("Tensor", "compile", "linear", "softmax_cross_entropy", "binary_cross_entropy"),
            "autograd-lite",
            "pip install -e .",
        ),
        Contender(
            "autograd_lite.nn.compile",
            "autograd_lite nn compiled",
            "autograd_lite",
            ("compile", "nn"),
            "autograd-lite",
            "pip install -e .",
        ),
        Contender(
            "torch",
            "PyTorch CPU",
            "torch",
            ("tensor",),
            "torch",
            "pip install torch==2.13.0",
            isolate=True,
        ),
        Contender(
            "hips_autograd",
            "HIPS autograd",
            "autograd",
            ("grad",),
            "autograd",
            "pip install autograd",
        ),
        Contender("mygrad", "mygrad", "mygrad", ("tensor",), "mygrad", "pip install mygrad"),
        Contender(
            "micrograd",
            "micrograd",
            "micrograd.engine",
            ("Value",),
            "micrograd",
            "pip install micrograd",
        ),
    )
}

ALIASES = {
    "ag": "autograd_lite",
    "nn": "autograd_lite.nn",
    "compiled": "autograd_lite.compile",
    "nn.compiled": "autograd_lite.nn.compile",
    "pytorch": "torch",
    "autograd": "hips_autograd",
    "hips": "hips_autograd",
}


def resolve(names: list[str]) -> list[Contender]:
    """Contenders by name or alias, the baseline always first; unknown names raise."""
    chosen = [BASELINE]
    for raw in names:
        name = ALIASES.get(raw, raw)
        if name not in CONTENDERS:
            known = ", ".join(CONTENDERS)
            raise ValueError(f"unknown contender {raw!r}; known: {known}")
        if name not in chosen:
            chosen.append(name)
    return [CONTENDERS[n] for n in chosen]
