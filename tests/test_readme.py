"""Every ```python block of the README runs on its own, as pasted, in a fresh interpreter.

Each block runs in an empty temporary folder (the files the snippets write land there), with
only the checkout on the import path: a snippet that forgets an import fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[tuple[int, str]]:
    """(line number, source) of each ```python block."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


def test_the_readme_has_python_snippets():
    assert len(python_blocks()) >= 5


@pytest.mark.parametrize("line, source", python_blocks(), ids=lambda v: f"line {v}"[:12])
def test_readme_snippet_runs_as_pasted(line, source, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"README.md line {line}:\n{result.stderr[-3000:]}"


def test_every_file_the_readme_links_or_names_exists():
    text = README.read_text(encoding="utf-8")
    linked = re.findall(r"\]\(([^)#]+?)\)", text)
    named = re.findall(
        r"`((?:examples|docs|benchmarks|tests|scripts|autograd_lite)/[\w./-]+)`", text
    )
    missing = sorted({p for p in linked + named if "://" not in p and not (REPO / p).exists()})
    assert not missing, f"README.md refers to files that are not in the repository: {missing}"


def test_the_readme_names_the_course_it_follows_once():
    text = README.read_text(encoding="utf-8")
    assert text.count("Deep Learning Specialization") == 1


def test_the_readme_lists_every_op_as_the_op_table_declares_it():
    from autograd_lite.ops.table import markdown_table

    text = README.read_text(encoding="utf-8")
    start = text.index("\n", text.index("<!-- op table: begin")) + 1
    stop = text.index("<!-- op table: end -->")
    assert text[start:stop].strip() == markdown_table().strip(), (
        "README's op table is stale: run `make docs` (scripts/update-readme-ops)"
    )
