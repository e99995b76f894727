"""cProfile one contender on one benchmark case, to see where its time goes.

    python -m benchmarks.profiling chain
    python -m benchmarks.profiling mlp[float64] --contender autograd_lite.nn --repeat 20
    python -m benchmarks.profiling "scalar_chain[N=100000]" --sort cumulative --top 40

The step is run once untimed (warm-up, and the agreement check against NumPy), then
``--repeat`` times under cProfile; the table lists the functions with the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Sequence

from .workloads.base import Case, Workload


def find_case(key: str, quick: bool) -> tuple[Workload, Case]:
    """The workload and case named like the report's keys: ``chain``, ``mlp[float32]``."""
    from .workloads import WORKLOADS

    name, _, variant = key.partition("[")
    variant = variant.rstrip("]")
    workload = WORKLOADS[name]
    if variant and variant not in workload.variants(quick) + workload.variants(False):
        raise SystemExit(f"{name} has variants {workload.variants(False)}")
    if not variant:
        variant = workload.variants(quick)[0]
    return workload, workload.make_case(variant, quick)


def profile(key: str, contender: str, repeat: int, sort: str, top: int) -> str:
    """Profile ``repeat`` steps; returns the pstats table as text."""
    from .harness import compare

    workload, case = find_case(key, quick=False)
    reference_runner = workload.implementations["numpy"](case.problem)
    reference = reference_runner.outputs(reference_runner.step())
    runner = workload.implementations[contender](case.problem)
    rtol = workload.rtol[case.dtype]
    agree, _, problem = compare(reference, runner.outputs(runner.step()), rtol)
    header = f"{contender} on {case.key}: agreement with NumPy {'ok' if agree else problem}\n"
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
    profiler.enable()
    for _ in range(repeat):
        runner.step()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    return header + out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling")
    parser.add_argument("case", help="chain, mlp[float32], mlp[float64], planar, ...")
    parser.add_argument("--contender", default="autograd_lite")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sort", default="tottime", help="a pstats sort key")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    from .machine import pin_threads, set_thread_env

    set_thread_env()
    pin_threads()
    print(profile(args.case, args.contender, args.repeat, args.sort, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
