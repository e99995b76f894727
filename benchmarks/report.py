"""Targets, the Markdown report and the JSON file.

The headline is always a ratio to hand-written NumPy from the same run.  Absolute figures
appear once, in a small reference table of NumPy's own times, for context.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .contenders import BASELINE, CONTENDERS, Contender
from .harness import OK, CaseResult, Settings
from .machine import blas_summary

ENGINE_ROWS = ("autograd_lite", "autograd_lite.nn")
COMPILED_ROWS = ("autograd_lite.compile", "autograd_lite.nn.compile")
LINEAR_GROWTH_LIMIT = 2.0


@dataclass(frozen=True)
class Target:
    """A goal for autograd_lite's median ratio on one case, from one issue, for the eager
    contenders (`ENGINE_ROWS`) unless it names others."""

    case: str
    goal: float
    source: str
    label: str
    contenders: tuple[str, ...] = ENGINE_ROWS


TARGETS = (
    Target("chain", 4.0, "issue 2", "elementwise chain"),
    Target("chain", 3.0, "issue 6", "elementwise chain"),
    Target("mlp[float32]", 1.15, "issue 2", "MLP step float32"),
    Target("mlp[float32]", 1.10, "issue 6", "MLP step float32"),
    Target("mlp[float64]", 1.15, "issue 2", "MLP step float64"),
    Target("mlp[float64]", 1.10, "issue 6", "MLP step float64"),
    Target("planar", 4.0, "issue 6", "planar model"),
    Target("scalar_chain[N=100000]", 30.0, "issue 6", "scalar chain N=10⁵"),
    Target("memory", 1.2, "issue 6", "peak memory, MLP step"),
    Target("planar", 1.5, "issue 15", "planar model through nn", ("autograd_lite.nn.compile",)),
    Target("chain", 1.5, "issue 15", "elementwise chain", ("autograd_lite.compile",)),
    Target("mlp[float32]", 1.03, "issue 15", "MLP step float32", COMPILED_ROWS),
    Target("mlp[float64]", 1.03, "issue 15", "MLP step float64", COMPILED_ROWS),
    Target(
        "scalar_chain[N=100000]", 5.0, "issue 15", "scalar chain N=10⁵", ("autograd_lite.compile",)
    ),
    Target("memory", 1.0, "issue 15", "peak memory, MLP step", COMPILED_ROWS),
)


def ratio_text(ratio: float | None, digits: int = 2) -> str:
    """``3.14×``, ``31.4×`` or ``314×`` (``digits`` decimals below 10×)."""
    if ratio is None:
        return "–"
    if ratio < 10:
        return f"{ratio:.{digits}f}×"
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"


def evaluate_targets(results: Sequence[CaseResult]) -> list[dict[str, Any]]:
    """Each target against autograd_lite and its nn, PASS/MISS; cases not run are left out."""
    by_key = {r.key: r for r in results}
    rows = []
    for target in TARGETS:
        result = by_key.get(target.case)
        if result is None:
            continue
        for name in target.contenders:
            m = result.measurements.get(name)
            if m is None or m.status == "n/a":
                continue
            if m.status == OK and m.ratio_median is not None:
                verdict = "PASS" if m.ratio_median <= target.goal else "MISS"
            else:
                verdict = f"MISS ({m.status})"
            rows.append(
                {
                    "contender": name,
                    "target": target.label,
                    "case": target.case,
                    "source": target.source,
                    "goal": target.goal,
                    "ratio_median": m.ratio_median,
                    "ratio_min": m.ratio_min,
                    "verdict": verdict,
                }
            )
    rows.extend(linearity_rows(results))
    return rows


def linearity_rows(results: Sequence[CaseResult]) -> list[dict[str, Any]]:
    """Issue 6's "N = 10⁶ runs in linear time": per-link cost at the largest N over the smallest.

    PASS when that growth factor is at most ``LINEAR_GROWTH_LIMIT`` (2×).
    """
    chain = [r for r in results if r.workload == "scalar_chain"]
    if len(chain) < 2:
        return []
    chain.sort(key=lambda r: r.units)
    smallest, largest = chain[0], chain[-1]
    rows = []
    for name in ENGINE_ROWS:
        low, high = smallest.measurements.get(name), largest.measurements.get(name)
        if low is None or high is None or low.status == "n/a":
            continue
        growth = None
        if low.median and high.median and high.status == OK:
            growth = (high.median / largest.units) / (low.median / smallest.units)
        verdict = "MISS" if growth is None else "PASS" if growth <= LINEAR_GROWTH_LIMIT else "MISS"
        if growth is None:
            verdict += f" ({high.status})"
        rows.append(
            {
                "contender": name,
                "target": f"scalar chain linear: cost per link at {largest.variant} "
                f"÷ at {smallest.variant}",
                "case": largest.key,
                "source": "issue 6",
                "goal": LINEAR_GROWTH_LIMIT,
                "ratio_median": growth,
                "ratio_min": None,
                "verdict": verdict,
            }
        )
    return rows


def cell(result: CaseResult, name: str) -> str:
    """A table cell: ``median× [min×]``, marked † when measured in its own subprocess."""
    m = result.measurements.get(name)
    if m is None:
        return ""
    if m.status != OK:
        return m.status
    mark = " †" if m.isolated and name != BASELINE else ""
    if name == BASELINE:
        return "1.00×"
    return f"{ratio_text(m.ratio_median)} [{ratio_text(m.ratio_min)}]{mark}"


def case_title(result: CaseResult, titles: dict[str, str]) -> str:
    """Row label, e.g. ``MLP … batch 256 (float32)``."""
    title = titles.get(result.workload, result.workload)
    return f"{title} ({result.variant})" if result.variant else title


def absolute_text(result: CaseResult) -> str:
    """NumPy's own median figure per unit, for the reference table."""
    m = result.measurements[BASELINE]
    if m.median is None:
        return "–"
    if result.quantity == "bytes":
        return f"{m.median / 2**20:.1f} MiB above the RSS before the step"
    per_unit = m.median / result.units
    if per_unit < 1e-3:
        return f"{per_unit * 1e6:.2f} µs per {result.unit}"
    return f"{per_unit * 1e3:.2f} ms per {result.unit}"


