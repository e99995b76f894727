"""Thread pinning and the description of the machine printed next to the results."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from typing import Any

THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

_limiter: Any = None


def set_thread_env() -> None:
    """Ask every BLAS/OpenMP runtime for one thread through the environment.

    Only effective before NumPy is first imported, and inherited by subprocesses; the
    authoritative pin is :func:`pin_threads` (threadpoolctl), which works at run time.
    """
    for name in THREAD_ENV:
        os.environ[name] = "1"


def pin_threads() -> str:
    """Limit every native thread pool of this process to one thread.

    Returns a note for the report: ``"threadpoolctl"`` when the pin is enforced at run time,
    otherwise a warning that only the environment variables were set.
    """
    global _limiter
    set_thread_env()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return (
            "WARNING: threadpoolctl missing; only *_NUM_THREADS=1 set (pip install threadpoolctl)"
        )
    _limiter = threadpool_limits(limits=1)
    return "threadpoolctl threadpool_limits(1)"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or platform's best guess)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_pools() -> list[dict[str, Any]]:
    """The native thread pools threadpoolctl sees (BLAS, OpenMP), with their thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads", "prefix")
    return [{k: pool.get(k) for k in keys} for pool in threadpool_info()]


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages: other work that ran beside the benchmark."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def source_revision() -> str:
    """The repository's commit, with ``+changes`` when autograd_lite/ or nn/ differ from it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "autograd_lite", "nn"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + (" +changes" if dirty else "")


def describe(pin_note: str) -> dict[str, Any]:
    """Machine and version facts for the report header and the JSON file."""
    import numpy as np

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "thread_pinning": pin_note,
        "thread_pools": blas_pools(),
        "load_average_before": load_average(),
        "revision": source_revision(),
    }


def blas_summary(pools: list[dict[str, Any]]) -> str:
    """One line such as ``openblas 0.3.31 (Haswell), 1 thread``."""
    blas = [p for p in pools if p.get("user_api") == "blas"]
    if not blas:
        return "unknown (threadpoolctl missing?)"
    parts = []
    for p in blas:
        arch = f" ({p['architecture']})" if p.get("architecture") else ""
        threads = p.get("num_threads")
        parts.append(f"{p['internal_api']} {p.get('version') or ''}{arch}, {threads} thread(s)")
    return "; ".join(parts)
