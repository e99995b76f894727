"""Check, then time: the measuring core shared by the main process and its subprocesses.

For one case the harness

1. runs NumPy's step once; its outputs are the reference;
2. runs each contender's step once and compares its outputs with the reference
   (``np.allclose`` at a dtype-appropriate tolerance, scaled to each array's size), so a
   contender that disagrees is reported WRONG and never timed, and one that raises is
   reported FAILED (a RecursionError on a deep graph, say);
3. warms each surviving step up once more, to choose how many calls make a sample of at
   least ``min_sample`` seconds;
4. times the contenders in interleaved rounds (A B C, B C A, C A B, ...) so that drifts in
   clock speed or cache state hit everyone alike, with a ``gc.collect()`` before each sample;
5. reports, per contender, the median and the minimum seconds per step and their ratios to
   NumPy's median and minimum from the same rounds (and, in the JSON, the median of the
   per-round ratios, which cancels load that hits one round).

A step that takes longer than ``long_step`` seconds is not repeated: its checked run is
its only sample (its median and minimum coincide).

The clock is the process's CPU time (``time.process_time``: every thread of this process,
nothing else) by default, because these 2-core machines are shared and other processes'
load inflates wall-clock samples by 2-3×; with every thread pool pinned to one thread the
CPU time is the step's cost.  ``clock="wall"`` uses ``time.perf_counter`` instead.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .contenders import BASELINE, Contender
from .workloads.base import Case, Outputs, Runner, Workload

OK, WRONG, FAILED, SKIPPED, NOT_APPLICABLE = "ok", "WRONG", "FAILED", "skipped", "n/a"


@dataclass(frozen=True)
class Settings:
    """How hard to measure.  ``quick_settings()`` is a smoke test, ``full()`` the real thing.

    ``rounds`` interleaved rounds at most (``min_rounds`` at least), each sample at least
    ``min_sample`` seconds, fewer rounds when one round would push a case past
    ``case_budget`` seconds; a step longer than ``long_step`` seconds is timed once.  On an
    escalating workload a contender is skipped on the next size once a run took more than
    ``skip_after`` seconds, or when the next run is predicted (linearly) to exceed
    ``max_run`` seconds.
    """

    quick: bool = False
    rounds: int = 21
    min_rounds: int = 3
    min_sample: float = 0.05
    case_budget: float = 30.0
    long_step: float = 10.0
    skip_after: float = 20.0
    max_run: float = 120.0
    clock: str = "cpu"

    def timer(self) -> Callable[[], float]:
        """The clock samples are read from: process CPU time, or wall time."""
        return time.perf_counter if self.clock == "wall" else time.process_time

    @classmethod
    def full(cls, rounds: int | None = None) -> Settings:
        """Settings for a real measurement (a few minutes per workload at most)."""
        return cls(rounds=rounds or cls.rounds)

    @classmethod
    def quick_settings(cls) -> Settings:
        """Tiny repeat counts: proves that everything runs, not how fast."""
        return cls(
            quick=True,
            rounds=3,
            min_rounds=2,
            min_sample=0.002,
            case_budget=3.0,
            long_step=1.0,
            skip_after=2.0,
            max_run=5.0,
        )


@dataclass
class Measurement:
    """One contender's verdict and figures on one case.

    Figures are in the case's ``quantity`` (seconds per step, or bytes for peak memory);
    ratios divide by NumPy's figure from the same run (the same subprocess, for a contender
    measured in isolation), which ``baseline_median`` and ``baseline_min`` record.
    """

    contender: str
    status: str
    note: str = ""
    max_error: float | None = None
    first: float | None = None
    median: float | None = None
    minimum: float | None = None
    samples: list[float] = field(default_factory=list)
    ratio_median: float | None = None
    ratio_min: float | None = None
    ratio_paired: float | None = None
    baseline_median: float | None = None
    baseline_min: float | None = None
    isolated: bool = False


@dataclass
class CaseResult:
    """Every contender's measurement of one case, NumPy's included."""

    workload: str
    variant: str
    key: str
    dtype: str
    units: int
    unit: str
    measurements: dict[str, Measurement]
    quantity: str = "seconds"

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``json.dumps``."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseResult:
        """The inverse of :meth:`to_json`."""
        fields = dict(data)
        fields["measurements"] = {k: Measurement(**v) for k, v in data["measurements"].items()}
        return cls(**fields)


def compare(reference: Outputs, candidate: Outputs, rtol: float) -> tuple[bool, float, str]:
    """Do ``candidate``'s arrays match ``reference``'s?

    Each array passes ``np.allclose(c, r, rtol=rtol, atol=rtol * max|r|)``: the absolute
    tolerance scales with the array so that entries near zero are judged against the
    array's size.  It never drops below the smallest normal number of the reference's
    dtype: subnormal results (a gradient that underflows through a long chain) carry no
    relative precision.  Returns (all agree, worst error relative to max|r|, first problem).
    """
    worst, problem = 0.0, ""
    for name, ref in reference.items():
        if name not in candidate:
            return False, math.inf, f"missing output {name!r}"
        ref = np.asarray(ref)
        tiny = float(np.finfo(ref.dtype if ref.dtype.kind == "f" else np.float64).tiny)
        got = np.asarray(candidate[name], dtype=np.float64)
        ref = ref.astype(np.float64)
        if got.shape != ref.shape:
            return False, math.inf, f"{name}: shape {got.shape} != {ref.shape}"
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        atol = max(rtol * scale, tiny)
        error = float(np.max(np.abs(got - ref))) / max(scale, tiny) if ref.size else 0.0
        if not np.isfinite(got).all():
            error = math.inf
        if error > worst:
            worst = error
        if not np.allclose(got, ref, rtol=rtol, atol=atol) and not problem:
            problem = f"{name} differs (max error {error:.2e} of max|ref|, rtol {rtol:g})"
    return not problem, worst, problem


def timed_call(step: Callable[[], Any], clock: Callable[[], float]) -> tuple[Any, float]:
    """Run ``step`` once; return its result and the seconds it took on ``clock``."""
    start = clock()
    result = step()
    return result, clock() - start


def prepare(
    case: Case,
    workload: Workload,
    contender: Contender,
    reference: Outputs | None,
    clock: Callable[[], float],
) -> tuple[Runner | None, Measurement, Outputs | None]:
    """Build, run once and check one contender; the runner is returned only if it passed."""
    name = contender.name
    implementation = workload.implementations.get(name)
    if implementation is None:
        reason = workload.not_applicable.get(name, "no implementation for this workload")
        return None, Measurement(name, NOT_APPLICABLE, reason), None
    reason = contender.unavailable_reason()
    if reason:
        return None, Measurement(name, SKIPPED, reason), None
    try:
        runner = implementation(case.problem)
        result, first = timed_call(runner.step, clock)
        outputs = runner.outputs(result)
    except RecursionError:
        return None, Measurement(name, FAILED, "RecursionError"), None
    except MemoryError:
        return None, Measurement(name, FAILED, "MemoryError"), None
    except Exception as exc:
        message = str(exc).splitlines()[0][:160] if str(exc) else ""
        return None, Measurement(name, FAILED, f"{type(exc).__name__}: {message}"), None
    if reference is None:  # this is the baseline itself
        return runner, Measurement(name, OK, first=first, max_error=0.0), outputs
    rtol = workload.rtol[case.dtype]
    agree, error, problem = compare(reference, outputs, rtol)
    if not agree:
        return None, Measurement(name, WRONG, problem, max_error=error, first=first), outputs
    return runner, Measurement(name, OK, max_error=error, first=first), outputs


def interleaved_samples(
    steps: dict[str, Callable[[], Any]], first: dict[str, float], settings: Settings
) -> dict[str, list[float]]:
    """Seconds per call of each step, sampled in rotating interleaved rounds."""
    samples: dict[str, list[float]] = {name: [] for name in steps}
    clock = settings.timer()
    number: dict[str, int] = {}
    for name, step in steps.items():
        if first[name] >= settings.long_step:
            samples[name].append(first[name])  # too slow to repeat: the checked run counts
            continue
        _, warm = timed_call(step, clock)
        number[name] = max(1, math.ceil(settings.min_sample / max(warm, 1e-9)))
        first[name] = warm
    if not number:
        return samples
    per_round = sum(number[n] * first[n] for n in number)
    rounds = int(settings.case_budget / max(per_round, 1e-9))
    rounds = max(settings.min_rounds, min(settings.rounds, rounds))
    names = list(number)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            step, count = steps[name], number[name]
            gc.collect()
            start = clock()
            for _ in range(count):
                step()
            samples[name].append((clock() - start) / count)
    return samples


def set_ratios(measurements: dict[str, Measurement]) -> None:
    """Divide every measured figure by the NumPy baseline's, in place."""
    base = measurements[BASELINE]
    if not base.median or not base.minimum:
        return
    for m in measurements.values():
        if m.median is None or m.minimum is None:
            continue
        m.baseline_median, m.baseline_min = base.median, base.minimum
        m.ratio_median = m.median / base.median
        m.ratio_min = m.minimum / base.minimum
        if len(m.samples) == len(base.samples) > 1:
            pairs = [a / b for a, b in zip(m.samples, base.samples)]
            m.ratio_paired = statistics.median(pairs)


