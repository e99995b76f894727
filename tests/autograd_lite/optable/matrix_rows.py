"""Rows for the ops of autograd_lite/ops/matrix_functions.py."""

from __future__ import annotations

from optable import Rows

ROWS = Rows()
