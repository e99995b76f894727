"""Small seeded data sets for the examples: the course's 2-D toy sets and a synthetic image task.

Every generator is deterministic for a given ``seed`` and needs nothing but NumPy (no download,
no data files). Conventions (API.md): examples are rows, so ``X`` has shape ``(m, n_features)``.

Labels:
    binary sets      Y of shape (m, 1), float64 0.0 / 1.0 — the shape a ``Dense(n, 1)`` output
                     has, so ``nn.BCELoss()(model(X), Y)`` needs no reshape
                     (the course's Y of shape (1, m), transposed);
    synthetic_digits y of shape (m,), int64 class labels 0..9 — what ``nn.CrossEntropyLoss``
                     takes.

The 2-D sets follow the generators of the classic deep-learning course's assignments (Andrew
Ng's *Neural Networks and Deep Learning* and *Improving Deep Neural Networks*, deeplearning.ai):

    planar_flower    the "flower" of the planar-classification assignment, r = a·sin(4t) petals;
    moons            two interleaved half circles (the optimisation assignment; the course draws
                     them with scikit-learn's make_moons, whose geometry this follows);
    circles          two concentric noisy circles (the initialisation assignment, after
                     scikit-learn's make_circles);
    noisy_sine       a stand-in for the regularisation assignment's "goalkeeper" data (a .mat
                     file of the course): two classes split by a wavy boundary with flipped
                     labels, small enough that an unregularised network overfits.

``synthetic_digits`` is NOT the real 8×8 hand-written digits set (UCI / scikit-learn, 1,797
images): neither NumPy nor any other dependency of this project ships it, and nothing is
downloaded. It draws digit-like glyphs procedurally (see its docstring), so results on it are
comparable with each other but not with published numbers on the real digits.
"""

from __future__ import annotations

import numpy as np

from autograd_lite.validation import integer, real_array, real_number

from .data import random_generator

__all__ = [
    "circles",
    "digit_images",
    "moons",
    "noisy_sine",
    "planar_flower",
    "synthetic_digits",
]


def _check_count(name: str, m: int, minimum: int = 2) -> int:
    return integer(m, "m", name, minimum=minimum)


def _noise(name: str, noise: float) -> float:
    return real_number(noise, "noise", name, minimum=0.0)


def _shuffled(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(X))
    return X[order], Y[order]