def run_case(
    case: Case,
    workload: Workload,
    contenders: Sequence[Contender],
    settings: Settings,
    skip: dict[str, str] | None = None,
) -> CaseResult:
    """Check and time every contender on one case (``skip`` maps a contender to a reason)."""
    skip = skip or {}
    baseline = next(c for c in contenders if c.name == BASELINE)
    clock = settings.timer()
    runner, base, reference = prepare(case, workload, baseline, None, clock)
    if runner is None or reference is None:
        raise RuntimeError(f"NumPy baseline failed on {case.key}: {base.note}")
    runners: dict[str, Runner] = {BASELINE: runner}
    measurements: dict[str, Measurement] = {BASELINE: base}
    for contender in contenders:
        if contender.name == BASELINE:
            continue
        if contender.name in skip:
            measurements[contender.name] = Measurement(
                contender.name, SKIPPED, skip[contender.name]
            )
            continue
        runner, measurement, _ = prepare(case, workload, contender, reference, clock)
        measurements[contender.name] = measurement
        if runner is not None:
            runners[contender.name] = runner
    first = {name: measurements[name].first or 0.0 for name in runners}
    samples = interleaved_samples({n: r.step for n, r in runners.items()}, first, settings)
    for name, times in samples.items():
        m = measurements[name]
        m.samples = times
        m.median = statistics.median(times)
        m.minimum = min(times)
    set_ratios(measurements)
    return CaseResult(
        case.workload, case.variant, case.key, case.dtype, case.units, case.unit, measurements
    )


