"""Rich displays for Jupyter: what a notebook shows for a Tensor, a profile, a gradcheck report
and a training History (`_repr_html_`), built here as small, self-contained HTML.

* a Tensor: shape, dtype, requires_grad, the op that made it (or "leaf"), its name, ‖grad‖
  when it holds a gradient, and a preview of its values (NumPy's summary for large arrays);
* a profile: the per-op table of `profile.table`, as an HTML table;
* a gradcheck report: PASS/FAIL, then one row per input with the course's verdict, coloured;
* a History: the cost per epoch (and the dev cost) as an inline SVG line chart, drawn here
  without matplotlib, so it shows in any notebook, and the last epoch's figures.

Nothing here imports IPython: Jupyter looks for `_repr_html_` on the object it displays.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.storage import Tensor

_BOX = "font-family: monospace; font-size: 12px; line-height: 1.35;"
_KEY = "color: #666; padding-right: 6px;"
_PASS, _FAIL = "#2e7d32", "#c62828"
CURVE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _facts(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<span style="{_KEY}">{html.escape(key)}</span>{html.escape(value)}&nbsp;&nbsp; '
        for key, value in rows
    )
    return f"<div>{cells}</div>"


def tensor_html(tensor: Tensor) -> str:
    """A Tensor for a notebook: its facts on one line, its values below."""
    node = graph.node(tensor)
    shape = "scalar" if tensor.ndim == 0 else str(tensor.shape)
    rows = [("shape", shape), ("dtype", str(tensor.dtype))]
    rows.append(("requires_grad", str(tensor.requires_grad)))
    if node.is_leaf:
        rows.append(("op", "leaf"))
    else:
        rows.append(("op", node.op + (" (graph freed)" if node.freed else "")))
    if tensor.name:
        rows.append(("name", repr(tensor.name)))
    norm = node.grad_norm
    if norm is not None:
        rows.append(("‖grad‖", f"{norm:.4g}"))
    if node.released:
        values = "values released by backward() (only the graph held them)"
    else:
        values = np.array2string(
            np.asarray(tensor), precision=4, threshold=60, edgeitems=3, separator=", "
        )
    return (
        f'<div style="{_BOX}"><b>Tensor</b> {_facts(rows)}'
        f'<pre style="margin: 2px 0 0;">{html.escape(values)}</pre></div>'
    )


def profile_html(prof: Any) -> str:
    """`profile`'s table as HTML: one row per op type, the slowest first."""
    total = prof.total_seconds or 1.0
    head = ("op", "fwd calls", "fwd ms", "bwd calls", "bwd ms", "% time", "saved MB")
    rows = []
    for name, s in sorted(
        prof.stats.items(), key=lambda item: -(item[1].forward_seconds + item[1].backward_seconds)
    ):
        share = 100 * (s.forward_seconds + s.backward_seconds) / total
        rows.append(
            (
                name,
                f"{s.forward_calls}",
                f"{s.forward_seconds * 1e3:.3f}",
                f"{s.backward_calls}",
                f"{s.backward_seconds * 1e3:.3f}",
                f"{share:.1f}%",
                f"{s.saved_bytes / 1e6:.3f}",
            )
        )
    caption = f"profile: {prof.total_seconds * 1e3:.2f} ms over {len(rows)} op types"
    return _table(caption, head, rows)


def gradcheck_html(report: Any) -> str:
    """A gradcheck report: the verdict, then a row per input (green when it passes)."""
    if not report.deterministic:
        body = html.escape(report.nondeterminism or "")
        return f'<div style="{_BOX}"><b style="color: {_FAIL}">NOT CHECKED</b>: {body}</div>'
    status = "PASS" if report.passed else "FAIL"
    colour = _PASS if report.passed else _FAIL
    head = ("input", "shape", "rel. error", "verdict", "worst at", "backward", "numeric")
    rows = []
    colours = []
    for check in report.inputs:
        rows.append(
            (
                check.name,
                str(check.shape),
                f"{check.relative_error:.2e}",
                check.verdict,
                str(check.worst_index),
                f"{check.worst_analytic:.8g}",
                f"{check.worst_numeric:.8g}",
            )
        )
        colours.append(_PASS if check.passed else _FAIL)
    caption = (
        f'gradcheck <b style="color: {colour}">{status}</b>: backward vs central differences '
        f"(eps={report.eps:g}; an element passes when |backward − numeric| ≤ "
        f"{report.atol:g} + {report.rtol:g}·|numeric|)"
    )
    return _table(caption, head, rows, colours, escape_caption=False)


