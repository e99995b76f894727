"""Rows for the ops of autograd_lite/ops/ordering.py."""

from __future__ import annotations

from optable import Rows

ROWS = Rows()
