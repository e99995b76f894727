"""Regenerate the pictures the README shows, into docs/ (``make docs``).

    docs/decision_boundary.png   the demo's planar model after 10,000 epochs (needs matplotlib)
    docs/graph.svg               the demo model's graph with gradient norms (needs Graphviz's dot)
    docs/graph_J.svg             J = 3(a + bc) after backward: values and gradients on every node
    docs/stepper.html            the backward-pass stepper for J = 3(a + bc) (save_html)
    docs/stepper.png             a screenshot of it at dJ/db (needs chromium and selenium)

Everything is seeded, so re-running this changes the files only when the code changes.

Run: ``python examples/make_docs_pictures.py [--quick] [--out DIR]`` (default ``docs/``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import demo
from cli import parse_options
from computation_graph import lecture_graph, write_drawing
from figures import CHROMIUM_MISSING, screenshot

import autograd_lite as ag

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(quick: bool = False, out_dir: str | Path = DOCS) -> list[Path]:
    """Write the README's pictures into ``out_dir``; return the paths written."""
    out = Path(out_dir)
    written = list(demo.main(quick=quick, out_dir=out, panel_width=5.0)["files"])
    *_, J = lecture_graph()
    ag.retain_grads(J)
    J.backward()
    written.append(write_drawing(J, out / "graph_J.svg", show_values=True))
    *_, J = lecture_graph()
    page = ag.save_html(J, out / "stepper.html")  # runs J's backward pass, narrated
    written.append(page)
    picture = screenshot(page, out / "stepper.png", clicks=4, size=(980, 620))  # at dJ/db
    if picture:
        written.append(picture)
    else:
        print(CHROMIUM_MISSING)
    print("\nREADME pictures: " + ", ".join(str(p) for p in written))
    return written


if __name__ == "__main__":
    argv = sys.argv[1:]
    if not any(a == "--out" or a.startswith("--out=") for a in argv):
        argv += ["--out", str(DOCS)]
    options = parse_options(__doc__, argv)
    main(quick=options.quick, out_dir=options.out_dir)