def planar_flower(
    m: int = 400, noise: float = 0.2, petal_radius: float = 4.0, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The course's "flower": two classes of ``m / 2`` points, each a noisy polar curve.

    For class j ∈ {0, 1}, with N = m / 2 points:

        t = linspace(3.12·j, 3.12·(j + 1), N) + noise·randn(N)        (angle)
        r = a·sin(4t) + noise·randn(N)                                 (radius, a = petal_radius)
        x = (r·sin t, r·cos t)

    so each class draws half of a four-petal rose and the two halves interleave: no straight
    line separates them (logistic regression gets ~47%, a 4-unit tanh layer ~90%).

    The draws come from NumPy's legacy ``RandomState(seed)`` in the course's order, so with
    the default ``seed=1`` these are the assignment's 400 points exactly.

    Returns X of shape (m, 2) and Y of shape (m, 1) (0.0 for the first half, 1.0 for the
    second; rows are not shuffled).
    """
    m = _check_count("planar_flower", m)
    if m % 2:
        raise ValueError(f"planar_flower: m must be even (two equal classes), got {m}")
    noise = _noise("planar_flower", noise)
    petal_radius = real_number(petal_radius, "petal_radius", "planar_flower")
    rng = np.random.RandomState(
        integer(seed, "seed", "planar_flower", minimum=0, maximum=2**32 - 1)
    )
    half = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for label in range(2):
        t = np.linspace(3.12 * label, 3.12 * (label + 1), half) + noise * rng.randn(half)
        r = petal_radius * np.sin(4.0 * t) + noise * rng.randn(half)
        rows = slice(label * half, (label + 1) * half)
        X[rows, 0] = r * np.sin(t)
        X[rows, 1] = r * np.cos(t)
        Y[rows] = label
    return X, Y


def moons(m: int = 300, noise: float = 0.2, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise (class 0 on top, class 1 below):

        class 0: (cos s, sin s),              s ∈ [0, π]
        class 1: (1 − cos s, 0.5 − sin s),    s ∈ [0, π]
        then x += noise · N(0, I)

    Returns shuffled X of shape (m, 2) and Y of shape (m, 1).
    """
    m = _check_count("moons", m)
    noise = _noise("moons", noise)
    rng = random_generator(seed, "moons")
    n_top = m // 2
    n_bottom = m - n_top
    s_top = np.linspace(0.0, np.pi, n_top)
    s_bottom = np.linspace(0.0, np.pi, n_bottom)
    top = np.column_stack([np.cos(s_top), np.sin(s_top)])
    bottom = np.column_stack([1.0 - np.cos(s_bottom), 0.5 - np.sin(s_bottom)])
    X = np.concatenate([top, bottom]) + noise * rng.standard_normal((m, 2))
    Y = np.concatenate([np.zeros(n_top), np.ones(n_bottom)])[:, None]
    return _shuffled(X, Y, rng)


def circles(
    m: int = 300, noise: float = 0.05, factor: float = 0.8, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the unit circle, class 1 on the circle of radius
    ``factor`` inside it, each point moved by ``noise · N(0, I)``.

    Returns shuffled X of shape (m, 2) and Y of shape (m, 1).
    """
    m = _check_count("circles", m)
    noise = _noise("circles", noise)
    factor = real_number(
        factor,
        "factor (the inner radius)",
        "circles",
        minimum=0.0,
        maximum=1.0,
        open_min=True,
        open_max=True,
    )
    rng = random_generator(seed, "circles")
    n_outer = m // 2
    n_inner = m - n_outer
    angle_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    angle_inner = np.linspace(0.0, 2.0 * np.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(angle_outer), np.sin(angle_outer)])
    inner = factor * np.column_stack([np.cos(angle_inner), np.sin(angle_inner)])
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((m, 2))
    Y = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])[:, None]
    return _shuffled(X, Y, rng)


def noisy_sine(
    m: int = 200, flip: float = 0.1, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A noisy 2-D task for the regularisation lesson.

    Points are uniform in the square [−1, 1]²; the true class is 1 above the wavy boundary

        x₂ = 0.35 · sin(3 x₁) + noise · N(0, 1)   (the noise jitters each point's boundary)

    and then a fraction ``flip`` of the labels is flipped at random. The flipped points are
    what an unregularised network bends its boundary to fit: it gains training accuracy and
    loses test accuracy, which L2 and dropout win back.

    Draw the training and test sets with different seeds. Returns X of shape (m, 2) and Y of
    shape (m, 1).
    """
    m = _check_count("noisy_sine", m)
    flip = real_number(flip, "flip", "noisy_sine", minimum=0.0, maximum=0.5, open_max=True)
    noise = _noise("noisy_sine", noise)
    rng = random_generator(seed, "noisy_sine")
    X = rng.uniform(-1.0, 1.0, size=(m, 2))
    boundary = 0.35 * np.sin(3.0 * X[:, 0]) + noise * rng.standard_normal(m)
    labels = X[:, 1] > boundary
    flipped = rng.random(m) < flip
    Y = (labels ^ flipped).astype(np.float64)[:, None]
    return X, Y


# ------------------------------------------------------------------------------ synthetic digits

# Each digit is one or more polylines in a unit box (x to the right, y downwards), drawn the
# way a person writes it. Loops are closed polylines.
_GLYPH_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.1), (0.76, 0.25), (0.8, 0.5), (0.76, 0.75), (0.5, 0.9),
         (0.24, 0.75), (0.2, 0.5), (0.24, 0.25), (0.5, 0.1)]],
    1: [[(0.32, 0.28), (0.55, 0.1), (0.55, 0.9)]],
    2: [[(0.2, 0.3), (0.35, 0.12), (0.65, 0.12), (0.8, 0.3), (0.72, 0.5),
         (0.2, 0.9), (0.82, 0.9)]],
    3: [[(0.2, 0.12), (0.78, 0.12), (0.45, 0.45), (0.75, 0.58), (0.78, 0.78),
         (0.55, 0.92), (0.2, 0.86)]],
    4: [[(0.66, 0.9), (0.66, 0.1), (0.18, 0.64), (0.86, 0.64)]],
    5: [[(0.8, 0.1), (0.26, 0.1), (0.22, 0.46), (0.6, 0.42), (0.8, 0.6),
         (0.76, 0.84), (0.5, 0.92), (0.2, 0.85)]],
    6: [[(0.72, 0.1), (0.36, 0.34), (0.22, 0.66), (0.36, 0.9), (0.64, 0.9),
         (0.78, 0.7), (0.6, 0.52), (0.26, 0.6)]],
    7: [[(0.18, 0.1), (0.82, 0.1), (0.42, 0.9)]],
    8: [[(0.5, 0.1), (0.74, 0.2), (0.72, 0.38), (0.5, 0.48), (0.28, 0.38),
         (0.26, 0.2), (0.5, 0.1)],
        [(0.5, 0.48), (0.78, 0.6), (0.76, 0.82), (0.5, 0.92), (0.24, 0.82),
         (0.22, 0.6), (0.5, 0.48)]],
    9: [[(0.76, 0.36), (0.6, 0.12), (0.36, 0.12), (0.22, 0.3), (0.36, 0.5),
         (0.62, 0.5), (0.76, 0.36), (0.7, 0.9)]],
}  # fmt: skip


