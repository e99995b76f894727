"""Ordering: sort (differentiable: the gradient follows each value to where it came from),
and argsort, argmax, argmin (integer results, no gradient)."""

from __future__ import annotations
