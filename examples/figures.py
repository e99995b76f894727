"""Pictures for the examples: decision boundaries and cost curves as PNG files.

matplotlib is optional (the ``examples`` extra: ``pip install -e '.[examples]'``). Every
function here returns the path it wrote, or None when matplotlib is missing, so an example
runs the same with or without it and only the pictures are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import nn

MATPLOTLIB_MISSING = (
    "matplotlib is not installed, so no PNG was written; get it with "
    "`.venv/bin/pip install -e '.[examples]'` (or `pip install matplotlib`)"
)

Predictor = Callable[[np.ndarray], np.ndarray]


def pyplot() -> Any | None:
    """matplotlib.pyplot on the file-only Agg backend, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def probabilities_of(model: nn.Module, logits: bool = False) -> Predictor:
    """A function points (k, 2) -> P(class 1) of shape (k,), running ``model`` in eval mode
    without recording a graph. ``logits=True`` for a model without its final sigmoid."""

    def predict(points: np.ndarray) -> np.ndarray:
        was_training = model.training
        model.eval()
        try:
            with ag.no_grad():
                output = model(ag.Tensor(points))
                return np.asarray(output.sigmoid() if logits else output).reshape(-1)
        finally:
            model.train(was_training)

    return predict


def _draw_boundary(ax: Any, predict: Predictor, X: np.ndarray, Y: np.ndarray, title: str) -> None:
    """Shade where the model says class 1 (P > 0.5) and scatter the data on top."""
    margin = 0.08 * (X.max(axis=0) - X.min(axis=0)).max()
    (x_lo, y_lo), (x_hi, y_hi) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x_lo, x_hi, 240), np.linspace(y_lo, y_hi, 240))
    probability = predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    ax.contourf(xx, yy, probability > 0.5, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6cdf4"])
    ax.contour(xx, yy, probability, levels=[0.5], colors="k", linewidths=0.8)
    labels = Y.reshape(-1)
    ax.scatter(*X[labels == 0].T, s=9, c="#c0392b", edgecolors="none", label="class 0")
    ax.scatter(*X[labels == 1].T, s=9, c="#1f4e9c", edgecolors="none", label="class 1")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def save_decision_boundaries(
    panels: Sequence[tuple[str, Predictor]],
    X: np.ndarray,
    Y: np.ndarray,
    path: str | Path,
    columns: int = 3,
    panel_width: float = 3.2,
) -> Path | None:
    """One panel per (title, predictor): the decision boundary over the points X, Y.
    ``panel_width`` is each panel's width in inches."""
    plt = pyplot()
    if plt is None:
        return None
    rows = -(-len(panels) // columns)
    cols = min(columns, len(panels))
    size = (panel_width * cols, 0.94 * panel_width * rows)
    fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False)
    for ax, (title, predict) in zip(axes.ravel(), panels):
        _draw_boundary(ax, predict, np.asarray(X), np.asarray(Y), title)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    return _save(plt, fig, path)


def coinciding(
    curves: Mapping[str, Sequence[float]], tolerance: float = 0.01
) -> list[tuple[str, str, float]]:
    """Pairs of curves a plot of them all cannot tell apart: (first, second, largest gap),
    where the largest gap |a − b| over the shared length is at most `tolerance` of the plot's
    height (the range of all finite values). A reader told that two curves coincide knows why
    one of them seems to be missing."""
    arrays = {name: np.asarray(values, dtype=np.float64) for name, values in curves.items()}
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays.values()] + [np.empty(0)])
    height = float(finite.max() - finite.min()) if finite.size else 0.0
    names = list(arrays)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a, b = arrays[first], arrays[second]
            n = min(len(a), len(b))
            if n == 0 or len(a) != len(b):
                continue
            gap = float(np.max(np.abs(a[:n] - b[:n])))
            if np.isfinite(gap) and gap <= tolerance * height:
                pairs.append((first, second, gap))
    return pairs


def save_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | Path,
    title: str,
    xlabel: str = "epoch",
    ylabel: str = "cost",
    x: Sequence[float] | None = None,
) -> Path | None:
    """Line plot of each named curve (e.g. the cost per epoch of several optimisers), against
    `x` when given (else 1, 2, ...). A curve that coincides with an earlier one (`coinciding`)
    is drawn dashed on top of it and its legend says so: "momentum (= mini-batch GD)"."""
    plt = pyplot()
    if plt is None:
        return None
    same = {second: first for first, second, _ in coinciding(curves)}
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for name, values in curves.items():
        xs = np.arange(1, len(values) + 1) if x is None else np.asarray(x)[: len(values)]
        if name in same:
            label = f"{name} (= {same[name]}: the curves coincide)"
            ax.plot(xs, values, label=label, linewidth=1.6, linestyle=(0, (4, 3)))
        else:
            ax.plot(xs, values, label=name, linewidth=1.2)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


CHROMIUM_MISSING = (
    "no screenshot: it needs Debian's chromium and chromium-driver (make docs installs them) "
    "and selenium (`pip install -e '.[browser]'`)"
)


def screenshot(
    page: str | Path, path: str | Path, clicks: int = 0, size: tuple[int, int] = (1000, 640)
) -> Path | None:
    """Open the HTML `page` in headless Chromium, press its "next" button `clicks` times and
    save a PNG of the window (`size` in pixels) to `path`; None when Chromium or selenium is
    missing (see CHROMIUM_MISSING)."""
    import shutil
    import tempfile

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        return None
    if browser is None or driver is None:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
    ):  # fmt: skip
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:  # the window includes some browser chrome: make the page itself `size`
        metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}
        session.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        session.get(Path(page).resolve().as_uri())
        for _ in range(clicks):
            session.find_element(By.ID, "next").click()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        session.save_screenshot(str(path))
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return path
