"""Run one contender in its own subprocess, next to its own NumPy baseline.

Used for PyTorch (its OpenMP pool and NumPy's BLAS pool should not share a process) and
for every contender of a workload marked ``isolate`` (the deep scalar chain, whose graphs
can take gigabytes or crash an engine).  The subprocess pins its threads, runs the same
harness on ``[numpy, contender]`` and prints one ``RESULT <json>`` line per case as soon as
the case is done, so cases finished before a crash are kept.

The worker side is ``python -m benchmarks.isolation`` reading a JSON request on stdin.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from .contenders import BASELINE, Contender
from .harness import FAILED, SKIPPED, CaseResult, Measurement, Settings
from .workloads.base import Workload

PREFIX = "RESULT "
TIMEOUT = 3600.0


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run_isolated(
    workload: Workload,
    contender: Contender,
    settings: Settings,
    on_result: Callable[[CaseResult], None] | None = None,
) -> dict[str, Measurement]:
    """Measure ``contender`` on every case of ``workload`` in a fresh subprocess.

    Returns the contender's measurement per case key, marked ``isolated``; cases the
    subprocess never reported (it crashed or timed out) come back FAILED, or skipped after
    the first failure of an escalating workload.
    """
    request = {
        "workload": workload.name,
        "contender": contender.name,
        "settings": dataclasses.asdict(settings),
    }
    command = [sys.executable, "-m", "benchmarks.isolation"]
    found: dict[str, Measurement] = {}
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request))
        process.stdin.close()
        for line in process.stdout:
            if not line.startswith(PREFIX):
                continue
            result = CaseResult.from_json(json.loads(line[len(PREFIX) :]))
            measurement = result.measurements[contender.name]
            measurement.isolated = True
            found[result.key] = measurement
            if on_result is not None:
                on_result(result)
        try:
            code = process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    missing_note = f"subprocess {_describe_exit(code)}"
    failed_once = False
    for case in workload.cases(settings.quick):
        if case.key in found:
            continue
        if failed_once and workload.escalating:
            found[case.key] = Measurement(contender.name, SKIPPED, f"after: {missing_note}")
        else:
            found[case.key] = Measurement(contender.name, FAILED, missing_note)
            failed_once = True
        found[case.key].isolated = True
    return found


def _worker(request: dict[str, Any]) -> None:
    """Subprocess side: pin threads, run the harness, print results line by line."""
    from .machine import pin_threads

    pin_threads()
    from .contenders import CONTENDERS
    from .harness import run_workload
    from .workloads import WORKLOADS

    name = request["contender"]
    if name == "torch":
        try:
            import torch

            torch.set_num_threads(1)
            torch.set_num_interop_threads(1)
        except ImportError:
            pass
    settings = Settings(**request["settings"])
    contenders = [CONTENDERS[BASELINE], CONTENDERS[name]]

    def emit(result: CaseResult) -> None:
        print(PREFIX + json.dumps(result.to_json()), flush=True)

    run_workload(WORKLOADS[request["workload"]], contenders, settings, on_result=emit)


if __name__ == "__main__":
    from .machine import set_thread_env

    set_thread_env()
    _worker(json.loads(sys.stdin.read()))
