"""``python -m benchmarks``: run the workloads, print the Markdown report, write the JSON.

Examples::

    python -m benchmarks                         # everything (several minutes)
    python -m benchmarks --quick                 # smoke test: tiny repeat counts
    python -m benchmarks --workloads chain,mlp --contenders autograd_lite,torch
    python -m benchmarks --list                  # workloads and contenders available here
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .machine import set_thread_env

DEFAULT_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "latest.json")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="autograd_lite vs hand-written NumPy and other autodiff libraries; "
        "every figure is a ratio to NumPy measured in the same run.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny repeat counts (smoke test)")
    parser.add_argument(
        "--workloads",
        default="",
        help="comma-separated: chain, mlp, planar, scalar_chain, memory (default: all)",
    )
    parser.add_argument(
        "--contenders",
        default="",
        help="comma-separated: autograd_lite, autograd_lite.nn (nn), torch, hips_autograd, "
        "mygrad, micrograd (default: all; NumPy is always included)",
    )
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per case")
    parser.add_argument(
        "--skip-after",
        type=float,
        default=None,
        help="scalar chain: skip larger N for a contender once a run took this many seconds "
        "(default 20)",
    )
    parser.add_argument(
        "--max-run",
        type=float,
        default=None,
        help="scalar chain: skip an N whose run is predicted to take longer (default 120 s)",
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: process CPU time, robust to other load on the machine (default); "
        "wall: perf_counter",
    )
    parser.add_argument("--json", default=DEFAULT_JSON, help="where to write the JSON results")
    parser.add_argument("--no-json", action="store_true", help="do not write JSON")
    parser.add_argument("--markdown", default=None, help="also write the Markdown table here")
    parser.add_argument("--list", action="store_true", help="list workloads and contenders")
    return parser.parse_args(argv)


def split(text: str) -> list[str]:
    """``"a, b"`` → ``["a", "b"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def list_everything() -> None:
    """Print the workloads and whether each contender can run here."""
    from .contenders import CONTENDERS
    from .orchestrate import WORKLOAD_NAMES

    print("workloads:", ", ".join(WORKLOAD_NAMES))
    for contender in CONTENDERS.values():
        reason = contender.reason_to_skip_here()
        state = "available" if reason is None else reason
        print(f"{contender.name:18} {state}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; returns the process exit code."""
    args = parse_args(argv)
    set_thread_env()  # before NumPy is imported, and inherited by every subprocess
    if args.list:
        list_everything()
        return 0

    from dataclasses import replace

    from .contenders import CONTENDERS, resolve
    from .harness import Settings
    from .machine import describe, load_average, pin_threads
    from .orchestrate import WORKLOAD_NAMES, log, run_all
    from .report import build_report, render_markdown, write_json, write_text
    from .workloads import WORKLOADS, memory

    pin_note = pin_threads()
    settings = Settings.quick_settings() if args.quick else Settings.full()
    if args.rounds:
        settings = replace(
            settings, rounds=args.rounds, min_rounds=min(settings.min_rounds, args.rounds)
        )
    if args.skip_after:
        settings = replace(settings, skip_after=args.skip_after)
    if args.max_run:
        settings = replace(settings, max_run=args.max_run)
    settings = replace(settings, clock=args.clock)
    names = split(args.workloads) or list(WORKLOAD_NAMES)
    unknown = [n for n in names if n not in WORKLOAD_NAMES]
    if unknown:
        print(f"unknown workload(s) {unknown}; known: {', '.join(WORKLOAD_NAMES)}", file=sys.stderr)
        return 2
    try:
        contenders = resolve(split(args.contenders) or list(CONTENDERS))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2

    log(f"benchmarks: {', '.join(names)} × {', '.join(c.name for c in contenders)}")
    results = run_all(names, contenders, settings)
    titles = {name: w.title for name, w in WORKLOADS.items()} | {memory.NAME: memory.TITLE}
    command = ["python", "-m", "benchmarks", *(argv if argv is not None else sys.argv[1:])]
    machine = describe(pin_note)
    machine["load_average_after"] = load_average()
    report = build_report(machine, settings, contenders, titles, results, command)
    markdown = render_markdown(report, results)
    print(markdown)
    if not args.no_json:
        write_json(args.json, report)
        log(f"JSON written to {args.json}")
    if args.markdown:
        write_text(args.markdown, markdown)
        log(f"Markdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