def _table(
    caption: str,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    colours: Sequence[str] | None = None,
    escape_caption: bool = True,
) -> str:
    cell = "padding: 1px 8px; text-align: right; border-bottom: 1px solid #eee;"
    first = "padding: 1px 8px; text-align: left; border-bottom: 1px solid #eee;"
    header = "".join(
        f'<th style="{first if k == 0 else cell}">{html.escape(h)}</th>' for k, h in enumerate(head)
    )
    body = []
    for i, row in enumerate(rows):
        colour = f" color: {colours[i]};" if colours else ""
        cells = "".join(
            f'<td style="{(first if k == 0 else cell) + colour}">{html.escape(value)}</td>'
            for k, value in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    text = html.escape(caption) if escape_caption else caption
    return (
        f'<div style="{_BOX}"><div style="margin-bottom: 3px;">{text}</div>'
        f'<table style="border-collapse: collapse;"><tr>{header}</tr>{"".join(body)}</table>'
        "</div>"
    )


# ---------------------------------------------------------------------------------------------
# Curves


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round numbers spanning [low, high]."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + k * step for k in range(int((high - first) / step + 1e-9) + 1)]


def curves_svg(
    curves: Mapping[str, Sequence[float]],
    title: str = "cost per epoch",
    xlabel: str = "epoch",
    ylabel: str = "cost",
    width: int = 440,
    height: int = 250,
) -> str:
    """An SVG line chart of each named curve against its index (epochs from 1), with axes,
    ticks and a legend; non-finite values leave a gap."""
    left, right, top, bottom = 52, 12, 26, 38
    series = {name: np.asarray(values, dtype=np.float64) for name, values in curves.items()}
    finite = np.concatenate([v[np.isfinite(v)] for v in series.values()] + [np.empty(0)])
    n = max((len(v) for v in series.values()), default=0)
    if finite.size == 0 or n == 0:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40">'
            f'<text x="4" y="24" font-size="12">{html.escape(title)}: no finite values</text>'
            "</svg>"
        )
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-12 * max(1.0, abs(high)):
        low, high = low - 0.5, high + 0.5
    pad = 0.05 * (high - low)
    low, high = low - pad, high + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i: float) -> float:
        return left + (plot_w * (i - 1) / (n - 1) if n > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<text x="{left}" y="15" font-size="12" font-weight="bold">{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
    ]
    for tick in _ticks(low, high):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:.3g}</text>'
        )
    for tick in _ticks(1, n) if n > 1 else [1]:
        if float(tick).is_integer():
            x = x_of(tick)
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{tick:g}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">'
        f"{html.escape(xlabel)}</text>"
        f'<text transform="translate(12 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        f"{html.escape(ylabel)}</text>"
    )
    for k, (name, values) in enumerate(series.items()):
        colour = CURVE_COLOURS[k % len(CURVE_COLOURS)]
        pieces, current = [], []
        for i, value in enumerate(values, start=1):
            if math.isfinite(value):
                current.append(f"{x_of(i):.1f},{y_of(value):.1f}")
            elif current:
                pieces.append(current)
                current = []
        if current:
            pieces.append(current)
        for piece in pieces:
            if len(piece) == 1:
                x, y = piece[0].split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline points="{" ".join(piece)}" fill="none" stroke="{colour}" '
                    'stroke-width="1.5"/>'
                )
        legend_y = top + 12 + 14 * k
        parts.append(
            f'<line x1="{left + plot_w - 90}" x2="{left + plot_w - 72}" y1="{legend_y - 4}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left + plot_w - 68}" y="{legend_y}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def history_html(history: Any) -> str:
    """A training History: the cost curves (train, and dev when measured) and the last
    epoch's figures."""
    curves = {"train": history.train_loss}
    if history.dev_loss:
        curves["dev"] = history.dev_loss
    chart = curves_svg(curves)
    facts = [("epochs", str(history.epochs))]
    facts += [(key, value) for key, value in history.latest().items()]
    if history.lr:
        facts.append(("lr", f"{history.lr[-1]:.4g}"))
    if history.stopped_early:
        facts.append(("stopped early", f"best epoch {history.best_epoch}"))
    return f'<div style="{_BOX}"><b>History</b> {_facts(facts)}{chart}</div>'