def _segments(digit: int) -> np.ndarray:
    """The glyph's line segments as an array (n_segments, 2 endpoints, 2 coordinates)."""
    pieces = []
    for line in _GLYPH_STROKES[digit]:
        points = np.asarray(line)
        pieces.append(np.stack([points[:-1], points[1:]], axis=1))
    return np.concatenate(pieces)


def _distance_to_segments(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest segment.

    points (n, P, 2), starts / ends (n, S, 2) → (n, P): for each image n, pixel P, the
    minimum over segments S of |p − (a + u·(b − a))| with u = clip(((p−a)·(b−a)) / |b−a|², 0, 1).
    """
    direction = ends - starts  # (n, S, 2)
    offset = points[:, :, None, :] - starts[:, None, :, :]  # (n, P, S, 2)
    length2 = np.maximum((direction**2).sum(-1), 1e-12)[:, None, :]  # (n, 1, S)
    u = np.clip((offset * direction[:, None]).sum(-1) / length2, 0.0, 1.0)  # (n, P, S)
    nearest = offset - u[..., None] * direction[:, None]
    return np.sqrt((nearest**2).sum(-1)).min(axis=-1)


def synthetic_digits(
    m: int = 1797, size: int = 8, noise: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A SYNTHETIC stand-in for the 8×8 hand-written digits: ``m`` grey images of the digits
    0–9 drawn procedurally, balanced over the classes, shuffled.

    Each image is one digit's strokes (a fixed polyline per digit, ``_GLYPH_STROKES``) put
    through a random affine "hand": rotation ±12°, shear ±0.3, scale 0.8–1.1 per axis, shift
    ±0.9 pixel; then rendered on a ``size × size`` grid with a random stroke width
    (0.45–0.9 pixel) and anti-aliased edges (ink = clip(width + 0.5 − distance, 0, 1)), and
    finally given Gaussian pixel noise of std ``noise``, clipped to [0, 1].

    This is not real handwriting (the UCI / scikit-learn digits are not available without a
    download or a new dependency); it is a deterministic image task of the same shape, hard
    enough that a linear model and a deep network differ.

    Returns X of shape (m, size²) — each row an image flattened row by row, values in [0, 1]
    — and y of shape (m,), int64 labels. ``digit_images(X)`` gives the (m, size, size) view.
    """
    m = _check_count("synthetic_digits", m, minimum=1)
    size = integer(size, "size", "synthetic_digits", minimum=2)
    noise = _noise("synthetic_digits", noise)
    rng = random_generator(seed, "synthetic_digits")
    labels = rng.permutation(np.arange(m) % 10)
    rows, cols = np.divmod(np.arange(size * size), size)
    centres = (np.column_stack([cols, rows]) + 0.5) / size  # pixel centres in the unit box
    X = np.zeros((m, size * size))
    for digit in range(10):
        which = np.flatnonzero(labels == digit)
        n = len(which)
        if n == 0:
            continue
        # a random affine map per image: p -> A (p − c) + c + shift, c the box's centre
        angle = rng.uniform(-0.21, 0.21, n)
        shear = rng.uniform(-0.3, 0.3, n)
        scale = rng.uniform(0.8, 1.1, (n, 2))
        shift = rng.uniform(-0.9, 0.9, (n, 2)) / size
        cos, sin = np.cos(angle), np.sin(angle)
        A = np.empty((n, 2, 2))
        A[:, 0, 0] = scale[:, 0] * cos  # A = rotation · shear · scale
        A[:, 0, 1] = scale[:, 1] * (cos * shear - sin)
        A[:, 1, 0] = scale[:, 0] * sin
        A[:, 1, 1] = scale[:, 1] * (sin * shear + cos)
        segments = _segments(digit) - 0.5  # (S, 2, 2), centred
        moved = np.einsum("nij,sej->nsei", A, segments) + 0.5 + shift[:, None, None, :]
        # distances in pixel units, so the stroke width is in pixels too
        pixels = np.broadcast_to(centres * size, (n, size * size, 2))
        distance = _distance_to_segments(pixels, moved[:, :, 0] * size, moved[:, :, 1] * size)
        width = rng.uniform(0.45, 0.9, (n, 1))
        X[which] = np.clip(width + 0.5 - distance, 0.0, 1.0)
    X = np.clip(X + noise * rng.standard_normal(X.shape), 0.0, 1.0)
    return X, labels.astype(np.int64)


def digit_images(X: np.ndarray, size: int = 8) -> np.ndarray:
    """The rows of ``synthetic_digits``' X as images: shape (m, size, size)."""
    size = integer(size, "size", "digit_images", minimum=1)
    X = real_array(X, "X", "digit_images")
    if X.ndim != 2 or X.shape[1] != size * size:
        raise ValueError(
            f"digit_images: X must have shape (m, {size * size}) for size={size}, got {X.shape}"
        )
    return X.reshape(len(X), size, size)