def notes(results: Sequence[CaseResult], names: Sequence[str]) -> list[str]:
    """One line per distinct (contender, status, reason) that is not a plain OK."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for result in results:
        for name in names:
            m = result.measurements.get(name)
            if m is None or (m.status == OK and not m.note) or name == BASELINE:
                continue
            if m.status == OK and result.quantity == "bytes":
                continue  # memory notes are in the memory table
            seen.setdefault((name, m.status, m.note), []).append(result.key)
    lines = []
    for (name, status, note), keys in seen.items():
        label = CONTENDERS[name].label if name in CONTENDERS else name
        lines.append(f"- {label}, {', '.join(keys)}: {status}" + (f": {note}" if note else ""))
    return lines


CLOCKS = {"cpu": "process CPU time", "wall": "wall-clock time"}


def load_text(machine: dict[str, Any]) -> str:
    """``0.5 / 3.1``: the 1-minute load average before and after the run."""
    before, after = machine.get("load_average_before"), machine.get("load_average_after")
    return " / ".join(f"{x[0]:.1f}" if x else "?" for x in (before, after))


def busy(machine: dict[str, Any]) -> bool:
    """Did other processes load the machine: a 1-minute load average above half the cores
    before the run, or after it (less the one the benchmark itself adds)?"""
    before, after = machine.get("load_average_before"), machine.get("load_average_after")
    others = [x for x in (before[0] if before else None, after[0] - 1 if after else None) if x]
    return bool(others) and max(others) > 0.5 * (machine.get("cores") or 1)


def render_markdown(report: dict[str, Any], results: Sequence[CaseResult]) -> str:
    """The whole report as Markdown."""
    machine, names = report["machine"], report["contenders"]
    titles = report["titles"]
    labels = [CONTENDERS[n].label for n in names]
    versions = ", ".join(f"{CONTENDERS[n].label} {v}" for n, v in report["versions"].items())
    s = report["settings"]
    lines = [
        "## Performance",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; {machine['platform']}; "
        f"Python {machine['python']}; NumPy {machine['numpy']}; "
        f"BLAS {blas_summary(machine['thread_pools'])}; "
        f"threads pinned with {machine['thread_pinning']}.",
        f"Versions: {versions}; autograd_lite source at {machine.get('revision', '?')}.",
        f"Settings: {'quick (smoke test, not a measurement)' if s['quick'] else 'full'}; "
        f"up to {s['rounds']} interleaved rounds, samples of at least {s['min_sample']} s "
        f"of {CLOCKS[s['clock']]}, median [min] over rounds, gc.collect() before each sample; "
        f"load average {load_text(machine)} on {machine['cores']} cores (before / after).",
        "",
        "### Ratios to hand-written NumPy in the same run (lower is better)",
        "",
        "| workload | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    if busy(machine):
        at = lines.index("### Ratios to hand-written NumPy in the same run (lower is better)")
        lines[at:at] = [
            f"**The machine was busy** (load average {load_text(machine)} on "
            f"{machine['cores']} cores): other processes shared the CPU, so ratios between "
            "runs can differ by 10-30 %; prefer the medians and compare within one run.",
            "",
        ]
    for result in results:
        row = [case_title(result, titles)] + [cell(result, n) for n in names]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Cells: median ratio [ratio of minima]. † measured in its own subprocess against a "
        "NumPy baseline timed in that subprocess. WRONG: gradients disagree with NumPy's "
        "(never timed). FAILED: raised or crashed. Memory row: peak RSS of one step "
        "(ru_maxrss after a reset, minus RSS before), each contender in a fresh process.",
    ]
    target_rows = report["targets"]
    if target_rows:
        lines += [
            "",
            "### Targets (autograd_lite ratios)",
            "",
            "| contender | target | source | measured median [min] | goal | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for t in target_rows:
            measured = f"{ratio_text(t['ratio_median'], 3)} [{ratio_text(t['ratio_min'], 3)}]"
            lines.append(
                f"| {t['contender']} | {t['target']} | {t['source']} | {measured} "
                f"| ≤ {t['goal']:g}× | {t['verdict']} |"
            )
    note_lines = notes(results, names)
    if note_lines:
        lines += ["", "### Notes", "", *note_lines]
    memory_rows = [r for r in results if r.quantity == "bytes"]
    for result in memory_rows:
        lines += ["", "### Peak memory detail", "", "| contender | RSS peak ratio | tracemalloc |"]
        lines.append("|---|---|---|")
        for name in names:
            m = result.measurements.get(name)
            if m is not None and m.status == OK:
                lines.append(f"| {CONTENDERS[name].label} | {cell(result, name)} | {m.note} |")
    lines += [
        "",
        "### Reference: NumPy baseline (absolute, for context only)",
        "",
        "| workload | NumPy by hand, median |",
        "|---|---|",
    ]
    for result in results:
        lines.append(f"| {case_title(result, titles)} | {absolute_text(result)} |")
    return "\n".join(lines) + "\n"


def build_report(
    machine: dict[str, Any],
    settings: Settings,
    contenders: Sequence[Contender],
    titles: dict[str, str],
    results: Sequence[CaseResult],
    command: Sequence[str],
) -> dict[str, Any]:
    """Everything the JSON file holds."""
    return {
        "machine": machine,
        "settings": asdict(settings),
        "command": list(command),
        "contenders": [c.name for c in contenders],
        "versions": {c.name: c.version() for c in contenders},
        "titles": titles,
        "targets": evaluate_targets(results),
        "results": [r.to_json() for r in results],
    }


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path``, creating its folder."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_json(path: str, report: dict[str, Any]) -> None:
    """The report as indented JSON."""
    write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
