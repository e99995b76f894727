"""Functions of matrices, exported as ``autograd_lite.linalg`` like ``numpy.linalg``: norm,
inv, det, solve (batched over leading axes where NumPy is)."""

from __future__ import annotations
