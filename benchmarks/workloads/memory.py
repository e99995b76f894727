"""Workload 5: peak memory of one MLP training step at batch 4096, float32.

Each contender runs in a fresh subprocess (``benchmarks.memory_probe``), one process per
repetition.  The headline figure is the RSS high-water mark (``resource.getrusage``'s
``ru_maxrss``, after resetting it through ``/proc/self/clear_refs``) minus the RSS just
before the step, with glibc's mmap threshold fixed so that freed arrays leave the RSS.  The
tracemalloc peak (NumPy allocations only) is reported next to it.  Before its memory is
counted, each contender's first-step gradients are compared with NumPy's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..contenders import BASELINE, Contender
from ..harness import (
    FAILED,
    NOT_APPLICABLE,
    OK,
    SKIPPED,
    WRONG,
    CaseResult,
    Measurement,
    Settings,
    compare,
    set_ratios,
)
from .base import Outputs
from .mlp import IMPLEMENTATIONS

BATCH = 4096
DTYPE = "float32"
# float32 gradients summed over 4096 rows: NumPy's own row-by-row sums are off by ~1e-3 of
# the largest entry (PyTorch's are closer to the float64 truth), so the check is looser here.
RTOL = 2e-3
NAME = "memory"
TITLE = "peak memory, MLP step, batch 4096 float32"
PROBE_TIMEOUT = 600.0


def probe(contender: str, folder: str, index: int) -> tuple[dict[str, Any], Outputs]:
    """Run one probe subprocess; returns its JSON report and its first-step outputs."""
    out_path = os.path.join(folder, f"{contender}-{index}.npz")
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    command = [sys.executable, "-m", "benchmarks.memory_probe", contender]
    command += [str(BATCH), DTYPE, out_path]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=PROBE_TIMEOUT,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        raise RuntimeError(lines[-1][:160])
    report = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(out_path) as archive:
        outputs = {k: archive[k] for k in archive.files}
    return report, outputs


def measure(
    contender: Contender, repeats: int, folder: str, reference: Outputs | None
) -> tuple[Measurement, Outputs | None]:
    """Probe one contender ``repeats`` times; returns its Measurement and its outputs."""
    name = contender.name
    if name not in IMPLEMENTATIONS:
        return Measurement(name, NOT_APPLICABLE, "no MLP implementation"), None
    if name != BASELINE:
        reason = contender.reason_to_skip_here()
        if reason:
            return Measurement(name, SKIPPED, reason), None
    peaks, traced, outputs = [], [], None
    try:
        for index in range(repeats):
            report, outputs = probe(name, folder, index)
            peaks.append(float(report["rss_peak_bytes"]))
            traced.append(report["tracemalloc_peak_bytes"])
    except Exception as exc:
        return Measurement(name, FAILED, f"{type(exc).__name__}: {exc}"), None
    note = f"tracemalloc peak {statistics.median(traced) / 2**20:.1f} MiB"
    if not report["peak_was_reset"]:
        note += "; could not reset the RSS peak, figure may be low"
    m = Measurement(name, OK, note, samples=peaks, isolated=True)
    m.median, m.minimum, m.first = statistics.median(peaks), min(peaks), peaks[0]
    if reference is not None and outputs is not None:
        agree, error, problem = compare(reference, outputs, RTOL)
        m.max_error = error
        if not agree:
            m.status, m.note = WRONG, problem
            m.median = m.minimum = None
    return m, outputs


def run(contenders: Sequence[Contender], settings: Settings) -> CaseResult:
    """Probe every contender, NumPy first; ratios are peak bytes over NumPy's."""
    repeats = 1 if settings.quick else 3
    measurements: dict[str, Measurement] = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        reference = None
        for contender in contenders:
            m, outputs = measure(contender, repeats, folder, reference)
            if contender.name == BASELINE:
                if m.status != OK:
                    raise RuntimeError(f"NumPy memory probe failed: {m.note}")
                reference = outputs
                m.max_error = 0.0
            measurements[contender.name] = m
    set_ratios(measurements)
    return CaseResult(NAME, "", NAME, DTYPE, 1, "step", measurements, quantity="bytes")
