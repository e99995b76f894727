"""Peak memory of one MLP training step, measured inside a fresh process.

``python -m benchmarks.memory_probe CONTENDER BATCH DTYPE OUT.npz`` builds the 784-256-256-10
MLP step of ``workloads.mlp`` for one contender and

1. runs one warm-up step and saves its outputs (loss and gradients) to ``OUT.npz`` for the
   parent's agreement check;
2. resets the kernel's RSS high-water mark (writing ``5`` to ``/proc/self/clear_refs``),
   reads the current RSS, runs one more step, and reports ``ru_maxrss`` (from
   ``resource.getrusage``) minus that RSS: the extra resident memory the step needed;
3. runs a third step under ``tracemalloc`` and reports its traced peak above the traced
   memory before it.  NumPy reports its array buffers to tracemalloc, so this counts
   NumPy-backed engines exactly; PyTorch's own allocator is invisible to it.

The parent starts the probe with ``MALLOC_MMAP_THRESHOLD_`` fixed at 64 KiB, so glibc
serves every large array with its own mmap and returns it on free: the RSS then follows the
live arrays instead of the allocator's caching, for every contender alike.  The result is
one JSON line on stdout.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import tracemalloc


def reset_peak_rss() -> bool:
    """Reset the high-water mark behind ``ru_maxrss`` (Linux ≥ 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def current_rss_kib() -> int:
    """Resident set size now, in KiB (from /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(argv: list[str]) -> None:
    """Probe one contender; see the module docstring."""
    contender, batch, dtype, out_path = argv[0], int(argv[1]), argv[2], argv[3]
    from .machine import pin_threads

    pin_threads()
    if contender == "torch":
        import torch

        torch.set_num_threads(1)
    import numpy as np

    from .workloads.mlp import IMPLEMENTATIONS, make_problem

    runner = IMPLEMENTATIONS[contender](make_problem(batch, dtype))
    result = runner.step()
    np.savez(out_path, **runner.outputs(result))
    del result
    gc.collect()

    was_reset = reset_peak_rss()
    before = current_rss_kib()
    runner.step()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    gc.collect()

    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    runner.step()
    traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
    tracemalloc.stop()

    report = {
        "rss_peak_bytes": rss_peak * 1024,
        "rss_before_bytes": before * 1024,
        "peak_was_reset": was_reset,
        "tracemalloc_peak_bytes": traced_peak,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
