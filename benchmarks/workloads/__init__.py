"""The timed workloads, in the order they are run and reported.

Workload 5 (peak memory, ``workloads.memory``) is not timed and has its own runner.
"""

from __future__ import annotations

from .base import Case, Runner, Workload
from .chain import WORKLOAD as CHAIN
from .mlp import WORKLOAD as MLP
from .planar import WORKLOAD as PLANAR
from .scalar_chain import WORKLOAD as SCALAR_CHAIN

WORKLOADS: dict[str, Workload] = {w.name: w for w in (CHAIN, MLP, PLANAR, SCALAR_CHAIN)}

__all__ = ["WORKLOADS", "Case", "Runner", "Workload"]
