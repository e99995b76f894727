"""`profile()`: where a model spends its time, op type by op type.

    with autograd_lite.profile() as prof:
        loss = loss_fn(model(X), Y)
        loss.backward()
    print(prof)

For each op type it counts forward calls and backward partial derivatives, the time spent in
each, and the bytes that recorded nodes keep alive for the backward pass (their inputs' arrays
and saved intermediates, each array counted once). Times are measured between consecutive
events (the end of one op to the end of the next), so they include the engine's bookkeeping
and any Python code the user runs between two ops: profile the model, not the data loading.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.grad_mode import _count_extras, state


@dataclass
class OpStats:
    """Totals for one op type."""

    forward_calls: int = 0
    forward_seconds: float = 0.0
    backward_calls: int = 0
    backward_seconds: float = 0.0
    saved_bytes: int = 0


class profile:
    """Context manager that collects `OpStats` per op type in this thread (see module doc)."""

    def __init__(self) -> None:
        self.stats: dict[str, OpStats] = {}
        self._seen_arrays: set[int] = set()
        self._keep_alive: list[np.ndarray] = []  # so ids of counted arrays stay unique
        self._clock = 0.0
        self._previous: Any = None

    def __enter__(self) -> profile:
        if state.profiler is not None:
            raise RuntimeError("profile: profiles cannot be nested in one thread")
        self._previous = state.profiler
        state.profiler = self
        _count_extras(1)
        self._clock = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        state.profiler = self._previous
        _count_extras(-1)
        self._keep_alive.clear()

    def _stats(self, name: str) -> OpStats:
        stats = self.stats.get(name)
        if stats is None:
            stats = self.stats[name] = OpStats()
        return stats

    def _lap(self) -> float:
        now = time.perf_counter()
        elapsed, self._clock = now - self._clock, now
        return elapsed

    # Hooks called by ops._core.record and the engine.
    def on_forward(self, op: Any, result: Any) -> None:
        stats = self._stats(op.name)
        stats.forward_calls += 1
        stats.forward_seconds += self._lap()
        node = graph.node(result)
        if not node.is_leaf:  # recorded: its inputs and saved arrays stay alive
            arrays = [parent.data for parent in node.inputs]
            arrays += [v for v in node.saved.values() if isinstance(v, np.ndarray)]
            for array in arrays:
                if id(array) not in self._seen_arrays:
                    self._seen_arrays.add(id(array))
                    self._keep_alive.append(array)
                    stats.saved_bytes += array.nbytes

    def on_replay(self, name: str, phase: str, seconds: float) -> None:
        """An op replayed by autograd_lite.compile (no node is made for it): `seconds` of its
        "forward" or "backward" phase, measured by the replay itself."""
        stats = self._stats(name)
        if phase == "forward":
            stats.forward_calls += 1
            stats.forward_seconds += seconds
        else:
            stats.backward_calls += 1
            stats.backward_seconds += seconds
        self._clock = time.perf_counter()

    def on_backward_start(self) -> None:
        self._lap()

    def on_partial(self, tensor: Any, index: int, parent: Any, grad: Any, parent_grad: Any) -> None:
        stats = self._stats(graph.node(tensor).op)
        stats.backward_calls += 1
        stats.backward_seconds += self._lap()

    # Reporting.
    @property
    def total_seconds(self) -> float:
        """Forward plus backward time over all op types."""
        return sum(s.forward_seconds + s.backward_seconds for s in self.stats.values())

    def table(self, sort_by: str = "total") -> str:
        """A text table, one row per op type, sorted by total time (or 'forward', 'backward',
        'calls', 'bytes')."""
        keys = {
            "total": lambda s: s.forward_seconds + s.backward_seconds,
            "forward": lambda s: s.forward_seconds,
            "backward": lambda s: s.backward_seconds,
            "calls": lambda s: s.forward_calls,
            "bytes": lambda s: s.saved_bytes,
        }
        if sort_by not in keys:
            raise ValueError(
                f"profile.table: sort_by must be one of {sorted(keys)}, got {sort_by!r}"
            )
        total = self.total_seconds or 1.0
        header = (
            f"{'op':<34}{'fwd calls':>10}{'fwd ms':>10}{'bwd calls':>10}{'bwd ms':>10}"
            f"{'% time':>8}{'saved MB':>10}"
        )
        lines = [header, "-" * len(header)]
        for name, s in sorted(self.stats.items(), key=lambda item: -keys[sort_by](item[1])):
            share = 100 * (s.forward_seconds + s.backward_seconds) / total
            lines.append(
                f"{name:<34}{s.forward_calls:>10}{s.forward_seconds * 1e3:>10.3f}"
                f"{s.backward_calls:>10}{s.backward_seconds * 1e3:>10.3f}{share:>7.1f}%"
                f"{s.saved_bytes / 1e6:>10.3f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter (`autograd_lite.notebook`)."""
        from autograd_lite.notebook import profile_html

        return profile_html(self)
