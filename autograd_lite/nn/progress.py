"""How `fit` shows its progress, wherever it runs.

* in a terminal: a tqdm bar on stderr, with the last epoch's loss and accuracy;
* in Jupyter: tqdm's notebook bar (`tqdm.auto`: a widget when ipywidgets is installed, the text
  bar otherwise);
* anywhere else (output redirected to a log file, CI): plain lines on stderr, one when at least
  `LINE_EVERY` seconds have passed since the last and one at the end, so a long run in a log
  shows it is alive without a carriage-return bar filling the file::

      fit: epoch 12/100 (12%)  loss 0.4132  acc 0.81  3.1 s
      fit: done, 100 epochs in 24.8 s  loss 0.1035  acc 0.96

* with ``verbose=False``: nothing.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

LINE_EVERY = 5.0  # seconds between two plain progress lines


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), where tqdm.auto draws a notebook
    bar; False in a terminal, a plain IPython console or a script."""
    if "ipykernel.zmqshell" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Progress:
    """Reports one epoch at a time: ``with reporter(...) as report: report(epoch, history)``.
    The base class says nothing (verbose=False)."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(finished=kind is None)

    def __call__(self, epoch: int, history: Any) -> None:
        """Epoch `epoch` (from 0) is done and measured in `history`."""

    def close(self, finished: bool) -> None:
        """Training ended (`finished`: without an exception)."""


class BarProgress(Progress):
    """A tqdm bar: the terminal one, or tqdm.auto's notebook bar."""

    def __init__(self, epochs: int, stream: TextIO, notebook: bool) -> None:
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        options: dict[str, Any] = {"total": epochs, "desc": "fit", "unit": "epoch"}
        if not notebook:
            options["file"] = stream
        self.bar = tqdm(**options)

    def __call__(self, epoch: int, history: Any) -> None:
        self.bar.set_postfix(history.latest(), refresh=False)
        self.bar.update(1)

    def close(self, finished: bool) -> None:
        self.bar.close()


class LineProgress(Progress):
    """Plain lines for logs: at most one per `every` seconds, and one at the end."""

    def __init__(self, epochs: int, stream: TextIO, every: float) -> None:
        self.epochs, self.stream, self.every = epochs, stream, every
        self.started = self.last = time.perf_counter()
        self.done = 0
        self.history: Any = None

    def _figures(self) -> str:
        latest = self.history.latest() if self.history is not None else {}
        return "".join(f"  {name} {value}" for name, value in latest.items())

    def __call__(self, epoch: int, history: Any) -> None:
        self.done, self.history = epoch + 1, history
        now = time.perf_counter()
        if now - self.last >= self.every and self.done < self.epochs:
            self.last = now
            share = 100 * self.done // self.epochs
            self._say(
                f"fit: epoch {self.done}/{self.epochs} ({share}%){self._figures()}  "
                f"{now - self.started:.1f} s"
            )

    def close(self, finished: bool) -> None:
        elapsed = time.perf_counter() - self.started
        if self.done == 0:
            return
        how = "done" if finished else "interrupted"
        if finished and self.history is not None and self.history.stopped_early:
            how = "stopped early"
        epochs = "epoch" if self.done == 1 else "epochs"
        self._say(f"fit: {how}, {self.done} {epochs} in {elapsed:.1f} s{self._figures()}")

    def _say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def reporter(epochs: int, verbose: bool, stream: TextIO | None = None) -> Progress:
    """The progress display that fits where `fit` runs (see the module docstring)."""
    if not verbose:
        return Progress()
    stream = sys.stderr if stream is None else stream
    if in_notebook():
        return BarProgress(epochs, stream, notebook=True)
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return BarProgress(epochs, stream, notebook=False)
    return LineProgress(epochs, stream, LINE_EVERY)
