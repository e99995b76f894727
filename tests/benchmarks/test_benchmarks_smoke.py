"""Smoke tests of the benchmark harness: it runs, it checks before it times, it reports.

No assertion here is about speed: timings on shared machines are noise for a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.contenders import CONTENDERS
from benchmarks.harness import FAILED, OK, SKIPPED, WRONG, Settings, compare, run_case, run_workload
from benchmarks.workloads.base import Case, Runner, Workload

REPO = Path(__file__).resolve().parents[2]


def _tiny_workload(implementations: dict) -> Workload:
    problem = np.arange(4.0)
    return Workload(
        name="tiny",
        title="tiny",
        description="",
        variants=lambda quick: [""],
        make_case=lambda variant, quick: Case("tiny", variant, problem, "float64"),
        implementations=implementations,
    )


def _doubling(result: np.ndarray) -> Runner:
    return Runner(lambda: 2.0 * result, lambda r: {"grad": r})


def test_compare_accepts_rounding_and_rejects_a_wrong_gradient() -> None:
    reference = {"g": np.array([1.0, -2.0, 3e-9])}
    assert compare(reference, {"g": reference["g"] * (1 + 1e-12)}, 1e-7)[0]
    agree, _, problem = compare(reference, {"g": np.array([1.0, -2.0, 1.0])}, 1e-7)
    assert not agree and "g differs" in problem
    assert not compare(reference, {"g": np.zeros(2)}, 1e-7)[0]


def test_a_contender_that_disagrees_is_reported_wrong_and_never_timed() -> None:
    def wrong(problem: np.ndarray) -> Runner:
        return Runner(lambda: 3.0 * problem, lambda r: {"grad": r})

    workload = _tiny_workload({"numpy": _doubling, "autograd_lite": wrong})
    case = workload.cases(True)[0]
    contenders = [CONTENDERS["numpy"], CONTENDERS["autograd_lite"]]
    result = run_case(case, workload, contenders, Settings.quick_settings())
    measured = result.measurements["autograd_lite"]
    assert measured.status == WRONG
    assert measured.median is None and measured.ratio_median is None
    assert result.measurements["numpy"].ratio_median == pytest.approx(1.0)


def test_a_contender_that_raises_is_reported_failed() -> None:
    def recursing(problem: np.ndarray) -> Runner:
        def step() -> None:
            raise RecursionError("maximum recursion depth exceeded")

        return Runner(step, lambda r: {})

    workload = _tiny_workload({"numpy": _doubling, "autograd_lite": recursing})
    case = workload.cases(True)[0]
    contenders = [CONTENDERS["numpy"], CONTENDERS["autograd_lite"]]
    result = run_case(case, workload, contenders, Settings.quick_settings())
    assert result.measurements["autograd_lite"].status == FAILED
    assert "RecursionError" in result.measurements["autograd_lite"].note


def test_quick_run_checks_gradients_and_reports(tmp_path: Path) -> None:
    json_path, md_path = tmp_path / "out.json", tmp_path / "out.md"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--workloads", "chain,mlp"]
    command += ["--contenders", "autograd_lite", "--json", str(json_path)]
    command += ["--markdown", str(md_path)]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr[-2000:]

    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["contenders"] == ["numpy", "autograd_lite"]
    assert {"cpu", "cores", "python", "numpy", "thread_pools"} <= set(report["machine"])
    keys = [r["key"] for r in report["results"]]
    assert keys == ["chain", "mlp[float32]", "mlp[float64]"]
    for result in report["results"]:
        for name in ("numpy", "autograd_lite"):
            measured = result["measurements"][name]
            assert measured["status"] == OK, (result["key"], measured)
            assert measured["ratio_median"] > 0 and measured["ratio_min"] > 0
            assert measured["samples"]
    assert {t["case"] for t in report["targets"]} == {"chain", "mlp[float32]", "mlp[float64]"}
    assert all(t["verdict"].split()[0] in ("PASS", "MISS") for t in report["targets"])

    markdown = md_path.read_text(encoding="utf-8")
    assert markdown.strip() in done.stdout
    assert "## Performance" in markdown and "| NumPy by hand | autograd_lite |" in markdown
    assert "### Targets" in markdown and "Machine:" in markdown


def test_an_escalating_workload_skips_bigger_sizes_after_a_failure() -> None:
    def numpy_sum(n: int) -> Runner:
        return Runner(lambda: np.ones(n).sum(), lambda r: {"total": np.asarray(r)})

    def broken(n: int) -> Runner:
        def step() -> None:
            raise RecursionError

        return Runner(step, lambda r: {})

    workload = Workload(
        name="growing",
        title="growing",
        description="",
        variants=lambda quick: ["N=10", "N=100"],
        make_case=lambda v, quick: Case("growing", v, int(v[2:]), "float64", int(v[2:]), "link"),
        implementations={"numpy": numpy_sum, "autograd_lite": broken},
        escalating=True,
    )
    contenders = [CONTENDERS["numpy"], CONTENDERS["autograd_lite"]]
    first, second = run_workload(workload, contenders, Settings.quick_settings())
    assert first.measurements["autograd_lite"].status == FAILED
    assert second.measurements["autograd_lite"].status == SKIPPED
    assert "N=10" in second.measurements["autograd_lite"].note


def test_a_missing_optional_contender_is_skipped_with_a_note() -> None:
    missing = replace(CONTENDERS["mygrad"], module="surely_not_an_installed_package")
    assert "not installed" in (missing.reason_to_skip_here() or "")
    workload = _tiny_workload({"numpy": _doubling, "mygrad": _doubling})
    case = workload.cases(True)[0]
    result = run_case(case, workload, [CONTENDERS["numpy"], missing], Settings.quick_settings())
    assert result.measurements["mygrad"].status == SKIPPED
    assert "pip install mygrad" in result.measurements["mygrad"].note
