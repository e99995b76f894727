"""Run the chosen workloads over the chosen contenders: in process, or each in isolation."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .contenders import BASELINE, Contender
from .harness import NOT_APPLICABLE, SKIPPED, CaseResult, Measurement, Settings, run_workload
from .isolation import run_isolated
from .workloads import WORKLOADS, memory
from .workloads.base import Workload

WORKLOAD_NAMES = (*WORKLOADS, memory.NAME)


def log(message: str) -> None:
    """Progress goes to stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)


def format_progress(result: CaseResult, only: str | None = None) -> str:
    """One line per case: each contender's status and median ratio."""
    parts = []
    for name, m in result.measurements.items():
        if name == BASELINE or (only and name != only):
            continue
        figure = f"{m.ratio_median:.2f}x" if m.ratio_median is not None else m.status
        parts.append(f"{name} {figure}")
    return f"  {result.key}: " + (", ".join(parts) or "NumPy only")


def needs_isolation(workload: Workload, contender: Contender) -> bool:
    """Whether ``contender`` must run in its own subprocess for ``workload``."""
    if contender.name == BASELINE:
        return False
    return contender.isolate or workload.isolate


def run_timed(
    workload: Workload, contenders: Sequence[Contender], settings: Settings
) -> list[CaseResult]:
    """In-process contenders first (interleaved together), then each isolated one."""
    local = [c for c in contenders if not needs_isolation(workload, c)]
    remote = [c for c in contenders if needs_isolation(workload, c)]
    results = run_workload(workload, local, settings, on_result=lambda r: log(format_progress(r)))
    for contender in remote:
        name = contender.name
        if name not in workload.implementations:
            reason = workload.not_applicable.get(name, "no implementation for this workload")
            found = {r.key: Measurement(name, NOT_APPLICABLE, reason) for r in results}
        elif reason := contender.reason_to_skip_here():
            found = {r.key: Measurement(name, SKIPPED, reason) for r in results}
        else:
            log(f"  ({name}: own subprocess)")
            found = run_isolated(
                workload, contender, settings, lambda r, n=name: log(format_progress(r, n))
            )
        for result in results:
            result.measurements[name] = found[result.key]
    return results


def run_all(
    names: Sequence[str], contenders: Sequence[Contender], settings: Settings
) -> list[CaseResult]:
    """Every chosen workload in the order given."""
    results: list[CaseResult] = []
    for name in names:
        if name == memory.NAME:
            log(f"[{name}] {memory.TITLE}")
            result = memory.run(contenders, settings)
            log(format_progress(result))
            results.append(result)
            continue
        workload = WORKLOADS[name]
        log(f"[{name}] {workload.title}")
        results.extend(run_timed(workload, contenders, settings))
    return results