def escalation_skips(
    workload: Workload, result: CaseResult, next_case: Case, settings: Settings
) -> dict[str, str]:
    """Contenders to skip on ``next_case``, the next (bigger) variant of an escalating workload.

    A contender that failed or disagreed is not tried on bigger sizes; neither is one whose
    run took longer than ``skip_after`` seconds, or whose next run, scaled linearly from this
    one, would take longer than ``max_run`` seconds.
    """
    if not workload.escalating:
        return {}
    skips = {}
    growth = next_case.units / max(result.units, 1)
    for name, m in result.measurements.items():
        if name == BASELINE:
            continue
        if m.status in (FAILED, WRONG):
            skips[name] = f"{m.status} at {result.variant}"
        elif m.status == SKIPPED and " at " in m.note:
            skips[name] = m.note
        elif m.status == OK:
            elapsed = m.median if m.median is not None else m.first
            if elapsed is None:
                continue
            if elapsed > settings.skip_after:
                skips[name] = f"a run at {result.variant} already took {elapsed:.0f} s"
            elif elapsed * growth > settings.max_run:
                skips[name] = (
                    f"predicted {elapsed * growth:.0f} s per run "
                    f"(a run at {result.variant} took {elapsed:.1f} s)"
                )
    return skips


def run_workload(
    workload: Workload,
    contenders: Sequence[Contender],
    settings: Settings,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Run every case of a workload in order, carrying escalation skips forward."""
    results: list[CaseResult] = []
    skip: dict[str, str] = {}
    for case in workload.cases(settings.quick):
        if results:
            skip = {**skip, **escalation_skips(workload, results[-1], case, settings)}
        result = run_case(case, workload, contenders, settings, skip)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
