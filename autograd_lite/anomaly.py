"""Anomaly detection hooks (placeholder: the full `detect_anomaly` arrives with gradcheck/viz)."""

from __future__ import annotations

from typing import Any


def check_forward(op: Any, parents: Any, data: Any) -> None:
    """Called for every op while anomaly detection is on."""


def creation_trace() -> Any:
    """The user's stack where a node is created, while anomaly detection is on."""
    return None


def check_backward(tensor: Any, parent_index: int, grad: Any) -> None:
    """Called for every partial gradient while anomaly detection is on."""
