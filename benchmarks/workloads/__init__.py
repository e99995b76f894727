"""The workloads, in the order they are run and reported."""

from __future__ import annotations

from .base import Case, Runner, Workload
from .chain import WORKLOAD as CHAIN
from .mlp import WORKLOAD as MLP

WORKLOADS: dict[str, Workload] = {w.name: w for w in (CHAIN, MLP)}

__all__ = ["WORKLOADS", "Case", "Runner", "Workload"]
