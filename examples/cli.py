"""The two options every example understands: a quick mode and where to write pictures.

    python examples/planar_classification.py            # the full experiment
    python examples/planar_classification.py --quick    # a few seconds; what the tests run
    AUTOGRAD_LITE_QUICK=1 python examples/...            # the same, through the environment
    python examples/optimizers.py --out pictures/        # PNG / SVG files go there

Quick mode trains for fewer iterations on the same data, so its numbers are a little lower
than the full run's; the test suite asserts they stay in range.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

QUICK_ENV = "AUTOGRAD_LITE_QUICK"
DEFAULT_OUT_DIR = Path("outputs")


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    quick: bool
    out_dir: Path


def quick_from_environment() -> bool:
    """True when AUTOGRAD_LITE_QUICK is set to anything but "", "0", "false" or "no"."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def parse_options(description: str, argv: list[str] | None = None) -> Options:
    """Parse ``--quick`` and ``--out DIR`` (default ``outputs/``, which git ignores)."""
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a short run (also enabled by {QUICK_ENV}=1); the test suite runs this",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="folder for the pictures (default: outputs/)",
    )
    args = parser.parse_args(argv)
    return Options(quick=args.quick or quick_from_environment(), out_dir=args.out)
