"""The shapes every workload module fills in: a problem, a runner per contender, a case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Outputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Runner:
    """One contender prepared for one case.

    ``step()`` is the unit that is timed (e.g. forward + backward, or a training step) and
    returns whatever the library returns natively; ``outputs(result)`` turns that result into
    NumPy arrays for the agreement check.  The conversion is kept out of the timed call.
    """

    step: Callable[[], Any]
    outputs: Callable[[Any], Outputs]


Implementation = Callable[[Any], Runner]


@dataclass(frozen=True)
class Case:
    """One measurable instance of a workload, e.g. the MLP step in float32.

    ``units`` is how many ``unit``s one ``step()`` performs (201 ops for the chain, N nodes
    for the scalar chain); it only turns times into per-op figures for the reference table.
    """

    workload: str
    variant: str
    problem: Any
    dtype: str
    units: int = 1
    unit: str = "step"

    @property
    def key(self) -> str:
        """A stable name such as ``mlp[float32]``."""
        return f"{self.workload}[{self.variant}]" if self.variant else self.workload


@dataclass(frozen=True)
class Workload:
    """A benchmark workload and its contenders' implementations.

    ``implementations`` maps a contender name to a factory ``problem -> Runner``; a contender
    that is absent is reported as not applicable, with the reason from ``not_applicable``.
    ``isolate`` runs every contender but NumPy in its own subprocess (deep graphs can exhaust
    memory or the C stack).  ``escalating`` means the variants grow in size, so a contender
    that failed or was too slow on one variant is skipped on the following ones.
    """

    name: str
    title: str
    description: str
    variants: Callable[[bool], list[str]]
    make_case: Callable[[str, bool], Case]
    implementations: Mapping[str, Implementation]
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    rtol: Mapping[str, float] = field(default_factory=lambda: {"float64": 1e-7, "float32": 2e-4})
    isolate: bool = False
    escalating: bool = False

    def cases(self, quick: bool) -> list[Case]:
        """Every case of this workload, smallest first."""
        return [self.make_case(v, quick) for v in self.variants(quick)]
