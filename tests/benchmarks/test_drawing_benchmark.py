"""Smoke test of `python -m benchmarks.drawing`: it builds each case and reports a table. No
assertion about speed (timings on shared machines are noise for a test)."""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks import drawing

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz `dot` not installed",
)


@needs_dot
def test_the_drawing_benchmark_runs_and_reports_every_case_it_was_asked_for(capsys):
    rows = drawing.main(["--cases", "docs_record,fan_in_record", "--repeat", "1"])
    assert [row["case"] for row in rows] == ["fan_in_record", "docs_record"]
    assert all(row["status"] == "ok" and row["dot_s"] is not None for row in rows)
    assert "| fan_in_record |" in capsys.readouterr().out


def test_unknown_cases_are_named():
    with pytest.raises(SystemExit, match="unknown cases"):
        drawing.main(["--cases", "nope"])
